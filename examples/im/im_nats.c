/* im_nats.c — the IM programs' NATS connection (see im_nats.h). */
#include "im_nats.h"

#include <stdio.h>
#include <string.h>

#include "im_util.h"

int im_nats_open(natsConnection **nc, const im_addr *a, const char *name)
{
    natsOptions *o = NULL;
    char url[64];
    snprintf(url, sizeof url, "nats://%s:%u", a->host, a->port);
    natsStatus s = natsOptions_Create(&o);
    if (s == NATS_OK)
        s = natsOptions_SetURL(o, url);
    if (s == NATS_OK)
        s = natsOptions_SetName(o, name);
    if (s == NATS_OK)
        s = natsOptions_SetTimeout(o, 5000);
    if (s == NATS_OK)
        s = natsOptions_SetMaxReconnect(o, 10);
    if (s == NATS_OK)
        s = natsConnection_Connect(nc, o);
    natsOptions_Destroy(o);
    if (s != NATS_OK) {
        im_log("NATS %s: %s", url, natsStatus_GetText(s));
        return -1;
    }
    return 0;
}

void im_nats_close(natsConnection *nc)
{
    if (nc == NULL)
        return;
    natsConnection_FlushTimeout(nc, 2000);
    natsConnection_Destroy(nc);
}

int im_node_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > IM_NODE_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
            return 0;
    return 1;
}

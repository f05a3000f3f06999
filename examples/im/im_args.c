/* im_args.c — option parsing and address/URL parsing of the IM programs. */
#include "im_args.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "im_util.h"

static void im_args_usage(FILE *out, const im_opt *opts, size_t n, const char *summary)
{
    fprintf(out, "usage: %s", im_prog());
    for (size_t i = 0; i < n; i++)
        fprintf(out, opts[i].required ? " --%s %s" : " [--%s %s]", opts[i].name, opts[i].metavar);
    fprintf(out, "\n\n%s\n\noptions:\n", summary);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "  --%-16s %s\n", opts[i].name, opts[i].help);
    fprintf(out, "  --%-16s %s\n", "help", "print this text and exit");
}

static const im_opt *im_args_find(const char *arg, const im_opt *opts, size_t n)
{
    if (strncmp(arg, "--", 2) != 0)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(arg + 2, opts[i].name) == 0)
            return &opts[i];
    return NULL;
}

static int im_args_bad(const im_opt *opts, size_t n, const char *summary, const char *msg,
                       const char *what)
{
    fprintf(stderr, "%s: %s%s\n", im_prog(), msg, what);
    im_args_usage(stderr, opts, n, summary);
    return IM_ARGS_BAD;
}

int im_args_parse(int argc, char **argv, const im_opt *opts, size_t n, const char *summary)
{
    unsigned char seen[32] = { 0 };
    if (n > sizeof seen)
        return IM_ARGS_BAD;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            im_args_usage(stdout, opts, n, summary);
            return IM_ARGS_HELP;
        }
        const im_opt *o = im_args_find(argv[i], opts, n);
        if (!o)
            return im_args_bad(opts, n, summary, "unknown argument: ", argv[i]);
        if (i + 1 >= argc)
            return im_args_bad(opts, n, summary, "missing value for ", argv[i]);
        *o->value = argv[++i];
        seen[o - opts] = 1;
    }
    for (size_t k = 0; k < n; k++)
        if (opts[k].required && !seen[k])
            return im_args_bad(opts, n, summary, "missing required option --", opts[k].name);
    return IM_ARGS_RUN;
}

int im_addr_parse(const char *s, im_addr *a, int allow_zero)
{
    const char *colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= sizeof a->host)
        return -1;
    memcpy(a->host, s, (size_t)(colon - s));
    a->host[colon - s] = '\0';
    struct in_addr ia;
    if (inet_pton(AF_INET, a->host, &ia) != 1)
        return -1;
    const char *digits = colon + 1;
    size_t nd = strspn(digits, "0123456789");
    if (nd == 0 || nd > 5 || digits[nd] != '\0')
        return -1;
    long port = strtol(digits, NULL, 10);
    if (port < (allow_zero ? 0 : 1) || port > 65535)
        return -1;
    a->port = (unsigned short)port;
    return 0;
}

int im_url_parse(const char *s, im_url *u)
{
    char hostport[64];
    if (strncmp(s, "http://", 7) != 0)
        return -1;
    s += 7;
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    if (n >= sizeof hostport)
        return -1;
    memcpy(hostport, s, n);
    hostport[n] = '\0';
    if (im_addr_parse(hostport, &u->addr, 0) != 0)
        return -1;
    const char *path = slash ? slash : "";
    if (strlen(path) >= sizeof u->path || strpbrk(path, " \t\r\n"))
        return -1;
    strcpy(u->path, path);
    return 0;
}

void im_url_strip_slash(im_url *u)
{
    size_t n = strlen(u->path);
    while (n > 0 && u->path[n - 1] == '/')
        u->path[--n] = '\0';
}

int im_args_bad_value(const char *opt, const char *value, const char *want)
{
    fprintf(stderr, "%s: bad --%s '%s' (want %s)\n", im_prog(), opt, value, want);
    return IM_ARGS_BAD;
}

void im_addr_sockaddr(const im_addr *a, struct sockaddr_in *sin)
{
    memset(sin, 0, sizeof *sin);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(a->port);
    inet_pton(AF_INET, a->host, &sin->sin_addr);
}

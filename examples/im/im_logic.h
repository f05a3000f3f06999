/* im_logic.h — what the parts of im-logic share: its connections, the message JSON and the two
 * request handlers (im_logic_send.c, im_logic_history.c). */
#ifndef IM_LOGIC_H
#define IM_LOGIC_H

#include "im_buf.h"
#include "im_http.h"
#include "im_mysql.h"
#include "im_nats.h"
#include "im_redis.h"

#define IM_HISTORY_KEEP  50    /* LTRIM im:history:<user> 0 49 */
#define IM_HISTORY_SHOW  20    /* messages in a /history answer */
#define IM_HISTORY_TTL_S 300   /* cache lifetime after a refill from MySQL */

typedef struct im_logic {
    im_mysql db;
    im_redis redis;
    natsConnection *nats;   /* delivery requests to the comet nodes */
} im_logic;

/* {"id":ID,"from":"..","to":"..","text":".."} — the form of a message in Redis and in answers. */
void im_logic_msg_json(im_buf *b, const char *id, const char *from, const char *to,
                       const char *text);

void im_logic_send(void *ctx, const im_http_req *req, im_http_resp *resp);
void im_logic_history(void *ctx, const im_http_req *req, im_http_resp *resp);

#endif

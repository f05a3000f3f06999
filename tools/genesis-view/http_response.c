/* genesis-view: HTTP/1.1 response serialisation. */
#include "tools/genesis-view/http.h"

const char *gv_http_reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Status";
    }
}

void gv_http_write_response(struct gv_buf *out, const struct gv_resp_head *h, const void *body,
                            size_t len)
{
    int no_body = h->status == 204 || h->status == 304 || h->status < 200;
    gv_buf_printf(out, "HTTP/1.1 %d %s\r\n", h->status, gv_http_reason(h->status));
    if (h->content_type && !no_body)
        gv_buf_printf(out, "Content-Type: %s\r\n", h->content_type);
    if (!no_body)
        gv_buf_printf(out, "Content-Length: %zu\r\n", len);
    if (h->retry_after >= 0)
        gv_buf_printf(out, "Retry-After: %d\r\n", h->retry_after);
    if (h->allow)
        gv_buf_printf(out, "Allow: %s\r\n", h->allow);
    gv_buf_adds(out, h->keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n");
    if (!no_body && len)
        gv_buf_add(out, body, len);
}

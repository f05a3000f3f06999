/* im_args.h — command-line options (`--name value`, `--help`) and the numeric IPv4 addresses
 * and http:// URLs the IM programs take. */
#ifndef IM_ARGS_H
#define IM_ARGS_H

#include <netinet/in.h>
#include <stddef.h>

typedef struct im_opt {
    const char  *name;      /* "listen" for --listen */
    const char  *metavar;   /* "127.0.0.1:PORT", shown in the usage text */
    const char  *help;
    int          required;
    const char **value;     /* set to the argument; keep a default in it for optional ones */
} im_opt;

enum { IM_ARGS_RUN = 0, IM_ARGS_HELP = 1, IM_ARGS_BAD = 2 };

/* Parses argv against opts. IM_ARGS_HELP: the usage was printed on stdout (exit 0);
 * IM_ARGS_BAD: a message and the usage went to stderr (exit 2). */
int im_args_parse(int argc, char **argv, const im_opt *opts, size_t nopts, const char *summary);

typedef struct im_addr {
    char           host[INET_ADDRSTRLEN];
    unsigned short port;
} im_addr;

typedef struct im_url {
    im_addr addr;
    char    path[256];   /* "" when the URL has no path, else it starts with '/' */
} im_url;

/* "127.0.0.1:PORT" (numeric IPv4; PORT 1-65535, or 0 if allow_zero). 0 or -1. */
int im_addr_parse(const char *s, im_addr *a, int allow_zero);

/* "http://127.0.0.1:PORT[/path]". 0 or -1. */
int im_url_parse(const char *s, im_url *u);

/* Drops trailing '/' from the path, for base URLs ("http://h:p/" -> path ""). */
void im_url_strip_slash(im_url *u);

/* Prints "<prog>: bad --opt 'value' (want ...)" on stderr; returns 2, the exit status. */
int  im_args_bad_value(const char *opt, const char *value, const char *want);

/* Fills a sockaddr_in for a. */
void im_addr_sockaddr(const im_addr *a, struct sockaddr_in *sin);

#endif

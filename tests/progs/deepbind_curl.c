/* deepbind_curl.c — loads libcurl with dlopen(RTLD_DEEPBIND), as PHP's curl extension does, and
 * GETs a URL: libcurl's connect/send/recv then bind to libc inside its own scope, past an
 * LD_PRELOAD library, unless that library redirects them.
 *
 * usage: deepbind_curl URL [LIBCURL [COUNT [WARM_PORT]]]
 * Prints the status code and the body of each of COUNT (default 1) requests. With WARM_PORT, it
 * first connects to 127.0.0.1:WARM_PORT and waits (at most 5 s) until some libcurl is mapped into
 * the process — under the library with OTLP export, the exporter's — before loading its own. */
#include <curl/curl.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

typedef CURL *(*easy_init_fn)(void);
typedef CURLcode (*easy_setopt_fn)(CURL *, CURLoption, ...);
typedef CURLcode (*easy_perform_fn)(CURL *);
typedef CURLcode (*easy_getinfo_fn)(CURL *, CURLINFO, ...);
typedef void (*easy_cleanup_fn)(CURL *);

static size_t body(char *p, size_t size, size_t n, void *ud)
{
    (void)ud;
    return fwrite(p, size, n, stdout);
}

static int libcurl_mapped(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    int found = 0;
    while (f != NULL && !found && fgets(line, sizeof line, f))
        found = strstr(line, "libcurl") != NULL;
    if (f != NULL)
        fclose(f);
    return found;
}

static void warm_up(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0) {
        (void)connect(fd, (struct sockaddr *)&sin, sizeof sin);
        close(fd);
    }
    for (int i = 0; i < 500 && !libcurl_mapped(); i++)
        nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: deepbind_curl URL [LIBCURL [COUNT]]\n");
        return 2;
    }
    const char *name = argc > 2 ? argv[2] : "libcurl.so.4";
    int count = argc > 3 ? atoi(argv[3]) : 1;
    if (argc > 4)
        warm_up(atoi(argv[4]));
    void *h = dlopen(name, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (h == NULL) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    easy_init_fn init = (easy_init_fn)dlsym(h, "curl_easy_init");
    easy_setopt_fn setopt = (easy_setopt_fn)dlsym(h, "curl_easy_setopt");
    easy_perform_fn perform = (easy_perform_fn)dlsym(h, "curl_easy_perform");
    easy_getinfo_fn getinfo = (easy_getinfo_fn)dlsym(h, "curl_easy_getinfo");
    easy_cleanup_fn cleanup = (easy_cleanup_fn)dlsym(h, "curl_easy_cleanup");
    if (!init || !setopt || !perform || !getinfo || !cleanup) {
        fprintf(stderr, "dlsym: %s\n", dlerror());
        return 1;
    }
    for (int i = 0; i < count; i++) {
        CURL *c = init();
        setopt(c, CURLOPT_URL, argv[1]);
        setopt(c, CURLOPT_NOPROXY, "*");
        setopt(c, CURLOPT_WRITEFUNCTION, body);
        CURLcode rc = perform(c);
        long code = 0;
        getinfo(c, CURLINFO_RESPONSE_CODE, &code);
        printf("\nresult %d status %ld\n", (int)rc, code);
        cleanup(c);
    }
    fflush(stdout);
    dlclose(h);
    return 0;
}

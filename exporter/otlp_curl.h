/* otlp_curl.h — the lazily loaded libcurl, shared by the loader (otlp_curl.c) and the
 * transport (otlp_http.c). Exporter thread only, except where otlp_http.h says otherwise. */
#ifndef GA_OTLP_CURL_H
#define GA_OTLP_CURL_H

#define CURL_DISABLE_DEPRECATION 1
#include <curl/curl.h>

/* The libcurl functions the transport calls, resolved with dlsym from libcurl's own handle
 * (never linked: see otlp_http.h). Valid once ga_otlp_http_prepare() returned 0. */
typedef struct ga_curl_api {
    CURLcode (*global_init_mem)(long, curl_malloc_callback, curl_free_callback,
                                curl_realloc_callback, curl_strdup_callback, curl_calloc_callback);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    const char *(*easy_strerror)(CURLcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_setopt)(CURLM *, CURLMoption, ...);
    CURLMcode (*multi_add_handle)(CURLM *, CURL *);
    CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
    CURLMcode (*multi_socket_action)(CURLM *, curl_socket_t, int, int *);
    CURLMsg *(*multi_info_read)(CURLM *, int *);
    void (*easy_cleanup)(CURL *);
    CURLMcode (*multi_cleanup)(CURLM *);
    void (*slist_free_all)(struct curl_slist *);
} ga_curl_api;

extern ga_curl_api ga_curl;

/* 0 when the OpenSSL libcurl brought has already been shut down by the host (no TLS then). */
int ga_otlp_openssl_alive(void);

/* 1 once libcurl was loaded, or found unusable, in this process (or before its fork). */
int ga_otlp_curl_settled(void);

#endif

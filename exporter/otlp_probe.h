/* otlp_probe.h — is anything listening at a collector's address? A plain TCP connect, made
 * before libcurl is loaded: a process whose collector refuses connections never maps libcurl
 * and the thirty-odd libraries it brings (OpenSSL, GnuTLS, Kerberos, ...), which would make
 * every later fork and exit of the process, and of each of its children, several times dearer
 * (docs/benchmarks.md#fork-storm-with-the-collector-down).
 *
 * Only addresses known without a lookup are probed: a numeric IPv4 or [IPv6] host, and
 * `localhost` (both 127.0.0.1 and ::1: refused only when both refuse). Exporter thread only;
 * the socket is the library's own (ga_own), closed before returning. */
#ifndef GA_OTLP_PROBE_H
#define GA_OTLP_PROBE_H

/* 1: every address of `url` refused the connection (nothing listens); 0: one accepted, or no
 * answer within `timeout_ms`, or the host is a name this probe does not resolve. */
int ga_otlp_probe_refused(const char *url, int timeout_ms);

#endif

/* otlp_health.h — what a fork family knows about its OTLP collectors (SPECS §1.4 back-off,
 * shared): once one member fails to reach a collector, no member connects to it again before
 * the back-off ends, and then only one member tries (a probe) while the others wait for its
 * outcome. A healthy collector costs one load per send and nothing else.
 *
 * The state lives in the family page (preload/family.h) when there is one, else in this
 * process only. Endpoints are told apart by scheme://host:port, so the traces and metrics of
 * one collector share what they learn. Exporter thread only (of any member). */
#ifndef GA_OTLP_HEALTH_H
#define GA_OTLP_HEALTH_H

#include <stdint.h>

/* May a connection to `url` start at `now`? 1: go (this caller may be the probe, which then
 * holds the endpoint for at most `probe_ms`). 0: not before *until (the back-off, or the
 * probe of another member, ends then). */
int ga_otlp_health_gate(const char *url, uint64_t now, uint64_t probe_ms, uint64_t *until);

/* 1 when no connection to `url` may start at `now` (in back-off, or another member probing);
 * takes nothing (unlike the gate). */
int ga_otlp_health_down(const char *url, uint64_t now);

/* 1 when the last attempt on `url` found it unreachable (whether or not its back-off is over). */
int ga_otlp_health_failing(const char *url);

/* The outcome of an attempt: `reachable` (an HTTP answer came back, whatever its status) or
 * not (no connection, or it closed before any answer). An unreachable endpoint is left alone
 * for ga_otlp_backoff_ms(consecutive failures, rnd). */
void ga_otlp_health_report(const char *url, int reachable, uint64_t now, uint64_t rnd);

/* 1 when this process exports only over OTLP (traces, metrics, captured logs: no console, no
 * Prometheus) and every collector it exports to is known down at `now` by its fork family
 * (ga_otlp_health_down); *until is then the earliest time one of them may be tried again.
 * 0 otherwise, and always without a family page. Any thread (atomic loads only once the
 * endpoints' keys are known; the first call in a process reads their configuration). Used to
 * keep a forked child that would have nothing to send from starting its exporter thread. */
int ga_otlp_health_all_down(uint64_t now, uint64_t *until);

/* 1 when every collector this process exports to over OTLP (traces, metrics, captured logs)
 * was unreachable when last tried (ga_otlp_health_failing), whether or not its back-off is
 * over; 1 as well when none is OTLP. Any thread, like ga_otlp_health_all_down. */
int ga_otlp_health_all_failing(void);

/* Read the OTLP endpoints' keys now (exporter thread, at its start), so that the children
 * forked from this process inherit them instead of each parsing the configuration again. */
void ga_otlp_health_prime(void);

/* The key of `url`: a hash of its scheme://host:port (never 0). */
uint64_t ga_otlp_health_key(const char *url);

#endif

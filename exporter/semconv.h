/* semconv.h — OTEL_SEMCONV_STABILITY_OPT_IN: `database/dup` and `http/dup` make span
 * attributes also carry their names from before the stable conventions (SPECS-2.md §10), so
 * tools that still key on them (Grafana Tempo's service graph: db.system, db.name) keep
 * working. `database`, `http` alone, or unset: stable names only.
 *
 * The work is the exporter thread's: ga_rec_attrs_w (attrs.c) puts the record's mode in the
 * attribute writer (ga_aw.dup) when its op descriptor names a domain (exporter/ops.h
 * `semconv`); every attribute written then looks up its older name here and is written once
 * more under it. Metric series are never duplicated. */
#ifndef GA_SEMCONV_H
#define GA_SEMCONV_H

#include <stddef.h>
#include <stdint.h>

struct ga_aw;

/* ga_op_desc.semconv: the domain of an op's spans. */
enum ga_semconv_domain { GA_SC_NONE = 0, GA_SC_DB, GA_SC_HTTP };

/* ga_aw.dup: which older names a span gets (0 = none). */
#define GA_DUP_DB           0x1u
#define GA_DUP_HTTP_CLIENT  0x2u
#define GA_DUP_HTTP_SERVER  0x4u
#define GA_DUP_PENDING      0x80u   /* internal: url.path seen, http.target not written yet */

/* 0 once the variable was read and asks for no older names (ga_rec_attrs_w then skips
 * ga_semconv_dup_mode); non-zero before it was read or when it asks for some. */
extern int ga_semconv_active;

/* The mode for a span of `domain` and span kind `kind` (GA_KIND_*), from the variable (parsed
 * on first use, one warning for an unknown value). */
unsigned ga_semconv_dup_mode(int domain, int kind);

/* ga_semconv_dup(), declared in attrs.h, writes the older name(s) of an attribute. */

/* The span's attributes are complete: write what waited for a later attribute (http.target
 * from url.path without url.query). */
void ga_semconv_dup_end(struct ga_aw *w);

/* Tests: parse the variable again. */
void ga_semconv_reset(void);

#endif

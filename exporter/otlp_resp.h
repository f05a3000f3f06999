/* otlp_resp.h — reading the collector's answers without a protobuf library: the
 * google.rpc.Status of an error body and the partial_success of an Export*ServiceResponse.
 *   Status { int32 code = 1; string message = 2; repeated google.protobuf.Any details = 3; }
 *   Any { string type_url = 1; bytes value = 2; }
 *   Export{Trace,Metrics,Logs}ServiceResponse { partial_success = 1 {
 *       int64 rejected_{spans,data_points,log_records} = 1; string error_message = 2; } }
 * A body is accepted or refused as a whole exactly as protobuf-c's unpack did before (the
 * callers' messages and counts do not change): bounded reads only, unknown fields skipped,
 * a known field with the wrong wire type, a bad tag, a varint over 10 bytes, a group or a
 * length past the end refuse it. Strings are copied up to their first NUL (protobuf-c gave C
 * strings) and truncated to the caller's buffer. Any thread; no allocation. */
#ifndef GA_OTLP_RESP_H
#define GA_OTLP_RESP_H

#include <stddef.h>
#include <stdint.h>

/* The message of a Status in body[0..n) into msg (NUL-terminated, at most cap - 1 bytes,
 * cap >= 1). Returns 0, or -1 when body is not a well-formed Status (msg is then ""). */
int ga_otlp_resp_status(const uint8_t *body, size_t n, char *msg, size_t cap);

/* The partial_success of an Export*ServiceResponse in body[0..n): 1 when there is one
 * (*rejected and msg, as ga_otlp_resp_status() copies strings), 0 when the body is
 * well-formed without it (an empty body is), -1 when it is not well-formed. *rejected is 0
 * and msg "" unless 1 is returned. */
int ga_otlp_resp_partial(const uint8_t *body, size_t n, int64_t *rejected, char *msg, size_t cap);

#endif

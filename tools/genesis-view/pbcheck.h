/* genesis-view: pre-check of protobuf nesting depth, so that hostile input cannot make the
 * recursive protobuf-c decoder exhaust the stack. */
#ifndef GV_PBCHECK_H
#define GV_PBCHECK_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#define GV_PB_MAX_DEPTH 100

/* 1 when a message field nests deeper than max_depth (guided by the descriptors), else 0.
 * Malformed wire data returns 0: protobuf-c rejects it itself. */
int gv_pb_too_deep(const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t n, int max_depth);

#endif

/* genesis-view: descriptor-guided protobuf wire walk bounding nesting depth (see pbcheck.h). */
#include "tools/genesis-view/pbcheck.h"

static int varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t b = *(*p)++;
        *v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) return 0;
    }
    return -1;
}

static int walk(const ProtobufCMessageDescriptor *d, const uint8_t *p, const uint8_t *end,
                int depth, int max_depth)
{
    if (depth > max_depth) return 1;
    while (p < end) {
        uint64_t tag, len;
        if (varint(&p, end, &tag)) return 0;
        switch (tag & 7) {
        case 0: if (varint(&p, end, &len)) return 0; break;
        case 1: if (end - p < 8) return 0; p += 8; break;
        case 5: if (end - p < 4) return 0; p += 4; break;
        case 2: {
            if (varint(&p, end, &len) || len > (uint64_t)(end - p)) return 0;
            const ProtobufCFieldDescriptor *f =
                tag >> 3 <= 0x1FFFFFFF ? protobuf_c_message_descriptor_get_field(d, (unsigned)(tag >> 3)) : NULL;
            if (f && f->type == PROTOBUF_C_TYPE_MESSAGE &&
                walk(f->descriptor, p, p + len, depth + 1, max_depth))
                return 1;
            p += len;
            break;
        }
        default: return 0;
        }
    }
    return 0;
}

int gv_pb_too_deep(const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t n, int max_depth)
{
    return walk(d, p, p + n, 0, max_depth);
}

# mk/proto.mk — OTLP protobuf code generation (C for genesis-view and the unit tests, Python for
# the integration tests; the preloaded library uses none of it).
#
# proto/**.proto are the in-tree OTLP subset (SPECS.md §2). Outputs:
#   $(BUILD)/gen/<path>.pb-c.{c,h}   protoc-c, e.g. opentelemetry/proto/trace/v1/trace.pb-c.h
#   $(BUILD)/gen/py/<path>_pb2.py    protoc --python_out (runtime: Debian python3-protobuf)
# protoc-c 1.4.1 rejects proto3 `optional`, so it reads a copy under $(BUILD)/proto-c rewritten
# by proto/proto3-optional-to-oneof.sed (same wire format; see proto/otlp_optional.h).
# Exposes PROTO_C_SRCS, PROTO_C_HDRS, PROTO_C_OBJS, PROTO_PY; other areas whose objects include
# generated headers outside LIB_SRCS should add `| $(PROTO_C_HDRS)` to those objects.

PROTOC         ?= protoc
PROTOC_C       ?= protoc-c
PROTO_FILES    := $(sort $(wildcard proto/opentelemetry/proto/*/v1/*.proto \
                    proto/opentelemetry/proto/collector/*/v1/*.proto proto/google/rpc/*.proto))
PROTO_NAMES    := $(patsubst proto/%.proto,%,$(PROTO_FILES))
PROTO_C_IN     := $(PROTO_NAMES:%=$(BUILD)/proto-c/%.proto)
PROTO_C_SRCS   := $(PROTO_NAMES:%=$(BUILD)/gen/%.pb-c.c)
PROTO_C_HDRS   := $(PROTO_NAMES:%=$(BUILD)/gen/%.pb-c.h)
PROTO_C_OBJS   := $(patsubst %.c,$(BUILD)/obj/%.o,$(PROTO_C_SRCS))
PROTO_PY       := $(PROTO_NAMES:%=$(BUILD)/gen/py/%_pb2.py)
# Extra flags for generated code only (it is clean today; this guards other protobuf-c versions).
PROTO_GEN_WNO  := -Wno-unused-parameter -Wno-missing-field-initializers

GEN_SRCS       += $(PROTO_C_SRCS)
TEST_TARGETS   += $(PROTO_PY)

$(BUILD)/proto-c/%.proto: proto/%.proto proto/proto3-optional-to-oneof.sed
	@mkdir -p $(dir $@)
	sed -f proto/proto3-optional-to-oneof.sed $< > $@.tmp && mv $@.tmp $@

# One pattern rule with two targets = one protoc-c run per .proto producing both files.
$(BUILD)/gen/%.pb-c.c $(BUILD)/gen/%.pb-c.h: $(BUILD)/proto-c/%.proto | $(PROTO_C_IN)
	@mkdir -p $(BUILD)/gen
	$(PROTOC_C) --c_out=$(BUILD)/gen -I$(BUILD)/proto-c $<

$(BUILD)/gen/py/%_pb2.py: proto/%.proto
	@mkdir -p $(BUILD)/gen/py
	$(PROTOC) --python_out=$(BUILD)/gen/py -Iproto $<

# Generated objects: shorter stem than the top-level $(BUILD)/obj/%.o rule, so this one wins.
# They go into genesis-view and the unit tests' core archive, never into the library (whose
# sources include no generated header: scripts/check-walls.py), so the library alone builds
# without protoc-c or protobuf-c.
$(BUILD)/obj/$(BUILD)/gen/%.o: $(BUILD)/gen/%.c | $(PROTO_C_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) $(shell pkg-config --cflags libprotobuf-c 2>/dev/null) $(PROTO_GEN_WNO) \
	    -MMD -MP -c -o $@ $<

# Keep generated files when make considers them intermediate.
.SECONDARY: $(PROTO_C_IN) $(PROTO_C_SRCS) $(PROTO_C_HDRS)

.PHONY: proto
proto: $(PROTO_C_SRCS) $(PROTO_C_HDRS) $(PROTO_PY)

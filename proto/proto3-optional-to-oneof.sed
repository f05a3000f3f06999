# protoc-c 1.4.1 (Debian 12) refuses proto3 `optional`. Rewrite each `optional T name = N;`
# into the one-member oneof protoc itself would synthesise (`oneof _name { T name = N; }`):
# same wire format and the same field presence (a set oneof member is always encoded).
# Used by mk/proto.mk on a build-time copy of the .proto files fed to protoc-c only.
s/^\([[:space:]]*\)optional[[:space:]]\{1,\}\([A-Za-z0-9_.]\{1,\}\)[[:space:]]\{1,\}\([A-Za-z0-9_]\{1,\}\)[[:space:]]*=[[:space:]]*\([0-9]\{1,\}\)[[:space:]]*;/\1oneof _\3 { \2 \3 = \4; }/

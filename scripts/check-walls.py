#!/usr/bin/env python3
"""check-walls.py — the include walls of the source tree (docs/architecture.md, "Layout").

Usage: scripts/check-walls.py [ROOT]    (ROOT defaults to the repository this script is in)

Prints one line per violation and exits 1 when there is any, else prints a summary and exits 0.
The walls:
  1. protocols/ holds pure parsers: a file there includes only protocols/ headers and the C
     library (no third-party header, nothing of the core, the hooks, the exporter or a plug-in).
  2. The exporter never includes a protocol's internals: nothing from plugins/ or protocols/.
  3. The hooks never include the exporter: hooks/ and the plug-ins' library hooks
     (plugins/<name>/hook_*.c) include nothing from exporter/.
  4. A plug-in's application-thread files (everything in its folder but <name>_ops.[ch]) never
     include the exporter; only its exporter-side files do.
  5. The core (preload/) knows plug-ins only through the registry: nothing from plugins/, and
     from exporter/ only the thread's lifecycle API (exporter/exporter.h).
  6. A plug-in includes no other plug-in's files.
  7. Nothing that goes into the preloaded library (preload/, hooks/, exporter/, protocols/,
     plugins/) includes protobuf-c or the code generated from the .proto files: the library
     writes and reads the wire format itself (exporter/pbw.h, exporter/otlp_resp.c); protobuf-c
     is the tests' and genesis-view's only.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)

# The C library and kernel UAPI headers a pure parser may use, and the compiler's own SIMD
# intrinsics (x86 SSE2 is part of the x86-64 baseline: no library, no state) and CPU
# identification (cpuid.h: one instruction, for choosing a SIMD copy of a loop).
LIBC = {
    "assert.h", "ctype.h", "errno.h", "inttypes.h", "limits.h", "stdarg.h", "stdatomic.h",
    "stdbool.h", "stddef.h", "stdint.h", "stdio.h", "stdlib.h", "string.h", "strings.h",
    "sys/types.h", "sys/uio.h", "endian.h", "byteswap.h", "math.h", "emmintrin.h",
    "cpuid.h",
}


def sources(root, top):
    base = os.path.join(root, top)
    for d, _, files in os.walk(base):
        for f in sorted(files):
            if f.endswith((".c", ".h")):
                path = os.path.join(d, f)
                yield os.path.relpath(path, root), open(path, encoding="utf-8", errors="replace").read()


def includes(text):
    return [(m.group(1), m.group(2)) for m in INCLUDE.finditer(text)]


def check(root):
    bad, files = [], 0

    def no(path, inc, why):
        bad.append(f"{path}: #include {inc!r}: {why}")

    for path, text in sources(root, "protocols"):
        files += 1
        for kind, inc in includes(text):
            if kind == '"' and not inc.startswith("protocols/"):
                no(path, inc, "a pure parser includes only protocols/ and the C library")
            if kind == "<" and inc not in LIBC:
                no(path, inc, "a pure parser includes only protocols/ and the C library")
    for path, text in sources(root, "exporter"):
        files += 1
        for kind, inc in includes(text):
            if inc.startswith(("plugins/", "protocols/")):
                no(path, inc, "the exporter knows protocols only through their descriptors")
    for path, text in sources(root, "hooks"):
        files += 1
        for kind, inc in includes(text):
            if inc.startswith("exporter/"):
                no(path, inc, "hooks never include the exporter")
    for path, text in sources(root, "preload"):
        files += 1
        for kind, inc in includes(text):
            if inc.startswith("plugins/"):
                no(path, inc, "the core knows plug-ins only through the registry")
            if inc.startswith("exporter/") and inc != "exporter/exporter.h":
                no(path, inc, "the core uses only the exporter thread's lifecycle (exporter/exporter.h)")
    for path, text in sources(root, "plugins"):
        files += 1
        parts = path.split(os.sep)
        own = parts[1] if len(parts) > 2 else ""
        name = os.path.basename(path)
        exporter_side = re.match(r"[a-z0-9]+_ops\.[ch]$", name) is not None
        for kind, inc in includes(text):
            if inc.startswith("exporter/") and not exporter_side:
                no(path, inc, "only a plug-in's exporter-side files (<name>_ops.c) include the exporter"
                   + (" (library hooks never do)" if name.startswith("hook_") else ""))
            if inc.startswith("plugins/") and inc.split("/")[1] != own:
                no(path, inc, "a plug-in includes no other plug-in's files")
    for top in ("preload", "hooks", "exporter", "protocols", "plugins"):
        for path, text in sources(root, top):
            for kind, inc in includes(text):
                if inc.startswith("protobuf-c/") or inc.endswith(".pb-c.h") or inc.startswith("proto/"):
                    no(path, inc, "the library holds nothing of protobuf-c (it writes and reads the wire "
                       "format itself)")
    return bad, files


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    bad, files = check(root)
    for line in bad:
        print(line)
    if bad:
        print(f"check-walls: {len(bad)} violation(s) in {files} files")
        return 1
    print(f"check-walls: {files} files, every wall holds")
    return 0


if __name__ == "__main__":
    sys.exit(main())

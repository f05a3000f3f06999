"""cgout.py — read callgrind output files: self instruction counts per object file, per thread.

The harness treats the library as a black box: code is attributed by the object file it lives
in (libgenesis_auto.so, libc.so.6, everything else), never by function names of the library.
The one function name used is glibc's `start_thread`, to recognise the library's own thread:
the thread whose start routine (the function start_thread calls) lies in libgenesis_auto.so.

A file written with --separate-threads=yes holds one thread; without it, all threads summed.
"""
import glob
import os
import re

LIB_OBJ = "libgenesis_auto.so"
FLOOR_OBJ = "libfloor.so"       # the floor rows' stand-in for the library (tests/bench/floor/)
_NAME = re.compile(r"^\((\d+)\)(?: (.*))?$")


def category(obj):
    """'library', 'libc' or 'other' for an object file path (the floor rows' libfloor.so counts
    as the library: no run loads both)."""
    base = os.path.basename(obj)
    if base.startswith(LIB_OBJ) or base.startswith(FLOOR_OBJ):
        return "library"
    if base.startswith("libc.so") or base.startswith("libc-"):
        return "libc"
    return "other"


class Profile:
    """One callgrind output file: `objects` = {object path: self Ir}, `total` (the file's
    totals line), `thread` (its number, 1 = main), `lib_thread` (True when its start routine
    is in the library)."""

    def __init__(self, path):
        self.path = path
        self.objects = {}
        self.total = 0
        self.thread = 1
        self.lib_thread = False
        self._parse(path)

    def by_category(self):
        out = {"library": 0, "libc": 0, "other": 0}
        for obj, ir in self.objects.items():
            out[category(obj)] += ir
        return out

    def _parse(self, path):
        names = {"ob": {}, "fn": {}}
        ob = cob = fn = ""
        skip_next = False          # the cost line after calls= is the call's inclusive cost
        acc = {}
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                c = line[:1]
                if c.isdigit() or c in "+-*":
                    if skip_next:
                        skip_next = False
                        continue
                    parts = line.split()
                    if len(parts) >= 2:
                        acc[ob] = acc.get(ob, 0) + int(parts[1])
                    continue
                key, _, val = line.rstrip("\n").partition("=")
                if key in ("ob", "cob", "fn", "cfn"):
                    name = self._name(names["ob" if key in ("ob", "cob") else "fn"], val)
                    if key == "ob":
                        ob = cob = name
                    elif key == "cob":
                        cob = name
                    elif key == "fn":
                        fn, cob = name, ob
                elif key == "calls":
                    skip_next = True
                    if fn == "start_thread" and category(ob) == "libc" and category(cob) == "library":
                        self.lib_thread = True
                    cob = ob           # cob= names the callee of the next calls= line only
                elif line.startswith("totals:"):
                    self.total = int(line.split()[1])
                elif line.startswith("thread:"):
                    self.thread = int(line.split()[1])
        self.objects = acc

    @staticmethod
    def _name(table, val):
        m = _NAME.match(val)
        if not m:
            return val
        if m.group(2) is not None:
            table[m.group(1)] = m.group(2)
        return table.get(m.group(1), "")


def profiles(prefix):
    """Every non-empty file written for one run (callgrind-out-file PREFIX.<pid>[-<thread>])."""
    out = []
    for p in sorted(glob.glob(glob.escape(prefix) + ".*")):
        if os.path.getsize(p) > 0:
            out.append(Profile(p))
    return out


def main_thread(profs):
    """The main thread's profile (thread 1) of a single-process run."""
    mains = [p for p in profs if p.thread == 1]
    if len(mains) != 1:
        raise RuntimeError("expected one main-thread profile, found %d: %s"
                           % (len(mains), [p.path for p in profs]))
    return mains[0]


def library_thread(profs):
    """The library's exporter thread (start routine in libgenesis_auto.so), or None."""
    libs = [p for p in profs if p.lib_thread]
    if len(libs) > 1:
        raise RuntimeError("more than one library thread: %s" % [p.path for p in libs])
    return libs[0] if libs else None

#!/usr/bin/env python3
"""soak_compare.py — compare two `python3 -m test --junit-xml` reports test by test
(scripts/soak.sh, docs/testing.md).

    soak_compare.py [--only DIFF] [--allow FILE CONFIG] BASE.xml OTHER.xml

Each <testcase> becomes (test id, result) with result one of pass, fail, error, skip. Prints one
`DIFF <id> <base> <other>` line per test whose result differs (a test present in one report only
counts as `missing` in the other), then a summary line; exits 1 when anything differs.
--only DIFF: compare only the ids listed as DIFF in an earlier output (a re-run of those).
--allow FILE CONFIG: differences whose id matches a glob FILE lists for CONFIG (lines
`<config> <glob>  # why`) are printed as `ALLOWED ...` and do not count.
"""
import fnmatch
import sys
import xml.etree.ElementTree as ET


RANK = {"pass": 0, "skip": 1, "fail": 2, "error": 3}


def results(path):
    """{test id: result} of one junit report (regrtest's format: testcase name = full id)."""
    out = {}
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:      # the run died before writing its report
        print(f"NOREPORT {path}: {e}")
        return None
    for tc in root.iter("testcase"):
        tid = tc.get("name", "")
        if tc.get("classname"):
            tid = tc.get("classname") + "." + tid
        tags = {child.tag for child in tc}
        if "error" in tags:
            res = "error"
        elif "failure" in tags:
            res = "fail"
        elif "skipped" in tags:
            res = "skip"
        else:
            res = "pass"
        if RANK[res] > RANK.get(out.get(tid), -1):
            out[tid] = res                      # subtests: the worst result of the test
    return out


def allowed_globs(path, config):
    globs = []
    with open(path) as f:
        for line in f:
            words = line.split("#", 1)[0].split()
            if len(words) >= 2 and words[0] == config:
                globs.append(words[1])
    return globs


def main(argv):
    only, allow = None, []
    while argv and argv[0] in ("--only", "--allow"):
        if argv[0] == "--only" and len(argv) >= 2:
            with open(argv[1]) as f:
                only = {line.split()[1] for line in f if line.startswith("DIFF ")}
            argv = argv[2:]
        elif argv[0] == "--allow" and len(argv) >= 3:
            allow = allowed_globs(argv[1], argv[2])
            argv = argv[3:]
        else:
            break
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    base, other = results(argv[0]), results(argv[1])
    if base is None or other is None:
        return 1
    ids = sorted(set(base) | set(other))
    if only is not None:
        ids = [i for i in ids if i in only] + sorted(only - set(base) - set(other))
    diffs = 0
    for tid in ids:
        a, b = base.get(tid, "missing"), other.get(tid, "missing")
        if a != b:
            if any(fnmatch.fnmatchcase(tid, g) for g in allow):
                print(f"ALLOWED {tid} {a} {b}")
                continue
            print(f"DIFF {tid} {a} {b}")
            diffs += 1
    counts = {}
    for r in other.values():
        counts[r] = counts.get(r, 0) + 1
    summary = ", ".join(f"{counts[k]} {k}" for k in sorted(counts))
    print(f"{len(ids)} tests compared ({summary}); {diffs} differ")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

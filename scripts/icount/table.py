"""table.py — the rows of the instruction-count benchmark as records, their text table, and
the comparison with a baseline file (the CI guard).

A row record (also what the JSON output holds):
  {"id", "label", "unit", "bare", "pre", "added", "parts": {"library", "libc", "other"} | None,
   "ratio" (pre / bare) and "note" (spans the receiver got): wall-clock rows only,
   "goal": {"kind": "added_max" | "ratio_min" | None, "limit": number}, "met": bool | None,
   "error": text | None}
"""


def row(rid, label, unit, goal_kind=None, limit=None):
    return {"id": rid, "label": label, "unit": unit, "bare": None, "pre": None, "added": None,
            "parts": None, "goal": {"kind": goal_kind, "limit": limit}, "met": None, "error": None}


def judge(r):
    g = r["goal"]
    if r["error"] or g["kind"] is None:
        r["met"] = None
    elif g["kind"] == "added_max":
        r["met"] = r["added"] is not None and r["added"] <= g["limit"]
    elif g["kind"] == "ratio_min":
        r["met"] = r.get("ratio") is not None and r["ratio"] >= g["limit"]
    return r


def _num(v, unit):
    if v is None:
        return "-"
    if unit == "MiB":
        return "%.1f" % v
    if abs(v) >= 100:
        return "{:,.0f}".format(v)
    return "%.1f" % v


def _signed(v, unit):
    if v is None:
        return "-"
    s = _num(v, unit)
    return s if s.startswith("-") else "+" + s


def _goal(r):
    g = r["goal"]
    if g["kind"] == "added_max":
        return "<= +%s" % _num(g["limit"], r["unit"])
    if g["kind"] == "ratio_min":
        return "ratio >= %.2f" % g["limit"]
    return "(info)"


def _parts(r):
    p = r["parts"]
    if not p:
        return r.get("note", "")
    return "lib %s, libc %s, other %s" % (_num(p["library"], ""), _signed(p["libc"], ""),
                                          _signed(p["other"], ""))


def render(rows):
    """The text table: one line per row."""
    fmt = "%-52s %10s %10s %10s %-9s %-11s %-10s %s"
    out = [fmt % ("row", "bare", "preloaded", "added", "unit", "goal", "result", "added = library, libc, other"),
           fmt % ("---", "----", "---------", "-----", "----", "----", "------", "----------------------------")]
    for r in rows:
        if r["error"]:
            out.append(fmt % (r["label"], "ERROR", "", "", "", _goal(r), "ERROR", r["error"][:300]))
            continue
        res = {True: "goal met", False: "MISSED", None: "-"}[r["met"]]
        if r["goal"]["kind"] == "ratio_min":
            added = "x%.3f" % r["ratio"] if r.get("ratio") is not None else "-"
        else:
            added = _signed(r["added"], r["unit"])
        out.append(fmt % (r["label"], _num(r["bare"], r["unit"]), _num(r["pre"], r["unit"]), added,
                          r["unit"], _goal(r), res, _parts(r)))
    return "\n".join(out)


def guarded(r):
    """The figure the CI guard compares: the added figure, less its `other` part on the rows
    whose `other` is the measured program's own code (r["app_other"]: application-thread rows).
    That part moves with the timing of the program's other threads and peers (MySQLdb's
    non-blocking reads: -5 to +211 in one hour), not with the library; the library's own code and
    the libc it calls stay guarded. Exporter and start-up rows keep their whole figure: their
    `other` (libcurl, zlib, ld.so) is what the library makes run."""
    p = r.get("parts")
    if r.get("app_other") and p and r.get("added") is not None:
        return r["added"] - p["other"]
    return r["added"]


def against(r, b):
    """(the baseline's figure, this run's figure) that the guard compares for row r and its
    baseline entry b: the guarded figures, or the added ones for a baseline without them."""
    if "guarded" in b:
        return b["guarded"], guarded(r)
    return b["added"], r["added"]


def compare(rows, base, tolerance, slack):
    """The CI guard: (ok, text). A row fails when its guarded figure (guarded()) exceeds the
    baseline's by more than `tolerance` (a fraction) plus `slack` (absolute, in the row's unit),
    or when it could not be measured. Rows much cheaper than the baseline are pointed out (not a
    failure). A baseline without a guarded figure is compared on the added figure."""
    fmt = "%-52s %12s %12s %8s %10s  %s"
    lines = [fmt % ("row", "baseline", "now", "change", "limit", "verdict"),
             fmt % ("---", "--------", "---", "------", "-----", "-------")]
    ok = True
    for r in rows:
        b = base.get(r["id"])
        if r["error"]:
            ok = False
            lines.append(fmt % (r["label"], "", "ERROR", "", "", "FAIL: " + r["error"][:200]))
            continue
        if b is None:
            lines.append(fmt % (r["label"], "-", _signed(r["added"], r["unit"]), "", "", "new row (no baseline)"))
            continue
        bv, now = against(r, b)
        limit = bv + abs(bv) * tolerance + slack
        change = (now - bv) / abs(bv) * 100 if bv else 0.0
        verdict = "ok"
        if now > limit:
            verdict = "FAIL: more than %d%% above the baseline" % round(tolerance * 100)
            ok = False
        elif now < bv - abs(bv) * tolerance - slack:
            verdict = "ok, cheaper: update the baseline (make icount-baseline)"
        if b.get("bare") and r["bare"] and abs(r["bare"] - b["bare"]) > abs(b["bare"]) * 0.05:
            verdict += " (bare changed %s -> %s: other host software?)" % (_num(b["bare"], r["unit"]),
                                                                           _num(r["bare"], r["unit"]))
        lines.append(fmt % (r["label"], _signed(bv, r["unit"]), _signed(now, r["unit"]),
                            "%+.1f%%" % change, _signed(limit, r["unit"]), verdict))
    missing = [k for k in base if k not in {r["id"] for r in rows}]
    for k in missing:
        ok = False
        lines.append(fmt % (k, "", "", "", "", "FAIL: in the baseline but not measured"))
    return ok, "\n".join(lines)

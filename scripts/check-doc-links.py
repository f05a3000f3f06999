#!/usr/bin/python3
"""check-doc-links.py [ROOT] — check every relative link in the project's Markdown (README.md,
docs/*.md, examples/*/README.md): the target exists and, for a .md target with a #fragment, a
heading with that GitHub anchor exists. Prints one line per broken link; exit status 1 if any.
ROOT defaults to the directory above this script."""
import glob
import os
import re
import sys

HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(path):
    """GitHub's anchors of a Markdown file's headings (duplicates get -1, -2, ...)."""
    out, seen, in_code = set(), {}, False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("```"):
                in_code = not in_code
                continue
            m = None if in_code else HEADING.match(line)
            if not m:
                continue
            slug = re.sub(r"[^\w\- ]", "", m.group(2).strip().lower()).replace(" ", "-")
            n = seen.get(slug, 0)
            seen[slug] = n + 1
            out.add(slug if n == 0 else "%s-%d" % (slug, n))
    return out


def broken(root, path):
    """The broken relative links of one file, as messages."""
    with open(path, encoding="utf-8") as f:
        text = re.sub(r"```.*?```", "", f.read(), flags=re.S)
    out = []
    for m in LINK.finditer(text):
        link = m.group(1)
        if re.match(r"^[a-z]+:", link):
            continue                                    # http:, https:, mailto:
        target, _, frag = link.partition("#")
        tpath = os.path.normpath(os.path.join(os.path.dirname(path), target)) if target else path
        where = os.path.relpath(path, root)
        if not os.path.exists(tpath):
            out.append("%s: missing file %s" % (where, link))
        elif frag and tpath.endswith(".md") and frag not in anchors(tpath):
            out.append("%s: missing anchor %s" % (where, link))
    return out


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    files = [os.path.join(root, "README.md")] + sorted(glob.glob(os.path.join(root, "docs", "*.md"))) \
        + sorted(glob.glob(os.path.join(root, "examples", "*", "README.md")))
    problems = [p for f in files if os.path.exists(f) for p in broken(root, f)]
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

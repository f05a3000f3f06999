"""What the dynamic loader must do for the library at every process start, read from the object
itself (deterministic, unlike an instruction count on another machine): the start-up row of
docs/benchmarks.md ("Start-up: no symbol the loader has to look up for us") stays under its
goal only while the library refers to no data symbol but one, keeps its pointer tables few and
brings no constructor of the compiler's runtime."""
import subprocess

from conftest import LIB, tool

# RELATIVE relocations in the library when this test was written (155), plus some room. Each
# costs ~11 instructions and may dirty a page at every start: a table of pointers, strings or
# functions in data adds one per pointer. Raise the limit only with the start-up row measured.
MAX_RELATIVE = 175


def relocations():
    """[(type, symbol name or "")] of every relocation readelf lists."""
    out = subprocess.run([tool("readelf"), "-rW", str(LIB)], capture_output=True, text=True, check=True).stdout
    rows = []
    for parts in (line.split() for line in out.splitlines()):
        if len(parts) >= 4 and parts[2].startswith("R_X86_64_"):
            rows.append((parts[2], parts[4].split("@")[0] if len(parts) >= 6 else ""))
    return rows


def test_no_data_symbol_to_look_up_but_cxa_finalize():
    """A symbol referred to through data (GLOB_DAT, R_X86_64_64) is looked up in every loaded
    object at every start (~500 instructions; ~650 for a weak one nobody defines)."""
    rows = relocations()
    assert rows, "readelf listed no relocation"
    looked_up = sorted({sym for kind, sym in rows if kind in ("R_X86_64_GLOB_DAT", "R_X86_64_64")})
    assert looked_up == ["__cxa_finalize"], looked_up


def test_relative_relocations_stay_few():
    n = sum(1 for kind, _ in relocations() if kind == "R_X86_64_RELATIVE")
    assert 0 < n <= MAX_RELATIVE, f"{n} RELATIVE relocations (limit {MAX_RELATIVE}): a new table of pointers?"


def test_no_compiler_runtime_constructor():
    """__builtin_cpu_supports links libgcc's CPU table and its constructor (~640 instructions and
    3-4 page faults at every start); the library asks the CPU itself."""
    out = subprocess.run([tool("nm"), str(LIB)], capture_output=True, text=True, check=True).stdout
    names = {line.split()[-1] for line in out.splitlines() if line.strip()}
    assert not names & {"__cpu_indicator_init", "__cpu_model", "__cpu_features2"}, names & {
        "__cpu_indicator_init", "__cpu_model", "__cpu_features2"}

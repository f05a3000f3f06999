"""The preloaded library needs nothing but the C library to load: libdeflate is a private static
copy, and protobuf-c is not in it at all (it writes and reads the wire format itself). A host whose
libprotobuf-c.so.1 / libdeflate.so.0 (or libz.so.1) are missing or different (here: empty
stand-ins found first through LD_LIBRARY_PATH) still runs its programs, with telemetry."""
import subprocess

from conftest import LIB, tool


def test_only_libc_is_needed():
    out = subprocess.run([tool("readelf"), "-d", str(LIB)], capture_output=True, text=True, check=True).stdout
    needed = [line.split("[", 1)[1].rstrip("]") for line in out.splitlines() if "(NEEDED)" in line]
    assert needed == ["libc.so.6"], needed


def test_private_copies_are_not_exported():
    out = subprocess.run([tool("nm"), "-D", "--defined-only", str(LIB)], capture_output=True, text=True,
                         check=True).stdout
    names = [line.split()[-1] for line in out.splitlines() if line.strip()]
    assert not [n for n in names if n.startswith(("deflate", "inflate", "crc32", "protobuf_c_", "libdeflate_"))]


def test_runs_with_foreign_libdeflate_zlib_and_protobuf_c(gen, tmp_path):
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    (stubs / "empty.c").write_text("int genesis_stub_marker;\n")
    for soname in ("libz.so.1", "libprotobuf-c.so.1", "libdeflate.so.0"):
        subprocess.run([tool("cc"), "-shared", "-fPIC", f"-Wl,-soname,{soname}", "-o", str(stubs / soname),
                        str(stubs / "empty.c")], check=True)
    # bash (which needs neither library itself) connecting to a closed port through /dev/tcp
    argv = [tool("bash"), "-c", "exec 3<>/dev/tcp/127.0.0.1/1 || echo refused"]
    bare, pre = gen.compare(argv, env={"LD_LIBRARY_PATH": str(stubs)})
    assert b"refused" in pre.stdout, pre.describe()
    assert len(pre.connect_spans()) == 1, pre.describe()

"""tests/progs/fork_exec.c: fork, fork+exec and posix_spawn children each export their own spans
under their own pid; nothing of the parent is exported twice."""
from conftest import assert_self_line, assert_span_shape, assert_tcp_connect_span, assert_unique_span_ids, prog

PRE = 200


def _info(path):
    ports, pids = {}, {}
    for line in path.read_text().splitlines():
        kind, role, value = line.split()
        (ports if kind == "port" else pids)[role] = int(value)
    return ports, pids


def test_fork_exec_spawn(gen, tmp_path):
    info_bare, info = tmp_path / "bare.txt", tmp_path / "pre.txt"
    bare = gen.run([prog("fork_exec"), str(PRE)], preload=False, env={"FORK_EXEC_INFO": str(info_bare)})
    pre = gen.run([prog("fork_exec"), str(PRE)], env={"FORK_EXEC_INFO": str(info)})
    assert bare.rc == 0 and bare.stdout == b"children ok\nparent ok\n", bare.describe()
    assert (pre.rc, pre.stdout, pre.stderr) == (bare.rc, bare.stdout, bare.stderr), pre.describe()

    ports, pids = _info(info)
    assert pids["parent"] == pre.pid
    expected = {  # pid -> {port: count}
        pids["parent"]: {ports["pre"]: PRE, ports["post"]: 1},
        pids["fork"]: {ports["fork"]: 1},
        pids["exec"]: {ports["exec"]: 1},
        pids["spawn"]: {ports["spawn"]: 1},
    }
    assert set(pre.files) == set(expected), f"span files for pids {sorted(pre.files)}, want {expected}"
    for pid, want in expected.items():
        spans = [r for r in pre.files[pid] if r["type"] == "span"]
        got = {}
        for s in spans:
            assert_span_shape(s, pre)
            assert s["resource"]["process.pid"] == pid, (pid, s)
            port = s["attributes"].get("network.peer.port")
            got[port] = got.get(port, 0) + 1
            assert_tcp_connect_span(s, port, status="ERROR", error_type="ECONNREFUSED")
        assert got == want, f"pid {pid} ({[k for k, v in pids.items() if v == pid]}): spans per port {got}, want {want}"
        me = pre.self_line(pid)
        assert_self_line(me, pid)
        assert me["spans_exported"] == len(spans), me
    assert_unique_span_ids(pre.spans)
    # The fork child is a new process for telemetry purposes too.
    parent_res = pre.files[pids["parent"]][0]["resource"]
    fork_res = [r for r in pre.files[pids["fork"]] if r["type"] == "span"][0]["resource"]
    assert fork_res["process.pid"] != parent_res["process.pid"]

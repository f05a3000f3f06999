"""Integration tests of scripts/genesis-run, the launcher.

They run the launcher for real: children print their environment (`env -0`), a static hello
world is compiled with `gcc -static`, Debian's prometheus stands for a Go binary, and one test
checks end to end that spans reach the console file through the launcher.

The library is $GENESIS_LIB (absolute path, set by the Makefile's integration target), else
build/libgenesis_auto.so in this checkout.
"""

import json
import os
import re
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LAUNCHER = REPO / "scripts" / "genesis-run"
LIB = os.path.realpath(os.environ.get("GENESIS_LIB") or REPO / "build" / "libgenesis_auto.so")
TIMEOUT = 60

OPTIONS = ["--service", "--console", "--console-file", "--endpoint", "--prometheus-port",
           "--prometheus-host", "--sampler", "--disable", "--lib", "--help", "--version"]


@pytest.fixture(scope="module")
def lib():
    if not os.path.isfile(LIB):
        pytest.fail(f"library not built: {LIB} (run make, or set GENESIS_LIB)")
    return LIB


def clean_env(**extra):
    """The test process's environment without anything the launcher or library reads."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OTEL_", "GENESIS_")) and k not in ("LD_PRELOAD", "TRACEPARENT",
                                                                   "TRACESTATE")}
    env.update(extra)
    return env


def run(args, env=None, launcher=LAUNCHER, **kw):
    return subprocess.run([str(launcher), *map(str, args)], env=clean_env() if env is None else env,
                          capture_output=True, text=True, timeout=TIMEOUT, **kw)


def child_env(args, env=None, launcher=LAUNCHER):
    """Run `env -0` under the launcher with ARGS; return (the child's environment, result)."""
    res = run([*args, "--", "env", "-0"], env=env, launcher=launcher)
    assert res.returncode == 0, res.stderr
    pairs = (item.split("=", 1) for item in res.stdout.split("\0") if "=" in item)
    return dict(pairs), res


def warnings_of(stderr):
    return [line for line in stderr.splitlines() if line.startswith("genesis-run:")]


@pytest.fixture(scope="module")
def dummy_so(tmp_path_factory):
    """A do-nothing shared object to stand for a preload that is already there."""
    d = tmp_path_factory.mktemp("dummy")
    src = d / "dummy.c"
    src.write_text("void genesis_test_dummy(void);\nvoid genesis_test_dummy(void) {}\n")
    so = d / "libdummy.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(so), str(src)], check=True,
                   timeout=TIMEOUT)
    return str(so)


@pytest.fixture(scope="module")
def static_hello(tmp_path_factory):
    d = tmp_path_factory.mktemp("static")
    src = d / "hello.c"
    src.write_text('#include <stdio.h>\nint main(void) { puts("hello static"); return 3; }\n')
    exe = d / "hello-static"
    res = subprocess.run(["gcc", "-static", "-O1", "-o", str(exe), str(src)],
                         capture_output=True, text=True, timeout=TIMEOUT)
    if res.returncode != 0:
        pytest.fail("gcc -static failed (static libc comes with libc6-dev, part of "
                    "build-essential; run scripts/install-deps.sh):\n" + res.stderr)
    return str(exe)


# ---------------------------------------------------------------------------------- help, version

@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_mentions_every_option(flag):
    res = run([flag])
    assert res.returncode == 0
    assert res.stdout.startswith("Usage: genesis-run")
    for opt in OPTIONS:
        assert opt in res.stdout, f"--help does not mention {opt}"
    assert "Examples:" in res.stdout
    assert "eBPF" in res.stdout
    assert res.stderr == ""


def test_version(lib):
    res = run(["--lib", lib, "--version"])
    assert res.returncode == 0
    assert re.match(r"genesis-run \d+\.\d+\.\d+\n", res.stdout)
    assert f"library: {lib}\n" in res.stdout


# ---------------------------------------------------------------------------------- LD_PRELOAD

def test_preload_set_when_absent(lib):
    env, res = child_env(["--lib", lib])
    assert env["LD_PRELOAD"] == lib
    assert warnings_of(res.stderr) == []


def test_existing_preload_kept_and_library_appended(lib, dummy_so):
    env, _ = child_env(["--lib", lib], env=clean_env(LD_PRELOAD=dummy_so))
    assert env["LD_PRELOAD"] == f"{dummy_so}:{lib}"


def test_library_not_added_twice(lib, dummy_so):
    env, _ = child_env(["--lib", lib], env=clean_env(LD_PRELOAD=f"{lib}:{dummy_so}"))
    assert env["LD_PRELOAD"] == f"{lib}:{dummy_so}"


def test_relative_lib_made_absolute(lib, tmp_path):
    link = tmp_path / "libgenesis_auto.so"
    link.symlink_to(lib)
    res = run(["--lib", "libgenesis_auto.so", "--", "env", "-0"], cwd=tmp_path)
    env = dict(i.split("=", 1) for i in res.stdout.split("\0") if "=" in i)
    assert env["LD_PRELOAD"] == lib


def test_source_tree_default_library():
    """Token unreplaced, no --lib, no $GENESIS_LIB: ../build/libgenesis_auto.so next to the script."""
    default = os.path.realpath(REPO / "build" / "libgenesis_auto.so")
    res = run(["--", "env", "-0"])
    assert res.returncode == 0
    env = dict(i.split("=", 1) for i in res.stdout.split("\0") if "=" in i)
    if os.path.isfile(default):
        assert env["LD_PRELOAD"] == default
    else:
        assert "LD_PRELOAD" not in env
        assert "library not found" in res.stderr


def test_genesis_lib_env_used(lib):
    env, _ = child_env([], env=clean_env(GENESIS_LIB=lib))
    assert env["LD_PRELOAD"] == lib


def test_installed_copy_uses_replaced_token(lib, tmp_path):
    """What `make install` does: sed the token into the installed path."""
    text = LAUNCHER.read_text()
    assert text.count("@GENESIS_LIB@") == 1, "make install's sed replaces one token per line"
    bindir = tmp_path / "bin"
    bindir.mkdir()
    installed = bindir / "genesis-run"
    installed.write_text(text.replace("@GENESIS_LIB@", lib))
    installed.chmod(0o755)
    env, res = child_env([], launcher=installed)
    assert env["LD_PRELOAD"] == lib
    assert warnings_of(res.stderr) == []
    ver = run(["--version"], launcher=installed)
    assert f"library: {lib}\n" in ver.stdout


def test_missing_library_warns_and_runs(tmp_path):
    missing = tmp_path / "nope" / "libgenesis_auto.so"
    res = run(["--lib", missing, "--", "sh", "-c", 'echo "[${LD_PRELOAD-unset}]"; exit 4'])
    assert res.returncode == 4
    assert res.stdout == "[unset]\n"
    assert any("library not found" in w for w in warnings_of(res.stderr))


# ---------------------------------------------------------------------------------- variables

def test_service_name_defaults_to_command_basename(lib):
    env, _ = child_env(["--lib", lib])
    assert env["OTEL_SERVICE_NAME"] == "env"
    res = run(["--lib", lib, "--", "/usr/bin/printenv", "OTEL_SERVICE_NAME"])
    assert res.stdout == "printenv\n"


def test_service_name_from_environment_kept(lib):
    env, _ = child_env(["--lib", lib], env=clean_env(OTEL_SERVICE_NAME="billing"))
    assert env["OTEL_SERVICE_NAME"] == "billing"


def test_console_keeps_a_chosen_metrics_exporter(lib):
    env, _ = child_env(["--lib", lib, "--console"], env=clean_env(OTEL_METRICS_EXPORTER="otlp"))
    assert env["OTEL_METRICS_EXPORTER"] == "otlp"


def test_service_option_wins(lib):
    env, _ = child_env(["--lib", lib, "--service", "im-logic"],
                       env=clean_env(OTEL_SERVICE_NAME="billing"))
    assert env["OTEL_SERVICE_NAME"] == "im-logic"


@pytest.mark.parametrize("args, expected, absent", [
    (["--console"], {"OTEL_TRACES_EXPORTER": "console", "OTEL_METRICS_EXPORTER": "none"},
     ["GENESIS_CONSOLE_FILE"]),
    (["--console-file", "/tmp/spans-%p.jsonl"],
     {"OTEL_TRACES_EXPORTER": "console", "GENESIS_CONSOLE_FILE": "/tmp/spans-%p.jsonl",
      "OTEL_METRICS_EXPORTER": "none"}, []),
    (["--console", "--prometheus-port", "9464"], {"OTEL_METRICS_EXPORTER": "prometheus"}, []),
    (["--console-file=/tmp/x.jsonl"], {"GENESIS_CONSOLE_FILE": "/tmp/x.jsonl"}, []),
    (["--endpoint", "http://127.0.0.1:4318"],
     {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, ["OTEL_TRACES_EXPORTER"]),
    (["--console", "--endpoint", "https://collector:4318/base/"],
     {"OTEL_TRACES_EXPORTER": "console,otlp",
      "OTEL_EXPORTER_OTLP_ENDPOINT": "https://collector:4318/base/"}, ["OTEL_METRICS_EXPORTER"]),
    (["--prometheus-port", "9464"],
     {"OTEL_METRICS_EXPORTER": "prometheus", "OTEL_EXPORTER_PROMETHEUS_PORT": "9464"},
     ["OTEL_EXPORTER_PROMETHEUS_HOST"]),
    (["--endpoint", "http://127.0.0.1:4318", "--prometheus-port", "9464"],
     {"OTEL_METRICS_EXPORTER": "otlp,prometheus", "OTEL_EXPORTER_PROMETHEUS_PORT": "9464"}, []),
    (["--prometheus-port", "9465", "--prometheus-host", "0.0.0.0"],
     {"OTEL_EXPORTER_PROMETHEUS_HOST": "0.0.0.0", "OTEL_EXPORTER_PROMETHEUS_PORT": "9465"}, []),
    (["--sampler", "parentbased_traceidratio:0.25"],
     {"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.25"}, []),
    (["--sampler=always_off"], {"OTEL_TRACES_SAMPLER": "always_off"},
     ["OTEL_TRACES_SAMPLER_ARG"]),
    (["--disable"], {"OTEL_SDK_DISABLED": "true"}, []),
    ([], {}, ["OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER", "OTEL_TRACES_SAMPLER",
              "OTEL_SDK_DISABLED", "GENESIS_CONSOLE_FILE", "OTEL_EXPORTER_OTLP_ENDPOINT"]),
])
def test_options_set_variables(lib, args, expected, absent):
    env, res = child_env(["--lib", lib, *args])
    for key, value in expected.items():
        assert env.get(key) == value, (key, env.get(key))
    for key in absent:
        assert key not in env, key
    assert warnings_of(res.stderr) == []


@pytest.mark.parametrize("chosen, expected", [
    ("otlp", "otlp,prometheus"), ("otlp,prometheus", "otlp,prometheus"),
    ("none", "prometheus"), ("console", "console,prometheus")])
def test_prometheus_port_adds_to_a_chosen_metrics_exporter(lib, chosen, expected):
    """--prometheus-port never takes the caller's metrics exporter away (metrics kept
    reaching the collector)."""
    env, res = child_env(["--lib", lib, "--prometheus-port", "9464"],
                         env=clean_env(OTEL_METRICS_EXPORTER=chosen))
    assert env["OTEL_METRICS_EXPORTER"] == expected
    assert warnings_of(res.stderr) == []


def test_relative_console_file_made_absolute(lib, tmp_path):
    res = run(["--lib", lib, "--console-file", "out/spans.jsonl", "--", "printenv",
               "GENESIS_CONSOLE_FILE"], cwd=tmp_path)
    assert res.stdout == f"{tmp_path}/out/spans.jsonl\n"


def test_other_variables_pass_through(lib):
    env, _ = child_env(["--lib", lib], env=clean_env(OTEL_TRACES_EXPORTER="none",
                                                     GENESIS_LOG_LEVEL="debug",
                                                     OTEL_RESOURCE_ATTRIBUTES="a=b"))
    assert env["OTEL_TRACES_EXPORTER"] == "none"
    assert env["GENESIS_LOG_LEVEL"] == "debug"
    assert env["OTEL_RESOURCE_ATTRIBUTES"] == "a=b"


@pytest.mark.parametrize("args, message", [
    (["--bogus", "--", "true"], "unknown option"),
    (["--service"], "requires an argument"),
    (["--sampler", "sometimes", "--", "true"], "unknown sampler"),
    (["--sampler", "traceidratio:1.5", "--", "true"], "between 0 and 1"),
    (["--sampler", "traceidratio:abc", "--", "true"], "between 0 and 1"),
    (["--sampler", "always_on:0.5", "--", "true"], "takes no ratio"),
    (["--prometheus-port", "0", "--", "true"], "port"),
    (["--prometheus-port", "http", "--", "true"], "port"),
    (["--endpoint", "collector:4318", "--", "true"], "http://"),
    (["--console=yes", "--", "true"], "takes no value"),
    ([], "no command"),
    (["--"], "no command"),
])
def test_usage_errors(args, message, tmp_path):
    marker = tmp_path / "ran"
    # "true" stands for a command: make it one that leaves a trace if it ever runs.
    args = [x for a in args for x in (["touch", marker] if a == "true" else [a])]
    res = run(args)
    assert res.returncode == 2
    assert message in res.stderr
    assert "--help" in res.stderr
    assert not marker.exists()


# ---------------------------------------------------------------------------------- exec, status

def test_exec_keeps_pid_and_exit_status(lib):
    proc = subprocess.Popen([str(LAUNCHER), "--lib", lib, "--", "sh", "-c", 'echo $$; exit 7'],
                            env=clean_env(), stdout=subprocess.PIPE, text=True)
    out, _ = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 7
    assert int(out) == proc.pid, "genesis-run must exec the command, not wrap it"


def test_arguments_passed_verbatim(lib):
    args = ["a b", "", "--service", "*", "$HOME", "-x"]
    res = run(["--lib", lib, "--", "/usr/bin/python3", "-c",
               "import json, sys; print(json.dumps(sys.argv[1:]))", *args])
    assert json.loads(res.stdout) == args


def test_command_without_double_dash(lib):
    res = run(["--lib", lib, "printenv", "OTEL_SERVICE_NAME"])
    assert res.returncode == 0
    assert res.stdout == "printenv\n"


def test_command_not_found():
    res = run(["--", "genesis-no-such-command-xyz"])
    assert res.returncode == 127
    assert "command not found" in res.stderr


def test_not_executable(tmp_path):
    f = tmp_path / "data.txt"
    f.write_text("x\n")
    res = run(["--", f])
    assert res.returncode == 126


def test_stdin_reaches_command(lib):
    res = run(["--lib", lib, "--", "cat"], input="through\n")
    assert res.stdout == "through\n"


# ---------------------------------------------------------------------------------- ELF checks

def test_dynamic_binary_no_warning(lib):
    res = run(["--lib", lib, "--", "true"])
    assert res.returncode == 0
    assert warnings_of(res.stderr) == []


def test_script_no_warning(lib, tmp_path):
    script = tmp_path / "job.sh"
    script.write_text("#!/bin/sh\necho \"script $OTEL_SERVICE_NAME\"\nexit 5\n")
    script.chmod(0o755)
    res = run(["--lib", lib, "--", script])
    assert res.returncode == 5
    assert res.stdout == "script job.sh\n"
    assert warnings_of(res.stderr) == []


def test_static_binary_warns_and_still_runs(lib, static_hello):
    res = run(["--lib", lib, "--", static_hello])
    assert res.returncode == 3
    assert res.stdout == "hello static\n"
    warn = "\n".join(warnings_of(res.stderr))
    assert "statically linked" in warn
    assert "LD_PRELOAD" in warn
    assert "eBPF" in warn and "Beyla" in warn and "Pixie" in warn
    # Only launcher lines: a static binary never loads the library.
    assert all(line.startswith("genesis-run:") for line in res.stderr.splitlines())


def test_static_binary_found_on_path(lib, static_hello):
    path = os.path.dirname(static_hello) + ":" + os.environ.get("PATH", "/usr/bin:/bin")
    res = run(["--lib", lib, "--", os.path.basename(static_hello)], env=clean_env(PATH=path))
    assert res.returncode == 3
    assert "statically linked" in res.stderr


def test_script_with_static_interpreter_warns(lib, static_hello, tmp_path):
    script = tmp_path / "via-static"
    script.write_text(f"#!{static_hello}\n")
    script.chmod(0o755)
    res = run(["--lib", lib, "--", script])
    assert res.returncode == 3
    assert "statically linked" in res.stderr


@pytest.mark.parametrize("level", [{"GENESIS_LOG_LEVEL": "off"}, {"GENESIS_LOG_LEVEL": "error"},
                                   {"OTEL_LOG_LEVEL": "none"}])
def test_log_level_off_silences_launcher(lib, static_hello, level):
    res = run(["--lib", lib, "--", static_hello], env=clean_env(**level))
    assert res.returncode == 3
    assert res.stderr == ""


PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"


@pytest.mark.skipif(not os.path.exists(PROMETHEUS),
                    reason="no Go binary: Debian's prometheus is not installed")
def test_go_binary_warns_and_still_runs(lib):
    res = run(["--lib", lib, "--", PROMETHEUS, "--version"])
    assert res.returncode == 0
    assert "prometheus, version" in res.stdout + res.stderr
    warn = "\n".join(warnings_of(res.stderr))
    assert "Go program" in warn
    assert "eBPF" in warn and "Beyla" in warn and "Pixie" in warn


# ---------------------------------------------------------------------------------- end to end

def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


CONNECT = """
import socket, sys
s = socket.socket()
try:
    s.connect(("127.0.0.1", int(sys.argv[1])))
except ConnectionRefusedError:
    print("refused")
"""


def test_spans_reach_console_file(lib, tmp_path):
    port = closed_port()
    out = tmp_path / "spans.jsonl"
    res = run(["--lib", lib, "--console-file", out, "--service", "launcher-e2e", "--",
               "/usr/bin/python3", "-c", CONNECT, port])
    assert res.returncode == 0, res.stderr
    assert res.stdout == "refused\n"
    lines = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    spans = [s for s in lines if s.get("type") == "span"
             and s.get("name") == f"connect 127.0.0.1:{port}"]
    assert spans, lines
    assert spans[0]["resource"]["service.name"] == "launcher-e2e"
    assert spans[0]["status"]["code"] == "ERROR"


def test_disable_writes_nothing(lib, tmp_path):
    port = closed_port()
    out = tmp_path / "spans.jsonl"
    res = run(["--lib", lib, "--disable", "--console-file", out, "--",
               "/usr/bin/python3", "-c", CONNECT, port])
    assert res.returncode == 0
    assert res.stdout == "refused\n"
    assert not out.exists() or out.read_text() == ""

"""procs.py — processes for the instruction-count benchmark: free ports, throw-away servers on
127.0.0.1 (redis-server, mariadbd, nginx, genesis-view), each stopped by its pid, and the
callgrind wrapper. Servers that are only peers run bare and natively; the program measured runs
under callgrind.
"""
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time

VALGRIND = "valgrind"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port):
    """True once something listens on 127.0.0.1:port — read from /proc/net/tcp, so that
    waiting never connects to the server (a probe connection would be counted in its profile)."""
    want = ":%04X" % port
    try:
        with open("/proc/net/tcp") as f:
            for line in f.readlines()[1:]:
                parts = line.split()
                if parts[1].endswith(want) and parts[3] == "0A":
                    return True
    except OSError:
        pass
    return False


def wait_listening(port, proc, what, timeout=60):
    deadline = time.monotonic() + timeout
    while not listening(port):
        if proc.poll() is not None:
            raise RuntimeError("%s exited (%s) before listening on %d" % (what, proc.returncode, port))
        if time.monotonic() > deadline:
            raise RuntimeError("%s not listening on %d after %ds" % (what, port, timeout))
        time.sleep(0.02)


def stop(proc, sig=signal.SIGTERM, timeout=60, repeat=False):
    """Signal one process we started and wait for it; raise after `timeout` (then SIGKILL).
    repeat=True sends the signal again every second: under valgrind a signal that arrives
    while the program sits in epoll_wait is now and then never acted on."""
    if proc is None or proc.poll() is not None:
        return proc.returncode if proc else None
    deadline = time.monotonic() + timeout
    try:
        while True:
            proc.send_signal(sig)
            try:
                return proc.wait(1 if repeat else timeout)
            except subprocess.TimeoutExpired:
                if not repeat or time.monotonic() > deadline:
                    raise
    except subprocess.TimeoutExpired:
        stuck = _threads(proc.pid)
        proc.kill()
        proc.wait()
        raise RuntimeError("pid %d ignored signal %d for %ds; its threads: %s" % (proc.pid, sig, timeout, stuck))


@contextlib.contextmanager
def stopped_on_error(proc, sig=signal.SIGTERM):
    """A server that fails to come up is stopped before the error goes on."""
    try:
        yield
    except BaseException:
        try:
            stop(proc, sig, timeout=10, repeat=True)
        except RuntimeError:
            pass
        raise


def _threads(pid):
    """'tid:state:wchan:comm' of each thread of pid, for a report on a process that hangs."""
    out = []
    for tid in sorted(os.listdir("/proc/%d/task" % pid)):
        try:
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                st = f.read().rsplit(")", 1)[1].split()[0]
            with open("/proc/%d/task/%s/wchan" % (pid, tid)) as f:
                wchan = f.read()
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                comm = f.read().strip()
            out.append("%s:%s:%s:%s" % (tid, st, wchan, comm))
        except OSError:
            pass
    return " ".join(out)


def clean_env(extra=None):
    """A fixed, minimal environment plus `extra`: nothing inherited (no OTEL_*, GENESIS_*,
    LD_PRELOAD), and the same size on every machine and under make, since loading a program
    and the library's start-up both read the whole environment (their cost grows with it)."""
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/",
           "LC_ALL": "C", "PYTHONHASHSEED": "0"}
    env.update(extra or {})
    return env


def callgrind_argv(prefix, argv, threads=True):
    """argv to run `argv` under callgrind, writing PREFIX.<pid>[-<thread>]."""
    return [VALGRIND, "--tool=callgrind", "-q", "--callgrind-out-file=%s.%%p" % prefix,
            "--separate-threads=%s" % ("yes" if threads else "no")] + list(argv)


def run(argv, env, timeout=300, what=None):
    """Run to completion; raise with its stderr when it fails."""
    p = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError("%s failed (exit %d): %s" % (what or argv[0], p.returncode,
                                                        p.stderr.decode(errors="replace")[-800:]))
    return p.stdout.decode(errors="replace")


class Redis:
    def __init__(self, work):
        self.dir = os.path.join(work, "redis")
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        self.proc = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--dir", self.dir,
             "--save", "", "--appendonly", "no", "--daemonize", "no",
             "--logfile", os.path.join(self.dir, "redis.log")],
            env=clean_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with stopped_on_error(self.proc):
            wait_listening(self.port, self.proc, "redis-server", 20)
            run(["redis-cli", "-p", str(self.port), "SET", "key:__rand_int__", "xxx"], clean_env())

    def stop(self):
        stop(self.proc)


class MariaDB:
    def __init__(self, work):
        self.dir = os.path.join(work, "mariadb")
        os.makedirs(self.dir, exist_ok=True)
        # A private tmpdir: other mariadbd instances on the host use /tmp for their temporary
        # tables too, and mariadb-install-db fails when names collide.
        os.makedirs(os.path.join(self.dir, "tmp"), exist_ok=True)
        opts = ["--tmpdir=%s/tmp" % self.dir] + (["--user=root"] if os.getuid() == 0 else [])
        run(["mariadb-install-db", "--no-defaults", "--datadir=%s/data" % self.dir,
             "--auth-root-authentication-method=normal", "--skip-test-db"] + opts,
            clean_env(), timeout=120, what="mariadb-install-db")
        self.port = free_port()
        self.proc = subprocess.Popen(
            ["mariadbd", "--no-defaults", "--datadir=%s/data" % self.dir,
             "--socket=%s/mysqld.sock" % self.dir, "--port=%d" % self.port,
             "--bind-address=127.0.0.1", "--skip-log-bin", "--innodb-buffer-pool-size=64M",
             "--max-connections=500", "--log-error=%s/error.log" % self.dir] + opts,
            env=clean_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        with stopped_on_error(self.proc):
            while True:
                try:
                    self.sql("SELECT 1")
                    break
                except RuntimeError:
                    if self.proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("mariadbd did not start")
                    time.sleep(0.2)

    def sql(self, text):
        p = subprocess.run(["mariadb", "--no-defaults", "--protocol=tcp", "-h127.0.0.1",
                            "-P%d" % self.port, "-uroot", "-e", text], env=clean_env(),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if p.returncode != 0:
            raise RuntimeError(p.stderr.decode(errors="replace"))
        return p.stdout.decode()

    def stop(self):
        stop(self.proc)


NGINX_CONF = """user root; daemon off; master_process %(master)s; worker_processes 1;
pid %(d)s/nginx.pid; error_log %(d)s/error.log;
events { worker_connections 1024; }
http { access_log off; keepalive_requests 1000000; keepalive_timeout 600s;%(head)s
  client_body_temp_path %(d)s/cb; proxy_temp_path %(d)s/px; fastcgi_temp_path %(d)s/fc;
  uwsgi_temp_path %(d)s/uw; scgi_temp_path %(d)s/sc;
  server { listen 127.0.0.1:%(port)d; root %(root)s; } }
"""


def nginx_site(work):
    """A document root with index.html, a static file of 1,400 bytes."""
    root = os.path.join(work, "www")
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "index.html"), "w") as f:
        f.write(("<p>genesis icount benchmark page</p>\n" * 40)[:1400])
    return root


class Nginx:
    """nginx on a free port. master=False: one process that serves itself (what callgrind
    measures: no fork); master=True: a master and one worker (the RSS and wall rows).
    `wrap` prefixes the command (callgrind); `env` is its environment. head_buffer: nginx's
    client_header_buffer_size (None: its default, 1k: a longer head is read in two calls)."""

    def __init__(self, work, name, env, wrap=(), master=False, head_buffer=None):
        self.dir = os.path.join(work, name)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.port = free_port()
        with open(os.path.join(self.dir, "nginx.conf"), "w") as f:
            f.write(NGINX_CONF % {"d": self.dir, "port": self.port, "root": nginx_site(work),
                                  "master": "on" if master else "off",
                                  "head": " client_header_buffer_size %s;" % head_buffer if head_buffer else ""})
        argv = list(wrap) + ["nginx", "-p", self.dir, "-e", os.path.join(self.dir, "error.log"),
                             "-c", os.path.join(self.dir, "nginx.conf")]
        self.proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(self.dir, "stderr"), "w"))
        with stopped_on_error(self.proc, signal.SIGTERM):
            wait_listening(self.port, self.proc, "nginx", 60)

    def worker_pid(self):
        with open("/proc/%d/task/%d/children" % (self.proc.pid, self.proc.pid)) as f:
            kids = f.read().split()
        return int(kids[0]) if kids else None

    def stop(self):
        # Under callgrind nginx acts on SIGTERM (not SIGQUIT); a fast shutdown still exits
        # through exit(), so the library's exit flush and callgrind's dump both happen.
        rc = stop(self.proc, signal.SIGTERM, timeout=120, repeat=True)
        return rc


class View:
    """genesis-view --quiet on a free port, counting what it receives; with sink, --sink: the
    exports are taken without being decoded (only requests and bytes are counted)."""

    def __init__(self, work, build, name="view", sink=False):
        self.count_file = os.path.join(work, name + ".count")
        self.port = free_port()
        self.proc = subprocess.Popen(
            [os.path.join(build, "genesis-view"), "--quiet", "--port", str(self.port),
             "--count-file", self.count_file] + (["--sink"] if sink else []), env=clean_env(),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with stopped_on_error(self.proc):
            wait_listening(self.port, self.proc, "genesis-view", 20)

    def count(self, key):
        import json
        try:
            with open(self.count_file) as f:
                return json.load(f).get(key, 0)
        except (OSError, ValueError):
            return 0

    def spans(self):
        return self.count("spans")

    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    def stop(self):
        stop(self.proc)


class NatsServer:
    """nats-server on a free port (the NATS rows' peer)."""

    def __init__(self, work):
        self.dir = os.path.join(work, "nats")
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        self.proc = subprocess.Popen(["nats-server", "-a", "127.0.0.1", "-p", str(self.port),
                                      "-l", os.path.join(self.dir, "nats.log")], env=clean_env(),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with stopped_on_error(self.proc):
            wait_listening(self.port, self.proc, "nats-server", 30)

    def stop(self):
        stop(self.proc)


class KafkaMock:
    """tests/progs/kafka_mock: librdkafka's mock cluster with one broker and the given topics
    (the Kafka rows' peer; never preloaded). It serves until its stdin closes."""

    def __init__(self, work, build, topics):
        self.dir = os.path.join(work, "kafka")
        os.makedirs(self.dir, exist_ok=True)
        argv = [os.path.join(build, "tests", "progs", "kafka_mock"), "1"] + list(topics)
        self.err = open(os.path.join(self.dir, "stderr"), "w")
        self.proc = subprocess.Popen(argv, env=clean_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.err)
        with stopped_on_error(self.proc):
            line = self.proc.stdout.readline().decode(errors="replace").strip()
            if not line:
                raise RuntimeError("kafka_mock did not start (exit %s)" % self.proc.poll())
        self.bootstrap = line

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                stop(self.proc)
        self.err.close()

"""Memory stays bounded while the collector is down: 200 000 connects (each one a span) exported to
an endpoint where nothing listens. The span queue (OTEL_BSP_MAX_QUEUE_SIZE), the operation ring and
the request buffers are bounded, so the peak RSS (VmHWM) of a 200 000-connect run is about the same
as that of a 20 000-connect run, and a few MiB above the bare program's.
"""
from conftest import free_port, prog
from test_otlp_support import otlp_env

MIB = 1024


def hwm_kb(res):
    for line in res.stdout.decode().splitlines():
        if line.startswith("vm_hwm_kb="):
            return int(line.split("=", 1)[1])
    raise AssertionError(f"no vm_hwm_kb line: {res.describe()}")


def test_rss_bounded_with_collector_down(gen):
    target = free_port()                        # refused: every connect is a (failed) span
    env = otlp_env(f"http://127.0.0.1:{free_port()}", OTEL_BSP_SCHEDULE_DELAY=200,
                   OTEL_TRACES_EXPORTER="otlp")
    bare = gen.run([prog("otlp_connect_loop"), str(target), "200000"], preload=False, env=env, timeout=120)
    small = gen.run([prog("otlp_connect_loop"), str(target), "20000"], env=env, timeout=120)
    big = gen.run([prog("otlp_connect_loop"), str(target), "200000"], env=env, timeout=120)
    for r in (bare, small, big):
        assert r.rc == 0, r.describe()
    assert big.stdout.decode().splitlines()[0] == bare.stdout.decode().splitlines()[0]
    growth = hwm_kb(big) - hwm_kb(small)
    overhead = hwm_kb(big) - hwm_kb(bare)
    print(f"VmHWM bare={hwm_kb(bare)} kB, 20k={hwm_kb(small)} kB, 200k={hwm_kb(big)} kB")
    assert growth < 4 * MIB, f"peak RSS grew by {growth} kB between 20k and 200k spans"
    assert overhead < 32 * MIB, f"peak RSS {overhead} kB above the bare run"
    assert big.elapsed < bare.elapsed * 3 + 2, (bare.elapsed, big.elapsed)

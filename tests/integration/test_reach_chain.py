"""Ruby → PHP → Java → Node is one trace, every process under the library:

  reach.rb http (Net::HTTP) → php -S reach.php (curl: libcurl loaded RTLD_DEEPBIND)
    → Reach.java serve (com.sun.net.httpserver; HttpURLConnection) → node (http server)

Each hop's SERVER span continues the CLIENT span of the hop before it (the traceparent arrived),
and each process's CLIENT span is the child of the SERVER span it serves: six spans, one trace.
"""
import re

from conftest import assert_span_shape, free_port
from reach_support import HERE, JavaServer, NodeServer, child_of, php, ruby, wait_spans
from test_http_support import Service, http_spans


def test_ruby_php_java_node_one_trace(gen, tmp_path):
    rb = ruby()
    php_argv = php("curl")
    node = NodeServer(tmp_path)
    servers = [node]
    try:
        jv = JavaServer(tmp_path, node.url("/n"))
        servers.append(jv)
        port = free_port()
        ph = Service("php-S", php_argv + ["-S", f"127.0.0.1:{port}", str(HERE / "reach.php")], port, tmp_path,
                     env={"REACH_NEXT": jv.url("/j")})
        servers.append(ph)
        res = gen.run(rb + ["http", ph.url("/p")], timeout=120)
        assert res.rc == 0 and res.stdout == b"200 php>java>node\n", res.describe()

        def both(svc):
            return wait_spans(lambda: http_spans(svc.spans, "SERVER") + http_spans(svc.spans, "CLIENT"),
                              lambda s: len(s) >= 2)
        php_spans, java_spans = both(ph), both(jv)
        node_spans = wait_spans(lambda: http_spans(node.spans, "SERVER"), lambda s: len(s) >= 1)
    finally:
        for s in reversed(servers):
            s.stop()

    (c1,) = http_spans(res.spans, "CLIENT")                       # Ruby
    s1 = child_of(php_spans, c1)                                  # PHP server
    (c2,) = http_spans(php_spans, "CLIENT")                       # PHP curl
    s2 = child_of(java_spans, c2)                                 # Java server
    (c3,) = http_spans(java_spans, "CLIENT")                      # Java HttpURLConnection
    s3 = child_of(node_spans, c3)                                 # Node server
    assert c2["parent_span_id"] == s1["span_id"] and c2["parent_remote"] is False, (s1, c2)
    assert c3["parent_span_id"] == s2["span_id"] and c3["parent_remote"] is False, (s2, c3)
    chain = [c1, s1, c2, s2, c3, s3]
    assert len({s["trace_id"] for s in chain}) == 1, chain
    for s in chain:
        assert_span_shape(s)
        assert s["attributes"]["network.peer.address"] == "127.0.0.1", s
        assert s["attributes"]["network.type"] == "ipv4", s
    exes = [re.sub(r"[0-9.]+$", "", s["resource"]["process.executable.name"]) for s in chain]  # ruby3.1, php8.2
    assert exes == ["ruby", "php", "php", "java", "java", "node"], exes
    assert s3["attributes"]["url.path"] == "/n" and s2["attributes"]["url.path"] == "/j", (s2, s3)

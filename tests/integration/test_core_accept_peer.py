"""accept()/accept4() with no address buffer, or one too small: the program sees what libc gives
it (the full length, nothing written past its buffer), and the server span still names the peer
(the library asks getpeername() itself)."""
from conftest import prog


def test_peer_known_without_the_callers_buffer(gen):
    bare, pre = gen.compare([prog("accept_peer")])
    assert pre.stdout.decode().splitlines() == ["mode=0 len=0 canary=1 family=0",
                                                "mode=1 len=16 canary=1 family=2"]
    server = [s for s in pre.spans if s["kind"] == "SERVER"]
    assert len(server) == 2, pre.describe()
    for s in server:
        assert s["attributes"].get("client.address") == "127.0.0.1", s
        assert isinstance(s["attributes"].get("network.peer.port"), int), s

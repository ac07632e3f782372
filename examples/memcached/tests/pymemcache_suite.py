"""A memcached client library's view of a server: pymemcache against HOST:PORT.

Run by the Rust integration test `pymemcache` (tests/it/pymemcache.rs) against
kevy's memcached and against Debian's real memcached, so every expectation here
is checked on the real thing too. Prints 'N passed, M failed'; exits non-zero
on any failure.
"""

import sys
import traceback

from pymemcache.client.base import Client
from pymemcache import serde
from pymemcache.exceptions import MemcacheServerError, MemcacheClientError


def client(addr, **kw):
    host, port = addr.rsplit(":", 1)
    return Client((host, int(port)), connect_timeout=10, timeout=30, **kw)


def test_set_get_bytes(c):
    assert c.set("a", b"hello", noreply=False) is True
    assert c.get("a") == b"hello"
    blob = bytes(range(256)) * 4
    c.set("blob", blob)  # default noreply: the next get still sees it (same connection, in order)
    assert c.get("blob") == blob
    assert c.get("missing") is None
    assert c.get("missing", default=b"d") == b"d"


def test_get_many_across_shards(c):
    values = {f"k{i}": str(i).encode() for i in range(500)}
    assert c.set_many(values, noreply=False) == []
    keys = [f"k{i}" for i in range(520)]
    got = c.get_many(keys)
    assert got == values, (len(got), len(values))
    got = c.gets_many(["k1", "k2", "nope"])
    assert set(got) == {"k1", "k2"} and got["k1"][0] == b"1"
    assert got["k1"][1] != got["k2"][1]


def test_add_replace_append_prepend(c):
    assert c.add("x", b"1", noreply=False) is True
    assert c.add("x", b"2", noreply=False) is False
    assert c.replace("x", b"3", noreply=False) is True
    assert c.replace("nope", b"3", noreply=False) is False
    assert c.append("x", b"4", noreply=False) is True
    assert c.prepend("x", b"2", noreply=False) is True
    assert c.append("nope", b"4", noreply=False) is False
    assert c.get("x") == b"234"


def test_gets_cas(c):
    c.set("c", b"v1", noreply=False)
    value, token = c.gets("c")
    assert value == b"v1"
    assert c.cas("c", b"v2", token, noreply=False) is True
    assert c.cas("c", b"v3", token, noreply=False) is False  # stale unique: EXISTS
    assert c.cas("nope", b"v", token, noreply=False) is None  # NOT_FOUND
    assert c.get("c") == b"v2"
    assert c.gets("nope") == (None, None)


def test_delete(c):
    c.set("d", b"v", noreply=False)
    assert c.delete("d", noreply=False) is True
    assert c.delete("d", noreply=False) is False
    c.set_many({"d1": b"1", "d2": b"2"}, noreply=False)
    assert c.delete_many(["d1", "d2", "d3"], noreply=False) is True
    assert c.get_many(["d1", "d2"]) == {}


def test_incr_decr(c):
    assert c.incr("n", 1, noreply=False) is None
    c.set("n", b"10", noreply=False)
    assert c.incr("n", 5, noreply=False) == 15
    assert c.decr("n", 100, noreply=False) == 0
    assert c.incr("n", 2**64 - 1, noreply=False) == 2**64 - 1
    assert c.incr("n", 2, noreply=False) == 1
    c.set("s", b"abc", noreply=False)
    try:
        c.incr("s", 1, noreply=False)
        raise AssertionError("incr of a non-number must fail")
    except MemcacheClientError as e:
        assert "non-numeric" in str(e)


def test_touch_and_expiry(c):
    c.set("t", b"v", noreply=False)
    assert c.touch("t", 100, noreply=False) is True
    assert c.touch("nope", 100, noreply=False) is False
    assert c.get("t") == b"v"
    c.set("gone", b"v", expire=-1, noreply=False)
    assert c.get("gone") is None
    assert c.touch("t", -1, noreply=False) is True
    assert c.get("t") is None


def test_flush_all(c):
    c.set_many({"f1": b"1", "f2": b"2"}, noreply=False)
    assert c.flush_all(noreply=False) is True
    assert c.get_many(["f1", "f2"]) == {}


def test_flags_round_trip_through_a_serde(addr):
    c = client(addr, serde=serde.pickle_serde)
    c.set("obj", {"a": [1, 2, 3]}, noreply=False)
    c.set("num", 42, noreply=False)
    c.set("text", "héllo", noreply=False)
    assert c.get("obj") == {"a": [1, 2, 3]}
    assert c.get("num") == 42
    assert c.get("text") == "héllo"
    c.close()


def test_large_values(c):
    big = b"x" * (512 * 1024)
    assert c.set("big", big, noreply=False) is True
    assert c.get("big") == big
    try:
        c.set("huge", b"x" * (2 * 1024 * 1024), noreply=False)
        raise AssertionError("a 2 MB item must be refused")
    except MemcacheServerError as e:
        assert "too large" in str(e)
    assert c.get("big") == big  # the connection is still usable


def test_version_and_stats(c):
    assert c.version().startswith(b"1.6")
    c.set("st", b"v", noreply=False)
    c.get("st")
    stats = c.stats()
    for key in (b"pid", b"uptime", b"curr_items", b"get_hits", b"cmd_get", b"curr_connections"):
        assert key in stats, key
    assert stats[b"curr_items"] >= 1
    assert stats[b"curr_connections"] >= 1


TESTS = [v for k, v in sorted(globals().items()) if k.startswith("test_")]


def main():
    addr = sys.argv[1]
    passed = failed = 0
    for test in TESTS:
        c = client(addr)
        try:
            c.flush_all(noreply=False)
            if test.__code__.co_varnames[0] == "addr":
                test(addr)
            else:
                test(c)
            passed += 1
            print(f"ok   {test.__name__}")
        except Exception:
            failed += 1
            print(f"FAIL {test.__name__}")
            traceback.print_exc()
        finally:
            c.close()
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

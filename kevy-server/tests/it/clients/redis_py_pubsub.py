"""redis-py's pub/sub against a server on port argv[1], in RESP2 and RESP3:
subscriptions, messages (channel, pattern, shard channel), introspection and
unsubscribing, printing every message. The Rust test runs this against
redis-server and kevy and requires the same output."""
import sys

import redis

port = int(sys.argv[1])


def drain(p, n):
    got = []
    for _ in range(n):
        m = p.get_message(timeout=5)
        if m is None:
            break
        got.append(sorted(m.items()))
    return got


for proto in (2, 3):
    r = redis.Redis(port=port, protocol=proto, decode_responses=True)
    p = r.pubsub()
    p.subscribe("a", "b")
    p.psubscribe("c*")
    print(proto, drain(p, 3))
    print(r.publish("a", "1"), r.publish("cx", "2"), r.publish("zz", "3"))
    print(drain(p, 2))
    print(sorted(r.pubsub_channels()), r.pubsub_numsub("a", "q"), r.pubsub_numpat())
    p.ssubscribe("s")
    print(drain(p, 1))
    print(r.spublish("s", "4"))
    print(drain(p, 1))
    print(sorted(r.pubsub_shardchannels()), r.pubsub_shardnumsub("s"))
    p.unsubscribe("a")
    p.punsubscribe()
    p.sunsubscribe()
    print(drain(p, 3))
    print(r.publish("a", "5"), r.publish("b", "6"))
    print(drain(p, 1))
    p.close()
    r.close()

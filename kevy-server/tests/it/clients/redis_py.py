"""redis-py against a server on port argv[1]: the same calls in RESP2 and
RESP3 (HELLO 3), printing every result. The Rust test runs this against
redis-server and kevy and requires the same output."""
import sys

import redis

port = int(sys.argv[1])
for proto in (2, 3):
    r = redis.Redis(port=port, protocol=proto, decode_responses=True)
    r.flushall()
    out = []
    out.append((r.ping(), r.set("k", "v", ex=100), r.get("k"), r.ttl("k")))
    out.append((r.set("n", 5), r.incr("n"), r.incrbyfloat("n", 1.5), r.mget("k", "n", "x")))
    r.hset("h", mapping={"a": 1, "b": 2})
    out.append((sorted(r.hgetall("h").items()), r.hget("h", "a"), r.hincrbyfloat("h", "a", 0.5)))
    r.zadd("z", {"a": 1.5, "b": 2, "c": 3})
    out.append((r.zrange("z", 0, -1, withscores=True), r.zscore("z", "a"), r.zincrby("z", 1, "a")))
    out.append((r.zrangebyscore("z", "(2", "+inf", withscores=True), r.zmscore("z", ["a", "x"])))
    out.append((r.zpopmin("z"), r.zpopmax("z", 2), r.zcard("z")))
    r.sadd("s", "x", "y", "z")
    out.append((sorted(r.smembers("s")), r.sismember("s", "x"), r.smismember("s", ["x", "q"])))
    r.rpush("l", "a", "b", "c")
    out.append((r.lrange("l", 0, -1), r.lpop("l", 2), r.lpos("l", "c")))
    out.append((r.setbit("b", 7, 1), r.bitcount("b"), r.pfadd("p", "a", "b"), r.pfcount("p")))
    out.append((r.expire("k", 50, gt=True), r.persist("k"), r.type("h"), r.exists("k", "h", "no")))
    out.append((r.config_get("maxmemory-policy"), r.config_set("maxmemory-policy", "allkeys-lru")))
    out.append((r.object("encoding", "z"), r.client_setname("py"), r.client_getname()))
    out.append(r.client_info()["resp"])
    # avg_ttl is an estimate the expiry cycle updates when it runs: left out.
    out.append([(db, v["keys"], v["expires"]) for db, v in sorted(r.info("keyspace").items())])
    pipe = r.pipeline(transaction=False)
    for i in range(50):
        pipe.set(f"key:{i}", i)
        pipe.get(f"key:{i}")
    out.append(pipe.execute()[-4:])
    out.append((r.dbsize(), len(list(r.scan_iter(count=7))), r.delete("k", "n", "nope")))
    out.append(r.execute_command("HELLO", proto)["proto"] if proto == 3 else proto)
    r.config_set("maxmemory-policy", "noeviction")
    for line in out:
        print(proto, line)

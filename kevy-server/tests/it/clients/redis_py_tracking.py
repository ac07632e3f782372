"""Client-side caching through redis-py against the server on the port
given (redis-py's own cache wants Redis 7.4, so this drives the 7.0
protocol with its connections): a tracking client redirects its
invalidations to a connection subscribed to `__redis__:invalidate`
(RESP2), another tracks in RESP3 on its own connection; both read 40
keys, a third client changes them, and each must be told of every key.
Prints what each saw, for comparison with redis-server."""

import sys

import redis

port = int(sys.argv[1])
keys = [f"cached:{i}" for i in range(40)]

writer = redis.Redis(port=port)
writer.flushall()
for k in keys:
    writer.set(k, "v1")

# RESP2: invalidations redirected to a subscribed connection.
sink = redis.Connection(port=port, protocol=2)
sink.connect()
sink.send_command("CLIENT", "ID")
sink_id = sink.read_response()
sink.send_command("SUBSCRIBE", "__redis__:invalidate")
print("subscribed", sink.read_response())
tracker = redis.Redis(port=port, protocol=2, single_connection_client=True)
print("tracking", tracker.execute_command("CLIENT", "TRACKING", "ON", "REDIRECT", sink_id))
print("getredir matches", tracker.execute_command("CLIENT", "GETREDIR") == sink_id)
print("read", [tracker.get(k) for k in keys] == [b"v1"] * len(keys))

# RESP3: invalidations pushed on the tracking connection itself, handed
# to the handler redis-py's own cache installs.
pushes = []
own = redis.Connection(port=port, protocol=3)
own.connect()
own._parser.set_invalidation_push_handler(pushes.append)
own.send_command("CLIENT", "TRACKING", "ON")
print("resp3 tracking", own.read_response())
for k in keys:
    own.send_command("GET", k)
    own.read_response()

for k in keys:
    writer.set(k, "v2")

told = set()
while len(told) < len(keys):
    msg = sink.read_response(timeout=10)
    if msg is None:
        break
    kind, channel, data = msg
    assert kind == b"message" and channel == b"__redis__:invalidate", msg
    told.update(data)
print("redirected invalidations", sorted(told) == sorted(k.encode() for k in keys))

def drain(n):
    for _ in range(200):
        if len(pushes) >= n:
            break
        if own.can_read(timeout=0.05):
            own.read_response(timeout=1, push_request=True)


drain(len(keys))
pushed = set()
for msg in pushes:
    assert msg[0] == b"invalidate", msg
    pushed.update(msg[1])
print("pushed invalidations", len(pushes), sorted(pushed) == sorted(k.encode() for k in keys))

# Once told, a key is forgotten: a second change says nothing more; a
# flush says "everything" (a null).
writer.set(keys[0], "v3")
writer.flushall()
msg = sink.read_response(timeout=10)
print("after flushall", msg)
drain(len(keys) + 1)
print("after flushall resp3", pushes[len(keys):])

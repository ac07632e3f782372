#!/bin/bash
# Runs Redis 7.0's own Tcl test suite against kevy-server, one unit at a
# time, and prints each unit's failures and its count of passed tests.
#
# usage: redis-suite.sh REDIS_SRC [UNIT ...]
#   REDIS_SRC: a directory holding Redis 7.0.15's `runtest` and `tests/`
#     (e.g. `git archive 7.0.15 tests runtest | tar -x -C DIR` from a clone
#     of redis/redis); needs `tclsh` (apt-get install -y tcl).
#   UNIT: e.g. unit/type/list (default: every unit/*.tcl and unit/type/*.tcl)
#
# The suite starts `src/redis-server CONF [--opt val …]`: a wrapper there
# starts target/release/kevy-server with the same arguments (2 shards:
# `KEVY_THREADS=2`, so that no flag of ours meets the suite's own, which
# Redis's command line reads as values of the flag before them), on the
# same file, so that CONFIG REWRITE rewrites the file the next start
# reads. The harness waits for the " PID: n" of the banner
# (`always-show-logo yes` in its configurations), which kevy prints once
# its listeners are bound, before loading its data, as Redis does: a
# wrapper printing it first let tests connect before the port was open. Tests tagged repl are skipped (they start replicas: kevy is a
# primary only), and so are needs:repl ones unless KEVY_SUITE_REPL=1: most
# read the replication stream through SYNC, which kevy serves, but some
# make the server a replica (REPLICAOF), which stops their unit. A unit
# stops at its first exception (an unknown DEBUG subcommand, REPLICAOF…),
# so its count covers the tests before it. Logs: $OUT (default /tmp/redis-suite).
set -u
SRC=$(cd "$1" && pwd); shift
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-/tmp/redis-suite}
mkdir -p "$OUT" "$SRC/src"
(cd "$ROOT" && cargo build --release -p kevy-server >/dev/null) || exit 1
cat > "$SRC/src/redis-server" <<WRAP
#!/bin/bash
KEVY_THREADS=2 exec -a "$SRC/src/redis-server" $ROOT/target/release/kevy-server "\$@"
WRAP
chmod +x "$SRC/src/redis-server"
for tool in redis-cli redis-benchmark redis-check-aof redis-check-rdb; do
  [ -e "$SRC/src/$tool" ] || ln -sf "$(command -v $tool)" "$SRC/src/$tool"
done
units=("$@")
[ ${#units[@]} -eq 0 ] && units=($(cd "$SRC/tests" && ls unit/*.tcl unit/type/*.tcl | sed 's/\.tcl$//'))
cd "$SRC"
skip="--tags -needs:repl"
[ "${KEVY_SUITE_REPL:-0}" = 1 ] && skip=""
for u in "${units[@]}"; do
  log="$OUT/$(echo "$u" | tr / _).log"
  timeout 900 ./runtest --single "$u" $skip --tags -repl --timeout 120 >"$log" 2>&1
  echo "=== $u: $(grep -ac '\[.*ok.*\]' "$log") passed"
  grep -a "31;49m" "$log" | grep -v "^\*\*\*\|WARNING" | head -10
done

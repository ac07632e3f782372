#!/bin/bash
# System calls, context switches and CPU per request of one server under
# redis-benchmark -c 50 --threads 2 -r 100000 (BENCHMARKS.md, session 12).
# usage: syscalls-per-request.sh NAME BIN|redis IO COMMAND DEPTH PORT
#   (COMMAND: a redis-benchmark -t name, or mset for 10 random keys;
#    KENV="VAR=value" passes an environment setting to kevy-server)
NAME=$1; BIN=$2; IO=$3; CMD=$4; P=$5; PORT=$6
N=200000; [ "$P" = 16 ] && N=1000000
if [ "$BIN" = redis ]; then
  redis-server --port $PORT --save '' --appendonly no >/dev/null 2>&1 & PID=$!
else
  env $KENV $BIN --port $PORT --threads 2 --io $IO >/dev/null 2>&1 & PID=$!
fi
sleep 0.5
MS="mset key:__rand_int__ v key:__rand_int__ v key:__rand_int__ v key:__rand_int__ v key:__rand_int__ v key:__rand_int__ v key:__rand_int__ v key:__rand_int__ v key:__rand_int__ v key:__rand_int__ v"
run() { if [ "$CMD" = mset ]; then redis-benchmark -p $PORT -c 50 --threads 2 -r 100000 -n $1 -P $P -q $MS >/dev/null 2>&1; else redis-benchmark -p $PORT -c 50 --threads 2 -r 100000 -n $1 -P $P -q -t $CMD >/dev/null 2>&1; fi; }
run 50000
t0=$(awk '{print $14+$15}' /proc/$PID/stat)
perf stat -x, -e raw_syscalls:sys_enter,context-switches -p $PID -o "${TMPDIR:-/tmp}/ps.$$" -- bash -c "$(declare -f run); PORT=$PORT P=$P CMD=$CMD MS='$MS' run $N" 2>/dev/null
t1=$(awk '{print $14+$15}' /proc/$PID/stat)
sc=$(grep raw_syscalls "${TMPDIR:-/tmp}/ps.$$" | cut -d, -f1); cs=$(grep context-switches "${TMPDIR:-/tmp}/ps.$$" | cut -d, -f1)
python3 -c "print(f'$NAME $IO $CMD -P$P  syscalls/req {$sc/$N:.3f}  switches/req {$cs/$N:.3f}  cpu µs/req {($t1-$t0)*10000/$N:.2f}')"
rm -f "${TMPDIR:-/tmp}/ps.$$"
kill $PID; wait $PID 2>/dev/null

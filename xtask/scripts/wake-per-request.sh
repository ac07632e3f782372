#!/bin/bash
# m.sh LABEL BIN IO PORT CLIENTS TEST N [ENV=VAL...]
# BIN=redis for redis-server. Prints one line: label io test c rps cpu_us/req sys/req cs/req vol/req invol/req p50 p99
label=$1 bin=$2 io=$3 port=$4 c=$5 t=$6 n=$7; shift 7
if [ "$bin" = redis ]; then
  redis-server --port $port --save '' --appendonly no --daemonize no --io-threads 1 >/dev/null 2>&1 &
else
  env "$@" $bin --port $port --threads 2 --io $io --save '' --appendonly no >/dev/null 2>&1 &
fi
pid=$!
for i in $(seq 50); do redis-cli -p $port ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-benchmark -p $port -c 50 --threads 2 -r 100000 -n 50000 -t $t -P 1 -q >/dev/null 2>&1
hz=$(getconf CLK_TCK)
cpu0=$(awk '{print $14+$15}' /proc/$pid/stat); st0=$(awk '{print $15}' /proc/$pid/stat)
ctx() { cat /proc/$pid/task/*/status | awk '/^voluntary_ctxt/{v+=$2} /^nonvoluntary_ctxt/{n+=$2} END{print v, n}'; }
read v0 n0 < <(ctx)
perf stat -x, -e raw_syscalls:sys_enter,context-switches,syscalls:sys_enter_io_uring_enter,syscalls:sys_enter_write,syscalls:sys_enter_epoll_wait -p $pid -o /tmp/wake_perf.$port 2>/dev/null &
pp=$!
sleep 0.2
out=$(redis-benchmark -p $port -c $c --threads 2 -r 100000 -n $n -t $t -P 1 --csv 2>/dev/null | tail -1)
kill -INT $pp; wait $pp 2>/dev/null
cpu1=$(awk '{print $14+$15}' /proc/$pid/stat); st1=$(awk '{print $15}' /proc/$pid/stat)
read v1 n1 < <(ctx)
kill $pid; wait $pid 2>/dev/null
sc=$(grep raw_syscalls /tmp/wake_perf.$port | cut -d, -f1)
cs=$(grep context-switches /tmp/wake_perf.$port | cut -d, -f1)
ue=$(grep sys_enter_io_uring_enter /tmp/wake_perf.$port | cut -d, -f1)
wr=$(grep sys_enter_write /tmp/wake_perf.$port | cut -d, -f1)
ew=$(grep sys_enter_epoll_wait /tmp/wake_perf.$port | cut -d, -f1)
echo "$out" | tr -d '"' | awk -F, -v l=$label -v io=$io -v c=$c -v n=$n -v cpu=$((cpu1-cpu0)) -v st=$((st1-st0)) -v hz=$hz -v sc=$sc -v cs=$cs -v v=$((v1-v0)) -v nv=$((n1-n0)) -v ue=$ue -v wr=$wr -v ew=$ew \
 '{printf "%-10s %-5s %-4s c=%-3s rps=%7.0f cpu_us=%6.2f (sys %5.2f) sc=%5.3f cs=%5.3f vol=%5.3f invol=%5.3f enter=%5.3f write=%5.3f ewait=%5.3f p50=%s p99=%s\n", l, io, $1, c, $2, cpu*1e6/hz/n, st*1e6/hz/n, sc/n, cs/n, v/n, nv/n, ue/n, wr/n, ew/n, $5, $7}'

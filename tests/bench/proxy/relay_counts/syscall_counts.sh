#!/bin/bash
# syscall_counts.sh MESHX_PROXY BENCHDIR OUTDIR [CALLS]: the strace half of counts.sh only
# (system calls of each meshx-proxy for CALLS, default 20,000, 64-byte calls after 200 warm-up
# calls), for comparing I/O backends: run it once as is (io_uring) and once with
# MESHX_IO_BACKEND=epoll in the environment (the proxies inherit it). Callgrind is left out:
# valgrind does not know io_uring_setup, so under it meshx-proxy falls back to epoll.
BIN=$1; D=$2; OUT=$3; N=${4:-20000}
R=$(cd "$(dirname "$0")" && pwd)
rm -rf "$OUT"; mkdir -p "$OUT"
"$R/run_pair.sh" "$D" "$BIN" "" "" > /dev/null; eval "$(cat "$D/pids")"
strace -f -c -o "$OUT/strace-web-64.txt" -p $WEB 2>/dev/null & S1=$!
strace -f -c -o "$OUT/strace-db-64.txt" -p $DB 2>/dev/null & S2=$!
sleep 1
python3 "$R/client.py" $UP $N 64 > "$OUT/client-strace-64.txt"
kill -INT $S1 $S2; wait $S1 $S2 2>/dev/null
kill $WEB $DB 2>/dev/null; sleep 0.5; kill $ECHO 2>/dev/null; wait 2>/dev/null
for f in "$OUT"/strace-*.txt; do echo "== $f (per call: divide by $((N + 200)))"; sed -n 3,8p "$f"; done

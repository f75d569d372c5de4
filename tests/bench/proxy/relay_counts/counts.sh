#!/bin/bash
# counts.sh MESHX_PROXY BENCHDIR OUTDIR: system calls (strace -c) and user-space instructions
# (callgrind) of each meshx-proxy of the pair, for 20,200 (strace) / 3,000 (callgrind) 64-byte
# calls and 42 / 10 calls of 1 MiB. Callgrind's counters are dumped after the client's warm-up and
# after its load, so dump .2 (64 B) and .4 (1 MiB) hold exactly the load.
BIN=$1; D=$2; OUT=$3
R=$(cd "$(dirname "$0")" && pwd)
rm -rf "$OUT"; mkdir -p "$OUT"
stop() { kill $WEB $DB 2>/dev/null; sleep 0.5; kill $ECHO 2>/dev/null; wait 2>/dev/null; }

"$R/run_pair.sh" "$D" "$BIN" "" "" > /dev/null; eval "$(cat "$D/pids")"
for load in "20000 64" "40 1048576"; do
    set -- $load
    strace -f -c -o "$OUT/strace-web-$2.txt" -p $WEB 2>/dev/null & S1=$!
    strace -f -c -o "$OUT/strace-db-$2.txt" -p $DB 2>/dev/null & S2=$!
    sleep 1
    python3 "$R/client.py" $UP $1 $2 > "$OUT/client-strace-$2.txt"
    kill -INT $S1 $S2; wait $S1 $S2 2>/dev/null
done
stop

VG="valgrind --tool=callgrind --dump-instr=no"
"$R/run_pair.sh" "$D" "$BIN" "$VG --callgrind-out-file=$OUT/cg-web" \
    "$VG --callgrind-out-file=$OUT/cg-db" > /dev/null
eval "$(cat "$D/pids")"
for load in "3000 64" "10 1048576"; do
    set -- $load
    rm -f "$OUT/go"
    python3 "$R/client.py" $UP $1 $2 "$OUT/go" > "$OUT/client-cg-$2.txt" & C=$!
    for _ in $(seq 1 600); do grep -q warm "$OUT/client-cg-$2.txt" && break; sleep 0.1; done
    callgrind_control -d $WEB > /dev/null; callgrind_control -d $DB > /dev/null
    touch "$OUT/go"; wait $C
    callgrind_control -d $WEB > /dev/null; callgrind_control -d $DB > /dev/null
done
stop
for f in "$OUT"/strace-*.txt; do echo "== $f"; sed -n 3,6p "$f"; done
for f in cg-web.2 cg-db.2 cg-web.4 cg-db.4; do echo "$f $(grep summary "$OUT/$f")"; done

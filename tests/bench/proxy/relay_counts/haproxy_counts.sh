#!/bin/bash
# haproxy_counts.sh BENCHDIR OUTDIR: the same system-call counts as counts.sh for bench_proxy's
# HAProxy mTLS pair (ha-db.cfg / ha-web.cfg of a KEEP_BENCH_DIR=1 run), for comparison.
D=$1; OUT=$2
R=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT"
ECHO_PORT=$(grep -o '"LocalServicePort":[0-9]*' "$D/db.json" | cut -d: -f2)
UP=$(grep -oE 'bind 127.0.0.1:[0-9]+' "$D/ha-web.cfg" | cut -d: -f2)
python3 "$R/echo.py" "$ECHO_PORT" & E=$!
haproxy -db -f "$D/ha-db.cfg" > "$OUT/db.log" 2>&1 & HD=$!
haproxy -db -f "$D/ha-web.cfg" > "$OUT/web.log" 2>&1 & HW=$!
sleep 1.5
for load in "20000 64" "40 1048576"; do
    set -- $load
    strace -f -c -o "$OUT/strace-ha-web-$2.txt" -p $HW 2>/dev/null & S1=$!
    strace -f -c -o "$OUT/strace-ha-db-$2.txt" -p $HD 2>/dev/null & S2=$!
    sleep 1
    python3 "$R/client.py" $UP $1 $2 > "$OUT/client-ha-$2.txt"
    kill -INT $S1 $S2; wait $S1 $S2 2>/dev/null
done
kill $HW $HD; sleep 0.3; kill $E; wait 2>/dev/null
for f in "$OUT"/strace-ha-*.txt; do echo "== $f"; sed -n 3,7p "$f"; done

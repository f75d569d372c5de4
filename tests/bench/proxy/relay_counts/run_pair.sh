#!/bin/bash
# run_pair.sh BENCHDIR MESHX_PROXY [WRAP_WEB] [WRAP_DB]: starts the echo server and bench_proxy's
# two meshx-proxy processes (config files of a KEEP_BENCH_DIR=1 run), each optionally under a
# wrapper (valgrind ...), waits for their ports and writes "UP=.. WEB=.. DB=.. ECHO=.. PUB=.." to
# BENCHDIR/pids.
D=$(readlink -f "$1"); BIN=$(readlink -f "$2"); WRAPW=$3; WRAPD=$4
R=$(cd "$(dirname "$0")" && pwd)
ECHO_PORT=$(grep -o '"LocalServicePort":[0-9]*' "$D/db.json" | cut -d: -f2)
UP=$(grep -o '"LocalBindPort":[0-9]*' "$D/web.json" | cut -d: -f2)
PUB=$(grep -o '"Port":[0-9]*' "$D/db.json" | head -1 | cut -d: -f2)
cd "$D" || exit 1
python3 "$R/echo.py" "$ECHO_PORT" & E=$!
$WRAPD "$BIN" -config-file "$D/db.json" -log-level err -workers 1 > "$D/db.out" 2>&1 & DBP=$!
$WRAPW "$BIN" -config-file "$D/web.json" -log-level err -workers 1 > "$D/web.out" 2>&1 & WP=$!
for _ in $(seq 1 200); do
    (exec 3<>/dev/tcp/127.0.0.1/$UP) 2>/dev/null && (exec 3<>/dev/tcp/127.0.0.1/$PUB) 2>/dev/null && break
    sleep 0.1
done
echo "UP=$UP WEB=$WP DB=$DBP ECHO=$E PUB=$PUB" | tee "$D/pids"

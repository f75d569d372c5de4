#!/bin/bash
# ab_cpu.sh BENCHDIR N SIZE MESHX_PROXY...: relay CPU (user + system of both meshx-proxy, from
# /proc/<pid>/stat) for N calls of SIZE bytes after a warm-up, once per binary given, in turn.
D=$1; N=$2; SIZE=$3; shift 3
R=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
cpu() { awk '{print $14+$15}' /proc/$1/stat; }
for BIN in "$@"; do
    "$R/run_pair.sh" "$D" "$BIN" "" "" > /dev/null; eval "$(cat "$D/pids")"
    python3 "$R/client.py" $UP $N $SIZE "$T/go" > "$T/client.txt" & C=$!
    for _ in $(seq 1 300); do grep -q warm "$T/client.txt" && break; sleep 0.1; done
    a=$(( $(cpu $WEB) + $(cpu $DB) )); touch "$T/go"; wait $C
    b=$(( $(cpu $WEB) + $(cpu $DB) )); rm -f "$T/go"
    tck=$(getconf CLK_TCK)
    echo "$BIN size $SIZE calls $N relay_cpu_us_per_call $(( (b-a)*1000000/tck/N )) $(tail -1 "$T/client.txt") load $(cut -d' ' -f1 /proc/loadavg)"
    kill $WEB $DB; sleep 0.3; kill $ECHO; wait 2>/dev/null
done
rm -rf "$T"

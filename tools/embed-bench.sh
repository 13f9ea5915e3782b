#!/bin/sh
# embed-bench.sh - corpus throughput on an albert-base-v2-shaped model (../shared/bench, with the English
# SentencePiece vocabulary): one process per line vs `albert-cli embed` (sorted windows, and --no-sort) vs
# examples/embed-batch.c (the whole corpus sorted at once: the plainest fast program against the library).
# Runs are interleaved A B C D, ROUNDS times; prints the median wall-clock and CPU (user + sys) texts/s of each.
#   usage: sh tools/embed-bench.sh [ROUNDS [LINES [PER_LINE]]]      (defaults 3, 1000, 100)
# Environment: B (build folder, default build), SHARED (default ../shared), THREADS (default 2), WHICH (base or demo).
set -eu
B=${B:-build}
SHARED=${SHARED:-../shared}
ROUNDS=${1:-3}
LINES=${2:-1000}
PER_LINE=${3:-100}
THREADS=${THREADS:-2}
WHICH=${WHICH:-base}   # base: the albert-base-v2 shape (H 768, 12 layers); demo: tests/data/demo (H 32, 2 layers)
MODEL=$B/embed-bench-$WHICH.albert
if [ "$WHICH" = demo ]; then SRC=tests/data/demo; else SRC=$SHARED/bench/albert-base-v2-shape; fi
[ -f "$MODEL" ] || $B/albert-convert -q --vocab tests/data/tok/en.model "$SRC" "$MODEL"
CORPUS=$B/embed-bench.txt
(cat /usr/share/common-licenses/*; find /usr/share/doc -name copyright -type f | sort | xargs cat) 2>/dev/null |
    awk 'length($0) > 20' | head -n "$LINES" > "$CORPUS"
head -n "$PER_LINE" "$CORPUS" > "$CORPUS.head"
echo "model: $WHICH ($SRC); corpus: $(wc -l < "$CORPUS") lines, $(wc -c < "$CORPUS") bytes; one-process-per-line on the first $PER_LINE; threads $THREADS"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
T=$B/embed-bench.times
: > "$T"
# run NAME TEXTS COMMAND: appends "NAME wall user sys texts" to $T
run() {
    name=$1 texts=$2
    shift 2
    /usr/bin/time -f "%e %U %S" -o "$T.one" sh -c "$*" > /dev/null
    echo "$name $(tail -n 1 "$T.one") $texts" >> "$T"
}
r=0
while [ $r -lt "$ROUNDS" ]; do
    run batch-program "$LINES" "$B/embed-batch $MODEL $CORPUS $B/embed-bench.a.f32 32 4096 $THREADS"
    run embed "$LINES" "$B/albert-cli embed $MODEL $CORPUS --threads $THREADS --format f32 --out $B/embed-bench.b.f32"
    run per-line "$PER_LINE" "while IFS= read -r l; do printf '%s\n' \"\$l\" | $B/albert-cli embed $MODEL --threads $THREADS --format f32; done < $CORPUS.head"
    run embed-no-sort "$LINES" "$B/albert-cli embed $MODEL $CORPUS --threads $THREADS --no-sort --format f32 --out $B/embed-bench.c.f32"
    r=$((r + 1))
done
cmp -s $B/embed-bench.a.f32 $B/embed-bench.b.f32 && echo "embed and embed-batch wrote the same bytes"
awk '{ wall[$1] = wall[$1] " " $5 / $2; cpu[$1] = cpu[$1] " " $5 / ($3 + $4 > 0 ? $3 + $4 : 1e-9) }
     END { for (k in wall) print k, wall[k], "|", cpu[k] }' "$T" | while read -r name rest; do
    w=$(echo "$rest" | cut -d'|' -f1 | tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    c=$(echo "$rest" | cut -d'|' -f2 | tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    printf '%-14s median %8.1f texts/s wall   %8.1f texts per CPU-second   (runs:%s)\n' "$name" "$w" "$c" "$(echo "$rest" | cut -d'|' -f1)"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

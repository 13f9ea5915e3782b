#!/bin/sh
# tools/bench.sh - `make bench`: albert.h's forward-pass latency on an albert-base-v2-shaped model, side by side
# with ONNX Runtime (when installed), as a table seq x batch x threads -> median ms, GFLOP/s, % of peak.
#
# Environment: B (build folder with albert-bench and albert-convert, default build), SHARED (default ../shared),
# ORT_PATH (default /tmp/ort/node_modules/onnxruntime-node),
# ROUNDS (alternating A B rounds per row, default 3), SECONDS_PER_RUN (albert-bench time per run, default 3),
# CONFIGS (space-separated seq:batch:threads, default below).
# The machines are noisy: each row alternates albert-bench and ORT ROUNDS times and compares the medians.
set -e
cd "$(dirname "$0")/.."
B=${B:-build}
SHARED=${SHARED:-../shared}
SRC=$SHARED/bench/albert-base-v2-shape
MODEL=$B/albert-base-v2-shape.albert
ORT_PATH=${ORT_PATH:-/tmp/ort/node_modules/onnxruntime-node}
ROUNDS=${ROUNDS:-3}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-3}
CONFIGS=${CONFIGS:-"128:1:2 128:1:1 8:1:2 512:1:2 128:8:2 8:1:1 512:1:1"}
CC=${CC:-cc}

if [ ! -f "$MODEL" ] || [ "$SRC/model.safetensors" -nt "$MODEL" ]; then
    echo "converting $SRC -> $MODEL"
    $B/albert-convert "$SRC" "$MODEL"
fi

# the machine's peak (AVX2 FMA probe; on AVX-512 machines the 512-bit rate, which is then the peak)
$CC -O2 -mavx2 -mfma -pthread "$SHARED/bench/peak.c" -o $B/peak
PEAK1=$($B/peak 1 | awk '{print $1}')
PEAK2=$($B/peak 2 | awk '{print $1}')
PEAK_KIND="AVX2"
echo "peak (peak.c, AVX2): $PEAK1 GFLOP/s on 1 thread, $PEAK2 on 2"
if grep -q avx512f /proc/cpuinfo 2>/dev/null; then
    sed -e 's/__m256/__m512/g; s/_mm256_/_mm512_/g; s/float t\[8\]/float t[16]/; s/\*8\*2/*16*2/' \
        "$SHARED/bench/peak.c" > $B/peak512.c
    if $CC -O2 -mavx512f -pthread $B/peak512.c -o $B/peak512 2>/dev/null; then
        PEAK1=$($B/peak512 1 | awk '{print $1}')
        PEAK2=$($B/peak512 2 | awk '{print $1}')
        PEAK_KIND="AVX-512"
        echo "peak with AVX-512 (this CPU has it; albert.h and ONNX Runtime use it): $PEAK1 GFLOP/s on 1 thread, $PEAK2 on 2 (used for %peak)"
    fi
fi

# correctness first: HF's output for the reference case
$B/albert-bench "$MODEL" --seq 128 --threads 2 --iters 1 --check "$SRC" | grep '^check' || { echo "bench: check failed"; exit 1; }
"$B/albert-bench" "$MODEL" --seq 128 --threads 2 --iters 3 | head -1

HAVE_ORT=0
if [ -d "$ORT_PATH" ] && command -v node >/dev/null 2>&1; then HAVE_ORT=1; else echo "(ONNX Runtime not found at $ORT_PATH: albert.h only)"; fi

median() { sort -n | awk '{v[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

printf '\n%5s %5s %7s | %10s %8s %7s | %10s %8s\n' seq batch threads "albert ms" "GFLOP/s" "%peak" "ORT ms" "ratio"
for cfg in $CONFIGS; do
    seq=${cfg%%:*}; rest=${cfg#*:}; batch=${rest%%:*}; threads=${rest#*:}
    peak=$PEAK2; [ "$threads" = 1 ] && peak=$PEAK1
    a_list=""; o_list=""; r=0
    while [ $r -lt "$ROUNDS" ]; do
        a=$($B/albert-bench "$MODEL" --seq "$seq" --batch "$batch" --threads "$threads" --seconds "$SECONDS_PER_RUN" \
            | tail -1 | sed -n 's/.*median_ms=\([0-9.]*\).*/\1/p')
        a_list="$a_list $a"
        if [ $HAVE_ORT = 1 ]; then
            o=$(ORT_PATH="$ORT_PATH" node "$SHARED/bench/peer_ort.js" "$SRC" "$seq" "$threads" "$batch" \
                | sed -n 's/.*median_ms=\([0-9.]*\).*/\1/p')
            o_list="$o_list $o"
        fi
        r=$((r + 1))
    done
    am=$(echo $a_list | tr ' ' '\n' | median)
    flops=$(awk -v s="$seq" -v b="$batch" 'BEGIN {print 12*s*b*(8*768*768 + 4*768*3072 + 4*s*768)}')
    gf=$(awk -v f="$flops" -v ms="$am" 'BEGIN {printf "%.1f", f/(ms*1e-3)/1e9}')
    pct=$(awk -v g="$gf" -v p="$peak" 'BEGIN {printf "%.0f", 100*g/p}')
    if [ $HAVE_ORT = 1 ]; then
        om=$(echo $o_list | tr ' ' '\n' | median)
        ratio=$(awk -v a="$am" -v o="$om" 'BEGIN {printf "%.2f", a/o}')
    else
        om="-"; ratio="-"
    fi
    printf '%5s %5s %7s | %10s %8s %6s%% | %10s %8s\n' "$seq" "$batch" "$threads" "$am" "$gf" "$pct" "$om" "$ratio"
done
echo "(ratio = albert.h median / ONNX Runtime median, $ROUNDS alternating rounds; % of the measured $PEAK_KIND peak)"
# memory: peak RSS at seq 512 against the model file's size
$B/albert-bench "$MODEL" --seq 512 --threads 2 --iters 3 | awk -v size="$(wc -c < "$MODEL")" \
    '{for (i = 1; i <= NF; i++) {split($i, a, "="); if (a[1] == "scratch_mb") scratch = a[2]; if (a[1] == "peak_rss_mb") rss = a[2]}}
     END {printf "seq 512, 2 threads: peak RSS %.1f MB (model file %.1f MB, budget file + 64 MB); context scratch %.1f MB\n", rss, size/1048576, scratch}'

# compact weights: the same model with f16 and int8 weight matrices, alternating with f32 (DTYPE_CONFIG seq:batch:threads)
DTYPE_CONFIG=${DTYPE_CONFIG:-128:1:2}
seq=${DTYPE_CONFIG%%:*}; rest=${DTYPE_CONFIG#*:}; batch=${rest%%:*}; threads=${rest#*:}
for d in f16 int8; do
    [ -f "$B/albert-base-v2-shape.$d.albert" ] || $B/albert-convert -q --dtype $d "$SRC" "$B/albert-base-v2-shape.$d.albert"
done
f_list=""; h_list=""; q_list=""; r=0
while [ $r -lt "$ROUNDS" ]; do
    for d in f32 f16 int8; do
        file=$MODEL; [ $d != f32 ] && file=$B/albert-base-v2-shape.$d.albert
        t=$($B/albert-bench "$file" --seq "$seq" --batch "$batch" --threads "$threads" --seconds "$SECONDS_PER_RUN" \
            | tail -1 | sed -n 's/.*median_ms=\([0-9.]*\).*/\1/p')
        case $d in f32) f_list="$f_list $t";; f16) h_list="$h_list $t";; int8) q_list="$q_list $t";; esac
    done
    r=$((r + 1))
done
fm=$(echo $f_list | tr ' ' '\n' | median); hm=$(echo $h_list | tr ' ' '\n' | median); qm=$(echo $q_list | tr ' ' '\n' | median)
printf '\nweights (seq %s, batch %s, %s threads): file MB, median ms, time / f32\n' "$seq" "$batch" "$threads"
for d in f32 f16 int8; do
    file=$MODEL; [ $d != f32 ] && file=$B/albert-base-v2-shape.$d.albert
    case $d in f32) m=$fm;; f16) m=$hm;; int8) m=$qm;; esac
    awk -v d=$d -v s="$(wc -c < "$file")" -v m="$m" -v f="$fm" 'BEGIN {printf "%5s %8.1f %10s %8.2f\n", d, s/1048576, m, m/f}'
done

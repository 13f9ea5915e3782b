#!/bin/sh
# tools/bench.sh - `make bench`: albert.h's forward-pass latency on an albert-base-v2-shaped model in f32, bf16, f16
# and int8, side by side with ONNX Runtime f32 and int8 (when installed), as one table seq x batch x threads ->
# median ms, the ratios, % of the relevant peak; then each dtype's accuracy on the reference case.
#
# Environment: B (build folder with albert-bench and albert-convert, default build), SHARED (default ../shared),
# ORT_PATH (default /tmp/ort/node_modules/onnxruntime-node), ROUNDS (alternating rounds per row, default 3),
# SECONDS_PER_RUN (albert-bench and ORT time per run, default 2), CONFIGS (space-separated seq:batch:threads).
# The machines are noisy: each row runs the six programs one after the other, ROUNDS times, and compares medians.
set -e
cd "$(dirname "$0")/.."
B=${B:-build}
SHARED=${SHARED:-../shared}
SRC=$SHARED/bench/albert-base-v2-shape
ORT_PATH=${ORT_PATH:-/tmp/ort/node_modules/onnxruntime-node}
ROUNDS=${ROUNDS:-3}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-2}
CONFIGS=${CONFIGS:-"8:1:1 8:1:2 128:1:1 128:1:2 512:1:1 512:1:2 128:8:1 128:8:2"}
CC=${CC:-cc}
DTYPES="f32 bf16 f16 int8"

model() { echo "$B/albert-base-v2-shape.$1.albert"; }
for d in $DTYPES; do
    if [ ! -f "$(model $d)" ] || [ "$SRC/model.safetensors" -nt "$(model $d)" ] || [ "$B/albert-convert" -nt "$(model $d)" ]; then
        echo "converting $SRC -> $(model $d)"
        $B/albert-convert -q --dtype $d "$SRC" "$(model $d)"
    fi
done

# peaks of the 512-bit units (fp32 FMA, int8 VNNI, BF16) on 1 and 2 threads, when this CPU has them
PEAK_fma_1=; PEAK_fma_2=; PEAK_vnni_1=; PEAK_vnni_2=; PEAK_bf16_1=; PEAK_bf16_2=
if $CC -O2 -mavx512f -mavx512bw -mavx512vnni -mavx512bf16 -pthread "$SHARED/bench/peak_probes.c" -o $B/peak_probes 2>/dev/null; then
    for p in fma vnni bf16; do
        grep -q "$( [ $p = fma ] && echo avx512f || ([ $p = vnni ] && echo avx512_vnni || echo avx512_bf16))" /proc/cpuinfo 2>/dev/null || continue
        for t in 1 2; do eval "PEAK_${p}_$t=$($B/peak_probes $p $t 50 | awk '{print $2}')"; done
    done
fi
echo "peaks (peak_probes.c, G(fl)op/s, 1 / 2 threads): fma ${PEAK_fma_1:-?} / ${PEAK_fma_2:-?}, vnni ${PEAK_vnni_1:-?} / ${PEAK_vnni_2:-?}, bf16 ${PEAK_bf16_1:-?} / ${PEAK_bf16_2:-?}"
grep -q amx_int8 /proc/cpuinfo 2>/dev/null && echo "(this CPU has AMX: albert.h's int8 and bf16 use its tiles, whose peak is above the probes')"

HAVE_ORT=0
if [ -d "$ORT_PATH" ] && command -v node >/dev/null 2>&1; then HAVE_ORT=1; else echo "(ONNX Runtime not found at $ORT_PATH: albert.h only)"; fi

median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b == "-" || b + 0 == 0) print "-"; else printf "%.2f", a / b}'; }
pct() { awk -v ops="$1" -v ms="$2" -v peak="$3" 'BEGIN {if (peak == "") print "-"; else printf "%.0f%%", 100 * ops / (ms * 1e-3) / 1e9 / peak}'; }
albert_ms() {
    $B/albert-bench "$(model $1)" --seq "$2" --batch "$3" --threads "$4" --seconds "$SECONDS_PER_RUN" \
        | tail -1 | sed -n 's/.*median_ms=\([0-9.]*\).*/\1/p'
}
ort_ms() {
    PEER_SECONDS=$SECONDS_PER_RUN ORT_PATH="$ORT_PATH" node "$SHARED/bench/peer_ort.js" "$SRC" "$2" "$3" "$1" "$4" \
        | sed -n 's/.*median_ms=\([0-9.]*\).*/\1/p'
}

printf '\n%4s %5s %3s | %8s %8s %8s %8s | %8s %8s | %8s %8s %6s %6s | %5s %5s %5s\n' seq batch thr \
    "f32 ms" "bf16 ms" "f16 ms" "int8 ms" "ORT f32" "ORT int8" "i8/ORTi8" "f32/ORT" "bf16/f" "f16/f" "%fma" "%bf16" "%vnni"
for cfg in $CONFIGS; do
    seq=${cfg%%:*}; rest=${cfg#*:}; batch=${rest%%:*}; threads=${rest#*:}
    l_f32=; l_bf16=; l_f16=; l_int8=; l_of=; l_oq=; r=0
    while [ $r -lt "$ROUNDS" ]; do
        for d in $DTYPES; do eval "l_$d=\"\$l_$d $(albert_ms $d $seq $batch $threads)\""; done
        if [ $HAVE_ORT = 1 ]; then
            l_of="$l_of $(ort_ms $seq $batch $threads model.onnx)"
            l_oq="$l_oq $(ort_ms $seq $batch $threads model.int8.onnx)"
        fi
        r=$((r + 1))
    done
    f32=$(echo $l_f32 | median); bf16=$(echo $l_bf16 | median); f16=$(echo $l_f16 | median); int8=$(echo $l_int8 | median)
    of=-; oq=-
    [ $HAVE_ORT = 1 ] && of=$(echo $l_of | median) && oq=$(echo $l_oq | median)
    ops=$(awk -v s="$seq" -v b="$batch" 'BEGIN {print 12*s*b*(8*768*768 + 4*768*3072 + 4*s*768)}')
    eval "pf=\$PEAK_fma_$threads; pb=\$PEAK_bf16_$threads; pv=\$PEAK_vnni_$threads"
    printf '%4s %5s %3s | %8s %8s %8s %8s | %8s %8s | %8s %8s %6s %6s | %5s %5s %5s\n' "$seq" "$batch" "$threads" \
        "$f32" "$bf16" "$f16" "$int8" "$of" "$oq" "$(ratio $int8 $oq)" "$(ratio $f32 $of)" "$(ratio $bf16 $f32)" \
        "$(ratio $f16 $f32)" "$(pct $ops $f32 "$pf")" "$(pct $ops $bf16 "$pb")" "$(pct $ops $int8 "$pv")"
done
echo "(medians of $ROUNDS rounds, each round running the six one after the other; ratios of medians; % of the probe's"
echo " peak on as many threads, for the whole forward pass: f32 of fp32 FMA, bf16 of vdpbf16ps, int8 of vpdpbusd)"

# accuracy on the reference case: last_hidden_state against HF float32
printf '\naccuracy on case_s128 (last_hidden_state vs HF float32):\n'
for d in $DTYPES; do
    $B/albert-bench "$(model $d)" --seq 128 --threads 2 --iters 1 --check "$SRC" | sed -n 's/^check seq=128 max_abs_diff_hidden=\([^ ]*\) .*min_token_cosine=\([^ ]*\).*/\1 \2/p' |
        awk -v d="albert $d" '{printf "  %-12s max abs %-9s worst per-token cosine %s\n", d, $1, $2}'
done
if [ $HAVE_ORT = 1 ]; then
    for m in model.onnx model.int8.onnx; do
        ORT_PATH="$ORT_PATH" node tools/ort_check.js "$SRC" $m | sed -n 's/^ort_check max_abs=\([^ ]*\) min_token_cosine=\([^ ]*\)/\1 \2/p' |
            awk -v d="ORT $( [ $m = model.onnx ] && echo f32 || echo int8)" '{printf "  %-12s max abs %-9s worst per-token cosine %s\n", d, $1, $2}'
    done
fi

# memory: peak RSS at seq 512 against the model file's size
$B/albert-bench "$(model f32)" --seq 512 --threads 2 --iters 3 | awk -v size="$(wc -c < "$(model f32)")" \
    '{for (i = 1; i <= NF; i++) {split($i, a, "="); if (a[1] == "scratch_mb") scratch = a[2]; if (a[1] == "peak_rss_mb") rss = a[2]}}
     END {printf "\nseq 512, 2 threads, f32: peak RSS %.1f MB (model file %.1f MB, budget file + 64 MB); context scratch %.1f MB\n", rss, size/1048576, scratch}'

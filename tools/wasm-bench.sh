#!/bin/sh
# tools/wasm-bench.sh - `make wasm-bench`: albert.h built for WebAssembly (build-wasm/albert-bench, SIMD128) against
# ONNX Runtime's WebAssembly build (npm onnxruntime-web, what transformers.js runs on) on the same albert-base-v2
# shaped model, both under the same node, one thread, float32: for each sequence length, ROUNDS rounds alternating
# the two (A B A B ...), each run timing SECONDS_PER_RUN seconds; prints the medians of the runs' medians and their
# ratio. First checks albert.h's output against HuggingFace's for the reference input (case_s128).
#
# Environment: SHARED (default ../shared), ROUNDS (default 5), SECONDS_PER_RUN (default 6), SEQS (default "128 8"),
# ORT_WEB_PATH (the onnxruntime-web folder; default build-wasm/ort-web/node_modules/onnxruntime-web, installed
# there with npm on first use, version ORT_WEB_VERSION, default 1.31.1).
set -e
cd "$(dirname "$0")/.."
B=build-wasm
SHARED=${SHARED:-../shared}
SRC=$SHARED/bench/albert-base-v2-shape
MODEL=$B/albert-base-v2-shape.albert
ROUNDS=${ROUNDS:-5}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-6}
SEQS=${SEQS:-"128 8"}
ORT_WEB_VERSION=${ORT_WEB_VERSION:-1.31.1}
ORT_WEB_PATH=${ORT_WEB_PATH:-$B/ort-web/node_modules/onnxruntime-web}
case $ORT_WEB_PATH in /*) ;; *) ORT_WEB_PATH=$(pwd)/$ORT_WEB_PATH ;; esac

if [ ! -d "$ORT_WEB_PATH" ]; then
    echo "installing onnxruntime-web@$ORT_WEB_VERSION into $B/ort-web"
    mkdir -p $B/ort-web
    npm install --silent --no-audit --no-fund --ignore-scripts --prefix $B/ort-web "onnxruntime-web@$ORT_WEB_VERSION"
fi
if [ ! -f "$MODEL" ] || [ "$SRC/model.safetensors" -nt "$MODEL" ]; then
    echo "converting $SRC -> $MODEL"
    $B/albert-convert -q "$SRC" "$MODEL"
fi

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -1)
flags=$(grep -o -w -m1 'avx512f\|avx2' /proc/cpuinfo 2>/dev/null | sort -u | tr '\n' ' ')
echo "cpu: ${cpu:-unknown} ($(nproc) cores; $flags); node $(node --version); onnxruntime-web $(node -p "require('$ORT_WEB_PATH/package.json').version")"
$B/albert-bench "$MODEL" --seq 128 --threads 1 --iters 1 --check "$SRC" | grep '^check' || { echo "wasm-bench: check failed"; exit 1; }

median() { sort -n | awk '{v[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

printf '\n%5s | %14s | %14s | %7s\n' seq "albert.h ms" "ORT-web ms" "ratio"
for seq in $SEQS; do
    a_list=""; o_list=""; r=0
    while [ $r -lt "$ROUNDS" ]; do
        a=$($B/albert-bench "$MODEL" --seq "$seq" --threads 1 --seconds "$SECONDS_PER_RUN" \
            | tail -1 | sed -n 's/.*median_ms=\([0-9.]*\).*/\1/p')
        o=$(ORT_WEB_PATH="$ORT_WEB_PATH" PEER_SECONDS="$SECONDS_PER_RUN" node tools/peer_ort_web.js "$SRC/model.onnx" "$seq" 1 \
            | sed -n 's/.*median_ms=\([0-9.]*\).*/\1/p')
        echo "  seq $seq round $((r + 1)): albert.h $a ms, ORT-web $o ms"
        a_list="$a_list $a"; o_list="$o_list $o"
        r=$((r + 1))
    done
    am=$(echo $a_list | tr ' ' '\n' | median); om=$(echo $o_list | tr ' ' '\n' | median)
    printf '%5s | %14s | %14s | %7s\n' "$seq" "$am" "$om" "$(awk -v a="$am" -v o="$om" 'BEGIN {printf "%.2f", a/o}')"
done
echo "(medians of $ROUNDS alternating rounds, 1 thread, float32, batch 1; ratio = albert.h / ORT-web: below 1 = albert.h faster)"

#!/bin/sh
# tests/fuzz/run.sh - builds the libFuzzer harnesses (tests/fuzz/fuzz_*.c) into build/fuzz/ and runs each one for
# SECONDS with its corpus, after replaying tests/data/fuzz-regress/<target>-* as plain inputs. `make fuzz` calls it.
#
#   sh tests/fuzz/run.sh [SECONDS] [TARGET...]      (from the repository root; default 30 s, every target)
#   FUZZ_CC=clang-14  FUZZ_ARGS="-max_len=4096"  FUZZ_SKIP_SEEDS=1  (keep build/fuzz/seeds as they are)
#
# Targets run one after the other (one process each: the machine is shared). Layout under build/fuzz/:
#   bin/fuzz_<t>  obj/ (converter sources, sanitized)  seeds/<t>/ (tests/fuzz/seeds.sh)  corpus/<t>/ (grows)
#   crashes/<t>/ (libFuzzer artifacts: crash-*, leak-*, timeout-*, oom-*)  logs/<t>.log
# Prints per target: executions, coverage (cov: edges, ft: features, from libFuzzer's last status line), crashes.
# Exits non-zero when a harness does not build, a regression input fails or any target finds a crash.
set -u
SECONDS_EACH=${1:-30}
[ $# -gt 0 ] && shift
TARGETS=${*:-blob safetensors torch tf spm tokenizer config bmconfig tokjson stconfig}
CC=${FUZZ_CC:-clang}
OUT=build/fuzz
REGRESS=tests/data/fuzz-regress
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
CFLAGS="-std=c99 -g -O1 -fno-omit-frame-pointer -Wall -Wextra -pedantic -I. $SAN"
TOOLS_SRC=$(ls tools/ck_*.c tools/tok_*.c tools/blob*.c tools/json*.c tools/st_*.c tools/bm_*.c 2>/dev/null)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0

mkdir -p "$OUT/bin" "$OUT/obj" "$OUT/logs"

# ---- build
# Converter sources -> sanitized objects (recompiled when the source or a tools/ header is newer).
tools_objects=
for src in $TOOLS_SRC; do
    obj=$OUT/obj/$(basename "$src" .c).o
    tools_objects="$tools_objects $obj"
    if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ tools/convert.h -nt "$obj" ] || [ tools/json.h -nt "$obj" ] ||
       [ albert.h -nt "$obj" ]; then
        $CC $CFLAGS -fsanitize=fuzzer-no-link -c -o "$obj" "$src" || { echo "run.sh: cannot compile $src" >&2; status=1; }
    fi
done

built=
for t in $TARGETS; do
    src=tests/fuzz/fuzz_$t.c
    case $t in
        blob|tokenizer) extra= ;;
        *) extra=$tools_objects ;;
    esac
    if [ ! -f "$src" ]; then echo "run.sh: no harness $src" >&2; status=1; continue; fi
    # shellcheck disable=SC2086
    if $CC $CFLAGS -fsanitize=fuzzer -o "$OUT/bin/fuzz_$t" "$src" $extra -lm -lpthread 2> "$OUT/logs/build_$t.log"; then
        built="$built $t"
    else
        cat "$OUT/logs/build_$t.log" >&2
        echo "run.sh: fuzz_$t does not build" >&2
        status=1
    fi
done

# ---- seeds (and the model files fuzz_tokenizer loads)
if [ -z "${FUZZ_SKIP_SEEDS:-}" ] || [ ! -d "$OUT/seeds" ]; then sh tests/fuzz/seeds.sh "$OUT" || status=1; fi
FUZZ_TOKENIZER_EN=$(pwd)/$OUT/data/en.albert
FUZZ_TOKENIZER_ZH=$(pwd)/$OUT/data/zh.albert
export FUZZ_TOKENIZER_EN FUZZ_TOKENIZER_ZH

# ---- regression: every reproducer of a target, as plain inputs
for t in $built; do
    n=0
    for f in "$REGRESS/$t"-*; do
        [ -f "$f" ] || continue
        n=$((n + 1))
        if ! "$OUT/bin/fuzz_$t" "$f" > "$OUT/logs/regress_$t.log" 2>&1; then
            echo "REGRESSION $t: $f crashes again:" >&2
            grep -E "ERROR|SUMMARY|runtime error|broken promise|#[0-9]+ 0x" "$OUT/logs/regress_$t.log" | head -20 >&2
            status=1
        fi
    done
    [ $n -gt 0 ] && echo "regress $t: $n inputs replayed"
done

# ---- fuzz
printf '%-12s %12s %8s %8s %8s  %s\n' target executions cov ft crashes status
for t in $built; do
    mkdir -p "$OUT/corpus/$t" "$OUT/crashes/$t"
    log=$OUT/logs/$t.log
    touch "$OUT/logs/$t.start"
    # shellcheck disable=SC2086
    "$OUT/bin/fuzz_$t" -max_total_time="$SECONDS_EACH" -timeout=20 -rss_limit_mb=2560 -print_final_stats=1 \
        -artifact_prefix="$OUT/crashes/$t/" ${FUZZ_ARGS:-} "$OUT/corpus/$t" "$OUT/seeds/$t" > "$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    last=$(grep -E '^#[0-9]+' "$log" | grep 'cov:' | tail -n 1)
    cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    crashes=$(find "$OUT/crashes/$t" -type f -newer "$OUT/logs/$t.start" | wc -l)
    if [ $rc -ne 0 ]; then
        result="FAILED (exit $rc; see $log)"
        status=1
        grep -E "ERROR|SUMMARY|runtime error|broken promise|^ *#[0-9]+ 0x" "$log" | head -12 >&2
    else
        result=ok
    fi
    printf '%-12s %12s %8s %8s %8s  %s\n' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$crashes" "$result"
done
exit $status

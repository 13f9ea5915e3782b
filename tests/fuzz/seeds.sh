#!/bin/sh
# tests/fuzz/seeds.sh - (re)builds the seed corpora of the fuzz harnesses from the project's test data and, when it
# is there, ../shared/realdata. Run from the repository root:  sh tests/fuzz/seeds.sh [OUT]   (default build/fuzz)
#
# Writes OUT/seeds/<target>/ for every harness (blob safetensors torch tf spm tokenizer config bmconfig tokjson stconfig) and OUT/data/{en,zh}.albert,
# the tokenizer-only model files fuzz_tokenizer loads. Needs a converter: $ALBERT_CONVERT, else build/albert-convert,
# else one is compiled into OUT/albert-convert (plain cc, no sanitizers). Seeds are data only: nothing here is
# committed, everything can be regenerated.
set -u
OUT=${1:-build/fuzz}
SHARED=${ALBERT_SHARED:-../shared}
REAL=$SHARED/realdata
SEEDS=$OUT/seeds

rm -rf "$SEEDS"
mkdir -p "$SEEDS/blob" "$SEEDS/safetensors" "$SEEDS/torch" "$SEEDS/tf" "$SEEDS/spm" "$SEEDS/tokenizer" "$SEEDS/config" \
    "$SEEDS/bmconfig" "$SEEDS/tokjson" "$SEEDS/stconfig" "$OUT/data"

# ---- the converter
CONVERT=${ALBERT_CONVERT:-}
if [ -z "$CONVERT" ] && [ -x build/albert-convert ]; then CONVERT=build/albert-convert; fi
if [ -z "$CONVERT" ]; then
    CONVERT=$OUT/albert-convert
    ${CC:-cc} -std=c99 -O1 -I. -o "$CONVERT" tools/albert-convert.c tools/ck_*.c tools/tok_*.c tools/blob*.c \
        tools/json*.c $(ls tools/st_*.c tools/bm_*.c 2>/dev/null) -lm -lpthread || { echo "seeds.sh: cannot build the converter" >&2; CONVERT=; }
fi

# copy SRC DIR NAME: copies a file if it exists
copy() { [ -f "$1" ] && cp "$1" "$2/$3"; return 0; }

# first_file FILE...: prints the first that exists
first_file() { for f in "$@"; do [ -f "$f" ] && { echo "$f"; return 0; }; done; return 1; }

# u32le N: the 4 bytes of N, little-endian
u32le() {
    printf "\\$(printf %03o $(($1 & 255)))\\$(printf %03o $(($1 >> 8 & 255)))"
    printf "\\$(printf %03o $(($1 >> 16 & 255)))\\$(printf %03o $(($1 >> 24 & 255)))"
}

# ---- tokenizer files (English SentencePiece, Chinese WordPiece)
EN_MODEL=$(first_file tests/data/tok/en.model tests/data/tok/en/*.model tests/data/demo/spiece.model \
    "$REAL/albert-en-30k-clean-rebuilt/30k-clean.model")
ZH_VOCAB=$(first_file tests/data/tok/zh/vocab.txt tests/data/tok/zh.txt "$REAL/albert-zh-brightmart/vocab.txt")

# ---- blob: converted models, tokenizer-only files
if [ -n "$CONVERT" ]; then
    # (not tests/data/demo, nor the 3 MB English tokenizer: libFuzzer cuts inputs at 1 MB)
    for d in tests/data/models/*/; do
        [ -d "$d" ] || continue
        name=$(basename "$d")
        "$CONVERT" -q "$d" "$SEEDS/blob/$name.albert" >/dev/null 2>&1 || echo "seeds.sh: could not convert $d" >&2
        for f in "$d"tf/*.index; do        # the same model from its TF checkpoint (another tensor set: SOP head)
            [ -f "$f" ] && { "$CONVERT" -q --config "$d"config.json "$f" "$SEEDS/blob/$name-tf.albert" >/dev/null 2>&1 ||
                             "$CONVERT" -q "$f" "$SEEDS/blob/$name-tf.albert" >/dev/null 2>&1 || true; }
        done
    done
    [ -n "$EN_MODEL" ] && { "$CONVERT" -q --tokenizer-only "$EN_MODEL" "$OUT/data/en.albert" >/dev/null 2>&1 ||
                            echo "seeds.sh: could not convert $EN_MODEL" >&2; }
    [ -n "$ZH_VOCAB" ] && { "$CONVERT" -q --tokenizer-only "$ZH_VOCAB" "$OUT/data/zh.albert" >/dev/null 2>&1 ||
                            echo "seeds.sh: could not convert $ZH_VOCAB" >&2; }
    copy "$OUT/data/zh.albert" "$SEEDS/blob" tok-zh.albert
    # the task heads (sequence / token classification, QA, multiple choice) with a small WordPiece vocabulary
    for d in tests/data/tasks/*/; do
        [ -f "${d}config.json" ] || continue
        "$CONVERT" -q --vocab tests/data/tasks/vocab.txt "$d" "$SEEDS/blob/task-$(basename "$d").albert" >/dev/null 2>&1 ||
            echo "seeds.sh: could not convert $d" >&2
    done
    for m in "$REAL/google-sentencepiece-test-models/test_model.model" tests/data/tok/bytefb.model; do
        [ -f "$m" ] && "$CONVERT" -q --tokenizer-only "$m" "$SEEDS/blob/tok-$(basename "$m" .model).albert" >/dev/null 2>&1
    done
fi

# ---- safetensors (+ JSON: the same harness parses its input as JSON)
for d in tests/data/models/*/; do
    copy "${d}model.safetensors" "$SEEDS/safetensors" "$(basename "$d").safetensors"
    copy "${d}config.json" "$SEEDS/safetensors" "$(basename "$d").config.json"
done
for f in "$REAL"/albert-zh-brightmart/*.json "$REAL"/albertvi-vietnamese-spm/*.json "$REAL"/albert-de-privately-spm/*.json; do
    copy "$f" "$SEEDS/safetensors" "$(basename "$(dirname "$f")")-$(basename "$f")"
done

# ---- config: HF and Google configs (heads, labels, problem types)
for f in tests/data/models/*/config.json tests/data/tasks/*/config.json tests/data/models/*/tf/*.json \
         tests/data/demo/config.json; do
    copy "$f" "$SEEDS/config" "$(basename "$(dirname "$f")")-$(basename "$f")"
done

# ---- torch (zip and legacy)
for d in tests/data/models/*/; do
    copy "${d}pytorch_model.bin" "$SEEDS/torch" "$(basename "$d")-zip.bin"
    copy "${d}pytorch_model_legacy.bin" "$SEEDS/torch" "$(basename "$d")-legacy.bin"
done
for f in tests/data/ckpt/*.pt; do copy "$f" "$SEEDS/torch" "$(basename "$f")"; done

# ---- tf: u32 index length + .index + .data-00000-of-00001
pack_tf() {  # pack_tf INDEX OUTFILE
    data=${1%.index}.data-00000-of-00001
    [ -f "$1" ] && [ -f "$data" ] || return 0
    { u32le "$(wc -c < "$1")"; cat "$1" "$data"; } > "$2"
}
for f in tests/data/models/*/tf/*.index; do pack_tf "$f" "$SEEDS/tf/$(basename "$(dirname "$(dirname "$f")")").tf"; done
for f in tests/data/ckpt/*/*.index "$REAL"/tensorflow-serving-tf-checkpoints/*/*.index; do
    pack_tf "$f" "$SEEDS/tf/$(basename "$(dirname "$f")").tf"
done

# ---- spm: SentencePiece .model files
for f in tests/data/tok/*.model tests/data/tok/*/*.model "$REAL"/google-sentencepiece-test-models/*.model \
         "$REAL"/albert-de-privately-spm/*.model "$REAL"/albertvi-vietnamese-spm/*.model; do
    copy "$f" "$SEEDS/spm" "$(basename "$(dirname "$f")")-$(basename "$f")"
done

# ---- tokenizer: texts with the option bytes (see fuzz_tokenizer.c): en / zh, single / pair / small capacity
TEXTS=$(first_file tests/data/tok/golden/texts.txt tests/data/tok/texts.txt "$SHARED/golden/tok/texts.txt")
if [ -n "$TEXTS" ]; then
    n=0
    while IFS= read -r line; do
        n=$((n + 1))
        for opt in 000 001 002 003 004 005 242 243; do   # en/zh: single, pair, small capacity, pair max_tokens 10
            { printf "\\$opt\\200"; printf '%s' "$line"; } > "$SEEDS/tokenizer/t$n-$opt"
        done
    done < "$TEXTS"
fi

# ---- bmconfig: brightmart albert_zh configs (and Google/HF ones, which it must refuse or read)
for f in tests/data/brightmart/*/albert_config.json "$REAL"/albert-zh-brightmart/*.json tests/data/models/*/config.json; do
    copy "$f" "$SEEDS/bmconfig" "$(basename "$(dirname "$f")")-$(basename "$f")"
done

# ---- tokjson: tokenizer.json files (small hand-cut ones, and the Chinese one: under libFuzzer's 1 MB)
for f in tests/data/fuzz-seeds/tokjson/*.json tests/data/tok-fast/zh/tokenizer.json; do
    copy "$f" "$SEEDS/tokjson" "$(basename "$(dirname "$f")")-$(basename "$f")"
done

# ---- stconfig: sentence-transformers files behind their selector byte (0 modules, 1 Pooling, 2 sbert config)
for d in tests/data/tasks/st-*; do
    [ -d "$d" ] || continue
    n=$(basename "$d")
    [ -f "$d/modules.json" ] && { printf '\000'; cat "$d/modules.json"; } > "$SEEDS/stconfig/$n-modules"
    [ -f "$d/1_Pooling/config.json" ] && { printf '\001'; cat "$d/1_Pooling/config.json"; } > "$SEEDS/stconfig/$n-pooling"
    [ -f "$d/sentence_bert_config.json" ] && { printf '\002'; cat "$d/sentence_bert_config.json"; } > "$SEEDS/stconfig/$n-sbert"
done
for f in tests/data/fuzz-seeds/stconfig/*; do copy "$f" "$SEEDS/stconfig" "$(basename "$f")"; done

for t in blob safetensors torch tf spm tokenizer config bmconfig tokjson stconfig; do
    echo "seeds.sh: $t: $(ls "$SEEDS/$t" | wc -l) seeds"
done

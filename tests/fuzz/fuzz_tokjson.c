/* fuzz_tokjson.c - libFuzzer harness for the converter's tokenizer.json reader (tools/tok_json.c: the JSON, the
   Unigram / WordPiece models, normalizer / pre-tokenizer / post-processor / added-token checks, base64 charsmaps)
   and, for every file it accepts, albert.h's loader and tokenizer on the result (the tokenizer.json pipeline of
   ALBERT_TOKENIZER2_FAST included).

   The input is the tokenizer.json text. tok_add_tokenizer_json_memory writes into a blob_writer under /dev/shm; a
   refused file must come with a message and is aborted. An accepted one gets the Unicode tables, blob_finish,
   albert_model_load and a few albert_tokenize calls (single, pair, small capacity): ids must stay inside the
   vocabulary, n_tokens inside the capacity, offsets inside the text.

   Build: see tests/fuzz/run.sh (compiled with the converter sources; includes albert.h's implementation). */
#define _POSIX_C_SOURCE 200809L
#define ALBERT_IMPLEMENTATION
#include "albert.h"
#include "tools/convert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz_tokjson: broken promise: %s\n", what);
    abort();
}

static char blob_path[96];

static void remove_scratch_files(void) { remove(blob_path); }

static void tokenize_with(const char *path, uint32_t vocab_size)
{
    static const char *const texts[] = {"Hello world.", "  ALBERT  is\tgreat!! \xe2\x80\x94 caf\xc3\xa9 ``x'' \xef\xbc\xa1 ",
                                        "\xe4\xb8\xad\xe6\x96\x87 [MASK] <unk> [CLS][SEP] \xe2\x96\x81\xe2\x96\x81 \xff\xfe",
                                        "", "1999, \xce\xa3\xce\xa3 \xea\xb0\x80 e\xcc\x81 \xf0\x9f\x98\x80"};
    albert_model *model = NULL;
    albert_error error;
    int32_t ids[160], types[160], offsets[320];
    albert_tokens tokens;
    size_t i;
    int32_t k;
    if (albert_model_load(path, &model, &error) != ALBERT_OK) fuzz_fail("the converter wrote a file the library refuses");
    if ((uint32_t)albert_model_config(model)->vocab_size != vocab_size) fuzz_fail("vocab_size changed on the way");
    for (i = 0; i < 2 * (sizeof texts / sizeof texts[0]); i++) {
        const char *text = texts[i % 5], *pair = i >= 5 ? texts[(i + 1) % 5] : NULL;
        albert_result r;
        memset(&tokens, 0, sizeof tokens);
        tokens.ids = ids;
        tokens.type_ids = types;
        tokens.offsets = offsets;
        tokens.capacity = i == 7 ? 3 : 160;
        r = albert_tokenize(model, text, strlen(text), pair, pair ? strlen(pair) : 0, i == 8 ? 5 : 0, &tokens);
        if (r != ALBERT_OK) continue;
        if (tokens.n_tokens < 0 || tokens.n_tokens > tokens.capacity) fuzz_fail("n_tokens outside 0..capacity");
        for (k = 0; k < tokens.n_tokens; k++) {
            size_t limit = types[k] ? (pair ? strlen(pair) : 0) : strlen(text);
            if (ids[k] < 0 || (uint32_t)ids[k] >= vocab_size) fuzz_fail("token id outside the vocabulary");
            if (offsets[2 * k] == -1 && offsets[2 * k + 1] == -1) continue;
            if (offsets[2 * k] < 0 || offsets[2 * k] > offsets[2 * k + 1] || (size_t)offsets[2 * k + 1] > limit)
                fuzz_fail("offsets outside the text");
        }
    }
    albert_model_free(model);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[CK_ERR_LEN];
    blob_writer *w;
    blob_config cfg;
    int i;
    if (!blob_path[0]) {
        snprintf(blob_path, sizeof blob_path, "/dev/shm/fuzz_tokjson.%ld.albert", (long)getpid());
        atexit(remove_scratch_files);
    }
    w = blob_open(blob_path, err);
    if (!w) return 0;
    memset(&cfg, 0, sizeof cfg);
    for (i = 0; i < 8; i++) cfg.special_ids[i] = -1;
    err[0] = '\0';
    if (tok_add_tokenizer_json_memory(w, (const char *)data, size, "fuzz.json", &cfg, err) != 0) {
        if (err[0] == '\0') fuzz_fail("tok_add_tokenizer_json failed without a message");
        blob_abort(w);
        return 0;
    }
    if (cfg.vocab_size == 0) fuzz_fail("an accepted tokenizer without a vocabulary size");
    if (tok_add_unicode_tables(w, err) != 0 || blob_finish(w, &cfg, err) != 0) {
        blob_abort(w);
        return 0;
    }
    blob_abort(w);   /* after blob_finish: only frees */
    tokenize_with(blob_path, cfg.vocab_size);
    remove(blob_path);
    return 0;
}

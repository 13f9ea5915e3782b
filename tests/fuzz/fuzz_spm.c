/* fuzz_spm.c - libFuzzer harness for the converter's SentencePiece model reader (tools/tok_sentencepiece.c:
   the ModelProto protobuf, pieces, normalizer spec and precompiled charsmap).

   The input is a .model file: it is written to one file per process under /dev/shm (the reader takes a path)
   and read by tok_add_sentencepiece into a blob_writer that also writes to /dev/shm. A model the reader
   refuses is simply aborted (blob_abort). A model it accepts is taken one step further, as albert-convert
   --tokenizer-only does: Unicode tables, blob_finish, then albert_model_load of the result and a few
   albert_tokenize / albert_sentencepiece_encode calls, so the library's tokenizer loader also sees every
   vocabulary the converter lets through. Token ids must stay inside the vocabulary.

   Build: see tests/fuzz/run.sh (compiled with the converter sources; includes albert.h's implementation). */
#define _POSIX_C_SOURCE 200809L
#define ALBERT_IMPLEMENTATION
#include "albert.h"
#include "tools/convert.h"
#define FUZZ_NAME "fuzz_spm"
#include "tests/fuzz/fuzz_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


static char model_path[96], blob_path[96];

static void remove_scratch_files(void)
{
    remove(model_path);
    remove(blob_path);
}

/* The files this process writes (the input as a .model, the blob); removed at exit. */
static void make_scratch_paths(void)
{
    if (model_path[0]) return;
    snprintf(model_path, sizeof model_path, "/dev/shm/fuzz_spm.%ld.model", (long)getpid());
    snprintf(blob_path, sizeof blob_path, "/dev/shm/fuzz_spm.%ld.albert", (long)getpid());
    atexit(remove_scratch_files);
}

static void tokenize_with(const char *blob_path, uint32_t vocab_size)
{
    static const char *const texts[] = {"Hello world.", " ALBERT  is\tgreat!! \xe2\x80\x94 caf\xc3\xa9 \xef\xbc\xa1",
                                        "\xe4\xb8\xad\xe6\x96\x87 [MASK] <unk> \xff\xfe", ""};
    albert_model *model = NULL;
    albert_error error;
    int32_t ids[128], offsets[256];
    albert_tokens tokens;
    size_t i;
    int32_t k;
    if (albert_model_load(blob_path, &model, &error) != ALBERT_OK) return;
    if ((uint32_t)albert_model_config(model)->vocab_size != vocab_size) fuzz_fail("vocab_size changed on the way");
    for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        albert_result r;
        memset(&tokens, 0, sizeof tokens);
        tokens.ids = ids;
        tokens.offsets = offsets;
        tokens.capacity = 128;
        r = albert_tokenize(model, texts[i], strlen(texts[i]), i == 1 ? texts[0] : NULL, i == 1 ? strlen(texts[0]) : 0,
                            0, &tokens);
        if (r == ALBERT_OK) {
            if (tokens.n_tokens < 0 || tokens.n_tokens > tokens.capacity) fuzz_fail("n_tokens outside 0..capacity");
            for (k = 0; k < tokens.n_tokens; k++)
                if (ids[k] < 0 || (uint32_t)ids[k] >= vocab_size) fuzz_fail("token id outside the vocabulary");
        }
        tokens.n_tokens = 0;
        if (albert_sentencepiece_encode(model, texts[i], strlen(texts[i]), &tokens) == ALBERT_OK) {
            if (tokens.n_tokens < 0 || tokens.n_tokens > tokens.capacity) fuzz_fail("n_tokens outside 0..capacity");
            for (k = 0; k < tokens.n_tokens; k++)
                if (ids[k] < 0 || (uint32_t)ids[k] >= vocab_size) fuzz_fail("token id outside the vocabulary");
        }
    }
    albert_model_free(model);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[CK_ERR_LEN];
    FILE *out;
    blob_writer *w;
    blob_config cfg;
    int i;

    make_scratch_paths();
    out = fopen(model_path, "wb");
    if (!out) return 0;
    if (fwrite(data, 1, size, out) != size) { fclose(out); return 0; }
    if (fclose(out) != 0) return 0;

    w = blob_open(blob_path, err);
    if (!w) return 0;
    memset(&cfg, 0, sizeof cfg);
    for (i = 0; i < 8; i++) cfg.special_ids[i] = -1;
    err[0] = '\0';
    if (tok_add_sentencepiece(w, model_path, &cfg, err) != 0) {
        if (err[0] == '\0') fuzz_fail("tok_add_sentencepiece failed without a message");
        blob_abort(w);
        return 0;
    }
    if (cfg.vocab_size == 0) fuzz_fail("an accepted model without a vocabulary size");
    if (tok_add_unicode_tables(w, err) != 0 || blob_finish(w, &cfg, err) != 0) {
        blob_abort(w);
        return 0;
    }
    blob_abort(w);   /* after blob_finish: only frees */
    tokenize_with(blob_path, cfg.vocab_size);
    remove(blob_path);
    return 0;
}

/* fuzz_tokenizer.c - libFuzzer harness for the tokenizers of albert.h on arbitrary bytes: albert_tokenize (one
   text and pairs, with and without truncation), albert_sentencepiece_encode and albert_token_piece.

   Two model files are loaded once (LLVMFuzzerInitialize): the English SentencePiece tokenizer-only blob and the
   Chinese WordPiece one, by default build/fuzz/data/{en,zh}.albert (written by tests/fuzz/seeds.sh; override
   with FUZZ_TOKENIZER_EN / FUZZ_TOKENIZER_ZH).

   Input layout: byte 0 = options (bit 0: zh model, bit 1: pair, bit 2: small first capacity, bits 4-7: max_tokens
   0..15), byte 1 = where the text splits into text and pair (x/255 of the rest), the rest = the text(s), each
   copied to a buffer of exactly its length (no NUL: the API takes lengths).
   Checked promises: ids inside the vocabulary, type ids 0/1, offsets inside their own text or -1,-1, n_tokens
   within the capacity (and within max_tokens when it is >= 4); ALBERT_ERR_CAPACITY reports the size needed,
   and a second call with exactly that capacity succeeds with the same count. */
#define ALBERT_IMPLEMENTATION
#include "albert.h"
#define FUZZ_NAME "fuzz_tokenizer"
#include "tests/fuzz/fuzz_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);

typedef struct fuzz_model { const char *env, *fallback; albert_model *model; } fuzz_model;
static fuzz_model models[2] = {{"FUZZ_TOKENIZER_EN", "build/fuzz/data/en.albert", NULL},
                               {"FUZZ_TOKENIZER_ZH", "build/fuzz/data/zh.albert", NULL}};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    int i;
    (void)argc;
    (void)argv;
    for (i = 0; i < 2; i++) {
        const char *path = getenv(models[i].env);
        albert_error error;
        if (!path || !*path) path = models[i].fallback;
        if (albert_model_load(path, &models[i].model, &error) != ALBERT_OK) {
            fprintf(stderr, "fuzz_tokenizer: cannot load %s (%s): that model is not fuzzed\n", path, error.message);
            models[i].model = NULL;
        }
    }
    return 0;
}

static void check_tokens(const albert_model *model, const albert_tokens *t, size_t text_len, size_t pair_len,
                         int32_t max_tokens)
{
    int32_t i, vocab = albert_model_config(model)->vocab_size, length;
    if (t->n_tokens < 0 || t->n_tokens > t->capacity) fuzz_fail("n_tokens outside 0..capacity");
    if (max_tokens >= 4 && t->n_tokens > max_tokens) fuzz_fail("more tokens than max_tokens");
    for (i = 0; i < t->n_tokens; i++) {
        int32_t begin = t->offsets[2 * i], end = t->offsets[2 * i + 1];
        size_t limit = t->type_ids[i] == 0 ? text_len : pair_len;
        if (t->ids[i] < 0 || t->ids[i] >= vocab) fuzz_fail("token id outside the vocabulary");
        if (t->type_ids[i] != 0 && t->type_ids[i] != 1) fuzz_fail("type id not 0 or 1");
        if (!(begin == -1 && end == -1) && (begin < 0 || end < begin || (size_t)end > limit))
            fuzz_fail("offsets outside the token's text");
        if (albert_token_piece(model, t->ids[i], &length) == NULL || length < 0) fuzz_fail("no piece for a valid id");
    }
}

typedef struct token_buffers { int32_t *ids, *type_ids, *offsets; } token_buffers;

static int alloc_tokens(albert_tokens *t, token_buffers *b, int32_t capacity)
{
    size_t n = (size_t)(capacity > 0 ? capacity : 1);
    b->ids = (int32_t *)malloc(sizeof(int32_t) * n);
    b->type_ids = (int32_t *)malloc(sizeof(int32_t) * n);
    b->offsets = (int32_t *)malloc(sizeof(int32_t) * 2 * n);
    memset(t, 0, sizeof *t);
    t->ids = b->ids;
    t->type_ids = b->type_ids;
    t->offsets = b->offsets;
    t->capacity = capacity;
    return b->ids && b->type_ids && b->offsets ? 0 : -1;
}

static void free_tokens(token_buffers *b)
{
    free(b->ids);
    free(b->type_ids);
    free(b->offsets);
}

/* f(...) with a first capacity, and when it says ALBERT_ERR_CAPACITY, again with exactly the size it needs. */
static void tokenize_twice(const albert_model *model, int sentencepiece, const char *text, size_t text_len,
                           const char *pair, size_t pair_len, int32_t max_tokens, int32_t first_capacity)
{
    albert_tokens t;
    token_buffers b;
    albert_result r;
    int32_t needed;
    if (alloc_tokens(&t, &b, first_capacity) == 0) {
        r = sentencepiece ? albert_sentencepiece_encode(model, text, text_len, &t)
                          : albert_tokenize(model, text, text_len, pair, pair_len, max_tokens, &t);
        if (r == ALBERT_OK) {
            if (sentencepiece) memset(t.type_ids, 0, sizeof(int32_t) * (size_t)(t.n_tokens > 0 ? t.n_tokens : 0));
            check_tokens(model, &t, text_len, pair_len, max_tokens);
        } else if (r == ALBERT_ERR_CAPACITY) {
            needed = t.n_tokens;
            if (needed <= first_capacity) fuzz_fail("ALBERT_ERR_CAPACITY with a size that fits");
            free_tokens(&b);
            if (alloc_tokens(&t, &b, needed) == 0) {
                r = sentencepiece ? albert_sentencepiece_encode(model, text, text_len, &t)
                                  : albert_tokenize(model, text, text_len, pair, pair_len, max_tokens, &t);
                if (r != ALBERT_OK) fuzz_fail("the reported capacity is not enough");
                if (t.n_tokens != needed) fuzz_fail("a different count with the reported capacity");
                if (sentencepiece) memset(t.type_ids, 0, sizeof(int32_t) * (size_t)needed);
                check_tokens(model, &t, text_len, pair_len, max_tokens);
            }
        }
    }
    free_tokens(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const albert_model *model;
    int32_t max_tokens, first_capacity;
    size_t rest, text_len, pair_len;
    char *text, *pair;
    int is_pair;

    if (size < 2) return 0;
    model = models[data[0] & 1].model;
    if (!model) return 0;
    is_pair = (data[0] >> 1) & 1;
    max_tokens = data[0] >> 4;
    rest = size - 2;
    text_len = is_pair ? rest * data[1] / 255 : rest;
    pair_len = rest - text_len;
    first_capacity = (data[0] >> 2) & 1 ? (int32_t)(data[1] & 7) : (int32_t)(2 * rest + 8);
    text = (char *)malloc(text_len ? text_len : 1);
    pair = (char *)malloc(pair_len ? pair_len : 1);
    if (text && pair) {
        if (text_len) memcpy(text, data + 2, text_len);
        if (pair_len) memcpy(pair, data + 2 + text_len, pair_len);
        tokenize_twice(model, 0, text, text_len, is_pair ? pair : NULL, pair_len, max_tokens, first_capacity);
        if (!is_pair) tokenize_twice(model, 1, text, text_len, NULL, 0, 0, first_capacity);
    }
    free(text);
    free(pair);
    return 0;
}

/* fuzz_blob.c - libFuzzer harness for the model-file validator of albert.h (albert_model_load_memory).

   The input is a whole model file. It is copied into a 64-byte-aligned buffer of exactly its size (so that
   AddressSanitizer sees any read past the end) and loaded; when it loads, the harness runs what a user would
   run next on it: a context, one albert_encode of a few tokens, one albert_encode_batch asking for every head
   the file has, albert_tokenize of a short text (pair too) and a few lookups (labels, pieces). Any library
   crash, sanitizer report or broken promise (bad ids out of the tokenizer) is a finding.

   Build (see tests/fuzz/run.sh): clang -fsanitize=fuzzer,address,undefined -I. tests/fuzz/fuzz_blob.c -lm -lpthread
   Seeds: tests/fuzz/seeds.sh (blobs converted from the models in tests/data/models, tokenizer-only blobs). */
#define _POSIX_C_SOURCE 200809L
#define ALBERT_IMPLEMENTATION
#include "albert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Anything larger is skipped: a fuzzed header may declare sizes the forward pass would take seconds on. */
#define FUZZ_MAX_FLOATS ((size_t)1 << 22)

static void fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz_blob: broken promise: %s\n", what);
    abort();
}

static void check_tokens(const albert_model *model, const albert_tokens *tokens)
{
    const albert_config *c = albert_model_config(model);
    int32_t i;
    if (tokens->n_tokens < 0 || tokens->n_tokens > tokens->capacity) fuzz_fail("n_tokens outside 0..capacity");
    for (i = 0; i < tokens->n_tokens; i++) {
        if (tokens->ids[i] < 0 || tokens->ids[i] >= c->vocab_size) fuzz_fail("token id outside the vocabulary");
    }
}

static void run_tokenizer(const albert_model *model)
{
    static const char text[] = "Hello, ALBERT w\xc3\xb6rld! \xe4\xb8\xad\xe6\x96\x87 [MASK] \xff";
    static const char pair[] = "Second  sentence.";
    int32_t ids[64], type_ids[64], offsets[128], length = 0;
    albert_tokens tokens;
    memset(&tokens, 0, sizeof tokens);
    tokens.ids = ids;
    tokens.type_ids = type_ids;
    tokens.offsets = offsets;
    tokens.capacity = 64;
    if (albert_tokenize(model, text, sizeof text - 1, NULL, 0, 0, &tokens) == ALBERT_OK) check_tokens(model, &tokens);
    tokens.n_tokens = 0;
    if (albert_tokenize(model, text, sizeof text - 1, pair, sizeof pair - 1, 12, &tokens) == ALBERT_OK)
        check_tokens(model, &tokens);
    tokens.n_tokens = 0;
    if (albert_sentencepiece_encode(model, text, sizeof text - 1, &tokens) == ALBERT_OK) check_tokens(model, &tokens);
    (void)albert_token_piece(model, 0, &length);
    (void)albert_token_piece(model, albert_model_config(model)->vocab_size - 1, &length);
    (void)albert_token_piece(model, albert_model_config(model)->vocab_size, &length);
}

static void run_forward(const albert_model *model)
{
    const albert_config *c = albert_model_config(model);
    enum { N_TOKENS = 4 };
    int32_t ids[N_TOKENS], type_ids[N_TOKENS], mask[N_TOKENS], i;
    size_t H = (size_t)c->hidden_size, V = (size_t)c->vocab_size, L = (size_t)c->num_hidden_layers;
    albert_context_params params = albert_context_default_params();
    albert_context *ctx = NULL;
    albert_batch batch;
    albert_outputs outputs;
    float *hidden = NULL, *all_hidden = NULL, *pooled = NULL, *mlm = NULL, *sop = NULL, *cls = NULL, *sentence = NULL;
    float *token = NULL;

    if (c->hidden_size <= 0 || c->vocab_size <= 0 || c->max_position_embeddings < N_TOKENS) return;
    if (H * N_TOKENS > FUZZ_MAX_FLOATS || V * N_TOKENS > FUZZ_MAX_FLOATS || (L + 1) * H * N_TOKENS > FUZZ_MAX_FLOATS ||
        (size_t)c->intermediate_size * N_TOKENS > FUZZ_MAX_FLOATS ||
        (size_t)c->embedding_size * N_TOKENS > FUZZ_MAX_FLOATS || (size_t)c->num_labels > FUZZ_MAX_FLOATS)
        return;
    params.max_tokens = N_TOKENS;
    params.n_threads = 1;
    if (albert_context_create(model, &params, &ctx) != ALBERT_OK) return;

    for (i = 0; i < N_TOKENS; i++) {
        ids[i] = (int32_t)((2 + 7 * i) % c->vocab_size);
        type_ids[i] = c->type_vocab_size > 1 ? i % 2 : 0;
        mask[i] = i < N_TOKENS - 1;
    }
    hidden = (float *)malloc(sizeof(float) * H * N_TOKENS);
    all_hidden = (float *)malloc(sizeof(float) * (L + 1) * H * N_TOKENS);
    pooled = (float *)malloc(sizeof(float) * H);
    sentence = (float *)malloc(sizeof(float) * H);
    mlm = (float *)malloc(sizeof(float) * V * N_TOKENS);
    sop = (float *)malloc(sizeof(float) * 2);
    cls = (float *)malloc(sizeof(float) * ((size_t)c->num_labels + 1));
    token = (float *)malloc(sizeof(float) * ((size_t)c->num_labels + 1) * N_TOKENS);
    if (hidden && all_hidden && pooled && sentence && mlm && sop && cls && token) {
        (void)albert_encode(ctx, ids, type_ids, N_TOKENS, -1, hidden);
        (void)albert_encode(ctx, ids, NULL, 1, 0, hidden);

        memset(&batch, 0, sizeof batch);
        batch.batch_size = 1;
        batch.seq_len = N_TOKENS;
        batch.input_ids = ids;
        batch.attention_mask = mask;
        batch.token_type_ids = type_ids;
        memset(&outputs, 0, sizeof outputs);
        outputs.layer = c->num_hidden_layers > 1 ? 1 : -1;
        outputs.hidden = hidden;
        outputs.all_hidden = all_hidden;
        outputs.sentence = sentence;
        outputs.pooling = ALBERT_POOLING_MEAN;
        outputs.normalize = 1;
        if (c->has_pooler) outputs.pooled = pooled;
        if (c->has_mlm) outputs.mlm_logits = mlm;
        if (c->has_sop) outputs.sop_logits = sop;
        if (c->has_classifier && c->head != ALBERT_HEAD_TOKEN_CLASSIFICATION) outputs.class_logits = cls;
        if (c->head == ALBERT_HEAD_TOKEN_CLASSIFICATION || c->head == ALBERT_HEAD_QUESTION_ANSWERING)
            outputs.token_logits = token;
        (void)albert_encode_batch(ctx, &batch, &outputs);
        for (i = 0; i < c->num_labels && i < 4; i++) (void)albert_label_name(model, i);
    }
    free(hidden);
    free(all_hidden);
    free(pooled);
    free(sentence);
    free(mlm);
    free(sop);
    free(cls);
    free(token);
    albert_context_free(ctx);
}

/* The task functions (each refuses a model without its head or tokenizer) on short texts, 24 tokens at most. */
static void run_tasks(const albert_model *model)
{
    static const char context[] = "Mary lives in Paris, the capital of France. John lives in London.";
    static const char *const choices[] = {"paris", "london", ""};
    const albert_config *c = albert_model_config(model);
    albert_context_params params = albert_context_default_params();
    albert_context *ctx = NULL;
    albert_qa_job qa;
    albert_ner_job ner;
    albert_classify_job cl;
    albert_choice_job ch;
    albert_answer answers[3];
    albert_entity entities[24];
    float logits[3], probs[3], *scores;
    size_t H = (size_t)c->hidden_size;
    if (c->head == ALBERT_HEAD_NONE || c->tokenizer == ALBERT_TOKENIZER_NONE || H == 0) return;
    if (H * 24 > FUZZ_MAX_FLOATS || (size_t)c->intermediate_size * 24 > FUZZ_MAX_FLOATS ||
        (size_t)c->embedding_size * 24 > FUZZ_MAX_FLOATS || (size_t)c->num_labels * 24 > FUZZ_MAX_FLOATS)
        return;
    params.max_tokens = 24;
    params.n_threads = 1;
    if (albert_context_create(model, &params, &ctx) != ALBERT_OK) return;
    memset(&qa, 0, sizeof qa);
    qa.question = "where does mary live?";
    qa.question_len = strlen(qa.question);
    qa.context = context;
    qa.context_len = sizeof context - 1;
    qa.top_k = 3;
    qa.doc_stride = 4;
    qa.handle_impossible_answer = 1;
    qa.answers = answers;
    if (albert_qa(ctx, &qa) == ALBERT_OK) {
        int32_t i;
        if (qa.n_answers < 0 || qa.n_answers > 3) fuzz_fail("albert_qa: n_answers outside 0..top_k");
        for (i = 0; i < qa.n_answers; i++)
            if (answers[i].start < 0 || answers[i].start > answers[i].end || answers[i].end > (int32_t)qa.context_len)
                fuzz_fail("albert_qa: an answer outside the context");
    }
    memset(&ner, 0, sizeof ner);
    ner.text = context;
    ner.text_len = sizeof context - 1;
    ner.aggregation = ALBERT_AGGREGATION_SIMPLE;
    ner.entities = entities;
    ner.capacity = 24;
    if (albert_ner(ctx, &ner) == ALBERT_OK) {
        int32_t i;
        for (i = 0; i < ner.n_entities; i++)
            if (!entities[i].label || entities[i].start < 0 || entities[i].start > entities[i].end ||
                entities[i].end > (int32_t)ner.text_len)
                fuzz_fail("albert_ner: an entity outside the text");
    }
    scores = (float *)malloc(sizeof(float) * ((size_t)c->num_labels + 1));
    memset(&cl, 0, sizeof cl);
    cl.text = context;
    cl.text_len = 20;
    cl.pair = "paris";
    cl.pair_len = 5;
    cl.scores = scores;
    if (scores) (void)albert_classify(ctx, &cl);
    free(scores);
    memset(&ch, 0, sizeof ch);
    ch.prompt = "capital of france?";
    ch.prompt_len = strlen(ch.prompt);
    ch.choices = choices;
    ch.n_choices = 3;
    ch.logits = logits;
    ch.probs = probs;
    (void)albert_choose(ctx, &ch);
    albert_context_free(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    void *aligned = NULL;
    albert_model *model = NULL;
    albert_error error;

    if (posix_memalign(&aligned, 64, size ? size : 1) != 0) return 0;
    if (size) memcpy(aligned, data, size);
    if (albert_model_load_memory(aligned, size, &model, &error) == ALBERT_OK) {
        run_forward(model);
        run_tokenizer(model);
        run_tasks(model);
        albert_model_free(model);
    } else if (error.code == ALBERT_OK || error.message[0] == 0) {
        fuzz_fail("a failed load without an error code and message");
    }
    free(aligned);
    return 0;
}

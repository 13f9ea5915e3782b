/* test_tasks.c - the task heads (HF AlbertForSequenceClassification with 3 labels and as regression,
   AlbertForTokenClassification, AlbertForQuestionAnswering, AlbertForMultipleChoice) against HF's own outputs,
   converted from model.safetensors and from pytorch_model.bin; the converter's and the loader's refusals.
   Data: tests/data/tasks/<head>/ is a copy of ../shared/golden/tasks/<head>/ (HF modeling_albert.py, torch 1.13,
   float32; see that folder's README). */
#define _POSIX_C_SOURCE 200809L
#define ALBERT_IMPLEMENTATION
#include "albert.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "testutil.h"

static albert_model *convert_and_load(const char *src, const char *name)
{
    char out[512];
    albert_model *model = NULL;
    albert_error err;
    snprintf(out, sizeof out, "%s/%s.albert", tu_work_dir(), name);
    assert_int_equal(tu_convert(src, out), 0);
    if (albert_model_load(out, &model, &err) != ALBERT_OK) fail_msg("%s", err.message);
    return model;
}

static void *read_case(const char *head, const char *name, const char *tensor, size_t *size)
{
    char path[512];
    void *data;
    snprintf(path, sizeof path, "data/tasks/%s/cases/%s.%s.bin", head, name, tensor);
    data = tu_read_file(path, size);
    if (!data) fail_msg("cannot read %s", path);
    return data;
}

static double max_error(const float *a, const float *b, size_t n)
{
    double worst = 0.0;
    size_t i;
    for (i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (!(d <= worst)) worst = d;   /* NaN counts as the worst */
    }
    return worst;
}

/* The three cases of every folder but mc: name and sequence length (batch from the file size). */
static const struct { const char *name; int32_t seq; } cases[] = {{"b1_s5", 5}, {"b3_pad", 12}, {"b1_maxpos", 40}};
static const char *const weight_files[] = {"model.safetensors", "pytorch_model.bin"};

static albert_model *load_head(const char *head, int format)
{
    char src[256], name[64];
    snprintf(src, sizeof src, "data/tasks/%s/%s", head, weight_files[format]);
    snprintf(name, sizeof name, "%s-%d", head, format);
    return convert_and_load(src, name);
}

/* Sequence classification: [B x N] logits of the pooled [CLS]; the header's head kind and problem type. */
static void check_sequence_classifier(const char *head, int32_t labels, albert_problem_type problem)
{
    int format;
    for (format = 0; format < 2; format++) {
        albert_model *model = load_head(head, format);
        const albert_config *config = albert_model_config(model);
        albert_context *ctx;
        size_t i;
        assert_int_equal(config->head, ALBERT_HEAD_SEQUENCE_CLASSIFICATION);
        assert_int_equal(config->problem_type, problem);
        assert_int_equal(config->num_labels, labels);
        assert_int_equal(albert_context_create(model, NULL, &ctx), ALBERT_OK);
        for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            size_t size;
            int32_t *ids = (int32_t *)read_case(head, cases[i].name, "input_ids", &size);
            int32_t *mask = (int32_t *)read_case(head, cases[i].name, "attention_mask", NULL);
            int32_t *types = (int32_t *)read_case(head, cases[i].name, "token_type_ids", NULL);
            float *expected = (float *)read_case(head, cases[i].name, "logits", NULL), logits[3 * 8];
            albert_batch batch = {0};
            albert_outputs out;
            double worst;
            memset(&out, 0, sizeof out);
            batch.batch_size = (int32_t)(size / sizeof(int32_t)) / cases[i].seq;
            batch.seq_len = cases[i].seq;
            batch.input_ids = ids;
            batch.attention_mask = mask;
            batch.token_type_ids = types;
            out.class_logits = logits;
            assert_int_equal(albert_encode_batch(ctx, &batch, &out), ALBERT_OK);
            worst = max_error(logits, expected, (size_t)batch.batch_size * labels);
            printf("# %s %s %s: max abs error %.2e\n", head, weight_files[format], cases[i].name, worst);
            assert_true(worst <= 1e-4);
            /* the per-token output belongs to other heads */
            out.class_logits = NULL;
            out.token_logits = logits;
            assert_int_equal(albert_encode_batch(ctx, &batch, &out), ALBERT_ERR_NO_HEAD);
            free(ids);
            free(mask);
            free(types);
            free(expected);
        }
        albert_context_free(ctx);
        albert_model_free(model);
    }
}

static void test_seqcls(void **state)
{
    (void)state;
    check_sequence_classifier("seqcls", 3, ALBERT_PROBLEM_UNSPECIFIED);
}

static void test_seqreg(void **state)
{
    (void)state;
    check_sequence_classifier("seqreg", 1, ALBERT_PROBLEM_REGRESSION);
}

/* Token classification and question answering: a head on every token's last hidden state, [B x S x N]. Every
   position is compared (padding rows are what HF computes there); with skip_padding the real tokens. */
static void check_token_head(const char *head, albert_head kind, int32_t n)
{
    int format, skip;
    for (format = 0; format < 2; format++) {
        albert_model *model = load_head(head, format);
        const albert_config *config = albert_model_config(model);
        albert_context *ctx;
        size_t i;
        assert_int_equal(config->head, kind);
        assert_int_equal(config->num_labels, n);
        assert_false(config->has_pooler);
        assert_int_equal(albert_context_create(model, NULL, &ctx), ALBERT_OK);
        for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            size_t size, t;
            int32_t *ids = (int32_t *)read_case(head, cases[i].name, "input_ids", &size);
            int32_t *mask = (int32_t *)read_case(head, cases[i].name, "attention_mask", NULL);
            int32_t *types = (int32_t *)read_case(head, cases[i].name, "token_type_ids", NULL);
            size_t T = size / sizeof(int32_t);
            float *expected = (float *)malloc(sizeof(float) * T * (size_t)n);
            float *logits = (float *)malloc(sizeof(float) * T * (size_t)n);
            albert_batch batch = {0};
            albert_outputs out;
            assert_non_null(expected);
            assert_non_null(logits);
            if (kind == ALBERT_HEAD_QUESTION_ANSWERING) {   /* HF: start_logits, end_logits [B x S] each */
                float *start = (float *)read_case(head, cases[i].name, "start_logits", NULL);
                float *end = (float *)read_case(head, cases[i].name, "end_logits", NULL);
                for (t = 0; t < T; t++) expected[2 * t] = start[t], expected[2 * t + 1] = end[t];
                free(start);
                free(end);
            } else {
                float *l = (float *)read_case(head, cases[i].name, "logits", NULL);
                memcpy(expected, l, sizeof(float) * T * (size_t)n);
                free(l);
            }
            memset(&out, 0, sizeof out);
            batch.batch_size = (int32_t)T / cases[i].seq;
            batch.seq_len = cases[i].seq;
            batch.input_ids = ids;
            batch.attention_mask = mask;
            batch.token_type_ids = types;
            out.token_logits = logits;
            for (skip = 0; skip < 2; skip++) {
                double worst = 0.0;
                batch.skip_padding = skip;
                assert_int_equal(albert_encode_batch(ctx, &batch, &out), ALBERT_OK);
                for (t = 0; t < T; t++) {
                    double d;
                    if (skip && !mask[t]) continue;
                    d = max_error(logits + t * (size_t)n, expected + t * (size_t)n, (size_t)n);
                    if (d > worst) worst = d;
                }
                printf("# %s %s %s%s: max abs error %.2e\n", head, weight_files[format], cases[i].name,
                       skip ? " (skip_padding)" : "", worst);
                assert_true(worst <= 1e-4);
            }
            out.token_logits = NULL;
            out.class_logits = logits;
            assert_int_equal(albert_encode_batch(ctx, &batch, &out), ALBERT_ERR_NO_HEAD);
            free(ids);
            free(mask);
            free(types);
            free(expected);
            free(logits);
        }
        albert_context_free(ctx);
        albert_model_free(model);
    }
}

static void test_tokcls(void **state)
{
    static const char *const labels[] = {"O", "B-PER", "I-PER", "B-LOC", "I-LOC"};
    albert_model *model;
    int32_t i;
    (void)state;
    check_token_head("tokcls", ALBERT_HEAD_TOKEN_CLASSIFICATION, 5);
    model = load_head("tokcls", 0);
    for (i = 0; i < 5; i++) assert_string_equal(albert_label_name(model, i), labels[i]);
    albert_model_free(model);
}

static void test_qa(void **state)
{
    (void)state;
    check_token_head("qa", ALBERT_HEAD_QUESTION_ANSWERING, 2);
}

/* Multiple choice: HF's [B x C x S] input is B*C sequences; class_logits [B*C x 1] = HF's [B x C]. */
static void test_mc(void **state)
{
    int format;
    (void)state;
    for (format = 0; format < 2; format++) {
        albert_model *model = load_head("mc", format);
        const albert_config *config = albert_model_config(model);
        albert_context *ctx;
        int32_t *ids = (int32_t *)read_case("mc", "b2_choices", "input_ids", NULL);
        int32_t *mask = (int32_t *)read_case("mc", "b2_choices", "attention_mask", NULL);
        int32_t *types = (int32_t *)read_case("mc", "b2_choices", "token_type_ids", NULL);
        float *expected = (float *)read_case("mc", "b2_choices", "logits", NULL), logits[6];
        albert_batch batch = {0};
        albert_outputs out;
        albert_context_params params = albert_context_default_params();
        double worst;
        int skip;
        assert_int_equal(config->head, ALBERT_HEAD_MULTIPLE_CHOICE);
        assert_int_equal(config->num_labels, 1);
        assert_true(config->has_pooler);
        params.max_tokens = 60;
        assert_int_equal(albert_context_create(model, &params, &ctx), ALBERT_OK);
        memset(&out, 0, sizeof out);
        batch.batch_size = 6;
        batch.seq_len = 10;
        batch.input_ids = ids;
        batch.attention_mask = mask;
        batch.token_type_ids = types;
        out.class_logits = logits;
        for (skip = 0; skip < 2; skip++) {
            batch.skip_padding = skip;
            assert_int_equal(albert_encode_batch(ctx, &batch, &out), ALBERT_OK);
            worst = max_error(logits, expected, 6);
            printf("# mc %s b2_choices%s: max abs error %.2e\n", weight_files[format], skip ? " (skip_padding)" : "",
                   worst);
            assert_true(worst <= 1e-4);
        }
        free(ids);
        free(mask);
        free(types);
        free(expected);
        albert_context_free(ctx);
        albert_model_free(model);
    }
}

/* ================================================================ the converter's refusals */

/* A copy of data/tasks/<head> under the work dir, returned in dir. */
static void copy_head(const char *head, const char *as, char *dir, size_t size)
{
    char command[1024];
    snprintf(dir, size, "%s/%s", tu_work_dir(), as);
    snprintf(command, sizeof command, "rm -rf '%s' && cp -r 'data/tasks/%s' '%s' && chmod -R u+w '%s'", dir, head, dir,
             dir);
    assert_int_equal(system(command), 0);
}

/* Replaces the first `from` in the file by `to` (any lengths). */
static void edit_file(const char *dir, const char *file, const char *from, const char *to)
{
    char path[512], *data, *hit, *edited;
    size_t size, a = strlen(from), b = strlen(to), at;
    snprintf(path, sizeof path, "%s/%s", dir, file);
    data = (char *)tu_read_file(path, &size);
    assert_non_null(data);
    hit = NULL;
    for (at = 0; at + a <= size; at++)
        if (memcmp(data + at, from, a) == 0) { hit = data + at; break; }
    if (!hit) fail_msg("%s: no \"%s\"", path, from);
    edited = (char *)malloc(size - a + b);
    assert_non_null(edited);
    memcpy(edited, data, at);
    memcpy(edited + at, to, b);
    memcpy(edited + at + b, hit + a, size - at - a);
    assert_int_equal(tu_write_file(path, edited, size - a + b), 0);
    free(data);
    free(edited);
}

/* Runs the converter on dir, expecting a failure whose output contains `message`, and no OUT file. */
static void expect_refusal(const char *dir, const char *message)
{
    const char *converter = getenv("ALBERT_CONVERT");
    char out[512], log[600], command[2048], *text;
    if (!converter || !*converter) converter = "../build/albert-convert";
    snprintf(out, sizeof out, "%s/refused.albert", tu_work_dir());
    snprintf(log, sizeof log, "%s/refused.log", tu_work_dir());
    remove(out);
    snprintf(command, sizeof command, "'%s' '%s' '%s' >'%s' 2>&1", converter, dir, out, log);
    assert_int_not_equal(system(command), 0);
    text = (char *)tu_read_file(log, NULL);
    assert_non_null(text);
    if (!strstr(text, message)) fail_msg("expected \"%s\" in:\n%s", message, text);
    printf("# refused: %s", strstr(text, "error:") ? strstr(text, "error:") : text);
    free(text);
    assert_false(tu_file_exists(out));
    {   /* no temporary file left behind either */
        char check[1024];
        snprintf(check, sizeof check, "ls '%s' | grep -q 'refused.albert.tmp'", tu_work_dir());
        assert_int_not_equal(system(check), 0);
    }
}

static void test_refuse_wrong_head_shape(void **state)
{
    char dir[512];
    (void)state;
    copy_head("qa", "bad-shape", dir, sizeof dir);
    edit_file(dir, "model.safetensors", "\"qa_outputs.weight\":{\"dtype\":\"F32\",\"shape\":[2,36]",
              "\"qa_outputs.weight\":{\"dtype\":\"F32\",\"shape\":[4,18]");
    expect_refusal(dir, "qa_outputs.weight has shape [4, 18], expected [2, 36]");
}

static void test_refuse_num_labels_vs_id2label(void **state)
{
    char dir[512];
    (void)state;
    copy_head("tokcls", "bad-num-labels", dir, sizeof dir);
    edit_file(dir, "config.json", "{", "{\n  \"num_labels\": 4,");
    expect_refusal(dir, "id2label has 5 entries but num_labels is 4");
    copy_head("tokcls", "bad-id2label", dir, sizeof dir);   /* id2label with 4 names, classifier with 5 rows */
    edit_file(dir, "config.json", ",\n    \"4\": \"I-LOC\"", "");
    edit_file(dir, "config.json", ",\n    \"O\": 0", "");
    expect_refusal(dir, "names 4 labels (id2label / num_labels) but classifier.weight has 5 rows");
}

static void test_refuse_architecture_without_tensors(void **state)
{
    char dir[512];
    (void)state;
    copy_head("seqcls", "bad-arch", dir, sizeof dir);
    edit_file(dir, "config.json", "AlbertForSequenceClassification", "AlbertForQuestionAnswering");
    expect_refusal(dir, "names AlbertForQuestionAnswering, but the checkpoint has no qa_outputs.weight");
    copy_head("qa", "bad-arch2", dir, sizeof dir);
    edit_file(dir, "config.json", "AlbertForQuestionAnswering", "AlbertForTokenClassification");
    expect_refusal(dir, "names AlbertForTokenClassification, but the checkpoint has no classifier.weight");
}

static void test_refuse_unknown_or_ambiguous_head(void **state)
{
    char dir[512];
    (void)state;
    copy_head("seqcls", "bad-unknown", dir, sizeof dir);
    edit_file(dir, "config.json", "AlbertForSequenceClassification", "AlbertForCausalLM");
    expect_refusal(dir, "unknown architecture \"AlbertForCausalLM\"");
    copy_head("seqcls", "bad-two-arch", dir, sizeof dir);
    edit_file(dir, "config.json", "\"AlbertForSequenceClassification\"",
              "\"AlbertForSequenceClassification\", \"AlbertForMultipleChoice\"");
    expect_refusal(dir, "names two task heads");
    /* [1, H] classifier + pooler and no architectures: one-label sequence classifier or multiple choice */
    copy_head("mc", "bad-ambiguous", dir, sizeof dir);
    edit_file(dir, "config.json", "\"architectures\": [\n    \"AlbertForMultipleChoice\"\n  ],", "");
    expect_refusal(dir, "two candidate heads");
    copy_head("seqcls", "bad-problem", dir, sizeof dir);
    edit_file(dir, "config.json", "{", "{\n  \"problem_type\": \"ordinal\",");
    expect_refusal(dir, "unknown problem_type \"ordinal\"");
}

/* Without `architectures`, the tensors decide: qa_outputs -> QA, a classifier without pooler -> token
   classification, [1, H] + pooler with problem_type regression -> sequence regression. */
static void test_head_from_tensors(void **state)
{
    static const struct { const char *head, *arch; albert_head kind; } cases_[] = {
        {"qa", "AlbertForQuestionAnswering", ALBERT_HEAD_QUESTION_ANSWERING},
        {"tokcls", "AlbertForTokenClassification", ALBERT_HEAD_TOKEN_CLASSIFICATION},
        {"seqreg", "AlbertForSequenceClassification", ALBERT_HEAD_SEQUENCE_CLASSIFICATION},
        {"seqcls", "AlbertForSequenceClassification", ALBERT_HEAD_SEQUENCE_CLASSIFICATION}};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases_ / sizeof cases_[0]; i++) {
        char dir[512], from[128], name[64];
        albert_model *model;
        copy_head(cases_[i].head, "no-arch", dir, sizeof dir);
        snprintf(from, sizeof from, "\"architectures\": [\n    \"%s\"\n  ],", cases_[i].arch);
        edit_file(dir, "config.json", from, "");
        snprintf(name, sizeof name, "no-arch-%s", cases_[i].head);
        model = convert_and_load(dir, name);
        assert_int_equal(albert_model_config(model)->head, cases_[i].kind);
        albert_model_free(model);
    }
}

/* ================================================================ the loader's checks of the new header fields */

static uint8_t *read_model_file(const char *name, size_t *size)
{
    char path[512];
    uint8_t *data;
    snprintf(path, sizeof path, "%s/%s.albert", tu_work_dir(), name);
    data = (uint8_t *)tu_read_file(path, size);
    assert_non_null(data);
    return data;
}

/* Loads a patched copy from memory (64-byte aligned); returns the result and the message. */
static albert_result load_patched(const uint8_t *data, size_t size, char *message, size_t cap)
{
    void *copy = NULL;
    albert_model *model = NULL;
    albert_error err;
    albert_result r;
    assert_int_equal(posix_memalign(&copy, 64, size), 0);
    memcpy(copy, data, size);
    r = albert_model_load_memory(copy, size, &model, &err);
    snprintf(message, cap, "%s", r == ALBERT_OK ? "" : err.message);
    albert_model_free(model);
    free(copy);
    return r;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

static void test_loader_checks_head_fields(void **state)
{
    static const struct { const char *model; uint32_t at, value; const char *message; } bad[] = {
        {"qa-0", 132, 5, "unknown head kind 5"},
        {"qa-0", 132, 2, "qa.w / qa.b in a file whose head kind is not 3"},
        {"qa-0", 132, 0, "qa.w / qa.b in a file whose head kind is not 3"},
        {"qa-0", 88, 3, "question answering needs num_labels 2"},
        {"seqcls-0", 132, 3, "head kind 3 (question answering) without qa.w"},
        {"seqcls-0", 132, 4, "a multiple-choice head has num_labels 1"},
        {"seqcls-0", 136, 4, "unknown problem type 4"},
        {"tokcls-0", 136, 1, "a problem type (header byte 136) without a sequence classifier"},
        {"tokcls-0", 132, 1, "the classifier head needs the pooler"},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t size;
        uint8_t *data = read_model_file(bad[i].model, &size);
        char message[256];
        assert_int_equal(load_patched(data, size, message, sizeof message), ALBERT_OK);
        put_u32(data + bad[i].at, bad[i].value);
        assert_int_equal(load_patched(data, size, message, sizeof message), ALBERT_ERR_FORMAT);
        if (!strstr(message, bad[i].message)) fail_msg("expected \"%s\", got \"%s\"", bad[i].message, message);
        free(data);
    }
    {   /* a v0.1 file (head kind 0) with cls.*: a sequence classifier, as before */
        size_t size;
        uint8_t *data = read_model_file("seqcls-0", &size);
        void *copy = NULL;
        albert_model *model = NULL;
        albert_error err;
        put_u32(data + 132, 0);
        assert_int_equal(posix_memalign(&copy, 64, size), 0);
        memcpy(copy, data, size);
        assert_int_equal(albert_model_load_memory(copy, size, &model, &err), ALBERT_OK);
        assert_int_equal(albert_model_config(model)->head, ALBERT_HEAD_SEQUENCE_CLASSIFICATION);
        assert_int_equal(albert_model_config(model)->problem_type, ALBERT_PROBLEM_UNSPECIFIED);
        albert_model_free(model);
        free(copy);
        free(data);
    }
}

/* ================================================================ decoding, against HF's pipelines */
/* tests/data/tasks/qa_decode.txt and ner_decode.txt: written once by make_decode_expected.py (next to them), which
   runs the post-processing of HF's question-answering / token-classification pipelines (their source, step by
   step, numpy) on HF's golden logits with a synthetic token layout; here the same logits and layout go through
   albert.h's decoding. Answers HF can list with score 0 (when fewer than top_k * 2 + 10 spans of a window score
   above 0, numpy's argsort adds zero-score spans in no defined order) are not produced by albert.h: only the
   answers with a score above 0 are compared. */

static char *next_line(FILE *f, char *line, size_t cap)
{
    char *r = fgets(line, (int)cap, f);
    if (r) line[strcspn(line, "\n")] = 0;
    return r;
}

/* The QA model's logits for a golden case as [rows x S x 2]: HF's (golden) or this library's. */
static float *qa_logits(albert_context *ctx, const char *gcase, int32_t S, int ours)
{
    size_t size, t, T;
    float *start = (float *)read_case("qa", gcase, "start_logits", &size);
    float *end = (float *)read_case("qa", gcase, "end_logits", NULL);
    float *out;
    T = size / sizeof(float);
    out = (float *)malloc(sizeof(float) * 2 * T);
    assert_non_null(out);
    if (!ours) {
        for (t = 0; t < T; t++) out[2 * t] = start[t], out[2 * t + 1] = end[t];
    } else {
        int32_t *ids = (int32_t *)read_case("qa", gcase, "input_ids", NULL);
        int32_t *mask = (int32_t *)read_case("qa", gcase, "attention_mask", NULL);
        int32_t *types = (int32_t *)read_case("qa", gcase, "token_type_ids", NULL);
        albert_batch batch = {0};
        albert_outputs o;
        memset(&o, 0, sizeof o);
        batch.batch_size = (int32_t)T / S;
        batch.seq_len = S;
        batch.input_ids = ids;
        batch.attention_mask = mask;
        batch.token_type_ids = types;
        o.token_logits = out;
        assert_int_equal(albert_encode_batch(ctx, &batch, &o), ALBERT_OK);
        free(ids);
        free(mask);
        free(types);
    }
    free(start);
    free(end);
    return out;
}

static void test_qa_decoding_as_hf(void **state)
{
    albert_model *model = load_head("qa", 0);
    albert_context *ctx;
    char line[4096], context[1024];
    int ours, n_cases = 0;
    (void)state;
    assert_int_equal(albert_context_create(model, NULL, &ctx), ALBERT_OK);
    for (ours = 0; ours < 2; ours++) {
        FILE *f = fopen("data/tasks/qa_decode.txt", "r");
        assert_non_null(f);
        context[0] = 0;
        while (next_line(f, line, sizeof line)) {
            char name[64];
            int top_k, mal, imp, n_windows, w, n_expected = 0, k;
            albert__qa_state st;
            albert_answer got[64], expected[64];
            double worst = 0.0;
            if (strncmp(line, "context ", 8) == 0) {
                size_t len = strlen(line + 8);
                assert_true(len < sizeof context);
                memcpy(context, line + 8, len + 1);
                continue;
            }
            if (strncmp(line, "case ", 5) != 0) continue;
            assert_int_equal(sscanf(line, "case %63s %d %d %d %d", name, &top_k, &mal, &imp, &n_windows), 5);
            memset(&st, 0, sizeof st);
            st.min_null = 1000000.0;
            for (w = 0; w < n_windows; w++) {
                char gcase[64];
                int row, n, i, S;
                float *logits;
                int32_t offsets[2 * 64];
                uint8_t allowed[64], in_context[64], word_start[64];
                albert__qa_window win;
                assert_non_null(next_line(f, line, sizeof line));
                assert_int_equal(sscanf(line, "window %63s %d %d", gcase, &row, &n), 3);
                S = strcmp(gcase, "b1_maxpos") == 0 ? 40 : 12;
                for (i = 0; i < n; i++) {
                    int idx, a, c, ws, s0, s1;
                    assert_non_null(next_line(f, line, sizeof line));
                    assert_int_equal(sscanf(line, "tok %d %d %d %d %d %d", &idx, &a, &c, &ws, &s0, &s1), 6);
                    allowed[i] = (uint8_t)a, in_context[i] = (uint8_t)c, word_start[i] = (uint8_t)ws;
                    offsets[2 * i] = s0, offsets[2 * i + 1] = s1;
                }
                logits = qa_logits(ctx, gcase, S, ours);
                win.logits = logits + (size_t)row * S * 2;
                win.offsets = offsets;
                win.allowed = allowed;
                win.in_context = in_context;
                win.word_start = word_start;
                win.n = n;
                assert_int_equal(albert__qa_window_add(&st, &win, context, top_k, mal, imp), ALBERT_OK);
                free(logits);
            }
            while (next_line(f, line, sizeof line) && strcmp(line, "end") != 0) {
                float score;
                int a, b;
                assert_int_equal(sscanf(line, "answer %f %d %d", &score, &a, &b), 3);
                if (!(score > 0.0f)) continue;   /* see above */
                expected[n_expected].score = score, expected[n_expected].start = a, expected[n_expected].end = b;
                n_expected++;
            }
            k = albert__qa_finish(&st, imp, top_k, got);
            free(st.answers);
            while (k > 0 && !(got[k - 1].score > 0.0f)) k--;
            assert_int_equal(k, n_expected);
            for (k = 0; k < n_expected; k++) {
                double d = fabs((double)got[k].score - expected[k].score);
                if (d > worst) worst = d;
                assert_int_equal(got[k].start, expected[k].start);
                assert_int_equal(got[k].end, expected[k].end);
                assert_true(d <= (ours ? 1e-5 : 1e-6));
            }
            printf("# qa %s top_k %d max_answer_len %d impossible %d (%s logits): %d answers, max score error %.1e\n",
                   name, top_k, mal, imp, ours ? "albert.h" : "HF", n_expected, worst);
            n_cases++;
        }
        fclose(f);
    }
    assert_int_equal(n_cases, 16);
    albert_context_free(ctx);
    albert_model_free(model);
}

static void test_ner_decoding_as_hf(void **state)
{
    albert_model *model = load_head("tokcls", 0);
    FILE *f = fopen("data/tasks/ner_decode.txt", "r");
    char line[4096];
    int n_cases = 0;
    (void)state;
    assert_non_null(f);
    while (next_line(f, line, sizeof line)) {
        char gcase[64], agg[16];
        int row, n, i, count, k = 0, S;
        float logits[64 * 5], probs[5], *golden = NULL;
        int32_t offsets[2 * 64];
        uint8_t special[64];
        albert_entity got[64];
        double worst = 0.0;
        if (strncmp(line, "case ", 5) != 0) continue;
        assert_int_equal(sscanf(line, "case %63s %d %15s %d", gcase, &row, agg, &n), 4);
        S = strcmp(gcase, "b3_pad") == 0 ? 12 : 40;
        if (strcmp(gcase, "mixed") != 0) golden = (float *)read_case("tokcls", gcase, "logits", NULL);
        for (i = 0; i < n; i++) {
            int idx, sp, s0, s1;
            assert_non_null(next_line(f, line, sizeof line));
            assert_int_equal(sscanf(line, "tok %d %d %d %d", &idx, &sp, &s0, &s1), 4);
            special[i] = (uint8_t)sp, offsets[2 * i] = s0, offsets[2 * i + 1] = s1;
            if (golden) {
                memcpy(logits + 5 * i, golden + ((size_t)row * S + i) * 5, sizeof(float) * 5);
            } else {
                assert_non_null(next_line(f, line, sizeof line));
                assert_int_equal(sscanf(line, "logit %d %f %f %f %f %f", &idx, logits + 5 * i, logits + 5 * i + 1,
                                        logits + 5 * i + 2, logits + 5 * i + 3, logits + 5 * i + 4), 6);
            }
        }
        free(golden);
        count = albert__ner_decode(model, logits, offsets, special, n,
                                   strcmp(agg, "simple") == 0 ? ALBERT_AGGREGATION_SIMPLE : ALBERT_AGGREGATION_NONE,
                                   got, probs);
        while (next_line(f, line, sizeof line) && strcmp(line, "end") != 0) {
            char label[32];
            float score;
            int s0, s1, first, tokens;
            double d;
            assert_int_equal(sscanf(line, "entity %31s %f %d %d %d %d", label, &score, &s0, &s1, &first, &tokens), 6);
            assert_true(k < count);
            assert_string_equal(got[k].label, label);
            d = fabs((double)got[k].score - score);
            if (d > worst) worst = d;
            assert_true(d <= 1e-6);
            assert_int_equal(got[k].start, s0);
            assert_int_equal(got[k].end, s1);
            assert_int_equal(got[k].first_token, first);
            assert_int_equal(got[k].n_tokens, tokens);
            k++;
        }
        assert_int_equal(k, count);
        printf("# ner %s row %d %s: %d entities, max score error %.1e\n", gcase, row, agg, count, worst);
        n_cases++;
    }
    fclose(f);
    assert_int_equal(n_cases, 10);
    albert_model_free(model);
}

/* ================================================================ the task functions on text */
/* The golden models with a small WordPiece vocabulary (tests/data/tasks/vocab.txt, 110 entries = their V). */
static albert_model *load_with_vocab(const char *head)
{
    char src[256], out[512], command[2048];
    const char *converter = getenv("ALBERT_CONVERT");
    albert_model *model = NULL;
    albert_error err;
    if (!converter || !*converter) converter = "../build/albert-convert";
    snprintf(src, sizeof src, "data/tasks/%s", head);
    snprintf(out, sizeof out, "%s/%s-vocab.albert", tu_work_dir(), head);
    snprintf(command, sizeof command, "'%s' -q --vocab data/tasks/vocab.txt '%s' '%s'", converter, src, out);
    assert_int_equal(system(command), 0);
    if (albert_model_load(out, &model, &err) != ALBERT_OK) fail_msg("%s", err.message);
    return model;
}

static const char long_context[] =
    "Mary lives in Paris, the capital of France. John lives in London, the capital of England. "
    "The river in Paris is the Seine. ALBERT is a lite BERT: the model shares its layers, it has few parameters "
    "and it reads text fast. Berlin is the capital of Germany.";

static void test_qa_on_text(void **state)
{
    albert_model *model = load_with_vocab("qa");
    albert_context *ctx;
    albert_qa_job job;
    albert_answer answers[5];
    albert_tokens t;
    int32_t i;
    (void)state;
    assert_int_equal(albert_context_create(model, NULL, &ctx), ALBERT_OK);
    memset(&t, 0, sizeof t);
    assert_int_equal(albert_tokenize(model, long_context, strlen(long_context), NULL, 0, 0, &t), ALBERT_ERR_CAPACITY);
    assert_true(t.n_tokens - 2 > 31 + 11 * 2);   /* 58 context tokens: windows of 31 (6-token question) every 11 */
    memset(&job, 0, sizeof job);
    job.question = "where does mary live?";
    job.question_len = strlen(job.question);
    job.context = long_context;
    job.context_len = strlen(long_context);
    job.top_k = 5;
    job.answers = answers;
    assert_int_equal(albert_qa(ctx, &job), ALBERT_OK);
    assert_int_equal(job.n_answers, 5);
    for (i = 0; i < job.n_answers; i++) {
        const albert_answer *a = &answers[i];
        printf("# answer %d: %.4f [%d, %d) \"%.*s\"\n", i, (double)a->score, a->start, a->end, a->end - a->start,
               long_context + a->start);
        assert_true(a->score > 0.0f && a->score <= 4.0f);   /* one probability per window at most */
        assert_true(a->start >= 0 && a->start < a->end && a->end <= (int32_t)job.context_len);
        if (i) assert_true(answers[i - 1].score >= a->score);
        /* whole words (align_to_words): a word starts after a space / at the start, ends before a space or
           punctuation */
        assert_true(a->start == 0 || long_context[a->start - 1] == ' ');
    }
    /* the default: one answer (HF ranks top_k * 2 + 10 spans per window before merging equal texts, so the best
       of top_k 1 need not be the first of top_k 5) */
    job.top_k = 0;
    assert_int_equal(albert_qa(ctx, &job), ALBERT_OK);
    assert_int_equal(job.n_answers, 1);
    assert_true(answers[0].score > 0.0f && answers[0].start < answers[0].end);
    albert_context_free(ctx);
    albert_model_free(model);
}

/* A question that leaves no room for the context in a window; a stride that does not move the window: clear
   errors, nothing written. */
static void test_qa_refusals(void **state)
{
    albert_model *model = load_with_vocab("qa");
    albert_context *ctx;
    albert_qa_job job;
    albert_answer answers[2];
    char question[512] = "";
    int i;
    (void)state;
    assert_int_equal(albert_context_create(model, NULL, &ctx), ALBERT_OK);
    for (i = 0; i < 37; i++) strcat(question, "paris ");   /* 37 tokens + [CLS] [SEP] [SEP] = 40 */
    memset(&job, 0, sizeof job);
    memset(answers, 0x5A, sizeof answers);
    job.question = question;
    job.question_len = strlen(question);
    job.context = long_context;
    job.context_len = strlen(long_context);
    job.answers = answers;
    job.n_answers = -7;
    assert_int_equal(albert_qa(ctx, &job), ALBERT_ERR_TOO_LONG);
    printf("# %s\n", albert_context_last_error(ctx));
    assert_non_null(strstr(albert_context_last_error(ctx), "no room is left for the context"));
    assert_int_equal(job.n_answers, -7);
    for (i = 0; i < (int)sizeof answers; i++) assert_int_equal(((unsigned char *)answers)[i], 0x5A);
    job.question = "where is paris?";
    job.question_len = strlen(job.question);
    job.doc_stride = 40 - 4 - 3;   /* = the context tokens per window ("where is paris ?": 4 tokens) */
    assert_int_equal(albert_qa(ctx, &job), ALBERT_ERR_ARGUMENT);
    printf("# %s\n", albert_context_last_error(ctx));
    assert_non_null(strstr(albert_context_last_error(ctx), "doc_stride 33 must be smaller"));
    assert_int_equal(job.n_answers, -7);
    job.doc_stride = 0;
    job.context_len = 0;
    assert_int_equal(albert_qa(ctx, &job), ALBERT_ERR_EMPTY);
    job.context_len = strlen(long_context);
    job.max_seq_len = 41;
    assert_int_equal(albert_qa(ctx, &job), ALBERT_ERR_TOO_LONG);
    job.max_seq_len = 0;
    job.top_k = 0x7FFFFFFF;
    assert_int_equal(albert_qa(ctx, &job), ALBERT_ERR_ARGUMENT);
    assert_int_equal(job.n_answers, -7);
    albert_context_free(ctx);
    albert_model_free(model);
}

static void test_ner_on_text(void **state)
{
    static const char text[] = "John went home to London yesterday, Mary lives in Berlin.";
    albert_model *model = load_with_vocab("tokcls");
    albert_context *ctx;
    albert_ner_job job;
    albert_entity entities[64];
    albert_tokens t;
    int32_t ids[64], types[64], offsets[128], i;
    (void)state;
    assert_int_equal(albert_context_create(model, NULL, &ctx), ALBERT_OK);
    memset(&t, 0, sizeof t);
    t.ids = ids, t.type_ids = types, t.offsets = offsets, t.capacity = 64;
    assert_int_equal(albert_tokenize(model, text, strlen(text), NULL, 0, 0, &t), ALBERT_OK);
    memset(&job, 0, sizeof job);
    job.text = text;
    job.text_len = strlen(text);
    job.entities = entities;
    job.capacity = 64;
    assert_int_equal(albert_ner(ctx, &job), ALBERT_OK);
    assert_true(job.n_entities > 0 && job.n_entities <= t.n_tokens - 2);
    for (i = 0; i < job.n_entities; i++) {   /* none: one token each, at its offsets */
        const albert_entity *e = &entities[i];
        assert_int_equal(e->n_tokens, 1);
        assert_true(e->first_token >= 1 && e->first_token < t.n_tokens - 1);
        assert_int_equal(e->start, offsets[2 * e->first_token]);
        assert_int_equal(e->end, offsets[2 * e->first_token + 1]);
        assert_string_equal(e->label, albert_label_name(model, e->label_id));
        assert_string_not_equal(e->label, "O");
    }
    job.aggregation = ALBERT_AGGREGATION_SIMPLE;
    assert_int_equal(albert_ner(ctx, &job), ALBERT_OK);
    for (i = 0; i < job.n_entities; i++) {
        const albert_entity *e = &entities[i];
        printf("# entity %s %.4f [%d, %d) \"%.*s\"\n", e->label, (double)e->score, e->start, e->end, e->end - e->start,
               text + e->start);
        assert_true(e->label[0] != 0 && strchr("BI", e->label[0]) == NULL);   /* the type, no B-/I- */
        assert_int_equal(e->start, offsets[2 * e->first_token]);
        assert_int_equal(e->end, offsets[2 * (e->first_token + e->n_tokens - 1) + 1]);
    }
    /* too small a buffer: the count needed, nothing written */
    memset(entities, 0x5A, sizeof entities);
    job.capacity = 0;
    assert_int_equal(albert_ner(ctx, &job), ALBERT_ERR_CAPACITY);
    assert_true(job.n_entities > 0);
    assert_int_equal(((unsigned char *)entities)[0], 0x5A);
    /* another head: refused */
    job.capacity = 64;
    {
        albert_model *qa = load_with_vocab("qa");
        albert_context *qctx;
        assert_int_equal(albert_context_create(qa, NULL, &qctx), ALBERT_OK);
        assert_int_equal(albert_ner(qctx, &job), ALBERT_ERR_NO_HEAD);
        albert_context_free(qctx);
        albert_model_free(qa);
    }
    albert_context_free(ctx);
    albert_model_free(model);
}

static void test_choose_on_text(void **state)
{
    static const char *const choices[] = {"paris", "the capital of england is london", "berlin"};
    albert_model *model = load_with_vocab("mc");
    albert_context *ctx;
    albert_choice_job job;
    float logits[3], probs[3], sum = 0.0f;
    int32_t i;
    (void)state;
    assert_int_equal(albert_context_create(model, NULL, &ctx), ALBERT_OK);
    memset(&job, 0, sizeof job);
    job.prompt = "what is the capital of france?";
    job.prompt_len = strlen(job.prompt);
    job.choices = choices;
    job.n_choices = 3;
    job.logits = logits;
    job.probs = probs;
    assert_int_equal(albert_choose(ctx, &job), ALBERT_OK);
    for (i = 0; i < 3; i++) {   /* each choice's logit = the head on "[CLS] prompt [SEP] choice [SEP]" */
        int32_t ids[64], types[64];
        albert_tokens t;
        albert_batch b = {0};
        albert_outputs o;
        float expected;
        memset(&t, 0, sizeof t);
        t.ids = ids, t.type_ids = types, t.capacity = 64;
        assert_int_equal(albert_tokenize(model, job.prompt, job.prompt_len, choices[i], strlen(choices[i]), 0, &t),
                         ALBERT_OK);
        memset(&o, 0, sizeof o);
        b.batch_size = 1, b.seq_len = t.n_tokens, b.input_ids = ids, b.token_type_ids = types;
        o.class_logits = &expected;
        assert_int_equal(albert_encode_batch(ctx, &b, &o), ALBERT_OK);
        assert_true(fabs((double)logits[i] - expected) <= 1e-6);
        sum += probs[i];
    }
    assert_true(fabs((double)sum - 1.0) <= 1e-6);
    /* no choices: a clear error, nothing written */
    logits[0] = 12345.0f;
    job.n_choices = 0;
    assert_int_equal(albert_choose(ctx, &job), ALBERT_ERR_EMPTY);
    printf("# %s\n", albert_context_last_error(ctx));
    assert_non_null(strstr(albert_context_last_error(ctx), "at least one choice"));
    assert_true(logits[0] == 12345.0f);
    albert_context_free(ctx);
    albert_model_free(model);
}

/* The text-classification pipeline's function: softmax for 3 labels, raw for regression, sigmoid for one label
   without a problem type; text pairs. */
static void test_classify_on_text(void **state)
{
    albert_model *model = load_with_vocab("seqcls"), *reg = load_with_vocab("seqreg");
    albert_context *ctx, *rctx;
    albert_classify_job job;
    float logits[3], scores[3];
    double sum = 0.0, mx = -1e30;
    int32_t i;
    (void)state;
    assert_int_equal(albert_context_create(model, NULL, &ctx), ALBERT_OK);
    assert_int_equal(albert_context_create(reg, NULL, &rctx), ALBERT_OK);
    memset(&job, 0, sizeof job);
    job.text = "mary lives in paris.";
    job.text_len = strlen(job.text);
    job.pair = "paris is the capital of france.";
    job.pair_len = strlen(job.pair);
    job.logits = logits;
    job.scores = scores;
    assert_int_equal(albert_classify(ctx, &job), ALBERT_OK);
    assert_string_equal(job.function, "softmax");
    for (i = 0; i < 3; i++) if (logits[i] > mx) mx = logits[i];
    for (i = 0; i < 3; i++) sum += exp((double)logits[i] - mx);
    for (i = 0; i < 3; i++) assert_true(fabs(exp((double)logits[i] - mx) / sum - scores[i]) <= 1e-6);
    assert_int_equal(albert_classify(rctx, &job), ALBERT_OK);
    assert_string_equal(job.function, "none");
    assert_true(scores[0] == logits[0]);
    albert_context_free(rctx);
    albert_model_free(reg);
    {   /* one label, no problem_type: sigmoid */
        char dir[512], out[512], command[2048];
        const char *converter = getenv("ALBERT_CONVERT");
        albert_error err;
        if (!converter || !*converter) converter = "../build/albert-convert";
        copy_head("seqreg", "one-label", dir, sizeof dir);
        edit_file(dir, "config.json", "\"problem_type\": \"regression\",", "");
        snprintf(out, sizeof out, "%s/one-label.albert", tu_work_dir());
        snprintf(command, sizeof command, "'%s' -q --vocab data/tasks/vocab.txt '%s' '%s'", converter, dir, out);
        assert_int_equal(system(command), 0);
        assert_int_equal(albert_model_load(out, &reg, &err), ALBERT_OK);
        assert_int_equal(albert_model_config(reg)->problem_type, ALBERT_PROBLEM_UNSPECIFIED);
        assert_int_equal(albert_context_create(reg, NULL, &rctx), ALBERT_OK);
        assert_int_equal(albert_classify(rctx, &job), ALBERT_OK);
        assert_string_equal(job.function, "sigmoid");
        assert_true(fabs(1.0 / (1.0 + exp(-(double)logits[0])) - scores[0]) <= 1e-6);
        albert_context_free(rctx);
        albert_model_free(reg);
    }
    albert_context_free(ctx);
    albert_model_free(model);
}

/* ================================================================ albert-cli logits / encode --sentence / choose */
/* The CLI next to the converter ($ALBERT_CONVERT with "albert-cli" for "albert-convert"). */
static void cli_path(char *out, size_t cap)
{
    const char *converter = getenv("ALBERT_CONVERT"), *name;
    size_t n;
    if (!converter || !*converter) converter = "../build/albert-convert";
    n = strlen(converter);
    /* a cross build's converter may be albert-convert.exe (Windows) or albert-convert-run (the qemu wrapper):
       the CLI has the same suffix */
    for (name = converter; strstr(name + 1, "albert-convert"); name = strstr(name + 1, "albert-convert")) {}
    assert_true(strncmp(name, "albert-convert", 14) == 0 && n + 1 < cap);
    snprintf(out, cap, "%.*salbert-cli%s", (int)(name - converter), converter, name + 14);
}

/* "2,5,7" from ids[0..n) */
static void id_list(const int32_t *ids, int n, char *out, size_t cap)
{
    int i;
    size_t used = 0;
    out[0] = 0;
    for (i = 0; i < n; i++) used += (size_t)snprintf(out + used, cap - used, "%s%d", i ? "," : "", (int)ids[i]);
}

static void test_cli_logits_and_sentence(void **state)
{
    static const struct { const char *head; int32_t n; } heads[] = {{"seqcls", 3}, {"seqreg", 1}, {"tokcls", 5}, {"qa", 2}};
    char cli[512], command[4096], out[512], ids_text[512], types_text[512];
    size_t h;
    int i;
    (void)state;
    cli_path(cli, sizeof cli);
    snprintf(out, sizeof out, "%s/cli.bin", tu_work_dir());
    for (h = 0; h < sizeof heads / sizeof heads[0]; h++) {   /* b1_maxpos: 40 tokens */
        int32_t *ids = (int32_t *)read_case(heads[h].head, "b1_maxpos", "input_ids", NULL);
        int32_t *types = (int32_t *)read_case(heads[h].head, "b1_maxpos", "token_type_ids", NULL);
        float *got, *expected;
        size_t size, n_expected = !strcmp(heads[h].head, "seqcls") || !strcmp(heads[h].head, "seqreg")
                                      ? (size_t)heads[h].n : 40 * (size_t)heads[h].n;
        double worst;
        id_list(ids, 40, ids_text, sizeof ids_text);
        id_list(types, 40, types_text, sizeof types_text);
        snprintf(command, sizeof command, "'%s' logits '%s/%s-0.albert' --ids %s --type-ids %s --out '%s'", cli,
                 tu_work_dir(), heads[h].head, ids_text, types_text, out);
        assert_int_equal(system(command), 0);
        got = (float *)tu_read_file(out, &size);
        assert_non_null(got);
        assert_int_equal(size, n_expected * sizeof(float));
        if (!strcmp(heads[h].head, "qa")) {   /* start [40] then end [40] */
            float *start = (float *)read_case("qa", "b1_maxpos", "start_logits", NULL);
            float *end = (float *)read_case("qa", "b1_maxpos", "end_logits", NULL);
            expected = (float *)malloc(sizeof(float) * 80);
            assert_non_null(expected);
            memcpy(expected, start, sizeof(float) * 40);
            memcpy(expected + 40, end, sizeof(float) * 40);
            free(start);
            free(end);
        } else {
            expected = (float *)read_case(heads[h].head, "b1_maxpos", "logits", NULL);
        }
        worst = max_error(got, expected, n_expected);
        printf("# albert-cli logits %s b1_maxpos: max abs error %.2e\n", heads[h].head, worst);
        assert_true(worst <= 1e-4);
        free(got);
        free(expected);
        free(ids);
        free(types);
    }
    {   /* multiple choice: --ids per choice (the real tokens of each), output [C] */
        int32_t *ids = (int32_t *)read_case("mc", "b2_choices", "input_ids", NULL);
        int32_t *mask = (int32_t *)read_case("mc", "b2_choices", "attention_mask", NULL);
        int32_t *types = (int32_t *)read_case("mc", "b2_choices", "token_type_ids", NULL);
        float *expected = (float *)read_case("mc", "b2_choices", "logits", NULL), *got;
        size_t size, used;
        int b;
        for (b = 0; b < 2; b++) {
            used = (size_t)snprintf(command, sizeof command, "'%s' logits '%s/mc-1.albert' --out '%s'", cli, tu_work_dir(), out);
            for (i = 0; i < 3; i++) {
                int row = b * 3 + i, n = 0;
                while (n < 10 && mask[row * 10 + n]) n++;
                id_list(ids + row * 10, n, ids_text, sizeof ids_text);
                id_list(types + row * 10, n, types_text, sizeof types_text);
                used += (size_t)snprintf(command + used, sizeof command - used, " --ids %s --type-ids %s", ids_text,
                                         types_text);
            }
            assert_int_equal(system(command), 0);
            got = (float *)tu_read_file(out, &size);
            assert_non_null(got);
            assert_int_equal(size, 3 * sizeof(float));
            printf("# albert-cli logits mc b2_choices[%d]: max abs error %.2e\n", b, max_error(got, expected + 3 * b, 3));
            assert_true(max_error(got, expected + 3 * b, 3) <= 1e-4);
            free(got);
        }
        free(ids);
        free(mask);
        free(types);
        free(expected);
    }
    {   /* encode --sentence: the default of a file that says nothing = mean over the tokens of HF's last layer */
        int32_t *ids = (int32_t *)read_case("qa", "b1_s5", "input_ids", NULL);
        float *last = (float *)read_case("qa", "b1_s5", "last_hidden_state", NULL), mean[36], *got;
        size_t size;
        int j;
        for (j = 0; j < 36; j++) {
            double sum = 0.0;
            for (i = 0; i < 5; i++) sum += last[i * 36 + j];
            mean[j] = (float)(sum / 5.0);
        }
        id_list(ids, 5, ids_text, sizeof ids_text);
        snprintf(command, sizeof command, "'%s' encode '%s/qa-0.albert' --ids %s --sentence --out '%s'", cli, tu_work_dir(),
                 ids_text, out);
        assert_int_equal(system(command), 0);
        got = (float *)tu_read_file(out, &size);
        assert_non_null(got);
        assert_int_equal(size, sizeof mean);
        printf("# albert-cli encode --sentence (mean) qa b1_s5: max abs error %.2e\n", max_error(got, mean, 36));
        assert_true(max_error(got, mean, 36) <= 1e-4);
        free(got);
        free(ids);
        free(last);
    }
    /* refusals: no output file */
    remove(out);
    snprintf(command, sizeof command, "'%s' logits '%s/qa-0.albert' --ids 2,5 --ids 2,6 --out '%s' 2>/dev/null", cli,
             tu_work_dir(), out);
    assert_int_not_equal(system(command), 0);
    assert_false(tu_file_exists(out));
    snprintf(command, sizeof command, "'%s' choose '%s/mc-vocab.albert' 'what is paris?' 2>/dev/null", cli, tu_work_dir());
    assert_int_not_equal(system(command), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seqcls),
        cmocka_unit_test(test_seqreg),
        cmocka_unit_test(test_tokcls),
        cmocka_unit_test(test_qa),
        cmocka_unit_test(test_mc),
        cmocka_unit_test(test_refuse_wrong_head_shape),
        cmocka_unit_test(test_refuse_num_labels_vs_id2label),
        cmocka_unit_test(test_refuse_architecture_without_tensors),
        cmocka_unit_test(test_refuse_unknown_or_ambiguous_head),
        cmocka_unit_test(test_head_from_tensors),
        cmocka_unit_test(test_loader_checks_head_fields),
        cmocka_unit_test(test_qa_decoding_as_hf),
        cmocka_unit_test(test_ner_decoding_as_hf),
        cmocka_unit_test(test_qa_on_text),
        cmocka_unit_test(test_qa_refusals),
        cmocka_unit_test(test_ner_on_text),
        cmocka_unit_test(test_choose_on_text),
        cmocka_unit_test(test_classify_on_text),
        cmocka_unit_test(test_cli_logits_and_sentence),
    };
    return cmocka_run_group_tests(tests, tu_work_dir_setup, tu_work_dir_teardown);
}

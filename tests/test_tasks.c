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

static char work_dir[256];

static int make_work_dir(void **state)
{
    (void)state;
    snprintf(work_dir, sizeof work_dir, "/tmp/albert-test-tasks-XXXXXX");
    return mkdtemp(work_dir) ? 0 : -1;
}

static int remove_work_dir(void **state)
{
    char command[512];
    (void)state;
    snprintf(command, sizeof command, "rm -rf '%s'", work_dir);
    return system(command) == 0 ? 0 : -1;
}

static albert_model *convert_and_load(const char *src, const char *name)
{
    char out[512];
    albert_model *model = NULL;
    albert_error err;
    snprintf(out, sizeof out, "%s/%s.albert", work_dir, name);
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
    snprintf(dir, size, "%s/%s", work_dir, as);
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
    snprintf(out, sizeof out, "%s/refused.albert", work_dir);
    snprintf(log, sizeof log, "%s/refused.log", work_dir);
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
        snprintf(check, sizeof check, "ls '%s' | grep -q 'refused.albert.tmp'", work_dir);
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
    snprintf(path, sizeof path, "%s/%s.albert", work_dir, name);
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
    };
    return cmocka_run_group_tests(tests, make_work_dir, remove_work_dir);
}

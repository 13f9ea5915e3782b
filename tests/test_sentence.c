/* test_sentence.c - sentence-transformers folders: the converter stores the Pooling / Normalize /
   max_seq_length of modules.json, and ALBERT_POOLING_DEFAULT gives the vectors sentence-transformers gives.
   References: tests/data/tasks/st-mean (mean + Normalize) and st-cls (CLS), copied from
   ../shared/golden/tasks (sentence_embedding = what sentence-transformers' Pooling and Normalize modules
   compute on HF's last_hidden_state), converted from model.safetensors and from pytorch_model.bin.
   MAX and MEAN_SQRT_LEN are checked against values computed here from HF's golden last_hidden_state with
   sentence-transformers' formulas (Pooling.py). Bad folders and bad header bytes each get their own test. */
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

#define H 36

/* Runs the converter with extra options; returns its exit status (0 = success). Output goes to log. */
static int run_convert(const char *options, const char *src, const char *out, char *log, size_t log_size)
{
    const char *converter = getenv("ALBERT_CONVERT");
    char command[4096], log_path[600];
    int status;
    char *text;
    if (!converter || !*converter) converter = "../build/albert-convert";
    snprintf(log_path, sizeof log_path, "%s.log", out);
    snprintf(command, sizeof command, "'%s' %s '%s' '%s' >'%s' 2>&1", converter, options, src, out, log_path);
    status = system(command);
    text = (char *)tu_read_file(log_path, NULL);
    if (log && log_size) snprintf(log, log_size, "%s", text ? text : "");
    free(text);
    remove(log_path);
    return status;
}

static albert_model *convert_and_load(const char *options, const char *src, const char *name)
{
    char out[512], log[4096];
    albert_model *model = NULL;
    albert_error err;
    snprintf(out, sizeof out, "%s/%s.albert", tu_work_dir(), name);
    if (run_convert(options, src, out, log, sizeof log) != 0) fail_msg("conversion of %s failed:\n%s", src, log);
    if (albert_model_load(out, &model, &err) != ALBERT_OK) fail_msg("%s", err.message);
    return model;
}

typedef struct st_case {
    int32_t batch, seq;
    int32_t *ids, *mask, *types;
    float *last, *sentence;
} st_case;

static void *read_case(const char *folder, const char *name, const char *tensor, size_t *size)
{
    char path[512];
    void *data;
    snprintf(path, sizeof path, "data/tasks/%s/cases/%s.%s.bin", folder, name, tensor);
    data = tu_read_file(path, size);
    if (!data) fail_msg("cannot read %s", path);
    return data;
}

static void load_case(const char *folder, const char *name, st_case *c)
{
    size_t ids_size, sentence_size;
    c->ids = (int32_t *)read_case(folder, name, "input_ids", &ids_size);
    c->mask = (int32_t *)read_case(folder, name, "attention_mask", NULL);
    c->types = (int32_t *)read_case(folder, name, "token_type_ids", NULL);
    c->last = (float *)read_case(folder, name, "last_hidden_state", NULL);
    c->sentence = (float *)read_case(folder, name, "sentence_embedding", &sentence_size);
    c->batch = (int32_t)(sentence_size / sizeof(float) / H);
    c->seq = (int32_t)(ids_size / sizeof(int32_t) / (size_t)c->batch);
}

static void free_case(st_case *c)
{
    free(c->ids); free(c->mask); free(c->types); free(c->last); free(c->sentence);
}

static const char *const case_names[] = {"b1_s5", "b3_pad", "b1_maxpos"};

/* Sentence vectors of every case with `pooling` (normalize 0), into a malloc'd [B x H]. */
static float *sentence_vectors(albert_context *ctx, const st_case *c, int32_t pooling, int skip_padding)
{
    albert_batch batch;
    albert_outputs out;
    float *got = (float *)malloc(sizeof(float) * (size_t)c->batch * H);
    memset(&batch, 0, sizeof batch);
    memset(&out, 0, sizeof out);
    batch.batch_size = c->batch;
    batch.seq_len = c->seq;
    batch.input_ids = c->ids;
    batch.attention_mask = c->mask;
    batch.token_type_ids = c->types;
    batch.skip_padding = skip_padding;
    out.layer = -1;
    out.sentence = got;
    out.pooling = pooling;
    if (albert_encode_batch(ctx, &batch, &out) != ALBERT_OK) fail_msg("%s", albert_context_last_error(ctx));
    return got;
}

/* The model's default sentence vectors against sentence-transformers' sentence_embedding. */
static void check_default(const char *folder, const char *options, const char *name, int32_t pooling, int normalize)
{
    char src[256];
    albert_model *model;
    albert_context *ctx;
    const albert_config *config;
    size_t k;
    double worst = 0.0;
    int skip;
    snprintf(src, sizeof src, "data/tasks/%s", folder);
    model = convert_and_load(options, src, name);
    config = albert_model_config(model);
    assert_int_equal(config->sentence_pooling, pooling);
    assert_int_equal(config->sentence_normalize, normalize);
    assert_int_equal(config->max_seq_length, 32);
    assert_int_equal(albert_context_create(model, NULL, &ctx), ALBERT_OK);
    for (k = 0; k < sizeof case_names / sizeof case_names[0]; k++) {
        st_case c;
        load_case(folder, case_names[k], &c);
        for (skip = 0; skip <= 1; skip++) {
            float *got = sentence_vectors(ctx, &c, ALBERT_POOLING_DEFAULT, skip);
            int32_t i;
            for (i = 0; i < c.batch * H; i++) {
                double d = fabs((double)got[i] - (double)c.sentence[i]);
                if (!(d <= 1e-4)) fail_msg("%s %s value %d: %.7g, sentence-transformers %.7g", name, case_names[k],
                                           (int)i, (double)got[i], (double)c.sentence[i]);
                if (d > worst) worst = d;
            }
            free(got);
        }
        free_case(&c);
    }
    printf("# %s: default sentence vector, max abs error %.2e\n", name, worst);
    albert_context_free(ctx);
    albert_model_free(model);
}

static void test_st_mean_safetensors(void **state) { (void)state; check_default("st-mean", "--format safetensors", "mean-st", ALBERT_POOLING_MEAN, 1); }
static void test_st_mean_torch(void **state) { (void)state; check_default("st-mean", "--format torch", "mean-bin", ALBERT_POOLING_MEAN, 1); }
static void test_st_cls_safetensors(void **state) { (void)state; check_default("st-cls", "--format safetensors", "cls-st", ALBERT_POOLING_CLS, 0); }
static void test_st_cls_torch(void **state) { (void)state; check_default("st-cls", "--format torch", "cls-bin", ALBERT_POOLING_CLS, 0); }

/* MAX and MEAN_SQRT_LEN (and MEAN) against Pooling.py's formulas on HF's last_hidden_state. */
static void test_max_and_sqrt_len(void **state)
{
    albert_model *model = convert_and_load("", "data/tasks/st-mean", "poolings");
    albert_context *ctx;
    size_t k;
    int32_t pooling;
    double worst = 0.0;
    (void)state;
    assert_int_equal(albert_context_create(model, NULL, &ctx), ALBERT_OK);
    for (k = 0; k < sizeof case_names / sizeof case_names[0]; k++) {
        st_case c;
        load_case("st-mean", case_names[k], &c);
        for (pooling = ALBERT_POOLING_MEAN; pooling <= ALBERT_POOLING_MEAN_SQRT_LEN; pooling++) {
            float *got;
            int32_t s, t, j;
            if (pooling == ALBERT_POOLING_CLS || pooling == ALBERT_POOLING_POOLER) continue;
            got = sentence_vectors(ctx, &c, pooling, 0);
            for (s = 0; s < c.batch; s++) {
                for (j = 0; j < H; j++) {
                    double sum = 0.0, max = -1e9, want;
                    int n = 0;
                    for (t = 0; t < c.seq; t++) {
                        double v = c.last[((size_t)s * c.seq + t) * H + j];
                        if (!c.mask[(size_t)s * c.seq + t]) continue;
                        sum += v;
                        if (v > max) max = v;
                        n++;
                    }
                    want = pooling == ALBERT_POOLING_MAX ? max : pooling == ALBERT_POOLING_MEAN ? sum / n : sum / sqrt((double)n);
                    if (!(fabs(got[s * H + j] - want) <= 1e-4))
                        fail_msg("pooling %d case %s: %.7g, expected %.7g", (int)pooling, case_names[k], (double)got[s * H + j], want);
                    if (fabs(got[s * H + j] - want) > worst) worst = fabs(got[s * H + j] - want);
                }
            }
            free(got);
        }
        free_case(&c);
    }
    printf("# max / mean / mean-sqrt-len from HF's hidden states: max abs error %.2e\n", worst);
    albert_context_free(ctx);
    albert_model_free(model);
}

/* A copy of st-mean in the work folder with one file replaced (NULL content: removed). */
static void make_folder(const char *name, const char *file, const char *content, char *dir, size_t dir_size)
{
    char command[2048], path[1024];
    snprintf(dir, dir_size, "%s/%s", tu_work_dir(), name);
    snprintf(command, sizeof command, "rm -rf '%s' && cp -r data/tasks/st-mean '%s' && chmod -R u+w '%s'", dir, dir, dir);
    assert_int_equal(system(command), 0);
    snprintf(path, sizeof path, "%s/%s", dir, file);
    if (content) assert_int_equal(tu_write_file(path, content, strlen(content)), 0);
    else remove(path);
}

/* The conversion fails, says `expect`, and leaves no model file behind. */
static void expect_refused(const char *name, const char *file, const char *content, const char *expect)
{
    char dir[600], out[700], log[4096];
    make_folder(name, file, content, dir, sizeof dir);
    snprintf(out, sizeof out, "%s.albert", dir);
    if (run_convert("", dir, out, log, sizeof log) == 0) fail_msg("%s: the conversion succeeded", name);
    if (!strstr(log, expect)) fail_msg("%s: the message does not say \"%s\":\n%s", name, expect, log);
    assert_false(tu_file_exists(out));
    printf("# %s: %s", name, strstr(log, "error:") ? strstr(log, "error:") : log);
}

static const char modules_dense[] =
    "[{\"idx\":0,\"name\":\"0\",\"path\":\"\",\"type\":\"sentence_transformers.models.Transformer\"},"
    "{\"idx\":1,\"name\":\"1\",\"path\":\"1_Pooling\",\"type\":\"sentence_transformers.models.Pooling\"},"
    "{\"idx\":2,\"name\":\"2\",\"path\":\"2_Dense\",\"type\":\"sentence_transformers.models.Dense\"}]";

static void test_refuses_dense(void **state)
{
    (void)state;
    expect_refused("dense", "modules.json", modules_dense, "sentence_transformers.models.Dense (2_Dense)");
}

static void test_refuses_concatenated_pooling(void **state)
{
    (void)state;
    expect_refused("concat", "1_Pooling/config.json",
                   "{\"word_embedding_dimension\": 36, \"pooling_mode_cls_token\": true}", "cls + mean");
}

static void test_refuses_weightedmean(void **state)
{
    (void)state;
    expect_refused("weighted", "1_Pooling/config.json",
                   "{\"word_embedding_dimension\": 36, \"pooling_mode_mean_tokens\": false,"
                   " \"pooling_mode_weightedmean_tokens\": true}", "weightedmean is not supported");
}

static void test_refuses_wrong_dimension(void **state)
{
    (void)state;
    expect_refused("dimension", "1_Pooling/config.json", "{\"word_embedding_dimension\": 768}", "hidden_size 36");
}

static void test_refuses_missing_pooling_config(void **state)
{
    (void)state;
    expect_refused("nopool", "1_Pooling/config.json", NULL, "1_Pooling/config.json: missing");
}

/* pooling_mode as a string, max pooling, no Normalize, max_seq_length above max_position_embeddings (clamped). */
static void test_pooling_mode_string(void **state)
{
    char dir[600], path[700], out[700], log[4096];
    albert_model *model;
    albert_error err;
    const char *modules =
        "[{\"idx\":0,\"name\":\"0\",\"path\":\"\",\"type\":\"sentence_transformers.models.Transformer\"},"
        "{\"idx\":1,\"name\":\"1\",\"path\":\"1_Pooling\",\"type\":\"sentence_transformers.models.Pooling\"}]";
    (void)state;
    make_folder("maxmode", "1_Pooling/config.json", "{\"word_embedding_dimension\": 36, \"pooling_mode\": \"max\"}", dir,
                sizeof dir);
    snprintf(path, sizeof path, "%s/modules.json", dir);
    assert_int_equal(tu_write_file(path, modules, strlen(modules)), 0);
    snprintf(path, sizeof path, "%s/sentence_bert_config.json", dir);
    assert_int_equal(tu_write_file(path, "{\"max_seq_length\": 512}", 23), 0);
    snprintf(out, sizeof out, "%s.albert", dir);
    if (run_convert("", dir, out, log, sizeof log) != 0) fail_msg("%s", log);
    assert_non_null(strstr(log, "max_seq_length 512 is more than max_position_embeddings 40"));
    if (albert_model_load(out, &model, &err) != ALBERT_OK) fail_msg("%s", err.message);
    assert_int_equal(albert_model_config(model)->sentence_pooling, ALBERT_POOLING_MAX);
    assert_int_equal(albert_model_config(model)->sentence_normalize, 0);
    assert_int_equal(albert_model_config(model)->max_seq_length, 40);
    albert_model_free(model);
}

/* A folder without modules.json: mean, not normalized, no length limit (header bytes 140..151 zero). */
static void test_plain_folder_defaults(void **state)
{
    albert_model *model = convert_and_load("", "data/models/tiny", "plain");
    (void)state;
    assert_int_equal(albert_model_config(model)->sentence_pooling, ALBERT_POOLING_MEAN);
    assert_int_equal(albert_model_config(model)->sentence_normalize, 0);
    assert_int_equal(albert_model_config(model)->max_seq_length, 0);
    albert_model_free(model);
}

/* The loader validates header bytes 140..159. */
static void test_bad_header_bytes(void **state)
{
    static const struct { uint32_t offset, value; const char *message; } cases[] = {
        {140, 5, "unknown default sentence pooling"},
        {140, 2, "the pooler"},   /* patched into a file without a pooler: tiny's pooler is removed below */
        {144, 2, "unknown sentence flags"},
        {148, 41, "max_seq_length 41 is more than max_position_embeddings 40"},
        {152, 0x80000000u, "unknown extra tokenizer flags"},
        {156, 1, "reserved header byte 156"},
    };
    char out[512], log[4096];
    size_t size, k;
    uint8_t *file;
    (void)state;
    snprintf(out, sizeof out, "%s/nopooler.albert", tu_work_dir());
    if (run_convert("--format safetensors", "data/tasks/st-mean", out, log, sizeof log) != 0) fail_msg("%s", log);
    file = (uint8_t *)tu_read_file(out, &size);
    assert_non_null(file);
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        void *block = NULL;
        uint8_t *copy;
        albert_model *model = NULL;
        albert_error err;
        albert_result r;
        assert_int_equal(posix_memalign(&block, 64, size), 0);
        copy = (uint8_t *)block;
        memcpy(copy, file, size);
        memcpy(copy + cases[k].offset, &cases[k].value, 4);
        if (cases[k].offset == 140 && cases[k].value == 2) {   /* rename pooler.w so the file has no pooler */
            size_t i;
            for (i = 256; i + 8 < size; i++)
                if (memcmp(copy + i, "pooler.w", 9) == 0 || memcmp(copy + i, "pooler.b", 9) == 0) copy[i] = 'X';
        }
        r = albert_model_load_memory(copy, size, &model, &err);
        assert_int_equal(r, ALBERT_ERR_FORMAT);
        if (!strstr(err.message, cases[k].message)) fail_msg("byte %u = %u: \"%s\"", cases[k].offset, cases[k].value, err.message);
        free(copy);
    }
    free(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_st_mean_safetensors),
        cmocka_unit_test(test_st_mean_torch),
        cmocka_unit_test(test_st_cls_safetensors),
        cmocka_unit_test(test_st_cls_torch),
        cmocka_unit_test(test_max_and_sqrt_len),
        cmocka_unit_test(test_refuses_dense),
        cmocka_unit_test(test_refuses_concatenated_pooling),
        cmocka_unit_test(test_refuses_weightedmean),
        cmocka_unit_test(test_refuses_wrong_dimension),
        cmocka_unit_test(test_refuses_missing_pooling_config),
        cmocka_unit_test(test_pooling_mode_string),
        cmocka_unit_test(test_plain_folder_defaults),
        cmocka_unit_test(test_bad_header_bytes),
    };
    return cmocka_run_group_tests(tests, tu_work_dir_setup, tu_work_dir_teardown);
}

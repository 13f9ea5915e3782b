/* test_wrapped.c - wrapped PyTorch checkpoints: state dicts nested under a key, several sub-models in one file,
   DataParallel's "module." prefix, a config nested under a key (Kokoro's plbert).
   tests/data/ckpt-wrapped/make.py wrote the checkpoints with torch from the golden tiny model's weights, so the
   expected outputs are HF's golden cases of tests/data/models/tiny (last_hidden_state, pooler_output and, where
   the MLM head is in the checkpoint, the MLM logits): every value within 1e-4. The refusals (two encoders without
   --submodel, no encoder, a --submodel that does not exist, a missing --config-key) each have their own test. */
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
    snprintf(work_dir, sizeof work_dir, "/tmp/albert-test-wrapped-XXXXXX");
    return mkdtemp(work_dir) ? 0 : -1;
}

static int remove_work_dir(void **state)
{
    char command[512];
    (void)state;
    snprintf(command, sizeof command, "rm -rf '%s'", work_dir);
    return system(command) == 0 ? 0 : -1;
}

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

static void *read_case(const char *name, const char *tensor, size_t *size)
{
    char path[512];
    void *data;
    snprintf(path, sizeof path, "data/models/tiny/cases/%s.%s.bin", name, tensor);
    data = tu_read_file(path, size);
    if (!data) fail_msg("cannot read %s", path);
    return data;
}

static double worst_diff(const float *got, const float *want, size_t n)
{
    double worst = 0.0;
    size_t i;
    for (i = 0; i < n; i++) {
        double d = fabs((double)got[i] - (double)want[i]);
        if (!(d <= worst)) worst = d;   /* NaN stays the worst */
    }
    return worst;
}

/* Converts src with options and checks every golden case of the tiny model. */
static void check_checkpoint(const char *options, const char *file, int expect_mlm)
{
    static const char *const cases[] = {"b1_s1", "b1_s7", "b3_pad", "b1_maxpos", "b2_leftpad"};
    char src[256], out[512], log[8192];
    albert_model *model;
    albert_context *ctx;
    albert_error err;
    const albert_config *c;
    size_t k;
    double worst = 0.0;
    snprintf(src, sizeof src, "data/ckpt-wrapped/%s", file);
    snprintf(out, sizeof out, "%s/%s.albert", work_dir, file);
    if (run_convert(options, src, out, log, sizeof log) != 0) fail_msg("%s: %s", file, log);
    if (albert_model_load(out, &model, &err) != ALBERT_OK) fail_msg("%s", err.message);
    c = albert_model_config(model);
    assert_int_equal(c->vocab_size, 100);
    assert_int_equal(c->has_mlm, expect_mlm);
    assert_true(c->has_pooler);
    assert_int_equal(albert_context_create(model, NULL, &ctx), ALBERT_OK);
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t ids_size, pooled_size;
        int32_t *ids = (int32_t *)read_case(cases[k], "input_ids", &ids_size);
        int32_t *mask = (int32_t *)read_case(cases[k], "attention_mask", NULL);
        int32_t *types = (int32_t *)read_case(cases[k], "token_type_ids", NULL);
        float *last = (float *)read_case(cases[k], "last_hidden_state", NULL);
        float *pooled = (float *)read_case(cases[k], "pooler_output", &pooled_size);
        float *logits = expect_mlm ? (float *)read_case(cases[k], "logits", NULL) : NULL;
        int32_t B = (int32_t)(pooled_size / sizeof(float) / (size_t)c->hidden_size);
        int32_t S = (int32_t)(ids_size / sizeof(int32_t) / (size_t)B);
        size_t n_hidden = (size_t)B * S * c->hidden_size;
        float *got_hidden = (float *)malloc(sizeof(float) * n_hidden);
        float *got_pooled = (float *)malloc(sizeof(float) * (size_t)B * c->hidden_size);
        float *got_logits = expect_mlm ? (float *)malloc(sizeof(float) * (size_t)B * S * c->vocab_size) : NULL;
        albert_batch batch;
        albert_outputs o;
        double d;
        memset(&batch, 0, sizeof batch);
        memset(&o, 0, sizeof o);
        batch.batch_size = B;
        batch.seq_len = S;
        batch.input_ids = ids;
        batch.attention_mask = mask;
        batch.token_type_ids = types;
        o.layer = -1;
        o.hidden = got_hidden;
        o.pooled = got_pooled;
        o.mlm_logits = got_logits;
        if (albert_encode_batch(ctx, &batch, &o) != ALBERT_OK) fail_msg("%s", albert_context_last_error(ctx));
        d = worst_diff(got_hidden, last, n_hidden);
        if (worst_diff(got_pooled, pooled, (size_t)B * c->hidden_size) > d) d = worst_diff(got_pooled, pooled, (size_t)B * c->hidden_size);
        if (expect_mlm && worst_diff(got_logits, logits, (size_t)B * S * c->vocab_size) > d)
            d = worst_diff(got_logits, logits, (size_t)B * S * c->vocab_size);
        if (!(d <= 1e-4)) fail_msg("%s case %s: max abs error %g", file, cases[k], d);
        if (d > worst) worst = d;
        free(ids); free(mask); free(types); free(last); free(pooled); free(logits);
        free(got_hidden); free(got_pooled); free(got_logits);
    }
    printf("# %s %s: every golden case of the tiny model, max abs error %.2e\n", file, options, worst);
    albert_context_free(ctx);
    albert_model_free(model);
}

static void test_state_dict_key(void **state) { (void)state; check_checkpoint("", "state_dict.pth", 1); }
static void test_model_key(void **state) { (void)state; check_checkpoint("", "model.pth", 1); }
static void test_dataparallel_module(void **state) { (void)state; check_checkpoint("", "module.pth", 1); }
static void test_kokoro_layout(void **state)
{
    (void)state;
    check_checkpoint("--config data/ckpt-wrapped/kokoro_config.json", "kokoro.pth", 0);
}
static void test_kokoro_config_key(void **state)
{
    (void)state;
    check_checkpoint("--config data/ckpt-wrapped/kokoro_config.json --config-key plbert --submodel bert", "kokoro.pth", 0);
}
static void test_submodel_choice(void **state) { (void)state; check_checkpoint("--submodel student", "two.pth", 1); }

static void expect_refused(const char *options, const char *file, const char *expect)
{
    char src[256], out[512], log[8192];
    snprintf(src, sizeof src, "data/ckpt-wrapped/%s", file);
    snprintf(out, sizeof out, "%s/refused.albert", work_dir);
    if (run_convert(options, src, out, log, sizeof log) == 0) fail_msg("%s %s converted", options, file);
    if (!strstr(log, expect)) fail_msg("the message does not say \"%s\":\n%s", expect, log);
    assert_false(tu_file_exists(out));
    printf("# %s", strstr(log, "error:") ? strstr(log, "error:") : log);
}

static void test_two_encoders_refused(void **state)
{
    (void)state;
    expect_refused("", "two.pth", "several ALBERT encoders (under \"teacher.\", \"student.\"): choose one with --submodel");
}

static void test_no_encoder_refused(void **state)
{
    (void)state;
    expect_refused("", "none.pth", "no ALBERT encoder found (no tensor named [...]embeddings.word_embeddings.weight); "
                   "the checkpoint holds: predictor (2 tensors)");
}

static void test_unknown_submodel_refused(void **state)
{
    (void)state;
    expect_refused("--submodel decoder", "two.pth", "no ALBERT encoder under a sub-model \"decoder\"; the checkpoint "
                   "holds: teacher (32 tensors), student (32 tensors)");
}

static void test_unknown_config_key_refused(void **state)
{
    (void)state;
    expect_refused("--config data/ckpt-wrapped/kokoro_config.json --config-key bert", "kokoro.pth",
                   "no object \"bert\" (--config-key)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_dict_key),
        cmocka_unit_test(test_model_key),
        cmocka_unit_test(test_dataparallel_module),
        cmocka_unit_test(test_kokoro_layout),
        cmocka_unit_test(test_kokoro_config_key),
        cmocka_unit_test(test_submodel_choice),
        cmocka_unit_test(test_two_encoders_refused),
        cmocka_unit_test(test_no_encoder_refused),
        cmocka_unit_test(test_unknown_submodel_refused),
        cmocka_unit_test(test_unknown_config_key_refused),
    };
    return cmocka_run_group_tests(tests, make_work_dir, remove_work_dir);
}

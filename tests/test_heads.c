/* test_heads.c - the classifier head and the sentence-vector poolings, against HF reference values.
   Classifier: tests/data/models/classify is the golden "tiny" model (HF weights) with a classifier; its
   expected logits were computed by make.py there with torch from HF's golden pooler_output. Poolings:
   computed here from HF's golden hidden states (mean over real tokens, first token, pooler output). */
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

typedef struct golden_case {
    int32_t batch, seq;
    int32_t *ids, *mask, *types;
    float *last, *all, *pooled;   /* HF: last_hidden_state, hidden_states, pooler_output */
} golden_case;

/* Case `name` of data/models/<model>/cases.txt (tu_golden_load): inputs and HF's outputs, owned by c. */
static void load_case(const char *model, const char *name, int32_t hidden, golden_case *c)
{
    char folder[256];
    tu_golden g;
    tu_golden_tensor *ids, *pooled;
    snprintf(folder, sizeof folder, "data/models/%s", model);
    assert_int_equal(tu_golden_load(folder, &g), 0);
    ids = tu_golden_find(&g, name, "input_ids");
    pooled = tu_golden_find(&g, name, "pooler_output");
    assert_non_null(ids);
    assert_non_null(pooled);
    assert_int_equal(pooled->dims[1], hidden);
    c->batch = pooled->dims[0];
    c->seq = (int32_t)(ids->count / (size_t)c->batch);
    c->ids = (int32_t *)tu_golden_take(ids);
    c->mask = (int32_t *)tu_golden_take(tu_golden_find(&g, name, "attention_mask"));
    c->types = (int32_t *)tu_golden_take(tu_golden_find(&g, name, "token_type_ids"));
    c->last = (float *)tu_golden_take(tu_golden_find(&g, name, "last_hidden_state"));
    c->all = (float *)tu_golden_take(tu_golden_find(&g, name, "hidden_states"));
    c->pooled = (float *)tu_golden_take(pooled);
    tu_golden_free(&g);
    assert_true(c->mask && c->types && c->last && c->all);
}

static void free_case(golden_case *c)
{
    free(c->ids);
    free(c->mask);
    free(c->types);
    free(c->last);
    free(c->all);
    free(c->pooled);
}

static albert_model *convert_and_load(const char *model_dir, const char *name)
{
    char out[512];
    albert_model *model = NULL;
    albert_error err;
    snprintf(out, sizeof out, "%s/%s.albert", tu_work_dir(), name);
    assert_int_equal(tu_convert(model_dir, out), 0);
    if (albert_model_load(out, &model, &err) != ALBERT_OK) fail_msg("%s", err.message);
    return model;
}

static void test_classifier(void **state)
{
    static const char *const cases[] = {"b1_s7", "b3_pad", "b2_leftpad"};
    static const char *const labels[] = {"negative", "neutral", "positive"};
    albert_model *model = convert_and_load("data/models/classify", "classify");
    const albert_config *config = albert_model_config(model);
    albert_context *ctx;
    size_t i;
    int32_t j;
    (void)state;
    assert_true(config->has_classifier && config->has_pooler);
    assert_false(config->has_mlm);
    assert_int_equal(config->num_labels, 3);
    for (j = 0; j < 3; j++) assert_string_equal(albert_label_name(model, j), labels[j]);
    assert_null(albert_label_name(model, 3));
    assert_null(albert_label_name(model, -1));
    assert_int_equal(albert_context_create(model, NULL, &ctx), ALBERT_OK);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        golden_case c;
        albert_batch batch;
        albert_outputs out;
        float logits[16], *expected;
        double worst = 0.0;
        char path[256];
        load_case("tiny", cases[i], config->hidden_size, &c);
        snprintf(path, sizeof path, "data/models/classify/%s.class_logits.bin", cases[i]);
        expected = (float *)tu_read_le32_file(path, NULL);
        assert_non_null(expected);
        memset(&batch, 0, sizeof batch);
        memset(&out, 0, sizeof out);
        batch.batch_size = c.batch;
        batch.seq_len = c.seq;
        batch.input_ids = c.ids;
        batch.attention_mask = c.mask;
        batch.token_type_ids = c.types;
        out.class_logits = logits;
        assert_int_equal(albert_encode_batch(ctx, &batch, &out), ALBERT_OK);
        for (j = 0; j < c.batch * 3; j++) {
            double d = fabs((double)logits[j] - expected[j]);
            if (d > worst) worst = d;
        }
        printf("# classifier %s: max abs error %.2e\n", cases[i], worst);
        assert_true(worst <= 1e-4);
        {   /* 40 copies in one batch: more tokens than a group (albert__encode_groups), each copy the same logits */
            enum { COPIES = 40 };
            albert_context *big;
            albert_context_params params = albert_context_default_params();
            size_t per_copy = (size_t)c.batch * (size_t)c.seq, k;
            int32_t *ids = (int32_t *)malloc(COPIES * per_copy * sizeof(int32_t));
            int32_t *mask = (int32_t *)malloc(COPIES * per_copy * sizeof(int32_t));
            int32_t *types = (int32_t *)malloc(COPIES * per_copy * sizeof(int32_t));
            float *many = (float *)malloc((size_t)COPIES * (size_t)c.batch * 3 * sizeof(float));
            assert_true(ids && mask && types && many);
            for (k = 0; k < COPIES; k++) {
                memcpy(ids + k * per_copy, c.ids, per_copy * sizeof(int32_t));
                memcpy(mask + k * per_copy, c.mask, per_copy * sizeof(int32_t));
                memcpy(types + k * per_copy, c.types, per_copy * sizeof(int32_t));
            }
            params.max_tokens = (int32_t)(COPIES * per_copy);
            assert_int_equal(albert_context_create(model, &params, &big), ALBERT_OK);
            batch.batch_size = COPIES * c.batch;
            batch.input_ids = ids;
            batch.attention_mask = mask;
            batch.token_type_ids = types;
            out.class_logits = many;
            assert_int_equal(albert_encode_batch(big, &batch, &out), ALBERT_OK);
            worst = 0.0;
            for (k = 0; k < (size_t)COPIES * (size_t)c.batch * 3; k++) {
                double d = fabs((double)many[k] - expected[k % ((size_t)c.batch * 3)]);
                if (!(d <= worst)) worst = d != d ? INFINITY : d;
            }
            printf("# classifier %s x %d in one batch: max abs error %.2e\n", cases[i], COPIES, worst);
            assert_true(worst <= 1e-4);
            albert_context_free(big);
            free(ids);
            free(mask);
            free(types);
            free(many);
        }
        free(expected);
        free_case(&c);
    }
    albert_context_free(ctx);
    albert_model_free(model);
}

/* Sentence vectors of every pooling, layer and normalization against values computed from HF's goldens. */
static void test_sentence_vectors(void **state)
{
    albert_model *model = convert_and_load("data/models/tiny", "tiny");
    const albert_config *config = albert_model_config(model);
    int32_t H = config->hidden_size, L = config->num_hidden_layers;
    albert_context *ctx;
    golden_case c;
    int pooling, layer, normalize;
    (void)state;
    assert_int_equal(albert_context_create(model, NULL, &ctx), ALBERT_OK);
    load_case("tiny", "b3_pad", H, &c);
    for (pooling = ALBERT_POOLING_MEAN; pooling <= ALBERT_POOLING_POOLER; pooling++) {
        for (layer = -1; layer >= -2; layer--) {
            for (normalize = 0; normalize <= 1; normalize++) {
                albert_batch batch;
                albert_outputs out;
                float *got = (float *)malloc(sizeof(float) * (size_t)(c.batch * H));
                const float *layer_states = c.all + (size_t)(L + 1 + layer) * c.batch * c.seq * H;
                int32_t s, t, j;
                double worst = 0.0;
                if (pooling == ALBERT_POOLING_POOLER && layer != -1) { free(got); continue; }   /* golden: last layer */
                memset(&batch, 0, sizeof batch);
                memset(&out, 0, sizeof out);
                batch.batch_size = c.batch;
                batch.seq_len = c.seq;
                batch.input_ids = c.ids;
                batch.attention_mask = c.mask;
                batch.token_type_ids = c.types;
                out.layer = layer;
                out.sentence = got;
                out.pooling = pooling;
                out.normalize = normalize;
                assert_int_equal(albert_encode_batch(ctx, &batch, &out), ALBERT_OK);
                for (s = 0; s < c.batch; s++) {
                    double want[256], norm = 0.0;
                    int32_t n = 0;
                    assert_true(H <= 256);
                    for (j = 0; j < H; j++) want[j] = 0.0;
                    if (pooling == ALBERT_POOLING_MEAN) {
                        for (t = 0; t < c.seq; t++) {
                            if (!c.mask[s * c.seq + t]) continue;
                            for (j = 0; j < H; j++) want[j] += layer_states[((size_t)s * c.seq + t) * H + j];
                            n++;
                        }
                        for (j = 0; j < H; j++) want[j] /= n;
                    } else if (pooling == ALBERT_POOLING_CLS) {
                        for (j = 0; j < H; j++) want[j] = layer_states[(size_t)s * c.seq * H + j];
                    } else {
                        for (j = 0; j < H; j++) want[j] = c.pooled[(size_t)s * H + j];
                    }
                    for (j = 0; j < H; j++) norm += want[j] * want[j];
                    norm = sqrt(norm);
                    for (j = 0; j < H; j++) {
                        double w = normalize ? want[j] / norm : want[j];
                        double d = fabs(w - got[(size_t)s * H + j]);
                        if (d > worst) worst = d;
                    }
                }
                printf("# pooling %d layer %d normalize %d: max abs error %.2e\n", pooling, layer, normalize, worst);
                assert_true(worst <= 1e-4);
                free(got);
            }
        }
    }
    free_case(&c);
    albert_context_free(ctx);
    albert_model_free(model);
}

/* skip_padding: the real tokens get HF's values, padding rows are 0, and with right padding the pooler matches. */
static void test_skip_padding(void **state)
{
    static const char *const cases[] = {"b3_pad", "b2_leftpad"};
    albert_model *model = convert_and_load("data/models/groups", "groups");
    const albert_config *config = albert_model_config(model);
    int32_t H = config->hidden_size, L = config->num_hidden_layers;
    albert_context *ctx;
    size_t i;
    (void)state;
    assert_int_equal(albert_context_create(model, NULL, &ctx), ALBERT_OK);
    for (i = 0; i < 2; i++) {
        golden_case c;
        albert_batch batch;
        albert_outputs out;
        float *hidden, *all, *pooled;
        size_t TH, t;
        int32_t j, k;
        double worst = 0.0, worst_pooled = 0.0;
        load_case("groups", cases[i], H, &c);
        TH = (size_t)c.batch * c.seq * H;
        hidden = (float *)malloc(sizeof(float) * TH);
        all = (float *)malloc(sizeof(float) * TH * (size_t)(L + 1));
        pooled = (float *)malloc(sizeof(float) * (size_t)(c.batch * H));
        memset(&batch, 0, sizeof batch);
        memset(&out, 0, sizeof out);
        batch.batch_size = c.batch;
        batch.seq_len = c.seq;
        batch.input_ids = c.ids;
        batch.attention_mask = c.mask;
        batch.token_type_ids = c.types;
        batch.skip_padding = 1;
        out.layer = -1;
        out.hidden = hidden;
        out.all_hidden = all;
        out.pooled = pooled;
        assert_int_equal(albert_encode_batch(ctx, &batch, &out), ALBERT_OK);
        for (t = 0; t < (size_t)c.batch * c.seq; t++) {
            for (j = 0; j < H; j++) {
                double d;
                if (!c.mask[t]) {   /* padding: exactly zero, in every layer */
                    assert_true(hidden[t * H + j] == 0.0f);
                    for (k = 0; k <= L; k++) assert_true(all[(size_t)k * TH + t * H + j] == 0.0f);
                    continue;
                }
                d = fabs((double)hidden[t * H + j] - c.last[t * H + j]);
                if (d > worst) worst = d;
                for (k = 0; k <= L; k++) {
                    d = fabs((double)all[(size_t)k * TH + t * H + j] - c.all[(size_t)k * TH + t * H + j]);
                    if (d > worst) worst = d;
                }
            }
        }
        for (k = 0; k < c.batch; k++) {   /* sequences whose first token is real ([CLS]) pool as in HF */
            if (!c.mask[(size_t)k * c.seq]) continue;
            for (j = 0; j < H; j++) {
                double d = fabs((double)pooled[(size_t)k * H + j] - c.pooled[(size_t)k * H + j]);
                if (d > worst_pooled) worst_pooled = d;
            }
        }
        printf("# skip_padding %s: real tokens max abs error %.2e, pooled %.2e\n", cases[i], worst, worst_pooled);
        assert_true(worst <= 1e-4 && worst_pooled <= 1e-4);
        free(hidden);
        free(all);
        free(pooled);
        free_case(&c);
    }
    albert_context_free(ctx);
    albert_model_free(model);
}

/* Asking for a head the file lacks is a specific error, with nothing written. */
static void test_missing_heads(void **state)
{
    albert_model *model = convert_and_load("data/models/classify", "classify-missing");
    albert_context *ctx;
    albert_batch batch;
    albert_outputs out;
    int32_t ids[3] = {2, 10, 3};
    float sentinel[200];
    int i;
    (void)state;
    assert_int_equal(albert_context_create(model, NULL, &ctx), ALBERT_OK);
    memset(&batch, 0, sizeof batch);
    batch.batch_size = 1;
    batch.seq_len = 3;
    batch.input_ids = ids;
    for (i = 0; i < 200; i++) sentinel[i] = 12345.0f;
    memset(&out, 0, sizeof out);
    out.mlm_logits = sentinel;
    assert_int_equal(albert_encode_batch(ctx, &batch, &out), ALBERT_ERR_NO_HEAD);
    memset(&out, 0, sizeof out);
    out.sop_logits = sentinel;
    assert_int_equal(albert_encode_batch(ctx, &batch, &out), ALBERT_ERR_NO_HEAD);
    memset(&out, 0, sizeof out);
    out.sentence = sentinel;
    out.pooling = 7;
    assert_int_equal(albert_encode_batch(ctx, &batch, &out), ALBERT_ERR_ARGUMENT);
    for (i = 0; i < 200; i++) assert_true(sentinel[i] == 12345.0f);
    albert_context_free(ctx);
    albert_model_free(model);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classifier),
        cmocka_unit_test(test_sentence_vectors),
        cmocka_unit_test(test_skip_padding),
        cmocka_unit_test(test_missing_heads),
    };
    return cmocka_run_group_tests(tests, tu_work_dir_setup, tu_work_dir_teardown);
}

/* test_golden.c - the library against HuggingFace transformers' own ALBERT outputs (../shared/golden, copied to
   tests/data/models/<model>/). Every checkpoint format present in a model's folder (model.safetensors,
   pytorch_model.bin, pytorch_model_legacy.bin, tf/) is converted with ../build/albert-convert and every case of
   cases.txt is run through albert_encode_batch: last_hidden_state, every layer of hidden_states, pooler_output,
   MLM logits (when the blob has the MLM head) and SOP logits (when it has the SOP head) must be within 1e-4
   absolute. The maximum error per model / format / tensor is printed ("# max_err ..."). Also: albert_encode
   equals the batch path, layer selection (k and negative k), left padding.
   Run with tests/ as the working directory. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#define ALBERT_IMPLEMENTATION
#include "albert.h"
#include "testutil.h"

#define GOLDEN_TOLERANCE 1e-4
#define MAX_CASES 16

static const char *const golden_models[] = {"tiny", "groups", "relu"};

/* A checkpoint format: present when data/models/<model>/<probe> exists; converted from <model folder>/<source>. */
typedef struct golden_format {
    const char *label;
    const char *probe;
    const char *source;   /* "" = the model folder itself (config.json + model.safetensors) */
} golden_format;

static const golden_format golden_formats[] = {
    {"safetensors", "model.safetensors", ""},
    {"torch", "pytorch_model.bin", "pytorch_model.bin"},
    {"torch-legacy", "pytorch_model_legacy.bin", "pytorch_model_legacy.bin"},
    {"tf", "tf/model.ckpt-best.index", "tf"},
};
#define N_FORMATS (sizeof golden_formats / sizeof golden_formats[0])

/* One case of cases.txt: inputs [B x S] and the expected outputs (NULL when the file has none). */
typedef struct golden_case {
    char name[32];
    int batch, seq, n_layers_plus_1;
    int32_t *input_ids, *attention_mask, *token_type_ids;
    float *last_hidden_state;   /* [B, S, H] */
    float *hidden_states;       /* [L+1, B, S, H] */
    float *pooler_output;       /* [B, H] */
    float *logits;              /* [B, S, V] */
    float *sop_logits;          /* [B, 2] */
    size_t n_last_hidden, n_hidden_states, n_pooler, n_logits, n_sop;   /* element counts */
} golden_case;

typedef struct golden_cases {
    golden_case cases[MAX_CASES];
    int n_cases;
} golden_cases;

static void free_cases(golden_cases *gc)
{
    int i;
    for (i = 0; i < gc->n_cases; i++) {
        golden_case *c = &gc->cases[i];
        free(c->input_ids); free(c->attention_mask); free(c->token_type_ids);
        free(c->last_hidden_state); free(c->hidden_states); free(c->pooler_output); free(c->logits);
        free(c->sop_logits);
    }
    gc->n_cases = 0;
}

/* Reads data/models/<model>/cases.txt and every file it names (tu_golden_load); fails the test on anything
   unexpected. */
static void load_cases(const char *model, golden_cases *gc)
{
    char folder[256];
    tu_golden g;
    int i;
    snprintf(folder, sizeof folder, "data/models/%s", model);
    assert_int_equal(tu_golden_load(folder, &g), 0);
    assert_true(g.n_cases <= MAX_CASES);
    memset(gc, 0, sizeof *gc);
    gc->n_cases = g.n_cases;
    for (i = 0; i < g.n_cases; i++) {
        assert_true(strlen(g.case_names[i]) < sizeof gc->cases[0].name);
        strcpy(gc->cases[i].name, g.case_names[i]);
    }
    for (i = 0; i < g.n_tensors; i++) {
        tu_golden_tensor *t = &g.tensors[i];
        golden_case *c = &gc->cases[t->case_index];
        const char *tensor = t->name;
        int input = tu_golden_take_input(t, &c->batch, &c->seq, &c->input_ids, &c->attention_mask, &c->token_type_ids);
        assert_true(input >= 0);
        if (input) continue;
        assert_false(t->is_int);
        if (strcmp(tensor, "last_hidden_state") == 0) {
            c->n_last_hidden = t->count; c->last_hidden_state = (float *)tu_golden_take(t);
        } else if (strcmp(tensor, "hidden_states") == 0) {
            c->n_hidden_states = t->count; c->n_layers_plus_1 = t->dims[0];
            c->hidden_states = (float *)tu_golden_take(t);
        } else if (strcmp(tensor, "pooler_output") == 0) {
            c->n_pooler = t->count; c->pooler_output = (float *)tu_golden_take(t);
        } else if (strcmp(tensor, "logits") == 0) {
            c->n_logits = t->count; c->logits = (float *)tu_golden_take(t);
        } else if (strcmp(tensor, "sop_logits") == 0) {
            c->n_sop = t->count; c->sop_logits = (float *)tu_golden_take(t);
        } else {
            fail_msg("unknown tensor %s in %s/cases.txt", tensor, folder);
        }
    }
    tu_golden_free(&g);
    assert_true(gc->n_cases >= 5);
}

/* Checks a case's expected sizes against the model's config. */
static void check_case_shapes(const golden_case *c, const albert_config *cfg)
{
    size_t tokens = (size_t)c->batch * (size_t)c->seq, H = (size_t)cfg->hidden_size;
    assert_non_null(c->input_ids);
    assert_non_null(c->attention_mask);
    assert_non_null(c->token_type_ids);
    assert_non_null(c->last_hidden_state);
    assert_non_null(c->hidden_states);
    assert_non_null(c->pooler_output);
    assert_int_equal(c->n_last_hidden, tokens * H);
    assert_int_equal(c->n_hidden_states, (size_t)(cfg->num_hidden_layers + 1) * tokens * H);
    assert_int_equal(c->n_layers_plus_1, cfg->num_hidden_layers + 1);
    assert_int_equal(c->n_pooler, (size_t)c->batch * H);
    if (c->logits) assert_int_equal(c->n_logits, tokens * (size_t)cfg->vocab_size);
    if (c->sop_logits) assert_int_equal(c->n_sop, (size_t)c->batch * 2);
}

/* Largest |a - b| over n floats; NaN (e.g. an output never written: the buffers start as NaN) counts as infinite. */
static double max_abs_error(const float *actual, const float *expected, size_t n)
{
    double worst = 0.0;
    size_t i;
    for (i = 0; i < n; i++) {
        double e = fabs((double)actual[i] - (double)expected[i]);
        if (e != e) e = INFINITY;
        if (e > worst) worst = e;
    }
    return worst;
}

static float *nan_buffer(size_t n)
{
    float *p = (float *)malloc((n ? n : 1) * sizeof(float));
    size_t i;
    assert_non_null(p);
    for (i = 0; i < n; i++) p[i] = NAN;
    return p;
}

/* ------------------------------------------------------------------------------------------------ fixture */

typedef struct loaded_model {
    char dir[64];            /* mkdtemp folder holding the converted blob */
    char blob[128];
    albert_model *model;
    albert_context *ctx;
    const albert_config *cfg;
} loaded_model;

/* Converts data/models/<model>/<source> into a temporary blob and loads it with a context. */
static void load_converted(const char *model, const char *source, loaded_model *lm)
{
    char src[512];
    albert_error err;
    albert_context_params cp = albert_context_default_params();
    memset(lm, 0, sizeof *lm);
    strcpy(lm->dir, "/tmp/albert_golden_XXXXXX");
    assert_non_null(mkdtemp(lm->dir));
    snprintf(lm->blob, sizeof lm->blob, "%s/model.albert", lm->dir);
    snprintf(src, sizeof src, "data/models/%s%s%s", model, source[0] ? "/" : "", source);
    if (tu_convert(src, lm->blob) != 0) {
        rmdir(lm->dir);
        fail_msg("albert-convert %s failed", src);
    }
    memset(&err, 0, sizeof err);
    if (albert_model_load(lm->blob, &lm->model, &err) != ALBERT_OK) {
        remove(lm->blob);
        rmdir(lm->dir);
        fail_msg("albert_model_load(%s converted from %s): %s", lm->blob, src, err.message);
    }
    lm->cfg = albert_model_config(lm->model);
    assert_non_null(lm->cfg);
    cp.max_tokens = 256;
    cp.n_threads = 2;
    assert_int_equal(albert_context_create(lm->model, &cp, &lm->ctx), ALBERT_OK);
}

static void unload(loaded_model *lm)
{
    albert_context_free(lm->ctx);
    albert_model_free(lm->model);
    remove(lm->blob);
    rmdir(lm->dir);
}

static albert_batch batch_of(const golden_case *c)
{
    albert_batch b;
    memset(&b, 0, sizeof b);   /* fields added later (skip_padding ...) keep their default 0 */
    b.batch_size = c->batch;
    b.seq_len = c->seq;
    b.input_ids = c->input_ids;
    b.attention_mask = c->attention_mask;
    b.token_type_ids = c->token_type_ids;
    return b;
}

static albert_result encode_or_report(loaded_model *lm, const albert_batch *b, const albert_outputs *o, const char *what)
{
    albert_result r = albert_encode_batch(lm->ctx, b, o);
    if (r != ALBERT_OK)
        print_error("%s: albert_encode_batch -> %s (%s)\n", what, albert_result_string(r),
                    albert_context_last_error(lm->ctx));
    return r;
}

/* ------------------------------------------------------------------------------------------------ tests */

typedef struct golden_run {
    const char *model;
    const golden_format *format;
} golden_run;

/* Every case of one model in one checkpoint format, every output. */
static void test_golden_format(void **state)
{
    const golden_run *run = (const golden_run *)*state;
    enum { T_LAST, T_ALL, T_POOLED, T_MLM, T_SOP, N_T };
    static const char *const tensor_names[N_T] = {"last_hidden_state", "hidden_states", "pooler_output", "logits",
                                                  "sop_logits"};
    double worst[N_T] = {0, 0, 0, 0, 0};
    int checked[N_T] = {0, 0, 0, 0, 0}, i, t, failures = 0;
    golden_cases gc;
    loaded_model lm;

    load_cases(run->model, &gc);
    load_converted(run->model, run->format->source, &lm);
    assert_true(lm.cfg->has_pooler);
    if (strcmp(run->format->label, "tf") == 0) assert_true(lm.cfg->has_sop);   /* Google checkpoints carry it */

    for (i = 0; i < gc.n_cases; i++) {
        const golden_case *c = &gc.cases[i];
        size_t tokens = (size_t)c->batch * (size_t)c->seq, H = (size_t)lm.cfg->hidden_size;
        albert_batch b = batch_of(c);
        albert_outputs o;
        double e[N_T] = {0, 0, 0, 0, 0};
        check_case_shapes(c, lm.cfg);
        memset(&o, 0, sizeof o);
        o.layer = -1;
        o.hidden = nan_buffer(tokens * H);
        o.all_hidden = nan_buffer(c->n_hidden_states);
        o.pooled = nan_buffer((size_t)c->batch * H);
        if (lm.cfg->has_mlm && c->logits) o.mlm_logits = nan_buffer(c->n_logits);
        if (lm.cfg->has_sop && c->sop_logits) o.sop_logits = nan_buffer(c->n_sop);
        if (encode_or_report(&lm, &b, &o, c->name) != ALBERT_OK) {
            failures++;
        } else {
            e[T_LAST] = max_abs_error(o.hidden, c->last_hidden_state, tokens * H);
            e[T_ALL] = max_abs_error(o.all_hidden, c->hidden_states, c->n_hidden_states);
            e[T_POOLED] = max_abs_error(o.pooled, c->pooler_output, (size_t)c->batch * H);
            checked[T_LAST] = checked[T_ALL] = checked[T_POOLED] = 1;
            if (o.mlm_logits) { e[T_MLM] = max_abs_error(o.mlm_logits, c->logits, c->n_logits); checked[T_MLM] = 1; }
            if (o.sop_logits) { e[T_SOP] = max_abs_error(o.sop_logits, c->sop_logits, c->n_sop); checked[T_SOP] = 1; }
            for (t = 0; t < N_T; t++) {
                if (!(e[t] <= GOLDEN_TOLERANCE)) {
                    print_error("%s/%s case %s: %s max_err %.3g > %g\n", run->model, run->format->label, c->name,
                                tensor_names[t], e[t], GOLDEN_TOLERANCE);
                    failures++;
                }
                if (e[t] > worst[t]) worst[t] = e[t];
            }
        }
        free(o.hidden); free(o.all_hidden); free(o.pooled); free(o.mlm_logits); free(o.sop_logits);
    }
    for (t = 0; t < N_T; t++) {
        if (checked[t])
            print_message("# max_err %-7s %-13s %-18s %.3g (%d cases)\n", run->model, run->format->label,
                          tensor_names[t], worst[t], gc.n_cases);
        else
            print_message("# max_err %-7s %-13s %-18s not checked (the blob has no such head)\n", run->model,
                          run->format->label, tensor_names[t]);
    }
    unload(&lm);
    free_cases(&gc);
    assert_int_equal(failures, 0);
}

static const golden_case *case_named(const golden_cases *gc, const char *name)
{
    int i;
    for (i = 0; i < gc->n_cases; i++)
        if (strcmp(gc->cases[i].name, name) == 0) return &gc->cases[i];
    fail_msg("no case %s", name);
    return NULL;
}

/* albert_encode (one sequence) on b1_s7 equals the batch path, for the last layer and for layer 0. */
static void test_single_sequence_equals_batch(void **state)
{
    size_t m;
    (void)state;
    for (m = 0; m < sizeof golden_models / sizeof golden_models[0]; m++) {
        golden_cases gc;
        loaded_model lm;
        const golden_case *c;
        int layers[2], k;
        load_cases(golden_models[m], &gc);
        load_converted(golden_models[m], "", &lm);
        c = case_named(&gc, "b1_s7");
        layers[0] = -1;
        layers[1] = 0;
        for (k = 0; k < 2; k++) {
            size_t n = (size_t)c->seq * (size_t)lm.cfg->hidden_size;
            float *single = nan_buffer(n), *batched = nan_buffer(n);
            albert_batch b = batch_of(c);
            albert_outputs o;
            double e_single_batch, e_golden;
            memset(&o, 0, sizeof o);
            o.layer = layers[k];
            o.hidden = batched;
            assert_int_equal(albert_encode(lm.ctx, c->input_ids, c->token_type_ids, c->seq, layers[k], single), ALBERT_OK);
            assert_int_equal(encode_or_report(&lm, &b, &o, "b1_s7"), ALBERT_OK);
            e_single_batch = max_abs_error(single, batched, n);
            e_golden = max_abs_error(single, layers[k] < 0 ? c->last_hidden_state : c->hidden_states, n);
            print_message("# %-7s b1_s7 layer %2d: albert_encode vs batch max_diff %.3g, vs golden %.3g\n",
                          golden_models[m], layers[k], e_single_batch, e_golden);
            assert_true(e_single_batch <= 1e-6);
            assert_true(e_golden <= GOLDEN_TOLERANCE);
            free(single);
            free(batched);
        }
        unload(&lm);
        free_cases(&gc);
    }
}

/* outputs.layer = k (0..L) and k - (L+1) (-1 = last ... -(L+1) = layer 0) give hidden_states[k], in the batch
   path (on b3_pad: padding and mixed token types) and in albert_encode (b1_s7). */
static void test_layer_selection(void **state)
{
    size_t m;
    (void)state;
    for (m = 0; m < sizeof golden_models / sizeof golden_models[0]; m++) {
        golden_cases gc;
        loaded_model lm;
        const golden_case *padded, *single;
        int L, k, sign;
        double worst = 0.0;
        load_cases(golden_models[m], &gc);
        load_converted(golden_models[m], "", &lm);
        padded = case_named(&gc, "b3_pad");
        single = case_named(&gc, "b1_s7");
        L = lm.cfg->num_hidden_layers;
        for (k = 0; k <= L; k++) {
            for (sign = 0; sign < 2; sign++) {
                int layer = sign ? k - (L + 1) : k;
                size_t n_pad = (size_t)padded->batch * padded->seq * lm.cfg->hidden_size;
                size_t n_single = (size_t)single->seq * lm.cfg->hidden_size;
                float *out = nan_buffer(n_pad), *out_single = nan_buffer(n_single);
                albert_batch b = batch_of(padded);
                albert_outputs o;
                double e, e_single;
                memset(&o, 0, sizeof o);
                o.layer = layer;
                o.hidden = out;
                assert_int_equal(encode_or_report(&lm, &b, &o, "b3_pad"), ALBERT_OK);
                e = max_abs_error(out, padded->hidden_states + (size_t)k * n_pad, n_pad);
                assert_int_equal(albert_encode(lm.ctx, single->input_ids, single->token_type_ids, single->seq, layer,
                                               out_single), ALBERT_OK);
                e_single = max_abs_error(out_single, single->hidden_states + (size_t)k * n_single, n_single);
                if (!(e <= GOLDEN_TOLERANCE) || !(e_single <= GOLDEN_TOLERANCE))
                    print_error("%s layer %d (= hidden_states[%d]): batch max_err %.3g, single %.3g\n",
                                golden_models[m], layer, k, e, e_single);
                assert_true(e <= GOLDEN_TOLERANCE);
                assert_true(e_single <= GOLDEN_TOLERANCE);
                if (e > worst) worst = e;
                if (e_single > worst) worst = e_single;
                free(out);
                free(out_single);
            }
        }
        print_message("# %-7s layers %d..%d: max_err %.3g\n", golden_models[m], -(L + 1), L, worst);
        unload(&lm);
        free_cases(&gc);
    }
}

/* b2_leftpad: left padding (the pads come first; HF's position ids still count from 0 at the pads). */
static void test_left_padding(void **state)
{
    size_t m;
    (void)state;
    for (m = 0; m < sizeof golden_models / sizeof golden_models[0]; m++) {
        golden_cases gc;
        loaded_model lm;
        const golden_case *c;
        albert_batch b;
        albert_outputs o;
        size_t H, n;
        double e_hidden, e_pooled;
        load_cases(golden_models[m], &gc);
        load_converted(golden_models[m], "", &lm);
        c = case_named(&gc, "b2_leftpad");
        {   /* the case really has a row that starts with padding */
            int row, left_padded = 0;
            for (row = 0; row < c->batch; row++) left_padded |= c->attention_mask[(size_t)row * c->seq] == 0;
            assert_true(left_padded);
        }
        H = (size_t)lm.cfg->hidden_size;
        n = (size_t)c->batch * c->seq * H;
        b = batch_of(c);
        memset(&o, 0, sizeof o);
        o.layer = -1;
        o.hidden = nan_buffer(n);
        o.pooled = nan_buffer((size_t)c->batch * H);
        assert_int_equal(encode_or_report(&lm, &b, &o, "b2_leftpad"), ALBERT_OK);
        e_hidden = max_abs_error(o.hidden, c->last_hidden_state, n);
        e_pooled = max_abs_error(o.pooled, c->pooler_output, (size_t)c->batch * H);
        print_message("# %-7s b2_leftpad: last_hidden_state max_err %.3g, pooler_output %.3g\n", golden_models[m],
                      e_hidden, e_pooled);
        assert_true(e_hidden <= GOLDEN_TOLERANCE);
        assert_true(e_pooled <= GOLDEN_TOLERANCE);
        free(o.hidden);
        free(o.pooled);
        unload(&lm);
        free_cases(&gc);
    }
}

/* Big batches: copies of a case, many more tokens than one block of the feed-forward (128 rows) or of the
   packed x, with and without skip_padding: every copy must still match HF's output for the case. */
static void test_large_batch(void **state)
{
    static const char *const case_names[] = {"b3_pad", "b1_maxpos"};
    static const int copies[] = {37, 5};   /* 999 and 5 x max_position_embeddings token rows */
    size_t m, ci;
    (void)state;
    for (m = 0; m < sizeof golden_models / sizeof golden_models[0]; m++) {
        golden_cases gc;
        loaded_model lm;
        albert_context *big;
        albert_context_params cp = albert_context_default_params();
        load_cases(golden_models[m], &gc);
        load_converted(golden_models[m], "", &lm);
        cp.max_tokens = 1024;
        cp.n_threads = 2;
        assert_int_equal(albert_context_create(lm.model, &cp, &big), ALBERT_OK);
        for (ci = 0; ci < sizeof case_names / sizeof case_names[0]; ci++) {
            const golden_case *c = case_named(&gc, case_names[ci]);
            size_t H = (size_t)lm.cfg->hidden_size, V = (size_t)lm.cfg->vocab_size, per_copy = (size_t)c->batch * c->seq, n_copies = (size_t)copies[ci];
            size_t i, rows = per_copy * n_copies;
            int32_t *ids = (int32_t *)malloc(rows * sizeof(int32_t)), *mask = (int32_t *)malloc(rows * sizeof(int32_t));
            int32_t *types = (int32_t *)malloc(rows * sizeof(int32_t));
            int skip;
            assert_true(ids && mask && types);
            for (i = 0; i < n_copies; i++) {
                memcpy(ids + i * per_copy, c->input_ids, per_copy * sizeof(int32_t));
                memcpy(mask + i * per_copy, c->attention_mask, per_copy * sizeof(int32_t));
                memcpy(types + i * per_copy, c->token_type_ids, per_copy * sizeof(int32_t));
            }
            for (skip = 0; skip < 3; skip++) {   /* 2: skip_padding 0 with all_hidden (one batch, not in groups) */
                albert_batch b;
                albert_outputs o;
                double e_hidden = 0.0, e_pooled = 0.0, e_logits = 0.0;
                memset(&b, 0, sizeof b);
                b.batch_size = (int32_t)(c->batch * (int32_t)n_copies);
                b.seq_len = c->seq;
                b.input_ids = ids;
                b.attention_mask = mask;
                b.token_type_ids = types;
                b.skip_padding = skip == 1;
                memset(&o, 0, sizeof o);
                o.layer = -1;
                o.hidden = nan_buffer(rows * H);
                o.pooled = nan_buffer((size_t)b.batch_size * H);
                if (skip == 2) o.all_hidden = nan_buffer((size_t)(lm.cfg->num_hidden_layers + 1) * rows * H);
                if (c->logits) o.mlm_logits = nan_buffer(rows * V);
                assert_int_equal(albert_encode_batch(big, &b, &o), ALBERT_OK);
                if (o.all_hidden) {   /* its last layer is `hidden` */
                    assert_true(max_abs_error(o.all_hidden + (size_t)lm.cfg->num_hidden_layers * rows * H, o.hidden,
                                              rows * H) == 0.0);
                    free(o.all_hidden);
                }
                for (i = 0; i < n_copies; i++) {
                    /* with skip_padding, padding rows are zeros: compare the real tokens only */
                    size_t t, d;
                    for (t = 0; t < per_copy; t++) {
                        if (skip == 1 && !c->attention_mask[t]) continue;
                        for (d = 0; d < H; d++) {
                            double e = fabs((double)o.hidden[(i * per_copy + t) * H + d] - c->last_hidden_state[t * H + d]);
                            if (!(e <= e_hidden)) e_hidden = e != e ? INFINITY : e;
                        }
                        for (d = 0; o.mlm_logits && d < V; d++) {
                            double e = fabs((double)o.mlm_logits[(i * per_copy + t) * V + d] - c->logits[t * V + d]);
                            if (!(e <= e_logits)) e_logits = e != e ? INFINITY : e;
                        }
                    }
                    {
                        double ep = max_abs_error(o.pooled + i * (size_t)c->batch * H, c->pooler_output, (size_t)c->batch * H);
                        if (ep > e_pooled) e_pooled = ep;
                    }
                }
                print_message("# %-7s %s x %d (%d rows, %s): last_hidden_state max_err %.3g, pooler %.3g, MLM %.3g\n",
                              golden_models[m], c->name, copies[ci], (int)rows,
                              skip == 0 ? "padded" : skip == 1 ? "skip_padding" : "padded, all_hidden", e_hidden, e_pooled,
                              e_logits);
                assert_true(e_hidden <= GOLDEN_TOLERANCE);
                assert_true(e_pooled <= GOLDEN_TOLERANCE);
                assert_true(e_logits <= GOLDEN_TOLERANCE);
                free(o.mlm_logits);
                free(o.hidden);
                free(o.pooled);
            }
            free(ids);
            free(mask);
            free(types);
        }
        albert_context_free(big);
        unload(&lm);
        free_cases(&gc);
    }
}

int main(void)
{
    static const struct CMUnitTest fixed_tests[] = {
        cmocka_unit_test(test_single_sequence_equals_batch),
        cmocka_unit_test(test_layer_selection),
        cmocka_unit_test(test_left_padding),
        cmocka_unit_test(test_large_batch),
    };
    struct CMUnitTest format_tests[sizeof golden_models / sizeof golden_models[0] * N_FORMATS];
    golden_run runs[sizeof golden_models / sizeof golden_models[0] * N_FORMATS];
    char names[sizeof golden_models / sizeof golden_models[0] * N_FORMATS][64];
    size_t m, f, n = 0;
    int failed;

    (void)tu_write_file;   /* testutil.h's first helpers are plain static: unused ones would warn */
    /* one test per model and checkpoint format present in tests/data (data-driven: other formats join by existing) */
    for (m = 0; m < sizeof golden_models / sizeof golden_models[0]; m++) {
        for (f = 0; f < N_FORMATS; f++) {
            char probe[256];
            snprintf(probe, sizeof probe, "data/models/%s/%s", golden_models[m], golden_formats[f].probe);
            if (!tu_file_exists(probe)) continue;
            runs[n].model = golden_models[m];
            runs[n].format = &golden_formats[f];
            snprintf(names[n], sizeof names[n], "golden_%s_%s", golden_models[m], golden_formats[f].label);
            memset(&format_tests[n], 0, sizeof format_tests[n]);
            format_tests[n].name = names[n];
            format_tests[n].test_func = test_golden_format;
            format_tests[n].initial_state = &runs[n];
            n++;
        }
    }
    failed = _cmocka_run_group_tests("golden_formats", format_tests, n, NULL, NULL);
    failed += cmocka_run_group_tests_name("golden_api", fixed_tests, NULL, NULL);
    return failed ? 1 : 0;
}

/* test_brightmart.c - brightmart/albert_zh checkpoints (their own graph, architecture 1 in the model file).

   data/brightmart/{postln,preln}/ are copies of ../shared/golden/brightmart/ (see data/brightmart/README.md):
   random-weight TF checkpoints under brightmart's real variable names (with LAMB / Adam slots and global_step),
   their albert_config.json, and the outputs of an independent float64 forward that follows brightmart's
   modeling.py and run_pretraining.py. Each is converted with ../build/albert-convert (the vocabulary is the real
   brightmart vocab.txt, data/tok/zh/vocab.txt) and every case is run through albert_encode_batch: every layer of
   hidden_states (index 0 = brightmart's embedding_output), last_hidden_state, pooler_output, SOP logits and the
   MLM logits (b1_short, the rows stored in cases.txt) must be within 1e-4 absolute; the maximum error per
   model / output is printed ("# max_err ..."). Also: skip_padding gives the same values on the real tokens,
   the tokenizer gives the golden ids, a config whose sizes disagree with the tensors (or that lacks ln_type)
   fails with a clear message and leaves no file, and the loader refuses bad architecture bytes and an
   incomplete brightmart MLM head; the config reader (tools/bm_config.c) against what brightmart's modeling.py does
   with each key.
   Run with tests/ as the working directory. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#define ALBERT_IMPLEMENTATION
#include "albert.h"
#include "testutil.h"
#include "../tools/json.c"
#include "../tools/bm_config.c"   /* bm_parse_config, unit-tested below */

#define TOLERANCE 1e-4
#define MAX_CASES 4
#define VOCAB "data/tok/zh/vocab.txt"

/* ------------------------------------------------------------------------------------------------ helpers */

/* Runs the converter with the given arguments (shell words), its output into log (may be NULL: /dev/null). */
static int run_convert(const char *log, const char *format, ...)
{
    const char *converter = getenv("ALBERT_CONVERT");
    char args[2048], command[4096];
    va_list ap;
    int status;
    if (!converter || !*converter) converter = "../build/albert-convert";
    va_start(ap, format);
    vsnprintf(args, sizeof args, format, ap);
    va_end(ap);
    snprintf(command, sizeof command, "'%s' %s >'%s' 2>&1", converter, args, log ? log : "/dev/null");
    status = system(command);
    if (status == -1 || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status);
}

/* Number of entries in a folder besides . and .. */
static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) n++;
    closedir(d);
    return n;
}

static double max_abs_error(const float *actual, const float *expected, size_t n)
{
    double worst = 0.0;
    size_t i;
    for (i = 0; i < n; i++) {
        double e = fabs((double)actual[i] - (double)expected[i]);
        if (e != e) e = INFINITY;   /* NaN: an output never written (buffers start as NaN) */
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

/* ------------------------------------------------------------------------------------------------ cases */

typedef struct bm_case {
    char name[32];
    int batch, seq, n_layers_plus_1, n_logit_rows;
    int32_t *input_ids, *attention_mask, *token_type_ids, *logits_positions;
    float *last_hidden_state, *hidden_states, *pooler_output, *sop_logits;
    float *logits_rows;         /* [n_logit_rows, V]: the MLM logits of sequence 0 at logits_positions */
    size_t n_last_hidden, n_hidden_states, n_pooler, n_sop, n_logits_rows;
} bm_case;

typedef struct bm_cases {
    bm_case cases[MAX_CASES];
    int n_cases;
} bm_cases;

static void free_cases(bm_cases *bc)
{
    int i;
    for (i = 0; i < bc->n_cases; i++) {
        bm_case *c = &bc->cases[i];
        free(c->input_ids); free(c->attention_mask); free(c->token_type_ids); free(c->logits_positions);
        free(c->last_hidden_state); free(c->hidden_states); free(c->pooler_output); free(c->sop_logits);
        free(c->logits_rows);
    }
    bc->n_cases = 0;
}

/* Reads data/brightmart/<model>/cases.txt (case tensor dtype ndim dims... file) and every file it names. */
static void load_cases(const char *model, bm_cases *bc)
{
    char folder[256];
    tu_golden g;
    int i;
    snprintf(folder, sizeof folder, "data/brightmart/%s", model);
    assert_int_equal(tu_golden_load(folder, &g), 0);
    assert_true(g.n_cases <= MAX_CASES);
    memset(bc, 0, sizeof *bc);
    bc->n_cases = g.n_cases;
    for (i = 0; i < g.n_cases; i++) {
        assert_true(strlen(g.case_names[i]) < sizeof bc->cases[0].name);
        strcpy(bc->cases[i].name, g.case_names[i]);
    }
    for (i = 0; i < g.n_tensors; i++) {
        tu_golden_tensor *t = &g.tensors[i];
        bm_case *c = &bc->cases[t->case_index];
        const char *tensor = t->name;
        int input = tu_golden_take_input(t, &c->batch, &c->seq, &c->input_ids, &c->attention_mask, &c->token_type_ids);
        assert_true(input >= 0);
        if (input) continue;
        if (strcmp(tensor, "logits_positions") == 0 && t->is_int) {
            c->n_logit_rows = t->dims[0];
            c->logits_positions = (int32_t *)tu_golden_take(t);
            continue;
        }
        assert_false(t->is_int);
        if (strcmp(tensor, "last_hidden_state") == 0) {
            c->n_last_hidden = t->count; c->last_hidden_state = (float *)tu_golden_take(t);
        } else if (strcmp(tensor, "hidden_states") == 0) {
            c->n_hidden_states = t->count; c->n_layers_plus_1 = t->dims[0];
            c->hidden_states = (float *)tu_golden_take(t);
        } else if (strcmp(tensor, "pooler_output") == 0) {
            c->n_pooler = t->count; c->pooler_output = (float *)tu_golden_take(t);
        } else if (strcmp(tensor, "sop_logits") == 0) {
            c->n_sop = t->count; c->sop_logits = (float *)tu_golden_take(t);
        } else if (strcmp(tensor, "logits_rows") == 0) {
            c->n_logits_rows = t->count; c->logits_rows = (float *)tu_golden_take(t);
        } else {
            fail_msg("unknown tensor %s in %s/cases.txt", tensor, folder);
        }
    }
    tu_golden_free(&g);
    assert_int_equal(bc->n_cases, 3);   /* b1_short, b3_pad, b1_maxpos */
}

static void check_case_shapes(const bm_case *c, const albert_config *cfg)
{
    size_t tokens = (size_t)c->batch * (size_t)c->seq, H = (size_t)cfg->hidden_size;
    assert_non_null(c->input_ids);
    assert_non_null(c->attention_mask);
    assert_non_null(c->token_type_ids);
    assert_non_null(c->last_hidden_state);
    assert_non_null(c->hidden_states);
    assert_non_null(c->pooler_output);
    assert_non_null(c->sop_logits);
    assert_int_equal(c->n_last_hidden, tokens * H);
    assert_int_equal(c->n_layers_plus_1, cfg->num_hidden_layers + 1);
    assert_int_equal(c->n_hidden_states, (size_t)(cfg->num_hidden_layers + 1) * tokens * H);
    assert_int_equal(c->n_pooler, (size_t)c->batch * H);
    assert_int_equal(c->n_sop, (size_t)c->batch * 2);
    if (c->logits_rows) {
        int i;
        assert_non_null(c->logits_positions);
        assert_int_equal(c->n_logits_rows, (size_t)c->n_logit_rows * (size_t)cfg->vocab_size);
        for (i = 0; i < c->n_logit_rows; i++) assert_true(c->logits_positions[i] >= 0 && c->logits_positions[i] < c->seq);
    }
}

/* ------------------------------------------------------------------------------------------------ fixture */

typedef struct bm_model {
    char dir[64];
    char blob[128];
    albert_model *model;
    albert_context *ctx;
    const albert_config *cfg;
} bm_model;

static void convert_and_load_as(const char *name, const char *options, bm_model *bm)
{
    char log[160];
    albert_error err;
    albert_context_params cp = albert_context_default_params();
    cp.max_tokens = 512;   /* big batches (run_case_repeated) */
    memset(bm, 0, sizeof *bm);
    strcpy(bm->dir, "/tmp/albert_brightmart_XXXXXX");
    assert_non_null(mkdtemp(bm->dir));
    snprintf(bm->blob, sizeof bm->blob, "%s/model.albert", bm->dir);
    snprintf(log, sizeof log, "%s/log.txt", bm->dir);
    if (run_convert(log, "%s --vocab " VOCAB " data/brightmart/%s '%s'", options, name, bm->blob) != 0) {
        char *text = (char *)tu_read_file(log, NULL);
        fail_msg("albert-convert data/brightmart/%s failed:\n%s", name, text ? text : "(no log)");
    }
    remove(log);
    if (albert_model_load(bm->blob, &bm->model, &err) != ALBERT_OK) fail_msg("load: %s", err.message);
    assert_int_equal(albert_context_create(bm->model, &cp, &bm->ctx), ALBERT_OK);
    bm->cfg = albert_model_config(bm->model);
}

static void convert_and_load(const char *name, bm_model *bm) { convert_and_load_as(name, "", bm); }

static void unload(bm_model *bm)
{
    albert_context_free(bm->ctx);
    albert_model_free(bm->model);
    remove(bm->blob);
    rmdir(bm->dir);
}

/* ------------------------------------------------------------------------------------------------ goldens */

typedef struct bm_errors {
    double embedding, layers, last, pooled, sop, mlm;
} bm_errors;

static void worst(double *into, double e) { if (e > *into) *into = e; }

/* One case, all outputs in one call; the maxima go into *err. */
static void run_case(bm_model *bm, const bm_case *c, bm_errors *err)
{
    const albert_config *cfg = bm->cfg;
    size_t tokens = (size_t)c->batch * (size_t)c->seq, H = (size_t)cfg->hidden_size, V = (size_t)cfg->vocab_size;
    size_t layer_size = tokens * H;
    albert_batch b;
    albert_outputs o;
    float *all = nan_buffer(c->n_hidden_states), *last = nan_buffer(layer_size), *pooled = nan_buffer(c->n_pooler);
    float *sop = nan_buffer(c->n_sop), *mlm = c->logits_rows ? nan_buffer(tokens * V) : NULL;
    int l, i;

    memset(&b, 0, sizeof b);
    memset(&o, 0, sizeof o);
    b.batch_size = c->batch;
    b.seq_len = c->seq;
    b.input_ids = c->input_ids;
    b.attention_mask = c->attention_mask;
    b.token_type_ids = c->token_type_ids;
    o.layer = -1;
    o.hidden = last;
    o.all_hidden = all;
    o.pooled = pooled;
    o.sop_logits = sop;
    o.mlm_logits = mlm;
    if (albert_encode_batch(bm->ctx, &b, &o) != ALBERT_OK) fail_msg("%s: %s", c->name, albert_context_last_error(bm->ctx));

    worst(&err->embedding, max_abs_error(all, c->hidden_states, layer_size));
    for (l = 1; l < c->n_layers_plus_1; l++)
        worst(&err->layers, max_abs_error(all + l * layer_size, c->hidden_states + l * layer_size, layer_size));
    worst(&err->last, max_abs_error(last, c->last_hidden_state, layer_size));
    worst(&err->pooled, max_abs_error(pooled, c->pooler_output, c->n_pooler));
    worst(&err->sop, max_abs_error(sop, c->sop_logits, c->n_sop));
    for (i = 0; mlm && i < c->n_logit_rows; i++)
        worst(&err->mlm, max_abs_error(mlm + (size_t)c->logits_positions[i] * V, c->logits_rows + (size_t)i * V, V));
    free(all); free(last); free(pooled); free(sop); free(mlm);
}

/* skip_padding: the real tokens get the golden values, padding rows 0; pooled / SOP as without it. */
static double run_case_skip_padding(bm_model *bm, const bm_case *c)
{
    size_t tokens = (size_t)c->batch * (size_t)c->seq, H = (size_t)bm->cfg->hidden_size, t;
    albert_batch b;
    albert_outputs o;
    float *last = nan_buffer(tokens * H), *pooled = nan_buffer(c->n_pooler), *sop = nan_buffer(c->n_sop);
    double e = 0.0;
    memset(&b, 0, sizeof b);
    memset(&o, 0, sizeof o);
    b.batch_size = c->batch;
    b.seq_len = c->seq;
    b.input_ids = c->input_ids;
    b.attention_mask = c->attention_mask;
    b.token_type_ids = c->token_type_ids;
    b.skip_padding = 1;
    o.layer = -1;
    o.hidden = last;
    o.pooled = pooled;
    o.sop_logits = sop;
    assert_int_equal(albert_encode_batch(bm->ctx, &b, &o), ALBERT_OK);
    for (t = 0; t < tokens; t++) {
        if (c->attention_mask[t]) worst(&e, max_abs_error(last + t * H, c->last_hidden_state + t * H, H));
        else { size_t j; for (j = 0; j < H; j++) assert_true(last[t * H + j] == 0.0f); }
    }
    worst(&e, max_abs_error(pooled, c->pooler_output, c->n_pooler));
    worst(&e, max_abs_error(sop, c->sop_logits, c->n_sop));
    free(last); free(pooled); free(sop);
    return e;
}

/* The case `copies` times in one batch (more than ALBERT__FFN_ROWS and ALBERT__GROUP_TOKENS tokens): with every
   layer requested it runs as one batch (the feed-forward in several row blocks), without in groups of sequences. */
static double run_case_repeated(bm_model *bm, const bm_case *c, int copies, int every_layer)
{
    size_t n = (size_t)c->batch * (size_t)c->seq, H = (size_t)bm->cfg->hidden_size, layer = n * H, L1;
    size_t k, l;
    int32_t *ids = (int32_t *)malloc(n * copies * sizeof(int32_t)), *mask = (int32_t *)malloc(n * copies * sizeof(int32_t));
    int32_t *types = (int32_t *)malloc(n * copies * sizeof(int32_t));
    float *last = nan_buffer(layer * copies), *pooled = nan_buffer(c->n_pooler * copies);
    float *sop = nan_buffer(c->n_sop * copies), *all = NULL;
    albert_batch b;
    albert_outputs o;
    double e = 0.0;
    assert_true(ids && mask && types);
    L1 = (size_t)c->n_layers_plus_1;
    if (every_layer) all = nan_buffer(L1 * layer * copies);
    for (k = 0; k < (size_t)copies; k++) {
        memcpy(ids + k * n, c->input_ids, n * sizeof(int32_t));
        memcpy(mask + k * n, c->attention_mask, n * sizeof(int32_t));
        memcpy(types + k * n, c->token_type_ids, n * sizeof(int32_t));
    }
    memset(&b, 0, sizeof b);
    memset(&o, 0, sizeof o);
    b.batch_size = c->batch * copies;
    b.seq_len = c->seq;
    b.input_ids = ids;
    b.attention_mask = mask;
    b.token_type_ids = types;
    o.layer = -1;
    o.hidden = last;
    o.all_hidden = all;
    o.pooled = pooled;
    o.sop_logits = sop;
    assert_int_equal(albert_encode_batch(bm->ctx, &b, &o), ALBERT_OK);
    for (k = 0; k < (size_t)copies; k++) {
        worst(&e, max_abs_error(last + k * layer, c->last_hidden_state, layer));
        worst(&e, max_abs_error(pooled + k * c->n_pooler, c->pooler_output, c->n_pooler));
        worst(&e, max_abs_error(sop + k * c->n_sop, c->sop_logits, c->n_sop));
        for (l = 0; all && l < L1; l++)   /* all_hidden is [(L+1) x copies*B x S x H] */
            worst(&e, max_abs_error(all + (l * copies + k) * layer, c->hidden_states + l * layer, layer));
    }
    free(ids); free(mask); free(types); free(last); free(pooled); free(sop); free(all);
    return e;
}

static void check_golden(const char *name, int pre_ln, int layers)
{
    bm_model bm;
    bm_cases bc;
    bm_errors err;
    double skip = 0.0, big = 0.0;
    int i, padded = 0;

    convert_and_load(name, &bm);
    assert_int_equal(bm.cfg->architecture, ALBERT_ARCH_BRIGHTMART);
    assert_int_equal(bm.cfg->pre_layer_norm, pre_ln);
    assert_int_equal(bm.cfg->num_hidden_layers, layers);
    assert_int_equal(bm.cfg->hidden_act, ALBERT_ACT_GELU_TANH);
    assert_true(bm.cfg->has_pooler && bm.cfg->has_mlm && bm.cfg->has_sop && !bm.cfg->has_classifier);
    load_cases(name, &bc);
    memset(&err, 0, sizeof err);
    for (i = 0; i < bc.n_cases; i++) {
        const bm_case *c = &bc.cases[i];
        int t;
        check_case_shapes(c, bm.cfg);
        run_case(&bm, c, &err);
        for (t = 0; t < c->batch * c->seq; t++) padded |= !c->attention_mask[t];
        worst(&skip, run_case_skip_padding(&bm, c));
        if (c->batch * c->seq * 6 <= 512) {   /* what the context holds (cp.max_tokens) */
            worst(&big, run_case_repeated(&bm, c, 6, 1));
            worst(&big, run_case_repeated(&bm, c, 6, 0));
        }
    }
    assert_true(padded);                        /* b3_pad exercises the mask */
    assert_non_null(bc.cases[0].logits_rows);   /* and b1_short the MLM head */
    printf("# max_err brightmart %s: embedding_output %.3g, layers %.3g, last_hidden_state %.3g, pooler %.3g, "
           "sop %.3g, mlm %.3g; skip_padding %.3g, big batches %.3g\n", name, err.embedding, err.layers, err.last,
           err.pooled, err.sop, err.mlm, skip, big);
    assert_true(err.embedding <= TOLERANCE);
    assert_true(err.layers <= TOLERANCE);
    assert_true(err.last <= TOLERANCE);
    assert_true(err.pooled <= TOLERANCE);
    assert_true(err.sop <= TOLERANCE);
    assert_true(err.mlm <= TOLERANCE);
    assert_true(skip <= TOLERANCE);
    assert_true(big <= TOLERANCE);
    free_cases(&bc);
    unload(&bm);
}

static void test_golden_postln(void **state) { (void)state; check_golden("postln", 0, 3); }

/* --dtype f16 / int8 / bf16 (the word table, both projections, the layer and head matrices compact): the last
   hidden state against the golden, with test_quant's bounds (f16: max abs error <= 1e-2 and cosine >= 0.9999 per
   token; int8: cosine >= 0.999 per token; bf16: max abs error <= 5e-2 and cosine >= 0.9999). */
static void check_compact(const char *name, const char *dtype, double max_abs, double min_cosine)
{
    bm_model bm;
    bm_cases bc;
    char options[32];
    double err = 0.0, cosine = 1.0;
    int i;
    snprintf(options, sizeof options, "--dtype %s", dtype);
    convert_and_load_as(name, options, &bm);
    load_cases(name, &bc);
    for (i = 0; i < bc.n_cases; i++) {
        const bm_case *c = &bc.cases[i];
        size_t tokens = (size_t)c->batch * (size_t)c->seq, H = (size_t)bm.cfg->hidden_size, t, j;
        float *last = nan_buffer(tokens * H);
        albert_batch b;
        albert_outputs o;
        memset(&b, 0, sizeof b);
        memset(&o, 0, sizeof o);
        b.batch_size = c->batch;
        b.seq_len = c->seq;
        b.input_ids = c->input_ids;
        b.attention_mask = c->attention_mask;
        b.token_type_ids = c->token_type_ids;
        o.layer = -1;
        o.hidden = last;
        assert_int_equal(albert_encode_batch(bm.ctx, &b, &o), ALBERT_OK);
        worst(&err, max_abs_error(last, c->last_hidden_state, tokens * H));
        for (t = 0; t < tokens; t++) {
            double dot = 0.0, aa = 0.0, ee = 0.0, cs;
            for (j = 0; j < H; j++) {
                double a = last[t * H + j], e = c->last_hidden_state[t * H + j];
                dot += a * e, aa += a * a, ee += e * e;
            }
            cs = dot / sqrt(aa * ee);
            if (!(cs >= cosine)) cosine = cs;
        }
        free(last);
    }
    printf("# compact brightmart %s %s: last_hidden_state max abs error %.3g, worst cosine %.6f\n", name, dtype, err,
           cosine);
    if (max_abs > 0) assert_true(err <= max_abs);
    assert_true(cosine >= min_cosine);
    free_cases(&bc);
    unload(&bm);
}

static void test_compact_weights(void **state)
{
    (void)state;
    check_compact("postln", "f16", 1e-2, 0.9999);
    check_compact("preln", "f16", 1e-2, 0.9999);
    check_compact("postln", "int8", 0, 0.999);
    check_compact("preln", "int8", 0, 0.999);
    check_compact("postln", "bf16", 5e-2, 0.9999);
    check_compact("preln", "bf16", 5e-2, 0.9999);
}
static void test_golden_preln(void **state) { (void)state; check_golden("preln", 1, 2); }

/* The real vocabulary tokenizes the golden sentence to the golden ids ([CLS] 中 国 的 首 都 是 [MASK] 京 。 [SEP]). */
static void test_tokenizer_ids(void **state)
{
    static const char text[] = "中国的首都是[MASK]京。";
    bm_model bm;
    int32_t *golden, ids[32], types[32];
    size_t size;
    albert_tokens tok;
    (void)state;
    convert_and_load("postln", &bm);
    golden = (int32_t *)tu_read_file("data/brightmart/postln/cases/b1_short.input_ids.bin", &size);
    assert_non_null(golden);
    assert_int_equal(size, 11 * 4);
    memset(&tok, 0, sizeof tok);
    tok.ids = ids;
    tok.type_ids = types;
    tok.capacity = 32;
    assert_int_equal(albert_tokenize(bm.model, text, strlen(text), NULL, 0, 32, &tok), ALBERT_OK);
    assert_int_equal(tok.n_tokens, 11);
    assert_memory_equal(ids, golden, 11 * sizeof(int32_t));
    free(golden);
    unload(&bm);
}

/* ------------------------------------------------------------------------------------------------ bad input */

/* A copy of data/brightmart/postln with albert_config.json replaced by config (NULL: kept). */
static void make_variant(const char *dir, const char *config)
{
    static const char *const files[] = {"albert_model.ckpt.index", "albert_model.ckpt.data-00000-of-00001"};
    char path[256], src[256];
    size_t i, size;
    for (i = 0; i < 2; i++) {
        void *data;
        snprintf(src, sizeof src, "data/brightmart/postln/%s", files[i]);
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        data = tu_read_file(src, &size);
        assert_non_null(data);
        assert_int_equal(tu_write_file(path, data, size), 0);
        free(data);
    }
    snprintf(path, sizeof path, "%s/albert_config.json", dir);
    assert_int_equal(tu_write_file(path, config, strlen(config)), 0);
}

static void remove_variant(const char *dir)
{
    static const char *const files[] = {"albert_model.ckpt.index", "albert_model.ckpt.data-00000-of-00001",
                                        "albert_config.json", "log.txt"};
    char path[256];
    size_t i;
    for (i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        remove(path);
    }
    assert_int_equal(count_files(dir), 0);
    rmdir(dir);
}

/* The converter must fail, name the problem (every string of `expect`), and leave only the files it found. */
static void expect_convert_error(const char *config, const char *const *expect, int n_expect)
{
    char dir[64], log[128], *text;
    int i;
    strcpy(dir, "/tmp/albert_brightmart_bad_XXXXXX");
    assert_non_null(mkdtemp(dir));
    make_variant(dir, config);
    snprintf(log, sizeof log, "%s/log.txt", dir);
    assert_int_equal(run_convert(log, "-q --vocab " VOCAB " '%s' '%s/out.albert'", dir, dir), 1);
    text = (char *)tu_read_file(log, NULL);
    assert_non_null(text);
    printf("# %s", text ? text : "");
    assert_non_null(strstr(text, "error"));
    for (i = 0; i < n_expect; i++)
        if (!strstr(text, expect[i])) fail_msg("the message does not say \"%s\":\n%s", expect[i], text);
    free(text);
    assert_int_equal(count_files(dir), 4);   /* the checkpoint, the config and log.txt: no out.albert, no temp file */
    remove_variant(dir);
}

static char *postln_config_with(const char *from, const char *to)
{
    char *config = (char *)tu_read_file("data/brightmart/postln/albert_config.json", NULL), *hit, *out;
    assert_non_null(config);
    hit = strstr(config, from);
    assert_non_null(hit);
    out = (char *)malloc(strlen(config) + strlen(to) + 1);
    assert_non_null(out);
    memcpy(out, config, (size_t)(hit - config));
    strcpy(out + (hit - config), to);
    strcat(out, hit + strlen(from));
    free(config);
    return out;
}

static void test_config_hidden_size_disagrees(void **state)
{
    static const char *const expect[] = {"word_embeddings_2", "[16, 32]", "expected [16, 64]"};
    char *config = postln_config_with("\"hidden_size\": 32", "\"hidden_size\": 64");
    (void)state;
    expect_convert_error(config, expect, 3);
    free(config);
}

static void test_config_embedding_size_disagrees(void **state)
{
    static const char *const expect[] = {"bert/embeddings/word_embeddings", "[21128, 16]", "expected [21128, 8]"};
    char *config = postln_config_with("\"embedding_size\": 16", "\"embedding_size\": 8");
    (void)state;
    expect_convert_error(config, expect, 3);
    free(config);
}

static void test_config_intermediate_size_disagrees(void **state)
{
    static const char *const expect[] = {"intermediate/dense", "expected [40, 32]"};
    char *config = postln_config_with("\"intermediate_size\": 37", "\"intermediate_size\": 40");
    (void)state;
    expect_convert_error(config, expect, 2);
    free(config);
}

static void test_config_max_position_disagrees(void **state)
{
    static const char *const expect[] = {"position_embeddings", "[64, 32]", "expected [512, 32]"};
    char *config = postln_config_with("\"max_position_embeddings\": 64", "\"max_position_embeddings\": 512");
    (void)state;
    expect_convert_error(config, expect, 3);
    free(config);
}

static void test_config_without_ln_type(void **state)
{
    static const char *const expect[] = {"ln_type", "brightmart"};
    char *config = postln_config_with(",\n  \"ln_type\": \"postln\"", "");
    (void)state;
    expect_convert_error(config, expect, 2);
    free(config);
}

/* ------------------------------------------------------------------------------------------------ config reader */

static int parse_config(const char *json, blob_config *c, char *notes, char *err)
{
    memset(c, 0, sizeof *c);
    c->tokenizer_kind = 2;   /* left alone */
    return bm_parse_config(json, strlen(json), "cfg.json", c, notes, err);
}

static void expect_config_error(const char *json, const char *message)
{
    blob_config c;
    char notes[CK_ERR_LEN], err[CK_ERR_LEN];
    err[0] = 0;
    assert_int_equal(parse_config(json, &c, notes, err), -1);
    if (!strstr(err, message)) fail_msg("%s: message \"%s\" does not say \"%s\"", json, err, message);
}

/* The golden configs: their values, BertConfig's defaults for what is missing, ln_type and hidden_act as
   brightmart's modeling.py reads them. */
static void test_config_reader(void **state)
{
    blob_config c;
    char notes[CK_ERR_LEN], err[CK_ERR_LEN];
    char *text = (char *)tu_read_file("data/brightmart/preln/albert_config.json", NULL);
    (void)state;
    assert_non_null(text);
    assert_int_equal(parse_config(text, &c, notes, err), 0);
    free(text);
    assert_int_equal(c.vocab_size, 21128);
    assert_int_equal(c.embedding_size, 24);
    assert_int_equal(c.hidden_size, 48);
    assert_int_equal(c.num_hidden_layers, 2);
    assert_int_equal(c.num_attention_heads, 6);
    assert_int_equal(c.intermediate_size, 50);
    assert_int_equal(c.max_position_embeddings, 32);
    assert_int_equal(c.type_vocab_size, 2);
    assert_int_equal(c.hidden_act, ALBERT_ACT_GELU_TANH);   /* their gelu is the tanh form */
    assert_true(c.layer_norm_eps == 1e-12f);
    assert_int_equal(c.architecture, ALBERT_ARCH_BRIGHTMART);
    assert_int_equal(c.brightmart_flags, 1);
    assert_int_equal(c.num_hidden_groups, 1);
    assert_int_equal(c.inner_group_num, 1);
    assert_int_equal(c.tokenizer_kind, 2);
    assert_string_equal(notes, "");

    /* BertConfig's defaults (modeling.py:34-45) for absent keys; ln_type null is post-LN */
    assert_int_equal(parse_config("{\"vocab_size\": 100, \"embedding_size\": 8, \"ln_type\": null}", &c, notes, err), 0);
    assert_int_equal(c.hidden_size, 768);
    assert_int_equal(c.num_hidden_layers, 12);
    assert_int_equal(c.num_attention_heads, 12);
    assert_int_equal(c.intermediate_size, 3072);
    assert_int_equal(c.max_position_embeddings, 512);
    assert_int_equal(c.type_vocab_size, 16);
    assert_int_equal(c.hidden_act, ALBERT_ACT_GELU_TANH);
    assert_int_equal(c.brightmart_flags, 0);
    /* any ln_type other than "postln" selects prelln_transformer_model (with a note); get_activation's names */
    assert_int_equal(parse_config("{\"vocab_size\": 100, \"embedding_size\": 8, \"ln_type\": \"PostLN\", "
                                  "\"hidden_act\": \"ReLU\"}", &c, notes, err), 0);
    assert_int_equal(c.brightmart_flags, 1);
    assert_non_null(strstr(notes, "pre-LN"));
    assert_int_equal(c.hidden_act, ALBERT_ACT_RELU);
    assert_int_equal(parse_config("{\"vocab_size\": 100, \"embedding_size\": 8, \"ln_type\": \"postln\", "
                                  "\"hidden_act\": \"\", \"num_hidden_groups\": 4}", &c, notes, err), 0);
    assert_int_equal(c.hidden_act, ALBERT_ACT_LINEAR);   /* "" -> None: no activation */
    assert_int_equal(c.num_hidden_groups, 1);           /* ignored by their graph, with a note */
    assert_non_null(strstr(notes, "num_hidden_groups = 4 is ignored"));
    assert_int_equal(parse_config("{\"vocab_size\": 100, \"embedding_size\": 8, \"ln_type\": \"postln\", "
                                  "\"hidden_act\": \"tanh\", \"hidden_size\": 48.0}", &c, notes, err), 0);
    assert_int_equal(c.hidden_act, ALBERT_ACT_TANH);
    assert_int_equal(c.hidden_size, 48);
}

static void test_config_reader_errors(void **state)
{
    (void)state;
    expect_config_error("{\"vocab_size\": 100, \"embedding_size\": 8", "not valid JSON");
    expect_config_error("[1, 2]", "expected a JSON object");
    expect_config_error("{\"embedding_size\": 8, \"ln_type\": \"postln\"}", "needs \"vocab_size\"");
    expect_config_error("{\"vocab_size\": 100, \"ln_type\": \"postln\"}", "needs \"embedding_size\"");
    expect_config_error("{\"vocab_size\": 100, \"embedding_size\": 8}", "needs \"ln_type\"");
    expect_config_error("{\"vocab_size\": 100, \"embedding_size\": null, \"ln_type\": \"postln\"}", "is null");
    expect_config_error("{\"vocab_size\": 100, \"embedding_size\": 8, \"ln_type\": 1}", "\"ln_type\" must be a string");
    expect_config_error("{\"vocab_size\": 100, \"embedding_size\": 8, \"ln_type\": \"postln\", \"hidden_size\": 100}",
                        "does not divide hidden_size");
    expect_config_error("{\"vocab_size\": 100, \"embedding_size\": 8, \"ln_type\": \"postln\", \"hidden_act\": \"swish\"}",
                        "unknown hidden_act \"swish\"");
    expect_config_error("{\"vocab_size\": 100, \"embedding_size\": 8, \"ln_type\": \"postln\", \"hidden_act\": 3}",
                        "must be a string");
    expect_config_error("{\"vocab_size\": 0, \"embedding_size\": 8, \"ln_type\": \"postln\"}", "out of range");
    expect_config_error("{\"vocab_size\": 100, \"embedding_size\": 8.5, \"ln_type\": \"postln\"}", "must be an integer");
    expect_config_error("{\"vocab_size\": 100, \"embedding_size\": 8, \"ln_type\": \"postln\", "
                        "\"num_hidden_layers\": 100000}", "out of range");
}

/* ------------------------------------------------------------------------------------------------ loader */

static uint8_t *blob_copy(const char *path, size_t *size)
{
    void *data = tu_read_file(path, size), *aligned = NULL;
    assert_non_null(data);
    assert_int_equal(posix_memalign(&aligned, 64, *size), 0);
    memcpy(aligned, data, *size);
    free(data);
    return (uint8_t *)aligned;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

static void expect_load_error(const uint8_t *b, size_t size, const char *message)
{
    albert_model *model = NULL;
    albert_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(albert_model_load_memory(b, size, &model, &err), ALBERT_ERR_FORMAT);
    assert_null(model);
    if (!strstr(err.message, message)) fail_msg("message \"%s\" does not say \"%s\"", err.message, message);
}

/* Every brightmart header byte is checked: architecture, its flags, the reserved word after them. */
static void test_loader_header(void **state)
{
    bm_model bm;
    size_t size;
    uint8_t *b, *good;
    albert_model *model = NULL;
    albert_error err;
    (void)state;
    convert_and_load("preln", &bm);
    good = blob_copy(bm.blob, &size);
    b = blob_copy(bm.blob, &size);   /* 64-byte aligned, as albert_model_load_memory wants */
    assert_int_equal(good[160], 1);   /* architecture 1 */
    assert_int_equal(good[164], 1);   /* pre-LN */
    assert_int_equal(albert_model_load_memory(good, size, &model, &err), ALBERT_OK);
    albert_model_free(model);

    memcpy(b, good, size); put_u32(b + 160, 2);
    expect_load_error(b, size, "unknown architecture 2");
    memcpy(b, good, size); put_u32(b + 164, 3);
    expect_load_error(b, size, "unknown brightmart flags");
    memcpy(b, good, size); put_u32(b + 160, 0);   /* pre-LN flag on Google's graph */
    expect_load_error(b, size, "brightmart flags 0x1 in a file of architecture 0");
    memcpy(b, good, size); put_u32(b + 160, 0); put_u32(b + 164, 0);   /* the tensors are brightmart-shaped */
    expect_load_error(b, size, "emb.pos");
    memcpy(b, good, size); b[168] = 1;
    expect_load_error(b, size, "reserved header byte 168");
    memcpy(b, good, size); b[171] = 1;
    expect_load_error(b, size, "reserved header byte 171");
    free(b);
    free(good);
    unload(&bm);
}

/* Renames the directory entry `name` in blob b (names are NUL-padded to 32 bytes). */
static void rename_tensor(uint8_t *b, const char *name, const char *to)
{
    uint64_t dir = 0;
    uint32_t n = 0, i;
    int k;
    for (k = 7; k >= 0; k--) dir = dir << 8 | b[24 + k];
    for (k = 3; k >= 0; k--) n = n << 8 | b[32 + k];
    for (i = 0; i < n; i++) {
        uint8_t *e = b + dir + (uint64_t)i * 80;
        if (strncmp((const char *)e, name, 32) == 0) {
            assert_true(strlen(to) < 32);
            memset(e, 0, 32);
            memcpy(e, to, strlen(to));
            return;
        }
    }
    fail_msg("no tensor %s", name);
}

/* The brightmart MLM head needs bm.mlm.proj.w; a projection bias is refused (brightmart has none). */
static void test_loader_tensors(void **state)
{
    bm_model bm;
    size_t size;
    uint8_t *b, *good;
    (void)state;
    convert_and_load("postln", &bm);
    good = blob_copy(bm.blob, &size);
    b = blob_copy(bm.blob, &size);   /* 64-byte aligned, as albert_model_load_memory wants */
    memcpy(b, good, size);
    rename_tensor(b, "bm.mlm.proj.w", "bm.mlm.proj.x");
    expect_load_error(b, size, "masked-LM head is incomplete");
    memcpy(b, good, size);
    rename_tensor(b, "sop.b", "proj.b");   /* refused before the (now incomplete) SOP head is looked at */
    expect_load_error(b, size, "proj.b in a brightmart file");
    free(b);
    free(good);
    unload(&bm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_postln),
        cmocka_unit_test(test_golden_preln),
        cmocka_unit_test(test_compact_weights),
        cmocka_unit_test(test_tokenizer_ids),
        cmocka_unit_test(test_config_hidden_size_disagrees),
        cmocka_unit_test(test_config_embedding_size_disagrees),
        cmocka_unit_test(test_config_intermediate_size_disagrees),
        cmocka_unit_test(test_config_max_position_disagrees),
        cmocka_unit_test(test_config_without_ln_type),
        cmocka_unit_test(test_config_reader),
        cmocka_unit_test(test_config_reader_errors),
        cmocka_unit_test(test_loader_header),
        cmocka_unit_test(test_loader_tensors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

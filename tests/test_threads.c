/* test_threads.c - one loaded model shared by many threads, each with its own context, encoding different inputs
   at the same time: every result must be bit-identical to a single-threaded run with the same context settings.
   Also: contexts with their own worker threads used concurrently, and models loaded and freed concurrently.
   (.ci/run also builds this test with -fsanitize=thread.) Run with tests/ as the working directory. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
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

#define N_INPUTS 12
#define N_WORKERS 8
#define N_ROUNDS 3

/* ALBERT_TEST_LIGHT=1 (set by `make valgrind`, which runs threads one at a time): 1 round and at most 2 threads. */
static int light_mode(void)
{
    const char *v = getenv("ALBERT_TEST_LIGHT");
    return v && *v && strcmp(v, "0") != 0;
}

/* One batch input and the outputs a run gives for it. */
typedef struct thread_input {
    int32_t batch, seq;
    int32_t *ids, *mask, *types;
} thread_input;

typedef struct thread_outputs {
    float *hidden, *pooled, *mlm;   /* [B x S x H], [B x H], [B x S x V] (mlm NULL when the model has no MLM head) */
    size_t n_hidden, n_pooled, n_mlm;
} thread_outputs;

static char temp_dir[64];
static char blob_path[128];
static albert_model *shared_model;
static const albert_config *cfg;
static thread_input inputs[N_INPUTS];
static thread_outputs reference_1thread[N_INPUTS];   /* single-threaded run, contexts with n_threads = 1 */
static thread_outputs reference_2threads[N_INPUTS];  /* single caller, contexts with n_threads = 2 */

static void outputs_alloc(thread_outputs *o, const thread_input *in)
{
    size_t tokens = (size_t)in->batch * (size_t)in->seq;
    o->n_hidden = tokens * (size_t)cfg->hidden_size;
    o->n_pooled = (size_t)in->batch * (size_t)cfg->hidden_size;
    o->n_mlm = cfg->has_mlm ? tokens * (size_t)cfg->vocab_size : 0;
    o->hidden = (float *)calloc(o->n_hidden, sizeof(float));
    o->pooled = (float *)calloc(o->n_pooled, sizeof(float));
    o->mlm = o->n_mlm ? (float *)calloc(o->n_mlm, sizeof(float)) : NULL;
}

static void outputs_free(thread_outputs *o)
{
    free(o->hidden);
    free(o->pooled);
    free(o->mlm);
    memset(o, 0, sizeof *o);
}

static int outputs_equal(const thread_outputs *a, const thread_outputs *b)
{
    return a->hidden && b->hidden && a->pooled && b->pooled && a->n_hidden == b->n_hidden &&
           memcmp(a->hidden, b->hidden, a->n_hidden * sizeof(float)) == 0 &&
           memcmp(a->pooled, b->pooled, a->n_pooled * sizeof(float)) == 0 &&
           (a->n_mlm == 0 || memcmp(a->mlm, b->mlm, a->n_mlm * sizeof(float)) == 0);
}

static albert_result run_input(albert_context *ctx, const thread_input *in, thread_outputs *out)
{
    albert_batch b;
    albert_outputs o;
    memset(&b, 0, sizeof b);
    b.batch_size = in->batch;
    b.seq_len = in->seq;
    b.input_ids = in->ids;
    b.attention_mask = in->mask;
    b.token_type_ids = in->types;
    memset(&o, 0, sizeof o);
    o.layer = -1;
    o.hidden = out->hidden;
    o.pooled = out->pooled;
    o.mlm_logits = out->mlm;
    return albert_encode_batch(ctx, &b, &o);
}

/* Deterministic pseudo-random numbers (a 32-bit LCG). */
static uint32_t next_random(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return *state >> 8;
}

static void make_inputs(void)
{
    uint32_t rng = 12345u;
    int i, t;
    for (i = 0; i < N_INPUTS; i++) {
        thread_input *in = &inputs[i];
        int32_t n;
        in->batch = 1 + i % 3;
        in->seq = 1 + (int32_t)(next_random(&rng) % (uint32_t)cfg->max_position_embeddings);
        n = in->batch * in->seq;
        in->ids = (int32_t *)malloc(sizeof(int32_t) * (size_t)n);
        in->mask = (int32_t *)malloc(sizeof(int32_t) * (size_t)n);
        in->types = (int32_t *)malloc(sizeof(int32_t) * (size_t)n);
        for (t = 0; t < n; t++) {
            int32_t position = t % in->seq, row_length = in->seq - (t / in->seq) % 3;   /* some rows padded */
            in->ids[t] = (int32_t)(next_random(&rng) % (uint32_t)cfg->vocab_size);
            in->mask[t] = position < row_length || position == 0;
            in->types[t] = (int32_t)(position >= in->seq / 2 ? next_random(&rng) % (uint32_t)cfg->type_vocab_size : 0);
        }
    }
}

static int make_references(int n_threads, thread_outputs *refs)
{
    albert_context *ctx;
    albert_context_params cp = albert_context_default_params();
    int i;
    cp.n_threads = n_threads;
    cp.max_tokens = 3 * cfg->max_position_embeddings;
    if (albert_context_create(shared_model, &cp, &ctx) != ALBERT_OK) return -1;
    for (i = 0; i < N_INPUTS; i++) {
        outputs_alloc(&refs[i], &inputs[i]);
        if (run_input(ctx, &inputs[i], &refs[i]) != ALBERT_OK) {
            printf("# reference run of input %d: %s\n", i, albert_context_last_error(ctx));
            albert_context_free(ctx);
            return -1;
        }
    }
    albert_context_free(ctx);
    return 0;
}

static int group_setup(void **state)
{
    albert_error err;
    (void)state;
    strcpy(temp_dir, "/tmp/albert_threads_XXXXXX");
    if (!mkdtemp(temp_dir)) return -1;
    snprintf(blob_path, sizeof blob_path, "%s/groups.albert", temp_dir);
    if (tu_convert("data/models/groups", blob_path) != 0) return -1;
    if (albert_model_load(blob_path, &shared_model, &err) != ALBERT_OK) {
        printf("# albert_model_load: %s\n", err.message);
        return -1;
    }
    cfg = albert_model_config(shared_model);
    make_inputs();
    if (make_references(1, reference_1thread) != 0 || make_references(2, reference_2threads) != 0) return -1;
    return 0;
}

static int group_teardown(void **state)
{
    int i;
    (void)state;
    for (i = 0; i < N_INPUTS; i++) {
        free(inputs[i].ids);
        free(inputs[i].mask);
        free(inputs[i].types);
        outputs_free(&reference_1thread[i]);
        outputs_free(&reference_2threads[i]);
    }
    albert_model_free(shared_model);
    remove(blob_path);
    rmdir(temp_dir);
    return 0;
}

/* ------------------------------------------------------------------------------------------------ workers */

typedef struct worker {
    pthread_t thread;
    int index;
    int n_threads;                 /* the context's own worker threads */
    int load_own_model;            /* load (and free) a private model from the file instead of the shared one */
    const thread_outputs *refs;
    int runs, mismatches, errors;  /* results, read by the main thread after join */
    char first_error[320];
} worker;

static void *worker_main(void *arg)
{
    worker *w = (worker *)arg;
    albert_model *own = NULL;
    const albert_model *model = shared_model;
    albert_context *ctx = NULL;
    albert_context_params cp = albert_context_default_params();
    thread_outputs out[N_INPUTS];
    albert_error err;
    int round, k, n_rounds = light_mode() ? 1 : N_ROUNDS;

    memset(out, 0, sizeof out);
    if (w->load_own_model) {
        if (albert_model_load(blob_path, &own, &err) != ALBERT_OK) {
            w->errors++;
            snprintf(w->first_error, sizeof w->first_error, "load: %s", err.message);
            return NULL;
        }
        model = own;
    }
    cp.n_threads = w->n_threads;
    cp.max_tokens = 3 * cfg->max_position_embeddings;
    if (albert_context_create(model, &cp, &ctx) != ALBERT_OK) {
        w->errors++;
        snprintf(w->first_error, sizeof w->first_error, "albert_context_create failed");
        albert_model_free(own);
        return NULL;
    }
    for (k = 0; k < N_INPUTS; k++) outputs_alloc(&out[k], &inputs[k]);
    for (round = 0; round < n_rounds; round++) {
        for (k = 0; k < N_INPUTS; k++) {
            int i = (k * 5 + w->index * 7 + round) % N_INPUTS;   /* every worker in its own order */
            albert_result r;
            memset(out[i].hidden, 0, out[i].n_hidden * sizeof(float));
            r = run_input(ctx, &inputs[i], &out[i]);
            w->runs++;
            if (r != ALBERT_OK) {
                if (!w->errors++)
                    snprintf(w->first_error, sizeof w->first_error, "input %d: %s", i, albert_context_last_error(ctx));
            } else if (!outputs_equal(&out[i], &w->refs[i])) {
                w->mismatches++;
            }
        }
    }
    for (k = 0; k < N_INPUTS; k++) outputs_free(&out[k]);
    albert_context_free(ctx);
    albert_model_free(own);
    return NULL;
}

/* Starts n workers, joins them, and checks that every run succeeded and matched its reference. */
static void run_workers(int n, int n_threads, int load_own_model, const thread_outputs *refs, const char *what)
{
    worker workers[N_WORKERS];
    int i, runs = 0, mismatches = 0, errors = 0;
    if (light_mode() && n > 2) n = 2;
    assert_true(n <= N_WORKERS);
    memset(workers, 0, sizeof workers);
    for (i = 0; i < n; i++) {
        workers[i].index = i;
        workers[i].n_threads = n_threads;
        workers[i].load_own_model = load_own_model;
        workers[i].refs = refs;
        assert_int_equal(pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]), 0);
    }
    for (i = 0; i < n; i++) {
        assert_int_equal(pthread_join(workers[i].thread, NULL), 0);
        runs += workers[i].runs;
        mismatches += workers[i].mismatches;
        errors += workers[i].errors;
        if (workers[i].errors) print_error("worker %d: %s\n", i, workers[i].first_error);
    }
    print_message("# %s: %d threads, %d runs, %d errors, %d differ from the single-threaded run\n", what, n, runs,
                  errors, mismatches);
    assert_int_equal(errors, 0);
    assert_int_equal(mismatches, 0);
    assert_int_equal(runs, n * (light_mode() ? 1 : N_ROUNDS) * N_INPUTS);
}

static void test_shared_model_8_threads(void **state)
{
    (void)state;
    run_workers(8, 1, 0, reference_1thread, "shared model, contexts with 1 thread");
}

static void test_shared_model_contexts_with_pools(void **state)
{
    (void)state;
    run_workers(4, 2, 0, reference_2threads, "shared model, contexts with 2 threads each");
}

static void test_models_loaded_concurrently(void **state)
{
    (void)state;
    run_workers(4, 1, 1, reference_1thread, "a model loaded per thread");
}

/* The references themselves: the contexts' own threads do not change the result beyond float rounding. */
static void test_pool_size_rounding(void **state)
{
    int i;
    double worst = 0.0;
    (void)state;
    for (i = 0; i < N_INPUTS; i++) {
        size_t j;
        for (j = 0; j < reference_1thread[i].n_hidden; j++) {
            double d = (double)reference_1thread[i].hidden[j] - (double)reference_2threads[i].hidden[j];
            if (d < 0) d = -d;
            if (d != d) d = 1e30;
            if (d > worst) worst = d;
        }
    }
    print_message("# n_threads 1 vs 2: hidden max_diff %.3g\n", worst);
    assert_true(worst <= 1e-5);
}

/* albert_context_memory: what the manual's MEMORY section states, for the golden tiny model's shape: the
   activations 4 T (E + 5 H) + 4 min(T, 128) I + 12 T bytes and 4 MB of packed inputs, plus per thread some
   attention scratch (the manual's ~4 (hd S + 66 S + S round64(hd)) bytes, given at most 64 KB of slack). */
static void test_context_memory(void **state)
{
    const albert_config *c = albert_model_config(shared_model);
    static const int32_t token_counts[] = {1, 64, 1000};
    size_t i, E = (size_t)c->embedding_size, H = (size_t)c->hidden_size, I = (size_t)c->intermediate_size;
    size_t hd = H / (size_t)c->num_attention_heads, hd64 = (hd + 63) / 64 * 64;
    int threads;
    (void)state;
    assert_int_equal(albert_context_memory(NULL), 0);
    for (threads = 1; threads <= 3; threads += 2)
        for (i = 0; i < sizeof token_counts / sizeof token_counts[0]; i++) {
            albert_context *ctx;
            albert_context_params p = albert_context_default_params();
            size_t T = (size_t)token_counts[i], S = T < (size_t)c->max_position_embeddings ? T : (size_t)c->max_position_embeddings;
            size_t activations = 4 * T * (E + 5 * H) + 4 * ((T < 128 ? T : 128) + 63) / 64 * 64 * I + 12 * T, packed = (size_t)4 << 20;
            size_t attention = 4 * (hd * ((S + 63) / 64 * 64) + 66 * S + S * hd64) * (size_t)threads, memory;
            p.max_tokens = (int32_t)T;
            p.n_threads = threads;
            assert_int_equal(albert_context_create(shared_model, &p, &ctx), ALBERT_OK);
            memory = albert_context_memory(ctx);
            print_message("# context of %d tokens, %d threads: %zu bytes (activations %zu + packed %zu + attention ~%zu)\n",
                          (int)T, threads, memory, activations, packed, attention);
            assert_true(memory >= activations + packed + attention);
            assert_true(memory <= activations + packed + attention + (size_t)threads * 65536);
            albert_context_free(ctx);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool_size_rounding),
        cmocka_unit_test(test_context_memory),
        cmocka_unit_test(test_shared_model_8_threads),
        cmocka_unit_test(test_shared_model_contexts_with_pools),
        cmocka_unit_test(test_models_loaded_concurrently),
    };
    (void)tu_write_file;   /* testutil.h's first helpers are plain static: unused ones would warn */
    (void)tu_file_exists;
    return cmocka_run_group_tests_name("threads", tests, group_setup, group_teardown);
}

/* albert-bench - forward-pass latency of albert.h on a model file.

     albert-bench MODEL [--seq 128] [--batch 1] [--threads 2] [--iters N] [--seconds 5] [--peak GFLOPS]
                        [--check DIR]

   Runs albert_encode_batch on a fixed input (the same ids as ../shared/bench/peer_ort.js: 5 + (i*7919) % 29000,
   no padding) and prints the model load time, the context's memory, peak RSS and the median latency; the last
   line is `median_ms=... gflops=... peak_pct=...`. --check DIR first runs DIR/case_s128.input_ids.bin and compares
   the last hidden state (and pooler output, if the model has a pooler) with DIR/case_s128.*.bin (<= 1e-4);
   exits 1 on a mismatch. FLOPs counted as L x T x (8H^2 + 4HI + 4SH) (matrix products only). */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#define ALBERT_IMPLEMENTATION
#include "../albert.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
#include <psapi.h> /* GetProcessMemoryInfo (Windows: windows.h is already included by albert.h) */
#else
#include <sys/resource.h>
#endif
#include <time.h>

static double now_seconds(void)
{
#ifdef _WIN32
    LARGE_INTEGER t, f;
    QueryPerformanceCounter(&t);
    QueryPerformanceFrequency(&f);
    return (double)t.QuadPart / (double)f.QuadPart;
#else
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
#endif
}

/* Resident memory in MB (Linux /proc/self/statm; -1 elsewhere). */
static double resident_mb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, resident = 0;
    if (!f) return -1.0;
    if (fscanf(f, "%ld %ld", &size, &resident) != 2) resident = -1;
    fclose(f);
    return resident < 0 ? -1.0 : (double)resident * 4096.0 / 1048576.0;
}

static double peak_rss_mb(void)
{
#ifdef _WIN32
    PROCESS_MEMORY_COUNTERS c;
    if (!GetProcessMemoryInfo(GetCurrentProcess(), &c, sizeof c)) return -1.0;
    return (double)c.PeakWorkingSetSize / 1048576.0;
#else
    struct rusage u;
    if (getrusage(RUSAGE_SELF, &u) != 0) return -1.0;
    return (double)u.ru_maxrss / 1024.0; /* Linux: kilobytes */
#endif
}

static void *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    buf = (char *)malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf && size) *size = (size_t)n;
    return buf;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : (x > y ? 1 : 0);
}

/* Runs the reference case of DIR; returns 0 if it matches. */
static int check_reference(albert_context *ctx, const albert_config *c, const char *dir)
{
    char path[1024];
    size_t ids_size = 0, hidden_size = 0, pooled_size = 0, i;
    int32_t *ids;
    float *want_hidden, *want_pooled, *hidden, *pooled;
    albert_batch batch;
    albert_outputs out;
    albert_result r;
    double worst_hidden = 0.0, worst_pooled = 0.0, worst_cos = 1.0;
    int seq;
    snprintf(path, sizeof path, "%s/case_s128.input_ids.bin", dir);
    ids = (int32_t *)read_file(path, &ids_size);
    snprintf(path, sizeof path, "%s/case_s128.last_hidden_state.bin", dir);
    want_hidden = (float *)read_file(path, &hidden_size);
    snprintf(path, sizeof path, "%s/case_s128.pooler_output.bin", dir);
    want_pooled = (float *)read_file(path, &pooled_size);
    seq = (int)(ids_size / 4);
    if (!ids || !want_hidden || seq == 0 || hidden_size != (size_t)seq * (size_t)c->hidden_size * 4) {
        fprintf(stderr, "check: cannot read the reference case in %s\n", dir);
        return 1;
    }
    hidden = (float *)malloc(hidden_size);
    pooled = (float *)malloc(sizeof(float) * (size_t)c->hidden_size);
    memset(&batch, 0, sizeof batch);
    batch.batch_size = 1;
    batch.seq_len = seq;
    batch.input_ids = ids;
    memset(&out, 0, sizeof out);
    out.layer = -1;
    out.hidden = hidden;
    out.pooled = c->has_pooler && want_pooled ? pooled : NULL;
    r = albert_encode_batch(ctx, &batch, &out);
    if (r != ALBERT_OK) {
        fprintf(stderr, "check: encode failed: %s\n", albert_context_last_error(ctx));
        return 1;
    }
    for (i = 0; i < hidden_size / 4; i++) {
        double e = fabs((double)hidden[i] - want_hidden[i]);
        if (!(e <= worst_hidden)) worst_hidden = e; /* NaN counts as worst */
    }
    for (i = 0; i < (size_t)seq; i++) {   /* the worst per-token cosine similarity */
        const float *a = hidden + i * (size_t)c->hidden_size, *b = want_hidden + i * (size_t)c->hidden_size;
        double dot = 0.0, na = 0.0, nb = 0.0, cosine;
        int h;
        for (h = 0; h < c->hidden_size; h++) {
            dot += (double)a[h] * b[h];
            na += (double)a[h] * a[h];
            nb += (double)b[h] * b[h];
        }
        cosine = dot / sqrt(na * nb);
        if (!(cosine >= worst_cos)) worst_cos = cosine;
    }
    if (out.pooled && pooled_size == sizeof(float) * (size_t)c->hidden_size)
        for (i = 0; i < (size_t)c->hidden_size; i++) {
            double e = fabs((double)pooled[i] - want_pooled[i]);
            if (!(e <= worst_pooled)) worst_pooled = e;
        }
    printf("check seq=%d max_abs_diff_hidden=%.3g max_abs_diff_pooled=%.3g min_token_cosine=%.6f %s\n", seq,
           worst_hidden, worst_pooled, worst_cos,
           worst_hidden <= 1e-4 && worst_pooled <= 1e-4 ? "OK" : "MISMATCH");
    free(ids);
    free(want_hidden);
    free(want_pooled);
    free(hidden);
    free(pooled);
    return worst_hidden <= 1e-4 && worst_pooled <= 1e-4 ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *model_path = NULL, *check_dir = NULL;
    int seq = 128, batch_size = 1, threads = 2, iters = 0, i, runs;
    double seconds = 5.0, peak = 0.0, t0, load_ms, rss_before_ctx, ctx_mb, median, flops, gflops;
    double *times;
    albert_model *model;
    albert_context *ctx;
    albert_error err;
    albert_context_params cp;
    const albert_config *c;
    int32_t *ids;
    float *hidden;
    albert_batch batch;
    albert_outputs out;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (a[0] != '-') { model_path = a; continue; }
        if (!v) { fprintf(stderr, "%s needs a value\n", a); return 2; }
        if (!strcmp(a, "--seq")) seq = atoi(v);
        else if (!strcmp(a, "--batch")) batch_size = atoi(v);
        else if (!strcmp(a, "--threads")) threads = atoi(v);
        else if (!strcmp(a, "--iters")) iters = atoi(v);
        else if (!strcmp(a, "--seconds")) seconds = atof(v);
        else if (!strcmp(a, "--peak")) peak = atof(v);
        else if (!strcmp(a, "--check")) check_dir = v;
        else { fprintf(stderr, "unknown option %s\n", a); return 2; }
        i++;
    }
    if (!model_path || seq < 1 || batch_size < 1 || threads < 0) {
        fprintf(stderr, "usage: albert-bench MODEL [--seq 128] [--batch 1] [--threads 2] [--iters N] [--seconds 5]"
                        " [--peak GFLOPS] [--check DIR]\n");
        return 2;
    }

    t0 = now_seconds();
    if (albert_model_load(model_path, &model, &err) != ALBERT_OK) {
        fprintf(stderr, "%s: %s\n", model_path, err.message);
        return 1;
    }
    load_ms = (now_seconds() - t0) * 1e3;
    c = albert_model_config(model);
    rss_before_ctx = resident_mb();
    cp = albert_context_default_params();
    cp.max_tokens = seq * batch_size > 128 ? seq * batch_size : 128;
    cp.n_threads = threads;
    if (albert_context_create(model, &cp, &ctx) != ALBERT_OK) {
        fprintf(stderr, "cannot create the context\n");
        return 1;
    }
    ctx_mb = resident_mb() - rss_before_ctx;
    printf("model %s: load_ms=%.2f  H=%d L=%d I=%d  context (max_tokens %d, %d threads): scratch_mb=%.1f "
           "(+%.1f MB resident before use)\n",
           model_path, load_ms, c->hidden_size, c->num_hidden_layers, c->intermediate_size, cp.max_tokens, threads,
           (double)albert_context_memory(ctx) / 1048576.0, ctx_mb);
    if (check_dir && check_reference(ctx, c, check_dir) != 0) return 1;

    ids = (int32_t *)malloc(sizeof(int32_t) * (size_t)seq * batch_size);
    hidden = (float *)malloc(sizeof(float) * (size_t)seq * batch_size * (size_t)c->hidden_size);
    if (!ids || !hidden) return 1;
    for (i = 0; i < seq * batch_size; i++) ids[i] = (5 + (int32_t)(((int64_t)i * 7919) % 29000)) % c->vocab_size;
    memset(&batch, 0, sizeof batch);
    batch.batch_size = batch_size;
    batch.seq_len = seq;
    batch.input_ids = ids;
    memset(&out, 0, sizeof out);
    out.layer = -1;
    out.hidden = hidden;

    for (i = 0; i < 2; i++) /* warm-up */
        if (albert_encode_batch(ctx, &batch, &out) != ALBERT_OK) {
            fprintf(stderr, "encode failed: %s\n", albert_context_last_error(ctx));
            return 1;
        }
    times = (double *)malloc(sizeof(double) * 100000);
    if (!times) return 1;
    t0 = now_seconds();
    for (runs = 0; runs < 100000; runs++) {
        double t = now_seconds();
        if (iters > 0 ? runs >= iters : (runs >= 5 && t - t0 >= seconds)) break;
        albert_encode_batch(ctx, &batch, &out);
        times[runs] = (now_seconds() - t) * 1e3;
    }
    qsort(times, (size_t)runs, sizeof(double), compare_doubles);
    median = times[runs / 2];
    flops = (double)c->num_hidden_layers * seq * batch_size *
            (8.0 * c->hidden_size * c->hidden_size + 4.0 * c->hidden_size * c->intermediate_size +
             4.0 * seq * c->hidden_size);
    gflops = flops / (median * 1e-3) / 1e9;
    printf("seq=%d batch=%d threads=%d runs=%d min_ms=%.2f peak_rss_mb=%.1f\n", seq, batch_size, threads, runs, times[0],
           peak_rss_mb());
    if (peak > 0) printf("median_ms=%.2f gflops=%.1f peak_pct=%.1f\n", median, gflops, 100.0 * gflops / peak);
    else printf("median_ms=%.2f gflops=%.1f\n", median, gflops);
    free(times);
    free(ids);
    free(hidden);
    albert_context_free(ctx);
    albert_model_free(model);
    return 0;
}

/* test_kernels.c - every compute kernel (scalar, AVX2, AVX-512 where the CPU has them) against plain
   double-precision references on random data of ALBERT-like and odd shapes, and the thread pool. */
#include <float.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#ifdef TEST_KERNELS_MINI_CMOCKA
/* A stand-in for the few cmocka calls used here, for cross builds that have no cmocka library (the AArch64 NEON
   check under qemu: aarch64-linux-gnu-gcc -static -DTEST_KERNELS_MINI_CMOCKA ...). A failure exits with 1. */
#include <stdio.h>
#include <stdlib.h>
struct CMUnitTest {
    const char *name;
    void (*test_func)(void **state);
};
#define cmocka_unit_test(f) { #f, f }
#define print_error(...) fprintf(stderr, __VA_ARGS__)
#define fail() (fprintf(stderr, "%s:%d: failed\n", __FILE__, __LINE__), exit(1))
#define assert_true(c) ((c) ? (void)0 : (fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #c), exit(1)))
#define assert_non_null(p) assert_true((p) != NULL)
#define assert_int_equal(a, b) assert_true((a) == (b))
#define cmocka_run_group_tests(tests, setup, teardown) mini_cmocka_run(tests, sizeof tests / sizeof tests[0])
static int mini_cmocka_run(const struct CMUnitTest *tests, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        printf("[ RUN      ] %s\n", tests[i].name);
        tests[i].test_func(NULL);
        printf("[       OK ] %s\n", tests[i].name);
    }
    printf("[  PASSED  ] %d test(s).\n", (int)n);
    return 0;
}
#else
#include <cmocka.h>
#endif
#define ALBERT_IMPLEMENTATION
#include "albert.h"
#include "testutil.h"

/* ---------------------------------------------------------------- helpers */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static float rnd(void) { return tu_rnd(&rng_state); } /* uniform in [-1, 1) */
static float *rnd_array(size_t n, float scale)
{
    float *a = (float *)malloc(sizeof(float) * (n ? n : 1));
    size_t i;
    assert_non_null(a);
    for (i = 0; i < n; i++) a[i] = rnd() * scale;
    return a;
}
/* Compares got to want (double) with |got - want| <= abs_tol + rel_tol * |want|; returns the worst error. */
static double check_close(const float *got, const double *want, size_t n, double abs_tol, double rel_tol, const char *what)
{
    size_t i;
    double worst = 0.0;
    for (i = 0; i < n; i++) {
        double e = fabs((double)got[i] - want[i]);
        if (e > worst) worst = e;
        if (!(e <= abs_tol + rel_tol * fabs(want[i]))) {
            print_error("%s: element %zu: got %.9g want %.9g\n", what, i, (double)got[i], want[i]);
            fail();
        }
    }
    return worst;
}

static double ref_act(double x, int act)
{
    switch (act) {
    case ALBERT_ACT_GELU: return 0.5 * x * (1.0 + erf(x / sqrt(2.0)));
    case ALBERT_ACT_GELU_TANH: return 0.5 * x * (1.0 + tanh(sqrt(2.0 / 3.14159265358979323846) * (x + 0.044715 * x * x * x)));
    case ALBERT_ACT_RELU: return x > 0 ? x : 0;
    case ALBERT_ACT_SILU: return x / (1.0 + exp(-x));
    case ALBERT_ACT_QUICK_GELU: return x / (1.0 + exp(-1.702 * x));
    case ALBERT_ACT_TANH: return tanh(x);
    case ALBERT_ACT_SIGMOID: return 1.0 / (1.0 + exp(-x));
    case ALBERT_ACT_RELU6: return x < 0 ? 0 : (x > 6 ? 6 : x);
    case ALBERT_ACT_MISH: return x * tanh(log1p(exp(x)));
    case ALBERT_ACT_GELU_10: {
        double g = 0.5 * x * (1.0 + erf(x / sqrt(2.0)));
        return g < -10 ? -10 : (g > 10 ? 10 : g);
    }
    case ALBERT_ACT_RELU2: return x > 0 ? x * x : 0;
    default: return x;
    }
}

/* The instruction-set levels this CPU runs (scalar always; on x86 every level up to the best one). */
static int isa_levels(int *levels)
{
    int n = 0, best = albert__detect_isa(), i;
    if (best == ALBERT__ISA_NEON || best == ALBERT__ISA_WASM) {
        levels[n++] = ALBERT__ISA_SCALAR;
        levels[n++] = best;
        return n;
    }
    for (i = ALBERT__ISA_SCALAR; i <= best; i++) levels[n++] = i;
    return n;
}
static const char *isa_name(int isa)
{
    if (isa == ALBERT__ISA_WASM) return "wasm-simd128";
    return isa == ALBERT__ISA_NEON ? "neon" : (isa == 2 ? "avx512" : (isa == 1 ? "avx2" : "scalar"));
}

/* ---------------------------------------------------------------- pool */
static void count_task(void *arg, int index, int count)
{
    int *hits = (int *)arg;
    (void)count;
    hits[index] += 1;
}

static void test_pool_runs_every_index_once(void **state)
{
    int threads, count, round;
    (void)state;
    for (threads = 1; threads <= 4; threads++) {
        albert__pool *p = albert__pool_create(threads);
        assert_non_null(p);
        for (round = 0; round < 50; round++)
            for (count = 0; count <= 9; count++) {
                int hits[9] = {0}, i;
                albert__pool_run(p, count_task, hits, count);
                for (i = 0; i < count; i++) assert_int_equal(hits[i], 1);
            }
        albert__pool_free(p);
    }
}

/* ---------------------------------------------------------------- activations */
static void test_activations_vector_match_reference(void **state)
{
    int levels[3], nl = isa_levels(levels), li, act;
    int n = 20001;
    float *x = (float *)malloc(sizeof(float) * (size_t)n), *y = (float *)malloc(sizeof(float) * (size_t)n);
    double *want = (double *)malloc(sizeof(double) * (size_t)n);
    (void)state;
    for (act = 1; act <= 12; act++) {
        int i;
        for (i = 0; i < n; i++) x[i] = -30.0f + 60.0f * (float)i / (float)(n - 1);   /* includes 0 and +-30 */
        for (i = 0; i < n; i++) want[i] = ref_act((double)x[i], act);
        for (li = 0; li < nl; li++) {
            char what[64];
            double worst;
            memcpy(y, x, sizeof(float) * (size_t)n);
            albert__activate_array(y, n, act, levels[li]);
            snprintf(what, sizeof what, "act %d %s", act, isa_name(levels[li]));
            worst = check_close(y, want, (size_t)n, 2e-6, 2e-6, what);
            assert_true(worst < 1e-4);
        }
    }
    free(x);
    free(y);
    free(want);
}

#ifdef ALBERT__X86_SIMD
/* y = e^x over n floats (a multiple of 16) with albert__exp8 or albert__exp16. */
ALBERT__AVX2 static void exp8_array(const float *x, float *y, int n)
{
    int i;
    for (i = 0; i < n; i += 8) _mm256_storeu_ps(y + i, albert__exp8(_mm256_loadu_ps(x + i)));
}
ALBERT__AVX512 static void exp16_array(const float *x, float *y, int n)
{
    int i;
    for (i = 0; i < n; i += 16) _mm512_storeu_ps(y + i, albert__exp16(_mm512_loadu_ps(x + i)));
}
static void exp_array(int isa, const float *x, float *y, int n)
{
    if (isa == ALBERT__ISA_AVX512) exp16_array(x, y, n);
    else exp8_array(x, y, n);
}
#define EXP_LEVEL_FIRST ALBERT__ISA_AVX2
#define EXP_LEVEL_LAST ALBERT__ISA_AVX512
#define EXP_MAX_ULP 1.0
#elif defined(ALBERT__WASM_SIMD)
/* y = e^x over n floats (a multiple of 4) with albert__exp4 (WASM SIMD128). */
static void exp_array(int isa, const float *x, float *y, int n)
{
    int i;
    (void)isa;
    for (i = 0; i < n; i += 4) wasm_v128_store(y + i, albert__exp4(wasm_v128_load(x + i)));
}
#define EXP_LEVEL_FIRST ALBERT__ISA_WASM
#define EXP_LEVEL_LAST ALBERT__ISA_WASM
#define EXP_MAX_ULP 1.5 /* (1.23 measured) no fused multiply-add in SIMD128: each step of the polynomial rounds twice */
#endif

/* The vector e^x (x86: 8 and 16 lanes, WASM: 4) against exp() over its whole range, and its contract outside it: below -87.3
   (and for NaN) exactly 0, above 88 the value at 88, never a subnormal result. */
static void test_exp_vector_match_reference(void **state)
{
#if defined(ALBERT__X86_SIMD) || defined(ALBERT__WASM_SIMD)
    static const float special[] = {-1000.0f, -100.0f, -88.0f, -87.4f, -87.3f, -87.0f, -1e-30f, 0.0f, 1e-30f, 1.0f,
                                    87.9f,    88.0f,   88.5f,  100.0f, 1000.0f, 3e38f, -3e38f};
    int best = albert__detect_isa(), level, n = 400000, i, k; /* + 16: a multiple of 16 */
    float *x = (float *)malloc(sizeof(float) * (size_t)(n + 16)), *y = (float *)malloc(sizeof(float) * (size_t)(n + 16));
    double worst_ulp[ALBERT__ISA_WASM + 1] = {0, 0, 0, 0, 0};
    (void)state;
    assert_true(x && y);
    for (i = 0; i < n; i++) x[i] = -87.3f + (88.0f + 87.3f) * (float)i / (float)(n - 1);
    for (i = 0; i < 16; i++) x[n + i] = (float)i * 0.0625f - 0.5f;
    n += 16;
    for (level = EXP_LEVEL_FIRST; level <= best && level <= EXP_LEVEL_LAST; level++) {
        exp_array(level, x, y, n);
        for (i = 0; i < n; i++) {
            double want = exp((double)x[i]), ulp = ldexp(1.0, ilogb(want) - 23);
            double e = fabs((double)y[i] - want) / ulp;
            if (e > worst_ulp[level]) worst_ulp[level] = e;
            if (!(e <= EXP_MAX_ULP)) {
                print_error("exp %s(%.9g) = %.9g, want %.9g\n", isa_name(level), (double)x[i], (double)y[i], want);
                fail();
            }
        }
        for (k = 0; k < (int)(sizeof special / sizeof special[0]) + 1; k++) {
            float in = k < (int)(sizeof special / sizeof special[0]) ? special[k] : (float)NAN, out, lanes[16];
            for (i = 0; i < 16; i++) lanes[i] = in;
            exp_array(level, lanes, lanes, 16);
            out = lanes[0];
            if (in != in || in < -87.3f) {
                assert_true(out == 0.0f);
            } else {
                double want = exp(in > 88.0f ? 88.0 : (double)in);
                assert_true(fabs((double)out - want) <= 1.2e-7 * want);
                assert_true(out >= FLT_MIN);
            }
        }
    }
    printf("exp: worst %.3f ulp (avx2), %.3f ulp (avx512), %.3f ulp (wasm-simd128; 0 = not run)\n", worst_ulp[1],
           worst_ulp[2], worst_ulp[ALBERT__ISA_WASM]);
    free(x);
    free(y);
#else
    (void)state;
#endif
}

/* Every activation at large magnitudes (|x| up to 1000, and GELU on +-1e30, +-3e38, NaN): finite where the reference
   is, exactly 0 where GELU's tanh is -1, NaN in gives NaN out. */
static void test_activations_extremes(void **state)
{
    static const float xs[] = {-1000.0f, -200.0f, -100.0f, -88.0f, -80.0f, -20.0f, -10.0f, -9.7f, -9.6f, -9.0f,
                               -5.0f,    -1e-20f, -0.0f,   0.0f,   1e-20f, 3.0f,   9.6f,   20.0f, 80.0f, 88.0f,
                               88.5f,    100.0f,  1000.0f};
    static const float gelu_xs[] = {-1e30f, 1e30f, -3e38f, 3e38f};
    int levels[3], nl = isa_levels(levels), li, act, i, nx = (int)(sizeof xs / sizeof xs[0]);
    float y[32];
    double want[32];
    (void)state;
    for (act = 1; act <= 12; act++)
        for (li = 0; li < nl; li++) {
            char what[64];
            for (i = 0; i < nx; i++) want[i] = ref_act((double)xs[i], act);
            memcpy(y, xs, sizeof xs);
            albert__activate_array(y, nx, act, levels[li]);
            snprintf(what, sizeof what, "act %d extremes %s", act, isa_name(levels[li]));
            check_close(y, want, (size_t)nx, 2e-6, 2e-6, what);
        }
    for (li = 0; li < nl; li++) {
        int ng = (int)(sizeof gelu_xs / sizeof gelu_xs[0]);
        for (i = 0; i < ng; i++) want[i] = ref_act((double)gelu_xs[i], ALBERT_ACT_GELU_TANH);
        memcpy(y, gelu_xs, sizeof gelu_xs);
        y[ng] = (float)NAN;
        albert__activate_array(y, ng + 1, ALBERT_ACT_GELU_TANH, levels[li]);
        check_close(y, want, (size_t)ng, 0.0, 1e-6, "gelu_tanh huge");
        assert_true(y[ng] != y[ng]);
        for (i = 0; i < 20; i++) y[i] = -10.0f - 50.0f * (float)i; /* tanh(u) = -1 in float: exactly 0 */
        albert__activate_array(y, 20, ALBERT_ACT_GELU_TANH, levels[li]);
        for (i = 0; i < 20; i++) assert_true(y[i] == 0.0f);
    }
}

/* ---------------------------------------------------------------- linear */
static void linear_case(albert__pool *pool, int isa, int m, int k, int n, int with_bias, int act, int residual_mode)
{
    /* residual_mode: 0 none, 1 separate buffer, 2 y aliases the residual */
    float *x = rnd_array((size_t)m * k, 1.0f), *w = rnd_array((size_t)n * k, 0.1f);
    float *b = with_bias ? rnd_array((size_t)n, 0.5f) : NULL;
    float *res = residual_mode ? rnd_array((size_t)m * n, 1.0f) : NULL;
    float *y = residual_mode == 2 ? res : (float *)malloc(sizeof(float) * (size_t)m * n + 4);
    double *want = (double *)malloc(sizeof(double) * ((size_t)m * n + 1));
    int i, j, t;
    char what[128];
    for (i = 0; i < m; i++)
        for (j = 0; j < n; j++) {
            double s = 0.0;
            for (t = 0; t < k; t++) s += (double)x[(size_t)i * k + t] * w[(size_t)j * k + t];
            if (b) s += b[j];
            if (act) s = ref_act(s, act);
            if (res) s += res[(size_t)i * n + j];
            want[(size_t)i * n + j] = s;
        }
    pool->isa = isa;
    albert__linear(pool, x, m, k, w, b, n, act, residual_mode ? res : NULL, y);
    snprintf(what, sizeof what, "linear %s m=%d k=%d n=%d act=%d res=%d", isa_name(isa), m, k, n, act, residual_mode);
    check_close(y, want, (size_t)m * n, 2e-5 + 1e-6 * sqrt((double)k), 1e-5, what);
    free(x);
    free(w);
    free(b);
    if (residual_mode != 2) free(y);
    free(res);
    free(want);
}

static void test_linear_shapes(void **state)
{
    static const int shapes[][3] = {
        {1, 1, 1},    {1, 768, 768}, {128, 768, 768}, {128, 128, 768}, {37, 768, 3072 / 4}, {5, 3, 7},
        {33, 65, 13}, {17, 100, 25}, {64, 64, 64},    {31, 17, 12},    {2, 768, 2},         {130, 257, 29},
        {8, 768, 30}, {96, 31, 48},  {1, 513, 97},    {13, 1, 11},     {70, 3072, 50},
    };
    int levels[3], nl = isa_levels(levels), li, si, threads;
    (void)state;
    for (threads = 1; threads <= 3; threads += 2) {
        albert__pool *pool = albert__pool_create(threads);
        assert_non_null(pool);
        for (li = 0; li < nl; li++)
            for (si = 0; si < (int)(sizeof shapes / sizeof shapes[0]); si++) {
                int m = shapes[si][0], k = shapes[si][1], n = shapes[si][2];
                linear_case(pool, levels[li], m, k, n, si % 2, 0, si % 3);
            }
        albert__pool_free(pool);
    }
}

static void test_linear_epilogues(void **state)
{
    int levels[3], nl = isa_levels(levels), li, act;
    albert__pool *pool = albert__pool_create(2);
    (void)state;
    assert_non_null(pool);
    for (li = 0; li < nl; li++)
        for (act = 0; act <= 12; act++) linear_case(pool, levels[li], 19, 40, 27, 1, act, act % 3);
    albert__pool_free(pool);
}

/* Few rows (the dot-product path on AVX-512): every activation, residual kinds, odd k and n. */
static void test_linear_few_rows(void **state)
{
    int levels[3], nl = isa_levels(levels), li, act, m, threads;
    (void)state;
    for (threads = 1; threads <= 2; threads++) {
        albert__pool *pool = albert__pool_create(threads);
        assert_non_null(pool);
        for (li = 0; li < nl; li++)
            for (m = 1; m <= 9; m += 4)
                for (act = 0; act <= 12; act++) linear_case(pool, levels[li], m, 37 + act, 5 + 3 * act, act % 2, act, act % 3);
        albert__pool_free(pool);
    }
}

/* albert__linear_group (Q, K and V with one packing of x) equals separate linear layers. */
static void test_linear_group(void **state)
{
    static const int shapes[][3] = {{100, 256, 200}, {8, 64, 40}, {33, 65, 13}, {70, 17, 30}, {1, 5, 3}};
    int levels[3], nl = isa_levels(levels), li, si, count, threads, i, j, t;
    (void)state;
    for (threads = 1; threads <= 3; threads += 2) {
        albert__pool *pool = albert__pool_create(threads);
        assert_non_null(pool);
        for (li = 0; li < nl; li++)
            for (si = 0; si < (int)(sizeof shapes / sizeof shapes[0]); si++)
                for (count = 1; count <= 3; count++) {
                    int m = shapes[si][0], k = shapes[si][1], n = shapes[si][2], g;
                    float *x = rnd_array((size_t)m * k, 1.0f), *w[3], *b[3], *y[3];
                    const float *wc[3], *bc[3];
                    double *want = (double *)malloc(sizeof(double) * (size_t)m * n);
                    char what[128];
                    for (g = 0; g < count; g++) {
                        w[g] = rnd_array((size_t)n * k, 0.1f);
                        b[g] = g == 1 ? NULL : rnd_array((size_t)n, 0.5f);
                        y[g] = (float *)malloc(sizeof(float) * (size_t)m * n);
                        wc[g] = w[g];
                        bc[g] = b[g];
                    }
                    pool->isa = levels[li];
                    albert__linear_group(pool, x, m, k, n, count, wc, bc, y);
                    for (g = 0; g < count; g++) {
                        for (i = 0; i < m; i++)
                            for (j = 0; j < n; j++) {
                                double sum = b[g] ? b[g][j] : 0.0;
                                for (t = 0; t < k; t++) sum += (double)x[(size_t)i * k + t] * w[g][(size_t)j * k + t];
                                want[(size_t)i * n + j] = sum;
                            }
                        snprintf(what, sizeof what, "linear_group %s m=%d k=%d n=%d part %d of %d", isa_name(levels[li]),
                                 m, k, n, g, count);
                        check_close(y[g], want, (size_t)m * n, 2e-5 + 1e-6 * sqrt((double)k), 1e-5, what);
                        free(w[g]);
                        free(b[g]);
                        free(y[g]);
                    }
                    free(x);
                    free(want);
                }
        albert__pool_free(pool);
    }
}

/* More rows than the pack buffer holds at once (rows are done in chunks). */
static void test_linear_row_chunks(void **state)
{
    int levels[3], nl = isa_levels(levels), li;
    albert__pool *pool = albert__pool_create(2);
    (void)state;
    assert_non_null(pool);
    for (li = 0; li < nl; li++) linear_case(pool, levels[li], 700, 3000, 13, 1, ALBERT_ACT_GELU_TANH, 1);
    albert__pool_free(pool);
}

/* ---------------------------------------------------------------- layer norm */
static void test_layer_norm(void **state)
{
    static const int shapes[][2] = {{1, 768}, {128, 768}, {3, 5}, {7, 128}, {65, 31}, {2, 1}, {40, 1000}};
    int levels[3], nl = isa_levels(levels), li, si;
    albert__pool *pool = albert__pool_create(2);
    (void)state;
    assert_non_null(pool);
    for (li = 0; li < nl; li++)
        for (si = 0; si < (int)(sizeof shapes / sizeof shapes[0]); si++) {
            int m = shapes[si][0], n = shapes[si][1], i, j;
            float *x = rnd_array((size_t)m * n, 3.0f), *g = rnd_array((size_t)n, 1.0f), *b = rnd_array((size_t)n, 1.0f);
            double *want = (double *)malloc(sizeof(double) * (size_t)m * n);
            char what[64];
            for (i = 0; i < m * n; i++) x[i] += 5.0f; /* an offset the mean must remove */
            if (m >= 3) { /* rows that are hard for sums in float: a large mean, an outlier, a constant row */
                for (j = 0; j < n; j++) x[j] += 25.0f;
                x[n + n / 2] = 500.0f;
                for (j = 0; j < n; j++) x[2 * n + j] = 7.25f;
            }
            for (i = 0; i < m; i++) {
                double mean = 0, var = 0;
                for (j = 0; j < n; j++) mean += x[i * n + j];
                mean /= n;
                for (j = 0; j < n; j++) var += (x[i * n + j] - mean) * (x[i * n + j] - mean);
                var /= n;
                for (j = 0; j < n; j++) want[i * n + j] = (x[i * n + j] - mean) / sqrt(var + 1e-12) * g[j] + b[j];
            }
            pool->isa = levels[li];
            albert__layer_norm(pool, x, m, n, g, b, 1e-12f);
            snprintf(what, sizeof what, "layer_norm %s m=%d n=%d", isa_name(levels[li]), m, n);
            check_close(x, want, (size_t)m * n, 3e-6, 3e-6, what);
            free(x);
            free(g);
            free(b);
            free(want);
        }
    albert__pool_free(pool);
}

/* ---------------------------------------------------------------- attention */
static void attention_case(albert__pool *pool, int isa, int n_seqs, int S, int n_heads, int hd, int mask_mode)
{
    /* mask_mode: 0 no mask, 1 some padding at the end of each sequence, 2 sequence 0 all padding */
    int H = n_heads * hd, T = n_seqs * S, s, h, i, j, d;
    float *q = rnd_array((size_t)T * H, 2.0f), *k = rnd_array((size_t)T * H, 2.0f), *v = rnd_array((size_t)T * H, 1.0f);
    float *out = (float *)malloc(sizeof(float) * (size_t)T * H);
    double *want = (double *)malloc(sizeof(double) * (size_t)T * H), *p = (double *)malloc(sizeof(double) * (size_t)S);
    int32_t *mask = NULL;
    float *scratch = (float *)malloc(sizeof(float) * albert__kernel_scratch_floats(S + 5, H + 3, albert__pool_threads(pool)));
    char what[128];
    if (mask_mode) {
        mask = (int32_t *)malloc(sizeof(int32_t) * (size_t)T);
        for (s = 0; s < n_seqs; s++)
            for (j = 0; j < S; j++) mask[s * S + j] = (mask_mode == 2 && s == 0) ? 0 : (j < S - s - 1 || j == 0);
    }
    for (s = 0; s < n_seqs; s++)
        for (h = 0; h < n_heads; h++)
            for (i = 0; i < S; i++) {
                double mx = -1e300, sum = 0;
                int any = 0;
                for (j = 0; j < S; j++) any |= !mask || mask[s * S + j];
                for (j = 0; j < S; j++) {
                    double dot = 0;
                    for (d = 0; d < hd; d++)
                        dot += (double)q[(size_t)(s * S + i) * H + h * hd + d] * k[(size_t)(s * S + j) * H + h * hd + d];
                    p[j] = dot / sqrt((double)hd);
                    if (!any) p[j] = 0;
                    else if (mask && !mask[s * S + j]) p[j] = -1e300;
                    if (p[j] > mx) mx = p[j];
                }
                for (j = 0; j < S; j++) sum += (p[j] = p[j] == -1e300 ? 0 : exp(p[j] - mx));
                for (d = 0; d < hd; d++) {
                    double o = 0;
                    for (j = 0; j < S; j++) o += p[j] / sum * v[(size_t)(s * S + j) * H + h * hd + d];
                    want[(size_t)(s * S + i) * H + h * hd + d] = o;
                }
            }
    pool->isa = isa;
    albert__attention(pool, scratch, q, k, v, mask, n_seqs, S, n_heads, hd, out);
    snprintf(what, sizeof what, "attention %s seqs=%d S=%d heads=%d hd=%d mask=%d", isa_name(isa), n_seqs, S, n_heads, hd,
             mask_mode);
    check_close(out, want, (size_t)T * H, 2e-6, 2e-6, what);
    free(q);
    free(k);
    free(v);
    free(out);
    free(want);
    free(p);
    free(mask);
    free(scratch);
}

static void test_attention(void **state)
{
    static const int shapes[][4] = {{1, 128, 12, 64}, {2, 7, 3, 5}, {1, 1, 2, 64}, {3, 65, 2, 16}, {1, 130, 1, 80},
                                    {2, 20, 4, 17}};
    int levels[3], nl = isa_levels(levels), li, si, threads;
    (void)state;
    for (threads = 1; threads <= 2; threads++) {
        albert__pool *pool = albert__pool_create(threads);
        assert_non_null(pool);
        for (li = 0; li < nl; li++)
            for (si = 0; si < (int)(sizeof shapes / sizeof shapes[0]); si++)
                attention_case(pool, levels[li], shapes[si][0], shapes[si][1], shapes[si][2], shapes[si][3], si % 3);
        albert__pool_free(pool);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool_runs_every_index_once),
        cmocka_unit_test(test_activations_vector_match_reference),
        cmocka_unit_test(test_exp_vector_match_reference),
        cmocka_unit_test(test_activations_extremes),
        cmocka_unit_test(test_linear_shapes),
        cmocka_unit_test(test_linear_epilogues),
        cmocka_unit_test(test_linear_row_chunks),
        cmocka_unit_test(test_linear_few_rows),
        cmocka_unit_test(test_linear_group),
        cmocka_unit_test(test_layer_norm),
        cmocka_unit_test(test_attention),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

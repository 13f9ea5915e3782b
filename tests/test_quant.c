/* test_quant.c - compact weights: f16 and q8 model files (tools/blob_quant.c) and their kernels (albert.h (f16/q8 kernels)).

   - blob_float_to_half: exhaustive round trip of every half, round-to-nearest-even at every midpoint between two
     halves, overflow and NaN handling;
   - blob_add_matrix: the q8 rows and scales against a double-precision re-derivation from the rule (scale =
     max|w| / 127, q = round(w / scale)), zero rows, rejected inputs;
   - albert__linear_f16 / albert__linear_q8 at every instruction-set level of this CPU against a double reference
     on the widened weights (f16: float rounding only; q8: within the bound the activation quantization allows);
   - the golden models (data/models/<model>, HuggingFace's last_hidden_state): each converted to f32 with
     ../build/albert-convert, rewritten to f16 and q8 with blob_add_matrix, run at every instruction-set level:
     f16 max abs error <= 1e-2 and cosine >= 0.9999 per token, q8 cosine >= 0.999 per token;
   - packed weights (layout 1, blob_add_matrix_packed: what albert-convert --dtype int8 / bf16 writes): every kernel
     of this CPU (scalar, AVX2, AVX-512 without VNNI, VNNI, AMX int8; bf16 widening, AVX-512 BF16, AMX bf16) against a
     double reference, one to three matrices sharing x; the golden models packed: int8 cosine >= 0.999 and bf16
     cosine >= 0.9999 per token with each kernel; the loader's checks of packed tensors (padding, size, sums).
   Run with tests/ as the working directory. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#define ALBERT_IMPLEMENTATION
#include "albert.h"
#include "testutil.h"
#include "../tools/ck_os.c"
#include "../tools/blob.c"
#include "../tools/blob_quant.c"

/* ---------------------------------------------------------------- helpers */
static uint64_t rng_state = 0x2545F4914F6CDD1Dull;
static float rnd(void) { return tu_rnd(&rng_state); } /* uniform in [-1, 1) */

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    assert_non_null(p);
    return p;
}

/* The instruction-set levels this CPU runs (scalar always; on x86 every level up to the best one; on AArch64 and
   WebAssembly scalar and the one SIMD level). */
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

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get_u64(const uint8_t *p) { return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32; }

/* A tensor of a blob file read back by hand (not through the library). */
typedef struct raw_tensor {
    uint32_t dtype, ndim, dims[4];
    const uint8_t *data;
    uint64_t size;
} raw_tensor;

static int raw_find(const uint8_t *file, size_t file_size, const char *name, raw_tensor *t)
{
    uint64_t dir = get_u64(file + 24);
    uint32_t n = get_u32(file + 32), i, d;
    assert_true(file_size >= 256 && dir + (uint64_t)n * 80 <= file_size);
    for (i = 0; i < n; i++) {
        const uint8_t *e = file + dir + (size_t)i * 80;
        if (strncmp((const char *)e, name, 32) != 0) continue;
        t->dtype = get_u32(e + 32);
        t->ndim = get_u32(e + 40);
        for (d = 0; d < 4; d++) t->dims[d] = get_u32(e + 44 + 4 * d);
        assert_true(get_u64(e + 64) + get_u64(e + 72) <= file_size);
        assert_int_equal(get_u64(e + 64) % 64, 0);
        t->data = file + get_u64(e + 64);
        t->size = get_u64(e + 72);
        return 1;
    }
    return 0;
}

static blob_config test_config(void)
{
    blob_config c;
    int i;
    memset(&c, 0, sizeof c);
    for (i = 0; i < 8; i++) c.special_ids[i] = -1;
    return c;
}

/* ---------------------------------------------------------------- f16 rounding */
static float bits_float(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static void test_half_known_values(void **state)
{
    (void)state;
    assert_int_equal(blob_float_to_half(0.0f), 0x0000);
    assert_int_equal(blob_float_to_half(-0.0f), 0x8000);
    assert_int_equal(blob_float_to_half(1.0f), 0x3c00);
    assert_int_equal(blob_float_to_half(-2.0f), 0xc000);
    assert_int_equal(blob_float_to_half(0.1f), 0x2e66);           /* 0.0999755859375 */
    assert_int_equal(blob_float_to_half(65504.0f), 0x7bff);       /* largest half */
    assert_int_equal(blob_float_to_half(65519.99f), 0x7bff);      /* below the midpoint to 65536 */
    assert_int_equal(blob_float_to_half(65520.0f), 0x7c00);       /* the midpoint: ties to even = infinity */
    assert_int_equal(blob_float_to_half(1e10f), 0x7c00);
    assert_int_equal(blob_float_to_half(-INFINITY), 0xfc00);
    assert_int_equal(blob_float_to_half(bits_float(0x33800000u)), 0x0001);   /* 2^-24, smallest subnormal */
    assert_int_equal(blob_float_to_half(bits_float(0x33000000u)), 0x0000);   /* 2^-25: tie, to even 0 */
    assert_int_equal(blob_float_to_half(bits_float(0x33000001u)), 0x0001);   /* just above it */
    assert_int_equal(blob_float_to_half(bits_float(0x33c00000u)), 0x0002);   /* 1.5 * 2^-24: tie, to even 2 */
    assert_int_equal(blob_float_to_half(bits_float(0x387fe000u)), 0x0400);   /* 1023.5 * 2^-24: tie, up to a normal */
    assert_int_equal(blob_float_to_half(bits_float(0x387fc000u)), 0x03ff);   /* 1023 * 2^-24, largest subnormal */
    assert_int_equal(blob_float_to_half(1.0f + 1.0f / 2048.0f), 0x3c00);    /* tie between 1 and 1+2^-10 */
    assert_int_equal(blob_float_to_half(1.0f + 3.0f / 2048.0f), 0x3c02);    /* tie, to even */
    assert_true((blob_float_to_half(NAN) & 0x7c00) == 0x7c00 && (blob_float_to_half(NAN) & 0x3ff) != 0);
}

/* Every half survives half -> float -> half; every midpoint between neighbouring halves rounds to the even one,
   and the floats just beside it to the nearer one. */
static void test_half_exhaustive(void **state)
{
    uint32_t h;
    (void)state;
    for (h = 0; h < 0x10000u; h++) {
        float f = albert__half_to_float((uint16_t)h);
        if ((h & 0x7c00u) == 0x7c00u && (h & 0x3ffu)) continue;   /* NaN */
        assert_int_equal(blob_float_to_half(f), h);
        if ((h & 0x7fffu) < 0x7bffu) {   /* a finite half with a finite successor of the same sign */
            double lo = (double)f, hi = (double)albert__half_to_float((uint16_t)(h + 1));
            float mid = (float)((lo + hi) / 2.0);   /* 12 significant bits: exact in float */
            uint16_t even = (h & 1u) ? (uint16_t)(h + 1) : (uint16_t)h;
            assert_true((double)mid == (lo + hi) / 2.0);
            assert_int_equal(blob_float_to_half(mid), even);
            assert_int_equal(blob_float_to_half(nextafterf(mid, (float)lo)), h);
            assert_int_equal(blob_float_to_half(nextafterf(mid, (float)hi)), h + 1);
        }
    }
}

/* ---------------------------------------------------------------- blob_add_matrix */
static void test_add_matrix_q8_and_f16(void **state)
{
    enum { ROWS = 5, COLS = 37 };
    float w[ROWS * COLS];
    char err[CK_ERR_LEN], path[] = "/tmp/albert_quant_XXXXXX";
    blob_writer *bw;
    blob_config cfg = test_config();
    uint8_t *file;
    size_t size;
    raw_tensor q, s, h, f;
    int fd, r, c;
    (void)state;
    for (r = 0; r < ROWS; r++)
        for (c = 0; c < COLS; c++) w[r * COLS + c] = rnd() * (r == 3 ? 0.0f : 0.05f);   /* row 3 all zero */
    w[1 * COLS + 7] = -0.9f;   /* an outlier: row 1's scale is 0.9 / 127 */
    w[4 * COLS + 36] = 0.3f;
    fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    bw = blob_open(path, err);
    assert_non_null(bw);
    assert_int_equal(blob_add_matrix(bw, "m.q8", BLOB_Q8, ROWS, COLS, w, err), 0);
    assert_int_equal(blob_add_matrix(bw, "m.f16", BLOB_F16, ROWS, COLS, w, err), 0);
    assert_int_equal(blob_add_matrix(bw, "m.f32", BLOB_F32, ROWS, COLS, w, err), 0);
    assert_int_equal(blob_finish(bw, &cfg, err), 0);
    blob_abort(bw);
    file = (uint8_t *)tu_read_file(path, &size);
    assert_non_null(file);
    remove(path);

    assert_true(raw_find(file, size, "m.q8", &q));
    assert_true(raw_find(file, size, "m.q8.scale", &s));
    assert_true(raw_find(file, size, "m.f16", &h));
    assert_true(raw_find(file, size, "m.f32", &f));
    assert_int_equal(q.dtype, 2);
    assert_int_equal(q.ndim, 2);
    assert_int_equal(q.dims[0], ROWS);
    assert_int_equal(q.dims[1], COLS);
    assert_int_equal(q.size, ROWS * COLS);
    assert_int_equal(s.dtype, 0);
    assert_int_equal(s.ndim, 1);
    assert_int_equal(s.dims[0], ROWS);
    assert_int_equal(h.dtype, 1);
    assert_int_equal(h.size, ROWS * COLS * 2);
    assert_int_equal(f.dtype, 0);
    assert_memory_equal(f.data, w, sizeof w);
    for (r = 0; r < ROWS; r++) {
        double max_abs = 0.0, scale;
        float stored;
        memcpy(&stored, s.data + 4 * r, 4);
        for (c = 0; c < COLS; c++) max_abs = fmax(max_abs, fabs((double)w[r * COLS + c]));
        scale = max_abs / 127.0;
        assert_true(fabs((double)stored - scale) <= 1e-7 * scale);
        if (r == 3) assert_true(stored == 0.0f);
        if (r == 1) assert_true(fabs((double)stored - 0.9 / 127.0) < 1e-9);
        for (c = 0; c < COLS; c++) {
            int qv = (int)(int8_t)q.data[r * COLS + c];
            double want = scale > 0 ? floor(fabs((double)w[r * COLS + c]) / scale + 0.5) : 0.0;
            uint16_t hv = (uint16_t)(h.data[2 * (r * COLS + c)] | h.data[2 * (r * COLS + c) + 1] << 8);
            if (w[r * COLS + c] < 0) want = -want;
            assert_true(qv >= -127 && qv <= 127);
            /* float division may land the other side of a .5: allow that, never more */
            assert_true(fabs(qv - want) <= 1.0);
            assert_true(fabs((double)stored * qv - (double)w[r * COLS + c]) <= 0.5 * stored * (1.0 + 1e-5));
            assert_true(fabs((double)albert__half_to_float(hv) - (double)w[r * COLS + c]) <=
                        fabs((double)w[r * COLS + c]) / 2048.0 + 1e-8);
        }
        /* the largest |w| of a row is exactly +-127 */
        if (r != 3) {
            int found = 0;
            for (c = 0; c < COLS; c++) found |= abs((int)(int8_t)q.data[r * COLS + c]) == 127;
            assert_true(found);
        }
    }
    free(file);
}

static void test_add_matrix_rejects(void **state)
{
    float w[6] = {0.5f, -0.25f, 1.0f, 2.0f, 3.0f, 4.0f};
    char err[CK_ERR_LEN], path[] = "/tmp/albert_quant_XXXXXX";
    blob_writer *bw;
    int fd;
    (void)state;
    fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    remove(path);   /* only the name is wanted: nothing may appear there */
    bw = blob_open(path, err);
    assert_non_null(bw);
    w[4] = 70000.0f;
    err[0] = 0;
    assert_int_equal(blob_add_matrix(bw, "big", BLOB_F16, 2, 3, w, err), -1);
    assert_non_null(strstr(err, "f16"));
    assert_int_equal(blob_add_matrix(bw, "big", BLOB_Q8, 2, 3, w, err), 0);      /* fine in q8 and f32 */
    w[4] = 65504.0f;
    assert_int_equal(blob_add_matrix(bw, "max", BLOB_F16, 2, 3, w, err), 0);
    w[1] = NAN;
    assert_int_equal(blob_add_matrix(bw, "nan", BLOB_Q8, 2, 3, w, err), -1);
    assert_non_null(strstr(err, "finite"));
    w[1] = INFINITY;
    assert_int_equal(blob_add_matrix(bw, "inf", BLOB_F32, 2, 3, w, err), -1);
    w[1] = 0.0f;
    assert_int_equal(blob_add_matrix(bw, "type", BLOB_U8, 2, 3, w, err), -1);
    assert_int_equal(blob_add_matrix(bw, "empty", BLOB_F16, 0, 3, w, err), -1);
    assert_int_equal(blob_add_matrix(bw, "a_name_that_is_too_long_for_scale", BLOB_Q8, 2, 3, w, err), -1);
    blob_abort(bw);
    assert_false(tu_file_exists(path));
}

/* ---------------------------------------------------------------- kernels */
static double ref_act(double x, int act)
{
    switch (act) {
    case ALBERT_ACT_GELU: return 0.5 * x * (1.0 + erf(x / sqrt(2.0)));
    case ALBERT_ACT_GELU_TANH: return 0.5 * x * (1.0 + tanh(sqrt(2.0 / 3.14159265358979323846) * (x + 0.044715 * x * x * x)));
    case ALBERT_ACT_RELU: return x > 0 ? x : 0;
    case ALBERT_ACT_TANH: return tanh(x);
    default: return x;
    }
}

/* One linear call with f16 or q8 weights (dtype 1 or 2) against a double reference on the widened weights.
   residual_mode: 0 none, 1 separate buffer, 2 y aliases the residual. */
static void qlinear_case(albert__pool *pool, int isa, int dtype, int m, int k, int n, int act, int residual_mode)
{
    float *x = (float *)xmalloc(sizeof(float) * (size_t)m * k), *wf = (float *)xmalloc(sizeof(float) * (size_t)n * k);
    float *b = (float *)xmalloc(sizeof(float) * (size_t)n), *scale = (float *)xmalloc(sizeof(float) * (size_t)n);
    float *res = residual_mode ? (float *)xmalloc(sizeof(float) * (size_t)m * n) : NULL;
    float *y = residual_mode == 2 ? res : (float *)xmalloc(sizeof(float) * (size_t)m * n);
    double *want = (double *)xmalloc(sizeof(double) * (size_t)m * n), *bound = (double *)xmalloc(sizeof(double) * (size_t)m * n);
    uint16_t *w16 = (uint16_t *)xmalloc(sizeof(uint16_t) * (size_t)n * k);
    int8_t *w8 = (int8_t *)xmalloc((size_t)n * k);
    double worst = 0.0;
    int i, j, t;
    size_t e;
    for (e = 0; e < (size_t)m * k; e++) x[e] = rnd() * (rnd() > 0.9f ? 6.0f : 1.0f);   /* some outliers */
    for (i = 0; i < m && k > 3; i += 3) x[(size_t)i * k + 3] = 0.0f;
    for (j = 0; j < n; j++) {   /* the q8 weights: random ints and scales; f16: halves of random floats */
        scale[j] = j % 7 == 3 ? 0.0f : 0.001f + 0.01f * (float)(j % 5);
        b[j] = rnd() * 0.5f;
        for (t = 0; t < k; t++) {
            size_t at = (size_t)j * k + t;
            w8[at] = (int8_t)(scale[j] == 0.0f ? 0 : (int)lrintf(rnd() * 127.0f));
            w16[at] = blob_float_to_half(rnd() * 0.1f);
            wf[at] = dtype == 1 ? albert__half_to_float(w16[at]) : scale[j] * (float)w8[at];
        }
    }
    if (res)
        for (e = 0; e < (size_t)m * n; e++) res[e] = rnd();
    for (i = 0; i < m; i++) {
        /* the activation quantization moves each x by at most half a step of (max - min) / 127 */
        double lo = 0.0, hi = 0.0, step;
        for (t = 0; t < k; t++) {
            lo = fmin(lo, (double)x[(size_t)i * k + t]);
            hi = fmax(hi, (double)x[(size_t)i * k + t]);
        }
        step = (hi - lo) / 127.0;
        for (j = 0; j < n; j++) {
            double s = 0.0, sum_abs = 0.0;
            for (t = 0; t < k; t++) {
                s += (double)x[(size_t)i * k + t] * wf[(size_t)j * k + t];
                sum_abs += fabs((double)wf[(size_t)j * k + t]);
            }
            s += b[j];
            if (act) s = ref_act(s, act);
            if (res) s += res[(size_t)i * n + j];
            want[(size_t)i * n + j] = s;
            bound[(size_t)i * n + j] = 2e-5 + 2e-6 * sqrt((double)k) + 1e-5 * fabs(s) +
                                       (dtype == 2 && isa != ALBERT__ISA_SCALAR ? 0.5 * step * sum_abs * 1.1 : 0.0);
        }
    }
    pool->isa = isa;
    if (dtype == 1) albert__linear_f16(pool, x, m, k, w16, b, n, act, residual_mode ? res : NULL, y);
    else albert__linear_q8(pool, x, m, k, w8, scale, b, n, act, residual_mode ? res : NULL, y);
    for (e = 0; e < (size_t)m * n; e++) {
        double err = fabs((double)y[e] - want[e]);
        worst = fmax(worst, err / bound[e]);
        if (!(err <= bound[e]))
            fail_msg("%s %s m=%d k=%d n=%d act=%d res=%d: element %zu got %.9g want %.9g (bound %.3g)",
                     dtype == 1 ? "f16" : "q8", isa_name(isa), m, k, n, act, residual_mode, e, (double)y[e], want[e],
                     bound[e]);
    }
    free(x); free(wf); free(b); free(scale); free(res); free(want); free(bound); free(w16); free(w8);
    if (residual_mode != 2) free(y);
}

static void test_kernels_against_reference(void **state)
{
    static const int shapes[][3] = {
        {1, 1, 1},   {1, 768, 768}, {128, 768, 96}, {37, 128, 50}, {5, 3, 7},   {33, 65, 13}, {17, 100, 25},
        {64, 64, 64}, {31, 17, 12}, {2, 768, 2},   {130, 257, 29}, {13, 1, 11}, {7, 2049, 9}, {70, 96, 97},
    };
    int levels[3], nl = isa_levels(levels), li, si, threads, dtype;
    (void)state;
    for (threads = 1; threads <= 3; threads += 2) {
        albert__pool *pool = albert__pool_create(threads);
        assert_non_null(pool);
        for (li = 0; li < nl; li++)
            for (dtype = 1; dtype <= 2; dtype++)
                for (si = 0; si < (int)(sizeof shapes / sizeof shapes[0]); si++) {
                    int act = si % 3 == 0 ? ALBERT_ACT_GELU_TANH : (si % 3 == 1 ? 0 : ALBERT_ACT_TANH);
                    qlinear_case(pool, levels[li], dtype, shapes[si][0], shapes[si][1], shapes[si][2], act, si % 3);
                }
        albert__pool_free(pool);
    }
}

/* q8 with x exactly on the quantization grid of every row (integers in [-127, 127]: max|x| / 127 = 1): the integer
   kernels are then exact, like the scalar one. */
static void test_q8_exact_on_grid(void **state)
{
    int levels[3], nl = isa_levels(levels), li;
    int m = 9, k = 300, n = 11, i, j, t;
    float *x = (float *)xmalloc(sizeof(float) * (size_t)m * k), *y = (float *)xmalloc(sizeof(float) * (size_t)m * n);
    float scale[11];
    int8_t *w = (int8_t *)xmalloc((size_t)n * k);
    albert__pool *pool = albert__pool_create(2);
    (void)state;
    assert_non_null(pool);
    for (j = 0; j < n; j++) {
        scale[j] = 0.25f;
        for (t = 0; t < k; t++) w[(size_t)j * k + t] = (int8_t)((j * 13 + t * 7) % 255 - 127);
    }
    for (li = 0; li < nl; li++) {
        for (i = 0; i < m; i++)   /* t * 11 runs through every residue of 255, so each row has both ends */
            for (t = 0; t < k; t++) x[(size_t)i * k + t] = (float)((i * 31 + t * 11) % 255 - 127);
        pool->isa = levels[li];
        albert__linear_q8(pool, x, m, k, w, scale, NULL, n, 0, NULL, y);
        for (i = 0; i < m; i++)
            for (j = 0; j < n; j++) {
                int64_t s = 0;
                for (t = 0; t < k; t++) s += (int64_t)x[(size_t)i * k + t] * w[(size_t)j * k + t];
                assert_true(fabs((double)y[(size_t)i * n + j] - 0.25 * (double)s) <= 1e-6 * fabs(0.25 * (double)s) + 1e-6);
            }
    }
    albert__pool_free(pool);
    free(x); free(y); free(w);
}

/* ---------------------------------------------------------------- packed (layout 1) int8 and bf16 kernels */
/* The kernel variants of this CPU: (isa, feature bits) pairs, each naming the kernel albert__pk_kind picks. */
typedef struct pk_variant {
    int isa, features;
    const char *name;
} pk_variant;

static int pk_variants(int dtype, pk_variant *v)
{
    albert__pool *pool = albert__pool_create(1);
    int n = 0, f, best = albert__detect_isa();
    assert_non_null(pool);
    f = pool->features;
    albert__pool_free(pool);
    v[n].isa = ALBERT__ISA_SCALAR, v[n].features = 0, v[n++].name = "scalar";
    if (best == ALBERT__ISA_NEON || best == ALBERT__ISA_WASM)
        v[n].isa = best, v[n].features = 0, v[n++].name = "neon / wasm (scalar packed kernel)";
    /* the x86 levels only on x86 (ALBERT__ISA_NEON and _WASM are numerically above them) */
    if (best == ALBERT__ISA_AVX2 || best == ALBERT__ISA_AVX512)
        v[n].isa = ALBERT__ISA_AVX2, v[n].features = 0, v[n++].name = "avx2";
    if (best == ALBERT__ISA_AVX512) {
        v[n].isa = ALBERT__ISA_AVX512, v[n].features = 0, v[n++].name = dtype == BLOB_Q8 ? "avx512 (avx2 kernel)" : "avx512 widening";
        if (dtype == BLOB_Q8 && (f & ALBERT__FEAT_VNNI))
            v[n].isa = ALBERT__ISA_AVX512, v[n].features = ALBERT__FEAT_VNNI, v[n++].name = "avx512 vnni";
        if (dtype == BLOB_BF16 && (f & ALBERT__FEAT_BF16))
            v[n].isa = ALBERT__ISA_AVX512, v[n].features = ALBERT__FEAT_BF16, v[n++].name = "avx512 bf16";
        if (dtype == BLOB_Q8 && (f & ALBERT__FEAT_AMX_INT8))
            v[n].isa = ALBERT__ISA_AVX512, v[n].features = f, v[n++].name = "amx int8";
        if (dtype == BLOB_BF16 && (f & ALBERT__FEAT_AMX_BF16))
            v[n].isa = ALBERT__ISA_AVX512, v[n].features = f, v[n++].name = "amx bf16";
    }
    return n;
}

/* One packed linear call (dtype BLOB_Q8 or BLOB_BF16, `count` matrices sharing x) against a double reference on the
   stored weights. int8: within the activation quantization's bound (as qlinear_case); bf16 kernels that round x to
   bf16: within 2^-8 of sum |x w| (the rounding of x), else float rounding. */
static void packed_case(albert__pool *pool, const pk_variant *v, int dtype, int count, int m, int k, int n, int act,
                        int residual_mode)
{
    int kp = (k + 63) / 64 * 64, n16 = (n + 15) / 16 * 16, i, j, t, c;
    size_t e, packed = (size_t)n16 * kp;
    float *x = (float *)xmalloc(sizeof(float) * (size_t)m * k);
    albert__matrix w[3];
    const albert__matrix *wp[3];
    const float *bp[3], *rp[3];
    float *yp[3];
    double *wants[3], *bounds[3];
    for (e = 0; e < (size_t)m * k; e++) x[e] = rnd() * (rnd() > 0.9f ? 6.0f : 1.0f);
    for (i = 0; i < m && k > 3; i += 3) x[(size_t)i * k + 3] = 0.0f;
    for (c = 0; c < count; c++) {
        float *wf = (float *)xmalloc(sizeof(float) * (size_t)n * k), *b = (float *)xmalloc(sizeof(float) * (size_t)n);
        float *scale = (float *)xmalloc(sizeof(float) * (size_t)n);
        int32_t *sums = (int32_t *)xmalloc(sizeof(int32_t) * (size_t)n);
        int8_t *q = dtype == BLOB_Q8 ? (int8_t *)calloc(packed, 1) : NULL;
        uint16_t *h = dtype == BLOB_BF16 ? (uint16_t *)calloc(packed, 2) : NULL;
        float *res = residual_mode ? (float *)xmalloc(sizeof(float) * (size_t)m * n) : NULL;
        float *y = residual_mode == 2 ? res : (float *)xmalloc(sizeof(float) * (size_t)m * n);
        double *want = (double *)xmalloc(sizeof(double) * (size_t)m * n);
        double *bound = (double *)xmalloc(sizeof(double) * (size_t)m * n);
        assert_true(q || h);
        memset(&w[c], 0, sizeof w[c]);
        for (j = 0; j < n; j++) {
            scale[j] = j % 7 == 3 ? 0.0f : 0.001f + 0.01f * (float)(j % 5);
            b[j] = rnd() * 0.5f;
            sums[j] = 0;
            for (t = 0; t < k; t++) {
                size_t at = blob__packed_index((uint32_t)j, (uint32_t)t, (uint32_t)kp, dtype == BLOB_Q8 ? 4 : 2);
                if (q) {
                    q[at] = (int8_t)(scale[j] == 0.0f ? 0 : (int)lrintf(rnd() * 127.0f));
                    sums[j] += q[at];
                    wf[(size_t)j * k + t] = scale[j] * (float)q[at];
                } else {
                    h[at] = blob__float_to_bf16(rnd() * 0.1f);
                    wf[(size_t)j * k + t] = albert__bf16_to_float(h[at]);
                }
            }
        }
        if (res)
            for (e = 0; e < (size_t)m * n; e++) res[e] = rnd();
        for (i = 0; i < m; i++) {
            double lo = 0.0, hi = 0.0, step;
            for (t = 0; t < k; t++) {
                lo = fmin(lo, (double)x[(size_t)i * k + t]);
                hi = fmax(hi, (double)x[(size_t)i * k + t]);
            }
            step = (hi - lo) / 127.0;
            for (j = 0; j < n; j++) {
                double s = 0.0, sum_abs = 0.0, sum_xw = 0.0, quant = 0.0;
                for (t = 0; t < k; t++) {
                    s += (double)x[(size_t)i * k + t] * wf[(size_t)j * k + t];
                    sum_abs += fabs((double)wf[(size_t)j * k + t]);
                    sum_xw += fabs((double)x[(size_t)i * k + t] * wf[(size_t)j * k + t]);
                }
                s += b[j];
                if (act) s = ref_act(s, act);
                if (res) s += res[(size_t)i * n + j];
                want[(size_t)i * n + j] = s;
                if (dtype == BLOB_Q8 && v->isa != ALBERT__ISA_SCALAR) quant = 0.5 * step * sum_abs * 1.1;
                if (dtype == BLOB_BF16 && (v->features & (ALBERT__FEAT_BF16 | ALBERT__FEAT_AMX_BF16)))
                    quant = sum_xw / 256.0 * 1.1;
                /* float sums over k terms: a random walk of roundings relative to sum |x w| (large with
                   cancellation: int8 rows times outliers) */
                bound[(size_t)i * n + j] = 2e-5 + 2e-6 * sqrt((double)k) + 1e-5 * fabs(s) +
                                           2e-7 * sqrt((double)k) * sum_xw + quant;
            }
        }
        w[c].dtype = (uint32_t)dtype;
        w[c].layout = ALBERT__LAYOUT_PACKED;
        w[c].rows = n;
        w[c].cols = k;
        w[c].kp = kp;
        w[c].data = q ? (const void *)q : (const void *)h;
        w[c].scale = scale;
        w[c].sums = sums;
        wp[c] = &w[c];
        bp[c] = b;
        rp[c] = residual_mode ? res : NULL;
        yp[c] = y;
        wants[c] = want;
        bounds[c] = bound;
        free(wf);
    }
    pool->isa = v->isa;
    pool->features = v->features;
    albert__linear_packed(pool, x, m, count, wp, bp, act, rp, yp);
    for (c = 0; c < count; c++) {
        for (e = 0; e < (size_t)m * n; e++) {
            double err = fabs((double)yp[c][e] - wants[c][e]);
            if (!(err <= bounds[c][e]))
                fail_msg("packed %s %s count=%d m=%d k=%d n=%d act=%d res=%d: matrix %d element %zu got %.9g want %.9g "
                         "(bound %.3g)", dtype == BLOB_Q8 ? "int8" : "bf16", v->name, count, m, k, n, act,
                         residual_mode, c, e, (double)yp[c][e], wants[c][e], bounds[c][e]);
        }
        free(wants[c]);
        free(bounds[c]);
        free((void *)(uintptr_t)w[c].data);
        free((void *)(uintptr_t)w[c].scale);
        free((void *)(uintptr_t)w[c].sums);
        free((void *)(uintptr_t)bp[c]);
        if (residual_mode != 2) free(yp[c]);
        if (residual_mode) free((void *)(uintptr_t)rp[c]);
    }
    free(x);
}

static void test_packed_kernels_against_reference(void **state)
{
    static const int shapes[][3] = {
        {1, 1, 1},   {1, 768, 768}, {128, 768, 96}, {37, 128, 50}, {5, 3, 7},   {33, 65, 13}, {17, 100, 25},
        {64, 64, 64}, {31, 17, 12}, {2, 768, 2},   {130, 257, 29}, {13, 1, 11}, {7, 2049, 9}, {70, 96, 97},
        {8, 768, 3072}, {48, 3072, 40},
    };
    pk_variant v[8];
    int dtypes[2] = {BLOB_Q8, BLOB_BF16}, di, nv, vi, si, threads;
    (void)state;
    for (threads = 1; threads <= 3; threads += 2) {
        albert__pool *pool = albert__pool_create(threads);
        assert_non_null(pool);
        for (di = 0; di < 2; di++) {
            nv = pk_variants(dtypes[di], v);
            for (vi = 0; vi < nv; vi++) {
                if (threads == 1) print_message("# packed %s: %s\n", dtypes[di] == BLOB_Q8 ? "int8" : "bf16", v[vi].name);
                for (si = 0; si < (int)(sizeof shapes / sizeof shapes[0]); si++) {
                    int act = si % 3 == 0 ? ALBERT_ACT_GELU_TANH : (si % 3 == 1 ? 0 : ALBERT_ACT_TANH);
                    packed_case(pool, &v[vi], dtypes[di], 1 + si % 3, shapes[si][0], shapes[si][1], shapes[si][2], act,
                                si % 3);
                }
            }
        }
        albert__pool_free(pool);
    }
}

/* ---------------------------------------------------------------- golden models */
static int is_weight_matrix(const char *name)
{
    static const char *const whole[] = {"emb.word", "proj.w", "pooler.w", "mlm.dense.w"};
    static const char *const layer_suffixes[] = {".q.w", ".k.w", ".v.w", ".o.w", ".ffn.w", ".ffn_out.w"};
    size_t i, n = strlen(name);
    for (i = 0; i < sizeof whole / sizeof whole[0]; i++)
        if (strcmp(name, whole[i]) == 0) return 1;
    if (name[0] != 'g') return 0;
    for (i = 0; i < sizeof layer_suffixes / sizeof layer_suffixes[0]; i++) {
        size_t s = strlen(layer_suffixes[i]);
        if (n > s && strcmp(name + n - s, layer_suffixes[i]) == 0) return 1;
    }
    return 0;
}

/* Rewrites the f32 blob at src as dst with every weight matrix in dtype (BLOB_F16 or BLOB_Q8); returns the number
   of matrices rewritten. packed: the layers' matrices packed (blob_add_matrix_packed, as albert-convert writes int8
   and bf16), the others in dtype (bf16: f32). */
static int rewrite_blob_as(const char *src, const char *dst, int dtype, int packed)
{
    albert_model *model;
    albert_error e;
    blob_config cfg;
    blob_writer *bw;
    char err[CK_ERR_LEN];
    uint8_t header[256];
    FILE *f = fopen(src, "rb");
    uint32_t i;
    int d, rewritten = 0;
    assert_non_null(f);
    assert_int_equal(fread(header, 1, sizeof header, f), sizeof header);
    fclose(f);
    memset(&cfg, 0, sizeof cfg);
    cfg.vocab_size = get_u32(header + 40);
    cfg.embedding_size = get_u32(header + 44);
    cfg.hidden_size = get_u32(header + 48);
    cfg.num_hidden_layers = get_u32(header + 52);
    cfg.num_attention_heads = get_u32(header + 56);
    cfg.intermediate_size = get_u32(header + 60);
    cfg.num_hidden_groups = get_u32(header + 64);
    cfg.inner_group_num = get_u32(header + 68);
    cfg.max_position_embeddings = get_u32(header + 72);
    cfg.type_vocab_size = get_u32(header + 76);
    cfg.hidden_act = get_u32(header + 80);
    memcpy(&cfg.layer_norm_eps, header + 84, 4);
    cfg.num_labels = get_u32(header + 88);
    cfg.tokenizer_kind = get_u32(header + 92);
    cfg.tokenizer_flags = get_u32(header + 96);
    for (d = 0; d < 8; d++) cfg.special_ids[d] = (int32_t)get_u32(header + 100 + 4 * d);
    if (albert_model_load(src, &model, &e) != ALBERT_OK) fail_msg("load %s: %s", src, e.message);
    bw = blob_open(dst, err);
    if (!bw) fail_msg("%s", err);
    for (i = 0; i < model->n_tensors; i++) {
        const albert__tensor *t = &model->tensors[i];
        int rc;
        if (packed && t->dtype == ALBERT__F32 && t->ndim == 2 && is_weight_matrix(t->name) && t->name[0] == 'g') {
            rc = blob_add_matrix_packed(bw, t->name, dtype, t->dims[0], t->dims[1], (const float *)(const void *)t->data,
                                        err);
            rewritten++;
        } else if (t->dtype == ALBERT__F32 && t->ndim == 2 && is_weight_matrix(t->name) && dtype != BLOB_BF16) {
            rc = blob_add_matrix(bw, t->name, dtype, t->dims[0], t->dims[1], (const float *)(const void *)t->data, err);
            rewritten++;
        } else {
            rc = blob_add(bw, t->name, (int)t->dtype, (int)t->ndim, t->dims, t->data, t->nbytes, err);
        }
        if (rc != 0) fail_msg("%s", err);
    }
    if (blob_finish(bw, &cfg, err) != 0) fail_msg("%s", err);
    blob_abort(bw);
    albert_model_free(model);
    return rewritten;
}

static int rewrite_blob(const char *src, const char *dst, int dtype) { return rewrite_blob_as(src, dst, dtype, 0); }

typedef struct quant_result {
    double max_abs, min_cos;
} quant_result;

/* Runs every case of data/models/<model>/cases.txt through the blob at path (with the pool at isa) and returns
   the worst absolute error and the smallest per-token cosine of last_hidden_state against HuggingFace. */
static quant_result run_golden_features(const char *model, const char *blob, int isa, int features)
{
    char folder[256];
    tu_golden g;
    int i;
    albert_model *m;
    albert_context *ctx;
    albert_error e;
    albert_context_params cp = albert_context_default_params();
    quant_result qr;
    int n_cases = 0;
    qr.max_abs = 0.0;
    qr.min_cos = 1.0;
    if (albert_model_load(blob, &m, &e) != ALBERT_OK) fail_msg("load %s: %s", blob, e.message);
    cp.max_tokens = 256;
    cp.n_threads = 2;
    assert_int_equal(albert_context_create(m, &cp, &ctx), ALBERT_OK);
    ctx->pool->isa = isa;
    if (features >= 0) ctx->pool->features = features;
    snprintf(folder, sizeof folder, "data/models/%s", model);
    assert_int_equal(tu_golden_load(folder, &g), 0);
    for (i = 0; i < g.n_cases; i++) {
        const char *case_name = g.case_names[i];
        tu_golden_tensor *last = tu_golden_find(&g, case_name, "last_hidden_state");
        tu_golden_tensor *t_ids = tu_golden_find(&g, case_name, "input_ids");
        tu_golden_tensor *t_mask = tu_golden_find(&g, case_name, "attention_mask");
        tu_golden_tensor *t_types = tu_golden_find(&g, case_name, "token_type_ids");
        int B, S, H = albert_model_config(m)->hidden_size, tok, h;
        const int32_t *ids, *mask, *types;
        const float *want;
        float *got;
        albert_batch batch;
        albert_outputs out;
        if (!last) continue;
        B = last->dims[0];
        S = last->dims[1];
        assert_true(t_ids && t_mask && t_types && !last->is_int && last->ndim == 3 && last->dims[2] == H);
        assert_int_equal(t_ids->count, (size_t)B * S);
        assert_int_equal(t_mask->count, (size_t)B * S);
        assert_int_equal(t_types->count, (size_t)B * S);
        ids = (const int32_t *)t_ids->data;
        mask = (const int32_t *)t_mask->data;
        types = (const int32_t *)t_types->data;
        want = (const float *)last->data;
        got = (float *)xmalloc(sizeof(float) * (size_t)B * S * H);
        memset(&batch, 0, sizeof batch);
        batch.batch_size = B;
        batch.seq_len = S;
        batch.input_ids = ids;
        batch.attention_mask = mask;
        batch.token_type_ids = types;
        memset(&out, 0, sizeof out);
        out.layer = -1;
        out.hidden = got;
        if (albert_encode_batch(ctx, &batch, &out) != ALBERT_OK)
            fail_msg("%s %s: %s", blob, case_name, albert_context_last_error(ctx));
        for (tok = 0; tok < B * S; tok++) {
            const float *a = got + (size_t)tok * H, *b = want + (size_t)tok * H;
            double dot = 0.0, na = 0.0, nb = 0.0, cosine;
            for (h = 0; h < H; h++) {
                double err = fabs((double)a[h] - (double)b[h]);
                qr.max_abs = err > qr.max_abs || err != err ? err : qr.max_abs;
                dot += (double)a[h] * b[h];
                na += (double)a[h] * a[h];
                nb += (double)b[h] * b[h];
            }
            cosine = dot / sqrt(na * nb);
            qr.min_cos = cosine < qr.min_cos || cosine != cosine ? cosine : qr.min_cos;
        }
        free(got);
        n_cases++;
    }
    tu_golden_free(&g);
    assert_true(n_cases >= 5);
    albert_context_free(ctx);
    albert_model_free(m);
    return qr;
}

static quant_result run_golden(const char *model, const char *blob, int isa)
{
    return run_golden_features(model, blob, isa, -1);
}

/* The directory entry of tensor `name` in a blob read into memory (offset of its 80 bytes). */
static size_t raw_entry(const uint8_t *file, const char *name)
{
    uint64_t dir = get_u64(file + 24);
    uint32_t n = get_u32(file + 32), i;
    for (i = 0; i < n; i++)
        if (strncmp((const char *)file + dir + (size_t)i * 80, name, 32) == 0) return (size_t)dir + (size_t)i * 80;
    fail_msg("no tensor %s", name);
    return 0;
}

/* Loading `size` bytes at b from memory must fail (ALBERT_ERR_FORMAT) with a message containing `want`. */
static void expect_format_error(const uint8_t *b, size_t size, const char *want)
{
    albert_model *m = NULL;
    albert_error e;
    void *copy = NULL;
    assert_int_equal(posix_memalign(&copy, 64, size), 0);
    memcpy(copy, b, size);
    memset(&e, 0, sizeof e);
    if (albert_model_load_memory(copy, size, &m, &e) != ALBERT_ERR_FORMAT) fail_msg("loaded; wanted \"%s\"", want);
    assert_null(m);
    if (!strstr(e.message, want)) fail_msg("error \"%s\", wanted \"%s\"", e.message, want);
    free(copy);
}

static long file_size_of(const char *path)
{
    size_t size;
    void *p = tu_read_file(path, &size);
    assert_non_null(p);
    free(p);
    return (long)size;
}

static void test_golden_models(void **state)
{
    static const char *const models[] = {"tiny", "groups", "relu"};
    int levels[3], nl = isa_levels(levels), li;
    size_t mi;
    (void)state;
    for (mi = 0; mi < sizeof models / sizeof models[0]; mi++) {
        char dir[] = "/tmp/albert_quant_XXXXXX", src[256], f32[128], f16[128], q8[128];
        quant_result r;
        int n16, n8;
        assert_non_null(mkdtemp(dir));
        snprintf(src, sizeof src, "data/models/%s", models[mi]);
        snprintf(f32, sizeof f32, "%s/f32.albert", dir);
        snprintf(f16, sizeof f16, "%s/f16.albert", dir);
        snprintf(q8, sizeof q8, "%s/q8.albert", dir);
        if (tu_convert(src, f32) != 0) fail_msg("albert-convert %s failed", src);
        n16 = rewrite_blob(f32, f16, BLOB_F16);
        n8 = rewrite_blob(f32, q8, BLOB_Q8);
        assert_int_equal(n16, n8);
        assert_true(n16 >= 8);   /* emb.word, proj.w and six per layer at least */
        print_message("# quant %s: %d matrices; file sizes f32 %ld, f16 %ld, q8 %ld bytes\n", models[mi], n16,
                      file_size_of(f32), file_size_of(f16), file_size_of(q8));
        assert_true(file_size_of(f16) < file_size_of(f32));
        assert_true(file_size_of(q8) < file_size_of(f16));
        for (li = 0; li < nl; li++) {
            r = run_golden(models[mi], f32, levels[li]);
            print_message("# quant %s f32 %s: max_abs %.3g min_cos %.9f\n", models[mi], isa_name(levels[li]), r.max_abs,
                          r.min_cos);
            assert_true(r.max_abs <= 1e-4);
            r = run_golden(models[mi], f16, levels[li]);
            print_message("# quant %s f16 %s: max_abs %.3g min_cos %.9f\n", models[mi], isa_name(levels[li]), r.max_abs,
                          r.min_cos);
            assert_true(r.max_abs <= 1e-2);
            assert_true(r.min_cos >= 0.9999);
            r = run_golden(models[mi], q8, levels[li]);
            print_message("# quant %s q8  %s: max_abs %.3g min_cos %.9f\n", models[mi], isa_name(levels[li]), r.max_abs,
                          r.min_cos);
            assert_true(r.min_cos >= 0.999);
        }
        {   /* packed int8 and bf16 (what albert-convert --dtype int8 / bf16 writes) with every kernel of this CPU */
            char pq8[128], pbf[128];
            pk_variant v[8];
            int nv, vi;
            snprintf(pq8, sizeof pq8, "%s/pq8.albert", dir);
            snprintf(pbf, sizeof pbf, "%s/pbf16.albert", dir);
            assert_true(rewrite_blob_as(f32, pq8, BLOB_Q8, 1) >= 6);
            assert_true(rewrite_blob_as(f32, pbf, BLOB_BF16, 1) >= 6);
            nv = pk_variants(BLOB_Q8, v);
            for (vi = 0; vi < nv; vi++) {
                r = run_golden_features(models[mi], pq8, v[vi].isa, v[vi].features);
                print_message("# quant %s int8 packed %s: max_abs %.3g min_cos %.9f\n", models[mi], v[vi].name, r.max_abs,
                              r.min_cos);
                assert_true(r.min_cos >= 0.999);
            }
            nv = pk_variants(BLOB_BF16, v);
            for (vi = 0; vi < nv; vi++) {
                r = run_golden_features(models[mi], pbf, v[vi].isa, v[vi].features);
                print_message("# quant %s bf16 packed %s: max_abs %.3g min_cos %.9f\n", models[mi], v[vi].name, r.max_abs,
                              r.min_cos);
                assert_true(r.max_abs <= 5e-2);
                assert_true(r.min_cos >= 0.9999);
            }
            if (mi == 0) {   /* the packed tensors' validation (tiny: H = 32, so k = 32 pads to 64) */
                size_t size, e;
                uint8_t *b = (uint8_t *)tu_read_file(pq8, &size);
                raw_tensor t;
                uint32_t saved;
                assert_non_null(b);
                assert_true(raw_find(b, size, "g0.l0.q.w", &t));
                assert_int_equal(t.size, (uint64_t)((t.dims[0] + 15) / 16 * 16) * ((t.dims[1] + 63) / 64 * 64));
                assert_true(t.dims[1] % 64 != 0);
                e = raw_entry(b, "g0.l0.q.w");
                assert_int_equal(get_u32(b + e + 36), 1);   /* layout 1 */
                {   /* the byte of W[0][k] (the first padded input of output 0) */
                    size_t at = blob__packed_index(0, t.dims[1], (t.dims[1] + 63) / 64 * 64, 4);
                    ((uint8_t *)(uintptr_t)t.data)[at] = 1;
                    expect_format_error(b, size, "nonzero padding");
                    ((uint8_t *)(uintptr_t)t.data)[at] = 0;
                }
                saved = get_u32(b + e + 36);
                b[e + 36] = 2;
                expect_format_error(b, size, "unknown layout 2");
                b[e + 36] = (uint8_t)saved;
                b[e + 72] ^= 64;   /* data size no longer round16(n) x round64(k) */
                expect_format_error(b, size, "does not match its shape");
                b[e + 72] ^= 64;
                assert_true(raw_find(b, size, "g0.l0.q.w.sum", &t));
                saved = get_u32(t.data);
                ((uint8_t *)(uintptr_t)t.data)[3] = 0x7f;   /* sum 2^31-ish: out of range */
                expect_format_error(b, size, "out of range");
                memcpy((uint8_t *)(uintptr_t)t.data, &saved, 4);
                e = raw_entry(b, "g0.l0.q.w.sum");
                b[e] = 'X';   /* renamed: missing */
                expect_format_error(b, size, "packed int8 needs");
                b[e] = 'g';
                e = raw_entry(b, "g0.l0.k.w");
                b[e + 32] = 0;   /* layout 1 on f32 (and the size is wrong too) */
                expect_format_error(b, size, "unknown layout 1 for dtype 0");
                b[e + 32] = 2;
                free(b);
                b = (uint8_t *)tu_read_file(pbf, &size);
                assert_non_null(b);
                e = raw_entry(b, "g0.l0.q.w");
                assert_int_equal(get_u32(b + e + 32), 6);   /* bf16 */
                b[e + 36] = 0;   /* bf16 is only defined packed */
                expect_format_error(b, size, "bf16 needs layout 1");
                free(b);
            }
            remove(pq8);
            remove(pbf);
        }
        remove(f32);
        remove(f16);
        remove(q8);
        rmdir(dir);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_half_known_values),
        cmocka_unit_test(test_half_exhaustive),
        cmocka_unit_test(test_add_matrix_q8_and_f16),
        cmocka_unit_test(test_add_matrix_rejects),
        cmocka_unit_test(test_kernels_against_reference),
        cmocka_unit_test(test_q8_exact_on_grid),
        cmocka_unit_test(test_packed_kernels_against_reference),
        cmocka_unit_test(test_golden_models),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* wip/quant.h — f16 and int8 (q8) weight kernels of albert.h (to be pasted into albert.h after kernels.h).
   Same contract as albert__linear in wip/kernels.h, y = act(x W^T + b) + residual, with the weights in another
   dtype, read in place from the model file:
     f16: IEEE binary16, little-endian, [n x k] row-major;
     q8:  int8 [n x k] row-major with a float scale per row: W[j][t] = scale[j] * q[j][t], q in [-127, 127].

   f16, SIMD: the f32 design of kernels.h (x packed once per call into token panels, each thread owns a range of
   W rows, an MR x NR register tile) with the W rows converted by F16C (vcvtph2ps) a few values at a time into a
   small buffer the micro-kernel broadcasts from. All arithmetic is f32: results equal the f32 kernel run on the
   widened weights, up to float rounding.

   q8, SIMD: integer dot products. Each row of x is quantized on the fly to 8 bits, then summed exactly in int32:
     AVX-512 VNNI: asymmetric u8, x ~ sx * (u - z), sx = (max - min) / 255 over the row (min <= 0 <= max), z the
                   integer zero point; vpdpbusd (u8 x s8, 4 products per int32 lane, no intermediate saturation),
                   x . W_j ~ sx * scale_j * (sum_t u_t q_jt - z * sum_t q_jt);
     AVX2:         symmetric s8, x ~ sx * p, sx = max|x| / 127; vpmaddubsw(|p|, q * sign(p)) (a pair sum is at
                   most 2 * 127 * 127: no int16 saturation), vpmaddwd to int32.
   The activation rounding adds an error of at most half a step per element, on top of the weights' own int8
   rounding; tests/test_quant.c holds whole models to cosine >= 0.999 per token against HuggingFace. The scalar
   path (ALBERT_NO_SIMD, or a CPU without AVX2) keeps x in float and computes exactly the contract (in float,
   summing in order, as the reference versions did).

   The AVX2 paths assume F16C, which every CPU with AVX2 has (clang cannot test it with __builtin_cpu_supports). */

/* Declares `float *name` pointing to `count` floats on the stack, 64-byte aligned. */
#define ALBERT__ALIGNED_FLOATS(name, count)                                                                  \
    float name##_block[(count) + 16];                                                                        \
    float *name = name##_block + (16 - (size_t)((uintptr_t)name##_block / sizeof(float) % 16)) % 16

/* IEEE half -> float (all values: zeros, subnormals, infinities, NaN). */
static float albert__half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, exponent = (h >> 10) & 0x1fu, mantissa = h & 0x3ffu, bits;
    float f;
    if (exponent == 0) {
        f = (float)mantissa * (1.0f / 16777216.0f);   /* 2^-24 */
        return sign ? -f : f;
    }
    if (exponent == 31) bits = sign | 0x7f800000u | (mantissa << 13);
    else bits = sign | ((exponent + 112u) << 23) | (mantissa << 13);
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* The kernels of one compact-weight linear call. */
typedef struct albert__qlinear_job {
    albert__linear_job out;      /* x, sizes, bias, act, residual, y, isa, tile shape, packed x: as albert__linear
                                    (its w is unused); also what albert__linear_store_tile reads */
    const uint16_t *w16;         /* f16 weights, or NULL */
    const int8_t *w8;            /* q8 weights, or NULL */
    const float *w8_scale;       /* [n] */
    int vnni;                    /* q8: 1 = AVX-512 VNNI kernel (u8 activations), 0 = AVX2 (u7) */
    int kp;                      /* q8: quantized row length (k rounded up to 64 bytes) */
    uint8_t *xq;                 /* q8: [chunk rows x kp] quantized rows of x */
    float *xs;                   /* q8: [chunk rows] their scales */
    int32_t *xz;                 /* q8: [chunk rows] their zero points */
} albert__qlinear_job;

/* ---------------------------------------------------------------- scalar (the contract, exactly) */
/* Thread `index` of `count` computes its share of output columns, for every row of x. */
static void albert__qlinear_scalar_task(void *arg, int index, int count)
{
    const albert__qlinear_job *job = (const albert__qlinear_job *)arg;
    const albert__linear_job *o = &job->out;
    int j_begin = (int)((int64_t)o->n * index / count), j_end = (int)((int64_t)o->n * (index + 1) / count);
    int k = o->k, i, j, t;
    for (i = 0; i < o->m; i++) {
        const float *xr = o->x + (size_t)i * o->ldx;
        for (j = j_begin; j < j_end; j++) {
            float s = 0.0f;
            if (job->w16) {
                const uint16_t *wr = job->w16 + (size_t)j * k;
                for (t = 0; t < k; t++) s += xr[t] * albert__half_to_float(wr[t]);
            } else {
                const int8_t *wr = job->w8 + (size_t)j * k;
                for (t = 0; t < k; t++) s += xr[t] * (float)wr[t];
                s *= job->w8_scale[j];
            }
            if (o->b) s += o->b[j];
            if (o->act) s = albert__activate(s, o->act);
            if (o->residual) s += o->residual[(size_t)i * o->n + j];
            o->y[(size_t)i * o->n + j] = s;
        }
    }
}

/* y = act(b) + residual: a layer with no inputs (k == 0). */
static void albert__qlinear_no_inputs(const albert__linear_job *o)
{
    int i, j;
    for (i = 0; i < o->m; i++)
        for (j = 0; j < o->n; j++) {
            float v = albert__activate(o->b ? o->b[j] : 0.0f, o->act);
            o->y[(size_t)i * o->n + j] = v + (o->residual ? o->residual[(size_t)i * o->n + j] : 0.0f);
        }
}

static void albert__qlinear_job_init(albert__qlinear_job *job, albert__pool *pool, const float *x, int m, int k,
                                     const float *b, int n, int act, const float *residual, float *y)
{
    memset(job, 0, sizeof *job);
    job->out.x = x;
    job->out.ldx = (size_t)k;
    job->out.m = m;
    job->out.k = k;
    job->out.n = n;
    job->out.b = b;
    job->out.act = act;
    job->out.residual = residual;
    job->out.y = y;
    job->out.isa = albert__pool_isa(pool);
}

/* ---------------------------------------------------------------- f16 */
#ifdef ALBERT__X86_SIMD
#define ALBERT__AVX2_F16C __attribute__((target("avx2,fma,f16c")))

/* tile[ii * 16 + t] = sum_kk w_ii[kk] * xp[kk * 16 + t] for ii < 6, t < 16, W in f16 (AVX2 + FMA + F16C).
   Eight values of each W row are widened at a time into wf, which the FMA loop broadcasts from. */
ALBERT__AVX2_F16C static void albert__tile_f16_avx2(int k, const uint16_t *const *w, const float *xp, float *tile)
{
    ALBERT__ALIGNED_FLOATS(wf, 6 * 8);
    __m256 c0a = _mm256_setzero_ps(), c0b = c0a, c1a = c0a, c1b = c0a, c2a = c0a, c2b = c0a;
    __m256 c3a = c0a, c3b = c0a, c4a = c0a, c4b = c0a, c5a = c0a, c5b = c0a;
    int k0, r, u;
    for (k0 = 0; k0 < k; k0 += 8) {
        int len = k - k0 < 8 ? k - k0 : 8;
        if (len == 8) {
            for (r = 0; r < 6; r++)
                _mm256_store_ps(wf + r * 8, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)(w[r] + k0))));
        } else {
            for (r = 0; r < 6; r++)
                for (u = 0; u < len; u++) wf[r * 8 + u] = albert__half_to_float(w[r][k0 + u]);
        }
        for (u = 0; u < len; u++) {
            __m256 xa = _mm256_load_ps(xp), xb = _mm256_load_ps(xp + 8), b;
            xp += 16;
#define ALBERT__ROW256H(r)                           \
    b = _mm256_broadcast_ss(wf + r * 8 + u);         \
    c##r##a = _mm256_fmadd_ps(b, xa, c##r##a);       \
    c##r##b = _mm256_fmadd_ps(b, xb, c##r##b);
            ALBERT__ROW256H(0) ALBERT__ROW256H(1) ALBERT__ROW256H(2)
            ALBERT__ROW256H(3) ALBERT__ROW256H(4) ALBERT__ROW256H(5)
#undef ALBERT__ROW256H
        }
    }
#define ALBERT__STORE256H(r)                         \
    _mm256_store_ps(tile + r * 16, c##r##a);         \
    _mm256_store_ps(tile + r * 16 + 8, c##r##b);
    ALBERT__STORE256H(0) ALBERT__STORE256H(1) ALBERT__STORE256H(2)
    ALBERT__STORE256H(3) ALBERT__STORE256H(4) ALBERT__STORE256H(5)
#undef ALBERT__STORE256H
}

/* tile[ii * 32 + t] = sum_kk w_ii[kk] * xp[kk * 32 + t] for ii < 12, t < 32, W in f16 (AVX-512F, whose
   vcvtph2ps widens 16 halves at a time). */
ALBERT__AVX512 static void albert__tile_f16_avx512(int k, const uint16_t *const *w, const float *xp, float *tile)
{
    ALBERT__ALIGNED_FLOATS(wf, 12 * 16);
    __m512 c0a = _mm512_setzero_ps(), c0b = c0a, c1a = c0a, c1b = c0a, c2a = c0a, c2b = c0a, c3a = c0a, c3b = c0a;
    __m512 c4a = c0a, c4b = c0a, c5a = c0a, c5b = c0a, c6a = c0a, c6b = c0a, c7a = c0a, c7b = c0a;
    __m512 c8a = c0a, c8b = c0a, c9a = c0a, c9b = c0a, c10a = c0a, c10b = c0a, c11a = c0a, c11b = c0a;
    int k0, r, u;
    for (k0 = 0; k0 < k; k0 += 16) {
        int len = k - k0 < 16 ? k - k0 : 16;
        if (len == 16) {
            for (r = 0; r < 12; r++)
                _mm512_store_ps(wf + r * 16,
                                _mm512_maskz_cvtph_ps((__mmask16)0xFFFF, _mm256_loadu_si256((const __m256i *)(const void *)(w[r] + k0))));
        } else {
            for (r = 0; r < 12; r++)
                for (u = 0; u < len; u++) wf[r * 16 + u] = albert__half_to_float(w[r][k0 + u]);
        }
        for (u = 0; u < len; u++) {
            __m512 xa = _mm512_load_ps(xp), xb = _mm512_load_ps(xp + 16), b;
            xp += 32;
#define ALBERT__ROW512H(r)                           \
    b = _mm512_set1_ps(wf[r * 16 + u]);              \
    c##r##a = _mm512_fmadd_ps(b, xa, c##r##a);       \
    c##r##b = _mm512_fmadd_ps(b, xb, c##r##b);
            ALBERT__ROW512H(0) ALBERT__ROW512H(1) ALBERT__ROW512H(2) ALBERT__ROW512H(3)
            ALBERT__ROW512H(4) ALBERT__ROW512H(5) ALBERT__ROW512H(6) ALBERT__ROW512H(7)
            ALBERT__ROW512H(8) ALBERT__ROW512H(9) ALBERT__ROW512H(10) ALBERT__ROW512H(11)
#undef ALBERT__ROW512H
        }
    }
#define ALBERT__STORE512H(r)                         \
    _mm512_store_ps(tile + r * 32, c##r##a);         \
    _mm512_store_ps(tile + r * 32 + 16, c##r##b);
    ALBERT__STORE512H(0) ALBERT__STORE512H(1) ALBERT__STORE512H(2) ALBERT__STORE512H(3)
    ALBERT__STORE512H(4) ALBERT__STORE512H(5) ALBERT__STORE512H(6) ALBERT__STORE512H(7)
    ALBERT__STORE512H(8) ALBERT__STORE512H(9) ALBERT__STORE512H(10) ALBERT__STORE512H(11)
#undef ALBERT__STORE512H
}

/* Thread `index` of `count` computes its range of W rows for all rows of the chunk (as albert__linear_tiles_task). */
static void albert__f16_tiles_task(void *arg, int index, int count)
{
    const albert__qlinear_job *job = (const albert__qlinear_job *)arg;
    const albert__linear_job *o = &job->out;
    int mr = o->mr, nr = o->nr;
    int n_blocks = (o->n + mr - 1) / mr, n_panels = (o->chunk_rows + nr - 1) / nr;
    int block_begin = (int)((int64_t)n_blocks * index / count), block_end = (int)((int64_t)n_blocks * (index + 1) / count);
    int blk, p, ii;
    ALBERT__ALIGNED_FLOATS(tile, ALBERT__MR_MAX * ALBERT__NR_MAX);
    const uint16_t *wrows[ALBERT__MR_MAX];
    for (blk = block_begin; blk < block_end; blk++) {
        int j0 = blk * mr, mr_used = o->n - j0 < mr ? o->n - j0 : mr;
        for (ii = 0; ii < mr; ii++) wrows[ii] = job->w16 + (size_t)(j0 + (ii < mr_used ? ii : mr_used - 1)) * o->k;
        for (p = 0; p < n_panels; p++) {
            int row0 = o->chunk_row0 + p * nr;
            int nt_used = o->chunk_rows - p * nr < nr ? o->chunk_rows - p * nr : nr;
            const float *xp = o->xp + (size_t)p * o->k * nr;
            if (o->isa == ALBERT__ISA_AVX512) albert__tile_f16_avx512(o->k, wrows, xp, tile);
            else albert__tile_f16_avx2(o->k, wrows, xp, tile);
            albert__linear_store_tile(o, tile, j0, mr_used, row0, nt_used);
        }
    }
}
#endif /* ALBERT__X86_SIMD */

static void albert__linear_f16(albert__pool *pool, const float *x, int m, int k, const uint16_t *w, const float *b,
                               int n, int act, const float *residual, float *y)
{
    albert__qlinear_job job;
    int n_threads = albert__pool_threads(pool);
    if (m <= 0 || n <= 0) return;
    albert__qlinear_job_init(&job, pool, x, m, k, b, n, act, residual, y);
    job.w16 = w;
    if (k <= 0) {
        albert__qlinear_no_inputs(&job.out);
        return;
    }
#ifdef ALBERT__X86_SIMD
    if (job.out.isa != ALBERT__ISA_SCALAR) {
        albert__linear_job *o = &job.out;
        o->mr = o->isa == ALBERT__ISA_AVX512 ? ALBERT__MR_AVX512 : ALBERT__MR_AVX2;
        o->nr = o->isa == ALBERT__ISA_AVX512 ? ALBERT__NR_AVX512 : ALBERT__NR_AVX2;
        if ((size_t)k * (size_t)o->nr <= ALBERT__PACK_FLOATS) {
            int panels_fit = (int)(ALBERT__PACK_FLOATS / ((size_t)k * (size_t)o->nr));
            int chunk_max = panels_fit * o->nr, n_blocks = (n + o->mr - 1) / o->mr, row0;
            int tile_tasks = n_blocks < n_threads ? n_blocks : n_threads;
            o->xp = pool->pack;
            for (row0 = 0; row0 < m; row0 += chunk_max) {
                int n_panels;
                o->chunk_row0 = row0;
                o->chunk_rows = m - row0 < chunk_max ? m - row0 : chunk_max;
                n_panels = (o->chunk_rows + o->nr - 1) / o->nr;
                albert__pool_run(pool, albert__linear_pack_task, o, n_panels < n_threads ? n_panels : n_threads);
                albert__pool_run(pool, albert__f16_tiles_task, &job, tile_tasks);
            }
            return;
        }
    }
#endif
    albert__pool_run(pool, albert__qlinear_scalar_task, &job, n < n_threads ? n : n_threads);
}

/* ---------------------------------------------------------------- q8 */
#ifdef ALBERT__X86_SIMD
#define ALBERT__VNNI __attribute__((target("avx512f,avx512bw,avx512vnni,avx2,fma")))
#define ALBERT__Q8_ROWS 4       /* W rows per micro-kernel */
#define ALBERT__Q8_TOKENS 4     /* most x rows per micro-kernel (VNNI 4, AVX2 2) */
#define ALBERT__Q8_GROUP 64     /* x rows per stored tile */

static int albert__cpu_has_vnni(void)
{
    return __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw");
}

/* Quantizes x[k] to out[kp] (zero past k).
   asymmetric (VNNI): u8 u in [0, 255], x ~ scale * (u - zero), min(x, 0) -> 0 and max(x, 0) -> 255;
   symmetric (AVX2):  s8 q in [-127, 127], x ~ scale * q, scale = max|x| / 127, *zero = 0. */
ALBERT__AVX2 static void albert__quantize_row_avx2(const float *x, int k, int kp, int symmetric, uint8_t *out,
                                                   float *scale, int32_t *zero)
{
    __m256 vlo = _mm256_setzero_ps(), vhi = vlo, vinv, vz;
    __m256i vzero = _mm256_setzero_si256(), vmax, shift;
    __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    __m128 h;
    float lo, hi, s, inv;
    int j, z, qmax = symmetric ? 254 : 255;
    for (j = 0; j + 8 <= k; j += 8) {
        __m256 v = _mm256_loadu_ps(x + j);
        vlo = _mm256_min_ps(vlo, v);
        vhi = _mm256_max_ps(vhi, v);
    }
    h = _mm_min_ps(_mm256_castps256_ps128(vlo), _mm256_extractf128_ps(vlo, 1));
    h = _mm_min_ps(h, _mm_movehl_ps(h, h));
    lo = _mm_cvtss_f32(_mm_min_ss(h, _mm_shuffle_ps(h, h, 1)));
    h = _mm_max_ps(_mm256_castps256_ps128(vhi), _mm256_extractf128_ps(vhi, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    hi = _mm_cvtss_f32(_mm_max_ss(h, _mm_shuffle_ps(h, h, 1)));
    for (; j < k; j++) {
        lo = x[j] < lo ? x[j] : lo;
        hi = x[j] > hi ? x[j] : hi;
    }
    if (symmetric) {   /* the range [-max|x|, max|x|] in 254 steps: zero point 127 */
        hi = -lo > hi ? -lo : hi;
        lo = -hi;
    }
    s = (hi - lo) / (float)qmax;
    memset(out, 0, (size_t)kp);
    *zero = 0;
    if (!(s > 0.0f && s <= FLT_MAX)) {   /* an all-zero row (or NaN / infinite inputs: the row reads as 0) */
        *scale = 0.0f;
        return;
    }
    inv = 1.0f / s;
    z = symmetric ? 127 : (int)lrintf(-lo * inv);
    z = z < 0 ? 0 : (z > qmax ? qmax : z);
    *scale = s;
    if (symmetric != 1) *zero = z;
    vinv = _mm256_set1_ps(inv);
    vz = _mm256_set1_ps((float)z);
    vmax = _mm256_set1_epi32(qmax);
    shift = _mm256_set1_epi8(symmetric == 1 ? 127 : 0);
#define ALBERT__QUANT8(off)                                                                                  \
    _mm256_max_epi32(vzero, _mm256_min_epi32(vmax, _mm256_cvtps_epi32(_mm256_fmadd_ps(_mm256_loadu_ps(x + j + off), \
                                                                                      vinv, vz))))
    for (j = 0; j + 32 <= k; j += 32) {
        __m256i a = ALBERT__QUANT8(0), b = ALBERT__QUANT8(8), c = ALBERT__QUANT8(16), d = ALBERT__QUANT8(24);
        __m256i packed = _mm256_packus_epi16(_mm256_packs_epi32(a, b), _mm256_packs_epi32(c, d));
        packed = _mm256_sub_epi8(_mm256_permutevar8x32_epi32(packed, order), shift);
        _mm256_storeu_si256((__m256i *)(void *)(out + j), packed);
    }
#undef ALBERT__QUANT8
    for (; j < k; j++) {
        int u = (int)lrintf(x[j] * inv + (float)z);
        u = u < 0 ? 0 : (u > qmax ? qmax : u);
        out[j] = (uint8_t)(symmetric == 1 ? (u + 129) & 0xff : u);   /* symmetric: the byte of u - 127 */
    }
}

/* Sum of each of the 4 rows w[r][0..k) (int8). */
ALBERT__AVX2 static void albert__row_sums_q8_avx2(int k, const int8_t *const *w, int32_t *sums)
{
    __m256i ones8 = _mm256_set1_epi8(1), ones16 = _mm256_set1_epi16(1);
    int r, j;
    for (r = 0; r < ALBERT__Q8_ROWS; r++) {
        __m256i acc = _mm256_setzero_si256();
        int32_t lanes[8], s = 0;
        for (j = 0; j + 32 <= k; j += 32) {
            __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(w[r] + j));
            acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, v), ones16));
        }
        _mm256_storeu_si256((__m256i *)(void *)lanes, acc);
        for (; j < k; j++) s += w[r][j];
        for (j = 0; j < 8; j++) s += lanes[j];
        sums[r] = s;
    }
}

/* The 8 lane sums of v[0..7], in order (a hadd tree). */
ALBERT__AVX2 static __m256i albert__hsum8x8_epi32(const __m256i *v)
{
    __m256i s0123 = _mm256_hadd_epi32(_mm256_hadd_epi32(v[0], v[1]), _mm256_hadd_epi32(v[2], v[3]));
    __m256i s4567 = _mm256_hadd_epi32(_mm256_hadd_epi32(v[4], v[5]), _mm256_hadd_epi32(v[6], v[7]));
    return _mm256_add_epi32(_mm256_permute2x128_si256(s0123, s4567, 0x20), _mm256_permute2x128_si256(s0123, s4567, 0x31));
}

/* dots[r][t] = sum_kk w[r][kk] * x[t][kk] for r < 4, t < 2: w int8 rows of k, x int8 rows (in [-127, 127])
   padded with zeros to a multiple of 32. AVX2: vpmaddubsw(|x|, w * sign(x)) pairs (at most 2 * 127 * 127, no
   saturation), vpmaddwd to int32. */
ALBERT__AVX2 static void albert__dot_q8_avx2(int k, const int8_t *const *w, const uint8_t *const *x,
                                             int32_t dots[ALBERT__Q8_ROWS][ALBERT__Q8_TOKENS])
{
    __m256i ones = _mm256_set1_epi16(1), c[8], sums;
    __m256i c0 = _mm256_setzero_si256(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
    const uint8_t *x0 = x[0], *x1 = x[1];
    int32_t out[8];
    int j, r;
#define ALBERT__DOT256(a, b, wv)                                                                               \
    {                                                                                                          \
        __m256i wr = (wv);                                                                                     \
        a = _mm256_add_epi32(a, _mm256_madd_epi16(_mm256_maddubs_epi16(ax0, _mm256_sign_epi8(wr, sx0)), ones)); \
        b = _mm256_add_epi32(b, _mm256_madd_epi16(_mm256_maddubs_epi16(ax1, _mm256_sign_epi8(wr, sx1)), ones)); \
    }
    for (j = 0; j < k; j += 32) {
        __m256i sx0 = _mm256_load_si256((const __m256i *)(const void *)(x0 + j));
        __m256i sx1 = _mm256_load_si256((const __m256i *)(const void *)(x1 + j));
        __m256i ax0 = _mm256_abs_epi8(sx0), ax1 = _mm256_abs_epi8(sx1);
        if (j + 32 <= k) {
            ALBERT__DOT256(c0, c1, _mm256_loadu_si256((const __m256i *)(const void *)(w[0] + j)))
            ALBERT__DOT256(c2, c3, _mm256_loadu_si256((const __m256i *)(const void *)(w[1] + j)))
            ALBERT__DOT256(c4, c5, _mm256_loadu_si256((const __m256i *)(const void *)(w[2] + j)))
            ALBERT__DOT256(c6, c7, _mm256_loadu_si256((const __m256i *)(const void *)(w[3] + j)))
        } else {   /* the last k % 32 weights, copied into zeroed blocks (never read past a row) */
            int8_t tail[ALBERT__Q8_ROWS][32];
            memset(tail, 0, sizeof tail);
            for (r = 0; r < ALBERT__Q8_ROWS; r++) memcpy(tail[r], w[r] + j, (size_t)(k - j));
            ALBERT__DOT256(c0, c1, _mm256_loadu_si256((const __m256i *)(const void *)tail[0]))
            ALBERT__DOT256(c2, c3, _mm256_loadu_si256((const __m256i *)(const void *)tail[1]))
            ALBERT__DOT256(c4, c5, _mm256_loadu_si256((const __m256i *)(const void *)tail[2]))
            ALBERT__DOT256(c6, c7, _mm256_loadu_si256((const __m256i *)(const void *)tail[3]))
        }
    }
    c[0] = c0; c[1] = c1; c[2] = c2; c[3] = c3; c[4] = c4; c[5] = c5; c[6] = c6; c[7] = c7;
#undef ALBERT__DOT256
    sums = albert__hsum8x8_epi32(c);
    _mm256_storeu_si256((__m256i *)(void *)out, sums);
    for (r = 0; r < ALBERT__Q8_ROWS; r++) {
        dots[r][0] = out[2 * r];
        dots[r][1] = out[2 * r + 1];
    }
}

/* The same for t < 4 with x in u8 rows padded to a multiple of 64 (AVX-512 VNNI vpdpbusd, u8 x s8). */
ALBERT__VNNI static void albert__dot_q8_vnni(int k, const int8_t *const *w, const uint8_t *const *x,
                                            int32_t dots[ALBERT__Q8_ROWS][ALBERT__Q8_TOKENS])
{
    __m512i c[ALBERT__Q8_ROWS * ALBERT__Q8_TOKENS];
    __m256i halves[ALBERT__Q8_ROWS * ALBERT__Q8_TOKENS];
    int32_t out[ALBERT__Q8_ROWS * ALBERT__Q8_TOKENS];
    int j, r, t;
    __m512i c0 = _mm512_setzero_si512(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
    __m512i c8 = c0, c9 = c0, c10 = c0, c11 = c0, c12 = c0, c13 = c0, c14 = c0, c15 = c0;
    for (j = 0; j < k; j += 64) {
        __mmask64 keep = k - j >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << (k - j)) - 1);   /* masked: never past a row */
        __m512i x0 = _mm512_load_si512((const void *)(x[0] + j)), x1 = _mm512_load_si512((const void *)(x[1] + j));
        __m512i x2 = _mm512_load_si512((const void *)(x[2] + j)), x3 = _mm512_load_si512((const void *)(x[3] + j));
        __m512i wv;
#define ALBERT__DOT512(r, a, b, c, d)                                          \
        wv = _mm512_maskz_loadu_epi8(keep, (const void *)(w[r] + j));          \
        a = _mm512_dpbusd_epi32(a, x0, wv);                                    \
        b = _mm512_dpbusd_epi32(b, x1, wv);                                    \
        c = _mm512_dpbusd_epi32(c, x2, wv);                                    \
        d = _mm512_dpbusd_epi32(d, x3, wv);
        ALBERT__DOT512(0, c0, c1, c2, c3)
        ALBERT__DOT512(1, c4, c5, c6, c7)
        ALBERT__DOT512(2, c8, c9, c10, c11)
        ALBERT__DOT512(3, c12, c13, c14, c15)
#undef ALBERT__DOT512
    }
    c[0] = c0; c[1] = c1; c[2] = c2; c[3] = c3; c[4] = c4; c[5] = c5; c[6] = c6; c[7] = c7;
    c[8] = c8; c[9] = c9; c[10] = c10; c[11] = c11; c[12] = c12; c[13] = c13; c[14] = c14; c[15] = c15;
    for (r = 0; r < ALBERT__Q8_ROWS * ALBERT__Q8_TOKENS; r++)   /* 512 -> 256 bits, then two hadd trees */
        halves[r] = _mm256_add_epi32(_mm512_maskz_extracti64x4_epi64((__mmask8)0xF, c[r], 0),
                                     _mm512_maskz_extracti64x4_epi64((__mmask8)0xF, c[r], 1));
    _mm256_storeu_si256((__m256i *)(void *)out, albert__hsum8x8_epi32(halves));
    _mm256_storeu_si256((__m256i *)(void *)(out + 8), albert__hsum8x8_epi32(halves + 8));
    for (r = 0; r < ALBERT__Q8_ROWS; r++)
        for (t = 0; t < ALBERT__Q8_TOKENS; t++) dots[r][t] = out[4 * r + t];
}

/* Quantizes the rows of the chunk; thread `index` of `count` does its share. */
static void albert__q8_quantize_task(void *arg, int index, int count)
{
    const albert__qlinear_job *job = (const albert__qlinear_job *)arg;
    const albert__linear_job *o = &job->out;
    int i = (int)((int64_t)o->chunk_rows * index / count), end = (int)((int64_t)o->chunk_rows * (index + 1) / count);
    for (; i < end; i++)
        albert__quantize_row_avx2(o->x + (size_t)(o->chunk_row0 + i) * o->ldx, o->k, job->kp, job->vnni ? 2 : 1,
                                  job->xq + (size_t)i * job->kp, &job->xs[i], &job->xz[i]);
}

/* Thread `index` of `count` computes its range of W rows (blocks of 4) for all rows of the chunk, in groups of
   ALBERT__Q8_GROUP x rows whose tile gets bias, activation and residual by albert__linear_store_tile. */
static void albert__q8_tiles_task(void *arg, int index, int count)
{
    const albert__qlinear_job *job = (const albert__qlinear_job *)arg;
    const albert__linear_job *o = &job->out;
    int n_blocks = (o->n + ALBERT__Q8_ROWS - 1) / ALBERT__Q8_ROWS, tokens = job->vnni ? 4 : 2;
    int block_begin = (int)((int64_t)n_blocks * index / count), block_end = (int)((int64_t)n_blocks * (index + 1) / count);
    int blk, g0, t0, ii, tt;
    ALBERT__ALIGNED_FLOATS(tile, ALBERT__Q8_ROWS * ALBERT__Q8_GROUP);
    const int8_t *wrows[ALBERT__Q8_ROWS];
    const uint8_t *xrows[ALBERT__Q8_TOKENS];
    int32_t sums[ALBERT__Q8_ROWS], dots[ALBERT__Q8_ROWS][ALBERT__Q8_TOKENS];
    for (blk = block_begin; blk < block_end; blk++) {
        int j0 = blk * ALBERT__Q8_ROWS, rows_used = o->n - j0 < ALBERT__Q8_ROWS ? o->n - j0 : ALBERT__Q8_ROWS;
        for (ii = 0; ii < ALBERT__Q8_ROWS; ii++)
            wrows[ii] = job->w8 + (size_t)(j0 + (ii < rows_used ? ii : rows_used - 1)) * o->k;
        if (job->vnni) albert__row_sums_q8_avx2(o->k, wrows, sums);   /* for the zero points */
        else sums[0] = sums[1] = sums[2] = sums[3] = 0;                 /* symmetric: no zero points */
        for (g0 = 0; g0 < o->chunk_rows; g0 += ALBERT__Q8_GROUP) {
            int group = o->chunk_rows - g0 < ALBERT__Q8_GROUP ? o->chunk_rows - g0 : ALBERT__Q8_GROUP;
            for (t0 = 0; t0 < group; t0 += tokens) {
                int used = group - t0 < tokens ? group - t0 : tokens;
                for (tt = 0; tt < tokens; tt++) xrows[tt] = job->xq + (size_t)(g0 + t0 + (tt < used ? tt : 0)) * job->kp;
                if (job->vnni) albert__dot_q8_vnni(o->k, wrows, xrows, dots);
                else albert__dot_q8_avx2(o->k, wrows, xrows, dots);
                for (tt = 0; tt < used; tt++) {
                    int i = g0 + t0 + tt;
                    for (ii = 0; ii < rows_used; ii++)
                        tile[ii * ALBERT__Q8_GROUP + t0 + tt] =
                            job->xs[i] * job->w8_scale[j0 + ii] *
                            (float)((int64_t)dots[ii][tt] - (int64_t)job->xz[i] * sums[ii]);
                }
            }
            for (ii = 0; ii < ALBERT__Q8_ROWS; ii++)
                for (tt = ii < rows_used ? group : 0; tt < ALBERT__Q8_GROUP; tt++) tile[ii * ALBERT__Q8_GROUP + tt] = 0.0f;
            albert__linear_store_tile(o, tile, j0, rows_used, o->chunk_row0 + g0, group);
        }
    }
}
#endif /* ALBERT__X86_SIMD */

static void albert__linear_q8(albert__pool *pool, const float *x, int m, int k, const int8_t *w, const float *scale,
                              const float *b, int n, int act, const float *residual, float *y)
{
    albert__qlinear_job job;
    int n_threads = albert__pool_threads(pool);
    if (m <= 0 || n <= 0) return;
    albert__qlinear_job_init(&job, pool, x, m, k, b, n, act, residual, y);
    job.w8 = w;
    job.w8_scale = scale;
    if (k <= 0) {
        albert__qlinear_no_inputs(&job.out);
        return;
    }
#ifdef ALBERT__X86_SIMD
    if (job.out.isa != ALBERT__ISA_SCALAR) {
        /* the pack buffer holds, per chunk: scales and zero points (16-float blocks), then rows of kp bytes */
        size_t pack_bytes = ALBERT__PACK_FLOATS * sizeof(float), kp = ((size_t)k + 63) / 64 * 64;
        size_t rows_fit = pack_bytes / (kp + 2 * sizeof(float)), chunk_max = rows_fit > 32 ? rows_fit - 32 : 0;
        /* k <= 32768 keeps every int32 sum (at most k * 255 * 127, twice) from overflowing */
        if (chunk_max >= 1 && k <= 32768) {
            albert__linear_job *o = &job.out;
            int n_blocks = (n + ALBERT__Q8_ROWS - 1) / ALBERT__Q8_ROWS, row0;
            int tile_tasks = n_blocks < n_threads ? n_blocks : n_threads;
            size_t chunk_rows16;
            if (chunk_max > (size_t)m) chunk_max = (size_t)m;
            chunk_rows16 = albert__round16(chunk_max);
            job.vnni = o->isa == ALBERT__ISA_AVX512 && albert__cpu_has_vnni();
            job.kp = (int)kp;
            o->nr = ALBERT__Q8_GROUP;   /* the row stride of the tiles given to albert__linear_store_tile */
            o->mr = ALBERT__Q8_ROWS;
            job.xs = pool->pack;
            job.xz = (int32_t *)(void *)(pool->pack + chunk_rows16);
            job.xq = (uint8_t *)(void *)(pool->pack + 2 * chunk_rows16);
            for (row0 = 0; row0 < m; row0 += (int)chunk_max) {
                int quant_tasks;
                o->chunk_row0 = row0;
                o->chunk_rows = m - row0 < (int)chunk_max ? m - row0 : (int)chunk_max;
                quant_tasks = o->chunk_rows < n_threads ? o->chunk_rows : n_threads;
                if ((size_t)o->chunk_rows * (size_t)k < 16384) quant_tasks = 1;
                albert__pool_run(pool, albert__q8_quantize_task, &job, quant_tasks);
                albert__pool_run(pool, albert__q8_tiles_task, &job, tile_tasks);
            }
            return;
        }
    }
#endif
    albert__pool_run(pool, albert__qlinear_scalar_task, &job, n < n_threads ? n : n_threads);
}

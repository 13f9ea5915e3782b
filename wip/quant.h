/* wip/quant.h — f16 and int8 (q8) weight kernels of albert.h (to be pasted into albert.h after kernels.h).
   First version: plain scalar reference, written by the lead. Same contract as albert__linear in
   wip/kernels.h, with the weights in another dtype:
     f16: IEEE binary16, little-endian, [n x k] row-major;
     q8:  int8 [n x k] row-major with a float scale per row: W[j][t] = scale[j] * q[j][t]. */

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

static void albert__linear_f16(albert__pool *pool, const float *x, int m, int k, const uint16_t *w, const float *b,
                               int n, int act, const float *residual, float *y)
{
    int i, j, t;
    (void)pool;
    for (i = 0; i < m; i++) {
        const float *xr = x + (size_t)i * k;
        for (j = 0; j < n; j++) {
            const uint16_t *wr = w + (size_t)j * k;
            float s = 0.0f;
            for (t = 0; t < k; t++) s += xr[t] * albert__half_to_float(wr[t]);
            if (b) s += b[j];
            if (act) s = albert__activate(s, act);
            if (residual) s += residual[(size_t)i * n + j];
            y[(size_t)i * n + j] = s;
        }
    }
}

static void albert__linear_q8(albert__pool *pool, const float *x, int m, int k, const int8_t *w, const float *scale,
                              const float *b, int n, int act, const float *residual, float *y)
{
    int i, j, t;
    (void)pool;
    for (i = 0; i < m; i++) {
        const float *xr = x + (size_t)i * k;
        for (j = 0; j < n; j++) {
            const int8_t *wr = w + (size_t)j * k;
            float s = 0.0f;
            for (t = 0; t < k; t++) s += xr[t] * (float)wr[t];
            s *= scale[j];
            if (b) s += b[j];
            if (act) s = albert__activate(s, act);
            if (residual) s += residual[(size_t)i * n + j];
            y[(size_t)i * n + j] = s;
        }
    }
}

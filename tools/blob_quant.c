/* blob_quant.c - weight matrices in the blob's compact dtypes (albert.h "THE MODEL FILE": 1 f16, 2 q8).

   f16: IEEE binary16, rounded to nearest even. A weight whose magnitude rounds past the largest half (65504)
        is reported as an error rather than saturated: real ALBERT weights are far below 1, so such a value means
        a broken checkpoint, and silently clipping it would hide that.
   q8:  symmetric int8 with one scale per row (per output unit): scale = max|w| / 127, q = round(w / scale)
        clamped to [-127, 127]; the row reads back as scale * q. -128 is never used, so the kernels may negate
        any q. An all-zero row gets scale 0. The scales go into the f32 tensor "<name>.scale" [rows].
   Every weight must be finite. */
#include "convert.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOB_HALF_INFINITY 0x7c00u
#define BLOB_Q8_MAX 127

uint16_t blob_float_to_half(float f)
{
    uint32_t bits, magnitude, exponent, mantissa;
    uint16_t sign;
    memcpy(&bits, &f, sizeof bits);
    sign = (uint16_t)((bits >> 16) & 0x8000u);
    magnitude = bits & 0x7fffffffu;
    exponent = magnitude >> 23;
    mantissa = magnitude & 0x7fffffu;
    if (exponent == 0xffu)   /* infinity, or NaN (kept quiet, with its top payload bits) */
        return (uint16_t)(sign | BLOB_HALF_INFINITY | (mantissa ? 0x200u | (mantissa >> 13) : 0u));
    if (magnitude >= 0x477ff000u) return (uint16_t)(sign | BLOB_HALF_INFINITY);   /* >= 65520 rounds past 65504 */
    if (exponent < 113) {
        /* below 2^-14: a half subnormal, units of 2^-24. value = m * 2^(exponent - 150), so the count of
           units is m >> (126 - exponent), rounded to nearest even. */
        uint32_t m = mantissa | 0x800000u, shift = 126u - exponent, units, rest, halfway;
        if (exponent < 102) return sign;   /* below 2^-25: rounds to zero */
        units = m >> shift;
        rest = m & ((1u << shift) - 1u);
        halfway = 1u << (shift - 1u);
        if (rest > halfway || (rest == halfway && (units & 1u))) units++;   /* may carry into the smallest normal */
        return (uint16_t)(sign | units);
    }
    {
        /* normal: rebias the exponent (127 -> 15) and round the 23-bit mantissa to 10 bits; a carry out of the
           mantissa correctly bumps the exponent (the overflow case was handled above). */
        uint32_t half = ((exponent - 112u) << 10) | (mantissa >> 13), rest = mantissa & 0x1fffu;
        if (rest > 0x1000u || (rest == 0x1000u && (half & 1u))) half++;
        return (uint16_t)(sign | half);
    }
}

/* Checks that every weight is finite; reports the first that is not. */
static int blob__check_finite(const char *name, uint32_t rows, uint32_t cols, const float *data, char *err)
{
    uint32_t r, c;
    for (r = 0; r < rows; r++) {
        const float *row = data + (size_t)r * cols;
        for (c = 0; c < cols; c++)
            if (!isfinite(row[c])) {
                snprintf(err, CK_ERR_LEN, "tensor %s: weight [%lu][%lu] is %g (not a finite number)", name,
                         (unsigned long)r, (unsigned long)c, (double)row[c]);
                return -1;
            }
    }
    return 0;
}

static int blob__add_f16(blob_writer *w, const char *name, uint32_t rows, uint32_t cols, const float *data,
                         size_t count, char *err)
{
    uint32_t dims[2];
    uint16_t *halves = (uint16_t *)malloc(count * sizeof(uint16_t) + 1);
    size_t i;
    int rc;
    if (!halves) { snprintf(err, CK_ERR_LEN, "tensor %s: out of memory", name); return -1; }
    for (i = 0; i < count; i++) {
        halves[i] = blob_float_to_half(data[i]);
        if ((halves[i] & 0x7fffu) == BLOB_HALF_INFINITY) {
            snprintf(err, CK_ERR_LEN,
                     "tensor %s: weight [%lu][%lu] = %g does not fit in f16 (largest 65504); use --dtype f32 or int8",
                     name, (unsigned long)(i / cols), (unsigned long)(i % cols), (double)data[i]);
            free(halves);
            return -1;
        }
    }
    dims[0] = rows;
    dims[1] = cols;
    rc = blob_add(w, name, BLOB_F16, 2, dims, halves, (uint64_t)count * sizeof(uint16_t), err);
    free(halves);
    return rc;
}

static int blob__add_q8(blob_writer *w, const char *name, uint32_t rows, uint32_t cols, const float *data,
                        size_t count, char *err)
{
    char scale_name[64];
    uint32_t dims[2], r, c;
    int8_t *q = (int8_t *)malloc(count + 1);
    float *scales = (float *)malloc((size_t)rows * sizeof(float) + 1);
    int rc;
    if (!q || !scales) {
        free(q);
        free(scales);
        snprintf(err, CK_ERR_LEN, "tensor %s: out of memory", name);
        return -1;
    }
    for (r = 0; r < rows; r++) {
        const float *row = data + (size_t)r * cols;
        int8_t *qrow = q + (size_t)r * cols;
        float max_abs = 0.0f, scale;
        for (c = 0; c < cols; c++) max_abs = fabsf(row[c]) > max_abs ? fabsf(row[c]) : max_abs;
        scale = max_abs / (float)BLOB_Q8_MAX;
        if (scale == 0.0f) {   /* an all-zero row (or one so tiny that its scale underflows) */
            scales[r] = 0.0f;
            memset(qrow, 0, cols);
            continue;
        }
        scales[r] = scale;
        for (c = 0; c < cols; c++) {
            float v = roundf(row[c] / scale);
            v = v > (float)BLOB_Q8_MAX ? (float)BLOB_Q8_MAX : (v < -(float)BLOB_Q8_MAX ? -(float)BLOB_Q8_MAX : v);
            qrow[c] = (int8_t)v;
        }
    }
    dims[0] = rows;
    dims[1] = cols;
    rc = blob_add(w, name, BLOB_Q8, 2, dims, q, (uint64_t)count, err);
    if (rc == 0) {
        snprintf(scale_name, sizeof scale_name, "%s.scale", name);
        rc = blob_add(w, scale_name, BLOB_F32, 1, dims, scales, (uint64_t)rows * sizeof(float), err);
    }
    free(q);
    free(scales);
    return rc;
}

int blob_add_matrix(blob_writer *w, const char *name, int dtype, uint32_t rows, uint32_t cols, const float *data,
                    char *err)
{
    uint32_t dims[2];
    size_t count;
    if (rows == 0 || cols == 0) {
        snprintf(err, CK_ERR_LEN, "tensor %s: empty matrix [%lu x %lu]", name, (unsigned long)rows,
                 (unsigned long)cols);
        return -1;
    }
    if ((uint64_t)rows > (uint64_t)(SIZE_MAX / sizeof(float)) / cols) {
        snprintf(err, CK_ERR_LEN, "tensor %s: [%lu x %lu] is too large", name, (unsigned long)rows,
                 (unsigned long)cols);
        return -1;
    }
    count = (size_t)rows * cols;
    if (blob__check_finite(name, rows, cols, data, err) != 0) return -1;
    switch (dtype) {
    case BLOB_F32:
        dims[0] = rows;
        dims[1] = cols;
        return blob_add(w, name, BLOB_F32, 2, dims, data, (uint64_t)count * sizeof(float), err);
    case BLOB_F16: return blob__add_f16(w, name, rows, cols, data, count, err);
    case BLOB_Q8: return blob__add_q8(w, name, rows, cols, data, count, err);
    default:
        snprintf(err, CK_ERR_LEN, "tensor %s: dtype %d is not a weight matrix type (f32, f16 or q8)", name, dtype);
        return -1;
    }
}

/* Index of W[j][t] in the packed layout ([n16/16][kp/g][16][g]). */
static size_t blob__packed_index(uint32_t j, uint32_t t, uint32_t kp, uint32_t g)
{
    return (((size_t)(j / 16) * (kp / g) + t / g) * 16 + j % 16) * g + t % g;
}

/* bf16 bits of f, rounded to nearest even (NaN stays NaN; only finite weights get here). */
static uint16_t blob__float_to_bf16(float f)
{
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    return (uint16_t)((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

int blob_add_matrix_packed(blob_writer *w, const char *name, int dtype, uint32_t rows, uint32_t cols,
                           const float *data, char *err)
{
    uint32_t dims[2], kp = (cols + 63u) / 64u * 64u, n16 = (rows + 15u) / 16u * 16u, r, c;
    size_t count = (size_t)n16 * kp;
    char extra_name[64];
    int rc;
    if (dtype != BLOB_Q8 && dtype != BLOB_BF16) return blob_add_matrix(w, name, dtype, rows, cols, data, err);
    if (rows == 0 || cols == 0 || rows > (1u << 20) || cols > (1u << 20)) {
        snprintf(err, CK_ERR_LEN, "tensor %s: [%lu x %lu] cannot be packed", name, (unsigned long)rows,
                 (unsigned long)cols);
        return -1;
    }
    if (blob__check_finite(name, rows, cols, data, err) != 0) return -1;
    dims[0] = rows;
    dims[1] = cols;
    if (dtype == BLOB_BF16) {
        uint16_t *h = (uint16_t *)calloc(count, sizeof(uint16_t));
        if (!h) { snprintf(err, CK_ERR_LEN, "tensor %s: out of memory", name); return -1; }
        for (r = 0; r < rows; r++)
            for (c = 0; c < cols; c++) h[blob__packed_index(r, c, kp, 2)] = blob__float_to_bf16(data[(size_t)r * cols + c]);
        rc = blob_add_layout(w, name, BLOB_BF16, BLOB_PACKED, 2, dims, h, (uint64_t)count * 2, err);
        free(h);
        return rc;
    }
    {
        int8_t *q = (int8_t *)calloc(count, 1);
        float *scales = (float *)malloc((size_t)rows * sizeof(float));
        int32_t *sums = (int32_t *)malloc((size_t)rows * sizeof(int32_t));
        if (!q || !scales || !sums) {
            free(q);
            free(scales);
            free(sums);
            snprintf(err, CK_ERR_LEN, "tensor %s: out of memory", name);
            return -1;
        }
        for (r = 0; r < rows; r++) {   /* the same values as blob__add_q8 */
            const float *row = data + (size_t)r * cols;
            float max_abs = 0.0f, scale;
            int32_t sum = 0;
            for (c = 0; c < cols; c++) max_abs = fabsf(row[c]) > max_abs ? fabsf(row[c]) : max_abs;
            scale = max_abs / (float)BLOB_Q8_MAX;
            scales[r] = scale;
            for (c = 0; c < cols && scale != 0.0f; c++) {
                float v = roundf(row[c] / scale);
                v = v > (float)BLOB_Q8_MAX ? (float)BLOB_Q8_MAX : (v < -(float)BLOB_Q8_MAX ? -(float)BLOB_Q8_MAX : v);
                q[blob__packed_index(r, c, kp, 4)] = (int8_t)v;
                sum += (int32_t)v;
            }
            sums[r] = sum;
        }
        rc = blob_add_layout(w, name, BLOB_Q8, BLOB_PACKED, 2, dims, q, (uint64_t)count, err);
        if (rc == 0) {
            snprintf(extra_name, sizeof extra_name, "%s.scale", name);
            rc = blob_add(w, extra_name, BLOB_F32, 1, dims, scales, (uint64_t)rows * sizeof(float), err);
        }
        if (rc == 0) {
            snprintf(extra_name, sizeof extra_name, "%s.sum", name);
            rc = blob_add(w, extra_name, BLOB_I32, 1, dims, sums, (uint64_t)rows * sizeof(int32_t), err);
        }
        free(q);
        free(scales);
        free(sums);
        return rc;
    }
}

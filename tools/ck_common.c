/* ck_common.c - reader-independent checkpoint helpers: lookup, element counts, conversion to float32.

   Ownership: a reader's ck_open_* fills a ck_file and sets f->close; that function releases everything the
   reader allocated (tensors, their names, path, impl, mappings). ck_close calls it and clears the struct. */
#include "convert.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int ck_fail(char *err, const char *path, const char *fmt, ...)
{
    va_list ap;
    int used = snprintf(err, CK_ERR_LEN, "%s: ", path ? path : "(checkpoint)");
    if (used < 0 || used >= CK_ERR_LEN) return -1;
    va_start(ap, fmt);
    vsnprintf(err + used, (size_t)(CK_ERR_LEN - used), fmt, ap);
    va_end(ap);
    return -1;
}

/* ---------------------------------------------------------------- the bounds-checked cursor */
ck_cursor ck_cursor_make(const void *data, size_t size)
{
    ck_cursor c;
    c.p = (const uint8_t *)data;
    c.end = c.p ? c.p + size : c.p;
    c.failed = 0;
    return c;
}

size_t ck_cursor_left(const ck_cursor *c) { return c->failed ? 0 : (size_t)(c->end - c->p); }

const uint8_t *ck_cursor_take(ck_cursor *c, size_t n)
{
    const uint8_t *at = c->p;
    if (c->failed || n > (size_t)(c->end - c->p)) { c->failed = 1; return NULL; }
    c->p += n;
    return at;
}

uint32_t ck_cursor_u32(ck_cursor *c)
{
    const uint8_t *p = ck_cursor_take(c, 4);
    return p ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24 : 0;
}

uint64_t ck_cursor_u64(ck_cursor *c)
{
    uint64_t low = ck_cursor_u32(c);
    return low | (uint64_t)ck_cursor_u32(c) << 32;
}

uint64_t ck_cursor_varint(ck_cursor *c)
{
    uint64_t v = 0;
    int shift;
    if (c->failed) return 0;
    for (shift = 0; shift < 64 && c->p < c->end; shift += 7) {
        uint8_t byte = *c->p++;
        if (shift == 63 && byte > 1) break;   /* more than 64 bits */
        v |= (uint64_t)(byte & 0x7F) << shift;
        if (!(byte & 0x80)) return v;
    }
    c->failed = 1;
    return 0;
}

/* ---------------------------------------------------------------- protobuf fields */
int ck_pb_next(ck_cursor *c, ck_pb_field *f)
{
    uint64_t tag;
    memset(f, 0, sizeof(*f));
    if (c->failed) return -1;
    if (c->p == c->end) return 0;
    tag = ck_cursor_varint(c);
    if (c->failed || (tag >> 3) == 0 || (tag >> 3) > 0x1FFFFFFF) { c->failed = 1; return -1; }
    f->number = (uint32_t)(tag >> 3);
    f->wire = (uint32_t)(tag & 7);
    switch (f->wire) {
    case 0: f->value = ck_cursor_varint(c); break;
    case 1: f->len = 8; f->data = c->p; f->value = ck_cursor_u64(c); break;
    case 5: f->len = 4; f->data = c->p; f->value = ck_cursor_u32(c); break;
    case 2:
        f->value = ck_cursor_varint(c);
        if (!c->failed && f->value > (uint64_t)(c->end - c->p)) c->failed = 1;
        if (!c->failed) { f->len = (size_t)f->value; f->data = ck_cursor_take(c, f->len); }
        break;
    default: c->failed = 1; break;
    }
    return c->failed ? -1 : 1;
}

void ck_close(ck_file *f)
{
    if (!f) return;
    if (f->close) f->close(f);
    memset(f, 0, sizeof(*f));
}

const ck_tensor *ck_find(const ck_file *f, const char *name)
{
    int i;
    for (i = 0; i < f->n_tensors; i++) {
        if (strcmp(f->tensors[i].name, name) == 0) return &f->tensors[i];
    }
    return NULL;
}

/* Number of elements, or -1 if a dimension is negative or the product overflows int64. */
int64_t ck_numel(const ck_tensor *t)
{
    int64_t n = 1;
    int i;
    for (i = 0; i < t->ndim; i++) {
        if (t->dims[i] < 0) return -1;
        if (t->dims[i] != 0 && n > INT64_MAX / t->dims[i]) return -1;
        n *= t->dims[i];
    }
    return n;
}

static const char *ck__dtype_name(ck_dtype dtype)
{
    switch (dtype) {
    case CK_F32: return "float32";
    case CK_F16: return "float16";
    case CK_BF16: return "bfloat16";
    case CK_F64: return "float64";
    case CK_I64: return "int64";
    case CK_I32: return "int32";
    case CK_I8: return "int8";
    case CK_U8: return "uint8";
    case CK_BOOL: return "bool";
    case CK_STRING: return "string";
    case CK_OTHER: break;
    }
    return "an unsupported type";
}

static float ck__f16_to_f32(uint16_t h)
{
    unsigned sign = (h >> 15) & 1u, exponent = (h >> 10) & 0x1Fu, mantissa = h & 0x3FFu;
    float value;
    if (exponent == 0) value = ldexpf((float)mantissa, -24);                       /* zero / subnormal */
    else if (exponent == 31) value = mantissa ? NAN : INFINITY;
    else value = ldexpf((float)(mantissa | 0x400u), (int)exponent - 25);
    return sign ? -value : value;
}

static float ck__bits_to_f32(uint32_t bits)
{
    float value;
    memcpy(&value, &bits, sizeof(value));
    return value;
}

/* Reads element `index` (in elements from t->data) as float; data is little-endian and may be unaligned. */
static float ck__load(const ck_tensor *t, uint64_t index)
{
    const uint8_t *p;
    switch (t->dtype) {
    case CK_F32:
        p = t->data + index * 4u;
        return ck__bits_to_f32((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
    case CK_F16:
        p = t->data + index * 2u;
        return ck__f16_to_f32((uint16_t)(p[0] | p[1] << 8));
    case CK_BF16:
        p = t->data + index * 2u;
        return ck__bits_to_f32((uint32_t)p[0] << 16 | (uint32_t)p[1] << 24);
    case CK_F64: {
        uint64_t bits = 0;
        double value;
        int i;
        p = t->data + index * 8u;
        for (i = 7; i >= 0; i--) bits = bits << 8 | p[i];
        memcpy(&value, &bits, sizeof(value));
        return (float)value;
    }
    default:
        return 0.0f;
    }
}

static int ck__is_contiguous(const ck_tensor *t)
{
    int64_t expected = 1;
    int i;
    for (i = t->ndim - 1; i >= 0; i--) {
        if (t->dims[i] != 1 && t->strides[i] != expected) return 0;
        expected *= t->dims[i];
    }
    return 1;
}

int ck_read_f32(const ck_file *f, const ck_tensor *t, float *dst, int64_t count, char *err)
{
    const char *path = f && f->path ? f->path : "checkpoint";
    int64_t numel = ck_numel(t), index[CK_MAX_DIMS];
    uint64_t element_size, last = 0;
    int64_t written;
    int i;

    switch (t->dtype) {
    case CK_F32: element_size = 4; break;
    case CK_F16: case CK_BF16: element_size = 2; break;
    case CK_F64: element_size = 8; break;
    default:
        snprintf(err, CK_ERR_LEN, "%s: tensor %s is %s, expected a floating-point type (f32, f16, bf16, f64)",
                 path, t->name, ck__dtype_name(t->dtype));
        return -1;
    }
    if (t->ndim < 0 || t->ndim > CK_MAX_DIMS || numel < 0) {
        snprintf(err, CK_ERR_LEN, "%s: tensor %s has an invalid shape", path, t->name);
        return -1;
    }
    if (numel != count) {
        snprintf(err, CK_ERR_LEN, "%s: tensor %s has %lld elements, expected %lld", path, t->name,
                 (long long)numel, (long long)count);
        return -1;
    }
    if (numel == 0) return 0;
    if (!t->data) {
        snprintf(err, CK_ERR_LEN, "%s: tensor %s has no data", path, t->name);
        return -1;
    }
    /* The farthest element any index can reach must lie inside the nbytes the reader validated. */
    for (i = 0; i < t->ndim; i++) {
        uint64_t reach;
        if (t->strides[i] < 0) {
            snprintf(err, CK_ERR_LEN, "%s: tensor %s has a negative stride", path, t->name);
            return -1;
        }
        if ((uint64_t)t->strides[i] != 0 && (uint64_t)(t->dims[i] - 1) > UINT64_MAX / (uint64_t)t->strides[i]) goto out_of_range;
        reach = (uint64_t)(t->dims[i] - 1) * (uint64_t)t->strides[i];
        if (last > UINT64_MAX - reach) goto out_of_range;
        last += reach;
    }
    if (last >= UINT64_MAX / element_size || (last + 1) * element_size > t->nbytes) goto out_of_range;

    if (ck__is_contiguous(t)) {
        const uint32_t one = 1;
        uint8_t first_byte;
        memcpy(&first_byte, &one, 1);
        if (t->dtype == CK_F32 && first_byte == 1) {          /* little-endian host: the bytes are the floats */
            memcpy(dst, t->data, (size_t)numel * sizeof(float));
        } else {
            for (written = 0; written < numel; written++) dst[written] = ck__load(t, (uint64_t)written);
        }
        return 0;
    }

    /* Walk the index space in row-major order (odometer), converting element by element. */
    for (i = 0; i < t->ndim; i++) index[i] = 0;
    for (written = 0; written < numel; written++) {
        uint64_t offset = 0;
        for (i = 0; i < t->ndim; i++) offset += (uint64_t)index[i] * (uint64_t)t->strides[i];
        dst[written] = ck__load(t, offset);
        for (i = t->ndim - 1; i >= 0; i--) {
            if (++index[i] < t->dims[i]) break;
            index[i] = 0;
        }
    }
    return 0;

out_of_range:
    snprintf(err, CK_ERR_LEN, "%s: tensor %s: its shape and strides reach past its data (%llu bytes)", path,
             t->name, (unsigned long long)t->nbytes);
    return -1;
}

/* ck_torch.c - reads torch.save() state dicts (pytorch_model.bin) without Python.

   Two container formats (../shared/docs/formats.md §4):
     zip    (PyTorch >= 1.6): a zip archive of STORED entries under one folder: <folder>/data.pkl (the pickled
            state dict) and <folder>/data/<key> (the raw bytes of each storage). Read through the central
            directory (local headers carry zero sizes), zip64 records understood.
     legacy (PyTorch <= 1.5): five pickles back to back (magic number, protocol version, sys info, the state
            dict, the list of storage keys), then for each key of that list: u64 element count + raw bytes.

   Zip entries are checked against their CRC-32. The pickles are run by a small pickle machine that knows only the opcodes torch and HF emit for a state
   dict and only these callables: collections.OrderedDict, torch._utils._rebuild_tensor(_v2),
   torch._utils._rebuild_parameter. Nothing is ever executed; anything else is refused with a message.
   Tensors point into the mapped file; shared storages (tied weights), storage offsets and strides are kept
   as they are (ck_read_f32 honours strides) after checking every element they reach lies in the storage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "convert.h"

/* ---------------------------------------------------------------- small helpers */

#define TORCH_MAX_MEMO (1 << 20)        /* memo slots a pickle may use */
#define TORCH_MAX_NUMEL ((int64_t)1 << 50)

static uint16_t torch_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t torch_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint64_t torch_u64(const uint8_t *p) { return (uint64_t)torch_u32(p) | ((uint64_t)torch_u32(p + 4) << 32); }

static int torch_bytes_eq(const uint8_t *a, size_t alen, const char *s)
{
    size_t n = strlen(s);
    return alen == n && memcmp(a, s, n) == 0;
}

/* a*b into *out if it fits in [0, limit]; both non-negative. */
static int torch_mul_ok(int64_t a, int64_t b, int64_t limit, int64_t *out)
{
    if (a < 0 || b < 0) return 0;
    if (a != 0 && b > limit / a) return 0;
    *out = a * b;
    return 1;
}

/* ---------------------------------------------------------------- pickle values */

typedef enum torch_kind {
    TORCH_NONE, TORCH_BOOL, TORCH_INT, TORCH_BIGINT, TORCH_FLOAT, TORCH_STR, TORCH_TUPLE, TORCH_LIST, TORCH_DICT,
    TORCH_GLOBAL, TORCH_STORAGE, TORCH_TENSOR
} torch_kind;

typedef struct torch_value {
    torch_kind kind;
    int64_t integer;           /* INT, BOOL; STORAGE: index in storages; TENSOR: index in tensors */
    const uint8_t *text;       /* STR: bytes; BIGINT: little-endian two's complement bytes; GLOBAL: module */
    size_t text_len;
    const uint8_t *text2;      /* GLOBAL: name */
    size_t text2_len;
    int *items;                /* TUPLE, LIST: elements; DICT: key, value, key, value, ... */
    int n_items, cap_items;
} torch_value;

typedef struct torch_storage {
    const uint8_t *key;        /* points into the pickle */
    size_t key_len;
    ck_dtype dtype;
    int elem_size;
    int64_t numel;             /* as declared in the pickle */
    const uint8_t *data;       /* resolved after the pickles: the storage's bytes in the file */
    int64_t data_numel;        /* elements available at data */
} torch_storage;

typedef struct torch_view {    /* a rebuilt tensor, before it is given a name */
    int storage;
    int64_t offset;            /* elements */
    int ndim;
    int64_t dims[CK_MAX_DIMS], strides[CK_MAX_DIMS];
} torch_view;

typedef struct torch_pickle {
    const char *path;
    char *err;
    torch_value *values;
    int n_values, cap_values;
    int *stack;
    int n_stack, cap_stack;
    int *marks;                /* stack heights at each MARK */
    int n_marks, cap_marks;
    int *memo;                 /* value index or -1 */
    int cap_memo;
    int memo_used;             /* slots filled (MEMOIZE uses the next one) */
    torch_storage *storages;
    int n_storages, cap_storages;
    torch_view *views;
    int n_views, cap_views;
    int legacy;                /* persistent ids are 6-tuples with view metadata */
} torch_pickle;

/* Grows *array (of elem bytes each) to hold at least need elements. */
static int torch_grow(void **array, int *cap, int need, size_t elem)
{
    int new_cap;
    void *p;
    if (need <= *cap) return 0;
    if (need > (1 << 28)) return -1;
    new_cap = *cap ? *cap : 16;
    while (new_cap < need) new_cap *= 2;
    p = realloc(*array, (size_t)new_cap * elem);
    if (!p) return -1;
    *array = p;
    *cap = new_cap;
    return 0;
}

static void torch_pickle_free(torch_pickle *pk)
{
    int i;
    for (i = 0; i < pk->n_values; i++) free(pk->values[i].items);
    free(pk->values);
    free(pk->stack);
    free(pk->marks);
    free(pk->memo);
    free(pk->storages);
    free(pk->views);
    memset(pk, 0, sizeof *pk);
}

/* Forgets the values and memo of one pickle; storages and views stay (the legacy format needs them later). */
static void torch_pickle_reset(torch_pickle *pk)
{
    int i;
    for (i = 0; i < pk->n_values; i++) free(pk->values[i].items);
    pk->n_values = 0;
    pk->n_stack = 0;
    pk->n_marks = 0;
    pk->memo_used = 0;
    for (i = 0; i < pk->cap_memo; i++) pk->memo[i] = -1;
}

static int torch_new_value(torch_pickle *pk, torch_kind kind)
{
    torch_value *v;
    if (torch_grow((void **)&pk->values, &pk->cap_values, pk->n_values + 1, sizeof(torch_value)) != 0)
        return ck_fail(pk->err, pk->path, "out of memory in the pickle reader");
    v = &pk->values[pk->n_values];
    memset(v, 0, sizeof *v);
    v->kind = kind;
    return pk->n_values++;
}

static int torch_add_item(torch_pickle *pk, int container, int item)
{
    torch_value *v = &pk->values[container];
    if (torch_grow((void **)&v->items, &v->cap_items, v->n_items + 1, sizeof(int)) != 0)
        return ck_fail(pk->err, pk->path, "out of memory in the pickle reader");
    v->items[v->n_items++] = item;
    return 0;
}

static int torch_push(torch_pickle *pk, int value)
{
    if (value < 0) return -1;
    if (torch_grow((void **)&pk->stack, &pk->cap_stack, pk->n_stack + 1, sizeof(int)) != 0)
        return ck_fail(pk->err, pk->path, "out of memory in the pickle reader");
    pk->stack[pk->n_stack++] = value;
    return 0;
}

static int torch_stack_base(const torch_pickle *pk) { return pk->n_marks ? pk->marks[pk->n_marks - 1] : 0; }

static int torch_pop(torch_pickle *pk, int *value)
{
    *value = -1;
    if (pk->n_stack <= torch_stack_base(pk)) return ck_fail(pk->err, pk->path, "pickle stack underflow");
    *value = pk->stack[--pk->n_stack];
    return 0;
}

static int torch_top(torch_pickle *pk, int *value)
{
    *value = -1;
    if (pk->n_stack <= torch_stack_base(pk)) return ck_fail(pk->err, pk->path, "pickle stack underflow");
    *value = pk->stack[pk->n_stack - 1];
    return 0;
}

/* Pops everything above the last MARK into a new tuple/list value (kind), and the mark itself. */
static int torch_pop_mark_into(torch_pickle *pk, torch_kind kind, int *out)
{
    int start, i, v;
    *out = -1;
    if (pk->n_marks == 0) return ck_fail(pk->err, pk->path, "pickle MARK missing");
    start = pk->marks[--pk->n_marks];
    if ((v = torch_new_value(pk, kind)) < 0) return -1;
    for (i = start; i < pk->n_stack; i++)
        if (torch_add_item(pk, v, pk->stack[i]) != 0) return -1;
    pk->n_stack = start;
    *out = v;
    return 0;
}

static int torch_memo_put(torch_pickle *pk, uint64_t index)
{
    int top;
    if (index >= TORCH_MAX_MEMO) return ck_fail(pk->err, pk->path, "pickle memo index %llu too large", (unsigned long long)index);
    if (torch_top(pk, &top) != 0) return -1;
    if ((int)index >= pk->cap_memo) {
        int old = pk->cap_memo, i;
        if (torch_grow((void **)&pk->memo, &pk->cap_memo, (int)index + 1, sizeof(int)) != 0)
            return ck_fail(pk->err, pk->path, "out of memory in the pickle reader");
        for (i = old; i < pk->cap_memo; i++) pk->memo[i] = -1;
    }
    if (pk->memo[index] < 0) pk->memo_used++;
    pk->memo[index] = top;
    return 0;
}

static int torch_memo_get(torch_pickle *pk, uint64_t index)
{
    if (index >= (uint64_t)pk->cap_memo || pk->memo[index] < 0)
        return ck_fail(pk->err, pk->path, "pickle memo slot %llu is empty", (unsigned long long)index);
    return torch_push(pk, pk->memo[index]);
}

static int torch_is_global(const torch_value *v, const char *module, const char *name)
{
    return v->kind == TORCH_GLOBAL && torch_bytes_eq(v->text, v->text_len, module) &&
           torch_bytes_eq(v->text2, v->text2_len, name);
}

static const torch_value *torch_item(const torch_pickle *pk, const torch_value *container, int i)
{
    return &pk->values[container->items[i]];
}

/* ---------------------------------------------------------------- torch objects */

static const struct { const char *name; ck_dtype dtype; int elem_size; } torch_storage_types[] = {
    {"FloatStorage", CK_F32, 4}, {"HalfStorage", CK_F16, 2}, {"BFloat16Storage", CK_BF16, 2},
    {"DoubleStorage", CK_F64, 8}, {"LongStorage", CK_I64, 8}, {"IntStorage", CK_I32, 4},
    {"ShortStorage", CK_OTHER, 2}, {"CharStorage", CK_I8, 1}, {"ByteStorage", CK_U8, 1},
    {"BoolStorage", CK_BOOL, 1}, {"ComplexFloatStorage", CK_OTHER, 8}, {"ComplexDoubleStorage", CK_OTHER, 16},
};

/* BINPERSID: ('storage', torch.XStorage, key, location, numel[, view_metadata]) -> a storage value. */
static int torch_persistent_load(torch_pickle *pk, int pid_index)
{
    const torch_value *pid = &pk->values[pid_index];
    const torch_value *type, *key, *numel;
    int i, type_index = -1, storage = -1, v;
    if (pid->kind != TORCH_TUPLE || pid->n_items < 5 || torch_item(pk, pid, 0)->kind != TORCH_STR ||
        !torch_bytes_eq(torch_item(pk, pid, 0)->text, torch_item(pk, pid, 0)->text_len, "storage"))
        return ck_fail(pk->err, pk->path, "unsupported persistent id (not a torch storage)");
    type = torch_item(pk, pid, 1);
    key = torch_item(pk, pid, 2);
    numel = torch_item(pk, pid, 4);
    if (type->kind != TORCH_GLOBAL || !torch_bytes_eq(type->text, type->text_len, "torch"))
        return ck_fail(pk->err, pk->path, "storage type is not a torch storage class");
    for (i = 0; i < (int)(sizeof torch_storage_types / sizeof torch_storage_types[0]); i++)
        if (torch_bytes_eq(type->text2, type->text2_len, torch_storage_types[i].name)) type_index = i;
    if (type_index < 0)
        return ck_fail(pk->err, pk->path, "unsupported storage type torch.%.*s", (int)type->text2_len, (const char *)type->text2);
    if (key->kind != TORCH_STR || key->text_len == 0) return ck_fail(pk->err, pk->path, "storage key is not a string");
    if (numel->kind != TORCH_INT || numel->integer < 0 || numel->integer > TORCH_MAX_NUMEL)
        return ck_fail(pk->err, pk->path, "bad storage size");
    if (pk->legacy && pid->n_items >= 6 && torch_item(pk, pid, 5)->kind != TORCH_NONE)
        return ck_fail(pk->err, pk->path, "storage views (legacy view_metadata) are not supported");
    for (i = 0; i < pk->n_storages; i++)
        if (pk->storages[i].key_len == key->text_len && memcmp(pk->storages[i].key, key->text, key->text_len) == 0)
            storage = i;
    if (storage >= 0) {
        if (pk->storages[storage].dtype != torch_storage_types[type_index].dtype ||
            pk->storages[storage].elem_size != torch_storage_types[type_index].elem_size)
            return ck_fail(pk->err, pk->path, "storage '%.*s' is used with two element types", (int)key->text_len, (const char *)key->text);
        if (numel->integer > pk->storages[storage].numel) pk->storages[storage].numel = numel->integer;
    } else {
        torch_storage *s;
        if (torch_grow((void **)&pk->storages, &pk->cap_storages, pk->n_storages + 1, sizeof(torch_storage)) != 0)
            return ck_fail(pk->err, pk->path, "out of memory");
        s = &pk->storages[pk->n_storages];
        memset(s, 0, sizeof *s);
        s->key = key->text;
        s->key_len = key->text_len;
        s->dtype = torch_storage_types[type_index].dtype;
        s->elem_size = torch_storage_types[type_index].elem_size;
        s->numel = numel->integer;
        storage = pk->n_storages++;
    }
    if ((v = torch_new_value(pk, TORCH_STORAGE)) < 0) return -1;
    pk->values[v].integer = storage;
    return torch_push(pk, v);
}

/* Reads a tuple of non-negative ints (a size or a stride) into out[]. */
static int torch_int_tuple(torch_pickle *pk, const torch_value *t, int64_t *out, int *n, const char *what)
{
    int i;
    if (t->kind != TORCH_TUPLE && t->kind != TORCH_LIST) return ck_fail(pk->err, pk->path, "tensor %s is not a tuple", what);
    if (t->n_items > CK_MAX_DIMS) return ck_fail(pk->err, pk->path, "tensor has more than %d dimensions", CK_MAX_DIMS);
    for (i = 0; i < t->n_items; i++) {
        const torch_value *e = torch_item(pk, t, i);
        if (e->kind != TORCH_INT || e->integer < 0 || e->integer > TORCH_MAX_NUMEL)
            return ck_fail(pk->err, pk->path, "bad tensor %s", what);
        out[i] = e->integer;
    }
    *n = t->n_items;
    return 0;
}

/* _rebuild_tensor(_v2)(storage, storage_offset, size, stride, ...) -> a tensor value. */
static int torch_rebuild_tensor(torch_pickle *pk, const torch_value *args)
{
    const torch_value *storage, *offset;
    torch_view view;
    int ndim_stride = 0, v;
    if (args->n_items < 4) return ck_fail(pk->err, pk->path, "_rebuild_tensor: too few arguments");
    storage = torch_item(pk, args, 0);
    offset = torch_item(pk, args, 1);
    if (storage->kind != TORCH_STORAGE) return ck_fail(pk->err, pk->path, "_rebuild_tensor: first argument is not a storage");
    if (offset->kind != TORCH_INT || offset->integer < 0 || offset->integer > TORCH_MAX_NUMEL)
        return ck_fail(pk->err, pk->path, "_rebuild_tensor: bad storage offset");
    memset(&view, 0, sizeof view);
    view.storage = (int)storage->integer;
    view.offset = offset->integer;
    if (torch_int_tuple(pk, torch_item(pk, args, 2), view.dims, &view.ndim, "size") != 0) return -1;
    if (torch_int_tuple(pk, torch_item(pk, args, 3), view.strides, &ndim_stride, "stride") != 0) return -1;
    if (ndim_stride != view.ndim) return ck_fail(pk->err, pk->path, "_rebuild_tensor: size and stride differ in length");
    if (torch_grow((void **)&pk->views, &pk->cap_views, pk->n_views + 1, sizeof(torch_view)) != 0)
        return ck_fail(pk->err, pk->path, "out of memory");
    pk->views[pk->n_views] = view;
    if ((v = torch_new_value(pk, TORCH_TENSOR)) < 0) return -1;
    pk->values[v].integer = pk->n_views++;
    return torch_push(pk, v);
}

/* REDUCE: calls one of the few allowed callables. */
static int torch_reduce(torch_pickle *pk)
{
    int args_index, callable_index, v;
    const torch_value *args, *callable;
    if (torch_pop(pk, &args_index) != 0 || torch_pop(pk, &callable_index) != 0) return -1;
    args = &pk->values[args_index];
    callable = &pk->values[callable_index];
    if (args->kind != TORCH_TUPLE) return ck_fail(pk->err, pk->path, "REDUCE arguments are not a tuple");
    if (torch_is_global(callable, "collections", "OrderedDict")) {
        if (args->n_items != 0) return ck_fail(pk->err, pk->path, "OrderedDict with initial items is not supported");
        if ((v = torch_new_value(pk, TORCH_DICT)) < 0) return -1;
        return torch_push(pk, v);
    }
    if (torch_is_global(callable, "torch._utils", "_rebuild_tensor_v2") ||
        torch_is_global(callable, "torch._utils", "_rebuild_tensor"))
        return torch_rebuild_tensor(pk, args);
    if (torch_is_global(callable, "torch._utils", "_rebuild_parameter")) {
        if (args->n_items < 1 || torch_item(pk, args, 0)->kind != TORCH_TENSOR)
            return ck_fail(pk->err, pk->path, "_rebuild_parameter: first argument is not a tensor");
        return torch_push(pk, args->items[0]);
    }
    if (callable->kind == TORCH_GLOBAL)
        return ck_fail(pk->err, pk->path, "pickle calls %.*s.%.*s: refused (only OrderedDict and torch tensor rebuilds are allowed)",
                          (int)callable->text_len, (const char *)callable->text, (int)callable->text2_len, (const char *)callable->text2);
    return ck_fail(pk->err, pk->path, "REDUCE on something that is not a known callable");
}

static int torch_set_items(torch_pickle *pk, int dict, int first, int end)
{
    int i;
    if (pk->values[dict].kind != TORCH_DICT) return ck_fail(pk->err, pk->path, "SETITEM on something that is not a dict");
    if ((end - first) % 2 != 0) return ck_fail(pk->err, pk->path, "SETITEMS with an odd number of items");
    for (i = first; i < end; i++)
        if (torch_add_item(pk, dict, pk->stack[i]) != 0) return -1;
    return 0;
}

static int torch_append_items(torch_pickle *pk, int list, int first, int end)
{
    int i;
    if (pk->values[list].kind != TORCH_LIST) return ck_fail(pk->err, pk->path, "APPEND on something that is not a list");
    for (i = first; i < end; i++)
        if (torch_add_item(pk, list, pk->stack[i]) != 0) return -1;
    return 0;
}

/* Runs one pickle starting at data[*pos] until STOP; *result = the value left on the stack. */
static int torch_run_pickle(torch_pickle *pk, const uint8_t *data, size_t size, size_t *pos, int *result)
{
    size_t p = *pos;
    torch_pickle_reset(pk);
#define NEED(n) do { if (size - p < (size_t)(n)) return ck_fail(pk->err, pk->path, "pickle truncated at byte %llu", (unsigned long long)p); } while (0)
    for (;;) {
        uint8_t op;
        int v = -1, a = -1, b = -1;
        NEED(1);
        op = data[p++];
        switch (op) {
        case 0x80: /* PROTO */
            NEED(1);
            if (data[p] > 5) return ck_fail(pk->err, pk->path, "pickle protocol %d not supported", data[p]);
            p += 1;
            break;
        case 0x95: /* FRAME: an 8-byte length; frames are just a read-ahead hint */
            NEED(8);
            p += 8;
            break;
        case '.': /* STOP */
            if (torch_pop(pk, result) != 0) return -1;
            *pos = p;
            return 0;
        case '}': case ']': case ')': /* EMPTY_DICT, EMPTY_LIST, EMPTY_TUPLE */
            if ((v = torch_new_value(pk, op == '}' ? TORCH_DICT : op == ']' ? TORCH_LIST : TORCH_TUPLE)) < 0) return -1;
            if (torch_push(pk, v) != 0) return -1;
            break;
        case '(': /* MARK */
            if (torch_grow((void **)&pk->marks, &pk->cap_marks, pk->n_marks + 1, sizeof(int)) != 0)
                return ck_fail(pk->err, pk->path, "out of memory");
            pk->marks[pk->n_marks++] = pk->n_stack;
            break;
        case 't': case 'l': /* TUPLE, LIST */
            if (torch_pop_mark_into(pk, op == 't' ? TORCH_TUPLE : TORCH_LIST, &v) != 0 || torch_push(pk, v) != 0) return -1;
            break;
        case 'd': { /* DICT */
            int start;
            if (pk->n_marks == 0) return ck_fail(pk->err, pk->path, "pickle MARK missing");
            start = pk->marks[pk->n_marks - 1];
            if ((v = torch_new_value(pk, TORCH_DICT)) < 0 || torch_set_items(pk, v, start, pk->n_stack) != 0) return -1;
            pk->n_stack = start;
            pk->n_marks--;
            if (torch_push(pk, v) != 0) return -1;
            break;
        }
        case 0x85: case 0x86: case 0x87: { /* TUPLE1, TUPLE2, TUPLE3 */
            int n = op - 0x84, i;
            if (pk->n_stack - torch_stack_base(pk) < n) return ck_fail(pk->err, pk->path, "pickle stack underflow");
            if ((v = torch_new_value(pk, TORCH_TUPLE)) < 0) return -1;
            for (i = pk->n_stack - n; i < pk->n_stack; i++)
                if (torch_add_item(pk, v, pk->stack[i]) != 0) return -1;
            pk->n_stack -= n;
            if (torch_push(pk, v) != 0) return -1;
            break;
        }
        case 'X': case 0x8c: case 0x8d: /* BINUNICODE, SHORT_BINUNICODE, BINUNICODE8 */
        case 'T': case 'U': case 'B': case 'C': case 0x8e: { /* BINSTRING, SHORT_BINSTRING, BINBYTES, SHORT_BINBYTES, BINBYTES8 */
            uint64_t len;
            if (op == 0x8c || op == 'U' || op == 'C') { NEED(1); len = data[p]; p += 1; }
            else if (op == 0x8d || op == 0x8e) { NEED(8); len = torch_u64(data + p); p += 8; }
            else { NEED(4); len = torch_u32(data + p); p += 4; }
            if (len > size - p) return ck_fail(pk->err, pk->path, "pickle string runs past the end");
            if ((v = torch_new_value(pk, TORCH_STR)) < 0) return -1;
            pk->values[v].text = data + p;
            pk->values[v].text_len = (size_t)len;
            p += (size_t)len;
            if (torch_push(pk, v) != 0) return -1;
            break;
        }
        case 'J': case 'K': case 'M': /* BININT, BININT1, BININT2 */
            if ((v = torch_new_value(pk, TORCH_INT)) < 0) return -1;
            if (op == 'J') { NEED(4); pk->values[v].integer = (int32_t)torch_u32(data + p); p += 4; }
            else if (op == 'K') { NEED(1); pk->values[v].integer = data[p]; p += 1; }
            else { NEED(2); pk->values[v].integer = torch_u16(data + p); p += 2; }
            if (torch_push(pk, v) != 0) return -1;
            break;
        case 0x8a: case 0x8b: { /* LONG1, LONG4: little-endian two's complement */
            uint64_t len;
            if (op == 0x8a) { NEED(1); len = data[p]; p += 1; } else { NEED(4); len = torch_u32(data + p); p += 4; }
            if (len > size - p) return ck_fail(pk->err, pk->path, "pickle integer runs past the end");
            if ((v = torch_new_value(pk, len <= 8 ? TORCH_INT : TORCH_BIGINT)) < 0) return -1;
            pk->values[v].text = data + p;
            pk->values[v].text_len = (size_t)len;
            if (len <= 8) {
                uint64_t u = 0;
                int i;
                for (i = (int)len - 1; i >= 0; i--) u = (u << 8) | data[p + (size_t)i];
                if (len > 0 && len < 8 && (data[p + len - 1] & 0x80)) u |= ~(uint64_t)0 << (8 * len);
                pk->values[v].integer = (int64_t)u;
            }
            p += (size_t)len;
            if (torch_push(pk, v) != 0) return -1;
            break;
        }
        case 'G': { /* BINFLOAT: big-endian double (values are not needed; kept as a float value) */
            NEED(8);
            p += 8;
            if ((v = torch_new_value(pk, TORCH_FLOAT)) < 0 || torch_push(pk, v) != 0) return -1;
            break;
        }
        case 0x88: case 0x89: /* NEWTRUE, NEWFALSE */
            if ((v = torch_new_value(pk, TORCH_BOOL)) < 0) return -1;
            pk->values[v].integer = op == 0x88;
            if (torch_push(pk, v) != 0) return -1;
            break;
        case 'N': /* NONE */
            if ((v = torch_new_value(pk, TORCH_NONE)) < 0 || torch_push(pk, v) != 0) return -1;
            break;
        case 'q': NEED(1); if (torch_memo_put(pk, data[p]) != 0) return -1; p += 1; break;               /* BINPUT */
        case 'r': NEED(4); if (torch_memo_put(pk, torch_u32(data + p)) != 0) return -1; p += 4; break;   /* LONG_BINPUT */
        case 'h': NEED(1); if (torch_memo_get(pk, data[p]) != 0) return -1; p += 1; break;               /* BINGET */
        case 'j': NEED(4); if (torch_memo_get(pk, torch_u32(data + p)) != 0) return -1; p += 4; break;   /* LONG_BINGET */
        case 0x94: /* MEMOIZE: into slot len(memo) */
            if (torch_memo_put(pk, (uint64_t)pk->memo_used) != 0) return -1;
            break;
        case 'c': { /* GLOBAL: "module\nname\n" */
            const uint8_t *module = data + p, *name, *nl;
            nl = (const uint8_t *)memchr(module, '\n', size - p);
            if (!nl) return ck_fail(pk->err, pk->path, "pickle GLOBAL truncated");
            name = nl + 1;
            if (name >= data + size || !(nl = (const uint8_t *)memchr(name, '\n', (size_t)(data + size - name))))
                return ck_fail(pk->err, pk->path, "pickle GLOBAL truncated");
            if ((v = torch_new_value(pk, TORCH_GLOBAL)) < 0) return -1;
            pk->values[v].text = module;
            pk->values[v].text_len = (size_t)(name - 1 - module);
            pk->values[v].text2 = name;
            pk->values[v].text2_len = (size_t)(nl - name);
            p = (size_t)(nl + 1 - data);
            if (torch_push(pk, v) != 0) return -1;
            break;
        }
        case 0x93: { /* STACK_GLOBAL */
            if (torch_pop(pk, &b) != 0 || torch_pop(pk, &a) != 0) return -1;
            if (pk->values[a].kind != TORCH_STR || pk->values[b].kind != TORCH_STR)
                return ck_fail(pk->err, pk->path, "STACK_GLOBAL on non-strings");
            if ((v = torch_new_value(pk, TORCH_GLOBAL)) < 0) return -1;
            pk->values[v].text = pk->values[a].text;
            pk->values[v].text_len = pk->values[a].text_len;
            pk->values[v].text2 = pk->values[b].text;
            pk->values[v].text2_len = pk->values[b].text_len;
            if (torch_push(pk, v) != 0) return -1;
            break;
        }
        case 'R': /* REDUCE */
            if (torch_reduce(pk) != 0) return -1;
            break;
        case 0x81: /* NEWOBJ: cls.__new__(cls, *args) — only OrderedDict() */
            if (torch_pop(pk, &a) != 0 || torch_pop(pk, &b) != 0) return -1;
            if (!torch_is_global(&pk->values[b], "collections", "OrderedDict") || pk->values[a].kind != TORCH_TUPLE)
                return ck_fail(pk->err, pk->path, "NEWOBJ of an unsupported class (refused)");
            if ((v = torch_new_value(pk, TORCH_DICT)) < 0 || torch_push(pk, v) != 0) return -1;
            break;
        case 'b': /* BUILD: state for the object below; a state dict's _metadata — ignored */
            if (torch_pop(pk, &a) != 0 || torch_top(pk, &b) != 0) return -1;
            if (pk->values[b].kind != TORCH_DICT && pk->values[b].kind != TORCH_TENSOR)
                return ck_fail(pk->err, pk->path, "BUILD on an unsupported object");
            break;
        case 's': /* SETITEM */
            if (pk->n_stack - torch_stack_base(pk) < 3) return ck_fail(pk->err, pk->path, "pickle stack underflow");
            if (torch_set_items(pk, pk->stack[pk->n_stack - 3], pk->n_stack - 2, pk->n_stack) != 0) return -1;
            pk->n_stack -= 2;
            break;
        case 'u': case 'e': { /* SETITEMS, APPENDS: the container sits just below the mark */
            int start;
            if (pk->n_marks == 0) return ck_fail(pk->err, pk->path, "pickle MARK missing");
            start = pk->marks[pk->n_marks - 1];
            if (start < 1 || start - 1 < (pk->n_marks >= 2 ? pk->marks[pk->n_marks - 2] : 0))
                return ck_fail(pk->err, pk->path, "pickle stack underflow");
            if (op == 'u' ? torch_set_items(pk, pk->stack[start - 1], start, pk->n_stack) != 0
                          : torch_append_items(pk, pk->stack[start - 1], start, pk->n_stack) != 0) return -1;
            pk->n_stack = start;
            pk->n_marks--;
            break;
        }
        case 'a': /* APPEND */
            if (pk->n_stack - torch_stack_base(pk) < 2) return ck_fail(pk->err, pk->path, "pickle stack underflow");
            if (torch_append_items(pk, pk->stack[pk->n_stack - 2], pk->n_stack - 1, pk->n_stack) != 0) return -1;
            pk->n_stack -= 1;
            break;
        case 'Q': /* BINPERSID */
            if (torch_pop(pk, &a) != 0 || torch_persistent_load(pk, a) != 0) return -1;
            break;
        case '0': /* POP */
            if (torch_pop(pk, &a) != 0) return -1;
            break;
        case '1': /* POP_MARK */
            if (pk->n_marks == 0) return ck_fail(pk->err, pk->path, "pickle MARK missing");
            pk->n_stack = pk->marks[--pk->n_marks];
            break;
        case '2': /* DUP */
            if (torch_top(pk, &a) != 0 || torch_push(pk, a) != 0) return -1;
            break;
        default:
            return ck_fail(pk->err, pk->path, "pickle opcode 0x%02x at byte %llu is not supported in a state dict",
                              op, (unsigned long long)(p - 1));
        }
    }
#undef NEED
}

/* ---------------------------------------------------------------- zip container */

/* Fuzzing builds (the libFuzzer/OSS-Fuzz convention) skip the CRC checks so that mutations reach the parsers. */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define TORCH_IGNORE_CRC 1
#else
#define TORCH_IGNORE_CRC 0
#endif

static const uint32_t torch_crc32_table[256] = {   /* zip's CRC-32, reflected polynomial 0xEDB88320 */
    0x00000000u, 0x77073096u, 0xee0e612cu, 0x990951bau, 0x076dc419u, 0x706af48fu,
    0xe963a535u, 0x9e6495a3u, 0x0edb8832u, 0x79dcb8a4u, 0xe0d5e91eu, 0x97d2d988u,
    0x09b64c2bu, 0x7eb17cbdu, 0xe7b82d07u, 0x90bf1d91u, 0x1db71064u, 0x6ab020f2u,
    0xf3b97148u, 0x84be41deu, 0x1adad47du, 0x6ddde4ebu, 0xf4d4b551u, 0x83d385c7u,
    0x136c9856u, 0x646ba8c0u, 0xfd62f97au, 0x8a65c9ecu, 0x14015c4fu, 0x63066cd9u,
    0xfa0f3d63u, 0x8d080df5u, 0x3b6e20c8u, 0x4c69105eu, 0xd56041e4u, 0xa2677172u,
    0x3c03e4d1u, 0x4b04d447u, 0xd20d85fdu, 0xa50ab56bu, 0x35b5a8fau, 0x42b2986cu,
    0xdbbbc9d6u, 0xacbcf940u, 0x32d86ce3u, 0x45df5c75u, 0xdcd60dcfu, 0xabd13d59u,
    0x26d930acu, 0x51de003au, 0xc8d75180u, 0xbfd06116u, 0x21b4f4b5u, 0x56b3c423u,
    0xcfba9599u, 0xb8bda50fu, 0x2802b89eu, 0x5f058808u, 0xc60cd9b2u, 0xb10be924u,
    0x2f6f7c87u, 0x58684c11u, 0xc1611dabu, 0xb6662d3du, 0x76dc4190u, 0x01db7106u,
    0x98d220bcu, 0xefd5102au, 0x71b18589u, 0x06b6b51fu, 0x9fbfe4a5u, 0xe8b8d433u,
    0x7807c9a2u, 0x0f00f934u, 0x9609a88eu, 0xe10e9818u, 0x7f6a0dbbu, 0x086d3d2du,
    0x91646c97u, 0xe6635c01u, 0x6b6b51f4u, 0x1c6c6162u, 0x856530d8u, 0xf262004eu,
    0x6c0695edu, 0x1b01a57bu, 0x8208f4c1u, 0xf50fc457u, 0x65b0d9c6u, 0x12b7e950u,
    0x8bbeb8eau, 0xfcb9887cu, 0x62dd1ddfu, 0x15da2d49u, 0x8cd37cf3u, 0xfbd44c65u,
    0x4db26158u, 0x3ab551ceu, 0xa3bc0074u, 0xd4bb30e2u, 0x4adfa541u, 0x3dd895d7u,
    0xa4d1c46du, 0xd3d6f4fbu, 0x4369e96au, 0x346ed9fcu, 0xad678846u, 0xda60b8d0u,
    0x44042d73u, 0x33031de5u, 0xaa0a4c5fu, 0xdd0d7cc9u, 0x5005713cu, 0x270241aau,
    0xbe0b1010u, 0xc90c2086u, 0x5768b525u, 0x206f85b3u, 0xb966d409u, 0xce61e49fu,
    0x5edef90eu, 0x29d9c998u, 0xb0d09822u, 0xc7d7a8b4u, 0x59b33d17u, 0x2eb40d81u,
    0xb7bd5c3bu, 0xc0ba6cadu, 0xedb88320u, 0x9abfb3b6u, 0x03b6e20cu, 0x74b1d29au,
    0xead54739u, 0x9dd277afu, 0x04db2615u, 0x73dc1683u, 0xe3630b12u, 0x94643b84u,
    0x0d6d6a3eu, 0x7a6a5aa8u, 0xe40ecf0bu, 0x9309ff9du, 0x0a00ae27u, 0x7d079eb1u,
    0xf00f9344u, 0x8708a3d2u, 0x1e01f268u, 0x6906c2feu, 0xf762575du, 0x806567cbu,
    0x196c3671u, 0x6e6b06e7u, 0xfed41b76u, 0x89d32be0u, 0x10da7a5au, 0x67dd4accu,
    0xf9b9df6fu, 0x8ebeeff9u, 0x17b7be43u, 0x60b08ed5u, 0xd6d6a3e8u, 0xa1d1937eu,
    0x38d8c2c4u, 0x4fdff252u, 0xd1bb67f1u, 0xa6bc5767u, 0x3fb506ddu, 0x48b2364bu,
    0xd80d2bdau, 0xaf0a1b4cu, 0x36034af6u, 0x41047a60u, 0xdf60efc3u, 0xa867df55u,
    0x316e8eefu, 0x4669be79u, 0xcb61b38cu, 0xbc66831au, 0x256fd2a0u, 0x5268e236u,
    0xcc0c7795u, 0xbb0b4703u, 0x220216b9u, 0x5505262fu, 0xc5ba3bbeu, 0xb2bd0b28u,
    0x2bb45a92u, 0x5cb36a04u, 0xc2d7ffa7u, 0xb5d0cf31u, 0x2cd99e8bu, 0x5bdeae1du,
    0x9b64c2b0u, 0xec63f226u, 0x756aa39cu, 0x026d930au, 0x9c0906a9u, 0xeb0e363fu,
    0x72076785u, 0x05005713u, 0x95bf4a82u, 0xe2b87a14u, 0x7bb12baeu, 0x0cb61b38u,
    0x92d28e9bu, 0xe5d5be0du, 0x7cdcefb7u, 0x0bdbdf21u, 0x86d3d2d4u, 0xf1d4e242u,
    0x68ddb3f8u, 0x1fda836eu, 0x81be16cdu, 0xf6b9265bu, 0x6fb077e1u, 0x18b74777u,
    0x88085ae6u, 0xff0f6a70u, 0x66063bcau, 0x11010b5cu, 0x8f659effu, 0xf862ae69u,
    0x616bffd3u, 0x166ccf45u, 0xa00ae278u, 0xd70dd2eeu, 0x4e048354u, 0x3903b3c2u,
    0xa7672661u, 0xd06016f7u, 0x4969474du, 0x3e6e77dbu, 0xaed16a4au, 0xd9d65adcu,
    0x40df0b66u, 0x37d83bf0u, 0xa9bcae53u, 0xdebb9ec5u, 0x47b2cf7fu, 0x30b5ffe9u,
    0xbdbdf21cu, 0xcabac28au, 0x53b39330u, 0x24b4a3a6u, 0xbad03605u, 0xcdd70693u,
    0x54de5729u, 0x23d967bfu, 0xb3667a2eu, 0xc4614ab8u, 0x5d681b02u, 0x2a6f2b94u,
    0xb40bbe37u, 0xc30c8ea1u, 0x5a05df1bu, 0x2d02ef8du,
};

static uint32_t torch_crc32(const uint8_t *p, uint64_t n)
{
    uint32_t crc = 0xFFFFFFFFu;
    uint64_t i;
    for (i = 0; i < n; i++) crc = torch_crc32_table[(crc ^ p[i]) & 0xFFu] ^ (crc >> 8);
    return ~crc;
}

typedef struct torch_zip_entry {
    const uint8_t *name;
    size_t name_len;
    const uint8_t *data;       /* NULL if not STORED */
    uint64_t size;
    uint32_t crc32;            /* from the central directory */
    int method;
} torch_zip_entry;

typedef struct torch_zip {
    torch_zip_entry *entries;
    int n_entries;
} torch_zip;

static int torch_zip_read(const uint8_t *file, size_t size, torch_zip *zip, const char *path, char *err)
{
    size_t eocd = 0, pos;
    int found = 0;
    uint64_t n_entries, cd_size, cd_offset, i;
    memset(zip, 0, sizeof *zip);
    if (size < 22) return ck_fail(err, path, "zip: file too small");
    /* end of central directory: last "PK\5\6" within the final 64 KiB + 22 bytes */
    for (pos = size - 22;; pos--) {
        if (torch_u32(file + pos) == 0x06054b50u && pos + 22 + torch_u16(file + pos + 20) == size) { eocd = pos; found = 1; break; }
        if (pos == 0 || size - pos > 65535 + 22) break;
    }
    if (!found) return ck_fail(err, path, "zip: end of central directory not found");
    n_entries = torch_u16(file + eocd + 10);
    cd_size = torch_u32(file + eocd + 12);
    cd_offset = torch_u32(file + eocd + 16);
    if (n_entries == 0xFFFF || cd_size == 0xFFFFFFFFu || cd_offset == 0xFFFFFFFFu) {
        uint64_t z64;
        if (eocd < 20 || torch_u32(file + eocd - 20) != 0x07064b50u) return ck_fail(err, path, "zip64: locator missing");
        z64 = torch_u64(file + eocd - 20 + 8);
        if (z64 > size || size - z64 < 56 || torch_u32(file + z64) != 0x06064b50u)
            return ck_fail(err, path, "zip64: bad end of central directory record");
        n_entries = torch_u64(file + z64 + 32);
        cd_size = torch_u64(file + z64 + 40);
        cd_offset = torch_u64(file + z64 + 48);
    }
    if (cd_offset > size || cd_size > size - cd_offset) return ck_fail(err, path, "zip: central directory out of bounds");
    if (n_entries > cd_size / 46 || n_entries > (1u << 24)) return ck_fail(err, path, "zip: bad entry count");
    zip->entries = (torch_zip_entry *)calloc((size_t)n_entries + 1, sizeof(torch_zip_entry));
    if (!zip->entries) return ck_fail(err, path, "out of memory");
    pos = (size_t)cd_offset;
    for (i = 0; i < n_entries; i++) {
        torch_zip_entry *e = &zip->entries[i];
        size_t end = (size_t)(cd_offset + cd_size), name_len, extra_len, comment_len, x, local_extra;
        uint64_t comp_size, local;
        if (end - pos < 46 || torch_u32(file + pos) != 0x02014b50u) return ck_fail(err, path, "zip: bad central directory entry %llu", (unsigned long long)i);
        e->method = torch_u16(file + pos + 10);
        e->crc32 = torch_u32(file + pos + 16);
        comp_size = torch_u32(file + pos + 20);
        e->size = torch_u32(file + pos + 24);
        name_len = torch_u16(file + pos + 28);
        extra_len = torch_u16(file + pos + 30);
        comment_len = torch_u16(file + pos + 32);
        local = torch_u32(file + pos + 42);
        if (end - pos - 46 < name_len + extra_len + comment_len) return ck_fail(err, path, "zip: central directory entry %llu truncated", (unsigned long long)i);
        e->name = file + pos + 46;
        e->name_len = name_len;
        /* zip64 extra field: the 0xFFFFFFFF fields, in the order size, compressed size, local offset */
        for (x = pos + 46 + name_len; x + 4 <= pos + 46 + name_len + extra_len;) {
            size_t id = torch_u16(file + x), len = torch_u16(file + x + 2), q = x + 4;
            if (x + 4 + len > pos + 46 + name_len + extra_len) return ck_fail(err, path, "zip: bad extra field");
            if (id == 1) {
                if (e->size == 0xFFFFFFFFu) { if (q + 8 > x + 4 + len) return ck_fail(err, path, "zip64: short extra"); e->size = torch_u64(file + q); q += 8; }
                if (comp_size == 0xFFFFFFFFu) { if (q + 8 > x + 4 + len) return ck_fail(err, path, "zip64: short extra"); comp_size = torch_u64(file + q); q += 8; }
                if (local == 0xFFFFFFFFu) { if (q + 8 > x + 4 + len) return ck_fail(err, path, "zip64: short extra"); local = torch_u64(file + q); }
            }
            x += 4 + len;
        }
        pos += 46 + name_len + extra_len + comment_len;
        if (local > size || size - local < 30 || torch_u32(file + local) != 0x04034b50u)
            return ck_fail(err, path, "zip: bad local header for '%.*s'", (int)name_len, (const char *)e->name);
        local_extra = (size_t)torch_u16(file + local + 26) + torch_u16(file + local + 28);
        if (size - local - 30 < local_extra) return ck_fail(err, path, "zip: local header out of bounds");
        if (e->method == 0) {
            uint64_t data_offset = local + 30 + local_extra;
            if (comp_size != e->size) return ck_fail(err, path, "zip: stored entry with two sizes");
            if (e->size > size - data_offset) return ck_fail(err, path, "zip: entry '%.*s' runs past the end", (int)name_len, (const char *)e->name);
            e->data = file + data_offset;
        }
    }
    zip->n_entries = (int)n_entries;
    return 0;
}

static const torch_zip_entry *torch_zip_find(const torch_zip *zip, const uint8_t *folder, size_t folder_len,
                                             const char *middle, const uint8_t *key, size_t key_len)
{
    size_t middle_len = strlen(middle);
    int i;
    for (i = 0; i < zip->n_entries; i++) {
        const torch_zip_entry *e = &zip->entries[i];
        if (e->name_len == folder_len + middle_len + key_len && memcmp(e->name, folder, folder_len) == 0 &&
            memcmp(e->name + folder_len, middle, middle_len) == 0 && memcmp(e->name + folder_len + middle_len, key, key_len) == 0)
            return e;
    }
    return NULL;
}

/* ---------------------------------------------------------------- the reader */

typedef struct torch_impl {
    ck_mapping map;            /* the mapped file (empty when opened from memory) */
} torch_impl;

static void torch_close(ck_file *f)
{
    int i;
    torch_impl *impl = (torch_impl *)f->impl;
    for (i = 0; i < f->n_tensors; i++) free(f->tensors[i].name);
    free(f->tensors);
    free(f->path);
    if (impl) {
        ck_unmap_file(&impl->map);
        free(impl);
    }
    memset(f, 0, sizeof *f);
}

#define TORCH_MAX_NESTING 16             /* dicts inside dicts: {"state_dict": {...}}, {"net": {"bert": {...}}} */
#define TORCH_MAX_TENSORS (1 << 16)

#define TORCH_MAX_VISITS (1 << 22)        /* dict entries looked at (a dict may hold itself: the walk is bounded) */

/* The tensors reachable through nested dicts (at most limit + 1: the walk stops there, or when *visits runs out). */
static int torch_count_tensors(const torch_pickle *pk, const torch_value *dict, int depth, int limit, long *visits)
{
    int i, n = 0;
    if (depth >= TORCH_MAX_NESTING) return 0;
    for (i = 0; i + 1 < dict->n_items && n <= limit; i += 2) {
        const torch_value *value = torch_item(pk, dict, i + 1);
        if (--*visits < 0) return limit + 1;
        if (value->kind == TORCH_TENSOR) n++;
        else if (value->kind == TORCH_DICT) n += torch_count_tensors(pk, value, depth + 1, limit - n, visits);
    }
    return n;
}

/* Adds the tensor `value` named name[0..name_len) to f, checking its view against its storage. */
static int torch_add_tensor(torch_pickle *pk, const torch_value *value, const char *name, size_t name_len, ck_file *f)
{
    const torch_view *view = &pk->views[value->integer];
    const torch_storage *s = &pk->storages[view->storage];
    ck_tensor *t = &f->tensors[f->n_tensors];
    int64_t numel = 1, last = 0, extent;
    int j;
    t->name = (char *)malloc(name_len + 1);
    if (!t->name) return ck_fail(pk->err, pk->path, "out of memory");
    memcpy(t->name, name, name_len);
    t->name[name_len] = 0;
    f->n_tensors++;
    for (j = 0; j < f->n_tensors - 1; j++)
        if (strcmp(f->tensors[j].name, t->name) == 0) return ck_fail(pk->err, pk->path, "tensor '%s' appears twice", t->name);
    t->dtype = s->dtype;
    t->ndim = view->ndim;
    for (j = 0; j < view->ndim; j++) {
        t->dims[j] = view->dims[j];
        t->strides[j] = view->strides[j];
        if (!torch_mul_ok(numel, view->dims[j], TORCH_MAX_NUMEL, &numel)) return ck_fail(pk->err, pk->path, "tensor '%s' is too large", t->name);
    }
    if (!s->data) return ck_fail(pk->err, pk->path, "storage of '%s' has no data", t->name);
    if (numel == 0) { t->data = s->data; t->nbytes = 0; }
    else {
        for (j = 0; j < view->ndim; j++) {
            int64_t step;
            if (!torch_mul_ok(view->dims[j] - 1, view->strides[j], TORCH_MAX_NUMEL, &step) || last > TORCH_MAX_NUMEL - step)
                return ck_fail(pk->err, pk->path, "tensor '%s' has bad strides", t->name);
            last += step;
        }
        extent = last + 1;
        if (view->offset > s->data_numel || extent > s->data_numel - view->offset)
            return ck_fail(pk->err, pk->path, "tensor '%s' reaches past its storage (offset %lld + %lld elements > %lld)", t->name,
                              (long long)view->offset, (long long)extent, (long long)s->data_numel);
        t->data = s->data + (size_t)view->offset * (size_t)s->elem_size;
        t->nbytes = (uint64_t)extent * (uint64_t)s->elem_size;
    }
    if (t->dtype == CK_OTHER) { t->data = NULL; t->nbytes = 0; }
    return 0;
}

/* The tensors of dict (and of the dicts inside it, named "outer.inner.name": wrapped checkpoints such as
   {"state_dict": {...}} or {"model": {"bert": {...}}}) into f->tensors. Integer keys (optimizer state) are named
   by their decimal value; entries that are neither tensors nor dicts (epoch counters, lists, ...) are skipped. */
static int torch_collect_dict(torch_pickle *pk, const torch_value *dict, const char *prefix, size_t prefix_len, int depth,
                              ck_file *f)
{
    int i;
    for (i = 0; i + 1 < dict->n_items; i += 2) {
        const torch_value *key = torch_item(pk, dict, i), *value = torch_item(pk, dict, i + 1);
        char number[24], *name;
        const char *text;
        size_t text_len;
        int rc;
        if (value->kind != TORCH_TENSOR && (value->kind != TORCH_DICT || depth + 1 >= TORCH_MAX_NESTING)) continue;
        if (key->kind == TORCH_STR && key->text_len > 0 && !memchr(key->text, 0, key->text_len)) {
            text = (const char *)key->text;
            text_len = key->text_len;
        } else if (key->kind == TORCH_INT) {
            snprintf(number, sizeof number, "%lld", (long long)key->integer);
            text = number;
            text_len = strlen(number);
        } else if (depth == 0 && value->kind == TORCH_TENSOR) {
            return ck_fail(pk->err, pk->path, "state dict key is not a name");
        } else {
            continue;
        }
        if (prefix_len + text_len + 2 > 4096) return ck_fail(pk->err, pk->path, "a nested state dict name is too long");
        name = (char *)malloc(prefix_len + text_len + 2);
        if (!name) return ck_fail(pk->err, pk->path, "out of memory");
        memcpy(name, prefix, prefix_len);
        memcpy(name + prefix_len, text, text_len);
        if (value->kind == TORCH_TENSOR) {
            rc = torch_add_tensor(pk, value, name, prefix_len + text_len, f);
        } else {
            name[prefix_len + text_len] = '.';
            rc = torch_collect_dict(pk, value, name, prefix_len + text_len + 1, depth + 1, f);
        }
        free(name);
        if (rc != 0) return -1;
    }
    return 0;
}

/* Turns the state dict (a dict value) into f->tensors. */
static int torch_collect(torch_pickle *pk, int dict_index, ck_file *f)
{
    const torch_value *dict = &pk->values[dict_index];
    int n;
    long visits = TORCH_MAX_VISITS;
    if (dict->kind != TORCH_DICT) return ck_fail(pk->err, pk->path, "the pickle is not a state dict");
    n = torch_count_tensors(pk, dict, 0, TORCH_MAX_TENSORS, &visits);
    if (n > TORCH_MAX_TENSORS)
        return ck_fail(pk->err, pk->path, "more than %d tensors (or a dict nested in itself)", TORCH_MAX_TENSORS);
    f->tensors = (ck_tensor *)calloc((size_t)n + 1, sizeof(ck_tensor));
    if (!f->tensors) return ck_fail(pk->err, pk->path, "out of memory");
    return torch_collect_dict(pk, dict, "", 0, 0, f);
}

static int torch_open_zip(torch_pickle *pk, const uint8_t *file, size_t size, ck_file *f)
{
    torch_zip zip;
    const torch_zip_entry *pkl = NULL, *order;
    size_t folder_len = 0, pos = 0;
    int i, result, rc = -1;
    if (torch_zip_read(file, size, &zip, pk->path, pk->err) != 0) goto done;
    for (i = 0; i < zip.n_entries && !pkl; i++) {
        const torch_zip_entry *e = &zip.entries[i];
        const uint8_t *slash = (const uint8_t *)memchr(e->name, '/', e->name_len);
        if (slash && torch_bytes_eq(slash, e->name_len - (size_t)(slash - e->name), "/data.pkl")) {
            pkl = e;
            folder_len = (size_t)(slash - e->name);
        }
    }
    if (!pkl) { ck_fail(pk->err, pk->path, "zip has no <folder>/data.pkl: not a torch.save file"); goto done; }
    if (!pkl->data) { ck_fail(pk->err, pk->path, "zip entries are compressed (method %d); torch.save writes them stored", pkl->method); goto done; }
    if (torch_crc32(pkl->data, pkl->size) != pkl->crc32 && !TORCH_IGNORE_CRC) { ck_fail(pk->err, pk->path, "data.pkl: CRC mismatch (file corrupt)"); goto done; }
    order = torch_zip_find(&zip, pkl->name, folder_len, "/byteorder", (const uint8_t *)"", 0);
    if (order && (!order->data || !torch_bytes_eq(order->data, (size_t)order->size, "little"))) {
        ck_fail(pk->err, pk->path, "big-endian torch checkpoints are not supported");
        goto done;
    }
    if (torch_run_pickle(pk, pkl->data, (size_t)pkl->size, &pos, &result) != 0) goto done;
    for (i = 0; i < pk->n_storages; i++) {
        torch_storage *s = &pk->storages[i];
        const torch_zip_entry *e = torch_zip_find(&zip, pkl->name, folder_len, "/data/", s->key, s->key_len);
        if (!e) { ck_fail(pk->err, pk->path, "storage data/%.*s is missing", (int)s->key_len, (const char *)s->key); goto done; }
        if (!e->data) { ck_fail(pk->err, pk->path, "storage data/%.*s is compressed (method %d); not supported", (int)s->key_len, (const char *)s->key, e->method); goto done; }
        if (e->size / (uint64_t)s->elem_size < (uint64_t)s->numel) {
            ck_fail(pk->err, pk->path, "storage data/%.*s is shorter than its %lld elements", (int)s->key_len, (const char *)s->key, (long long)s->numel);
            goto done;
        }
        if (torch_crc32(e->data, e->size) != e->crc32 && !TORCH_IGNORE_CRC) {
            ck_fail(pk->err, pk->path, "storage data/%.*s: CRC mismatch (file corrupt)", (int)s->key_len, (const char *)s->key);
            goto done;
        }
        s->data = e->data;
        s->data_numel = s->numel;
    }
    rc = torch_collect(pk, result, f);
done:
    free(zip.entries);
    return rc;
}

/* Legacy format: after the pickles, for each key of the key list: u64 element count, then the bytes. */
static int torch_legacy_storages(torch_pickle *pk, torch_pickle *keys_pk, int keys_index, const uint8_t *file, size_t size,
                                 size_t pos)
{
    const torch_value *keys = &keys_pk->values[keys_index];
    int i, j;
    if (keys->kind != TORCH_LIST) return ck_fail(pk->err, pk->path, "legacy torch file: storage key list missing");
    for (i = 0; i < keys->n_items; i++) {
        const torch_value *key = torch_item(keys_pk, keys, i);
        torch_storage *s = NULL;
        uint64_t numel;
        if (key->kind != TORCH_STR) return ck_fail(pk->err, pk->path, "legacy torch file: bad storage key");
        for (j = 0; j < pk->n_storages; j++)
            if (pk->storages[j].key_len == key->text_len && memcmp(pk->storages[j].key, key->text, key->text_len) == 0) s = &pk->storages[j];
        if (!s || s->data)
            return ck_fail(pk->err, pk->path, "legacy torch file: storage '%.*s' unknown or listed twice", (int)key->text_len, (const char *)key->text);
        if (size - pos < 8) return ck_fail(pk->err, pk->path, "legacy torch file: truncated storage data");
        numel = torch_u64(file + pos);
        pos += 8;
        if (numel > (uint64_t)TORCH_MAX_NUMEL || numel > (size - pos) / (uint64_t)s->elem_size)
            return ck_fail(pk->err, pk->path, "legacy torch file: storage '%.*s' runs past the end", (int)key->text_len, (const char *)key->text);
        s->data = file + pos;
        s->data_numel = (int64_t)numel;
        pos += (size_t)numel * (size_t)s->elem_size;
    }
    return 0;
}

static int torch_open_legacy(torch_pickle *pk, const uint8_t *file, size_t size, ck_file *f)
{
    static const uint8_t magic[10] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19}; /* 0x1950a86a20f9469cfc6c */
    size_t pos = 0;
    int v, state_dict, keys_index, i;
    const torch_value *sys_info;
    pk->legacy = 1;
    if (size < 2 || file[0] != 0x80) return ck_fail(pk->err, pk->path, "not a torch checkpoint (neither zip nor pickle)");
    if (torch_run_pickle(pk, file, size, &pos, &v) != 0) return -1;
    if (pk->values[v].kind != TORCH_BIGINT || pk->values[v].text_len != 10 || memcmp(pk->values[v].text, magic, 10) != 0)
        return ck_fail(pk->err, pk->path, "legacy torch file: wrong magic number");
    if (torch_run_pickle(pk, file, size, &pos, &v) != 0) return -1;
    if (pk->values[v].kind != TORCH_INT || pk->values[v].integer != 1001)
        return ck_fail(pk->err, pk->path, "legacy torch file: unsupported protocol version");
    if (torch_run_pickle(pk, file, size, &pos, &v) != 0) return -1;
    sys_info = &pk->values[v];
    if (sys_info->kind != TORCH_DICT) return ck_fail(pk->err, pk->path, "legacy torch file: bad sys info");
    for (i = 0; i + 1 < sys_info->n_items; i += 2) {
        const torch_value *k = torch_item(pk, sys_info, i), *val = torch_item(pk, sys_info, i + 1);
        if (k->kind == TORCH_STR && torch_bytes_eq(k->text, k->text_len, "little_endian") && !(val->kind == TORCH_BOOL && val->integer == 1))
            return ck_fail(pk->err, pk->path, "big-endian torch checkpoints are not supported");
    }
    /* the state dict: its values must survive the next pickle, so run the key list on a second machine */
    if (torch_run_pickle(pk, file, size, &pos, &state_dict) != 0) return -1;
    {
        torch_pickle keys_pk;
        int rc;
        memset(&keys_pk, 0, sizeof keys_pk);
        keys_pk.path = pk->path;
        keys_pk.err = pk->err;
        rc = torch_run_pickle(&keys_pk, file, size, &pos, &keys_index);
        if (rc == 0) rc = torch_legacy_storages(pk, &keys_pk, keys_index, file, size, pos);
        torch_pickle_free(&keys_pk);
        if (rc != 0) return -1;
    }
    return torch_collect(pk, state_dict, f);
}

int ck_open_torch_memory(const uint8_t *data, size_t size, const char *name, ck_file *f, char *err)
{
    torch_pickle pk;
    int rc;
    memset(f, 0, sizeof *f);
    memset(&pk, 0, sizeof pk);
    f->close = torch_close;
    f->path = (char *)malloc(strlen(name) + 1);
    f->impl = calloc(1, sizeof(torch_impl));
    if (!f->path || !f->impl) { torch_close(f); return ck_fail(err, name, "out of memory"); }
    strcpy(f->path, name);
    pk.path = f->path;
    pk.err = err;
    if (size >= 4 && memcmp(data, "PK\3\4", 4) == 0) rc = torch_open_zip(&pk, data, size, f);
    else rc = torch_open_legacy(&pk, data, size, f);
    torch_pickle_free(&pk);
    if (rc != 0) torch_close(f);
    return rc;
}

int ck_open_torch(const char *path, ck_file *f, char *err)
{
    ck_mapping map;
    int rc;
    memset(f, 0, sizeof *f);
    if (ck_map_file(path, &map, err) != 0) return -1;
    if (map.size == 0) return ck_fail(err, path, "empty or unreadable file");
    rc = ck_open_torch_memory((const uint8_t *)map.data, map.size, path, f, err);
    if (rc != 0) { ck_unmap_file(&map); return rc; }
    ((torch_impl *)f->impl)->map = map;
    return 0;
}

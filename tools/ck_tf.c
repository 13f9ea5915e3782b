/* ck_tf.c - reads Google TensorFlow tensor-bundle checkpoints (X.index + X.data-0000k-of-0000n) without TF.

   The .index file is a LevelDB-style table (../shared/docs/formats.md §3): a 48-byte footer with the block
   handles of the metaindex and index blocks and the magic 0xdb4775248b80fb57; every block is followed by a
   type byte (0 raw, 1 snappy) and the masked CRC32C of block + type, which is checked; block entries are
   prefix-compressed keys with values, followed by a restart array. The index block lists the data blocks.
   Key "" holds the BundleHeaderProto (shard count, endianness, version); every other key is a variable
   name with a BundleEntryProto (dtype, shape, shard, offset, size, masked CRC32C of the bytes). Tensor bytes
   are in the data shards, which are mapped; each tensor's range and CRC are checked at open.
   2-D "kernel" variables are reported transposed to HF order (see convert.h). Also here: the Google ALBERT
   TF -> HF name map (ck_tf_to_hf_name). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "convert.h"

#define TF_MAX_SHARDS 4096
#define TF_MAX_BLOCK ((uint64_t)1 << 30)     /* a decompressed index block; real ones are <= 256 KiB */
#define TF_MAX_NUMEL ((int64_t)1 << 50)
/* Fuzzing builds (the libFuzzer/OSS-Fuzz convention) skip the CRC checks so that mutations reach the parsers. */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define TF_IGNORE_CRC 1
#else
#define TF_IGNORE_CRC 0
#endif

static uint32_t tf_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* ---------------------------------------------------------------- CRC32C (Castagnoli), masked as LevelDB does */

static const uint32_t tf_crc32c_table[256] = {
    0x00000000u, 0xf26b8303u, 0xe13b70f7u, 0x1350f3f4u, 0xc79a971fu, 0x35f1141cu,
    0x26a1e7e8u, 0xd4ca64ebu, 0x8ad958cfu, 0x78b2dbccu, 0x6be22838u, 0x9989ab3bu,
    0x4d43cfd0u, 0xbf284cd3u, 0xac78bf27u, 0x5e133c24u, 0x105ec76fu, 0xe235446cu,
    0xf165b798u, 0x030e349bu, 0xd7c45070u, 0x25afd373u, 0x36ff2087u, 0xc494a384u,
    0x9a879fa0u, 0x68ec1ca3u, 0x7bbcef57u, 0x89d76c54u, 0x5d1d08bfu, 0xaf768bbcu,
    0xbc267848u, 0x4e4dfb4bu, 0x20bd8edeu, 0xd2d60dddu, 0xc186fe29u, 0x33ed7d2au,
    0xe72719c1u, 0x154c9ac2u, 0x061c6936u, 0xf477ea35u, 0xaa64d611u, 0x580f5512u,
    0x4b5fa6e6u, 0xb93425e5u, 0x6dfe410eu, 0x9f95c20du, 0x8cc531f9u, 0x7eaeb2fau,
    0x30e349b1u, 0xc288cab2u, 0xd1d83946u, 0x23b3ba45u, 0xf779deaeu, 0x05125dadu,
    0x1642ae59u, 0xe4292d5au, 0xba3a117eu, 0x4851927du, 0x5b016189u, 0xa96ae28au,
    0x7da08661u, 0x8fcb0562u, 0x9c9bf696u, 0x6ef07595u, 0x417b1dbcu, 0xb3109ebfu,
    0xa0406d4bu, 0x522bee48u, 0x86e18aa3u, 0x748a09a0u, 0x67dafa54u, 0x95b17957u,
    0xcba24573u, 0x39c9c670u, 0x2a993584u, 0xd8f2b687u, 0x0c38d26cu, 0xfe53516fu,
    0xed03a29bu, 0x1f682198u, 0x5125dad3u, 0xa34e59d0u, 0xb01eaa24u, 0x42752927u,
    0x96bf4dccu, 0x64d4cecfu, 0x77843d3bu, 0x85efbe38u, 0xdbfc821cu, 0x2997011fu,
    0x3ac7f2ebu, 0xc8ac71e8u, 0x1c661503u, 0xee0d9600u, 0xfd5d65f4u, 0x0f36e6f7u,
    0x61c69362u, 0x93ad1061u, 0x80fde395u, 0x72966096u, 0xa65c047du, 0x5437877eu,
    0x4767748au, 0xb50cf789u, 0xeb1fcbadu, 0x197448aeu, 0x0a24bb5au, 0xf84f3859u,
    0x2c855cb2u, 0xdeeedfb1u, 0xcdbe2c45u, 0x3fd5af46u, 0x7198540du, 0x83f3d70eu,
    0x90a324fau, 0x62c8a7f9u, 0xb602c312u, 0x44694011u, 0x5739b3e5u, 0xa55230e6u,
    0xfb410cc2u, 0x092a8fc1u, 0x1a7a7c35u, 0xe811ff36u, 0x3cdb9bddu, 0xceb018deu,
    0xdde0eb2au, 0x2f8b6829u, 0x82f63b78u, 0x709db87bu, 0x63cd4b8fu, 0x91a6c88cu,
    0x456cac67u, 0xb7072f64u, 0xa457dc90u, 0x563c5f93u, 0x082f63b7u, 0xfa44e0b4u,
    0xe9141340u, 0x1b7f9043u, 0xcfb5f4a8u, 0x3dde77abu, 0x2e8e845fu, 0xdce5075cu,
    0x92a8fc17u, 0x60c37f14u, 0x73938ce0u, 0x81f80fe3u, 0x55326b08u, 0xa759e80bu,
    0xb4091bffu, 0x466298fcu, 0x1871a4d8u, 0xea1a27dbu, 0xf94ad42fu, 0x0b21572cu,
    0xdfeb33c7u, 0x2d80b0c4u, 0x3ed04330u, 0xccbbc033u, 0xa24bb5a6u, 0x502036a5u,
    0x4370c551u, 0xb11b4652u, 0x65d122b9u, 0x97baa1bau, 0x84ea524eu, 0x7681d14du,
    0x2892ed69u, 0xdaf96e6au, 0xc9a99d9eu, 0x3bc21e9du, 0xef087a76u, 0x1d63f975u,
    0x0e330a81u, 0xfc588982u, 0xb21572c9u, 0x407ef1cau, 0x532e023eu, 0xa145813du,
    0x758fe5d6u, 0x87e466d5u, 0x94b49521u, 0x66df1622u, 0x38cc2a06u, 0xcaa7a905u,
    0xd9f75af1u, 0x2b9cd9f2u, 0xff56bd19u, 0x0d3d3e1au, 0x1e6dcdeeu, 0xec064eedu,
    0xc38d26c4u, 0x31e6a5c7u, 0x22b65633u, 0xd0ddd530u, 0x0417b1dbu, 0xf67c32d8u,
    0xe52cc12cu, 0x1747422fu, 0x49547e0bu, 0xbb3ffd08u, 0xa86f0efcu, 0x5a048dffu,
    0x8ecee914u, 0x7ca56a17u, 0x6ff599e3u, 0x9d9e1ae0u, 0xd3d3e1abu, 0x21b862a8u,
    0x32e8915cu, 0xc083125fu, 0x144976b4u, 0xe622f5b7u, 0xf5720643u, 0x07198540u,
    0x590ab964u, 0xab613a67u, 0xb831c993u, 0x4a5a4a90u, 0x9e902e7bu, 0x6cfbad78u,
    0x7fab5e8cu, 0x8dc0dd8fu, 0xe330a81au, 0x115b2b19u, 0x020bd8edu, 0xf0605beeu,
    0x24aa3f05u, 0xd6c1bc06u, 0xc5914ff2u, 0x37faccf1u, 0x69e9f0d5u, 0x9b8273d6u,
    0x88d28022u, 0x7ab90321u, 0xae7367cau, 0x5c18e4c9u, 0x4f48173du, 0xbd23943eu,
    0xf36e6f75u, 0x0105ec76u, 0x12551f82u, 0xe03e9c81u, 0x34f4f86au, 0xc69f7b69u,
    0xd5cf889du, 0x27a40b9eu, 0x79b737bau, 0x8bdcb4b9u, 0x988c474du, 0x6ae7c44eu,
    0xbe2da0a5u, 0x4c4623a6u, 0x5f16d052u, 0xad7d5351u,
};

static uint32_t tf_crc32c_extend(uint32_t crc, const uint8_t *p, size_t n)
{
    size_t i;
    crc = ~crc;
    for (i = 0; i < n; i++) crc = tf_crc32c_table[(crc ^ p[i]) & 0xFFu] ^ (crc >> 8);
    return ~crc;
}

static uint32_t tf_crc_unmask(uint32_t masked)
{
    uint32_t rot = masked - 0xa282ead8u;
    return (rot >> 17) | (rot << 15);
}

/* ---------------------------------------------------------------- varints and snappy */

/* Reads a varint of at most 64 bits from p[*pos..end) (ck_cursor_varint); returns 0 or -1 (truncated / too long). */
static int tf_varint(const uint8_t *p, size_t end, size_t *pos, uint64_t *value)
{
    ck_cursor c = ck_cursor_make(p + *pos, end - *pos);
    *value = ck_cursor_varint(&c);
    *pos = end - ck_cursor_left(&c);
    return c.failed ? -1 : 0;
}

/* Raw snappy (google/snappy format_description.txt) into a new buffer *out of *out_size bytes. */
static int tf_snappy_decompress(const uint8_t *in, size_t in_size, uint8_t **out, size_t *out_size,
                                const char *path, char *err)
{
    size_t pos = 0, produced = 0;
    uint64_t length;
    uint8_t *dst;
    *out = NULL;
    if (tf_varint(in, in_size, &pos, &length) != 0 || length > 0xFFFFFFFFu)
        return ck_fail(err, path, "snappy: bad uncompressed length");
    /* a 3-byte copy tag yields at most 64 bytes: anything claiming more than that ratio is corrupt */
    if (length > TF_MAX_BLOCK || length > (uint64_t)in_size * 22 + 64) return ck_fail(err, path, "snappy: implausible uncompressed length %llu", (unsigned long long)length);
    dst = (uint8_t *)malloc(length ? (size_t)length : 1);
    if (!dst) return ck_fail(err, path, "out of memory");
    while (pos < in_size) {
        uint8_t tag = in[pos++];
        size_t len, offset;
        if ((tag & 3) == 0) {                     /* literal */
            len = (size_t)(tag >> 2) + 1;
            if (len > 60) {
                size_t extra = len - 60, i;
                if (in_size - pos < extra) goto bad;
                len = 0;
                for (i = 0; i < extra; i++) len |= (size_t)in[pos + i] << (8 * i);
                len += 1;
                pos += extra;
            }
            if (len > in_size - pos || len > length - produced) goto bad;
            memcpy(dst + produced, in + pos, len);
            pos += len;
            produced += len;
            continue;
        }
        if ((tag & 3) == 1) {                     /* copy, 1-byte offset */
            if (in_size - pos < 1) goto bad;
            len = 4 + ((tag >> 2) & 7);
            offset = ((size_t)(tag >> 5) << 8) | in[pos];
            pos += 1;
        } else if ((tag & 3) == 2) {              /* copy, 2-byte offset */
            if (in_size - pos < 2) goto bad;
            len = (size_t)(tag >> 2) + 1;
            offset = (size_t)in[pos] | ((size_t)in[pos + 1] << 8);
            pos += 2;
        } else {                                  /* copy, 4-byte offset */
            if (in_size - pos < 4) goto bad;
            len = (size_t)(tag >> 2) + 1;
            offset = tf_u32(in + pos);
            pos += 4;
        }
        if (offset == 0 || offset > produced || len > length - produced) goto bad;
        {   /* the source may overlap the output (a repeating pattern): copy at most offset bytes at a time */
            size_t done = 0;
            while (done < len) {
                size_t chunk = len - done < offset ? len - done : offset;
                memcpy(dst + produced + done, dst + produced + done - offset, chunk);
                done += chunk;
            }
        }
        produced += len;
    }
    if (produced != length) goto bad;
    *out = dst;
    *out_size = (size_t)length;
    return 0;
bad:
    free(dst);
    return ck_fail(err, path, "snappy: corrupt compressed block");
}

/* ---------------------------------------------------------------- table blocks */

typedef struct tf_block {
    const uint8_t *data;       /* contents (decompressed) */
    size_t size;
    uint8_t *owned;            /* non-NULL if decompressed into a buffer */
} tf_block;

/* Reads the block at handle (offset, size) of the index file: checks the trailer CRC, decompresses. */
static int tf_read_block(const uint8_t *file, size_t file_size, uint64_t offset, uint64_t size, tf_block *block,
                         const char *path, char *err)
{
    uint8_t type;
    uint32_t stored, actual;
    memset(block, 0, sizeof *block);
    if (offset > file_size || size > file_size - offset || file_size - offset - size < 5)
        return ck_fail(err, path, "index block (offset %llu, size %llu) lies outside the file", (unsigned long long)offset, (unsigned long long)size);
    type = file[offset + size];
    stored = tf_crc_unmask(tf_u32(file + offset + size + 1));
    actual = tf_crc32c_extend(tf_crc32c_extend(0, file + offset, (size_t)size), &type, 1);
    if (stored != actual && !TF_IGNORE_CRC) return ck_fail(err, path, "index block at %llu: CRC mismatch (file corrupt)", (unsigned long long)offset);
    if (type == 0) {
        block->data = file + offset;
        block->size = (size_t)size;
        return 0;
    }
    if (type == 1) {
        if (tf_snappy_decompress(file + offset, (size_t)size, &block->owned, &block->size, path, err) != 0) return -1;
        block->data = block->owned;
        return 0;
    }
    return ck_fail(err, path, "index block at %llu: unknown compression type %d", (unsigned long long)offset, type);
}

/* Walks a block's entries; calls visit(key, key_len, value, value_len, ctx) for each in order. */
typedef int (*tf_visit_fn)(const uint8_t *key, size_t key_len, const uint8_t *value, size_t value_len, void *ctx);

static int tf_walk_block(const tf_block *block, tf_visit_fn visit, void *ctx, const char *path, char *err)
{
    uint32_t n_restarts;
    size_t entries_end, pos = 0, key_len = 0, key_cap = 0;
    uint8_t *key = NULL;
    int rc = -1;
    if (block->size < 4) return ck_fail(err, path, "index block too small");
    n_restarts = tf_u32(block->data + block->size - 4);
    if (n_restarts == 0 || n_restarts > (block->size - 4) / 4) return ck_fail(err, path, "index block: bad restart count");
    entries_end = block->size - 4 - (size_t)n_restarts * 4;
    while (pos < entries_end) {
        uint64_t shared, non_shared, value_len;
        if (tf_varint(block->data, entries_end, &pos, &shared) != 0 || tf_varint(block->data, entries_end, &pos, &non_shared) != 0 ||
            tf_varint(block->data, entries_end, &pos, &value_len) != 0) { ck_fail(err, path, "index block: bad entry header"); goto done; }
        if (shared > key_len || non_shared > entries_end - pos || value_len > entries_end - pos - non_shared) {
            ck_fail(err, path, "index block: entry out of bounds");
            goto done;
        }
        if (shared + non_shared > key_cap) {
            size_t cap = (size_t)(shared + non_shared) * 2 + 16;
            uint8_t *p = (uint8_t *)realloc(key, cap);
            if (!p) { ck_fail(err, path, "out of memory"); goto done; }
            key = p;
            key_cap = cap;
        }
        if (non_shared) memcpy(key + shared, block->data + pos, (size_t)non_shared);
        key_len = (size_t)(shared + non_shared);
        pos += (size_t)non_shared;
        if (visit(key ? key : (const uint8_t *)"", key_len, block->data + pos, (size_t)value_len, ctx) != 0) goto done;
        pos += (size_t)value_len;
    }
    rc = 0;
done:
    free(key);
    return rc;
}

/* ---------------------------------------------------------------- bundle protos */

typedef struct tf_entry {
    char *name;
    int dtype;                 /* TF DataType */
    int ndim;
    int64_t dims[CK_MAX_DIMS];
    int64_t shard, offset, size;
    uint32_t crc32c;           /* masked */
    int sliced;
} tf_entry;

typedef struct tf_index {
    const char *path;
    char *err;
    int have_header;
    int64_t num_shards;
    tf_entry *entries;
    int n_entries, cap_entries;
    uint8_t *last_key;         /* keys must be strictly increasing */
    size_t last_key_len;
    int have_last_key;
} tf_index;

static int tf_parse_shape(tf_index *ix, tf_entry *e, const uint8_t *p, size_t size)
{
    ck_cursor c = ck_cursor_make(p, size);
    ck_pb_field f;
    int rc;
    while ((rc = ck_pb_next(&c, &f)) == 1) {
        if (f.number == 2 && f.wire == 2) {         /* Dim { int64 size = 1; string name = 2; } */
            ck_cursor dc = ck_cursor_make(f.data, f.len);
            ck_pb_field df;
            int64_t dim = 0;
            int drc;
            while ((drc = ck_pb_next(&dc, &df)) == 1)
                if (df.number == 1 && df.wire == 0) dim = (int64_t)df.value;
            if (drc < 0) return ck_fail(ix->err, ix->path, "'%s': bad shape dimension", e->name);
            if (dim < 0 || dim > TF_MAX_NUMEL) return ck_fail(ix->err, ix->path, "'%s': bad dimension size", e->name);
            if (e->ndim >= CK_MAX_DIMS) return ck_fail(ix->err, ix->path, "'%s': more than %d dimensions", e->name, CK_MAX_DIMS);
            e->dims[e->ndim++] = dim;
        } else if (f.number == 3 && f.wire == 0 && f.value) {
            return ck_fail(ix->err, ix->path, "'%s': shape of unknown rank", e->name);
        }
    }
    if (rc < 0) return ck_fail(ix->err, ix->path, "'%s': bad TensorShapeProto", e->name);
    return 0;
}

static int tf_parse_header(tf_index *ix, const uint8_t *p, size_t size)
{
    ck_cursor c = ck_cursor_make(p, size);
    ck_pb_field f;
    int rc;
    ix->num_shards = 0;
    while ((rc = ck_pb_next(&c, &f)) == 1) {
        if (f.number == 1 && f.wire == 0) ix->num_shards = (int64_t)f.value;
        else if (f.number == 2 && f.wire == 0 && f.value != 0) return ck_fail(ix->err, ix->path, "big-endian TF checkpoints are not supported");
        else if (f.number == 3 && f.wire == 2) {    /* VersionDef { producer = 1; min_consumer = 2; ... } */
            ck_cursor vc = ck_cursor_make(f.data, f.len);
            ck_pb_field vf;
            int vrc;
            while ((vrc = ck_pb_next(&vc, &vf)) == 1)
                if (vf.number == 2 && vf.wire == 0 && vf.value > 1)
                    return ck_fail(ix->err, ix->path, "bundle needs a newer reader (min_consumer %llu)", (unsigned long long)vf.value);
            if (vrc < 0) return ck_fail(ix->err, ix->path, "bad VersionDef in the bundle header");
        }
    }
    if (rc < 0) return ck_fail(ix->err, ix->path, "bad BundleHeaderProto");
    if (ix->num_shards < 1 || ix->num_shards > TF_MAX_SHARDS) return ck_fail(ix->err, ix->path, "bad shard count %lld", (long long)ix->num_shards);
    return 0;
}

static int tf_parse_entry(tf_index *ix, tf_entry *e, const uint8_t *p, size_t size)
{
    ck_cursor c = ck_cursor_make(p, size);
    ck_pb_field f;
    int rc;
    while ((rc = ck_pb_next(&c, &f)) == 1) {
        uint64_t value = f.value;
        switch (f.number) {
        case 1: if (f.wire != 0 || value > 1000) goto bad; e->dtype = (int)value; break;
        case 2: if (f.wire != 2) goto bad; if (tf_parse_shape(ix, e, f.data, f.len) != 0) return -1; break;
        case 3: if (f.wire != 0 || value > TF_MAX_SHARDS) goto bad; e->shard = (int64_t)value; break;
        case 4: if (f.wire != 0 || value > (uint64_t)INT64_MAX) goto bad; e->offset = (int64_t)value; break;
        case 5: if (f.wire != 0 || value > (uint64_t)INT64_MAX) goto bad; e->size = (int64_t)value; break;
        case 6: if (f.wire != 5) goto bad; e->crc32c = (uint32_t)value; break;
        case 7: e->sliced = 1; break;
        default: break;
        }
    }
    if (rc < 0) return ck_fail(ix->err, ix->path, "'%s': bad BundleEntryProto", e->name);
    return 0;
bad:
    return ck_fail(ix->err, ix->path, "'%s': bad field in BundleEntryProto", e->name);
}

static int tf_visit_entry(const uint8_t *key, size_t key_len, const uint8_t *value, size_t value_len, void *ctx)
{
    tf_index *ix = (tf_index *)ctx;
    tf_entry *e;
    if (ix->have_last_key) {
        size_t n = key_len < ix->last_key_len ? key_len : ix->last_key_len;
        int c = memcmp(key, ix->last_key, n);
        if (c < 0 || (c == 0 && key_len <= ix->last_key_len)) return ck_fail(ix->err, ix->path, "index keys out of order (file corrupt)");
    }
    {
        uint8_t *copy = (uint8_t *)realloc(ix->last_key, key_len + 1);
        if (!copy) return ck_fail(ix->err, ix->path, "out of memory");
        memcpy(copy, key, key_len);
        ix->last_key = copy;
        ix->last_key_len = key_len;
        ix->have_last_key = 1;
    }
    if (key_len == 0) {
        ix->have_header = 1;
        return tf_parse_header(ix, value, value_len);
    }
    if (!ix->have_header) return ck_fail(ix->err, ix->path, "bundle header (key \"\") missing");
    if (memchr(key, 0, key_len)) return ck_fail(ix->err, ix->path, "variable name with a NUL byte");
    if (ix->n_entries == ix->cap_entries) {
        int cap = ix->cap_entries ? ix->cap_entries * 2 : 64;
        tf_entry *p;
        if (cap > (1 << 24)) return ck_fail(ix->err, ix->path, "too many variables");
        p = (tf_entry *)realloc(ix->entries, (size_t)cap * sizeof(tf_entry));
        if (!p) return ck_fail(ix->err, ix->path, "out of memory");
        ix->entries = p;
        ix->cap_entries = cap;
    }
    e = &ix->entries[ix->n_entries];
    memset(e, 0, sizeof *e);
    e->name = (char *)malloc(key_len + 1);
    if (!e->name) return ck_fail(ix->err, ix->path, "out of memory");
    memcpy(e->name, key, key_len);
    e->name[key_len] = 0;
    ix->n_entries++;
    return tf_parse_entry(ix, e, value, value_len);
}

typedef struct tf_index_walk {
    tf_index *ix;
    const uint8_t *file;
    size_t file_size;
} tf_index_walk;

static int tf_visit_index(const uint8_t *key, size_t key_len, const uint8_t *value, size_t value_len, void *ctx)
{
    tf_index_walk *walk = (tf_index_walk *)ctx;
    size_t pos = 0;
    uint64_t offset, size;
    tf_block block;
    int rc;
    (void)key;
    (void)key_len;
    if (tf_varint(value, value_len, &pos, &offset) != 0 || tf_varint(value, value_len, &pos, &size) != 0)
        return ck_fail(walk->ix->err, walk->ix->path, "index block: bad block handle");
    if (tf_read_block(walk->file, walk->file_size, offset, size, &block, walk->ix->path, walk->ix->err) != 0) return -1;
    rc = tf_walk_block(&block, tf_visit_entry, walk->ix, walk->ix->path, walk->ix->err);
    free(block.owned);
    return rc;
}

static void tf_index_free(tf_index *ix)
{
    int i;
    for (i = 0; i < ix->n_entries; i++) free(ix->entries[i].name);
    free(ix->entries);
    free(ix->last_key);
    memset(ix, 0, sizeof *ix);
}

/* Parses the whole .index file into ix (entries + header). */
static int tf_parse_index(const uint8_t *file, size_t size, tf_index *ix)
{
    static const uint8_t magic[8] = {0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb};
    size_t pos, footer;
    uint64_t meta_offset, meta_size, index_offset, index_size;
    tf_block index_block;
    tf_index_walk walk;
    int rc;
    if (size < 48) return ck_fail(ix->err, ix->path, "not a TF checkpoint index (too small)");
    footer = size - 48;
    if (memcmp(file + size - 8, magic, 8) != 0) return ck_fail(ix->err, ix->path, "not a TF checkpoint index (bad magic)");
    pos = footer;
    if (tf_varint(file, size - 8, &pos, &meta_offset) != 0 || tf_varint(file, size - 8, &pos, &meta_size) != 0 ||
        tf_varint(file, size - 8, &pos, &index_offset) != 0 || tf_varint(file, size - 8, &pos, &index_size) != 0)
        return ck_fail(ix->err, ix->path, "bad footer");
    /* the metaindex is empty in bundles (no filter block); read it only to check its CRC */
    if (tf_read_block(file, size, meta_offset, meta_size, &index_block, ix->path, ix->err) != 0) return -1;
    free(index_block.owned);
    if (tf_read_block(file, size, index_offset, index_size, &index_block, ix->path, ix->err) != 0) return -1;
    walk.ix = ix;
    walk.file = file;
    walk.file_size = size;
    rc = tf_walk_block(&index_block, tf_visit_index, &walk, ix->path, ix->err);
    free(index_block.owned);
    if (rc != 0) return -1;
    if (!ix->have_header) return ck_fail(ix->err, ix->path, "bundle header (key \"\") missing");
    return 0;
}

/* ---------------------------------------------------------------- tensors */

typedef struct tf_impl {
    ck_mapping *maps;          /* per shard (NULL when opened from memory) */
    int n_maps;
} tf_impl;

static void tf_close(ck_file *f)
{
    tf_impl *impl = (tf_impl *)f->impl;
    int i;
    for (i = 0; i < f->n_tensors; i++) free(f->tensors[i].name);
    free(f->tensors);
    free(f->path);
    if (impl) {
        for (i = 0; i < impl->n_maps; i++) ck_unmap_file(&impl->maps[i]);
        free(impl->maps);
        free(impl);
    }
    memset(f, 0, sizeof *f);
}

static int tf_dtype(int tf_dtype, ck_dtype *dtype, int *elem_size)
{
    switch (tf_dtype) {
    case 1: *dtype = CK_F32; *elem_size = 4; return 0;      /* DT_FLOAT */
    case 2: *dtype = CK_F64; *elem_size = 8; return 0;      /* DT_DOUBLE */
    case 3: *dtype = CK_I32; *elem_size = 4; return 0;      /* DT_INT32 */
    case 4: *dtype = CK_U8; *elem_size = 1; return 0;       /* DT_UINT8 */
    case 5: *dtype = CK_OTHER; *elem_size = 2; return 0;    /* DT_INT16 */
    case 6: *dtype = CK_I8; *elem_size = 1; return 0;       /* DT_INT8 */
    case 7: *dtype = CK_STRING; *elem_size = 0; return 0;   /* DT_STRING: lengths + bytes */
    case 8: *dtype = CK_OTHER; *elem_size = 8; return 0;    /* DT_COMPLEX64 */
    case 9: *dtype = CK_I64; *elem_size = 8; return 0;      /* DT_INT64 */
    case 10: *dtype = CK_BOOL; *elem_size = 1; return 0;    /* DT_BOOL */
    case 14: *dtype = CK_BF16; *elem_size = 2; return 0;    /* DT_BFLOAT16 */
    case 17: *dtype = CK_OTHER; *elem_size = 2; return 0;   /* DT_UINT16 */
    case 18: *dtype = CK_OTHER; *elem_size = 16; return 0;  /* DT_COMPLEX128 */
    case 19: *dtype = CK_F16; *elem_size = 2; return 0;     /* DT_HALF */
    case 22: *dtype = CK_OTHER; *elem_size = 4; return 0;   /* DT_UINT32 */
    case 23: *dtype = CK_OTHER; *elem_size = 8; return 0;   /* DT_UINT64 */
    default: return -1;
    }
}

static int tf_is_kernel(const char *name)
{
    const char *slash = strrchr(name, '/');
    return strcmp(slash ? slash + 1 : name, "kernel") == 0;
}

static uint32_t tf_crc_mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

/* A DT_STRING tensor is [varint64 length] x numel, the masked CRC32C of the lengths (each as u32 LE), then the
   bytes (tensor_bundle.cc WriteStringTensor); the entry's CRC covers lengths-as-u32, that checksum, bytes. */
static int tf_check_strings(tf_index *ix, const char *name, const uint8_t *p, size_t size, int64_t numel, uint32_t masked_crc)
{
    size_t pos = 0;
    uint64_t total = 0;
    uint32_t crc = 0;
    int64_t i;
    for (i = 0; i < numel; i++) {
        uint64_t len;
        uint8_t len32[4];
        if (tf_varint(p, size, &pos, &len) != 0 || len > size) return ck_fail(ix->err, ix->path, "'%s': bad string tensor", name);
        total += len;
        len32[0] = (uint8_t)len; len32[1] = (uint8_t)(len >> 8); len32[2] = (uint8_t)(len >> 16); len32[3] = (uint8_t)(len >> 24);
        crc = tf_crc32c_extend(crc, len32, 4);
    }
    if (size - pos < 4 || (tf_u32(p + pos) != tf_crc_mask(crc) && !TF_IGNORE_CRC) || total != size - pos - 4)
        return ck_fail(ix->err, ix->path, "'%s': bad string tensor (lengths or their checksum)", name);
    crc = tf_crc32c_extend(crc, p + pos, size - pos);
    if (crc != tf_crc_unmask(masked_crc) && !TF_IGNORE_CRC) return ck_fail(ix->err, ix->path, "'%s': data CRC mismatch", name);
    return 0;
}

/* Turns the parsed entries into f->tensors over the shard bytes, checking ranges, sizes and CRCs. */
static int tf_build(tf_index *ix, const uint8_t *const *shards, const size_t *shard_sizes, int n_shards, ck_file *f)
{
    int i, j;
    if (ix->num_shards != n_shards) return ck_fail(ix->err, ix->path, "header says %lld shards, %d given", (long long)ix->num_shards, n_shards);
    f->tensors = (ck_tensor *)calloc((size_t)ix->n_entries + 1, sizeof(ck_tensor));
    if (!f->tensors) return ck_fail(ix->err, ix->path, "out of memory");
    for (i = 0; i < ix->n_entries; i++) {
        tf_entry *e = &ix->entries[i];
        ck_tensor *t = &f->tensors[i];
        const uint8_t *bytes;
        int elem_size;
        int64_t numel = 1;
        t->name = e->name;       /* ownership moves to the ck_file */
        e->name = NULL;
        f->n_tensors = i + 1;
        if (e->sliced) return ck_fail(ix->err, ix->path, "'%s' is a partitioned variable (slices); not supported", t->name);
        if (tf_dtype(e->dtype, &t->dtype, &elem_size) != 0) { t->dtype = CK_OTHER; elem_size = 0; }
        if (e->shard >= n_shards) return ck_fail(ix->err, ix->path, "'%s': shard %lld does not exist", t->name, (long long)e->shard);
        if ((uint64_t)e->offset > shard_sizes[e->shard] || (uint64_t)e->size > shard_sizes[e->shard] - (uint64_t)e->offset)
            return ck_fail(ix->err, ix->path, "'%s': bytes %lld..+%lld lie outside the data file (%llu bytes)", t->name,
                           (long long)e->offset, (long long)e->size, (unsigned long long)shard_sizes[e->shard]);
        bytes = shards[e->shard] + e->offset;
        t->ndim = e->ndim;
        for (j = 0; j < e->ndim; j++) {
            if (e->dims[j] != 0 && numel > TF_MAX_NUMEL / e->dims[j]) return ck_fail(ix->err, ix->path, "'%s' is too large", t->name);
            numel *= e->dims[j];
            t->dims[j] = e->dims[j];
        }
        for (j = e->ndim - 1; j >= 0; j--) t->strides[j] = (j == e->ndim - 1) ? 1 : t->strides[j + 1] * t->dims[j + 1];
        if (t->dtype == CK_STRING) {               /* layout and CRC checked; no data exposed */
            if (tf_check_strings(ix, t->name, bytes, (size_t)e->size, numel, e->crc32c) != 0) return -1;
            continue;
        }
        if (elem_size == 0) continue;            /* unknown types: range checked, no data */
        if (numel * elem_size != e->size)
            return ck_fail(ix->err, ix->path, "'%s': %lld bytes stored, shape needs %lld", t->name, (long long)e->size, (long long)(numel * elem_size));
        if (tf_crc32c_extend(0, bytes, (size_t)e->size) != tf_crc_unmask(e->crc32c) && !TF_IGNORE_CRC)
            return ck_fail(ix->err, ix->path, "'%s': data CRC mismatch (data file corrupt or not this checkpoint's)", t->name);
        if (t->dtype == CK_OTHER) continue;
        t->data = bytes;
        t->nbytes = (uint64_t)e->size;
        if (t->ndim == 2 && tf_is_kernel(t->name)) {  /* [in, out] -> reported as [out, in] */
            int64_t in = t->dims[0], out = t->dims[1];
            t->dims[0] = out;
            t->dims[1] = in;
            t->strides[0] = 1;
            t->strides[1] = out;
        }
    }
    return 0;
}

int ck_open_tf_memory(const uint8_t *index, size_t index_size, const uint8_t *const *shards, const size_t *shard_sizes,
                      int n_shards, const char *name, ck_file *f, char *err)
{
    tf_index ix;
    int rc;
    memset(f, 0, sizeof *f);
    memset(&ix, 0, sizeof ix);
    f->close = tf_close;
    f->path = (char *)malloc(strlen(name) + 1);
    f->impl = calloc(1, sizeof(tf_impl));
    if (!f->path || !f->impl) { tf_close(f); return ck_fail(err, name, "out of memory"); }
    strcpy(f->path, name);
    ix.path = f->path;
    ix.err = err;
    rc = tf_parse_index(index, index_size, &ix);
    if (rc == 0) rc = tf_build(&ix, shards, shard_sizes, n_shards, f);
    tf_index_free(&ix);
    if (rc != 0) tf_close(f);
    return rc;
}

int ck_open_tf(const char *index_path, ck_file *f, char *err)
{
    tf_index ix;
    ck_mapping index_map, *maps = NULL;
    size_t *sizes = NULL, prefix_len = strlen(index_path), name_cap;
    const uint8_t **shards = NULL;
    char *name = NULL;
    int i, n = 0, rc = -1;
    memset(f, 0, sizeof *f);
    memset(&ix, 0, sizeof ix);
    memset(&index_map, 0, sizeof index_map);
    if (prefix_len > 6 && strcmp(index_path + prefix_len - 6, ".index") == 0) prefix_len -= 6;
    else return ck_fail(err, index_path, "a TF checkpoint is given by its .index file");
    if (ck_map_file(index_path, &index_map, err) != 0) return -1;
    ix.path = index_path;
    ix.err = err;
    if (tf_parse_index(index_map.data ? (const uint8_t *)index_map.data : (const uint8_t *)"", index_map.size, &ix) != 0)
        goto done;
    n = (int)ix.num_shards;
    name_cap = prefix_len + 32;
    maps = (ck_mapping *)calloc((size_t)n, sizeof(ck_mapping));
    sizes = (size_t *)calloc((size_t)n, sizeof(size_t));
    shards = (const uint8_t **)calloc((size_t)n, sizeof(uint8_t *));
    name = (char *)malloc(name_cap);
    if (!maps || !sizes || !shards || !name) { ck_fail(err, index_path, "out of memory"); goto done; }
    for (i = 0; i < n; i++) {
        snprintf(name, name_cap, "%.*s.data-%05d-of-%05d", (int)prefix_len, index_path, i, n);
        if (ck_map_file(name, &maps[i], err) != 0) goto done;
        sizes[i] = maps[i].size;
        shards[i] = maps[i].data ? (const uint8_t *)maps[i].data : (const uint8_t *)"";
    }
    f->close = tf_close;
    f->path = (char *)malloc(strlen(index_path) + 1);
    f->impl = calloc(1, sizeof(tf_impl));
    if (!f->path || !f->impl) { ck_fail(err, index_path, "out of memory"); goto done; }
    strcpy(f->path, index_path);
    ix.path = f->path;
    if (tf_build(&ix, shards, sizes, n, f) != 0) goto done;
    ((tf_impl *)f->impl)->maps = maps;
    ((tf_impl *)f->impl)->n_maps = n;
    maps = NULL;
    rc = 0;
done:
    if (rc != 0) {
        if (f->close) tf_close(f);
        for (i = 0; maps && i < n; i++) ck_unmap_file(&maps[i]);
    }
    free(maps);
    free(sizes);
    free(shards);
    free(name);
    tf_index_free(&ix);
    ck_unmap_file(&index_map);
    return rc;
}

int ck_tf_is_brightmart(const ck_file *f)
{
    int i;
    for (i = 0; i < f->n_tensors; i++)
        if (strstr(f->tensors[i].name, "word_embeddings_2") || strstr(f->tensors[i].name, "layer_shared")) return 1;
    return 0;
}

/* ---------------------------------------------------------------- TF -> HF names */

/* Replaces every occurrence of from by to in buf (capacity cap), left to right like Python's str.replace. */
static int tf_replace(char *buf, size_t cap, const char *from, const char *to)
{
    char out[1024];
    size_t from_len = strlen(from), to_len = strlen(to), n = 0;
    const char *p = buf, *hit;
    while ((hit = strstr(p, from)) != NULL) {
        size_t keep = (size_t)(hit - p);
        if (n + keep + to_len >= sizeof out) return -1;
        memcpy(out + n, p, keep);
        memcpy(out + n + keep, to, to_len);
        n += keep + to_len;
        p = hit + from_len;
    }
    if (n + strlen(p) >= sizeof out || n + strlen(p) >= cap) return -1;
    memcpy(out + n, p, strlen(p) + 1);
    memcpy(buf, out, n + strlen(p) + 1);
    return 0;
}

/* Does name match pattern, where '#' in the pattern stands for a decimal number? */
static int tf_match(const char *pattern, const char *name)
{
    while (*pattern) {
        if (*pattern == '#') {
            if (*name < '0' || *name > '9') return 0;
            while (*name >= '0' && *name <= '9') name++;
            pattern++;
        } else if (*pattern++ != *name++) {
            return 0;
        }
    }
    return *name == 0;
}

int ck_tf_to_hf_name(const char *tf_name, char *hf_name, size_t cap, int *transpose)
{
    static const char *const rewrites[][2] = {
        {"module/", ""}, {"ffn_1", "ffn"}, {"bert/", "albert/"}, {"attention_1", "attention"}, {"transform/", ""},
        {"LayerNorm_1", "full_layer_layer_norm"}, {"LayerNorm", "attention/LayerNorm"}, {"transformer/", ""},
        {"intermediate/dense/", ""}, {"ffn/intermediate/output/dense/", "ffn_output/"}, {"/output/", "/"},
        {"/self/", "/"}, {"pooler/dense", "pooler"}, {"cls/predictions", "predictions"},
        {"predictions/attention", "predictions"}, {"embeddings/attention", "embeddings"},
        {"inner_group_", "albert_layers/"}, {"group_", "albert_layer_groups/"},
    };
    static const char *const skipped[] = {   /* whole path components: optimizer state and bookkeeping */
        "adam_m", "adam_v", "AdamWeightDecayOptimizer", "AdamWeightDecayOptimizer_1", "global_step", "lamb_m",
        "lamb_v", "beta1_power", "beta2_power", "_CHECKPOINTABLE_OBJECT_GRAPH", "save_counter", "Momentum",
        "loss_scale", "good_steps", "current_loss_scale",
    };
    static const char *const known[] = {
        "albert.embeddings.word_embeddings.weight", "albert.embeddings.position_embeddings.weight",
        "albert.embeddings.token_type_embeddings.weight", "albert.embeddings.LayerNorm.weight",
        "albert.embeddings.LayerNorm.bias", "albert.encoder.embedding_hidden_mapping_in.weight",
        "albert.encoder.embedding_hidden_mapping_in.bias",
        "albert.encoder.albert_layer_groups.#.albert_layers.#.attention.query.weight",
        "albert.encoder.albert_layer_groups.#.albert_layers.#.attention.query.bias",
        "albert.encoder.albert_layer_groups.#.albert_layers.#.attention.key.weight",
        "albert.encoder.albert_layer_groups.#.albert_layers.#.attention.key.bias",
        "albert.encoder.albert_layer_groups.#.albert_layers.#.attention.value.weight",
        "albert.encoder.albert_layer_groups.#.albert_layers.#.attention.value.bias",
        "albert.encoder.albert_layer_groups.#.albert_layers.#.attention.dense.weight",
        "albert.encoder.albert_layer_groups.#.albert_layers.#.attention.dense.bias",
        "albert.encoder.albert_layer_groups.#.albert_layers.#.attention.LayerNorm.weight",
        "albert.encoder.albert_layer_groups.#.albert_layers.#.attention.LayerNorm.bias",
        "albert.encoder.albert_layer_groups.#.albert_layers.#.ffn.weight",
        "albert.encoder.albert_layer_groups.#.albert_layers.#.ffn.bias",
        "albert.encoder.albert_layer_groups.#.albert_layers.#.ffn_output.weight",
        "albert.encoder.albert_layer_groups.#.albert_layers.#.ffn_output.bias",
        "albert.encoder.albert_layer_groups.#.albert_layers.#.full_layer_layer_norm.weight",
        "albert.encoder.albert_layer_groups.#.albert_layers.#.full_layer_layer_norm.bias",
        "albert.pooler.weight", "albert.pooler.bias", "predictions.dense.weight", "predictions.dense.bias",
        "predictions.LayerNorm.weight", "predictions.LayerNorm.bias", "predictions.bias",
        "sop_classifier.classifier.weight", "sop_classifier.classifier.bias", "classifier.weight", "classifier.bias",
    };
    char buf[1024], out[1024];
    const char *component, *last = NULL;
    size_t i, n = 0;
    if (transpose) *transpose = 0;
    if (cap > 0) hf_name[0] = 0;
    if (strlen(tf_name) >= 256) return -1;
    strcpy(buf, tf_name);
    /* skipped names are recognised on the original components (TF-Hub prefix or not) */
    for (component = buf; *component;) {
        size_t len = strcspn(component, "/");
        for (i = 0; i < sizeof skipped / sizeof skipped[0]; i++)
            if (len == strlen(skipped[i]) && strncmp(component, skipped[i], len) == 0) return 1;
        if (strncmp(component, "Adam", 4) == 0) return 1;   /* tf.train.AdamOptimizer slots "Adam", "Adam_1" */
        component += len;
        if (*component == '/') component++;
    }
    for (i = 0; i < sizeof rewrites / sizeof rewrites[0]; i++)
        if (tf_replace(buf, sizeof buf, rewrites[i][0], rewrites[i][1]) != 0) return -1;
    if (!strchr(buf, '/') && (strstr(buf, "output_bias") || strstr(buf, "output_weights"))) {
        size_t len = strlen(buf);
        if (len + 12 >= sizeof buf) return -1;
        memmove(buf + 11, buf, len + 1);
        memcpy(buf, "classifier/", 11);
    }
    if (strstr(buf, "seq_relationship")) {
        if (tf_replace(buf, sizeof buf, "seq_relationship/output_", "sop_classifier/classifier/") != 0 ||
            tf_replace(buf, sizeof buf, "weights", "weight") != 0) return -1;
        if (strncmp(buf, "cls/", 4) == 0) memmove(buf, buf + 4, strlen(buf + 4) + 1);  /* HF has no "cls" module */
    }
    /* components -> dotted HF name; TF leaf names -> weight/bias */
    for (component = buf; *component;) {
        size_t len = strcspn(component, "/");
        const char *piece = component;
        size_t piece_len = len;
        if ((len == 6 && strncmp(component, "kernel", 6) == 0) || (len == 5 && strncmp(component, "gamma", 5) == 0) ||
            (len == 14 && strncmp(component, "output_weights", 14) == 0)) { piece = "weight"; piece_len = 6; }
        else if ((len == 4 && strncmp(component, "beta", 4) == 0) || (len == 11 && strncmp(component, "output_bias", 11) == 0)) { piece = "bias"; piece_len = 4; }
        if (n + piece_len + 2 >= sizeof out) return -1;
        if (n) out[n++] = '.';
        memcpy(out + n, piece, piece_len);
        n += piece_len;
        last = component;
        component += len;
        if (*component == '/') component++;
    }
    out[n] = 0;
    if (!last) return -1;
    if (strlen(last) >= 11 && strcmp(last + strlen(last) - 11, "_embeddings") == 0) {
        if (n + 8 >= sizeof out) return -1;
        strcpy(out + n, ".weight");
    }
    for (i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (tf_match(known[i], out)) {
            if (strlen(out) >= cap) return -1;
            strcpy(hf_name, out);
            if (transpose) *transpose = strcmp(last, "kernel") == 0;
            return 0;
        }
    }
    return -1;
}

/* tok_sentencepiece.c - reads a SentencePiece ModelProto (spiece.model / 30k-clean.model) and writes the tok.*
   tensors of a SentencePiece (unigram) tokenizer into the blob.

   The .model file is a protobuf (proto2) message, parsed here directly from its wire format with every length
   checked against the bytes that remain (see ../shared/docs/formats.md section 5.1):
     ModelProto      1 pieces (repeated SentencePiece)  2 trainer_spec  3 normalizer_spec   (others skipped)
     SentencePiece   1 piece (string)  2 score (float)  3 type (enum, default NORMAL = 1)
     TrainerSpec     3 model_type (UNIGRAM = 1, default)  24 treat_whitespace_as_suffix  35 byte_fallback
     NormalizerSpec  1 name  2 precompiled_charsmap  3 add_dummy_prefix [true]  4 remove_extra_whitespaces [true]
                     5 escape_whitespaces [true]

   Tensors written (the header's albert.h (tokenizer part) reads and validates them):
     tok.pieces      u8  [total]     every piece's UTF-8 bytes, concatenated in id order
     tok.offsets     u32 [n+1]       piece i is tok.pieces[offsets[i] .. offsets[i+1])
     tok.scores      f32 [n]
     tok.types       u8  [n]         SentencePiece types: 1 NORMAL 2 UNKNOWN 3 CONTROL 4 USER_DEFINED 5 UNUSED 6 BYTE
     tok.spm_flags   u32 [1]         ALBERT__SPM_* bits: 1 add_dummy_prefix, 2 remove_extra_whitespaces,
                                     4 escape_whitespaces, 8 byte_fallback
     tok.charsmap    u8  [size]      normalizer_spec.precompiled_charsmap, verbatim (absent when the model has none)
     tok.trie        u32 [units, 2]  double-array trie over ALL pieces (see below)
     tok.trie_ids    i32 [units]     piece id ending at each unit, or -1
     tok.user_trie, tok.user_trie_ids   the same over the USER_DEFINED pieces only (absent when there are none)

   Double-array trie (the layout is documented at the top of albert.h (tokenizer part)): unit 0 is the root; unit i is
   {base | terminal << 31, check}; the child of node s along byte b is unit c = base(s) + b if check(c) == s;
   check is 0xFFFFFFFF for the root and for free units; terminal is set exactly where trie_ids >= 0. Every
   base + 255 is inside the array (units = last used unit + 257), so a walk needs no bounds test.

   Refused: model types other than UNIGRAM (BPE, WORD, CHAR), treat_whitespace_as_suffix, empty or duplicate
   pieces, pieces that are not valid UTF-8, a model without exactly one UNKNOWN piece, BYTE pieces without
   byte_fallback, a charsmap whose layout is inconsistent.
   The uni.* tables are not written here: the caller (albert-convert.c) adds them once with tok_add_unicode_tables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "convert.h"

#define SPM_TYPE_NORMAL 1
#define SPM_TYPE_UNKNOWN 2
#define SPM_TYPE_CONTROL 3
#define SPM_TYPE_USER_DEFINED 4
#define SPM_TYPE_UNUSED 5
#define SPM_TYPE_BYTE 6

#define SPM_FLAG_ADD_DUMMY_PREFIX 1u
#define SPM_FLAG_REMOVE_EXTRA_WHITESPACES 2u
#define SPM_FLAG_ESCAPE_WHITESPACES 4u
#define SPM_FLAG_BYTE_FALLBACK 8u

#define SPM_MAX_FILE (1u << 30)

/* The protobuf wire format: ck_pb_next (ck_common.c). */

/* ------------------------------------------------------------------ helpers */
static int utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t len, k;
        uint32_t cp;
        if (c < 0x80) { i++; continue; }
        if (c >= 0xc2 && c <= 0xdf) { len = 2; cp = c & 0x1f; }
        else if (c >= 0xe0 && c <= 0xef) { len = 3; cp = c & 0x0f; }
        else if (c >= 0xf0 && c <= 0xf4) { len = 4; cp = c & 0x07; }
        else return 0;
        if (n - i < len) return 0;
        for (k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80) return 0;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += len;
    }
    return 1;
}

typedef tok_piece spm_piece;   /* convert.h */

typedef struct spm_model {
    spm_piece *pieces;
    uint32_t n_pieces, cap_pieces;
    uint32_t model_type;
    int treat_whitespace_as_suffix, byte_fallback;
    int add_dummy_prefix, remove_extra_whitespaces, escape_whitespaces;
    const uint8_t *charsmap;
    uint64_t charsmap_len;
} spm_model;

static int parse_piece(const uint8_t *data, uint64_t len, spm_piece *out, char *err, const char *path)
{
    ck_cursor r;
    ck_pb_field f;
    int rc, have_piece = 0;
    r = ck_cursor_make(data, (size_t)len);
    out->bytes = NULL; out->len = 0; out->score = 0.0f; out->type = SPM_TYPE_NORMAL;
    while ((rc = ck_pb_next(&r, &f)) == 1) {
        if (f.number == 1 && f.wire == 2) {
            if (f.len > 0xffffu) { ck_fail(err, path, "a piece of %llu bytes", (unsigned long long)f.len); return -1; }
            out->bytes = f.data; out->len = (uint32_t)f.len; have_piece = 1;
        } else if (f.number == 2 && f.wire == 5) {
            uint32_t bits = (uint32_t)f.value;   /* fixed32, little-endian */
            memcpy(&out->score, &bits, 4);
        } else if (f.number == 3 && f.wire == 0) {
            out->type = (uint32_t)f.value;
        } else if (f.number <= 3) {
            ck_fail(err, path, "SentencePiece field %u has wire type %u", f.number, f.wire);
            return -1;
        }
    }
    if (rc < 0) { ck_fail(err, path, "malformed SentencePiece entry"); return -1; }
    if (!have_piece || out->len == 0) { ck_fail(err, path, "a piece is empty"); return -1; }
    if (out->type < SPM_TYPE_NORMAL || out->type > SPM_TYPE_BYTE) {
        ck_fail(err, path, "piece type %u is not a SentencePiece type (1..6)", out->type);
        return -1;
    }
    if (out->score != out->score) { ck_fail(err, path, "a piece has a NaN score"); return -1; }
    if (!utf8_valid(out->bytes, out->len)) { ck_fail(err, path, "a piece is not valid UTF-8"); return -1; }
    return 0;
}

static int parse_bool_message(const uint8_t *data, uint64_t len, spm_model *m, int trainer, char *err, const char *path)
{
    ck_cursor r;
    ck_pb_field f;
    int rc;
    r = ck_cursor_make(data, (size_t)len);
    while ((rc = ck_pb_next(&r, &f)) == 1) {
        if (trainer) {
            if (f.number == 3 && f.wire == 0) m->model_type = (uint32_t)f.value;
            else if (f.number == 24 && f.wire == 0) m->treat_whitespace_as_suffix = f.value != 0;
            else if (f.number == 35 && f.wire == 0) m->byte_fallback = f.value != 0;
        } else {
            if (f.number == 2 && f.wire == 2) { m->charsmap = f.data; m->charsmap_len = f.len; }
            else if (f.number == 3 && f.wire == 0) m->add_dummy_prefix = f.value != 0;
            else if (f.number == 4 && f.wire == 0) m->remove_extra_whitespaces = f.value != 0;
            else if (f.number == 5 && f.wire == 0) m->escape_whitespaces = f.value != 0;
        }
    }
    if (rc < 0) {
        ck_fail(err, path, "malformed %s", trainer ? "trainer_spec" : "normalizer_spec");
        return -1;
    }
    return 0;
}

static int parse_model(const uint8_t *data, size_t size, spm_model *m, char *err, const char *path)
{
    ck_cursor r;
    ck_pb_field f;
    int rc;
    memset(m, 0, sizeof(*m));
    m->model_type = 1;
    m->add_dummy_prefix = m->remove_extra_whitespaces = m->escape_whitespaces = 1;
    r = ck_cursor_make(data, size);
    while ((rc = ck_pb_next(&r, &f)) == 1) {
        if (f.number == 1 && f.wire == 2) {
            if (m->n_pieces == m->cap_pieces) {
                uint32_t cap = m->cap_pieces ? m->cap_pieces * 2 : 1024;
                spm_piece *p = (spm_piece *)realloc(m->pieces, sizeof(spm_piece) * cap);
                if (!p) { snprintf(err, CK_ERR_LEN, "out of memory"); return -1; }
                m->pieces = p; m->cap_pieces = cap;
            }
            if (parse_piece(f.data, f.len, &m->pieces[m->n_pieces], err, path) != 0) return -1;
            m->n_pieces++;
        } else if (f.number == 2 && f.wire == 2) {
            if (parse_bool_message(f.data, f.len, m, 1, err, path) != 0) return -1;
        } else if (f.number == 3 && f.wire == 2) {
            if (parse_bool_message(f.data, f.len, m, 0, err, path) != 0) return -1;
        } else if (f.number <= 3) {
            ck_fail(err, path, "ModelProto f.number %u has f.wire type %u (not a SentencePiece model?)", f.number, f.wire);
            return -1;
        }
    }
    if (rc < 0) { ck_fail(err, path, "not a SentencePiece model (malformed protobuf)"); return -1; }
    return 0;
}

/* ------------------------------------------------------------------ double-array trie */
/* Built in two steps: a linked trie of the pieces (children sorted by byte), then every node gets a unit of the
   double array, placed depth first: a node's children go to units base + byte for the smallest base >= 1 whose
   256-unit window holds all of them in free units. */
typedef struct link_node {
    uint32_t first_child, next_sibling;   /* 0: none (node 0 is the root, never a child) */
    int32_t id;
    uint32_t unit;
    uint8_t byte;
} link_node;

typedef struct da_trie {
    uint32_t *units;      /* [n_units * 2] base | terminal << 31, check */
    int32_t *ids;         /* [n_units] */
    uint32_t n_units;
} da_trie;

/* Makes room for units [0, need) (new units are free: check = DA_FREE). */
#define DA_FREE 0xFFFFFFFFu
static int da_reserve(da_trie *t, uint32_t *cap, uint8_t **used, uint64_t need)
{
    uint32_t old = *cap, k;
    uint64_t cap64 = old ? old : 1024;
    uint32_t *units;
    int32_t *ids;
    uint8_t *u;
    if (need <= old) return 0;
    while (cap64 < need) cap64 *= 2;
    if (cap64 > 0x40000000u) return -1;
    units = (uint32_t *)realloc(t->units, (size_t)cap64 * 8);
    if (!units) return -1;
    t->units = units;
    ids = (int32_t *)realloc(t->ids, (size_t)cap64 * 4);
    if (!ids) return -1;
    t->ids = ids;
    u = (uint8_t *)realloc(*used, (size_t)cap64);
    if (!u) return -1;
    *used = u;
    for (k = old; k < (uint32_t)cap64; k++) { t->units[2 * k] = 0; t->units[2 * k + 1] = DA_FREE; t->ids[k] = -1; u[k] = 0; }
    *cap = (uint32_t)cap64;
    return 0;
}

/* Builds the double array over the pieces whose type bit is set in type_mask (t->n_units == 0: none of them). */
static int trie_build(da_trie *t, const spm_model *m, uint32_t type_mask, char *err)
{
    link_node *nodes = NULL;
    uint32_t *stack = NULL, n_pieces = 0, n_nodes = 1, i, k, cap = 0, n_stack = 0, first_free = 1;
    uint64_t total = 1, top = 1;
    uint8_t *used = NULL;
    int rc = -1;
    memset(t, 0, sizeof(*t));
    for (i = 0; i < m->n_pieces; i++)
        if (type_mask & (1u << m->pieces[i].type)) { total += m->pieces[i].len; n_pieces++; }
    if (n_pieces == 0) return 0;
    if (total >= (1u << 24)) { snprintf(err, CK_ERR_LEN, "vocabulary too large for the piece trie"); return -1; }
    nodes = (link_node *)calloc((size_t)total, sizeof(link_node));
    stack = (uint32_t *)malloc(sizeof(uint32_t) * (size_t)total);
    if (!nodes || !stack) { snprintf(err, CK_ERR_LEN, "out of memory"); goto done; }
    /* the linked trie (each child list sorted by byte) */
    nodes[0].id = -1;
    for (i = 0; i < m->n_pieces; i++) {
        const spm_piece *p = &m->pieces[i];
        uint32_t node = 0;
        if (!(type_mask & (1u << p->type))) continue;
        for (k = 0; k < p->len; k++) {
            uint32_t prev = 0, c = nodes[node].first_child;
            while (c && nodes[c].byte < p->bytes[k]) { prev = c; c = nodes[c].next_sibling; }
            if (!c || nodes[c].byte != p->bytes[k]) {
                uint32_t fresh = n_nodes++;
                nodes[fresh].byte = p->bytes[k];
                nodes[fresh].id = -1;
                nodes[fresh].next_sibling = c;
                if (prev) nodes[prev].next_sibling = fresh; else nodes[node].first_child = fresh;
                c = fresh;
            }
            node = c;
        }
        if (nodes[node].id != -1) {
            snprintf(err, CK_ERR_LEN, "piece %u \"%.*s\" duplicates piece %d", i, (int)p->len, (const char *)p->bytes,
                     nodes[node].id);
            goto done;
        }
        nodes[node].id = (int32_t)i;
    }
    /* placement, depth first */
    if (da_reserve(t, &cap, &used, 1024) != 0) { snprintf(err, CK_ERR_LEN, "out of memory"); goto done; }
    used[0] = 1;
    nodes[0].unit = 0;
    stack[n_stack++] = 0;
    while (n_stack > 0) {
        uint32_t node = stack[--n_stack], c, base, free_unit, lo = nodes[node].first_child ? nodes[nodes[node].first_child].byte : 0;
        if (nodes[node].first_child == 0) continue;
        /* candidate bases put the first child on a free unit, from the first free unit on but at most 4096 units
           before the end (so that placing stays linear; the holes left behind cost a little space) */
        while (first_free < cap && used[first_free]) first_free++;
        if (top > 4096 && first_free < top - 4096) first_free = (uint32_t)top - 4096;
        for (free_unit = first_free > lo ? first_free : lo + 1;; free_unit++) {
            if (free_unit + 256u > cap && da_reserve(t, &cap, &used, (uint64_t)free_unit + 256) != 0) {
                snprintf(err, CK_ERR_LEN, "out of memory (piece trie)");
                goto done;
            }
            if (used[free_unit]) continue;
            base = free_unit - lo;
            for (c = nodes[node].first_child; c; c = nodes[c].next_sibling)
                if (used[base + nodes[c].byte]) break;
            if (c == 0) break;
        }
        if (base > 0x7FFFFFFFu - 256) { snprintf(err, CK_ERR_LEN, "piece trie too large"); goto done; }
        t->units[2 * nodes[node].unit] |= base;
        for (c = nodes[node].first_child; c; c = nodes[c].next_sibling) {
            uint32_t unit = base + nodes[c].byte;
            used[unit] = 1;
            nodes[c].unit = unit;
            t->units[2 * unit + 1] = nodes[node].unit;
            if (nodes[c].id >= 0) { t->units[2 * unit] |= 0x80000000u; t->ids[unit] = nodes[c].id; }
            if (unit + 1 > top) top = unit + 1;
        }
        /* children in reverse so the first one is placed next */
        {
            uint32_t n_children = 0, j;
            for (c = nodes[node].first_child; c; c = nodes[c].next_sibling) stack[n_stack + n_children++] = c;
            for (j = 0; j < n_children / 2; j++) {
                uint32_t x = stack[n_stack + j];
                stack[n_stack + j] = stack[n_stack + n_children - 1 - j];
                stack[n_stack + n_children - 1 - j] = x;
            }
            n_stack += n_children;
        }
    }
    t->n_units = (uint32_t)top + 256;   /* every base + 255 stays inside */
    if (da_reserve(t, &cap, &used, t->n_units) != 0) { snprintf(err, CK_ERR_LEN, "out of memory"); goto done; }
    rc = 0;
done:
    free(nodes); free(stack); free(used);
    return rc;
}

static void trie_free(da_trie *t)
{
    free(t->units);
    free(t->ids);
}

static int trie_write(blob_writer *w, const da_trie *t, const char *units_name, const char *ids_name, char *err)
{
    uint32_t dims[2];
    dims[0] = t->n_units; dims[1] = 2;
    if (blob_add(w, units_name, BLOB_U32, 2, dims, t->units, (uint64_t)t->n_units * 8, err) != 0) return -1;
    dims[0] = t->n_units;
    return blob_add(w, ids_name, BLOB_I32, 1, dims, t->ids, (uint64_t)t->n_units * 4, err);
}

/* ------------------------------------------------------------------ charsmap check */
/* [u32 trie_bytes][trie units][NUL-terminated replacement strings]: sizes consistent, strings valid UTF-8. */
int tok_check_charsmap(const uint8_t *cm, uint64_t len, char *err, const char *path)
{
    uint32_t trie_bytes;
    uint64_t strings_len;
    if (len < 4) { ck_fail(err, path, "precompiled_charsmap shorter than 4 bytes"); return -1; }
    trie_bytes = (uint32_t)cm[0] | (uint32_t)cm[1] << 8 | (uint32_t)cm[2] << 16 | (uint32_t)cm[3] << 24;
    if (trie_bytes % 4 != 0 || trie_bytes == 0 || trie_bytes > len - 4) {
        ck_fail(err, path, "precompiled_charsmap trie size %u does not fit its %llu bytes", trie_bytes,
                (unsigned long long)len);
        return -1;
    }
    strings_len = len - 4 - trie_bytes;
    if (strings_len == 0 || cm[len - 1] != 0 || !utf8_valid(cm + 4 + trie_bytes, (size_t)strings_len)) {
        ck_fail(err, path, "precompiled_charsmap replacement strings are not NUL-terminated UTF-8");
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ entry point */
static int32_t find_piece(const spm_model *m, const char *text)
{
    uint32_t i, n = (uint32_t)strlen(text);
    for (i = 0; i < m->n_pieces; i++)
        if (m->pieces[i].len == n && memcmp(m->pieces[i].bytes, text, n) == 0) return (int32_t)i;
    return -1;
}

static int write_tensors(blob_writer *w, const spm_model *m, char *err)
{
    uint32_t n = m->n_pieces, i, dims[1], flags = 0;
    uint64_t total = 0;
    uint8_t *bytes = NULL, *types = NULL;
    uint32_t *offsets = NULL;
    float *scores = NULL;
    da_trie all, user;
    int rc = -1;
    uint32_t user_mask = 1u << SPM_TYPE_USER_DEFINED;

    memset(&all, 0, sizeof(all));
    memset(&user, 0, sizeof(user));
    for (i = 0; i < n; i++) total += m->pieces[i].len;
    bytes = (uint8_t *)malloc(total);
    types = (uint8_t *)malloc(n);
    offsets = (uint32_t *)malloc(sizeof(uint32_t) * (n + 1));
    scores = (float *)malloc(sizeof(float) * n);
    if (!bytes || !types || !offsets || !scores) { snprintf(err, CK_ERR_LEN, "out of memory"); goto done; }
    total = 0;
    for (i = 0; i < n; i++) {
        offsets[i] = (uint32_t)total;
        memcpy(bytes + total, m->pieces[i].bytes, m->pieces[i].len);
        total += m->pieces[i].len;
        types[i] = (uint8_t)m->pieces[i].type;
        scores[i] = m->pieces[i].score;
    }
    offsets[n] = (uint32_t)total;
    if (trie_build(&all, m, 0x7eu, err) != 0) goto done;   /* types 1..6: every piece, for exact lookups */
    for (i = 0; i < n; i++)
        if (m->pieces[i].type == SPM_TYPE_USER_DEFINED) break;
    if (i < n && trie_build(&user, m, user_mask, err) != 0) goto done;   /* n_units stays 0 if none */

    if (m->add_dummy_prefix) flags |= SPM_FLAG_ADD_DUMMY_PREFIX;
    if (m->remove_extra_whitespaces) flags |= SPM_FLAG_REMOVE_EXTRA_WHITESPACES;
    if (m->escape_whitespaces) flags |= SPM_FLAG_ESCAPE_WHITESPACES;
    if (m->byte_fallback) flags |= SPM_FLAG_BYTE_FALLBACK;

    dims[0] = (uint32_t)total;
    if (blob_add(w, "tok.pieces", BLOB_U8, 1, dims, bytes, total, err) != 0) goto done;
    dims[0] = n + 1;
    if (blob_add(w, "tok.offsets", BLOB_U32, 1, dims, offsets, (uint64_t)(n + 1) * 4, err) != 0) goto done;
    dims[0] = n;
    if (blob_add(w, "tok.scores", BLOB_F32, 1, dims, scores, (uint64_t)n * 4, err) != 0) goto done;
    if (blob_add(w, "tok.types", BLOB_U8, 1, dims, types, n, err) != 0) goto done;
    dims[0] = 1;
    if (blob_add(w, "tok.spm_flags", BLOB_U32, 1, dims, &flags, 4, err) != 0) goto done;
    if (m->charsmap_len > 0) {
        dims[0] = (uint32_t)m->charsmap_len;
        if (blob_add(w, "tok.charsmap", BLOB_U8, 1, dims, m->charsmap, m->charsmap_len, err) != 0) goto done;
    }
    if (trie_write(w, &all, "tok.trie", "tok.trie_ids", err) != 0) goto done;
    if (user.n_units > 0 && trie_write(w, &user, "tok.user_trie", "tok.user_trie_ids", err) != 0) goto done;
    rc = 0;
done:
    free(bytes); free(types); free(offsets); free(scores);
    trie_free(&all); trie_free(&user);
    return rc;
}

int tok_write_unigram(blob_writer *w, const tok_piece *pieces, uint32_t n, uint32_t spm_flags, const uint8_t *charsmap,
                      uint64_t charsmap_len, const char *name, char *err)
{
    spm_model m;
    uint32_t i, n_unknown = 0;
    memset(&m, 0, sizeof(m));
    m.pieces = (spm_piece *)(uintptr_t)pieces;
    m.n_pieces = n;
    m.model_type = 1;
    m.add_dummy_prefix = (spm_flags & SPM_FLAG_ADD_DUMMY_PREFIX) != 0;
    m.remove_extra_whitespaces = (spm_flags & SPM_FLAG_REMOVE_EXTRA_WHITESPACES) != 0;
    m.escape_whitespaces = (spm_flags & SPM_FLAG_ESCAPE_WHITESPACES) != 0;
    m.byte_fallback = (spm_flags & SPM_FLAG_BYTE_FALLBACK) != 0;
    m.charsmap = charsmap;
    m.charsmap_len = charsmap_len;
    for (i = 0; i < n; i++) {
        if (pieces[i].len == 0 || !utf8_valid(pieces[i].bytes, pieces[i].len)) {
            snprintf(err, CK_ERR_LEN, "%s: piece %u is empty or not valid UTF-8", name, i);
            return -1;
        }
        n_unknown += pieces[i].type == SPM_TYPE_UNKNOWN;
    }
    if (n_unknown != 1) { snprintf(err, CK_ERR_LEN, "%s: %u unknown pieces (exactly one is needed)", name, n_unknown); return -1; }
    if (charsmap_len > 0 && tok_check_charsmap(charsmap, charsmap_len, err, name) != 0) return -1;
    return write_tensors(w, &m, err);
}

int tok_add_sentencepiece(blob_writer *w, const char *model_path, blob_config *cfg, char *err)
{
    FILE *f;
    long size;
    uint8_t *data = NULL;
    spm_model m;
    uint32_t i, n_unknown = 0;
    int rc = -1;
    static const char *const special_text[7] = {"<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]", "[CLS]", "[SEP]"};

    memset(&m, 0, sizeof(m));
    f = ck_fopen(model_path, "rb");
    if (!f) { ck_fail(err, model_path, "cannot open"); return -1; }
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 || (unsigned long)size > SPM_MAX_FILE) {
        ck_fail(err, model_path, "cannot read (or larger than 1 GiB)");
        fclose(f);
        return -1;
    }
    data = (uint8_t *)malloc(size > 0 ? (size_t)size : 1);
    if (!data || fread(data, 1, (size_t)size, f) != (size_t)size) {
        ck_fail(err, model_path, "cannot read");
        fclose(f);
        free(data);
        return -1;
    }
    fclose(f);

    if (parse_model(data, (size_t)size, &m, err, model_path) != 0) goto done;
    if (m.model_type != 1) {
        static const char *const names[5] = {"?", "UNIGRAM", "BPE", "WORD", "CHAR"};
        ck_fail(err, model_path, "SentencePiece model type %s is not supported (only UNIGRAM, as ALBERT uses)",
                m.model_type < 5 ? names[m.model_type] : "unknown");
        goto done;
    }
    if (m.treat_whitespace_as_suffix) {
        ck_fail(err, model_path, "treat_whitespace_as_suffix is not supported");
        goto done;
    }
    if (m.n_pieces == 0) { ck_fail(err, model_path, "the model has no pieces"); goto done; }
    for (i = 0; i < m.n_pieces; i++) {
        if (m.pieces[i].type == SPM_TYPE_UNKNOWN) n_unknown++;
        if (m.pieces[i].type == SPM_TYPE_BYTE && !m.byte_fallback) {
            ck_fail(err, model_path, "byte piece %u found although byte_fallback is false", i);
            goto done;
        }
    }
    if (n_unknown != 1) {
        ck_fail(err, model_path, "%u UNKNOWN pieces (exactly one is needed)", n_unknown);
        goto done;
    }
    if (m.charsmap_len > 0 && tok_check_charsmap(m.charsmap, m.charsmap_len, err, model_path) != 0) goto done;
    if (write_tensors(w, &m, err) != 0) goto done;

    cfg->tokenizer_kind = 1;          /* ALBERT_TOKENIZER_SENTENCEPIECE */
    cfg->tokenizer_flags = 3;         /* LOWER_CASE | REMOVE_SPACE: AlbertTokenizer's defaults */
    for (i = 0; i < 7; i++) cfg->special_ids[i] = find_piece(&m, special_text[i]);
    for (i = 0; i < m.n_pieces; i++)
        if (m.pieces[i].type == SPM_TYPE_UNKNOWN) cfg->special_ids[1] = (int32_t)i;
    cfg->special_ids[7] = -1;
    if (cfg->vocab_size == 0) cfg->vocab_size = m.n_pieces;
    rc = 0;
done:
    free(m.pieces);
    free(data);
    return rc;
}

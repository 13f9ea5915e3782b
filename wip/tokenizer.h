/* wip/tokenizer.h — the tokenizers' front end (to be pasted into albert.h's implementation section after
   wip/unicode.h and wip/wordpiece.h): SentencePiece unigram (normalizer + Viterbi) with HuggingFace's
   AlbertTokenizer preprocessing on top, special tokens written in the text, pairs, truncation, offsets, and the
   public functions albert_tokenize / albert_sentencepiece_encode / albert_token_piece.

   NOTE TO UNI (wordpiece.h), the interface this file calls for ALBERT_TOKENIZER_WORDPIECE models — please define
   ALBERT__HAVE_WORDPIECE in wordpiece.h once these exist (until then WordPiece models report NO_TOKENIZER):
       typedef struct albert__wordpiece {...} albert__wordpiece;
       static albert_result albert__wordpiece_load(albert__wordpiece *w, const albert_model *m, albert_error *e);
       static albert_result albert__wordpiece_encode(const albert__wordpiece *w, const albert__unicode *u,
               const albert__ustr *segment, int (*push)(void *ctx, int32_t id, int32_t begin, int32_t end), void *ctx);
   `segment` is one piece of text between special tokens, already lowercased code point by code point as
   PreTrainedTokenizer.tokenize() does when do_lower_case is set (special tokens are split out by this file); the
   function runs BertTokenizer._tokenize (basic tokenizer + WordPiece) and reports each token, in order, with
   push(ctx, id, begin, end) (begin/end: the original byte range, from segment->begin/end); push returns nonzero
   when out of memory (then return ALBERT_ERR_MEMORY).

   THE SENTENCEPIECE TENSORS (written by tools/tok_sentencepiece.c; all validated in albert__tokenizer_load)
     tok.pieces u8 / tok.offsets u32 [n+1]   the vocabulary (shared with WordPiece)
     tok.scores f32 [n], tok.types u8 [n]      SentencePiece scores and piece types (1..6)
     tok.spm_flags u32 [1]                    ALBERT__SPM_* normalizer bits
     tok.charsmap u8 (optional)               the precompiled_charsmap: [u32 trie bytes][darts-clone units][strings]
     tok.trie u32 [units, 2], tok.trie_ids i32 [units]          double-array trie of all pieces
     tok.user_trie, tok.user_trie_ids (optional)                  the same for USER_DEFINED pieces
   Double-array trie: unit 0 is the root; unit i = {base | terminal << 31, check}. The child of node s along byte
   b is unit c = base(s) + b when check(c) == s (else s has no such child); check is 0xFFFFFFFF for the root and
   for free units, so the root is nobody's child. terminal is set exactly where trie_ids[i] >= 0 (the piece
   that ends at unit i). The loader checks base + 255 < units for every unit, check < units or 0xFFFFFFFF,
   and every id, so a walk needs no bounds tests and any file, however corrupt, only gives other pieces.

   WHAT IT MATCHES
     albert_sentencepiece_encode = sentencepiece 0.1.97 EncodeAsIds (Normalizer::Normalize, unigram
     Model::EncodeOptimized with its float/double scoring and tie-breaking, unknown-run merging, byte fallback).
     albert_tokenize (SentencePiece models) = transformers' slow AlbertTokenizer.encode (v4.3x):
     PreTrainedTokenizer.tokenize lowercases everything but the special tokens, splits the special tokens out
     ([MASK] is lstrip: it eats the whitespace before it), then per text piece preprocess_text (strip + collapse
     whitespace, `` and '' -> ", NFKD and drop combining marks unless keep_accents, lower), SentencePiece, and the
     digit-comma re-split; then [CLS] A [SEP] (B [SEP]) with longest-first truncation.
   INVALID UTF-8
     albert_tokenize reads each byte that does not start a valid UTF-8 sequence as U+FFFD.
     albert_sentencepiece_encode does as sentencepiece: such a byte normalizes to U+FFFD (one byte consumed).
   OFFSETS
     Byte ranges in the caller's text, carried through every normalization step: a token covers the original
     characters it was produced from (a ▁ made from a space does not extend a longer token over that space;
     a token that only exists because of the dummy prefix gets an empty range where its word starts).
   SPEED (tools/spm-peer.cc measures it next to libsentencepiece; examples/tokenize-bench.c alone)
     The trie walk is two loads per byte (above). At load time albert__fast_paths_init derives ASCII tables from
     the model's own data: str.lower/isspace of each ASCII character (NFKD and combining classes are checked to
     change nothing), the first bytes of special tokens, and, for each ASCII byte, the normalizer's output when
     no charsmap rule and no user-defined piece longer than that byte starts with it. albert_tokenize's
     preprocess_text + lower runs as one pass per code point (albert__preprocess_fused), falling back to the
     step-by-step Python order only for U+03A3 (Final_Sigma needs its neighbours). Buffers are reused across
     the segments of one call; nothing is kept between calls. */

/* ---------------------------------------------------------------- constants */
#define ALBERT__SPM_ADD_DUMMY_PREFIX 1u
#define ALBERT__SPM_REMOVE_EXTRA_WHITESPACES 2u
#define ALBERT__SPM_ESCAPE_WHITESPACES 4u
#define ALBERT__SPM_BYTE_FALLBACK 8u
#define ALBERT__SPM_ALL_FLAGS 15u

#define ALBERT__PIECE_NORMAL 1
#define ALBERT__PIECE_UNKNOWN 2
#define ALBERT__PIECE_CONTROL 3
#define ALBERT__PIECE_USER_DEFINED 4
#define ALBERT__PIECE_UNUSED 5
#define ALBERT__PIECE_BYTE 6

/* darts-clone double-array unit fields */
#define ALBERT__DARTS_HAS_LEAF(u) (((u) >> 8) & 1u)
#define ALBERT__DARTS_VALUE(u) ((u) & 0x7FFFFFFFu)
#define ALBERT__DARTS_LABEL(u) ((u) & (0x80000000u | 0xFFu))
#define ALBERT__DARTS_OFFSET(u) (((u) >> 10) << (((u) & (1u << 9)) >> 6))

#define ALBERT__N_SPECIALS 5
#define ALBERT__MAX_TEXT 0x7FFFFFF0u   /* longest text (bytes): offsets are int32 */

/* ---------------------------------------------------------------- token lists */
/* A growable list of tokens: id and the byte range [begin, end) in the original text (one allocation: id, then
   begin, then end, each of cap entries). */
typedef struct albert__ids {
    int32_t *id, *begin, *end;
    size_t n, cap;
} albert__ids;

static void albert__ids_free(albert__ids *l)
{
    ALBERT_FREE(l->id);
    memset(l, 0, sizeof(*l));
}

/* Appends one token; 0, or -1 when out of memory. */
static int albert__ids_push(albert__ids *l, int32_t id, int32_t begin, int32_t end)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        int32_t *block;
        if (cap > ((size_t)-1) / 3 / sizeof(int32_t)) return -1;
        block = (int32_t *)ALBERT_MALLOC(3 * cap * sizeof(int32_t));
        if (!block) return -1;
        if (l->n) {
            memcpy(block, l->id, l->n * sizeof(int32_t));
            memcpy(block + cap, l->begin, l->n * sizeof(int32_t));
            memcpy(block + 2 * cap, l->end, l->n * sizeof(int32_t));
        }
        ALBERT_FREE(l->id);
        l->id = block; l->begin = block + cap; l->end = block + 2 * cap; l->cap = cap;
    }
    l->id[l->n] = id; l->begin[l->n] = begin; l->end[l->n] = end;
    l->n++;
    return 0;
}

#ifdef ALBERT__HAVE_WORDPIECE
static int albert__ids_push_callback(void *list, int32_t id, int32_t begin, int32_t end)
{
    return albert__ids_push((albert__ids *)list, id, begin, end);
}
#endif

/* ---------------------------------------------------------------- the tokenizer */
/* A double-array byte trie in the blob (see the top of this file). */
typedef struct albert__trie {
    const uint32_t *units;     /* [n_units][2]: base | terminal << 31, check */
    const int32_t *ids;        /* [n_units] piece id or -1 */
    uint32_t n_units;          /* 0: no trie */
} albert__trie;

#define ALBERT__TRIE_TERMINAL 0x80000000u
#define ALBERT__TRIE_NO_PARENT 0xFFFFFFFFu

typedef struct albert__special {
    const uint8_t *text;       /* the special token's text (its vocabulary entry) */
    uint32_t len;
    int32_t id;
    int lstrip;                /* AddedToken lstrip: eats the whitespace on its left ([MASK] of AlbertTokenizer) */
} albert__special;

/* What the SentencePiece normalizer does with an ASCII byte, when that never depends on the bytes after it. */
typedef struct albert__ascii_rule {
    uint8_t simple;            /* 1: a text starting with this byte normalizes this byte alone, to out[0..len) */
    uint8_t len;
    uint8_t out[6];
} albert__ascii_rule;

struct albert__tokenizer {
    albert_tokenizer_kind kind;
    uint32_t flags;                          /* ALBERT_TOKENIZER_* */
    albert__unicode unicode;
#ifdef ALBERT__HAVE_WORDPIECE
    albert__wordpiece wordpiece;
#endif
    /* vocabulary (both kinds) */
    const uint8_t *pieces;
    uint32_t pieces_size;
    const uint32_t *offsets;                 /* [n_pieces + 1], validated monotonic and <= pieces_size */
    uint32_t n_pieces;
    /* SentencePiece */
    const float *scores;
    const uint8_t *types;
    uint32_t spm_flags;
    const uint32_t *charsmap_units;          /* NULL: no normalization rules */
    uint32_t n_charsmap_units;
    const uint8_t *charsmap_strings;         /* NUL-terminated UTF-8 strings; the last byte is NUL */
    uint32_t charsmap_strings_size;
    albert__trie trie, user_trie;            /* user_trie.n_units == 0: no user-defined pieces */
    int32_t unk_id;                          /* the UNKNOWN piece */
    float min_score, max_score;              /* over NORMAL pieces, as sentencepiece (FLT_MAX / FLT_MIN start) */
    int32_t byte_ids[256];                   /* <0xXX> pieces (byte fallback), -1 if absent */
    /* special tokens */
    int32_t cls_id, sep_id;
    albert__special specials[ALBERT__N_SPECIALS];
    int n_specials;
    /* fast paths for ASCII, derived at load time from the tables above (albert__fast_paths_init) */
    int ascii_plain;                         /* ASCII: NFKD is the identity, combining class 0, lower() ASCII */
    uint8_t ascii_lower[128];                /* str.lower() of each ASCII character (when ascii_plain) */
    uint8_t ascii_space[128];                /* str.isspace() of each ASCII character */
    uint8_t special_first[256];              /* 1: some special token's text starts with this byte */
    albert__ascii_rule norm_ascii[128];      /* the SentencePiece normalizer's rule for each ASCII byte */
};

/* ---------------------------------------------------------------- loading */
static albert_result albert__tok_tensor(const albert_model *m, const char *name, uint32_t dtype, uint32_t ndim,
                                        int required, const albert__tensor **out, albert_error *e)
{
    const albert__tensor *t = albert__find_tensor(m, name);
    *out = t;
    if (!t) return required ? albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: missing tensor %s", name) : ALBERT_OK;
    if (t->dtype != dtype || t->ndim != ndim)
        return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: tensor %s has the wrong type or rank", name);
    return ALBERT_OK;
}

static albert_result albert__trie_load(albert__trie *trie, const albert_model *m, const char *units_name,
                                       const char *ids_name, uint32_t n_pieces, albert_error *e)
{
    const albert__tensor *tu, *ti;
    albert_result r;
    uint32_t n, i;
    if ((r = albert__tok_tensor(m, units_name, 5, 2, 1, &tu, e)) != ALBERT_OK) return r;
    if ((r = albert__tok_tensor(m, ids_name, 4, 1, 1, &ti, e)) != ALBERT_OK) return r;
    n = tu->dims[0];
    if (tu->dims[1] != 2 || n < 257 || n >= 0x7FFFFFFFu || ti->dims[0] != n)
        return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: %s must be [257..2^31, 2] and %s [the same]", units_name, ids_name);
    trie->units = (const uint32_t *)(const void *)tu->data;
    trie->ids = (const int32_t *)(const void *)ti->data;
    trie->n_units = n;
    if (trie->units[1] != ALBERT__TRIE_NO_PARENT || trie->ids[0] != -1)
        return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: %s: the root must have no parent and no piece", units_name);
    for (i = 0; i < n; i++) {
        uint32_t base = trie->units[2 * i] & ~ALBERT__TRIE_TERMINAL, check = trie->units[2 * i + 1];
        int terminal = (trie->units[2 * i] & ALBERT__TRIE_TERMINAL) != 0;
        int32_t id = trie->ids[i];
        if (base > n - 256 || (check != ALBERT__TRIE_NO_PARENT && check >= n))
            return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: %s unit %u points outside the trie", units_name, (unsigned)i);
        if (id < -1 || id >= (int32_t)n_pieces || terminal != (id >= 0))
            return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: %s[%u] is not a piece id of a terminal unit", ids_name, (unsigned)i);
    }
    return ALBERT_OK;
}

/* The child of `node` along `byte`, or 0 if there is none (the root is nobody's child). */
static uint32_t albert__trie_child(const albert__trie *t, uint32_t node, uint8_t byte)
{
    uint32_t child = (t->units[2 * node] & ~ALBERT__TRIE_TERMINAL) + byte;
    return t->units[2 * child + 1] == node ? child : 0;
}

/* The id of the piece whose text is exactly s[0..n) (any piece type), or -1. */
static int32_t albert__piece_id(const struct albert__tokenizer *t, const uint8_t *s, size_t n)
{
    uint32_t node = 0;
    size_t i;
    if (t->trie.n_units == 0) return -1;
    for (i = 0; i < n; i++)
        if ((node = albert__trie_child(&t->trie, node, s[i])) == 0) return -1;
    return t->trie.ids[node];
}

/* Checks that s[0..n) is valid UTF-8 (as albert__utf8_decode reads it). */
static int albert__utf8_valid(const uint8_t *s, size_t n)
{
    size_t pos = 0;
    while (pos < n) {
        uint32_t cp;
        size_t used = albert__utf8_decode(s + pos, n - pos, &cp);
        if (cp == 0xFFFD && used == 1) return 0;
        pos += used;
    }
    return 1;
}

static albert_result albert__spm_load(struct albert__tokenizer *t, const albert_model *m, albert_error *e)
{
    const albert__tensor *ts, *tt, *tf, *tc;
    albert_result r;
    uint32_t i;
    if ((r = albert__tok_tensor(m, "tok.scores", 0, 1, 1, &ts, e)) != ALBERT_OK) return r;
    if ((r = albert__tok_tensor(m, "tok.types", 3, 1, 1, &tt, e)) != ALBERT_OK) return r;
    if ((r = albert__tok_tensor(m, "tok.spm_flags", 5, 1, 1, &tf, e)) != ALBERT_OK) return r;
    if ((r = albert__tok_tensor(m, "tok.charsmap", 3, 1, 0, &tc, e)) != ALBERT_OK) return r;
    if (ts->dims[0] != t->n_pieces || tt->dims[0] != t->n_pieces || tf->dims[0] != 1)
        return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: tok.scores/tok.types/tok.spm_flags sizes do not match");
    t->scores = (const float *)(const void *)ts->data;
    t->types = tt->data;
    t->spm_flags = ((const uint32_t *)(const void *)tf->data)[0];
    if (t->spm_flags & ~ALBERT__SPM_ALL_FLAGS)
        return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: unknown tok.spm_flags bits 0x%x", (unsigned)t->spm_flags);

    t->unk_id = -1;
    t->min_score = FLT_MAX;
    t->max_score = FLT_MIN;
    for (i = 0; i < 256; i++) t->byte_ids[i] = -1;
    for (i = 0; i < t->n_pieces; i++) {
        uint8_t type = t->types[i];
        float score = t->scores[i];
        if (type < ALBERT__PIECE_NORMAL || type > ALBERT__PIECE_BYTE)
            return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: piece %u has type %u", (unsigned)i, (unsigned)type);
        if (!(score > -FLT_MAX && score < FLT_MAX))   /* also refuses NaN */
            return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: piece %u has a non-finite score", (unsigned)i);
        if (type == ALBERT__PIECE_UNKNOWN) {
            if (t->unk_id >= 0) return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: more than one UNKNOWN piece");
            t->unk_id = (int32_t)i;
        } else if (type == ALBERT__PIECE_NORMAL) {
            if (score < t->min_score) t->min_score = score;
            if (score > t->max_score) t->max_score = score;
        } else if (type == ALBERT__PIECE_BYTE) {
            /* "<0xXX>" */
            const uint8_t *p = t->pieces + t->offsets[i];
            static const char hex[] = "0123456789ABCDEF";
            const char *hi, *lo;
            if (t->offsets[i + 1] - t->offsets[i] != 6 || memcmp(p, "<0x", 3) != 0 || p[5] != '>' || p[3] == 0 || p[4] == 0 ||
                !(hi = strchr(hex, p[3])) || !(lo = strchr(hex, p[4])))
                return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: byte piece %u is not <0xXX>", (unsigned)i);
            t->byte_ids[(hi - hex) * 16 + (lo - hex)] = (int32_t)i;
        }
    }
    if (t->unk_id < 0) return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: no UNKNOWN piece");

    if (tc) {
        uint32_t trie_bytes;
        if (tc->dims[0] < 4) return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: tok.charsmap is too short");
        trie_bytes = (uint32_t)tc->data[0] | (uint32_t)tc->data[1] << 8 | (uint32_t)tc->data[2] << 16 |
                     (uint32_t)tc->data[3] << 24;
        if (trie_bytes == 0 || trie_bytes % 4 != 0 || trie_bytes >= tc->dims[0] - 4)
            return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: tok.charsmap trie size %u does not fit", (unsigned)trie_bytes);
        t->charsmap_units = (const uint32_t *)(const void *)(tc->data + 4);
        t->n_charsmap_units = trie_bytes / 4;
        t->charsmap_strings = tc->data + 4 + trie_bytes;
        t->charsmap_strings_size = tc->dims[0] - 4 - trie_bytes;
        if (t->charsmap_strings[t->charsmap_strings_size - 1] != 0 ||
            !albert__utf8_valid(t->charsmap_strings, t->charsmap_strings_size))
            return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: tok.charsmap strings are not NUL-terminated UTF-8");
    }
    if ((r = albert__trie_load(&t->trie, m, "tok.trie", "tok.trie_ids", t->n_pieces, e)) != ALBERT_OK) return r;
    if (albert__find_tensor(m, "tok.user_trie")) {
        if ((r = albert__trie_load(&t->user_trie, m, "tok.user_trie", "tok.user_trie_ids", t->n_pieces, e)) != ALBERT_OK)
            return r;
        for (i = 0; i < t->user_trie.n_units; i++)
            if (t->user_trie.ids[i] >= 0 && t->types[t->user_trie.ids[i]] != ALBERT__PIECE_USER_DEFINED)
                return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: tok.user_trie holds a piece that is not user-defined");
    }
    return ALBERT_OK;
}

/* The charsmap rule for the one byte b (*repl, *len; *len = (size_t)-1 when there is none), and whether some
   longer rule starts with b: the same walk as albert__charsmap_match, tried with every second byte. */
static int albert__charsmap_byte(const struct albert__tokenizer *t, uint8_t b, const uint8_t **repl, size_t *len)
{
    const uint32_t *a = t->charsmap_units;
    uint32_t pos, unit, c;
    *repl = NULL;
    *len = (size_t)-1;
    if (!a) return 0;
    pos = ALBERT__DARTS_OFFSET(a[0]) ^ b;
    if (pos >= t->n_charsmap_units || ALBERT__DARTS_LABEL(a[pos]) != b) return 0;
    unit = a[pos];
    pos ^= ALBERT__DARTS_OFFSET(unit);
    if (ALBERT__DARTS_HAS_LEAF(unit)) {
        if (pos >= t->n_charsmap_units) return 0;   /* the walk stops here: no match, nothing longer */
        if (ALBERT__DARTS_VALUE(a[pos]) < t->charsmap_strings_size) {
            *repl = t->charsmap_strings + ALBERT__DARTS_VALUE(a[pos]);
            *len = strlen((const char *)*repl);
        }
    }
    for (c = 0; c < 256; c++) {
        uint32_t next = pos ^ c;
        if (next < t->n_charsmap_units && ALBERT__DARTS_LABEL(a[next]) == c) return 1;
    }
    return 0;
}

/* Fills the ASCII fast-path tables from the model's own data, so that the fast paths give exactly what the
   general code gives: a byte only takes a fast path when the tables say it behaves simply. */
static void albert__fast_paths_init(struct albert__tokenizer *t)
{
    const albert__unicode *u = &t->unicode;
    uint32_t c, buf[ALBERT__UNICODE_MAX_DECOMP];
    int k;
    t->ascii_plain = 1;
    for (c = 0; c < 128; c++) {
        t->ascii_space[c] = (uint8_t)albert__unicode_is_space(u, c);
        if (albert__unicode_decompose(u, c, 1, buf) != 1 || buf[0] != c || albert__unicode_combining(u, c) != 0)
            t->ascii_plain = 0;
        if (albert__unicode_lower(u, c, buf) != 1 || buf[0] >= 128) t->ascii_plain = 0;
        else t->ascii_lower[c] = (uint8_t)buf[0];
    }
    for (k = 0; k < t->n_specials; k++) t->special_first[t->specials[k].text[0]] = 1;
    if (t->kind != ALBERT_TOKENIZER_SENTENCEPIECE) return;
    for (c = 0; c < 128; c++) {
        albert__ascii_rule *rule = &t->norm_ascii[c];
        const uint8_t *repl;
        size_t len;
        if (t->user_trie.n_units && albert__trie_child(&t->user_trie, 0, (uint8_t)c) != 0) continue;
        if (albert__charsmap_byte(t, (uint8_t)c, &repl, &len)) continue;   /* a longer rule starts here */
        if (len == (size_t)-1) { rule->len = 1; rule->out[0] = (uint8_t)c; }   /* no rule: the byte itself */
        else if (len <= sizeof(rule->out)) { rule->len = (uint8_t)len; memcpy(rule->out, repl, len); }
        else continue;
        rule->simple = 1;
    }
}

static void albert__tokenizer_free(struct albert__tokenizer *t)
{
    if (!t) return;
    ALBERT_FREE(t);   /* the WordPiece part only points into the model file */
}

static albert_result albert__tokenizer_load(const albert_model *m, struct albert__tokenizer **out, albert_error *e)
{
    struct albert__tokenizer *t;
    const albert__tensor *tp, *to;
    albert_result r;
    uint32_t i;
    int k;
    const albert_config *c = &m->config;
    int32_t special_ids[ALBERT__N_SPECIALS];

    *out = NULL;
    t = (struct albert__tokenizer *)ALBERT_MALLOC(sizeof(*t));
    if (!t) return albert__fail(e, ALBERT_ERR_MEMORY, "out of memory");
    memset(t, 0, sizeof(*t));
    t->kind = c->tokenizer;
    t->flags = c->tokenizer_flags;
    if ((r = albert__unicode_load(&t->unicode, m, e)) != ALBERT_OK) goto fail;
    if ((r = albert__tok_tensor(m, "tok.pieces", 3, 1, 1, &tp, e)) != ALBERT_OK) goto fail;
    if ((r = albert__tok_tensor(m, "tok.offsets", 5, 1, 1, &to, e)) != ALBERT_OK) goto fail;
    t->pieces = tp->data;
    t->pieces_size = tp->dims[0];
    t->offsets = (const uint32_t *)(const void *)to->data;
    if (to->dims[0] < 2) { r = albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: empty vocabulary"); goto fail; }
    t->n_pieces = to->dims[0] - 1;
    if (t->n_pieces > (uint32_t)c->vocab_size) {   /* fewer is fine: embeddings that no text produces */
        r = albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: %u vocabulary entries but vocab_size is only %ld",
                         (unsigned)t->n_pieces, (long)c->vocab_size);
        goto fail;
    }
    if (t->offsets[0] != 0 || t->offsets[t->n_pieces] != t->pieces_size) {
        r = albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: tok.offsets does not span tok.pieces");
        goto fail;
    }
    for (i = 0; i < t->n_pieces; i++)
        if (t->offsets[i + 1] < t->offsets[i]) {
            r = albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: tok.offsets decreases at entry %u", (unsigned)i);
            goto fail;
        }
    if (t->kind == ALBERT_TOKENIZER_SENTENCEPIECE) {
        if ((r = albert__spm_load(t, m, e)) != ALBERT_OK) goto fail;
    } else if (t->kind == ALBERT_TOKENIZER_WORDPIECE) {
#ifdef ALBERT__HAVE_WORDPIECE
        if ((r = albert__wordpiece_load(&t->wordpiece, m, e)) != ALBERT_OK) goto fail;
#endif
    }

    /* special tokens, as HF's all_special_tokens (each is split out of the text before tokenizing) */
    special_ids[0] = c->cls_id; special_ids[1] = c->sep_id; special_ids[2] = c->unk_id;
    special_ids[3] = c->pad_id; special_ids[4] = c->mask_id;
    t->cls_id = c->cls_id;
    t->sep_id = c->sep_id;
    for (k = 0; k < ALBERT__N_SPECIALS; k++) {
        int32_t id = special_ids[k];
        albert__special *s = &t->specials[t->n_specials];
        if (id < 0) continue;
        if ((uint32_t)id >= t->n_pieces) {
            r = albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: special token id %ld is not in the vocabulary", (long)id);
            goto fail;
        }
        s->text = t->pieces + t->offsets[id];
        s->len = t->offsets[id + 1] - t->offsets[id];
        s->id = id;
        s->lstrip = (k == 4 && t->kind == ALBERT_TOKENIZER_SENTENCEPIECE);
        if (s->len > 0) t->n_specials++;
    }
    albert__fast_paths_init(t);
    *out = t;
    return ALBERT_OK;
fail:
    ALBERT_FREE(t);
    return r;
}

/* ---------------------------------------------------------------- byte buffers */
/* Bytes with, for each byte, the index of the input position it came from. */
typedef struct albert__bytes {
    uint8_t *b;
    uint32_t *from;
    size_t n, cap;
} albert__bytes;

static void albert__bytes_free(albert__bytes *s)
{
    ALBERT_FREE(s->b); ALBERT_FREE(s->from);
    memset(s, 0, sizeof(*s));
}

static int albert__bytes_reserve(albert__bytes *s, size_t extra)
{
    size_t cap;
    uint8_t *b;
    uint32_t *from;
    if (extra <= s->cap - s->n) return 0;
    if (extra > 0x7FFFFFFFu - s->n) return -1;
    cap = s->cap ? s->cap : 64;
    while (cap - s->n < extra) cap *= 2;
    b = (uint8_t *)ALBERT_MALLOC(cap);
    from = (uint32_t *)ALBERT_MALLOC(cap * sizeof(uint32_t));
    if (!b || !from) { ALBERT_FREE(b); ALBERT_FREE(from); return -1; }
    if (s->n) { memcpy(b, s->b, s->n); memcpy(from, s->from, s->n * sizeof(uint32_t)); }
    ALBERT_FREE(s->b); ALBERT_FREE(s->from);
    s->b = b; s->from = from; s->cap = cap;
    return 0;
}

/* Appends s[0..n), every byte coming from input position `from`. */
static int albert__bytes_append(albert__bytes *out, const uint8_t *s, size_t n, uint32_t from)
{
    size_t i;
    if (albert__bytes_reserve(out, n) != 0) return -1;
    for (i = 0; i < n; i++) { out->b[out->n] = s[i]; out->from[out->n] = from; out->n++; }
    return 0;
}

/* ---------------------------------------------------------------- SentencePiece normalizer */

/* Longest charsmap rule matching a prefix of s[0..n): its length (0 if none) and replacement string. */
static size_t albert__charsmap_match(const struct albert__tokenizer *t, const uint8_t *s, size_t n, const uint8_t **repl)
{
    const uint32_t *a = t->charsmap_units;
    uint32_t pos, unit;
    size_t i, best = 0;
    if (!a) return 0;
    pos = ALBERT__DARTS_OFFSET(a[0]);
    for (i = 0; i < n; i++) {
        pos ^= s[i];
        if (pos >= t->n_charsmap_units) break;
        unit = a[pos];
        if (ALBERT__DARTS_LABEL(unit) != s[i]) break;
        pos ^= ALBERT__DARTS_OFFSET(unit);
        if (ALBERT__DARTS_HAS_LEAF(unit)) {
            uint32_t value;
            if (pos >= t->n_charsmap_units) break;
            value = ALBERT__DARTS_VALUE(a[pos]);
            if (value < t->charsmap_strings_size) { best = i + 1; *repl = t->charsmap_strings + value; }
        }
    }
    return best;
}

/* Normalizer::NormalizePrefix: the normalized text of the longest prefix rule at s[0..n) (n >= 1).
   Returns the bytes consumed; the replacement is *out, *out_len bytes. */
static size_t albert__spm_normalize_prefix(const struct albert__tokenizer *t, const uint8_t *s, size_t n,
                                           const uint8_t **out, size_t *out_len)
{
    static const uint8_t replacement_char[3] = {0xEF, 0xBF, 0xBD};
    const uint8_t *repl = NULL;
    size_t len;
    uint32_t cp;
    if (s[0] < 0x80 && t->norm_ascii[s[0]].simple) {
        *out = t->norm_ascii[s[0]].out;
        *out_len = t->norm_ascii[s[0]].len;
        return 1;
    }
    if (t->user_trie.n_units) {   /* user-defined pieces: longest match, copied verbatim */
        uint32_t node = 0;
        size_t i, best = 0;
        for (i = 0; i < n; i++) {
            if ((node = albert__trie_child(&t->user_trie, node, s[i])) == 0) break;
            if (t->user_trie.ids[node] >= 0) best = i + 1;
        }
        if (best) { *out = s; *out_len = best; return best; }
    }
    len = albert__charsmap_match(t, s, n, &repl);
    if (len) { *out = repl; *out_len = strlen((const char *)repl); return len; }
    len = albert__utf8_decode(s, n, &cp);
    if (cp == 0xFFFD && len == 1) { *out = replacement_char; *out_len = 3; return 1; }
    *out = s; *out_len = len;
    return len;
}

/* Normalizer::Normalize of in[0..n): appends the normalized bytes to out, each with the input position of the
   rule it came from; *consumed_end gets the input position that the end of the normalized text maps to. */
static int albert__spm_normalize(const struct albert__tokenizer *t, const uint8_t *in, size_t n, albert__bytes *out,
                                 size_t *consumed_end)
{
    static const uint8_t space_symbol[3] = {0xE2, 0x96, 0x81};   /* U+2581 */
    int remove_extra = (t->spm_flags & ALBERT__SPM_REMOVE_EXTRA_WHITESPACES) != 0;
    int escape = (t->spm_flags & ALBERT__SPM_ESCAPE_WHITESPACES) != 0;
    size_t consumed = 0, pos = 0, start = out->n;
    int is_prev_space;
    const uint8_t *sp;
    size_t sp_len, used;

    *consumed_end = 0;
    if (n == 0) return 0;
    if (remove_extra) {   /* drop leading spaces */
        while (pos < n) {
            used = albert__spm_normalize_prefix(t, in + pos, n - pos, &sp, &sp_len);
            if (!(sp_len == 1 && sp[0] == ' ')) break;
            pos += used;
            consumed = pos;
        }
    }
    if (pos == n) { *consumed_end = consumed; return 0; }
    if (albert__bytes_reserve(out, (n - pos) * 3 + 3) != 0) return -1;
    if (t->spm_flags & ALBERT__SPM_ADD_DUMMY_PREFIX) {
        if (escape) { if (albert__bytes_append(out, space_symbol, 3, (uint32_t)consumed) != 0) return -1; }
        else if (albert__bytes_append(out, (const uint8_t *)" ", 1, (uint32_t)consumed) != 0) return -1;
    }
    is_prev_space = remove_extra;
    while (pos < n) {
        const uint8_t c = in[pos];
        if (c < 0x80 && t->norm_ascii[c].simple) {   /* albert__spm_normalize_prefix's fast path, inline */
            sp = t->norm_ascii[c].out;
            sp_len = t->norm_ascii[c].len;
            used = 1;
        } else {
            used = albert__spm_normalize_prefix(t, in + pos, n - pos, &sp, &sp_len);
        }
        if (is_prev_space)
            while (sp_len > 0 && sp[0] == ' ') { sp++; sp_len--; }
        if (sp_len > 0) {
            size_t k;
            if (out->cap - out->n < sp_len * 3 && albert__bytes_reserve(out, sp_len * 3) != 0) return -1;
            for (k = 0; k < sp_len; k++) {
                if (escape && sp[k] == ' ') {
                    out->b[out->n] = space_symbol[0]; out->b[out->n + 1] = space_symbol[1]; out->b[out->n + 2] = space_symbol[2];
                    out->from[out->n] = out->from[out->n + 1] = out->from[out->n + 2] = (uint32_t)consumed;
                    out->n += 3;
                } else {
                    out->b[out->n] = sp[k];
                    out->from[out->n] = (uint32_t)consumed;
                    out->n++;
                }
            }
            is_prev_space = sp[sp_len - 1] == ' ';
        }
        consumed += used;
        pos += used;
        if (!remove_extra) is_prev_space = 0;
    }
    if (remove_extra) {   /* drop trailing spaces */
        size_t sl = escape ? 3 : 1;
        const uint8_t *sym = escape ? space_symbol : (const uint8_t *)" ";
        while (out->n - start >= sl && memcmp(out->b + out->n - sl, sym, sl) == 0) {
            out->n -= sl;
            consumed = out->from[out->n];
        }
    }
    *consumed_end = consumed;
    return 0;
}

/* ---------------------------------------------------------------- unigram Viterbi */
typedef struct albert__best_path {
    float score;          /* best total score of a segmentation of the text before this position */
    int32_t starts_at;    /* where the last piece of that segmentation starts (-1: none yet) */
    int32_t id;           /* that piece */
} albert__best_path;

/* One piece of a SentencePiece encoding: normalized bytes [begin, end), id. */
typedef struct albert__spm_piece {
    uint32_t begin, end;
    int32_t id;
} albert__spm_piece;

static size_t albert__one_char_len(uint8_t c)
{
    static const uint8_t len[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    return len[c >> 4];
}

/* The result of encoding one string: the normalized text, its pieces, and for each piece the original range.
   The buffers grow and are reused from one albert__spm_encode to the next. */
typedef struct albert__spm_result {
    albert__bytes norm;           /* normalized bytes; norm.from = input byte position */
    size_t consumed_end;          /* input position of the end of norm */
    albert__spm_piece *pieces;
    long n_pieces;
    size_t pieces_cap;
    albert__best_path *best;      /* Viterbi scratch */
    size_t best_cap;
} albert__spm_result;

static void albert__spm_result_free(albert__spm_result *r)
{
    albert__bytes_free(&r->norm);
    ALBERT_FREE(r->pieces);
    ALBERT_FREE(r->best);
    memset(r, 0, sizeof(*r));
}

/* Model::EncodeOptimized over s[0..n) followed by the unknown merging and byte fallback of
   SentencePieceProcessor: writes pieces (begin/end in s) to out[] (room for n + 1 entries... and 4 per unknown
   byte with byte fallback: callers give 4n + 1) and returns their count. best[] has room for n + 1 entries. */
static long albert__spm_viterbi(const struct albert__tokenizer *t, const uint8_t *s, size_t n, albert__spm_piece *out,
                                albert__best_path *best)
{
    const uint32_t *units = t->trie.units;
    size_t starts_at = 0, count = 0, i, ends_at;
    const float unk_score = t->min_score - 10.0f;
    const double max_score = t->max_score;
    long n_out = 0;
    int prev_unk = 0;
    if (n == 0) return 0;
    for (i = 0; i <= n; i++) { best[i].score = 0.0f; best[i].starts_at = -1; best[i].id = -1; }
    while (starts_at < n) {
        const float score_here = best[starts_at].score;
        size_t mblen = albert__one_char_len(s[starts_at]), key_pos = starts_at;
        uint32_t node = 0, unit = units[0];
        int has_single_node = 0;
        if (mblen > n - starts_at) mblen = n - starts_at;
        while (key_pos < n) {
            /* one trie step, inline: child = base + byte, which is a child when its check is the parent */
            uint32_t child = (unit & ~ALBERT__TRIE_TERMINAL) + s[key_pos];
            if (units[2 * child + 1] != node) break;
            node = child;
            unit = units[2 * node];
            key_pos++;
            if (unit & ALBERT__TRIE_TERMINAL) {
                int32_t id = t->trie.ids[node];
                int type = t->types[id];
                size_t length = key_pos - starts_at;
                double score, candidate;
                albert__best_path *target;
                if (type != ALBERT__PIECE_NORMAL && type != ALBERT__PIECE_USER_DEFINED) continue;
                /* the exact arithmetic of sentencepiece: a double score, a float total */
                score = type == ALBERT__PIECE_USER_DEFINED ? (double)((float)length * (float)max_score) - 0.1
                                                           : (double)t->scores[id];
                candidate = score + (double)score_here;
                target = &best[key_pos];
                if (target->starts_at == -1 || candidate > (double)target->score) {
                    target->score = (float)candidate;
                    target->starts_at = (int32_t)starts_at;
                    target->id = id;
                }
                if (length == mblen) has_single_node = 1;
            }
        }
        if (!has_single_node) {
            albert__best_path *target = &best[starts_at + mblen];
            const float candidate = unk_score + score_here;
            if (target->starts_at == -1 || candidate > target->score) {
                target->score = candidate;
                target->starts_at = (int32_t)starts_at;
                target->id = t->unk_id;
            }
        }
        starts_at += mblen;
    }
    /* backtrack: count, then fill from the end */
    for (ends_at = n; ends_at > 0; ends_at = (size_t)best[ends_at].starts_at) count++;
    i = count;
    for (ends_at = n; ends_at > 0; ends_at = (size_t)best[ends_at].starts_at) {
        i--;
        out[i].begin = (uint32_t)best[ends_at].starts_at;
        out[i].end = (uint32_t)ends_at;
        out[i].id = best[ends_at].id;
    }
    /* merge runs of unknown pieces, or split them into byte pieces (byte fallback); in place, left to right:
       with byte fallback the pieces are first moved to the end of out[] */
    if (t->spm_flags & ALBERT__SPM_BYTE_FALLBACK) {
        size_t total = 4 * n + 1, src = total - count;
        memmove(out + src, out, count * sizeof(*out));
        for (i = 0; i < count; i++) {
            albert__spm_piece p = out[src + i];
            if (p.id == t->unk_id) {
                uint32_t b;
                for (b = p.begin; b < p.end; b++) {
                    int32_t id = t->byte_ids[s[b]];
                    out[n_out].begin = b; out[n_out].end = b + 1;   /* sentencepiece gives the surface to the last */
                    out[n_out].id = id >= 0 ? id : t->unk_id;
                    n_out++;
                }
            } else {
                out[n_out++] = p;
            }
        }
        return n_out;
    }
    for (i = 0; i < count; i++) {
        int is_unk = out[i].id == t->unk_id;
        if (is_unk && prev_unk) out[n_out - 1].end = out[i].end;
        else out[n_out++] = out[i];
        prev_unk = is_unk;
    }
    return n_out;
}

/* ---------------------------------------------------------------- SentencePiece encode with origins */
/* Normalizes and encodes in[0..n) into r (whose buffers are reused). 0, or -1 when out of memory. */
static int albert__spm_encode(const struct albert__tokenizer *t, const uint8_t *in, size_t n, albert__spm_result *r)
{
    size_t need;
    r->norm.n = 0;
    r->n_pieces = 0;
    r->consumed_end = 0;
    if (albert__spm_normalize(t, in, n, &r->norm, &r->consumed_end) != 0) return -1;
    if (r->norm.n == 0) return 0;
    if (r->norm.n > ((size_t)-1) / 4 / sizeof(albert__spm_piece) - 1) return -1;
    need = (t->spm_flags & ALBERT__SPM_BYTE_FALLBACK) ? 4 * r->norm.n + 1 : r->norm.n + 1;
    if (need > r->pieces_cap) {
        size_t cap = need < 256 ? 256 : need + need / 2;
        ALBERT_FREE(r->pieces);
        r->pieces_cap = 0;
        r->pieces = (albert__spm_piece *)ALBERT_MALLOC(cap * sizeof(albert__spm_piece));
        if (!r->pieces) return -1;
        r->pieces_cap = cap;
    }
    if (r->norm.n + 1 > r->best_cap) {
        size_t cap = r->norm.n + 1 < 256 ? 256 : r->norm.n + 1 + (r->norm.n + 1) / 2;
        ALBERT_FREE(r->best);
        r->best_cap = 0;
        r->best = (albert__best_path *)ALBERT_MALLOC(cap * sizeof(albert__best_path));
        if (!r->best) return -1;
        r->best_cap = cap;
    }
    r->n_pieces = albert__spm_viterbi(t, r->norm.b, r->norm.n, r->pieces, r->best);
    return 0;
}

/* The input range [*in_begin, *in_end) that normalized bytes [begin, end) came from (sentencepiece's surface
   rule: from the rule of the first byte to the rule after the last one), leaving out a leading ▁ of a longer
   piece so that "▁word" covers "word" only. */
static void albert__spm_input_range(const albert__spm_result *r, uint32_t begin, uint32_t end, size_t *in_begin,
                                    size_t *in_end)
{
    size_t b, e;
    if (end - begin > 3 && r->norm.b[begin] == 0xE2 && r->norm.b[begin + 1] == 0x96 && r->norm.b[begin + 2] == 0x81)
        begin += 3;
    b = r->norm.from[begin];
    e = end < r->norm.n ? r->norm.from[end] : r->consumed_end;
    if (e < b) e = b;
    *in_begin = b;
    *in_end = e;
}

/* ---------------------------------------------------------------- public: plain SentencePiece */
ALBERT_DEF albert_result albert_sentencepiece_encode(const albert_model *model, const char *text, size_t text_len,
                                                     albert_tokens *tokens)
{
    const struct albert__tokenizer *t;
    albert__spm_result r;
    albert_result result = ALBERT_OK;
    long i;
    if (!model || !tokens || (!text && text_len) || tokens->capacity < 0 || (!tokens->ids && tokens->capacity > 0))
        return ALBERT_ERR_ARGUMENT;   /* ids NULL with capacity 0: only the size is asked for */
    tokens->n_tokens = 0;
    t = model->tokenizer;
    if (!t || t->kind != ALBERT_TOKENIZER_SENTENCEPIECE) return ALBERT_ERR_NO_TOKENIZER;
    if (text_len > ALBERT__MAX_TEXT) return ALBERT_ERR_TOO_LONG;
    memset(&r, 0, sizeof(r));
    if (albert__spm_encode(t, (const uint8_t *)text, text_len, &r) != 0) { albert__spm_result_free(&r); return ALBERT_ERR_MEMORY; }
    tokens->n_tokens = (int32_t)r.n_pieces;   /* < 2^31: at most one piece per normalized byte */
    if (tokens->capacity < r.n_pieces || (r.n_pieces > 0 && !tokens->ids)) {
        result = ALBERT_ERR_CAPACITY;
    } else {
        for (i = 0; i < r.n_pieces; i++) {
            size_t b, e;
            tokens->ids[i] = r.pieces[i].id;
            if (tokens->type_ids) tokens->type_ids[i] = 0;
            if (tokens->offsets) {
                albert__spm_input_range(&r, r.pieces[i].begin, r.pieces[i].end, &b, &e);
                tokens->offsets[2 * i] = (int32_t)b;
                tokens->offsets[2 * i + 1] = (int32_t)e;
            }
        }
    }
    albert__spm_result_free(&r);
    return result;
}

ALBERT_DEF const char *albert_token_piece(const albert_model *model, int32_t id, int32_t *length)
{
    const struct albert__tokenizer *t;
    if (length) *length = 0;
    if (!model || !(t = model->tokenizer) || id < 0 || (uint32_t)id >= t->n_pieces) return NULL;
    if (length) *length = (int32_t)(t->offsets[id + 1] - t->offsets[id]);
    return (const char *)(t->pieces + t->offsets[id]);
}

/* ---------------------------------------------------------------- AlbertTokenizer (HF) on top */
/* Python str.isdigit() (Numeric_Type Digit or Decimal): category Nd plus these. */
static int albert__is_digit(const albert__unicode *u, uint32_t cp)
{
    static const uint32_t other_digits[][2] = {
        {0xB2, 0xB3}, {0xB9, 0xB9}, {0x1369, 0x1371}, {0x19DA, 0x19DA}, {0x2070, 0x2070}, {0x2074, 0x2079},
        {0x2080, 0x2089}, {0x2460, 0x2468}, {0x2474, 0x247C}, {0x2488, 0x2490}, {0x24EA, 0x24EA}, {0x24F5, 0x24FD},
        {0x24FF, 0x24FF}, {0x2776, 0x277E}, {0x2780, 0x2788}, {0x278A, 0x2792}, {0x10A40, 0x10A43},
        {0x10E60, 0x10E68}, {0x11052, 0x1105A}, {0x1F100, 0x1F10A}};
    size_t i;
    if (cp >= '0' && cp <= '9') return 1;
    if (cp < 0x80) return 0;
    if (albert__unicode_category(u, cp) == ALBERT__UCAT_ND) return 1;
    for (i = 0; i < sizeof(other_digits) / sizeof(other_digits[0]); i++)
        if (cp >= other_digits[i][0] && cp <= other_digits[i][1]) return 1;
    return 0;
}

/* UTF-8 text in which each byte remembers the original byte range [begin, end) of the code point it encodes.
   One allocation (begin, end, then the bytes), grown as needed and reused from segment to segment. */
typedef struct albert__text {
    uint8_t *b;
    uint32_t *begin, *end;
    size_t n, cap;
} albert__text;

static void albert__text_free(albert__text *x)
{
    ALBERT_FREE(x->begin);
    memset(x, 0, sizeof(*x));
}

/* Makes room for `extra` more bytes; 0, or -1 when out of memory (or longer than ALBERT__MAX_TEXT). */
static int albert__text_reserve(albert__text *x, size_t extra)
{
    size_t cap;
    uint32_t *block;
    if (extra <= x->cap - x->n) return 0;
    if (extra > ALBERT__MAX_TEXT - x->n) return -1;
    cap = x->cap ? x->cap : 256;
    while (cap - x->n < extra) cap *= 2;
    if (cap > ((size_t)-1) / 9) return -1;
    block = (uint32_t *)ALBERT_MALLOC(cap * 9);
    if (!block) return -1;
    if (x->n) {
        memcpy(block, x->begin, x->n * sizeof(uint32_t));
        memcpy(block + cap, x->end, x->n * sizeof(uint32_t));
        memcpy((uint8_t *)(block + 2 * cap), x->b, x->n);
    }
    ALBERT_FREE(x->begin);
    x->begin = block;
    x->end = block + cap;
    x->b = (uint8_t *)(block + 2 * cap);
    x->cap = cap;
    return 0;
}

/* Appends the UTF-8 of cp, every byte from the original range [begin, end). 0, or -1 (memory). */
static int albert__text_push(albert__text *x, uint32_t cp, uint32_t begin, uint32_t end)
{
    size_t k, len;
    if (x->cap - x->n < 4 && albert__text_reserve(x, 4) != 0) return -1;
    len = albert__utf8_encode(cp, x->b + x->n);
    for (k = 0; k < len; k++) { x->begin[x->n + k] = begin; x->end[x->n + k] = end; }
    x->n += len;
    return 0;
}

/* The original range of bytes [b, e) of x (e == b: an empty range at b). */
static void albert__text_range(const albert__text *x, size_t b, size_t e, int32_t *begin, int32_t *end)
{
    if (x->n == 0) { *begin = *end = 0; return; }
    if (b >= x->n) { *begin = *end = (int32_t)x->end[x->n - 1]; return; }
    *begin = (int32_t)x->begin[b];
    *end = e > b ? (int32_t)x->end[(e <= x->n ? e : x->n) - 1] : *begin;
    if (*end < *begin) *end = *begin;
}

/* Scratch space of one albert_tokenize call, reused for every segment of the text and of the pair. */
typedef struct albert__tok_work {
    albert__ustr cps;             /* the text as code points, lowercased except for the special tokens */
    albert__text x;               /* one segment after preprocess_text, as UTF-8 */
    albert__spm_result spm;       /* its SentencePiece encoding */
} albert__tok_work;

static void albert__tok_work_free(albert__tok_work *w)
{
    albert__ustr_free(&w->cps);
    albert__text_free(&w->x);
    albert__spm_result_free(&w->spm);
}

/* AlbertTokenizer._tokenize's digit-comma rule for one piece ending in "<digit>,": re-encode the piece without
   its ',' and without any ▁, drop a leading ▁ the original piece did not have, then append ','. */
static int albert__digit_comma(const struct albert__tokenizer *t, const albert__spm_result *r, const albert__spm_piece *p,
                               int32_t begin, int32_t end, albert__ids *out)
{
    uint8_t *inner = (uint8_t *)ALBERT_MALLOC(p->end - p->begin + 1);
    size_t n = 0;
    uint32_t i;
    albert__spm_result sub;
    long j;
    int piece_starts_with_space, rc = 0;
    int32_t comma_id;
    const uint8_t *s = r->norm.b;
    if (!inner) return -1;
    memset(&sub, 0, sizeof(sub));
    piece_starts_with_space = p->end - p->begin >= 3 && s[p->begin] == 0xE2 && s[p->begin + 1] == 0x96 && s[p->begin + 2] == 0x81;
    for (i = p->begin; i < p->end - 1;) {
        if (p->end - 1 - i >= 3 && s[i] == 0xE2 && s[i + 1] == 0x96 && s[i + 2] == 0x81) { i += 3; continue; }
        inner[n++] = s[i++];
    }
    if (albert__spm_encode(t, inner, n, &sub) != 0) { ALBERT_FREE(inner); albert__spm_result_free(&sub); return -1; }
    for (j = 0; j < sub.n_pieces && rc == 0; j++) {
        albert__spm_piece q = sub.pieces[j];
        int32_t id = q.id;
        if (j == 0 && !piece_starts_with_space && q.end - q.begin >= 3 && sub.norm.b[q.begin] == 0xE2 &&
            sub.norm.b[q.begin + 1] == 0x96 && sub.norm.b[q.begin + 2] == 0x81) {
            if (q.end - q.begin == 3) continue;                    /* the piece was only ▁: dropped */
            q.begin += 3;                                          /* PieceToId of the rest (unknown if absent) */
            id = q.id == t->unk_id ? t->unk_id : albert__piece_id(t, sub.norm.b + q.begin, q.end - q.begin);
            if (id < 0) id = t->unk_id;
        }
        /* the pieces of the re-encoding all lie inside the original piece: give them its range */
        rc = albert__ids_push(out, id, begin, end);
    }
    comma_id = albert__piece_id(t, (const uint8_t *)",", 1);
    if (rc == 0) rc = albert__ids_push(out, comma_id >= 0 ? comma_id : t->unk_id, begin, end);
    ALBERT_FREE(inner);
    albert__spm_result_free(&sub);
    return rc;
}

/* AlbertTokenizer.preprocess_text and the lower() of _tokenize for one segment, step by step as Python does them
   (whole-string passes): appends the result to x as UTF-8. The general path, used when the fused one below
   meets a U+03A3, whose lowercase depends on its neighbours (Final_Sigma). 0, or -1 when out of memory. */
static int albert__preprocess_steps(const struct albert__tokenizer *t, const albert__ustr *segment, albert__text *x)
{
    const albert__unicode *u = &t->unicode;
    albert__ustr a, b;
    size_t i;
    int rc = -1;
    memset(&a, 0, sizeof(a)); memset(&b, 0, sizeof(b));

    /* remove_space: " ".join(text.strip().split()) */
    if (t->flags & ALBERT_TOKENIZER_REMOVE_SPACE) {
        int pending_space = 0;
        uint32_t space_begin = 0, space_end = 0;
        for (i = 0; i < segment->n; i++) {
            if (albert__unicode_is_space(u, segment->cp[i])) {
                if (!pending_space) { space_begin = segment->begin[i]; pending_space = 1; }
                space_end = segment->end[i];
                continue;
            }
            if (pending_space && a.n > 0 && albert__ustr_push(&a, ' ', space_begin, space_end) != 0) goto done;
            pending_space = 0;
            if (albert__ustr_push(&a, segment->cp[i], segment->begin[i], segment->end[i]) != 0) goto done;
        }
    } else {
        for (i = 0; i < segment->n; i++)
            if (albert__ustr_push(&a, segment->cp[i], segment->begin[i], segment->end[i]) != 0) goto done;
    }
    /* .replace("``", '"').replace("''", '"') */
    {
        static const uint32_t quotes[2] = {'`', '\''};
        int q;
        for (q = 0; q < 2; q++) {
            size_t w = 0;
            for (i = 0; i < a.n; i++) {
                if (a.cp[i] == quotes[q] && i + 1 < a.n && a.cp[i + 1] == quotes[q]) {
                    a.cp[w] = '"'; a.begin[w] = a.begin[i]; a.end[w] = a.end[i + 1];
                    w++; i++;
                } else {
                    a.cp[w] = a.cp[i]; a.begin[w] = a.begin[i]; a.end[w] = a.end[i];
                    w++;
                }
            }
            a.n = w;
        }
    }
    /* unless keep_accents: NFKD, then drop the code points with a combining class */
    if (!(t->flags & ALBERT_TOKENIZER_KEEP_ACCENTS)) {
        uint32_t buf[ALBERT__UNICODE_MAX_DECOMP];
        for (i = 0; i < a.n; i++) {
            int k, n = albert__unicode_decompose(u, a.cp[i], 1, buf);
            for (k = 0; k < n; k++)
                if (albert__unicode_combining(u, buf[k]) == 0 && albert__ustr_push(&b, buf[k], a.begin[i], a.end[i]) != 0)
                    goto done;
        }
        albert__ustr_free(&a);
        a = b;
        memset(&b, 0, sizeof(b));
    }
    /* do_lower_case: str.lower() */
    if (t->flags & ALBERT_TOKENIZER_LOWER_CASE) {
        if (albert__unicode_lower_string(u, &a, &b) != 0) goto done;
        albert__ustr_free(&a);
        a = b;
        memset(&b, 0, sizeof(b));
    }
    for (i = 0; i < a.n; i++)
        if (albert__text_push(x, a.cp[i], a.begin[i], a.end[i]) != 0) goto done;
    rc = 0;
done:
    albert__ustr_free(&a);
    albert__ustr_free(&b);
    return rc;
}

/* The same in one pass over the segment, code point by code point (every step but Final_Sigma is per code point,
   and collapsing whitespace never makes two quotes adjacent): ASCII through the tables of
   albert__fast_paths_init, the rest through the Unicode tables. Appends to x; 0 done, 1 a U+03A3 is to be
   lowercased (x is then incomplete: use albert__preprocess_steps), -1 out of memory. */
static int albert__preprocess_fused(const struct albert__tokenizer *t, const albert__ustr *segment, albert__text *x)
{
    const albert__unicode *u = &t->unicode;
    const int remove_space = (t->flags & ALBERT_TOKENIZER_REMOVE_SPACE) != 0;
    const int nfkd = !(t->flags & ALBERT_TOKENIZER_KEEP_ACCENTS);
    const int lower = (t->flags & ALBERT_TOKENIZER_LOWER_CASE) != 0;
    const uint32_t *cps = segment->cp;
    size_t i, n = segment->n;
    int pending_space = 0, any = 0;
    uint32_t space_begin = 0, space_end = 0;
    if (albert__text_reserve(x, n + 1) != 0) return -1;
    for (i = 0; i < n; i++) {
        uint32_t cp = cps[i], begin = segment->begin[i], end = segment->end[i];
        /* remove_space: whitespace runs become one ' ' between words, none at the ends */
        if (remove_space && (cp < 128 ? t->ascii_space[cp] : albert__unicode_is_space(u, cp))) {
            if (!pending_space) { space_begin = begin; pending_space = 1; }
            space_end = end;
            continue;
        }
        if (pending_space) {
            pending_space = 0;
            if (any && albert__text_push(x, ' ', space_begin, space_end) != 0) return -1;
        }
        any = 1;
        /* `` and '' -> " */
        if ((cp == '`' || cp == '\'') && i + 1 < n && cps[i + 1] == cp) {
            cp = '"';
            end = segment->end[++i];
        }
        if (cp < 128 && t->ascii_plain) {   /* NFKD and combining marks change nothing */
            if (x->n == x->cap && albert__text_reserve(x, 1) != 0) return -1;
            x->b[x->n] = (uint8_t)(lower ? t->ascii_lower[cp] : cp);
            x->begin[x->n] = begin;
            x->end[x->n] = end;
            x->n++;
        } else {
            uint32_t decomposed[ALBERT__UNICODE_MAX_DECOMP], lowered[3];
            int k, n_decomposed = 1;
            if (nfkd) n_decomposed = albert__unicode_decompose(u, cp, 1, decomposed);
            else decomposed[0] = cp;
            for (k = 0; k < n_decomposed; k++) {
                int j, n_lowered = 1;
                if (nfkd && albert__unicode_combining(u, decomposed[k]) != 0) continue;
                if (lower) {
                    if (decomposed[k] == 0x3A3) return 1;
                    n_lowered = albert__unicode_lower(u, decomposed[k], lowered);
                } else {
                    lowered[0] = decomposed[k];
                }
                for (j = 0; j < n_lowered; j++)
                    if (albert__text_push(x, lowered[j], begin, end) != 0) return -1;
            }
        }
    }
    return 0;
}

/* AlbertTokenizer._tokenize of one segment (text between special tokens), appending tokens to out. */
static int albert__albert_segment(const struct albert__tokenizer *t, const albert__ustr *segment, albert__ids *out,
                                  albert__tok_work *work)
{
    const albert__unicode *u = &t->unicode;
    albert__text *x = &work->x;
    albert__spm_result *r = &work->spm;
    long j;
    int rc;
    x->n = 0;
    rc = albert__preprocess_fused(t, segment, x);
    if (rc == 1) {
        x->n = 0;
        rc = albert__preprocess_steps(t, segment, x);
    }
    if (rc != 0) return -1;
    if (x->n == 0) return 0;
    if (albert__spm_encode(t, x->b, x->n, r) != 0) return -1;
    for (j = 0; j < r->n_pieces; j++) {
        const albert__spm_piece *p = &r->pieces[j];
        size_t in_b, in_e;
        int32_t begin, end;
        const uint8_t *s = r->norm.b + p->begin;
        size_t len = p->end - p->begin;
        albert__spm_input_range(r, p->begin, p->end, &in_b, &in_e);
        albert__text_range(x, in_b, in_e, &begin, &end);
        /* len(piece) > 1 and piece[-1] == "," and piece[-2].isdigit() */
        if (len >= 2 && s[len - 1] == ',') {
            size_t k = len - 1;
            uint32_t cp;
            while (k > 0 && (s[k - 1] & 0xC0) == 0x80) k--;
            if (k > 0) {
                k--;
                while (k > 0 && (s[k] & 0xC0) == 0x80) k--;
                albert__utf8_decode(s + k, len - 1 - k, &cp);
                if (albert__is_digit(u, cp)) {
                    if (albert__digit_comma(t, r, p, begin, end, out) != 0) return -1;
                    continue;
                }
            }
        }
        if (albert__ids_push(out, p->id, begin, end) != 0) return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- special tokens and the text pipeline */
/* The special token starting at s->cp[i], or NULL. */
static const albert__special *albert__special_at(const struct albert__tokenizer *t, const albert__ustr *s, size_t i)
{
    int k;
    if (s->cp[i] > 0xFF || !t->special_first[s->cp[i]]) return NULL;
    for (k = 0; k < t->n_specials; k++) {
        const albert__special *sp = &t->specials[k];
        size_t j;
        if (sp->len > s->n - i) continue;
        for (j = 0; j < sp->len; j++)
            if (s->cp[i + j] != sp->text[j]) break;
        if (j == sp->len) return sp;
    }
    return NULL;
}

/* The same at byte position pos of the UTF-8 text (decoding as it goes): the special token and, in *used, the
   bytes its text takes there; NULL if none starts at pos. */
static const albert__special *albert__special_at_text(const struct albert__tokenizer *t, const uint8_t *text, size_t len,
                                                      size_t pos, size_t *used)
{
    int k;
    for (k = 0; k < t->n_specials; k++) {
        const albert__special *sp = &t->specials[k];
        size_t j, p = pos;
        for (j = 0; j < sp->len && p < len; j++) {
            uint32_t cp;
            size_t n = albert__utf8_decode(text + p, len - p, &cp);
            if (cp != sp->text[j]) break;
            p += n;
        }
        if (j == sp->len) { *used = p - pos; return sp; }
    }
    return NULL;
}

/* Tokenizes one text (no [CLS]/[SEP]) as PreTrainedTokenizer.tokenize + convert_tokens_to_ids. */
static albert_result albert__tokenize_text(const struct albert__tokenizer *t, const uint8_t *text, size_t len,
                                           albert__ids *out, albert__tok_work *work)
{
    const albert__unicode *u = &t->unicode;
    albert__ustr *in = &work->cps;
    const int lower = (t->flags & ALBERT_TOKENIZER_LOWER_CASE) != 0;
    size_t i, pos = 0, seg_start;
    in->n = 0;
    if (!lower) {   /* just decode */
        if (albert__ustr_append_utf8(in, text, len, 0) != 0) return ALBERT_ERR_MEMORY;
        pos = len;
    } else if (albert__ustr_reserve(in, len) != 0) {   /* one code point per byte at most... */
        return ALBERT_ERR_MEMORY;
    }
    /* with do_lower_case: decode and lowercase every character except the special tokens' text, one at a time */
    while (pos < len) {
        uint8_t c = text[pos];
        uint32_t cp, buf[3];
        size_t used;
        int k, n;
        const albert__special *sp;
        if (c < 0x80 && t->ascii_plain && !t->special_first[c]) {
            if (in->n == in->cap && albert__ustr_reserve(in, 1) != 0) return ALBERT_ERR_MEMORY;
            in->cp[in->n] = t->ascii_lower[c];
            in->begin[in->n] = (uint32_t)pos;
            in->end[in->n] = (uint32_t)pos + 1;
            in->n++;
            pos++;
            continue;
        }
        used = albert__utf8_decode(text + pos, len - pos, &cp);
        if (cp <= 0xFF && t->special_first[cp] && (sp = albert__special_at_text(t, text, len, pos, &used)) != NULL) {
            size_t end = pos + used;   /* copied verbatim, one code point at a time */
            while (pos < end) {
                size_t n_bytes = albert__utf8_decode(text + pos, end - pos, &cp);
                if (albert__ustr_push(in, cp, (uint32_t)pos, (uint32_t)(pos + n_bytes)) != 0) return ALBERT_ERR_MEMORY;
                pos += n_bytes;
            }
            continue;
        }
        n = albert__unicode_lower(u, cp, buf);   /* ...but lower() may give more (U+0130: "i̇") */
        for (k = 0; k < n; k++)
            if (albert__ustr_push(in, buf[k], (uint32_t)pos, (uint32_t)(pos + used)) != 0) return ALBERT_ERR_MEMORY;
        pos += used;
    }
    /* split out the special tokens; a segment before an lstrip token loses its trailing whitespace */
    seg_start = 0;
    for (i = 0; i <= in->n;) {
        const albert__special *sp = i < in->n ? albert__special_at(t, in, i) : NULL;
        if (sp || i == in->n) {
            size_t seg_end = i;
            if (sp && sp->lstrip)
                while (seg_end > seg_start && albert__unicode_is_space(u, in->cp[seg_end - 1])) seg_end--;
            if (seg_end > seg_start) {
                albert__ustr seg;   /* a view into in */
                seg.cp = in->cp + seg_start;
                seg.begin = in->begin + seg_start;
                seg.end = in->end + seg_start;
                seg.n = seg.cap = seg_end - seg_start;
                if (t->kind == ALBERT_TOKENIZER_SENTENCEPIECE) {
                    if (albert__albert_segment(t, &seg, out, work) != 0) return ALBERT_ERR_MEMORY;
                } else {
#ifdef ALBERT__HAVE_WORDPIECE
                    albert_result wr = albert__wordpiece_encode(&t->wordpiece, u, &seg, albert__ids_push_callback, out);
                    if (wr != ALBERT_OK) return wr;
#else
                    return ALBERT_ERR_NO_TOKENIZER;
#endif
                }
            }
            if (i == in->n) break;
            if (albert__ids_push(out, sp->id, (int32_t)in->begin[i], (int32_t)in->end[i + sp->len - 1]) != 0)
                return ALBERT_ERR_MEMORY;
            i += sp->len;
            seg_start = i;
        } else {
            i++;
        }
    }
    return ALBERT_OK;
}

ALBERT_DEF albert_result albert_tokenize(const albert_model *model, const char *text, size_t text_len,
                                         const char *text_pair, size_t pair_len, int32_t max_tokens,
                                         albert_tokens *tokens)
{
    const struct albert__tokenizer *t;
    albert__ids a, b;
    albert__tok_work work;
    albert_result result;
    size_t n_special, n_a, n_b, total, i, k;
    if (!model || !tokens || (!text && text_len) || (!text_pair && pair_len) || max_tokens < 0 || tokens->capacity < 0 ||
        (!tokens->ids && tokens->capacity > 0))
        return ALBERT_ERR_ARGUMENT;   /* ids NULL with capacity 0: only the size is asked for */
    tokens->n_tokens = 0;
    t = model->tokenizer;
    if (!t) return ALBERT_ERR_NO_TOKENIZER;
    if (t->cls_id < 0 || t->sep_id < 0) return ALBERT_ERR_NO_TOKENIZER;
    if (text_len > ALBERT__MAX_TEXT || pair_len > ALBERT__MAX_TEXT) return ALBERT_ERR_TOO_LONG;
    memset(&a, 0, sizeof(a)); memset(&b, 0, sizeof(b)); memset(&work, 0, sizeof(work));
    result = albert__tokenize_text(t, (const uint8_t *)text, text_len, &a, &work);
    if (result == ALBERT_OK && text_pair) result = albert__tokenize_text(t, (const uint8_t *)text_pair, pair_len, &b, &work);
    albert__tok_work_free(&work);
    if (result != ALBERT_OK) goto done;

    /* truncation, longest first (HF truncate_sequences): one token at a time from the longer sequence, the
       pair on ties; a single sequence loses its tail */
    n_special = text_pair ? 3 : 2;
    n_a = a.n; n_b = b.n;
    if (max_tokens > 0 && n_a + n_b + n_special > (size_t)max_tokens) {
        size_t budget;
        if ((size_t)max_tokens < n_special) { result = ALBERT_ERR_ARGUMENT; goto done; }
        budget = (size_t)max_tokens - n_special;
        while (n_a + n_b > budget) {
            if (!text_pair || n_a > n_b) n_a--;
            else n_b--;
        }
    }
    /* [CLS] A [SEP] (B [SEP]), type 0 up to the first [SEP], 1 after; specials have the range -1, -1 */
    total = n_a + n_b + n_special;
    if (total > 0x7FFFFFFF) { result = ALBERT_ERR_TOO_LONG; goto done; }
    tokens->n_tokens = (int32_t)total;
    if ((size_t)tokens->capacity < total || !tokens->ids) { result = ALBERT_ERR_CAPACITY; goto done; }
    for (k = 0; k < total; k++) {
        int32_t id, begin = -1, end = -1;
        if (k == 0) id = t->cls_id;
        else if (k <= n_a) { i = k - 1; id = a.id[i]; begin = a.begin[i]; end = a.end[i]; }
        else if (k == n_a + 1 || k == total - 1) id = t->sep_id;
        else { i = k - n_a - 2; id = b.id[i]; begin = b.begin[i]; end = b.end[i]; }
        tokens->ids[k] = id;
        if (tokens->type_ids) tokens->type_ids[k] = k < n_a + 2 ? 0 : 1;
        if (tokens->offsets) { tokens->offsets[2 * k] = begin; tokens->offsets[2 * k + 1] = end; }
    }
    result = ALBERT_OK;
done:
    albert__ids_free(&a);
    albert__ids_free(&b);
    return result;
}

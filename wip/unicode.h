/* wip/unicode.h — Unicode character data for the tokenizers (to be pasted into albert.h's implementation
   section, after the model structs and before wip/wordpiece.h and wip/tokenizer.h).

   WHAT IT MATCHES
     Python 3.11's unicodedata (Unicode 14.0.0 — the version HF's reference tokenizers ran with) and str:
     unicodedata.category / combining / normalize("NFD" | "NFKD" | "NFC"), str.lower() (full mappings from
     SpecialCasing.txt, e.g. U+0130 -> "i" U+0307, and Final_Sigma for U+03A3 at string level), str.isspace().
     Code points that are unassigned in Unicode 14.0 read as category Cn, combining class 0, no mappings,
     exactly like Python's unicodedata (tools/gen-unicode.c keeps only code points with Age <= 14.0).

   THE uni.* TENSORS (written by tools/tok_unicode.c from the generated tools/tok_unicode_data.h)
     uni.stage1     u32 [4352]       block of each 256-code-point page: stage1[cp >> 8] < number of blocks
     uni.stage2     u8  [B x 256]    property record of each code point: stage2[block * 256 + (cp & 255)]
     uni.props      u8  [R x 4]      record: general category (ALBERT__UCAT_*), canonical combining class,
                                     flags (ALBERT__UFLAG_*), 0
     uni.nfd.index  u32 [N x 2]      full canonical decompositions (recursive, not reordered), sorted by code
     uni.nfd.data   u32 [D]          point: index row = {code point, offset into data | length << 24}
     uni.nfkd.index / uni.nfkd.data  full compatibility decompositions, only where they differ from NFD's
     uni.lower.index / uni.lower.data  str.lower() of one code point (no context), only where it changes
     uni.compose    u32 [C x 3]      canonical compositions {first, second, composite}, sorted by (first, second),
                                     without the composition exclusions (the primary composites of NFC)
     Hangul syllables are decomposed and composed algorithmically (not in the tables).
     Everything is validated once in albert__unicode_load; lookups afterwards never check bounds again.

   TEXT INPUT
     albert__utf8_decode reads strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF) and never
     reads past n: each byte that does not start a valid sequence reads as U+FFFD on its own. */

/* ---------------------------------------------------------------- Unicode: categories and flags */
enum {
    ALBERT__UCAT_CN = 0,   /* unassigned (the default) */
    ALBERT__UCAT_LU, ALBERT__UCAT_LL, ALBERT__UCAT_LT, ALBERT__UCAT_LM, ALBERT__UCAT_LO,
    ALBERT__UCAT_MN, ALBERT__UCAT_MC, ALBERT__UCAT_ME,
    ALBERT__UCAT_ND, ALBERT__UCAT_NL, ALBERT__UCAT_NO,
    ALBERT__UCAT_PC, ALBERT__UCAT_PD, ALBERT__UCAT_PS, ALBERT__UCAT_PE, ALBERT__UCAT_PI, ALBERT__UCAT_PF, ALBERT__UCAT_PO,
    ALBERT__UCAT_SM, ALBERT__UCAT_SC, ALBERT__UCAT_SK, ALBERT__UCAT_SO,
    ALBERT__UCAT_ZS, ALBERT__UCAT_ZL, ALBERT__UCAT_ZP,
    ALBERT__UCAT_CC, ALBERT__UCAT_CF, ALBERT__UCAT_CS, ALBERT__UCAT_CO,
    ALBERT__UCAT_COUNT
};
/* The two-letter names, in enum order (for tests and messages): "Cn", "Lu", ... */
static const char albert__ucat_names[ALBERT__UCAT_COUNT][3] = {
    "Cn", "Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf",
    "Po", "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co"
};
#define ALBERT__UCAT_IS_LETTER(c)      ((c) >= ALBERT__UCAT_LU && (c) <= ALBERT__UCAT_LO)
#define ALBERT__UCAT_IS_MARK(c)        ((c) >= ALBERT__UCAT_MN && (c) <= ALBERT__UCAT_ME)
#define ALBERT__UCAT_IS_NUMBER(c)      ((c) >= ALBERT__UCAT_ND && (c) <= ALBERT__UCAT_NO)
#define ALBERT__UCAT_IS_PUNCTUATION(c) ((c) >= ALBERT__UCAT_PC && (c) <= ALBERT__UCAT_PO)
#define ALBERT__UCAT_IS_OTHER(c)       ((c) == ALBERT__UCAT_CN || ((c) >= ALBERT__UCAT_CC && (c) <= ALBERT__UCAT_CO))

#define ALBERT__UFLAG_SPACE          0x01u  /* Python str.isspace(): category Zs or bidi class WS, B, S */
#define ALBERT__UFLAG_CASED          0x02u  /* DerivedCoreProperties Cased (for Final_Sigma) */
#define ALBERT__UFLAG_CASE_IGNORABLE 0x04u  /* DerivedCoreProperties Case_Ignorable (for Final_Sigma) */
#define ALBERT__UFLAG_NFD            0x08u  /* has a row in uni.nfd.index */
#define ALBERT__UFLAG_NFKD           0x10u  /* has a row in uni.nfkd.index */
#define ALBERT__UFLAG_LOWER          0x20u  /* has a row in uni.lower.index */
#define ALBERT__UFLAG_COMPOSE_SECOND 0x40u  /* is the second code point of some row of uni.compose */
#define ALBERT__UFLAG_ALL            0x7Fu

#define ALBERT__UNICODE_MAX_CP      0x10FFFFu
#define ALBERT__UNICODE_PAGE_SHIFT  8
#define ALBERT__UNICODE_PAGE_SIZE   256u
#define ALBERT__UNICODE_PAGES       (0x110000u >> ALBERT__UNICODE_PAGE_SHIFT)   /* 4352 */
#define ALBERT__UNICODE_MAX_DECOMP  32      /* longest full decomposition is 18 (U+FDFA); out[] buffers hold 32 */

/* Hangul syllables (Unicode 3.12) */
#define ALBERT__HANGUL_S_BASE  0xAC00u
#define ALBERT__HANGUL_L_BASE  0x1100u
#define ALBERT__HANGUL_V_BASE  0x1161u
#define ALBERT__HANGUL_T_BASE  0x11A7u
#define ALBERT__HANGUL_L_COUNT 19u
#define ALBERT__HANGUL_V_COUNT 21u
#define ALBERT__HANGUL_T_COUNT 28u
#define ALBERT__HANGUL_N_COUNT (ALBERT__HANGUL_V_COUNT * ALBERT__HANGUL_T_COUNT)   /* 588 */
#define ALBERT__HANGUL_S_COUNT (ALBERT__HANGUL_L_COUNT * ALBERT__HANGUL_N_COUNT)   /* 11172 */

/* A code point -> code point sequence table (uni.<name>.index + uni.<name>.data). */
typedef struct albert__unicode_map {
    const uint32_t *index;     /* [n_rows x 2]: code point, offset | length << 24 */
    uint32_t n_rows;
    const uint32_t *data;      /* [n_data] */
    uint32_t n_data;
} albert__unicode_map;

typedef struct albert__unicode {
    const uint32_t *stage1;    /* [ALBERT__UNICODE_PAGES] */
    const uint8_t *stage2;     /* [n_blocks x 256] */
    uint32_t n_blocks;
    const uint8_t *props;      /* [n_props x 4] */
    uint32_t n_props;
    albert__unicode_map nfd, nfkd, lower;
    const uint32_t *compose;   /* [n_compose x 3] */
    uint32_t n_compose;
} albert__unicode;

/* ---------------------------------------------------------------- UTF-8 */
/* Decodes one code point from s[0..n) (n >= 1) into *cp and returns the bytes used (1..4). Never reads past n.
   A byte that does not start a valid sequence (stray continuation, overlong form, surrogate, > U+10FFFF,
   truncated sequence) gives U+FFFD and uses exactly 1 byte. */
static size_t albert__utf8_decode(const uint8_t *s, size_t n, uint32_t *cp)
{
    uint32_t c = s[0], min_value;
    size_t len, i;
    if (c < 0x80) { *cp = c; return 1; }
    if (c >= 0xC2 && c <= 0xDF) { len = 2; c &= 0x1F; min_value = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; c &= 0x0F; min_value = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; c &= 0x07; min_value = 0x10000; }
    else { *cp = 0xFFFD; return 1; }
    if (len > n) { *cp = 0xFFFD; return 1; }
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) { *cp = 0xFFFD; return 1; }
        c = (c << 6) | (uint32_t)(s[i] & 0x3F);
    }
    if (c < min_value || c > ALBERT__UNICODE_MAX_CP || (c >= 0xD800 && c <= 0xDFFF)) { *cp = 0xFFFD; return 1; }
    *cp = c;
    return len;
}

/* Encodes cp (<= U+10FFFF; anything else is written as U+FFFD) into out; returns the byte count (1..4). */
static size_t albert__utf8_encode(uint32_t cp, uint8_t out[4])
{
    if (cp > ALBERT__UNICODE_MAX_CP) cp = 0xFFFD;
    if (cp < 0x80) { out[0] = (uint8_t)cp; return 1; }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | (cp >> 6)); out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (cp >> 12)); out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | (cp >> 18)); out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F)); out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/* ---------------------------------------------------------------- loading and validation */
static albert_result albert__unicode_load_map(albert__unicode_map *map, const albert_model *m, const char *index_name,
                                              const char *data_name, albert_error *e)
{
    const albert__tensor *ti = albert__find_tensor(m, index_name);
    const albert__tensor *td = albert__find_tensor(m, data_name);
    uint32_t i, prev_cp = 0;
    if (!ti || !td) return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: missing tensor %s", !ti ? index_name : data_name);
    if (ti->dtype != 5 || ti->ndim != 2 || ti->dims[1] != 2)
        return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: %s must be u32 [n x 2]", index_name);
    if (td->dtype != 5 || td->ndim != 1)
        return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: %s must be u32 [n]", data_name);
    map->index = (const uint32_t *)(const void *)ti->data;
    map->n_rows = ti->dims[0];
    map->data = (const uint32_t *)(const void *)td->data;
    map->n_data = td->dims[0];
    for (i = 0; i < map->n_data; i++)
        if (map->data[i] > ALBERT__UNICODE_MAX_CP)
            return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: %s[%u] is not a code point", data_name, (unsigned)i);
    for (i = 0; i < map->n_rows; i++) {
        uint32_t cp = map->index[2 * i], offset = map->index[2 * i + 1] & 0xFFFFFFu, length = map->index[2 * i + 1] >> 24;
        if (cp > ALBERT__UNICODE_MAX_CP || (i > 0 && cp <= prev_cp))
            return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: %s row %u: code points not increasing", index_name, (unsigned)i);
        if (length < 1 || length > ALBERT__UNICODE_MAX_DECOMP || offset > map->n_data || length > map->n_data - offset)
            return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: %s row %u: bad range", index_name, (unsigned)i);
        prev_cp = cp;
    }
    return ALBERT_OK;
}

/* Points u at the uni.* tensors of m and validates every byte that lookups will trust. */
static albert_result albert__unicode_load(albert__unicode *u, const albert_model *m, albert_error *e)
{
    const albert__tensor *t1 = albert__find_tensor(m, "uni.stage1");
    const albert__tensor *t2 = albert__find_tensor(m, "uni.stage2");
    const albert__tensor *tp = albert__find_tensor(m, "uni.props");
    const albert__tensor *tc = albert__find_tensor(m, "uni.compose");
    albert_result r;
    uint32_t i;
    memset(u, 0, sizeof(*u));
    if (!t1 || !t2 || !tp || !tc) return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: missing uni.* tables");
    if (t1->dtype != 5 || t1->ndim != 1 || t1->dims[0] != ALBERT__UNICODE_PAGES)
        return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: uni.stage1 must be u32 [%u]", (unsigned)ALBERT__UNICODE_PAGES);
    if (t2->dtype != 3 || t2->ndim != 2 || t2->dims[1] != ALBERT__UNICODE_PAGE_SIZE || t2->dims[0] == 0)
        return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: uni.stage2 must be u8 [n x 256]");
    if (tp->dtype != 3 || tp->ndim != 2 || tp->dims[1] != 4 || tp->dims[0] == 0 || tp->dims[0] > 256)
        return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: uni.props must be u8 [n <= 256 x 4]");
    if (tc->dtype != 5 || tc->ndim != 2 || tc->dims[1] != 3)
        return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: uni.compose must be u32 [n x 3]");
    u->stage1 = (const uint32_t *)(const void *)t1->data;
    u->stage2 = t2->data;
    u->n_blocks = t2->dims[0];
    u->props = tp->data;
    u->n_props = tp->dims[0];
    u->compose = (const uint32_t *)(const void *)tc->data;
    u->n_compose = tc->dims[0];
    for (i = 0; i < ALBERT__UNICODE_PAGES; i++)
        if (u->stage1[i] >= u->n_blocks)
            return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: uni.stage1[%u] out of range", (unsigned)i);
    for (i = 0; i < u->n_blocks * ALBERT__UNICODE_PAGE_SIZE; i++)
        if (u->stage2[i] >= u->n_props)
            return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: uni.stage2[%u] out of range", (unsigned)i);
    for (i = 0; i < u->n_props; i++) {
        const uint8_t *p = u->props + 4 * i;
        if (p[0] >= ALBERT__UCAT_COUNT || (p[2] & ~ALBERT__UFLAG_ALL) != 0 || p[3] != 0)
            return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: uni.props row %u invalid", (unsigned)i);
    }
    for (i = 0; i < u->n_compose; i++) {
        const uint32_t *c = u->compose + 3 * i;
        if (c[0] > ALBERT__UNICODE_MAX_CP || c[1] > ALBERT__UNICODE_MAX_CP || c[2] > ALBERT__UNICODE_MAX_CP ||
            (i > 0 && (c[0] < c[-3] || (c[0] == c[-3] && c[1] <= c[-2]))))
            return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: uni.compose row %u invalid or out of order", (unsigned)i);
    }
    if ((r = albert__unicode_load_map(&u->nfd, m, "uni.nfd.index", "uni.nfd.data", e)) != ALBERT_OK) return r;
    if ((r = albert__unicode_load_map(&u->nfkd, m, "uni.nfkd.index", "uni.nfkd.data", e)) != ALBERT_OK) return r;
    return albert__unicode_load_map(&u->lower, m, "uni.lower.index", "uni.lower.data", e);
}

/* ---------------------------------------------------------------- per code point */
/* The 4-byte property record of cp (code points above U+10FFFF read as U+10FFFE: a noncharacter, Cn). */
static const uint8_t *albert__unicode_record(const albert__unicode *u, uint32_t cp)
{
    uint32_t block;
    if (cp > ALBERT__UNICODE_MAX_CP) cp = 0x10FFFEu;
    block = u->stage1[cp >> ALBERT__UNICODE_PAGE_SHIFT];
    return u->props + 4u * u->stage2[(size_t)block * ALBERT__UNICODE_PAGE_SIZE + (cp & (ALBERT__UNICODE_PAGE_SIZE - 1))];
}

/* General category, an ALBERT__UCAT_* value (unicodedata.category). */
static int albert__unicode_category(const albert__unicode *u, uint32_t cp)
{
    return albert__unicode_record(u, cp)[0];
}

/* Canonical combining class (unicodedata.combining). */
static int albert__unicode_combining(const albert__unicode *u, uint32_t cp)
{
    return albert__unicode_record(u, cp)[1];
}

/* ALBERT__UFLAG_* bits of cp. */
static unsigned albert__unicode_flags(const albert__unicode *u, uint32_t cp)
{
    return albert__unicode_record(u, cp)[2];
}

/* Python str.isspace() of one code point. */
static int albert__unicode_is_space(const albert__unicode *u, uint32_t cp)
{
    return (albert__unicode_flags(u, cp) & ALBERT__UFLAG_SPACE) != 0;
}

/* The row of cp in map (binary search), or NULL. */
static const uint32_t *albert__unicode_map_find(const albert__unicode_map *map, uint32_t cp)
{
    uint32_t lo = 0, hi = map->n_rows;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2, key = map->index[2 * mid];
        if (key == cp) return map->index + 2 * mid;
        if (key < cp) lo = mid + 1; else hi = mid;
    }
    return NULL;
}

/* Copies the sequence of a map row into out; returns its length. */
static int albert__unicode_map_copy(const albert__unicode_map *map, const uint32_t *row, uint32_t *out)
{
    uint32_t offset = row[1] & 0xFFFFFFu, length = row[1] >> 24, i;
    for (i = 0; i < length; i++) out[i] = map->data[offset + i];
    return (int)length;
}

/* The full decomposition of one code point: NFKD (compat = 1) or NFD (compat = 0), recursive, including
   Hangul syllables, NOT canonically reordered (albert__unicode_normalize does that for strings). Writes 1..18
   code points (cp itself when it does not decompose) and returns the count. */
static int albert__unicode_decompose(const albert__unicode *u, uint32_t cp, int compat, uint32_t out[32])
{
    unsigned flags = albert__unicode_flags(u, cp);
    const uint32_t *row;
    if (cp - ALBERT__HANGUL_S_BASE < ALBERT__HANGUL_S_COUNT) {
        uint32_t s_index = cp - ALBERT__HANGUL_S_BASE, t = s_index % ALBERT__HANGUL_T_COUNT;
        out[0] = ALBERT__HANGUL_L_BASE + s_index / ALBERT__HANGUL_N_COUNT;
        out[1] = ALBERT__HANGUL_V_BASE + (s_index % ALBERT__HANGUL_N_COUNT) / ALBERT__HANGUL_T_COUNT;
        if (t == 0) return 2;
        out[2] = ALBERT__HANGUL_T_BASE + t;
        return 3;
    }
    if (compat && (flags & ALBERT__UFLAG_NFKD) && (row = albert__unicode_map_find(&u->nfkd, cp)) != NULL)
        return albert__unicode_map_copy(&u->nfkd, row, out);
    if ((flags & ALBERT__UFLAG_NFD) && (row = albert__unicode_map_find(&u->nfd, cp)) != NULL)
        return albert__unicode_map_copy(&u->nfd, row, out);
    out[0] = cp;
    return 1;
}

/* Python's str.lower() of one code point without context (U+03A3 gives U+03C3 here; the string-level
   albert__unicode_lower_string applies Final_Sigma). Writes 1..3 code points, returns the count. */
static int albert__unicode_lower(const albert__unicode *u, uint32_t cp, uint32_t out[3])
{
    const uint32_t *row;
    if ((albert__unicode_flags(u, cp) & ALBERT__UFLAG_LOWER) && (row = albert__unicode_map_find(&u->lower, cp)) != NULL &&
        (row[1] >> 24) <= 3)
        return albert__unicode_map_copy(&u->lower, row, out);
    out[0] = cp;
    return 1;
}

/* The primary composite of (first, second) as in NFC, or 0 if they do not compose. */
static uint32_t albert__unicode_compose(const albert__unicode *u, uint32_t first, uint32_t second)
{
    uint32_t lo = 0, hi = u->n_compose;
    if (first - ALBERT__HANGUL_L_BASE < ALBERT__HANGUL_L_COUNT && second - ALBERT__HANGUL_V_BASE < ALBERT__HANGUL_V_COUNT)
        return ALBERT__HANGUL_S_BASE + ((first - ALBERT__HANGUL_L_BASE) * ALBERT__HANGUL_V_COUNT +
                                        (second - ALBERT__HANGUL_V_BASE)) * ALBERT__HANGUL_T_COUNT;
    if (first - ALBERT__HANGUL_S_BASE < ALBERT__HANGUL_S_COUNT && (first - ALBERT__HANGUL_S_BASE) % ALBERT__HANGUL_T_COUNT == 0 &&
        second - ALBERT__HANGUL_T_BASE - 1 < ALBERT__HANGUL_T_COUNT - 1)
        return first + (second - ALBERT__HANGUL_T_BASE);
    if (!(albert__unicode_flags(u, second) & ALBERT__UFLAG_COMPOSE_SECOND)) return 0;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const uint32_t *c = u->compose + 3 * mid;
        if (c[0] == first && c[1] == second) return c[2];
        if (c[0] < first || (c[0] == first && c[1] < second)) lo = mid + 1; else hi = mid;
    }
    return 0;
}

/* ---------------------------------------------------------------- strings with an origin map */
/* A code point string in which every code point remembers the byte range [begin, end) of the original text it
   came from (so tokens can report offsets after normalization). Grows with ALBERT_MALLOC/ALBERT_FREE. */
typedef struct albert__ustr {
    uint32_t *cp;
    uint32_t *begin, *end;     /* byte offsets into the original text */
    size_t n, cap;
} albert__ustr;

static void albert__ustr_free(albert__ustr *s)
{
    ALBERT_FREE(s->cp); ALBERT_FREE(s->begin); ALBERT_FREE(s->end);
    s->cp = s->begin = s->end = NULL;
    s->n = s->cap = 0;
}

/* Makes room for `extra` more code points; 0 on success, -1 when out of memory (s unchanged). */
static int albert__ustr_reserve(albert__ustr *s, size_t extra)
{
    size_t cap;
    uint32_t *cp, *begin, *end;
    if (extra <= s->cap - s->n) return 0;
    if (extra > ((size_t)-1) / 8 - s->n) return -1;
    cap = s->cap ? s->cap : 16;
    while (cap - s->n < extra) cap = cap > ((size_t)-1) / 16 ? s->n + extra : cap * 2;
    if (cap > ((size_t)-1) / sizeof(uint32_t)) return -1;
    cp = (uint32_t *)ALBERT_MALLOC(cap * sizeof(uint32_t));
    begin = (uint32_t *)ALBERT_MALLOC(cap * sizeof(uint32_t));
    end = (uint32_t *)ALBERT_MALLOC(cap * sizeof(uint32_t));
    if (!cp || !begin || !end) { ALBERT_FREE(cp); ALBERT_FREE(begin); ALBERT_FREE(end); return -1; }
    if (s->n) {
        memcpy(cp, s->cp, s->n * sizeof(uint32_t));
        memcpy(begin, s->begin, s->n * sizeof(uint32_t));
        memcpy(end, s->end, s->n * sizeof(uint32_t));
    }
    ALBERT_FREE(s->cp); ALBERT_FREE(s->begin); ALBERT_FREE(s->end);
    s->cp = cp; s->begin = begin; s->end = end; s->cap = cap;
    return 0;
}

static int albert__ustr_push(albert__ustr *s, uint32_t cp, uint32_t begin, uint32_t end)
{
    if (s->n == s->cap && albert__ustr_reserve(s, 1) != 0) return -1;
    s->cp[s->n] = cp; s->begin[s->n] = begin; s->end[s->n] = end;
    s->n++;
    return 0;
}

/* Appends the code points of text[0..len) (offsets relative to text, plus base). len must be < 2^32 - base. */
static int albert__ustr_append_utf8(albert__ustr *s, const uint8_t *text, size_t len, uint32_t base)
{
    size_t pos = 0;
    if (albert__ustr_reserve(s, len) != 0) return -1;   /* at most one code point per byte */
    while (pos < len) {
        uint32_t cp;
        size_t used = albert__utf8_decode(text + pos, len - pos, &cp);
        s->cp[s->n] = cp; s->begin[s->n] = base + (uint32_t)pos; s->end[s->n] = base + (uint32_t)(pos + used);
        s->n++;
        pos += used;
    }
    return 0;
}

/* Stable sort of s[from..to) by combining class (the canonical ordering of one run of non-starters), as Python's
   insertion sort orders it. Short runs (real text) use insertion sort; long ones a counting sort, so that a text of
   many marks in a row cannot make this quadratic. 0, or -1 when out of memory. */
static int albert__ustr_sort_marks(const albert__unicode *u, albert__ustr *s, size_t from, size_t to)
{
    size_t i, n = to - from;
    if (n <= 32) {
        for (i = from + 1; i < to; i++) {
            uint32_t cp = s->cp[i], b = s->begin[i], e = s->end[i];
            int ccc = albert__unicode_combining(u, cp);
            size_t j = i;
            while (j > from && albert__unicode_combining(u, s->cp[j - 1]) > ccc) {
                s->cp[j] = s->cp[j - 1]; s->begin[j] = s->begin[j - 1]; s->end[j] = s->end[j - 1];
                j--;
            }
            s->cp[j] = cp; s->begin[j] = b; s->end[j] = e;
        }
        return 0;
    } else {
        size_t start[257];
        uint32_t *tmp = (uint32_t *)ALBERT_MALLOC(3 * n * sizeof(uint32_t));
        if (!tmp) return -1;
        memset(start, 0, sizeof(start));
        for (i = from; i < to; i++) start[albert__unicode_combining(u, s->cp[i]) + 1]++;
        for (i = 1; i < 257; i++) start[i] += start[i - 1];
        for (i = from; i < to; i++) {
            size_t k = start[albert__unicode_combining(u, s->cp[i])]++;
            tmp[k] = s->cp[i]; tmp[n + k] = s->begin[i]; tmp[2 * n + k] = s->end[i];
        }
        for (i = 0; i < n; i++) { s->cp[from + i] = tmp[i]; s->begin[from + i] = tmp[n + i]; s->end[from + i] = tmp[2 * n + i]; }
        ALBERT_FREE(tmp);
        return 0;
    }
}

/* out = NFD (compat = 0) or NFKD (compat = 1) of in (unicodedata.normalize), appended to out. Decomposed code
   points keep the origin range of the code point they came from. Returns 0, or -1 when out of memory. */
static int albert__unicode_decompose_string(const albert__unicode *u, const albert__ustr *in, int compat, albert__ustr *out)
{
    size_t i, run_start = out->n;
    uint32_t buf[ALBERT__UNICODE_MAX_DECOMP];
    for (i = 0; i < in->n; i++) {
        int k, n = albert__unicode_decompose(u, in->cp[i], compat, buf);
        if (albert__ustr_reserve(out, (size_t)n) != 0) return -1;
        for (k = 0; k < n; k++) {
            if (albert__unicode_combining(u, buf[k]) == 0) {
                if (out->n - run_start > 1 && albert__ustr_sort_marks(u, out, run_start, out->n) != 0) return -1;
                run_start = out->n + 1;
            }
            out->cp[out->n] = buf[k]; out->begin[out->n] = in->begin[i]; out->end[out->n] = in->end[i];
            out->n++;
        }
    }
    if (out->n > run_start + 1 && albert__ustr_sort_marks(u, out, run_start, out->n) != 0) return -1;
    return 0;
}

/* out = NFC of in (unicodedata.normalize("NFC")), appended to out: canonical decomposition, then canonical
   composition. A composite's origin range covers all the code points it was made of. 0, or -1 (memory). */
static int albert__unicode_nfc_string(const albert__unicode *u, const albert__ustr *in, albert__ustr *out)
{
    albert__ustr d;
    size_t i, starter = (size_t)-1;   /* output index of the last starter, if any */
    memset(&d, 0, sizeof(d));
    if (albert__unicode_decompose_string(u, in, 0, &d) != 0 || albert__ustr_reserve(out, d.n) != 0) {
        albert__ustr_free(&d);
        return -1;
    }
    for (i = 0; i < d.n; i++) {
        uint32_t cp = d.cp[i];
        int ccc = albert__unicode_combining(u, cp);
        if (starter != (size_t)-1) {
            /* Not blocked: cp directly follows the starter, or the last code point written (a non-starter,
               since every starter becomes `starter`) has a lower combining class than cp. */
            size_t last = out->n - 1;
            int blocked = last != starter && albert__unicode_combining(u, out->cp[last]) >= ccc;
            uint32_t composite = blocked ? 0 : albert__unicode_compose(u, out->cp[starter], cp);
            if (composite != 0) {
                out->cp[starter] = composite;
                if (d.begin[i] < out->begin[starter]) out->begin[starter] = d.begin[i];
                if (d.end[i] > out->end[starter]) out->end[starter] = d.end[i];
                continue;
            }
        }
        if (ccc == 0) starter = out->n;
        out->cp[out->n] = cp; out->begin[out->n] = d.begin[i]; out->end[out->n] = d.end[i];
        out->n++;
    }
    albert__ustr_free(&d);
    return 0;
}

/* Python's Final_Sigma test for the U+03A3 at s->cp[i]: preceded by a cased letter (skipping case-ignorable code
   points) and not followed by one. */
static int albert__unicode_final_sigma(const albert__unicode *u, const uint32_t *cps, size_t n, size_t i)
{
    size_t j = i;
    unsigned flags = 0;
    while (j > 0) {
        flags = albert__unicode_flags(u, cps[j - 1]);
        if (!(flags & ALBERT__UFLAG_CASE_IGNORABLE)) break;
        j--;
    }
    if (j == 0 || !(flags & ALBERT__UFLAG_CASED)) return 0;
    for (j = i + 1; j < n; j++) {
        flags = albert__unicode_flags(u, cps[j]);
        if (!(flags & ALBERT__UFLAG_CASE_IGNORABLE)) return !(flags & ALBERT__UFLAG_CASED);
    }
    return 1;
}

/* out = in.lower() as Python's str.lower() (full mappings, Final_Sigma), appended to out. 0, or -1 (memory). */
static int albert__unicode_lower_string(const albert__unicode *u, const albert__ustr *in, albert__ustr *out)
{
    size_t i;
    uint32_t buf[3];
    for (i = 0; i < in->n; i++) {
        int k, n;
        if (in->cp[i] == 0x3A3) {
            buf[0] = albert__unicode_final_sigma(u, in->cp, in->n, i) ? 0x3C2u : 0x3C3u;
            n = 1;
        } else {
            n = albert__unicode_lower(u, in->cp[i], buf);
        }
        if (albert__ustr_reserve(out, (size_t)n) != 0) return -1;
        for (k = 0; k < n; k++) {
            out->cp[out->n] = buf[k]; out->begin[out->n] = in->begin[i]; out->end[out->n] = in->end[i];
            out->n++;
        }
    }
    return 0;
}

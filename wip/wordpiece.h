/* wip/wordpiece.h — HuggingFace BertTokenizer (slow, transformers v4.34–v4.37) for WORDPIECE models (Chinese
   ALBERT), to be pasted into albert.h's implementation section after wip/unicode.h, before wip/tokenizer.h.

   INTERFACE (as wip/tokenizer.h asks): struct albert__tokenizer embeds an albert__wordpiece;
   albert__tokenizer_load calls albert__wordpiece_load for ALBERT_TOKENIZER_WORDPIECE models (after
   albert__unicode_load); albert__tokenize_text lowercases the text code point by code point and splits out the
   special tokens (PreTrainedTokenizer.tokenize), then calls albert__wordpiece_encode on each segment between
   them, which runs BertTokenizer._tokenize and reports each token through push(). ALBERT__HAVE_WORDPIECE
   tells wip/tokenizer.h that these exist.

   WHAT encode() REPRODUCES (one segment between special tokens); every step as the Python code does it:
     BasicTokenizer.tokenize: _clean_text (drop U+0000, U+FFFD and category C* except
       \t \n \r; \t \n \r and Zs become " "), _tokenize_chinese_chars (" " around CJK ideographs of the fixed
       ranges), unicodedata.normalize("NFC"), str.split() (Python whitespace, e.g. U+2028 too), then per word:
       lower() (string-level, with Final_Sigma) if LOWER_CASE, NFD + drop Mn if STRIP_ACCENTS, and a split
       around every punctuation character (ASCII !-/ :-@ [-` {-~ and category P*).
     WordpieceTokenizer: words longer than 100 code points -> [UNK]; else greedy longest-match-first with "##"
       continuations; a word with an unmatchable rest -> one [UNK].
   Offsets: byte range in the original text of the code points a token came from (normalization keeps an
   origin range per code point). Invalid UTF-8: each bad byte reads as U+FFFD, which _clean_text drops.
   (The whole pipeline, with the first-pass lower() and the special-token split, was checked against a Python
   transcription of transformers' code on all zh goldens and 3000 random texts; tests/test_wordpiece.c.)

   THE tok.* TENSORS OF A WORDPIECE MODEL (tools/tok_wordpiece.c)
     tok.pieces   u8  [total]   every vocab.txt line (without its line break), concatenated; id = line number
     tok.offsets  u32 [n+1]     entry i is tok.pieces[offsets[i] .. offsets[i+1]); n == vocab_size
     tok.wp_hash  u32 [slots]   open-addressing hash of the pieces: slots is a power of two, each slot holds
                                0 (empty) or id + 1; a piece is looked up from slot FNV-1a-32(bytes) & (slots - 1)
                                by linear probing until an empty slot. For duplicate lines the LAST id is stored
                                (HF's vocab dict keeps the last). At least one slot is empty. */

#define ALBERT__HAVE_WORDPIECE 1

/* Receives the tokens: push(ctx, id, begin, end) with the byte range [begin, end) of the token in the text;
   nonzero means out of memory. */
typedef int (*albert__wordpiece_push_fn)(void *ctx, int32_t id, int32_t begin, int32_t end);

/* ---------------------------------------------------------------- the vocabulary */
#define ALBERT__WORDPIECE_MAX_WORD_CHARS 100   /* BertTokenizer max_input_chars_per_word */
#define ALBERT__WORDPIECE_N_SPECIALS 5

/* Points into the model file only: nothing to free. */
typedef struct albert__wordpiece {
    const uint8_t *pieces;
    const uint32_t *offsets;       /* [n_pieces + 1] */
    uint32_t n_pieces;
    const uint32_t *hash;          /* [hash_mask + 1] */
    uint32_t hash_mask;
    uint32_t max_piece_bytes;      /* longest piece, to skip impossible lookups */
    uint32_t flags;                /* ALBERT_TOKENIZER_* */
    int32_t unk_id;
    int32_t special_ids[ALBERT__WORDPIECE_N_SPECIALS];   /* pad, unk, cls, sep, mask (-1 = none): never split */
} albert__wordpiece;

static uint32_t albert__fnv1a(uint32_t h, const uint8_t *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) { h ^= s[i]; h *= 16777619u; }
    return h;
}
#define ALBERT__FNV1A_INIT 2166136261u

/* Validates the tok.* tensors of a WordPiece model (see the comment at the top) and points wp at them. */
static albert_result albert__wordpiece_load(albert__wordpiece *wp, const albert_model *m, albert_error *e)
{
    const albert__tensor *tp = albert__find_tensor(m, "tok.pieces");
    const albert__tensor *to = albert__find_tensor(m, "tok.offsets");
    const albert__tensor *th = albert__find_tensor(m, "tok.wp_hash");
    const albert_config *cfg = &m->config;
    int32_t specials[ALBERT__WORDPIECE_N_SPECIALS];
    uint32_t i, n_empty = 0;
    memset(wp, 0, sizeof(*wp));
    if (!tp || !to || !th) return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: missing tok.pieces, tok.offsets or tok.wp_hash");
    if (tp->dtype != 3 || tp->ndim != 1 || to->dtype != 5 || to->ndim != 1 || th->dtype != 5 || th->ndim != 1)
        return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: tok.pieces must be u8 [n], tok.offsets and tok.wp_hash u32 [n]");
    if (to->dims[0] < 2 || to->dims[0] - 1 > 0x7FFFFFFFu || (int64_t)(to->dims[0] - 1) != (int64_t)cfg->vocab_size)
        return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: tok.offsets has %u entries, vocab_size is %d",
                            (unsigned)to->dims[0], (int)cfg->vocab_size);
    wp->pieces = tp->data;
    wp->offsets = (const uint32_t *)(const void *)to->data;
    wp->n_pieces = to->dims[0] - 1;
    if (wp->offsets[0] != 0 || wp->offsets[wp->n_pieces] != tp->dims[0])
        return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: tok.offsets does not span tok.pieces");
    for (i = 0; i < wp->n_pieces; i++) {
        if (wp->offsets[i + 1] < wp->offsets[i])
            return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: tok.offsets[%u] decreases", (unsigned)(i + 1));
        if (wp->offsets[i + 1] - wp->offsets[i] > wp->max_piece_bytes) wp->max_piece_bytes = wp->offsets[i + 1] - wp->offsets[i];
    }
    if (th->dims[0] < 2 || (th->dims[0] & (th->dims[0] - 1)) != 0)
        return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: tok.wp_hash size %u is not a power of two", (unsigned)th->dims[0]);
    wp->hash = (const uint32_t *)(const void *)th->data;
    wp->hash_mask = th->dims[0] - 1;
    for (i = 0; i <= wp->hash_mask; i++) {
        if (wp->hash[i] > wp->n_pieces)
            return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: tok.wp_hash[%u] is not a token id + 1", (unsigned)i);
        n_empty += wp->hash[i] == 0;
    }
    if (n_empty == 0) return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: tok.wp_hash has no empty slot");
    specials[0] = cfg->pad_id; specials[1] = cfg->unk_id; specials[2] = cfg->cls_id;
    specials[3] = cfg->sep_id; specials[4] = cfg->mask_id;
    for (i = 0; i < ALBERT__WORDPIECE_N_SPECIALS; i++) {
        if (specials[i] < -1 || specials[i] >= (int32_t)wp->n_pieces)
            return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: special token id %d out of range", (int)specials[i]);
        wp->special_ids[i] = specials[i];
    }
    if (cfg->unk_id < 0) return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: a WordPiece vocabulary needs an unknown token");
    wp->unk_id = cfg->unk_id;
    wp->flags = cfg->tokenizer_flags;
    return ALBERT_OK;
}

/* The id of the piece ("##" if continuation) + s[0..n), or -1. */
static int32_t albert__wordpiece_lookup(const albert__wordpiece *wp, int continuation, const uint8_t *s, size_t n)
{
    static const uint8_t hashes[2] = { '#', '#' };
    size_t prefix = continuation ? 2 : 0;
    uint32_t slot;
    if (n + prefix > wp->max_piece_bytes) return -1;
    slot = albert__fnv1a(albert__fnv1a(ALBERT__FNV1A_INIT, hashes, prefix), s, n) & wp->hash_mask;
    for (;; slot = (slot + 1) & wp->hash_mask) {
        uint32_t value = wp->hash[slot], start, length;
        if (value == 0) return -1;
        start = wp->offsets[value - 1];
        length = wp->offsets[value] - start;
        if (length == n + prefix && memcmp(wp->pieces + start, hashes, prefix) == 0 &&
            memcmp(wp->pieces + start + prefix, s, n) == 0)
            return (int32_t)(value - 1);
    }
}

/* ---------------------------------------------------------------- character classes (BertTokenizer) */
static int albert__bert_is_whitespace(const albert__unicode *u, uint32_t cp)
{
    return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || albert__unicode_category(u, cp) == ALBERT__UCAT_ZS;
}

static int albert__bert_is_control(const albert__unicode *u, uint32_t cp)
{
    if (cp == '\t' || cp == '\n' || cp == '\r') return 0;
    return ALBERT__UCAT_IS_OTHER(albert__unicode_category(u, cp));
}

static int albert__bert_is_punctuation(const albert__unicode *u, uint32_t cp)
{
    if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return 1;
    return ALBERT__UCAT_IS_PUNCTUATION(albert__unicode_category(u, cp));
}

static int albert__bert_is_chinese_char(uint32_t cp)
{
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF) ||
           (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

/* ---------------------------------------------------------------- encoding */
/* Scratch of one encode call (all freed at the end). */
typedef struct albert__wordpiece_work {
    albert__ustr clean, nfc, word, lowered, stripped, piece_text;
    uint8_t utf8[4 * ALBERT__WORDPIECE_MAX_WORD_CHARS];            /* UTF-8 of the current word */
    uint32_t utf8_pos[ALBERT__WORDPIECE_MAX_WORD_CHARS + 1];       /* byte offset of each of its code points */
    int32_t sub_id[ALBERT__WORDPIECE_MAX_WORD_CHARS];              /* its pieces, pushed once the word is done */
    uint32_t sub_begin[ALBERT__WORDPIECE_MAX_WORD_CHARS], sub_end[ALBERT__WORDPIECE_MAX_WORD_CHARS];
    albert__wordpiece_push_fn push;
    void *push_ctx;
} albert__wordpiece_work;

static void albert__wordpiece_work_free(albert__wordpiece_work *w)
{
    albert__ustr_free(&w->clean); albert__ustr_free(&w->nfc); albert__ustr_free(&w->word);
    albert__ustr_free(&w->lowered); albert__ustr_free(&w->stripped); albert__ustr_free(&w->piece_text);
}

/* WordpieceTokenizer on one word (a code point string with origins): greedy longest-match-first. */
static int albert__wordpiece_word(const albert__wordpiece *wp, albert__wordpiece_work *w, const albert__ustr *word)
{
    size_t i, start, n_sub = 0, bytes = 0;
    if (word->n == 0) return 0;
    if (word->n > ALBERT__WORDPIECE_MAX_WORD_CHARS)
        return w->push(w->push_ctx, wp->unk_id, (int32_t)word->begin[0], (int32_t)word->end[word->n - 1]);
    for (i = 0; i < word->n; i++) {
        w->utf8_pos[i] = (uint32_t)bytes;
        bytes += albert__utf8_encode(word->cp[i], w->utf8 + bytes);
    }
    w->utf8_pos[word->n] = (uint32_t)bytes;
    for (start = 0; start < word->n; n_sub++) {
        size_t end;
        int32_t id = -1;
        uint32_t b, e;
        for (end = word->n; end > start; end--) {
            id = albert__wordpiece_lookup(wp, start > 0, w->utf8 + w->utf8_pos[start], w->utf8_pos[end] - w->utf8_pos[start]);
            if (id >= 0) break;
        }
        if (id < 0)   /* an unmatchable rest: the whole word becomes one [UNK] */
            return w->push(w->push_ctx, wp->unk_id, (int32_t)word->begin[0], (int32_t)word->end[word->n - 1]);
        b = word->begin[start]; e = word->end[start];
        for (i = start + 1; i < end; i++) {
            if (word->begin[i] < b) b = word->begin[i];
            if (word->end[i] > e) e = word->end[i];
        }
        w->sub_id[n_sub] = id; w->sub_begin[n_sub] = b; w->sub_end[n_sub] = e;
        start = end;
    }
    for (i = 0; i < n_sub; i++)
        if (w->push(w->push_ctx, w->sub_id[i], (int32_t)w->sub_begin[i], (int32_t)w->sub_end[i]) != 0) return -1;
    return 0;
}

/* One whitespace-separated word of BasicTokenizer: lower, strip accents, split at punctuation, then WordPiece. */
static int albert__wordpiece_basic_word(const albert__wordpiece *wp, const albert__unicode *u, albert__wordpiece_work *w)
{
    const albert__ustr *text = &w->word;
    size_t i;
    int is_special = 0;
    /* never_split: a word equal to a special token's text is kept whole */
    for (i = 0; i < ALBERT__WORDPIECE_N_SPECIALS && !is_special; i++) {
        int32_t id = wp->special_ids[i];
        size_t k = 0, pos;
        if (id < 0) continue;
        pos = wp->offsets[id];
        while (k < text->n && pos < wp->offsets[id + 1]) {
            uint32_t cp;
            pos += albert__utf8_decode(wp->pieces + pos, wp->offsets[id + 1] - pos, &cp);
            if (cp != text->cp[k]) break;
            k++;
        }
        is_special = k == text->n && pos == wp->offsets[id + 1];
    }
    if (!is_special && (wp->flags & ALBERT_TOKENIZER_LOWER_CASE)) {
        w->lowered.n = 0;
        if (albert__unicode_lower_string(u, text, &w->lowered) != 0) return -1;
        text = &w->lowered;
    }
    if (!is_special && (wp->flags & ALBERT_TOKENIZER_STRIP_ACCENTS)) {
        albert__ustr *s = &w->stripped;
        size_t k = 0;
        s->n = 0;
        if (albert__unicode_decompose_string(u, text, 0, s) != 0) return -1;
        for (i = 0; i < s->n; i++)
            if (albert__unicode_category(u, s->cp[i]) != ALBERT__UCAT_MN) {
                s->cp[k] = s->cp[i]; s->begin[k] = s->begin[i]; s->end[k] = s->end[i];
                k++;
            }
        s->n = k;
        text = s;
    }
    /* punctuation split (and whitespace, where the final whitespace_tokenize would split) */
    w->piece_text.n = 0;
    for (i = 0; i <= text->n; i++) {
        int boundary = i == text->n, punctuation = 0;
        if (!boundary && !is_special) {
            punctuation = albert__bert_is_punctuation(u, text->cp[i]);
            boundary = punctuation || albert__unicode_is_space(u, text->cp[i]);
        }
        if (!boundary) {
            if (albert__ustr_push(&w->piece_text, text->cp[i], text->begin[i], text->end[i]) != 0) return -1;
            continue;
        }
        if (albert__wordpiece_word(wp, w, &w->piece_text) != 0) return -1;
        w->piece_text.n = 0;
        if (punctuation) {
            if (albert__ustr_push(&w->piece_text, text->cp[i], text->begin[i], text->end[i]) != 0 ||
                albert__wordpiece_word(wp, w, &w->piece_text) != 0)
                return -1;
            w->piece_text.n = 0;
        }
    }
    return 0;
}

/* BertTokenizer._tokenize (BasicTokenizer + WordPiece) of one segment between special tokens (already lowercased
   code point by code point when do_lower_case, as PreTrainedTokenizer.tokenize does); each token goes to
   push(ctx, id, begin, end). ALBERT_OK or ALBERT_ERR_MEMORY. Thread-safe (w is only read). */
static albert_result albert__wordpiece_encode(const albert__wordpiece *wp, const albert__unicode *u,
                                              const albert__ustr *segment, albert__wordpiece_push_fn push, void *ctx)
{
    albert__wordpiece_work *w = (albert__wordpiece_work *)ALBERT_MALLOC(sizeof(albert__wordpiece_work));
    size_t i;
    int failed = 0;
    if (!w) return ALBERT_ERR_MEMORY;
    memset(w, 0, sizeof(*w));
    w->push = push;
    w->push_ctx = ctx;
    for (i = 0; i < segment->n && !failed; i++) {   /* _clean_text + _tokenize_chinese_chars */
        uint32_t cp = segment->cp[i], b = segment->begin[i], e = segment->end[i];
        int chinese;
        if (cp == 0 || cp == 0xFFFD || albert__bert_is_control(u, cp)) continue;
        if (albert__bert_is_whitespace(u, cp)) cp = ' ';
        chinese = (wp->flags & ALBERT_TOKENIZER_CHINESE_CHARS) && albert__bert_is_chinese_char(cp);
        if (chinese && albert__ustr_push(&w->clean, ' ', b, b) != 0) failed = 1;
        if (albert__ustr_push(&w->clean, cp, b, e) != 0) failed = 1;
        if (chinese && albert__ustr_push(&w->clean, ' ', e, e) != 0) failed = 1;
    }
    if (!failed && albert__unicode_nfc_string(u, &w->clean, &w->nfc) != 0) failed = 1;
    for (i = 0; i <= w->nfc.n && !failed; i++) {   /* str.split() */
        if (i == w->nfc.n || albert__unicode_is_space(u, w->nfc.cp[i])) {
            if (w->word.n && albert__wordpiece_basic_word(wp, u, w) != 0) failed = 1;
            w->word.n = 0;
        } else if (albert__ustr_push(&w->word, w->nfc.cp[i], w->nfc.begin[i], w->nfc.end[i]) != 0) {
            failed = 1;
        }
    }
    albert__wordpiece_work_free(w);
    ALBERT_FREE(w);
    return failed ? ALBERT_ERR_MEMORY : ALBERT_OK;
}

/* tok_json.c - HuggingFace "fast" tokenizer files (tokenizer.json, the tokenizers library's serialization) ->
   the model file's tok.* tensors, for repos that ship no spiece.model / vocab.txt.

   Two forms, as transformers' convert_slow_tokenizer writes them for ALBERT and BERT checkpoints:
   Unigram (AlbertTokenizerFast / SpmConverter)
     model          {"type":"Unigram","unk_id":N,"vocab":[[piece,score],...],"byte_fallback":bool}
     normalizer     a Sequence (or one step) of, in this order, any of: Replace "``"->'"' with Replace "''"->'"',
                    NFKD, StripAccents, Lowercase, Precompiled (base64 "precompiled_charsmap"),
                    Replace Regex " {2,}" -> " "
     pre_tokenizer  Metaspace (replacement "▁"; add_prefix_space / prepend_scheme always|first|never; split true)
     -> tok.pieces/offsets/scores/types/spm_flags/charsmap/trie (the SentencePiece layout), tok.scores64 (the
        exact f64 scores, which tokenizers' Viterbi adds in f64) and ALBERT_TOKENIZER2_* flags (header byte 152)
        that make albert.h run tokenizers' pipeline instead of the slow AlbertTokenizer's.
   WordPiece (BertTokenizerFast)
     model          {"type":"WordPiece","unk_token":"[UNK]","continuing_subword_prefix":"##",
                    "max_input_chars_per_word":100,"vocab":{token:id}}
     normalizer     BertNormalizer (clean_text true, handle_chinese_chars, strip_accents, lowercase)
     pre_tokenizer  BertPreTokenizer
     -> the same tensors as a vocab.txt (tok_wordpiece.c) with the BertTokenizer flags.
   Both: post_processor TemplateProcessing "[CLS] $A [SEP]" / "[CLS] $A:0 [SEP]:0 $B:1 [SEP]:1" (or
   BertProcessing), and added_tokens that are the special tokens pad / unk / cls / sep / mask (special, not
   normalized, no single_word / rstrip; lstrip only on the Unigram mask token). Everything else (BPE and
   WordLevel models, other normalizers, pre-tokenizers, post-processors, extra added tokens) is refused with a
   message naming it: never a silently different tokenizer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "json.h"

/* albert.h constants (the header's implementation is not included here) */
#define TJ_KIND_SENTENCEPIECE 1u
#define TJ_KIND_WORDPIECE 2u
#define TJ_LOWER_CASE (1u << 0)
#define TJ_STRIP_ACCENTS (1u << 3)
#define TJ_CHINESE_CHARS (1u << 4)
#define TJ2_FAST (1u << 0)
#define TJ2_QUOTES (1u << 1)
#define TJ2_NFKD (1u << 2)
#define TJ2_STRIP_MN (1u << 3)
#define TJ2_LOWER (1u << 4)
#define TJ2_PRECOMPILED (1u << 5)
#define TJ2_SPACES (1u << 6)
#define TJ2_PREPEND (1u << 7)
#define TJ2_PREPEND_FIRST (1u << 8)
#define TJ2_MASK_LSTRIP (1u << 9)
#define TJ_SPM_ADD_DUMMY_PREFIX 1u
#define TJ_SPM_ESCAPE_WHITESPACES 4u
#define TJ_SPM_BYTE_FALLBACK 8u
#define TJ_TYPE_NORMAL 1u
#define TJ_TYPE_UNKNOWN 2u
#define TJ_TYPE_BYTE 6u

#define TJ_MAX_FILE (512L << 20)

typedef struct tj {
    const char *name;
    json_document doc;
    const json_value *root, *model;
    char *err;
    uint32_t n;                    /* vocabulary size */
    const char **text;             /* [n] piece text (into doc), NUL-free */
    uint32_t *len;                 /* [n] */
    int32_t cls, sep, unk, pad, mask;
    uint32_t flags2;
} tj;

static int tj_fail(tj *t, const char *fmt, const char *arg)
{
    char message[400];
    snprintf(message, sizeof message, fmt, arg);
    snprintf(t->err, CK_ERR_LEN, "%s: %s", t->name, message);
    return -1;
}

static const char *tj_type(const tj *t, const json_value *v)
{
    const json_value *type = v && v->type == JSON_OBJECT ? json_get(&t->doc, v, "type") : NULL;
    return type && type->type == JSON_STRING ? type->string : NULL;
}

static int tj_is_true(const tj *t, const json_value *object, const char *key, int fallback)
{
    const json_value *v = json_get(&t->doc, object, key);
    if (!v || v->type == JSON_NULL) return fallback;
    return v->type == JSON_TRUE ? 1 : v->type == JSON_FALSE ? 0 : -1;
}

static int tj_is_string(const json_value *v, const char *s)
{
    return v && v->type == JSON_STRING && v->length == strlen(s) && memcmp(v->string, s, v->length) == 0;
}

/* Decodes standard base64 (RFC 4648, '=' padding, no whitespace) into a malloc'd buffer. */
int tok_json_base64(const char *s, size_t n, uint8_t **out, size_t *out_len)
{
    size_t i, o = 0, pad = 0;
    uint8_t *b;
    *out = NULL;
    *out_len = 0;
    if (n % 4 != 0) return -1;
    if (n >= 1 && s[n - 1] == '=') pad++;
    if (n >= 2 && s[n - 2] == '=') pad++;
    b = (uint8_t *)malloc(n / 4 * 3 + 1);
    if (!b) return -1;
    for (i = 0; i < n; i += 4) {
        uint32_t v = 0;
        int k;
        for (k = 0; k < 4; k++) {
            char c = s[i + k];
            uint32_t d;
            if (c >= 'A' && c <= 'Z') d = (uint32_t)(c - 'A');
            else if (c >= 'a' && c <= 'z') d = (uint32_t)(c - 'a' + 26);
            else if (c >= '0' && c <= '9') d = (uint32_t)(c - '0' + 52);
            else if (c == '+') d = 62;
            else if (c == '/') d = 63;
            else if (c == '=' && i + 4 == n && k >= 4 - (int)pad) d = 0;
            else { free(b); return -1; }
            v = v << 6 | d;
        }
        b[o++] = (uint8_t)(v >> 16);
        if (!(i + 4 == n && pad == 2)) b[o++] = (uint8_t)(v >> 8);
        if (!(i + 4 == n && pad >= 1)) b[o++] = (uint8_t)v;
        if (i + 4 == n && pad && (v & (pad == 2 ? 0xFFFFu : 0xFFu)) != 0) { free(b); return -1; }   /* stray bits */
    }
    *out = b;
    *out_len = o;
    return 0;
}

/* The id of piece text s, or -1 (linear: used for a handful of lookups). */
static int32_t tj_find(const tj *t, const char *s)
{
    uint32_t i, n = (uint32_t)strlen(s);
    for (i = 0; i < t->n; i++)
        if (t->len[i] == n && memcmp(t->text[i], s, n) == 0) return (int32_t)i;
    return -1;
}

static int tj_id(tj *t, const json_value *v, const char *what, int32_t *id)
{
    if (!v || v->type != JSON_NUMBER || !v->is_integer) return tj_fail(t, "%s must be an integer id", what);
    if (v->integer < 0 || v->integer >= (int64_t)t->n) {
        char message[256];
        snprintf(message, sizeof message, "%.120s = %lld is out of range (the vocabulary has %u entries)", what,
                 (long long)v->integer, t->n);
        return tj_fail(t, "%s", message);
    }
    *id = (int32_t)v->integer;
    return 0;
}

/* ---------------------------------------------------------------- the post-processor: [CLS] A [SEP] (B [SEP]) */
static int tj_template_special(tj *t, const json_value *item, int32_t type_id, int32_t *id)
{
    const json_value *sp = json_get(&t->doc, item, "SpecialToken"), *name, *type, *tokens, *entry, *ids;
    if (!sp) return -1;
    name = json_get(&t->doc, sp, "id");
    type = json_get(&t->doc, sp, "type_id");
    if (!name || name->type != JSON_STRING || !type || type->type != JSON_NUMBER || type->integer != type_id) return -1;
    tokens = json_get(&t->doc, json_get(&t->doc, json_get(&t->doc, t->root, "post_processor"), "special_tokens"),
                      name->string);
    ids = json_get(&t->doc, tokens, "ids");
    if (!ids || ids->type != JSON_ARRAY || ids->count != 1) return -1;
    entry = json_at(&t->doc, ids, 0);
    return tj_id(t, entry, "a post_processor special token id", id) == 0 ? 0 : -2;
}

static int tj_template_sequence(tj *t, const json_value *item, const char *which, int32_t type_id)
{
    const json_value *seq = json_get(&t->doc, item, "Sequence"), *type;
    if (!seq || !tj_is_string(json_get(&t->doc, seq, "id"), which)) return -1;
    type = json_get(&t->doc, seq, "type_id");
    return type && type->type == JSON_NUMBER && type->integer == type_id ? 0 : -1;
}

static int tj_post_processor(tj *t)
{
    const json_value *pp = json_get(&t->doc, t->root, "post_processor");
    const char *type = tj_type(t, pp);
    if (!type) return tj_fail(t, "%s", "no post_processor: a tokenizer that adds no [CLS] / [SEP] is not supported");
    if (strcmp(type, "BertProcessing") == 0) {
        const json_value *cls = json_get(&t->doc, pp, "cls"), *sep = json_get(&t->doc, pp, "sep");
        if (!cls || cls->type != JSON_ARRAY || cls->count != 2 || !sep || sep->type != JSON_ARRAY || sep->count != 2)
            return tj_fail(t, "%s", "BertProcessing needs \"cls\" and \"sep\" as [token, id]");
        if (tj_id(t, json_at(&t->doc, cls, 1), "post_processor cls id", &t->cls) != 0 ||
            tj_id(t, json_at(&t->doc, sep, 1), "post_processor sep id", &t->sep) != 0)
            return -1;
        return 0;
    }
    if (strcmp(type, "TemplateProcessing") == 0) {
        const json_value *single = json_get(&t->doc, pp, "single"), *pair = json_get(&t->doc, pp, "pair");
        int32_t a, b, c, d;
        int r;
        if (!single || single->type != JSON_ARRAY || single->count != 3 || !pair || pair->type != JSON_ARRAY ||
            pair->count != 5)
            return tj_fail(t, "%s", "post_processor TemplateProcessing: only \"[CLS] $A [SEP]\" with the pair "
                           "\"[CLS] $A:0 [SEP]:0 $B:1 [SEP]:1\" is supported");
        r = tj_template_special(t, json_at(&t->doc, single, 0), 0, &t->cls);
        if (r == 0) r = tj_template_sequence(t, json_at(&t->doc, single, 1), "A", 0);
        if (r == 0) r = tj_template_special(t, json_at(&t->doc, single, 2), 0, &t->sep);
        if (r == 0) r = tj_template_special(t, json_at(&t->doc, pair, 0), 0, &a);
        if (r == 0) r = tj_template_sequence(t, json_at(&t->doc, pair, 1), "A", 0);
        if (r == 0) r = tj_template_special(t, json_at(&t->doc, pair, 2), 0, &b);
        if (r == 0) r = tj_template_sequence(t, json_at(&t->doc, pair, 3), "B", 1);
        if (r == 0) r = tj_template_special(t, json_at(&t->doc, pair, 4), 1, &c);
        if (r == -2) return -1;
        d = t->sep;
        if (r != 0 || a != t->cls || b != d || c != d)
            return tj_fail(t, "%s", "post_processor TemplateProcessing: only \"[CLS] $A [SEP]\" with the pair "
                           "\"[CLS] $A:0 [SEP]:0 $B:1 [SEP]:1\" is supported");
        return 0;
    }
    return tj_fail(t, "post_processor %.60s is not supported (TemplateProcessing and BertProcessing are)", type);
}

/* ---------------------------------------------------------------- added tokens: the five specials */
static int tj_added_tokens(tj *t, int unigram)
{
    const json_value *list = json_get(&t->doc, t->root, "added_tokens"), *a;
    int seen_cls = 0, seen_sep = 0, seen_unk = 0;
    t->pad = t->mask = -1;
    if (list && list->type != JSON_NULL && list->type != JSON_ARRAY) return tj_fail(t, "%s", "added_tokens must be a list");
    for (a = json_first(&t->doc, list); a; a = json_next(&t->doc, a)) {
        const json_value *content = json_get(&t->doc, a, "content");
        int32_t id;
        int lstrip = tj_is_true(t, a, "lstrip", 0);
        char what[120];
        if (a->type != JSON_OBJECT || !content || content->type != JSON_STRING)
            return tj_fail(t, "%s", "every added token needs \"id\" and \"content\"");
        snprintf(what, sizeof what, "added token \"%.40s\" id", content->string);
        if (tj_id(t, json_get(&t->doc, a, "id"), what, &id) != 0) return -1;
        if (t->len[id] != content->length || memcmp(t->text[id], content->string, content->length) != 0)
            return tj_fail(t, "added token \"%.60s\" is not the vocabulary's entry with its id", content->string);
        if (tj_is_true(t, a, "special", 1) != 1 || tj_is_true(t, a, "normalized", 0) != 0 ||
            tj_is_true(t, a, "single_word", 0) != 0 || tj_is_true(t, a, "rstrip", 0) != 0 || lstrip < 0)
            return tj_fail(t, "added token \"%.60s\": only special, not normalized tokens without single_word or "
                           "rstrip are supported", content->string);
        if (id == t->cls) seen_cls = 1;
        else if (id == t->sep) seen_sep = 1;
        else if (id == t->unk) seen_unk = 1;
        else if (t->pad < 0 && (strcmp(content->string, "<pad>") == 0 || strcmp(content->string, "[PAD]") == 0)) t->pad = id;
        else if (t->mask < 0 && (strcmp(content->string, "[MASK]") == 0 || strcmp(content->string, "<mask>") == 0)) t->mask = id;
        else
            return tj_fail(t, "added token \"%.60s\" is not supported (only the pad, unk, cls, sep and mask specials "
                           "are)", content->string);
        if (lstrip) {
            if (!unigram || id != t->mask)
                return tj_fail(t, "added token \"%.60s\": lstrip is supported on the Unigram mask token only",
                               content->string);
            t->flags2 |= TJ2_MASK_LSTRIP;
        }
    }
    if (!seen_cls || !seen_sep || !seen_unk)
        return tj_fail(t, "%s", "the cls, sep and unk tokens must be added (special) tokens, as HF's converter writes them");
    return 0;
}

/* ---------------------------------------------------------------- Unigram */
static int tj_normalizer_step(tj *t, const json_value *step, uint32_t *order, const uint8_t **charsmap_b64,
                              size_t *charsmap_len, int *pending_quote)
{
    const char *type = tj_type(t, step);
    uint32_t flag = 0;
    if (!type) return tj_fail(t, "%s", "a normalizer without \"type\"");
    if (strcmp(type, "Replace") == 0) {
        const json_value *pattern = json_get(&t->doc, step, "pattern"), *content = json_get(&t->doc, step, "content");
        const json_value *str = json_get(&t->doc, pattern, "String"), *regex = json_get(&t->doc, pattern, "Regex");
        if (tj_is_string(str, "``") && tj_is_string(content, "\"") && *pending_quote == 0) { *pending_quote = 1; return 0; }
        if (tj_is_string(str, "''") && tj_is_string(content, "\"") && *pending_quote == 1) { *pending_quote = 2; flag = TJ2_QUOTES; }
        else if (tj_is_string(regex, " {2,}") && tj_is_string(content, " ")) flag = TJ2_SPACES;
        else return tj_fail(t, "%s", "normalizer Replace: only AlbertConverter's (\"``\" and \"''\" -> '\"', Regex \" {2,}\" "
                            "-> \" \") are supported");
    } else if (strcmp(type, "NFKD") == 0) flag = TJ2_NFKD;
    else if (strcmp(type, "StripAccents") == 0) flag = TJ2_STRIP_MN;
    else if (strcmp(type, "Lowercase") == 0) flag = TJ2_LOWER;
    else if (strcmp(type, "Precompiled") == 0) {
        const json_value *cm = json_get(&t->doc, step, "precompiled_charsmap");
        if (!cm || cm->type != JSON_STRING) return tj_fail(t, "%s", "Precompiled needs a base64 \"precompiled_charsmap\"");
        *charsmap_b64 = (const uint8_t *)cm->string;
        *charsmap_len = cm->length;
        flag = TJ2_PRECOMPILED;
    } else {
        return tj_fail(t, "normalizer %.60s is not supported with a Unigram model (Replace, NFKD, StripAccents, "
                       "Lowercase, Precompiled are)", type);
    }
    if (*pending_quote == 1) return tj_fail(t, "%s", "normalizer Replace \"``\" without the Replace \"''\" after it");
    /* the steps must come in the order albert.h runs them: quotes, NFKD, StripAccents, Lowercase, Precompiled, spaces */
    if ((*order & ~(flag - 1u)) != 0)
        return tj_fail(t, "normalizer %.60s comes in an order that is not supported (quotes, NFKD, StripAccents, "
                       "Lowercase, Precompiled, Replace \" {2,}\")", type);
    *order |= flag;
    return 0;
}

static int tj_unigram(tj *t, blob_writer *w, blob_config *cfg)
{
    const json_value *vocab = json_get(&t->doc, t->model, "vocab"), *entry, *norm, *pre, *step;
    const uint8_t *b64 = NULL;
    size_t b64_len = 0, charsmap_len = 0;
    uint8_t *charsmap = NULL;
    tok_piece *pieces = NULL;
    uint32_t *scores64 = NULL, i, order = 0, dims[2], spm_flags = TJ_SPM_ADD_DUMMY_PREFIX | TJ_SPM_ESCAPE_WHITESPACES;
    int byte_fallback = tj_is_true(t, t->model, "byte_fallback", 0), pending_quote = 0, rc = -1;
    const char *pre_type;

    if (!vocab || vocab->type != JSON_ARRAY || vocab->count < 1)
        return tj_fail(t, "%s", "the Unigram model needs a non-empty \"vocab\" list");
    if (byte_fallback < 0) return tj_fail(t, "%s", "byte_fallback must be true or false");
    t->n = (uint32_t)vocab->count;
    t->text = (const char **)calloc(t->n, sizeof(*t->text));
    t->len = (uint32_t *)calloc(t->n, sizeof(*t->len));
    pieces = (tok_piece *)calloc(t->n, sizeof(*pieces));
    scores64 = (uint32_t *)calloc(t->n, 2 * sizeof(uint32_t));
    if (!t->text || !t->len || !pieces || !scores64) { snprintf(t->err, CK_ERR_LEN, "out of memory"); goto done; }
    for (entry = json_first(&t->doc, vocab), i = 0; entry; entry = json_next(&t->doc, entry), i++) {
        const json_value *piece = json_at(&t->doc, entry, 0), *score = json_at(&t->doc, entry, 1);
        double s;
        uint64_t bits;
        if (entry->type != JSON_ARRAY || entry->count != 2 || !piece || piece->type != JSON_STRING || !score ||
            score->type != JSON_NUMBER || piece->length == 0 || strlen(piece->string) != piece->length) {
            char message[80];
            snprintf(message, sizeof message, "Unigram vocab entry %u is not [non-empty piece, score]", i);
            tj_fail(t, "%s", message);
            goto done;
        }
        s = score->number;
        if (!(s > -1e30 && s < 1e30)) { tj_fail(t, "%s", "a Unigram score is not a finite number"); goto done; }
        t->text[i] = piece->string;
        t->len[i] = (uint32_t)piece->length;
        pieces[i].bytes = (const uint8_t *)piece->string;
        pieces[i].len = (uint32_t)piece->length;
        pieces[i].score = (float)s;
        pieces[i].type = TJ_TYPE_NORMAL;
        memcpy(&bits, &s, 8);
        scores64[2 * i] = (uint32_t)bits;
        scores64[2 * i + 1] = (uint32_t)(bits >> 32);
        if (byte_fallback && piece->length == 6 && memcmp(piece->string, "<0x", 3) == 0 && piece->string[5] == '>' &&
            strchr("0123456789ABCDEF", piece->string[3]) && strchr("0123456789ABCDEF", piece->string[4]))
            pieces[i].type = TJ_TYPE_BYTE;
    }
    if (tj_id(t, json_get(&t->doc, t->model, "unk_id"), "Unigram unk_id", &t->unk) != 0) goto done;
    pieces[t->unk].type = TJ_TYPE_UNKNOWN;
    if (byte_fallback) spm_flags |= TJ_SPM_BYTE_FALLBACK;

    /* normalizer */
    norm = json_get(&t->doc, t->root, "normalizer");
    if (norm && norm->type != JSON_NULL) {
        const char *type = tj_type(t, norm);
        if (type && strcmp(type, "Sequence") == 0) {
            const json_value *list = json_get(&t->doc, norm, "normalizers");
            if (!list || list->type != JSON_ARRAY) { tj_fail(t, "%s", "normalizer Sequence without \"normalizers\""); goto done; }
            for (step = json_first(&t->doc, list); step; step = json_next(&t->doc, step))
                if (tj_normalizer_step(t, step, &order, &b64, &b64_len, &pending_quote) != 0) goto done;
        } else if (tj_normalizer_step(t, norm, &order, &b64, &b64_len, &pending_quote) != 0) {
            goto done;
        }
        if (pending_quote == 1) { tj_fail(t, "%s", "normalizer Replace \"``\" without the Replace \"''\" after it"); goto done; }
    }
    t->flags2 |= order;
    if (b64) {
        if (tok_json_base64((const char *)b64, b64_len, &charsmap, &charsmap_len) != 0) {
            tj_fail(t, "%s", "Precompiled precompiled_charsmap is not valid base64");
            goto done;
        }
        if (tok_check_charsmap(charsmap, charsmap_len, t->err, t->name) != 0) goto done;
    }

    /* pre-tokenizer: Metaspace */
    pre = json_get(&t->doc, t->root, "pre_tokenizer");
    pre_type = tj_type(t, pre);
    if (!pre_type || strcmp(pre_type, "Metaspace") != 0) {
        tj_fail(t, "pre_tokenizer %.60s is not supported with a Unigram model (Metaspace is)", pre_type ? pre_type : "null");
        goto done;
    }
    {
        const json_value *scheme = json_get(&t->doc, pre, "prepend_scheme");
        int add_prefix = tj_is_true(t, pre, "add_prefix_space", 1), split = tj_is_true(t, pre, "split", 1);
        if (!tj_is_string(json_get(&t->doc, pre, "replacement"), "\xE2\x96\x81") || add_prefix < 0 || split != 1) {
            tj_fail(t, "%s", "Metaspace: only the replacement \"\xE2\x96\x81\" with split true is supported");
            goto done;
        }
        if (add_prefix) {
            if (!scheme || scheme->type == JSON_NULL || tj_is_string(scheme, "always")) t->flags2 |= TJ2_PREPEND;
            else if (tj_is_string(scheme, "first")) t->flags2 |= TJ2_PREPEND_FIRST;
            else if (!tj_is_string(scheme, "never")) { tj_fail(t, "%s", "Metaspace: unknown prepend_scheme"); goto done; }
        }
    }
    if (tj_post_processor(t) != 0 || tj_added_tokens(t, 1) != 0) goto done;

    if (tok_write_unigram(w, pieces, t->n, spm_flags, charsmap, charsmap_len, t->name, t->err) != 0) goto done;
    dims[0] = t->n;
    dims[1] = 2;
    if (blob_add(w, "tok.scores64", BLOB_U32, 2, dims, scores64, (uint64_t)t->n * 8u, t->err) != 0) goto done;
    cfg->tokenizer_kind = TJ_KIND_SENTENCEPIECE;
    cfg->tokenizer_flags = 0;
    cfg->tokenizer_flags2 = t->flags2 | TJ2_FAST;
    rc = 0;
done:
    free(pieces);
    free(scores64);
    free(charsmap);
    return rc;
}

/* ---------------------------------------------------------------- WordPiece */
static int tj_wordpiece(tj *t, blob_writer *w, blob_config *cfg)
{
    const json_value *vocab = json_get(&t->doc, t->model, "vocab"), *member, *norm, *unk;
    const json_value *max_chars = json_get(&t->doc, t->model, "max_input_chars_per_word");
    uint8_t *bytes = NULL;
    uint32_t *offsets = NULL, i, total = 0, flags = 0;
    int rc = -1, lower, strip, chinese, clean;
    const char *norm_type, *pre_type;

    if (!vocab || vocab->type != JSON_OBJECT || vocab->count < 1)
        return tj_fail(t, "%s", "the WordPiece model needs a non-empty \"vocab\" object");
    if (!tj_is_string(json_get(&t->doc, t->model, "continuing_subword_prefix"), "##"))
        return tj_fail(t, "%s", "WordPiece: only the continuing_subword_prefix \"##\" is supported");
    if (max_chars && !(max_chars->type == JSON_NUMBER && max_chars->is_integer && max_chars->integer == 100))
        return tj_fail(t, "%s", "WordPiece: only max_input_chars_per_word 100 (BertTokenizer's) is supported");
    t->n = (uint32_t)vocab->count;
    t->text = (const char **)calloc(t->n, sizeof(*t->text));
    t->len = (uint32_t *)calloc(t->n, sizeof(*t->len));
    if (!t->text || !t->len) { snprintf(t->err, CK_ERR_LEN, "out of memory"); return -1; }
    for (member = json_first(&t->doc, vocab); member; member = json_next(&t->doc, member)) {
        int32_t id;
        char what[120];
        snprintf(what, sizeof what, "WordPiece vocab entry \"%.40s\"", member->key);
        if (tj_id(t, member, what, &id) != 0) return -1;
        if (t->text[id]) return tj_fail(t, "WordPiece vocab: two tokens have the id of \"%.60s\"", member->key);
        if (strlen(member->key) != member->key_length || member->key_length == 0)
            return tj_fail(t, "%s", "WordPiece vocab: an empty token or one with a NUL");
        t->text[id] = member->key;
        t->len[id] = (uint32_t)member->key_length;
        total += t->len[id];
    }
    unk = json_get(&t->doc, t->model, "unk_token");
    if (!unk || unk->type != JSON_STRING || (t->unk = tj_find(t, unk->string)) < 0)
        return tj_fail(t, "%s", "WordPiece: unk_token is missing or not in the vocabulary");

    norm = json_get(&t->doc, t->root, "normalizer");
    norm_type = tj_type(t, norm);
    if (!norm_type || strcmp(norm_type, "BertNormalizer") != 0)
        return tj_fail(t, "normalizer %.60s is not supported with a WordPiece model (BertNormalizer is)",
                       norm_type ? norm_type : "null");
    clean = tj_is_true(t, norm, "clean_text", 1);
    chinese = tj_is_true(t, norm, "handle_chinese_chars", 1);
    lower = tj_is_true(t, norm, "lowercase", 1);
    strip = tj_is_true(t, norm, "strip_accents", lower);
    if (clean != 1 || chinese < 0 || lower < 0 || strip < 0)
        return tj_fail(t, "%s", "BertNormalizer: only clean_text true is supported (and booleans elsewhere)");
    pre_type = tj_type(t, json_get(&t->doc, t->root, "pre_tokenizer"));
    if (!pre_type || strcmp(pre_type, "BertPreTokenizer") != 0)
        return tj_fail(t, "pre_tokenizer %.60s is not supported with a WordPiece model (BertPreTokenizer is)",
                       pre_type ? pre_type : "null");
    if (tj_post_processor(t) != 0 || tj_added_tokens(t, 0) != 0) return -1;

    bytes = (uint8_t *)malloc(total + 1);
    offsets = (uint32_t *)malloc(sizeof(uint32_t) * (t->n + 1));
    if (!bytes || !offsets) { snprintf(t->err, CK_ERR_LEN, "out of memory"); goto done; }
    for (i = 0, total = 0; i < t->n; i++) {
        offsets[i] = total;
        memcpy(bytes + total, t->text[i], t->len[i]);
        total += t->len[i];
    }
    offsets[t->n] = total;
    if (tok_write_wordpiece(w, bytes, offsets, t->n, cfg, t->name, t->err) != 0) goto done;
    if (lower) flags |= TJ_LOWER_CASE;
    if (strip) flags |= TJ_STRIP_ACCENTS;
    if (chinese) flags |= TJ_CHINESE_CHARS;
    cfg->tokenizer_kind = TJ_KIND_WORDPIECE;
    cfg->tokenizer_flags = flags;
    cfg->tokenizer_flags2 = 0;
    rc = 0;
done:
    free(bytes);
    free(offsets);
    return rc;
}

int tok_add_tokenizer_json_memory(blob_writer *w, const char *text, size_t size, const char *name, blob_config *cfg,
                                  char *err)
{
    tj t;
    char json_err[200];
    const char *type;
    int rc = -1;
    memset(&t, 0, sizeof t);
    t.name = name;
    t.err = err;
    t.cls = t.sep = t.unk = t.pad = t.mask = -1;
    if (json_parse(text, size, &t.doc, json_err, sizeof json_err) != 0) {
        snprintf(err, CK_ERR_LEN, "%s: not valid JSON: %s", name, json_err);
        return -1;
    }
    t.root = json_root(&t.doc);
    t.model = json_get(&t.doc, t.root, "model");
    type = tj_type(&t, t.model);
    if (t.root->type != JSON_OBJECT || !t.model) tj_fail(&t, "%s", "not a tokenizer.json (no \"model\")");
    else if (!type) tj_fail(&t, "%s", "the model has no \"type\"");
    else if (strcmp(type, "Unigram") == 0) rc = tj_unigram(&t, w, cfg);
    else if (strcmp(type, "WordPiece") == 0) rc = tj_wordpiece(&t, w, cfg);
    else tj_fail(&t, "tokenizer.json model %.40s is not supported (Unigram and WordPiece are)", type);
    if (rc == 0) {
        int i;
        cfg->special_ids[0] = t.pad;
        cfg->special_ids[1] = t.unk;
        cfg->special_ids[2] = t.cls;
        cfg->special_ids[3] = t.sep;
        cfg->special_ids[4] = t.mask;
        for (i = 5; i < 8; i++) cfg->special_ids[i] = -1;
        if (cfg->vocab_size == 0) cfg->vocab_size = t.n;
    }
    free(t.text);
    free(t.len);
    json_free(&t.doc);
    return rc;
}

int tok_add_tokenizer_json(blob_writer *w, const char *path, blob_config *cfg, char *err)
{
    FILE *f = fopen(path, "rb");
    long n;
    char *text;
    int rc;
    if (!f) { snprintf(err, CK_ERR_LEN, "%s: cannot open", path); return -1; }
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > TJ_MAX_FILE || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        snprintf(err, CK_ERR_LEN, "%s: cannot read (or larger than 512 MB)", path);
        return -1;
    }
    text = (char *)malloc((size_t)n + 1);
    if (!text || fread(text, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(text);
        snprintf(err, CK_ERR_LEN, "%s: cannot read", path);
        return -1;
    }
    fclose(f);
    text[n] = '\0';
    rc = tok_add_tokenizer_json_memory(w, text, (size_t)n, path, cfg, err);
    free(text);
    return rc;
}

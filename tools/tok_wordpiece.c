/* tok_wordpiece.c - reads a BERT vocab.txt (Chinese ALBERT) and writes the tok.* tensors of a WordPiece
   tokenizer (layout: albert.h (WordPiece part) "THE tok.* TENSORS OF A WORDPIECE MODEL").

   vocab.txt is read as HF's load_vocab reads it (Python text mode, UTF-8): one token per line, id = line number,
   lines end at "\n", "\r\n" or a lone "\r" (universal newlines; the break is not part of the token), a last
   line without a break still counts, a file ending in a break has no extra empty token. For a token that
   appears on several lines the vocab dict keeps the LAST id (the earlier ids still exist for id -> text).
   Special ids are looked up by name: [PAD] [UNK] [CLS] [SEP] [MASK]; [UNK], [CLS] and [SEP] must exist.
   The uni.* tables are added by the caller (albert-convert's write_tokenizer), not here.
   Header flags: BertTokenizer's defaults do_lower_case, strip_accents (follows lower case),
   tokenize_chinese_chars. Refused: invalid UTF-8 (Python would raise), an empty file, files over 1 GiB. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "convert.h"

#define WP_MAX_FILE (1u << 30)

/* albert.h (WordPiece part)'s constants (the header cannot be included here) */
#define WP_FLAGS ((1u << 0) | (1u << 3) | (1u << 4))   /* LOWER_CASE | STRIP_ACCENTS | CHINESE_CHARS */
#define WP_KIND 2                                     /* ALBERT_TOKENIZER_WORDPIECE */

static uint32_t wp_fnv1a(const uint8_t *s, size_t n)
{
    uint32_t h = 2166136261u;
    size_t i;
    for (i = 0; i < n; i++) { h ^= s[i]; h *= 16777619u; }
    return h;
}

/* Length of the valid UTF-8 sequence at s[0..n) (1..4), or 0 if it is not valid (strict, as Python's codec). */
static size_t wp_utf8_valid(const uint8_t *s, size_t n)
{
    uint32_t c = s[0], min_value;
    size_t len, i;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; c &= 0x1F; min_value = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; c &= 0x0F; min_value = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; c &= 0x07; min_value = 0x10000; }
    else return 0;
    if (len > n) return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        c = (c << 6) | (uint32_t)(s[i] & 0x3F);
    }
    if (c < min_value || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
    return len;
}

static int wp_read_file(const char *path, uint8_t **data, size_t *size, char *err)
{
    FILE *f = ck_fopen(path, "rb");
    long n;
    *data = NULL;
    if (!f) { snprintf(err, CK_ERR_LEN, "%s: cannot open", path); return -1; }
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        snprintf(err, CK_ERR_LEN, "%s: cannot read", path);
        return -1;
    }
    if ((unsigned long)n > WP_MAX_FILE) { fclose(f); snprintf(err, CK_ERR_LEN, "%s: larger than 1 GiB", path); return -1; }
    *data = (uint8_t *)malloc((size_t)n + 1);
    if (!*data || fread(*data, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(*data);
        *data = NULL;
        snprintf(err, CK_ERR_LEN, "%s: cannot read", path);
        return -1;
    }
    fclose(f);
    *size = (size_t)n;
    return 0;
}

/* The id the vocab dict gives to text (the last line equal to it), or -1. */
static int32_t wp_find(const uint8_t *pieces, const uint32_t *offsets, const uint32_t *hash, uint32_t mask, const char *text)
{
    size_t n = strlen(text);
    uint32_t slot = wp_fnv1a((const uint8_t *)text, n) & mask;
    for (; hash[slot] != 0; slot = (slot + 1) & mask) {
        uint32_t id = hash[slot] - 1;
        if (offsets[id + 1] - offsets[id] == n && memcmp(pieces + offsets[id], text, n) == 0) return (int32_t)id;
    }
    return -1;
}

int tok_add_wordpiece(blob_writer *w, const char *vocab_path, blob_config *cfg, char *err)
{
    uint8_t *file = NULL, *pieces = NULL;
    uint32_t *offsets = NULL, n = 0;
    size_t size = 0, pos, line_start, total = 0, max_lines = 1;
    int result = -1;

    if (wp_read_file(vocab_path, &file, &size, err) != 0) return -1;
    /* pass 1: validate UTF-8, count lines */
    for (pos = 0; pos < size;) {
        size_t len = wp_utf8_valid(file + pos, size - pos);
        if (len == 0) {
            snprintf(err, CK_ERR_LEN, "%s: invalid UTF-8 at byte %lu", vocab_path, (unsigned long)pos);
            goto done;
        }
        max_lines += file[pos] == '\n' || file[pos] == '\r';
        pos += len;
    }
    if (size == 0) { snprintf(err, CK_ERR_LEN, "%s: empty vocabulary", vocab_path); goto done; }
    pieces = (uint8_t *)malloc(size + 1);
    offsets = (uint32_t *)malloc((max_lines + 1) * sizeof(uint32_t));
    if (!pieces || !offsets) { snprintf(err, CK_ERR_LEN, "out of memory"); goto done; }
    /* pass 2: split lines (universal newlines) */
    offsets[0] = 0;
    line_start = 0;
    for (pos = 0; pos <= size; pos++) {
        size_t line_end = pos, next;
        if (pos < size && file[pos] != '\n' && file[pos] != '\r') continue;
        if (pos == size && line_start == size) break;               /* no empty token after a final break */
        next = pos + 1;
        if (pos < size && file[pos] == '\r' && pos + 1 < size && file[pos + 1] == '\n') next = pos + 2;
        memcpy(pieces + total, file + line_start, line_end - line_start);
        total += line_end - line_start;
        offsets[++n] = (uint32_t)total;
        line_start = next;
        pos = next - 1;
    }
    if (n > 0x7FFFFFFFu) { snprintf(err, CK_ERR_LEN, "%s: too many tokens", vocab_path); goto done; }
    result = tok_write_wordpiece(w, pieces, offsets, n, cfg, vocab_path, err);
done:
    free(file); free(pieces); free(offsets);
    return result;
}

int tok_write_wordpiece(blob_writer *w, const uint8_t *pieces, const uint32_t *offsets, uint32_t n, blob_config *cfg,
                        const char *vocab_path, char *err)
{
    static const char *special_names[5] = { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" };
    uint32_t *hash = NULL, slots, i, dims[1], total = offsets[n];
    int result = -1;
    /* the hash: power of two >= 2n, last id wins for duplicates */
    for (slots = 2; slots < 2 * n; slots *= 2) {}
    hash = (uint32_t *)calloc(slots, sizeof(uint32_t));
    if (!hash) { snprintf(err, CK_ERR_LEN, "out of memory"); goto done; }
    for (i = 0; i < n; i++) {
        uint32_t len = offsets[i + 1] - offsets[i], slot;
        if (len == 0) continue;   /* an empty line can never be looked up */
        slot = wp_fnv1a(pieces + offsets[i], len) & (slots - 1);
        for (; hash[slot] != 0; slot = (slot + 1) & (slots - 1)) {
            uint32_t other = hash[slot] - 1;
            if (offsets[other + 1] - offsets[other] == len && memcmp(pieces + offsets[other], pieces + offsets[i], len) == 0)
                break;   /* a duplicate line: replaced by the later id below */
        }
        hash[slot] = i + 1;
    }
    for (i = 0; i < 5; i++) cfg->special_ids[i] = wp_find(pieces, offsets, hash, slots - 1, special_names[i]);
    cfg->special_ids[5] = cfg->special_ids[6] = cfg->special_ids[7] = -1;
    for (i = 1; i <= 3; i++)
        if (cfg->special_ids[i] < 0) {
            snprintf(err, CK_ERR_LEN, "%s: the vocabulary has no %s token", vocab_path, special_names[i]);
            goto done;
        }
    cfg->vocab_size = n;   /* albert-convert's convention: the reader reports its size; the caller compares */
    cfg->tokenizer_kind = WP_KIND;
    cfg->tokenizer_flags = WP_FLAGS;

    dims[0] = (uint32_t)total;
    if (blob_add(w, "tok.pieces", BLOB_U8, 1, dims, pieces, total, err) != 0) goto done;
    dims[0] = n + 1;
    if (blob_add(w, "tok.offsets", BLOB_U32, 1, dims, offsets, (uint64_t)(n + 1) * 4u, err) != 0) goto done;
    dims[0] = slots;
    if (blob_add(w, "tok.wp_hash", BLOB_U32, 1, dims, hash, (uint64_t)slots * 4u, err) != 0) goto done;
    result = 0;
done:
    free(hash);
    return result;
}

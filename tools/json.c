/* json.c - see json.h. A recursive-descent parser over a length-bounded buffer: every read checks the
   position against the end, nothing assumes NUL termination. */
#include "json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_INPUT ((size_t)1 << 30)   /* 1 GiB: far above any config or safetensors header */

typedef struct json_parser {
    const char *text;
    size_t length;
    size_t pos;
    json_document *doc;
    int32_t capacity;        /* allocated entries of doc->values */
    size_t strings_used;
    char *err;
    size_t err_size;
} json_parser;

static int json__fail(json_parser *p, const char *format, ...)
{
    size_t line = 1, column = 1, i, used;
    va_list args;
    for (i = 0; i < p->pos && i < p->length; i++) {
        if (p->text[i] == '\n') { line++; column = 1; } else { column++; }
    }
    snprintf(p->err, p->err_size, "line %lu, column %lu: ", (unsigned long)line, (unsigned long)column);
    used = strlen(p->err);
    va_start(args, format);
    vsnprintf(p->err + used, p->err_size - used, format, args);
    va_end(args);
    return -1;
}

static void json__skip_space(json_parser *p)
{
    while (p->pos < p->length) {
        char c = p->text[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        p->pos++;
    }
}

/* Appends an empty value; returns its index or -1. */
static int32_t json__new_value(json_parser *p, json_type type)
{
    json_document *doc = p->doc;
    json_value *v;
    if (doc->n_values == p->capacity) {
        int32_t new_capacity;
        json_value *grown;
        if (p->capacity > INT32_MAX / 2) { json__fail(p, "too many values"); return -1; }
        new_capacity = p->capacity ? p->capacity * 2 : 64;
        grown = (json_value *)realloc(doc->values, (size_t)new_capacity * sizeof(json_value));
        if (!grown) { json__fail(p, "out of memory"); return -1; }
        doc->values = grown;
        p->capacity = new_capacity;
    }
    v = &doc->values[doc->n_values];
    memset(v, 0, sizeof(*v));
    v->type = type;
    v->first_child = -1;
    v->next_sibling = -1;
    return doc->n_values++;
}

static int json__hex4(json_parser *p, unsigned *out)
{
    unsigned value = 0;
    int i;
    if (p->length - p->pos < 4) return json__fail(p, "truncated \\u escape");
    for (i = 0; i < 4; i++) {
        char c = p->text[p->pos++];
        value <<= 4;
        if (c >= '0' && c <= '9') value |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') value |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') value |= (unsigned)(c - 'A' + 10);
        else return json__fail(p, "bad hex digit in \\u escape");
    }
    *out = value;
    return 0;
}

static size_t json__put_utf8(char *dst, unsigned cp)
{
    if (cp < 0x80) { dst[0] = (char)cp; return 1; }
    if (cp < 0x800) { dst[0] = (char)(0xC0 | (cp >> 6)); dst[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        dst[0] = (char)(0xE0 | (cp >> 12)); dst[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        dst[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    dst[0] = (char)(0xF0 | (cp >> 18)); dst[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    dst[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); dst[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Length of the valid UTF-8 sequence at s[0..available), or 0 if invalid (overlong, surrogate, > U+10FFFF). */
static size_t json__utf8_length(const unsigned char *s, size_t available)
{
    unsigned c = s[0];
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return (available >= 2 && (s[1] & 0xC0) == 0x80) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (available < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && s[1] < 0xA0) return 0;   /* overlong */
        if (c == 0xED && s[1] >= 0xA0) return 0;  /* UTF-16 surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (available < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80) return 0;
        if (c == 0xF0 && s[1] < 0x90) return 0;   /* overlong */
        if (c == 0xF4 && s[1] >= 0x90) return 0;  /* above U+10FFFF */
        return 4;
    }
    return 0;
}

/* Parses a string starting at the opening quote; the decoded text goes to the document's string buffer
   (decoded length <= raw length, and the NUL takes the place of the closing quote, so it always fits). */
static int json__string(json_parser *p, const char **out, size_t *out_length)
{
    char *dst = p->doc->strings + p->strings_used;
    size_t n = 0;
    p->pos++; /* opening quote */
    for (;;) {
        unsigned char c;
        if (p->pos >= p->length) return json__fail(p, "unterminated string");
        c = (unsigned char)p->text[p->pos];
        if (c == '"') { p->pos++; break; }
        if (c < 0x20) return json__fail(p, "control character in string");
        if (c == '\\') {
            char e;
            if (p->pos + 1 >= p->length) return json__fail(p, "unterminated string");
            e = p->text[p->pos + 1];
            p->pos += 2;
            switch (e) {
            case '"': dst[n++] = '"'; break;
            case '\\': dst[n++] = '\\'; break;
            case '/': dst[n++] = '/'; break;
            case 'b': dst[n++] = '\b'; break;
            case 'f': dst[n++] = '\f'; break;
            case 'n': dst[n++] = '\n'; break;
            case 'r': dst[n++] = '\r'; break;
            case 't': dst[n++] = '\t'; break;
            case 'u': {
                unsigned cp, low;
                if (json__hex4(p, &cp) != 0) return -1;
                if (cp >= 0xDC00 && cp <= 0xDFFF) return json__fail(p, "lone low surrogate in \\u escape");
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    if (p->length - p->pos < 2 || p->text[p->pos] != '\\' || p->text[p->pos + 1] != 'u')
                        return json__fail(p, "high surrogate without a low surrogate");
                    p->pos += 2;
                    if (json__hex4(p, &low) != 0) return -1;
                    if (low < 0xDC00 || low > 0xDFFF) return json__fail(p, "high surrogate without a low surrogate");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                }
                n += json__put_utf8(dst + n, cp);
                break;
            }
            default:
                p->pos--;
                return json__fail(p, "bad escape '\\%c'", e);
            }
        } else {
            size_t len = json__utf8_length((const unsigned char *)p->text + p->pos, p->length - p->pos);
            if (len == 0) return json__fail(p, "invalid UTF-8 in string");
            memcpy(dst + n, p->text + p->pos, len);
            n += len;
            p->pos += len;
        }
    }
    dst[n] = '\0';
    p->strings_used += n + 1;
    *out = dst;
    *out_length = n;
    return 0;
}

static int json__number(json_parser *p, json_value *v)
{
    size_t start = p->pos, length;
    int integral = 1;
    char buffer[128];
    const char *t = p->text;

    if (p->pos < p->length && t[p->pos] == '-') p->pos++;
    if (p->pos >= p->length || t[p->pos] < '0' || t[p->pos] > '9') return json__fail(p, "bad number");
    if (t[p->pos] == '0') p->pos++;
    else while (p->pos < p->length && t[p->pos] >= '0' && t[p->pos] <= '9') p->pos++;
    if (p->pos < p->length && t[p->pos] == '.') {
        integral = 0;
        p->pos++;
        if (p->pos >= p->length || t[p->pos] < '0' || t[p->pos] > '9') return json__fail(p, "bad number (digit expected after '.')");
        while (p->pos < p->length && t[p->pos] >= '0' && t[p->pos] <= '9') p->pos++;
    }
    if (p->pos < p->length && (t[p->pos] == 'e' || t[p->pos] == 'E')) {
        integral = 0;
        p->pos++;
        if (p->pos < p->length && (t[p->pos] == '+' || t[p->pos] == '-')) p->pos++;
        if (p->pos >= p->length || t[p->pos] < '0' || t[p->pos] > '9') return json__fail(p, "bad number (digit expected in exponent)");
        while (p->pos < p->length && t[p->pos] >= '0' && t[p->pos] <= '9') p->pos++;
    }
    length = p->pos - start;
    if (length >= sizeof(buffer)) { p->pos = start; return json__fail(p, "number too long"); }
    memcpy(buffer, t + start, length);
    buffer[length] = '\0';
    v->number = strtod(buffer, NULL);

    if (integral) {
        /* exact integer value, if it fits int64 */
        int negative = buffer[0] == '-';
        uint64_t magnitude = 0, limit = negative ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
        size_t i;
        int fits = 1;
        for (i = (size_t)negative; i < length; i++) {
            unsigned digit = (unsigned)(buffer[i] - '0');
            if (magnitude > (limit - digit) / 10u) { fits = 0; break; }
            magnitude = magnitude * 10u + digit;
        }
        if (fits) {
            v->is_integer = 1;
            if (!negative) v->integer = (int64_t)magnitude;
            else if (magnitude == (uint64_t)INT64_MAX + 1u) v->integer = INT64_MIN;
            else v->integer = -(int64_t)magnitude;
        }
    }
    return 0;
}

static int json__literal(json_parser *p, const char *word)
{
    size_t n = strlen(word);
    if (p->length - p->pos < n || memcmp(p->text + p->pos, word, n) != 0) return json__fail(p, "unexpected character");
    p->pos += n;
    return 0;
}

static int32_t json__value(json_parser *p, int depth);

/* Parses the elements (or members) of a container whose value index is `self`; p->pos is at '[' or '{'. */
static int json__container(json_parser *p, int32_t self, int depth, int is_object)
{
    char close = is_object ? '}' : ']';
    int32_t previous = -1, count = 0;
    p->pos++;
    json__skip_space(p);
    if (p->pos < p->length && p->text[p->pos] == close) { p->pos++; return 0; }
    for (;;) {
        const char *key = NULL;
        size_t key_length = 0;
        int32_t child;
        json__skip_space(p);
        if (is_object) {
            if (p->pos >= p->length || p->text[p->pos] != '"') return json__fail(p, "expected a member name (string)");
            if (json__string(p, &key, &key_length) != 0) return -1;
            json__skip_space(p);
            if (p->pos >= p->length || p->text[p->pos] != ':') return json__fail(p, "expected ':'");
            p->pos++;
        }
        child = json__value(p, depth + 1);
        if (child < 0) return -1;
        p->doc->values[child].key = key;
        p->doc->values[child].key_length = key_length;
        if (previous < 0) p->doc->values[self].first_child = child;
        else p->doc->values[previous].next_sibling = child;
        previous = child;
        if (count == INT32_MAX) return json__fail(p, "too many elements");
        count++;
        p->doc->values[self].count = count;
        json__skip_space(p);
        if (p->pos >= p->length) return json__fail(p, "unexpected end of input, expected ',' or '%c'", close);
        if (p->text[p->pos] == ',') { p->pos++; continue; }
        if (p->text[p->pos] == close) { p->pos++; return 0; }
        return json__fail(p, "expected ',' or '%c'", close);
    }
}

/* Parses one value at p->pos; returns its index or -1. */
static int32_t json__value(json_parser *p, int depth)
{
    int32_t index;
    char c;
    if (depth > JSON_MAX_DEPTH) { json__fail(p, "nested deeper than %d levels", JSON_MAX_DEPTH); return -1; }
    json__skip_space(p);
    if (p->pos >= p->length) { json__fail(p, "unexpected end of input, expected a value"); return -1; }
    c = p->text[p->pos];
    switch (c) {
    case '{':
    case '[':
        index = json__new_value(p, c == '{' ? JSON_OBJECT : JSON_ARRAY);
        if (index < 0 || json__container(p, index, depth, c == '{') != 0) return -1;
        return index;
    case '"': {
        const char *s;
        size_t n;
        index = json__new_value(p, JSON_STRING);
        if (index < 0 || json__string(p, &s, &n) != 0) return -1;
        p->doc->values[index].string = s;
        p->doc->values[index].length = n;
        return index;
    }
    case 't':
        index = json__new_value(p, JSON_TRUE);
        return (index < 0 || json__literal(p, "true") != 0) ? -1 : index;
    case 'f':
        index = json__new_value(p, JSON_FALSE);
        return (index < 0 || json__literal(p, "false") != 0) ? -1 : index;
    case 'n':
        index = json__new_value(p, JSON_NULL);
        return (index < 0 || json__literal(p, "null") != 0) ? -1 : index;
    default:
        if (c == '-' || (c >= '0' && c <= '9')) {
            index = json__new_value(p, JSON_NUMBER);
            if (index < 0 || json__number(p, &p->doc->values[index]) != 0) return -1;
            return index;
        }
        json__fail(p, "unexpected character");
        return -1;
    }
}

int json_parse(const char *text, size_t length, json_document *doc, char *err, size_t err_size)
{
    json_parser p;
    memset(doc, 0, sizeof(*doc));
    memset(&p, 0, sizeof(p));
    p.text = text;
    p.length = length;
    p.doc = doc;
    p.err = err;
    p.err_size = err_size;
    if (length > JSON_MAX_INPUT) { snprintf(err, err_size, "JSON text too large (%lu bytes)", (unsigned long)length); return -1; }
    if (length >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) p.pos = 3;  /* tolerate a UTF-8 byte order mark */
    doc->strings = (char *)malloc(length + 1);
    if (!doc->strings) { snprintf(err, err_size, "out of memory"); return -1; }
    if (json__value(&p, 0) < 0) { json_free(doc); return -1; }
    json__skip_space(&p);
    if (p.pos != p.length) { json__fail(&p, "unexpected text after the JSON value"); json_free(doc); return -1; }
    return 0;
}

void json_free(json_document *doc)
{
    if (!doc) return;
    free(doc->values);
    free(doc->strings);
    memset(doc, 0, sizeof(*doc));
}

const json_value *json_root(const json_document *doc)
{
    return doc->n_values > 0 ? &doc->values[doc->root] : NULL;
}

void json_set_root(json_document *doc, const json_value *value)
{
    if (value >= doc->values && value < doc->values + doc->n_values) doc->root = (int32_t)(value - doc->values);
}

const json_value *json_first(const json_document *doc, const json_value *container)
{
    if (!container || (container->type != JSON_ARRAY && container->type != JSON_OBJECT)) return NULL;
    return container->first_child >= 0 ? &doc->values[container->first_child] : NULL;
}

const json_value *json_next(const json_document *doc, const json_value *value)
{
    return value->next_sibling >= 0 ? &doc->values[value->next_sibling] : NULL;
}

const json_value *json_get(const json_document *doc, const json_value *object, const char *key)
{
    const json_value *member;
    size_t key_length = strlen(key);
    if (!object || object->type != JSON_OBJECT) return NULL;
    for (member = json_first(doc, object); member; member = json_next(doc, member)) {
        if (member->key_length == key_length && memcmp(member->key, key, key_length) == 0) return member;
    }
    return NULL;
}

const json_value *json_at(const json_document *doc, const json_value *array, int32_t index)
{
    const json_value *element;
    int32_t i = 0;
    if (!array || array->type != JSON_ARRAY || index < 0) return NULL;
    for (element = json_first(doc, array); element; element = json_next(doc, element), i++) {
        if (i == index) return element;
    }
    return NULL;
}

const char *json_type_name(json_type type)
{
    switch (type) {
    case JSON_NULL: return "null";
    case JSON_FALSE: case JSON_TRUE: return "a boolean";
    case JSON_NUMBER: return "a number";
    case JSON_STRING: return "a string";
    case JSON_ARRAY: return "an array";
    case JSON_OBJECT: return "an object";
    }
    return "?";
}

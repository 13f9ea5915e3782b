/* json.h - a small, bounds-checked JSON (RFC 8259) reader for the converter: config.json, tokenizer_config.json,
   safetensors headers.

   json_parse() reads the whole text into a tree of json_value nodes held in one array; children of an array or
   object are linked by index (first child, next sibling). Strings are decoded (escapes, surrogate pairs) into
   one buffer owned by the document and are NUL-terminated; a string may itself contain NUL bytes (from
   "\u0000"), so `length` is the authority. Input must be valid UTF-8; nesting is limited to JSON_MAX_DEPTH.
   Duplicate object keys are kept; json_get() returns the first. */
#ifndef ALBERT_JSON_H
#define ALBERT_JSON_H

#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 128

typedef enum json_type { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_type;

typedef struct json_value {
    json_type type;
    const char *key;        /* member name when this value is inside an object (decoded, NUL-terminated), else NULL */
    size_t key_length;
    const char *string;     /* JSON_STRING: decoded text, NUL-terminated */
    size_t length;          /* JSON_STRING: bytes of string */
    double number;          /* JSON_NUMBER: the value as a double */
    int is_integer;         /* JSON_NUMBER: written without fraction or exponent and within int64 range */
    int64_t integer;        /* JSON_NUMBER: the exact value when is_integer */
    int32_t count;          /* JSON_ARRAY / JSON_OBJECT: number of elements / members */
    int32_t first_child;    /* index of the first element / member, -1 if none */
    int32_t next_sibling;   /* index of the next element / member of the parent, -1 if last */
} json_value;

typedef struct json_document {
    json_value *values;     /* values[0] is the root */
    int32_t n_values;
    char *strings;          /* decoded strings and keys */
    int32_t root;           /* index of the value json_root() returns: 0 after json_parse (json_set_root moves it) */
} json_document;

/* Parses text[length]. Returns 0, or -1 with a message ("line L, column C: ...") in err[err_size]. */
int json_parse(const char *text, size_t length, json_document *doc, char *err, size_t err_size);
void json_free(json_document *doc);

const json_value *json_root(const json_document *doc);
/* Makes value (a value of doc) the root json_root() returns, e.g. a config nested under a key. */
void json_set_root(json_document *doc, const json_value *value);
/* The first member of object called key, or NULL (also when object is not a JSON_OBJECT). */
const json_value *json_get(const json_document *doc, const json_value *object, const char *key);
/* Iteration over the elements of an array or the members of an object: NULL at the end. */
const json_value *json_first(const json_document *doc, const json_value *container);
const json_value *json_next(const json_document *doc, const json_value *value);
/* The element at index of an array, or NULL. */
const json_value *json_at(const json_document *doc, const json_value *array, int32_t index);

const char *json_type_name(json_type type);

#endif

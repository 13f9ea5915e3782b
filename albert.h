/* albert.h - v0.1 - ALBERT ("A Lite BERT") inference in one C header. MIT licence (end of file).

   WHAT IT DOES
     Loads an ALBERT model file (a "blob", written by tools/albert-convert from a HuggingFace or Google
     checkpoint), maps it read-only into memory and uses the weights in place, then turns token ids (or
     text) into hidden states, pooled sentence vectors and head outputs, numerically matching
     HuggingFace transformers' AlbertModel.

   USE
     In exactly ONE .c file of your program:

         #define ALBERT_IMPLEMENTATION
         #include "albert.h"

     Everywhere else just #include "albert.h". Link with -lm -lpthread.

         albert_model *model; albert_context *ctx; albert_error err;
         if (albert_model_load("albert-base-v2.albert", &model, &err) != ALBERT_OK) {
             fprintf(stderr, "%s\n", err.message); return 1;
         }
         albert_context_params cp = albert_context_default_params();
         albert_context_create(model, &cp, &ctx);
         int32_t ids[] = {2, 48, 25, 21, 1289, 3};          // [CLS] this is a test [SEP]
         float *h = malloc(sizeof(float) * 6 * albert_model_config(model)->hidden_size);
         albert_encode(ctx, ids, NULL, 6, -1, h);           // last layer, [6 x H]
         ...
         albert_context_free(ctx); albert_model_free(model);

     From text (the model file carries the checkpoint's tokenizer):

         int32_t tok_ids[128], tok_types[128];
         albert_tokens tok = {tok_ids, tok_types, NULL, 128, 0};
         albert_tokenize(model, "Hello world!", 12, NULL, 0, 128, &tok);   // [CLS] hello world ! [SEP]

     albert_encode_batch() runs a padded batch and fills any of: one layer's hidden states, every layer,
     sentence vectors (mean / CLS / pooler, of any layer, optionally L2-normalized), the pooler output,
     masked-LM, sentence-order and classifier logits. Zero-initialize albert_batch and albert_outputs
     (memset or = {0}) and set what you use: fields added in later versions mean "as before" when 0.

   THREADS
     A loaded albert_model is immutable: share it between any number of threads. An albert_context holds
     all scratch memory of one forward pass (allocated once, when it is created) and must be used by one
     thread at a time: give each thread its own. The library has no global state.

   ERRORS
     Every function that can fail returns an albert_result. Nothing in the library prints, exits or
     aborts; a bad file or bad input gives an error code and a message (albert_error.message on load,
     albert_context_last_error() for calls on a context), never a crash, and no output is written.

   CONFIGURATION (define before including the implementation)
     ALBERT_STATIC          make every function static (a private copy per translation unit)
     ALBERT_MALLOC(n)       allocation functions, default malloc / free
     ALBERT_FREE(p)
     ALBERT_NO_THREADS      single-threaded build (no pthreads)
     ALBERT_NO_SIMD         portable scalar kernels only
     ALBERT_NO_MMAP         read the file into memory instead of mmap (for systems without mmap)

   THE MODEL FILE (blob), FORMAT VERSION 1
     All integers little-endian. The file is: a 256-byte header, then the tensor data and the tensor directory
     (in either order: the converter streams the data and writes the directory last). Tensors may not overlap
     the header or the directory; they may share bytes with each other (aliases).

     Header (offsets in bytes)
        0  u8[8]  magic "ALBERT.H"
        8  u32    format version = 1
       12  u32    endian marker 0x0A1B2C3D (a big-endian reader sees 0x3D2C1B0A)
       16  u64    file size in bytes (the whole file; detects truncation)
       24  u64    offset of the tensor directory (multiple of 8, >= 256)
       32  u32    number of directory entries
       36  u32    header size = 256
       40  u32    vocab_size                 V
       44  u32    embedding_size             E
       48  u32    hidden_size                H
       52  u32    num_hidden_layers          L
       56  u32    num_attention_heads        (divides H)
       60  u32    intermediate_size          I
       64  u32    num_hidden_groups          G (divides L)
       68  u32    inner_group_num
       72  u32    max_position_embeddings
       76  u32    type_vocab_size
       80  u32    hidden_act                 an albert_activation value
       84  f32    layer_norm_eps
       88  u32    num_labels                 classifier outputs (0 = no classifier head)
       92  u32    tokenizer kind             an albert_tokenizer_kind value (0 = none)
       96  u32    tokenizer flags            ALBERT_TOKENIZER_* bits
      100  i32[8] special token ids: pad, unk, cls, sep, mask, bos, eos, reserved (-1 = none)
      132  ...    reserved, must be zero (up to byte 256)

     Directory entry (80 bytes each)
        0  u8[32] name, NUL-padded, at least one NUL
       32  u32    dtype: 0 f32, 1 f16, 2 q8 (int8 rows, with a "<name>.scale" f32 tensor), 3 u8, 4 i32, 5 u32
       36  u32    layout: 0 row-major (PyTorch order: Linear weights are [out, in]); others reserved
       40  u32    number of dimensions (1..4)
       44  u32[4] dimensions (unused ones 0)
       60  u32    reserved, zero
       64  u64    data offset from the start of the file, a multiple of 64
       72  u64    data size in bytes = product of dimensions x dtype size

     Tensors (names; shapes in terms of the config; g = group, i = inner layer)
        emb.word [V,E]  emb.pos [P,E]  emb.type [T,E]  emb.norm.w [E]  emb.norm.b [E]
        proj.w [H,E]  proj.b [H]                                        (E -> H projection)
        g<g>.l<i>.q.w [H,H] .q.b [H] .k.w .k.b .v.w .v.b .o.w .o.b      (attention)
        g<g>.l<i>.attn_norm.w [H] .attn_norm.b [H]
        g<g>.l<i>.ffn.w [I,H] .ffn.b [I]  .ffn_out.w [H,I] .ffn_out.b [H]  .ffn_norm.w [H] .ffn_norm.b [H]
        pooler.w [H,H] pooler.b [H]                                     (optional)
        mlm.dense.w [E,H] mlm.dense.b [E] mlm.norm.w [E] mlm.norm.b [E] mlm.bias [V]   (optional; decoder = emb.word)
        sop.w [2,H] sop.b [2]                                           (optional)
        cls.w [num_labels,H] cls.b [num_labels] cls.labels u8 (NUL-terminated label names, in order)   (optional)
        tok.* and uni.*                                                 (tokenizer section, see the tokenizer part)
     Unknown names are ignored by this version (room for additions); every entry is still validated.
     A tokenizer-only file has hidden_size = 0 (and no encoder tensors): it can tokenize but not encode.
*/
#ifndef ALBERT_H
#define ALBERT_H

#include <stddef.h>
#include <stdint.h>

#ifdef ALBERT_STATIC   /* a private copy: unused functions are fine */
#if defined(__GNUC__) || defined(__clang__)
#define ALBERT_API static __attribute__((unused))
#else
#define ALBERT_API static
#endif
#else
#define ALBERT_API extern
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define ALBERT_VERSION_STRING "0.1.0"
#define ALBERT_FORMAT_VERSION 1

typedef enum albert_result {
    ALBERT_OK = 0,
    ALBERT_ERR_ARGUMENT,        /* a NULL pointer or an impossible argument */
    ALBERT_ERR_IO,              /* the file could not be opened, read or mapped */
    ALBERT_ERR_MAGIC,           /* not an albert.h model file */
    ALBERT_ERR_VERSION,         /* a format version this library does not read */
    ALBERT_ERR_FORMAT,          /* a corrupt, truncated or inconsistent model file */
    ALBERT_ERR_MEMORY,          /* out of memory */
    ALBERT_ERR_TOKEN_ID,        /* a token id < 0 or >= vocab_size */
    ALBERT_ERR_TYPE_ID,         /* a token-type id < 0 or >= type_vocab_size */
    ALBERT_ERR_TOO_LONG,        /* more tokens than max_position_embeddings or the context's capacity */
    ALBERT_ERR_EMPTY,           /* zero tokens */
    ALBERT_ERR_LAYER,           /* a layer index outside -L-1 .. L */
    ALBERT_ERR_NO_HEAD,         /* the model file has no such head (pooler, MLM, SOP, classifier) */
    ALBERT_ERR_NO_TOKENIZER,    /* the model file has no tokenizer */
    ALBERT_ERR_THREADS,         /* the thread pool could not be started */
    ALBERT_ERR_CAPACITY         /* an output buffer is too small (the needed size is reported) */
} albert_result;

typedef enum albert_activation {
    ALBERT_ACT_GELU = 1,        /* exact: x * Phi(x) with erf (HF "gelu", "gelu_python") */
    ALBERT_ACT_GELU_TANH = 2,   /* tanh approximation (HF "gelu_new", "gelu_fast", "gelu_pytorch_tanh"; Google's "gelu") */
    ALBERT_ACT_RELU = 3,
    ALBERT_ACT_SILU = 4,        /* x * sigmoid(x) (HF "silu", "swish") */
    ALBERT_ACT_QUICK_GELU = 5,  /* x * sigmoid(1.702 x) */
    ALBERT_ACT_TANH = 6,
    ALBERT_ACT_SIGMOID = 7,
    ALBERT_ACT_LINEAR = 8,      /* identity */
    ALBERT_ACT_RELU6 = 9,
    ALBERT_ACT_MISH = 10,       /* x * tanh(softplus(x)) */
    ALBERT_ACT_GELU_10 = 11,    /* exact GELU clipped to [-10, 10] */
    ALBERT_ACT_RELU2 = 12       /* relu(x)^2 */
} albert_activation;

typedef enum albert_tokenizer_kind {
    ALBERT_TOKENIZER_NONE = 0,
    ALBERT_TOKENIZER_SENTENCEPIECE = 1,   /* unigram SentencePiece + HF AlbertTokenizer preprocessing */
    ALBERT_TOKENIZER_WORDPIECE = 2        /* HF BertTokenizer (Chinese ALBERT) */
} albert_tokenizer_kind;

/* tokenizer flags (header byte 96) */
#define ALBERT_TOKENIZER_LOWER_CASE    (1u << 0)  /* do_lower_case */
#define ALBERT_TOKENIZER_REMOVE_SPACE  (1u << 1)  /* AlbertTokenizer remove_space */
#define ALBERT_TOKENIZER_KEEP_ACCENTS  (1u << 2)  /* AlbertTokenizer keep_accents */
#define ALBERT_TOKENIZER_STRIP_ACCENTS (1u << 3)  /* BertTokenizer strip_accents (default: follows lower case) */
#define ALBERT_TOKENIZER_CHINESE_CHARS (1u << 4)  /* BertTokenizer tokenize_chinese_chars */

typedef struct albert_config {
    int32_t vocab_size, embedding_size, hidden_size, num_hidden_layers, num_attention_heads;
    int32_t intermediate_size, num_hidden_groups, inner_group_num, max_position_embeddings, type_vocab_size;
    albert_activation hidden_act;
    float layer_norm_eps;
    int32_t num_labels;                          /* classifier outputs, 0 if none */
    int32_t has_pooler, has_mlm, has_sop, has_classifier;
    albert_tokenizer_kind tokenizer;
    uint32_t tokenizer_flags;
    int32_t pad_id, unk_id, cls_id, sep_id, mask_id;
} albert_config;

typedef struct albert_error {
    albert_result code;
    char message[256];
} albert_error;

typedef struct albert_model albert_model;
typedef struct albert_context albert_context;

typedef struct albert_context_params {
    int32_t max_tokens;   /* most tokens in one call (batch x sequence); 0 = max_position_embeddings */
    int32_t n_threads;    /* worker threads for the forward pass; 0 = the online cores */
} albert_context_params;

/* A batch of B sequences of S tokens each, row-major [B x S]. */
typedef struct albert_batch {
    int32_t batch_size, seq_len;
    const int32_t *input_ids;        /* [B x S] */
    const int32_t *attention_mask;   /* [B x S], 1 = real token, 0 = padding; NULL = all real */
    const int32_t *token_type_ids;   /* [B x S]; NULL = all 0 */
    int32_t skip_padding;            /* 0: compute every position, exactly as HF (padding rows included);
                                        1: compute only the real tokens (attention_mask 1) - faster when the
                                        sequences have different lengths. Real tokens get the same values as
                                        with 0; outputs at padding positions are 0, and the CLS / pooler /
                                        SOP / classifier outputs use each sequence's first real token (the
                                        same as HF for right padding, what albert_tokenize produces). */
} albert_batch;

/* What to compute: each pointer is an output buffer the caller owns, or NULL for "not needed". */
typedef struct albert_outputs {
    int32_t layer;            /* which layer `hidden` holds: 0 = after the E->H projection, L = last;
                                 negative counts from the end (-1 = last, -2 = second to last) */
    float *hidden;            /* [B x S x H] hidden states of `layer` */
    float *all_hidden;        /* [(L+1) x B x S x H] every layer, as HF's hidden_states */
    float *pooled;            /* [B x H] pooler output tanh(W h[CLS] + b) (needs the pooler) */
    float *mlm_logits;        /* [B x S x V] masked-LM logits (needs the MLM head) */
    float *sop_logits;        /* [B x 2] sentence-order logits (needs the SOP head) */
    float *class_logits;      /* [B x num_labels] classifier logits (needs the classifier head) */
    float *sentence;          /* [B x H] one vector per sequence from the hidden states of `layer`, pooled as
                                 `pooling` says, L2-normalized if `normalize` */
    int32_t pooling;          /* an albert_pooling value */
    int32_t normalize;        /* 1 = scale each sentence vector to unit length */
} albert_outputs;

typedef enum albert_pooling {
    ALBERT_POOLING_MEAN = 0,  /* mean over the real tokens (attention_mask 1), specials included */
    ALBERT_POOLING_CLS = 1,   /* the first token's hidden state */
    ALBERT_POOLING_POOLER = 2 /* tanh(W h[CLS] + b) with the pooler's weights (needs the pooler) */
} albert_pooling;

/* ---- model ---- */
ALBERT_API albert_result albert_model_load(const char *path, albert_model **model, albert_error *error);
/* The same from a buffer the caller keeps alive (and unchanged) until albert_model_free. */
ALBERT_API albert_result albert_model_load_memory(const void *data, size_t size, albert_model **model, albert_error *error);
ALBERT_API void albert_model_free(albert_model *model);
ALBERT_API const albert_config *albert_model_config(const albert_model *model);
ALBERT_API const char *albert_result_string(albert_result result);
/* The classifier's name for label i (from id2label), or NULL. */
ALBERT_API const char *albert_label_name(const albert_model *model, int32_t label);

/* ---- context (per thread) ---- */
ALBERT_API albert_context_params albert_context_default_params(void);
ALBERT_API albert_result albert_context_create(const albert_model *model, const albert_context_params *params,
                                               albert_context **context);
ALBERT_API void albert_context_free(albert_context *context);
ALBERT_API const char *albert_context_last_error(const albert_context *context);

/* ---- forward pass ---- */
/* One sequence: hidden states of `layer` (see albert_outputs.layer) into out [n_tokens x H].
   token_type_ids may be NULL (all 0). */
ALBERT_API albert_result albert_encode(albert_context *context, const int32_t *input_ids,
                                       const int32_t *token_type_ids, int32_t n_tokens, int32_t layer, float *out);
/* A padded batch with any of the outputs. */
ALBERT_API albert_result albert_encode_batch(albert_context *context, const albert_batch *batch,
                                             const albert_outputs *outputs);

/* ---- tokenizer (text -> ids), from the vocabulary stored in the model file ---- */
typedef struct albert_tokens {
    int32_t *ids;        /* [capacity] token ids (caller's buffer) */
    int32_t *type_ids;   /* [capacity] token-type ids, or NULL */
    int32_t *offsets;    /* [2 x capacity] byte range [begin, end) of each token in its input text, or NULL;
                            -1, -1 for special tokens ([CLS], [SEP]) */
    int32_t capacity;    /* size of the buffers, in tokens */
    int32_t n_tokens;    /* out: tokens written (or needed, with ALBERT_ERR_CAPACITY) */
} albert_tokens;

/* HuggingFace AlbertTokenizer / BertTokenizer encode(): "[CLS] A [SEP]" or, with a pair, "[CLS] A [SEP] B [SEP]".
   text is UTF-8 of text_len bytes (need not be NUL-terminated); text_pair may be NULL. max_tokens > 0 truncates
   (longest first, as HF) to at most that many tokens including the specials; 0 = no truncation. Invalid UTF-8
   bytes are each read as U+FFFD. */
ALBERT_API albert_result albert_tokenize(const albert_model *model, const char *text, size_t text_len,
                                         const char *text_pair, size_t pair_len, int32_t max_tokens,
                                         albert_tokens *tokens);
/* Plain SentencePiece encoding (no ALBERT preprocessing, no specials), as sentencepiece's EncodeAsIds. */
ALBERT_API albert_result albert_sentencepiece_encode(const albert_model *model, const char *text, size_t text_len,
                                                     albert_tokens *tokens);
/* Text to outputs in one call: tokenizes text (+ text_pair) into *tokens (truncated to tokens->capacity, the
   context's max_tokens and max_position_embeddings), then runs albert_encode_batch on those tokens with
   *outputs, whose buffers must hold tokens->capacity tokens. tokens->type_ids is needed for a pair. */
ALBERT_API albert_result albert_encode_text(albert_context *context, const char *text, size_t text_len,
                                            const char *text_pair, size_t pair_len, albert_tokens *tokens,
                                            const albert_outputs *outputs);
/* The text of a vocabulary entry (not NUL-terminated; *length bytes), or NULL for an id out of range. */
ALBERT_API const char *albert_token_piece(const albert_model *model, int32_t id, int32_t *length);

#ifdef __cplusplus
}
#endif
#endif /* ALBERT_H */

/* ============================================================================================== */
/*                                       IMPLEMENTATION                                           */
/* ============================================================================================== */
#ifdef ALBERT_IMPLEMENTATION
#ifndef ALBERT__IMPLEMENTED
#define ALBERT__IMPLEMENTED

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef ALBERT_NO_MMAP
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#ifdef ALBERT_STATIC
#define ALBERT_DEF ALBERT_API
#else
#define ALBERT_DEF
#endif

#if !defined(ALBERT_MALLOC) || !defined(ALBERT_FREE)
#undef ALBERT_MALLOC
#undef ALBERT_FREE
#define ALBERT_MALLOC(n) malloc(n)
#define ALBERT_FREE(p) free(p)
#endif

/* ---------------------------------------------------------------------------------------------- */
/* Errors                                                                                         */
/* ---------------------------------------------------------------------------------------------- */
ALBERT_DEF const char *albert_result_string(albert_result result)
{
    switch (result) {
    case ALBERT_OK: return "ok";
    case ALBERT_ERR_ARGUMENT: return "invalid argument";
    case ALBERT_ERR_IO: return "cannot read the file";
    case ALBERT_ERR_MAGIC: return "not an albert.h model file";
    case ALBERT_ERR_VERSION: return "unsupported model file version";
    case ALBERT_ERR_FORMAT: return "corrupt or inconsistent model file";
    case ALBERT_ERR_MEMORY: return "out of memory";
    case ALBERT_ERR_TOKEN_ID: return "token id out of range";
    case ALBERT_ERR_TYPE_ID: return "token type id out of range";
    case ALBERT_ERR_TOO_LONG: return "input too long";
    case ALBERT_ERR_EMPTY: return "empty input";
    case ALBERT_ERR_LAYER: return "layer index out of range";
    case ALBERT_ERR_NO_HEAD: return "the model file has no such head";
    case ALBERT_ERR_NO_TOKENIZER: return "the model file has no tokenizer";
    case ALBERT_ERR_THREADS: return "cannot start threads";
    case ALBERT_ERR_CAPACITY: return "output buffer too small";
    }
    return "unknown error";
}

static void albert__vformat(char *buf, size_t cap, const char *fmt, va_list ap)
{
    if (cap == 0) return;
    if (vsnprintf(buf, cap, fmt, ap) < 0) buf[0] = 0;
}

/* Records code + message in e (which may be NULL) and returns code. */
static albert_result albert__fail(albert_error *e, albert_result code, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        e->code = code;
        albert__vformat(e->message, sizeof e->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* ---------------------------------------------------------------------------------------------- */
/* The model file: header, directory, tensors                                                     */
/* ---------------------------------------------------------------------------------------------- */
#define ALBERT__HEADER_SIZE 256u
#define ALBERT__ENTRY_SIZE 80u
#define ALBERT__ALIGN 64u
#define ALBERT__ENDIAN_MARK 0x0A1B2C3Du
#define ALBERT__MAX_TENSORS (1u << 20)

enum { ALBERT__F32 = 0, ALBERT__F16 = 1, ALBERT__Q8 = 2, ALBERT__U8 = 3, ALBERT__I32 = 4, ALBERT__U32 = 5 };

typedef struct albert__tensor {
    char name[33];
    uint32_t dtype, layout, ndim, dims[4];
    const uint8_t *data;
    uint64_t nbytes;
} albert__tensor;

static uint32_t albert__read_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t albert__read_u64(const uint8_t *p)
{
    return (uint64_t)albert__read_u32(p) | (uint64_t)albert__read_u32(p + 4) << 32;
}
static float albert__read_f32(const uint8_t *p)
{
    uint32_t u = albert__read_u32(p);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static uint32_t albert__dtype_size(uint32_t dtype)
{
    switch (dtype) {
    case ALBERT__F32: case ALBERT__I32: case ALBERT__U32: return 4;
    case ALBERT__F16: return 2;
    case ALBERT__Q8: case ALBERT__U8: return 1;
    }
    return 0;
}

/* A weight matrix [rows = out, cols = in], row-major, in the file's dtype (f32, f16, or q8 with a scale per row). */
typedef struct albert__matrix {
    uint32_t dtype;
    int32_t rows, cols;
    const void *data;
    const float *scale;
} albert__matrix;

/* One Transformer layer's weights; vectors (biases, LayerNorm) are f32. */
typedef struct albert__layer {
    albert__matrix q_w, k_w, v_w, o_w, ffn_w, ffn_out_w;
    const float *q_b, *k_b, *v_b, *o_b, *attn_norm_w, *attn_norm_b;
    const float *ffn_b, *ffn_out_b, *ffn_norm_w, *ffn_norm_b;
} albert__layer;

struct albert__tokenizer;

struct albert_model {
    albert_config config;
    const uint8_t *file;           /* the whole model file (mapped or in memory) */
    size_t file_size;
    int file_is_mapped;            /* munmap on free */
    void *file_owned;              /* ALBERT_NO_MMAP: buffer to free */
    albert__tensor *tensors;
    uint32_t n_tensors;
    /* embeddings: word [V,E], position [P,E], token type [T,E], LayerNorm [E]; projection E -> H */
    albert__matrix word, proj_w;
    const float *position, *token_type, *emb_norm_w, *emb_norm_b, *proj_b;
    albert__layer *layers;         /* [num_hidden_groups x inner_group_num], group-major */
    albert__matrix pooler_w, mlm_dense_w;
    const float *pooler_b;
    const float *mlm_dense_b, *mlm_norm_w, *mlm_norm_b, *mlm_bias;
    const float *sop_w, *sop_b;
    const float *cls_w, *cls_b;
    const char *labels;            /* num_labels NUL-terminated names, or NULL */
    struct albert__tokenizer *tokenizer;
};

static const albert__tensor *albert__find_tensor(const albert_model *m, const char *name)
{
    uint32_t i;
    for (i = 0; i < m->n_tensors; i++)
        if (strcmp(m->tensors[i].name, name) == 0) return &m->tensors[i];
    return NULL;
}

/* Checks the 256-byte header and fills the config. */
static albert_result albert__parse_header(albert_model *m, albert_error *e)
{
    const uint8_t *h = m->file;
    albert_config *c = &m->config;
    uint64_t declared_size, dir_offset;
    uint32_t n, kind, flags, act, i;
    float eps;
    const uint32_t known_flags = ALBERT_TOKENIZER_LOWER_CASE | ALBERT_TOKENIZER_REMOVE_SPACE |
                                 ALBERT_TOKENIZER_KEEP_ACCENTS | ALBERT_TOKENIZER_STRIP_ACCENTS |
                                 ALBERT_TOKENIZER_CHINESE_CHARS;
    int32_t special[8];

    if (m->file_size < 8 || memcmp(h, "ALBERT.H", 8) != 0)
        return albert__fail(e, ALBERT_ERR_MAGIC, "not an albert.h model file (bad magic)");
    if (m->file_size < ALBERT__HEADER_SIZE)
        return albert__fail(e, ALBERT_ERR_FORMAT, "file is truncated: %lu bytes, the header alone is %u",
                            (unsigned long)m->file_size, ALBERT__HEADER_SIZE);
    if (albert__read_u32(h + 12) != ALBERT__ENDIAN_MARK)
        return albert__fail(e, ALBERT_ERR_FORMAT, "bad endianness marker 0x%08lx",
                            (unsigned long)albert__read_u32(h + 12));
    if (albert__read_u32(h + 8) != ALBERT_FORMAT_VERSION)
        return albert__fail(e, ALBERT_ERR_VERSION, "model file format version %lu, this library reads version %d",
                            (unsigned long)albert__read_u32(h + 8), ALBERT_FORMAT_VERSION);
    {   /* the data is used in place: this host must be little-endian too */
        uint32_t probe = 1;
        uint8_t first;
        memcpy(&first, &probe, 1);
        if (first != 1) return albert__fail(e, ALBERT_ERR_FORMAT, "big-endian hosts are not supported");
    }
    declared_size = albert__read_u64(h + 16);
    if (declared_size != (uint64_t)m->file_size)
        return albert__fail(e, ALBERT_ERR_FORMAT, "file size is %lu bytes but its header says %llu (truncated?)",
                            (unsigned long)m->file_size, (unsigned long long)declared_size);
    if (albert__read_u32(h + 36) != ALBERT__HEADER_SIZE)
        return albert__fail(e, ALBERT_ERR_FORMAT, "header size %lu, expected %u",
                            (unsigned long)albert__read_u32(h + 36), ALBERT__HEADER_SIZE);
    for (i = 132; i < ALBERT__HEADER_SIZE; i++)
        if (h[i] != 0) return albert__fail(e, ALBERT_ERR_FORMAT, "reserved header byte %lu is not zero", (unsigned long)i);

    dir_offset = albert__read_u64(h + 24);
    n = albert__read_u32(h + 32);
    if (n > ALBERT__MAX_TENSORS)
        return albert__fail(e, ALBERT_ERR_FORMAT, "%lu directory entries is more than %u", (unsigned long)n,
                            ALBERT__MAX_TENSORS);
    if (dir_offset < ALBERT__HEADER_SIZE || dir_offset % 8 != 0 || dir_offset > (uint64_t)m->file_size ||
        (uint64_t)n * ALBERT__ENTRY_SIZE > (uint64_t)m->file_size - dir_offset)
        return albert__fail(e, ALBERT_ERR_FORMAT, "tensor directory (offset %llu, %lu entries) lies outside the file",
                            (unsigned long long)dir_offset, (unsigned long)n);

    c->vocab_size = (int32_t)albert__read_u32(h + 40);
    c->embedding_size = (int32_t)albert__read_u32(h + 44);
    c->hidden_size = (int32_t)albert__read_u32(h + 48);
    c->num_hidden_layers = (int32_t)albert__read_u32(h + 52);
    c->num_attention_heads = (int32_t)albert__read_u32(h + 56);
    c->intermediate_size = (int32_t)albert__read_u32(h + 60);
    c->num_hidden_groups = (int32_t)albert__read_u32(h + 64);
    c->inner_group_num = (int32_t)albert__read_u32(h + 68);
    c->max_position_embeddings = (int32_t)albert__read_u32(h + 72);
    c->type_vocab_size = (int32_t)albert__read_u32(h + 76);
    act = albert__read_u32(h + 80);
    eps = albert__read_f32(h + 84);
    c->num_labels = (int32_t)albert__read_u32(h + 88);
    kind = albert__read_u32(h + 92);
    flags = albert__read_u32(h + 96);
    for (i = 0; i < 8; i++) special[i] = (int32_t)albert__read_u32(h + 100 + 4 * i);

    /* sizes: a u32 read as int32 is negative when >= 2^31, so "> 0 and <= limit" bounds both */
#define ALBERT__CHECK_RANGE(field, lo, hi)                                                                    \
    if (c->field < (lo) || c->field > (hi))                                                                   \
        return albert__fail(e, ALBERT_ERR_FORMAT, "config " #field " = %ld is outside %ld..%ld", (long)c->field, \
                            (long)(lo), (long)(hi))
    ALBERT__CHECK_RANGE(vocab_size, 1, 1 << 24);
    if (kind > ALBERT_TOKENIZER_WORDPIECE)
        return albert__fail(e, ALBERT_ERR_FORMAT, "unknown tokenizer kind %lu", (unsigned long)kind);
    if (flags & ~known_flags)
        return albert__fail(e, ALBERT_ERR_FORMAT, "unknown tokenizer flags 0x%lx", (unsigned long)flags);
    c->tokenizer = (albert_tokenizer_kind)kind;
    c->tokenizer_flags = flags;
    for (i = 0; i < 7; i++)
        if (special[i] < -1 || special[i] >= c->vocab_size)
            return albert__fail(e, ALBERT_ERR_FORMAT, "special token id %ld is outside the vocabulary", (long)special[i]);
    if (special[7] != -1 && special[7] != 0)
        return albert__fail(e, ALBERT_ERR_FORMAT, "reserved special id is not -1");
    c->pad_id = special[0];
    c->unk_id = special[1];
    c->cls_id = special[2];
    c->sep_id = special[3];
    c->mask_id = special[4];

    if (c->hidden_size == 0) {   /* tokenizer-only file */
        if (kind == ALBERT_TOKENIZER_NONE)
            return albert__fail(e, ALBERT_ERR_FORMAT, "file has neither an encoder (hidden_size 0) nor a tokenizer");
        if (c->embedding_size || c->num_hidden_layers || c->num_attention_heads || c->intermediate_size ||
            c->num_hidden_groups || c->inner_group_num || c->max_position_embeddings || c->type_vocab_size ||
            act || eps != 0.0f || c->num_labels)
            return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer-only file (hidden_size 0) with encoder settings");
        c->hidden_act = ALBERT_ACT_LINEAR;
        c->layer_norm_eps = 0.0f;
        return ALBERT_OK;
    }
    ALBERT__CHECK_RANGE(embedding_size, 1, 1 << 16);
    ALBERT__CHECK_RANGE(hidden_size, 1, 1 << 16);
    ALBERT__CHECK_RANGE(num_hidden_layers, 1, 1 << 10);
    ALBERT__CHECK_RANGE(num_attention_heads, 1, c->hidden_size);
    ALBERT__CHECK_RANGE(intermediate_size, 1, 1 << 20);
    ALBERT__CHECK_RANGE(num_hidden_groups, 1, c->num_hidden_layers);
    ALBERT__CHECK_RANGE(inner_group_num, 1, 1 << 8);
    ALBERT__CHECK_RANGE(max_position_embeddings, 1, 1 << 20);
    ALBERT__CHECK_RANGE(type_vocab_size, 1, 1 << 16);
    ALBERT__CHECK_RANGE(num_labels, 0, 1 << 20);
#undef ALBERT__CHECK_RANGE
    if (c->hidden_size % c->num_attention_heads != 0)
        return albert__fail(e, ALBERT_ERR_FORMAT, "hidden_size %ld is not a multiple of num_attention_heads %ld",
                            (long)c->hidden_size, (long)c->num_attention_heads);
    if (act < ALBERT_ACT_GELU || act > ALBERT_ACT_RELU2)
        return albert__fail(e, ALBERT_ERR_FORMAT, "unknown activation %lu", (unsigned long)act);
    c->hidden_act = (albert_activation)act;
    if (!(eps > 0.0f && eps < 1.0f))
        return albert__fail(e, ALBERT_ERR_FORMAT, "layer_norm_eps %g is not in (0, 1)", (double)eps);
    c->layer_norm_eps = eps;
    return ALBERT_OK;
}

/* Checks every directory entry against the file: name, dtype, shape, size, alignment, bounds. */
static albert_result albert__parse_directory(albert_model *m, albert_error *e)
{
    const uint8_t *h = m->file;
    uint64_t dir_offset = albert__read_u64(h + 24), dir_end;
    uint32_t n = albert__read_u32(h + 32), i, j;

    dir_end = dir_offset + (uint64_t)n * ALBERT__ENTRY_SIZE;
    m->n_tensors = n;
    m->tensors = (albert__tensor *)ALBERT_MALLOC(sizeof(albert__tensor) * (n ? n : 1));
    if (!m->tensors) return albert__fail(e, ALBERT_ERR_MEMORY, "out of memory for %lu tensors", (unsigned long)n);
    for (i = 0; i < n; i++) {
        const uint8_t *d = h + dir_offset + (uint64_t)i * ALBERT__ENTRY_SIZE;
        albert__tensor *t = &m->tensors[i];
        uint64_t count = 1, offset, nbytes;
        if (memchr(d, 0, 32) == NULL || d[0] == 0)
            return albert__fail(e, ALBERT_ERR_FORMAT, "directory entry %lu: bad name", (unsigned long)i);
        memcpy(t->name, d, 32);
        t->name[32] = 0;
        t->dtype = albert__read_u32(d + 32);
        t->layout = albert__read_u32(d + 36);
        t->ndim = albert__read_u32(d + 40);
        for (j = 0; j < 4; j++) t->dims[j] = albert__read_u32(d + 44 + 4 * j);
        offset = albert__read_u64(d + 64);
        nbytes = albert__read_u64(d + 72);
        if (albert__dtype_size(t->dtype) == 0)
            return albert__fail(e, ALBERT_ERR_FORMAT, "tensor %s: unknown dtype %lu", t->name, (unsigned long)t->dtype);
        if (t->layout != 0)
            return albert__fail(e, ALBERT_ERR_FORMAT, "tensor %s: unknown layout %lu", t->name, (unsigned long)t->layout);
        if (t->ndim < 1 || t->ndim > 4 || albert__read_u32(d + 60) != 0)
            return albert__fail(e, ALBERT_ERR_FORMAT, "tensor %s: bad number of dimensions %lu", t->name,
                                (unsigned long)t->ndim);
        for (j = 0; j < 4; j++) {
            if (j < t->ndim) {
                if (t->dims[j] == 0)
                    return albert__fail(e, ALBERT_ERR_FORMAT, "tensor %s: dimension %lu is 0", t->name, (unsigned long)j);
                count *= t->dims[j];   /* < 2^32 per factor; checked below before the next multiplication */
                if (count > ((uint64_t)1 << 40))
                    return albert__fail(e, ALBERT_ERR_FORMAT, "tensor %s: more than 2^40 elements", t->name);
            } else if (t->dims[j] != 0) {
                return albert__fail(e, ALBERT_ERR_FORMAT, "tensor %s: unused dimension %lu is not 0", t->name,
                                    (unsigned long)j);
            }
        }
        if (nbytes != count * albert__dtype_size(t->dtype))
            return albert__fail(e, ALBERT_ERR_FORMAT, "tensor %s: size %llu bytes does not match its shape",
                                t->name, (unsigned long long)nbytes);
        if (offset % ALBERT__ALIGN != 0)
            return albert__fail(e, ALBERT_ERR_FORMAT, "tensor %s: offset %llu is not a multiple of %u", t->name,
                                (unsigned long long)offset, ALBERT__ALIGN);
        if (offset < ALBERT__HEADER_SIZE || offset > (uint64_t)m->file_size || nbytes > (uint64_t)m->file_size - offset)
            return albert__fail(e, ALBERT_ERR_FORMAT, "tensor %s: bytes %llu..%llu lie outside the file (%lu bytes)",
                                t->name, (unsigned long long)offset, (unsigned long long)offset + nbytes,
                                (unsigned long)m->file_size);
        if (offset < dir_end && dir_offset < offset + nbytes)
            return albert__fail(e, ALBERT_ERR_FORMAT, "tensor %s: bytes %llu..%llu overlap the directory", t->name,
                                (unsigned long long)offset, (unsigned long long)offset + nbytes);
        t->data = h + offset;
        t->nbytes = nbytes;
        for (j = 0; j < i; j++)
            if (strcmp(m->tensors[j].name, t->name) == 0)
                return albert__fail(e, ALBERT_ERR_FORMAT, "tensor %s appears twice", t->name);
    }
    return ALBERT_OK;
}

/* Finds an f32 tensor of exactly the given shape (d1 = 0 for a vector). */
static albert_result albert__bind(const albert_model *m, const char *name, int32_t d0, int32_t d1, int required,
                                  const float **out, albert_error *e)
{
    const albert__tensor *t = albert__find_tensor(m, name);
    *out = NULL;
    if (!t) {
        if (required) return albert__fail(e, ALBERT_ERR_FORMAT, "tensor %s is missing", name);
        return ALBERT_OK;
    }
    if (t->dtype != ALBERT__F32)
        return albert__fail(e, ALBERT_ERR_FORMAT, "tensor %s: dtype %lu, expected f32", name, (unsigned long)t->dtype);
    if (t->ndim != (d1 ? 2u : 1u) || t->dims[0] != (uint32_t)d0 || (d1 && t->dims[1] != (uint32_t)d1))
        return albert__fail(e, ALBERT_ERR_FORMAT, "tensor %s: shape [%lu,%lu], expected [%ld,%ld]", name,
                            (unsigned long)t->dims[0], (unsigned long)(t->ndim > 1 ? t->dims[1] : 0), (long)d0, (long)d1);
    *out = (const float *)(const void *)t->data;
    return ALBERT_OK;
}

/* Finds a weight matrix [rows x cols] in f32, f16, or q8 (with its "<name>.scale" f32 [rows]). */
static albert_result albert__bind_matrix(const albert_model *m, const char *name, int32_t rows, int32_t cols,
                                         int required, albert__matrix *out, albert_error *e)
{
    const albert__tensor *t = albert__find_tensor(m, name);
    memset(out, 0, sizeof *out);
    if (!t) {
        if (required) return albert__fail(e, ALBERT_ERR_FORMAT, "tensor %s is missing", name);
        return ALBERT_OK;
    }
    if (t->dtype != ALBERT__F32 && t->dtype != ALBERT__F16 && t->dtype != ALBERT__Q8)
        return albert__fail(e, ALBERT_ERR_FORMAT, "tensor %s: dtype %lu, expected f32, f16 or q8", name,
                            (unsigned long)t->dtype);
    if (t->ndim != 2 || t->dims[0] != (uint32_t)rows || t->dims[1] != (uint32_t)cols)
        return albert__fail(e, ALBERT_ERR_FORMAT, "tensor %s: shape [%lu,%lu], expected [%ld,%ld]", name,
                            (unsigned long)t->dims[0], (unsigned long)(t->ndim > 1 ? t->dims[1] : 0), (long)rows,
                            (long)cols);
    out->dtype = t->dtype;
    out->rows = rows;
    out->cols = cols;
    out->data = t->data;
    if (t->dtype == ALBERT__Q8) {
        char scale_name[64];
        uint32_t i;
        albert_result r;
        snprintf(scale_name, sizeof scale_name, "%s.scale", name);
        if ((r = albert__bind(m, scale_name, rows, 0, 1, &out->scale, e)) != ALBERT_OK) return r;
        for (i = 0; i < (uint32_t)rows; i++)
            if (!(out->scale[i] >= 0.0f && out->scale[i] <= FLT_MAX))   /* also rejects NaN */
                return albert__fail(e, ALBERT_ERR_FORMAT, "tensor %s: scale %lu is not a finite non-negative number",
                                    scale_name, (unsigned long)i);
    }
    return ALBERT_OK;
}

/* A head's tensors must be all present or all absent; *present says which. */
static albert_result albert__head_present(const albert_model *m, const char *head, int n, const char *const *names,
                                          int32_t *present, albert_error *e)
{
    int i, found = 0;
    for (i = 0; i < n; i++) found += albert__find_tensor(m, names[i]) != NULL;
    if (found != 0 && found != n) return albert__fail(e, ALBERT_ERR_FORMAT, "the %s head is incomplete", head);
    *present = found == n;
    return ALBERT_OK;
}

static albert_result albert__bind_weights(albert_model *m, albert_error *e)
{
    const albert_config *c = &m->config;
    int32_t V = c->vocab_size, E = c->embedding_size, H = c->hidden_size, I = c->intermediate_size;
    int32_t g, i, n_layers = c->num_hidden_groups * c->inner_group_num;
    albert_result r;
    char name[40];

#define ALBERT__BIND(field, nm, d0, d1) \
    if ((r = albert__bind(m, nm, d0, d1, 1, &m->field, e)) != ALBERT_OK) return r
    if ((r = albert__bind_matrix(m, "emb.word", V, E, 1, &m->word, e)) != ALBERT_OK) return r;
    if ((r = albert__bind_matrix(m, "proj.w", H, E, 1, &m->proj_w, e)) != ALBERT_OK) return r;
    ALBERT__BIND(position, "emb.pos", c->max_position_embeddings, E);
    ALBERT__BIND(token_type, "emb.type", c->type_vocab_size, E);
    ALBERT__BIND(emb_norm_w, "emb.norm.w", E, 0);
    ALBERT__BIND(emb_norm_b, "emb.norm.b", E, 0);
    ALBERT__BIND(proj_b, "proj.b", H, 0);
#undef ALBERT__BIND

    m->layers = (albert__layer *)ALBERT_MALLOC(sizeof(albert__layer) * (size_t)n_layers);
    if (!m->layers) return albert__fail(e, ALBERT_ERR_MEMORY, "out of memory");
    for (g = 0; g < c->num_hidden_groups; g++) {
        for (i = 0; i < c->inner_group_num; i++) {
            albert__layer *l = &m->layers[g * c->inner_group_num + i];
#define ALBERT__BIND_LAYER(field, suffix, d0, d1)                                               \
    snprintf(name, sizeof name, "g%ld.l%ld.%s", (long)g, (long)i, suffix);                      \
    if ((r = albert__bind(m, name, d0, d1, 1, &l->field, e)) != ALBERT_OK) return r
#define ALBERT__BIND_MATRIX(field, suffix, d0, d1)                                              \
    snprintf(name, sizeof name, "g%ld.l%ld.%s", (long)g, (long)i, suffix);                      \
    if ((r = albert__bind_matrix(m, name, d0, d1, 1, &l->field, e)) != ALBERT_OK) return r
            ALBERT__BIND_MATRIX(q_w, "q.w", H, H);
            ALBERT__BIND_LAYER(q_b, "q.b", H, 0);
            ALBERT__BIND_MATRIX(k_w, "k.w", H, H);
            ALBERT__BIND_LAYER(k_b, "k.b", H, 0);
            ALBERT__BIND_MATRIX(v_w, "v.w", H, H);
            ALBERT__BIND_LAYER(v_b, "v.b", H, 0);
            ALBERT__BIND_MATRIX(o_w, "o.w", H, H);
            ALBERT__BIND_LAYER(o_b, "o.b", H, 0);
            ALBERT__BIND_LAYER(attn_norm_w, "attn_norm.w", H, 0);
            ALBERT__BIND_LAYER(attn_norm_b, "attn_norm.b", H, 0);
            ALBERT__BIND_MATRIX(ffn_w, "ffn.w", I, H);
            ALBERT__BIND_LAYER(ffn_b, "ffn.b", I, 0);
            ALBERT__BIND_MATRIX(ffn_out_w, "ffn_out.w", H, I);
            ALBERT__BIND_LAYER(ffn_out_b, "ffn_out.b", H, 0);
            ALBERT__BIND_LAYER(ffn_norm_w, "ffn_norm.w", H, 0);
            ALBERT__BIND_LAYER(ffn_norm_b, "ffn_norm.b", H, 0);
#undef ALBERT__BIND_LAYER
#undef ALBERT__BIND_MATRIX
        }
    }
    {
        static const char *const pooler[] = {"pooler.w", "pooler.b"};
        static const char *const mlm[] = {"mlm.dense.w", "mlm.dense.b", "mlm.norm.w", "mlm.norm.b", "mlm.bias"};
        static const char *const sop[] = {"sop.w", "sop.b"};
        static const char *const cls[] = {"cls.w", "cls.b"};
        if ((r = albert__head_present(m, "pooler", 2, pooler, &m->config.has_pooler, e)) ||
            (r = albert__head_present(m, "masked-LM", 5, mlm, &m->config.has_mlm, e)) ||
            (r = albert__head_present(m, "sentence-order", 2, sop, &m->config.has_sop, e)) ||
            (r = albert__head_present(m, "classifier", 2, cls, &m->config.has_classifier, e)))
            return r;
        if (m->config.has_pooler &&
            ((r = albert__bind_matrix(m, "pooler.w", H, H, 1, &m->pooler_w, e)) ||
             (r = albert__bind(m, "pooler.b", H, 0, 1, &m->pooler_b, e))))
            return r;
        if (m->config.has_mlm &&
            ((r = albert__bind_matrix(m, "mlm.dense.w", E, H, 1, &m->mlm_dense_w, e)) ||
             (r = albert__bind(m, "mlm.dense.b", E, 0, 1, &m->mlm_dense_b, e)) ||
             (r = albert__bind(m, "mlm.norm.w", E, 0, 1, &m->mlm_norm_w, e)) ||
             (r = albert__bind(m, "mlm.norm.b", E, 0, 1, &m->mlm_norm_b, e)) ||
             (r = albert__bind(m, "mlm.bias", V, 0, 1, &m->mlm_bias, e))))
            return r;
        if (m->config.has_sop &&
            ((r = albert__bind(m, "sop.w", 2, H, 1, &m->sop_w, e)) || (r = albert__bind(m, "sop.b", 2, 0, 1, &m->sop_b, e))))
            return r;
        if (m->config.has_classifier != (c->num_labels > 0))
            return albert__fail(e, ALBERT_ERR_FORMAT, "num_labels is %ld but the classifier is %s", (long)c->num_labels,
                                m->config.has_classifier ? "present" : "missing");
        if (m->config.has_classifier &&
            ((r = albert__bind(m, "cls.w", c->num_labels, H, 1, &m->cls_w, e)) ||
             (r = albert__bind(m, "cls.b", c->num_labels, 0, 1, &m->cls_b, e))))
            return r;
        {
            const albert__tensor *t = albert__find_tensor(m, "cls.labels");
            if (t) {
                uint64_t i, names = 0;
                if (t->dtype != ALBERT__U8 || t->ndim != 1 || t->data[t->nbytes - 1] != 0)
                    return albert__fail(e, ALBERT_ERR_FORMAT, "tensor cls.labels: not NUL-terminated u8 text");
                for (i = 0; i < t->nbytes; i++) names += t->data[i] == 0;
                if (names != (uint64_t)c->num_labels)
                    return albert__fail(e, ALBERT_ERR_FORMAT, "tensor cls.labels: %llu names for %ld labels",
                                        (unsigned long long)names, (long)c->num_labels);
                m->labels = (const char *)t->data;
            }
        }
        if ((m->config.has_sop || m->config.has_classifier) && !m->config.has_pooler)
            return albert__fail(e, ALBERT_ERR_FORMAT, "the sentence-order and classifier heads need the pooler");
    }
    return ALBERT_OK;
}

ALBERT_DEF const char *albert_label_name(const albert_model *model, int32_t label)
{
    const char *p;
    if (!model || !model->labels || label < 0 || label >= model->config.num_labels) return NULL;
    for (p = model->labels; label > 0; label--) p += strlen(p) + 1;
    return p;
}

/* The tokenizer (defined further down, after the forward pass). */
static albert_result albert__tokenizer_load(const albert_model *m, struct albert__tokenizer **out, albert_error *e);
static void albert__tokenizer_free(struct albert__tokenizer *t);

static albert_result albert__model_init(albert_model *m, albert_error *e)
{
    albert_result r;
    if ((r = albert__parse_header(m, e)) != ALBERT_OK) return r;
    if ((r = albert__parse_directory(m, e)) != ALBERT_OK) return r;
    if (m->config.hidden_size > 0 && (r = albert__bind_weights(m, e)) != ALBERT_OK) return r;
    if (m->config.tokenizer != ALBERT_TOKENIZER_NONE &&
        (r = albert__tokenizer_load(m, &m->tokenizer, e)) != ALBERT_OK)
        return r;
    return ALBERT_OK;
}

ALBERT_DEF void albert_model_free(albert_model *model)
{
    if (!model) return;
    if (model->tokenizer) albert__tokenizer_free(model->tokenizer);
    ALBERT_FREE(model->layers);
    ALBERT_FREE(model->tensors);
#ifndef ALBERT_NO_MMAP
    if (model->file_is_mapped) munmap((void *)(uintptr_t)model->file, model->file_size);
#endif
    ALBERT_FREE(model->file_owned);
    ALBERT_FREE(model);
}

static albert_model *albert__model_new(void)
{
    albert_model *m = (albert_model *)ALBERT_MALLOC(sizeof(albert_model));
    if (m) memset(m, 0, sizeof *m);
    return m;
}

ALBERT_DEF albert_result albert_model_load_memory(const void *data, size_t size, albert_model **model,
                                                  albert_error *error)
{
    albert_model *m;
    albert_result r;
    if (error) { error->code = ALBERT_OK; error->message[0] = 0; }
    if (!model) return albert__fail(error, ALBERT_ERR_ARGUMENT, "model is NULL");
    *model = NULL;
    if (!data) return albert__fail(error, ALBERT_ERR_ARGUMENT, "data is NULL");
    if (((uintptr_t)data) % ALBERT__ALIGN != 0)
        return albert__fail(error, ALBERT_ERR_ARGUMENT, "data must be 64-byte aligned");
    if (!(m = albert__model_new())) return albert__fail(error, ALBERT_ERR_MEMORY, "out of memory");
    m->file = (const uint8_t *)data;
    m->file_size = size;
    if ((r = albert__model_init(m, error)) != ALBERT_OK) {
        albert_model_free(m);
        return r;
    }
    *model = m;
    return ALBERT_OK;
}

ALBERT_DEF albert_result albert_model_load(const char *path, albert_model **model, albert_error *error)
{
    albert_model *m;
    albert_result r;
    if (error) { error->code = ALBERT_OK; error->message[0] = 0; }
    if (!model) return albert__fail(error, ALBERT_ERR_ARGUMENT, "model is NULL");
    *model = NULL;
    if (!path) return albert__fail(error, ALBERT_ERR_ARGUMENT, "path is NULL");
    if (!(m = albert__model_new())) return albert__fail(error, ALBERT_ERR_MEMORY, "out of memory");
#ifndef ALBERT_NO_MMAP
    {
        struct stat st;
        void *p;
        int fd = open(path, O_RDONLY);
        if (fd < 0) {
            albert_model_free(m);
            return albert__fail(error, ALBERT_ERR_IO, "%s: cannot open", path);
        }
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
            (unsigned long long)st.st_size > (unsigned long long)SIZE_MAX) {
            close(fd);
            albert_model_free(m);
            return albert__fail(error, st.st_size == 0 ? ALBERT_ERR_MAGIC : ALBERT_ERR_IO,
                                "%s: not a readable, non-empty regular file", path);
        }
        p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        close(fd);
        if (p == MAP_FAILED) {
            albert_model_free(m);
            return albert__fail(error, ALBERT_ERR_IO, "%s: cannot map the file", path);
        }
        m->file = (const uint8_t *)p;
        m->file_size = (size_t)st.st_size;
        m->file_is_mapped = 1;
    }
#else
    {
        FILE *f = fopen(path, "rb");
        long n;
        if (!f) { albert_model_free(m); return albert__fail(error, ALBERT_ERR_IO, "%s: cannot open", path); }
        if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0 ||
            !(m->file_owned = ALBERT_MALLOC((size_t)n)) || fread(m->file_owned, 1, (size_t)n, f) != (size_t)n) {
            fclose(f);
            albert_model_free(m);
            return albert__fail(error, ALBERT_ERR_IO, "%s: cannot read the file", path);
        }
        fclose(f);
        m->file = (const uint8_t *)m->file_owned;
        m->file_size = (size_t)n;
    }
#endif
    if ((r = albert__model_init(m, error)) != ALBERT_OK) {
        char inner[sizeof error->message];
        if (error) {
            memcpy(inner, error->message, sizeof inner);
            albert__fail(error, r, "%s: %s", path, inner);
        }
        albert_model_free(m);
        return r;
    }
    *model = m;
    return ALBERT_OK;
}

ALBERT_DEF const albert_config *albert_model_config(const albert_model *model)
{
    return model ? &model->config : NULL;
}

/* ---------------------------------------------------------------------------------------------- */
/* Kernels and threads                                                                            */
/* ---------------------------------------------------------------------------------------------- */
#include "wip/kernels.h"
#include "wip/quant.h"

/* y[m x rows] = act(x[m x cols] W^T + b) + residual, for W in any of the file's dtypes. */
static void albert__dense(albert__pool *pool, const float *x, int m, const albert__matrix *w, const float *b, int act,
                           const float *residual, float *y)
{
    if (w->dtype == ALBERT__F16)
        albert__linear_f16(pool, x, m, w->cols, (const uint16_t *)w->data, b, w->rows, act, residual, y);
    else if (w->dtype == ALBERT__Q8)
        albert__linear_q8(pool, x, m, w->cols, (const int8_t *)w->data, w->scale, b, w->rows, act, residual, y);
    else
        albert__linear(pool, x, m, w->cols, (const float *)w->data, b, w->rows, act, residual, y);
}

/* out[cols] = row r of W, as floats. */
static void albert__matrix_row(const albert__matrix *w, int32_t r, float *out)
{
    int32_t j;
    size_t at = (size_t)r * w->cols;
    if (w->dtype == ALBERT__F16) {
        const uint16_t *p = (const uint16_t *)w->data + at;
        for (j = 0; j < w->cols; j++) out[j] = albert__half_to_float(p[j]);
    } else if (w->dtype == ALBERT__Q8) {
        const int8_t *p = (const int8_t *)w->data + at;
        for (j = 0; j < w->cols; j++) out[j] = w->scale[r] * (float)p[j];
    } else {
        memcpy(out, (const float *)w->data + at, sizeof(float) * (size_t)w->cols);
    }
}

/* ---------------------------------------------------------------------------------------------- */
/* Context: per-thread scratch memory                                                             */
/* ---------------------------------------------------------------------------------------------- */
struct albert_context {
    const albert_model *model;
    int32_t max_tokens;
    albert__pool *pool;
    float *emb;          /* [T x E] embeddings, then MLM transform */
    float *x;            /* [T x H] the hidden state between layers */
    float *q, *k, *v;    /* [T x H] */
    float *attn;         /* [T x H] attention context, then the attention block's output */
    float *ffn;          /* [T x I] */
    float *kernel_scratch;
    int32_t *mask;       /* [T] 1 = real token */
    /* the rows this call computes: all B x S, or (skip_padding) only the real tokens, packed */
    int32_t n_rows;
    int32_t *row_source; /* [T] packed row -> row of the [B x S] batch; used when packed */
    int32_t *seq_first;  /* [T + 1] first computed row of each sequence; seq_first[B] = n_rows */
    int packed;
    char last_error[256];
};

ALBERT_DEF albert_context_params albert_context_default_params(void)
{
    albert_context_params p;
    p.max_tokens = 0;
    p.n_threads = 0;
    return p;
}

static int albert__online_cores(void)
{
#if !defined(ALBERT_NO_THREADS) && defined(_SC_NPROCESSORS_ONLN)
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (n > 256 ? 256 : (int)n);
#else
    return 1;
#endif
}

ALBERT_DEF void albert_context_free(albert_context *ctx)
{
    if (!ctx) return;
    if (ctx->pool) albert__pool_free(ctx->pool);
    ALBERT_FREE(ctx->emb);
    ALBERT_FREE(ctx->x);
    ALBERT_FREE(ctx->q);
    ALBERT_FREE(ctx->k);
    ALBERT_FREE(ctx->v);
    ALBERT_FREE(ctx->attn);
    ALBERT_FREE(ctx->ffn);
    ALBERT_FREE(ctx->kernel_scratch);
    ALBERT_FREE(ctx->mask);
    ALBERT_FREE(ctx->row_source);
    ALBERT_FREE(ctx->seq_first);
    ALBERT_FREE(ctx);
}

static float *albert__alloc_floats(size_t n) { return (float *)ALBERT_MALLOC(sizeof(float) * (n ? n : 1)); }

ALBERT_DEF albert_result albert_context_create(const albert_model *model, const albert_context_params *params,
                                               albert_context **context)
{
    albert_context_params p = params ? *params : albert_context_default_params();
    const albert_config *c;
    albert_context *ctx;
    size_t T, H, E, I;
    int n_threads;
    if (!context) return ALBERT_ERR_ARGUMENT;
    *context = NULL;
    if (!model) return ALBERT_ERR_ARGUMENT;
    c = &model->config;
    if (c->hidden_size == 0) return ALBERT_ERR_NO_HEAD;   /* tokenizer-only file */
    if (p.max_tokens < 0 || p.n_threads < 0 || p.n_threads > 256) return ALBERT_ERR_ARGUMENT;
    if (p.max_tokens == 0) p.max_tokens = c->max_position_embeddings;
    if (p.max_tokens > (1 << 24)) return ALBERT_ERR_ARGUMENT;
    n_threads = p.n_threads ? p.n_threads : albert__online_cores();
    ctx = (albert_context *)ALBERT_MALLOC(sizeof(albert_context));
    if (!ctx) return ALBERT_ERR_MEMORY;
    memset(ctx, 0, sizeof *ctx);
    ctx->model = model;
    ctx->max_tokens = p.max_tokens;
    T = (size_t)p.max_tokens;
    H = (size_t)c->hidden_size;
    E = (size_t)c->embedding_size;
    I = (size_t)c->intermediate_size;
    ctx->emb = albert__alloc_floats(T * E);
    ctx->x = albert__alloc_floats(T * H);
    ctx->q = albert__alloc_floats(T * H);
    ctx->k = albert__alloc_floats(T * H);
    ctx->v = albert__alloc_floats(T * H);
    ctx->attn = albert__alloc_floats(T * H);
    ctx->ffn = albert__alloc_floats(T * I);
    ctx->kernel_scratch = albert__alloc_floats(
        albert__kernel_scratch_floats((int)(T < (size_t)c->max_position_embeddings ? T : (size_t)c->max_position_embeddings),
                                      (int)H, n_threads));
    ctx->mask = (int32_t *)ALBERT_MALLOC(sizeof(int32_t) * T);
    ctx->row_source = (int32_t *)ALBERT_MALLOC(sizeof(int32_t) * T);
    ctx->seq_first = (int32_t *)ALBERT_MALLOC(sizeof(int32_t) * (T + 1));
    if (!ctx->emb || !ctx->x || !ctx->q || !ctx->k || !ctx->v || !ctx->attn || !ctx->ffn || !ctx->kernel_scratch ||
        !ctx->mask || !ctx->row_source || !ctx->seq_first) {
        albert_context_free(ctx);
        return ALBERT_ERR_MEMORY;
    }
    ctx->pool = albert__pool_create(n_threads);
    if (!ctx->pool) {
        albert_context_free(ctx);
        return ALBERT_ERR_THREADS;
    }
    *context = ctx;
    return ALBERT_OK;
}

ALBERT_DEF const char *albert_context_last_error(const albert_context *context)
{
    return context ? context->last_error : "context is NULL";
}

static albert_result albert__ctx_fail(albert_context *ctx, albert_result code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    albert__vformat(ctx->last_error, sizeof ctx->last_error, fmt, ap);
    va_end(ap);
    return code;
}

/* ---------------------------------------------------------------------------------------------- */
/* The forward pass: embeddings -> projection -> shared layers x N -> heads                       */
/* ---------------------------------------------------------------------------------------------- */

/* word + position + token type embeddings, then LayerNorm, into ctx->emb [T x E]. */
typedef struct albert__embed_job {
    const albert_model *model;
    const albert_batch *batch;
    const int32_t *row_source;   /* NULL = every row */
    int32_t n_rows;
    float *out;
} albert__embed_job;

static void albert__embed_rows(void *arg, int index, int count)
{
    const albert__embed_job *job = (const albert__embed_job *)arg;
    const albert_model *m = job->model;
    const albert_batch *b = job->batch;
    int32_t E = m->config.embedding_size, n = job->n_rows, j;
    int32_t row = (int32_t)((int64_t)n * index / count), end = (int32_t)((int64_t)n * (index + 1) / count);
    for (; row < end; row++) {
        int32_t source = job->row_source ? job->row_source[row] : row;
        int32_t position = source % b->seq_len;   /* HF counts positions from 0 in every row, pads included */
        const float *p = m->position + (size_t)position * E;
        const float *y = m->token_type + (size_t)(b->token_type_ids ? b->token_type_ids[source] : 0) * E;
        float *o = job->out + (size_t)row * E;
        albert__matrix_row(&m->word, b->input_ids[source], o);
        for (j = 0; j < E; j++) o[j] += p[j] + y[j];
    }
}

static void albert__embed(albert_context *ctx, const albert_batch *b)
{
    const albert_model *m = ctx->model;
    albert__embed_job job;
    job.model = m;
    job.batch = b;
    job.row_source = ctx->packed ? ctx->row_source : NULL;
    job.n_rows = ctx->n_rows;
    job.out = ctx->emb;
    albert__pool_run(ctx->pool, albert__embed_rows, &job, ctx->n_rows < 64 ? 1 : 4);
    albert__layer_norm(ctx->pool, ctx->emb, ctx->n_rows, m->config.embedding_size, m->emb_norm_w, m->emb_norm_b,
                       m->config.layer_norm_eps);
}

/* One Transformer layer, in place on ctx->x [T x H]. */
static void albert__layer_forward(albert_context *ctx, const albert__layer *l, const albert_batch *b,
                                  const int32_t *mask)
{
    const albert_config *c = &ctx->model->config;
    int T = ctx->n_rows, H = c->hidden_size, heads = c->num_attention_heads, s;
    float eps = c->layer_norm_eps;
    if (l->q_w.dtype == ALBERT__F32 && l->k_w.dtype == ALBERT__F32 && l->v_w.dtype == ALBERT__F32) {
        /* x packed once for the three projections, one job (wip/kernels.h) */
        const float *w[3], *bias[3];
        float *y[3];
        w[0] = (const float *)l->q_w.data, w[1] = (const float *)l->k_w.data, w[2] = (const float *)l->v_w.data;
        bias[0] = l->q_b, bias[1] = l->k_b, bias[2] = l->v_b;
        y[0] = ctx->q, y[1] = ctx->k, y[2] = ctx->v;
        albert__linear_group(ctx->pool, ctx->x, T, H, H, 3, w, bias, y);
    } else {
        albert__dense(ctx->pool, ctx->x, T, &l->q_w, l->q_b, 0, NULL, ctx->q);
        albert__dense(ctx->pool, ctx->x, T, &l->k_w, l->k_b, 0, NULL, ctx->k);
        albert__dense(ctx->pool, ctx->x, T, &l->v_w, l->v_b, 0, NULL, ctx->v);
    }
    if (!ctx->packed) {
        albert__attention(ctx->pool, ctx->kernel_scratch, ctx->q, ctx->k, ctx->v, mask, b->batch_size, b->seq_len,
                          heads, H / heads, ctx->attn);
    } else {   /* each sequence attends over its own real tokens */
        for (s = 0; s < b->batch_size; s++) {
            size_t first = (size_t)ctx->seq_first[s] * H;
            int32_t n = ctx->seq_first[s + 1] - ctx->seq_first[s];
            if (n > 0)
                albert__attention(ctx->pool, ctx->kernel_scratch, ctx->q + first, ctx->k + first, ctx->v + first, NULL,
                                  1, n, heads, H / heads, ctx->attn + first);
        }
    }
    /* attention output: LayerNorm(x + dense(context)), into q (free now) */
    albert__dense(ctx->pool, ctx->attn, T, &l->o_w, l->o_b, 0, ctx->x, ctx->q);
    albert__layer_norm(ctx->pool, ctx->q, T, H, l->attn_norm_w, l->attn_norm_b, eps);
    /* feed-forward: LayerNorm(a + W2 act(W1 a + b1) + b2), back into x */
    albert__dense(ctx->pool, ctx->q, T, &l->ffn_w, l->ffn_b, (int)c->hidden_act, NULL, ctx->ffn);
    albert__dense(ctx->pool, ctx->ffn, T, &l->ffn_out_w, l->ffn_out_b, 0, ctx->q, ctx->x);
    albert__layer_norm(ctx->pool, ctx->x, T, H, l->ffn_norm_w, l->ffn_norm_b, eps);
}

/* The hidden state of sequence s's first computed token ([CLS]) from ctx->x (zeros if it has none). */
static void albert__first_token(const albert_context *ctx, int32_t s, float *out)
{
    int32_t H = ctx->model->config.hidden_size;
    if (ctx->seq_first[s + 1] > ctx->seq_first[s])
        memcpy(out, ctx->x + (size_t)ctx->seq_first[s] * H, sizeof(float) * H);
    else
        memset(out, 0, sizeof(float) * H);
}

/* Moves the packed rows at the front of buf [B*S x width] to their places in the batch, zeroing the padding.
   Rows only move towards the end, so going backwards never overwrites a row still to be moved. */
static void albert__unpack_rows(const albert_context *ctx, const albert_batch *b, float *buf, size_t width)
{
    int32_t r, next = b->batch_size * b->seq_len;
    for (r = ctx->n_rows - 1; r >= 0; r--) {
        int32_t to = ctx->row_source[r];
        if (to + 1 < next) memset(buf + (size_t)(to + 1) * width, 0, sizeof(float) * width * (size_t)(next - to - 1));
        memmove(buf + (size_t)to * width, buf + (size_t)r * width, sizeof(float) * width);
        next = to;
    }
    if (next > 0) memset(buf, 0, sizeof(float) * width * (size_t)next);
}

/* tanh(W h[CLS] + b) for every sequence of the batch, from ctx->x, into pooled [B x H] (uses ctx->q). */
static void albert__pooler(albert_context *ctx, const albert_batch *b, float *pooled)
{
    const albert_model *m = ctx->model;
    int32_t H = m->config.hidden_size, s;
    for (s = 0; s < b->batch_size; s++) albert__first_token(ctx, s, ctx->q + (size_t)s * H);
    albert__dense(ctx->pool, ctx->q, b->batch_size, &m->pooler_w, m->pooler_b, ALBERT_ACT_TANH, NULL, pooled);
}

/* Sentence vectors from ctx->x (the hidden states of the chosen layer). */
static void albert__sentence_vectors(albert_context *ctx, const albert_batch *b, const albert_outputs *o)
{
    int32_t H = ctx->model->config.hidden_size, s, t, j;
    for (s = 0; s < b->batch_size; s++) {
        float *v = o->sentence + (size_t)s * H;
        if (o->pooling == ALBERT_POOLING_MEAN) {   /* over the real tokens */
            const float *rows = ctx->x + (size_t)ctx->seq_first[s] * H;
            int32_t n = 0, count = ctx->seq_first[s + 1] - ctx->seq_first[s];
            for (j = 0; j < H; j++) v[j] = 0.0f;
            for (t = 0; t < count; t++) {
                if (!ctx->packed && b->attention_mask && !b->attention_mask[(size_t)s * b->seq_len + t]) continue;
                for (j = 0; j < H; j++) v[j] += rows[(size_t)t * H + j];
                n++;
            }
            for (j = 0; j < H; j++) v[j] = n ? v[j] / (float)n : 0.0f;
        } else if (o->pooling == ALBERT_POOLING_CLS) {
            albert__first_token(ctx, s, v);
        }
    }
    if (o->pooling == ALBERT_POOLING_POOLER) albert__pooler(ctx, b, o->sentence);
    if (o->normalize) {
        for (s = 0; s < b->batch_size; s++) {
            float *v = o->sentence + (size_t)s * H;
            double sum = 0.0;
            for (j = 0; j < H; j++) sum += (double)v[j] * v[j];
            if (sum > 0.0) {
                float inv = (float)(1.0 / sqrt(sum));
                for (j = 0; j < H; j++) v[j] *= inv;
            }
        }
    }
}

/* Hands out the hidden states after layer `index` (0 = the projection) to whichever outputs want them. */
static void albert__emit_layer(albert_context *ctx, const albert_batch *b, const albert_outputs *o, int32_t layer,
                               int32_t index)
{
    size_t H = (size_t)ctx->model->config.hidden_size, TH = (size_t)b->batch_size * b->seq_len * H;
    if (o->all_hidden) {
        memcpy(o->all_hidden + (size_t)index * TH, ctx->x, sizeof(float) * (size_t)ctx->n_rows * H);
        if (ctx->packed) albert__unpack_rows(ctx, b, o->all_hidden + (size_t)index * TH, H);
    }
    if (index != layer) return;
    if (o->hidden) {
        memcpy(o->hidden, ctx->x, sizeof(float) * (size_t)ctx->n_rows * H);
        if (ctx->packed) albert__unpack_rows(ctx, b, o->hidden, H);
    }
    if (o->sentence) albert__sentence_vectors(ctx, b, o);
}

/* Checks a batch and the requested outputs before anything is written. */
static albert_result albert__check_batch(albert_context *ctx, const albert_batch *b, const albert_outputs *o,
                                         int32_t *layer)
{
    const albert_config *c = &ctx->model->config;
    int32_t L = c->num_hidden_layers;
    size_t i, n;
    if (b->batch_size < 0 || b->seq_len < 0) return albert__ctx_fail(ctx, ALBERT_ERR_ARGUMENT, "negative batch size or length");
    if (b->batch_size == 0 || b->seq_len == 0) return albert__ctx_fail(ctx, ALBERT_ERR_EMPTY, "no tokens");
    if (!b->input_ids) return albert__ctx_fail(ctx, ALBERT_ERR_ARGUMENT, "input_ids is NULL");
    if (b->seq_len > c->max_position_embeddings)
        return albert__ctx_fail(ctx, ALBERT_ERR_TOO_LONG, "%ld tokens is more than max_position_embeddings %ld",
                                (long)b->seq_len, (long)c->max_position_embeddings);
    if ((int64_t)b->batch_size * b->seq_len > ctx->max_tokens)
        return albert__ctx_fail(ctx, ALBERT_ERR_TOO_LONG, "%lld tokens is more than the context's max_tokens %ld",
                                (long long)b->batch_size * b->seq_len, (long)ctx->max_tokens);
    n = (size_t)b->batch_size * (size_t)b->seq_len;
    for (i = 0; i < n; i++) {
        if (b->input_ids[i] < 0 || b->input_ids[i] >= c->vocab_size)
            return albert__ctx_fail(ctx, ALBERT_ERR_TOKEN_ID, "token id %ld at position %lu is outside 0..%ld",
                                    (long)b->input_ids[i], (unsigned long)i, (long)c->vocab_size - 1);
        if (b->token_type_ids && (b->token_type_ids[i] < 0 || b->token_type_ids[i] >= c->type_vocab_size))
            return albert__ctx_fail(ctx, ALBERT_ERR_TYPE_ID, "token type id %ld at position %lu is outside 0..%ld",
                                    (long)b->token_type_ids[i], (unsigned long)i, (long)c->type_vocab_size - 1);
    }
    if (!o->hidden && !o->all_hidden && !o->pooled && !o->mlm_logits && !o->sop_logits && !o->class_logits &&
        !o->sentence)
        return albert__ctx_fail(ctx, ALBERT_ERR_ARGUMENT, "no output requested");
    *layer = o->layer < 0 ? L + 1 + o->layer : o->layer;
    if ((o->hidden || o->sentence) && (*layer < 0 || *layer > L))
        return albert__ctx_fail(ctx, ALBERT_ERR_LAYER, "layer %ld is outside %ld..%ld", (long)o->layer,
                                (long)-(L + 1), (long)L);
    if (o->sentence && (o->pooling < ALBERT_POOLING_MEAN || o->pooling > ALBERT_POOLING_POOLER))
        return albert__ctx_fail(ctx, ALBERT_ERR_ARGUMENT, "unknown pooling %ld", (long)o->pooling);
    if (o->sentence && o->pooling == ALBERT_POOLING_POOLER && !c->has_pooler)
        return albert__ctx_fail(ctx, ALBERT_ERR_NO_HEAD, "the model has no pooler");
    if (o->pooled && !c->has_pooler) return albert__ctx_fail(ctx, ALBERT_ERR_NO_HEAD, "the model has no pooler");
    if (o->mlm_logits && !c->has_mlm) return albert__ctx_fail(ctx, ALBERT_ERR_NO_HEAD, "the model has no masked-LM head");
    if (o->sop_logits && !c->has_sop)
        return albert__ctx_fail(ctx, ALBERT_ERR_NO_HEAD, "the model has no sentence-order head");
    if (o->class_logits && !c->has_classifier)
        return albert__ctx_fail(ctx, ALBERT_ERR_NO_HEAD, "the model has no classifier head");
    return ALBERT_OK;
}

ALBERT_DEF albert_result albert_encode_batch(albert_context *ctx, const albert_batch *batch,
                                             const albert_outputs *out)
{
    const albert_model *m;
    const albert_config *c;
    int32_t layer = 0, L, G, inner, H, E, T, i, j, last_needed;
    const int32_t *mask = NULL;
    albert_result r;

    if (!ctx) return ALBERT_ERR_ARGUMENT;
    if (!batch || !out) return albert__ctx_fail(ctx, ALBERT_ERR_ARGUMENT, "batch or outputs is NULL");
    if ((r = albert__check_batch(ctx, batch, out, &layer)) != ALBERT_OK) return r;
    ctx->last_error[0] = 0;
    m = ctx->model;
    c = &m->config;
    L = c->num_hidden_layers;
    G = c->num_hidden_groups;
    inner = c->inner_group_num;
    H = c->hidden_size;
    E = c->embedding_size;
    T = batch->batch_size * batch->seq_len;

    /* which rows to compute */
    ctx->packed = 0;
    ctx->n_rows = T;
    for (i = 0; i <= batch->batch_size; i++) ctx->seq_first[i] = i * batch->seq_len;
    if (batch->attention_mask) {
        for (i = 0; i < T; i++) ctx->mask[i] = batch->attention_mask[i] != 0;
        mask = ctx->mask;
        if (batch->skip_padding) {
            int32_t n = 0, s;
            for (s = 0; s < batch->batch_size; s++) {
                ctx->seq_first[s] = n;
                for (i = s * batch->seq_len; i < (s + 1) * batch->seq_len; i++)
                    if (ctx->mask[i]) ctx->row_source[n++] = i;
            }
            ctx->seq_first[batch->batch_size] = n;
            if (n > 0 && n < T) {
                ctx->packed = 1;
                ctx->n_rows = T = n;
            } else {   /* nothing to skip (or only padding: computed as HF does) */
                for (i = 0; i <= batch->batch_size; i++) ctx->seq_first[i] = i * batch->seq_len;
            }
        }
    }
    /* how far the layers must run */
    last_needed = (out->hidden || out->sentence) ? layer : 0;
    if (out->all_hidden || out->pooled || out->mlm_logits || out->sop_logits || out->class_logits) last_needed = L;

    albert__embed(ctx, batch);
    albert__dense(ctx->pool, ctx->emb, T, &m->proj_w, m->proj_b, 0, NULL, ctx->x);
    albert__emit_layer(ctx, batch, out, layer, 0);
    for (i = 0; i < last_needed; i++) {
        int32_t group = (int32_t)(((int64_t)i * G) / L);   /* HF: int(i / (L / G)) */
        for (j = 0; j < inner; j++) albert__layer_forward(ctx, &m->layers[group * inner + j], batch, mask);
        albert__emit_layer(ctx, batch, out, layer, i + 1);
    }

    /* heads, all on the last layer */
    if (out->pooled || out->sop_logits || out->class_logits) {
        float *pooled = ctx->k;   /* [B x H] */
        albert__pooler(ctx, batch, pooled);
        if (out->pooled) memcpy(out->pooled, pooled, sizeof(float) * batch->batch_size * H);
        if (out->sop_logits)
            albert__linear(ctx->pool, pooled, batch->batch_size, H, m->sop_w, m->sop_b, 2, 0, NULL, out->sop_logits);
        if (out->class_logits)
            albert__linear(ctx->pool, pooled, batch->batch_size, H, m->cls_w, m->cls_b, c->num_labels, 0, NULL,
                           out->class_logits);
    }
    if (out->mlm_logits) {
        albert__dense(ctx->pool, ctx->x, T, &m->mlm_dense_w, m->mlm_dense_b, (int)c->hidden_act, NULL, ctx->emb);
        albert__layer_norm(ctx->pool, ctx->emb, T, E, m->mlm_norm_w, m->mlm_norm_b, c->layer_norm_eps);
        albert__dense(ctx->pool, ctx->emb, T, &m->word, m->mlm_bias, 0, NULL, out->mlm_logits);
        if (ctx->packed) albert__unpack_rows(ctx, batch, out->mlm_logits, (size_t)c->vocab_size);
    }
    return ALBERT_OK;
}

ALBERT_DEF albert_result albert_encode(albert_context *ctx, const int32_t *input_ids, const int32_t *token_type_ids,
                                       int32_t n_tokens, int32_t layer, float *out)
{
    albert_batch b;
    albert_outputs o;
    if (!ctx) return ALBERT_ERR_ARGUMENT;
    if (!out) return albert__ctx_fail(ctx, ALBERT_ERR_ARGUMENT, "out is NULL");
    memset(&b, 0, sizeof b);
    memset(&o, 0, sizeof o);
    b.batch_size = 1;
    b.seq_len = n_tokens;
    b.input_ids = input_ids;
    b.token_type_ids = token_type_ids;
    o.layer = layer;
    o.hidden = out;
    return albert_encode_batch(ctx, &b, &o);
}

/* ---------------------------------------------------------------------------------------------- */
/* Tokenizer: text -> normalizer -> pieces -> ids                                                 */
/* ---------------------------------------------------------------------------------------------- */
#include "wip/unicode.h"
#include "wip/wordpiece.h"
#include "wip/tokenizer.h"

ALBERT_DEF albert_result albert_encode_text(albert_context *ctx, const char *text, size_t text_len,
                                            const char *text_pair, size_t pair_len, albert_tokens *tokens,
                                            const albert_outputs *outputs)
{
    const albert_config *c;
    albert_batch batch;
    albert_result r;
    int32_t limit;
    if (!ctx) return ALBERT_ERR_ARGUMENT;
    if (!text || !tokens || !outputs || !tokens->ids || (text_pair && !tokens->type_ids))
        return albert__ctx_fail(ctx, ALBERT_ERR_ARGUMENT, "text, tokens, outputs or a buffer is NULL");
    c = &ctx->model->config;
    limit = tokens->capacity;
    if (limit > ctx->max_tokens) limit = ctx->max_tokens;
    if (limit > c->max_position_embeddings) limit = c->max_position_embeddings;
    r = albert_tokenize(ctx->model, text, text_len, text_pair, pair_len, limit, tokens);
    if (r != ALBERT_OK) return albert__ctx_fail(ctx, r, "cannot tokenize the text: %s", albert_result_string(r));
    memset(&batch, 0, sizeof batch);
    batch.batch_size = 1;
    batch.seq_len = tokens->n_tokens;
    batch.input_ids = tokens->ids;
    batch.token_type_ids = tokens->type_ids;
    return albert_encode_batch(ctx, &batch, outputs);
}

#endif /* ALBERT__IMPLEMENTED */
#endif /* ALBERT_IMPLEMENTATION */

/*
MIT License

Copyright (c) 2026 the albert.h authors

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated
documentation files (the "Software"), to deal in the Software without restriction, including without limitation
the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to
permit persons to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial portions of
the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE
WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR
COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR
OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
*/

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
     All integers little-endian. The file is: a 256-byte header, a tensor directory, tensor data.

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

#ifdef ALBERT_STATIC
#define ALBERT_API static
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
} albert_outputs;

/* ---- model ---- */
ALBERT_API albert_result albert_model_load(const char *path, albert_model **model, albert_error *error);
/* The same from a buffer the caller keeps alive (and unchanged) until albert_model_free. */
ALBERT_API albert_result albert_model_load_memory(const void *data, size_t size, albert_model **model, albert_error *error);
ALBERT_API void albert_model_free(albert_model *model);
ALBERT_API const albert_config *albert_model_config(const albert_model *model);
ALBERT_API const char *albert_result_string(albert_result result);

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
/* The text of a vocabulary entry (not NUL-terminated; *length bytes), or NULL for an id out of range. */
ALBERT_API const char *albert_token_piece(const albert_model *model, int32_t id, int32_t *length);

#ifdef __cplusplus
}
#endif
#endif /* ALBERT_H */

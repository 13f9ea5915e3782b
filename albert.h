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
     masked-LM, sentence-order and classifier logits, and the per-token logits of token-classification and
     question-answering heads. albert_classify, albert_qa, albert_ner and albert_choose go from text to what
     HF's pipelines return (labels and scores, answers and entities with byte offsets into the text).
     Zero-initialize albert_batch and albert_outputs (memset or = {0}) and set what you use: fields added in
     later versions mean "as before" when 0.

   THREADS
     A loaded albert_model is immutable: share it between any number of threads. An albert_context holds
     all scratch memory of one forward pass (allocated once, when it is created) and must be used by one
     thread at a time: give each thread its own. The library has no global state.

   MEMORY
     The weights are used in place from the mapped file (a model adds ~1 KB of its own). A context allocates
     its scratch once and never again; albert_context_memory() returns its size: for T = max_tokens,
     4 T (E + 5 H) + 4 round64(min(T, 128)) I + 12 T bytes of activations, 4 MB of packed inputs for the
     matrix products, and per thread ~4 (hd S + 66 S + S round64(hd)) bytes of attention scratch (S = min(T,
     max positions), hd = H / heads). albert-base, 512 tokens, 2 threads: 14.1 MiB; 128 tokens: 7.7 MiB.

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
     ALBERT_NO_AVX512       on x86-64, the AVX2 kernels even where the CPU has AVX-512 (what an AVX2-only CPU
                            such as AMD Zen 3 runs; `make avx2` tests it)
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
      132  u32    head kind                  an albert_head value: 0 = as v0.1 (cls.* present = sequence classifier),
                                             1 sequence classification, 2 token classification, 3 question
                                             answering, 4 multiple choice (see "Tensors" for what each needs)
      136  u32    problem type               an albert_problem_type value (only with head kind 1; else 0):
                                             0 unspecified, 1 regression, 2 single_label, 3 multi_label
      140  u32    default sentence pooling   an albert_pooling value 0..4 (0 = mean): what ALBERT_POOLING_DEFAULT
                                             uses (sentence-transformers' 1_Pooling); POOLER needs the pooler
      144  u32    sentence flags             bit 0: L2-normalize the default sentence vector (2_Normalize); other
                                             bits zero
      148  u32    max_seq_length             sentence-transformers' max_seq_length: albert_encode_text truncates to
                                             it for a default sentence vector (0 = none; <= max_position_embeddings)
      152  u32    extra tokenizer flags      ALBERT_TOKENIZER2_* bits (0 = none)
      156  u32    reserved, zero
      160  u32    architecture               0 = Google/HF ALBERT, 1 = brightmart albert_zh (an albert_architecture)
      164  u32    brightmart flags           bit 0: pre-LN (brightmart ln_type "preln"); 0 when architecture is 0
      168  u32    reserved for brightmart, zero
      172  ...    reserved, must be zero (up to byte 256)

     Directory entry (80 bytes each)
        0  u8[32] name, NUL-padded, at least one NUL
       32  u32    dtype: 0 f32, 1 f16, 2 q8 (int8 rows, with a "<name>.scale" f32 tensor), 3 u8, 4 i32, 5 u32,
                  6 bf16 (bfloat16: the top half of an f32; layout 1 only)
       36  u32    layout: 0 row-major (PyTorch order: Linear weights are [out, in]);
                  1 packed (a 2-d q8 or bf16 weight matrix [n, k], for the int8 / bf16 dot-product units):
                    [ceil(n/16)][kp/g][16][g] with kp = k rounded up to 64 and g = 4 (q8) or 2 (bf16) values,
                    i.e. per block of 16 output columns, k in groups of g consecutive inputs, each group holding
                    the 16 columns' g values (element W[j][t] at ((j/16 * kp/g + t/g) * 16 + j%16) * g + t%g);
                    padding (columns j >= n, inputs t >= k) is zero. Size = round16(n) x kp x dtype size.
                    A packed q8 matrix also needs "<name>.scale" f32 [n] and "<name>.sum" i32 [n], the sum of
                    output j's k int8 values (|sum| <= 127 k), which the kernels use for the activations'
                    zero point. albert-convert --dtype int8 / bf16 packs the encoder's six matrices per layer.
                  others reserved
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
                            head kind 0/1: applied to the pooler output (needs the pooler); kind 2: applied to every
                            token's last hidden state (pooler optional); kind 4: num_labels = 1, applied to the
                            pooler output of each choice (needs the pooler). Kind 3 has no cls.*
        qa.w [2,H] qa.b [2]                                             (head kind 3 only, num_labels = 2:
                                                                         start and end logits of every token)
        tok.* and uni.*     the tokenizer section: vocabulary, scores, tries, charsmap, Unicode tables; their
                            layouts are described where the implementation reads them (uni.*: section 15;
                            WordPiece tok.*: 16.3; SentencePiece tok.*: the start of section 16)
     Architecture 1 (brightmart albert_zh: word vectors projected E -> H first, then + position + token type,
     LayerNorm over H; pre- or post-LN layers; an [H,H] MLM transform whose decoder goes back through the
     projection) changes these shapes and adds one tensor:
        emb.pos [P,H]  emb.type [T,H]  emb.norm.w [H]  emb.norm.b [H]  proj.w [H,E] and no proj.b
        mlm.dense.w [H,H] mlm.dense.b [H] mlm.norm.w [H] mlm.norm.b [H]
        bm.mlm.proj.w [E,H]   the MLM decoder's H -> E step (brightmart's word_embeddings_2 as stored, so proj.w is
                              its transpose); part of the MLM head; logits = (t bm.mlm.proj.w^T) emb.word^T + mlm.bias
     Unknown names are ignored by this version (room for additions); every entry is still validated.
     A tokenizer-only file has hidden_size = 0 (and no encoder tensors): it can tokenize but not encode.
*/
/* CONTENTS (grep -n '^/\* ==== ' albert.h finds each section; sub-sections are "N.M name")
     Public API ............ declarations, documented one by one (under #ifndef ALBERT_H)
     Implementation (under #ifdef ALBERT_IMPLEMENTATION), in the order the data flows:
      1. Errors               result strings, the error helper
      2. The model file       header, directory, tensor binding, load (mmap or read), validation of every byte
      3. Compute setup        instruction-set levels (ALBERT__ISA_*), SIMD includes, tuning constants
      4. Thread pool          the pool every kernel runs on (claiming, spinning, sleeping)
      5. Kernels: shared      scratch layout, job structs, micro-kernel shapes, the scalar activation, target
                              attributes and vector constants (what every ISA block below uses)
      6. Kernels: scalar      portable C, the contract every SIMD path matches
      7. Kernels: AVX2        x86-64 AVX2 + FMA (+ F16C), 8 lanes
      8. Kernels: AVX-512     x86-64 AVX-512F, 16 lanes: f32 and f16 linear, LayerNorm, attention
      9. Kernels: AVX-512 VNNI / BF16 / AMX   int8 (vpdpbusd), packed int8 / bf16 (vpdpbusd, vdpbf16ps, AMX tiles)
     10. Kernels: NEON        AArch64
     11. Kernels: WASM SIMD128  WebAssembly (-msimd128), 4 lanes: linear, attention, LayerNorm, activations
     12. Kernel drivers       per operation: ISA dispatch and the pool jobs (linear layers f32 / f16 / q8,
                              packed int8 / bf16, LayerNorm, attention, activations)
     13. Context              per-thread scratch memory
     14. Forward pass         embeddings -> projection -> shared layer x N -> heads (albert_encode_batch)
     15. Tokenizer: text        Unicode data, UTF-8, code point strings with an origin map
     16. Tokenizer: tables      constants, token lists, the tokenizer object and its loading
     17. Tokenizer: normalizers AlbertTokenizer pre-normalisation, SentencePiece normalizer
     18. Tokenizer: pieces      unigram Viterbi, AlbertTokenizer's digit-comma rule, WordPiece (BertTokenizer)
                                tokenizer.json's pipeline (normalizer steps, Metaspace, tokenizers' Unigram)
     19. Tokenizer: ids         special tokens, [CLS] A [SEP] B [SEP], truncation, the public functions
     20. Tasks                what HF's pipelines do after the model: classify, multiple choice, QA spans, NER
     Licence (MIT) at the end.
   A new ISA is one new block (a numbered section with its kernels, plus its case in the section 12 dispatch);
   a new head goes in section 14 (its tensors in 2.3, its task function in 20); a new tokenizer step in 17 or 18. */
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

/* extra tokenizer flags (header byte 152): a SentencePiece-kind tokenizer converted from tokenizer.json runs HF
   tokenizers' pipeline (what AlbertTokenizerFast gives) instead of the slow AlbertTokenizer's: added tokens split
   out of the raw text, then per segment the normalizer steps below in this order, Metaspace (spaces -> U+2581,
   the prefix, split before each U+2581), and tokenizers' Unigram Viterbi per word (f64 scores: tok.scores64,
   unknown penalty min score - 10, unknown runs fused). The header's ALBERT_TOKENIZER_* bits are 0 then. */
#define ALBERT_TOKENIZER2_FAST          (1u << 0)  /* the pipeline above (required by every bit below) */
#define ALBERT_TOKENIZER2_QUOTES        (1u << 1)  /* Replace "``" -> '"', then "''" -> '"' */
#define ALBERT_TOKENIZER2_NFKD          (1u << 2)  /* NFKD */
#define ALBERT_TOKENIZER2_STRIP_MN      (1u << 3)  /* StripAccents: drop general category Mn */
#define ALBERT_TOKENIZER2_LOWER         (1u << 4)  /* Lowercase, code point by code point */
#define ALBERT_TOKENIZER2_PRECOMPILED   (1u << 5)  /* Precompiled: tok.charsmap, code point by code point */
#define ALBERT_TOKENIZER2_SPACES        (1u << 6)  /* Replace Regex " {2,}" -> " " */
#define ALBERT_TOKENIZER2_PREPEND       (1u << 7)  /* Metaspace prepend_scheme "always" */
#define ALBERT_TOKENIZER2_PREPEND_FIRST (1u << 8)  /* Metaspace prepend_scheme "first" (only where the text starts) */
#define ALBERT_TOKENIZER2_MASK_LSTRIP   (1u << 9)  /* the mask token is lstrip (eats the whitespace on its left) */
#define ALBERT_TOKENIZER2_ALL           0x3FFu

/* Which task head the model file carries (header byte 132), as HF's AlbertFor... classes. */
typedef enum albert_head {
    ALBERT_HEAD_NONE = 0,                    /* encoder only (plus pooler / MLM / SOP as present) */
    ALBERT_HEAD_SEQUENCE_CLASSIFICATION = 1, /* AlbertForSequenceClassification: class_logits [B x num_labels] */
    ALBERT_HEAD_TOKEN_CLASSIFICATION = 2,    /* AlbertForTokenClassification: token_logits [B x S x num_labels] */
    ALBERT_HEAD_QUESTION_ANSWERING = 3,      /* AlbertForQuestionAnswering: token_logits [B x S x 2] (start, end) */
    ALBERT_HEAD_MULTIPLE_CHOICE = 4          /* AlbertForMultipleChoice: class_logits [B x 1], one row per choice */
} albert_head;

/* A sequence classifier's problem_type (header byte 136): which function HF's text-classification pipeline
   applies to the logits (albert_classify): regression -> none, multi_label or 1 label -> sigmoid,
   single_label or several labels -> softmax. */
typedef enum albert_problem_type {
    ALBERT_PROBLEM_UNSPECIFIED = 0,   /* the pipeline's rule by num_labels: 1 -> sigmoid, more -> softmax */
    ALBERT_PROBLEM_REGRESSION = 1,
    ALBERT_PROBLEM_SINGLE_LABEL = 2,
    ALBERT_PROBLEM_MULTI_LABEL = 3
} albert_problem_type;
typedef enum albert_architecture {
    ALBERT_ARCH_ALBERT = 0,      /* Google's / HF's ALBERT graph */
    ALBERT_ARCH_BRIGHTMART = 1   /* brightmart/albert_zh's graph (its non-"google" Chinese checkpoints) */
} albert_architecture;

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
    /* what ALBERT_POOLING_DEFAULT means for this model (sentence-transformers' modules; a file that says
       nothing: ALBERT_POOLING_MEAN, no normalization, no length limit) */
    int32_t sentence_pooling;                    /* an albert_pooling value, never ALBERT_POOLING_DEFAULT */
    int32_t sentence_normalize;                  /* 1 = the default sentence vector is L2-normalized */
    int32_t max_seq_length;                      /* texts truncated to this many tokens for it (0 = no limit) */
    uint32_t tokenizer_flags2;                   /* ALBERT_TOKENIZER2_* bits (tokenizer.json) */
    albert_head head;                            /* the task head (a v0.1 file with cls.* reads as SEQUENCE_...) */
    albert_problem_type problem_type;            /* sequence classification only */
    albert_architecture architecture;
    int32_t pre_layer_norm;                      /* 1: LayerNorm before attention and feed-forward (brightmart preln) */
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
    int32_t layer;            /* which layer `hidden` holds: 0 = the embeddings in H (after the E->H projection;
                                 brightmart: after its embedding LayerNorm), L = last;
                                 negative counts from the end (-1 = last, -2 = second to last) */
    float *hidden;            /* [B x S x H] hidden states of `layer` */
    float *all_hidden;        /* [(L+1) x B x S x H] every layer, as HF's hidden_states */
    float *pooled;            /* [B x H] pooler output tanh(W h[CLS] + b) (needs the pooler) */
    float *mlm_logits;        /* [B x S x V] masked-LM logits (needs the MLM head) */
    float *sop_logits;        /* [B x 2] sentence-order logits (needs the SOP head) */
    float *class_logits;      /* [B x num_labels] classifier logits (sequence classification, or multiple choice:
                                 [B x 1], one score per sequence = per choice) */
    float *sentence;          /* [B x H] one vector per sequence from the hidden states of `layer`, pooled as
                                 `pooling` says, L2-normalized if `normalize` */
    int32_t pooling;          /* an albert_pooling value; ALBERT_POOLING_DEFAULT = the model's own */
    int32_t normalize;        /* 1 = scale each sentence vector to unit length (always, if the model's default
                                 pooling says so and pooling is ALBERT_POOLING_DEFAULT) */
    float *token_logits;      /* [B x S x num_labels] per-token head: token classifier logits, or for question
                                 answering start and end logits of each token ([.. x 2]); rows of padding
                                 positions as HF computes them (0 with skip_padding) */
} albert_outputs;

typedef enum albert_pooling {
    ALBERT_POOLING_MEAN = 0,          /* mean over the real tokens (attention_mask 1), specials included */
    ALBERT_POOLING_CLS = 1,           /* the first token's hidden state */
    ALBERT_POOLING_POOLER = 2,        /* tanh(W h[CLS] + b) with the pooler's weights (needs the pooler) */
    ALBERT_POOLING_MAX = 3,           /* per dimension the largest value over the real tokens */
    ALBERT_POOLING_MEAN_SQRT_LEN = 4, /* sum over the real tokens / sqrt(number of real tokens) */
    ALBERT_POOLING_DEFAULT = 5        /* the model file's own: config sentence_pooling, sentence_normalize and
                                         max_seq_length (sentence-transformers' Pooling / Normalize modules);
                                         a file that says nothing: MEAN, not normalized */
} albert_pooling;

/* ---- model ---- */
ALBERT_API albert_result albert_model_load(const char *path, albert_model **model, albert_error *error);
/* The same from a buffer the caller keeps alive (and unchanged) until albert_model_free. */
ALBERT_API albert_result albert_model_load_memory(const void *data, size_t size, albert_model **model, albert_error *error);
ALBERT_API void albert_model_free(albert_model *model);
ALBERT_API const albert_config *albert_model_config(const albert_model *model);
/* Reads every weight of the model once and checks that it is a finite number (f32, f16 and bf16 tensors, incl.
   the q8 row scales). Loading validates every byte of the structure but does not read the weights (a mapped file
   costs nothing until it is used); run this once on a file from elsewhere. ALBERT_OK, or ALBERT_ERR_FORMAT with
   the tensor and element in error. Thread-safe (reads only). */
ALBERT_API albert_result albert_model_check(const albert_model *model, albert_error *error);
ALBERT_API const char *albert_result_string(albert_result result);
/* The library's version, ALBERT_VERSION_STRING ("major.minor.patch") of the albert.h that was compiled, as a
   static string: lets a program linked against a prebuilt libalbert.a / albert.o report what it runs. */
ALBERT_API const char *albert_version(void);
/* The classifier's name for label i (from id2label), or NULL. */
ALBERT_API const char *albert_label_name(const albert_model *model, int32_t label);

/* ---- context (per thread) ---- */
ALBERT_API albert_context_params albert_context_default_params(void);
ALBERT_API albert_result albert_context_create(const albert_model *model, const albert_context_params *params,
                                               albert_context **context);
ALBERT_API void albert_context_free(albert_context *context);
ALBERT_API const char *albert_context_last_error(const albert_context *context);
/* Bytes of scratch memory the context allocated (all of it, once, in albert_context_create; see MEMORY). */
ALBERT_API size_t albert_context_memory(const albert_context *context);

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
    int32_t capacity;    /* size of the buffers, in tokens (ids may be NULL only with capacity 0: a size query) */
    int32_t n_tokens;    /* out: tokens written (or needed, with ALBERT_ERR_CAPACITY) */
} albert_tokens;

/* HuggingFace AlbertTokenizer / BertTokenizer encode(): "[CLS] A [SEP]" or, with a pair, "[CLS] A [SEP] B [SEP]".
   text is UTF-8 of text_len bytes (need not be NUL-terminated); text_pair may be NULL. max_tokens > 0 truncates
   (longest first, as HF) to at most that many tokens including the specials; 0 = no truncation. Invalid UTF-8
   bytes are each read as U+FFFD. A single long text with max_tokens is read only as far as needed where that
   gives exactly the same tokens (WordPiece; SentencePiece on ASCII text - see albert__tok_cut), so truncating
   a 5 MB text to 512 tokens costs about what a 512-token text does. */
ALBERT_API albert_result albert_tokenize(const albert_model *model, const char *text, size_t text_len,
                                         const char *text_pair, size_t pair_len, int32_t max_tokens,
                                         albert_tokens *tokens);
/* Plain SentencePiece encoding (no ALBERT preprocessing, no specials), as sentencepiece's EncodeAsIds. */
ALBERT_API albert_result albert_sentencepiece_encode(const albert_model *model, const char *text, size_t text_len,
                                                     albert_tokens *tokens);
/* Text to outputs in one call: tokenizes text (+ text_pair) into *tokens (truncated to tokens->capacity, the
   context's max_tokens and max_position_embeddings, and for a sentence vector with ALBERT_POOLING_DEFAULT to
   the model's max_seq_length), then runs albert_encode_batch on those tokens with
   *outputs, whose buffers must hold tokens->capacity tokens. tokens->type_ids is needed for a pair. */
ALBERT_API albert_result albert_encode_text(albert_context *context, const char *text, size_t text_len,
                                            const char *text_pair, size_t pair_len, albert_tokens *tokens,
                                            const albert_outputs *outputs);
/* The text of a vocabulary entry (not NUL-terminated; *length bytes), or NULL for an id out of range. */
ALBERT_API const char *albert_token_piece(const albert_model *model, int32_t id, int32_t *length);

/* ---- tasks: text in, HF pipeline results out (HF transformers' pipelines, fast-tokenizer path) ----
   Each takes a job struct (zero-initialize it, set the inputs; 0 means the default) and a context; texts are
   UTF-8 with explicit lengths; byte offsets [start, end) refer to the caller's text. Label strings point into
   the model (valid until albert_model_free). These functions allocate their working memory (tokens, logits)
   with ALBERT_MALLOC and free it before returning; on any error nothing is written to the job's outputs. */

/* Sequence classification (head ALBERT_HEAD_SEQUENCE_CLASSIFICATION), text or text pair, as HF's
   text-classification pipeline: scores = softmax, sigmoid or the raw logits by the model's problem_type
   (regression: raw; multi_label or 1 label: sigmoid; otherwise softmax). The input is truncated (longest first)
   to the context's max_tokens and max_position_embeddings. */
typedef struct albert_classify_job {
    const char *text; size_t text_len;
    const char *pair; size_t pair_len;   /* NULL = a single text */
    float *logits;                       /* out [num_labels], or NULL */
    float *scores;                       /* out [num_labels], or NULL: the pipeline's function of the logits */
    const char *function;                /* out: "softmax", "sigmoid" or "none" */
} albert_classify_job;
ALBERT_API albert_result albert_classify(albert_context *context, albert_classify_job *job);

/* Extractive question answering (head ALBERT_HEAD_QUESTION_ANSWERING), as HF's question-answering pipeline:
   "[CLS] question [SEP] context [SEP]", a context longer than a window split into windows of max_seq_len tokens
   that overlap by doc_stride tokens; per window a softmax over the context tokens (and [CLS]) of the start and
   end logits, spans start <= end < start + max_answer_len inside the context, score = p_start * p_end; spans
   widened to whole words, equal answers (case-insensitive, ASCII) summed, the best top_k over all windows. */
typedef struct albert_answer {
    float score;                         /* probability (summed over windows / spans giving the same text) */
    int32_t start, end;                  /* byte range of the answer in the context; 0, 0 = "no answer" */
} albert_answer;
typedef struct albert_qa_job {
    const char *question; size_t question_len;
    const char *context; size_t context_len;
    int32_t top_k;                       /* answers wanted (0 = 1; at most 2^20) */
    int32_t max_answer_len;              /* longest answer in tokens (0 = 15) */
    int32_t max_seq_len;                 /* tokens per window with the specials (0 = min(384, the model's
                                            max_position_embeddings, the context's max_tokens)) */
    int32_t doc_stride;                  /* overlap of consecutive windows (0 = min(max_seq_len / 2, 128)); must
                                            be smaller than the context tokens a window holds */
    int32_t handle_impossible_answer;    /* 1 = also rank the "no answer" (0, 0) with the [CLS] score */
    albert_answer *answers;              /* out [top_k], best first */
    int32_t n_answers;                   /* out: answers written (<= top_k) */
} albert_qa_job;
ALBERT_API albert_result albert_qa(albert_context *context, albert_qa_job *job);

/* Token classification (head ALBERT_HEAD_TOKEN_CLASSIFICATION), as HF's token-classification ("ner") pipeline
   with ignore_labels ["O"]: ALBERT_AGGREGATION_NONE gives every token whose best label is not "O";
   ALBERT_AGGREGATION_SIMPLE groups adjacent tokens (B-X then I-X ..., or equal labels without B-/I-) into
   entities with the mean score. The text is truncated to the context's max_tokens / max positions. */
typedef enum albert_aggregation { ALBERT_AGGREGATION_NONE = 0, ALBERT_AGGREGATION_SIMPLE = 1 } albert_aggregation;
typedef struct albert_entity {
    const char *label;                   /* the token's label (none) or the group's entity type without "B-" /
                                            "I-" (simple), NUL-terminated, owned by the model */
    int32_t label_id;                    /* the (first) token's label index */
    float score;                         /* softmax probability (simple: the mean over the group's tokens) */
    int32_t start, end;                  /* byte range in the text */
    int32_t first_token, n_tokens;       /* token index (with [CLS] = 0) and count */
} albert_entity;
typedef struct albert_ner_job {
    const char *text; size_t text_len;
    int32_t aggregation;                 /* an albert_aggregation value */
    albert_entity *entities;             /* out [capacity] */
    int32_t capacity;
    int32_t n_entities;                  /* out: written, or needed (with ALBERT_ERR_CAPACITY, nothing written) */
} albert_ner_job;
ALBERT_API albert_result albert_ner(albert_context *context, albert_ner_job *job);

/* Multiple choice (head ALBERT_HEAD_MULTIPLE_CHOICE): one "[CLS] prompt [SEP] choice [SEP]" per choice (each
   truncated longest first to the context's max_tokens / max positions), the choice's logit, and the softmax over
   the choices (what HF's AlbertForMultipleChoice is trained with). */
typedef struct albert_choice_job {
    const char *prompt; size_t prompt_len;
    const char *const *choices;          /* [n_choices] UTF-8 texts */
    const size_t *choice_lens;           /* [n_choices] byte lengths, or NULL for NUL-terminated choices */
    int32_t n_choices;                   /* >= 1 */
    float *logits;                       /* out [n_choices], or NULL */
    float *probs;                        /* out [n_choices], or NULL: softmax over the choices */
} albert_choice_job;
ALBERT_API albert_result albert_choose(albert_context *context, albert_choice_job *job);

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

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* The platform: Windows (Win32 file mapping, threads and processor count; MinGW-w64 or MSVC) or POSIX (Linux,
   macOS, the BSDs: open/fstat/mmap, pthreads, sysconf). */
#ifdef _WIN32
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#ifndef ALBERT_NO_THREADS
#include <process.h>
#endif
#else
#if !defined(ALBERT_NO_MMAP) || !defined(ALBERT_NO_THREADS)
#include <unistd.h>
#endif
#ifndef ALBERT_NO_MMAP
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#endif
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
/* ============================================================================================== */
/* ==== 1. Errors =============================================================================== */
/* ============================================================================================== */
ALBERT_DEF const char *albert_version(void) { return ALBERT_VERSION_STRING; }

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

/* ============================================================================================== */
/* ==== 2. The model file: header, directory, tensors =========================================== */
/* ============================================================================================== */
/* ---------------------------------------------------------------- 2.1 constants and types */
#define ALBERT__HEADER_SIZE 256u
#define ALBERT__ENTRY_SIZE 80u
#define ALBERT__ALIGN 64u
#define ALBERT__ENDIAN_MARK 0x0A1B2C3Du
#define ALBERT__MAX_TENSORS (1u << 20)

enum { ALBERT__F32 = 0, ALBERT__F16 = 1, ALBERT__Q8 = 2, ALBERT__U8 = 3, ALBERT__I32 = 4, ALBERT__U32 = 5, ALBERT__BF16 = 6 };
/* Tensor layouts: 0 row-major; 1 a weight matrix [n, k] packed for the int8 / bf16 dot-product units (see the
   format section: [ceil(n/16)][ceil(k/64) * 64 / g][16][g] with g = 4 int8 or 2 bf16 values, zero padded). */
#define ALBERT__LAYOUT_PACKED 1

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
    case ALBERT__F16: case ALBERT__BF16: return 2;
    case ALBERT__Q8: case ALBERT__U8: return 1;
    }
    return 0;
}

static uint64_t albert__round_up(uint64_t v, uint64_t to) { return (v + to - 1) / to * to; }

/* A weight matrix [rows = out, cols = in], row-major, in the file's dtype (f32, f16, or q8 with a scale per row). */
typedef struct albert__matrix {
    uint32_t dtype, layout;
    int32_t rows, cols;
    const void *data;
    const float *scale;      /* q8: [rows] */
    const int32_t *sums;     /* q8 packed: [rows] the sum of each row's int8 weights (for the activations' zero point) */
    int32_t kp;              /* packed: cols rounded up to 64 */
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
    int file_is_mapped;            /* unmap on free (munmap / UnmapViewOfFile) */
    void *file_owned;              /* ALBERT_NO_MMAP, or a big-endian host's byte-swapped copy: buffer to free */
    albert__tensor *tensors;
    uint32_t n_tensors;
    /* embeddings: word [V,E], position [P,E], token type [T,E], LayerNorm [E]; projection E -> H */
    albert__matrix word, proj_w;
    const float *position, *token_type, *emb_norm_w, *emb_norm_b, *proj_b;
    albert__layer *layers;         /* [num_hidden_groups x inner_group_num], group-major */
    albert__matrix pooler_w, mlm_dense_w;
    albert__matrix mlm_proj_w;     /* brightmart: the MLM decoder's H -> E step (data NULL otherwise) */
    const float *pooler_b;
    const float *mlm_dense_b, *mlm_norm_w, *mlm_norm_b, *mlm_bias;
    const float *sop_w, *sop_b;
    const float *cls_w, *cls_b;
    const float *qa_w, *qa_b;      /* question answering [2,H], [2] */
    const char *labels;            /* num_labels NUL-terminated names, or NULL */
    struct albert__tokenizer *tokenizer;
};

/* ---------------------------------------------------------------- 2.2 header and directory: validation */
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
    uint32_t n, kind, flags, act, i, head, problem, arch, arch_flags;
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
    declared_size = albert__read_u64(h + 16);
    if (declared_size != (uint64_t)m->file_size)
        return albert__fail(e, ALBERT_ERR_FORMAT, "file size is %lu bytes but its header says %llu (truncated?)",
                            (unsigned long)m->file_size, (unsigned long long)declared_size);
    if (albert__read_u32(h + 36) != ALBERT__HEADER_SIZE)
        return albert__fail(e, ALBERT_ERR_FORMAT, "header size %lu, expected %u",
                            (unsigned long)albert__read_u32(h + 36), ALBERT__HEADER_SIZE);
    for (i = 140; i < ALBERT__HEADER_SIZE; i++) {
        if (i >= 140 && i < 156) continue;   /* sentence defaults, extra tokenizer flags (albert__parse_sentence) */
        if (i >= 160 && i < 168) continue;   /* architecture, brightmart flags (below) */
        if (h[i] != 0) return albert__fail(e, ALBERT_ERR_FORMAT, "reserved header byte %lu is not zero", (unsigned long)i);
    }
    arch = albert__read_u32(h + 160);
    arch_flags = albert__read_u32(h + 164);
    if (arch > ALBERT_ARCH_BRIGHTMART)
        return albert__fail(e, ALBERT_ERR_FORMAT, "unknown architecture %lu", (unsigned long)arch);
    if (arch_flags & ~1u)
        return albert__fail(e, ALBERT_ERR_FORMAT, "unknown brightmart flags 0x%lx", (unsigned long)arch_flags);
    if (arch_flags && arch != ALBERT_ARCH_BRIGHTMART)
        return albert__fail(e, ALBERT_ERR_FORMAT, "brightmart flags 0x%lx in a file of architecture %lu",
                            (unsigned long)arch_flags, (unsigned long)arch);
    c->architecture = (albert_architecture)arch;
    c->pre_layer_norm = (int32_t)(arch_flags & 1u);

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
    head = albert__read_u32(h + 132);
    problem = albert__read_u32(h + 136);
    if (head > ALBERT_HEAD_MULTIPLE_CHOICE)
        return albert__fail(e, ALBERT_ERR_FORMAT, "unknown head kind %lu (header byte 132)", (unsigned long)head);
    if (problem > ALBERT_PROBLEM_MULTI_LABEL)
        return albert__fail(e, ALBERT_ERR_FORMAT, "unknown problem type %lu (header byte 136)", (unsigned long)problem);
    if (problem && head != ALBERT_HEAD_SEQUENCE_CLASSIFICATION)
        return albert__fail(e, ALBERT_ERR_FORMAT, "a problem type (header byte 136) without a sequence classifier");
    c->head = (albert_head)head;
    c->problem_type = (albert_problem_type)problem;

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
            act || eps != 0.0f || c->num_labels || head || arch)
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

/* Header bytes 140..155: the default sentence vector (sentence-transformers) and the extra tokenizer flags. */
static albert_result albert__parse_sentence(albert_model *m, albert_error *e)
{
    const uint8_t *h = m->file;
    albert_config *c = &m->config;
    uint32_t pooling = albert__read_u32(h + 140), flags = albert__read_u32(h + 144);
    uint32_t max_len = albert__read_u32(h + 148), tok2 = albert__read_u32(h + 152);
    if (pooling > ALBERT_POOLING_MEAN_SQRT_LEN)
        return albert__fail(e, ALBERT_ERR_FORMAT, "unknown default sentence pooling %lu", (unsigned long)pooling);
    if (flags & ~1u) return albert__fail(e, ALBERT_ERR_FORMAT, "unknown sentence flags 0x%lx", (unsigned long)flags);
    if (c->hidden_size == 0 && (pooling || flags || max_len))
        return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer-only file (hidden_size 0) with sentence settings");
    if (pooling == ALBERT_POOLING_POOLER && !c->has_pooler)
        return albert__fail(e, ALBERT_ERR_FORMAT, "the default sentence pooling is the pooler, which the file lacks");
    if (max_len > (uint32_t)c->max_position_embeddings)
        return albert__fail(e, ALBERT_ERR_FORMAT, "max_seq_length %lu is more than max_position_embeddings %ld",
                            (unsigned long)max_len, (long)c->max_position_embeddings);
    if (tok2 & ~ALBERT_TOKENIZER2_ALL)
        return albert__fail(e, ALBERT_ERR_FORMAT, "unknown extra tokenizer flags 0x%lx", (unsigned long)tok2);
    if (tok2 && (!(tok2 & ALBERT_TOKENIZER2_FAST) || c->tokenizer != ALBERT_TOKENIZER_SENTENCEPIECE ||
                 c->tokenizer_flags != 0 ||
                 (tok2 & ALBERT_TOKENIZER2_PREPEND && tok2 & ALBERT_TOKENIZER2_PREPEND_FIRST)))
        return albert__fail(e, ALBERT_ERR_FORMAT, "extra tokenizer flags 0x%lx need a SentencePiece-kind tokenizer "
                            "without slow-tokenizer flags (and one prepend scheme)", (unsigned long)tok2);
    c->tokenizer_flags2 = tok2;
    c->sentence_pooling = (int32_t)pooling;
    c->sentence_normalize = (int32_t)(flags & 1u);
    c->max_seq_length = (int32_t)max_len;
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
        if (t->layout > ALBERT__LAYOUT_PACKED ||
            (t->layout == ALBERT__LAYOUT_PACKED && ((t->dtype != ALBERT__Q8 && t->dtype != ALBERT__BF16) || t->ndim != 2)))
            return albert__fail(e, ALBERT_ERR_FORMAT, "tensor %s: unknown layout %lu for dtype %lu", t->name,
                                (unsigned long)t->layout, (unsigned long)t->dtype);
        if (t->dtype == ALBERT__BF16 && t->layout != ALBERT__LAYOUT_PACKED)
            return albert__fail(e, ALBERT_ERR_FORMAT, "tensor %s: bf16 needs layout 1", t->name);
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
        if (t->layout == ALBERT__LAYOUT_PACKED)   /* rows padded to 16, columns to 64 */
            count = albert__round_up(t->dims[0], 16) * albert__round_up(t->dims[1], 64);
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

/* ---------------------------------------------------------------- 2.3 binding the weights */
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

/* A packed (layout 1) matrix's padding: the rows past dims[0] and the columns past dims[1] must be zero (the kernels
   multiply them). Only matrices whose sizes are not multiples of 16 x 64 have any. */
static albert_result albert__check_packed(const albert__tensor *t, albert_error *e)
{
    uint32_t n = t->dims[0], k = t->dims[1], es = albert__dtype_size(t->dtype), g = 4 / es;
    uint64_t kp = albert__round_up(k, 64), n16 = albert__round_up(n, 16), jb, c, j, b;
    if (n % 16 == 0 && k % 64 == 0) return ALBERT_OK;
    for (jb = 0; jb < n16 / 16; jb++)
        for (c = 0; c < kp / g; c++)
            for (j = 0; j < 16; j++) {
                const uint8_t *p = t->data + ((jb * (kp / g) + c) * 16 + j) * 4;
                if (jb * 16 + j < n && (c + 1) * g <= k) continue;
                for (b = 0; b < 4; b++)
                    if (p[b] != 0 && (jb * 16 + j >= n || c * g + b / es >= k))
                        return albert__fail(e, ALBERT_ERR_FORMAT, "tensor %s: nonzero padding", t->name);
            }
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
    if (t->dtype != ALBERT__F32 && t->dtype != ALBERT__F16 && t->dtype != ALBERT__Q8 && t->dtype != ALBERT__BF16)
        return albert__fail(e, ALBERT_ERR_FORMAT, "tensor %s: dtype %lu, expected f32, f16, q8 or bf16", name,
                            (unsigned long)t->dtype);
    if (t->ndim != 2 || t->dims[0] != (uint32_t)rows || t->dims[1] != (uint32_t)cols)
        return albert__fail(e, ALBERT_ERR_FORMAT, "tensor %s: shape [%lu,%lu], expected [%ld,%ld]", name,
                            (unsigned long)t->dims[0], (unsigned long)(t->ndim > 1 ? t->dims[1] : 0), (long)rows,
                            (long)cols);
    out->dtype = t->dtype;
    out->layout = t->layout;
    out->rows = rows;
    out->cols = cols;
    out->data = t->data;
    out->kp = (int32_t)albert__round_up((uint64_t)cols, 64);
    if (t->layout == ALBERT__LAYOUT_PACKED) {
        albert_result r = albert__check_packed(t, e);
        if (r != ALBERT_OK) return r;
    }
    if (t->dtype == ALBERT__Q8 && t->layout == ALBERT__LAYOUT_PACKED) {
        char sum_name[64];
        const albert__tensor *st;
        uint32_t i;
        snprintf(sum_name, sizeof sum_name, "%s.sum", name);
        st = albert__find_tensor(m, sum_name);
        if (!st || st->dtype != ALBERT__I32 || st->ndim != 1 || st->dims[0] != (uint32_t)rows)
            return albert__fail(e, ALBERT_ERR_FORMAT, "tensor %s: packed int8 needs %s, i32 [%ld]", name, sum_name,
                                (long)rows);
        out->sums = (const int32_t *)(const void *)st->data;
        for (i = 0; i < (uint32_t)rows; i++)   /* |sum| <= 127 k keeps the kernels' int32 arithmetic exact */
            if (out->sums[i] > 127 * cols || out->sums[i] < -127 * cols)
                return albert__fail(e, ALBERT_ERR_FORMAT, "tensor %s: sum %lu is out of range", sum_name,
                                    (unsigned long)i);
    }
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

/* The task head (header byte 132) against the tensors: cls.* for kinds 0, 1, 2, 4; qa.* for kind 3. Sets the
   effective config.head (a v0.1 file with cls.* is a sequence classifier). */
static albert_result albert__bind_head(albert_model *m, albert_error *e)
{
    static const char *const qa[] = {"qa.w", "qa.b"};
    albert_config *c = &m->config;
    int32_t has_qa = 0, H = c->hidden_size;
    albert_result r;
    static const char *const kind_names[] = {"", "sequence-classification", "token-classification",
                                             "question-answering", "multiple-choice"};
    if ((r = albert__head_present(m, "question-answering", 2, qa, &has_qa, e)) != ALBERT_OK) return r;
    if (c->head == ALBERT_HEAD_NONE && c->has_classifier) c->head = ALBERT_HEAD_SEQUENCE_CLASSIFICATION;
    if (c->head == ALBERT_HEAD_QUESTION_ANSWERING) {
        if (!has_qa) return albert__fail(e, ALBERT_ERR_FORMAT, "head kind 3 (question answering) without qa.w / qa.b");
        if (c->has_classifier || albert__find_tensor(m, "cls.labels"))
            return albert__fail(e, ALBERT_ERR_FORMAT, "a question-answering model file with cls.* tensors");
        if (c->num_labels != 2)
            return albert__fail(e, ALBERT_ERR_FORMAT, "question answering needs num_labels 2 (start, end), not %ld",
                                (long)c->num_labels);
        if ((r = albert__bind(m, "qa.w", 2, H, 1, &m->qa_w, e)) || (r = albert__bind(m, "qa.b", 2, 0, 1, &m->qa_b, e)))
            return r;
        return ALBERT_OK;
    }
    if (has_qa) return albert__fail(e, ALBERT_ERR_FORMAT, "qa.w / qa.b in a file whose head kind is not 3");
    if (c->head != ALBERT_HEAD_NONE && !c->has_classifier)
        return albert__fail(e, ALBERT_ERR_FORMAT, "head kind %d (%s) without cls.w / cls.b", (int)c->head,
                            kind_names[c->head]);
    if (c->has_classifier != (c->num_labels > 0))
        return albert__fail(e, ALBERT_ERR_FORMAT, "num_labels is %ld but the classifier is %s", (long)c->num_labels,
                            c->has_classifier ? "present" : "missing");
    if (c->head == ALBERT_HEAD_MULTIPLE_CHOICE && c->num_labels != 1)
        return albert__fail(e, ALBERT_ERR_FORMAT, "a multiple-choice head has num_labels 1, not %ld", (long)c->num_labels);
    return ALBERT_OK;
}

static albert_result albert__bind_weights(albert_model *m, albert_error *e)
{
    const albert_config *c = &m->config;
    int32_t V = c->vocab_size, E = c->embedding_size, H = c->hidden_size, I = c->intermediate_size;
    int32_t g, i, n_layers = c->num_hidden_groups * c->inner_group_num;
    int brightmart = c->architecture == ALBERT_ARCH_BRIGHTMART;
    int32_t W = brightmart ? H : E;   /* width of the position / type tables, the embedding and MLM LayerNorms */
    albert_result r;
    char name[40];

#define ALBERT__BIND(field, nm, d0, d1) \
    if ((r = albert__bind(m, nm, d0, d1, 1, &m->field, e)) != ALBERT_OK) return r
    if ((r = albert__bind_matrix(m, "emb.word", V, E, 1, &m->word, e)) != ALBERT_OK) return r;
    if ((r = albert__bind_matrix(m, "proj.w", H, E, 1, &m->proj_w, e)) != ALBERT_OK) return r;
    ALBERT__BIND(position, "emb.pos", c->max_position_embeddings, W);
    ALBERT__BIND(token_type, "emb.type", c->type_vocab_size, W);
    ALBERT__BIND(emb_norm_w, "emb.norm.w", W, 0);
    ALBERT__BIND(emb_norm_b, "emb.norm.b", W, 0);
    if (!brightmart) {
        ALBERT__BIND(proj_b, "proj.b", H, 0);
    } else if (albert__find_tensor(m, "proj.b")) {
        return albert__fail(e, ALBERT_ERR_FORMAT, "tensor proj.b in a brightmart file (its projection has no bias)");
    }
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
        static const char *const mlm[] = {"mlm.dense.w", "mlm.dense.b", "mlm.norm.w", "mlm.norm.b", "mlm.bias",
                                          "bm.mlm.proj.w"};
        static const char *const sop[] = {"sop.w", "sop.b"};
        static const char *const cls[] = {"cls.w", "cls.b"};
        if ((r = albert__head_present(m, "pooler", 2, pooler, &m->config.has_pooler, e)) ||
            (r = albert__head_present(m, "masked-LM", brightmart ? 6 : 5, mlm, &m->config.has_mlm, e)) ||
            (r = albert__head_present(m, "sentence-order", 2, sop, &m->config.has_sop, e)) ||
            (r = albert__head_present(m, "classifier", 2, cls, &m->config.has_classifier, e)))
            return r;
        if (m->config.has_pooler &&
            ((r = albert__bind_matrix(m, "pooler.w", H, H, 1, &m->pooler_w, e)) ||
             (r = albert__bind(m, "pooler.b", H, 0, 1, &m->pooler_b, e))))
            return r;
        if (m->config.has_mlm &&
            ((r = albert__bind_matrix(m, "mlm.dense.w", W, H, 1, &m->mlm_dense_w, e)) ||
             (r = albert__bind(m, "mlm.dense.b", W, 0, 1, &m->mlm_dense_b, e)) ||
             (r = albert__bind(m, "mlm.norm.w", W, 0, 1, &m->mlm_norm_w, e)) ||
             (r = albert__bind(m, "mlm.norm.b", W, 0, 1, &m->mlm_norm_b, e)) ||
             (r = albert__bind(m, "mlm.bias", V, 0, 1, &m->mlm_bias, e)) ||
             (brightmart && (r = albert__bind_matrix(m, "bm.mlm.proj.w", E, H, 1, &m->mlm_proj_w, e)))))
            return r;
        if (m->config.has_sop &&
            ((r = albert__bind(m, "sop.w", 2, H, 1, &m->sop_w, e)) || (r = albert__bind(m, "sop.b", 2, 0, 1, &m->sop_b, e))))
            return r;
        if ((r = albert__bind_head(m, e)) != ALBERT_OK) return r;
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
        if (m->config.has_sop && !m->config.has_pooler)
            return albert__fail(e, ALBERT_ERR_FORMAT, "the sentence-order head needs the pooler");
        if (m->config.has_classifier && !m->config.has_pooler && m->config.head != ALBERT_HEAD_TOKEN_CLASSIFICATION)
            return albert__fail(e, ALBERT_ERR_FORMAT, "the %s head needs the pooler",
                                m->config.head == ALBERT_HEAD_MULTIPLE_CHOICE ? "multiple-choice" : "classifier");
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

/* ---------------------------------------------------------------- 2.4 loading (mmap or read) and freeing */
/* The tokenizer (defined further down, after the forward pass). */
static albert_result albert__tokenizer_load(const albert_model *m, struct albert__tokenizer **out, albert_error *e);
static void albert__tokenizer_free(struct albert__tokenizer *t);

/* ---------------------------------------------------------------- big-endian hosts */
static void albert__unmap_file(const uint8_t *data, size_t size);

static int albert__host_is_big_endian(void)
{
    const uint32_t probe = 1;
    uint8_t first;
    memcpy(&first, &probe, 1);
    return first == 0;
}

typedef struct albert__span {
    uint64_t offset, end;
    uint32_t element; /* bytes per element */
} albert__span;

static int albert__span_order(const void *a, const void *b)
{
    const albert__span *x = (const albert__span *)a, *y = (const albert__span *)b;
    return x->offset < y->offset ? -1 : (x->offset > y->offset ? 1 : 0);
}

static void albert__reverse_elements(uint8_t *p, uint64_t nbytes, uint32_t element)
{
    uint64_t i;
    uint32_t b;
    for (i = 0; i + element <= nbytes; i += element)
        for (b = 0; b < element / 2; b++) {
            uint8_t t = p[i + b];
            p[i + b] = p[i + element - 1 - b];
            p[i + element - 1 - b] = t;
        }
}

/* The file is little-endian and the tensors are used in place; a big-endian host uses them from a copy (64-byte
   aligned, owned by the model) in which every element of a 2- or 4-byte dtype has its bytes reversed, and the
   mapping (or read buffer) is released. Cost: one pass over the file at load time and, during it, the memory of
   a second copy. Tensors sharing bytes (aliases) must have the same element size, else the file is refused.
   tok.charsmap (u8) holds little-endian u32 trie units after its 4-byte size: they are reversed too. */
static albert_result albert__swap_to_host(albert_model *m, albert_error *e)
{
    uint32_t i, n = 0;
    uint64_t covered = 0;
    uint32_t covered_element = 0;
    albert__span *spans = (albert__span *)ALBERT_MALLOC(sizeof(albert__span) * (m->n_tensors ? m->n_tensors : 1));
    void *block = ALBERT_MALLOC(m->file_size + ALBERT__ALIGN);
    uint8_t *copy;
    if (!spans || !block) {
        ALBERT_FREE(spans);
        ALBERT_FREE(block);
        return albert__fail(e, ALBERT_ERR_MEMORY, "out of memory for the byte-swapped copy (%lu bytes)",
                            (unsigned long)m->file_size);
    }
    copy = (uint8_t *)block + (ALBERT__ALIGN - (size_t)((uintptr_t)block % ALBERT__ALIGN)) % ALBERT__ALIGN;
    memcpy(copy, m->file, m->file_size);
    for (i = 0; i < m->n_tensors; i++) {
        const albert__tensor *t = &m->tensors[i];
        uint32_t element = albert__dtype_size(t->dtype);
        if (element < 2) continue;
        spans[n].offset = (uint64_t)(t->data - m->file);
        spans[n].end = spans[n].offset + t->nbytes;
        spans[n].element = element;
        n++;
    }
    qsort(spans, n, sizeof *spans, albert__span_order);
    for (i = 0; i < n; i++) { /* each byte once: a span overlapping the ones before swaps only its new part */
        uint64_t from = spans[i].offset > covered ? spans[i].offset : covered;
        if (spans[i].offset < covered && spans[i].element != covered_element) {
            unsigned long long at = (unsigned long long)spans[i].offset;
            ALBERT_FREE(spans);
            ALBERT_FREE(block);
            return albert__fail(e, ALBERT_ERR_FORMAT,
                                "tensors of different element sizes share bytes at %llu: cannot byte-swap them", at);
        }
        if (spans[i].end > from) {
            albert__reverse_elements(copy + from, spans[i].end - from, spans[i].element);
            covered = spans[i].end;
            covered_element = spans[i].element;
        }
    }
    ALBERT_FREE(spans);
    {
        const albert__tensor *tc = albert__find_tensor(m, "tok.charsmap");
        if (tc && tc->dtype == ALBERT__U8 && tc->nbytes >= 4) {
            uint32_t trie_bytes = albert__read_u32(tc->data);
            if (trie_bytes % 4 == 0 && trie_bytes <= tc->nbytes - 4)
                albert__reverse_elements(copy + (tc->data - m->file) + 4, trie_bytes, 4);
        }
    }
    for (i = 0; i < m->n_tensors; i++) m->tensors[i].data = copy + (m->tensors[i].data - m->file);
    if (m->file_is_mapped) albert__unmap_file(m->file, m->file_size);
    ALBERT_FREE(m->file_owned);
    m->file_is_mapped = 0;
    m->file_owned = block;
    m->file = copy;
    return ALBERT_OK;
}

static albert_result albert__model_init(albert_model *m, albert_error *e)
{
    albert_result r;
    if ((r = albert__parse_header(m, e)) != ALBERT_OK) return r;
    if ((r = albert__parse_directory(m, e)) != ALBERT_OK) return r;
    if (albert__host_is_big_endian() && (r = albert__swap_to_host(m, e)) != ALBERT_OK) return r;
    if (m->config.hidden_size > 0 && (r = albert__bind_weights(m, e)) != ALBERT_OK) return r;
    if ((r = albert__parse_sentence(m, e)) != ALBERT_OK) return r;
    if (m->config.tokenizer != ALBERT_TOKENIZER_NONE &&
        (r = albert__tokenizer_load(m, &m->tokenizer, e)) != ALBERT_OK)
        return r;
    return ALBERT_OK;
}

/* ---------------------------------------------------------------- the file: mapped, or read (ALBERT_NO_MMAP) */
#ifdef _WIN32
/* A malloc'd UTF-16 copy of the UTF-8 path, or NULL (not valid UTF-8, or out of memory). */
static wchar_t *albert__widen_path(const char *path)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, NULL, 0);
    wchar_t *w;
    if (n <= 0 || !(w = (wchar_t *)ALBERT_MALLOC((size_t)n * sizeof(wchar_t)))) return NULL;
    if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, w, n) != n) {
        ALBERT_FREE(w);
        return NULL;
    }
    return w;
}
#endif

static void albert__unmap_file(const uint8_t *data, size_t size)
{
#if defined(ALBERT_NO_MMAP)
    (void)data;
    (void)size;
#elif defined(_WIN32)
    (void)size;
    UnmapViewOfFile(data);
#else
    munmap((void *)(uintptr_t)data, size);
#endif
}

#ifdef ALBERT_NO_MMAP
/* Opens path for reading: the UTF-8 path as UTF-16 on Windows (_wfopen), fopen elsewhere. */
static FILE *albert__fopen_read(const char *path)
{
#ifdef _WIN32
    wchar_t *wide = albert__widen_path(path);
    FILE *f = wide ? _wfopen(wide, L"rb") : NULL;
    ALBERT_FREE(wide);
    return f;
#else
    return fopen(path, "rb");
#endif
}
#endif

/* Makes m->file / m->file_size the whole file at path: mapped read-only (Windows: CreateFileMappingW and
   MapViewOfFile on the UTF-8 path as UTF-16; POSIX: mmap), or read into memory with ALBERT_NO_MMAP (read to the
   end in growing steps: no ftell, whose long is 32 bits on Windows). Sizes are 64-bit on every system. */
static albert_result albert__map_file(albert_model *m, const char *path, albert_error *e)
{
#if defined(ALBERT_NO_MMAP)
    FILE *f = albert__fopen_read(path);
    size_t cap = (size_t)1 << 16, n = 0;
    uint8_t *buf = NULL;
    int failed = 0;
    if (!f) {
        int os_error = errno;
        return albert__fail(e, ALBERT_ERR_IO, "%s: cannot open (%s)", path, strerror(os_error));
    }
    for (;;) {
        size_t got;
        if (!buf || n == cap) {
            uint8_t *grown;
            if (buf && cap > SIZE_MAX / 2) { failed = 1; break; }
            if (buf) cap *= 2;
            if (!(grown = (uint8_t *)ALBERT_MALLOC(cap))) { failed = 1; break; }
            if (buf) memcpy(grown, buf, n);
            ALBERT_FREE(buf);
            buf = grown;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    if (failed || ferror(f) || n == 0) {
        int empty = !failed && !ferror(f);
        fclose(f);
        ALBERT_FREE(buf);
        return albert__fail(e, empty ? ALBERT_ERR_MAGIC : (failed ? ALBERT_ERR_MEMORY : ALBERT_ERR_IO),
                            "%s: cannot read the file%s", path, empty ? " (empty)" : "");
    }
    fclose(f);
    m->file_owned = buf;
    m->file = buf;
    m->file_size = n;
    return ALBERT_OK;
#elif defined(_WIN32)
    LARGE_INTEGER size;
    HANDLE file, mapping;
    void *view;
    DWORD attributes;
    wchar_t *wide = albert__widen_path(path);
    if (!wide) return albert__fail(e, ALBERT_ERR_IO, "%s: cannot open (not a valid UTF-8 path)", path);
    attributes = GetFileAttributesW(wide);
    if (attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY)) {
        ALBERT_FREE(wide);
        return albert__fail(e, ALBERT_ERR_IO, "%s: not a readable, non-empty regular file (a directory)", path);
    }
    file = CreateFileW(wide, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                       FILE_ATTRIBUTE_NORMAL, NULL);
    ALBERT_FREE(wide);
    if (file == INVALID_HANDLE_VALUE)
        return albert__fail(e, ALBERT_ERR_IO, "%s: cannot open (Windows error %lu)", path,
                            (unsigned long)GetLastError());
    if (GetFileType(file) != FILE_TYPE_DISK || !GetFileSizeEx(file, &size) || size.QuadPart <= 0 ||
        (unsigned long long)size.QuadPart > (unsigned long long)SIZE_MAX) {
        int empty = GetFileType(file) == FILE_TYPE_DISK && GetFileSizeEx(file, &size) && size.QuadPart == 0;
        CloseHandle(file);
        return albert__fail(e, empty ? ALBERT_ERR_MAGIC : ALBERT_ERR_IO, "%s: not a readable, non-empty regular file (%s)",
                            path, empty ? "empty" : "not a regular file");
    }
    mapping = CreateFileMappingW(file, NULL, PAGE_READONLY, 0, 0, NULL);
    CloseHandle(file);
    if (!mapping) return albert__fail(e, ALBERT_ERR_IO, "%s: cannot map the file", path);
    view = MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, 0);
    CloseHandle(mapping); /* the view keeps the mapping */
    if (!view) return albert__fail(e, ALBERT_ERR_IO, "%s: cannot map the file", path);
    m->file = (const uint8_t *)view;
    m->file_size = (size_t)size.QuadPart;
    m->file_is_mapped = 1;
    return ALBERT_OK;
#else
    struct stat st;
    void *p;
    int fd;
    memset(&st, 0, sizeof st);
    fd = open(path, O_RDONLY);
    if (fd < 0) {
        int os_error = errno;
        return albert__fail(e, ALBERT_ERR_IO, "%s: cannot open (%s)", path, strerror(os_error));
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        (unsigned long long)st.st_size > (unsigned long long)SIZE_MAX) {
        close(fd);
        return albert__fail(e, st.st_size == 0 ? ALBERT_ERR_MAGIC : ALBERT_ERR_IO,
                            "%s: not a readable, non-empty regular file (%s)", path,
                            S_ISDIR(st.st_mode) ? "a directory" : st.st_size == 0 ? "empty" : "not a regular file");
    }
    p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) return albert__fail(e, ALBERT_ERR_IO, "%s: cannot map the file", path);
    m->file = (const uint8_t *)p;
    m->file_size = (size_t)st.st_size;
    m->file_is_mapped = 1;
    return ALBERT_OK;
#endif
}

ALBERT_DEF void albert_model_free(albert_model *model)
{
    if (!model) return;
    if (model->tokenizer) albert__tokenizer_free(model->tokenizer);
    ALBERT_FREE(model->layers);
    ALBERT_FREE(model->tensors);
    if (model->file_is_mapped) albert__unmap_file(model->file, model->file_size);
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
    if ((r = albert__map_file(m, path, error)) != ALBERT_OK) {
        albert_model_free(m);
        return r;
    }
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

ALBERT_DEF albert_result albert_model_check(const albert_model *model, albert_error *error)
{
    uint32_t i;
    if (error) { error->code = ALBERT_OK; error->message[0] = 0; }
    if (!model) return albert__fail(error, ALBERT_ERR_ARGUMENT, "model is NULL");
    for (i = 0; i < model->n_tensors; i++) {
        const albert__tensor *t = &model->tensors[i];
        uint64_t j, n;
        if (t->dtype == ALBERT__F32) {
            const float *v = (const float *)(const void *)t->data;
            for (j = 0, n = t->nbytes / 4; j < n; j++)
                if (!(v[j] - v[j] == 0.0f)) /* NaN and +-inf give NaN */
                    return albert__fail(error, ALBERT_ERR_FORMAT, "tensor %s: element %llu is %s", t->name,
                                        (unsigned long long)j, v[j] != v[j] ? "NaN" : "infinite");
        } else if (t->dtype == ALBERT__F16 || t->dtype == ALBERT__BF16) {
            const uint16_t *v = (const uint16_t *)(const void *)t->data;
            uint16_t exponent = t->dtype == ALBERT__F16 ? 0x7C00u : 0x7F80u; /* else bf16 */
            for (j = 0, n = t->nbytes / 2; j < n; j++)
                if ((v[j] & exponent) == exponent)
                    return albert__fail(error, ALBERT_ERR_FORMAT, "tensor %s: element %llu is %s", t->name,
                                        (unsigned long long)j, (v[j] & (uint16_t)~(exponent | 0x8000u)) ? "NaN" : "infinite");
        }
    }
    return ALBERT_OK;
}

ALBERT_DEF const albert_config *albert_model_config(const albert_model *model)
{
    return model ? &model->config : NULL;
}

/* ============================================================================================== */
/* ==== 3. Compute setup: instruction-set levels, tuning constants ============================== */
/* ============================================================================================== */
/* Compute kernels (sections 5-12) and the thread pool (section 4).

   Instruction-set levels, chosen at run time when the pool is created (no globals):
     scalar   portable C, always compiled (the only path with ALBERT_NO_SIMD or on other CPUs)    section 6
     AVX2     AVX2 + FMA, 8-lane vectors (x86-64 with GCC or clang, per-function target attributes)   section 7
     AVX-512  AVX-512F (not with ALBERT_NO_AVX512): linear layers (6 x 64 micro-kernel, few-row dot products,
              packing and strip stores with 16 x 16 register transposes), attention (6 x 64 score and P.V
              kernels), 16-lane activations and LayerNorm                                       section 8;
              int8 weights with AVX-512 VNNI                                                     section 9
     NEON     AArch64: the linear layers' micro-kernel (8 x 8); everything else scalar            section 10
     WASM     WebAssembly SIMD128 (-msimd128): linear layers (6 x 8 micro-kernel), attention's products and
              softmax, 4-lane activations and LayerNorm                                          section 11
   Section 5 holds what the ISA blocks share (job structs, shapes, target attributes, vector constants);
   section 12 the drivers: for each operation, the choice of kernel by ISA and the jobs run on the pool.
   Every path gives the same results as the scalar one within float rounding (tests/test_kernels.c).

   Linear layers y = x W^T (W [n x k] row-major, read in place from the model file): the rows of x are
   packed per call into token panels (k-major, NR tokens wide, zero padded), in chunks that stay in L2, shared
   by all threads (with more threads than panels, each panel is packed in slices of k); the blocks of MR W rows
   are handed out to whichever thread asks, in runs whose outputs fill whole cache lines of y (no two threads
   store into one line; the context's buffers are 64-byte aligned). The
   micro-kernel keeps MR rows of W x NR tokens in registers, broadcasting W values straight from W's rows (no
   copy of the weights; the first panel of a block prefetches them) and loading NR tokens of packed x per step;
   the finished tile gets bias, activation and residual and is stored transposed. With at most 8 rows of x
   (short inputs) AVX-512 uses dot products along k instead (no padding to 64 tokens). albert__linear_group
   does Q, K and V with one packing of x and one job.
   Attention runs (sequence, head) pairs handed out one at a time: scores = q k^T for a block of queries,
   softmax, then context = p v (scalar and AVX2: a plain row-major micro-kernel; AVX-512: packed keys, values
   and queries per head and 6 x 64 register tiles, 8.5); no S x S matrix for all heads at once.
   The pool hands out a job's indices to whichever thread claims them first and spins (then yields, then
   sleeps) between jobs, so a busy machine that deschedules one thread slows a job down but does not stall it. */

#if !defined(ALBERT_NO_SIMD) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define ALBERT__X86_SIMD 1
/* GCC 12's AVX-512 intrinsics (_mm512_undefined_ps() = self-initialized variable) warn in C++ wherever they
   are inlined (GCC bug 105593, fixed in 13): the warnings point into the header, so silence them there. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__cplusplus)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#else
#include <immintrin.h>
#endif
#endif
#if !defined(ALBERT_NO_SIMD) && defined(__aarch64__) && defined(__ARM_NEON)
#define ALBERT__NEON_SIMD 1
#include <arm_neon.h>
#endif
#if !defined(ALBERT_NO_SIMD) && defined(__wasm_simd128__)
#define ALBERT__WASM_SIMD 1 /* WebAssembly built with -msimd128 */
#include <wasm_simd128.h>
#endif
#if defined(ALBERT__X86_SIMD) || defined(ALBERT__NEON_SIMD) || defined(ALBERT__WASM_SIMD)
#define ALBERT__PANELS 1 /* the linear layers pack x into panels for a micro-kernel */
#endif

#define ALBERT__ISA_SCALAR 0
#define ALBERT__ISA_AVX2 1
#define ALBERT__ISA_AVX512 2
#define ALBERT__ISA_NEON 3 /* AArch64 (Advanced SIMD is always there): the linear layers' micro-kernel */
#define ALBERT__ISA_WASM 4 /* WebAssembly SIMD128 (a build with -msimd128 only runs where it is supported) */

/* Packed x for the linear layers: this many floats per context (4 MB); a call whose x does not fit is
   done in row chunks. One panel of NR rows must fit (k <= 16384 with 64-token panels; else the portable code). */
#define ALBERT__PACK_FLOATS ((size_t)1 << 20)
/* Rows of x are packed and multiplied in chunks of at most this many floats (1 MB, half of a big core's L2),
   so that the packed rows stay in L2 while every block of W passes over them (else, for long inputs and
   k = 3072, each block of W would stream megabytes of packed x from L3). At least one panel per chunk. */
#define ALBERT__CHUNK_FLOATS ((size_t)1 << 18)
/* Attention processes this many query rows at a time (a multiple of its micro-kernels' 6 rows). */
#define ALBERT__QUERY_BLOCK 66
/* The feed-forward block runs on this many tokens at a time (it is independent per token): its [rows x I]
   intermediate then stays in the cores' L2 caches (1.5 MB for albert-base) instead of going through memory, and
   a context needs no [T x I] buffer. */
#ifndef ALBERT__FFN_ROWS
#define ALBERT__FFN_ROWS 128
#endif
/* albert_encode_batch runs a batch of more tokens than this in groups of whole sequences (see
   albert__encode_groups). Measured on albert-base, batch 8 x seq 128, 2 threads: groups of 128 tokens 0.95x the
   time of the whole batch at once, 256 0.96x, 512 0.98x. */
#ifndef ALBERT__GROUP_TOKENS
#define ALBERT__GROUP_TOKENS 128
#endif

/* ============================================================================================== */
/* ==== 4. Thread pool ========================================================================== */
/* ============================================================================================== */
#if !defined(ALBERT_NO_THREADS) && !defined(_WIN32)
#include <pthread.h>
#include <sched.h>
#endif

/* ---------------------------------------------------------------- 4.0 threads: Win32 or pthreads */
/* The few thread calls the pool makes, over Win32 (SRW lock, condition variable, _beginthreadex) on Windows and
   pthreads elsewhere. (The atomics the pool spins on are GCC / clang builtins; other
   compilers, MSVC among them, use the pool's mutex-only path.) */
#ifndef ALBERT_NO_THREADS
#ifdef _WIN32
typedef SRWLOCK albert__mutex;
typedef CONDITION_VARIABLE albert__cond;
typedef HANDLE albert__thread;
#define ALBERT__THREAD_FN(name, arg) static unsigned __stdcall name(void *arg)
#define ALBERT__THREAD_RESULT 0
typedef unsigned(__stdcall *albert__thread_fn)(void *);
static int albert__mutex_init(albert__mutex *m) { InitializeSRWLock(m); return 0; }
static void albert__mutex_destroy(albert__mutex *m) { (void)m; }
static void albert__mutex_lock(albert__mutex *m) { AcquireSRWLockExclusive(m); }
static void albert__mutex_unlock(albert__mutex *m) { ReleaseSRWLockExclusive(m); }
static int albert__cond_init(albert__cond *c) { InitializeConditionVariable(c); return 0; }
static void albert__cond_destroy(albert__cond *c) { (void)c; }
static void albert__cond_wait(albert__cond *c, albert__mutex *m) { SleepConditionVariableSRW(c, m, INFINITE, 0); }
static void albert__cond_signal(albert__cond *c) { WakeConditionVariable(c); }
static void albert__cond_broadcast(albert__cond *c) { WakeAllConditionVariable(c); }
static int albert__thread_create(albert__thread *t, albert__thread_fn fn, void *arg)
{
    uintptr_t h = _beginthreadex(NULL, 0, fn, arg, 0, NULL);
    *t = (HANDLE)h;
    return h ? 0 : -1;
}
static void albert__thread_join(albert__thread t)
{
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
}
static void albert__yield(void) { SwitchToThread(); }
#else
typedef pthread_mutex_t albert__mutex;
typedef pthread_cond_t albert__cond;
typedef pthread_t albert__thread;
#define ALBERT__THREAD_FN(name, arg) static void *name(void *arg)
#define ALBERT__THREAD_RESULT NULL
typedef void *(*albert__thread_fn)(void *);
static int albert__mutex_init(albert__mutex *m) { return pthread_mutex_init(m, NULL); }
static void albert__mutex_destroy(albert__mutex *m) { pthread_mutex_destroy(m); }
static void albert__mutex_lock(albert__mutex *m) { pthread_mutex_lock(m); }
static void albert__mutex_unlock(albert__mutex *m) { pthread_mutex_unlock(m); }
static int albert__cond_init(albert__cond *c) { return pthread_cond_init(c, NULL); }
static void albert__cond_destroy(albert__cond *c) { pthread_cond_destroy(c); }
static void albert__cond_wait(albert__cond *c, albert__mutex *m) { pthread_cond_wait(c, m); }
static void albert__cond_signal(albert__cond *c) { pthread_cond_signal(c); }
static void albert__cond_broadcast(albert__cond *c) { pthread_cond_broadcast(c); }
static int albert__thread_create(albert__thread *t, albert__thread_fn fn, void *arg)
{
    return pthread_create(t, NULL, fn, arg) == 0 ? 0 : -1;
}
static void albert__thread_join(albert__thread t) { pthread_join(t, NULL); }
static void albert__yield(void) { sched_yield(); }
#endif
#endif


/* Work items inside a task handed out through a shared counter (GCC / clang atomics), so that a thread the
   system deschedules holds up at most one item; other compilers split statically. */
#if defined(__GNUC__) || defined(__clang__)
#define ALBERT__SHARED_COUNTER 1
#define ALBERT__NEXT_ITEM(counter) __atomic_fetch_add((counter), 1, __ATOMIC_RELAXED)
#else
#define ALBERT__SHARED_COUNTER 0
#endif

typedef void (*albert__task_fn)(void *arg, int index, int count);

typedef struct albert__pool albert__pool;

typedef struct albert__worker {
    albert__pool *pool;
    int slot; /* 1 .. n_threads-1; the calling thread is slot 0 */
} albert__worker;

struct albert__pool {
    int n_threads; /* including the thread that calls albert__pool_run */
    int isa;       /* ALBERT__ISA_*: the kernels used (tests may lower it) */
    int features;  /* ALBERT__FEAT_* bits: the extensions the packed-weight kernels may use (tests may clear some) */
    float *pack;   /* ALBERT__PACK_FLOATS floats, 64-byte aligned, for the packed x of the linear layers */
    void *pack_block;
#ifndef ALBERT_NO_THREADS
    albert__thread *threads;
    albert__worker *workers;
    int n_started;
    albert__mutex mutex;
    albert__cond wake; /* workers wait here for a new generation */
    albert__cond done; /* the caller waits here for n_done == task_count */
    unsigned generation; /* incremented for every job */
    uint64_t claim;      /* generation << 32 | the next index of that job to hand out */
    int n_done;          /* indices of the current job finished */
    int quit;
    albert__task_fn task;
    void *task_arg;
    int task_count;
#endif
};

static int albert__detect_isa(void)
{
#ifdef ALBERT__X86_SIMD
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
#ifndef ALBERT_NO_AVX512
        if (__builtin_cpu_supports("avx512f")) return ALBERT__ISA_AVX512;
#endif
        return ALBERT__ISA_AVX2;
    }
#endif
#ifdef ALBERT__NEON_SIMD
    return ALBERT__ISA_NEON;
#endif
#ifdef ALBERT__WASM_SIMD
    return ALBERT__ISA_WASM;
#endif
    return ALBERT__ISA_SCALAR;
}

/* Extensions for the packed (layout 1) int8 and bf16 weights, beyond the ISA level:
   ALBERT__FEAT_VNNI      AVX-512 VNNI + BW (vpdpbusd on zmm)
   ALBERT__FEAT_BF16      AVX-512 BF16 (vdpbf16ps, vcvtneps2bf16)
   ALBERT__FEAT_AMX_INT8  AMX tiles with int8 (tdpbusd); on Linux only after arch_prctl(ARCH_REQ_XCOMP_PERM)
   ALBERT__FEAT_AMX_BF16  AMX tiles with bf16 (tdpbf16ps), same
   ALBERT__FEAT_AVX_VNNI  AVX-VNNI (vpdpbusd on ymm: Alder Lake and later, Zen 5), for AVX2-level kernels */
#define ALBERT__FEAT_VNNI 1
#define ALBERT__FEAT_BF16 2
#define ALBERT__FEAT_AMX_INT8 4
#define ALBERT__FEAT_AMX_BF16 8
#define ALBERT__FEAT_AVX_VNNI 16

#if defined(ALBERT__X86_SIMD) && defined(__linux__)
/* arch_prctl (x86-64 Linux system call 158) without the libc wrapper (which strict C99 does not declare). */
static long albert__arch_prctl(long code, long arg)
{
    long ret;
    __asm__ __volatile__("syscall" : "=a"(ret) : "a"(158L), "D"(code), "S"(arg) : "rcx", "r11", "memory");
    return ret;
}
#endif
#ifdef ALBERT__X86_SIMD
#include <cpuid.h>
/* XCR0 (which register states the OS saves), or 0 without OSXSAVE. */
static uint64_t albert__xcr0(void)
{
    unsigned a, b, c, d, lo, hi;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return 0;
    __asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t)hi << 32 | lo;
}
#endif

static int albert__detect_features(int isa)
{
    int f = 0;
#ifdef ALBERT__X86_SIMD
    unsigned a, b, c, d;
    uint64_t xcr0 = albert__xcr0();
    if (isa < ALBERT__ISA_AVX2 || !__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    {
        unsigned edx7 = d, ecx7 = c, eax71 = 0;
        if (__get_cpuid_count(7, 1, &a, &b, &c, &d)) eax71 = a;
        if (eax71 & (1u << 4)) f |= ALBERT__FEAT_AVX_VNNI;
        if (isa == ALBERT__ISA_AVX512 && (xcr0 & 0xe6) == 0xe6) {   /* the OS saves the zmm and mask state */
            if ((ecx7 & (1u << 11)) && __builtin_cpu_supports("avx512bw")) f |= ALBERT__FEAT_VNNI;
            if ((eax71 & (1u << 5)) && __builtin_cpu_supports("avx512bw")) f |= ALBERT__FEAT_BF16;
#if defined(__linux__)
            /* AMX: tiles (EDX bit 24) with int8 (25) / bf16 (22), XCR0 bits 17-18, and the per-process
               permission for the tile data (ARCH_REQ_XCOMP_PERM = 0x1023, XFEATURE_XTILEDATA = 18; granting it
               again is harmless). */
            if ((edx7 & (1u << 24)) && (xcr0 & 0x60000) == 0x60000 && (f & ALBERT__FEAT_VNNI) &&
                albert__arch_prctl(0x1023, 18) == 0) {
                if (edx7 & (1u << 25)) f |= ALBERT__FEAT_AMX_INT8;
                if ((edx7 & (1u << 22)) && (f & ALBERT__FEAT_BF16)) f |= ALBERT__FEAT_AMX_BF16;
            }
#else
            (void)edx7; /* AMX needs Linux's permission call (arch_prctl): not used elsewhere */
#endif
        }
    }
#else
    (void)isa;
#endif
    return f;
}

#ifndef ALBERT_NO_THREADS
/* Between jobs a worker spins this many rounds checking for the next one before it sleeps on the
   condition variable (a forward pass issues ~100 jobs back to back; waking a sleeping thread costs
   tens of microseconds). About a millisecond. */
#define ALBERT__SPIN_ROUNDS 20000
/* After this many rounds the spinning thread also yields its core every 16th round: on a machine busier than
   its cores, a spinning thread otherwise takes the time slices the thread it waits for needs. */
#define ALBERT__SPIN_YIELD_AFTER 2000

#if defined(__GNUC__) || defined(__clang__)
#define ALBERT__ATOMIC_LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define ALBERT__ATOMIC_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define ALBERT__N_DONE(p) __atomic_load_n(&(p)->n_done, __ATOMIC_ACQUIRE)
#if defined(__x86_64__) || defined(__i386__)
#define ALBERT__CPU_RELAX() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define ALBERT__CPU_RELAX() __asm__ __volatile__("yield")
#else
#define ALBERT__CPU_RELAX() ((void)0)
#endif
#define ALBERT__CAN_SPIN 1
#else
#define ALBERT__ATOMIC_STORE(p, v) (*(p) = (v))
#define ALBERT__N_DONE(p) ((p)->n_done)
#define ALBERT__CAN_SPIN 0
#endif

#if ALBERT__CAN_SPIN
/* Round `spin` of a wait. */
static void albert__spin_pause(int spin)
{
    if (spin >= ALBERT__SPIN_YIELD_AFTER && spin % 16 == 0) albert__yield();
    else ALBERT__CPU_RELAX();
}
#endif

/* Hands out the indices of a job: whichever thread is running takes the next one, so a thread the system has
   not scheduled yet (the machine may be busy) delays nothing: the others do its share. Returns the index, or
   -1 when job `generation` has none left (or is over). */
static int albert__pool_claim(albert__pool *p, unsigned generation, int count)
{
#if ALBERT__CAN_SPIN
    uint64_t v = __atomic_load_n(&p->claim, __ATOMIC_ACQUIRE);
    for (;;) {
        if ((unsigned)(v >> 32) != generation || (int)(v & 0xFFFFFFFFu) >= count) return -1;
        if (__atomic_compare_exchange_n(&p->claim, &v, v + 1, 1, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            return (int)(v & 0xFFFFFFFFu);
    }
#else
    int index = -1;
    albert__mutex_lock(&p->mutex);
    if ((unsigned)(p->claim >> 32) == generation && (int)(p->claim & 0xFFFFFFFFu) < count) {
        index = (int)(p->claim & 0xFFFFFFFFu);
        p->claim++;
    }
    albert__mutex_unlock(&p->mutex);
    return index;
#endif
}

/* Runs indices of job `generation` until none is left; wakes the caller when the job's last one finishes. */
static void albert__pool_work(albert__pool *p, unsigned generation, albert__task_fn task, void *arg, int count)
{
    int index, finished;
    while ((index = albert__pool_claim(p, generation, count)) >= 0) {
        task(arg, index, count);
#if ALBERT__CAN_SPIN
        finished = __atomic_add_fetch(&p->n_done, 1, __ATOMIC_ACQ_REL) == count;
        if (finished) {
            albert__mutex_lock(&p->mutex);
            albert__cond_signal(&p->done);
            albert__mutex_unlock(&p->mutex);
        }
#else
        albert__mutex_lock(&p->mutex);
        finished = ++p->n_done == count;
        if (finished) albert__cond_signal(&p->done);
        albert__mutex_unlock(&p->mutex);
#endif
    }
}

ALBERT__THREAD_FN(albert__pool_worker, arg)
{
    albert__worker *worker = (albert__worker *)arg;
    albert__pool *p = worker->pool;
    unsigned seen = 0;
    for (;;) {
        albert__task_fn task;
        void *task_arg;
        int count, spin;
#if ALBERT__CAN_SPIN
        for (spin = 0; spin < ALBERT__SPIN_ROUNDS && ALBERT__ATOMIC_LOAD(&p->generation) == seen; spin++)
            albert__spin_pause(spin);
#else
        (void)spin;
#endif
        albert__mutex_lock(&p->mutex);
        while (p->generation == seen && !p->quit) albert__cond_wait(&p->wake, &p->mutex);
        if (p->quit) {
            albert__mutex_unlock(&p->mutex);
            return ALBERT__THREAD_RESULT;
        }
        seen = p->generation;
        task = p->task;
        task_arg = p->task_arg;
        count = p->task_count;
        albert__mutex_unlock(&p->mutex);
        albert__pool_work(p, seen, task, task_arg, count);
    }
}
#endif

static void albert__pool_free(albert__pool *p)
{
    if (!p) return;
#ifndef ALBERT_NO_THREADS
    if (p->threads) {
        int i;
        albert__mutex_lock(&p->mutex);
        p->quit = 1;
        albert__cond_broadcast(&p->wake);
        albert__mutex_unlock(&p->mutex);
        for (i = 0; i < p->n_started; i++) albert__thread_join(p->threads[i]);
        albert__mutex_destroy(&p->mutex);
        albert__cond_destroy(&p->wake);
        albert__cond_destroy(&p->done);
    }
    ALBERT_FREE(p->threads);
    ALBERT_FREE(p->workers);
#endif
    ALBERT_FREE(p->pack_block);
    ALBERT_FREE(p);
}

/* Bytes the pool allocated: itself, the packed-input buffer and the workers' records. */
static size_t albert__pool_memory(const albert__pool *p)
{
    size_t bytes = sizeof(albert__pool) + ALBERT__PACK_FLOATS * sizeof(float) + 64;
#ifndef ALBERT_NO_THREADS
    if (p->threads) bytes += (sizeof(albert__thread) + sizeof(albert__worker)) * (size_t)(p->n_threads - 1);
#else
    (void)p;
#endif
    return bytes;
}

/* A pool of n_threads (the caller plus n_threads - 1 workers, parked between jobs); NULL on failure. */
static albert__pool *albert__pool_create(int n_threads)
{
    albert__pool *p = (albert__pool *)ALBERT_MALLOC(sizeof(albert__pool));
    if (!p) return NULL;
    memset(p, 0, sizeof *p);
    p->n_threads = n_threads < 1 ? 1 : (n_threads > 256 ? 256 : n_threads);
    p->isa = albert__detect_isa();
    p->features = albert__detect_features(p->isa);
    p->pack_block = ALBERT_MALLOC(ALBERT__PACK_FLOATS * sizeof(float) + 64);
    if (!p->pack_block) {
        ALBERT_FREE(p);
        return NULL;
    }
    p->pack = (float *)((char *)p->pack_block + (64 - (size_t)((uintptr_t)p->pack_block % 64)) % 64);
#ifdef ALBERT_NO_THREADS
    p->n_threads = 1;
#else
    if (p->n_threads > 1) {
        int i, n_workers = p->n_threads - 1;
        p->threads = (albert__thread *)ALBERT_MALLOC(sizeof(albert__thread) * (size_t)n_workers);
        p->workers = (albert__worker *)ALBERT_MALLOC(sizeof(albert__worker) * (size_t)n_workers);
        if (!p->threads || !p->workers) {
            ALBERT_FREE(p->threads);
            ALBERT_FREE(p->workers);
            p->threads = NULL;
            albert__pool_free(p);
            return NULL;
        }
        if (albert__mutex_init(&p->mutex) != 0) {
            ALBERT_FREE(p->threads);
            p->threads = NULL;
            albert__pool_free(p);
            return NULL;
        }
        if (albert__cond_init(&p->wake) != 0) {
            albert__mutex_destroy(&p->mutex);
            ALBERT_FREE(p->threads);
            p->threads = NULL;
            albert__pool_free(p);
            return NULL;
        }
        if (albert__cond_init(&p->done) != 0) {
            albert__cond_destroy(&p->wake);
            albert__mutex_destroy(&p->mutex);
            ALBERT_FREE(p->threads);
            p->threads = NULL;
            albert__pool_free(p);
            return NULL;
        }
        for (i = 0; i < n_workers; i++) {
            p->workers[i].pool = p;
            p->workers[i].slot = i + 1;
            if (albert__thread_create(&p->threads[i], albert__pool_worker, &p->workers[i]) != 0) {
                albert__pool_free(p); /* joins the ones started */
                return NULL;
            }
            p->n_started++;
        }
    }
#endif
    return p;
}

/* Runs task(arg, i, count) for i in 0..count-1, spread over the pool's threads (each index once, on whichever
   thread claims it first; at most count run at the same time, so an index may name per-thread scratch);
   returns when all are done. */
static void albert__pool_run(albert__pool *p, albert__task_fn task, void *arg, int count)
{
    int i;
#ifndef ALBERT_NO_THREADS
    if (p && p->n_threads > 1 && count > 1) {
        unsigned generation;
        int spin;
        albert__mutex_lock(&p->mutex);
        p->task = task;
        p->task_arg = arg;
        p->task_count = count;
        generation = p->generation + 1;
#if ALBERT__CAN_SPIN
        __atomic_store_n(&p->n_done, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&p->claim, (uint64_t)generation << 32, __ATOMIC_RELEASE);
#else
        p->n_done = 0;
        p->claim = (uint64_t)generation << 32;
#endif
        ALBERT__ATOMIC_STORE(&p->generation, generation);
        albert__cond_broadcast(&p->wake);
        albert__mutex_unlock(&p->mutex);
        albert__pool_work(p, generation, task, arg, count);
#if ALBERT__CAN_SPIN
        for (spin = 0; spin < ALBERT__SPIN_ROUNDS && ALBERT__N_DONE(p) != count; spin++) albert__spin_pause(spin);
#else
        (void)spin;
#endif
        albert__mutex_lock(&p->mutex);
        while (ALBERT__N_DONE(p) != count) albert__cond_wait(&p->done, &p->mutex);
        albert__mutex_unlock(&p->mutex);
        return;
    }
#endif
    (void)p;
    for (i = 0; i < count; i++) task(arg, i, count);
}

static int albert__pool_threads(const albert__pool *p) { return p ? p->n_threads : 1; }
static int albert__pool_isa(const albert__pool *p) { return p ? p->isa : ALBERT__ISA_SCALAR; }

/* ============================================================================================== */
/* ==== 5. Kernels: shared definitions ========================================================== */
/* ============================================================================================== */
/* ---------------------------------------------------------------- 5.1 scratch layout */
/* Rounds n up to a multiple of 16 floats (64 bytes). */
static size_t albert__round16(size_t n) { return (n + 15) / 16 * 16; }

/* Attention works on one (sequence, head) pair at a time in scratch of its thread; these are the offsets (in
   floats, each a multiple of 16) of its buffers for seq_len S and head_dim hd. Every size only grows with S and
   hd, so the layout for the largest ones holds any smaller call. */
typedef struct albert__attention_layout {
    size_t keys;      /* the head's keys transposed: AVX-512 in panels of [hd x 64] (64 keys each, the missing
                         keys of the last one 0), otherwise [hd x round16(S)] */
    size_t scores;    /* [QUERY_BLOCK x score_ld]: a block of queries' scores, then their exp */
    size_t values;    /* AVX-512: the head's values, [S x round64(hd)] (columns past hd 0) */
    size_t queries;   /* AVX-512: a block of queries, [QUERY_BLOCK x round16(hd)] */
    size_t key_bias;  /* AVX-512: [S] 0 for a real key, -inf for padding */
    size_t row_max;   /* AVX-512: [QUERY_BLOCK x 16] each query's top score (lane by lane, then in lane 0) */
    size_t row_inv;   /* AVX-512: [QUERY_BLOCK] 1 / each query's sum of exp */
    size_t total;
    size_t score_ld;  /* row stride of the scores: an odd number of cache lines (rows 4 KB apart would share
                         L1 sets) */
} albert__attention_layout;

static albert__attention_layout albert__attention_plan(int seq_len, int head_dim)
{
    albert__attention_layout a;
    size_t S = (size_t)(seq_len < 1 ? 1 : seq_len), hd = (size_t)(head_dim < 1 ? 1 : head_dim);
    size_t hd16 = albert__round16(hd), hd64 = (hd + 63) / 64 * 64, S16 = albert__round16(S), S64 = (S + 63) / 64 * 64;
    a.score_ld = S16 / 16 % 2 ? S16 : S16 + 16;
    a.keys = 0;
    a.scores = a.keys + hd * S64;
    a.values = a.scores + ALBERT__QUERY_BLOCK * a.score_ld;
    a.queries = a.values + S * hd64;
    a.key_bias = a.queries + ALBERT__QUERY_BLOCK * hd16;
    a.row_max = a.key_bias + S16;
    a.row_inv = a.row_max + ALBERT__QUERY_BLOCK * 16;
    a.total = a.row_inv + albert__round16(ALBERT__QUERY_BLOCK);
    return a;
}

/* Scratch floats the kernels need per context: attention of sequences up to max_seq tokens with heads of up to
   max_head_dim, per thread (albert__attention_layout). */
static size_t albert__kernel_scratch_floats(int max_seq, int max_head_dim, int n_threads)
{
    size_t per_thread = albert__attention_plan(max_seq, max_head_dim).total;
    return per_thread * (size_t)(n_threads < 1 ? 1 : n_threads) + 16;
}

/* --------------------------------------------------- 5.2 activations: the scalar one, the dispatcher's declaration */
static float albert__activate(float x, int act)
{
    switch (act) {
    case ALBERT_ACT_GELU: return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
    case ALBERT_ACT_GELU_TANH:
        return 0.5f * x * (1.0f + tanhf(0.79788456080286536f * (x + 0.044715f * x * x * x)));
    case ALBERT_ACT_RELU: return x > 0.0f ? x : 0.0f;
    case ALBERT_ACT_SILU: return x / (1.0f + expf(-x));
    case ALBERT_ACT_QUICK_GELU: return x / (1.0f + expf(-1.702f * x));
    case ALBERT_ACT_TANH: return tanhf(x);
    case ALBERT_ACT_SIGMOID: return 1.0f / (1.0f + expf(-x));
    case ALBERT_ACT_RELU6: return x < 0.0f ? 0.0f : (x > 6.0f ? 6.0f : x);
    case ALBERT_ACT_MISH: return x * tanhf(log1pf(expf(x)));
    case ALBERT_ACT_GELU_10: {
        float g = 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
        return g < -10.0f ? -10.0f : (g > 10.0f ? 10.0f : g);
    }
    case ALBERT_ACT_RELU2: return x > 0.0f ? x * x : 0.0f;
    default: return x; /* ALBERT_ACT_LINEAR */
    }
}

/* act over n floats in place with the best code for `isa` (defined in 12.1, after every ISA's version; kernels
   use it for the activation of a finished tile or of a tail). */
static void albert__activate_array(float *x, int n, int act, int isa);

/* ---------------------------------------------------------------- 5.3 linear layers: shapes, job, packing */
/* Micro-kernel shapes: MR rows of W x NR tokens. f32 weights on AVX-512: 6 x 64 (per step of k, 4 loads of x and
   6 broadcasts of W feed 24 FMAs: ~10-20% faster than 12 x 32, which needs 14 loads and 12 W streams; measured
   on Sapphire Rapids). The 12 x 32 shape remains for the f16 kernel of the f16/q8 kernels. */
#define ALBERT__MR_F32_AVX512 6
#define ALBERT__NR_F32_AVX512 64
#define ALBERT__MR_AVX512 12
#define ALBERT__NR_AVX512 32
#define ALBERT__MR_AVX2 6
#define ALBERT__NR_AVX2 16
#define ALBERT__MR_NEON 8
#define ALBERT__NR_NEON 8
#define ALBERT__MR_WASM 6
#define ALBERT__NR_WASM 8
#define ALBERT__MR_MAX 12
#define ALBERT__NR_MAX 64

/* Packs rows [row0, row0 + rows) of x ([m x k], row stride ldx) into token panels of nr tokens:
   panel p holds xp[p * k * nr + kk * nr + t] = x[row0 + p * nr + t][kk], zero past row m. */
static void albert__pack_x_panel(const float *x, size_t ldx, int m, int k, int first_row, int nr, float *xp)
{
    const float *rows[ALBERT__NR_MAX];
    int t, kk;
    for (t = 0; t < nr; t++) rows[t] = first_row + t < m ? x + (size_t)(first_row + t) * ldx : NULL;
    for (kk = 0; kk < k; kk++) {
        float *o = xp + (size_t)kk * nr;
        for (t = 0; t < nr; t++) o[t] = rows[t] ? rows[t][kk] : 0.0f;
    }
}

typedef struct albert__linear_job {
    const float *x;
    size_t ldx;
    int m, k, n;
    const float *w;
    const float *b;
    int act;
    const float *residual;
    float *y;
    int isa, mr, nr;
    int chunk_row0, chunk_rows; /* rows of x packed in this round */
    float *xp;                  /* packed panels of the chunk */
    int task_blocks;            /* blocks of mr W rows per task of the tiles (albert__linear_task_blocks) */
    int pack_slices;            /* each panel is packed in this many ranges of k (albert__linear_pack) */
    float *y_panels;            /* AVX-512: instead of y, the output as the next layer's packed x (see
                                   albert__linear_with_panels, albert__linear_panels_fit) */
} albert__linear_job;

/* ---------------------------------------------------------------- 5.4 layer norm job */
typedef struct albert__norm_job {
    float *x;
    int m, n;
    const float *g, *b;
    float eps;
    int isa;
} albert__norm_job;

/* ---------------------------------------------------------------- 5.5 compact weights (f16, q8): design, job */
/* f16 and int8 (q8) weight kernels.
   Same contract as albert__linear (12.2), y = act(x W^T + b) + residual, with the weights in another
   dtype, read in place from the model file:
     f16: IEEE binary16, little-endian, [n x k] row-major;
     q8:  int8 [n x k] row-major with a float scale per row: W[j][t] = scale[j] * q[j][t], q in [-127, 127].

   f16, SIMD: the f32 design (section 3) (x packed once per call into token panels, each thread owns a range of
   W rows, an MR x NR register tile). AVX-512: each strip of 48 W rows is widened (vcvtph2ps) once per call into
   f32 rows that the f32 6 x 64 micro-kernel and strip store run on over every panel; with at most 8 rows of x, 3 W rows at a time
   are widened 16 values at a time into dot products (the f32 short-input design, half the bytes read). AVX2: the
   W rows converted a few values at a time into a small buffer the 6 x 16 micro-kernel broadcasts from. All
   arithmetic is f32: results equal the f32 kernel run on the widened weights, up to float rounding.

   q8, SIMD: integer dot products. Each row of x is quantized on the fly to 8 bits, then summed exactly in int32:
     AVX-512 VNNI: asymmetric u8, x ~ sx * (u - z), sx = (max - min) / 255 over the row (min <= 0 <= max), z the
                   integer zero point; vpdpbusd (u8 x s8, 4 products per int32 lane, no intermediate saturation),
                   x . W_j ~ sx * scale_j * (sum_t u_t q_jt - z * sum_t q_jt);
     AVX2:         symmetric s8, x ~ sx * p, sx = max|x| / 127; vpmaddubsw(|p|, q * sign(p)) (a pair sum is at
                   most 2 * 127 * 127: no int16 saturation), vpmaddwd to int32.
   The activation rounding adds an error of at most half a step per element, on top of the weights' own int8
   rounding; tests/test_quant.c holds whole models to cosine >= 0.999 per token against HuggingFace. The scalar
   path (ALBERT_NO_SIMD, or a CPU without AVX2) keeps x in float and computes exactly the contract (in float,
   summing in order, as the reference versions did).

   The AVX2 paths assume F16C, which every CPU with AVX2 has (clang cannot test it with __builtin_cpu_supports). */

/* Declares `float *name` pointing to `count` floats on the stack, 64-byte aligned. */
#define ALBERT__ALIGNED_FLOATS(name, count)                                                                  \
    float name##_block[(count) + 16];                                                                        \
    float *name = name##_block + (16 - (size_t)((uintptr_t)name##_block / sizeof(float) % 16)) % 16

/* IEEE half -> float (all values: zeros, subnormals, infinities, NaN). */
static float albert__half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, exponent = (h >> 10) & 0x1fu, mantissa = h & 0x3ffu, bits;
    float f;
    if (exponent == 0) {
        f = (float)mantissa * (1.0f / 16777216.0f);   /* 2^-24 */
        return sign ? -f : f;
    }
    if (exponent == 31) bits = sign | 0x7f800000u | (mantissa << 13);
    else bits = sign | ((exponent + 112u) << 23) | (mantissa << 13);
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* The kernels of one compact-weight linear call. */
typedef struct albert__qlinear_job {
    albert__linear_job out;      /* x, sizes, bias, act, residual, y, isa, tile shape, packed x: as albert__linear
                                    (its w is unused); also what albert__linear_store_tile reads */
    const uint16_t *w16;         /* f16 weights, or NULL */
    const int8_t *w8;            /* q8 weights, or NULL */
    float *wbuf;                 /* f16 on AVX-512: [tasks x 48 x k] widened W rows (albert__linear_f16 owns it) */
    const float *w8_scale;       /* [n] */
    int vnni;                    /* q8: 1 = AVX-512 VNNI kernel (u8 activations), 0 = AVX2 (u7) */
    int kp;                      /* q8: quantized row length (k rounded up to 64 bytes) */
    uint8_t *xq;                 /* q8: [chunk rows x kp] quantized rows of x */
    float *xs;                   /* q8: [chunk rows] their scales */
    int32_t *xz;                 /* q8: [chunk rows] their zero points */
} albert__qlinear_job;

/* ---------------------------------------------------------------- 5.6 x86: target attributes */
#ifdef ALBERT__X86_SIMD
#define ALBERT__AVX2 __attribute__((target("avx2,fma")))
#define ALBERT__AVX512 __attribute__((target("avx512f,avx2,fma")))
#define ALBERT__AVX2_F16C __attribute__((target("avx2,fma,f16c")))
#define ALBERT__VNNI __attribute__((target("avx512f,avx512bw,avx512vnni,avx2,fma")))
#define ALBERT__Q8_ROWS 4       /* W rows per micro-kernel */
#define ALBERT__Q8_TOKENS 4     /* most x rows per micro-kernel (VNNI 4, AVX2 2) */
#define ALBERT__Q8_GROUP 64     /* x rows per stored tile */
#endif /* ALBERT__X86_SIMD */

/* ---------------------------------------------------------------- 5.7 vector constants (x86 and WASM SIMD128) */
#if defined(ALBERT__X86_SIMD) || defined(ALBERT__WASM_SIMD)
/* e^x on vector lanes: n = round(x / ln 2), r = x - n ln 2 (ln 2 in two parts, |r| <= ln 2 / 2),
   e^r = 1 + r q(r) with q of degree 5 (a Chebyshev fit of (e^r - 1) / r, error 1.1e-8), times 2^n: within 1 ulp
   (0.9 measured), and exactly 1 at 0. The constants, shared by the 8- and 16-lane versions: */
#define ALBERT__EXP_LOG2E 1.44269504088896341f
#define ALBERT__EXP_LN2_HI 0.693359375f /* 9 significant bits: n * ln2_hi is exact */
#define ALBERT__EXP_LN2_LO -2.12194440e-4f
#define ALBERT__EXP_Q5 1.3933641032e-3f
#define ALBERT__EXP_Q4 8.3691484909e-3f
#define ALBERT__EXP_Q3 4.1666465006e-2f
#define ALBERT__EXP_Q2 1.6666505260e-1f
#define ALBERT__EXP_Q1 5.0000000135e-1f
#define ALBERT__EXP_Q0 1.0000000108f
/* The inputs the callers clamp x to: e^-87.3 = 1.2e-38 is still a normal float, e^88 = 1.65e38 is finite. */
#define ALBERT__EXP_MIN -87.3f
#define ALBERT__EXP_MAX 88.0f
/* GELU (tanh form) as x / (1 + e^-2u): -2u = x (C1 + C3 x^2). Where -2u > 80 (x below -9.6) the result, under
   2e-34 in magnitude, is taken as 0 as in the scalar version (tanhf is -1 there), so e^-2u stays finite and
   1 / (1 + e^-2u) normal; NaN stays NaN. */
#define ALBERT__GELU_TANH_C1 (-2.0f * 0.79788456080286536f)
#define ALBERT__GELU_TANH_C3 (-2.0f * 0.79788456080286536f * 0.044715f)
#define ALBERT__GELU_TANH_ZERO 80.0f
#endif

/* ============================================================================================== */
/* ==== 6. Kernels: scalar (portable C, the contract exactly) =================================== */
/* ============================================================================================== */
/* ---------------------------------------------------------------- 6.1 scalar activations */
static void albert__activate_array_scalar(float *x, int n, int act)
{
    int i;
    if (!act || act == ALBERT_ACT_LINEAR) return;
    for (i = 0; i < n; i++) x[i] = albert__activate(x[i], act);
}

/* ---------------------------------------------------------------- 6.2 scalar linear layer */
/* The portable path: thread `index` of `count` computes its share of output columns, 4 rows of x at a time. */
static void albert__linear_scalar_task(void *arg, int index, int count)
{
    const albert__linear_job *job = (const albert__linear_job *)arg;
    int j_begin = (int)((int64_t)job->n * index / count), j_end = (int)((int64_t)job->n * (index + 1) / count);
    int k = job->k, i, j, t, r;
    for (i = 0; i < job->m; i += 4) {
        int rows = job->m - i < 4 ? job->m - i : 4;
        const float *x0 = job->x + (size_t)i * job->ldx;
        const float *x1 = job->x + (size_t)(i + (rows > 1 ? 1 : 0)) * job->ldx;
        const float *x2 = job->x + (size_t)(i + (rows > 2 ? 2 : 0)) * job->ldx;
        const float *x3 = job->x + (size_t)(i + (rows > 3 ? 3 : 0)) * job->ldx;
        for (j = j_begin; j < j_end; j++) {
            const float *wr = job->w + (size_t)j * k;
            float s[4] = {0.0f, 0.0f, 0.0f, 0.0f};
            for (t = 0; t < k; t++) {
                float wv = wr[t];
                s[0] += x0[t] * wv;
                s[1] += x1[t] * wv;
                s[2] += x2[t] * wv;
                s[3] += x3[t] * wv;
            }
            for (r = 0; r < rows; r++) {
                float v = s[r] + (job->b ? job->b[j] : 0.0f);
                albert__activate_array(&v, 1, job->act, ALBERT__ISA_SCALAR);
                if (job->residual) v += job->residual[(size_t)(i + r) * job->n + j];
                job->y[(size_t)(i + r) * job->n + j] = v;
            }
        }
    }
}

/* ---------------------------------------------------------------- 6.3 scalar layer norm */
static void albert__layer_norm_row_scalar(float *r, int n, const float *g, const float *b, float eps)
{
    double mean = 0.0, var = 0.0;
    float inv, meanf;
    int j;
    for (j = 0; j < n; j++) mean += r[j];
    mean /= n;
    for (j = 0; j < n; j++) var += (r[j] - mean) * (r[j] - mean);
    var /= n;
    inv = (float)(1.0 / sqrt(var + eps));
    meanf = (float)mean;
    for (j = 0; j < n; j++) r[j] = (r[j] - meanf) * inv * g[j] + b[j];
}

/* ---------------------------------------------------------------- 6.4 scalar attention: matmul, softmax */
/* c[rows x cols] = alpha * a[rows x k] . bm[k x cols] (row strides lda, ldb, ldc), all row-major. */
static void albert__matmul_scalar(int rows, int cols, int k, const float *a, size_t lda, const float *bm, size_t ldb,
                                  float alpha, float *c, size_t ldc)
{
    int i, j, t;
    for (i = 0; i < rows; i++) {
        float *cr = c + (size_t)i * ldc;
        const float *ar = a + (size_t)i * lda;
        for (j = 0; j < cols; j++) cr[j] = 0.0f;
        for (t = 0; t < k; t++) {
            float av = ar[t];
            const float *br = bm + (size_t)t * ldb;
            for (j = 0; j < cols; j++) cr[j] += av * br[j];
        }
        for (j = 0; j < cols; j++) cr[j] *= alpha;
    }
}

static void albert__softmax_row_scalar(float *s, int n)
{
    float mx = -INFINITY, sum = 0.0f, inv;
    int j;
    for (j = 0; j < n; j++) mx = s[j] > mx ? s[j] : mx;
    for (j = 0; j < n; j++) {
        s[j] = expf(s[j] - mx);
        sum += s[j];
    }
    inv = 1.0f / sum;
    for (j = 0; j < n; j++) s[j] *= inv;
}

/* ---------------------------------------------------------------- 6.5 scalar f16 / q8 linear layer */
/* Thread `index` of `count` computes its share of output columns, for every row of x. */
static void albert__qlinear_scalar_task(void *arg, int index, int count)
{
    const albert__qlinear_job *job = (const albert__qlinear_job *)arg;
    const albert__linear_job *o = &job->out;
    int j_begin = (int)((int64_t)o->n * index / count), j_end = (int)((int64_t)o->n * (index + 1) / count);
    int k = o->k, i, j, t;
    for (i = 0; i < o->m; i++) {
        const float *xr = o->x + (size_t)i * o->ldx;
        for (j = j_begin; j < j_end; j++) {
            float s = 0.0f;
            if (job->w16) {
                const uint16_t *wr = job->w16 + (size_t)j * k;
                for (t = 0; t < k; t++) s += xr[t] * albert__half_to_float(wr[t]);
            } else {
                const int8_t *wr = job->w8 + (size_t)j * k;
                for (t = 0; t < k; t++) s += xr[t] * (float)wr[t];
                s *= job->w8_scale[j];
            }
            if (o->b) s += o->b[j];
            if (o->act) s = albert__activate(s, o->act);
            if (o->residual) s += o->residual[(size_t)i * o->n + j];
            o->y[(size_t)i * o->n + j] = s;
        }
    }
}

/* ============================================================================================== */
/* ==== 7. Kernels: AVX2 + FMA (x86-64) ========================================================= */
/* ============================================================================================== */
#ifdef ALBERT__X86_SIMD
/* ---------------------------------------------------------------- 7.1 AVX2 activations: exp, sigmoid, erf, GELU */
/* e^x, 8 lanes, x in [ALBERT__EXP_MIN, ALBERT__EXP_MAX] (NaN-free). */
ALBERT__AVX2 static __m256 albert__exp8_in_range(__m256 x)
{
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(ALBERT__EXP_LOG2E)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(ALBERT__EXP_LN2_HI), x);
    __m256 q = _mm256_set1_ps(ALBERT__EXP_Q5);
    __m256i two_n;
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(ALBERT__EXP_LN2_LO), r);
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(ALBERT__EXP_Q4));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(ALBERT__EXP_Q3));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(ALBERT__EXP_Q2));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(ALBERT__EXP_Q1));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(ALBERT__EXP_Q0));
    two_n = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(_mm256_fmadd_ps(q, r, _mm256_set1_ps(1.0f)), _mm256_castsi256_ps(two_n));
}

/* e^x, 8 lanes, for any x: above 88 it is taken as 88 (1.6e38), below -87.3 (and for NaN) the result is 0 (never a
   subnormal number: those cost a microcode assist per operation on Intel CPUs). */
ALBERT__AVX2 static __m256 albert__exp8(__m256 x)
{
    __m256 in_range = _mm256_cmp_ps(x, _mm256_set1_ps(ALBERT__EXP_MIN), _CMP_GE_OQ);
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(ALBERT__EXP_MIN)), _mm256_set1_ps(ALBERT__EXP_MAX));
    return _mm256_and_ps(albert__exp8_in_range(x), in_range);
}

/* 1 / (1 + e^-x); x below -80 is taken as -80 (1.8e-35 instead of a subnormal or 0: x * sigmoid(x) stays
   normal too). */
ALBERT__AVX2 static __m256 albert__sigmoid8(__m256 x)
{
    __m256 one = _mm256_set1_ps(1.0f);
    x = _mm256_max_ps(x, _mm256_set1_ps(-80.0f));
    return _mm256_div_ps(one, _mm256_add_ps(one, albert__exp8(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

/* erf(x), 8 lanes: Abramowitz & Stegun 7.1.26 (absolute error <= 1.5e-7), odd extension; e^-x^2 is taken as
   e^-80 beyond |x| = 8.9, which keeps every intermediate normal. */
ALBERT__AVX2 static __m256 albert__erf8(__m256 x)
{
    __m256 sign = _mm256_and_ps(x, _mm256_set1_ps(-0.0f));
    __m256 a = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x);
    __m256 one = _mm256_set1_ps(1.0f);
    __m256 t = _mm256_div_ps(one, _mm256_fmadd_ps(a, _mm256_set1_ps(0.3275911f), one));
    __m256 p = _mm256_set1_ps(1.061405429f);
    __m256 y;
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.453152027f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.421413741f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.284496736f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.254829592f));
    p = _mm256_mul_ps(p, t);
    y = _mm256_fnmadd_ps(p, albert__exp8(_mm256_sub_ps(_mm256_setzero_ps(),
                                                       _mm256_min_ps(_mm256_mul_ps(a, a), _mm256_set1_ps(80.0f)))), one);
    return _mm256_or_ps(y, sign);
}

/* The activation on 8 lanes; returns 0 if `act` has no vector version (then use the scalar one). */
ALBERT__AVX2 static int albert__activate8(__m256 *v, int act)
{
    __m256 x = *v, zero = _mm256_setzero_ps(), half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
    switch (act) {
    case ALBERT_ACT_GELU:
    case ALBERT_ACT_GELU_10:
        x = _mm256_mul_ps(_mm256_mul_ps(half, x),
                          _mm256_add_ps(one, albert__erf8(_mm256_mul_ps(x, _mm256_set1_ps(0.70710678118654752f)))));
        if (act == ALBERT_ACT_GELU_10)
            x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-10.0f)), _mm256_set1_ps(10.0f));
        break;
    case ALBERT_ACT_GELU_TANH: {
        /* 0.5 x (1 + tanh(u)) = x / (1 + e^-2u), u = sqrt(2/pi) (x + 0.044715 x^3), with one e^x (below) */
        __m256 minus_2u = _mm256_mul_ps(x, _mm256_fmadd_ps(_mm256_mul_ps(x, x), _mm256_set1_ps(ALBERT__GELU_TANH_C3),
                                                           _mm256_set1_ps(ALBERT__GELU_TANH_C1)));
        __m256 keep = _mm256_cmp_ps(minus_2u, _mm256_set1_ps(ALBERT__GELU_TANH_ZERO), _CMP_NGT_UQ);
        __m256 e = albert__exp8_in_range(_mm256_min_ps(_mm256_max_ps(minus_2u, _mm256_set1_ps(ALBERT__EXP_MIN)),
                                                       _mm256_set1_ps(ALBERT__GELU_TANH_ZERO)));
        x = _mm256_and_ps(_mm256_div_ps(x, _mm256_add_ps(one, e)), keep);
        break;
    }
    case ALBERT_ACT_RELU: x = _mm256_max_ps(x, zero); break;
    case ALBERT_ACT_SILU: x = _mm256_mul_ps(x, albert__sigmoid8(x)); break;
    case ALBERT_ACT_QUICK_GELU: x = _mm256_mul_ps(x, albert__sigmoid8(_mm256_mul_ps(x, _mm256_set1_ps(1.702f)))); break;
    case ALBERT_ACT_TANH:
        x = _mm256_fmsub_ps(_mm256_set1_ps(2.0f), albert__sigmoid8(_mm256_add_ps(x, x)), one);
        break;
    case ALBERT_ACT_SIGMOID: x = albert__sigmoid8(x); break;
    case ALBERT_ACT_RELU6: x = _mm256_min_ps(_mm256_max_ps(x, zero), _mm256_set1_ps(6.0f)); break;
    case ALBERT_ACT_RELU2: x = _mm256_max_ps(x, zero); x = _mm256_mul_ps(x, x); break;
    case 0:
    case ALBERT_ACT_LINEAR: break;
    default: return 0;
    }
    *v = x;
    return 1;
}

ALBERT__AVX2 static void albert__activate_array_avx2(float *x, int n, int act)
{
    int i = 0;
    __m256 v = _mm256_setzero_ps();
    if (!act || act == ALBERT_ACT_LINEAR) return;
    if (!albert__activate8(&v, act)) {
        albert__activate_array_scalar(x, n, act);
        return;
    }
    for (; i + 8 <= n; i += 8) {
        v = _mm256_loadu_ps(x + i);
        albert__activate8(&v, act);
        _mm256_storeu_ps(x + i, v);
    }
    if (i < n) {
        float tail[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        memcpy(tail, x + i, sizeof(float) * (size_t)(n - i));
        v = _mm256_loadu_ps(tail);
        albert__activate8(&v, act);
        _mm256_storeu_ps(tail, v);
        memcpy(x + i, tail, sizeof(float) * (size_t)(n - i));
    }
}

/* ---------------------------------------------------------------- 7.2 AVX2 linear micro-kernel */
/* tile[ii * 16 + t] = sum_kk w_ii[kk] * xp[kk * 16 + t] for ii < 6, t < 16 (AVX2 + FMA). */
ALBERT__AVX2 static void albert__tile_avx2(int k, const float *const *w, const float *xp, float *tile)
{
    const float *w0 = w[0], *w1 = w[1], *w2 = w[2], *w3 = w[3], *w4 = w[4], *w5 = w[5];
    __m256 c0a = _mm256_setzero_ps(), c0b = c0a, c1a = c0a, c1b = c0a, c2a = c0a, c2b = c0a;
    __m256 c3a = c0a, c3b = c0a, c4a = c0a, c4b = c0a, c5a = c0a, c5b = c0a;
    int kk;
    for (kk = 0; kk < k; kk++) {
        __m256 xa = _mm256_load_ps(xp), xb = _mm256_load_ps(xp + 8), b;
        xp += 16;
#define ALBERT__ROW256(r)                            \
    b = _mm256_broadcast_ss(w##r + kk);              \
    c##r##a = _mm256_fmadd_ps(b, xa, c##r##a);       \
    c##r##b = _mm256_fmadd_ps(b, xb, c##r##b);
        ALBERT__ROW256(0) ALBERT__ROW256(1) ALBERT__ROW256(2)
        ALBERT__ROW256(3) ALBERT__ROW256(4) ALBERT__ROW256(5)
#undef ALBERT__ROW256
    }
#define ALBERT__STORE256(r)                          \
    _mm256_store_ps(tile + r * 16, c##r##a);         \
    _mm256_store_ps(tile + r * 16 + 8, c##r##b);
    ALBERT__STORE256(0) ALBERT__STORE256(1) ALBERT__STORE256(2)
    ALBERT__STORE256(3) ALBERT__STORE256(4) ALBERT__STORE256(5)
#undef ALBERT__STORE256
}

/* ---------------------------------------------------------------- 7.3 AVX2 layer norm */
ALBERT__AVX2 static float albert__hsum8(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

ALBERT__AVX2 static float albert__hmax8(__m256 v)
{
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

/* Two passes (mean, then the centred sum of squares), sums in double lanes. */
ALBERT__AVX2 static void albert__layer_norm_row_avx2(float *r, int n, const float *g, const float *b, float eps)
{
    __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
    double mean, var, tail = 0.0;
    float inv, meanf;
    __m256 vm, vi;
    __m128d h;
    int j;
    for (j = 0; j + 8 <= n; j += 8) {
        __m256 v = _mm256_loadu_ps(r + j);
        s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
        s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
    }
    for (; j < n; j++) tail += r[j];
    s0 = _mm256_add_pd(s0, s1);
    h = _mm_add_pd(_mm256_castpd256_pd128(s0), _mm256_extractf128_pd(s0, 1));
    mean = (_mm_cvtsd_f64(h) + _mm_cvtsd_f64(_mm_unpackhi_pd(h, h)) + tail) / n;
    meanf = (float)mean;
    vm = _mm256_set1_ps(meanf);
    s0 = _mm256_setzero_pd();
    s1 = _mm256_setzero_pd();
    tail = 0.0;
    for (j = 0; j + 8 <= n; j += 8) {
        __m256 d = _mm256_sub_ps(_mm256_loadu_ps(r + j), vm);
        __m256d d0 = _mm256_cvtps_pd(_mm256_castps256_ps128(d)), d1 = _mm256_cvtps_pd(_mm256_extractf128_ps(d, 1));
        s0 = _mm256_fmadd_pd(d0, d0, s0);
        s1 = _mm256_fmadd_pd(d1, d1, s1);
    }
    for (; j < n; j++) tail += (double)(r[j] - meanf) * (r[j] - meanf);
    s0 = _mm256_add_pd(s0, s1);
    h = _mm_add_pd(_mm256_castpd256_pd128(s0), _mm256_extractf128_pd(s0, 1));
    var = (_mm_cvtsd_f64(h) + _mm_cvtsd_f64(_mm_unpackhi_pd(h, h)) + tail) / n;
    inv = (float)(1.0 / sqrt(var + eps));
    vi = _mm256_set1_ps(inv);
    for (j = 0; j + 8 <= n; j += 8) {
        __m256 d = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(r + j), vm), vi);
        _mm256_storeu_ps(r + j, _mm256_fmadd_ps(d, _mm256_loadu_ps(g + j), _mm256_loadu_ps(b + j)));
    }
    for (; j < n; j++) r[j] = (r[j] - meanf) * inv * g[j] + b[j];
}

/* ---------------------------------------------------------------- 7.4 AVX2 attention: matmul, softmax */
/* The same, AVX2: blocks of 6 rows x 16 columns, column tails masked. */
ALBERT__AVX2 static void albert__matmul_avx2(int rows, int cols, int k, const float *a, size_t lda, const float *bm,
                                             size_t ldb, float alpha, float *c, size_t ldc)
{
    int i0, j0, t, r;
    __m256 va = _mm256_set1_ps(alpha);
    __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (j0 = 0; j0 < cols; j0 += 16) {
        int left = cols - j0;
        __m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32(left), lane);
        __m256i m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32(left - 8), lane);
        for (i0 = 0; i0 < rows; i0 += 6) {
            int used = rows - i0 < 6 ? rows - i0 : 6;
            const float *ar[6];
            __m256 acc[6][2];
            for (r = 0; r < 6; r++) ar[r] = a + (size_t)(i0 + (r < used ? r : used - 1)) * lda;
            acc[0][0] = acc[0][1] = _mm256_setzero_ps();
            acc[1][0] = acc[1][1] = acc[2][0] = acc[2][1] = acc[0][0];
            acc[3][0] = acc[3][1] = acc[4][0] = acc[4][1] = acc[5][0] = acc[5][1] = acc[0][0];
            for (t = 0; t < k; t++) {
                const float *br = bm + (size_t)t * ldb + j0;
                __m256 b0 = _mm256_maskload_ps(br, m0), b1 = _mm256_maskload_ps(br + 8, m1);
#define ALBERT__MM256(r)                                      \
    {                                                         \
        __m256 av = _mm256_broadcast_ss(ar[r] + t);           \
        acc[r][0] = _mm256_fmadd_ps(av, b0, acc[r][0]);       \
        acc[r][1] = _mm256_fmadd_ps(av, b1, acc[r][1]);       \
    }
                ALBERT__MM256(0) ALBERT__MM256(1) ALBERT__MM256(2) ALBERT__MM256(3) ALBERT__MM256(4) ALBERT__MM256(5)
#undef ALBERT__MM256
            }
#define ALBERT__MM256_STORE(r)                                                  \
    if (r < used) {                                                             \
        float *cr = c + (size_t)(i0 + r) * ldc + j0;                            \
        _mm256_maskstore_ps(cr, m0, _mm256_mul_ps(acc[r][0], va));              \
        _mm256_maskstore_ps(cr + 8, m1, _mm256_mul_ps(acc[r][1], va));          \
    }
            ALBERT__MM256_STORE(0) ALBERT__MM256_STORE(1) ALBERT__MM256_STORE(2)
            ALBERT__MM256_STORE(3) ALBERT__MM256_STORE(4) ALBERT__MM256_STORE(5)
#undef ALBERT__MM256_STORE
        }
    }
}

/* Softmax of n scores in place: e = exp(s - max) (max over the row), then e / sum. */
ALBERT__AVX2 static void albert__softmax_row_avx2(float *s, int n)
{
    __m256 vmax = _mm256_set1_ps(-INFINITY), vsum = _mm256_setzero_ps(), vinv;
    float mx, sum, inv;
    int j;
    for (j = 0; j + 8 <= n; j += 8) vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(s + j));
    mx = albert__hmax8(vmax);
    for (; j < n; j++) mx = s[j] > mx ? s[j] : mx;
    vmax = _mm256_set1_ps(mx);
    sum = 0.0f;
    for (j = 0; j + 8 <= n; j += 8) {
        __m256 e = albert__exp8(_mm256_sub_ps(_mm256_loadu_ps(s + j), vmax));
        _mm256_storeu_ps(s + j, e);
        vsum = _mm256_add_ps(vsum, e);
    }
    for (; j < n; j++) {
        s[j] = expf(s[j] - mx);
        sum += s[j];
    }
    sum += albert__hsum8(vsum);
    inv = 1.0f / sum;
    vinv = _mm256_set1_ps(inv);
    for (j = 0; j + 8 <= n; j += 8) _mm256_storeu_ps(s + j, _mm256_mul_ps(_mm256_loadu_ps(s + j), vinv));
    for (; j < n; j++) s[j] *= inv;
}

/* ---------------------------------------------------------------- 7.5 AVX2 f16 micro-kernel */
/* tile[ii * 16 + t] = sum_kk w_ii[kk] * xp[kk * 16 + t] for ii < 6, t < 16, W in f16 (AVX2 + FMA + F16C).
   Eight values of each W row are widened at a time into wf, which the FMA loop broadcasts from. */
ALBERT__AVX2_F16C static void albert__tile_f16_avx2(int k, const uint16_t *const *w, const float *xp, float *tile)
{
    ALBERT__ALIGNED_FLOATS(wf, 6 * 8);
    __m256 c0a = _mm256_setzero_ps(), c0b = c0a, c1a = c0a, c1b = c0a, c2a = c0a, c2b = c0a;
    __m256 c3a = c0a, c3b = c0a, c4a = c0a, c4b = c0a, c5a = c0a, c5b = c0a;
    int k0, r, u;
    for (k0 = 0; k0 < k; k0 += 8) {
        int len = k - k0 < 8 ? k - k0 : 8;
        if (len == 8) {
            for (r = 0; r < 6; r++)
                _mm256_store_ps(wf + r * 8, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)(w[r] + k0))));
        } else {
            for (r = 0; r < 6; r++)
                for (u = 0; u < len; u++) wf[r * 8 + u] = albert__half_to_float(w[r][k0 + u]);
        }
        for (u = 0; u < len; u++) {
            __m256 xa = _mm256_load_ps(xp), xb = _mm256_load_ps(xp + 8), b;
            xp += 16;
#define ALBERT__ROW256H(r)                           \
    b = _mm256_broadcast_ss(wf + r * 8 + u);         \
    c##r##a = _mm256_fmadd_ps(b, xa, c##r##a);       \
    c##r##b = _mm256_fmadd_ps(b, xb, c##r##b);
            ALBERT__ROW256H(0) ALBERT__ROW256H(1) ALBERT__ROW256H(2)
            ALBERT__ROW256H(3) ALBERT__ROW256H(4) ALBERT__ROW256H(5)
#undef ALBERT__ROW256H
        }
    }
#define ALBERT__STORE256H(r)                         \
    _mm256_store_ps(tile + r * 16, c##r##a);         \
    _mm256_store_ps(tile + r * 16 + 8, c##r##b);
    ALBERT__STORE256H(0) ALBERT__STORE256H(1) ALBERT__STORE256H(2)
    ALBERT__STORE256H(3) ALBERT__STORE256H(4) ALBERT__STORE256H(5)
#undef ALBERT__STORE256H
}

/* ---------------------------------------------------------------- 7.6 AVX2 int8: quantization, dot products */
/* Quantizes x[k] to out[kp] (zero past k).
   asymmetric (VNNI): u8 u in [0, 255], x ~ scale * (u - zero), min(x, 0) -> 0 and max(x, 0) -> 255;
   symmetric (AVX2):  s8 q in [-127, 127], x ~ scale * q, scale = max|x| / 127, *zero = 0. */
ALBERT__AVX2 static void albert__quantize_row_avx2(const float *x, int k, int kp, int symmetric, uint8_t *out,
                                                   float *scale, int32_t *zero)
{
    __m256 vlo = _mm256_setzero_ps(), vhi = vlo, vinv, vz;
    __m256i vzero = _mm256_setzero_si256(), vmax, shift;
    __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    __m128 h;
    float lo, hi, s, inv;
    int j, z, qmax = symmetric ? 254 : 255;
    for (j = 0; j + 8 <= k; j += 8) {
        __m256 v = _mm256_loadu_ps(x + j);
        vlo = _mm256_min_ps(vlo, v);
        vhi = _mm256_max_ps(vhi, v);
    }
    h = _mm_min_ps(_mm256_castps256_ps128(vlo), _mm256_extractf128_ps(vlo, 1));
    h = _mm_min_ps(h, _mm_movehl_ps(h, h));
    lo = _mm_cvtss_f32(_mm_min_ss(h, _mm_shuffle_ps(h, h, 1)));
    h = _mm_max_ps(_mm256_castps256_ps128(vhi), _mm256_extractf128_ps(vhi, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    hi = _mm_cvtss_f32(_mm_max_ss(h, _mm_shuffle_ps(h, h, 1)));
    for (; j < k; j++) {
        lo = x[j] < lo ? x[j] : lo;
        hi = x[j] > hi ? x[j] : hi;
    }
    if (symmetric) {   /* the range [-max|x|, max|x|] in 254 steps: zero point 127 */
        hi = -lo > hi ? -lo : hi;
        lo = -hi;
    }
    s = (hi - lo) / (float)qmax;
    memset(out, 0, (size_t)kp);
    *zero = 0;
    if (!(s > 0.0f && s <= FLT_MAX)) {   /* an all-zero row (or NaN / infinite inputs: the row reads as 0) */
        *scale = 0.0f;
        return;
    }
    inv = 1.0f / s;
    z = symmetric ? 127 : (int)lrintf(-lo * inv);
    z = z < 0 ? 0 : (z > qmax ? qmax : z);
    *scale = s;
    if (symmetric != 1) *zero = z;
    vinv = _mm256_set1_ps(inv);
    vz = _mm256_set1_ps((float)z);
    vmax = _mm256_set1_epi32(qmax);
    shift = _mm256_set1_epi8(symmetric == 1 ? 127 : 0);
#define ALBERT__QUANT8(off)                                                                                  \
    _mm256_max_epi32(vzero, _mm256_min_epi32(vmax, _mm256_cvtps_epi32(_mm256_fmadd_ps(_mm256_loadu_ps(x + j + off), \
                                                                                      vinv, vz))))
    for (j = 0; j + 32 <= k; j += 32) {
        __m256i a = ALBERT__QUANT8(0), b = ALBERT__QUANT8(8), c = ALBERT__QUANT8(16), d = ALBERT__QUANT8(24);
        __m256i packed = _mm256_packus_epi16(_mm256_packs_epi32(a, b), _mm256_packs_epi32(c, d));
        packed = _mm256_sub_epi8(_mm256_permutevar8x32_epi32(packed, order), shift);
        _mm256_storeu_si256((__m256i *)(void *)(out + j), packed);
    }
#undef ALBERT__QUANT8
    for (; j < k; j++) {
        int u = (int)lrintf(x[j] * inv + (float)z);
        u = u < 0 ? 0 : (u > qmax ? qmax : u);
        out[j] = (uint8_t)(symmetric == 1 ? (u + 129) & 0xff : u);   /* symmetric: the byte of u - 127 */
    }
}

/* Sum of each of the 4 rows w[r][0..k) (int8). */
ALBERT__AVX2 static void albert__row_sums_q8_avx2(int k, const int8_t *const *w, int32_t *sums)
{
    __m256i ones8 = _mm256_set1_epi8(1), ones16 = _mm256_set1_epi16(1);
    int r, j;
    for (r = 0; r < ALBERT__Q8_ROWS; r++) {
        __m256i acc = _mm256_setzero_si256();
        int32_t lanes[8], s = 0;
        for (j = 0; j + 32 <= k; j += 32) {
            __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(w[r] + j));
            acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, v), ones16));
        }
        _mm256_storeu_si256((__m256i *)(void *)lanes, acc);
        for (; j < k; j++) s += w[r][j];
        for (j = 0; j < 8; j++) s += lanes[j];
        sums[r] = s;
    }
}

/* The 8 lane sums of v[0..7], in order (a hadd tree). */
ALBERT__AVX2 static __m256i albert__hsum8x8_epi32(const __m256i *v)
{
    __m256i s0123 = _mm256_hadd_epi32(_mm256_hadd_epi32(v[0], v[1]), _mm256_hadd_epi32(v[2], v[3]));
    __m256i s4567 = _mm256_hadd_epi32(_mm256_hadd_epi32(v[4], v[5]), _mm256_hadd_epi32(v[6], v[7]));
    return _mm256_add_epi32(_mm256_permute2x128_si256(s0123, s4567, 0x20), _mm256_permute2x128_si256(s0123, s4567, 0x31));
}

/* dots[r][t] = sum_kk w[r][kk] * x[t][kk] for r < 4, t < 2: w int8 rows of k, x int8 rows (in [-127, 127])
   padded with zeros to a multiple of 32. AVX2: vpmaddubsw(|x|, w * sign(x)) pairs (at most 2 * 127 * 127, no
   saturation), vpmaddwd to int32. */
ALBERT__AVX2 static void albert__dot_q8_avx2(int k, const int8_t *const *w, const uint8_t *const *x,
                                             int32_t dots[ALBERT__Q8_ROWS][ALBERT__Q8_TOKENS])
{
    __m256i ones = _mm256_set1_epi16(1), c[8], sums;
    __m256i c0 = _mm256_setzero_si256(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
    const uint8_t *x0 = x[0], *x1 = x[1];
    int32_t out[8];
    int j, r;
#define ALBERT__DOT256(a, b, wv)                                                                               \
    {                                                                                                          \
        __m256i wr = (wv);                                                                                     \
        a = _mm256_add_epi32(a, _mm256_madd_epi16(_mm256_maddubs_epi16(ax0, _mm256_sign_epi8(wr, sx0)), ones)); \
        b = _mm256_add_epi32(b, _mm256_madd_epi16(_mm256_maddubs_epi16(ax1, _mm256_sign_epi8(wr, sx1)), ones)); \
    }
    for (j = 0; j < k; j += 32) {
        __m256i sx0 = _mm256_load_si256((const __m256i *)(const void *)(x0 + j));
        __m256i sx1 = _mm256_load_si256((const __m256i *)(const void *)(x1 + j));
        __m256i ax0 = _mm256_abs_epi8(sx0), ax1 = _mm256_abs_epi8(sx1);
        if (j + 32 <= k) {
            ALBERT__DOT256(c0, c1, _mm256_loadu_si256((const __m256i *)(const void *)(w[0] + j)))
            ALBERT__DOT256(c2, c3, _mm256_loadu_si256((const __m256i *)(const void *)(w[1] + j)))
            ALBERT__DOT256(c4, c5, _mm256_loadu_si256((const __m256i *)(const void *)(w[2] + j)))
            ALBERT__DOT256(c6, c7, _mm256_loadu_si256((const __m256i *)(const void *)(w[3] + j)))
        } else {   /* the last k % 32 weights, copied into zeroed blocks (never read past a row) */
            int8_t tail[ALBERT__Q8_ROWS][32];
            memset(tail, 0, sizeof tail);
            for (r = 0; r < ALBERT__Q8_ROWS; r++) memcpy(tail[r], w[r] + j, (size_t)(k - j));
            ALBERT__DOT256(c0, c1, _mm256_loadu_si256((const __m256i *)(const void *)tail[0]))
            ALBERT__DOT256(c2, c3, _mm256_loadu_si256((const __m256i *)(const void *)tail[1]))
            ALBERT__DOT256(c4, c5, _mm256_loadu_si256((const __m256i *)(const void *)tail[2]))
            ALBERT__DOT256(c6, c7, _mm256_loadu_si256((const __m256i *)(const void *)tail[3]))
        }
    }
    c[0] = c0; c[1] = c1; c[2] = c2; c[3] = c3; c[4] = c4; c[5] = c5; c[6] = c6; c[7] = c7;
#undef ALBERT__DOT256
    sums = albert__hsum8x8_epi32(c);
    _mm256_storeu_si256((__m256i *)(void *)out, sums);
    for (r = 0; r < ALBERT__Q8_ROWS; r++) {
        dots[r][0] = out[2 * r];
        dots[r][1] = out[2 * r + 1];
    }
}
/* ---------------------------------------------------------------- 7.7 AVX2 packed int8 / bf16 (layout 1, see 12.6) */
/* AVX2: s8 x (4 rows) times one 16-column W block, vpmaddubsw(|x|, w sign(x)) (a pair is at most 2 * 127 * 127) +
   vpmaddwd; c[r * 32 + jj]. */
ALBERT__AVX2 static void albert__pk_avx2_4x16(const uint8_t *a, size_t lda, const int8_t *b, int kp, int32_t *c)
{
    __m256i ones = _mm256_set1_epi16(1);
    __m256i c0l = _mm256_setzero_si256(), c0h = c0l, c1l = c0l, c1h = c0l, c2l = c0l, c2h = c0l, c3l = c0l, c3h = c0l;
    int g;
    for (g = 0; g < kp / 4; g++) {
        __m256i wl = _mm256_loadu_si256((const __m256i *)(const void *)(b + g * 64));
        __m256i wh = _mm256_loadu_si256((const __m256i *)(const void *)(b + g * 64 + 32)), xb, ax;
#define ALBERT__PK2(r)                                                                                          \
        xb = _mm256_set1_epi32(*(const int32_t *)(const void *)(a + (r) * lda + g * 4));                        \
        ax = _mm256_abs_epi8(xb);                                                                               \
        c##r##l = _mm256_add_epi32(c##r##l, _mm256_madd_epi16(_mm256_maddubs_epi16(ax, _mm256_sign_epi8(wl, xb)), ones)); \
        c##r##h = _mm256_add_epi32(c##r##h, _mm256_madd_epi16(_mm256_maddubs_epi16(ax, _mm256_sign_epi8(wh, xb)), ones));
        ALBERT__PK2(0) ALBERT__PK2(1) ALBERT__PK2(2) ALBERT__PK2(3)
#undef ALBERT__PK2
    }
#define ALBERT__PK2S(r)                                                         \
    _mm256_storeu_si256((__m256i *)(void *)(c + (r) * 32), c##r##l);            \
    _mm256_storeu_si256((__m256i *)(void *)(c + (r) * 32 + 8), c##r##h);
    ALBERT__PK2S(0) ALBERT__PK2S(1) ALBERT__PK2S(2) ALBERT__PK2S(3)
#undef ALBERT__PK2S
}

/* AVX2 + FMA, bf16 weights widened: rows (<= 4) x one 16-column block; c[r * 32 + jj]. */
ALBERT__AVX2 static void albert__pk_wide256(const float *x, size_t ldx, int rows, int k, const uint16_t *b, float *c)
{
    __m256 acc[8];
    __m256i hi_mask = _mm256_set1_epi32((int)0xffff0000u);
    int g, r;
    for (r = 0; r < 8; r++) acc[r] = _mm256_setzero_ps();
    for (g = 0; 2 * g < k; g++) {
        __m256i wl = _mm256_loadu_si256((const __m256i *)(const void *)(b + g * 32));
        __m256i wh = _mm256_loadu_si256((const __m256i *)(const void *)(b + g * 32 + 16));
        __m256 el = _mm256_castsi256_ps(_mm256_slli_epi32(wl, 16)), ol = _mm256_castsi256_ps(_mm256_and_si256(wl, hi_mask));
        __m256 eh = _mm256_castsi256_ps(_mm256_slli_epi32(wh, 16)), oh = _mm256_castsi256_ps(_mm256_and_si256(wh, hi_mask));
        for (r = 0; r < rows; r++) {
            const float *xr = x + (size_t)r * ldx + 2 * g;
            __m256 xe = _mm256_set1_ps(xr[0]), xo = _mm256_set1_ps(2 * g + 1 < k ? xr[1] : 0.0f);
            acc[2 * r] = _mm256_fmadd_ps(xo, ol, _mm256_fmadd_ps(xe, el, acc[2 * r]));
            acc[2 * r + 1] = _mm256_fmadd_ps(xo, oh, _mm256_fmadd_ps(xe, eh, acc[2 * r + 1]));
        }
    }
    for (r = 0; r < rows; r++) {
        _mm256_storeu_ps(c + r * 32, acc[2 * r]);
        _mm256_storeu_ps(c + r * 32 + 8, acc[2 * r + 1]);
    }
}


#endif /* ALBERT__X86_SIMD */

/* ============================================================================================== */
/* ==== 8. Kernels: AVX-512 (x86-64) ============================================================ */
/* ============================================================================================== */
#ifdef ALBERT__X86_SIMD
/* ---------------------------------------------------------------- 8.1 AVX-512 activations */
/* The same functions on 16 lanes (AVX-512F), with the same formulas and constants as the 8-lane ones; 2^n comes
   from scalef, and 1 / d from rcp14 and a Newton step instead of a division (a 512-bit division issues only once
   per ~16 cycles), within 1 ulp: the results can differ from the 8-lane ones in the last bit. */
ALBERT__AVX512 static __m512 albert__exp16_in_range(__m512 x)
{
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(ALBERT__EXP_LOG2E)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(ALBERT__EXP_LN2_HI), x);
    __m512 q = _mm512_set1_ps(ALBERT__EXP_Q5);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(ALBERT__EXP_LN2_LO), r);
    q = _mm512_fmadd_ps(q, r, _mm512_set1_ps(ALBERT__EXP_Q4));
    q = _mm512_fmadd_ps(q, r, _mm512_set1_ps(ALBERT__EXP_Q3));
    q = _mm512_fmadd_ps(q, r, _mm512_set1_ps(ALBERT__EXP_Q2));
    q = _mm512_fmadd_ps(q, r, _mm512_set1_ps(ALBERT__EXP_Q1));
    q = _mm512_fmadd_ps(q, r, _mm512_set1_ps(ALBERT__EXP_Q0));
    return _mm512_scalef_ps(_mm512_fmadd_ps(q, r, _mm512_set1_ps(1.0f)), n);
}

ALBERT__AVX512 static __m512 albert__exp16(__m512 x)
{
    __mmask16 in_range = _mm512_cmp_ps_mask(x, _mm512_set1_ps(ALBERT__EXP_MIN), _CMP_GE_OQ);
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(ALBERT__EXP_MIN)), _mm512_set1_ps(ALBERT__EXP_MAX));
    return _mm512_maskz_mov_ps(in_range, albert__exp16_in_range(x));
}

/* 1 / d for d whose reciprocal is a normal number (|d| in [1.2e-38, 8.5e37]): rcp14 (relative error 2^-14) and one
   Newton step. */
ALBERT__AVX512 static __m512 albert__reciprocal16(__m512 d)
{
    __m512 r = _mm512_rcp14_ps(d);
    return _mm512_fmadd_ps(r, _mm512_fnmadd_ps(d, r, _mm512_set1_ps(1.0f)), r);
}

ALBERT__AVX512 static __m512 albert__sigmoid16(__m512 x)
{
    x = _mm512_max_ps(x, _mm512_set1_ps(-80.0f));
    __m512 e = albert__exp16(_mm512_sub_ps(_mm512_setzero_ps(), x));
    return albert__reciprocal16(_mm512_add_ps(_mm512_set1_ps(1.0f), e));
}

ALBERT__AVX512 static __m512 albert__erf16(__m512 x)
{
    __m512i sign_bit = _mm512_set1_epi32((int)0x80000000u);
    __m512i sign = _mm512_and_si512(_mm512_castps_si512(x), sign_bit);
    __m512 a = _mm512_castsi512_ps(_mm512_andnot_si512(sign_bit, _mm512_castps_si512(x)));
    __m512 one = _mm512_set1_ps(1.0f);
    __m512 t = _mm512_div_ps(one, _mm512_fmadd_ps(a, _mm512_set1_ps(0.3275911f), one));
    __m512 p = _mm512_set1_ps(1.061405429f);
    __m512 y;
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-1.453152027f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(1.421413741f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-0.284496736f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.254829592f));
    p = _mm512_mul_ps(p, t);
    y = _mm512_fnmadd_ps(p, albert__exp16(_mm512_sub_ps(_mm512_setzero_ps(),
                                                        _mm512_min_ps(_mm512_mul_ps(a, a), _mm512_set1_ps(80.0f)))), one);
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(y), sign));
}

/* The activation on 16 lanes; returns 0 if `act` has no vector version (then use the scalar one). */
ALBERT__AVX512 static int albert__activate16(__m512 *v, int act)
{
    __m512 x = *v, zero = _mm512_setzero_ps(), half = _mm512_set1_ps(0.5f), one = _mm512_set1_ps(1.0f);
    switch (act) {
    case ALBERT_ACT_GELU:
    case ALBERT_ACT_GELU_10:
        x = _mm512_mul_ps(_mm512_mul_ps(half, x),
                          _mm512_add_ps(one, albert__erf16(_mm512_mul_ps(x, _mm512_set1_ps(0.70710678118654752f)))));
        if (act == ALBERT_ACT_GELU_10)
            x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-10.0f)), _mm512_set1_ps(10.0f));
        break;
    case ALBERT_ACT_GELU_TANH: {
        __m512 minus_2u = _mm512_mul_ps(x, _mm512_fmadd_ps(_mm512_mul_ps(x, x), _mm512_set1_ps(ALBERT__GELU_TANH_C3),
                                                           _mm512_set1_ps(ALBERT__GELU_TANH_C1)));
        __mmask16 keep = _mm512_cmp_ps_mask(minus_2u, _mm512_set1_ps(ALBERT__GELU_TANH_ZERO), _CMP_NGT_UQ);
        __m512 e = albert__exp16_in_range(_mm512_min_ps(_mm512_max_ps(minus_2u, _mm512_set1_ps(ALBERT__EXP_MIN)),
                                                        _mm512_set1_ps(ALBERT__GELU_TANH_ZERO)));
        x = _mm512_maskz_mul_ps(keep, x, albert__reciprocal16(_mm512_add_ps(one, e)));
        break;
    }
    case ALBERT_ACT_RELU: x = _mm512_max_ps(x, zero); break;
    case ALBERT_ACT_SILU: x = _mm512_mul_ps(x, albert__sigmoid16(x)); break;
    case ALBERT_ACT_QUICK_GELU: x = _mm512_mul_ps(x, albert__sigmoid16(_mm512_mul_ps(x, _mm512_set1_ps(1.702f)))); break;
    case ALBERT_ACT_TANH:
        x = _mm512_fmsub_ps(_mm512_set1_ps(2.0f), albert__sigmoid16(_mm512_add_ps(x, x)), one);
        break;
    case ALBERT_ACT_SIGMOID: x = albert__sigmoid16(x); break;
    case ALBERT_ACT_RELU6: x = _mm512_min_ps(_mm512_max_ps(x, zero), _mm512_set1_ps(6.0f)); break;
    case ALBERT_ACT_RELU2: x = _mm512_max_ps(x, zero); x = _mm512_mul_ps(x, x); break;
    case 0:
    case ALBERT_ACT_LINEAR: break;
    default: return 0;
    }
    *v = x;
    return 1;
}

/* The activation on 16 lanes, through the scalar version for an activation without a vector one (mish). */
ALBERT__AVX512 static __m512 albert__activate16_any(__m512 y, int act)
{
    if (!albert__activate16(&y, act)) {
        float v[16];
        _mm512_storeu_ps(v, y);
        albert__activate_array_scalar(v, 16, act);
        y = _mm512_loadu_ps(v);
    }
    return y;
}

ALBERT__AVX512 static void albert__activate_array_avx512(float *x, int n, int act)
{
    int i = 0;
    __m512 v = _mm512_setzero_ps();
    if (!act || act == ALBERT_ACT_LINEAR) return;
    if (!albert__activate16(&v, act)) {
        albert__activate_array_scalar(x, n, act);
        return;
    }
    for (; i + 16 <= n; i += 16) {
        v = _mm512_loadu_ps(x + i);
        albert__activate16(&v, act);
        _mm512_storeu_ps(x + i, v);
    }
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        v = _mm512_maskz_loadu_ps(m, x + i);
        albert__activate16(&v, act);
        _mm512_mask_storeu_ps(x + i, m, v);
    }
}

/* --------------------------------------------- 8.2 AVX-512 linear layers: transpose, packing, micro-kernel, strips */
/* In place: r[t] lane i becomes r[i] lane t (a 16 x 16 transpose; straight-line code, so that the compiler keeps
   the 16 vectors in registers). */
ALBERT__AVX512 static void albert__transpose16_avx512(__m512 *r)
{
    __m512 t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15;
    __m512 u0, u1, u2, u3, u4, u5, u6, u7, u8, u9, u10, u11, u12, u13, u14, u15, v, v1, x, x1;
    t0 = _mm512_unpacklo_ps(r[0], r[1]), t1 = _mm512_unpackhi_ps(r[0], r[1]);   /* lane L: a0 b0 a1 b1 / a2 b2 a3 b3 */
    t2 = _mm512_unpacklo_ps(r[2], r[3]), t3 = _mm512_unpackhi_ps(r[2], r[3]);
    t4 = _mm512_unpacklo_ps(r[4], r[5]), t5 = _mm512_unpackhi_ps(r[4], r[5]);
    t6 = _mm512_unpacklo_ps(r[6], r[7]), t7 = _mm512_unpackhi_ps(r[6], r[7]);
    t8 = _mm512_unpacklo_ps(r[8], r[9]), t9 = _mm512_unpackhi_ps(r[8], r[9]);
    t10 = _mm512_unpacklo_ps(r[10], r[11]), t11 = _mm512_unpackhi_ps(r[10], r[11]);
    t12 = _mm512_unpacklo_ps(r[12], r[13]), t13 = _mm512_unpackhi_ps(r[12], r[13]);
    t14 = _mm512_unpacklo_ps(r[14], r[15]), t15 = _mm512_unpackhi_ps(r[14], r[15]);
    /* u(4g + p), lane L: rows 4g .. 4g+3 at element 4L + p */
    u0 = _mm512_shuffle_ps(t0, t2, 0x44), u1 = _mm512_shuffle_ps(t0, t2, 0xEE);
    u2 = _mm512_shuffle_ps(t1, t3, 0x44), u3 = _mm512_shuffle_ps(t1, t3, 0xEE);
    u4 = _mm512_shuffle_ps(t4, t6, 0x44), u5 = _mm512_shuffle_ps(t4, t6, 0xEE);
    u6 = _mm512_shuffle_ps(t5, t7, 0x44), u7 = _mm512_shuffle_ps(t5, t7, 0xEE);
    u8 = _mm512_shuffle_ps(t8, t10, 0x44), u9 = _mm512_shuffle_ps(t8, t10, 0xEE);
    u10 = _mm512_shuffle_ps(t9, t11, 0x44), u11 = _mm512_shuffle_ps(t9, t11, 0xEE);
    u12 = _mm512_shuffle_ps(t12, t14, 0x44), u13 = _mm512_shuffle_ps(t12, t14, 0xEE);
    u14 = _mm512_shuffle_ps(t13, t15, 0x44), u15 = _mm512_shuffle_ps(t13, t15, 0xEE);
    /* element 4L + p = lane L of u(p), u(4 + p), u(8 + p), u(12 + p) */
#define ALBERT__TRANSPOSE_P(p, a, b, c, d)                                                  \
    v = _mm512_shuffle_f32x4(a, b, 0x88), v1 = _mm512_shuffle_f32x4(a, b, 0xDD);           \
    x = _mm512_shuffle_f32x4(c, d, 0x88), x1 = _mm512_shuffle_f32x4(c, d, 0xDD);           \
    r[p] = _mm512_shuffle_f32x4(v, x, 0x88), r[8 + p] = _mm512_shuffle_f32x4(v, x, 0xDD);  \
    r[4 + p] = _mm512_shuffle_f32x4(v1, x1, 0x88), r[12 + p] = _mm512_shuffle_f32x4(v1, x1, 0xDD);
    ALBERT__TRANSPOSE_P(0, u0, u4, u8, u12)
    ALBERT__TRANSPOSE_P(1, u1, u5, u9, u13)
    ALBERT__TRANSPOSE_P(2, u2, u6, u10, u14)
    ALBERT__TRANSPOSE_P(3, u3, u7, u11, u15)
#undef ALBERT__TRANSPOSE_P
}

/* albert__pack_x_panel for nr a multiple of 16 with AVX-512: blocks of 16 rows x 16 values of k, loaded row by
   row and transposed in registers (rows past m read as zero). */
ALBERT__AVX512 static void albert__pack_x_panel_avx512(const float *x, size_t ldx, int m, int k, int first_row, int nr,
                                                       float *xp)
{
    int g, kk, i;
    __m512 r[16];
    for (g = 0; g < nr; g += 16) {
        int valid = m - first_row - g; /* rows of this group that exist */
        for (kk = 0; kk < k; kk += 16) {
            __mmask16 cols = (__mmask16)(k - kk >= 16 ? 0xFFFF : (1u << (k - kk)) - 1);
            int n_cols = k - kk >= 16 ? 16 : k - kk;
            for (i = 0; i < 16; i++)
                r[i] = i < valid ? _mm512_maskz_loadu_ps(cols, x + (size_t)(first_row + g + i) * ldx + kk) : _mm512_setzero_ps();
            albert__transpose16_avx512(r);
            for (i = 0; i < n_cols; i++) _mm512_store_ps(xp + (size_t)(kk + i) * nr + g, r[i]);
        }
    }
}

/* tile[ii * 64 + t] = sum_kk w_ii[kk] * xp[kk * 64 + t] for ii < 6, t < 64 (AVX-512). prefetch_w: the W rows
   come from memory (the first panel of a block): ask for them 4 cache lines ahead, which the hardware
   prefetcher does not do well enough (~5% on k = 768 layers). */
ALBERT__AVX512 static void albert__tile_avx512(int k, const float *const *w, const float *xp, float *tile,
                                               int prefetch_w)
{
    const float *w0 = w[0], *w1 = w[1], *w2 = w[2], *w3 = w[3], *w4 = w[4], *w5 = w[5];
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
    __m512 c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
    __m512 c40 = c00, c41 = c00, c42 = c00, c43 = c00, c50 = c00, c51 = c00, c52 = c00, c53 = c00;
    __m512 x0, x1, x2, x3, b;
    int kk = 0;
#define ALBERT__ROW512(r, j)                       \
    b = _mm512_set1_ps(w##r[kk + j]);              \
    c##r##0 = _mm512_fmadd_ps(b, x0, c##r##0);     \
    c##r##1 = _mm512_fmadd_ps(b, x1, c##r##1);     \
    c##r##2 = _mm512_fmadd_ps(b, x2, c##r##2);     \
    c##r##3 = _mm512_fmadd_ps(b, x3, c##r##3);
#define ALBERT__STEP512(j)                                                                     \
    x0 = _mm512_load_ps(xp + 64 * j), x1 = _mm512_load_ps(xp + 64 * j + 16);                   \
    x2 = _mm512_load_ps(xp + 64 * j + 32), x3 = _mm512_load_ps(xp + 64 * j + 48);              \
    ALBERT__ROW512(0, j) ALBERT__ROW512(1, j) ALBERT__ROW512(2, j)                             \
    ALBERT__ROW512(3, j) ALBERT__ROW512(4, j) ALBERT__ROW512(5, j)
    for (; kk + 4 <= k; kk += 4, xp += 256) {   /* 4 steps of k per trip: less loop overhead per FMA */
        if (prefetch_w && (kk & 15) == 0 && kk + 64 < k) {
#define ALBERT__PREFETCH512(r) _mm_prefetch((const char *)(w##r + kk + 64), _MM_HINT_T0);
            ALBERT__PREFETCH512(0) ALBERT__PREFETCH512(1) ALBERT__PREFETCH512(2)
            ALBERT__PREFETCH512(3) ALBERT__PREFETCH512(4) ALBERT__PREFETCH512(5)
#undef ALBERT__PREFETCH512
        }
        ALBERT__STEP512(0) ALBERT__STEP512(1) ALBERT__STEP512(2) ALBERT__STEP512(3)
    }
    for (; kk < k; kk++, xp += 64) { ALBERT__STEP512(0) }
#undef ALBERT__STEP512
#undef ALBERT__ROW512
#define ALBERT__STORE512(r)                          \
    _mm512_store_ps(tile + r * 64, c##r##0);         \
    _mm512_store_ps(tile + r * 64 + 16, c##r##1);    \
    _mm512_store_ps(tile + r * 64 + 32, c##r##2);    \
    _mm512_store_ps(tile + r * 64 + 48, c##r##3);
    ALBERT__STORE512(0) ALBERT__STORE512(1) ALBERT__STORE512(2) ALBERT__STORE512(3) ALBERT__STORE512(4) ALBERT__STORE512(5)
#undef ALBERT__STORE512
}

/* AVX-512, f32: the W rows of ALBERT__STRIP_BLOCKS blocks make a strip of 48 output columns = 3 whole cache lines
   of each token's row of y. For each panel of tokens, the tiles of all the strip's blocks go to a buffer
   (strip[c * nr + t], c < 48 columns, t < nr tokens), then each token's 48 values are stored at once, so that
   every line of y (and of the residual) is written (and read) whole, once. Tile by tile, with 6 of every 16
   lanes used per store, the stores and residual loads were ~4% of the cycles at seq 128 on one thread and ~7%
   at batch 8 x seq 128 on two threads; a strip also needs 3 16 x 16 transposes per 16 tokens instead of 8. */
#define ALBERT__STRIP_BLOCKS 8

/* Bias, activation and residual of a finished strip (cols <= 48 columns from j0, nt_used tokens from row0) and
   the store into y. */
ALBERT__AVX512 static void albert__linear_store_strip_avx512(const albert__linear_job *job, const float *strip, int j0,
                                                            int cols, int row0, int nt_used)
{
    int nr = job->nr, act = job->act == ALBERT_ACT_LINEAR ? 0 : job->act, g, c0, i, t;
    __m512 r[16];
    for (g = 0; g < nt_used; g += 16) {
        int tokens = nt_used - g < 16 ? nt_used - g : 16;
        for (c0 = 0; c0 < cols; c0 += 16) {
            int width = cols - c0 < 16 ? cols - c0 : 16;
            __mmask16 used = (__mmask16)(width == 16 ? 0xFFFF : (1u << width) - 1);
            __m512 bias = job->b ? _mm512_maskz_loadu_ps(used, job->b + j0 + c0) : _mm512_setzero_ps();
            for (i = 0; i < 16; i++)
                r[i] = i < width ? _mm512_load_ps(strip + (size_t)(c0 + i) * nr + g) : _mm512_setzero_ps();
            albert__transpose16_avx512(r);
            for (t = 0; t < tokens; t++) {
                size_t at = (size_t)(row0 + g + t) * job->n + j0 + c0;
                __m512 y = _mm512_add_ps(r[t], bias);
                if (act) y = albert__activate16_any(y, act);
                if (job->residual) y = _mm512_add_ps(y, _mm512_maskz_loadu_ps(used, job->residual + at));
                _mm512_mask_storeu_ps(job->y + at, used, y);
            }
        }
    }
}

/* The same for output to panels: column c of the strip is row j0 + c of panel `panel` of job->y_panels (the next
   layer's packed x, [n x nr] per panel, k-major), so each of its rows is nr = 64 whole floats: no transposes.
   Every token of the panel is written, those past m too (from the zero rows of x: finite values). */
ALBERT__AVX512 static void albert__linear_store_strip_panel_avx512(const albert__linear_job *job, const float *strip,
                                                                  int j0, int cols, int panel)
{
    int nr = job->nr, act = job->act == ALBERT_ACT_LINEAR ? 0 : job->act, c, t;
    float *out = job->y_panels + (size_t)panel * job->n * nr + (size_t)j0 * nr;
    for (c = 0; c < cols; c++) {
        __m512 bias = _mm512_set1_ps(job->b ? job->b[j0 + c] : 0.0f);
        for (t = 0; t < nr; t += 16) {
            __m512 y = _mm512_add_ps(_mm512_load_ps(strip + (size_t)c * nr + t), bias);
            if (act) y = albert__activate16_any(y, act);
            _mm512_store_ps(out + (size_t)c * nr + t, y);
        }
    }
}

/* Blocks blk0 .. blk1 - 1 (at most ALBERT__STRIP_BLOCKS) of W rows against every panel of the chunk, a strip at a
   time (above). strip: ALBERT__STRIP_BLOCKS * mr * nr floats, 64-byte aligned. */
ALBERT__AVX512 static void albert__linear_strip_avx512(const albert__linear_job *job, int blk0, int blk1, float *strip)
{
    int mr = job->mr, nr = job->nr, n_panels = (job->chunk_rows + nr - 1) / nr, p, blk, ii;
    int j0 = blk0 * mr, cols = job->n - j0 < (blk1 - blk0) * mr ? job->n - j0 : (blk1 - blk0) * mr;
    const float *wrows[ALBERT__MR_MAX];
    for (p = 0; p < n_panels; p++) {
        int row0 = job->chunk_row0 + p * nr;
        int nt_used = job->chunk_rows - p * nr < nr ? job->chunk_rows - p * nr : nr;
        const float *xp = job->xp + (size_t)p * job->k * nr;
        for (blk = blk0; blk < blk1; blk++) {
            int jb = blk * mr, mr_used = job->n - jb < mr ? job->n - jb : mr;
            for (ii = 0; ii < mr; ii++) wrows[ii] = job->w + (size_t)(jb + (ii < mr_used ? ii : mr_used - 1)) * job->k;
            albert__tile_avx512(job->k, wrows, xp, strip + (size_t)(blk - blk0) * mr * nr, p == 0);
        }
        if (job->y_panels)
            albert__linear_store_strip_panel_avx512(job, strip, j0, cols, row0 / nr);
        else
            albert__linear_store_strip_avx512(job, strip, j0, cols, row0, nt_used);
    }
}

/* -------------------------------------------------------------- 8.3 AVX-512 linear layers: few rows (dot products) */
/* Few rows of x (m <= ALBERT__DOT_MAX_ROWS): dot products along k instead of tiles, no packing. The panels of
   ALBERT__NR_F32_AVX512 tokens would be mostly padding, and such calls are bound by reading W anyway: this reads
   3 W rows at a time straight through, against up to 8 rows of x (which stay in L1).
   dots[c * 8 + t] = w_c . x_t for c < 3, t < 8. */
#define ALBERT__DOT_MAX_ROWS 8
ALBERT__AVX512 static void albert__dot_3x8_avx512(int k, const float *const *w, const float *const *x, float *dots)
{
    const float *x0 = x[0], *x1 = x[1], *x2 = x[2], *x3 = x[3], *x4 = x[4], *x5 = x[5], *x6 = x[6], *x7 = x[7];
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    __m512 b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0, b7 = a0;
    __m512 c0 = a0, c1 = a0, c2 = a0, c3 = a0, c4 = a0, c5 = a0, c6 = a0, c7 = a0;
    int kk;
    for (kk = 0; kk < k; kk += 16) {
        __mmask16 m = (__mmask16)(k - kk >= 16 ? 0xFFFF : (1u << (k - kk)) - 1);
        __m512 w0 = _mm512_maskz_loadu_ps(m, w[0] + kk), w1 = _mm512_maskz_loadu_ps(m, w[1] + kk);
        __m512 w2 = _mm512_maskz_loadu_ps(m, w[2] + kk), xv;
#define ALBERT__DOT3(t)                          \
    xv = _mm512_maskz_loadu_ps(m, x##t + kk);    \
    a##t = _mm512_fmadd_ps(w0, xv, a##t);        \
    b##t = _mm512_fmadd_ps(w1, xv, b##t);        \
    c##t = _mm512_fmadd_ps(w2, xv, c##t);
        ALBERT__DOT3(0) ALBERT__DOT3(1) ALBERT__DOT3(2) ALBERT__DOT3(3)
        ALBERT__DOT3(4) ALBERT__DOT3(5) ALBERT__DOT3(6) ALBERT__DOT3(7)
#undef ALBERT__DOT3
    }
#define ALBERT__DOT3_SUM(t)                      \
    dots[t] = _mm512_reduce_add_ps(a##t);        \
    dots[8 + t] = _mm512_reduce_add_ps(b##t);    \
    dots[16 + t] = _mm512_reduce_add_ps(c##t);
    ALBERT__DOT3_SUM(0) ALBERT__DOT3_SUM(1) ALBERT__DOT3_SUM(2) ALBERT__DOT3_SUM(3)
    ALBERT__DOT3_SUM(4) ALBERT__DOT3_SUM(5) ALBERT__DOT3_SUM(6) ALBERT__DOT3_SUM(7)
#undef ALBERT__DOT3_SUM
}

/* Thread `index` of `count` computes its range of W rows (in threes) for every row of x. */
ALBERT__AVX512 static void albert__linear_dot_task(void *arg, int index, int count)
{
    const albert__linear_job *job = (const albert__linear_job *)arg;
    int n_triples = (job->n + 2) / 3;
    int begin = (int)((int64_t)n_triples * index / count), end = (int)((int64_t)n_triples * (index + 1) / count);
    int act = job->act == ALBERT_ACT_LINEAR ? 0 : job->act, tri, t0, c, t;
    float dots[24];
    const float *wrows[3], *xrows[8];
    for (tri = begin; tri < end; tri++) {
        int j0 = tri * 3, c_used = job->n - j0 < 3 ? job->n - j0 : 3;
        for (c = 0; c < 3; c++) wrows[c] = job->w + (size_t)(j0 + (c < c_used ? c : c_used - 1)) * job->k;
        for (t0 = 0; t0 < job->m; t0 += 8) {
            int t_used = job->m - t0 < 8 ? job->m - t0 : 8;
            for (t = 0; t < 8; t++) xrows[t] = job->x + (size_t)(t0 + (t < t_used ? t : t_used - 1)) * job->ldx;
            albert__dot_3x8_avx512(job->k, wrows, xrows, dots);
            if (job->b)
                for (c = 0; c < 3; c++)
                    for (t = 0; t < 8; t++) dots[c * 8 + t] += job->b[j0 + (c < c_used ? c : 0)];
            if (act) albert__activate_array(dots, 24, act, ALBERT__ISA_AVX512);
            for (t = 0; t < t_used; t++) {
                float *yr = job->y + (size_t)(t0 + t) * job->n + j0;
                const float *rr = job->residual ? job->residual + (size_t)(t0 + t) * job->n + j0 : NULL;
                for (c = 0; c < c_used; c++) yr[c] = dots[c * 8 + t] + (rr ? rr[c] : 0.0f);
            }
        }
    }
}

/* ---------------------------------------------------------------- 8.4 AVX-512 layer norm */
/* AVX-512: float lanes, 4 accumulators. A first mean m from the plain sum, then the sums of d = x - m and d^2 give the
   mean m + sum(d) / n and the variance sum(d^2) / n - (sum(d) / n)^2: about as accurate as the sums in double of the
   AVX2 version (sum(d) is nearly 0, so its rounding error is tiny), without the conversions to double. */
ALBERT__AVX512 static void albert__layer_norm_row_avx512(float *r, int n, const float *g, const float *b, float eps)
{
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
    __m512 q0 = _mm512_setzero_ps(), q1 = _mm512_setzero_ps(), q2 = _mm512_setzero_ps(), q3 = _mm512_setzero_ps();
    __mmask16 tail = (__mmask16)((1u << (n & 15)) - 1);
    double m, dmean, var;
    float inv, meanf;
    __m512 vm, vi;
    int j;
    for (j = 0; j + 64 <= n; j += 64) {
        s0 = _mm512_add_ps(s0, _mm512_loadu_ps(r + j));
        s1 = _mm512_add_ps(s1, _mm512_loadu_ps(r + j + 16));
        s2 = _mm512_add_ps(s2, _mm512_loadu_ps(r + j + 32));
        s3 = _mm512_add_ps(s3, _mm512_loadu_ps(r + j + 48));
    }
    for (; j + 16 <= n; j += 16) s0 = _mm512_add_ps(s0, _mm512_loadu_ps(r + j));
    if (j < n) s1 = _mm512_add_ps(s1, _mm512_maskz_loadu_ps(tail, r + j));
    m = (double)_mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3))) / n;
    vm = _mm512_set1_ps((float)m);
    m = (float)m; /* the shift actually subtracted */
    s0 = s1 = s2 = s3 = _mm512_setzero_ps();
    for (j = 0; j + 64 <= n; j += 64) {
        __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(r + j), vm), d1 = _mm512_sub_ps(_mm512_loadu_ps(r + j + 16), vm);
        __m512 d2 = _mm512_sub_ps(_mm512_loadu_ps(r + j + 32), vm), d3 = _mm512_sub_ps(_mm512_loadu_ps(r + j + 48), vm);
        s0 = _mm512_add_ps(s0, d0);
        s1 = _mm512_add_ps(s1, d1);
        s2 = _mm512_add_ps(s2, d2);
        s3 = _mm512_add_ps(s3, d3);
        q0 = _mm512_fmadd_ps(d0, d0, q0);
        q1 = _mm512_fmadd_ps(d1, d1, q1);
        q2 = _mm512_fmadd_ps(d2, d2, q2);
        q3 = _mm512_fmadd_ps(d3, d3, q3);
    }
    for (; j + 16 <= n; j += 16) {
        __m512 d = _mm512_sub_ps(_mm512_loadu_ps(r + j), vm);
        s0 = _mm512_add_ps(s0, d);
        q0 = _mm512_fmadd_ps(d, d, q0);
    }
    if (j < n) {
        __m512 d = _mm512_maskz_sub_ps(tail, _mm512_maskz_loadu_ps(tail, r + j), vm);
        s1 = _mm512_add_ps(s1, d);
        q1 = _mm512_fmadd_ps(d, d, q1);
    }
    dmean = (double)_mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3))) / n;
    var = (double)_mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(q0, q1), _mm512_add_ps(q2, q3))) / n - dmean * dmean;
    inv = (float)(1.0 / sqrt((var > 0.0 ? var : 0.0) + eps));
    meanf = (float)(m + dmean);
    vm = _mm512_set1_ps(meanf);
    vi = _mm512_set1_ps(inv);
    for (j = 0; j + 16 <= n; j += 16) {
        __m512 d = _mm512_mul_ps(_mm512_sub_ps(_mm512_loadu_ps(r + j), vm), vi);
        _mm512_storeu_ps(r + j, _mm512_fmadd_ps(d, _mm512_loadu_ps(g + j), _mm512_loadu_ps(b + j)));
    }
    if (j < n) {
        __m512 d = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(tail, r + j), vm), vi);
        _mm512_mask_storeu_ps(r + j, tail,
                              _mm512_fmadd_ps(d, _mm512_maskz_loadu_ps(tail, g + j), _mm512_maskz_loadu_ps(tail, b + j)));
    }
}

/* ---------------------------------------------------------------- 8.5 AVX-512 attention */
/* out[d * ldo + j] = in[j * ldi + d] for j < rows, d < cols: 16 x 16 blocks transposed in registers. */
ALBERT__AVX512 static void albert__transpose_rows_avx512(const float *in, size_t ldi, int rows, int cols, float *out,
                                                         size_t ldo)
{
    __m512 r[16];
    int j0, d0, i;
    for (j0 = 0; j0 < rows; j0 += 16)
        for (d0 = 0; d0 < cols; d0 += 16) {
            int n_rows = rows - j0 < 16 ? rows - j0 : 16, n_cols = cols - d0 < 16 ? cols - d0 : 16;
            __mmask16 col_mask = (__mmask16)(n_cols == 16 ? 0xFFFF : (1u << n_cols) - 1);
            __mmask16 row_mask = (__mmask16)(n_rows == 16 ? 0xFFFF : (1u << n_rows) - 1);
            for (i = 0; i < 16; i++)
                r[i] = i < n_rows ? _mm512_maskz_loadu_ps(col_mask, in + (size_t)(j0 + i) * ldi + d0) : _mm512_setzero_ps();
            albert__transpose16_avx512(r);
            for (i = 0; i < n_cols; i++) _mm512_mask_storeu_ps(out + (size_t)(d0 + i) * ldo + j0, row_mask, r[i]);
        }
}

/* AVX-512 attention of one head, in the buffers of albert__attention_layout. Per block of QUERY_BLOCK queries:
   the scores with the key mask and each query's top score (albert__attention_scores_avx512), their exp and its
   sum in one pass (albert__attention_exp_avx512), then P.V with the division by the sum on the [rows x hd]
   output (albert__attention_values_avx512) rather than on the [rows x S] probabilities. */

/* Column masks of a tile of 64 columns whose first `left` are in use. */
#define ALBERT__TILE64_MASKS(left)                                                                  \
    __mmask16 m0 = (__mmask16)((left) >= 16 ? 0xFFFF : (1u << (left)) - 1);                        \
    __mmask16 m1 = (__mmask16)((left) >= 32 ? 0xFFFF : ((left) <= 16 ? 0 : (1u << ((left) - 16)) - 1)); \
    __mmask16 m2 = (__mmask16)((left) >= 48 ? 0xFFFF : ((left) <= 32 ? 0 : (1u << ((left) - 32)) - 1)); \
    __mmask16 m3 = (__mmask16)((left) >= 64 ? 0xFFFF : ((left) <= 48 ? 0 : (1u << ((left) - 48)) - 1))

/* acc[r][0..3] += a[r][t] * (b0, b1, b2, b3) for the 6 rows of a tile. */
#define ALBERT__TILE_FMA(r)                                   \
    {                                                         \
        __m512 av = _mm512_set1_ps(ar[r][t]);                 \
        acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);       \
        acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);       \
        acc[r][2] = _mm512_fmadd_ps(av, b2, acc[r][2]);       \
        acc[r][3] = _mm512_fmadd_ps(av, b3, acc[r][3]);       \
    }
/* acc += the 6 rows' values at t (t < count) times row t of b (4 vectors from b_row, an expression of t). */
#define ALBERT__TILE_ACCUMULATE(count, b_row)                                                   \
    for (t = 0; t < (count); t++) {                                                             \
        const float *br = (b_row);                                                              \
        __m512 b0 = _mm512_load_ps(br), b1 = _mm512_load_ps(br + 16);                           \
        __m512 b2 = _mm512_load_ps(br + 32), b3 = _mm512_load_ps(br + 48);                      \
        ALBERT__TILE_FMA(0) ALBERT__TILE_FMA(1) ALBERT__TILE_FMA(2)                             \
        ALBERT__TILE_FMA(3) ALBERT__TILE_FMA(4) ALBERT__TILE_FMA(5)                             \
    }
#define ALBERT__TILE_ZERO()                                                              \
    acc[0][0] = acc[0][1] = acc[0][2] = acc[0][3] = _mm512_setzero_ps();                 \
    acc[1][0] = acc[1][1] = acc[1][2] = acc[1][3] = acc[0][0];                           \
    acc[2][0] = acc[2][1] = acc[2][2] = acc[2][3] = acc[0][0];                           \
    acc[3][0] = acc[3][1] = acc[3][2] = acc[3][3] = acc[0][0];                           \
    acc[4][0] = acc[4][1] = acc[4][2] = acc[4][3] = acc[0][0];                           \
    acc[5][0] = acc[5][1] = acc[5][2] = acc[5][3] = acc[0][0]

/* s[i][j] = scale * q[i] . key j + key_bias[j] (i < rows, j < S; s row stride lds), in tiles of 6 queries x 64
   keys, and row_max[16 * i] = max over j of s[i][j] (row_max [rows x 16] floats, 64-byte aligned: lane by lane
   in the tiles, across the lanes at the end). q [rows x hd] with row stride ldq; keys in panels of [hd x 64]. */
ALBERT__AVX512 static void albert__attention_scores_avx512(int rows, int S, int hd, const float *q, size_t ldq,
                                                           const float *keys, const float *key_bias, float scale,
                                                           float *s, size_t lds, float *row_max)
{
    __m512 vscale = _mm512_set1_ps(scale), minus_inf = _mm512_set1_ps(-INFINITY);
    int i0, j0, t, r;
    for (r = 0; r < rows; r++) _mm512_store_ps(row_max + (size_t)r * 16, minus_inf);
    for (j0 = 0; j0 < S; j0 += 64) {
        const float *panel = keys + (size_t)j0 * hd;
        ALBERT__TILE64_MASKS(S - j0);
        for (i0 = 0; i0 < rows; i0 += 6) {
            int used = rows - i0 < 6 ? rows - i0 : 6;
            const float *ar[6];
            __m512 acc[6][4];
            for (r = 0; r < 6; r++) ar[r] = q + (size_t)(i0 + (r < used ? r : used - 1)) * ldq;
            ALBERT__TILE_ZERO();
            ALBERT__TILE_ACCUMULATE(hd, panel + (size_t)t * 64)
            /* constant indices only, so that acc stays in registers; keys past S get -inf (not stored) */
#define ALBERT__SCORES_STORE(r)                                                                              \
    if (r < used) {                                                                                          \
        float *sr = s + (size_t)(i0 + r) * lds + j0;                                                         \
        __m512 v0 = _mm512_fmadd_ps(acc[r][0], vscale, _mm512_mask_loadu_ps(minus_inf, m0, key_bias + j0));      \
        __m512 v1 = _mm512_fmadd_ps(acc[r][1], vscale, _mm512_mask_loadu_ps(minus_inf, m1, key_bias + j0 + 16)); \
        __m512 v2 = _mm512_fmadd_ps(acc[r][2], vscale, _mm512_mask_loadu_ps(minus_inf, m2, key_bias + j0 + 32)); \
        __m512 v3 = _mm512_fmadd_ps(acc[r][3], vscale, _mm512_mask_loadu_ps(minus_inf, m3, key_bias + j0 + 48)); \
        __m512 top = _mm512_max_ps(_mm512_max_ps(v0, v1), _mm512_max_ps(v2, v3));                             \
        _mm512_mask_storeu_ps(sr, m0, v0);                                                                   \
        _mm512_mask_storeu_ps(sr + 16, m1, v1);                                                              \
        _mm512_mask_storeu_ps(sr + 32, m2, v2);                                                              \
        _mm512_mask_storeu_ps(sr + 48, m3, v3);                                                              \
        top = _mm512_max_ps(top, _mm512_load_ps(row_max + (size_t)(i0 + r) * 16));                          \
        _mm512_store_ps(row_max + (size_t)(i0 + r) * 16, top);                                               \
    }
            ALBERT__SCORES_STORE(0) ALBERT__SCORES_STORE(1) ALBERT__SCORES_STORE(2)
            ALBERT__SCORES_STORE(3) ALBERT__SCORES_STORE(4) ALBERT__SCORES_STORE(5)
#undef ALBERT__SCORES_STORE
        }
    }
    for (r = 0; r < rows; r++) row_max[(size_t)r * 16] = _mm512_reduce_max_ps(_mm512_load_ps(row_max + (size_t)r * 16));
}

/* s[i][j] = exp(s[i][j] - row_max[16 * i]) in place (i < rows, j < S) and row_inv[i] = 1 / sum over j; padding
   keys (-inf) give exactly 0. */
ALBERT__AVX512 static void albert__attention_exp_avx512(int rows, int S, float *s, size_t lds, const float *row_max,
                                                        float *row_inv)
{
    int i, j;
    __mmask16 tail = (__mmask16)((1u << (S % 16)) - 1);
    for (i = 0; i < rows; i++) {
        float *sr = s + (size_t)i * lds;
        __m512 vmax = _mm512_set1_ps(row_max[(size_t)i * 16]), vsum = _mm512_setzero_ps();
        for (j = 0; j + 16 <= S; j += 16) {
            __m512 e = albert__exp16(_mm512_sub_ps(_mm512_loadu_ps(sr + j), vmax));
            _mm512_storeu_ps(sr + j, e);
            vsum = _mm512_add_ps(vsum, e);
        }
        if (tail) {
            __m512 e = albert__exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(tail, sr + j), vmax));
            e = _mm512_maskz_mov_ps(tail, e);
            _mm512_mask_storeu_ps(sr + j, tail, e);
            vsum = _mm512_add_ps(vsum, e);
        }
        row_inv[i] = 1.0f / _mm512_reduce_add_ps(vsum);
    }
}

/* out[i][c] = row_inv[i] * sum over t < S of p[i][t] v[t][c] (i < rows, c < hd), in tiles of 6 rows x 64
   columns; p row stride ldp, v [S x round64(hd)] (rows 64-byte aligned, columns past hd 0), out row stride ldo. */
ALBERT__AVX512 static void albert__attention_values_avx512(int rows, int S, int hd, const float *p, size_t ldp,
                                                           const float *v, size_t ldv, const float *row_inv,
                                                           float *out, size_t ldo)
{
    int i0, j0, t, r;
    for (j0 = 0; j0 < hd; j0 += 64) {
        ALBERT__TILE64_MASKS(hd - j0);
        for (i0 = 0; i0 < rows; i0 += 6) {
            int used = rows - i0 < 6 ? rows - i0 : 6;
            const float *ar[6];
            __m512 acc[6][4];
            for (r = 0; r < 6; r++) ar[r] = p + (size_t)(i0 + (r < used ? r : used - 1)) * ldp;
            ALBERT__TILE_ZERO();
            ALBERT__TILE_ACCUMULATE(S, v + (size_t)t * ldv + j0)
#define ALBERT__VALUES_STORE(r)                                                 \
    if (r < used) {                                                             \
        float *orow = out + (size_t)(i0 + r) * ldo + j0;                        \
        __m512 inv = _mm512_set1_ps(row_inv[i0 + r]);                           \
        _mm512_mask_storeu_ps(orow, m0, _mm512_mul_ps(acc[r][0], inv));         \
        _mm512_mask_storeu_ps(orow + 16, m1, _mm512_mul_ps(acc[r][1], inv));    \
        _mm512_mask_storeu_ps(orow + 32, m2, _mm512_mul_ps(acc[r][2], inv));    \
        _mm512_mask_storeu_ps(orow + 48, m3, _mm512_mul_ps(acc[r][3], inv));    \
    }
            ALBERT__VALUES_STORE(0) ALBERT__VALUES_STORE(1) ALBERT__VALUES_STORE(2)
            ALBERT__VALUES_STORE(3) ALBERT__VALUES_STORE(4) ALBERT__VALUES_STORE(5)
#undef ALBERT__VALUES_STORE
        }
    }
}
#undef ALBERT__TILE64_MASKS
#undef ALBERT__TILE_FMA
#undef ALBERT__TILE_ACCUMULATE
#undef ALBERT__TILE_ZERO

/* One head of one sequence: q, k, v, out [S x hd] with row stride ld (the head's columns of the [S x H] arrays);
   mask NULL or [S] (0 = padding key), any_real = some key is not padding; scratch laid out as a. */
ALBERT__AVX512 static void albert__attention_head_avx512(int S, int hd, const float *q, const float *k, const float *v,
                                                         size_t ld, const int32_t *mask, int any_real,
                                                         const albert__attention_layout *a, float *scratch, float *out)
{
    float *keys = scratch + a->keys, *scores = scratch + a->scores, *values = scratch + a->values;
    float *queries = scratch + a->queries, *key_bias = scratch + a->key_bias;
    float *row_max = scratch + a->row_max, *row_inv = scratch + a->row_inv;
    size_t hd16 = albert__round16((size_t)hd), hd64 = ((size_t)hd + 63) / 64 * 64, lds = a->score_ld;
    float scale = 1.0f / sqrtf((float)hd);
    int i0, i, j;
    if (any_real) {
        for (j = 0; j < S; j += 64) {   /* panels of 64 keys, transposed; the last one's missing keys 0 */
            int n = S - j < 64 ? S - j : 64;
            float *panel = keys + (size_t)j * hd;
            if (n < 64) memset(panel, 0, sizeof(float) * (size_t)hd * 64);
            albert__transpose_rows_avx512(k + (size_t)j * ld, ld, n, hd, panel, 64);
        }
        for (j = 0; j < S; j++) key_bias[j] = !mask || mask[j] ? 0.0f : -INFINITY;   /* padding: weight exactly 0 */
    }
    for (j = 0; j < S; j++) {
        memcpy(values + (size_t)j * hd64, v + (size_t)j * ld, sizeof(float) * (size_t)hd);
        memset(values + (size_t)j * hd64 + hd, 0, sizeof(float) * (hd64 - (size_t)hd));
    }
    for (i0 = 0; i0 < S; i0 += ALBERT__QUERY_BLOCK) {
        int rows = S - i0 < ALBERT__QUERY_BLOCK ? S - i0 : ALBERT__QUERY_BLOCK;
        if (!any_real) {   /* every key is padding: equal weights, as HF's additive mask gives */
            for (i = 0; i < rows; i++) {
                for (j = 0; j < S; j++) scores[(size_t)i * lds + j] = 1.0f / (float)S;
                row_inv[i] = 1.0f;
            }
        } else {
            for (i = 0; i < rows; i++)
                memcpy(queries + (size_t)i * hd16, q + (size_t)(i0 + i) * ld, sizeof(float) * (size_t)hd);
            albert__attention_scores_avx512(rows, S, hd, queries, hd16, keys, key_bias, scale, scores, lds, row_max);
            albert__attention_exp_avx512(rows, S, scores, lds, row_max, row_inv);
        }
        albert__attention_values_avx512(rows, S, hd, scores, lds, values, hd64, row_inv, out + (size_t)i0 * ld, ld);
    }
}

/* ---------------------------------------------------------------- 8.6 AVX-512 f16 micro-kernel */
/* tile[ii * 32 + t] = sum_kk w_ii[kk] * xp[kk * 32 + t] for ii < 12, t < 32, W in f16 (AVX-512F, whose
   vcvtph2ps widens 16 halves at a time). */
ALBERT__AVX512 static void albert__tile_f16_avx512(int k, const uint16_t *const *w, const float *xp, float *tile)
{
    ALBERT__ALIGNED_FLOATS(wf, 12 * 16);
    __m512 c0a = _mm512_setzero_ps(), c0b = c0a, c1a = c0a, c1b = c0a, c2a = c0a, c2b = c0a, c3a = c0a, c3b = c0a;
    __m512 c4a = c0a, c4b = c0a, c5a = c0a, c5b = c0a, c6a = c0a, c6b = c0a, c7a = c0a, c7b = c0a;
    __m512 c8a = c0a, c8b = c0a, c9a = c0a, c9b = c0a, c10a = c0a, c10b = c0a, c11a = c0a, c11b = c0a;
    int k0, r, u;
    for (k0 = 0; k0 < k; k0 += 16) {
        int len = k - k0 < 16 ? k - k0 : 16;
        if (len == 16) {
            for (r = 0; r < 12; r++)
                _mm512_store_ps(wf + r * 16,
                                _mm512_maskz_cvtph_ps((__mmask16)0xFFFF, _mm256_loadu_si256((const __m256i *)(const void *)(w[r] + k0))));
        } else {
            for (r = 0; r < 12; r++)
                for (u = 0; u < len; u++) wf[r * 16 + u] = albert__half_to_float(w[r][k0 + u]);
        }
        for (u = 0; u < len; u++) {
            __m512 xa = _mm512_load_ps(xp), xb = _mm512_load_ps(xp + 16), b;
            xp += 32;
#define ALBERT__ROW512H(r)                           \
    b = _mm512_set1_ps(wf[r * 16 + u]);              \
    c##r##a = _mm512_fmadd_ps(b, xa, c##r##a);       \
    c##r##b = _mm512_fmadd_ps(b, xb, c##r##b);
            ALBERT__ROW512H(0) ALBERT__ROW512H(1) ALBERT__ROW512H(2) ALBERT__ROW512H(3)
            ALBERT__ROW512H(4) ALBERT__ROW512H(5) ALBERT__ROW512H(6) ALBERT__ROW512H(7)
            ALBERT__ROW512H(8) ALBERT__ROW512H(9) ALBERT__ROW512H(10) ALBERT__ROW512H(11)
#undef ALBERT__ROW512H
        }
    }
#define ALBERT__STORE512H(r)                         \
    _mm512_store_ps(tile + r * 32, c##r##a);         \
    _mm512_store_ps(tile + r * 32 + 16, c##r##b);
    ALBERT__STORE512H(0) ALBERT__STORE512H(1) ALBERT__STORE512H(2) ALBERT__STORE512H(3)
    ALBERT__STORE512H(4) ALBERT__STORE512H(5) ALBERT__STORE512H(6) ALBERT__STORE512H(7)
    ALBERT__STORE512H(8) ALBERT__STORE512H(9) ALBERT__STORE512H(10) ALBERT__STORE512H(11)
#undef ALBERT__STORE512H
}

/* n halves -> floats (F16C, 16 at a time). */
ALBERT__AVX512 static void albert__widen_f16_avx512(const uint16_t *h, int n, float *out)
{
    int j;
    for (j = 0; j + 16 <= n; j += 16)
        _mm512_storeu_ps(out + j, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(const void *)(h + j))));
    for (; j < n; j++) out[j] = albert__half_to_float(h[j]);
}

/* f16, few rows of x (m <= ALBERT__DOT_MAX_ROWS): as albert__dot_3x8_avx512 with the W rows widened by vcvtph2ps. */
ALBERT__AVX512 static void albert__dot_3x8_f16_avx512(int k, const uint16_t *const *w, const float *const *x, float *dots)
{
    const float *x0 = x[0], *x1 = x[1], *x2 = x[2], *x3 = x[3], *x4 = x[4], *x5 = x[5], *x6 = x[6], *x7 = x[7];
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    __m512 b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0, b7 = a0;
    __m512 c0 = a0, c1 = a0, c2 = a0, c3 = a0, c4 = a0, c5 = a0, c6 = a0, c7 = a0;
    int kk, u;
    for (kk = 0; kk < k; kk += 16) {
        __mmask16 m = (__mmask16)(k - kk >= 16 ? 0xFFFF : (1u << (k - kk)) - 1);
        __m512 w0, w1, w2, xv;
        if (k - kk >= 16) {
            w0 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(const void *)(w[0] + kk)));
            w1 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(const void *)(w[1] + kk)));
            w2 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(const void *)(w[2] + kk)));
        } else {   /* the tail, never read past a row */
            uint16_t t0[16], t1[16], t2[16];
            memset(t0, 0, sizeof t0);
            memset(t1, 0, sizeof t1);
            memset(t2, 0, sizeof t2);
            for (u = 0; u < k - kk; u++) t0[u] = w[0][kk + u], t1[u] = w[1][kk + u], t2[u] = w[2][kk + u];
            w0 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(const void *)t0));
            w1 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(const void *)t1));
            w2 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(const void *)t2));
        }
#define ALBERT__DOT3H(t)                         \
    xv = _mm512_maskz_loadu_ps(m, x##t + kk);    \
    a##t = _mm512_fmadd_ps(w0, xv, a##t);        \
    b##t = _mm512_fmadd_ps(w1, xv, b##t);        \
    c##t = _mm512_fmadd_ps(w2, xv, c##t);
        ALBERT__DOT3H(0) ALBERT__DOT3H(1) ALBERT__DOT3H(2) ALBERT__DOT3H(3)
        ALBERT__DOT3H(4) ALBERT__DOT3H(5) ALBERT__DOT3H(6) ALBERT__DOT3H(7)
#undef ALBERT__DOT3H
    }
#define ALBERT__DOT3H_SUM(t)                     \
    dots[t] = _mm512_reduce_add_ps(a##t);        \
    dots[8 + t] = _mm512_reduce_add_ps(b##t);    \
    dots[16 + t] = _mm512_reduce_add_ps(c##t);
    ALBERT__DOT3H_SUM(0) ALBERT__DOT3H_SUM(1) ALBERT__DOT3H_SUM(2) ALBERT__DOT3H_SUM(3)
    ALBERT__DOT3H_SUM(4) ALBERT__DOT3H_SUM(5) ALBERT__DOT3H_SUM(6) ALBERT__DOT3H_SUM(7)
#undef ALBERT__DOT3H_SUM
}

#endif /* ALBERT__X86_SIMD */

/* ============================================================================================== */
/* ==== 9. Kernels: AVX-512 VNNI / BF16 (x86-64) ================================================ */
/* ============================================================================================== */
#ifdef ALBERT__X86_SIMD
/* ---------------------------------------------------------------- 9.1 VNNI int8 dot products */
static int albert__cpu_has_vnni(void)
{
#ifdef ALBERT_NO_AVX512
    return 0;
#else
    return __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw");
#endif
}

/* The same for t < 4 with x in u8 rows padded to a multiple of 64 (AVX-512 VNNI vpdpbusd, u8 x s8). */
ALBERT__VNNI static void albert__dot_q8_vnni(int k, const int8_t *const *w, const uint8_t *const *x,
                                            int32_t dots[ALBERT__Q8_ROWS][ALBERT__Q8_TOKENS])
{
    __m512i c[ALBERT__Q8_ROWS * ALBERT__Q8_TOKENS];
    __m256i halves[ALBERT__Q8_ROWS * ALBERT__Q8_TOKENS];
    int32_t out[ALBERT__Q8_ROWS * ALBERT__Q8_TOKENS];
    int j, r, t;
    __m512i c0 = _mm512_setzero_si512(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
    __m512i c8 = c0, c9 = c0, c10 = c0, c11 = c0, c12 = c0, c13 = c0, c14 = c0, c15 = c0;
    for (j = 0; j < k; j += 64) {
        __mmask64 keep = k - j >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << (k - j)) - 1);   /* masked: never past a row */
        __m512i x0 = _mm512_load_si512((const void *)(x[0] + j)), x1 = _mm512_load_si512((const void *)(x[1] + j));
        __m512i x2 = _mm512_load_si512((const void *)(x[2] + j)), x3 = _mm512_load_si512((const void *)(x[3] + j));
        __m512i wv;
#define ALBERT__DOT512(r, a, b, c, d)                                          \
        wv = _mm512_maskz_loadu_epi8(keep, (const void *)(w[r] + j));          \
        a = _mm512_dpbusd_epi32(a, x0, wv);                                    \
        b = _mm512_dpbusd_epi32(b, x1, wv);                                    \
        c = _mm512_dpbusd_epi32(c, x2, wv);                                    \
        d = _mm512_dpbusd_epi32(d, x3, wv);
        ALBERT__DOT512(0, c0, c1, c2, c3)
        ALBERT__DOT512(1, c4, c5, c6, c7)
        ALBERT__DOT512(2, c8, c9, c10, c11)
        ALBERT__DOT512(3, c12, c13, c14, c15)
#undef ALBERT__DOT512
    }
    c[0] = c0; c[1] = c1; c[2] = c2; c[3] = c3; c[4] = c4; c[5] = c5; c[6] = c6; c[7] = c7;
    c[8] = c8; c[9] = c9; c[10] = c10; c[11] = c11; c[12] = c12; c[13] = c13; c[14] = c14; c[15] = c15;
    for (r = 0; r < ALBERT__Q8_ROWS * ALBERT__Q8_TOKENS; r++)   /* 512 -> 256 bits, then two hadd trees */
        halves[r] = _mm256_add_epi32(_mm512_maskz_extracti64x4_epi64((__mmask8)0xF, c[r], 0),
                                     _mm512_maskz_extracti64x4_epi64((__mmask8)0xF, c[r], 1));
    _mm256_storeu_si256((__m256i *)(void *)out, albert__hsum8x8_epi32(halves));
    _mm256_storeu_si256((__m256i *)(void *)(out + 8), albert__hsum8x8_epi32(halves + 8));
    for (r = 0; r < ALBERT__Q8_ROWS; r++)
        for (t = 0; t < ALBERT__Q8_TOKENS; t++) dots[r][t] = out[4 * r + t];
}

/* ---------------------------------------------------------------- 9.2 packed int8 / bf16 (layout 1): AMX, VNNI, BF16
   The kernels of 12.6 (which describes the layout and the arithmetic); c[r * 32 + jj] for a block of rows x 32
   output columns. */
#define ALBERT__AVX512BW __attribute__((target("avx512f,avx512bw,avx2,fma")))
#define ALBERT__AVX512BF16 __attribute__((target("avx512f,avx512bw,avx512bf16,avx2,fma")))
#define ALBERT__AMX __attribute__((target("amx-tile,amx-int8,amx-bf16,avx512f,avx512bw,avx512bf16,avx2,fma")))

/* ---- int8 kernels: c[r * 32 + jj] = sum_kk xq[t0 + r][kk] * W[j0 + jj][kk] for a block of rows, over kp */

/* AMX is used on Linux only (the tile data needs its arch_prctl permission); elsewhere it is not compiled (MinGW's
   GCC 12 also cannot assemble the tile loads: its intrinsics pass the stride as a 32-bit long). */
#if defined(__linux__)
#define ALBERT__HAVE_AMX 1
/* AMX: rows t0..t0+15 (one x tile) or t0..t0+31 (two), columns of the W blocks b0 and b1 (16 each). The tile
   configuration (8 tiles of 16 rows x 64 bytes) is loaded by the task. */
ALBERT__AMX static void albert__pk_amx_i8(const uint8_t *a, size_t lda, int two_a, const int8_t *b0, const int8_t *b1,
                                          int kp, int32_t *c)
{
    int s, steps = kp / 64;
    _tile_zero(4);
    _tile_zero(5);
    _tile_zero(6);
    _tile_zero(7);
    if (two_a) {
        for (s = 0; s < steps; s++) {
            _tile_loadd(0, a + s * 64, lda);
            _tile_loadd(2, b0 + s * 1024, 64);
            _tile_loadd(3, b1 + s * 1024, 64);
            _tile_loadd(1, a + 16 * lda + s * 64, lda);
            _tile_dpbusd(4, 0, 2);
            _tile_dpbusd(5, 0, 3);
            _tile_dpbusd(6, 1, 2);
            _tile_dpbusd(7, 1, 3);
        }
    } else {
        for (s = 0; s < steps; s++) {
            _tile_loadd(0, a + s * 64, lda);
            _tile_loadd(2, b0 + s * 1024, 64);
            _tile_loadd(3, b1 + s * 1024, 64);
            _tile_dpbusd(4, 0, 2);
            _tile_dpbusd(5, 0, 3);
        }
    }
    _tile_stored(4, c, 128);
    _tile_stored(5, c + 16, 128);
    if (two_a) {
        _tile_stored(6, c + 16 * 32, 128);
        _tile_stored(7, c + 16 * 32 + 16, 128);
    }
}

/* The same in bf16: x tiles of 16 rows x 32 bf16, W tiles of 16 pairs x 16 columns, float sums. */
ALBERT__AMX static void albert__pk_amx_bf16(const uint16_t *a, size_t lda, int two_a, const uint16_t *b0,
                                            const uint16_t *b1, int kp, float *c)
{
    int s, steps = kp / 32;
    size_t ldab = lda * 2;
    _tile_zero(4);
    _tile_zero(5);
    _tile_zero(6);
    _tile_zero(7);
    if (two_a) {
        for (s = 0; s < steps; s++) {
            _tile_loadd(0, a + s * 32, ldab);
            _tile_loadd(2, b0 + s * 512, 64);
            _tile_loadd(3, b1 + s * 512, 64);
            _tile_loadd(1, a + 16 * lda + s * 32, ldab);
            _tile_dpbf16ps(4, 0, 2);
            _tile_dpbf16ps(5, 0, 3);
            _tile_dpbf16ps(6, 1, 2);
            _tile_dpbf16ps(7, 1, 3);
        }
    } else {
        for (s = 0; s < steps; s++) {
            _tile_loadd(0, a + s * 32, ldab);
            _tile_loadd(2, b0 + s * 512, 64);
            _tile_loadd(3, b1 + s * 512, 64);
            _tile_dpbf16ps(4, 0, 2);
            _tile_dpbf16ps(5, 0, 3);
        }
    }
    _tile_stored(4, c, 128);
    _tile_stored(5, c + 16, 128);
    if (two_a) {
        _tile_stored(6, c + 16 * 32, 128);
        _tile_stored(7, c + 16 * 32 + 16, 128);
    }
}

typedef struct albert__tile_config {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} albert__tile_config;

ALBERT__AMX static void albert__amx_begin(void)
{
    albert__tile_config cfg;
    int i;
    memset(&cfg, 0, sizeof cfg);
    cfg.palette = 1;
    for (i = 0; i < 8; i++) {
        cfg.rows[i] = 16;
        cfg.colsb[i] = 64;
    }
    /* not _tile_loadconfig: GCC 12's version tells the compiler it reads 8 bytes, so the stores above vanish */
    __asm__ __volatile__("ldtilecfg %0" : : "m"(cfg) : "memory");
}

ALBERT__AMX static void albert__amx_end(void) { _tile_release(); }
#endif /* ALBERT__HAVE_AMX */

/* AVX-512 VNNI: 8 rows x 32 columns. */
ALBERT__VNNI static void albert__pk_vnni_8x32(const uint8_t *a, size_t lda, const int8_t *b0, const int8_t *b1, int kp,
                                              int32_t *c)
{
    __m512i c0a = _mm512_setzero_si512(), c0b = c0a, c1a = c0a, c1b = c0a, c2a = c0a, c2b = c0a, c3a = c0a, c3b = c0a;
    __m512i c4a = c0a, c4b = c0a, c5a = c0a, c5b = c0a, c6a = c0a, c6b = c0a, c7a = c0a, c7b = c0a;
    int g;
    for (g = 0; g < kp / 4; g++) {
        __m512i w0 = _mm512_loadu_si512((const void *)(b0 + g * 64)), w1 = _mm512_loadu_si512((const void *)(b1 + g * 64)), xb;
#define ALBERT__PKV(r)                                                                   \
        xb = _mm512_set1_epi32(*(const int32_t *)(const void *)(a + (r) * lda + g * 4)); \
        c##r##a = _mm512_dpbusd_epi32(c##r##a, xb, w0);                                  \
        c##r##b = _mm512_dpbusd_epi32(c##r##b, xb, w1);
        ALBERT__PKV(0) ALBERT__PKV(1) ALBERT__PKV(2) ALBERT__PKV(3)
        ALBERT__PKV(4) ALBERT__PKV(5) ALBERT__PKV(6) ALBERT__PKV(7)
#undef ALBERT__PKV
    }
#define ALBERT__PKVS(r)                                                       \
    _mm512_storeu_si512((void *)(c + (r) * 32), c##r##a);                     \
    _mm512_storeu_si512((void *)(c + (r) * 32 + 16), c##r##b);
    ALBERT__PKVS(0) ALBERT__PKVS(1) ALBERT__PKVS(2) ALBERT__PKVS(3)
    ALBERT__PKVS(4) ALBERT__PKVS(5) ALBERT__PKVS(6) ALBERT__PKVS(7)
#undef ALBERT__PKVS
}

/* AVX-512 BF16: 8 rows x 32 columns, x in bf16 rows, float sums. */
ALBERT__AVX512BF16 static void albert__pk_dpbf16_8x32(const uint16_t *a, size_t lda, const uint16_t *b0,
                                                      const uint16_t *b1, int kp, float *c)
{
    __m512 c0a = _mm512_setzero_ps(), c0b = c0a, c1a = c0a, c1b = c0a, c2a = c0a, c2b = c0a, c3a = c0a, c3b = c0a;
    __m512 c4a = c0a, c4b = c0a, c5a = c0a, c5b = c0a, c6a = c0a, c6b = c0a, c7a = c0a, c7b = c0a;
    int g;
    for (g = 0; g < kp / 2; g++) {
        __m512bh w0 = (__m512bh)_mm512_loadu_si512((const void *)(b0 + g * 32));
        __m512bh w1 = (__m512bh)_mm512_loadu_si512((const void *)(b1 + g * 32));
        __m512bh xb;
#define ALBERT__PKB(r)                                                                                  \
        xb = (__m512bh)_mm512_set1_epi32(*(const int32_t *)(const void *)(a + (r) * lda + g * 2));     \
        c##r##a = _mm512_dpbf16_ps(c##r##a, xb, w0);                                                    \
        c##r##b = _mm512_dpbf16_ps(c##r##b, xb, w1);
        ALBERT__PKB(0) ALBERT__PKB(1) ALBERT__PKB(2) ALBERT__PKB(3)
        ALBERT__PKB(4) ALBERT__PKB(5) ALBERT__PKB(6) ALBERT__PKB(7)
#undef ALBERT__PKB
    }
#define ALBERT__PKBS(r)                                 \
    _mm512_storeu_ps(c + (r) * 32, c##r##a);            \
    _mm512_storeu_ps(c + (r) * 32 + 16, c##r##b);
    ALBERT__PKBS(0) ALBERT__PKBS(1) ALBERT__PKBS(2) ALBERT__PKBS(3)
    ALBERT__PKBS(4) ALBERT__PKBS(5) ALBERT__PKBS(6) ALBERT__PKBS(7)
#undef ALBERT__PKBS
}

/* AVX-512F, bf16 weights widened to f32 (exact), f32 x: rows (<= 8) x 32 columns. */
ALBERT__AVX512 static void albert__pk_wide512(const float *x, size_t ldx, int rows, int k, const uint16_t *b0,
                                              const uint16_t *b1, float *c)
{
    __m512 acc[16];
    __m512i hi_mask = _mm512_set1_epi32((int)0xffff0000u);
    int g, r;
    for (r = 0; r < 16; r++) acc[r] = _mm512_setzero_ps();
    for (g = 0; 2 * g < k; g++) {
        __m512i w0 = _mm512_loadu_si512((const void *)(b0 + g * 32)), w1 = _mm512_loadu_si512((const void *)(b1 + g * 32));
        __m512 e0 = _mm512_castsi512_ps(_mm512_slli_epi32(w0, 16)), o0 = _mm512_castsi512_ps(_mm512_and_si512(w0, hi_mask));
        __m512 e1 = _mm512_castsi512_ps(_mm512_slli_epi32(w1, 16)), o1 = _mm512_castsi512_ps(_mm512_and_si512(w1, hi_mask));
        for (r = 0; r < rows; r++) {
            const float *xr = x + (size_t)r * ldx + 2 * g;
            __m512 xe = _mm512_set1_ps(xr[0]), xo = _mm512_set1_ps(2 * g + 1 < k ? xr[1] : 0.0f);
            acc[2 * r] = _mm512_fmadd_ps(xo, o0, _mm512_fmadd_ps(xe, e0, acc[2 * r]));
            acc[2 * r + 1] = _mm512_fmadd_ps(xo, o1, _mm512_fmadd_ps(xe, e1, acc[2 * r + 1]));
        }
    }
    for (r = 0; r < rows; r++) {
        _mm512_storeu_ps(c + r * 32, acc[2 * r]);
        _mm512_storeu_ps(c + r * 32 + 16, acc[2 * r + 1]);
    }
}

/* albert__quantize_row_avx2(x, k, kp, 2, ...) on AVX-512 (the same bytes): u8 with zero point 127 over the range
   [-max|x|, max|x|] in 254 steps. */
ALBERT__AVX512BW static void albert__quantize_row_u8_avx512(const float *x, int k, int kp, uint8_t *out, float *scale,
                                                            int32_t *zero)
{
    __m512 vmax = _mm512_setzero_ps(), vinv, vz = _mm512_set1_ps(127.0f);
    __m512i lo = _mm512_setzero_si512(), hi = _mm512_set1_epi32(254);
    float m, s;
    int j;
    for (j = 0; j < k; j += 16) {
        __mmask16 mask = k - j >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (k - j)) - 1u);
        vmax = _mm512_max_ps(vmax, _mm512_abs_ps(_mm512_maskz_loadu_ps(mask, x + j)));
    }
    m = _mm512_reduce_max_ps(vmax);
    s = (m - -m) / 254.0f;
    *zero = 0;
    if (!(s > 0.0f && s <= FLT_MAX)) {   /* an all-zero row (or NaN / infinite inputs: the row reads as 0) */
        memset(out, 0, (size_t)kp);
        *scale = 0.0f;
        return;
    }
    *scale = s;
    *zero = 127;
    vinv = _mm512_set1_ps(1.0f / s);
    for (j = 0; j < kp; j += 16) {
        __mmask16 mask = k - j >= 16 ? (__mmask16)0xFFFF : (k > j ? (__mmask16)((1u << (k - j)) - 1u) : (__mmask16)0);
        __m512i u = _mm512_cvtps_epi32(_mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, x + j), vinv, vz));
        u = _mm512_maskz_mov_epi32(mask, _mm512_min_epi32(_mm512_max_epi32(u, lo), hi));
        _mm_storeu_si128((__m128i *)(void *)(out + j), _mm512_cvtepi32_epi8(u));
    }
}

/* x rows -> bf16 rows of kp (zero padded), AVX-512 BF16 (round to nearest even). */
ALBERT__AVX512BF16 static void albert__to_bf16_row_avx512(const float *x, int k, int kp, uint16_t *out)
{
    int j;
    for (j = 0; j < kp; j += 16) {
        __mmask16 mask = k - j >= 16 ? (__mmask16)0xFFFF : (k > j ? (__mmask16)((1u << (k - j)) - 1u) : (__mmask16)0);
        __m256bh h = _mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(mask, x + j));
        _mm256_storeu_si256((__m256i *)(void *)(out + j), (__m256i)h);
    }
}
#endif /* ALBERT__X86_SIMD */

/* ============================================================================================== */
/* ==== 10. Kernels: NEON (AArch64) ============================================================= */
/* ============================================================================================== */
#ifdef ALBERT__NEON_SIMD
/* tile[ii * 8 + t] = sum_kk w_ii[kk] * xp[kk * 8 + t] for ii < 8, t < 8 (AArch64 NEON): 16 accumulators;
   4 steps of kk at a time, each W row's 4 values in one register, used lane by lane. */
static void albert__tile_neon(int k, const float *const *w, const float *xp, float *tile)
{
    const float *w0 = w[0], *w1 = w[1], *w2 = w[2], *w3 = w[3], *w4 = w[4], *w5 = w[5], *w6 = w[6], *w7 = w[7];
    float32x4_t c0a = vdupq_n_f32(0.0f), c0b = c0a, c1a = c0a, c1b = c0a, c2a = c0a, c2b = c0a, c3a = c0a, c3b = c0a;
    float32x4_t c4a = c0a, c4b = c0a, c5a = c0a, c5b = c0a, c6a = c0a, c6b = c0a, c7a = c0a, c7b = c0a;
    float32x4_t xa, xb;
    int kk = 0;
    for (; kk + 4 <= k; kk += 4) {
        float32x4_t v0 = vld1q_f32(w0 + kk), v1 = vld1q_f32(w1 + kk), v2 = vld1q_f32(w2 + kk), v3 = vld1q_f32(w3 + kk);
        float32x4_t v4 = vld1q_f32(w4 + kk), v5 = vld1q_f32(w5 + kk), v6 = vld1q_f32(w6 + kk), v7 = vld1q_f32(w7 + kk);
#define ALBERT__ROWNEON(r, lane)                       \
    c##r##a = vfmaq_laneq_f32(c##r##a, xa, v##r, lane); \
    c##r##b = vfmaq_laneq_f32(c##r##b, xb, v##r, lane);
#define ALBERT__STEPNEON(lane)                                                                           \
    xa = vld1q_f32(xp + (lane) * 8);                                                                     \
    xb = vld1q_f32(xp + (lane) * 8 + 4);                                                                 \
    ALBERT__ROWNEON(0, lane) ALBERT__ROWNEON(1, lane) ALBERT__ROWNEON(2, lane) ALBERT__ROWNEON(3, lane) \
    ALBERT__ROWNEON(4, lane) ALBERT__ROWNEON(5, lane) ALBERT__ROWNEON(6, lane) ALBERT__ROWNEON(7, lane)
        ALBERT__STEPNEON(0) ALBERT__STEPNEON(1) ALBERT__STEPNEON(2) ALBERT__STEPNEON(3)
#undef ALBERT__STEPNEON
#undef ALBERT__ROWNEON
        xp += 32;
    }
    for (; kk < k; kk++) {
        xa = vld1q_f32(xp);
        xb = vld1q_f32(xp + 4);
        xp += 8;
#define ALBERT__TAILNEON(r)                       \
    c##r##a = vfmaq_n_f32(c##r##a, xa, w##r[kk]); \
    c##r##b = vfmaq_n_f32(c##r##b, xb, w##r[kk]);
        ALBERT__TAILNEON(0) ALBERT__TAILNEON(1) ALBERT__TAILNEON(2) ALBERT__TAILNEON(3)
        ALBERT__TAILNEON(4) ALBERT__TAILNEON(5) ALBERT__TAILNEON(6) ALBERT__TAILNEON(7)
#undef ALBERT__TAILNEON
    }
#define ALBERT__STORENEON(r)            \
    vst1q_f32(tile + r * 8, c##r##a);   \
    vst1q_f32(tile + r * 8 + 4, c##r##b);
    ALBERT__STORENEON(0) ALBERT__STORENEON(1) ALBERT__STORENEON(2) ALBERT__STORENEON(3)
    ALBERT__STORENEON(4) ALBERT__STORENEON(5) ALBERT__STORENEON(6) ALBERT__STORENEON(7)
#undef ALBERT__STORENEON
}
#endif

/* ============================================================================================== */
/* ==== 11. Kernels: WASM SIMD128 =============================================================== */
/* ============================================================================================== */
#ifdef ALBERT__WASM_SIMD
/* WebAssembly SIMD128 kernels (emscripten / clang -msimd128; what a browser or node runs). 4 float lanes and no fused multiply-add in SIMD128
   (relaxed-simd's madd is not on by default in node 20 / V8 11), so every a * b + c is a product and a sum, each
   rounded: the results differ from the x86 FMA kernels' in the last bits, within the same test tolerances. The
   formulas and constants are those of the x86 vector functions above. min / max clamps use pmin / pmax, which
   V8 compiles to one minps / maxps (f32x4.min / max, with IEEE NaN rules, take several instructions).
   The linear layers run the portable path's panels (albert__linear_block) with a 6 x 8 micro-kernel: 12 vector
   accumulators + 2 of x + the broadcast W value fit the 16 registers V8 has on x86-64 (measured: 4 x 12 and 3 x 16
   no faster, 6 x 8 with a 2-step unroll slower: spills). Attention and layer norm: the portable structure with
   vector inner loops. */

/* ---------------------------------------------------------------- 11.1 activations */
#define ALBERT__WASM_F4(v) wasm_f32x4_splat(v)

/* e^x, 4 lanes, x in [ALBERT__EXP_MIN, ALBERT__EXP_MAX] (NaN-free). */
static v128_t albert__exp4_in_range(v128_t x)
{
    v128_t n = wasm_f32x4_nearest(wasm_f32x4_mul(x, ALBERT__WASM_F4(ALBERT__EXP_LOG2E)));
    v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, ALBERT__WASM_F4(ALBERT__EXP_LN2_HI)));
    v128_t q = ALBERT__WASM_F4(ALBERT__EXP_Q5), two_n;
    r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, ALBERT__WASM_F4(ALBERT__EXP_LN2_LO)));
    q = wasm_f32x4_add(wasm_f32x4_mul(q, r), ALBERT__WASM_F4(ALBERT__EXP_Q4));
    q = wasm_f32x4_add(wasm_f32x4_mul(q, r), ALBERT__WASM_F4(ALBERT__EXP_Q3));
    q = wasm_f32x4_add(wasm_f32x4_mul(q, r), ALBERT__WASM_F4(ALBERT__EXP_Q2));
    q = wasm_f32x4_add(wasm_f32x4_mul(q, r), ALBERT__WASM_F4(ALBERT__EXP_Q1));
    q = wasm_f32x4_add(wasm_f32x4_mul(q, r), ALBERT__WASM_F4(ALBERT__EXP_Q0));
    two_n = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
    return wasm_f32x4_mul(wasm_f32x4_add(wasm_f32x4_mul(q, r), ALBERT__WASM_F4(1.0f)), two_n);
}

/* e^x, 4 lanes, any x: above 88 taken as 88, below -87.3 (and NaN) 0, as albert__exp8. */
static v128_t albert__exp4(v128_t x)
{
    v128_t in_range = wasm_f32x4_ge(x, ALBERT__WASM_F4(ALBERT__EXP_MIN));
    x = wasm_f32x4_pmin(wasm_f32x4_pmax(x, ALBERT__WASM_F4(ALBERT__EXP_MIN)), ALBERT__WASM_F4(ALBERT__EXP_MAX));
    return wasm_v128_and(albert__exp4_in_range(x), in_range);
}

static v128_t albert__sigmoid4(v128_t x)
{
    v128_t one = ALBERT__WASM_F4(1.0f);
    x = wasm_f32x4_pmax(x, ALBERT__WASM_F4(-80.0f));
    return wasm_f32x4_div(one, wasm_f32x4_add(one, albert__exp4(wasm_f32x4_neg(x))));
}

/* erf(x), 4 lanes: Abramowitz & Stegun 7.1.26, as albert__erf8. */
static v128_t albert__erf4(v128_t x)
{
    v128_t sign = wasm_v128_and(x, ALBERT__WASM_F4(-0.0f)), a = wasm_f32x4_abs(x), one = ALBERT__WASM_F4(1.0f);
    v128_t t = wasm_f32x4_div(one, wasm_f32x4_add(wasm_f32x4_mul(a, ALBERT__WASM_F4(0.3275911f)), one));
    v128_t p = ALBERT__WASM_F4(1.061405429f), e;
    p = wasm_f32x4_add(wasm_f32x4_mul(p, t), ALBERT__WASM_F4(-1.453152027f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, t), ALBERT__WASM_F4(1.421413741f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, t), ALBERT__WASM_F4(-0.284496736f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, t), ALBERT__WASM_F4(0.254829592f));
    p = wasm_f32x4_mul(p, t);
    e = albert__exp4(wasm_f32x4_neg(wasm_f32x4_pmin(wasm_f32x4_mul(a, a), ALBERT__WASM_F4(80.0f))));
    return wasm_v128_or(wasm_f32x4_sub(one, wasm_f32x4_mul(p, e)), sign);
}

/* The activation on 4 lanes; returns 0 if `act` has no vector version (then use the scalar one). */
static int albert__activate4(v128_t *v, int act)
{
    v128_t x = *v, zero = wasm_f32x4_splat(0.0f), one = ALBERT__WASM_F4(1.0f);
    switch (act) {
    case ALBERT_ACT_GELU:
    case ALBERT_ACT_GELU_10:
        x = wasm_f32x4_mul(wasm_f32x4_mul(ALBERT__WASM_F4(0.5f), x),
                           wasm_f32x4_add(one, albert__erf4(wasm_f32x4_mul(x, ALBERT__WASM_F4(0.70710678118654752f)))));
        if (act == ALBERT_ACT_GELU_10)
            x = wasm_f32x4_pmin(wasm_f32x4_pmax(x, ALBERT__WASM_F4(-10.0f)), ALBERT__WASM_F4(10.0f));
        break;
    case ALBERT_ACT_GELU_TANH: { /* x / (1 + e^-2u), as in albert__activate8 */
        v128_t minus_2u = wasm_f32x4_mul(x, wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(x, x),
                                                                          ALBERT__WASM_F4(ALBERT__GELU_TANH_C3)),
                                                           ALBERT__WASM_F4(ALBERT__GELU_TANH_C1)));
        v128_t keep = wasm_v128_not(wasm_f32x4_gt(minus_2u, ALBERT__WASM_F4(ALBERT__GELU_TANH_ZERO))); /* NaN: kept */
        v128_t e = albert__exp4_in_range(wasm_f32x4_pmin(wasm_f32x4_pmax(minus_2u, ALBERT__WASM_F4(ALBERT__EXP_MIN)),
                                                         ALBERT__WASM_F4(ALBERT__GELU_TANH_ZERO)));
        x = wasm_v128_and(wasm_f32x4_div(x, wasm_f32x4_add(one, e)), keep);
        break;
    }
    case ALBERT_ACT_RELU: x = wasm_f32x4_pmax(zero, x); break; /* NaN -> 0, as maxps */
    case ALBERT_ACT_SILU: x = wasm_f32x4_mul(x, albert__sigmoid4(x)); break;
    case ALBERT_ACT_QUICK_GELU: x = wasm_f32x4_mul(x, albert__sigmoid4(wasm_f32x4_mul(x, ALBERT__WASM_F4(1.702f)))); break;
    case ALBERT_ACT_TANH:
        x = wasm_f32x4_sub(wasm_f32x4_mul(ALBERT__WASM_F4(2.0f), albert__sigmoid4(wasm_f32x4_add(x, x))), one);
        break;
    case ALBERT_ACT_SIGMOID: x = albert__sigmoid4(x); break;
    case ALBERT_ACT_RELU6: x = wasm_f32x4_pmin(ALBERT__WASM_F4(6.0f), wasm_f32x4_pmax(zero, x)); break;
    case ALBERT_ACT_RELU2: x = wasm_f32x4_pmax(zero, x); x = wasm_f32x4_mul(x, x); break;
    case 0:
    case ALBERT_ACT_LINEAR: break;
    default: return 0;
    }
    *v = x;
    return 1;
}

static void albert__activate_array_wasm(float *x, int n, int act)
{
    int i = 0;
    v128_t v = wasm_f32x4_splat(0.0f);
    if (!act || act == ALBERT_ACT_LINEAR) return;
    if (!albert__activate4(&v, act)) {
        albert__activate_array_scalar(x, n, act);
        return;
    }
    for (; i + 4 <= n; i += 4) {
        v = wasm_v128_load(x + i);
        albert__activate4(&v, act);
        wasm_v128_store(x + i, v);
    }
    if (i < n) {
        float tail[4] = {0, 0, 0, 0};
        memcpy(tail, x + i, sizeof(float) * (size_t)(n - i));
        v = wasm_v128_load(tail);
        albert__activate4(&v, act);
        wasm_v128_store(tail, v);
        memcpy(x + i, tail, sizeof(float) * (size_t)(n - i));
    }
}

static float albert__hsum4(v128_t v)
{
    return (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1)) +
           (wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3));
}

static float albert__hmax4(v128_t v)
{
    float a = wasm_f32x4_extract_lane(v, 0), b = wasm_f32x4_extract_lane(v, 1);
    float c = wasm_f32x4_extract_lane(v, 2), d = wasm_f32x4_extract_lane(v, 3);
    a = b > a ? b : a;
    c = d > c ? d : c;
    return c > a ? c : a;
}

/* ---------------------------------------------------------------- 11.2 linear layers */
/* tile[ii * 8 + t] = sum_kk w_ii[kk] * xp[kk * 8 + t] for ii < 6, t < 8: per step of k, 2 loads of x, 6 W values
   broadcast straight from memory (load32_splat), 12 products and sums. */
static void albert__tile_wasm(int k, const float *const *w, const float *xp, float *tile)
{
    const float *w0 = w[0], *w1 = w[1], *w2 = w[2], *w3 = w[3], *w4 = w[4], *w5 = w[5];
    v128_t c0a = wasm_f32x4_splat(0.0f), c0b = c0a, c1a = c0a, c1b = c0a, c2a = c0a, c2b = c0a;
    v128_t c3a = c0a, c3b = c0a, c4a = c0a, c4b = c0a, c5a = c0a, c5b = c0a;
    int kk;
    for (kk = 0; kk < k; kk++, xp += 8) {
        v128_t xa = wasm_v128_load(xp), xb = wasm_v128_load(xp + 4), b;
#define ALBERT__ROWWASM(r)                                          \
    b = wasm_v128_load32_splat(w##r + kk);                          \
    c##r##a = wasm_f32x4_add(c##r##a, wasm_f32x4_mul(b, xa));       \
    c##r##b = wasm_f32x4_add(c##r##b, wasm_f32x4_mul(b, xb));
        ALBERT__ROWWASM(0) ALBERT__ROWWASM(1) ALBERT__ROWWASM(2)
        ALBERT__ROWWASM(3) ALBERT__ROWWASM(4) ALBERT__ROWWASM(5)
#undef ALBERT__ROWWASM
    }
#define ALBERT__STOREWASM(r)                  \
    wasm_v128_store(tile + r * 8, c##r##a);   \
    wasm_v128_store(tile + r * 8 + 4, c##r##b);
    ALBERT__STOREWASM(0) ALBERT__STOREWASM(1) ALBERT__STOREWASM(2)
    ALBERT__STOREWASM(3) ALBERT__STOREWASM(4) ALBERT__STOREWASM(5)
#undef ALBERT__STOREWASM
}

/* ---------------------------------------------------------------- 11.3 attention */
/* c[rows x cols] = alpha * a[rows x k] . bm[k x cols] (albert__matmul): blocks of 6 rows x 8 columns; the last
   cols % 8 columns through the scalar code. */
static void albert__matmul_wasm(int rows, int cols, int k, const float *a, size_t lda, const float *bm, size_t ldb,
                                float alpha, float *c, size_t ldc)
{
    int i0, j0, t, r, full = cols / 8 * 8;
    v128_t va = wasm_f32x4_splat(alpha);
    for (j0 = 0; j0 < full; j0 += 8)
        for (i0 = 0; i0 < rows; i0 += 6) {
            int used = rows - i0 < 6 ? rows - i0 : 6;
            const float *ar[6];
            v128_t acc[6][2];
            for (r = 0; r < 6; r++) {
                ar[r] = a + (size_t)(i0 + (r < used ? r : used - 1)) * lda;
                acc[r][0] = acc[r][1] = wasm_f32x4_splat(0.0f);
            }
            for (t = 0; t < k; t++) {
                const float *br = bm + (size_t)t * ldb + j0;
                v128_t b0 = wasm_v128_load(br), b1 = wasm_v128_load(br + 4);
                for (r = 0; r < 6; r++) {
                    v128_t av = wasm_v128_load32_splat(ar[r] + t);
                    acc[r][0] = wasm_f32x4_add(acc[r][0], wasm_f32x4_mul(av, b0));
                    acc[r][1] = wasm_f32x4_add(acc[r][1], wasm_f32x4_mul(av, b1));
                }
            }
            for (r = 0; r < used; r++) {
                float *cr = c + (size_t)(i0 + r) * ldc + j0;
                wasm_v128_store(cr, wasm_f32x4_mul(acc[r][0], va));
                wasm_v128_store(cr + 4, wasm_f32x4_mul(acc[r][1], va));
            }
        }
    if (full < cols) albert__matmul_scalar(rows, cols - full, k, a, lda, bm + full, ldb, alpha, c + full, ldc);
}

/* Softmax of n scores in place, as albert__softmax_row_avx2. */
static void albert__softmax_row_wasm(float *s, int n)
{
    v128_t vmax = wasm_f32x4_splat(-INFINITY), vsum = wasm_f32x4_splat(0.0f), vinv;
    float mx, sum = 0.0f, inv;
    int j;
    for (j = 0; j + 4 <= n; j += 4) vmax = wasm_f32x4_pmax(vmax, wasm_v128_load(s + j));
    mx = albert__hmax4(vmax);
    for (; j < n; j++) mx = s[j] > mx ? s[j] : mx;
    vmax = wasm_f32x4_splat(mx);
    for (j = 0; j + 4 <= n; j += 4) {
        v128_t e = albert__exp4(wasm_f32x4_sub(wasm_v128_load(s + j), vmax));
        wasm_v128_store(s + j, e);
        vsum = wasm_f32x4_add(vsum, e);
    }
    for (; j < n; j++) {
        s[j] = expf(s[j] - mx);
        sum += s[j];
    }
    sum += albert__hsum4(vsum);
    inv = 1.0f / sum;
    vinv = wasm_f32x4_splat(inv);
    for (j = 0; j + 4 <= n; j += 4) wasm_v128_store(s + j, wasm_f32x4_mul(wasm_v128_load(s + j), vinv));
    for (; j < n; j++) s[j] *= inv;
}

/* ---------------------------------------------------------------- 11.4 layer norm */
/* Layer norm of one row, as albert__layer_norm_row_avx512: float lanes, a first mean m, then the sums of d = x - m
   and d^2 give the mean and the variance. */
static void albert__layer_norm_row_wasm(float *r, int n, const float *g, const float *b, float eps)
{
    v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0, q0 = s0, q1 = s0, vm, vi;
    double m, dmean, var, tail_s = 0.0, tail_q = 0.0;
    float inv, meanf;
    int j;
    for (j = 0; j + 8 <= n; j += 8) {
        s0 = wasm_f32x4_add(s0, wasm_v128_load(r + j));
        s1 = wasm_f32x4_add(s1, wasm_v128_load(r + j + 4));
    }
    for (; j < n; j++) tail_s += r[j];
    m = ((double)albert__hsum4(wasm_f32x4_add(s0, s1)) + tail_s) / n;
    m = (float)m; /* the shift actually subtracted */
    vm = wasm_f32x4_splat((float)m);
    s0 = s1 = wasm_f32x4_splat(0.0f);
    tail_s = 0.0;
    for (j = 0; j + 8 <= n; j += 8) {
        v128_t d0 = wasm_f32x4_sub(wasm_v128_load(r + j), vm), d1 = wasm_f32x4_sub(wasm_v128_load(r + j + 4), vm);
        s0 = wasm_f32x4_add(s0, d0);
        s1 = wasm_f32x4_add(s1, d1);
        q0 = wasm_f32x4_add(q0, wasm_f32x4_mul(d0, d0));
        q1 = wasm_f32x4_add(q1, wasm_f32x4_mul(d1, d1));
    }
    for (; j < n; j++) {
        float d = r[j] - (float)m;
        tail_s += d;
        tail_q += (double)d * d;
    }
    dmean = ((double)albert__hsum4(wasm_f32x4_add(s0, s1)) + tail_s) / n;
    var = ((double)albert__hsum4(wasm_f32x4_add(q0, q1)) + tail_q) / n - dmean * dmean;
    inv = (float)(1.0 / sqrt((var > 0.0 ? var : 0.0) + eps));
    meanf = (float)(m + dmean);
    vm = wasm_f32x4_splat(meanf);
    vi = wasm_f32x4_splat(inv);
    for (j = 0; j + 4 <= n; j += 4) {
        v128_t d = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(r + j), vm), vi);
        wasm_v128_store(r + j, wasm_f32x4_add(wasm_f32x4_mul(d, wasm_v128_load(g + j)), wasm_v128_load(b + j)));
    }
    for (; j < n; j++) r[j] = (r[j] - meanf) * inv * g[j] + b[j];
}
#endif /* ALBERT__WASM_SIMD */

/* ============================================================================================== */
/* ==== 12. Kernel drivers: ISA dispatch and pool jobs ========================================== */
/* ============================================================================================== */
/* ---------------------------------------------------------------- 12.1 activations */
/* act over n floats in place with the best available code. */
static void albert__activate_array(float *x, int n, int act, int isa)
{
#ifdef ALBERT__X86_SIMD
    if (isa == ALBERT__ISA_AVX512) {
        albert__activate_array_avx512(x, n, act);
        return;
    }
    if (isa >= ALBERT__ISA_AVX2) {
        albert__activate_array_avx2(x, n, act);
        return;
    }
#endif
#ifdef ALBERT__WASM_SIMD
    if (isa == ALBERT__ISA_WASM) {
        albert__activate_array_wasm(x, n, act);
        return;
    }
#endif
    (void)isa;
    albert__activate_array_scalar(x, n, act);
}

/* ---------------------------------------------------------------- 12.2 linear layers (f32) */
#ifdef ALBERT__PANELS
/* Bias, activation and residual on a finished tile (tile[ii * nr + t] = W row j0+ii . x row row0+t),
   then the transposed store into y. mr_used / nt_used: the valid rows of W and tokens. */
static void albert__linear_store_tile(const albert__linear_job *job, float *tile, int j0, int mr_used, int row0,
                                      int nt_used)
{
    int nr = job->nr, ii, t;
    if (job->b)
        for (ii = 0; ii < mr_used; ii++) {
            float bias = job->b[j0 + ii];
            float *tr = tile + (size_t)ii * nr;
            for (t = 0; t < nt_used; t++) tr[t] += bias;
        }
    if (job->act && job->act != ALBERT_ACT_LINEAR) albert__activate_array(tile, mr_used * nr, job->act, job->isa);
    for (t = 0; t < nt_used; t++) {
        float *yr = job->y + (size_t)(row0 + t) * job->n + j0;
        const float *tc = tile + t;
        if (job->residual) {
            const float *rr = job->residual + (size_t)(row0 + t) * job->n + j0;
            for (ii = 0; ii < mr_used; ii++) yr[ii] = tc[(size_t)ii * nr] + rr[ii];
        } else {
            for (ii = 0; ii < mr_used; ii++) yr[ii] = tc[(size_t)ii * nr];
        }
    }
}

#endif

/* Packs range index % pack_slices of k (a multiple of 16 columns long) of panel index / pack_slices. */
static void albert__linear_pack_task(void *arg, int index, int count)
{
    const albert__linear_job *job = (const albert__linear_job *)arg;
    int p = index / job->pack_slices, slice = index % job->pack_slices;
    int slice_k = (job->k + job->pack_slices - 1) / job->pack_slices;
    int k0, k1, first_row = job->chunk_row0 + p * job->nr;
    float *xp;
    (void)count;
    slice_k = (slice_k + 15) / 16 * 16;
    k0 = slice * slice_k;
    k1 = job->k - k0 < slice_k ? job->k : k0 + slice_k;
    if (k0 >= k1) return;
    xp = job->xp + (size_t)p * job->k * job->nr + (size_t)k0 * job->nr; /* panels are k-major */
#ifdef ALBERT__X86_SIMD
    if (job->isa == ALBERT__ISA_AVX512 && job->nr % 16 == 0) {
        albert__pack_x_panel_avx512(job->x + k0, job->ldx, job->m, k1 - k0, first_row, job->nr, xp);
        return;
    }
#endif
    albert__pack_x_panel(job->x + k0, job->ldx, job->m, k1 - k0, first_row, job->nr, xp);
}

/* Packs the chunk's rows of x into job->xp: one task per panel, or, with fewer panels than threads (long k: a
   chunk of k = 3072 holds one panel), each panel in slices of k, so that no thread waits for another to pack. */
static void albert__linear_pack(albert__pool *pool, albert__linear_job *job)
{
    int n_threads = albert__pool_threads(pool), n_panels = (job->chunk_rows + job->nr - 1) / job->nr;
    job->pack_slices = n_panels < n_threads ? (n_threads + n_panels - 1) / n_panels : 1;
    albert__pool_run(pool, albert__linear_pack_task, job, n_panels * job->pack_slices);
}

#ifdef ALBERT__PANELS
/* Block `blk` of W rows (mr of them) against every panel of the chunk (AVX2, NEON, WASM; AVX-512 works in strips). */
static void albert__linear_block(const albert__linear_job *job, int blk, float *tile)
{
    int mr = job->mr, nr = job->nr, n_panels = (job->chunk_rows + nr - 1) / nr, p, ii;
    int j0 = blk * mr, mr_used = job->n - j0 < mr ? job->n - j0 : mr;
    const float *wrows[ALBERT__MR_MAX];
    for (ii = 0; ii < mr; ii++) wrows[ii] = job->w + (size_t)(j0 + (ii < mr_used ? ii : mr_used - 1)) * job->k;
    for (p = 0; p < n_panels; p++) {
        int row0 = job->chunk_row0 + p * nr;
        int nt_used = job->chunk_rows - p * nr < nr ? job->chunk_rows - p * nr : nr;
        const float *xp = job->xp + (size_t)p * job->k * nr;
#if defined(ALBERT__X86_SIMD)
        albert__tile_avx2(job->k, wrows, xp, tile);
#elif defined(ALBERT__NEON_SIMD)
        albert__tile_neon(job->k, wrows, xp, tile);
#else
        albert__tile_wasm(job->k, wrows, xp, tile);
#endif
        albert__linear_store_tile(job, tile, j0, mr_used, row0, nt_used);
    }
}
#endif

/* Task `index` computes blocks index * job->task_blocks .. of W rows (job->task_blocks of them, fewer at the end)
   for all rows of the chunk. */
static void albert__linear_tiles_task(void *arg, int index, int count)
{
#ifdef ALBERT__PANELS
    const albert__linear_job *job = (const albert__linear_job *)arg;
    int n_blocks = (job->n + job->mr - 1) / job->mr;
    int blk = index * job->task_blocks, block_end = blk + job->task_blocks < n_blocks ? blk + job->task_blocks : n_blocks;
    float tile_block[ALBERT__MR_MAX * ALBERT__NR_MAX + 16];
    float *tile = tile_block + (16 - (size_t)((uintptr_t)tile_block / sizeof(float) % 16)) % 16;
    (void)count;
#ifdef ALBERT__X86_SIMD
    if (job->isa == ALBERT__ISA_AVX512) {   /* mr = 6, nr = 64 */
        float strip_block[ALBERT__STRIP_BLOCKS * ALBERT__MR_F32_AVX512 * ALBERT__NR_F32_AVX512 + 16];
        float *strip = strip_block + (16 - (size_t)((uintptr_t)strip_block / sizeof(float) % 16)) % 16;
        for (; blk < block_end; blk += ALBERT__STRIP_BLOCKS)
            albert__linear_strip_avx512(job, blk, blk + ALBERT__STRIP_BLOCKS < block_end ? blk + ALBERT__STRIP_BLOCKS : block_end,
                                        strip);
        return;
    }
#endif
    for (; blk < block_end; blk++) albert__linear_block(job, blk, tile);
#else
    (void)arg; /* only the SIMD paths pack x into panels */
    (void)index;
    (void)count;
#endif
}

/* Blocks of mr W rows per task for the tiles of a linear layer. With threads: the fewest blocks whose output
   columns fill whole 64-byte cache lines of y (16 floats: 8 blocks of 6 rows, 2 of 8), so that two threads do
   not store into the same lines (with one block per task, neighbouring blocks ran on different cores and every
   tile store moved y's lines back and forth between them: ~8% of a layer at 2 threads). Such a task is still
   ~0.1 ms of work for 128 tokens, and the pool hands tasks to whichever thread asks, so when the machine is busy
   and one thread runs late or is descheduled, the others take over its share. One thread: all blocks at once. */
static int albert__linear_task_blocks(int n_blocks, int mr, int n_threads)
{
    int blocks = 1;
    if (n_threads <= 1) return n_blocks > 0 ? n_blocks : 1;
    while (blocks * mr % 16 != 0) blocks++;
    return blocks;
}

/* y[m x n] = act(x[m x k] . W^T + b) + residual, with W [n x k] row-major (PyTorch Linear order).
   b and residual ([m x n]) may be NULL; act 0 = none (else an albert_activation, applied before the residual
   is added). y must not alias x; it may alias residual.
   x_panels: x already packed (the y_panels output of the previous call), y_panels: output packed for the next
   layer instead of y (both AVX-512 only, for m > ALBERT__DOT_MAX_ROWS: albert__linear_panels_fit); else NULL. */
static void albert__linear_with_panels(albert__pool *pool, const float *x, float *x_panels, int m, int k,
                                       const float *w, const float *b, int n, int act, const float *residual, float *y,
                                       float *y_panels)
{
    albert__linear_job job;
    int n_threads = albert__pool_threads(pool);
    if (m <= 0 || n <= 0) return;
    memset(&job, 0, sizeof job);
    job.x = x;
    job.ldx = (size_t)k;
    job.m = m;
    job.k = k;
    job.n = n;
    job.w = w;
    job.b = b;
    job.act = act;
    job.residual = residual;
    job.y = y;
    job.y_panels = y_panels;
    job.isa = albert__pool_isa(pool);
    if (job.isa == ALBERT__ISA_AVX512) {
        job.mr = ALBERT__MR_F32_AVX512;
        job.nr = ALBERT__NR_F32_AVX512;
    } else if (job.isa == ALBERT__ISA_NEON) {
        job.mr = ALBERT__MR_NEON;
        job.nr = ALBERT__NR_NEON;
    } else if (job.isa == ALBERT__ISA_WASM) {
        job.mr = ALBERT__MR_WASM;
        job.nr = ALBERT__NR_WASM;
    } else {
        job.mr = ALBERT__MR_AVX2;
        job.nr = ALBERT__NR_AVX2;
    }
    if (k <= 0 || job.isa == ALBERT__ISA_SCALAR || (size_t)k * (size_t)job.nr > ALBERT__PACK_FLOATS) {
        if (k <= 0) { /* no inner dimension: y = act(b) + residual */
            int i, j;
            for (i = 0; i < m; i++)
                for (j = 0; j < n; j++) {
                    float v = albert__activate(b ? b[j] : 0.0f, act);
                    y[(size_t)i * n + j] = v + (residual ? residual[(size_t)i * n + j] : 0.0f);
                }
            return;
        }
        albert__pool_run(pool, albert__linear_scalar_task, &job, n_threads);
        return;
    }
#ifdef ALBERT__X86_SIMD
    if (job.isa == ALBERT__ISA_AVX512 && m <= ALBERT__DOT_MAX_ROWS) {
        /* tasks of ~8 triples of W rows (each a few hundred ns) when there are threads to share them */
        int n_triples = (n + 2) / 3, tasks = n_threads > 1 ? (n_triples + 7) / 8 : 1;
        albert__pool_run(pool, albert__linear_dot_task, &job, tasks);
        return;
    }
#endif
    {
        /* rows per round: as many whole panels as ALBERT__CHUNK_FLOATS holds (the pack buffer holds more) */
        int panels_fit = (int)(ALBERT__CHUNK_FLOATS / ((size_t)k * (size_t)job.nr));
        int chunk_max = (panels_fit < 1 ? 1 : panels_fit) * job.nr;
        int n_blocks = (n + job.mr - 1) / job.mr;
        int tile_tasks, row0;
        job.task_blocks = albert__linear_task_blocks(n_blocks, job.mr, n_threads);
        tile_tasks = (n_blocks + job.task_blocks - 1) / job.task_blocks;
        if (x_panels) {   /* packed already: all rows in one round */
            job.xp = x_panels;
            job.chunk_rows = m;
            albert__pool_run(pool, albert__linear_tiles_task, &job, tile_tasks);
            return;
        }
        job.xp = pool->pack;
        for (row0 = 0; row0 < m; row0 += chunk_max) {
            job.chunk_row0 = row0;
            job.chunk_rows = m - row0 < chunk_max ? m - row0 : chunk_max;
            albert__linear_pack(pool, &job);
            albert__pool_run(pool, albert__linear_tiles_task, &job, tile_tasks);
        }
    }
}

static void albert__linear(albert__pool *pool, const float *x, int m, int k, const float *w, const float *b, int n,
                           int act, const float *residual, float *y)
{
    albert__linear_with_panels(pool, x, NULL, m, k, w, b, n, act, residual, y, NULL);
}

/* Whether two f32 linear layers x[m x k] -> [m x n] -> ... can hand over their activations as packed panels
   (albert__linear_with_panels): with AVX-512 and enough rows for the tiles. The first layer's output then goes
   straight into the layout the second one packs its x into: [round64(m) / 64][n][64], so the first skips the
   transposes of its store and the second its packing (the feed-forward block: ~1/2 of both). */
static int albert__linear_panels_fit(const albert__pool *pool, int m, int k)
{
#ifdef ALBERT__X86_SIMD
    return albert__pool_isa(pool) == ALBERT__ISA_AVX512 && m > ALBERT__DOT_MAX_ROWS && k > 0 &&
           (size_t)k * ALBERT__NR_F32_AVX512 <= ALBERT__PACK_FLOATS;
#else
    (void)pool;
    (void)m;
    (void)k;
    return 0;
#endif
}

#ifdef ALBERT__X86_SIMD
/* Several linear layers of one x (see albert__linear_group). */
#define ALBERT__GROUP_MAX 3
typedef struct albert__linear_group_job {
    albert__linear_job parts[ALBERT__GROUP_MAX];
    int count;          /* layers */
    int tasks_per_part; /* tasks per layer, of parts[i].task_blocks blocks of W rows each */
} albert__linear_group_job;

/* Task `index` computes a range of blocks of one of the layers (as albert__linear_tiles_task), for all rows of
   the chunk. */
static void albert__linear_group_task(void *arg, int index, int count)
{
    albert__linear_group_job *group = (albert__linear_group_job *)arg;
    albert__linear_tiles_task(&group->parts[index / group->tasks_per_part], index % group->tasks_per_part, count);
}
#endif

/* y[i] = x . w[i]^T + b[i] for i < count (1 .. 3), every w[i] [n x k] row-major, b[i] may be NULL: the query,
   key and value projections of attention. The same results as count albert__linear calls (no activation, no
   residual), but x is packed once and all the layers' tiles are one job. No y[i] may alias x. */
static void albert__linear_group(albert__pool *pool, const float *x, int m, int k, int n, int count,
                                 const float *const *w, const float *const *b, float *const *y)
{
#ifdef ALBERT__X86_SIMD
    albert__linear_group_job group;
    int isa = albert__pool_isa(pool), n_threads = albert__pool_threads(pool), mr, nr, i;
    if (count < 1 || count > ALBERT__GROUP_MAX || m <= 0 || n <= 0) return;
    mr = isa == ALBERT__ISA_AVX512 ? ALBERT__MR_F32_AVX512 : ALBERT__MR_AVX2;
    nr = isa == ALBERT__ISA_AVX512 ? ALBERT__NR_F32_AVX512 : ALBERT__NR_AVX2;
    if (isa != ALBERT__ISA_SCALAR && k > 0 && (size_t)k * (size_t)nr <= ALBERT__PACK_FLOATS &&
        !(isa == ALBERT__ISA_AVX512 && m <= ALBERT__DOT_MAX_ROWS)) {
        int panels_fit = (int)(ALBERT__CHUNK_FLOATS / ((size_t)k * (size_t)nr));
        int chunk_max = (panels_fit < 1 ? 1 : panels_fit) * nr, n_blocks = (n + mr - 1) / mr, row0, tasks, task_blocks;
        memset(&group, 0, sizeof group);
        group.count = count;
        task_blocks = albert__linear_task_blocks(n_blocks, mr, n_threads);
        group.tasks_per_part = (n_blocks + task_blocks - 1) / task_blocks;
        tasks = count * group.tasks_per_part;
        for (i = 0; i < count; i++) {
            albert__linear_job *job = &group.parts[i];
            job->x = x;
            job->ldx = (size_t)k;
            job->m = m;
            job->k = k;
            job->n = n;
            job->w = w[i];
            job->b = b[i];
            job->y = y[i];
            job->isa = isa;
            job->mr = mr;
            job->nr = nr;
            job->xp = pool->pack;
            job->task_blocks = task_blocks;
        }
        for (row0 = 0; row0 < m; row0 += chunk_max) {
            for (i = 0; i < count; i++) {
                group.parts[i].chunk_row0 = row0;
                group.parts[i].chunk_rows = m - row0 < chunk_max ? m - row0 : chunk_max;
            }
            albert__linear_pack(pool, &group.parts[0]);
            albert__pool_run(pool, albert__linear_group_task, &group, tasks);
        }
        return;
    }
#endif
    {
        int j;
        for (j = 0; j < count && j < 3; j++) albert__linear(pool, x, m, k, w[j], b[j], n, 0, NULL, y[j]);
    }
}

/* ---------------------------------------------------------------- 12.3 layer norm */
static void albert__layer_norm_task(void *arg, int index, int count)
{
    const albert__norm_job *job = (const albert__norm_job *)arg;
    int i = (int)((int64_t)job->m * index / count), end = (int)((int64_t)job->m * (index + 1) / count);
    for (; i < end; i++) {
        float *r = job->x + (size_t)i * job->n;
#ifdef ALBERT__X86_SIMD
        if (job->isa == ALBERT__ISA_AVX512) {
            albert__layer_norm_row_avx512(r, job->n, job->g, job->b, job->eps);
            continue;
        }
        if (job->isa >= ALBERT__ISA_AVX2) {
            albert__layer_norm_row_avx2(r, job->n, job->g, job->b, job->eps);
            continue;
        }
#endif
#ifdef ALBERT__WASM_SIMD
        if (job->isa == ALBERT__ISA_WASM) {
            albert__layer_norm_row_wasm(r, job->n, job->g, job->b, job->eps);
            continue;
        }
#endif
        albert__layer_norm_row_scalar(r, job->n, job->g, job->b, job->eps);
    }
}

/* In place over each of m rows of n: (x - mean) / sqrt(var + eps) * g + b (biased variance, as PyTorch). */
static void albert__layer_norm(albert__pool *pool, float *x, int m, int n, const float *g, const float *b, float eps)
{
    albert__norm_job job;
    int tasks = albert__pool_threads(pool);
    if (m <= 0 || n <= 0) return;
    job.x = x;
    job.m = m;
    job.n = n;
    job.g = g;
    job.b = b;
    job.eps = eps;
    job.isa = albert__pool_isa(pool);
    if ((size_t)m * (size_t)n < 16384) tasks = 1; /* not worth waking threads */
    if (tasks > m) tasks = m;
    albert__pool_run(pool, albert__layer_norm_task, &job, tasks);
}

/* ---------------------------------------------------------------- 12.4 attention */
static void albert__matmul(int isa, int rows, int cols, int k, const float *a, size_t lda, const float *bm, size_t ldb,
                           float alpha, float *c, size_t ldc)
{
#ifdef ALBERT__X86_SIMD
    if (isa == ALBERT__ISA_AVX2) {
        albert__matmul_avx2(rows, cols, k, a, lda, bm, ldb, alpha, c, ldc);
        return;
    }
#endif
#ifdef ALBERT__WASM_SIMD
    if (isa == ALBERT__ISA_WASM) {
        albert__matmul_wasm(rows, cols, k, a, lda, bm, ldb, alpha, c, ldc);
        return;
    }
#endif
    (void)isa;
    albert__matmul_scalar(rows, cols, k, a, lda, bm, ldb, alpha, c, ldc);
}

typedef struct albert__attention_job {
    float *scratch;   /* 64-byte aligned; albert__attention_plan(seq_len, head_dim).total floats per thread */
    const float *q, *k, *v;
    const int32_t *mask;
    int n_seqs, seq_len, n_heads, head_dim;
    float *out;
    int isa;
    int next_pair; /* the next (sequence, head) pair to hand out (ALBERT__SHARED_COUNTER) */
} albert__attention_job;

/* Thread `index` of `count` does the (sequence, head) pairs index, index + count, ... */
static void albert__attention_task(void *arg, int index, int count)
{
    albert__attention_job *job = (albert__attention_job *)arg;
    int S = job->seq_len, hd = job->head_dim, H = job->n_heads * job->head_dim;
    albert__attention_layout a = albert__attention_plan(S, hd);
    float *scratch = job->scratch + a.total * (size_t)index;
    size_t ld = albert__round16((size_t)S), lds = a.score_ld;   /* row strides of the transposed keys, scores */
    float *kt = scratch + a.keys;                                 /* [hd x ld] */
    float *scores = scratch + a.scores;                           /* [QUERY_BLOCK x lds] */
    float scale = 1.0f / sqrtf((float)hd);
    int pair;
#if ALBERT__SHARED_COUNTER
    (void)count;
    while ((pair = ALBERT__NEXT_ITEM(&job->next_pair)) < job->n_seqs * job->n_heads) {
#else
    for (pair = index; pair < job->n_seqs * job->n_heads; pair += count) {
#endif
        int s = pair / job->n_heads, h = pair % job->n_heads, i0, i, j, d;
        const int32_t *mrow = job->mask ? job->mask + (size_t)s * S : NULL;
        const float *qh = job->q + (size_t)s * S * H + (size_t)h * hd;
        const float *kh = job->k + (size_t)s * S * H + (size_t)h * hd;
        const float *vh = job->v + (size_t)s * S * H + (size_t)h * hd;
        float *oh = job->out + (size_t)s * S * H + (size_t)h * hd;
        int any_real = 1;
        if (mrow) {
            any_real = 0;
            for (j = 0; j < S; j++) any_real |= mrow[j] != 0;
        }
#ifdef ALBERT__X86_SIMD
        if (job->isa == ALBERT__ISA_AVX512) {
            albert__attention_head_avx512(S, hd, qh, kh, vh, (size_t)H, mrow, any_real, &a, scratch, oh);
            continue;
        }
#endif
        for (j = 0; j < S; j++)
            for (d = 0; d < hd; d++) kt[(size_t)d * ld + j] = kh[(size_t)j * H + d];
        for (i0 = 0; i0 < S; i0 += ALBERT__QUERY_BLOCK) {
            int rows = S - i0 < ALBERT__QUERY_BLOCK ? S - i0 : ALBERT__QUERY_BLOCK;
            if (!any_real) {   /* every key is padding: equal weights, as HF's additive mask gives */
                for (i = 0; i < rows; i++)
                    for (j = 0; j < S; j++) scores[(size_t)i * lds + j] = 1.0f / (float)S;
            } else {
                albert__matmul(job->isa, rows, S, hd, qh + (size_t)i0 * H, (size_t)H, kt, ld, scale, scores, lds);
                for (i = 0; i < rows; i++) {
                    float *sr = scores + (size_t)i * lds;
                    if (mrow)   /* padding keys: weight exactly 0 */
                        for (j = 0; j < S; j++)
                            if (!mrow[j]) sr[j] = -INFINITY;
#ifdef ALBERT__X86_SIMD
                    if (job->isa == ALBERT__ISA_AVX2) {
                        albert__softmax_row_avx2(sr, S);
                        continue;
                    }
#endif
#ifdef ALBERT__WASM_SIMD
                    if (job->isa == ALBERT__ISA_WASM) {
                        albert__softmax_row_wasm(sr, S);
                        continue;
                    }
#endif
                    albert__softmax_row_scalar(sr, S);
                }
            }
            albert__matmul(job->isa, rows, hd, S, scores, lds, vh, (size_t)H, 1.0f, oh + (size_t)i0 * H, (size_t)H);
        }
    }
}

/* For each of n_seqs sequences of seq_len tokens (rows s*seq_len .. s*seq_len+seq_len-1) and each head h
   (columns h*head_dim ..): out = softmax(q k^T / sqrt(head_dim) + mask) v. q, k, v and out have row stride
   n_heads*head_dim. mask [n_seqs x seq_len]: 0 marks a padding key, which gets weight exactly 0 (as HF's
   additive float-min mask does in float32); if every key of a sequence is padding, all keys get equal
   weight (as HF). mask NULL = no padding. scratch: albert__kernel_scratch_floats() floats (for seq_len up to
   its max_seq and head_dim up to its max_head_dim, with the pool's thread count), any alignment. */
static void albert__attention(albert__pool *pool, float *scratch, const float *q, const float *k, const float *v,
                              const int32_t *mask, int n_seqs, int seq_len, int n_heads, int head_dim, float *out)
{
    albert__attention_job job;
    int n_threads = albert__pool_threads(pool), pairs = n_seqs * n_heads;
    if (n_seqs <= 0 || seq_len <= 0 || n_heads <= 0 || head_dim <= 0) return;
    job.scratch = scratch + (16 - (size_t)((uintptr_t)scratch / sizeof(float) % 16)) % 16;
    job.q = q;
    job.k = k;
    job.v = v;
    job.mask = mask;
    job.n_seqs = n_seqs;
    job.seq_len = seq_len;
    job.n_heads = n_heads;
    job.head_dim = head_dim;
    job.out = out;
    job.isa = albert__pool_isa(pool);
    job.next_pair = 0;
    albert__pool_run(pool, albert__attention_task, &job, pairs < n_threads ? pairs : n_threads);
}

/* ---------------------------------------------------------------- 12.5 linear layers with f16 / q8 weights */
/* y = act(b) + residual: a layer with no inputs (k == 0). */
static void albert__qlinear_no_inputs(const albert__linear_job *o)
{
    int i, j;
    for (i = 0; i < o->m; i++)
        for (j = 0; j < o->n; j++) {
            float v = albert__activate(o->b ? o->b[j] : 0.0f, o->act);
            o->y[(size_t)i * o->n + j] = v + (o->residual ? o->residual[(size_t)i * o->n + j] : 0.0f);
        }
}

static void albert__qlinear_job_init(albert__qlinear_job *job, albert__pool *pool, const float *x, int m, int k,
                                     const float *b, int n, int act, const float *residual, float *y)
{
    memset(job, 0, sizeof *job);
    job->out.x = x;
    job->out.ldx = (size_t)k;
    job->out.m = m;
    job->out.k = k;
    job->out.n = n;
    job->out.b = b;
    job->out.act = act;
    job->out.residual = residual;
    job->out.y = y;
    job->out.isa = albert__pool_isa(pool);
}

#ifdef ALBERT__X86_SIMD
/* AVX-512 f16 tiles: each strip of ALBERT__STRIP_BLOCKS blocks (48 W rows) widened once into f32 rows (buf,
   48 x k floats), then for every panel the f32 6 x 64 micro-kernel on each block and the strip store of the f32
   path (whole cache lines of y): the f32 speed, reading half the bytes. */
ALBERT__AVX512 static void albert__f16_blocks_avx512(const albert__qlinear_job *job, int block_begin, int block_end,
                                                     float *buf)
{
    const albert__linear_job *o = &job->out;
    int mr = o->mr, nr = o->nr, n_panels = (o->chunk_rows + nr - 1) / nr, g0, blk, p, ii;
    ALBERT__ALIGNED_FLOATS(strip, ALBERT__STRIP_BLOCKS * ALBERT__MR_F32_AVX512 * ALBERT__NR_F32_AVX512);
    const float *wrows[ALBERT__MR_MAX];
    for (g0 = block_begin; g0 < block_end; g0 += ALBERT__STRIP_BLOCKS) {
        int g1 = g0 + ALBERT__STRIP_BLOCKS < block_end ? g0 + ALBERT__STRIP_BLOCKS : block_end, j0 = g0 * mr;
        int cols = (g1 * mr < o->n ? g1 * mr : o->n) - j0;
        for (ii = 0; ii < cols; ii++) albert__widen_f16_avx512(job->w16 + (size_t)(j0 + ii) * o->k, o->k, buf + (size_t)ii * o->k);
        for (p = 0; p < n_panels; p++) {
            int row0 = o->chunk_row0 + p * nr;
            int nt_used = o->chunk_rows - p * nr < nr ? o->chunk_rows - p * nr : nr;
            for (blk = g0; blk < g1; blk++) {
                for (ii = 0; ii < mr; ii++) {
                    int c = (blk - g0) * mr + ii;
                    wrows[ii] = buf + (size_t)(c < cols ? c : cols - 1) * o->k;
                }
                albert__tile_avx512(o->k, wrows, o->xp + (size_t)p * o->k * nr, strip + (size_t)(blk - g0) * mr * nr, 0);
            }
            albert__linear_store_strip_avx512(o, strip, j0, cols, row0, nt_used);
        }
    }
}

/* Thread `index` of `count` computes its range of W rows (in threes) for every row of x (m <= 8), f16 weights. */
ALBERT__AVX512 static void albert__f16_dot_task(void *arg, int index, int count)
{
    const albert__qlinear_job *job = (const albert__qlinear_job *)arg;
    const albert__linear_job *o = &job->out;
    int n_triples = (o->n + 2) / 3;
    int begin = (int)((int64_t)n_triples * index / count), end = (int)((int64_t)n_triples * (index + 1) / count);
    int act = o->act == ALBERT_ACT_LINEAR ? 0 : o->act, tri, c, t;
    float dots[24];
    const uint16_t *wrows[3];
    const float *xrows[8];
    for (t = 0; t < 8; t++) xrows[t] = o->x + (size_t)(t < o->m ? t : o->m - 1) * o->ldx;
    for (tri = begin; tri < end; tri++) {
        int j0 = tri * 3, c_used = o->n - j0 < 3 ? o->n - j0 : 3;
        for (c = 0; c < 3; c++) wrows[c] = job->w16 + (size_t)(j0 + (c < c_used ? c : c_used - 1)) * o->k;
        albert__dot_3x8_f16_avx512(o->k, wrows, xrows, dots);
        if (o->b)
            for (c = 0; c < 3; c++)
                for (t = 0; t < 8; t++) dots[c * 8 + t] += o->b[j0 + (c < c_used ? c : 0)];
        if (act) albert__activate_array(dots, 24, act, ALBERT__ISA_AVX512);
        for (t = 0; t < o->m; t++) {
            float *yr = o->y + (size_t)t * o->n + j0;
            const float *rr = o->residual ? o->residual + (size_t)t * o->n + j0 : NULL;
            for (c = 0; c < c_used; c++) yr[c] = dots[c * 8 + t] + (rr ? rr[c] : 0.0f);
        }
    }
}

/* Thread `index` of `count` computes its range of W rows for all rows of the chunk (as albert__linear_tiles_task). */
static void albert__f16_tiles_task(void *arg, int index, int count)
{
    const albert__qlinear_job *job = (const albert__qlinear_job *)arg;
    const albert__linear_job *o = &job->out;
    int mr = o->mr, nr = o->nr;
    int n_blocks = (o->n + mr - 1) / mr, n_panels = (o->chunk_rows + nr - 1) / nr;
    int block_begin = (int)((int64_t)n_blocks * index / count), block_end = (int)((int64_t)n_blocks * (index + 1) / count);
    int blk, p, ii;
    ALBERT__ALIGNED_FLOATS(tile, ALBERT__MR_MAX * ALBERT__NR_MAX);
    const uint16_t *wrows[ALBERT__MR_MAX];
    if (job->wbuf) {   /* AVX-512: 6-row blocks widened into this task's part of wbuf */
        albert__f16_blocks_avx512(job, block_begin, block_end,
                                  job->wbuf + (size_t)index * ALBERT__STRIP_BLOCKS * (size_t)mr * (size_t)o->k);
        return;
    }
    for (blk = block_begin; blk < block_end; blk++) {
        int j0 = blk * mr, mr_used = o->n - j0 < mr ? o->n - j0 : mr;
        for (ii = 0; ii < mr; ii++) wrows[ii] = job->w16 + (size_t)(j0 + (ii < mr_used ? ii : mr_used - 1)) * o->k;
        for (p = 0; p < n_panels; p++) {
            int row0 = o->chunk_row0 + p * nr;
            int nt_used = o->chunk_rows - p * nr < nr ? o->chunk_rows - p * nr : nr;
            const float *xp = o->xp + (size_t)p * o->k * nr;
            if (o->isa == ALBERT__ISA_AVX512) albert__tile_f16_avx512(o->k, wrows, xp, tile);
            else albert__tile_f16_avx2(o->k, wrows, xp, tile);
            albert__linear_store_tile(o, tile, j0, mr_used, row0, nt_used);
        }
    }
}
#endif /* ALBERT__X86_SIMD */

static void albert__linear_f16(albert__pool *pool, const float *x, int m, int k, const uint16_t *w, const float *b,
                               int n, int act, const float *residual, float *y)
{
    albert__qlinear_job job;
    int n_threads = albert__pool_threads(pool);
    if (m <= 0 || n <= 0) return;
    albert__qlinear_job_init(&job, pool, x, m, k, b, n, act, residual, y);
    job.w16 = w;
    if (k <= 0) {
        albert__qlinear_no_inputs(&job.out);
        return;
    }
#ifdef ALBERT__X86_SIMD
    if (job.out.isa != ALBERT__ISA_SCALAR) {
        albert__linear_job *o = &job.out;
        if (o->isa == ALBERT__ISA_AVX512 && m <= ALBERT__DOT_MAX_ROWS) {   /* short inputs: stream W once */
            int n_triples = (n + 2) / 3;
            albert__pool_run(pool, albert__f16_dot_task, &job, n_triples < n_threads ? n_triples : n_threads);
            return;
        }
        o->mr = o->isa == ALBERT__ISA_AVX512 ? ALBERT__MR_AVX512 : ALBERT__MR_AVX2;
        o->nr = o->isa == ALBERT__ISA_AVX512 ? ALBERT__NR_AVX512 : ALBERT__NR_AVX2;
        if (o->isa == ALBERT__ISA_AVX512) {   /* widened 6-row blocks through the f32 6 x 64 kernel (else 12 x 32) */
            job.wbuf = (float *)ALBERT_MALLOC(sizeof(float) * ALBERT__STRIP_BLOCKS * ALBERT__MR_F32_AVX512 * (size_t)k *
                                              (size_t)n_threads);
            if (job.wbuf) {
                o->mr = ALBERT__MR_F32_AVX512;
                o->nr = ALBERT__NR_F32_AVX512;
            }
        }
        if ((size_t)k * (size_t)o->nr <= ALBERT__PACK_FLOATS) {
            int panels_fit = (int)(ALBERT__PACK_FLOATS / ((size_t)k * (size_t)o->nr));
            int chunk_max = panels_fit * o->nr, n_blocks = (n + o->mr - 1) / o->mr, row0;
            int tile_tasks = n_blocks < n_threads ? n_blocks : n_threads;
            o->xp = pool->pack;
            for (row0 = 0; row0 < m; row0 += chunk_max) {
                o->chunk_row0 = row0;
                o->chunk_rows = m - row0 < chunk_max ? m - row0 : chunk_max;
                albert__linear_pack(pool, o);
                albert__pool_run(pool, albert__f16_tiles_task, &job, tile_tasks);
            }
            ALBERT_FREE(job.wbuf);
            return;
        }
        ALBERT_FREE(job.wbuf);
        job.wbuf = NULL;
    }
#endif
    albert__pool_run(pool, albert__qlinear_scalar_task, &job, n < n_threads ? n : n_threads);
}

#ifdef ALBERT__X86_SIMD
/* Quantizes the rows of the chunk; thread `index` of `count` does its share. */
static void albert__q8_quantize_task(void *arg, int index, int count)
{
    const albert__qlinear_job *job = (const albert__qlinear_job *)arg;
    const albert__linear_job *o = &job->out;
    int i = (int)((int64_t)o->chunk_rows * index / count), end = (int)((int64_t)o->chunk_rows * (index + 1) / count);
    for (; i < end; i++)
        albert__quantize_row_avx2(o->x + (size_t)(o->chunk_row0 + i) * o->ldx, o->k, job->kp, job->vnni ? 2 : 1,
                                  job->xq + (size_t)i * job->kp, &job->xs[i], &job->xz[i]);
}

/* Thread `index` of `count` computes its range of W rows (blocks of 4) for all rows of the chunk, in groups of
   ALBERT__Q8_GROUP x rows whose tile gets bias, activation and residual by albert__linear_store_tile. */
static void albert__q8_tiles_task(void *arg, int index, int count)
{
    const albert__qlinear_job *job = (const albert__qlinear_job *)arg;
    const albert__linear_job *o = &job->out;
    int n_blocks = (o->n + ALBERT__Q8_ROWS - 1) / ALBERT__Q8_ROWS, tokens = job->vnni ? 4 : 2;
    int block_begin = (int)((int64_t)n_blocks * index / count), block_end = (int)((int64_t)n_blocks * (index + 1) / count);
    int blk, g0, t0, ii, tt;
    ALBERT__ALIGNED_FLOATS(tile, ALBERT__Q8_ROWS * ALBERT__Q8_GROUP);
    const int8_t *wrows[ALBERT__Q8_ROWS];
    const uint8_t *xrows[ALBERT__Q8_TOKENS];
    int32_t sums[ALBERT__Q8_ROWS], dots[ALBERT__Q8_ROWS][ALBERT__Q8_TOKENS];
    for (blk = block_begin; blk < block_end; blk++) {
        int j0 = blk * ALBERT__Q8_ROWS, rows_used = o->n - j0 < ALBERT__Q8_ROWS ? o->n - j0 : ALBERT__Q8_ROWS;
        for (ii = 0; ii < ALBERT__Q8_ROWS; ii++)
            wrows[ii] = job->w8 + (size_t)(j0 + (ii < rows_used ? ii : rows_used - 1)) * o->k;
        if (job->vnni) albert__row_sums_q8_avx2(o->k, wrows, sums);   /* for the zero points */
        else sums[0] = sums[1] = sums[2] = sums[3] = 0;                 /* symmetric: no zero points */
        for (g0 = 0; g0 < o->chunk_rows; g0 += ALBERT__Q8_GROUP) {
            int group = o->chunk_rows - g0 < ALBERT__Q8_GROUP ? o->chunk_rows - g0 : ALBERT__Q8_GROUP;
            for (t0 = 0; t0 < group; t0 += tokens) {
                int used = group - t0 < tokens ? group - t0 : tokens;
                for (tt = 0; tt < tokens; tt++) xrows[tt] = job->xq + (size_t)(g0 + t0 + (tt < used ? tt : 0)) * job->kp;
                if (job->vnni) albert__dot_q8_vnni(o->k, wrows, xrows, dots);
                else albert__dot_q8_avx2(o->k, wrows, xrows, dots);
                for (tt = 0; tt < used; tt++) {
                    int i = g0 + t0 + tt;
                    for (ii = 0; ii < rows_used; ii++)
                        tile[ii * ALBERT__Q8_GROUP + t0 + tt] =
                            job->xs[i] * job->w8_scale[j0 + ii] *
                            (float)((int64_t)dots[ii][tt] - (int64_t)job->xz[i] * sums[ii]);
                }
            }
            for (ii = 0; ii < ALBERT__Q8_ROWS; ii++)
                for (tt = ii < rows_used ? group : 0; tt < ALBERT__Q8_GROUP; tt++) tile[ii * ALBERT__Q8_GROUP + tt] = 0.0f;
            albert__linear_store_tile(o, tile, j0, rows_used, o->chunk_row0 + g0, group);
        }
    }
}
#endif /* ALBERT__X86_SIMD */

static void albert__linear_q8(albert__pool *pool, const float *x, int m, int k, const int8_t *w, const float *scale,
                              const float *b, int n, int act, const float *residual, float *y)
{
    albert__qlinear_job job;
    int n_threads = albert__pool_threads(pool);
    if (m <= 0 || n <= 0) return;
    albert__qlinear_job_init(&job, pool, x, m, k, b, n, act, residual, y);
    job.w8 = w;
    job.w8_scale = scale;
    if (k <= 0) {
        albert__qlinear_no_inputs(&job.out);
        return;
    }
#ifdef ALBERT__X86_SIMD
    if (job.out.isa != ALBERT__ISA_SCALAR) {
        /* the pack buffer holds, per chunk: scales and zero points (16-float blocks), then rows of kp bytes */
        size_t pack_bytes = ALBERT__PACK_FLOATS * sizeof(float), kp = ((size_t)k + 63) / 64 * 64;
        size_t rows_fit = pack_bytes / (kp + 2 * sizeof(float)), chunk_max = rows_fit > 32 ? rows_fit - 32 : 0;
        /* k <= 32768 keeps every int32 sum (at most k * 255 * 127, twice) from overflowing */
        if (chunk_max >= 1 && k <= 32768) {
            albert__linear_job *o = &job.out;
            int n_blocks = (n + ALBERT__Q8_ROWS - 1) / ALBERT__Q8_ROWS, row0;
            int tile_tasks = n_blocks < n_threads ? n_blocks : n_threads;
            size_t chunk_rows16;
            if (chunk_max > (size_t)m) chunk_max = (size_t)m;
            chunk_rows16 = albert__round16(chunk_max);
            job.vnni = o->isa == ALBERT__ISA_AVX512 && albert__cpu_has_vnni();
            job.kp = (int)kp;
            o->nr = ALBERT__Q8_GROUP;   /* the row stride of the tiles given to albert__linear_store_tile */
            o->mr = ALBERT__Q8_ROWS;
            job.xs = pool->pack;
            job.xz = (int32_t *)(void *)(pool->pack + chunk_rows16);
            job.xq = (uint8_t *)(void *)(pool->pack + 2 * chunk_rows16);
            for (row0 = 0; row0 < m; row0 += (int)chunk_max) {
                int quant_tasks;
                o->chunk_row0 = row0;
                o->chunk_rows = m - row0 < (int)chunk_max ? m - row0 : (int)chunk_max;
                quant_tasks = o->chunk_rows < n_threads ? o->chunk_rows : n_threads;
                if ((size_t)o->chunk_rows * (size_t)k < 16384) quant_tasks = 1;
                albert__pool_run(pool, albert__q8_quantize_task, &job, quant_tasks);
                albert__pool_run(pool, albert__q8_tiles_task, &job, tile_tasks);
            }
            return;
        }
    }
#endif
    albert__pool_run(pool, albert__qlinear_scalar_task, &job, n < n_threads ? n : n_threads);
}

/* ---------------------------------------------------------------- 12.6 packed weights (layout 1): int8 and bf16
   The converter writes the encoder's matrices (q, k, v, o, ffn, ffn_out) packed for the dot-product units:
   W [n x k] as [ceil(n/16)][kp/g][16][g] (kp = k rounded up to 64; g = 4 int8 or 2 bf16 values), i.e. for each
   block of 16 output columns, k in groups of g consecutive inputs, each group holding the 16 columns' g values.
   One 64-byte line is what vpdpbusd / vdpbf16ps multiply with a broadcast group of x, and 16 lines (64 inputs of
   int8, 32 of bf16) are one AMX B tile, loaded as they are. q8 also has "<name>.sum" (i32 [n], the sum of each
   column's int8 weights) for the activations' zero point.

   int8: x is quantized once per call (Q, K and V share it) per row, u8 with a zero point (VNNI and AMX: x ~ sx (u -
   z), symmetric range [-max|x|, max|x|] in 254 steps, z = 127) or s8 (the AVX2 kernel, vpmaddubsw with the sign
   trick). The int32 dot products get y = sx scale_j (dot - z sum_j) + b_j, activation and residual in the store.
   Kernels (the fastest available; each reads the same bytes):
     AMX    tiles of 16 x 64 bytes: 2 x tiles (32 rows) times 2 W tiles (32 columns) per step of 64 inputs;
     VNNI   AVX-512 vpdpbusd: 8 rows x 32 columns in 16 registers per group of 4 inputs;
     AVX2   vpmaddubsw(|x|, w sign(x)) + vpmaddwd: 4 rows x 16 columns (s8 activations);
     scalar float x times the int8 weights, in order (the contract).
   bf16: AMX-BF16 (tdpbf16ps) or AVX-512 BF16 (vdpbf16ps) on x rounded to bf16 once per call; f32 accumulation.
   Without them the weights are widened to f32 (a shift) and multiplied with f32 x by FMA (AVX-512 / AVX2) or in
   scalar code. */
#define ALBERT__PK_UNIT 32       /* output columns per work unit (two 16-column blocks) */
#define ALBERT__PK_GROUP 3       /* most matrices sharing one x per call (Q, K, V) */

enum { ALBERT__PK_SCALAR = 0, ALBERT__PK_AVX2 = 1, ALBERT__PK_VNNI = 2, ALBERT__PK_AMX = 3, ALBERT__PK_WIDE512 = 4,
       ALBERT__PK_DPBF16 = 5 };

typedef struct albert__pk_job {
    int m, k, kp;                 /* rows of x, row length, padded row length */
    const float *x;               /* [m x k] */
    int kind;                     /* ALBERT__PK_* */
    int isa;
    int dtype;                    /* ALBERT__Q8 or ALBERT__BF16 */
    /* the prepared input, [mp x kp], mp = m rounded up to 16 (zero rows past m): */
    uint8_t *xq;                  /* int8 kernels: u8 (VNNI, AMX) or s8 (AVX2) */
    uint16_t *xb;                 /* bf16 kernels (AMX, DPBF16) */
    float *xs;                    /* int8: [mp] scale of each row */
    int32_t *xz;                  /* int8: [mp] zero point of each row */
    int count;                    /* matrices */
    const albert__matrix *w[ALBERT__PK_GROUP];
    const float *b[ALBERT__PK_GROUP], *residual[ALBERT__PK_GROUP];
    float *y[ALBERT__PK_GROUP];
    int act;
    int units[ALBERT__PK_GROUP + 1]; /* first unit of each matrix; units[count] = all */
    int next_unit;                /* the shared counter handing out units */
} albert__pk_job;

/* Index of W[j][t] in a packed matrix (kp = padded k, g values per group). */
static size_t albert__pk_index(int j, int t, int kp, int g)
{
    return (((size_t)(j / 16) * (size_t)(kp / g) + (size_t)(t / g)) * 16 + (size_t)(j % 16)) * (size_t)g + (size_t)(t % g);
}

static float albert__bf16_to_float(uint16_t h)
{
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static uint16_t albert__float_to_bf16(float f)   /* round to nearest even (NaN stays NaN) */
{
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((bits >> 16) | 0x40u);
    return (uint16_t)((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

#ifdef ALBERT__X86_SIMD
/* The store of one finished block: rows t0..t0+rows-1 of x, columns j0..j0+cols-1 of matrix mi; c[r * 32 + jj] the
   int32 dot products (q8: then dequantized) or the float sums (bf16). The AVX2 paths' store (plain C). */
static void albert__pk_store(const albert__pk_job *job, int mi, int t0, int rows, int j0, int cols, const void *c)
{
    const albert__matrix *w = job->w[mi];
    int n = w->rows, r, jj;
    float v[ALBERT__PK_UNIT];
    for (r = 0; r < rows; r++) {
        int t = t0 + r;
        float *yr = job->y[mi] + (size_t)t * n + j0;
        if (job->dtype == ALBERT__Q8) {
            const int32_t *cr = (const int32_t *)c + r * ALBERT__PK_UNIT;
            float sx = job->xs[t];
            int32_t z = job->xz[t];
            for (jj = 0; jj < cols; jj++)
                v[jj] = sx * w->scale[j0 + jj] * (float)(cr[jj] - (z ? z * w->sums[j0 + jj] : 0));
        } else {
            const float *cr = (const float *)c + r * ALBERT__PK_UNIT;
            for (jj = 0; jj < cols; jj++) v[jj] = cr[jj];
        }
        if (job->b[mi])
            for (jj = 0; jj < cols; jj++) v[jj] += job->b[mi][j0 + jj];
        if (job->act && job->act != ALBERT_ACT_LINEAR) albert__activate_array(v, cols, job->act, job->isa);
        if (job->residual[mi]) {
            const float *rr = job->residual[mi] + (size_t)t * n + j0;
            for (jj = 0; jj < cols; jj++) yr[jj] = v[jj] + rr[jj];
        } else {
            for (jj = 0; jj < cols; jj++) yr[jj] = v[jj];
        }
    }
}
#endif /* ALBERT__X86_SIMD */

/* The contract in scalar code: rows t0.. of x (floats) times the unit's columns. */
static void albert__pk_unit_scalar(const albert__pk_job *job, int mi, int j0, int cols)
{
    const albert__matrix *w = job->w[mi];
    float c[ALBERT__PK_UNIT];
    int t, jj, kk;
    for (t = 0; t < job->m; t++) {
        const float *xr = job->x + (size_t)t * job->k;
        float *yr = job->y[mi] + (size_t)t * w->rows + j0;
        for (jj = 0; jj < cols; jj++) {
            float s = 0.0f;
            int j = j0 + jj;
            if (job->dtype == ALBERT__Q8) {
                const int8_t *q = (const int8_t *)w->data;
                for (kk = 0; kk < job->k; kk++) s += xr[kk] * (float)q[albert__pk_index(j, kk, w->kp, 4)];
                s *= w->scale[j];
            } else {
                const uint16_t *h = (const uint16_t *)w->data;
                for (kk = 0; kk < job->k; kk++) s += xr[kk] * albert__bf16_to_float(h[albert__pk_index(j, kk, w->kp, 2)]);
            }
            if (job->b[mi]) s += job->b[mi][j];
            c[jj] = s;
        }
        if (job->act && job->act != ALBERT_ACT_LINEAR) albert__activate_array(c, cols, job->act, ALBERT__ISA_SCALAR);
        for (jj = 0; jj < cols; jj++)
            yr[jj] = c[jj] + (job->residual[mi] ? job->residual[mi][(size_t)t * w->rows + j0 + jj] : 0.0f);
    }
}

#ifdef ALBERT__X86_SIMD
/* The AVX-512 store of a block (as albert__pk_store). */
ALBERT__AVX512 static void albert__pk_store_avx512(const albert__pk_job *job, int mi, int t0, int rows, int j0, int cols,
                                                   const void *c)
{
    const albert__matrix *w = job->w[mi];
    int n = w->rows, r, h;
    const float *bias = job->b[mi], *res = job->residual[mi];
    for (h = 0; h * 16 < cols; h++) {
        int jh = j0 + h * 16, left = cols - h * 16;
        __mmask16 mask = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1u);
        __m512 vb = bias ? _mm512_maskz_loadu_ps(mask, bias + jh) : _mm512_setzero_ps(), vs = vb;
        __m512i vcorr = _mm512_setzero_si512();
        if (job->dtype == ALBERT__Q8) {   /* u8 rows have zero point 127 (or scale 0: then any correction is fine) */
            vs = _mm512_maskz_loadu_ps(mask, w->scale + jh);
            vcorr = _mm512_mullo_epi32(_mm512_maskz_loadu_epi32(mask, w->sums + jh), _mm512_set1_epi32(127));
        }
        for (r = 0; r < rows; r++) {
            int t = t0 + r;
            __m512 v;
            if (job->dtype == ALBERT__Q8) {
                __m512i acc = _mm512_loadu_si512((const void *)((const int32_t *)c + r * ALBERT__PK_UNIT + h * 16));
                acc = _mm512_sub_epi32(acc, vcorr);
                v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc), _mm512_mul_ps(vs, _mm512_set1_ps(job->xs[t])), vb);
            } else {
                v = _mm512_add_ps(_mm512_loadu_ps((const float *)c + r * ALBERT__PK_UNIT + h * 16), vb);
            }
            if (job->act && job->act != ALBERT_ACT_LINEAR) v = albert__activate16_any(v, job->act);
            if (res) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, res + (size_t)t * n + jh));
            _mm512_mask_storeu_ps(job->y[mi] + (size_t)t * n + jh, mask, v);
        }
    }
}

#endif /* ALBERT__X86_SIMD */

/* Runs the unit (matrix mi, columns j0 .. j0 + cols - 1 <= 32) over every row of x. */
static void albert__pk_unit(const albert__pk_job *job, int mi, int j0, int cols, void *cbuf)
{
#ifdef ALBERT__X86_SIMD
    const albert__matrix *w = job->w[mi];
    int kp = job->kp, m = job->m, t0, jb = j0 / 16, last_jb = (w->rows + 15) / 16 - 1;
    size_t block = (size_t)kp * 16;   /* elements per 16-column block */
    int32_t *ci = (int32_t *)cbuf;
    float *cf = (float *)cbuf;
    if (job->dtype == ALBERT__Q8) {
        const int8_t *b0 = (const int8_t *)w->data + (size_t)jb * block;
        const int8_t *b1 = jb + 1 <= last_jb ? b0 + block : b0;
        switch (job->kind) {
#ifdef ALBERT__HAVE_AMX
        case ALBERT__PK_AMX:
            for (t0 = 0; t0 < m; t0 += 32) {
                int rows = m - t0 < 32 ? m - t0 : 32;
                albert__pk_amx_i8(job->xq + (size_t)t0 * kp, (size_t)kp, rows > 16, b0, b1, kp, ci);
                albert__pk_store_avx512(job, mi, t0, rows, j0, cols, ci);
            }
            return;
#endif
        case ALBERT__PK_VNNI:
            for (t0 = 0; t0 < m; t0 += 8) {
                int rows = m - t0 < 8 ? m - t0 : 8;
                albert__pk_vnni_8x32(job->xq + (size_t)t0 * kp, (size_t)kp, b0, b1, kp, ci);
                albert__pk_store_avx512(job, mi, t0, rows, j0, cols, ci);
            }
            return;
        case ALBERT__PK_AVX2:
            for (t0 = 0; t0 < m; t0 += 4) {
                int rows = m - t0 < 4 ? m - t0 : 4;
                albert__pk_avx2_4x16(job->xq + (size_t)t0 * kp, (size_t)kp, b0, kp, ci);
                if (cols > 16) albert__pk_avx2_4x16(job->xq + (size_t)t0 * kp, (size_t)kp, b1, kp, ci + 16);
                albert__pk_store(job, mi, t0, rows, j0, cols, ci);
            }
            return;
        default: break;
        }
    } else {
        const uint16_t *b0 = (const uint16_t *)w->data + (size_t)jb * block;
        const uint16_t *b1 = jb + 1 <= last_jb ? b0 + block : b0;
        switch (job->kind) {
#ifdef ALBERT__HAVE_AMX
        case ALBERT__PK_AMX:
            for (t0 = 0; t0 < m; t0 += 32) {
                int rows = m - t0 < 32 ? m - t0 : 32;
                albert__pk_amx_bf16(job->xb + (size_t)t0 * kp, (size_t)kp, rows > 16, b0, b1, kp, cf);
                albert__pk_store_avx512(job, mi, t0, rows, j0, cols, cf);
            }
            return;
#endif
        case ALBERT__PK_DPBF16:
            for (t0 = 0; t0 < m; t0 += 8) {
                int rows = m - t0 < 8 ? m - t0 : 8;
                albert__pk_dpbf16_8x32(job->xb + (size_t)t0 * kp, (size_t)kp, b0, b1, kp, cf);
                albert__pk_store_avx512(job, mi, t0, rows, j0, cols, cf);
            }
            return;
        case ALBERT__PK_WIDE512:
            for (t0 = 0; t0 < m; t0 += 8) {
                int rows = m - t0 < 8 ? m - t0 : 8;
                albert__pk_wide512(job->x + (size_t)t0 * job->k, (size_t)job->k, rows, job->k, b0, b1, cf);
                albert__pk_store_avx512(job, mi, t0, rows, j0, cols, cf);
            }
            return;
        case ALBERT__PK_AVX2:
            for (t0 = 0; t0 < m; t0 += 4) {
                int rows = m - t0 < 4 ? m - t0 : 4;
                albert__pk_wide256(job->x + (size_t)t0 * job->k, (size_t)job->k, rows, job->k, b0, cf);
                if (cols > 16) albert__pk_wide256(job->x + (size_t)t0 * job->k, (size_t)job->k, rows, job->k, b1, cf + 16);
                albert__pk_store(job, mi, t0, rows, j0, cols, cf);
            }
            return;
        default: break;
        }
    }
#else
    (void)cbuf;
#endif
    albert__pk_unit_scalar(job, mi, j0, cols);
}

/* Thread `index` of `count`: takes units (32 columns of one matrix, all rows) until none are left. */
static void albert__pk_task(void *arg, int index, int count)
{
    albert__pk_job *job = (albert__pk_job *)arg;
    int32_t cbuf_block[32 * ALBERT__PK_UNIT + 16];
    int32_t *cbuf = cbuf_block + (16 - (size_t)((uintptr_t)cbuf_block / sizeof(int32_t) % 16)) % 16;
    int u, total = job->units[job->count];
#if ALBERT__SHARED_COUNTER
    (void)index;
    (void)count;
#else
    int u_end = (int)((int64_t)total * (index + 1) / count);
    u = (int)((int64_t)total * index / count);
#endif
#ifdef ALBERT__HAVE_AMX
    if (job->kind == ALBERT__PK_AMX) albert__amx_begin();
#endif
    for (;;) {
        int mi = 0, j0, cols;
#if ALBERT__SHARED_COUNTER
        u = ALBERT__NEXT_ITEM(&job->next_unit);
        if (u >= total) break;
#else
        if (u >= u_end) break;
#endif
        while (u >= job->units[mi + 1]) mi++;
        j0 = (u - job->units[mi]) * ALBERT__PK_UNIT;
        cols = job->w[mi]->rows - j0 < ALBERT__PK_UNIT ? job->w[mi]->rows - j0 : ALBERT__PK_UNIT;
        albert__pk_unit(job, mi, j0, cols, cbuf);
#if !ALBERT__SHARED_COUNTER
        u++;
#endif
    }
#ifdef ALBERT__HAVE_AMX
    if (job->kind == ALBERT__PK_AMX) albert__amx_end();
#endif
}

/* Prepares rows of x for the int8 / bf16 kernels; thread `index` of `count` does its share of the mp rows. */
static void albert__pk_prepare_task(void *arg, int index, int count)
{
    const albert__pk_job *job = (const albert__pk_job *)arg;
    int mp = (job->m + 15) / 16 * 16, kp = job->kp;
    int i = (int)((int64_t)mp * index / count), end = (int)((int64_t)mp * (index + 1) / count);
    for (; i < end; i++) {
        const float *xr = job->x + (size_t)i * job->k;
        if (job->dtype == ALBERT__Q8) {
            uint8_t *out = job->xq + (size_t)i * kp;
            if (i >= job->m) {
                memset(out, 0, (size_t)kp);
                job->xs[i] = 0.0f;
                job->xz[i] = 0;
                continue;
            }
#ifdef ALBERT__X86_SIMD
            if (job->kind == ALBERT__PK_AMX || job->kind == ALBERT__PK_VNNI)
                albert__quantize_row_u8_avx512(xr, job->k, kp, out, &job->xs[i], &job->xz[i]);
            else
                albert__quantize_row_avx2(xr, job->k, kp, 1, out, &job->xs[i], &job->xz[i]);
#endif
        } else {
            uint16_t *out = job->xb + (size_t)i * kp;
            int j;
            if (i >= job->m) {
                memset(out, 0, (size_t)kp * sizeof(uint16_t));
                continue;
            }
#ifdef ALBERT__X86_SIMD
            if (job->kind == ALBERT__PK_AMX || job->kind == ALBERT__PK_DPBF16) {
                albert__to_bf16_row_avx512(xr, job->k, kp, out);
                continue;
            }
#endif
            for (j = 0; j < kp; j++) out[j] = j < job->k ? albert__float_to_bf16(xr[j]) : 0;
        }
    }
}

/* The kernel for this pool and dtype. */
static int albert__pk_kind(const albert__pool *pool, int dtype)
{
    int isa = albert__pool_isa(pool), f = pool ? pool->features : 0;
    if (isa == ALBERT__ISA_AVX512) {
        if (dtype == ALBERT__Q8) return (f & ALBERT__FEAT_AMX_INT8) ? ALBERT__PK_AMX : (f & ALBERT__FEAT_VNNI) ? ALBERT__PK_VNNI : ALBERT__PK_AVX2;
        return (f & ALBERT__FEAT_AMX_BF16) ? ALBERT__PK_AMX : (f & ALBERT__FEAT_BF16) ? ALBERT__PK_DPBF16 : ALBERT__PK_WIDE512;
    }
    if (isa == ALBERT__ISA_AVX2) return ALBERT__PK_AVX2;
    return ALBERT__PK_SCALAR;
}

/* y_i = act(x W_i^T + b_i) + residual_i for count (<= 3) packed matrices of one dtype with the same k, sharing
   the preparation of x. */
static void albert__linear_packed(albert__pool *pool, const float *x, int m, int count, const albert__matrix *const *w,
                                  const float *const *b, int act, const float *const *residual, float *const *y)
{
    albert__pk_job job;
    int n_threads = albert__pool_threads(pool), i, k = w[0]->cols, row0;
    size_t row_bytes, chunk_max;
    if (m <= 0) return;
    memset(&job, 0, sizeof job);
    job.k = k;
    job.kp = w[0]->kp;
    job.dtype = (int)w[0]->dtype;
    job.isa = albert__pool_isa(pool);
    job.kind = albert__pk_kind(pool, job.dtype);
    job.count = count;
    job.act = act;
    for (i = 0; i < count; i++) {
        job.w[i] = w[i];
        job.units[i + 1] = job.units[i] + (w[i]->rows + ALBERT__PK_UNIT - 1) / ALBERT__PK_UNIT;
    }
    /* the pack buffer: [mp] scales, [mp] zero points, then the prepared rows; chunks of rows that fit */
    row_bytes = (size_t)job.kp * (job.dtype == ALBERT__Q8 ? 1 : 2) + 2 * sizeof(float);
    chunk_max = (ALBERT__PACK_FLOATS * sizeof(float) - 128) / row_bytes / 32 * 32;
    for (row0 = 0; row0 < m; row0 += (int)chunk_max) {
        int rows = m - row0 < (int)chunk_max ? m - row0 : (int)chunk_max, mp = (rows + 15) / 16 * 16;
        job.m = rows;
        job.x = x + (size_t)row0 * k;
        for (i = 0; i < count; i++) {
            job.b[i] = b[i];
            job.residual[i] = residual[i] ? residual[i] + (size_t)row0 * w[i]->rows : NULL;
            job.y[i] = y[i] + (size_t)row0 * w[i]->rows;
        }
        job.xs = pool->pack;
        job.xz = (int32_t *)(void *)(pool->pack + mp);
        job.xq = (uint8_t *)(void *)(pool->pack + 2 * (size_t)mp);
        job.xb = (uint16_t *)(void *)job.xq;
        job.next_unit = 0;
        if (job.kind != ALBERT__PK_SCALAR && job.kind != ALBERT__PK_WIDE512 &&
            !(job.kind == ALBERT__PK_AVX2 && job.dtype == ALBERT__BF16)) {
            int tasks = (size_t)rows * (size_t)k < 16384 ? 1 : (mp / 16 < n_threads ? mp / 16 : n_threads);
            albert__pool_run(pool, albert__pk_prepare_task, &job, tasks < 1 ? 1 : tasks);
        }
        albert__pool_run(pool, albert__pk_task, &job, job.units[count] < n_threads ? job.units[count] : n_threads);
    }
}

/* ---------------------------------------------------------------- 12.7 weights of any dtype */
/* y[m x rows] = act(x[m x cols] W^T + b) + residual, for W in any of the file's dtypes. */
static void albert__dense(albert__pool *pool, const float *x, int m, const albert__matrix *w, const float *b, int act,
                           const float *residual, float *y)
{
    if (w->layout == ALBERT__LAYOUT_PACKED) {
        const albert__matrix *ws[1];
        const float *bs[1], *rs[1];
        float *ys[1];
        ws[0] = w, bs[0] = b, rs[0] = residual, ys[0] = y;
        albert__linear_packed(pool, x, m, 1, ws, bs, act, rs, ys);
    } else if (w->dtype == ALBERT__F16)
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
    if (w->layout == ALBERT__LAYOUT_PACKED) {
        for (j = 0; j < w->cols; j++) {
            size_t i = albert__pk_index(r, j, w->kp, w->dtype == ALBERT__Q8 ? 4 : 2);
            out[j] = w->dtype == ALBERT__Q8 ? w->scale[r] * (float)((const int8_t *)w->data)[i]
                                            : albert__bf16_to_float(((const uint16_t *)w->data)[i]);
        }
    } else if (w->dtype == ALBERT__F16) {
        const uint16_t *p = (const uint16_t *)w->data + at;
        for (j = 0; j < w->cols; j++) out[j] = albert__half_to_float(p[j]);
    } else if (w->dtype == ALBERT__Q8) {
        const int8_t *p = (const int8_t *)w->data + at;
        for (j = 0; j < w->cols; j++) out[j] = w->scale[r] * (float)p[j];
    } else {
        memcpy(out, (const float *)w->data + at, sizeof(float) * (size_t)w->cols);
    }
}

/* ============================================================================================== */
/* ==== 13. Context: per-thread scratch memory ================================================== */
/* ============================================================================================== */
struct albert_context {
    const albert_model *model;
    int32_t max_tokens;
    albert__pool *pool;
    float *emb;          /* [T x E] embeddings, then MLM transform */
    float *x;            /* [T x H] the hidden state between layers */
    float *q, *k, *v;    /* [T x H] */
    float *attn;         /* [T x H] attention context, then the attention block's output */
    float *ffn;          /* [round64(min(T, ALBERT__FFN_ROWS)) x I]: rows, or W2's packed x (albert__linear_panels_fit) */
    float *kernel_scratch;
    void *float_block;   /* the allocation that holds the float buffers above, each 64-byte aligned */
    size_t memory;       /* bytes allocated for the context (albert_context_memory) */
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

/* Logical processors online: every processor group's on Windows (GetActiveProcessorCount; GetSystemInfo before
   Windows 7), sysconf elsewhere. */
static int albert__online_cores(void)
{
#if !defined(ALBERT_NO_THREADS) && defined(_WIN32)
#if defined(ALL_PROCESSOR_GROUPS) && (!defined(_WIN32_WINNT) || _WIN32_WINNT >= 0x0601)
    DWORD n = GetActiveProcessorCount(ALL_PROCESSOR_GROUPS);
#else
    DWORD n;
    SYSTEM_INFO info;
    GetSystemInfo(&info);
    n = info.dwNumberOfProcessors;
#endif
    return n < 1 ? 1 : (n > 256 ? 256 : (int)n);
#elif !defined(ALBERT_NO_THREADS) && defined(_SC_NPROCESSORS_ONLN)
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
    ALBERT_FREE(ctx->float_block);
    ALBERT_FREE(ctx->mask);
    ALBERT_FREE(ctx->row_source);
    ALBERT_FREE(ctx->seq_first);
    ALBERT_FREE(ctx);
}

/* Allocates ctx->float_block and points each *buffers[i] at floats[i] floats of it, each buffer starting on a
   64-byte cache line: the linear layers' tasks write whole lines of their output rows (see
   albert__linear_task_blocks) and attention's a head's columns, so with aligned rows no two threads write one
   line. Returns 0 if the sizes overflow or there is no memory. */
static int albert__alloc_float_buffers(albert_context *ctx, float **const *buffers, const size_t *floats, int count)
{
    size_t offsets[8], total = 0, max_floats = (size_t)-1 / sizeof(float) - 64;
    float *base;
    int i;
    if (count > 8) return 0;
    for (i = 0; i < count; i++) {
        if (total > max_floats || floats[i] > max_floats - total) return 0;
        offsets[i] = total;
        total += floats[i] / 16 * 16 + 16; /* whole lines of 16 floats, at least one */
    }
    ctx->float_block = ALBERT_MALLOC(sizeof(float) * (total + 16));
    if (!ctx->float_block) return 0;
    base = (float *)ctx->float_block + (16 - (size_t)((uintptr_t)ctx->float_block / sizeof(float) % 16)) % 16;
    for (i = 0; i < count; i++) *buffers[i] = base + offsets[i];
    ctx->memory += sizeof(float) * (total + 16);
    return 1;
}

ALBERT_DEF albert_result albert_context_create(const albert_model *model, const albert_context_params *params,
                                               albert_context **context)
{
    albert_context_params p = params ? *params : albert_context_default_params();
    const albert_config *c;
    albert_context *ctx;
    size_t T, H, E, I, floats[8];
    float **buffers[8];
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
    buffers[0] = &ctx->emb, floats[0] = T * E;
    buffers[1] = &ctx->x, floats[1] = T * H;
    buffers[2] = &ctx->q, floats[2] = T * H;
    buffers[3] = &ctx->k, floats[3] = T * H;
    buffers[4] = &ctx->v, floats[4] = T * H;
    buffers[5] = &ctx->attn, floats[5] = T * H;
    buffers[6] = &ctx->ffn, floats[6] = ((T < ALBERT__FFN_ROWS ? T : ALBERT__FFN_ROWS) + 63) / 64 * 64 * I;
    buffers[7] = &ctx->kernel_scratch;
    floats[7] = albert__kernel_scratch_floats(
        (int)(T < (size_t)c->max_position_embeddings ? T : (size_t)c->max_position_embeddings),
        c->hidden_size / c->num_attention_heads, n_threads);
    ctx->mask = (int32_t *)ALBERT_MALLOC(sizeof(int32_t) * T);
    ctx->row_source = (int32_t *)ALBERT_MALLOC(sizeof(int32_t) * T);
    ctx->seq_first = (int32_t *)ALBERT_MALLOC(sizeof(int32_t) * (T + 1));
    if (!albert__alloc_float_buffers(ctx, buffers, floats, 8) || !ctx->mask || !ctx->row_source || !ctx->seq_first) {
        albert_context_free(ctx);
        return ALBERT_ERR_MEMORY;
    }
    ctx->pool = albert__pool_create(n_threads);
    if (!ctx->pool) {
        albert_context_free(ctx);
        return ALBERT_ERR_THREADS;
    }
    ctx->memory += sizeof(albert_context) + sizeof(int32_t) * (3 * T + 1) + albert__pool_memory(ctx->pool);
    *context = ctx;
    return ALBERT_OK;
}

ALBERT_DEF size_t albert_context_memory(const albert_context *context)
{
    return context ? context->memory : 0;
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

/* ============================================================================================== */
/* ==== 14. The forward pass: embeddings -> projection -> shared layers x N -> heads ============ */
/* ============================================================================================== */
/* --------------------------------- 14.1 embeddings (ALBERT: LayerNorm in E, then E -> H; brightmart: E -> H first) */
/* For every computed row: its word vector (gather) and/or + its position and token-type rows (add), in out. */
typedef struct albert__embed_job {
    const albert_model *model;
    const albert_batch *batch;
    const int32_t *row_source;   /* NULL = every row */
    int32_t n_rows;
    int gather, add;             /* out = word row [E]; out += position row + token-type row [width] */
    int32_t width;               /* of out's rows: E, or H when only adding (brightmart) */
    float *out;
} albert__embed_job;

static void albert__embed_rows(void *arg, int index, int count)
{
    const albert__embed_job *job = (const albert__embed_job *)arg;
    const albert_model *m = job->model;
    const albert_batch *b = job->batch;
    int32_t W = job->width, n = job->n_rows, j;
    int32_t row = (int32_t)((int64_t)n * index / count), end = (int32_t)((int64_t)n * (index + 1) / count);
    for (; row < end; row++) {
        int32_t source = job->row_source ? job->row_source[row] : row;
        int32_t position = source % b->seq_len;   /* HF counts positions from 0 in every row, pads included */
        const float *p = m->position + (size_t)position * W;
        const float *y = m->token_type + (size_t)(b->token_type_ids ? b->token_type_ids[source] : 0) * W;
        float *o = job->out + (size_t)row * W;
        if (job->gather) albert__matrix_row(&m->word, b->input_ids[source], o);
        if (job->add)
            for (j = 0; j < W; j++) o[j] += p[j] + y[j];
    }
}

static void albert__embed_pass(albert_context *ctx, const albert_batch *b, int gather, int add, int32_t width,
                               float *out)
{
    albert__embed_job job;
    job.model = ctx->model;
    job.batch = b;
    job.row_source = ctx->packed ? ctx->row_source : NULL;
    job.n_rows = ctx->n_rows;
    job.gather = gather;
    job.add = add;
    job.width = width;
    job.out = out;
    albert__pool_run(ctx->pool, albert__embed_rows, &job, ctx->n_rows < 64 ? 1 : 4);
}

/* The embeddings in H, hidden layer 0, into ctx->x [T x H] (uses ctx->emb [T x E]).
   ALBERT: LayerNorm over E of word + position + token type, then the E -> H projection.
   brightmart: the word vector projected to H first (no bias), then + position + token type [H], LayerNorm over H. */
static void albert__embed(albert_context *ctx, const albert_batch *b)
{
    const albert_model *m = ctx->model;
    const albert_config *c = &m->config;
    int32_t T = ctx->n_rows;
    if (c->architecture == ALBERT_ARCH_BRIGHTMART) {
        albert__embed_pass(ctx, b, 1, 0, c->embedding_size, ctx->emb);
        albert__dense(ctx->pool, ctx->emb, T, &m->proj_w, NULL, 0, NULL, ctx->x);
        albert__embed_pass(ctx, b, 0, 1, c->hidden_size, ctx->x);
        albert__layer_norm(ctx->pool, ctx->x, T, c->hidden_size, m->emb_norm_w, m->emb_norm_b, c->layer_norm_eps);
        return;
    }
    albert__embed_pass(ctx, b, 1, 1, c->embedding_size, ctx->emb);
    albert__layer_norm(ctx->pool, ctx->emb, T, c->embedding_size, m->emb_norm_w, m->emb_norm_b, c->layer_norm_eps);
    albert__dense(ctx->pool, ctx->emb, T, &m->proj_w, m->proj_b, 0, NULL, ctx->x);
}

/* ---------------------------- 14.2 the shared layer: attention, feed-forward, each add & norm (pre-LN: norm first) */
/* One Transformer layer, in place on ctx->x [T x H].
   Post-LN (ALBERT; brightmart's default):  a = LN_attn(x + attention(x)),  x = LN_ffn(a + ffn(a)).
   Pre-LN (brightmart ln_type "preln"):     a = x + attention(LN_attn(x)),  x = a + ffn(LN_ffn(a)). */
static void albert__layer_forward(albert_context *ctx, const albert__layer *l, const albert_batch *b,
                                  const int32_t *mask)
{
    const albert_config *c = &ctx->model->config;
    int T = ctx->n_rows, H = c->hidden_size, heads = c->num_attention_heads, s, r0, pre_ln = c->pre_layer_norm;
    float eps = c->layer_norm_eps;
    const float *in = ctx->x, *ffn_in = ctx->q;   /* the attention's and the feed-forward's inputs */
    if (pre_ln) {   /* LN_attn(x) into attn, free until the attention writes it */
        memcpy(ctx->attn, ctx->x, sizeof(float) * (size_t)T * H);
        albert__layer_norm(ctx->pool, ctx->attn, T, H, l->attn_norm_w, l->attn_norm_b, eps);
        in = ctx->attn;
    }
    if (l->q_w.dtype == ALBERT__F32 && l->k_w.dtype == ALBERT__F32 && l->v_w.dtype == ALBERT__F32) {
        /* x packed once for the three projections, one job (albert__linear_group) */
        const float *w[3], *bias[3];
        float *y[3];
        w[0] = (const float *)l->q_w.data, w[1] = (const float *)l->k_w.data, w[2] = (const float *)l->v_w.data;
        bias[0] = l->q_b, bias[1] = l->k_b, bias[2] = l->v_b;
        y[0] = ctx->q, y[1] = ctx->k, y[2] = ctx->v;
        albert__linear_group(ctx->pool, in, T, H, H, 3, w, bias, y);
    } else if (l->q_w.layout == ALBERT__LAYOUT_PACKED && l->k_w.layout == ALBERT__LAYOUT_PACKED &&
               l->v_w.layout == ALBERT__LAYOUT_PACKED && l->q_w.dtype == l->k_w.dtype && l->q_w.dtype == l->v_w.dtype) {
        /* x quantized (or rounded to bf16) once for the three projections, one job */
        const albert__matrix *w[3];
        const float *bias[3], *res[3];
        float *y[3];
        w[0] = &l->q_w, w[1] = &l->k_w, w[2] = &l->v_w;
        bias[0] = l->q_b, bias[1] = l->k_b, bias[2] = l->v_b;
        res[0] = res[1] = res[2] = NULL;
        y[0] = ctx->q, y[1] = ctx->k, y[2] = ctx->v;
        albert__linear_packed(ctx->pool, in, T, 3, w, bias, 0, res, y);
    } else {
        albert__dense(ctx->pool, in, T, &l->q_w, l->q_b, 0, NULL, ctx->q);
        albert__dense(ctx->pool, in, T, &l->k_w, l->k_b, 0, NULL, ctx->k);
        albert__dense(ctx->pool, in, T, &l->v_w, l->v_b, 0, NULL, ctx->v);
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
    /* attention output a = x + dense(context) (post-LN: then LN_attn), into q (free now) */
    albert__dense(ctx->pool, ctx->attn, T, &l->o_w, l->o_b, 0, ctx->x, ctx->q);
    if (!pre_ln) {
        albert__layer_norm(ctx->pool, ctx->q, T, H, l->attn_norm_w, l->attn_norm_b, eps);
    } else {        /* LN_ffn(a) into attn (free again): the feed-forward's input */
        memcpy(ctx->attn, ctx->q, sizeof(float) * (size_t)T * H);
        albert__layer_norm(ctx->pool, ctx->attn, T, H, l->ffn_norm_w, l->ffn_norm_b, eps);
        ffn_in = ctx->attn;
    }
    /* feed-forward: a + W2 act(W1 ffn_in + b1) + b2 (post-LN: then LN_ffn), back into x; ALBERT__FFN_ROWS tokens at
       a time */
    for (r0 = 0; r0 < T; r0 += ALBERT__FFN_ROWS) {
        int rows = T - r0 < ALBERT__FFN_ROWS ? T - r0 : ALBERT__FFN_ROWS;
        size_t at = (size_t)r0 * H;
        if (l->ffn_w.dtype == ALBERT__F32 && l->ffn_out_w.dtype == ALBERT__F32 &&
            albert__linear_panels_fit(ctx->pool, rows, l->ffn_w.cols)) {   /* the intermediate as W2's packed x */
            albert__linear_with_panels(ctx->pool, ffn_in + at, NULL, rows, l->ffn_w.cols, (const float *)l->ffn_w.data,
                                       l->ffn_b, l->ffn_w.rows, (int)c->hidden_act, NULL, NULL, ctx->ffn);
            albert__linear_with_panels(ctx->pool, NULL, ctx->ffn, rows, l->ffn_out_w.cols,
                                       (const float *)l->ffn_out_w.data, l->ffn_out_b, l->ffn_out_w.rows, 0, ctx->q + at,
                                       ctx->x + at, NULL);
            continue;
        }
        albert__dense(ctx->pool, ffn_in + at, rows, &l->ffn_w, l->ffn_b, (int)c->hidden_act, NULL, ctx->ffn);
        albert__dense(ctx->pool, ctx->ffn, rows, &l->ffn_out_w, l->ffn_out_b, 0, ctx->q + at, ctx->x + at);
    }
    if (!pre_ln) albert__layer_norm(ctx->pool, ctx->x, T, H, l->ffn_norm_w, l->ffn_norm_b, eps);
}

/* ------------------------------------------------- 14.3 heads and outputs: pooler, sentence vectors, hidden states */
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

/* The pooling and normalization a request means (ALBERT_POOLING_DEFAULT: the model file's). */
static int32_t albert__sentence_pooling(const albert_model *m, const albert_outputs *o, int32_t *normalize)
{
    if (o->pooling == ALBERT_POOLING_DEFAULT) {
        *normalize = o->normalize || m->config.sentence_normalize;
        return m->config.sentence_pooling;
    }
    *normalize = o->normalize;
    return o->pooling;
}

/* Sentence vectors from ctx->x (the hidden states of the chosen layer). Mean, max and mean-sqrt-len as
   sentence-transformers' Pooling module computes them: over the real tokens (a sequence without any: 0, and
   -1e9 for max, as its masked fill gives). */
static void albert__sentence_vectors(albert_context *ctx, const albert_batch *b, const albert_outputs *o)
{
    int32_t H = ctx->model->config.hidden_size, s, t, j, normalize;
    int32_t pooling = albert__sentence_pooling(ctx->model, o, &normalize);
    for (s = 0; s < b->batch_size; s++) {
        float *v = o->sentence + (size_t)s * H;
        if (pooling == ALBERT_POOLING_MEAN || pooling == ALBERT_POOLING_MEAN_SQRT_LEN || pooling == ALBERT_POOLING_MAX) {
            const float *rows = ctx->x + (size_t)ctx->seq_first[s] * H;
            int32_t n = 0, count = ctx->seq_first[s + 1] - ctx->seq_first[s];
            int is_max = pooling == ALBERT_POOLING_MAX;
            for (j = 0; j < H; j++) v[j] = is_max ? -1e9f : 0.0f;
            for (t = 0; t < count; t++) {
                const float *row = rows + (size_t)t * H;
                if (!ctx->packed && b->attention_mask && !b->attention_mask[(size_t)s * b->seq_len + t]) continue;
                if (is_max) {
                    for (j = 0; j < H; j++) v[j] = row[j] > v[j] ? row[j] : v[j];
                } else {
                    for (j = 0; j < H; j++) v[j] += row[j];
                }
                n++;
            }
            if (!is_max) {
                float div = pooling == ALBERT_POOLING_MEAN ? (float)n : sqrtf((float)n);
                for (j = 0; j < H; j++) v[j] = n ? v[j] / div : 0.0f;
            }
        } else if (pooling == ALBERT_POOLING_CLS) {
            albert__first_token(ctx, s, v);
        }
    }
    if (pooling == ALBERT_POOLING_POOLER) albert__pooler(ctx, b, o->sentence);
    if (normalize) {
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

/* -------------------------------------------------- 14.4 albert_encode_batch: checks, layers, heads; albert_encode */
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
        !o->sentence && !o->token_logits)
        return albert__ctx_fail(ctx, ALBERT_ERR_ARGUMENT, "no output requested");
    *layer = o->layer < 0 ? L + 1 + o->layer : o->layer;
    if ((o->hidden || o->sentence) && (*layer < 0 || *layer > L))
        return albert__ctx_fail(ctx, ALBERT_ERR_LAYER, "layer %ld is outside %ld..%ld", (long)o->layer,
                                (long)-(L + 1), (long)L);
    if (o->sentence && (o->pooling < ALBERT_POOLING_MEAN || o->pooling > ALBERT_POOLING_DEFAULT))
        return albert__ctx_fail(ctx, ALBERT_ERR_ARGUMENT, "unknown pooling %ld", (long)o->pooling);
    if (o->sentence && o->pooling == ALBERT_POOLING_POOLER && !c->has_pooler)
        return albert__ctx_fail(ctx, ALBERT_ERR_NO_HEAD, "the model has no pooler");
    if (o->pooled && !c->has_pooler) return albert__ctx_fail(ctx, ALBERT_ERR_NO_HEAD, "the model has no pooler");
    if (o->mlm_logits && !c->has_mlm) return albert__ctx_fail(ctx, ALBERT_ERR_NO_HEAD, "the model has no masked-LM head");
    if (o->sop_logits && !c->has_sop)
        return albert__ctx_fail(ctx, ALBERT_ERR_NO_HEAD, "the model has no sentence-order head");
    if (o->class_logits && !(c->has_classifier && c->head != ALBERT_HEAD_TOKEN_CLASSIFICATION))
        return albert__ctx_fail(ctx, ALBERT_ERR_NO_HEAD, c->has_classifier || c->head == ALBERT_HEAD_QUESTION_ANSWERING
                                                             ? "the model's head is per token: use token_logits"
                                                             : "the model has no classifier head");
    if (o->token_logits && c->head != ALBERT_HEAD_TOKEN_CLASSIFICATION && c->head != ALBERT_HEAD_QUESTION_ANSWERING)
        return albert__ctx_fail(ctx, ALBERT_ERR_NO_HEAD, "the model has no token-classification or question-answering head");
    return ALBERT_OK;
}

static void albert__encode_groups(albert_context *ctx, const albert_batch *batch, const albert_outputs *out,
                                  int32_t layer);

ALBERT_DEF albert_result albert_encode_batch(albert_context *ctx, const albert_batch *batch,
                                             const albert_outputs *out)
{
    const albert_model *m;
    const albert_config *c;
    int32_t layer = 0, L, G, inner, H, T, i, j, last_needed;
    const int32_t *mask = NULL;
    albert_result r;

    if (!ctx) return ALBERT_ERR_ARGUMENT;
    if (!batch || !out) return albert__ctx_fail(ctx, ALBERT_ERR_ARGUMENT, "batch or outputs is NULL");
    if ((r = albert__check_batch(ctx, batch, out, &layer)) != ALBERT_OK) return r;
    ctx->last_error[0] = 0;
    if (batch->batch_size > 1 && (int64_t)batch->batch_size * batch->seq_len > ALBERT__GROUP_TOKENS && !out->all_hidden) {
        albert__encode_groups(ctx, batch, out, layer);
        return ALBERT_OK;
    }
    m = ctx->model;
    c = &m->config;
    L = c->num_hidden_layers;
    G = c->num_hidden_groups;
    inner = c->inner_group_num;
    H = c->hidden_size;
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
    if (out->all_hidden || out->pooled || out->mlm_logits || out->sop_logits || out->class_logits || out->token_logits)
        last_needed = L;

    albert__embed(ctx, batch);
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
    if (out->token_logits) {   /* classifier or qa_outputs on every token's last hidden state */
        const float *w = c->head == ALBERT_HEAD_QUESTION_ANSWERING ? m->qa_w : m->cls_w;
        const float *bias = c->head == ALBERT_HEAD_QUESTION_ANSWERING ? m->qa_b : m->cls_b;
        albert__linear(ctx->pool, ctx->x, T, H, w, bias, c->num_labels, 0, NULL, out->token_logits);
        if (ctx->packed) albert__unpack_rows(ctx, batch, out->token_logits, (size_t)c->num_labels);
    }
    if (out->mlm_logits) {   /* transform LN(act(dense h)) in E (brightmart: in H, then its H -> E step), decoder */
        float *t = m->mlm_proj_w.data ? ctx->attn : ctx->emb;
        albert__dense(ctx->pool, ctx->x, T, &m->mlm_dense_w, m->mlm_dense_b, (int)c->hidden_act, NULL, t);
        albert__layer_norm(ctx->pool, t, T, m->mlm_dense_w.rows, m->mlm_norm_w, m->mlm_norm_b, c->layer_norm_eps);
        if (m->mlm_proj_w.data) albert__dense(ctx->pool, t, T, &m->mlm_proj_w, NULL, 0, NULL, ctx->emb);
        albert__dense(ctx->pool, ctx->emb, T, &m->word, m->mlm_bias, 0, NULL, out->mlm_logits);
        if (ctx->packed) albert__unpack_rows(ctx, batch, out->mlm_logits, (size_t)c->vocab_size);
    }
    return ALBERT_OK;
}

/* A big batch (checked) in groups of whole sequences of at most ALBERT__GROUP_TOKENS tokens (at least one
   sequence), each group a batch of its own: every sequence's outputs are its own, so this gives the same results,
   while a group's activations stay in the cores' L2 caches through all the layers. Not for all_hidden, whose
   layout is layer-major. */
static void albert__encode_groups(albert_context *ctx, const albert_batch *batch, const albert_outputs *out,
                                  int32_t layer)
{
    const albert_config *c = &ctx->model->config;
    int32_t S = batch->seq_len, per_group = ALBERT__GROUP_TOKENS / S > 1 ? ALBERT__GROUP_TOKENS / S : 1, s0;
    for (s0 = 0; s0 < batch->batch_size; s0 += per_group) {
        albert_batch sub = *batch;
        albert_outputs o = *out;
        size_t rows = (size_t)s0 * (size_t)S;
        sub.batch_size = batch->batch_size - s0 < per_group ? batch->batch_size - s0 : per_group;
        sub.input_ids = batch->input_ids + rows;
        if (batch->attention_mask) sub.attention_mask = batch->attention_mask + rows;
        if (batch->token_type_ids) sub.token_type_ids = batch->token_type_ids + rows;
        o.layer = layer;
        if (o.hidden) o.hidden += rows * (size_t)c->hidden_size;
        if (o.sentence) o.sentence += (size_t)s0 * (size_t)c->hidden_size;
        if (o.pooled) o.pooled += (size_t)s0 * (size_t)c->hidden_size;
        if (o.mlm_logits) o.mlm_logits += rows * (size_t)c->vocab_size;
        if (o.sop_logits) o.sop_logits += (size_t)s0 * 2;
        if (o.class_logits) o.class_logits += (size_t)s0 * (size_t)c->num_labels;
        if (o.token_logits) o.token_logits += rows * (size_t)c->num_labels;
        (void)albert_encode_batch(ctx, &sub, &o);   /* checked as part of the whole batch: cannot fail */
    }
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

/* ============================================================================================== */
/* ==== 15. Tokenizer: text (Unicode data, UTF-8, strings with origins) ========================= */
/* ============================================================================================== */
/* Unicode character data for the tokenizers.

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

/* ---------------------------------------------------------------- 15.1 Unicode: categories and flags */
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

/* ---------------------------------------------------------------- 15.2 UTF-8 */
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

/* ---------------------------------------------------------------- 15.3 Unicode tables: loading and validation */
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

/* ---------------------------------------------------------------- 15.4 Unicode: per code point */
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
   Hangul syllables, NOT canonically reordered (albert__unicode_decompose_string does that for strings).
   Writes 1..18 code points (cp itself when it does not decompose) and returns the count. */
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

/* ---------------------------------------------------------------- 15.5 code point strings with an origin map */
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

/* ============================================================================================== */
/* ==== 16. Tokenizer: tables (the tokenizer object and its loading) ============================ */
/* ============================================================================================== */
/* The tokenizers' front end: SentencePiece unigram (normalizer + Viterbi) with HuggingFace's
   AlbertTokenizer preprocessing on top, special tokens written in the text, pairs, truncation, offsets, and the
   public functions albert_tokenize / albert_sentencepiece_encode / albert_token_piece.

   The WordPiece interface (16.3 and 18.6) this part calls for ALBERT_TOKENIZER_WORDPIECE models:
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
     tok.scores64 u32 [n, 2] (with ALBERT_TOKENIZER2_FAST)      each piece's score as IEEE binary64 bits, low word
                                                                first (tokenizer.json's exact scores; tools/tok_json.c)
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
     A tokenizer converted from tokenizer.json (ALBERT_TOKENIZER2_FAST) = HF tokenizers 0.15 (AlbertTokenizerFast):
     added tokens split out of the raw text, then per segment Replace / NFKD / StripAccents (Mn) / Lowercase (per
     code point) / Precompiled (grapheme clusters under 6 bytes whole, by their shortest matching rule, else per
     code point, as spm_precompiled) / Replace " {2,}", Metaspace, and Unigram::encode_optimized per word (f64).
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

/* ---------------------------------------------------------------- 16.1 constants */
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

/* ---------------------------------------------------------------- 16.2 token lists */
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

static int albert__ids_push_callback(void *list, int32_t id, int32_t begin, int32_t end)
{
    return albert__ids_push((albert__ids *)list, id, begin, end);
}

/* ---------------------------------------------------------------- 16.3 WordPiece: the vocabulary */
/* HuggingFace BertTokenizer (slow, transformers v4.34–v4.37) for WORDPIECE models (Chinese ALBERT).

   INTERFACE (with the rest of the tokenizer): struct albert__tokenizer embeds an albert__wordpiece;
   albert__tokenizer_load calls albert__wordpiece_load for ALBERT_TOKENIZER_WORDPIECE models (after
   albert__unicode_load); albert__tokenize_text lowercases the text code point by code point and splits out the
   special tokens (PreTrainedTokenizer.tokenize), then calls albert__wordpiece_encode on each segment between
   them, which runs BertTokenizer._tokenize and reports each token through push().

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

/* Receives the tokens: push(ctx, id, begin, end) with the byte range [begin, end) of the token in the text;
   nonzero means out of memory. */
typedef int (*albert__wordpiece_push_fn)(void *ctx, int32_t id, int32_t begin, int32_t end);

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

/* Validates the tok.* tensors of a WordPiece model (see the comment at the start of 16.3) and points wp at them. */
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

/* ---------------------------------------------------------------- 16.4 the tokenizer object */
/* A double-array byte trie in the blob (described at the start of section 16). */
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
    albert__wordpiece wordpiece;
    /* vocabulary (both kinds) */
    const uint8_t *pieces;
    uint32_t pieces_size;
    const uint32_t *offsets;                 /* [n_pieces + 1], validated monotonic and <= pieces_size */
    uint32_t n_pieces;
    /* SentencePiece */
    const float *scores;
    const uint8_t *types;
    uint32_t spm_flags;
    uint32_t flags2;                         /* ALBERT_TOKENIZER2_* (tokenizer.json pipeline) */
    const uint32_t *scores64;                /* [n_pieces][2] f64 bits (low word first), with ALBERT_TOKENIZER2_FAST */
    double min_score64;                      /* the lowest of them (tokenizers' Unigram min_score) */
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

/* ---------------------------------------------------------------- 16.5 loading the tokenizer */
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

/* Piece id's f64 score (tok.scores64). */
static double albert__score64(const struct albert__tokenizer *t, int32_t id)
{
    uint64_t bits = (uint64_t)t->scores64[2 * id] | (uint64_t)t->scores64[2 * id + 1] << 32;
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
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
    if (t->flags2 & ALBERT_TOKENIZER2_FAST) {   /* tokenizer.json: the exact f64 scores */
        const albert__tensor *t64;
        if ((r = albert__tok_tensor(m, "tok.scores64", 5, 2, 1, &t64, e)) != ALBERT_OK) return r;
        if (t64->dims[0] != t->n_pieces || t64->dims[1] != 2)
            return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: tok.scores64 must be [pieces, 2]");
        t->scores64 = (const uint32_t *)(const void *)t64->data;
        t->min_score64 = DBL_MAX;
        for (i = 0; i < t->n_pieces; i++) {
            double v = albert__score64(t, (int32_t)i);
            if (!(v > -1e30 && v < 1e30))
                return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: piece %u has a non-finite f64 score", (unsigned)i);
            if (v < t->min_score64) t->min_score64 = v;
        }
        if ((t->flags2 & ALBERT_TOKENIZER2_PRECOMPILED) && !tc)
            return albert__fail(e, ALBERT_ERR_FORMAT, "tokenizer: the Precompiled step needs tok.charsmap");
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
    t->flags2 = c->tokenizer_flags2;
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
        if ((r = albert__wordpiece_load(&t->wordpiece, m, e)) != ALBERT_OK) goto fail;
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
        s->lstrip = k == 4 && t->kind == ALBERT_TOKENIZER_SENTENCEPIECE &&
                    (!(t->flags2 & ALBERT_TOKENIZER2_FAST) || (t->flags2 & ALBERT_TOKENIZER2_MASK_LSTRIP));
        if (s->len > 0) t->n_specials++;
    }
    albert__fast_paths_init(t);
    *out = t;
    return ALBERT_OK;
fail:
    ALBERT_FREE(t);
    return r;
}

/* ============================================================================================== */
/* ==== 17. Tokenizer: normalizers (text -> normalized text) ==================================== */
/* ============================================================================================== */
/* ------------------------------------------------- 17.1 AlbertTokenizer pre-normalisation (preprocess_text, lower) */
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

/* ---------------------------------------------------------------- 17.2 SentencePiece normalizer: byte buffers */
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

/* ---------------------------------------------------------------- 17.3 SentencePiece normalizer */
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

/* ============================================================================================== */
/* ==== 18. Tokenizer: pieces (normalized text -> pieces) ======================================= */
/* ============================================================================================== */
/* ---------------------------------------------------------------- 18.1 unigram Viterbi */
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

/* ---------------------------------------------------------------- 18.2 SentencePiece encode with origins */
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

/* ---------------------------------------------------------------- 18.3 public: plain SentencePiece */
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

/* -------------------------------------------------- 18.4 AlbertTokenizer pieces: one segment, the digit-comma rule */
/* tokenizers' Unigram best path at one byte position (tokenizer.json pipeline). */
typedef struct albert__fast_best {
    double score;
    int32_t starts_at, id;
} albert__fast_best;

/* Scratch space of one albert_tokenize call, reused for every segment of the text and of the pair. */
typedef struct albert__tok_work {
    albert__ustr cps;             /* the text as code points, lowercased except for the special tokens */
    albert__text x;               /* one segment after preprocess_text, as UTF-8 */
    albert__spm_result spm;       /* its SentencePiece encoding */
    albert__ustr fast_a, fast_b;  /* tokenizer.json pipeline: the normalizer's code points */
    albert__text fast_y;          /* ... after Metaspace */
    albert__fast_best *fast_best; /* ... Viterbi scratch */
    size_t fast_best_cap;
} albert__tok_work;

static void albert__tok_work_free(albert__tok_work *w)
{
    albert__ustr_free(&w->cps);
    albert__text_free(&w->x);
    albert__spm_result_free(&w->spm);
    albert__ustr_free(&w->fast_a);
    albert__ustr_free(&w->fast_b);
    albert__text_free(&w->fast_y);
    ALBERT_FREE(w->fast_best);
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

/* ---------------------------------------------------------------- 18.5 WordPiece: BertTokenizer character classes */
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

/* -------------------------------------------------- 18.6 WordPiece: BasicTokenizer and greedy longest-match pieces */
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

/* ============================================================================================== */
/* ---------------------------------------- 18.7 tokenizer.json (HF tokenizers): normalizer, Metaspace, Unigram */
/* Appends n bytes that all come from the original range [begin, end). 0, or -1 (memory). */
static int albert__text_bytes(albert__text *x, const uint8_t *b, size_t n, uint32_t begin, uint32_t end)
{
    size_t k;
    if (albert__text_reserve(x, n) != 0) return -1;
    for (k = 0; k < n; k++) { x->b[x->n] = b[k]; x->begin[x->n] = begin; x->end[x->n] = end; x->n++; }
    return 0;
}

/* The Grapheme_Cluster_Break classes (UAX #29, Unicode 15.0 as tokenizers' unicode-segmentation 1.10) that decide
   the clusters tokenizers' Precompiled normalizer can see whole (shorter than 6 bytes): CR LF, Control, the
   characters that join the one before them (Extend, ZWJ, SpacingMark) and Prepend (joins the one after it).
   Hangul, regional indicators and emoji ZWJ sequences only make clusters of 6 bytes or more: OTHER here. */
enum { ALBERT__GCB_OTHER, ALBERT__GCB_CR, ALBERT__GCB_LF, ALBERT__GCB_CONTROL, ALBERT__GCB_JOINS, ALBERT__GCB_PREPEND };

static int albert__in_ranges(uint32_t cp, const uint32_t (*r)[2], size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) if (cp >= r[i][0] && cp <= r[i][1]) return 1;
    return 0;
}

static int albert__gcb(const albert__unicode *u, uint32_t cp)
{
    static const uint32_t prepend[][2] = {
        {0x600, 0x605}, {0x6DD, 0x6DD}, {0x70F, 0x70F}, {0x890, 0x891}, {0x8E2, 0x8E2}, {0xD4E, 0xD4E}, {0x110BD, 0x110BD},
        {0x110CD, 0x110CD}, {0x111C2, 0x111C3}, {0x1193F, 0x1193F}, {0x11941, 0x11941}, {0x11A3A, 0x11A3A},
        {0x11A84, 0x11A89}, {0x11D46, 0x11D46}, {0x11F02, 0x11F02}};
    static const uint32_t extend_extra[][2] = {   /* Other_Grapheme_Extend, Emoji_Modifier, ZWNJ/ZWJ, 0E33/0EB3 */
        {0x9BE, 0x9BE}, {0x9D7, 0x9D7}, {0xB3E, 0xB3E}, {0xB57, 0xB57}, {0xBBE, 0xBBE}, {0xBD7, 0xBD7}, {0xCC2, 0xCC2},
        {0xCD5, 0xCD6}, {0xD3E, 0xD3E}, {0xD57, 0xD57}, {0xDCF, 0xDCF}, {0xDDF, 0xDDF}, {0xE33, 0xE33}, {0xEB3, 0xEB3},
        {0x1B35, 0x1B35}, {0x200C, 0x200D}, {0x302E, 0x302F}, {0xFF9E, 0xFF9F}, {0x1133E, 0x1133E}, {0x11357, 0x11357},
        {0x114B0, 0x114B0}, {0x114BD, 0x114BD}, {0x115AF, 0x115AF}, {0x11930, 0x11930}, {0x1D165, 0x1D165},
        {0x1D16E, 0x1D172}, {0x1F3FB, 0x1F3FF}, {0xE0020, 0xE007F}};
    static const uint32_t mc_other[][2] = {   /* Spacing_Mark characters whose break class is Other */
        {0x102B, 0x102C}, {0x1038, 0x1038}, {0x1062, 0x1064}, {0x1067, 0x106D}, {0x1083, 0x1083}, {0x1087, 0x108C},
        {0x108F, 0x108F}, {0x109A, 0x109C}, {0x1A61, 0x1A61}, {0x1A63, 0x1A64}, {0xAA7B, 0xAA7B}, {0xAA7D, 0xAA7D},
        {0x11720, 0x11721}};
    int cat;
    if (cp == 0x0D) return ALBERT__GCB_CR;
    if (cp == 0x0A) return ALBERT__GCB_LF;
    if (albert__in_ranges(cp, prepend, sizeof prepend / sizeof prepend[0])) return ALBERT__GCB_PREPEND;
    if (albert__in_ranges(cp, extend_extra, sizeof extend_extra / sizeof extend_extra[0])) return ALBERT__GCB_JOINS;
    cat = albert__unicode_category(u, cp);
    if (cat == ALBERT__UCAT_MN || cat == ALBERT__UCAT_ME) return ALBERT__GCB_JOINS;
    if (cat == ALBERT__UCAT_MC)
        return albert__in_ranges(cp, mc_other, sizeof mc_other / sizeof mc_other[0]) ? ALBERT__GCB_OTHER : ALBERT__GCB_JOINS;
    if (cat == ALBERT__UCAT_CC || cat == ALBERT__UCAT_CF || cat == ALBERT__UCAT_ZL || cat == ALBERT__UCAT_ZP ||
        cat == ALBERT__UCAT_CS)
        return ALBERT__GCB_CONTROL;
    return ALBERT__GCB_OTHER;
}

/* tokenizers' Precompiled::transform: the rule of the SHORTEST prefix of s[0..n) that has one (the walk stops at a
   NUL byte, as its double-array search does); 1 with *repl, or 0. */
static int albert__charsmap_shortest(const struct albert__tokenizer *t, const uint8_t *s, size_t n, const uint8_t **repl)
{
    const uint32_t *a = t->charsmap_units;
    uint32_t pos, unit;
    size_t i;
    if (!a) return 0;
    pos = ALBERT__DARTS_OFFSET(a[0]);
    for (i = 0; i < n && s[i] != 0; i++) {
        pos ^= s[i];
        if (pos >= t->n_charsmap_units) return 0;
        unit = a[pos];
        if (ALBERT__DARTS_LABEL(unit) != s[i]) return 0;
        pos ^= ALBERT__DARTS_OFFSET(unit);
        if (ALBERT__DARTS_HAS_LEAF(unit)) {
            uint32_t value;
            if (pos >= t->n_charsmap_units) return 0;
            value = ALBERT__DARTS_VALUE(a[pos]);
            if (value >= t->charsmap_strings_size) return 0;
            *repl = t->charsmap_strings + value;
            return 1;
        }
    }
    return 0;
}

/* tokenizers' Precompiled normalizer over c[0..n) into x: each grapheme cluster shorter than 6 bytes is replaced
   whole when a rule matches a prefix of it, every other character by its own rule (or kept). */
static int albert__fast_precompiled(const struct albert__tokenizer *t, const albert__ustr *c, albert__text *x)
{
    const albert__unicode *u = &t->unicode;
    size_t i = 0, j, k;
    while (i < c->n) {
        uint8_t cluster[8];
        size_t cluster_len = 0;
        int first = albert__gcb(u, c->cp[i]);
        j = i + 1;
        if (first == ALBERT__GCB_CR && j < c->n && c->cp[j] == 0x0A) j++;
        else if (first != ALBERT__GCB_CR && first != ALBERT__GCB_LF && first != ALBERT__GCB_CONTROL) {
            int kind;
            while (j < c->n && albert__gcb(u, c->cp[j - 1]) == ALBERT__GCB_PREPEND &&
                   (kind = albert__gcb(u, c->cp[j])) != ALBERT__GCB_CR && kind != ALBERT__GCB_LF && kind != ALBERT__GCB_CONTROL)
                j++;
            while (j < c->n && albert__gcb(u, c->cp[j]) == ALBERT__GCB_JOINS) j++;
        }
        if (j - i > 1) {   /* the cluster's bytes, if fewer than 6 */
            for (k = i; k < j && cluster_len < 6; k++) {
                uint8_t b[4];
                size_t len = albert__utf8_encode(c->cp[k], b);
                if (cluster_len + len > 6) { cluster_len = 6; break; }
                memcpy(cluster + cluster_len, b, len);
                cluster_len += len;
            }
            if (cluster_len < 6) {
                const uint8_t *repl = NULL;
                if (albert__charsmap_shortest(t, cluster, cluster_len, &repl)) {
                    if (albert__text_bytes(x, repl, strlen((const char *)repl), c->begin[i], c->end[j - 1]) != 0) return -1;
                    i = j;
                    continue;
                }
            }
        }
        for (k = i; k < j; k++) {   /* character by character */
            uint8_t b[4];
            size_t len = albert__utf8_encode(c->cp[k], b);
            const uint8_t *repl = NULL;
            if (albert__charsmap_shortest(t, b, len, &repl)) {
                if (albert__text_bytes(x, repl, strlen((const char *)repl), c->begin[k], c->end[k]) != 0) return -1;
            } else if (albert__text_bytes(x, b, len, c->begin[k], c->end[k]) != 0) {
                return -1;
            }
        }
        i = j;
    }
    return 0;
}

static int albert__is_meta(const uint8_t *s, size_t n)   /* s starts with U+2581 */
{
    return n >= 3 && s[0] == 0xE2 && s[1] == 0x96 && s[2] == 0x81;
}

/* tokenizers' Unigram::encode_optimized + tokenize() on the word y->b[from..to): best path with f64 scores (ties keep
   the first candidate found: shorter pieces first, earlier starts first), unknown characters at min score - 10,
   runs of unknown pieces fused into one, byte fallback for them; tokens pushed to out with their original ranges. */
static int albert__fast_unigram(const struct albert__tokenizer *t, const albert__text *y, size_t from, size_t to,
                                albert__ids *out, albert__tok_work *w)
{
    const uint8_t *s = y->b + from;
    const uint32_t *units = t->trie.units;
    const double unk_score = t->min_score64 - 10.0;
    size_t n = to - from, starts_at = 0, i, ends_at, count = 0;
    albert__fast_best *best;
    if (n == 0) return 0;
    if (n + 1 > w->fast_best_cap) {
        size_t cap = n + 1 < 256 ? 256 : 2 * (n + 1);
        ALBERT_FREE(w->fast_best);
        w->fast_best_cap = 0;
        w->fast_best = (albert__fast_best *)ALBERT_MALLOC(cap * sizeof(albert__fast_best));
        if (!w->fast_best) return -1;
        w->fast_best_cap = cap;
    }
    best = w->fast_best;
    for (i = 0; i <= n; i++) { best[i].score = 0.0; best[i].starts_at = -1; best[i].id = -1; }
    while (starts_at < n) {
        const double here = best[starts_at].score;
        size_t mblen = albert__one_char_len(s[starts_at]), key_pos = starts_at;
        uint32_t node = 0;
        int has_single_node = 0;
        if (mblen > n - starts_at) mblen = n - starts_at;
        while (key_pos < n) {
            uint32_t child = (units[2 * node] & ~ALBERT__TRIE_TERMINAL) + s[key_pos];
            if (units[2 * child + 1] != node) break;
            node = child;
            key_pos++;
            if (units[2 * node] & ALBERT__TRIE_TERMINAL) {
                int32_t id = t->trie.ids[node];
                double candidate = albert__score64(t, id) + here;
                albert__fast_best *target = &best[key_pos];
                if (target->starts_at == -1 || candidate > target->score) {
                    target->score = candidate;
                    target->starts_at = (int32_t)starts_at;
                    target->id = id;
                }
                if (key_pos - starts_at == mblen) has_single_node = 1;
            }
        }
        if (!has_single_node) {
            albert__fast_best *target = &best[starts_at + mblen];
            double candidate = unk_score + here;
            if (target->starts_at == -1 || candidate > target->score) {
                target->score = candidate;
                target->starts_at = (int32_t)starts_at;
                target->id = t->unk_id;
            }
        }
        starts_at += mblen;
    }
    /* backtrack into best[] itself: entry k (from 0) = the k-th piece from the end, as (begin = starts_at, id) with
       its end kept in `score`'s place is not needed: walk twice instead (count, then emit in order) */
    for (ends_at = n; ends_at > 0; ends_at = (size_t)best[ends_at].starts_at) count++;
    {
        size_t *ends = (size_t *)ALBERT_MALLOC(sizeof(size_t) * (count + 1));
        size_t k = count, j;
        if (!ends) return -1;
        for (ends_at = n; ends_at > 0; ends_at = (size_t)best[ends_at].starts_at) ends[--k] = ends_at;
        for (j = 0; j < count;) {
            size_t e = ends[j], b = (size_t)best[e].starts_at, run_end = j + 1;
            int32_t id = best[e].id, begin, end;
            if (id == t->unk_id) {   /* fuse the run of unknown pieces */
                while (run_end < count && best[ends[run_end]].id == t->unk_id) run_end++;
                e = ends[run_end - 1];
            }
            albert__text_range(y, from + b + (e - b > 3 && albert__is_meta(s + b, e - b) ? 3 : 0), from + e, &begin, &end);
            if (id == t->unk_id && (t->spm_flags & ALBERT__SPM_BYTE_FALLBACK)) {
                size_t q;
                int all = 1;
                for (q = b; q < e; q++) all &= t->byte_ids[s[q]] >= 0;
                for (q = b; all && q < e; q++)
                    if (albert__ids_push(out, t->byte_ids[s[q]], begin, end) != 0) { ALBERT_FREE(ends); return -1; }
                if (all) { j = run_end; continue; }
            }
            if (albert__ids_push(out, id, begin, end) != 0) { ALBERT_FREE(ends); return -1; }
            j = run_end;
        }
        ALBERT_FREE(ends);
    }
    return 0;
}

/* One text segment (between added tokens) through tokenizer.json's normalizer, Metaspace and Unigram.
   at_start: the segment starts the text (Metaspace prepend_scheme "first"). 0, or -1 (memory). */
static int albert__fast_segment(const struct albert__tokenizer *t, const albert__ustr *seg, int at_start,
                                albert__ids *out, albert__tok_work *w)
{
    static const uint8_t meta[3] = {0xE2, 0x96, 0x81};
    const albert__unicode *u = &t->unicode;
    const uint32_t f = t->flags2;
    albert__ustr *a = &w->fast_a, *b = &w->fast_b, *cur;
    albert__text *x = &w->x, *y = &w->fast_y;
    size_t i, start;
    a->n = b->n = 0;
    x->n = y->n = 0;
    /* Replace "``" and "''" (one pass: a '"' never starts a new match) */
    for (i = 0; i < seg->n; i++) {
        uint32_t cp = seg->cp[i], begin = seg->begin[i], end = seg->end[i];
        if ((f & ALBERT_TOKENIZER2_QUOTES) && (cp == '`' || cp == '\'') && i + 1 < seg->n && seg->cp[i + 1] == cp) {
            cp = '"';
            end = seg->end[++i];
        }
        if (albert__ustr_push(a, cp, begin, end) != 0) return -1;
    }
    cur = a;
    if (f & ALBERT_TOKENIZER2_NFKD) {
        if (albert__unicode_decompose_string(u, a, 1, b) != 0) return -1;
        cur = b;
    }
    /* StripAccents, Lowercase: code point by code point, into the other buffer */
    {
        albert__ustr *dest = cur == a ? b : a;
        dest->n = 0;
        for (i = 0; i < cur->n; i++) {
            uint32_t lowered[3];
            int k, n_lowered = 1;
            if ((f & ALBERT_TOKENIZER2_STRIP_MN) && albert__unicode_category(u, cur->cp[i]) == ALBERT__UCAT_MN) continue;
            if (f & ALBERT_TOKENIZER2_LOWER) n_lowered = albert__unicode_lower(u, cur->cp[i], lowered);
            else lowered[0] = cur->cp[i];
            for (k = 0; k < n_lowered; k++)
                if (albert__ustr_push(dest, lowered[k], cur->begin[i], cur->end[i]) != 0) return -1;
        }
        cur = dest;
    }
    /* Precompiled */
    if (f & ALBERT_TOKENIZER2_PRECOMPILED) {
        if (albert__fast_precompiled(t, cur, x) != 0) return -1;
    } else {
        for (i = 0; i < cur->n; i++) {
            uint8_t bytes[4];
            size_t len = albert__utf8_encode(cur->cp[i], bytes);
            if (albert__text_bytes(x, bytes, len, cur->begin[i], cur->end[i]) != 0) return -1;
        }
    }
    /* Replace " {2,}" -> " " */
    if (f & ALBERT_TOKENIZER2_SPACES) {
        size_t kept = 0;
        for (i = 0; i < x->n; i++) {
            if (x->b[i] == ' ' && kept > 0 && x->b[kept - 1] == ' ') { x->end[kept - 1] = x->end[i]; continue; }
            x->b[kept] = x->b[i]; x->begin[kept] = x->begin[i]; x->end[kept] = x->end[i];
            kept++;
        }
        x->n = kept;
    }
    if (x->n == 0) return 0;
    /* Metaspace: ' ' -> U+2581, the prefix where the segment does not start with one, then words */
    if (((f & ALBERT_TOKENIZER2_PREPEND) || ((f & ALBERT_TOKENIZER2_PREPEND_FIRST) && at_start)) && x->b[0] != ' ' &&
        !albert__is_meta(x->b, x->n) && albert__text_bytes(y, meta, 3, x->begin[0], x->begin[0]) != 0)
        return -1;
    for (i = 0; i < x->n; i++) {
        if (x->b[i] == ' ' ? albert__text_bytes(y, meta, 3, x->begin[i], x->end[i]) != 0
                           : albert__text_bytes(y, x->b + i, 1, x->begin[i], x->end[i]) != 0)
            return -1;
    }
    for (i = 0, start = 0; i <= y->n; i++) {   /* split before each U+2581 (MergedWithNext) */
        if (i < y->n && !(i > start && albert__is_meta(y->b + i, y->n - i))) continue;
        if (albert__fast_unigram(t, y, start, i, out, w) != 0) return -1;
        start = i;
    }
    return 0;
}

/* ==== 19. Tokenizer: ids (special tokens, pairs, truncation, public functions) ================ */
/* ============================================================================================== */
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
    const int fast = (t->flags2 & ALBERT_TOKENIZER2_FAST) != 0;
    const int lower = !fast && (t->flags & ALBERT_TOKENIZER_LOWER_CASE) != 0;
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
                if (fast) {
                    if (albert__fast_segment(t, &seg, seg.begin[0] == 0, out, work) != 0) return ALBERT_ERR_MEMORY;
                } else if (t->kind == ALBERT_TOKENIZER_SENTENCEPIECE) {
                    if (albert__albert_segment(t, &seg, out, work) != 0) return ALBERT_ERR_MEMORY;
                } else {
                    albert_result wr = albert__wordpiece_encode(&t->wordpiece, u, &seg, albert__ids_push_callback, out);
                    if (wr != ALBERT_OK) return wr;
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

/* Early stop for albert_tokenize (one text, max_tokens > 0): a long text is tokenized in growing prefixes, each
   ending just before an ASCII whitespace byte; once a prefix gives max_tokens - 2 pieces or more, those are the
   first pieces of the whole text (same ids, same offsets), and the rest of the text is never read. That is exact
   because tokenization is local at such a cut: BertTokenizer (WordPiece) splits at whitespace before anything
   else; for SentencePiece, albert__tok_is_local checks that the vocabulary has the normal piece U+2581 and no
   piece with U+2581 after its first byte (so every segmentation breaks before each word's U+2581), and
   albert__tok_cut that the text up to the cut is ASCII whose bytes (and their lower case, and the '"' that HF
   makes of `` and '') start no normalizer rule or user-defined piece that goes on with an ASCII byte (so in that
   text every rule covers one byte and none reaches across the cut). In both, no
   special token may hold whitespace. Texts shorter than ALBERT__EARLY_MIN_BYTES are tokenized whole. */
#define ALBERT__EARLY_MIN_BYTES 2048

static int albert__is_ascii_space(uint8_t b) { return b == ' ' || b == '\t' || b == '\n' || b == '\r'; }

static int albert__tok_is_local(const struct albert__tokenizer *t)
{
    uint32_t i, k;
    int have_space_piece = 0;
    for (i = 0; i < (uint32_t)t->n_specials; i++)
        for (k = 0; k < t->specials[i].len; k++)
            if (albert__is_ascii_space(t->specials[i].text[k]) || t->specials[i].text[k] == '\v' ||
                t->specials[i].text[k] == '\f')
                return 0;
    if (t->kind == ALBERT_TOKENIZER_WORDPIECE) return 1;
    if (t->kind != ALBERT_TOKENIZER_SENTENCEPIECE || !t->ascii_plain) return 0;
    for (i = 0; i < t->n_pieces; i++) {
        const uint8_t *p = t->pieces + t->offsets[i];
        uint32_t len = t->offsets[i + 1] - t->offsets[i];
        if (len == 3 && p[0] == 0xE2 && p[1] == 0x96 && p[2] == 0x81 && t->types[i] == ALBERT__PIECE_NORMAL)
            have_space_piece = 1;
        for (k = 1; k + 2 < len; k++)
            if (p[k] == 0xE2 && p[k + 1] == 0x96 && p[k + 2] == 0x81) return 0;
    }
    return have_space_piece;
}

/* 1: no normalizer rule and no user-defined piece starting with the ASCII byte x goes on with an ASCII byte, so in
   an ASCII text every match at x is x alone. */
static int albert__spm_ascii_alone(const struct albert__tokenizer *t, uint8_t x)
{
    uint32_t c;
    if (t->charsmap_units) {
        const uint32_t *a = t->charsmap_units;
        uint32_t pos = ALBERT__DARTS_OFFSET(a[0]) ^ x;
        if (pos < t->n_charsmap_units && ALBERT__DARTS_LABEL(a[pos]) == x) {
            pos ^= ALBERT__DARTS_OFFSET(a[pos]);
            for (c = 0; c < 128; c++) {
                uint32_t next = pos ^ c;
                if (next < t->n_charsmap_units && ALBERT__DARTS_LABEL(a[next]) == c) return 0;
            }
        }
    }
    if (t->user_trie.n_units) {
        uint32_t node = albert__trie_child(&t->user_trie, 0, x);
        if (node)
            for (c = 0; c < 128; c++)
                if (albert__trie_child(&t->user_trie, node, (uint8_t)c)) return 0;
    }
    return 1;
}

/* 1: the byte x of an ASCII text is normalized on its own, also after HF's lower-casing and `` / '' -> ". */
static int albert__spm_byte_local(const struct albert__tokenizer *t, uint8_t x)
{
    int lower = (t->flags & ALBERT_TOKENIZER_LOWER_CASE) != 0;
    if (x >= 0x80 || !albert__spm_ascii_alone(t, x)) return 0;
    if (lower && !albert__spm_ascii_alone(t, t->ascii_lower[x])) return 0;
    if ((x == '`' || x == '\'') && !albert__spm_ascii_alone(t, '"')) return 0;
    return 1;
}

/* The length of the shortest prefix of s[0..n) of at least `want` bytes that ends just before an ASCII whitespace
   byte where the tokenization is local (see above); 0 if there is none. *checked: how far s has been checked
   (SentencePiece), carried from call to call. */
static size_t albert__tok_cut(const struct albert__tokenizer *t, const uint8_t *s, size_t n, size_t want, size_t *checked)
{
    size_t c;
    int spm = t->kind == ALBERT_TOKENIZER_SENTENCEPIECE;
    for (c = want; c < n; c++) {
        if (spm)
            for (; *checked <= c; (*checked)++)
                if (!albert__spm_byte_local(t, s[*checked])) return 0;
        if (albert__is_ascii_space(s[c])) return c;
    }
    return 0;
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
    result = ALBERT_OK;
    n_a = 0;   /* 1 below: the first max_tokens - 2 pieces came from a prefix (early stop, see albert__tok_cut) */
    if (!text_pair && max_tokens > 2 && text_len >= ALBERT__EARLY_MIN_BYTES && albert__tok_is_local(t)) {
        size_t budget = (size_t)max_tokens - 2, want = 8 * budget + 64, checked = 0, cut;
        while (want < text_len && (cut = albert__tok_cut(t, (const uint8_t *)text, text_len, want, &checked)) > 0) {
            a.n = 0;
            if ((result = albert__tokenize_text(t, (const uint8_t *)text, cut, &a, &work)) != ALBERT_OK) break;
            if (a.n >= budget) { n_a = 1; break; }
            want = cut * 4;
        }
    }
    if (result == ALBERT_OK && !n_a) {
        a.n = 0;
        result = albert__tokenize_text(t, (const uint8_t *)text, text_len, &a, &work);
    }
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
    if (outputs->sentence && outputs->pooling == ALBERT_POOLING_DEFAULT && c->max_seq_length > 0 &&
        limit > c->max_seq_length)
        limit = c->max_seq_length;   /* what sentence-transformers' encode() truncates to */
    r = albert_tokenize(ctx->model, text, text_len, text_pair, pair_len, limit, tokens);
    if (r != ALBERT_OK) return albert__ctx_fail(ctx, r, "cannot tokenize the text: %s", albert_result_string(r));
    memset(&batch, 0, sizeof batch);
    batch.batch_size = 1;
    batch.seq_len = tokens->n_tokens;
    batch.input_ids = tokens->ids;
    batch.token_type_ids = tokens->type_ids;
    return albert_encode_batch(ctx, &batch, outputs);
}

/* ============================================================================================== */
/* ==== 20. Tasks: classification, question answering, token classification, multiple choice ==== */
/* ============================================================================================== */
/* ----------------------------------------------------- 20.1 shared steps, sequence classification, multiple choice */
/* What HF transformers' pipelines do after the model (pipelines/text_classification.py,
   question_answering.py, token_classification.py; the fast-tokenizer path), on this library's logits.
   The decoding steps (albert__qa_window_add, albert__qa_finish, albert__ner_decode) work on logits and token
   tables only, so tests can check them on HF's golden logits. */

/* Tokenizes text (+ pair) into freshly allocated buffers (ids, type ids, offsets); max_tokens as albert_tokenize. */
static albert_result albert__tokenize_alloc(albert_context *ctx, const char *text, size_t text_len, const char *pair,
                                            size_t pair_len, int32_t max_tokens, albert_tokens *t)
{
    albert_result r;
    memset(t, 0, sizeof *t);
    r = albert_tokenize(ctx->model, text, text_len, pair, pair_len, max_tokens, t);
    if (r != ALBERT_ERR_CAPACITY)
        return albert__ctx_fail(ctx, r == ALBERT_OK ? ALBERT_ERR_ARGUMENT : r, "cannot tokenize the text: %s",
                                albert_result_string(r == ALBERT_OK ? ALBERT_ERR_ARGUMENT : r));
    t->capacity = t->n_tokens;
    t->ids = (int32_t *)ALBERT_MALLOC(sizeof(int32_t) * 4 * (size_t)t->capacity);
    if (!t->ids) return albert__ctx_fail(ctx, ALBERT_ERR_MEMORY, "out of memory for %ld tokens", (long)t->capacity);
    t->type_ids = t->ids + t->capacity;
    t->offsets = t->ids + 2 * (size_t)t->capacity;
    r = albert_tokenize(ctx->model, text, text_len, pair, pair_len, max_tokens, t);
    if (r != ALBERT_OK) {
        ALBERT_FREE(t->ids);
        t->ids = NULL;
        return albert__ctx_fail(ctx, r, "cannot tokenize the text: %s", albert_result_string(r));
    }
    return ALBERT_OK;
}

/* The most tokens one input may have: the context's capacity and the model's positions. */
static int32_t albert__input_limit(const albert_context *ctx)
{
    int32_t limit = ctx->max_tokens, positions = ctx->model->config.max_position_embeddings;
    return limit < positions ? limit : positions;
}

/* Runs one sequence and fills class_logits or token_logits (whichever is not NULL). */
static albert_result albert__run_one(albert_context *ctx, const albert_tokens *t, float *class_logits,
                                     float *token_logits)
{
    albert_batch b;
    albert_outputs o;
    memset(&b, 0, sizeof b);
    memset(&o, 0, sizeof o);
    b.batch_size = 1;
    b.seq_len = t->n_tokens;
    b.input_ids = t->ids;
    b.token_type_ids = t->type_ids;
    o.class_logits = class_logits;
    o.token_logits = token_logits;
    return albert_encode_batch(ctx, &b, &o);
}

static albert_result albert__require_head(albert_context *ctx, albert_head head, const char *task)
{
    if (!ctx->model->tokenizer) return albert__ctx_fail(ctx, ALBERT_ERR_NO_TOKENIZER, "the model file has no tokenizer");
    if (ctx->model->config.head != head)
        return albert__ctx_fail(ctx, ALBERT_ERR_NO_HEAD, "%s needs a model file with that head (its head kind is %d)",
                                task, (int)ctx->model->config.head);
    return ALBERT_OK;
}

/* softmax of x[n] into y[n] as numpy does it (max subtracted; float32 exp, the sum in double) */
static void albert__softmax(const float *x, int32_t n, float *y)
{
    float mx;
    double sum = 0.0;
    int32_t i;
    if (n < 1) return;
    mx = x[0];
    for (i = 1; i < n; i++) if (x[i] > mx) mx = x[i];
    for (i = 0; i < n; i++) sum += (double)(y[i] = expf(x[i] - mx));
    for (i = 0; i < n; i++) y[i] = (float)((double)y[i] / sum);
}

ALBERT_DEF albert_result albert_classify(albert_context *ctx, albert_classify_job *job)
{
    const albert_config *c;
    albert_tokens t;
    albert_result r;
    float *logits;
    int32_t N, i;
    if (!ctx) return ALBERT_ERR_ARGUMENT;
    if (!job || !job->text) return albert__ctx_fail(ctx, ALBERT_ERR_ARGUMENT, "job or text is NULL");
    c = &ctx->model->config;
    if ((r = albert__require_head(ctx, ALBERT_HEAD_SEQUENCE_CLASSIFICATION, "classification")) != ALBERT_OK) return r;
    N = c->num_labels;
    if ((r = albert__tokenize_alloc(ctx, job->text, job->text_len, job->pair, job->pair ? job->pair_len : 0,
                                    albert__input_limit(ctx), &t)) != ALBERT_OK)
        return r;
    logits = (float *)ALBERT_MALLOC(sizeof(float) * 2 * (size_t)N);
    if (!logits) { ALBERT_FREE(t.ids); return albert__ctx_fail(ctx, ALBERT_ERR_MEMORY, "out of memory"); }
    r = albert__run_one(ctx, &t, logits, NULL);
    ALBERT_FREE(t.ids);
    if (r == ALBERT_OK) {
        float *scores = logits + N;
        const char *function;
        /* text_classification.py postprocess: regression -> none; multi_label or 1 label -> sigmoid; else softmax */
        if (c->problem_type == ALBERT_PROBLEM_REGRESSION) function = "none";
        else if (c->problem_type == ALBERT_PROBLEM_MULTI_LABEL || N == 1) function = "sigmoid";
        else function = "softmax";
        if (function[0] == 'n') memcpy(scores, logits, sizeof(float) * (size_t)N);
        else if (function[1] == 'i') for (i = 0; i < N; i++) scores[i] = (float)(1.0 / (1.0 + exp(-(double)logits[i])));
        else albert__softmax(logits, N, scores);
        if (job->logits) memcpy(job->logits, logits, sizeof(float) * (size_t)N);
        if (job->scores) memcpy(job->scores, scores, sizeof(float) * (size_t)N);
        job->function = function;
    }
    ALBERT_FREE(logits);
    return r;
}

ALBERT_DEF albert_result albert_choose(albert_context *ctx, albert_choice_job *job)
{
    albert_result r;
    float *logits;
    int32_t i;
    if (!ctx) return ALBERT_ERR_ARGUMENT;
    if (!job || !job->prompt || (job->n_choices > 0 && !job->choices))
        return albert__ctx_fail(ctx, ALBERT_ERR_ARGUMENT, "job, prompt or choices is NULL");
    if ((r = albert__require_head(ctx, ALBERT_HEAD_MULTIPLE_CHOICE, "multiple choice")) != ALBERT_OK) return r;
    if (job->n_choices < 1) return albert__ctx_fail(ctx, ALBERT_ERR_EMPTY, "multiple choice needs at least one choice");
    for (i = 0; i < job->n_choices; i++)
        if (!job->choices[i]) return albert__ctx_fail(ctx, ALBERT_ERR_ARGUMENT, "choice %ld is NULL", (long)i);
    logits = (float *)ALBERT_MALLOC(sizeof(float) * 2 * (size_t)job->n_choices);
    if (!logits) return albert__ctx_fail(ctx, ALBERT_ERR_MEMORY, "out of memory");
    for (i = 0; i < job->n_choices; i++) {   /* one sequence each: the same values as HF's padded batch */
        albert_tokens t;
        size_t len = job->choice_lens ? job->choice_lens[i] : strlen(job->choices[i]);
        r = albert__tokenize_alloc(ctx, job->prompt, job->prompt_len, job->choices[i], len, albert__input_limit(ctx), &t);
        if (r == ALBERT_OK) {
            r = albert__run_one(ctx, &t, logits + i, NULL);
            ALBERT_FREE(t.ids);
        }
        if (r != ALBERT_OK) { ALBERT_FREE(logits); return r; }
    }
    albert__softmax(logits, job->n_choices, logits + job->n_choices);
    if (job->logits) memcpy(job->logits, logits, sizeof(float) * (size_t)job->n_choices);
    if (job->probs) memcpy(job->probs, logits + job->n_choices, sizeof(float) * (size_t)job->n_choices);
    ALBERT_FREE(logits);
    return ALBERT_OK;
}

/* ---------------------------------------------------------------- 20.2 question answering */
/* One window of a question-answering input, as the decoding sees it. */
typedef struct albert__qa_window {
    const float *logits;        /* [n x 2] start, end */
    const int32_t *offsets;     /* [2n] byte ranges in the context (context tokens only) */
    const uint8_t *allowed;     /* [n] 1 = may be part of an answer: context tokens, and [CLS] (p_mask 0) */
    const uint8_t *in_context;  /* [n] 1 = a context token (sequence id 1) */
    const uint8_t *word_start;  /* [n] 1 = the first token of a word (a context token) */
    int32_t n;
} albert__qa_window;

typedef struct albert__qa_state {
    albert_answer *answers;     /* candidates so far, in the order HF appends them */
    int32_t n, capacity;
    double min_null;            /* HF's min_null_score (starts at 1000000) */
} albert__qa_state;

typedef struct albert__qa_span { double score; int32_t s, e; } albert__qa_span;

/* 1 if the context bytes [a0, a1) and [b0, b1) are equal ignoring ASCII case (HF compares str.lower()). */
static int albert__same_answer(const char *text, int32_t a0, int32_t a1, int32_t b0, int32_t b1)
{
    int32_t i;
    if (a1 - a0 != b1 - b0) return 0;
    for (i = 0; i < a1 - a0; i++) {
        int x = (unsigned char)text[a0 + i], y = (unsigned char)text[b0 + i];
        if (x >= 'A' && x <= 'Z') x += 32;
        if (y >= 'A' && y <= 'Z') y += 32;
        if (x != y) return 0;
    }
    return 1;
}

/* select_starts_ends + decode_spans + the fast-tokenizer part of postprocess for one window: softmax of start and
   end over the allowed tokens (others -10000), null score from position 0, position 0 zeroed, the pre_topk best
   spans (start <= end < start + max_answer_len, both allowed) widened to whole words (token_to_word /
   word_to_chars), answers with equal text summed. Spans of score 0 (those that HF could only list when fewer
   than pre_topk spans score above 0) are left out. Returns ALBERT_ERR_MEMORY or ALBERT_OK. */
static albert_result albert__qa_window_add(albert__qa_state *st, const albert__qa_window *w, const char *context,
                                           int32_t top_k, int32_t max_answer_len, int handle_impossible)
{
    int32_t n = w->n, pre_topk = top_k * 2 + 10, n_spans = 0, i, s, e;
    float *p = n > 0 ? (float *)ALBERT_MALLOC(sizeof(float) * 4 * (size_t)n) : NULL;
    albert__qa_span *spans = (albert__qa_span *)ALBERT_MALLOC(sizeof(albert__qa_span) * (size_t)(pre_topk + 1));
    float *ps, *pe;
    if (!p || !spans) { ALBERT_FREE(p); ALBERT_FREE(spans); return n > 0 ? ALBERT_ERR_MEMORY : ALBERT_OK; }
    memset(p, 0, sizeof(float) * 4 * (size_t)n);
    ps = p + 2 * (size_t)n;
    pe = ps + n;
    for (i = 0; i < n; i++) {
        p[i] = w->allowed[i] ? w->logits[2 * i] : -10000.0f;
        p[n + i] = w->allowed[i] ? w->logits[2 * i + 1] : -10000.0f;
    }
    albert__softmax(p, n, ps);
    albert__softmax(p + n, n, pe);
    if (handle_impossible && (double)ps[0] * pe[0] < st->min_null) st->min_null = (double)ps[0] * pe[0];
    ps[0] = pe[0] = 0.0f;
    for (s = 0; s < n; s++) {
        if (!w->allowed[s] || ps[s] == 0.0f) continue;
        for (e = s; e < n && e - s < max_answer_len; e++) {
            double score = (double)ps[s] * pe[e];
            int32_t at;
            if (!w->allowed[e] || !(score > 0.0)) continue;
            /* keep the best pre_topk, score descending, earlier (s, e) first on ties */
            for (at = n_spans; at > 0 && spans[at - 1].score < score; at--) {}
            if (at >= pre_topk) continue;
            memmove(spans + at + 1, spans + at, sizeof(albert__qa_span) * (size_t)(n_spans - at));
            spans[at].score = score;
            spans[at].s = s;
            spans[at].e = e;
            if (n_spans < pre_topk) n_spans++;
        }
    }
    for (i = 0; i < n_spans; i++) {
        int32_t a = spans[i].s, b = spans[i].e, start, end, k;
        if (w->in_context[a] && w->in_context[b]) {   /* align_to_words: the words holding the first / last token */
            while (a > 0 && !w->word_start[a] && w->in_context[a - 1]) a--;
            while (b + 1 < n && w->in_context[b + 1] && !w->word_start[b + 1]) b++;
            start = w->offsets[2 * a];
            end = w->offsets[2 * b + 1];
        } else {   /* a token outside the context ([CLS]): no word, HF keeps its offsets (0, 0) */
            start = w->in_context[a] ? w->offsets[2 * a] : 0;
            end = w->in_context[b] ? w->offsets[2 * b + 1] : 0;
        }
        for (k = 0; k < st->n; k++)
            if (albert__same_answer(context, st->answers[k].start, st->answers[k].end, start, end)) break;
        if (k < st->n) {
            st->answers[k].score = (float)((double)st->answers[k].score + spans[i].score);
            continue;
        }
        if (st->n == st->capacity) {
            int32_t cap = st->capacity ? 2 * st->capacity : 64;
            albert_answer *grown = (albert_answer *)ALBERT_MALLOC(sizeof(albert_answer) * (size_t)(cap + 1));
            if (!grown) { ALBERT_FREE(p); ALBERT_FREE(spans); return ALBERT_ERR_MEMORY; }
            if (st->n) memcpy(grown, st->answers, sizeof(albert_answer) * (size_t)st->n);
            ALBERT_FREE(st->answers);
            st->answers = grown;
            st->capacity = cap;
        }
        st->answers[st->n].score = (float)spans[i].score;
        st->answers[st->n].start = start;
        st->answers[st->n].end = end;
        st->n++;
    }
    ALBERT_FREE(p);
    ALBERT_FREE(spans);
    return ALBERT_OK;
}

/* The end of postprocess: the "no answer" (min_null_score, 0, 0) appended if asked, a stable sort by score
   (Python's sorted, reverse=True), the first top_k. Returns how many were written to out. */
static int32_t albert__qa_finish(albert__qa_state *st, int handle_impossible, int32_t top_k, albert_answer *out)
{
    int32_t i, j, n;
    if (handle_impossible) {   /* the state always has room for one more (capacity + 1 allocated) */
        if (!st->answers) {
            if (top_k < 1) return 0;
            out[0].score = (float)st->min_null;
            out[0].start = out[0].end = 0;
            return 1;
        }
        st->answers[st->n].score = (float)st->min_null;
        st->answers[st->n].start = st->answers[st->n].end = 0;
        st->n++;
    }
    for (i = 1; i < st->n; i++) {   /* stable insertion sort, descending */
        albert_answer a = st->answers[i];
        for (j = i; j > 0 && st->answers[j - 1].score < a.score; j--) st->answers[j] = st->answers[j - 1];
        st->answers[j] = a;
    }
    n = st->n < top_k ? st->n : top_k;
    for (i = 0; i < n; i++) out[i] = st->answers[i];
    return n;
}

/* 1 if the piece starts a word: SentencePiece pieces that begin with U+2581, WordPiece pieces without "##". */
static int albert__starts_word(const albert_model *m, int32_t id)
{
    int32_t len = 0;
    const char *p = albert_token_piece(m, id, &len);
    if (!p) return 1;
    if (m->config.tokenizer == ALBERT_TOKENIZER_WORDPIECE) return !(len >= 2 && p[0] == '#' && p[1] == '#');
    return len >= 3 && (unsigned char)p[0] == 0xE2 && (unsigned char)p[1] == 0x96 && (unsigned char)p[2] == 0x81;
}

ALBERT_DEF albert_result albert_qa(albert_context *ctx, albert_qa_job *job)
{
    const albert_model *m;
    albert_tokens q, c;
    albert__qa_state st;
    albert_result r;
    int32_t top_k, max_answer_len, max_seq_len, stride, nq, nc, budget, start, S, i, n_out;
    int32_t *buf = NULL;
    float *logits = NULL;
    uint8_t *flags = NULL;
    albert_answer *out = NULL;

    if (!ctx) return ALBERT_ERR_ARGUMENT;
    if (!job || !job->question || !job->context || !job->answers)
        return albert__ctx_fail(ctx, ALBERT_ERR_ARGUMENT, "job, question, context or answers is NULL");
    m = ctx->model;
    if ((r = albert__require_head(ctx, ALBERT_HEAD_QUESTION_ANSWERING, "question answering")) != ALBERT_OK) return r;
    if (job->top_k < 0 || job->max_answer_len < 0 || job->max_seq_len < 0 || job->doc_stride < 0)
        return albert__ctx_fail(ctx, ALBERT_ERR_ARGUMENT, "negative top_k, max_answer_len, max_seq_len or doc_stride");
    if (job->top_k > (1 << 20)) return albert__ctx_fail(ctx, ALBERT_ERR_ARGUMENT, "top_k above 2^20");
    if (job->question_len == 0 || job->context_len == 0)
        return albert__ctx_fail(ctx, ALBERT_ERR_EMPTY, "the question or the context is empty");
    if (job->context_len > 0x7FFFFFFF) return albert__ctx_fail(ctx, ALBERT_ERR_TOO_LONG, "the context is too long");
    top_k = job->top_k ? job->top_k : 1;
    max_answer_len = job->max_answer_len ? job->max_answer_len : 15;
    max_seq_len = job->max_seq_len ? job->max_seq_len : (albert__input_limit(ctx) < 384 ? albert__input_limit(ctx) : 384);
    if (max_seq_len > albert__input_limit(ctx))
        return albert__ctx_fail(ctx, ALBERT_ERR_TOO_LONG, "max_seq_len %ld is more than the model or context takes (%ld)",
                                (long)max_seq_len, (long)albert__input_limit(ctx));
    stride = job->doc_stride ? job->doc_stride : (max_seq_len / 2 < 128 ? max_seq_len / 2 : 128);

    /* each text on its own: the ids of a pair are the two encodings with the specials around them */
    if ((r = albert__tokenize_alloc(ctx, job->question, job->question_len, NULL, 0, 0, &q)) != ALBERT_OK) return r;
    if ((r = albert__tokenize_alloc(ctx, job->context, job->context_len, NULL, 0, 0, &c)) != ALBERT_OK) {
        ALBERT_FREE(q.ids);
        return r;
    }
    nq = q.n_tokens - 2;
    nc = c.n_tokens - 2;
    budget = max_seq_len - nq - 3;   /* context tokens per window (HF truncation "only_second") */
    memset(&st, 0, sizeof st);
    st.min_null = 1000000.0;
    if (nc <= 0) {
        r = albert__ctx_fail(ctx, ALBERT_ERR_EMPTY, "the context has no tokens");
        goto done;
    }
    if (budget <= 0) {
        r = albert__ctx_fail(ctx, ALBERT_ERR_TOO_LONG, "the question takes %ld tokens: no room is left for the context "
                             "in windows of max_seq_len %ld", (long)nq, (long)max_seq_len);
        goto done;
    }
    if (nc > budget && stride >= budget) {
        r = albert__ctx_fail(ctx, ALBERT_ERR_ARGUMENT, "doc_stride %ld must be smaller than the %ld context tokens a "
                             "window holds", (long)stride, (long)budget);
        goto done;
    }
    S = nq + 3 + (nc < budget ? nc : budget);
    buf = (int32_t *)ALBERT_MALLOC(sizeof(int32_t) * 4 * (size_t)S);
    logits = (float *)ALBERT_MALLOC(sizeof(float) * 2 * (size_t)S);
    flags = (uint8_t *)ALBERT_MALLOC(3 * (size_t)S);
    out = (albert_answer *)ALBERT_MALLOC(sizeof(albert_answer) * (size_t)top_k);
    if (!buf || !logits || !flags || !out) { r = albert__ctx_fail(ctx, ALBERT_ERR_MEMORY, "out of memory"); goto done; }

    /* windows as tokenizers' Encoding::truncate: starts 0, budget - stride, ...; until one reaches the end */
    for (start = 0;; start += budget - stride) {
        int32_t stop = start + budget < nc ? start + budget : nc, n = 0;
        albert_tokens t;
        albert__qa_window w;
        memset(&t, 0, sizeof t);
        t.ids = buf;
        t.type_ids = buf + S;
        t.offsets = buf + 2 * (size_t)S;
        t.ids[n] = m->config.cls_id, t.type_ids[n++] = 0;
        for (i = 0; i < nq; i++) t.ids[n] = q.ids[1 + i], t.type_ids[n++] = 0;
        t.ids[n] = m->config.sep_id, t.type_ids[n++] = 0;
        for (i = start; i < stop; i++) {
            t.ids[n] = c.ids[1 + i];
            t.type_ids[n] = 1;
            t.offsets[2 * n] = c.offsets[2 * (1 + i)];
            t.offsets[2 * n + 1] = c.offsets[2 * (1 + i) + 1];
            n++;
        }
        t.ids[n] = m->config.sep_id, t.type_ids[n++] = 1;
        t.n_tokens = n;
        for (i = 0; i < n; i++) {
            int ctx_token = i >= nq + 2 && i < n - 1;
            flags[i] = (uint8_t)(ctx_token || t.ids[i] == m->config.cls_id);   /* p_mask 0 */
            flags[S + i] = (uint8_t)ctx_token;
            flags[2 * S + i] = (uint8_t)(ctx_token && (i == nq + 2 || albert__starts_word(m, t.ids[i])));
        }
        if ((r = albert__run_one(ctx, &t, NULL, logits)) != ALBERT_OK) goto done;
        w.logits = logits;
        w.offsets = t.offsets;
        w.allowed = flags;
        w.in_context = flags + S;
        w.word_start = flags + 2 * S;
        w.n = n;
        if (albert__qa_window_add(&st, &w, job->context, top_k, max_answer_len, job->handle_impossible_answer) != ALBERT_OK) {
            r = albert__ctx_fail(ctx, ALBERT_ERR_MEMORY, "out of memory");
            goto done;
        }
        if (stop == nc) break;
    }
    n_out = albert__qa_finish(&st, job->handle_impossible_answer, top_k, out);
    memcpy(job->answers, out, sizeof(albert_answer) * (size_t)n_out);
    job->n_answers = n_out;
    r = ALBERT_OK;
done:
    ALBERT_FREE(q.ids);
    ALBERT_FREE(c.ids);
    ALBERT_FREE(buf);
    ALBERT_FREE(logits);
    ALBERT_FREE(flags);
    ALBERT_FREE(out);
    ALBERT_FREE(st.answers);
    return r;
}

/* ---------------------------------------------------------------- 20.3 token classification */
/* The label index's name, or "" when the file has none. */
static const char *albert__label(const albert_model *m, int32_t label)
{
    const char *name = albert_label_name(m, label);
    return name ? name : "";
}

/* get_tag: ("B", rest) for "B-...", ("I", rest) for "I-...", else ("I", the whole label). */
static const char *albert__tag(const char *label, int *is_begin)
{
    *is_begin = label[0] == 'B' && label[1] == '-';
    if ((label[0] == 'B' || label[0] == 'I') && label[1] == '-') return label + 2;
    return label;
}

/* A finished group of the simple aggregation (group_sub_entities): its type is the first label after the first
   "-" (HF: split("-", 1)[-1]), its score the mean of the tokens' scores. Dropped if the type is "O". */
static int32_t albert__ner_emit(const albert_model *m, const albert_entity *first, int32_t last_token, int32_t end,
                                double sum, int32_t members, albert_entity *out, int32_t count)
{
    const char *label = albert__label(m, first->label_id), *dash = strchr(label, '-');
    if (dash) label = dash + 1;
    if (strcmp(label, "O") == 0) return count;
    out[count] = *first;
    out[count].label = label;
    out[count].score = (float)(sum / (double)members);
    out[count].end = end;
    out[count].n_tokens = last_token - first->first_token + 1;
    return count + 1;
}

/* postprocess of the token-classification pipeline (none / simple) on one sequence's logits [n x N]: softmax per
   token, special tokens skipped, argmax label (the first on ties) and its probability; simple: group_entities
   (a token joins the group when its tag equals the previous token's and it is not a B-); entries labelled "O"
   dropped. Writes at most n entities to out (probs: N floats of scratch); returns the count. */
static int32_t albert__ner_decode(const albert_model *m, const float *logits, const int32_t *offsets,
                                  const uint8_t *special, int32_t n, int aggregation, albert_entity *out,
                                  float *probs)
{
    int32_t N = m->config.num_labels, i, j, count = 0, members = 0, last_label = 0, last_token = 0, end = 0;
    albert_entity first;
    double sum = 0.0;
    memset(&first, 0, sizeof first);
    for (i = 0; i < n; i++) {
        albert_entity t;
        int32_t best = 0;
        if (special[i]) continue;
        albert__softmax(logits + (size_t)i * N, N, probs);
        for (j = 1; j < N; j++) if (probs[j] > probs[best]) best = j;
        t.label = albert__label(m, best);
        t.label_id = best;
        t.score = probs[best];
        t.start = offsets[2 * i];
        t.end = offsets[2 * i + 1];
        t.first_token = i;
        t.n_tokens = 1;
        if (aggregation == ALBERT_AGGREGATION_NONE) {
            if (strcmp(t.label, "O") != 0) out[count++] = t;
            continue;
        }
        if (members > 0) {
            int begin, last_begin;
            const char *tag = albert__tag(t.label, &begin);
            if (!begin && strcmp(tag, albert__tag(albert__label(m, last_label), &last_begin)) == 0) {
                sum += t.score;
                members++;
                last_label = best;
                last_token = i;
                end = t.end;
                continue;
            }
            count = albert__ner_emit(m, &first, last_token, end, sum, members, out, count);
        }
        first = t;
        sum = t.score;
        members = 1;
        last_label = best;
        last_token = i;
        end = t.end;
    }
    if (members > 0) count = albert__ner_emit(m, &first, last_token, end, sum, members, out, count);
    return count;
}

ALBERT_DEF albert_result albert_ner(albert_context *ctx, albert_ner_job *job)
{
    const albert_model *m;
    albert_tokens t;
    albert_result r;
    float *logits;
    uint8_t *special;
    albert_entity *found;
    int32_t i, count, N;
    if (!ctx) return ALBERT_ERR_ARGUMENT;
    if (!job || !job->text || (job->capacity > 0 && !job->entities) || job->capacity < 0)
        return albert__ctx_fail(ctx, ALBERT_ERR_ARGUMENT, "job, text or entities is NULL");
    if (job->aggregation != ALBERT_AGGREGATION_NONE && job->aggregation != ALBERT_AGGREGATION_SIMPLE)
        return albert__ctx_fail(ctx, ALBERT_ERR_ARGUMENT, "unknown aggregation %ld", (long)job->aggregation);
    m = ctx->model;
    if ((r = albert__require_head(ctx, ALBERT_HEAD_TOKEN_CLASSIFICATION, "token classification")) != ALBERT_OK) return r;
    N = m->config.num_labels;
    if ((r = albert__tokenize_alloc(ctx, job->text, job->text_len, NULL, 0, albert__input_limit(ctx), &t)) != ALBERT_OK)
        return r;
    logits = (float *)ALBERT_MALLOC(sizeof(float) * ((size_t)t.n_tokens * N + N));
    special = (uint8_t *)ALBERT_MALLOC((size_t)t.n_tokens);
    found = (albert_entity *)ALBERT_MALLOC(sizeof(albert_entity) * (size_t)t.n_tokens);
    if (!logits || !special || !found) {
        r = albert__ctx_fail(ctx, ALBERT_ERR_MEMORY, "out of memory");
    } else if ((r = albert__run_one(ctx, &t, NULL, logits)) == ALBERT_OK) {
        for (i = 0; i < t.n_tokens; i++) special[i] = t.offsets[2 * i] < 0;   /* [CLS], [SEP] */
        count = albert__ner_decode(m, logits, t.offsets, special, t.n_tokens, job->aggregation, found,
                                   logits + (size_t)t.n_tokens * N);
        job->n_entities = count;
        if (count > job->capacity) {
            r = albert__ctx_fail(ctx, ALBERT_ERR_CAPACITY, "%ld entities, room for %ld", (long)count, (long)job->capacity);
        } else if (count > 0) {
            memcpy(job->entities, found, sizeof(albert_entity) * (size_t)count);
        }
    }
    ALBERT_FREE(t.ids);
    ALBERT_FREE(logits);
    ALBERT_FREE(special);
    ALBERT_FREE(found);
    return r;
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


/* convert.h - the converter's internal interfaces (tools/albert-convert).

   The converter reads a checkpoint (safetensors, torch .bin, TF bundle) through a reader that lists its
   tensors (ck_*), maps names to the blob's names, and writes the blob through blob_writer (blob_*).
   Tokenizer files (SentencePiece .model, vocab.txt) and the Unicode tables add their tensors through the
   same writer. Every function returns 0 on success, or -1 with a message in err (a char[CK_ERR_LEN]).
   See albert.h "THE MODEL FILE" for the format written here. */
#ifndef ALBERT_CONVERT_H
#define ALBERT_CONVERT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CK_ERR_LEN 512
#define CK_MAX_DIMS 8

/* ---------------------------------------------------------------- checkpoint readers */
typedef enum ck_dtype { CK_F32, CK_F16, CK_BF16, CK_F64, CK_I64, CK_I32, CK_I8, CK_U8, CK_BOOL, CK_STRING, CK_OTHER } ck_dtype;

typedef struct ck_tensor {
    char *name;                    /* as in the file (HF names for safetensors/torch, TF names for TF) */
    ck_dtype dtype;
    int ndim;
    int64_t dims[CK_MAX_DIMS];
    int64_t strides[CK_MAX_DIMS];  /* in elements; contiguous row-major unless a torch view says otherwise */
    const uint8_t *data;           /* first element (inside the mapped file); NULL for unsupported dtypes */
    uint64_t nbytes;               /* bytes reachable from data that this tensor may touch (validated) */
} ck_tensor;

typedef struct ck_file {
    ck_tensor *tensors;
    int n_tensors;
    char *path;                    /* for messages */
    void *impl;                    /* reader-private (mappings, buffers) */
    void (*close)(struct ck_file *f);
} ck_file;

int ck_open_safetensors(const char *path, ck_file *f, char *err);
int ck_open_torch(const char *path, ck_file *f, char *err);          /* zip (>= 1.6) or legacy pickle format */
int ck_open_tf(const char *index_path, ck_file *f, char *err);       /* X.index + X.data-00000-of-00001 */
void ck_close(ck_file *f);
const ck_tensor *ck_find(const ck_file *f, const char *name);
/* Copies a tensor as contiguous float32 (from f32/f16/bf16/f64, honouring strides) into dst[count]. */
int ck_read_f32(const ck_file *f, const ck_tensor *t, float *dst, int64_t count, char *err);
int64_t ck_numel(const ck_tensor *t);

/* ---------------------------------------------------------------- ck_os.c: files on POSIX and Windows */
/* Paths are UTF-8 (Windows: converted to UTF-16 for the wide API). Sizes are 64-bit everywhere. */
typedef struct ck_mapping {
    void *data;                    /* read-only view of the whole file; NULL for an empty file */
    size_t size;
} ck_mapping;
enum { CK_PATH_NONE = 0, CK_PATH_FILE = 1, CK_PATH_FOLDER = 2, CK_PATH_OTHER = 3 };
FILE *ck_fopen(const char *path, const char *mode);
int ck_remove(const char *path);
/* CK_PATH_*: what path is (following links); *size (may be NULL) gets a regular file's size. */
int ck_path_kind(const char *path, uint64_t *size);
int ck_same_file(const char *a, const char *b);
/* Calls visit(name, arg) for every entry of folder (incl. "." and ".."); -1 if it cannot be listed. */
int ck_list_folder(const char *folder, int (*visit)(const char *name, void *arg), void *arg);
/* Maps a regular file read-only (0) or says why not in err (-1). ck_unmap_file undoes it (safe on a zeroed m). */
int ck_map_file(const char *path, ck_mapping *m, char *err);
void ck_unmap_file(ck_mapping *m);
/* Creates the file path_template (ending in XXXXXX, replaced in place) exclusively, opened "wb"; NULL + err. */
FILE *ck_create_temp(char *path_template, char *err);
/* Flushes f to the disk (fsync / FlushFileBuffers): 0 or -1 (errno). */
int ck_sync_file(FILE *f);
/* Renames from over to atomically (rename / MoveFileExW with MOVEFILE_REPLACE_EXISTING), then syncs the folder
   where the system allows it. 0, or -1 with err. */
int ck_replace_file(const char *from, const char *to, char *err);

/* ---------------------------------------------------------------- ck_common.c: what every reader shares */
/* "path: message" (printf-style) into err[CK_ERR_LEN]; path NULL = "(checkpoint)". Returns -1. */
int ck_fail(char *err, const char *path, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* A bounds-checked cursor over bytes (stb_truetype's stbtt__buf, stb_image's context): every read checks what is
   left; the first read past the end (or a malformed varint) sets `failed`, and from then on every read returns
   0 / NULL and moves nothing, so a parser may test `failed` once after a run of reads. */
typedef struct ck_cursor {
    const uint8_t *p, *end;
    int failed;
} ck_cursor;

ck_cursor ck_cursor_make(const void *data, size_t size);
size_t ck_cursor_left(const ck_cursor *c);
uint32_t ck_cursor_u32(ck_cursor *c);          /* little-endian */
uint64_t ck_cursor_u64(ck_cursor *c);          /* little-endian */
uint64_t ck_cursor_varint(ck_cursor *c);       /* base-128, at most 10 bytes and 64 bits */
const uint8_t *ck_cursor_take(ck_cursor *c, size_t n);   /* the next n bytes, or NULL */

/* One protobuf field (wire format): number, wire type (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32) and
   its payload: value = the varint or the fixed64 / fixed32 read little-endian; data/len = the payload bytes of LEN
   and fixed fields (inside the cursor's bytes). Groups (3, 4) and reserved wire types are malformed. */
typedef struct ck_pb_field {
    uint32_t number, wire;
    uint64_t value;
    const uint8_t *data;
    size_t len;
} ck_pb_field;

/* The next field of a message: 1 and *f, 0 at the end of the bytes, -1 on malformed input (c->failed is set).
   Used by the TF bundle reader (ck_tf.c) and the SentencePiece model reader (tok_sentencepiece.c). */
int ck_pb_next(ck_cursor *c, ck_pb_field *f);

/* ---------------------------------------------------------------- blob writer */
enum { BLOB_F32 = 0, BLOB_F16 = 1, BLOB_Q8 = 2, BLOB_U8 = 3, BLOB_I32 = 4, BLOB_U32 = 5, BLOB_BF16 = 6 };
/* tensor layouts (albert.h format section): row-major, or a weight matrix packed for the int8 / bf16 kernels */
enum { BLOB_ROW_MAJOR = 0, BLOB_PACKED = 1 };

typedef struct blob_config {       /* header fields, albert.h byte offsets 40..155 and 160..167 */
    uint32_t vocab_size, embedding_size, hidden_size, num_hidden_layers, num_attention_heads;
    uint32_t intermediate_size, num_hidden_groups, inner_group_num, max_position_embeddings, type_vocab_size;
    uint32_t hidden_act;           /* albert_activation */
    float layer_norm_eps;
    uint32_t num_labels;
    uint32_t tokenizer_kind;       /* albert_tokenizer_kind */
    uint32_t tokenizer_flags;
    int32_t special_ids[8];        /* pad, unk, cls, sep, mask, bos, eos, reserved; -1 = none */
    uint32_t sentence_pooling;     /* byte 140: default sentence pooling (albert_pooling 0..4) */
    uint32_t sentence_flags;       /* byte 144: bit 0 normalize */
    uint32_t max_seq_length;       /* byte 148: 0 = none */
    uint32_t tokenizer_flags2;     /* byte 152: ALBERT_TOKENIZER2_* bits */
    uint32_t head_kind;            /* byte 132: albert_head (0 = no task head) */
    uint32_t problem_type;         /* byte 136: albert_problem_type (sequence classification only) */
    uint32_t architecture;         /* byte 160: 0 Google/HF ALBERT, 1 brightmart albert_zh */
    uint32_t brightmart_flags;     /* byte 164: bit 0 pre-LN (architecture 1 only) */
} blob_config;

typedef struct blob_writer blob_writer;

/* Opens OUT.tmp-XXXXXX next to out_path; nothing appears at out_path until blob_finish succeeds. */
blob_writer *blob_open(const char *out_path, char *err);
/* Adds a tensor; data is copied to the file now (streamed: the writer keeps only the directory in memory).
   dims[ndim]; size is checked against dtype x dims. */
int blob_add(blob_writer *w, const char *name, int dtype, int ndim, const uint32_t *dims, const void *data,
             uint64_t nbytes, char *err);
/* The same with a layout (BLOB_PACKED: 2-d q8 or bf16, size = dtype x round16(dims[0]) x round64(dims[1])). */
int blob_add_layout(blob_writer *w, const char *name, int dtype, int layout, int ndim, const uint32_t *dims,
                    const void *data, uint64_t nbytes, char *err);
/* Writes header + directory, fsyncs and renames the temporary file to out_path. */
int blob_finish(blob_writer *w, const blob_config *config, char *err);
/* Removes the temporary file (after any failure) and frees w. Safe after blob_finish (then only frees). */
void blob_abort(blob_writer *w);

/* ---------------------------------------------------------------- tokenizer files */
/* SentencePiece ModelProto (spiece.model / 30k-clean.model): adds the tok.* tensors and fills the tokenizer
   fields of cfg (kind, flags, special ids). */
int tok_add_sentencepiece(blob_writer *w, const char *model_path, blob_config *cfg, char *err);
/* BERT vocab.txt (Chinese ALBERT): adds the tok.* tensors and fills the tokenizer fields of cfg. */
int tok_add_wordpiece(blob_writer *w, const char *vocab_path, blob_config *cfg, char *err);
/* The writers behind those two, for other sources of the same data (tok_json.c):
   Unigram pieces (type: SentencePiece piece type 1..6, exactly one UNKNOWN) with the tok.spm_flags bits and an
   optional precompiled charsmap; WordPiece tokens in id order (pieces[offsets[i] .. offsets[i+1])). */
typedef struct tok_piece {
    const uint8_t *bytes;
    uint32_t len;
    float score;
    uint32_t type;
} tok_piece;
int tok_write_unigram(blob_writer *w, const tok_piece *pieces, uint32_t n, uint32_t spm_flags, const uint8_t *charsmap,
                      uint64_t charsmap_len, const char *name, char *err);
int tok_write_wordpiece(blob_writer *w, const uint8_t *pieces, const uint32_t *offsets, uint32_t n, blob_config *cfg,
                        const char *name, char *err);
/* A precompiled_charsmap's layout: [u32 trie bytes][units][NUL-terminated UTF-8 strings]. */
int tok_check_charsmap(const uint8_t *charsmap, uint64_t len, char *err, const char *name);
/* tokenizer.json (HF tokenizers; Unigram or WordPiece, see tok_json.c): the tok.* tensors, the tokenizer fields
   of cfg (kind, flags, tokenizer_flags2, special ids) and vocab_size when it is 0 on entry. */
int tok_add_tokenizer_json(blob_writer *w, const char *path, blob_config *cfg, char *err);
int tok_add_tokenizer_json_memory(blob_writer *w, const char *text, size_t size, const char *name, blob_config *cfg,
                                  char *err);
/* Strict RFC 4648 base64 into a malloc'd buffer; 0, or -1 for anything else. */
int tok_json_base64(const char *s, size_t n, uint8_t **out, size_t *out_len);
/* The Unicode tables the header's tokenizers need (uni.* tensors); called whenever a tokenizer is added. */
int tok_add_unicode_tables(blob_writer *w, char *err);

/* ---------------------------------------------------------------- st_config.c (sentence-transformers) */
typedef struct st_modules {
    char transformer_path[256];    /* modules.json's first module (the Transformer): "" = the folder itself */
    int has_pooling, normalize;
    char pooling_path[256];        /* e.g. "1_Pooling" */
} st_modules;

typedef struct st_settings {
    int present;                   /* 1: the folder has modules.json */
    st_modules modules;
    uint32_t pooling;              /* albert_pooling value (mean when there is no Pooling module) */
    uint32_t max_seq_length;       /* 0 = none */
    int lower_case;                /* sentence_bert_config.json do_lower_case */
} st_settings;

/* Reads folder/modules.json (absent: 0 with out->present 0), the Pooling module's config.json and
   sentence_bert_config.json. -1 with a message naming the module for anything the library cannot run. */
int st_read_folder(const char *folder, uint32_t hidden_size, st_settings *out, char *err);
/* The three parsers over bytes (name is used in messages); used by st_read_folder and the fuzzer. */
int st_parse_modules(const char *text, size_t len, const char *name, st_modules *out, char *err);
int st_parse_pooling(const char *text, size_t len, const char *name, uint32_t hidden_size, uint32_t *pooling, char *err);
int st_parse_sbert_config(const char *text, size_t len, const char *name, uint32_t *max_seq_length, int *lower_case,
                          char *err);

/* ---------------------------------------------------------------- bm_config.c (brightmart albert_zh) */
/* Parses brightmart's albert_config*.json (text[len]; name is used in messages) as their modeling.py reads it:
   fills the model fields of c (sizes with BertConfig's defaults, hidden_act, layer_norm_eps 1e-12, one shared
   layer, architecture 1, brightmart_flags bit 0 for pre-LN) and leaves the tokenizer fields alone. notes
   (CK_ERR_LEN bytes) gets "" or one remark for the user (an ln_type other than postln/preln, ignored keys).
   Returns 0, or -1 with a message in err. */
int bm_parse_config(const char *text, size_t len, const char *name, blob_config *c, char *notes, char *err);

/* ---------------------------------------------------------------- in-memory opens (torch, TF, safetensors) */
/* The same readers over caller-owned bytes (they must outlive the ck_file); used by tests and fuzzing.
   name is used in messages. ck_open_tf_memory takes the .index bytes and the data shards in shard order.
   Both readers check CRCs (zip entries: CRC-32; TF index blocks and every tensor: masked CRC32C) unless built
   with FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION (fuzzing only, so mutations reach the parsers). */
int ck_open_torch_memory(const uint8_t *data, size_t size, const char *name, ck_file *f, char *err);
int ck_open_safetensors_memory(const uint8_t *data, size_t size, const char *name, ck_file *f, char *err);
int ck_open_tf_memory(const uint8_t *index, size_t index_size, const uint8_t *const *shards, const size_t *shard_sizes,
                      int n_shards, const char *name, ck_file *f, char *err);

/* TF checkpoints (ck_open_tf): tensors keep their TF names, but every 2-D variable whose last name component
   is "kernel" (TF dense layers store [in, out]) is reported TRANSPOSED, in HF/PyTorch Linear order: a stored
   [in, out] kernel appears as dims {out, in} with strides {1, out}, so ck_read_f32 yields [out, in] rows.
   Do not transpose again. DT_STRING tensors appear as CK_STRING with data NULL; other non-float types keep
   their bytes (CK_I32/CK_I64/...) or are CK_OTHER with data NULL.

   ck_tf_to_hf_name maps a Google ALBERT TF variable name to the HF state-dict name (transformers
   load_tf_weights_in_albert rules, formats.md §2.3; a TF-Hub "module/" prefix is stripped), e.g.
   "bert/encoder/transformer/group_0/inner_group_0/ffn_1/intermediate/output/dense/kernel" ->
   "albert.encoder.albert_layer_groups.0.albert_layers.0.ffn_output.weight".
   Returns 0 and writes hf_name (NUL-terminated, at most cap bytes) if the variable is an HF ALBERT weight,
   1 if it should be skipped silently (global_step, adam_m/adam_v, Adam*, other optimizer slots and
   bookkeeping), -1 if unknown (the converter reports it). *transpose (may be NULL) is set to 1 for kernels:
   informational only, ck_open_tf already reports them transposed. */
int ck_tf_to_hf_name(const char *tf_name, char *hf_name, size_t cap, int *transpose);
/* 1 if the checkpoint uses brightmart/albert_zh's own graph (bert/embeddings/word_embeddings_2 or
   bert/encoder/layer_shared/...), which the Google name map cannot load: the converter maps it with its own
   brightmart table (architecture 1 in the model file). */
int ck_tf_is_brightmart(const ck_file *f);

/* ---------------------------------------------------------------- blob_quant.c */
/* Adds the weight matrix `name` [rows x cols] (row-major floats, PyTorch Linear order [out, in]) in dtype:
     BLOB_F32  as is;
     BLOB_F16  IEEE binary16, rounded to nearest even; a value whose magnitude rounds past 65504 (the largest
               half) is an error, not saturated (such a weight means the checkpoint is not what we think);
     BLOB_Q8   int8 rows with a symmetric scale per row: scale = max|w| / 127, q = round(w / scale) clamped to
               [-127, 127] (an all-zero row has scale 0 and q 0), plus the tensor "<name>.scale" f32 [rows].
   NaN or infinite weights are an error for every dtype. Call it once per tensor: ALBERT's shared layers store
   each weight once and every layer of the group reads the same (quantized) copy. */
int blob_add_matrix(blob_writer *w, const char *name, int dtype, uint32_t rows, uint32_t cols, const float *data,
                    char *err);
/* The same for the encoder's matrices, packed (layout BLOB_PACKED) for albert.h's int8 / bf16 kernels:
     BLOB_Q8   the int8 values as above in [ceil(rows/16)][cols64/4][16][4] (cols64 = cols rounded up to 64;
               zero padding), "<name>.scale" f32 [rows] and "<name>.sum" i32 [rows] (each row's sum of int8 values);
     BLOB_BF16 bf16 (rounded to nearest even) in [ceil(rows/16)][cols64/2][16][2];
     other dtypes: as blob_add_matrix. */
int blob_add_matrix_packed(blob_writer *w, const char *name, int dtype, uint32_t rows, uint32_t cols,
                           const float *data, char *err);
/* IEEE binary16 bits of f, rounded to nearest even (overflow gives infinity, NaN stays NaN). */
uint16_t blob_float_to_half(float f);

#endif

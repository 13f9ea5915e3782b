/* blob.c - writes albert.h model files (format version 1, see albert.h "THE MODEL FILE").

   The writer streams: blob_add appends the tensor's bytes to a temporary file next to the output at once and
   keeps only its directory entry. blob_finish then appends the directory (after the data: the header's
   directory offset says where), writes the header into the 256 bytes reserved at the start, fsyncs and renames
   the temporary file over the output. Until then nothing exists at the output path; blob_abort removes the
   temporary file, and so does an interrupt (SIGINT, SIGTERM, SIGHUP; Windows: SIGINT, SIGTERM) while a writer is
   open. The file calls (temporary file, fsync, atomic rename: MoveFileExW on Windows) are in ck_os.c.
   Tensor data is written little-endian on every host: on a big-endian one each element of a multi-byte dtype
   is byte-swapped on its way to the file. */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#include "convert.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOB_MAGIC "ALBERT.H"
#define BLOB_VERSION 1u
#define BLOB_ENDIAN_MARKER 0x0A1B2C3Du
#define BLOB_HEADER_SIZE 256u
#define BLOB_ENTRY_SIZE 80u
#define BLOB_NAME_SIZE 32u
#define BLOB_DATA_ALIGNMENT 64u
#define BLOB_MAX_ENTRIES 1000000u

typedef struct blob_entry {
    char name[BLOB_NAME_SIZE];
    uint32_t dtype, layout, ndim, dims[4];
    uint64_t offset, size;
} blob_entry;

struct blob_writer {
    FILE *file;
    char *out_path;
    char *temp_path;
    uint64_t position;            /* bytes written so far */
    blob_entry *entries;
    uint32_t n_entries, capacity;
    int finished;
};

/* The temporary file an interrupt must remove (this is a tool, not the library: one writer per process). */
static char *volatile blob__interrupt_temp_path;

static void blob__on_interrupt(int signal_number)
{
    char *path = blob__interrupt_temp_path;
    if (path) ck_remove(path);
    signal(signal_number, SIG_DFL);
    raise(signal_number);
}

static void blob__catch_interrupts(void)
{
#ifdef _WIN32
    static const int signals[] = {SIGINT, SIGTERM};
    size_t i;
    for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
        void (*previous)(int) = signal(signals[i], blob__on_interrupt);
        if (previous == SIG_IGN) signal(signals[i], SIG_IGN);
    }
#else
    static const int signals[] = {SIGINT, SIGTERM, SIGHUP};
    size_t i;
    for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
        struct sigaction action, previous;
        if (sigaction(signals[i], NULL, &previous) != 0 || previous.sa_handler == SIG_IGN) continue;
        memset(&action, 0, sizeof(action));
        action.sa_handler = blob__on_interrupt;
        sigemptyset(&action.sa_mask);
        sigaction(signals[i], &action, NULL);
    }
#endif
}

static int blob__host_is_big_endian(void)
{
    const uint32_t one = 1;
    uint8_t first;
    memcpy(&first, &one, 1);
    return first == 0;
}

static void blob__put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

static void blob__put_u64(uint8_t *p, uint64_t v)
{
    blob__put_u32(p, (uint32_t)v);
    blob__put_u32(p + 4, (uint32_t)(v >> 32));
}

static int blob__write(blob_writer *w, const void *data, size_t size, char *err)
{
    if (size && fwrite(data, 1, size, w->file) != size) {
        snprintf(err, CK_ERR_LEN, "%s: write failed: %s", w->temp_path, strerror(errno));
        return -1;
    }
    w->position += size;
    return 0;
}

static int blob__pad_to(blob_writer *w, uint64_t alignment, char *err)
{
    static const uint8_t zeros[BLOB_DATA_ALIGNMENT] = {0};
    uint64_t padding = (alignment - w->position % alignment) % alignment;
    return blob__write(w, zeros, (size_t)padding, err);
}

/* Writes size bytes of elements of element_size bytes each with their bytes reversed (host big-endian -> file
   little-endian), through a small buffer. */
static int blob__write_swapped(blob_writer *w, const uint8_t *data, size_t size, uint32_t element_size, char *err)
{
    uint8_t buffer[4096];
    size_t done = 0;
    while (done < size) {
        size_t chunk = size - done < sizeof buffer ? size - done : sizeof buffer, i, b;
        for (i = 0; i < chunk; i += element_size)
            for (b = 0; b < element_size; b++) buffer[i + b] = data[done + i + element_size - 1 - b];
        if (blob__write(w, buffer, chunk, err) != 0) return -1;
        done += chunk;
    }
    return 0;
}

static uint32_t blob__dtype_size(int dtype)
{
    switch (dtype) {
    case BLOB_F32: case BLOB_I32: case BLOB_U32: return 4;
    case BLOB_F16: case BLOB_BF16: return 2;
    case BLOB_Q8: case BLOB_U8: return 1;
    default: return 0;
    }
}

blob_writer *blob_open(const char *out_path, char *err)
{
    static const uint8_t zeros[BLOB_HEADER_SIZE] = {0};
    blob_writer *w = (blob_writer *)calloc(1, sizeof(*w));
    size_t n = strlen(out_path);

    if (!w) { snprintf(err, CK_ERR_LEN, "out of memory"); return NULL; }
    w->out_path = (char *)malloc(n + 1);
    w->temp_path = (char *)malloc(n + sizeof(".tmp-XXXXXX"));
    if (!w->out_path || !w->temp_path) { snprintf(err, CK_ERR_LEN, "out of memory"); blob_abort(w); return NULL; }
    memcpy(w->out_path, out_path, n + 1);
    memcpy(w->temp_path, out_path, n);
    memcpy(w->temp_path + n, ".tmp-XXXXXX", sizeof(".tmp-XXXXXX"));

    w->file = ck_create_temp(w->temp_path, err);
    if (!w->file) {
        char why[CK_ERR_LEN];
        memcpy(why, err, CK_ERR_LEN);
        snprintf(err, CK_ERR_LEN, "%s: cannot create a temporary file next to it (%.400s)", out_path, why);
        w->temp_path[0] = '\0';
        blob_abort(w);
        return NULL;
    }
    blob__interrupt_temp_path = w->temp_path;
    blob__catch_interrupts();
    if (blob__write(w, zeros, sizeof(zeros), err) != 0) { blob_abort(w); return NULL; }
    return w;
}

int blob_add(blob_writer *w, const char *name, int dtype, int ndim, const uint32_t *dims, const void *data,
             uint64_t nbytes, char *err)
{
    return blob_add_layout(w, name, dtype, BLOB_ROW_MAJOR, ndim, dims, data, nbytes, err);
}

int blob_add_layout(blob_writer *w, const char *name, int dtype, int layout, int ndim, const uint32_t *dims,
                    const void *data, uint64_t nbytes, char *err)
{
    blob_entry *e;
    uint64_t expected;
    size_t name_length = strlen(name);
    uint32_t element_size = blob__dtype_size(dtype), i;
    int d;

    if (w->finished) { snprintf(err, CK_ERR_LEN, "blob_add(%s) after blob_finish", name); return -1; }
    if (name_length == 0 || name_length >= BLOB_NAME_SIZE) {
        snprintf(err, CK_ERR_LEN, "tensor name \"%s\" must be 1..%u bytes", name, BLOB_NAME_SIZE - 1);
        return -1;
    }
    if (element_size == 0) { snprintf(err, CK_ERR_LEN, "tensor %s: unknown dtype %d", name, dtype); return -1; }
    if (ndim < 1 || ndim > 4) { snprintf(err, CK_ERR_LEN, "tensor %s: %d dimensions (1..4 allowed)", name, ndim); return -1; }
    for (d = 0, expected = element_size; d < ndim; d++) {
        if (dims[d] != 0 && expected > UINT64_MAX / dims[d]) {
            snprintf(err, CK_ERR_LEN, "tensor %s: size overflows", name);
            return -1;
        }
        expected *= dims[d];
    }
    if (layout == BLOB_PACKED) {   /* [n, k] with n padded to 16 and k to 64 */
        if (ndim != 2 || (dtype != BLOB_Q8 && dtype != BLOB_BF16)) {
            snprintf(err, CK_ERR_LEN, "tensor %s: only 2-d int8 or bf16 matrices are packed", name);
            return -1;
        }
        expected = (uint64_t)element_size * ((dims[0] + 15u) / 16u * 16u) * ((dims[1] + 63u) / 64u * 64u);
    } else if (layout != BLOB_ROW_MAJOR) {
        snprintf(err, CK_ERR_LEN, "tensor %s: unknown layout %d", name, layout);
        return -1;
    }
    if (expected != nbytes) {
        snprintf(err, CK_ERR_LEN, "tensor %s: %llu bytes given, its shape and dtype need %llu", name,
                 (unsigned long long)nbytes, (unsigned long long)expected);
        return -1;
    }
    if (nbytes > (uint64_t)SIZE_MAX) { snprintf(err, CK_ERR_LEN, "tensor %s: too large", name); return -1; }
    for (i = 0; i < w->n_entries; i++) {
        if (strcmp(w->entries[i].name, name) == 0) {
            snprintf(err, CK_ERR_LEN, "tensor %s added twice", name);
            return -1;
        }
    }
    if (w->n_entries == w->capacity) {
        uint32_t new_capacity = w->capacity ? w->capacity * 2 : 64;
        blob_entry *grown;
        if (new_capacity > BLOB_MAX_ENTRIES) { snprintf(err, CK_ERR_LEN, "too many tensors"); return -1; }
        grown = (blob_entry *)realloc(w->entries, new_capacity * sizeof(blob_entry));
        if (!grown) { snprintf(err, CK_ERR_LEN, "out of memory"); return -1; }
        w->entries = grown;
        w->capacity = new_capacity;
    }
    if (blob__pad_to(w, BLOB_DATA_ALIGNMENT, err) != 0) return -1;

    e = &w->entries[w->n_entries];
    memset(e, 0, sizeof(*e));
    memcpy(e->name, name, name_length);
    e->dtype = (uint32_t)dtype;
    e->layout = (uint32_t)layout;
    e->ndim = (uint32_t)ndim;
    for (d = 0; d < ndim; d++) e->dims[d] = dims[d];
    e->offset = w->position;
    e->size = nbytes;
    if (element_size > 1 && blob__host_is_big_endian()) {
        if (blob__write_swapped(w, (const uint8_t *)data, (size_t)nbytes, element_size, err) != 0) return -1;
    } else if (blob__write(w, data, (size_t)nbytes, err) != 0) {
        return -1;
    }
    w->n_entries++;
    return 0;
}

static void blob__encode_header(uint8_t *h, const blob_config *c, uint64_t file_size, uint64_t directory_offset,
                                uint32_t n_entries)
{
    uint32_t eps_bits;
    int i;
    memset(h, 0, BLOB_HEADER_SIZE);
    memcpy(h, BLOB_MAGIC, 8);
    blob__put_u32(h + 8, BLOB_VERSION);
    blob__put_u32(h + 12, BLOB_ENDIAN_MARKER);
    blob__put_u64(h + 16, file_size);
    blob__put_u64(h + 24, directory_offset);
    blob__put_u32(h + 32, n_entries);
    blob__put_u32(h + 36, BLOB_HEADER_SIZE);
    blob__put_u32(h + 40, c->vocab_size);
    blob__put_u32(h + 44, c->embedding_size);
    blob__put_u32(h + 48, c->hidden_size);
    blob__put_u32(h + 52, c->num_hidden_layers);
    blob__put_u32(h + 56, c->num_attention_heads);
    blob__put_u32(h + 60, c->intermediate_size);
    blob__put_u32(h + 64, c->num_hidden_groups);
    blob__put_u32(h + 68, c->inner_group_num);
    blob__put_u32(h + 72, c->max_position_embeddings);
    blob__put_u32(h + 76, c->type_vocab_size);
    blob__put_u32(h + 80, c->hidden_act);
    memcpy(&eps_bits, &c->layer_norm_eps, sizeof(eps_bits));
    blob__put_u32(h + 84, eps_bits);
    blob__put_u32(h + 88, c->num_labels);
    blob__put_u32(h + 92, c->tokenizer_kind);
    blob__put_u32(h + 96, c->tokenizer_flags);
    for (i = 0; i < 8; i++) blob__put_u32(h + 100 + 4 * i, (uint32_t)c->special_ids[i]);
    blob__put_u32(h + 140, c->sentence_pooling);
    blob__put_u32(h + 144, c->sentence_flags);
    blob__put_u32(h + 148, c->max_seq_length);
    blob__put_u32(h + 152, c->tokenizer_flags2);
    blob__put_u32(h + 132, c->head_kind);
    blob__put_u32(h + 136, c->problem_type);
    blob__put_u32(h + 160, c->architecture);
    blob__put_u32(h + 164, c->brightmart_flags);
}

int blob_finish(blob_writer *w, const blob_config *config, char *err)
{
    uint8_t header[BLOB_HEADER_SIZE], entry[BLOB_ENTRY_SIZE];
    uint64_t directory_offset;
    uint32_t i, d;
    FILE *file;

    if (w->finished) { snprintf(err, CK_ERR_LEN, "blob_finish called twice"); return -1; }
    if (blob__pad_to(w, 8, err) != 0) return -1;
    directory_offset = w->position;
    for (i = 0; i < w->n_entries; i++) {
        const blob_entry *e = &w->entries[i];
        memset(entry, 0, sizeof(entry));
        memcpy(entry, e->name, BLOB_NAME_SIZE);
        blob__put_u32(entry + 32, e->dtype);
        blob__put_u32(entry + 36, e->layout);
        blob__put_u32(entry + 40, e->ndim);
        for (d = 0; d < 4; d++) blob__put_u32(entry + 44 + 4 * d, e->dims[d]);
        blob__put_u64(entry + 64, e->offset);
        blob__put_u64(entry + 72, e->size);
        if (blob__write(w, entry, sizeof(entry), err) != 0) return -1;
    }
    blob__encode_header(header, config, w->position, directory_offset, w->n_entries);
    if (fseek(w->file, 0, SEEK_SET) != 0 || fwrite(header, 1, sizeof(header), w->file) != sizeof(header) ||
        fflush(w->file) != 0) {
        snprintf(err, CK_ERR_LEN, "%s: write failed: %s", w->temp_path, strerror(errno));
        return -1;
    }
    if (ck_sync_file(w->file) != 0) {
        snprintf(err, CK_ERR_LEN, "%s: fsync failed: %s", w->temp_path, strerror(errno));
        return -1;
    }
    file = w->file;
    w->file = NULL;
    if (fclose(file) != 0) {
        snprintf(err, CK_ERR_LEN, "%s: close failed: %s", w->temp_path, strerror(errno));
        return -1;
    }
    if (ck_replace_file(w->temp_path, w->out_path, err) != 0) return -1;
    w->finished = 1;
    blob__interrupt_temp_path = NULL;
    return 0;
}

void blob_abort(blob_writer *w)
{
    if (!w) return;
    if (w->file) fclose(w->file);
    if (!w->finished && w->temp_path && w->temp_path[0]) ck_remove(w->temp_path);
    if (blob__interrupt_temp_path == w->temp_path) blob__interrupt_temp_path = NULL;
    free(w->entries);
    free(w->out_path);
    free(w->temp_path);
    free(w);
}

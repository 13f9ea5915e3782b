/* tok_unicode.c - writes the uni.* tensors (Unicode tables of the tokenizers; layout in albert.h (Unicode part)
   "THE uni.* TENSORS") from tools/tok_unicode_data.h, which tools/gen-unicode.c generates. */
#include <stdio.h>
#include <stdint.h>
#include "convert.h"
#include "tok_unicode_data.h"

static int add_u32(blob_writer *w, const char *name, uint32_t rows, uint32_t cols, const uint32_t *data, char *err)
{
    uint32_t dims[2];
    dims[0] = rows; dims[1] = cols;
    return blob_add(w, name, BLOB_U32, cols ? 2 : 1, dims, data, (uint64_t)rows * (cols ? cols : 1) * 4u, err);
}

int tok_add_unicode_tables(blob_writer *w, char *err)
{
    uint32_t dims[2];
    if (add_u32(w, "uni.stage1", TOK_UNI_PAGES, 0, tok_uni_stage1, err) != 0) return -1;
    dims[0] = TOK_UNI_BLOCKS; dims[1] = 256;
    if (blob_add(w, "uni.stage2", BLOB_U8, 2, dims, tok_uni_stage2, (uint64_t)TOK_UNI_BLOCKS * 256u, err) != 0) return -1;
    dims[0] = TOK_UNI_PROPS; dims[1] = 4;
    if (blob_add(w, "uni.props", BLOB_U8, 2, dims, tok_uni_props, (uint64_t)TOK_UNI_PROPS * 4u, err) != 0) return -1;
    if (add_u32(w, "uni.nfd.index", TOK_UNI_NFD_ROWS, 2, tok_uni_nfd_index, err) != 0 ||
        add_u32(w, "uni.nfd.data", TOK_UNI_NFD_DATA, 0, tok_uni_nfd_data, err) != 0 ||
        add_u32(w, "uni.nfkd.index", TOK_UNI_NFKD_ROWS, 2, tok_uni_nfkd_index, err) != 0 ||
        add_u32(w, "uni.nfkd.data", TOK_UNI_NFKD_DATA, 0, tok_uni_nfkd_data, err) != 0 ||
        add_u32(w, "uni.lower.index", TOK_UNI_LOWER_ROWS, 2, tok_uni_lower_index, err) != 0 ||
        add_u32(w, "uni.lower.data", TOK_UNI_LOWER_DATA, 0, tok_uni_lower_data, err) != 0 ||
        add_u32(w, "uni.compose", TOK_UNI_COMPOSE_ROWS, 3, tok_uni_compose, err) != 0)
        return -1;
    return 0;
}

/* TEMPORARY STUB — replaced by the real WordPiece reader. */
#include <stdio.h>
#include "convert.h"
int tok_add_wordpiece(blob_writer *w, const char *vocab_path, blob_config *cfg, char *err)
{
    (void)w; (void)cfg;
    snprintf(err, CK_ERR_LEN, "%s: vocab.txt tokenizers are not supported yet", vocab_path);
    return -1;
}

/* TEMPORARY STUB — replaced by the real SentencePiece reader. */
#include <stdio.h>
#include "convert.h"
int tok_add_sentencepiece(blob_writer *w, const char *model_path, blob_config *cfg, char *err)
{
    (void)w; (void)cfg;
    snprintf(err, CK_ERR_LEN, "%s: SentencePiece models are not supported yet", model_path);
    return -1;
}

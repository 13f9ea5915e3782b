/* TEMPORARY STUB — replaced by the Unicode tables writer. */
#include <stdio.h>
#include "convert.h"
int tok_add_unicode_tables(blob_writer *w, char *err)
{
    (void)w;
    snprintf(err, CK_ERR_LEN, "Unicode tables are not implemented yet");
    return -1;
}

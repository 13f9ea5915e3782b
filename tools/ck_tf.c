/* TEMPORARY STUB — replaced by the real reader. */
#include <stdio.h>
#include "convert.h"
int ck_open_tf(const char *index_path, ck_file *f, char *err)
{
    (void)f;
    snprintf(err, CK_ERR_LEN, "%s: TF checkpoints are not supported yet", index_path);
    return -1;
}

/* TEMPORARY STUB — replaced by the real reader. */
#include <stdio.h>
#include "convert.h"
int ck_open_torch(const char *path, ck_file *f, char *err)
{
    (void)f;
    snprintf(err, CK_ERR_LEN, "%s: PyTorch checkpoints are not supported yet", path);
    return -1;
}

/* albert.c - the albert.h implementation as a normal translation unit (make lib: build/libalbert.a). */
#define ALBERT_IMPLEMENTATION
#include "albert.h"

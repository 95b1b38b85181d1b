/*
 * The only C library functions the freestanding core uses.
 *
 * GCC and Clang may emit calls to these four even in -ffreestanding code,
 * so every kernel already provides them. We declare them ourselves instead
 * of including <string.h>, which a freestanding environment need not have.
 */
#ifndef AXN_LIB_MEM_H
#define AXN_LIB_MEM_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#endif /* AXN_LIB_MEM_H */

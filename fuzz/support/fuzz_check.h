/*
 * What every fuzz target shares: CHECK traps (libFuzzer reports the
 * crash with its input), N_OF, and the libFuzzer entry point's prototype
 * (-Wmissing-prototypes).
 */
#ifndef AXN_FUZZ_CHECK_H
#define AXN_FUZZ_CHECK_H

#include <stddef.h>
#include <stdint.h>

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* AXN_FUZZ_CHECK_H */

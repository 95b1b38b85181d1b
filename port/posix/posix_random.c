/* port/posix randomness: the kernel's CSPRNG through getrandom(2). */
#include <stdint.h>
#include <sys/random.h>

#include "posix_internal.h"

static int posix_random(void *ctx, void *buf, size_t len)
{
    (void)ctx;
    uint8_t *p = buf;
    while (len) {
        /* Large requests may come back short, or be interrupted. */
        ssize_t n = getrandom(p, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return axn_posix_err(errno);
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

void axn_posix_install_random(struct axn_platform *plat)
{
    plat->random = posix_random;
}

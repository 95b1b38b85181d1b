/* port/posix time: CLOCK_MONOTONIC in microseconds. */
#include <stdint.h>

#include "posix_internal.h"

#define NSEC_PER_USEC 1000ull

axn_time_t axn_port_posix_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (axn_time_t)ts.tv_sec * AXN_USEC_PER_SEC + (axn_time_t)ts.tv_nsec / NSEC_PER_USEC;
}

struct timespec axn_posix_deadline_ts(axn_time_t deadline)
{
    struct timespec ts = {
        .tv_sec = (time_t)(deadline / AXN_USEC_PER_SEC),
        .tv_nsec = (long)(deadline % AXN_USEC_PER_SEC * NSEC_PER_USEC),
    };
    return ts;
}

static axn_time_t posix_now(void *ctx)
{
    (void)ctx;
    return axn_port_posix_now();
}

void axn_posix_install_clock(struct axn_platform *plat)
{
    plat->now = posix_now;
}

/* port/posix logging: one line to stderr, stamped with monotonic time. */
#include <stdio.h>

#include "posix_internal.h"

static const char *level_name(enum axn_log_level lvl)
{
    switch (lvl) {
    case AXN_LOG_ERROR:
        return "ERROR";
    case AXN_LOG_WARN:
        return "WARN ";
    case AXN_LOG_INFO:
        return "INFO ";
    case AXN_LOG_DEBUG:
        return "DEBUG";
    default:
        return "TRACE";
    }
}

static void posix_log(void *ctx, enum axn_log_level lvl, const char *line)
{
    (void)ctx;
    axn_time_t t = axn_port_posix_now();
    /* One fprintf per line: stdio locks the stream, so lines from several
     * threads do not interleave. */
    fprintf(stderr, "[%6llu.%06llu] %s %s\n", (unsigned long long)(t / AXN_USEC_PER_SEC),
            (unsigned long long)(t % AXN_USEC_PER_SEC), level_name(lvl), line);
}

void axn_posix_install_log(struct axn_platform *plat)
{
    plat->log = posix_log;
}

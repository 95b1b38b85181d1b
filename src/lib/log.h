/*
 * Logging through the platform's `log` callback.
 *
 * Lines above plat->log_level are never formatted, and the macros below do
 * not even evaluate their arguments then, so a TRACE line in a hot path
 * costs one compare when tracing is off. Levels above AXN_LOG_COMPILE_MAX
 * (config.h) are removed at compile time.
 *
 * A line is formatted (lib/fmt.h subset) into an AXN_LOG_LINE_MAX stack
 * buffer; a longer line is cut and ends in "...". Never log with a spin
 * lock held (platform.h rules).
 *
 * The macros evaluate `plat` more than once: pass a plain pointer.
 */
#ifndef AXN_LIB_LOG_H
#define AXN_LIB_LOG_H

#include "axnet/config.h"
#include "axnet/platform.h"
#include "lib/fmt.h"

/* Formats and hands one line to plat->log. NULL plat or NULL log: silent. */
void axn_log(const struct axn_platform *plat, enum axn_log_level lvl, const char *fmt, ...)
    AXN_PRINTF_LIKE(3, 4);

/* True if a line at `lvl` would be emitted. */
#define AXN_LOG_ENABLED(plat, lvl)                                                                 \
    ((int)(lvl) <= AXN_LOG_COMPILE_MAX && (plat) != NULL && (plat)->log != NULL &&                 \
     (int)(lvl) <= (int)(plat)->log_level)

#define AXN_LOG_AT(plat, lvl, ...)                                                                 \
    do {                                                                                           \
        if (AXN_LOG_ENABLED(plat, lvl))                                                            \
            axn_log(plat, lvl, __VA_ARGS__);                                                       \
    } while (0)

#define AXN_ERROR(plat, ...) AXN_LOG_AT(plat, AXN_LOG_ERROR, __VA_ARGS__)
#define AXN_WARN(plat, ...)  AXN_LOG_AT(plat, AXN_LOG_WARN, __VA_ARGS__)
#define AXN_INFO(plat, ...)  AXN_LOG_AT(plat, AXN_LOG_INFO, __VA_ARGS__)
#define AXN_DEBUG(plat, ...) AXN_LOG_AT(plat, AXN_LOG_DEBUG, __VA_ARGS__)
#define AXN_TRACE(plat, ...) AXN_LOG_AT(plat, AXN_LOG_TRACE, __VA_ARGS__)

#endif /* AXN_LIB_LOG_H */

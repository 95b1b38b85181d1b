/* Level filter and line formatting in front of the platform's log hook. */
#include "lib/log.h"

#include <stdarg.h>

/* What marks a cut line; the buffer must hold it plus some text. */
#define LOG_CUT_MARK     "..."
#define LOG_CUT_MARK_LEN 3

_Static_assert(AXN_LOG_LINE_MAX > 4 * LOG_CUT_MARK_LEN, "AXN_LOG_LINE_MAX is too small");

/* Overwrites the end of a cut line so the reader sees it was cut. */
static void mark_cut(char *line)
{
    char *end = line + AXN_LOG_LINE_MAX - 1 - LOG_CUT_MARK_LEN;
    for (int i = 0; i < LOG_CUT_MARK_LEN; i++)
        end[i] = LOG_CUT_MARK[i];
}

void axn_log(const struct axn_platform *plat, enum axn_log_level lvl, const char *fmt, ...)
{
    if (!AXN_LOG_ENABLED(plat, lvl))
        return;
    char line[AXN_LOG_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = axn_vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n >= AXN_LOG_LINE_MAX)
        mark_cut(line);
    plat->log(plat->ctx, lvl, line);
}

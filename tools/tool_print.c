/* Printing shared by the `axnet` command's pieces (tools/tools.h). */
#include <stdarg.h>
#include <stdio.h>

#include "axnet/types.h"
#include "tools.h"

double axn_tool_ms(uint64_t usec)
{
    return (double)usec / (double)AXN_USEC_PER_MSEC;
}

void axn_tool_say(uint64_t now_usec, const char *who, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%8.3f ms  %s: ", axn_tool_ms(now_usec), who);
    vprintf(fmt, ap);
    putchar('\n');
    va_end(ap);
}

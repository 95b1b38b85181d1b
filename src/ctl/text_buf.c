/*
 * The text buffer behind the procfs formatters (proc_net_arp.c,
 * proc_net_dev.c): appends with snprintf semantics for the whole text, so
 * a short buffer keeps a NUL-terminated prefix and the caller still learns
 * the full length.
 */
#include "ctl/ctl.h"

#include <stdarg.h>

#include "lib/fmt.h"

void axn_text_init(struct axn_text_buf *t, char *buf, size_t cap)
{
    t->buf = buf;
    t->cap = cap;
    t->len = 0;
    if (cap > 0)
        buf[0] = '\0';
}

void axn_text_appendf(struct axn_text_buf *t, const char *fmt, ...)
{
    const size_t at = t->len < t->cap ? t->len : (t->cap > 0 ? t->cap - 1 : 0);
    char *dst = t->cap > 0 ? t->buf + at : NULL;
    const size_t room = t->cap > 0 ? t->cap - at : 0;
    va_list ap;
    va_start(ap, fmt);
    const int n = axn_vsnprintf(dst, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->len += (size_t)n;
}

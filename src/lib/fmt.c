/* Freestanding snprintf subset; see fmt.h for what is supported and why. */
#include "lib/fmt.h"

#include <stdbool.h>
#include <stdint.h>

/*
 * Widths and precisions above this are clamped: a hostile or mistaken
 * "%2000000000d" must not spin for seconds counting padding nobody sees.
 */
#define FMT_MAX_FIELD 4096

/* Enough digits for a 64-bit value in base 10 (20) or base 16 (16). */
#define FMT_DIGITS_MAX 24

#define FMT_INT_MAX ((size_t)((unsigned)-1 >> 1))

enum fmt_length { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z };

/* Output that keeps counting past the end so the return value is C99's. */
struct fmt_sink {
    char *buf;
    size_t cap;
    size_t len;
};

struct fmt_spec {
    bool left;
    bool zero;
    int width;
    int prec; /* -1: none given */
    enum fmt_length length;
    char conv;
};

static void put(struct fmt_sink *s, char c)
{
    if (s->len + 1 < s->cap)
        s->buf[s->len] = c;
    s->len++;
}

static void put_rep(struct fmt_sink *s, char c, int n)
{
    for (int i = 0; i < n; i++)
        put(s, c);
}

static void put_mem(struct fmt_sink *s, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put(s, p[i]);
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int clamp_field(long v)
{
    return v > FMT_MAX_FIELD ? FMT_MAX_FIELD : (int)v;
}

/* Reads a decimal number or '*' (taken from the arguments). */
static int parse_number(const char **fmt, va_list *ap)
{
    const char *p = *fmt;
    if (*p == '*') {
        *fmt = p + 1;
        return va_arg(*ap, int);
    }
    long v = 0;
    while (is_digit(*p)) {
        v = v * 10 + (*p - '0');
        if (v > FMT_MAX_FIELD)
            v = FMT_MAX_FIELD;
        p++;
    }
    *fmt = p;
    return (int)v;
}

static void parse_flags(const char **fmt, struct fmt_spec *sp)
{
    for (;; (*fmt)++) {
        if (**fmt == '-')
            sp->left = true;
        else if (**fmt == '0')
            sp->zero = true;
        else
            return;
    }
}

static void parse_width(const char **fmt, va_list *ap, struct fmt_spec *sp)
{
    int w = parse_number(fmt, ap);
    /* C99 7.19.6.1p5: a negative '*' width is a '-' flag and a width. */
    if (w < 0) {
        sp->left = true;
        w = w < -FMT_MAX_FIELD ? FMT_MAX_FIELD : -w;
    }
    sp->width = clamp_field(w);
}

static void parse_precision(const char **fmt, va_list *ap, struct fmt_spec *sp)
{
    sp->prec = -1;
    if (**fmt != '.')
        return;
    (*fmt)++;
    int p = parse_number(fmt, ap);
    /* A negative '*' precision counts as omitted (C99 7.19.6.1p5). */
    sp->prec = p < 0 ? -1 : clamp_field(p);
}

static void parse_length(const char **fmt, struct fmt_spec *sp)
{
    const char *p = *fmt;
    sp->length = LEN_NONE;
    if (p[0] == 'h' && p[1] == 'h') {
        sp->length = LEN_HH;
        p += 2;
    } else if (p[0] == 'h') {
        sp->length = LEN_H;
        p++;
    } else if (p[0] == 'l' && p[1] == 'l') {
        sp->length = LEN_LL;
        p += 2;
    } else if (p[0] == 'l') {
        sp->length = LEN_L;
        p++;
    } else if (p[0] == 'z') {
        sp->length = LEN_Z;
        p++;
    }
    *fmt = p;
}

static unsigned long long fetch_unsigned(va_list *ap, enum fmt_length len)
{
    switch (len) {
    case LEN_HH:
        return (unsigned char)va_arg(*ap, unsigned int);
    case LEN_H:
        return (unsigned short)va_arg(*ap, unsigned int);
    case LEN_L:
        return va_arg(*ap, unsigned long);
    case LEN_LL:
        return va_arg(*ap, unsigned long long);
    case LEN_Z:
        return va_arg(*ap, size_t);
    default:
        return va_arg(*ap, unsigned int);
    }
}

static long long fetch_signed(va_list *ap, enum fmt_length len)
{
    switch (len) {
    case LEN_HH:
        return (signed char)va_arg(*ap, int);
    case LEN_H:
        return (short)va_arg(*ap, int);
    case LEN_L:
        return va_arg(*ap, long);
    case LEN_LL:
        return va_arg(*ap, long long);
    case LEN_Z:
        /* The signed type of size_t's width; ptrdiff_t on every target. */
        return va_arg(*ap, ptrdiff_t);
    default:
        return va_arg(*ap, int);
    }
}

/* Writes digits of `v` in `base` backwards into tmp; returns their count. */
static int to_digits(unsigned long long v, unsigned base, bool upper, char *tmp)
{
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    int n = 0;
    do {
        tmp[FMT_DIGITS_MAX - 1 - n] = set[v % base];
        v /= base;
        n++;
    } while (v);
    return n;
}

/* Emits sign/prefix, zero fill, digits and space padding for one number. */
static void emit_number(struct fmt_sink *s, const struct fmt_spec *sp, unsigned long long mag,
                        bool neg, unsigned base, const char *prefix)
{
    char tmp[FMT_DIGITS_MAX];
    int nd = to_digits(mag, base, sp->conv == 'X', tmp);
    /* C99: precision 0 with value 0 prints no digits at all. */
    if (sp->prec == 0 && mag == 0)
        nd = 0;
    int zeros = sp->prec > nd ? sp->prec - nd : 0;
    int plen = 0;
    while (prefix[plen])
        plen++;
    int body = (neg ? 1 : 0) + plen + zeros + nd;
    int pad = sp->width > body ? sp->width - body : 0;
    /* '0' is ignored with '-' or with a precision (C99 7.19.6.1p6). */
    if (sp->zero && !sp->left && sp->prec < 0) {
        zeros += pad;
        pad = 0;
    }
    if (!sp->left)
        put_rep(s, ' ', pad);
    if (neg)
        put(s, '-');
    put_mem(s, prefix, (size_t)plen);
    put_rep(s, '0', zeros);
    put_mem(s, tmp + FMT_DIGITS_MAX - nd, (size_t)nd);
    if (sp->left)
        put_rep(s, ' ', pad);
}

static void emit_text(struct fmt_sink *s, const struct fmt_spec *sp, const char *p, size_t n)
{
    int pad = (size_t)sp->width > n ? sp->width - (int)n : 0;
    if (!sp->left)
        put_rep(s, ' ', pad);
    put_mem(s, p, n);
    if (sp->left)
        put_rep(s, ' ', pad);
}

static void emit_string(struct fmt_sink *s, const struct fmt_spec *sp, const char *str)
{
    if (!str)
        str = "(null)";
    size_t n = 0;
    /* Never read past the precision: the string need not be terminated. */
    while ((sp->prec < 0 || n < (size_t)sp->prec) && str[n])
        n++;
    emit_text(s, sp, str, n);
}

/* Handles one conversion; returns false if `conv` is not one we know. */
static bool emit_conversion(struct fmt_sink *s, const struct fmt_spec *sp, va_list *ap)
{
    switch (sp->conv) {
    case 'd':
    case 'i': {
        long long v = fetch_signed(ap, sp->length);
        unsigned long long mag = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
        emit_number(s, sp, mag, v < 0, 10, "");
        return true;
    }
    case 'u':
        emit_number(s, sp, fetch_unsigned(ap, sp->length), false, 10, "");
        return true;
    case 'x':
    case 'X':
        emit_number(s, sp, fetch_unsigned(ap, sp->length), false, 16, "");
        return true;
    case 'p':
        emit_number(s, sp, (uintptr_t)va_arg(*ap, void *), false, 16, "0x");
        return true;
    case 'c': {
        char c = (char)va_arg(*ap, int);
        emit_text(s, sp, &c, 1);
        return true;
    }
    case 's':
        emit_string(s, sp, va_arg(*ap, const char *));
        return true;
    case '%':
        put(s, '%');
        return true;
    default:
        return false;
    }
}

/* Parses and emits the conversion after a '%'; returns where to go on. */
static const char *do_spec(struct fmt_sink *s, const char *start, va_list *ap)
{
    struct fmt_spec sp = {0};
    const char *p = start + 1;
    parse_flags(&p, &sp);
    parse_width(&p, ap, &sp);
    parse_precision(&p, ap, &sp);
    parse_length(&p, &sp);
    sp.conv = *p;
    if (sp.conv == '\0') {
        /* The format ends inside a conversion: copy what was there. */
        put_mem(s, start, (size_t)(p - start));
        return p;
    }
    if (!emit_conversion(s, &sp, ap))
        put_mem(s, start, (size_t)(p + 1 - start));
    return p + 1;
}

int axn_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
{
    struct fmt_sink s = {.buf = buf, .cap = buf ? cap : 0, .len = 0};
    va_list args;
    /* A copy we can pass by address: va_list may be an array type. */
    va_copy(args, ap);
    const char *p = fmt;
    while (*p) {
        if (*p == '%') {
            p = do_spec(&s, p, &args);
        } else {
            put(&s, *p);
            p++;
        }
    }
    va_end(args);
    if (s.cap)
        s.buf[s.len < s.cap ? s.len : s.cap - 1] = '\0';
    return s.len > FMT_INT_MAX ? (int)FMT_INT_MAX : (int)s.len;
}

int axn_snprintf(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = axn_vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

int axn_fmt_ip4(char *buf, size_t cap, axn_ip4_t ip)
{
    return axn_snprintf(buf, cap, "%u.%u.%u.%u", (unsigned)(ip >> 24) & 0xffu,
                        (unsigned)(ip >> 16) & 0xffu, (unsigned)(ip >> 8) & 0xffu,
                        (unsigned)ip & 0xffu);
}

int axn_fmt_mac(char *buf, size_t cap, const struct axn_mac *mac)
{
    const uint8_t *b = mac->b;
    return axn_snprintf(buf, cap, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4],
                        b[5]);
}

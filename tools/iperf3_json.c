/*
 * A tiny JSON reader and writer for iperf3's control messages: bounded in
 * depth and size, no allocation. The reader works on spans of the original
 * text: a lookup re-scans the (small) object it is given, which keeps the
 * code short and needs no tree.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iperf3.h"

/* Nesting deeper than this is refused (iperf3's messages use 3). */
#define IJ_MAX_DEPTH 16
/* The longest number text accepted ("18446744073709551615", doubles). */
#define IJ_NUM_MAX 40
/* A \uXXXX escape's hex digits. */
#define IJ_UESC_DIGITS 4
/* Bytes below this are control characters, not allowed raw in strings. */
#define IJ_FIRST_PRINTABLE 0x20
/* Significant digits that round-trip a double. */
#define IJ_DOUBLE_DIGITS 17

struct ij_cur {
    const char *s;
    size_t n;
    size_t pos;
};

static void skip_ws(struct ij_cur *c)
{
    while (c->pos < c->n && (c->s[c->pos] == ' ' || c->s[c->pos] == '\t' || c->s[c->pos] == '\n' ||
                             c->s[c->pos] == '\r'))
        c->pos++;
}

static int expect_word(struct ij_cur *c, const char *w)
{
    const size_t len = strlen(w);
    if (c->n - c->pos < len || memcmp(c->s + c->pos, w, len))
        return -1;
    c->pos += len;
    return 0;
}

static int skip_escape(struct ij_cur *c)
{
    if (c->pos >= c->n)
        return -1;
    const char e = c->s[c->pos++];
    if (e != 'u')
        return strchr("\"\\/bfnrt", e) && e ? 0 : -1;
    for (int i = 0; i < IJ_UESC_DIGITS; i++, c->pos++)
        if (c->pos >= c->n || !strchr("0123456789abcdefABCDEF", c->s[c->pos]) || !c->s[c->pos])
            return -1;
    return 0;
}

static int skip_string(struct ij_cur *c)
{
    if (c->pos >= c->n || c->s[c->pos] != '"')
        return -1;
    c->pos++;
    while (c->pos < c->n) {
        const unsigned char ch = (unsigned char)c->s[c->pos++];
        if (ch == '"')
            return 0;
        if (ch < IJ_FIRST_PRINTABLE)
            return -1;
        if (ch == '\\' && skip_escape(c))
            return -1;
    }
    return -1;
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static size_t skip_digits(struct ij_cur *c)
{
    const size_t start = c->pos;
    while (c->pos < c->n && is_digit(c->s[c->pos]))
        c->pos++;
    return c->pos - start;
}

/* RFC 8259 number grammar. */
static int skip_number(struct ij_cur *c)
{
    if (c->pos < c->n && c->s[c->pos] == '-')
        c->pos++;
    if (c->pos < c->n && c->s[c->pos] == '0')
        c->pos++;
    else if (!skip_digits(c))
        return -1;
    if (c->pos < c->n && c->s[c->pos] == '.') {
        c->pos++;
        if (!skip_digits(c))
            return -1;
    }
    if (c->pos < c->n && (c->s[c->pos] == 'e' || c->s[c->pos] == 'E')) {
        c->pos++;
        if (c->pos < c->n && (c->s[c->pos] == '+' || c->s[c->pos] == '-'))
            c->pos++;
        if (!skip_digits(c))
            return -1;
    }
    return 0;
}

static int skip_value(struct ij_cur *c, int depth);

/* The members or elements of an object or array, after its bracket. */
static int skip_container(struct ij_cur *c, int depth, bool object)
{
    const char close = object ? '}' : ']';
    skip_ws(c);
    if (c->pos < c->n && c->s[c->pos] == close) {
        c->pos++;
        return 0;
    }
    for (;;) {
        skip_ws(c);
        if (object) {
            if (skip_string(c))
                return -1;
            skip_ws(c);
            if (c->pos >= c->n || c->s[c->pos++] != ':')
                return -1;
        }
        if (skip_value(c, depth + 1))
            return -1;
        skip_ws(c);
        if (c->pos >= c->n)
            return -1;
        const char ch = c->s[c->pos++];
        if (ch == close)
            return 0;
        if (ch != ',')
            return -1;
    }
}

static int skip_value(struct ij_cur *c, int depth)
{
    if (depth > IJ_MAX_DEPTH)
        return -1;
    skip_ws(c);
    if (c->pos >= c->n)
        return -1;
    switch (c->s[c->pos]) {
    case '{':
    case '[': {
        const bool object = c->s[c->pos++] == '{';
        return skip_container(c, depth, object);
    }
    case '"':
        return skip_string(c);
    case 't':
        return expect_word(c, "true");
    case 'f':
        return expect_word(c, "false");
    case 'n':
        return expect_word(c, "null");
    default:
        return skip_number(c);
    }
}

int axn_ij_validate(const char *s, size_t n)
{
    struct ij_cur c = {s, n, 0};
    if (skip_value(&c, 0))
        return -1;
    skip_ws(&c);
    return c.pos == n ? 0 : -1;
}

/* The value starting at c->pos (after whitespace) as a span. */
static int take_value(struct ij_cur *c, struct axn_ij_span *val)
{
    skip_ws(c);
    const size_t start = c->pos;
    if (skip_value(c, 0))
        return -1;
    val->p = c->s + start;
    val->n = c->pos - start;
    return 0;
}

/* Whether the string token at [p, p+n) (quotes included) is `key`. Keys
 * with escapes never match: iperf3's keys have none. */
static bool key_is(const char *p, size_t n, const char *key)
{
    const size_t len = strlen(key);
    return n == len + 2 && !memcmp(p + 1, key, len);
}

int axn_ij_get(struct axn_ij_span obj, const char *key, struct axn_ij_span *val)
{
    struct ij_cur c = {obj.p, obj.n, 0};
    skip_ws(&c);
    if (c.pos >= c.n || c.s[c.pos++] != '{')
        return -1;
    for (;;) {
        skip_ws(&c);
        const size_t kstart = c.pos;
        if (skip_string(&c))
            return -1;
        const bool match = key_is(c.s + kstart, c.pos - kstart, key);
        skip_ws(&c);
        if (c.pos >= c.n || c.s[c.pos++] != ':' || take_value(&c, val))
            return -1;
        if (match)
            return 0;
        skip_ws(&c);
        if (c.pos >= c.n || c.s[c.pos++] != ',')
            return -1;
    }
}

int axn_ij_at(struct axn_ij_span arr, size_t idx, struct axn_ij_span *val)
{
    struct ij_cur c = {arr.p, arr.n, 0};
    skip_ws(&c);
    if (c.pos >= c.n || c.s[c.pos++] != '[')
        return -1;
    skip_ws(&c);
    if (c.pos < c.n && c.s[c.pos] == ']')
        return -1;
    for (size_t i = 0;; i++) {
        if (take_value(&c, val))
            return -1;
        if (i == idx)
            return 0;
        skip_ws(&c);
        if (c.pos >= c.n || c.s[c.pos++] != ',')
            return -1;
    }
}

int axn_ij_number(struct axn_ij_span v, double *out)
{
    char tmp[IJ_NUM_MAX + 1];
    struct ij_cur c = {v.p, v.n, 0};
    if (v.n == 0 || v.n > IJ_NUM_MAX || skip_number(&c) || c.pos != v.n)
        return -1;
    memcpy(tmp, v.p, v.n);
    tmp[v.n] = '\0';
    const double d = strtod(tmp, NULL);
    if (!isfinite(d))
        return -1;
    *out = d;
    return 0;
}

int axn_ij_bool(struct axn_ij_span v, bool *out)
{
    if (v.n == strlen("true") && !memcmp(v.p, "true", v.n))
        *out = true;
    else if (v.n == strlen("false") && !memcmp(v.p, "false", v.n))
        *out = false;
    else
        return -1;
    return 0;
}

int axn_ij_path(struct axn_ij_span root, const char *path, struct axn_ij_span *val)
{
    char name[IJ_NUM_MAX * 2];
    struct axn_ij_span cur = root;
    while (*path) {
        const char *dot = strchr(path, '.');
        const size_t len = dot ? (size_t)(dot - path) : strlen(path);
        if (len == 0 || len >= sizeof name)
            return -1;
        memcpy(name, path, len);
        name[len] = '\0';
        if (axn_ij_get(cur, name, &cur))
            return -1;
        path += len + (dot ? 1 : 0);
    }
    *val = cur;
    return 0;
}

/* ---- Writer ------------------------------------------------------------- */

static void put(struct axn_ij_writer *w, const char *s, size_t len)
{
    if (w->overflow || w->cap - w->len <= len) {
        w->overflow = true;
        return;
    }
    memcpy(w->buf + w->len, s, len);
    w->len += len;
    w->buf[w->len] = '\0';
}

/* A formatted number (n characters in tmp, or an error). */
static void put_num(struct axn_ij_writer *w, const char *tmp, int n, size_t room)
{
    if (n < 0 || (size_t)n >= room) {
        w->overflow = true;
        return;
    }
    put(w, tmp, (size_t)n);
}

/* A ',' before the next member or element when one came before. */
static void sep(struct axn_ij_writer *w)
{
    if (w->comma)
        put(w, ",", 1);
    w->comma = true;
}

void axn_ij_writer_init(struct axn_ij_writer *w, char *buf, size_t cap)
{
    memset(w, 0, sizeof *w);
    w->buf = buf;
    w->cap = cap;
    if (cap)
        buf[0] = '\0';
    else
        w->overflow = true;
}

void axn_ij_open(struct axn_ij_writer *w, char bracket)
{
    sep(w);
    put(w, &bracket, 1);
    w->comma = false;
}

void axn_ij_close(struct axn_ij_writer *w, char bracket)
{
    put(w, &bracket, 1);
    w->comma = true;
}

void axn_ij_key(struct axn_ij_writer *w, const char *key)
{
    axn_ij_string(w, key);
    put(w, ":", 1);
    w->comma = false;
}

void axn_ij_u64(struct axn_ij_writer *w, uint64_t v)
{
    char tmp[IJ_NUM_MAX];
    sep(w);
    put_num(w, tmp, snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v), sizeof tmp);
}

void axn_ij_double(struct axn_ij_writer *w, double v)
{
    sep(w);
    if (!isfinite(v))
        v = 0; /* JSON has no NaN or infinity */
    char tmp[IJ_NUM_MAX];
    put_num(w, tmp, snprintf(tmp, sizeof tmp, "%.*g", IJ_DOUBLE_DIGITS, v), sizeof tmp);
}

void axn_ij_boolean(struct axn_ij_writer *w, bool v)
{
    sep(w);
    put(w, v ? "true" : "false", v ? strlen("true") : strlen("false"));
}

void axn_ij_string(struct axn_ij_writer *w, const char *s)
{
    sep(w);
    put(w, "\"", 1);
    for (; *s; s++) {
        const unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            const char esc[2] = {'\\', (char)ch};
            put(w, esc, sizeof esc);
        } else if (ch < IJ_FIRST_PRINTABLE) {
            char esc[IJ_UESC_DIGITS + 3];
            snprintf(esc, sizeof esc, "\\u%04x", ch);
            put(w, esc, strlen(esc));
        } else {
            put(w, (const char *)&ch, 1);
        }
    }
    put(w, "\"", 1);
}

long axn_ij_finish(struct axn_ij_writer *w)
{
    return w->overflow ? -1 : (long)w->len;
}

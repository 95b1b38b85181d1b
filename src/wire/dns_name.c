/* DNS names: checking, text decode/encode, comparison (RFC 1035, RFC 4343). */
#include "wire/dns.h"

#include "lib/mem.h"

/* RFC 1035 4.1.4: the top two bits of a length octet give the label type. */
#define LABEL_TYPE_MASK     0xC0u
#define LABEL_TYPE_NORMAL   0x00u
#define LABEL_TYPE_POINTER  0xC0u
#define POINTER_HIGH_MASK   0x3Fu
#define POINTER_LEN         2
#define ROOT_LEN            1
#define LABEL_LEN_OCTET     1
#define ESCAPE_DIGITS       3
#define DECIMAL_BASE        10
#define BYTE_MAX_VALUE      255
#define PRINTABLE_FIRST     0x21
#define PRINTABLE_LAST      0x7E
#define ASCII_CASE_DISTANCE ('a' - 'A')

/* Reads one name label by label, following pointers with loop protection. */
struct name_rd {
    const uint8_t *msg;
    size_t len;
    size_t pos;  /* next octet to read */
    size_t run;  /* where the current run of labels started */
    size_t end;  /* first octet after the name in place, once known */
    size_t wire; /* uncompressed length so far, root included */
    unsigned hops;
    bool jumped;
};

static void rd_init(struct name_rd *r, const uint8_t *msg, size_t len, size_t off)
{
    r->msg = msg;
    r->len = len;
    r->pos = off;
    r->run = off;
    r->end = 0;
    r->wire = 0;
    r->hops = 0;
    r->jumped = false;
}

/* Follows the pointer at r->pos (both octets known to be in the buffer). */
static int rd_jump(struct name_rd *r)
{
    size_t target = (size_t)(r->msg[r->pos] & POINTER_HIGH_MASK) << 8 | r->msg[r->pos + 1];
    if (!r->jumped) {
        r->end = r->pos + POINTER_LEN;
        r->jumped = true;
    }
    /* Names live after the header; anything else is not a name. */
    if (target >= r->len || target < AXN_DNS_HDR_LEN)
        return AXN_WIRE_EPTR;
    /* RFC 1035 4.1.4 points to a *prior* occurrence: only backward jumps. */
    if (target >= r->run || ++r->hops > AXN_DNS_MAX_POINTER_HOPS)
        return AXN_WIRE_ELOOP;
    r->pos = target;
    r->run = target;
    return 0;
}

/* Length of the next label (0 at the root, *label set otherwise) or an error. */
static int rd_next(struct name_rd *r, const uint8_t **label)
{
    for (;;) {
        uint8_t b;
        int err;
        if (r->pos >= r->len)
            return AXN_WIRE_ETRUNC;
        b = r->msg[r->pos];
        if ((b & LABEL_TYPE_MASK) == LABEL_TYPE_POINTER) {
            if (r->len - r->pos < POINTER_LEN)
                return AXN_WIRE_ETRUNC;
            if ((err = rd_jump(r)) != 0)
                return err;
            continue;
        }
        /* 01 (RFC 2671 extended labels, retired by RFC 6891) and 10 are reserved. */
        if ((b & LABEL_TYPE_MASK) != LABEL_TYPE_NORMAL)
            return AXN_WIRE_ENAME;
        /* RFC 1035 2.3.4: 255 octets at most, length octets included. */
        r->wire += LABEL_LEN_OCTET + b;
        if (r->wire > AXN_DNS_MAX_NAME_LEN)
            return AXN_WIRE_ENAME;
        if (b == 0) {
            if (!r->jumped)
                r->end = r->pos + ROOT_LEN;
            return 0;
        }
        if (r->len - r->pos - LABEL_LEN_OCTET < b)
            return AXN_WIRE_ETRUNC;
        *label = r->msg + r->pos + LABEL_LEN_OCTET;
        r->pos += LABEL_LEN_OCTET + b;
        return b;
    }
}

int axn_dns_name_check(const uint8_t *msg, size_t len, size_t off, size_t *end)
{
    struct name_rd r;
    const uint8_t *label;
    int n;
    rd_init(&r, msg, len, off);
    while ((n = rd_next(&r, &label)) > 0)
        ;
    if (n < 0)
        return n;
    *end = r.end;
    return 0;
}

/* ---- Text ----------------------------------------------------------------- */

struct text_wr {
    char *p;
    size_t cap;
    size_t n;
    bool full;
};

static void tw_put(struct text_wr *w, char c)
{
    /* Keep one byte for the terminating NUL. */
    if (w->n + 1 >= w->cap) {
        w->full = true;
        return;
    }
    w->p[w->n++] = c;
}

/* RFC 1035 5.1: "\X" for a special character, "\DDD" for any octet. */
static void tw_label(struct text_wr *w, const uint8_t *label, int n)
{
    for (int i = 0; i < n; i++) {
        uint8_t c = label[i];
        if (c == '.' || c == '\\') {
            tw_put(w, '\\');
            tw_put(w, (char)c);
        } else if (c < PRINTABLE_FIRST || c > PRINTABLE_LAST) {
            tw_put(w, '\\');
            tw_put(w, (char)('0' + c / (DECIMAL_BASE * DECIMAL_BASE)));
            tw_put(w, (char)('0' + c / DECIMAL_BASE % DECIMAL_BASE));
            tw_put(w, (char)('0' + c % DECIMAL_BASE));
        } else {
            tw_put(w, (char)c);
        }
    }
}

int axn_dns_name_decode(const uint8_t *msg, size_t len, size_t off, char *text, size_t cap)
{
    struct name_rd r;
    struct text_wr w = {text, cap, 0, false};
    const uint8_t *label;
    int n;
    if (cap == 0)
        return AXN_WIRE_ENOSPC;
    rd_init(&r, msg, len, off);
    while ((n = rd_next(&r, &label)) > 0) {
        if (w.n > 0)
            tw_put(&w, '.');
        tw_label(&w, label, n);
    }
    if (n < 0)
        return n;
    if (w.n == 0)
        tw_put(&w, '.');
    if (w.full)
        return AXN_WIRE_ENOSPC;
    text[w.n] = '\0';
    return (int)w.n;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* One label octet from text at *t (which is not '.' or NUL), or ENAME. */
static int read_text_octet(const char **t)
{
    const char *s = *t;
    int v = 0;
    if (s[0] != '\\') {
        *t = s + 1;
        return (uint8_t)s[0];
    }
    if (s[1] == '\0')
        return AXN_WIRE_ENAME;
    if (!is_digit(s[1])) {
        *t = s + 2;
        return (uint8_t)s[1];
    }
    for (int i = 1; i <= ESCAPE_DIGITS; i++) {
        if (!is_digit(s[i]))
            return AXN_WIRE_ENAME;
        v = v * DECIMAL_BASE + (s[i] - '0');
    }
    if (v > BYTE_MAX_VALUE)
        return AXN_WIRE_ENAME;
    *t = s + 1 + ESCAPE_DIGITS;
    return v;
}

/* Encodes into out[0 .. 255); returns the wire length or ENAME. */
static int encode_name(const char *t, uint8_t *out)
{
    size_t n = 0;
    if (t[0] == '\0' || (t[0] == '.' && t[1] == '\0')) {
        out[0] = 0;
        return ROOT_LEN;
    }
    while (*t != '\0') {
        size_t at = n++;
        uint8_t label_len = 0;
        while (*t != '\0' && *t != '.') {
            int c = read_text_octet(&t);
            if (c < 0)
                return c;
            /* Room for this octet and the root must remain. */
            if (label_len == AXN_DNS_MAX_LABEL_LEN || n + ROOT_LEN >= AXN_DNS_MAX_NAME_LEN)
                return AXN_WIRE_ENAME;
            out[n++] = (uint8_t)c;
            label_len++;
        }
        /* Empty labels exist only as the root. */
        if (label_len == 0)
            return AXN_WIRE_ENAME;
        out[at] = label_len;
        if (*t == '.')
            t++;
    }
    out[n++] = 0;
    return (int)n;
}

int axn_dns_name_encode(const char *text, uint8_t *buf, size_t cap)
{
    uint8_t tmp[AXN_DNS_MAX_NAME_LEN];
    int n = encode_name(text, tmp);
    if (n < 0)
        return n;
    if ((size_t)n > cap)
        return AXN_WIRE_ENOSPC;
    memcpy(buf, tmp, (size_t)n);
    return n;
}

/* ---- Comparison ------------------------------------------------------------ */

/* RFC 4343 3: only the ASCII letters fold; every other octet is exact. */
static uint8_t fold(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c + ASCII_CASE_DISTANCE) : c;
}

static bool labels_eq(const uint8_t *a, const uint8_t *b, int n)
{
    for (int i = 0; i < n; i++) {
        if (fold(a[i]) != fold(b[i]))
            return false;
    }
    return true;
}

bool axn_dns_name_eq(const uint8_t *msg_a, size_t len_a, size_t off_a, const uint8_t *msg_b,
                     size_t len_b, size_t off_b)
{
    struct name_rd a, b;
    rd_init(&a, msg_a, len_a, off_a);
    rd_init(&b, msg_b, len_b, off_b);
    for (;;) {
        const uint8_t *la = NULL, *lb = NULL;
        int na = rd_next(&a, &la);
        int nb = rd_next(&b, &lb);
        if (na < 0 || nb < 0 || na != nb)
            return false;
        if (na == 0)
            return true;
        if (!labels_eq(la, lb, na))
            return false;
    }
}

bool axn_dns_name_eq_text(const uint8_t *msg, size_t len, size_t off, const char *text)
{
    uint8_t tmp[AXN_DNS_MAX_NAME_LEN];
    int n = encode_name(text, tmp);
    if (n < 0)
        return false;
    return axn_dns_name_eq(msg, len, off, tmp, (size_t)n, 0);
}

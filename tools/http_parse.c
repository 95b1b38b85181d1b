/*
 * Strict, bounded HTTP/1.1 head and chunked-body parsing (http_parse.h).
 * Nothing here allocates or copies: every length is checked against the
 * buffer before a byte is read, so it is safe on hostile input (fuzzed by
 * fuzz/fuzz_http_parse.c).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http_parse.h"

#define HTTP_VERSION_PREFIX     "HTTP/"
#define HTTP_VERSION_PREFIX_LEN 5u
#define HTTP_VERSION_LEN        8u /* "HTTP/1.1" */
#define HTTP_STATUS_DIGITS      3u
#define HTTP_STATUS_MIN         100
/* The longest request line a target within AXN_HTTP_TARGET_MAX allows:
 * method, two spaces, the version and CRLF. */
#define HTTP_REQLINE_MAX   (AXN_HTTP_METHOD_MAX + AXN_HTTP_TARGET_MAX + 2u + HTTP_VERSION_LEN + 2u)
#define DECIMAL_BASE       10
#define HEX_BASE           16
#define CHUNK_SIZE_HEX_MAX 15u /* hex digits of a chunk size: stays below 2^60 */
#define CHUNK_TRAILERS_MAX 32u
#define HEX_DIGIT_LETTER   10

/* ---- Character classes (RFC 9110 5.6.2, 5.5) ---------------------------- */

static bool is_tchar(unsigned char c)
{
    return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool is_field_vchar(unsigned char c)
{
    return (c > ' ' && c != 0x7f) || c == ' ' || c == '\t';
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + HEX_DIGIT_LETTER;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + HEX_DIGIT_LETTER;
    return -1;
}

/* ---- Lines --------------------------------------------------------------- */

/* The line starting at *pos (CRLF required, no CR inside): sets [*start,
 * *end) and moves *pos past the CRLF. 1 when found, 0 when the buffer ends
 * first, AXN_HTTP_E_BAD on a bare CR or LF or a NUL. */
static int next_line(const char *buf, size_t len, size_t *pos, size_t *start, size_t *end)
{
    for (size_t i = *pos; i < len; i++) {
        const char c = buf[i];
        if (c == '\0')
            return AXN_HTTP_E_BAD;
        if (c == '\n')
            return AXN_HTTP_E_BAD; /* LF without CR */
        if (c != '\r')
            continue;
        if (i + 1 >= len)
            return 0;
        if (buf[i + 1] != '\n')
            return AXN_HTTP_E_BAD;
        *start = *pos;
        *end = i;
        *pos = i + 2;
        return 1;
    }
    return 0;
}

/* ---- Fields --------------------------------------------------------------- */

/* Whether the comma-separated list `v` holds the token `tok`. */
static bool list_has(const char *v, size_t n, const char *tok)
{
    const size_t tl = strlen(tok);
    size_t i = 0;
    while (i < n) {
        while (i < n && (is_ows(v[i]) || v[i] == ','))
            i++;
        size_t j = i;
        while (j < n && v[j] != ',')
            j++;
        size_t e = j;
        while (e > i && is_ows(v[e - 1]))
            e--;
        if (e - i == tl && strncasecmp(v + i, tok, tl) == 0)
            return true;
        i = j;
    }
    return false;
}

/* Whether the last coding of a Transfer-Encoding list is "chunked". */
static bool list_ends_chunked(const char *v, size_t n)
{
    static const char chunked[] = "chunked";
    const size_t cl = sizeof(chunked) - 1;
    size_t e = n;
    while (e > 0 && is_ows(v[e - 1]))
        e--;
    size_t s = e;
    while (s > 0 && v[s - 1] != ',')
        s--;
    while (s < e && is_ows(v[s]))
        s++;
    return e - s == cl && strncasecmp(v + s, chunked, cl) == 0;
}

/* A Content-Length value: digits only, no overflow; equal repeats allowed
 * (RFC 9110 8.6), differing ones refused. */
static int take_content_length(struct axn_http_fields *f, const char *v, size_t n)
{
    if (n == 0)
        return AXN_HTTP_E_BAD;
    int64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return AXN_HTTP_E_BAD;
        const int d = v[i] - '0';
        if (x > (INT64_MAX - d) / DECIMAL_BASE)
            return AXN_HTTP_E_BAD;
        x = x * DECIMAL_BASE + d;
    }
    if (f->content_length != AXN_HTTP_NO_LENGTH && f->content_length != x)
        return AXN_HTTP_E_BAD;
    f->content_length = x;
    return 0;
}

static int take_semantics(struct axn_http_fields *f, const struct axn_http_header *h)
{
    if (h->name_len == strlen("content-length") &&
        !strncasecmp(h->name, "content-length", h->name_len))
        return take_content_length(f, h->value, h->value_len);
    if (h->name_len == strlen("transfer-encoding") &&
        !strncasecmp(h->name, "transfer-encoding", h->name_len)) {
        f->has_te = true;
        f->chunked = list_ends_chunked(h->value, h->value_len);
    } else if (h->name_len == strlen("connection") &&
               !strncasecmp(h->name, "connection", h->name_len)) {
        f->conn_close |= list_has(h->value, h->value_len, "close");
        f->conn_keep_alive |= list_has(h->value, h->value_len, "keep-alive");
    } else if (h->name_len == strlen("host") && !strncasecmp(h->name, "host", h->name_len)) {
        if (f->has_host)
            return AXN_HTTP_E_BAD; /* RFC 9112 3.2: more than one Host */
        f->has_host = true;
    }
    return 0;
}

/* One field line [s, e): name ':' OWS value OWS. */
static int parse_field(const char *buf, size_t s, size_t e, struct axn_http_fields *f)
{
    if (is_ows(buf[s]))
        return AXN_HTTP_E_BAD; /* obs-fold (RFC 9112 5.2) */
    size_t i = s;
    while (i < e && is_tchar((unsigned char)buf[i]))
        i++;
    if (i == s || i >= e || buf[i] != ':')
        return AXN_HTTP_E_BAD; /* also whitespace before the colon (5.1) */
    if (f->n >= AXN_HTTP_MAX_HEADERS)
        return AXN_HTTP_E_HEAD_BIG;
    struct axn_http_header *h = &f->h[f->n];
    h->name = buf + s;
    h->name_len = i - s;
    size_t vs = i + 1, ve = e;
    while (vs < ve && is_ows(buf[vs]))
        vs++;
    while (ve > vs && is_ows(buf[ve - 1]))
        ve--;
    for (size_t k = vs; k < ve; k++)
        if (!is_field_vchar((unsigned char)buf[k]))
            return AXN_HTTP_E_BAD;
    h->value = buf + vs;
    h->value_len = ve - vs;
    f->n++;
    return take_semantics(f, h);
}

/* Field lines from *pos to the blank line. The head's length, 0 when
 * incomplete, or an error. */
static int parse_fields(const char *buf, size_t len, size_t pos, struct axn_http_fields *f)
{
    for (;;) {
        size_t s, e;
        const int r = next_line(buf, len, &pos, &s, &e);
        if (r < 0)
            return r;
        if (r == 0)
            return len >= AXN_HTTP_HEAD_MAX ? AXN_HTTP_E_HEAD_BIG : AXN_HTTP_INCOMPLETE;
        if (pos > AXN_HTTP_HEAD_MAX)
            return AXN_HTTP_E_HEAD_BIG;
        if (s == e)
            return (int)pos;
        const int fr = parse_field(buf, s, e, f);
        if (fr < 0)
            return fr;
    }
}

static void fields_init(struct axn_http_fields *f)
{
    memset(f, 0, sizeof(*f));
    f->content_length = AXN_HTTP_NO_LENGTH;
}

/* "HTTP/<d>.<d>" at buf[s..s+8): the minor version (1 for any 1.x above 1),
 * AXN_HTTP_E_VERSION for another major, AXN_HTTP_E_BAD when malformed. */
static int parse_version(const char *v, size_t n)
{
    if (n != HTTP_VERSION_LEN || memcmp(v, HTTP_VERSION_PREFIX, HTTP_VERSION_PREFIX_LEN) != 0)
        return AXN_HTTP_E_BAD;
    const char major = v[HTTP_VERSION_PREFIX_LEN], dot = v[HTTP_VERSION_PREFIX_LEN + 1],
               minor = v[HTTP_VERSION_PREFIX_LEN + 2];
    if (!isdigit((unsigned char)major) || dot != '.' || !isdigit((unsigned char)minor))
        return AXN_HTTP_E_BAD;
    if (major != '1')
        return AXN_HTTP_E_VERSION;
    return minor == '0' ? 0 : 1;
}

/* ---- Requests ------------------------------------------------------------- */

static int parse_request_line(const char *buf, size_t s, size_t e, struct axn_http_request *req)
{
    size_t i = s;
    while (i < e && is_tchar((unsigned char)buf[i]))
        i++;
    if (i == s || i - s > AXN_HTTP_METHOD_MAX || i >= e || buf[i] != ' ')
        return AXN_HTTP_E_BAD;
    req->method = buf + s;
    req->method_len = i - s;
    const size_t ts = ++i;
    while (i < e && buf[i] > ' ' && buf[i] < 0x7f)
        i++;
    if (i == ts || i >= e || buf[i] != ' ')
        return AXN_HTTP_E_BAD;
    if (i - ts > AXN_HTTP_TARGET_MAX)
        return AXN_HTTP_E_URI_LONG;
    req->target = buf + ts;
    req->target_len = i - ts;
    const int minor = parse_version(buf + i + 1, e - (i + 1));
    if (minor < 0)
        return minor;
    req->minor = minor;
    return 0;
}

/* Whether an unfinished request line already holds a target over the
 * bound, so a client sending an endless target gets 414 at once. */
static bool partial_target_long(const char *l, size_t n)
{
    const char *sp = memchr(l, ' ', n);
    if (!sp)
        return false;
    const size_t ts = (size_t)(sp - l) + 1;
    const char *end = memchr(l + ts, ' ', n - ts);
    const size_t tl = end ? (size_t)(end - (l + ts)) : n - ts;
    return tl > AXN_HTTP_TARGET_MAX;
}

int axn_http_parse_request(const char *buf, size_t len, struct axn_http_request *req)
{
    memset(req, 0, sizeof(*req));
    fields_init(&req->f);
    size_t pos = 0, s, e;
    int r;
    /* RFC 9112 2.2: empty lines before a request line are ignored. */
    while ((r = next_line(buf, len, &pos, &s, &e)) == 1 && s == e && pos <= AXN_HTTP_HEAD_MAX)
        ;
    if (r < 0)
        return r;
    if (r == 0)
        return len > HTTP_REQLINE_MAX || partial_target_long(buf + pos, len - pos)
                   ? AXN_HTTP_E_URI_LONG
                   : AXN_HTTP_INCOMPLETE;
    if (s == e)
        return AXN_HTTP_E_HEAD_BIG;
    r = parse_request_line(buf, s, e, req);
    if (r < 0)
        return r;
    r = parse_fields(buf, len, pos, &req->f);
    if (r <= 0)
        return r;
    if (req->f.has_te && req->f.content_length != AXN_HTTP_NO_LENGTH)
        return AXN_HTTP_E_BAD; /* RFC 9112 6.1: a smuggling sign */
    if (req->minor == 1 && !req->f.has_host)
        return AXN_HTTP_E_BAD; /* RFC 9112 3.2 */
    return r;
}

bool axn_http_request_keep_alive(const struct axn_http_request *req)
{
    if (req->f.conn_close)
        return false;
    return req->minor >= 1 || req->f.conn_keep_alive;
}

/* ---- Responses ------------------------------------------------------------ */

static int parse_status_line(const char *buf, size_t s, size_t e, struct axn_http_response *resp)
{
    if (e - s < HTTP_VERSION_LEN + 1 + HTTP_STATUS_DIGITS || buf[s + HTTP_VERSION_LEN] != ' ')
        return AXN_HTTP_E_BAD;
    const int minor = parse_version(buf + s, HTTP_VERSION_LEN);
    if (minor < 0)
        return minor;
    resp->minor = minor;
    const char *d = buf + s + HTTP_VERSION_LEN + 1;
    int status = 0;
    for (size_t k = 0; k < HTTP_STATUS_DIGITS; k++) {
        if (!isdigit((unsigned char)d[k]))
            return AXN_HTTP_E_BAD;
        status = status * DECIMAL_BASE + (d[k] - '0');
    }
    if (status < HTTP_STATUS_MIN)
        return AXN_HTTP_E_BAD;
    resp->status = status;
    size_t i = s + HTTP_VERSION_LEN + 1 + HTTP_STATUS_DIGITS;
    if (i < e && buf[i] != ' ')
        return AXN_HTTP_E_BAD;
    resp->reason = buf + (i < e ? i + 1 : i);
    resp->reason_len = i < e ? e - i - 1 : 0;
    for (size_t k = 0; k < resp->reason_len; k++)
        if (!is_field_vchar((unsigned char)resp->reason[k]))
            return AXN_HTTP_E_BAD;
    return 0;
}

int axn_http_parse_response(const char *buf, size_t len, struct axn_http_response *resp)
{
    memset(resp, 0, sizeof(*resp));
    fields_init(&resp->f);
    size_t pos = 0, s, e;
    int r = next_line(buf, len, &pos, &s, &e);
    if (r < 0)
        return r;
    if (r == 0)
        return len >= AXN_HTTP_HEAD_MAX ? AXN_HTTP_E_HEAD_BIG : AXN_HTTP_INCOMPLETE;
    r = parse_status_line(buf, s, e, resp);
    if (r < 0)
        return r;
    r = parse_fields(buf, len, pos, &resp->f);
    if (r > 0 && resp->f.has_te)
        resp->f.content_length = AXN_HTTP_NO_LENGTH; /* RFC 9112 6.3: TE wins */
    return r;
}

const struct axn_http_header *axn_http_find(const struct axn_http_fields *f, const char *name)
{
    const size_t n = strlen(name);
    for (size_t i = 0; i < f->n; i++)
        if (f->h[i].name_len == n && !strncasecmp(f->h[i].name, name, n))
            return &f->h[i];
    return NULL;
}

/* ---- Chunked -------------------------------------------------------------- */

void axn_http_chunked_init(struct axn_http_chunked *c)
{
    memset(c, 0, sizeof(*c));
    c->state = AXN_CHUNK_SIZE;
}

/* A chunk-size line: hex digits, then nothing or OWS/';' extensions. */
static int chunk_size(const char *l, size_t n, uint64_t *out)
{
    size_t i = 0;
    uint64_t x = 0;
    for (; i < n && hex_value(l[i]) >= 0; i++) {
        if (i >= CHUNK_SIZE_HEX_MAX)
            return AXN_HTTP_E_BAD;
        x = x * HEX_BASE + (uint64_t)hex_value(l[i]);
    }
    if (i == 0)
        return AXN_HTTP_E_BAD;
    while (i < n && is_ows(l[i]))
        i++;
    if (i < n && l[i] != ';')
        return AXN_HTTP_E_BAD;
    for (; i < n; i++)
        if (!is_field_vchar((unsigned char)l[i]))
            return AXN_HTTP_E_BAD;
    *out = x;
    return 0;
}

/* A complete line (CRLF stripped) in the current state. */
static int chunk_line(struct axn_http_chunked *c)
{
    const size_t n = c->line_len;
    c->line_len = 0;
    switch (c->state) {
    case AXN_CHUNK_SIZE:
        if (chunk_size(c->line, n, &c->left) < 0)
            return AXN_HTTP_E_BAD;
        c->state = c->left ? AXN_CHUNK_DATA : AXN_CHUNK_TRAILER;
        return 0;
    case AXN_CHUNK_DATA_END:
        if (n != 0)
            return AXN_HTTP_E_BAD;
        c->state = AXN_CHUNK_SIZE;
        return 0;
    case AXN_CHUNK_TRAILER:
        if (n == 0) {
            c->state = AXN_CHUNK_DONE;
            return 0;
        }
        return ++c->trailers > CHUNK_TRAILERS_MAX ? AXN_HTTP_E_BAD : 0;
    default:
        return AXN_HTTP_E_BAD;
    }
}

/* One byte of a line state: CRLF ends the line. */
static int chunk_line_byte(struct axn_http_chunked *c, uint8_t b)
{
    const bool after_cr = c->line_len > 0 && c->line[c->line_len - 1] == '\r';
    if (b == '\n') {
        if (!after_cr)
            return AXN_HTTP_E_BAD;
        c->line_len--;
        return chunk_line(c);
    }
    if (after_cr || b == '\0' || c->line_len + 1 >= AXN_HTTP_CHUNK_LINE_MAX)
        return AXN_HTTP_E_BAD;
    c->line[c->line_len++] = (char)b;
    return 0;
}

int axn_http_chunked_decode(struct axn_http_chunked *c, uint8_t *buf, size_t len, size_t *out_len,
                            size_t *used)
{
    size_t r = 0, w = 0;
    while (r < len && c->state != AXN_CHUNK_DONE) {
        if (c->state == AXN_CHUNK_DATA) {
            size_t n = len - r;
            if (n > c->left)
                n = (size_t)c->left;
            memmove(buf + w, buf + r, n);
            w += n;
            r += n;
            c->left -= n;
            if (c->left == 0)
                c->state = AXN_CHUNK_DATA_END;
            continue;
        }
        if (chunk_line_byte(c, buf[r++]) < 0)
            return AXN_HTTP_E_BAD;
    }
    *out_len = w;
    *used = r;
    return c->state == AXN_CHUNK_DONE ? 1 : 0;
}

/* ---- Helpers -------------------------------------------------------------- */

const char *axn_http_reason(int status)
{
    static const struct {
        int status;
        const char *reason;
    } reasons[] = {
        {200, "OK"},
        {204, "No Content"},
        {301, "Moved Permanently"},
        {302, "Found"},
        {304, "Not Modified"},
        {400, "Bad Request"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {414, "URI Too Long"},
        {431, "Request Header Fields Too Large"},
        {500, "Internal Server Error"},
        {501, "Not Implemented"},
        {503, "Service Unavailable"},
        {505, "HTTP Version Not Supported"},
    };
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
        if (reasons[i].status == status)
            return reasons[i].reason;
    return "Unknown";
}

const char *axn_http_content_type(const char *path)
{
    static const struct {
        const char *ext;
        const char *type;
    } types[] = {
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"txt", "text/plain; charset=utf-8"},
        {"css", "text/css"},
        {"js", "text/javascript"},
        {"json", "application/json"},
        {"xml", "application/xml"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},
        {"svg", "image/svg+xml"},
        {"ico", "image/x-icon"},
        {"pdf", "application/pdf"},
        {"wasm", "application/wasm"},
        {"pcap", "application/vnd.tcpdump.pcap"},
    };
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    if (dot)
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
            if (!strcasecmp(dot + 1, types[i].ext))
                return types[i].type;
    return "application/octet-stream";
}

int axn_http_decode_path(const char *target, size_t len, char *out, size_t cap)
{
    size_t w = 0;
    for (size_t i = 0; i < len && target[i] != '?' && target[i] != '#'; i++) {
        char c = target[i];
        if (c == '%') {
            const int hi = i + 2 < len ? hex_value(target[i + 1]) : -1;
            const int lo = hi >= 0 ? hex_value(target[i + 2]) : -1;
            if (lo < 0 || (hi == 0 && lo == 0))
                return -1;
            c = (char)(hi * HEX_BASE + lo);
            i += 2;
        } else if (c == '\0')
            return -1;
        if (w + 1 >= cap)
            return -1;
        out[w++] = c;
    }
    if (cap == 0)
        return -1;
    out[w] = '\0';
    return (int)w;
}

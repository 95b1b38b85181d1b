/*
 * The `axnet` HTTP parsers (tools/http_parse.c) on hostile bytes. The
 * first byte picks the parser; the rest is copied into a buffer of exactly
 * its size, so any read past the end is caught. Checks: a complete head's
 * length and every name, value and target lie inside the input; the same
 * bytes cut just before the end of the head are incomplete, not an error;
 * errors are only the documented statuses; the chunked decoder gives the
 * same data whether fed at once or in two pieces, never more bytes out
 * than in; the path decoder never writes past its room.
 */
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"
#include "support/fuzz_check.h"

enum mode { MODE_REQUEST, MODE_RESPONSE, MODE_CHUNKED, MODE_PATH, MODE_COUNT };

#define PATH_ROOM 64u

static bool known_error(int r)
{
    return r == AXN_HTTP_E_BAD || r == AXN_HTTP_E_URI_LONG || r == AXN_HTTP_E_HEAD_BIG ||
           r == AXN_HTTP_E_VERSION;
}

static bool inside(const char *p, size_t n, const char *buf, size_t len)
{
    return p >= buf && p + n <= buf + len;
}

static void check_fields(const struct axn_http_fields *f, const char *buf, size_t head)
{
    CHECK(f->n <= AXN_HTTP_MAX_HEADERS);
    for (size_t i = 0; i < f->n; i++) {
        CHECK(f->h[i].name_len > 0 && inside(f->h[i].name, f->h[i].name_len, buf, head));
        CHECK(inside(f->h[i].value, f->h[i].value_len, buf, head));
    }
    CHECK(f->content_length >= AXN_HTTP_NO_LENGTH);
}

static void fuzz_request(const char *buf, size_t len)
{
    struct axn_http_request r;
    const int n = axn_http_parse_request(buf, len, &r);
    CHECK(n >= 0 || known_error(n));
    if (n <= 0)
        return;
    CHECK((size_t)n <= len && (size_t)n <= AXN_HTTP_HEAD_MAX);
    CHECK(r.method_len > 0 && r.method_len <= AXN_HTTP_METHOD_MAX);
    CHECK(inside(r.method, r.method_len, buf, (size_t)n));
    CHECK(r.target_len > 0 && r.target_len <= AXN_HTTP_TARGET_MAX);
    CHECK(inside(r.target, r.target_len, buf, (size_t)n));
    CHECK(r.minor == 0 || r.minor == 1);
    check_fields(&r.f, buf, (size_t)n);
    CHECK(!(r.f.has_te && r.f.content_length != AXN_HTTP_NO_LENGTH));
    struct axn_http_request again;
    CHECK(axn_http_parse_request(buf, (size_t)n, &again) == n);
    CHECK(axn_http_parse_request(buf, (size_t)n - 1, &again) == AXN_HTTP_INCOMPLETE);
    (void)axn_http_request_keep_alive(&r);
}

static void fuzz_response(const char *buf, size_t len)
{
    struct axn_http_response r;
    const int n = axn_http_parse_response(buf, len, &r);
    CHECK(n >= 0 || known_error(n));
    if (n <= 0)
        return;
    CHECK((size_t)n <= len && (size_t)n <= AXN_HTTP_HEAD_MAX);
    CHECK(r.status >= 100 && r.status <= 999);
    CHECK(inside(r.reason, r.reason_len, buf, (size_t)n));
    check_fields(&r.f, buf, (size_t)n);
    struct axn_http_response again;
    CHECK(axn_http_parse_response(buf, (size_t)n - 1, &again) == AXN_HTTP_INCOMPLETE);
}

/* Decodes data[0..len) in pieces cut at `cut`; the result and output. */
static int decode_split(const uint8_t *data, size_t len, size_t cut, uint8_t *out, size_t *out_len)
{
    struct axn_http_chunked c;
    axn_http_chunked_init(&c);
    uint8_t *work = malloc(len ? len : 1);
    CHECK(work != NULL);
    memcpy(work, data, len);
    size_t pos = 0;
    int d = 0;
    *out_len = 0;
    for (size_t end = cut; pos < len && d == 0; end = len) {
        size_t o = 0, used = 0;
        d = axn_http_chunked_decode(&c, work + pos, end - pos, &o, &used);
        if (d < 0)
            break;
        CHECK(o <= used && used <= end - pos);
        memcpy(out + *out_len, work + pos, o);
        *out_len += o;
        CHECK(d == 1 || used == end - pos);
        pos += used;
    }
    free(work);
    return d;
}

static void fuzz_chunked(const uint8_t *data, size_t len)
{
    if (len == 0)
        return;
    const size_t cut = data[0] % len;
    data++;
    len--;
    uint8_t *a = malloc(len + 1), *b = malloc(len + 1);
    CHECK(a && b);
    size_t al = 0, bl = 0;
    const int da = decode_split(data, len, len, a, &al);
    const int db = decode_split(data, len, cut < len ? cut : len, b, &bl);
    CHECK(al <= len && bl <= len);
    CHECK((da < 0) == (db < 0));
    if (da >= 0) {
        CHECK(da == db && al == bl);
        CHECK(memcmp(a, b, al) == 0);
    }
    free(a);
    free(b);
}

static void fuzz_path(const char *buf, size_t len)
{
    char out[PATH_ROOM];
    const int n = axn_http_decode_path(buf, len, out, sizeof(out));
    CHECK(n >= -1 && n < (int)sizeof(out));
    if (n >= 0)
        CHECK(out[n] == '\0' && strlen(out) == (size_t)n);
    char *z = malloc(len + 1);
    CHECK(z != NULL);
    memcpy(z, buf, len);
    z[len] = '\0';
    CHECK(axn_http_content_type(z) != NULL);
    free(z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const enum mode m = (enum mode)(data[0] % MODE_COUNT);
    const size_t len = size - 1;
    char *buf = malloc(len ? len : 1);
    CHECK(buf != NULL);
    memcpy(buf, data + 1, len);
    if (m == MODE_REQUEST)
        fuzz_request(buf, len);
    else if (m == MODE_RESPONSE)
        fuzz_response(buf, len);
    else if (m == MODE_CHUNKED)
        fuzz_chunked((const uint8_t *)buf, len);
    else
        fuzz_path(buf, len);
    free(buf);
    return 0;
}

/*
 * The HTTP/1.1 GET client (http_client.h): one connection, one request,
 * the body streamed to a FILE through a fixed buffer.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "axnet/errno.h"
#include "axnet/resolver.h"
#include "axnet/socket.h"
#include "http_client.h"
#include "http_parse.h"
#include "tcp_serve.h"

#define SCHEME_HTTP        "http://"
#define SCHEME_SEP         "://"
#define REQ_MAX            (AXN_HTTP_PATH_MAX + AXN_HTTP_HOST_MAX + 128u)
#define BODY_BUF           16384u
#define PORT_MAX           65535u
#define DECIMAL_BASE       10
#define MS_PER_S           1000
#define NS_PER_MS          1000000
#define CONNECT_TICK_MS    10             /* between connect retries (should_stop set) */
#define PROGRESS_STEP      (256u * 1024u) /* bytes between progress updates */
#define PERCENT            100
#define STATUS_NO_BODY_204 204
#define STATUS_NO_BODY_304 304
#define STATUS_INFO_END    200
#define STATUS_REDIR_MIN   300
#define STATUS_REDIR_END   400

/* One GET in progress. */
struct get {
    struct axn_socket *sock;
    const struct axn_http_get_opts *o;
    struct axn_http_get_result *res;
    char head[AXN_HTTP_HEAD_MAX + 1];
    size_t have; /* bytes in head[] */
    uint64_t next_progress;
    long timeout_ms; /* a read's whole wait */
    bool tty;
};

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * MS_PER_S + (uint64_t)ts.tv_nsec / NS_PER_MS;
}

static int fail(struct axn_http_get_result *res, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct axn_http_get_result *res, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->error, sizeof(res->error), fmt, ap);
    va_end(ap);
    return err;
}

/* ---- URLs ----------------------------------------------------------------- */

static int url_err(char *err, size_t errlen, int code, const char *why)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", why);
    return code;
}

static int parse_port(const char *p, size_t n, uint16_t *port)
{
    unsigned long v = 0;
    if (n == 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)p[i]))
            return -1;
        v = v * DECIMAL_BASE + (unsigned long)(p[i] - '0');
        if (v > PORT_MAX)
            return -1;
    }
    if (v == 0)
        return -1;
    *port = (uint16_t)v;
    return 0;
}

static int parse_authority(const char *a, size_t n, struct axn_http_url *u, char *err,
                           size_t errlen)
{
    if (memchr(a, '@', n))
        return url_err(err, errlen, -AXN_EINVAL, "user names in URLs are not supported");
    if (n > 0 && a[0] == '[')
        return url_err(err, errlen, -AXN_EINVAL, "IPv6 addresses in URLs are not supported");
    const char *colon = memchr(a, ':', n);
    const size_t hl = colon ? (size_t)(colon - a) : n;
    u->port = AXN_HTTP_PORT_DEF;
    if (colon && parse_port(colon + 1, n - hl - 1, &u->port))
        return url_err(err, errlen, -AXN_EINVAL, "bad port in URL");
    if (hl == 0 || hl >= sizeof(u->host))
        return url_err(err, errlen, -AXN_EINVAL, "bad host in URL");
    for (size_t i = 0; i < hl; i++)
        if (!isalnum((unsigned char)a[i]) && a[i] != '-' && a[i] != '.' && a[i] != '_')
            return url_err(err, errlen, -AXN_EINVAL, "bad host in URL");
    memcpy(u->host, a, hl);
    u->host[hl] = '\0';
    return 0;
}

int axn_http_parse_url(const char *url, struct axn_http_url *u, char *err, size_t errlen)
{
    memset(u, 0, sizeof(*u));
    const char *p = url;
    const char *sep = strstr(url, SCHEME_SEP);
    if (sep) {
        if (strncasecmp(url, SCHEME_HTTP, strlen(SCHEME_HTTP)) != 0)
            return url_err(err, errlen, -AXN_EPROTONOSUPPORT,
                           "only http:// URLs are supported (no TLS)");
        p = url + strlen(SCHEME_HTTP);
    }
    const size_t an = strcspn(p, "/?#");
    int r = parse_authority(p, an, u, err, errlen);
    if (r)
        return r;
    const char *path = p + an;
    const size_t pn = strcspn(path, "#");
    if (pn + 2 > sizeof(u->path))
        return url_err(err, errlen, -AXN_EINVAL, "URL path too long");
    for (size_t i = 0; i < pn; i++)
        if ((unsigned char)path[i] <= ' ' || (unsigned char)path[i] >= 0x7f)
            return url_err(err, errlen, -AXN_EINVAL, "URL path has spaces or control characters");
    size_t w = 0;
    if (pn == 0 || path[0] != '/')
        u->path[w++] = '/';
    memcpy(u->path + w, path, pn);
    u->path[w + pn] = '\0';
    return 0;
}

/* ---- Connecting ----------------------------------------------------------- */

static int resolve_host(struct axn_stack *st, const char *host, struct axn_http_get_result *res)
{
    struct in_addr lit;
    if (inet_pton(AF_INET, host, &lit) == 1) {
        res->addr = ntohl(lit.s_addr);
        return 0;
    }
    const struct axn_dns_options dopt = {.family = AXN_AF_INET};
    struct axn_dns_result *dr = calloc(1, sizeof(*dr));
    if (!dr)
        return fail(res, -AXN_ENOMEM, "out of memory");
    const int r = axn_resolve(st, host, &dopt, dr);
    if (r == 0 && dr->n_addrs > 0)
        res->addr = dr->addrs[0].a4;
    free(dr);
    if (r)
        return fail(res, r, "cannot resolve %s: %s", host, strerror(-r));
    return 0;
}

static bool in_progress(int r)
{
    return r == -AXN_EINPROGRESS || r == -AXN_EALREADY || r == -AXN_EAGAIN;
}

/* With should_stop: connect(2) again each slice until it is done, the
 * flag is set or timeout_ms passed. */
static int connect_sliced(struct get *g, const struct axn_sockaddr_in *sa, long timeout_ms)
{
    const uint64_t end = now_ms() + (uint64_t)timeout_ms;
    const struct timespec tick = {0, CONNECT_TICK_MS * NS_PER_MS};
    int r = axn_connect(g->sock, (const struct axn_sockaddr *)sa, sizeof(*sa));
    while (in_progress(r)) {
        if (g->o->should_stop())
            return -AXN_EINTR;
        if (now_ms() >= end)
            return -AXN_EAGAIN;
        nanosleep(&tick, NULL); /* a retry may return at once (EALREADY) */
        r = axn_connect(g->sock, (const struct axn_sockaddr *)sa, sizeof(*sa));
        if (r == -AXN_EISCONN)
            return 0;
    }
    return r;
}

static int connect_to(struct axn_stack *st, struct get *g, long timeout_ms)
{
    int r = axn_socket(st, AXN_AF_INET, AXN_SOCK_STREAM, 0, &g->sock);
    if (r)
        return fail(g->res, r, "socket: %s", strerror(-r));
    const struct axn_sockaddr_in sa = axn_serve_sockaddr(g->res->addr, g->res->port);
    if (g->o->should_stop) {
        axn_serve_set_timeouts(g->sock, AXN_HTTP_STOP_SLICE_MS);
        r = connect_sliced(g, &sa, timeout_ms);
    } else {
        axn_serve_set_timeouts(g->sock, timeout_ms);
        r = axn_connect(g->sock, (const struct axn_sockaddr *)&sa, sizeof(sa));
    }
    if (r == -AXN_EINTR)
        return fail(g->res, r, "interrupted");
    if (r) {
        char a[INET_ADDRSTRLEN];
        const struct in_addr ia = {htonl(g->res->addr)};
        inet_ntop(AF_INET, &ia, a, sizeof(a));
        return fail(g->res, r, "connect to %s:%u: %s", a, g->res->port,
                    r == -AXN_EAGAIN ? "timed out" : strerror(-r));
    }
    return 0;
}

static int send_request(struct get *g, const struct axn_http_url *u)
{
    char req[REQ_MAX], hostport[AXN_HTTP_HOST_MAX + sizeof(":65535")];
    if (u->port == AXN_HTTP_PORT_DEF)
        snprintf(hostport, sizeof(hostport), "%s", u->host);
    else
        snprintf(hostport, sizeof(hostport), "%s:%u", u->host, u->port);
    const int n = snprintf(req, sizeof(req),
                           "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: axnet\r\nAccept: */*\r\n"
                           "Connection: close\r\n\r\n",
                           u->path, hostport);
    const atomic_bool never = false;
    const int r = axn_serve_send_all(g->sock, req, (size_t)n, &never, 0);
    return r ? fail(g->res, r, "sending the request: %s", strerror(-r)) : 0;
}

/* ---- Reading -------------------------------------------------------------- */

/* With should_stop the socket waits a slice at a time (connect_to), so
 * the flag is seen within a slice and the timeout is counted in slices. */
static long recv_some(struct get *g, void *buf, size_t cap)
{
    long n, waited = 0;
    while ((n = axn_recv(g->sock, buf, cap, 0)) == -AXN_EAGAIN && g->o->should_stop) {
        if (g->o->should_stop())
            return fail(g->res, -AXN_EINTR, "interrupted");
        waited += AXN_HTTP_STOP_SLICE_MS;
        if (waited >= g->timeout_ms)
            break;
    }
    if (n == -AXN_EAGAIN)
        return fail(g->res, -AXN_EAGAIN, "timed out waiting for the server");
    if (n < 0)
        return fail(g->res, (int)n, "receiving: %s", strerror((int)-n));
    return n;
}

/* Reads until a whole final (non-1xx) head is in g->head; its length. */
static int read_head(struct get *g, struct axn_http_response *resp)
{
    for (;;) {
        const int r = g->have ? axn_http_parse_response(g->head, g->have, resp) : 0;
        if (r < 0)
            return fail(g->res, -AXN_EPROTO, "malformed response head (%d)", -r);
        if (r > 0 && resp->status >= STATUS_INFO_END) {
            g->res->header_bytes += (uint64_t)r;
            return r;
        }
        if (r > 0) { /* 1xx interim: drop it (RFC 9110 15.2) */
            g->res->header_bytes += (uint64_t)r;
            memmove(g->head, g->head + r, g->have - (size_t)r);
            g->have -= (size_t)r;
            continue;
        }
        const long n = recv_some(g, g->head + g->have, AXN_HTTP_HEAD_MAX - g->have);
        if (n < 0)
            return (int)n;
        if (n == 0)
            return fail(g->res, -AXN_EPROTO, "connection closed before a response head");
        g->have += (size_t)n;
    }
}

static void progress(struct get *g, bool last)
{
    if (!g->tty || (!last && g->res->body_bytes < g->next_progress))
        return;
    g->next_progress = g->res->body_bytes + PROGRESS_STEP;
    const int64_t cl = g->res->content_length;
    if (cl > 0)
        fprintf(stderr, "\r%llu / %lld bytes (%lld%%)", (unsigned long long)g->res->body_bytes,
                (long long)cl, (long long)(g->res->body_bytes * PERCENT / (uint64_t)cl));
    else
        fprintf(stderr, "\r%llu bytes", (unsigned long long)g->res->body_bytes);
    if (last)
        fputc('\n', stderr);
}

static int emit(struct get *g, const void *p, size_t n)
{
    if (n && g->o->out && fwrite(p, 1, n, g->o->out) != n)
        return fail(g->res, -AXN_EIO, "writing the body: %s", strerror(errno));
    if (n && g->o->on_body)
        g->o->on_body(g->o->body_ctx, p, n);
    g->res->body_bytes += n;
    progress(g, false);
    return 0;
}

/* A body framed by Content-Length, or by the close when len < 0. */
static int body_plain(struct get *g, uint8_t *buf, size_t have, int64_t len)
{
    for (;;) {
        size_t n = have;
        if (len >= 0 && (uint64_t)len - g->res->body_bytes < n)
            n = (size_t)((uint64_t)len - g->res->body_bytes);
        int r = emit(g, buf, n);
        if (r)
            return r;
        if (len >= 0 && g->res->body_bytes == (uint64_t)len)
            return 0;
        const long got = recv_some(g, buf, BODY_BUF);
        if (got < 0)
            return (int)got;
        if (got == 0)
            return len < 0 ? 0
                           : fail(g->res, -AXN_EPROTO, "body truncated at %llu of %lld bytes",
                                  (unsigned long long)g->res->body_bytes, (long long)len);
        have = (size_t)got;
    }
}

static int body_chunked(struct get *g, uint8_t *buf, size_t have)
{
    struct axn_http_chunked c;
    axn_http_chunked_init(&c);
    for (;;) {
        size_t out = 0, used = 0;
        const int d = axn_http_chunked_decode(&c, buf, have, &out, &used);
        if (d < 0)
            return fail(g->res, -AXN_EPROTO, "malformed chunked body");
        const int r = emit(g, buf, out);
        if (r || d == 1)
            return r;
        const long got = recv_some(g, buf, BODY_BUF);
        if (got < 0)
            return (int)got;
        if (got == 0)
            return fail(g->res, -AXN_EPROTO, "chunked body truncated");
        have = (size_t)got;
    }
}

static int read_body(struct get *g, const struct axn_http_response *resp, int head_len)
{
    struct axn_http_get_result *res = g->res;
    res->content_length = resp->f.content_length;
    res->chunked = resp->f.chunked;
    if (resp->status >= STATUS_REDIR_MIN && resp->status < STATUS_REDIR_END) {
        const struct axn_http_header *loc = axn_http_find(&resp->f, "location");
        if (loc)
            snprintf(res->location, sizeof(res->location), "%.*s", (int)loc->value_len, loc->value);
    }
    if (resp->status == STATUS_NO_BODY_204 || resp->status == STATUS_NO_BODY_304)
        return 0;
    if (resp->f.has_te && !resp->f.chunked)
        return fail(res, -AXN_EPROTO, "unsupported transfer coding");
    uint8_t *buf = malloc(BODY_BUF);
    if (!buf)
        return fail(res, -AXN_ENOMEM, "out of memory");
    const size_t have = g->have - (size_t)head_len;
    memcpy(buf, g->head + head_len, have);
    const int r = resp->f.chunked ? body_chunked(g, buf, have)
                                  : body_plain(g, buf, have, resp->f.content_length);
    free(buf);
    progress(g, true);
    return r;
}

int axn_http_get(struct axn_stack *st, const char *url, const struct axn_http_get_opts *o,
                 struct axn_http_get_result *res)
{
    static const struct axn_http_get_opts defaults = {0};
    memset(res, 0, sizeof(*res));
    res->content_length = AXN_HTTP_NO_LENGTH;
    if (!o)
        o = &defaults;
    const uint64_t t0 = now_ms();
    struct axn_http_url u;
    int r = axn_http_parse_url(url, &u, res->error, sizeof(res->error));
    if (r)
        return r;
    res->port = u.port;
    struct get *g = calloc(1, sizeof(*g));
    if (!g)
        return fail(res, -AXN_ENOMEM, "out of memory");
    g->o = o;
    g->res = res;
    g->tty = o->progress && isatty(STDERR_FILENO);
    const long tmo = o->timeout_ms > 0 ? o->timeout_ms : AXN_HTTP_TIMEOUT_MS_DEF;
    g->timeout_ms = tmo;
    r = resolve_host(st, u.host, res);
    if (!r)
        r = connect_to(st, g, tmo);
    if (!r)
        r = send_request(g, &u);
    struct axn_http_response resp;
    if (!r) {
        const int hl = read_head(g, &resp);
        r = hl < 0 ? hl : 0;
        if (!r) {
            res->status = resp.status;
            r = read_body(g, &resp, hl);
        }
    }
    if (g->sock)
        axn_close(g->sock);
    free(g);
    res->elapsed_ms = now_ms() - t0;
    return r;
}

/*
 * The static-file HTTP server (http_server.h). Each connection thread reads
 * heads into a fixed buffer bounded by the parser's AXN_HTTP_HEAD_MAX,
 * answers, drops any request body, and keeps what followed for the next
 * request (pipelining).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "axnet/errno.h"
#include "http_parse.h"
#include "http_server.h"
#include "tcp_serve.h"

#define RESP_HEAD_MAX  512u
#define ERR_BODY_MAX   256u
#define FILE_CHUNK     16384u
#define DATE_MAX       64u
#define INDEX_FILE     "index.html"
#define ABS_FORM       "http://"
#define SERVER_NAME    "axnet"
#define BUSY_DRAIN_MAX (64u * 1024u) /* bytes read before a 503 closes */
#define LINGER_MS      2000          /* reading after an answer that closes */

struct axn_http_server {
    struct axn_http_server_opts o;
    char root[PATH_MAX];       /* realpath of o.root */
    struct axn_tcp_serve *tcp; /* NULL once shut down */
    uint16_t port;
    uint64_t accepted_final; /* the listener's count when it was shut down */
    pthread_mutex_t mu;      /* stats and the log */
    struct axn_http_server_stats stats;
};

/* One connection's state. */
struct conn {
    struct axn_http_server *s;
    struct axn_socket *sock;
    const atomic_bool *stop;
    char buf[AXN_HTTP_HEAD_MAX + 1];
    size_t have;
};

/* What a request resolved to. */
struct reply {
    int status;
    int fd; /* the file for a 200, else -1 */
    off_t size;
    const char *ctype;
    bool head_only;
    bool keep;
};

static const int stat_codes[AXN_HTTP_STAT_COUNT] = {200, 400, 403, 404, 405, 414, 431, 503, 505, 0};

int axn_http_stat_code(enum axn_http_stat i)
{
    return i < AXN_HTTP_STAT_COUNT ? stat_codes[i] : 0;
}

static void count(struct axn_http_server *s, int status, uint64_t body)
{
    size_t i = 0;
    while (i < AXN_HTTP_STAT_OTHER && stat_codes[i] != status)
        i++;
    pthread_mutex_lock(&s->mu);
    s->stats.requests++;
    s->stats.by_status[i]++;
    s->stats.body_bytes += body;
    pthread_mutex_unlock(&s->mu);
}

static void log_line(struct axn_http_server *s, const struct axn_http_request *req, int status,
                     uint64_t bytes)
{
    if (!s->o.log)
        return;
    pthread_mutex_lock(&s->mu);
    fprintf(s->o.log, "%.*s %.*s %d %llu\n", (int)(req ? req->method_len : 1),
            req ? req->method : "-", (int)(req ? req->target_len : 1), req ? req->target : "-",
            status, (unsigned long long)bytes);
    fflush(s->o.log);
    pthread_mutex_unlock(&s->mu);
}

/* ---- Responses ------------------------------------------------------------ */

static int write_head(char *out, size_t cap, int status, const char *ctype, long long len,
                      bool keep, const char *extra)
{
    char date[DATE_MAX];
    const time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    const int n = snprintf(out, cap,
                           "HTTP/1.1 %d %s\r\nServer: " SERVER_NAME "\r\nDate: %s\r\n"
                           "Content-Type: %s\r\nContent-Length: %lld\r\nConnection: %s\r\n%s\r\n",
                           status, axn_http_reason(status), date, ctype, len,
                           keep ? "keep-alive" : "close", extra ? extra : "");
    return n > 0 && (size_t)n < cap ? n : -1;
}

/* An error status with its small HTML body (none for HEAD). */
static int send_error(struct conn *c, int status, bool keep, bool head_only)
{
    char body[ERR_BODY_MAX], head[RESP_HEAD_MAX];
    const int bl = snprintf(body, sizeof(body), "<html><body><h1>%d %s</h1></body></html>\n",
                            status, axn_http_reason(status));
    const char *extra = status == 405 ? "Allow: GET, HEAD\r\n" : NULL;
    const int hl =
        write_head(head, sizeof(head), status, "text/html; charset=utf-8", bl, keep, extra);
    if (hl < 0)
        return -AXN_EINVAL;
    const long idle = c->s->o.idle_ms;
    int r = axn_serve_send_all(c->sock, head, (size_t)hl, c->stop, idle);
    if (!r && !head_only)
        r = axn_serve_send_all(c->sock, body, (size_t)bl, c->stop, idle);
    count(c->s, status, 0);
    return r;
}

static int send_file(struct conn *c, const struct reply *rp, uint64_t *sent)
{
    char head[RESP_HEAD_MAX];
    const int hl =
        write_head(head, sizeof(head), rp->status, rp->ctype, (long long)rp->size, rp->keep, NULL);
    const long idle = c->s->o.idle_ms;
    int r = hl < 0 ? -AXN_EINVAL : axn_serve_send_all(c->sock, head, (size_t)hl, c->stop, idle);
    char chunk[FILE_CHUNK];
    off_t left = rp->head_only ? 0 : rp->size;
    while (!r && left > 0) {
        const ssize_t n =
            read(rp->fd, chunk, left < (off_t)sizeof(chunk) ? (size_t)left : sizeof(chunk));
        if (n <= 0)
            return -AXN_EIO; /* the file shrank: the framing is broken, close */
        r = axn_serve_send_all(c->sock, chunk, (size_t)n, c->stop, idle);
        left -= n;
        *sent += (uint64_t)n;
    }
    count(c->s, rp->status, *sent);
    return r;
}

/* ---- Mapping a target to a file ------------------------------------------- */

/* The path of the target: origin-form, or absolute-form (RFC 9112 3.2.2)
 * with its scheme and authority skipped. */
static const char *target_path(const struct axn_http_request *req, size_t *len)
{
    const char *t = req->target;
    size_t n = req->target_len;
    const size_t al = strlen(ABS_FORM);
    if (n > al && !strncasecmp(t, ABS_FORM, al)) {
        const char *slash = memchr(t + al, '/', n - al);
        if (!slash) {
            *len = 1;
            return "/";
        }
        n -= (size_t)(slash - t);
        t = slash;
    }
    *len = n;
    return t;
}

static bool has_dotdot(const char *p)
{
    for (const char *s = p; *s;) {
        const char *e = strchr(s, '/');
        const size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 2 && s[0] == '.' && s[1] == '.')
            return true;
        s += n + (e ? 1 : 0);
    }
    return false;
}

static int errno_status(int e)
{
    return e == EACCES || e == EPERM ? 403 : 404;
}

/* Opens the regular file `full` names, refusing any that resolves outside
 * the root (a symlink). A status. */
static int open_inside(const struct axn_http_server *s, const char *full, struct reply *rp)
{
    char real[PATH_MAX];
    if (!realpath(full, real))
        return errno_status(errno);
    const size_t rl = strlen(s->root);
    if (strncmp(real, s->root, rl) != 0 || (real[rl] != '/' && real[rl] != '\0'))
        return 403;
    struct stat sb;
    if (stat(real, &sb) != 0)
        return errno_status(errno);
    if (S_ISDIR(sb.st_mode)) {
        if (strlen(real) + sizeof("/" INDEX_FILE) > sizeof(real))
            return 414;
        strcat(real, "/" INDEX_FILE);
        if (stat(real, &sb) != 0)
            return 403; /* no listing of directories */
    }
    if (!S_ISREG(sb.st_mode))
        return 403;
    rp->fd = open(real, O_RDONLY | O_CLOEXEC);
    if (rp->fd < 0)
        return errno_status(errno);
    rp->size = sb.st_size;
    rp->ctype = axn_http_content_type(real);
    return 200;
}

static int resolve(const struct axn_http_server *s, const struct axn_http_request *req,
                   struct reply *rp)
{
    size_t n;
    const char *t = target_path(req, &n);
    char path[AXN_HTTP_TARGET_MAX + 1], full[PATH_MAX];
    if (n == 0 || t[0] != '/' || axn_http_decode_path(t, n, path, sizeof(path)) < 0)
        return 400;
    if (has_dotdot(path))
        return 400; /* never above the root, whatever the file system says */
    const int fl = snprintf(full, sizeof(full), "%s%s", s->root, path);
    if (fl < 0 || (size_t)fl >= sizeof(full))
        return 414;
    return open_inside(s, full, rp);
}

static bool method_is(const struct axn_http_request *req, const char *m)
{
    return req->method_len == strlen(m) && !memcmp(req->method, m, req->method_len);
}

/* Answers one parsed request; false when the connection must end. */
static bool answer(struct conn *c, const struct axn_http_request *req)
{
    struct reply rp = {.fd = -1, .keep = axn_http_request_keep_alive(req)};
    rp.head_only = method_is(req, "HEAD");
    if (req->f.has_te) {
        rp.status = 400; /* no request bodies of unknown length here */
        rp.keep = false;
    } else if (!method_is(req, "GET") && !rp.head_only)
        rp.status = 405;
    else
        rp.status = resolve(c->s, req, &rp);
    uint64_t sent = 0;
    int r;
    if (rp.status == 200) {
        r = send_file(c, &rp, &sent);
        close(rp.fd);
    } else
        r = send_error(c, rp.status, rp.keep, rp.head_only);
    log_line(c->s, req, rp.status, sent);
    return r == 0 && rp.keep;
}

/* ---- The connection loop -------------------------------------------------- */

/* Reads more into the buffer. false at EOF, error, stop or idle timeout. */
static bool fill(struct conn *c)
{
    long idle = 0;
    for (;;) {
        const long n = axn_recv(c->sock, c->buf + c->have, AXN_HTTP_HEAD_MAX - c->have, 0);
        if (n > 0) {
            c->have += (size_t)n;
            return true;
        }
        if (n != -AXN_EAGAIN)
            return false;
        idle += AXN_SERVE_TICK_MS;
        if (atomic_load(c->stop) || idle >= c->s->o.idle_ms)
            return false;
    }
}

/* Drops a request body of `len` bytes: what is buffered, then the rest. */
static bool skip_body(struct conn *c, int64_t len)
{
    while (len > 0) {
        if (c->have == 0 && !fill(c))
            return false;
        const size_t n = (uint64_t)len < c->have ? (size_t)len : c->have;
        memmove(c->buf, c->buf + n, c->have - n);
        c->have -= n;
        len -= (int64_t)n;
    }
    return true;
}

/* Ends a connection the server chose to close: FIN first, then read and
 * drop what the client still sends for a while, so closing with unread
 * data does not reset the connection (RFC 9112 9.6) and destroy the
 * answer before the client read it. */
static void lingering_close(struct conn *c)
{
    axn_shutdown(c->sock, AXN_SHUT_WR);
    long waited = 0;
    while (waited < LINGER_MS && !atomic_load(c->stop)) {
        const long n = axn_recv(c->sock, c->buf, sizeof(c->buf), 0);
        if (n == -AXN_EAGAIN)
            waited += AXN_SERVE_TICK_MS;
        else if (n <= 0)
            return;
    }
}

static void serve_conn(struct axn_socket *sock, void *ctx, const atomic_bool *stop)
{
    struct conn *c = calloc(1, sizeof(*c));
    if (!c)
        return;
    *c = (struct conn){.s = ctx, .sock = sock, .stop = stop};
    for (;;) {
        struct axn_http_request req;
        const int r = c->have ? axn_http_parse_request(c->buf, c->have, &req) : 0;
        if (r == AXN_HTTP_INCOMPLETE) {
            if (!fill(c))
                break;
            continue;
        }
        if (r < 0) {
            send_error(c, -r, false, false);
            log_line(c->s, NULL, -r, 0);
            lingering_close(c);
            break;
        }
        /* `req` points into c->buf: answer before the head is dropped. */
        const int64_t body = req.f.content_length > 0 ? req.f.content_length : 0;
        const bool keep = answer(c, &req);
        memmove(c->buf, c->buf + r, c->have - (size_t)r);
        c->have -= (size_t)r;
        if (!keep || !skip_body(c, body)) {
            lingering_close(c);
            break;
        }
    }
    free(c);
}

static void serve_busy(struct axn_socket *sock, void *ctx)
{
    struct axn_http_server *s = ctx;
    struct conn c = {.s = s, .sock = sock};
    atomic_bool no_stop = false;
    c.stop = &no_stop;
    pthread_mutex_lock(&s->mu);
    s->stats.refused++;
    pthread_mutex_unlock(&s->mu);
    send_error(&c, 503, false, false);
    /* A short lingering close (one tick, a bounded drain): this runs on
     * the accept thread, which must not wait on a client. */
    axn_shutdown(sock, AXN_SHUT_WR);
    char drain[ERR_BODY_MAX];
    size_t drained = 0;
    long n;
    while (drained < BUSY_DRAIN_MAX && (n = axn_recv(sock, drain, sizeof(drain), 0)) > 0)
        drained += (size_t)n;
}

int axn_http_server_start(struct axn_stack *st, const struct axn_http_server_opts *o,
                          struct axn_http_server **out)
{
    struct stat sb;
    if (!o || !o->root || stat(o->root, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return -AXN_EINVAL;
    struct axn_http_server *s = calloc(1, sizeof(*s));
    if (!s)
        return -AXN_ENOMEM;
    s->o = *o;
    if (s->o.idle_ms <= 0)
        s->o.idle_ms = AXN_HTTP_SERVER_IDLE_MS_DEF;
    if (!realpath(o->root, s->root)) {
        free(s);
        return -AXN_EINVAL;
    }
    pthread_mutex_init(&s->mu, NULL);
    const struct axn_tcp_serve_opts to = {.addr = o->addr,
                                          .port = o->port,
                                          .max_conns = o->max_conns,
                                          .fn = serve_conn,
                                          .busy = serve_busy,
                                          .ctx = s};
    const int r = axn_tcp_serve_start(st, &to, &s->tcp);
    if (r) {
        pthread_mutex_destroy(&s->mu);
        free(s);
        return r;
    }
    s->port = axn_tcp_serve_port(s->tcp);
    *out = s;
    return 0;
}

void axn_http_server_shutdown(struct axn_http_server *s)
{
    if (!s || !s->tcp)
        return;
    /* The count is read before the listener goes (it frees its counters);
     * connections still running are in it and their requests are counted
     * by the time the stop below has joined them. */
    s->accepted_final = axn_tcp_serve_accepted(s->tcp);
    axn_tcp_serve_stop(s->tcp);
    s->tcp = NULL;
}

void axn_http_server_stop(struct axn_http_server *s)
{
    if (!s)
        return;
    axn_http_server_shutdown(s);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

uint16_t axn_http_server_port(const struct axn_http_server *s)
{
    return s->port;
}

void axn_http_server_get_stats(struct axn_http_server *s, struct axn_http_server_stats *out)
{
    pthread_mutex_lock(&s->mu);
    *out = s->stats;
    pthread_mutex_unlock(&s->mu);
    out->connections = s->tcp ? axn_tcp_serve_accepted(s->tcp) : s->accepted_final;
}

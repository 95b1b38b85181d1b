/*
 * The demo's HTTP download (demo_http.h): a server on the gateway and a
 * client on the client stack, both on the public socket API in
 * non-blocking mode, both parsing with http_parse.h.
 */
#include "demo_http.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axnet/errno.h"
#include "axnet/snmp.h"
#include "demo_apps.h"
#include "tools.h"

#define DEMO_NOTE_LEN    128          /* the connect line's note: the host name */
#define RECV_CHUNK       16384u       /* one recv() of the body */
#define PROGRESS_STEP    (256u << 10) /* bytes between the client's progress lines */
#define PERCENT          100
#define BITS_PER_BYTE    8
#define BITS_PER_MBIT    1e6
#define USEC_PER_SEC_F   1e6
#define STATUS_OK        200
#define STATUS_NOT_FOUND 404
#define STATUS_NO_METHOD 405
/* Keeps the file's bytes apart from the stacks' random stream, which
 * starts from the same seed ("demo.bin" in ASCII). */
#define FILE_SEED_SALT 0x64656d6f2e62696eULL

static const char content_type[] = "application/octet-stream";

/* ---- The file ---------------------------------------------------------------- */

_Static_assert(DEMO_HTTP_FILE_LEN % sizeof(uint64_t) == 0, "the file is made 8 bytes at a time");

static uint8_t *make_file(uint64_t seed)
{
    uint8_t *f = malloc(DEMO_HTTP_FILE_LEN);
    if (!f)
        return NULL;
    uint64_t state = seed ^ FILE_SEED_SALT;
    for (size_t off = 0; off < DEMO_HTTP_FILE_LEN; off += sizeof(uint64_t)) {
        const uint64_t r = demo_splitmix64(&state);
        memcpy(f + off, &r, sizeof(r));
    }
    return f;
}

static uint64_t retrans_segs(struct axn_stack *st)
{
    struct axn_snmp_tcp tcp;
    axn_tcp_snmp(st, &tcp, NULL);
    return tcp.retrans_segs;
}

/* The head's first line, for printing (the head holds CRLFs). */
static int first_line_len(const char *head, size_t len)
{
    const char *cr = memchr(head, '\r', len);
    return (int)(cr ? (size_t)(cr - head) : len);
}

/* ---- The server on the gateway -------------------------------------------------- */

static const struct demo_sock_name srv_listener = {"gateway", "http"};
static const struct demo_sock_name srv_conn = {"gateway", "conn"};
static const struct demo_sock_name cl_sock = {"client", "http"};

static int server_open(struct demo_http *h, axn_time_t now)
{
    return demo_tcp_listen(h->gw, srv_listener, DEMO_HTTP_PORT, "the HTTP service", now,
                           &h->srv.listener);
}

static bool server_accept(struct demo_http *h, axn_time_t now)
{
    struct demo_http_server *sv = &h->srv;
    const long rc = demo_tcp_accept(sv->listener, srv_listener, now, &sv->conn);
    if (rc == -AXN_EAGAIN)
        return false;
    sv->state = rc < 0 ? HTTP_SRV_DONE : HTTP_SRV_REQUEST;
    return true;
}

static void server_close(struct demo_http *h, axn_time_t now)
{
    demo_close(&h->srv.conn, srv_conn, "", now);
    h->srv.state = HTTP_SRV_DONE;
}

/* What to answer (RFC 9110 15): the one file, or why not. */
static int server_route(const struct axn_http_request *req)
{
    char path[AXN_HTTP_TARGET_MAX + 1];
    if (req->method_len != strlen("GET") || memcmp(req->method, "GET", req->method_len) != 0)
        return STATUS_NO_METHOD;
    if (axn_http_decode_path(req->target, req->target_len, path, sizeof(path)) < 0)
        return -AXN_HTTP_E_BAD;
    return strcmp(path, DEMO_HTTP_PATH) == 0 ? STATUS_OK : STATUS_NOT_FOUND;
}

/* The response head; every response closes the connection after it. */
static void server_build_head(struct demo_http_server *sv, int status)
{
    sv->body_len = status == STATUS_OK ? DEMO_HTTP_FILE_LEN : 0;
    const int n = snprintf(sv->head, sizeof(sv->head),
                           "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                           "Connection: close\r\n\r\n",
                           status, axn_http_reason(status), content_type, sv->body_len);
    sv->head_len = n > 0 && (size_t)n < sizeof(sv->head) ? (size_t)n : 0;
    sv->head_sent = 0;
    sv->body_sent = 0;
    axn_sha256_init(&sv->sha);
    sv->state = HTTP_SRV_RESPOND;
}

/* A complete head (hlen > 0) or the parser's refusal (a -status). */
static void server_on_request(struct demo_http *h, axn_time_t now, int hlen,
                              const struct axn_http_request *req)
{
    struct demo_http_server *sv = &h->srv;
    if (hlen < 0) {
        axn_tool_say(now, "gateway", "the request is refused by the parser: %d %s", -hlen,
                     axn_http_reason(-hlen));
        server_build_head(sv, -hlen);
        return;
    }
    const struct axn_http_header *host = axn_http_find(&req->f, "Host");
    const int status = server_route(req);
    axn_tool_say(now, "gateway", "request parsed (%d bytes): %.*s %.*s HTTP/1.%d, Host: %.*s -> %d",
                 hlen, (int)req->method_len, req->method, (int)req->target_len, req->target,
                 req->minor, host ? (int)host->value_len : 0, host ? host->value : "",
                 status < 0 ? -status : status);
    server_build_head(sv, status < 0 ? -status : status);
}

static bool server_read_request(struct demo_http *h, axn_time_t now)
{
    struct demo_http_server *sv = &h->srv;
    /* Never full here: a full buffer without a complete head was answered. */
    long n =
        axn_recv(sv->conn, sv->req + sv->req_len, sizeof(sv->req) - sv->req_len, AXN_MSG_DONTWAIT);
    if (n == -AXN_EAGAIN)
        return false;
    axn_tool_say(now, "gateway", "recv(conn) = %s", DEMO_RES(n));
    if (n <= 0) {
        server_close(h, now);
        return true;
    }
    sv->req_len += (size_t)n;
    struct axn_http_request req;
    const int hlen = axn_http_parse_request(sv->req, sv->req_len, &req);
    if (hlen == AXN_HTTP_INCOMPLETE && sv->req_len < sizeof(sv->req))
        return true; /* more of the head to come */
    server_on_request(h, now, hlen == AXN_HTTP_INCOMPLETE ? AXN_HTTP_E_HEAD_BIG : hlen, &req);
    return true;
}

/* The head, then the file: as much as the send buffer takes. */
static long server_send_some(struct demo_http *h, axn_time_t now)
{
    struct demo_http_server *sv = &h->srv;
    if (sv->head_sent < sv->head_len) {
        long n = axn_send(sv->conn, sv->head + sv->head_sent, sv->head_len - sv->head_sent,
                          AXN_MSG_DONTWAIT);
        if (n != -AXN_EAGAIN)
            axn_tool_say(now, "gateway", "send(conn, %zu bytes) = %s   the response head: %.*s",
                         sv->head_len - sv->head_sent, DEMO_RES(n),
                         first_line_len(sv->head, sv->head_len), sv->head);
        if (n > 0)
            sv->head_sent += (size_t)n;
        return n;
    }
    const size_t want = sv->body_len - sv->body_sent;
    long n = axn_send(sv->conn, h->file + sv->body_sent, want, AXN_MSG_DONTWAIT);
    if (n > 0) {
        axn_sha256_update(&sv->sha, h->file + sv->body_sent, (size_t)n);
        if (sv->body_sent == 0 || sv->body_sent + (size_t)n == sv->body_len)
            axn_tool_say(now, "gateway", "send(conn, %zu bytes) = %ld   %s", want, n,
                         sv->body_sent == 0 ? "the body starts (the send buffer takes what fits)"
                                            : "the body's last bytes");
        sv->body_sent += (size_t)n;
    } else if (n != -AXN_EAGAIN) {
        axn_tool_say(now, "gateway", "send(conn, %zu bytes) = %s", want, DEMO_RES(n));
    }
    return n;
}

/* All of it handed to the stack: half-close, the body's end for a client
 * that reads to EOF, and wait for the client to close its side. */
static void server_finish(struct demo_http *h, axn_time_t now)
{
    struct demo_http_server *sv = &h->srv;
    axn_sha256_final(&sv->sha, h->res.sent);
    long rc = axn_shutdown(sv->conn, AXN_SHUT_WR);
    axn_tool_say(now, "gateway",
                 "shutdown(conn, SHUT_WR) = %s   (our FIN queues behind the %zu body bytes)",
                 DEMO_RES(rc), sv->body_len);
    sv->state = HTTP_SRV_WAIT_EOF;
}

static bool server_respond(struct demo_http *h, axn_time_t now)
{
    struct demo_http_server *sv = &h->srv;
    bool did = false;
    while (sv->state == HTTP_SRV_RESPOND) {
        if (sv->head_sent == sv->head_len && sv->body_sent == sv->body_len) {
            server_finish(h, now);
            return true;
        }
        long n = server_send_some(h, now);
        if (n == -AXN_EAGAIN)
            break;
        did = true;
        if (n < 0)
            server_close(h, now);
    }
    return did;
}

/* The client's close: every byte it read was acked, so TCP_INFO now
 * counts all the retransmissions the body took. */
static bool server_wait_eof(struct demo_http *h, axn_time_t now)
{
    struct demo_http_server *sv = &h->srv;
    char buf[DEMO_HTTP_REQ_MAX];
    long n = axn_recv(sv->conn, buf, sizeof(buf), AXN_MSG_DONTWAIT);
    if (n == -AXN_EAGAIN)
        return false;
    h->res.server_eof = n == 0;
    axn_tool_say(now, "gateway", "recv(conn) = %s%s", DEMO_RES(n),
                 n == 0 ? "   EOF: the client closed" : "   unexpected");
    struct axn_tcp_info ti;
    if (demo_print_tcp_info(sv->conn, "gateway", "conn", now, &ti))
        h->res.srv_retrans = ti.tcpi_total_retrans;
    server_close(h, now);
    return true;
}

static bool server_step(struct demo_http *h, axn_time_t now)
{
    switch (h->srv.state) {
    case HTTP_SRV_ACCEPT:
        return server_accept(h, now);
    case HTTP_SRV_REQUEST:
        return server_read_request(h, now);
    case HTTP_SRV_RESPOND:
        return server_respond(h, now);
    case HTTP_SRV_WAIT_EOF:
        return server_wait_eof(h, now);
    case HTTP_SRV_DONE:
        break;
    }
    return false;
}

/* ---- The client ------------------------------------------------------------------ */

static void client_close(struct demo_http *h, axn_time_t now)
{
    struct demo_http_client *c = &h->cl;
    demo_close(&c->sock, cl_sock, "", now);
    c->state = HTTP_CL_DONE;
    h->quiet = false;
}

static int client_open(struct demo_http *h, axn_time_t now)
{
    const struct axn_sockaddr_in srv = demo_sin4(h->gw_ip, DEMO_HTTP_PORT);
    char note[DEMO_NOTE_LEN];
    snprintf(note, sizeof(note), "%s, as DNS gave it", h->host);
    h->res.connect_at = now;
    const long rc = demo_tcp_connect(h->client, cl_sock, &srv, note, now, &h->cl.sock);
    return rc == -AXN_EINPROGRESS || rc == 0 ? 0 : (int)rc;
}

/* RFC 9112 3: request line, Host (RFC 9110 7.2: the name we resolved). */
static void client_build_request(struct demo_http *h)
{
    struct demo_http_client *c = &h->cl;
    const int n = snprintf(c->req, sizeof(c->req),
                           "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: axnet-demo\r\n"
                           "Accept: */*\r\nConnection: close\r\n\r\n",
                           DEMO_HTTP_PATH, h->host);
    c->req_len = n > 0 && (size_t)n < sizeof(c->req) ? (size_t)n : 0;
    c->req_sent = 0;
}

static bool client_connected(struct demo_http *h, axn_time_t now)
{
    struct demo_http_client *c = &h->cl;
    long err = 0;
    if (!demo_connect_done(c->sock, cl_sock, now, &err))
        return false;
    if (err != 0) {
        client_close(h, now);
        return true;
    }
    client_build_request(h);
    c->state = HTTP_CL_REQUEST;
    return true;
}

static bool client_send_request(struct demo_http *h, axn_time_t now)
{
    struct demo_http_client *c = &h->cl;
    long n = axn_send(c->sock, c->req + c->req_sent, c->req_len - c->req_sent, AXN_MSG_DONTWAIT);
    if (n == -AXN_EAGAIN)
        return false;
    axn_tool_say(now, "client", "send(http, %zu bytes) = %s   %.*s", c->req_len - c->req_sent,
                 DEMO_RES(n), first_line_len(c->req, c->req_len), c->req);
    if (n < 0) {
        client_close(h, now);
        return true;
    }
    c->req_sent += (size_t)n;
    if (c->req_sent == c->req_len)
        c->state = HTTP_CL_HEAD;
    return true;
}

/* Body bytes as recv() returned them: into the digest, never past the
 * Content-Length (more would be a framing error, RFC 9112 6.3). */
static void client_take_body(struct demo_http *h, axn_time_t now, const void *data, size_t len)
{
    struct demo_http_client *c = &h->cl;
    struct demo_http_result *r = &h->res;
    const uint64_t left = (uint64_t)r->content_length - r->body_bytes;
    if (len > left) {
        axn_tool_say(now, "client", "%zu bytes past the Content-Length: a framing error",
                     len - (size_t)left);
        client_close(h, now);
        return;
    }
    axn_sha256_update(&c->sha, data, len);
    r->body_bytes += len;
    if (r->body_bytes < (uint64_t)r->content_length)
        return;
    r->complete = true;
    r->last_byte_at = now;
    axn_sha256_final(&c->sha, r->got);
    h->quiet = false;
    axn_tool_say(now, "client", "the whole body is in: %" PRIu64 " bytes, %.3f ms after connect()",
                 r->body_bytes, axn_tool_ms(now - r->connect_at));
    c->state = HTTP_CL_EOF;
}

static void client_print_head(axn_time_t now, int hlen, const struct axn_http_response *resp)
{
    const struct axn_http_header *ct = axn_http_find(&resp->f, "Content-Type");
    axn_tool_say(now, "client", "response head parsed (%d bytes): HTTP/1.%d %d %.*s", hlen,
                 resp->minor, resp->status, (int)resp->reason_len, resp->reason);
    printf("           Content-Length: %" PRId64 ", Content-Type: %.*s%s\n", resp->f.content_length,
           ct ? (int)ct->value_len : 0, ct ? ct->value : "",
           resp->f.conn_close ? ", Connection: close" : "");
}

/* A complete head: check it, then what came with it is body. */
static void client_on_head(struct demo_http *h, axn_time_t now, int hlen,
                           const struct axn_http_response *resp)
{
    struct demo_http_client *c = &h->cl;
    client_print_head(now, hlen, resp);
    h->res.status = resp->status;
    h->res.content_length = resp->f.content_length;
    if (resp->status != STATUS_OK || resp->f.chunked || resp->f.content_length < 0) {
        axn_tool_say(now, "client", "not a 200 with a Content-Length: giving up");
        client_close(h, now);
        return;
    }
    axn_sha256_init(&c->sha);
    c->state = HTTP_CL_BODY;
    c->next_report = PROGRESS_STEP;
    h->quiet = true;
    printf("           (the body's frames are not printed: the client's progress is)\n");
    client_take_body(h, now, c->head + hlen, c->have - (size_t)hlen);
}

static bool client_read_head(struct demo_http *h, axn_time_t now)
{
    struct demo_http_client *c = &h->cl;
    const size_t room = sizeof(c->head) - c->have;
    long n = axn_recv(c->sock, c->head + c->have, room, AXN_MSG_DONTWAIT);
    if (n == -AXN_EAGAIN)
        return false;
    axn_tool_say(now, "client", "recv(http) = %s", DEMO_RES(n));
    if (n <= 0) {
        client_close(h, now);
        return true;
    }
    c->have += (size_t)n;
    struct axn_http_response resp;
    const int hlen = axn_http_parse_response(c->head, c->have, &resp);
    if (hlen > 0) {
        client_on_head(h, now, hlen, &resp);
    } else if (hlen < 0 || c->have == sizeof(c->head)) {
        axn_tool_say(now, "client", "malformed response head (%d): giving up", hlen);
        client_close(h, now);
    }
    return true;
}

static void client_progress(struct demo_http *h, axn_time_t now)
{
    struct demo_http_client *c = &h->cl;
    const struct demo_http_result *r = &h->res;
    if (r->body_bytes < c->next_report || r->complete)
        return;
    while (c->next_report <= r->body_bytes)
        c->next_report += PROGRESS_STEP;
    axn_tool_say(now, "client",
                 "recv(http) ... %" PRIu64 " of %" PRId64 " bytes (%" PRIu64 "%%); gateway "
                 "Tcp:RetransSegs +%" PRIu64 " so far",
                 r->body_bytes, r->content_length,
                 r->body_bytes * PERCENT / (uint64_t)r->content_length,
                 retrans_segs(h->gw) - h->gw_retrans0);
}

static bool client_read_body(struct demo_http *h, axn_time_t now)
{
    struct demo_http_client *c = &h->cl;
    uint8_t buf[RECV_CHUNK];
    bool did = false;
    while (c->state == HTTP_CL_BODY) {
        long n = axn_recv(c->sock, buf, sizeof(buf), AXN_MSG_DONTWAIT);
        if (n == -AXN_EAGAIN)
            break;
        did = true;
        if (n <= 0) {
            axn_tool_say(now, "client", "recv(http) = %s   before the body's end: truncated",
                         DEMO_RES(n));
            client_close(h, now);
            break;
        }
        client_take_body(h, now, buf, (size_t)n);
        if (c->state == HTTP_CL_BODY)
            client_progress(h, now);
    }
    return did;
}

/* After the body: the server's FIN (it said Connection: close). */
static bool client_read_eof(struct demo_http *h, axn_time_t now)
{
    struct demo_http_client *c = &h->cl;
    uint8_t buf[1];
    long n = axn_recv(c->sock, buf, sizeof(buf), AXN_MSG_DONTWAIT);
    if (n == -AXN_EAGAIN)
        return false;
    h->res.client_eof = n == 0;
    axn_tool_say(now, "client", "recv(http) = %s%s", DEMO_RES(n),
                 n == 0 ? "   EOF: the server closed its side" : "   unexpected");
    struct axn_tcp_info ti;
    if (demo_print_tcp_info(c->sock, "client", "http", now, &ti))
        h->res.cl_retrans = ti.tcpi_total_retrans;
    client_close(h, now);
    return true;
}

static bool client_step(struct demo_http *h, axn_time_t now)
{
    switch (h->cl.state) {
    case HTTP_CL_CONNECTING:
        return client_connected(h, now);
    case HTTP_CL_REQUEST:
        return client_send_request(h, now);
    case HTTP_CL_HEAD:
        return client_read_head(h, now);
    case HTTP_CL_BODY:
        return client_read_body(h, now);
    case HTTP_CL_EOF:
        return client_read_eof(h, now);
    case HTTP_CL_DONE:
        break;
    }
    return false;
}

/* ---- Driving them ------------------------------------------------------------------ */

int demo_http_start(struct demo_http *h, struct axn_stack *client, struct axn_stack *gw,
                    axn_ip4_t gw_ip, const char *host, uint64_t seed, axn_time_t now)
{
    memset(h, 0, sizeof(*h));
    h->client = client;
    h->gw = gw;
    h->gw_ip = gw_ip;
    h->host = host;
    h->res.content_length = AXN_HTTP_NO_LENGTH;
    h->srv.state = HTTP_SRV_DONE;
    h->cl.state = HTTP_CL_DONE;
    h->file = make_file(seed);
    if (!h->file)
        return -AXN_ENOMEM;
    h->gw_retrans0 = retrans_segs(gw);
    h->cl_retrans0 = retrans_segs(client);
    int rc = server_open(h, now);
    if (rc < 0)
        return rc;
    h->srv.state = HTTP_SRV_ACCEPT;
    rc = client_open(h, now);
    if (rc == 0)
        h->cl.state = HTTP_CL_CONNECTING;
    return rc;
}

bool demo_http_step(struct demo_http *h, axn_time_t now)
{
    bool did = false;
    for (bool more = true; more;) {
        more = server_step(h, now);
        more |= client_step(h, now);
        did |= more;
    }
    if (did && demo_http_done(h)) {
        h->res.gw_retrans = retrans_segs(h->gw) - h->gw_retrans0;
        h->res.cl_retrans_s = retrans_segs(h->client) - h->cl_retrans0;
    }
    return did;
}

/* A server still waiting for a client that gave up is done too. */
bool demo_http_done(const struct demo_http *h)
{
    return h->cl.state == HTTP_CL_DONE &&
           (h->srv.state == HTTP_SRV_DONE || h->srv.state == HTTP_SRV_ACCEPT);
}

bool demo_http_ok(const struct demo_http *h)
{
    const struct demo_http_result *r = &h->res;
    return r->status == STATUS_OK && r->complete && r->content_length == DEMO_HTTP_FILE_LEN &&
           h->srv.body_sent == DEMO_HTTP_FILE_LEN &&
           memcmp(r->sent, r->got, AXN_SHA256_DIGEST_LEN) == 0;
}

static void print_goodput(const struct demo_http_result *r)
{
    const axn_time_t took = r->last_byte_at - r->connect_at;
    const double mbit =
        took ? (double)r->body_bytes * BITS_PER_BYTE * USEC_PER_SEC_F / (double)took / BITS_PER_MBIT
             : 0.0;
    printf("  body: %" PRIu64 " bytes (Content-Length %" PRId64 ") in %.3f ms of virtual time,\n"
           "        connect() to the last byte: %.2f Mbit/s goodput\n",
           r->body_bytes, r->content_length, axn_tool_ms(took), mbit);
}

void demo_http_report(const struct demo_http *h)
{
    const struct demo_http_result *r = &h->res;
    char sent[AXN_SHA256_HEX_LEN], got[AXN_SHA256_HEX_LEN];
    printf("\nHTTP download (GET %s from %s):\n", DEMO_HTTP_PATH, h->host);
    printf("  status: %d %s\n", r->status, r->status ? axn_http_reason(r->status) : "(none)");
    if (r->complete)
        print_goodput(r);
    else
        printf("  body: %" PRIu64 " bytes received: INCOMPLETE\n", r->body_bytes);
    printf("  TCP retransmissions (the wire's losses): gateway %u (its connection's\n"
           "  tcpi_total_retrans; Tcp:RetransSegs +%" PRIu64 "), client %u (+%" PRIu64 ")\n",
           r->srv_retrans, r->gw_retrans, r->cl_retrans, r->cl_retrans_s);
    axn_sha256_hex(r->sent, sent);
    axn_sha256_hex(r->got, got);
    printf("  SHA-256 sent by the server:     %s\n", h->srv.body_sent ? sent : "(nothing)");
    printf("  SHA-256 received by the client: %s\n", r->complete ? got : "(incomplete)");
    printf("  %s\n",
           demo_http_ok(h) ? "SHA-256 matches" : "SHA-256 DOES NOT MATCH: the demo fails");
}

void demo_http_close(struct demo_http *h)
{
    struct axn_socket *socks[] = {h->srv.listener, h->srv.conn, h->cl.sock};
    for (size_t i = 0; i < sizeof(socks) / sizeof(socks[0]); i++)
        if (socks[i])
            axn_close(socks[i]);
    h->srv.listener = h->srv.conn = h->cl.sock = NULL;
    free(h->file);
    h->file = NULL;
}

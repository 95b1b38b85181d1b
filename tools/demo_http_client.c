/*
 * The demo's HTTP download (demo_http.h): the client on the client stack.
 * It connects to the address DNS gave, sends the request, parses the
 * response head and streams the body into SHA-256, printing its progress.
 * Split from the server (demo_http_server.c): each side is its own state
 * machine; demo_http.c steps both.
 */
#include "demo_http.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axnet/errno.h"
#include "demo_apps.h"
#include "demo_http_sides.h"
#include "tools.h"

#define DEMO_NOTE_LEN 128          /* the connect line's note: the host name */
#define RECV_CHUNK    16384u       /* one recv() of the body */
#define PROGRESS_STEP (256u << 10) /* bytes between the client's progress lines */
#define PERCENT       100

/* ---- The client ------------------------------------------------------------------ */

static const struct demo_sock_name cl_sock = {"client", "http"};

static void client_close(struct demo_http *h, axn_time_t now)
{
    struct demo_http_client *c = &h->cl;
    demo_close(&c->sock, cl_sock, "", now);
    c->state = HTTP_CL_DONE;
    h->quiet = false;
}

int demo_http_client_open(struct demo_http *h, axn_time_t now)
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
                 DEMO_RES(n), demo_http_first_line_len(c->req, c->req_len), c->req);
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
                 demo_http_retrans_segs(h->gw) - h->gw_retrans0);
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

bool demo_http_client_step(struct demo_http *h, axn_time_t now)
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

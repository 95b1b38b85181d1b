/*
 * The demo's HTTP download (demo_http.h): the server on the gateway. One
 * connection, one request read and routed, one response (head, then the
 * generated file, hashed as send() accepts it), then SHUT_WR and a wait
 * for the client's close. Split from the client (demo_http_client.c):
 * each side is its own state machine; demo_http.c steps both.
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

#define STATUS_NOT_FOUND 404
#define STATUS_NO_METHOD 405

static const char content_type[] = "application/octet-stream";

/* ---- The server on the gateway -------------------------------------------------- */

static const struct demo_sock_name srv_listener = {"gateway", "http"};
static const struct demo_sock_name srv_conn = {"gateway", "conn"};

int demo_http_server_open(struct demo_http *h, axn_time_t now)
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
                         demo_http_first_line_len(sv->head, sv->head_len), sv->head);
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

bool demo_http_server_step(struct demo_http *h, axn_time_t now)
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

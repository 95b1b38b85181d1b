/*
 * A static-file HTTP/1.1 server on an axnet stack (`axnet serve`): GET and
 * HEAD of regular files under a root directory, keep-alive (and pipelined
 * requests), one thread per connection up to a bound (tcp_serve.h).
 *
 * Answers: 200 with Content-Type (by extension) and Content-Length; 400 a
 * malformed request or a ".." path segment; 403 a directory without
 * index.html, a file it may not read or not a regular file, or a symlink
 * leading out of the root; 404 nothing there; 405 (with Allow) another
 * method; 414 / 431 a target or head over the parser's bounds; 505 another
 * HTTP version; 503 over the connection bound. Errors carry a small HTML
 * body naming the status, and close the connection when the request
 * framing can no longer be trusted. Range is ignored (always the whole
 * file), as RFC 9110 14.2 allows.
 */
#ifndef AXN_TOOLS_HTTP_SERVER_H
#define AXN_TOOLS_HTTP_SERVER_H

#include <stdint.h>
#include <stdio.h>

#include "axnet/stack.h"

#define AXN_HTTP_SERVER_IDLE_MS_DEF 15000 /* keep-alive idle timeout when 0 */

struct axn_http_server_opts {
    const char *root;   /* directory served (required) */
    axn_ip4_t addr;     /* host order; 0: any */
    uint16_t port;      /* 0: ephemeral (axn_http_server_port) */
    unsigned max_conns; /* 0: AXN_SERVE_CONNS_DEF */
    long idle_ms;       /* keep-alive idle timeout; 0: the default */
    FILE *log;          /* one line per request, or NULL */
};

/* Counted statuses, in axn_http_server_stats.by_status order. */
enum axn_http_stat {
    AXN_HTTP_STAT_200,
    AXN_HTTP_STAT_400,
    AXN_HTTP_STAT_403,
    AXN_HTTP_STAT_404,
    AXN_HTTP_STAT_405,
    AXN_HTTP_STAT_414,
    AXN_HTTP_STAT_431,
    AXN_HTTP_STAT_503,
    AXN_HTTP_STAT_505,
    AXN_HTTP_STAT_OTHER,
    AXN_HTTP_STAT_COUNT,
};

struct axn_http_server_stats {
    uint64_t connections; /* accepted */
    uint64_t refused;     /* over the bound (answered 503) */
    uint64_t requests;    /* responses sent, any status */
    uint64_t body_bytes;  /* file bytes sent */
    uint64_t by_status[AXN_HTTP_STAT_COUNT];
};

struct axn_http_server;

/* 0 or a negative errno (-EINVAL: no root, or not a directory). */
int axn_http_server_start(struct axn_stack *st, const struct axn_http_server_opts *o,
                          struct axn_http_server **out);
/* Stops accepting and ends every connection within a tick; the stats stay
 * readable (the final ones) until axn_http_server_stop. Idempotent. */
void axn_http_server_shutdown(struct axn_http_server *s);
/* Shuts down if still running, then frees. */
void axn_http_server_stop(struct axn_http_server *s);
uint16_t axn_http_server_port(const struct axn_http_server *s);
void axn_http_server_get_stats(struct axn_http_server *s, struct axn_http_server_stats *out);
/* The status code a stats slot counts (0 for OTHER). */
int axn_http_stat_code(enum axn_http_stat i);

#endif /* AXN_TOOLS_HTTP_SERVER_H */

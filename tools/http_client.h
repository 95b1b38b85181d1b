/*
 * A one-shot HTTP/1.1 GET over an axnet stack (`axnet http-get`): resolves
 * the host with the stack's resolver, sends GET with Host and
 * "Connection: close", and writes the body (Content-Length, chunked, or up
 * to the close) to a FILE. Redirects are reported, not followed; https is
 * refused. The stack must be threaded (axn_stack_start).
 */
#ifndef AXN_TOOLS_HTTP_CLIENT_H
#define AXN_TOOLS_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "axnet/stack.h"

#define AXN_HTTP_HOST_MAX       256u
#define AXN_HTTP_PATH_MAX       2048u
#define AXN_HTTP_LOCATION_MAX   512u
#define AXN_HTTP_ERROR_MAX      160u
#define AXN_HTTP_TIMEOUT_MS_DEF 30000 /* per read or write, when 0 */
#define AXN_HTTP_PORT_DEF       80u
#define AXN_HTTP_STOP_SLICE_MS  100 /* a read's wait between should_stop polls */

struct axn_http_get_opts {
    FILE *out;       /* body goes here; NULL: counted and dropped */
    bool progress;   /* a progress line on stderr when it is a terminal */
    long timeout_ms; /* each connect/read/write; 0: the default */
    /* Optional: sees every body byte as it is written (a digest, a check). */
    void (*on_body)(void *ctx, const void *data, size_t len);
    void *body_ctx;
    /* Optional: polled between short waits (AXN_HTTP_STOP_SLICE_MS) while
     * connecting and reading; true ends the GET with -EINTR. The resolver
     * is not cut short (it has its own bound). */
    bool (*should_stop)(void);
};

struct axn_http_get_result {
    int status; /* the final status (after any 1xx) */
    uint64_t header_bytes;
    uint64_t body_bytes;    /* after chunked decoding */
    int64_t content_length; /* -1 when the response had none */
    bool chunked;
    axn_ip4_t addr; /* whom it talked to */
    uint16_t port;
    uint64_t elapsed_ms;
    char location[AXN_HTTP_LOCATION_MAX]; /* a redirect's Location, "" otherwise */
    char error[AXN_HTTP_ERROR_MAX];       /* why it failed, one line */
};

/* A parsed http:// URL. */
struct axn_http_url {
    char host[AXN_HTTP_HOST_MAX];
    uint16_t port;
    char path[AXN_HTTP_PATH_MAX]; /* origin-form: path and query */
};

/* Splits "http://host[:port][/path][?query]" (scheme optional; the
 * fragment dropped). 0, or -EINVAL / -EPROTONOSUPPORT (https, another
 * scheme) with a reason in err. */
int axn_http_parse_url(const char *url, struct axn_http_url *u, char *err, size_t errlen);

/* 0 once a whole response was read (whatever its status), or a negative
 * errno with res->error saying what went wrong: -EPROTO a malformed or
 * truncated response, -EAGAIN a timeout, -EINTR should_stop, resolver and socket errors as
 * they come. */
int axn_http_get(struct axn_stack *st, const char *url, const struct axn_http_get_opts *o,
                 struct axn_http_get_result *res);

#endif /* AXN_TOOLS_HTTP_CLIENT_H */

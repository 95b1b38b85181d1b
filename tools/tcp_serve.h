/*
 * A TCP listener on an axnet stack that runs one thread per connection,
 * up to a bound, shared by the `axnet` HTTP server and the inet services.
 *
 * Every socket it hands out carries SO_RCVTIMEO and SO_SNDTIMEO of
 * AXN_SERVE_TICK_MS, so a handler's blocking call returns -EAGAIN at least
 * that often and the handler can look at the stop flag: stop never waits
 * on a peer. The stack must be threaded (axn_stack_start) and outlive the
 * listener.
 */
#ifndef AXN_TOOLS_TCP_SERVE_H
#define AXN_TOOLS_TCP_SERVE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/socket.h"
#include "axnet/stack.h"

#define AXN_SERVE_TICK_MS   200
#define AXN_SERVE_BACKLOG   64
#define AXN_SERVE_CONNS_DEF 32u /* max_conns when 0 */

/* Serves one connection; the caller closes it afterwards. */
typedef void (*axn_serve_fn)(struct axn_socket *conn, void *ctx, const atomic_bool *stop);

struct axn_tcp_serve_opts {
    axn_ip4_t addr;     /* host order; 0: any */
    uint16_t port;      /* 0: an ephemeral port (axn_tcp_serve_port) */
    unsigned max_conns; /* 0: AXN_SERVE_CONNS_DEF */
    axn_serve_fn fn;
    /* Optional: a connection over the bound gets this instead (e.g. a 503)
     * and is closed. */
    void (*busy)(struct axn_socket *conn, void *ctx);
    void *ctx;
};

struct axn_tcp_serve;

/* Binds, listens and starts the accept thread. 0 or a negative errno. */
int axn_tcp_serve_start(struct axn_stack *st, const struct axn_tcp_serve_opts *o,
                        struct axn_tcp_serve **out);
/* Stops accepting, waits for every connection's handler to return. */
void axn_tcp_serve_stop(struct axn_tcp_serve *s);
uint16_t axn_tcp_serve_port(const struct axn_tcp_serve *s);
/* Connections accepted, and those turned away over the bound. */
uint64_t axn_tcp_serve_accepted(const struct axn_tcp_serve *s);
uint64_t axn_tcp_serve_refused(const struct axn_tcp_serve *s);

/* Sends all of buf, retrying the ticks' -EAGAIN until `stop` is set or
 * `idle_ms` pass without progress. 0, -EAGAIN (stopped or idle), or the
 * socket's error. */
int axn_serve_send_all(struct axn_socket *s, const void *buf, size_t len, const atomic_bool *stop,
                       long idle_ms);

/* Sets SO_RCVTIMEO and SO_SNDTIMEO of `ms` milliseconds. */
int axn_serve_set_timeouts(struct axn_socket *s, long ms);

/* A sockaddr_in for addr/port (host order). */
struct axn_sockaddr_in axn_serve_sockaddr(axn_ip4_t addr, uint16_t port);

#endif /* AXN_TOOLS_TCP_SERVE_H */

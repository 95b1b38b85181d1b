/*
 * TCP sockets (tcp(7)): the socket side of a connection, with Linux's
 * semantics for bind/listen/accept/connect, data calls, shutdown, close,
 * poll and options (tcp_sock*.c, tcp_opt.c, tcp_info.c), and the bound
 * port table (tcp_table.c).
 *
 * A socket owns one connection (`conn`, tcp_conn.h) at a time: a fresh
 * one at socket(), replaced by a fresh one (options kept) when a closed
 * connection is connected again (Linux lets a socket whose connect failed
 * connect anew) or after connect(AF_UNSPEC). At close() the connection is
 * either freed (nothing to finish) or orphaned to finish its FIN handshake
 * (the engine frees it then). With SO_LINGER and a time, close first
 * waits (the facade's linger op) until the FIN is acknowledged or the
 * time passed, as Linux, also when non-blocking.
 *
 * SO_SNDBUF/SO_RCVBUF apply at any time (tcp_sock_buf.c): a larger value
 * grows the rings, a smaller one limits without shrinking memory.
 *
 * Every function runs with the stack's core lock held.
 */
#ifndef AXN_TCP_TCP_SOCK_H
#define AXN_TCP_TCP_SOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "sock/sock.h"
#include "tcp/tcp.h"

extern const struct axn_sock_proto axn_tcp_proto;

/* axn_tcp_proto's per-stack state (tcp_layer.c). */
int axn_tcp_layer_init(struct axn_stack *st, void **state);
void axn_tcp_layer_destroy(struct axn_stack *st, void *state);

/* Linux sk_shutdown bits (RCV_SHUTDOWN, SEND_SHUTDOWN). */
#define AXN_TCP_SHUT_RCV  1u
#define AXN_TCP_SHUT_SEND 2u
#define AXN_TCP_SHUT_BOTH (AXN_TCP_SHUT_RCV | AXN_TCP_SHUT_SEND)

struct axn_tcp_sock {
    struct axn_socket base;
    struct axn_tcp_layer *layer;
    struct axn_tcp_conn *conn; /* never NULL while the socket is open */

    /* The bound port table (tcp_table.c): a socket holding a local port
     * (bind, listen's autobind, connect's ephemeral port, an accepted
     * child inheriting its listener's) is on its port's chain in
     * layer->bound or layer->bound_conn with exactly this key, which is
     * what it releases (spec TCP-15). bind_pprev: the pointer to it, so
     * leaving is O(1) whatever the chain's length. */
    struct axn_tcp_sock *bind_next;
    struct axn_tcp_sock **bind_pprev;
    bool bound;
    bool bind_owner; /* bound by bind() or listen: a listener candidate */
    axn_ip4_t laddr; /* 0: any */
    uint16_t lport;
    bool addr_locked; /* bound to an address by the user (SOCK_BINDADDR_LOCK) */
    bool port_locked; /* bound to a port by the user or listen (SOCK_BINDPORT_LOCK) */
    /* SO_REUSEADDR / SO_REUSEPORT as they were at bind time (Linux keeps
     * sk_reuse in the bind bucket's view). */
    bool reuseaddr;
    bool reuseport;

    /* Linux sock->state SS_CONNECTING: a connect() started and no call has
     * yet reported its outcome (EALREADY, then 0 or the error). */
    bool connecting;
    /* Linux SS_CONNECTED: a connect() reported success, or accepted. */
    bool connected;
    /* The port was picked by connect (Linux: a bucket with fastreuse -1,
     * which other connects may share on a different 4-tuple). */
    bool connect_port;
    /* conn->err was moved into base.so_error (reported once). */
    bool err_reported;
    /* The connection was opened (SYN sent or accepted): CLOSED then means
     * "done" (Linux tcp_done: both directions shut). */
    bool used;
    uint8_t shutdown; /* AXN_TCP_SHUT_* from shutdown() and tcp_done */

    /* TCP_DEFER_ACCEPT as SYN-ACK retransmissions (Linux keeps it so). */
    uint8_t defer_accept;
    bool quickack_off; /* TCP_QUICKACK 0: Linux "pingpong" (delayed ACKs) */
};

static inline struct axn_tcp_sock *axn_tcp_sock_of(struct axn_socket *s)
{
    return (struct axn_tcp_sock *)s;
}

/* ---- The bound port table (tcp_table.c) -------------------------------------- */

/* Binds ts to laddr:port (port 0: an ephemeral one) with Linux's conflict
 * rules (inet_csk_get_port): -AXN_EADDRINUSE on conflict or when no port
 * is free. ts must be unbound. */
int axn_tcp_port_bind(struct axn_tcp_sock *ts, axn_ip4_t laddr, uint16_t port);
/* Whether ts's port may be listened on (Linux inet_csk_listen_start's
 * second get_port): a listener already there forbids it unless both have
 * SO_REUSEPORT; SO_REUSEADDR sharers that do not listen, and orphans or
 * TIME-WAIT when ts has SO_REUSEADDR, do not. 0 or -AXN_EADDRINUSE. */
int axn_tcp_port_listen_check(struct axn_tcp_sock *ts);
/* Picks the RFC 6056 port for a connect from laddr to raddr:rport (free
 * 4-tuple, no port bound by bind()) and binds ts to it. */
int axn_tcp_port_connect(struct axn_tcp_sock *ts, axn_ip4_t laddr, axn_ip4_t raddr, uint16_t rport);
/* Adds ts with the given key, no checks (an accepted child inherits its
 * listener's port, as Linux __inet_inherit_port). */
void axn_tcp_port_inherit(struct axn_tcp_sock *ts, axn_ip4_t laddr, uint16_t port);
/* Releases exactly the key ts registered (no-op when unbound). */
void axn_tcp_port_unbind(struct axn_tcp_sock *ts);

/* ---- Socket internals shared by tcp_sock*.c, tcp_opt.c, tcp_info.c ----------- */

/* Moves a new conn->err into base.so_error (once). */
void axn_tcp_sock_sync_err(struct axn_tcp_sock *ts);
/* Copies the socket's options into its connection (tos, ttl, df mode,
 * device, buffers, keep-alive). */
void axn_tcp_sock_sync_opts(struct axn_tcp_sock *ts);
/* The state as Linux's socket shows it (TCP_INFO, getpeername): the
 * connection's, except TIME-WAIT, which a Linux socket reads as CLOSE. */
enum axn_tcp_state axn_tcp_sock_state(const struct axn_tcp_sock *ts);
/* The sk_shutdown bits now (user shutdown, FIN received, done). */
unsigned axn_tcp_sock_shutdown_bits(const struct axn_tcp_sock *ts);
/* Replaces ts's connection with a fresh one carrying the same options:
 * 0 or -AXN_ENOMEM (the old one stays). */
int axn_tcp_sock_renew_conn(struct axn_tcp_sock *ts);

/* Linux tcp_disconnect (connect(AF_UNSPEC), shutdown of a listener or
 * of a connect in progress): back to unconnected with a fresh connection;
 * 0 or -AXN_ENOMEM. */
int axn_tcp_sock_disconnect(struct axn_tcp_sock *ts);

/* Gives back the port and address connect chose when the connection
 * ended (Linux tcp_set_state(TCP_CLOSE): inet_put_port unless the user
 * bound; tcp_sock_bind.c). */
void axn_tcp_sock_release_auto_bind(struct axn_tcp_sock *ts);

/* The ops, one file per concern (the table is in tcp_sock.c):
 * tcp_sock_bind.c */
int axn_tcp_sock_bind(struct axn_socket *s, const struct axn_endpoint *ep);
int axn_tcp_sock_getname(struct axn_socket *s, struct axn_endpoint *ep, bool peer);
/* tcp_sock_shutdown.c */
int axn_tcp_sock_shutdown(struct axn_socket *s, int how);
/* tcp_sock_close.c */
void axn_tcp_sock_close(struct axn_socket *s);
long axn_tcp_sock_linger(struct axn_socket *s);
/* tcp_sock_poll.c */
unsigned axn_tcp_sock_poll(struct axn_socket *s);
/* tcp_sock_conn.c, tcp_sock_io.c, tcp_opt.c */
int axn_tcp_sock_connect(struct axn_socket *s, const struct axn_endpoint *ep);
int axn_tcp_sock_listen(struct axn_socket *s, int backlog);
int axn_tcp_sock_accept(struct axn_socket *s, struct axn_endpoint *peer, struct axn_socket **out);
long axn_tcp_sock_send(struct axn_socket *s, const struct axn_msghdr *msg,
                       const struct axn_endpoint *dst, int flags);
long axn_tcp_sock_recv(struct axn_socket *s, struct axn_msghdr *msg, struct axn_endpoint *src,
                       int flags);
int axn_tcp_sock_ioctl(struct axn_socket *s, unsigned long req, int *arg);
int axn_tcp_setsockopt(struct axn_socket *s, int level, int name, const void *val,
                       axn_socklen_t len);
int axn_tcp_getsockopt(struct axn_socket *s, int level, int name, void *val, axn_socklen_t *len);
/* A new socket for an accepted child (tcp_sock.c owns the ops table). */
int axn_tcp_sock_new(struct axn_tcp_layer *l, struct axn_tcp_sock **out);

/* SO_SNDBUF / SO_RCVBUF changed (tcp_sock_buf.c): a ring smaller than
 * the new size grows now (queued bytes kept at their offsets); a smaller
 * size is a limit, memory is not shrunk. Socket calls only. */
void axn_tcp_sock_bufs_changed(struct axn_tcp_sock *ts);
/* Bytes a send may queue now: the ring's free room within SO_SNDBUF. */
uint32_t axn_tcp_sock_snd_room(const struct axn_tcp_conn *c);

/* TCP_INFO (tcp_info.c). */
struct axn_tcp_info;
void axn_tcp_get_info(struct axn_tcp_sock *ts, struct axn_tcp_info *info);

#endif /* AXN_TCP_TCP_SOCK_H */

/*
 * The socket layer inside: what the public calls (include/axnet/socket.h)
 * share, and the contract every transport (UDP, raw, ICMP ping; TCP, Unix,
 * vsock later) implements.
 *
 * Shape:
 *   socket_api.c  public entry points but the data calls: argument checks,
 *                 locking, dispatch to ops, Linux defaults for NULL ops;
 *   socket_io.c   send* / recv*: msghdr and name checks, control buffer;
 *   sock_addr.c   sockaddr <-> endpoint (Linux family and length rules);
 *   sock_msg.c    msghdr checks, iovec copies, axn_sock_put_cmsg;
 *   sock_cmsg.c   control messages on send (ip_cmsg_send) into tx_ctl;
 *   sock_block.c  the blocking loop (O_NONBLOCK, MSG_DONTWAIT, SO_*TIMEO);
 *   sock_wake.c   readiness: the wait queue, wakers, deferred wake list;
 *   sock_opt.c    SOL_SOCKET options and the int conventions (spec §12);
 *   sock_opt_ip.c generic SOL_IP options, multicast memberships;
 *   sock_layer.c  per-stack state: the transports' layers, the socket list,
 *                 interface events (REMOVED -> ENODEV, LINK_DOWN -> ENETDOWN);
 *   sock_families.c  the table of transports (struct axn_sock_proto);
 *   sock_layer.h  what these files share (not for transports).
 *
 * Locking: one lock, the stack's core lock (st->core_lock, a sleeping
 * mutex), guards every socket's protocol state, as the protocol core runs
 * under it too (DESIGN.md threading model). The public calls take it and
 * call the ops with it held; a blocking call sleeps on the socket's wait
 * queue, which releases it. Wakers (epoll hooks) never run under it: the
 * layer queues them and runs them after the lock is released
 * (axn_sock_run_deferred, PLAT-8/19).
 */
#ifndef AXN_SOCK_SOCK_H
#define AXN_SOCK_SOCK_H

#include "axnet/config.h"
#include "axnet/errno.h"
#include "axnet/socket.h"
#include "axnet/types.h"

struct axn_stack;
struct axn_tx_acct;

/*
 * What an op returns for an EAGAIN that waiting cannot cure (no ephemeral
 * port left to pick, an empty error queue): the facade answers -EAGAIN at
 * once, even for a blocking call, as Linux does. A plain -AXN_EAGAIN means
 * "not yet": the facade waits for a notify and retries. Outside the errno
 * range (Linux MAX_ERRNO is 4095), so it can never be mistaken for one.
 */
#define AXN_SOCK_ERRNO_LIMIT 4095
#define AXN_SOCK_EAGAIN_NOW  (-(AXN_SOCK_ERRNO_LIMIT + 1 + AXN_EAGAIN))

/* An address a transport works with: host byte order, parsed and checked
 * by the facade. family AXN_AF_UNSPEC means "none" (connect(AF_UNSPEC)
 * dissolves an association). */
struct axn_endpoint {
    uint16_t family;
    uint16_t port;
    axn_ip4_t v4;
    struct axn_ip6 v6;
    uint32_t scope_id;
};

/* Options every IP socket has; the facade's generic handlers (sock_opt.c)
 * keep them, the transports read them. Linux defaults. */
struct axn_sock_ip_opts {
    uint8_t ttl; /* 0: the stack default (64) */
    uint8_t tos;
    uint8_t mc_ttl;      /* IP_MULTICAST_TTL, default 1 */
    bool mc_loop;        /* IP_MULTICAST_LOOP, default true */
    axn_ip4_t mc_if;     /* IP_MULTICAST_IF address, 0 = route */
    uint32_t mc_ifindex; /* IP_MULTICAST_IF by index (ip_mreqn) */
    bool recvtos;        /* IP_RECVTOS */
    bool recvttl;        /* IP_RECVTTL */
    bool pktinfo;        /* IP_PKTINFO */
    bool recverr;        /* IP_RECVERR */
    bool hdrincl;        /* IP_HDRINCL (raw; IPPROTO_RAW implies it) */
    bool freebind;       /* IP_FREEBIND */
    uint8_t pmtudisc;    /* IP_MTU_DISCOVER, default IP_PMTUDISC_WANT */
    /* IP_ADD_MEMBERSHIP groups, stored now, honoured when IGMP lands. */
    struct {
        axn_ip4_t group;
        uint32_t ifindex;
    } groups[AXN_SOCK_MAX_MEMBERSHIPS];
    uint8_t n_groups;
};

struct axn_sock_opts {
    bool reuseaddr;
    bool reuseport;
    bool broadcast;
    bool keepalive;
    bool dontroute;
    bool timestamp;
    uint32_t priority;
    int rcvbuf; /* bytes as getsockopt reports them (Linux doubles what is set) */
    int sndbuf;
    int rcvlowat;
    struct axn_linger linger;
    /* microseconds, 0 = forever; AXN_SOCK_TIMEO_NOWAIT: a negative
     * tv_sec was set, which Linux turns into "never wait" */
    axn_time_t rcvtimeo;
    axn_time_t sndtimeo;
    uint32_t bound_ifindex; /* SO_BINDTODEVICE, 0 = none */
    struct axn_sock_ip_opts ip;
};

/* rcvtimeo/sndtimeo value after a negative tv_sec (Linux sock_set_timeout
 * stores 0 jiffies: calls do not wait at all, getsockopt reads {0, 0}). */
#define AXN_SOCK_TIMEO_NOWAIT AXN_TIME_NEVER

/* socket(2) ranges (linux/net.h SOCK_MAX, linux/socket.h AF_MAX). */
#define AXN_SOCK_TYPE_MAX 11
#define AXN_AF_MAX        46

struct axn_sock_ops;

/*
 * What one sendmsg's SOL_IP control messages ask for (ip(7), Linux
 * ip_cmsg_send's struct ipcm_cookie), parsed and checked by the facade
 * (sock_cmsg.c). A flag says the field was given; unset fields leave the
 * socket's options in force.
 */
struct axn_sock_tx_ctl {
    bool has_pktinfo; /* IP_PKTINFO: `src` (ipi_spec_dst, 0: the route's) and `ifindex` */
    bool has_tos;     /* IP_TOS */
    bool has_ttl;     /* IP_TTL, 1..255 */
    axn_ip4_t src;    /* host order; checked local (ip_route_output's -EINVAL) */
    uint32_t ifindex; /* 0: the socket's own choice (ipc->oif kept) */
    uint8_t tos;
    uint8_t ttl;
};

/* The part of every socket the facade owns. A transport's socket struct
 * embeds it first: struct axn_udp_sock { struct axn_socket base; ... }. */
struct axn_socket {
    const struct axn_sock_ops *ops;
    struct axn_stack *st;
    int domain;
    int type;
    int protocol;
    bool nonblock;
    int so_error; /* pending error (positive errno), SO_ERROR reads and clears */
    struct axn_sock_opts opt;
    void *waitq; /* blocking callers sleep here, with st->core_lock */
    struct axn_waker *wakers;
    struct axn_socket *next_in_stack;   /* sock_layer.c's list */
    struct axn_socket **pprev_in_stack; /* the link pointing here; NULL: not listed */
    size_t size;                        /* of the transport's struct, for free */
    /* The control messages of the sendmsg in progress: set by the facade
     * (socket_io.c) around each call of ops->send, under the core lock,
     * NULL at every other time (send, sendto, a sendmsg without any).
     * Datagram transports apply it with axn_sock_dgram_tx_ctl. */
    const struct axn_sock_tx_ctl *tx_ctl;
    /* Bytes of this socket's packets still queued below it (Linux
     * sk_wmem_alloc), bounded by opt.sndbuf; transports pass it with each
     * datagram (axn_ip4_tx.acct). Outlives the socket while packets hold
     * it (lib/tx_acct.h). */
    struct axn_tx_acct *wmem;
};

/*
 * What a transport implements. Every op runs with the core lock held.
 * Attempts that cannot progress yet return -AXN_EAGAIN; the facade then
 * waits (unless non-blocking) until the transport calls axn_sock_notify and
 * retries. A NULL op answers the Linux default for that operation (e.g.
 * listen/accept -EOPNOTSUPP).
 */
struct axn_sock_ops {
    int (*bind)(struct axn_socket *s, const struct axn_endpoint *ep);
    /* ep->family AXN_AF_UNSPEC: dissolve the association. */
    int (*connect)(struct axn_socket *s, const struct axn_endpoint *ep);
    int (*listen)(struct axn_socket *s, int backlog);
    int (*accept)(struct axn_socket *s, struct axn_endpoint *peer, struct axn_socket **out);
    /* `dst` NULL: the connected peer. Returns bytes sent (all of the
     * message for datagram sockets) or a negative errno. */
    long (*send)(struct axn_socket *s, const struct axn_msghdr *msg, const struct axn_endpoint *dst,
                 int flags);
    /* Fills the iovecs, *src (family AXN_AF_UNSPEC if none), the control
     * buffer (axn_sock_put_cmsg) and msg->msg_flags; returns bytes (the
     * datagram's full length with MSG_TRUNC) or a negative errno. */
    long (*recv)(struct axn_socket *s, struct axn_msghdr *msg, struct axn_endpoint *src, int flags);
    int (*shutdown)(struct axn_socket *s, int how);
    /* -AXN_ENOTCONN etc. as Linux for the transport (§6.5). */
    int (*getname)(struct axn_socket *s, struct axn_endpoint *ep, bool peer);
    /* Transport-level options (SOL_UDP, SOL_RAW, ...) and overrides of
     * generic ones; -AXN_ENOPROTOOPT means "not mine" and the facade's
     * generic handler answers. */
    int (*setsockopt)(struct axn_socket *s, int level, int name, const void *val,
                      axn_socklen_t len);
    int (*getsockopt)(struct axn_socket *s, int level, int name, void *val, axn_socklen_t *len);
    /* FIONREAD, SIOCOUTQ: *arg out. -AXN_ENOTTY if not supported. */
    int (*ioctl)(struct axn_socket *s, unsigned long req, int *arg);
    /* AXN_POLL* true now. */
    unsigned (*poll)(struct axn_socket *s);
    /* Releases the transport's state (unbind, leave tables); queued output
     * still goes. The facade frees the struct afterwards. */
    void (*close)(struct axn_socket *s);
    /* s->opt.rcvbuf was just set (SO_RCVBUF, SO_RCVBUFFORCE by the
     * generic handler): a queue bounded by it re-sizes now, so a larger
     * value admits more at once (Linux reads sk_rcvbuf at each enqueue).
     * May be NULL. Last, so positional initialisers stay valid. */
    void (*rcvbuf_changed)(struct axn_socket *s);
    /* close() with SO_LINGER on and a nonzero l_linger (Linux
     * inet_release's timeout): starts the orderly close (TCP: queues the
     * FIN) and answers -AXN_EAGAIN while close() should keep waiting,
     * 0 once it may go on. The facade calls it again at every wake-up
     * until 0 or the linger time passed, then calls close as always.
     * May be NULL (nothing to wait for). */
    long (*linger)(struct axn_socket *s);
};

/* A transport as the socket layer knows it (sock_families.c lists them). */
struct axn_sock_proto {
    const char *name;
    int domain;            /* AXN_AF_* */
    int type;              /* AXN_SOCK_* */
    int protocol;          /* matched exactly, or -1 for any (raw) */
    bool default_for_type; /* protocol 0 selects it (UDP for SOCK_DGRAM) */
    /* Per-stack state, created with the stack's socket layer (core lock
     * not needed: nothing runs yet) and destroyed after every socket is
     * closed. May be NULL. */
    int (*layer_init)(struct axn_stack *st, void **state);
    void (*layer_destroy)(struct axn_stack *st, void *state);
    /* Allocates the transport's socket, calls axn_sock_init, fills ops. */
    int (*create)(struct axn_stack *st, void *state, int protocol, struct axn_socket **out);
};

/* ---- For transports (sock_layer.c, sock_wake.c, socket_api.c) --------- */

/* Allocates `size` zeroed bytes (the transport's struct, axn_socket first)
 * and initialises the base: identity, Linux default options, wait queue.
 * Links it into the stack's socket list. Core lock held. */
int axn_sock_alloc(struct axn_stack *st, size_t size, int domain, int type, int protocol,
                   const struct axn_sock_ops *ops, struct axn_socket **out);

/* The per-stack state of transport `p` (its layer_init result). */
void *axn_sock_proto_state(struct axn_stack *st, const struct axn_sock_proto *p);

/* The platform clock, for socket ops (they get no `now`): the socket
 * layer is the one part above the core that reads it, as a syscall would
 * (docs/porting.md §5). */
axn_time_t axn_sock_now(const struct axn_socket *s);

/* Readiness may have changed: wakes blocked callers and queues matching
 * wakers (run after the core lock is released). Core lock held. */
void axn_sock_notify(struct axn_socket *s, unsigned events);
/* Records a pending error (SO_ERROR; positive errno) and notifies POLLERR. */
void axn_sock_set_error(struct axn_socket *s, int err);

/* Runs wakers queued by axn_sock_notify. Called by whoever released the
 * core lock after running the core or a socket op (never with it held). */
void axn_sock_run_deferred(struct axn_stack *st);

/* Message helpers. */
size_t axn_sock_iov_len(const struct axn_msghdr *msg);
/* Copies up to `len` bytes of `data` into the iovecs; returns the count. */
size_t axn_sock_copy_to_iov(const struct axn_msghdr *msg, const uint8_t *data, size_t len);
/* Gathers the iovecs into `out` (at most `cap` bytes); returns the count. */
size_t axn_sock_copy_from_iov(const struct axn_msghdr *msg, uint8_t *out, size_t cap);
/*
 * Appends one control message during ops->recv, as Linux put_cmsg does:
 * msg->msg_control points at the free room and msg->msg_controllen is its
 * size; each call writes there and advances both (by CMSG_SPACE, or what
 * is left). What does not fit is cut, with MSG_CTRUNC set in
 * msg->msg_flags. The facade set msg_control/msg_controllen up before the
 * call and turns them back into the caller's pointer and the bytes used
 * afterwards, so a transport just calls this. `used` may be NULL; if not,
 * the bytes consumed are added to *used (for transports that count).
 */
void axn_sock_put_cmsg(struct axn_msghdr *msg, size_t *used, int level, int type, const void *data,
                       size_t len);

/* Linux's int-option conventions (sock_setsockopt, udp_lib_setsockopt):
 * reads an int; -AXN_EINVAL if optlen is shorter (or val NULL). */
int axn_sock_opt_int(const void *val, axn_socklen_t len, int *out);
/* Writes an int result, truncating to *len as Linux does (sk_getsockopt:
 * copies min(*len, sizeof(int)) bytes and sets *len to that). */
int axn_sock_opt_put_int(void *val, axn_socklen_t *len, int v);
/* The SOL_IP variant (ip_setsockopt): an optlen of at least sizeof(int)
 * reads an int, a shorter one reads one unsigned byte; 0 is -AXN_EINVAL. */
int axn_sock_opt_ip_int(const void *val, axn_socklen_t len, int *out);
/* The SOL_IP getsockopt rule (do_ip_getsockopt): a room shorter than an
 * int gets one byte when the value is 0..255, with *len = 1. */
int axn_sock_opt_put_ip_int(void *val, axn_socklen_t *len, int v);

/* The generic option handlers (SOL_SOCKET, SOL_IP: sock_opt.c), which
 * answer whatever a transport's setsockopt/getsockopt leaves with
 * -AXN_ENOPROTOOPT; a transport override may also call them itself (e.g.
 * to store SO_BINDTODEVICE, then rehash). Core lock held. */
int axn_sock_opt_set(struct axn_socket *s, int level, int name, const void *val, axn_socklen_t len);
int axn_sock_opt_get(struct axn_socket *s, int level, int name, void *val, axn_socklen_t *len);

/* Takes the pending error (SO_ERROR) as a negative errno, clearing it;
 * 0 if none. For transports reporting it on their next call (Linux
 * sock_error). Core lock held. */
int axn_sock_take_error(struct axn_socket *s);

/*
 * Adds a transport to this stack's socket layer, searched before the
 * built-in table (sock_families.c), so a kernel may add or override one;
 * its layer_init runs now. For tests and for kernels adding their own
 * transports; call before the stack is started. 0, -AXN_ENOSPC beyond
 * AXN_SOCK_MAX_EXTRA_PROTOS, or layer_init's error.
 */
int axn_sock_layer_add_proto(struct axn_stack *st, const struct axn_sock_proto *p);

/*
 * Parses msg's control messages for a send on `s` as Linux ip_cmsg_send
 * (and __sock_cmsg_send for SOL_SOCKET) does (sock_cmsg.c): a cmsg_len
 * below a header or past msg_controllen, an unknown SOL_IP or SOL_SOCKET
 * type, a bad length or value is -AXN_EINVAL; other levels are skipped.
 * Core lock held (the source address is checked against the interfaces).
 */
int axn_sock_cmsg_send(struct axn_socket *s, const struct axn_msghdr *msg,
                       struct axn_sock_tx_ctl *ctl);

/* ---- Datagram sockets (sock_dgram.c): what UDP, raw and ping share ---- */

/* Byte rings of whole datagrams (each a transport's record header, then
 * its bytes, wrapping at the ring's end): copies of `n` bytes at `pos`
 * (taken modulo `cap`), and a copy of `len` bytes into msg's iovecs that
 * returns the count. */
void axn_sock_ring_read(const uint8_t *ring, size_t cap, size_t pos, void *out, size_t n);
void axn_sock_ring_write(uint8_t *ring, size_t cap, size_t pos, const void *in, size_t n);
size_t axn_sock_ring_to_iov(const uint8_t *ring, size_t cap, size_t pos,
                            const struct axn_msghdr *msg, size_t len);

/* Fills `ep` as AF_INET addr:port, the rest zero (recvmsg's source,
 * getsockname / getpeername). */
void axn_sock_dgram_endpoint(struct axn_endpoint *ep, axn_ip4_t addr, uint16_t port);

/* The datagram a recv call took `copied` bytes of. */
struct axn_sock_dgram {
    size_t len; /* its whole length */
    axn_ip4_t src;
    uint16_t sport; /* 0 where the transport has no ports */
};

/* Ends a datagram recv (Linux udp_recvmsg / raw_recvmsg): MSG_TRUNC in
 * msg_flags when the datagram was cut, the source in *src; returns the
 * whole length when `flags` has MSG_TRUNC, else the bytes copied. */
long axn_sock_dgram_recv_done(struct axn_msghdr *msg, struct axn_endpoint *src,
                              const struct axn_sock_dgram *d, size_t copied, int flags);

/* Nothing queued (Linux __skb_recv_datagram): 0 after SHUT_RD for a
 * caller that would wait, -EAGAIN otherwise (the facade then waits, or a
 * non-blocking caller gets it). */
long axn_sock_dgram_empty(const struct axn_socket *s, bool shut_rd, int flags);

/* Linux datagram_poll: writable (OUT|WRNORM|WRBAND) while sock_writeable,
 * POLLERR on a pending error, readable when `queued` or shut for reading,
 * POLLHUP when shut both ways. */
unsigned axn_sock_dgram_poll(const struct axn_socket *s, bool shut_rd, bool shut_wr, bool queued);

/* FIONREAD (the next datagram's length, `next_len`, 0 when none) and
 * SIOCOUTQ (the bytes in flight, Linux sk_wmem_alloc_get); -AXN_ENOTTY for
 * anything else. */
int axn_sock_dgram_ioctl(const struct axn_socket *s, unsigned long req, size_t next_len, int *arg);

/* Linux sock_writeable: what is in flight is below half of SO_SNDBUF. */
bool axn_sock_writeable(const struct axn_socket *s);
/* Linux sock_alloc_send_pskb's test: a send may start while what is in
 * flight is below SO_SNDBUF (and is then charged whatever its size). */
bool axn_sock_wmem_admits(const struct axn_socket *s);
/* SO_SNDBUF changed: the threshold releases wake writers at. */
void axn_sock_wmem_limit_changed(struct axn_socket *s);

/* Linux inet_shutdown's flags: marks the halves `how` names and notifies
 * `events`; -AXN_EINVAL for a `how` that is none of SHUT_RD/WR/RDWR. The
 * caller answers -AXN_ENOTCONN when unconnected (the flags stay set). */
int axn_sock_dgram_shutdown(struct axn_socket *s, int how, bool *shut_rd, bool *shut_wr,
                            unsigned events);

/* The sendmsg's control messages (s->tx_ctl, if any) over the output
 * parameters the transport filled from the socket's options: IP_PKTINFO's
 * source (and a nonzero ifindex), IP_TTL, IP_TOS win, as Linux lets
 * ipcm_cookie override inet_sock (ip_make_skb: cork->ttl before mc_ttl). */
struct axn_ip4_tx;
void axn_sock_dgram_tx_ctl(const struct axn_socket *s, struct axn_ip4_tx *tx);

/* What ip(7) reports of a received datagram (Linux ip_cmsg_recv's input). */
struct axn_sock_rx_meta {
    uint32_t ifindex;   /* ipi_ifindex */
    axn_ip4_t spec_dst; /* ipi_spec_dst: the local address a reply comes from */
    axn_ip4_t dst;      /* ipi_addr: the header's destination */
    uint8_t ttl;
    uint8_t tos;
};

/* IP_PKTINFO, IP_TTL (IP_RECVTTL), IP_TOS (IP_RECVTOS) control messages
 * for `s`'s options, in Linux ip_cmsg_recv_offset's order; during
 * ops->recv (axn_sock_put_cmsg rules, MSG_CTRUNC when cut). */
void axn_sock_dgram_put_cmsgs(const struct axn_socket *s, struct axn_msghdr *msg,
                              const struct axn_sock_rx_meta *m);

#endif /* AXN_SOCK_SOCK_H */

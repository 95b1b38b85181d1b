/*
 * The socket layer of one stack (sock_layer.c), and what its files share
 * inside src/sock/: the transports' per-stack state, the list of open
 * sockets, and the deferred wake list (sock_wake.c).
 *
 * Locks: the socket list and every socket are guarded by st->core_lock;
 * wake_lock (a spin lock, a leaf) guards the deferred list and each
 * registered waker's queued / pending / running / next_deferred fields, so
 * the list can be drained with no core lock held.
 */
#ifndef AXN_SOCK_SOCK_LAYER_H
#define AXN_SOCK_SOCK_LAYER_H

#include "core/proto_hooks.h"
#include "sock/sock.h"

/* The built-in transports (sock_families.c); NULL entries are skipped. */
extern const struct axn_sock_proto *const axn_sock_protos[];
extern const size_t axn_sock_protos_count;

struct axn_sock_proto_slot {
    const struct axn_sock_proto *proto;
    void *state; /* its layer_init result */
};

struct axn_sock_layer {
    struct axn_stack *st;
    void *wake_lock;
    struct axn_waker *deferred_head;
    struct axn_waker *deferred_tail;
    struct axn_socket *sockets;
    size_t n_sockets;
    /* Added transports first (searched first), then the built-in ones. */
    struct axn_sock_proto_slot *slots;
    size_t n_slots;
    size_t n_extra;
};

/* Made by axn_stack_create once the IP layer exists (transports register
 * with it in layer_init) and stored in st->socks. */
int axn_sock_layer_create(struct axn_stack *st);
/* Force-closes every socket still open (a kernel closes its own first),
 * then releases the transports' state. Workers stopped, no lock held. */
void axn_sock_layer_destroy(struct axn_stack *st);

/* The proto_hooks iface_event hook (ctx: the layer): sockets bound to a
 * removed interface get ENODEV, to one whose link went down ENETDOWN. */
void axn_sock_layer_iface_event(void *ctx, uint32_t ifindex, enum axn_iface_event ev,
                                axn_time_t now);

/* The transport for socket(domain, type, protocol), or a negative errno
 * as Linux's __sock_create / inet_create pick it. */
int axn_sock_layer_find(struct axn_sock_layer *l, int domain, int type, int protocol,
                        const struct axn_sock_proto_slot **out);

/* Unlinks `s` from the list and frees it (wait queue, memory); its
 * transport's close has run. Core lock held. */
void axn_sock_layer_free(struct axn_sock_layer *l, struct axn_socket *s);
/* Reports POLLOUT on sockets whose send account fell below half of
 * SO_SNDBUF since the last call (router wmem_writable). Core lock held. */
void axn_sock_layer_wmem_wake(struct axn_stack *st);

/* sock_wake.c: takes `w` off the deferred list and waits until its wake
 * call in flight, if any, has returned. No axnet lock held. */
void axn_sock_wake_detach(struct axn_stack *st, struct axn_waker *w);

/* ---- sock_addr.c: sockaddr <-> endpoint ----------------------------------- */

/* What an address is for: each use has Linux's own family rules. */
enum axn_sock_addr_use {
    AXN_SOCK_ADDR_BIND = 0,    /* inet_bind: AF_UNSPEC only with INADDR_ANY */
    AXN_SOCK_ADDR_CONNECT = 1, /* AF_UNSPEC: dissolve (ep->family UNSPEC) */
    AXN_SOCK_ADDR_SENDTO = 2,  /* udp_sendmsg/raw_sendmsg: AF_UNSPEC as AF_INET */
};

/* Parses `sa` (`len` bytes) for socket `s`: 0, -AXN_EINVAL (NULL or too
 * short), -AXN_EAFNOSUPPORT (wrong family). */
int axn_sock_addr_in(const struct axn_socket *s, const struct axn_sockaddr *sa, axn_socklen_t len,
                     enum axn_sock_addr_use use, struct axn_endpoint *ep);
/* Writes `ep` as a sockaddr into `sa` (room `room`), truncated as Linux's
 * move_addr_to_user; returns its full length (0 for AF_UNSPEC). */
axn_socklen_t axn_sock_addr_out(const struct axn_endpoint *ep, struct axn_sockaddr *sa,
                                axn_socklen_t room);

/* ---- sock_block.c: the blocking loop ---------------------------------------- */

/* One attempt of a call that may block; core lock held. */
typedef long (*axn_sock_attempt_fn)(struct axn_socket *s, void *arg);

/* Which timeout a call waits under (SOCK-12). */
enum axn_sock_dir {
    AXN_SOCK_DIR_IN = 0,  /* recv, accept: SO_RCVTIMEO */
    AXN_SOCK_DIR_OUT = 1, /* send, connect: SO_SNDTIMEO */
};

/* Runs `fn` until it returns anything but -AXN_EAGAIN, sleeping on the
 * socket's wait queue between attempts unless the call is non-blocking
 * (O_NONBLOCK or MSG_DONTWAIT in `flags`); a timeout or a port that cannot
 * block ends it with `would_block` (-AXN_EAGAIN; connect: -AXN_EINPROGRESS).
 * Core lock held. */
long axn_sock_block(struct axn_socket *s, enum axn_sock_dir dir, int flags, long would_block,
                    axn_sock_attempt_fn fn, void *arg);

/* The same loop for a wait that neither O_NONBLOCK nor the SO_*TIMEO
 * options govern (close()'s SO_LINGER wait, Linux sk_stream_wait_close):
 * up to `timeo` (0: no limit); -AXN_ETIMEDOUT once it passed,
 * -AXN_EAGAIN when the port cannot block, -AXN_EINTR on a signal. Core
 * lock held. */
long axn_sock_block_for(struct axn_socket *s, axn_time_t timeo, axn_sock_attempt_fn fn, void *arg);

/* ---- sock_msg.c: message checks --------------------------------------------- */

/* copy_msghdr_from_user's checks: -AXN_EINVAL for a NULL msghdr, a NULL
 * iovec array with entries, an entry with a NULL base but a length or a
 * length above SSIZE_MAX; -AXN_EMSGSIZE above AXN_SOCK_MAX_IOV entries. */
int axn_sock_msg_check(const struct axn_msghdr *msg);

/* ---- sock_opt.c / sock_opt_ip.c: generic options ------------------------------ */

/* The SOL_IP part of axn_sock_opt_set / axn_sock_opt_get (sock.h). */
int axn_sock_opt_set_ip(struct axn_socket *s, int name, const void *val, axn_socklen_t len);
int axn_sock_opt_get_ip(struct axn_socket *s, int name, void *val, axn_socklen_t *len);

/* Copies min(*len, size) bytes of `v` and sets *len to that (sk_getsockopt). */
int axn_sock_opt_put(void *val, axn_socklen_t *len, const void *v, size_t size);

/* Interface registry lookups (the control plane's copies). */
bool axn_sock_iface_exists(struct axn_stack *st, uint32_t ifindex);

#endif /* AXN_SOCK_SOCK_LAYER_H */

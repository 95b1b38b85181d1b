/*
 * The public data calls (send*, recv*: include/axnet/socket.h): Linux's
 * msghdr and address checks, sendmsg's control messages (sock_cmsg.c,
 * handed to the op as s->tx_ctl), then the transport's send/recv op in the
 * blocking loop (sock_block.c), then names, control length and flags
 * handed back as recvmsg(2) does.
 */
#include "axnet/errno.h"
#include "core/stack_impl.h"
#include "sock/sock_layer.h"

struct send_arg {
    const struct axn_msghdr *msg;
    const struct axn_endpoint *dst;
    int flags;
    const struct axn_sock_tx_ctl *ctl; /* sendmsg's control messages, or NULL */
};

/* s->tx_ctl is the call's control messages only while the op runs (it
 * may sleep between attempts, and others may send meanwhile). */
static long send_attempt(struct axn_socket *s, void *arg)
{
    const struct send_arg *a = arg;
    /* sock_alloc_send_pskb: wait while sk_wmem_alloc >= sk_sndbuf. */
    if (!axn_sock_wmem_admits(s))
        return -AXN_EAGAIN;
    s->tx_ctl = a->ctl;
    const long rc = s->ops->send(s, a->msg, a->dst, a->flags);
    s->tx_ctl = NULL;
    return rc;
}

/* Linux ____sys_sendmsg -> ip_cmsg_send: only a message with control
 * bytes is parsed (udp_sendmsg: "if (msg->msg_controllen)"). */
static long send_locked(struct axn_socket *s, struct send_arg *a)
{
    struct axn_sock_tx_ctl ctl;
    if (a->msg->msg_controllen > 0) {
        const int err = axn_sock_cmsg_send(s, a->msg, &ctl);
        if (err)
            return err;
        a->ctl = &ctl;
    }
    return axn_sock_block(s, AXN_SOCK_DIR_OUT, a->flags, -AXN_EAGAIN, send_attempt, a);
}

static long send_common(struct axn_socket *s, const struct axn_msghdr *msg,
                        const struct axn_endpoint *dst, int flags)
{
    if (!s->ops->send)
        return -AXN_EOPNOTSUPP;
    struct send_arg a = {.msg = msg, .dst = dst, .flags = flags, .ctl = NULL};
    s->st->plat->mutex_lock(s->st->core_lock);
    const long rc = send_locked(s, &a);
    s->st->plat->mutex_unlock(s->st->core_lock);
    axn_sock_run_deferred(s->st);
    return rc;
}

/* A one-buffer message (send, sendto, recv, recvfrom). */
static struct axn_msghdr one_buf(struct axn_iovec *iov, void *buf, size_t len)
{
    iov->iov_base = buf;
    iov->iov_len = len;
    struct axn_msghdr m = {.msg_iov = iov, .msg_iovlen = 1};
    return m;
}

long axn_send(struct axn_socket *s, const void *buf, size_t len, int flags)
{
    return axn_sendto(s, buf, len, flags, NULL, 0);
}

long axn_sendto(struct axn_socket *s, const void *buf, size_t len, int flags,
                const struct axn_sockaddr *to, axn_socklen_t tolen)
{
    if (!s)
        return -AXN_EBADF;
    struct axn_iovec iov;
    const struct axn_msghdr m = one_buf(&iov, (void *)buf, len);
    int err = axn_sock_msg_check(&m);
    if (err)
        return err;
    /* __sys_sendto: a given address is used even with tolen 0 (then too
     * short: EINVAL). */
    struct axn_endpoint ep;
    if (to) {
        err = axn_sock_addr_in(s, to, tolen, AXN_SOCK_ADDR_SENDTO, &ep);
        if (err)
            return err;
    }
    return send_common(s, &m, to ? &ep : NULL, flags);
}

long axn_sendmsg(struct axn_socket *s, const struct axn_msghdr *msg, int flags)
{
    if (!s)
        return -AXN_EBADF;
    int err = axn_sock_msg_check(msg);
    if (err)
        return err;
    /* copy_msghdr_from_user: a name with length 0 is no name. */
    struct axn_endpoint ep;
    const bool named = msg->msg_name && msg->msg_namelen > 0;
    if (named) {
        err = axn_sock_addr_in(s, msg->msg_name, msg->msg_namelen, AXN_SOCK_ADDR_SENDTO, &ep);
        if (err)
            return err;
    }
    return send_common(s, msg, named ? &ep : NULL, flags);
}

/* ---- Receive ---------------------------------------------------------------------- */

struct recv_arg {
    struct axn_msghdr *msg;
    void *control; /* the caller's buffer and its size */
    size_t controllen;
    struct axn_endpoint src;
    int flags;
};

/* Each attempt starts from the caller's control buffer and no flags: a
 * transport writes cmsgs only when it delivers. */
static long recv_attempt(struct axn_socket *s, void *arg)
{
    struct recv_arg *a = arg;
    a->msg->msg_control = a->control;
    a->msg->msg_controllen = a->controllen;
    a->msg->msg_flags = 0;
    a->src.family = AXN_AF_UNSPEC;
    return s->ops->recv(s, a->msg, &a->src, a->flags);
}

/* Runs the receive; msg's control fields come back as recvmsg(2) sets
 * them (the caller's pointer, the bytes used). */
static long recv_common(struct axn_socket *s, struct axn_msghdr *msg, int flags,
                        struct axn_endpoint *src)
{
    if (!s->ops->recv)
        return -AXN_EOPNOTSUPP;
    const size_t orig_controllen = msg->msg_controllen;
    const int orig_flags = msg->msg_flags;
    struct recv_arg a = {
        .msg = msg,
        .control = msg->msg_control,
        .controllen = msg->msg_control ? msg->msg_controllen : 0,
        .flags = flags,
    };
    s->st->plat->mutex_lock(s->st->core_lock);
    const long rc = axn_sock_block(s, AXN_SOCK_DIR_IN, flags, -AXN_EAGAIN, recv_attempt, &a);
    s->st->plat->mutex_unlock(s->st->core_lock);
    axn_sock_run_deferred(s->st);
    const size_t left = msg->msg_control ? msg->msg_controllen : 0;
    msg->msg_control = a.control;
    *src = a.src;
    if (rc < 0) {
        /* A failed recvmsg(2) writes nothing back. */
        msg->msg_controllen = orig_controllen;
        msg->msg_flags = orig_flags;
        return rc;
    }
    msg->msg_controllen = a.controllen - left;
    return rc;
}

long axn_recv(struct axn_socket *s, void *buf, size_t len, int flags)
{
    return axn_recvfrom(s, buf, len, flags, NULL, NULL);
}

long axn_recvfrom(struct axn_socket *s, void *buf, size_t len, int flags, struct axn_sockaddr *from,
                  axn_socklen_t *fromlen)
{
    if (!s)
        return -AXN_EBADF;
    if (from && !fromlen)
        return -AXN_EINVAL;
    struct axn_iovec iov;
    struct axn_msghdr m = one_buf(&iov, buf, len);
    int err = axn_sock_msg_check(&m);
    if (err)
        return err;
    struct axn_endpoint src;
    const long rc = recv_common(s, &m, flags, &src);
    if (rc >= 0 && from)
        *fromlen = axn_sock_addr_out(&src, from, *fromlen);
    return rc;
}

long axn_recvmsg(struct axn_socket *s, struct axn_msghdr *msg, int flags)
{
    if (!s)
        return -AXN_EBADF;
    int err = axn_sock_msg_check(msg);
    if (err)
        return err;
    struct axn_endpoint src;
    const long rc = recv_common(s, msg, flags, &src);
    /* move_addr_to_user: truncated copy, full length back. */
    if (rc >= 0 && msg->msg_name)
        msg->msg_namelen = axn_sock_addr_out(&src, msg->msg_name, msg->msg_namelen);
    return rc;
}

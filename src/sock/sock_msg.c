/*
 * Messages: iovec checks and copies, and control messages on receive
 * (cmsg(3) layout, Linux put_cmsg rules).
 */
#include "axnet/errno.h"
#include "lib/mem.h"
#include "sock/sock_layer.h"

/* An iov_len Linux refuses: negative as an ssize_t (rw_copy_check_uvector). */
#define IOV_LEN_MAX ((size_t)INTPTR_MAX)

int axn_sock_msg_check(const struct axn_msghdr *msg)
{
    if (!msg)
        return -AXN_EINVAL;
    if (msg->msg_iovlen > AXN_SOCK_MAX_IOV)
        return -AXN_EMSGSIZE;
    if (msg->msg_iovlen > 0 && !msg->msg_iov)
        return -AXN_EINVAL;
    for (size_t i = 0; i < msg->msg_iovlen; i++) {
        const struct axn_iovec *v = &msg->msg_iov[i];
        if (v->iov_len > IOV_LEN_MAX || (v->iov_len > 0 && !v->iov_base))
            return -AXN_EINVAL;
    }
    return 0;
}

size_t axn_sock_iov_len(const struct axn_msghdr *msg)
{
    size_t total = 0;
    for (size_t i = 0; i < msg->msg_iovlen; i++) {
        const size_t n = msg->msg_iov[i].iov_len;
        /* Saturate: checked entries are each below SSIZE_MAX, the sum
         * need not be. */
        total = n > SIZE_MAX - total ? SIZE_MAX : total + n;
    }
    return total;
}

size_t axn_sock_copy_to_iov(const struct axn_msghdr *msg, const uint8_t *data, size_t len)
{
    size_t done = 0;
    for (size_t i = 0; i < msg->msg_iovlen && done < len; i++) {
        const struct axn_iovec *v = &msg->msg_iov[i];
        const size_t n = v->iov_len < len - done ? v->iov_len : len - done;
        if (n > 0)
            memcpy(v->iov_base, data + done, n);
        done += n;
    }
    return done;
}

size_t axn_sock_copy_from_iov(const struct axn_msghdr *msg, uint8_t *out, size_t cap)
{
    size_t done = 0;
    for (size_t i = 0; i < msg->msg_iovlen && done < cap; i++) {
        const struct axn_iovec *v = &msg->msg_iov[i];
        const size_t n = v->iov_len < cap - done ? v->iov_len : cap - done;
        if (n > 0)
            memcpy(out + done, v->iov_base, n);
        done += n;
    }
    return done;
}

void axn_sock_put_cmsg(struct axn_msghdr *msg, size_t *used, int level, int type, const void *data,
                       size_t len)
{
    const size_t room = msg->msg_control ? msg->msg_controllen : 0;
    /* put_cmsg: not even a header fits, nothing is written. */
    if (room < sizeof(struct axn_cmsghdr)) {
        msg->msg_flags |= AXN_MSG_CTRUNC;
        return;
    }
    size_t cmlen = AXN_CMSG_LEN(len);
    if (room < cmlen) {
        msg->msg_flags |= AXN_MSG_CTRUNC;
        cmlen = room;
    }
    struct axn_cmsghdr h = {.cmsg_len = cmlen, .cmsg_level = level, .cmsg_type = type};
    uint8_t *p = msg->msg_control;
    memcpy(p, &h, sizeof(h));
    const size_t data_len = cmlen - AXN_CMSG_LEN(0);
    if (data_len > 0)
        memcpy(p + AXN_CMSG_LEN(0), data, data_len);
    size_t step = AXN_CMSG_SPACE(len);
    if (step > room)
        step = room;
    msg->msg_control = p + step;
    msg->msg_controllen = room - step;
    if (used)
        *used += step;
}

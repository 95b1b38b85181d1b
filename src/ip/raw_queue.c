/*
 * A ring of whole datagrams, each a struct axn_raw_meta then its bytes;
 * records wrap around the end of the ring (raw_queue.h); the wrapping
 * copies are every datagram queue's (sock_dgram.c).
 */
#include "axnet/errno.h"
#include "ip/raw_queue.h"
#include "lib/mem.h"
#include "sock/sock.h"
#include "wire/ipv4.h"

#define REC_HDR sizeof(struct axn_raw_meta)
/* The ring always holds one largest datagram, so an empty queue takes
 * any (Linux admits a datagram while sk_rmem_alloc < sk_rcvbuf). */
#define RING_MIN   (REC_HDR + AXN_IPV4_TOTAL_MAX)
#define RING_ALIGN sizeof(uint64_t)

static size_t ring_size(size_t rcvbuf)
{
    return rcvbuf > RING_MIN ? rcvbuf : RING_MIN;
}

int axn_raw_queue_init(struct axn_raw_queue *q, const struct axn_platform *plat, size_t rcvbuf)
{
    memset(q, 0, sizeof(*q));
    const size_t cap = ring_size(rcvbuf);
    q->buf = plat->alloc(plat->ctx, cap, RING_ALIGN);
    if (!q->buf)
        return -AXN_ENOMEM;
    q->cap = cap;
    return 0;
}

void axn_raw_queue_free(struct axn_raw_queue *q, const struct axn_platform *plat)
{
    plat->free(plat->ctx, q->buf, q->cap);
    q->buf = NULL;
    q->cap = 0;
}

/* The records move to the new ring's start, in order; a ring too small
 * for what is queued stays (admission by SO_RCVBUF still holds, and the
 * caller tries again later). */
bool axn_raw_queue_resize(struct axn_raw_queue *q, const struct axn_platform *plat, size_t rcvbuf)
{
    const size_t cap = ring_size(rcvbuf);
    if (cap == q->cap)
        return true;
    if (q->used > cap)
        return false;
    uint8_t *buf = plat->alloc(plat->ctx, cap, RING_ALIGN);
    if (!buf)
        return false;
    axn_sock_ring_read(q->buf, q->cap, q->head, buf, q->used);
    plat->free(plat->ctx, q->buf, q->cap);
    q->buf = buf;
    q->cap = cap;
    q->head = 0;
    return true;
}

/* ---- Records ------------------------------------------------------------------------------ */

bool axn_raw_queue_push(struct axn_raw_queue *q, size_t rcvbuf, const struct axn_raw_meta *m,
                        const uint8_t *data)
{
    const size_t need = REC_HDR + m->len;
    if ((q->count != 0 && q->used >= rcvbuf) || q->cap - q->used < need) {
        q->drops++;
        return false;
    }
    const size_t tail = q->head + q->used;
    axn_sock_ring_write(q->buf, q->cap, tail, m, REC_HDR);
    axn_sock_ring_write(q->buf, q->cap, tail + REC_HDR, data, m->len);
    q->used += need;
    q->count++;
    return true;
}

bool axn_raw_queue_peek(const struct axn_raw_queue *q, struct axn_raw_meta *m)
{
    if (q->count == 0)
        return false;
    axn_sock_ring_read(q->buf, q->cap, q->head, m, REC_HDR);
    return true;
}

size_t axn_raw_queue_copy_out(const struct axn_raw_queue *q, const struct axn_msghdr *msg,
                              size_t len)
{
    return axn_sock_ring_to_iov(q->buf, q->cap, q->head + REC_HDR, msg, len);
}

void axn_raw_queue_pop(struct axn_raw_queue *q)
{
    struct axn_raw_meta m;
    if (!axn_raw_queue_peek(q, &m))
        return;
    const size_t n = REC_HDR + m.len;
    q->head = (q->head + n) % q->cap;
    q->used -= n;
    q->count--;
    if (q->count == 0)
        q->head = 0;
}

/*
 * The per-socket datagram queue (udp.h): a byte ring of records, each a
 * struct axn_udp_meta followed by the payload, wrapping at the end. Sized
 * once per SO_RCVBUF value, so receiving never allocates (DESIGN.md
 * principle 4). Linux's __udp_enqueue_schedule_skb takes a datagram while
 * the receive memory charged before it is at most sk_rcvbuf; so do we.
 */
#include "axnet/errno.h"
#include "lib/mem.h"
#include "udp/udp.h"

#define META_LEN sizeof(struct axn_udp_meta)

static size_t ring_cap(size_t limit)
{
    return limit + META_LEN + AXN_UDP_PAYLOAD_MAX;
}

int axn_udp_rxq_init(struct axn_udp_rxq *q, const struct axn_platform *plat, size_t limit)
{
    memset(q, 0, sizeof(*q));
    const size_t cap = ring_cap(limit);
    q->buf = plat->alloc(plat->ctx, cap, sizeof(uint32_t));
    if (!q->buf)
        return -AXN_ENOMEM;
    q->cap = cap;
    q->limit = limit;
    return 0;
}

void axn_udp_rxq_free(struct axn_udp_rxq *q, const struct axn_platform *plat)
{
    if (q->buf)
        plat->free(plat->ctx, q->buf, q->cap);
    memset(q, 0, sizeof(*q));
}

/* The ring's wrapping copies (sock_dgram.c), `off` bytes past the head. */
static void ring_read(const struct axn_udp_rxq *q, size_t off, uint8_t *out, size_t n)
{
    axn_sock_ring_read(q->buf, q->cap, q->head + off, out, n);
}

static void ring_write(struct axn_udp_rxq *q, size_t off, const uint8_t *in, size_t n)
{
    axn_sock_ring_write(q->buf, q->cap, q->head + off, in, n);
}

int axn_udp_rxq_resize(struct axn_udp_rxq *q, const struct axn_platform *plat, size_t limit)
{
    const size_t cap = ring_cap(limit);
    if (q->used > cap)
        return -AXN_ENOMEM;
    uint8_t *buf = plat->alloc(plat->ctx, cap, sizeof(uint32_t));
    if (!buf)
        return -AXN_ENOMEM;
    ring_read(q, 0, buf, q->used);
    plat->free(plat->ctx, q->buf, q->cap);
    q->buf = buf;
    q->cap = cap;
    q->head = 0;
    q->limit = limit;
    return 0;
}

bool axn_udp_rxq_push(struct axn_udp_rxq *q, const struct axn_udp_meta *m, const uint8_t *data)
{
    const size_t rec = META_LEN + m->len;
    if (q->charged > q->limit || q->used + rec > q->cap)
        return false;
    ring_write(q, q->used, (const uint8_t *)m, META_LEN);
    ring_write(q, q->used + META_LEN, data, m->len);
    q->used += rec;
    q->charged += (size_t)m->len + AXN_UDP_TRUESIZE_OVERHEAD;
    q->count++;
    return true;
}

bool axn_udp_rxq_peek_meta(const struct axn_udp_rxq *q, struct axn_udp_meta *m)
{
    if (q->count == 0)
        return false;
    ring_read(q, 0, (uint8_t *)m, META_LEN);
    return true;
}

size_t axn_udp_rxq_copy(const struct axn_udp_rxq *q, const struct axn_msghdr *msg, size_t cap)
{
    struct axn_udp_meta m;
    if (!axn_udp_rxq_peek_meta(q, &m))
        return 0;
    const size_t n = m.len < cap ? m.len : cap;
    return axn_sock_ring_to_iov(q->buf, q->cap, q->head + META_LEN, msg, n);
}

void axn_udp_rxq_pop(struct axn_udp_rxq *q)
{
    struct axn_udp_meta m;
    if (!axn_udp_rxq_peek_meta(q, &m))
        return;
    const size_t rec = META_LEN + m.len;
    q->head = (q->head + rec) % q->cap;
    q->used -= rec;
    q->charged -= (size_t)m.len + AXN_UDP_TRUESIZE_OVERHEAD;
    q->count--;
    if (q->count == 0)
        q->head = 0;
}

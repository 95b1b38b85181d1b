/*
 * Byte rings for a connection's send and receive data (tcp_conn.h).
 *
 * Why a ring and not a segment queue: bytes are copied once from the user
 * into the ring and once from the ring into the IPv4 output buffer (or
 * from a received segment into the ring), so no segment ever allocates,
 * and a retransmission re-reads the ring at its offset past snd_una.
 * The capacity is any size (SO_SNDBUF/SO_RCVBUF as set), not a power of
 * two, so positions wrap by subtraction.
 */
#include "tcp/tcp_conn.h"

#include "axnet/errno.h"
#include "lib/mem.h"

int axn_tcp_ring_init(struct axn_tcp_ring *r, void *buf, uint32_t cap)
{
    if (buf == NULL && cap != 0) {
        return -AXN_EINVAL;
    }
    r->buf = buf;
    r->cap = cap;
    r->head = 0;
    r->len = 0;
    return 0;
}

uint32_t axn_tcp_ring_free_space(const struct axn_tcp_ring *r)
{
    return r->cap - r->len;
}

/* The buffer index `off` bytes past head. */
static uint32_t ring_pos(const struct axn_tcp_ring *r, uint32_t off)
{
    uint32_t to_end = r->cap - r->head;

    return off < to_end ? r->head + off : off - to_end;
}

/* Copies n bytes in at ring offset off, in at most two pieces. */
static void ring_copy_in(struct axn_tcp_ring *r, uint32_t off, const uint8_t *data, uint32_t n)
{
    uint32_t pos;
    uint32_t first;

    if (n == 0) {
        return;
    }
    pos = ring_pos(r, off);
    first = r->cap - pos;
    if (first > n) {
        first = n;
    }
    memcpy(r->buf + pos, data, first);
    memcpy(r->buf, data + first, n - first);
}

uint32_t axn_tcp_ring_push(struct axn_tcp_ring *r, const uint8_t *data, uint32_t n)
{
    uint32_t room = axn_tcp_ring_free_space(r);

    if (n > room) {
        n = room;
    }
    ring_copy_in(r, r->len, data, n);
    r->len += n;
    return n;
}

void axn_tcp_ring_peek(const struct axn_tcp_ring *r, uint32_t off, uint8_t *out, uint32_t n)
{
    uint32_t pos;
    uint32_t first;

    if (n == 0) {
        return;
    }
    pos = ring_pos(r, off);
    first = r->cap - pos;
    if (first > n) {
        first = n;
    }
    memcpy(out, r->buf + pos, first);
    memcpy(out + first, r->buf, n - first);
}

void axn_tcp_ring_write_at(struct axn_tcp_ring *r, uint32_t off, const uint8_t *data, uint32_t n)
{
    ring_copy_in(r, off, data, n);
}

void axn_tcp_ring_drop(struct axn_tcp_ring *r, uint32_t n)
{
    if (n > r->len) {
        n = r->len;
    }
    r->len -= n;
    /* head moves even when the ring empties: out-of-order data of the
     * receive ring sits at offsets past it. */
    r->head = ring_pos(r, n);
}

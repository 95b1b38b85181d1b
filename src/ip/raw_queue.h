/*
 * The receive queue of a raw or ICMP datagram socket: whole datagrams in
 * one ring of bytes allocated when the socket is made (or its SO_RCVBUF
 * changes, at once, keeping what is queued), never per packet (DESIGN.md
 * principle 4). Bounded as Linux bounds sk_receive_queue by sk_rcvbuf
 * (sock_queue_rcv_skb): a datagram is refused while the queue holds
 * rcvbuf bytes or more, so an empty queue always takes one; the ring is
 * sized so that one always fits. Core lock held for everything, like
 * every socket's protocol state.
 */
#ifndef AXN_IP_RAW_QUEUE_H
#define AXN_IP_RAW_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/platform.h"
#include "axnet/socket.h"
#include "axnet/types.h"

/* What is kept with each datagram. */
struct axn_raw_meta {
    uint32_t len; /* bytes of the datagram */
    axn_ip4_t src;
    axn_ip4_t dst;
    axn_ip4_t spec_dst; /* IP_PKTINFO ipi_spec_dst (Linux fib_compute_spec_dst) */
    uint32_t ifindex;
    uint8_t tos;
    uint8_t ttl;
};

struct axn_raw_queue {
    uint8_t *buf;
    size_t cap;   /* bytes at buf */
    size_t head;  /* offset of the oldest record */
    size_t used;  /* bytes of records */
    size_t count; /* datagrams queued */
    uint64_t drops;
};

/* Allocates a ring for a receive buffer of `rcvbuf` bytes: 0 or
 * -AXN_ENOMEM. */
int axn_raw_queue_init(struct axn_raw_queue *q, const struct axn_platform *plat, size_t rcvbuf);
void axn_raw_queue_free(struct axn_raw_queue *q, const struct axn_platform *plat);
/* Re-sizes the ring for a new `rcvbuf`, keeping what is queued: false
 * (ring unchanged, try again later) when that does not fit the new size
 * or no memory; true when done or not needed. */
bool axn_raw_queue_resize(struct axn_raw_queue *q, const struct axn_platform *plat, size_t rcvbuf);

/* Queues `data` (m->len bytes): false, counted in drops, when the queue
 * already holds `rcvbuf` bytes or the ring has no room. */
bool axn_raw_queue_push(struct axn_raw_queue *q, size_t rcvbuf, const struct axn_raw_meta *m,
                        const uint8_t *data);
/* The oldest datagram's metadata: false when empty. */
bool axn_raw_queue_peek(const struct axn_raw_queue *q, struct axn_raw_meta *m);
/* Copies up to `len` bytes of the oldest datagram into the iovecs;
 * returns the count. */
size_t axn_raw_queue_copy_out(const struct axn_raw_queue *q, const struct axn_msghdr *msg,
                              size_t len);
/* Drops the oldest datagram (no-op when empty). */
void axn_raw_queue_pop(struct axn_raw_queue *q);

#endif /* AXN_IP_RAW_QUEUE_H */

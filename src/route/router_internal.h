/*
 * Helpers shared by the router's files (router.c: device table,
 * router_rx.c: devices -> core, router_tx.c: core -> devices). Not part of
 * the router's contract.
 */
#ifndef AXN_ROUTE_ROUTER_INTERNAL_H
#define AXN_ROUTE_ROUTER_INTERNAL_H

#include "route/router.h"

static inline void axn_router_count(_Atomic uint64_t *c)
{
    atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* Asks the stack for a poll, if it gave the router a way to. */
static inline void axn_router_request_poll(struct axn_router *r)
{
    if (r->request_poll)
        r->request_poll(r->request_poll_ctx);
}

/* Pushes one packet onto the shared RX queue under its lock. 0,
 * -AXN_ENOBUFS (full) or -AXN_EMSGSIZE (larger than a slot). */
int axn_router_rxq_push(struct axn_router *r, const uint8_t *pkt, size_t len,
                        const struct axn_pktq_meta *meta);

#endif /* AXN_ROUTE_ROUTER_INTERNAL_H */

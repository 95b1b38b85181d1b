/*
 * What the stack tells the protocol core: its entry points, as the IP and
 * socket layers install them with axn_stack_set_proto (core/stack_impl.h).
 *
 * Every hook runs on the poll path with the core lock held, never from a
 * device worker or IRQ: device-side news (unreachable next hops) is queued
 * and handed over when the core runs (core/unreach_queue.h).
 */
#ifndef AXN_CORE_PROTO_HOOKS_H
#define AXN_CORE_PROTO_HOOKS_H

#include <stddef.h>
#include <stdint.h>

#include "axnet/types.h"
#include "route/router.h"

/* What happened to an interface (iface_event). The socket layer maps them
 * as Linux does for sockets bound to the device: REMOVED -> ENODEV,
 * LINK_DOWN -> ENETDOWN, LINK_UP -> usable again. */
enum axn_iface_event {
    AXN_IFACE_EV_REMOVED = 1,   /* axn_stack_remove_device: the ifindex is gone for good */
    AXN_IFACE_EV_LINK_DOWN = 2, /* axn_stack_set_link(false): neither sends nor receives */
    AXN_IFACE_EV_LINK_UP = 3,   /* axn_stack_set_link(true) */
};

/*
 * A packet sent through `ifindex` (its egress interface) was dropped
 * because its next hop never answered ARP, it waited too long, or the link
 * went down while it waited (ETH-14). `quote` is the start of the IP packet
 * (at most AXN_UNREACH_REPORT_BYTES: header and transport ports, what an
 * ICMP error would quote, RFC 792), enough to find the sending socket. The
 * socket layer turns it into EHOSTUNREACH on that socket, as Linux does
 * when neighbour resolution fails (neigh_invalidate -> ICMP host
 * unreachable -> sk_err).
 */
typedef void (*axn_proto_unreachable_fn)(void *ctx, uint32_t ifindex, const uint8_t *quote,
                                         size_t quote_len, axn_time_t now);

/* An interface changed (enum axn_iface_event), after the change is made:
 * for REMOVED the device and its routes are already gone. */
typedef void (*axn_proto_iface_event_fn)(void *ctx, uint32_t ifindex, enum axn_iface_event event,
                                         axn_time_t now);

/*
 * The protocol core's entry points (the IP layer from the IPv4 issue on).
 * Until it exists, or in device-layer tests, `input` may be any function;
 * with none, delivered packets are dropped and counted. Any hook may be
 * NULL: its news is then dropped (unreachable reports are still counted in
 * arp_unresolved by the stack).
 */
struct axn_proto_hooks {
    axn_router_input_fn input;
    void *input_ctx;
    /* Runs protocol timers due at `now`; returns the next deadline. */
    axn_time_t (*poll)(void *ctx, axn_time_t now);
    void *poll_ctx;
    axn_proto_unreachable_fn unreachable;
    void *unreachable_ctx;
    axn_proto_iface_event_fn iface_event;
    void *iface_event_ctx;
};

#endif /* AXN_CORE_PROTO_HOOKS_H */

/*
 * State of one TAP driver, shared by its files: tap_open.c (device setup,
 * accessors, link helpers) and tap_ops.c (the axn_eth_driver ops).
 *
 * RX and TX may run on two threads at once (driver.h); they touch disjoint
 * fields and share only the fd, which the kernel serialises itself, so no
 * lock is needed. The IRQ fields (tap_irq.c) are atomics: the handler
 * runs on the port's IRQ thread.
 */
#ifndef AXN_DRIVERS_TAP_PRIV_H
#define AXN_DRIVERS_TAP_PRIV_H

#include "axnet/driver.h"
#include "axnet/hosted/tap.h"

#include <net/if.h>
#include <stdatomic.h>

struct axn_tap {
    int fd;
    char name[IFNAMSIZ];
    struct axn_mac mac;
    uint16_t mtu;
    bool vnet_hdr;
    bool csum_only;   /* vnet_hdr with TUN_F_CSUM alone: no TSO either way */
    size_t hdr_len;   /* bytes before every frame on the fd: 0 or 12 */
    size_t frame_max; /* longest frame either direction carries */

    /* RX: one frame lent at a time, read straight into this buffer. */
    uint8_t *rx_buf;
    size_t rx_cap; /* hdr_len + frame_max + 1: a full buffer means oversize */
    bool rx_lent;

    /* TX: one buffer lent at a time; the frame starts after hdr_len. */
    uint8_t *tx_buf;
    size_t tx_cap; /* hdr_len + frame_max */
    bool tx_lent;

    /* IRQ (tap_irq.c): the line is `fd` on the posix port's registrar. */
    atomic_bool irq_enabled;
    atomic_bool irq_handler_taken;
    atomic_uint_fast64_t irq_rx_ready; /* handler runs that reported RX_READY */
};

/* The IRQ ops of axn_tap_ops (tap_irq.c). */
int axn_tap_irq_id(void *drv);
void axn_tap_irq_enable(void *drv);
void axn_tap_irq_disable(void *drv);
int axn_tap_irq_take_handler(void *drv, struct axn_irq_handler *handler);

extern const struct axn_eth_driver_ops axn_tap_ops;

#endif /* AXN_DRIVERS_TAP_PRIV_H */

/*
 * The Ethernet driver contract: what a NIC driver gives axnet.
 *
 * It carries the capability set of ax-net's EthernetDriver (spec §2.1,
 * DRV-1..7) plus optional offloads that ax-net lacks.
 *
 * Buffer ownership, one frame at a time (DRV-2):
 *
 *   RX:  receive(&rx)      the driver lends a frame in its own memory;
 *        ... the stack reads rx.data[0 .. rx.len) ...
 *        recycle_rx(&rx)   always called, also when the frame is dropped;
 *                          after it the stack never touches rx.data again.
 *
 *   TX:  recycle_tx()      lets the driver reclaim completed buffers;
 *        alloc_tx(len,&tx) the driver lends a writable buffer of len bytes;
 *        ... the stack writes the whole frame into tx.data[0 .. tx.len) ...
 *        transmit(&tx)     hands it back to be sent, or
 *        abort_tx(&tx)     hands it back unsent.
 *        After transmit or abort_tx the buffer is the driver's, whatever
 *        transmit returned.
 *
 * Frames are Ethernet II frames WITHOUT the trailing FCS (DRV-3); their
 * length is what interface byte counters count. A driver pads short frames
 * to 60 bytes itself or accepts them already padded by the stack.
 *
 * Errors are negative errno values with these meanings (DRV-5):
 *   -AXN_EAGAIN      nothing received / no TX buffer now: retry later
 *   -AXN_EBADFD      the device is in a state that forbids the call
 *   -AXN_EINVAL      bad size or argument
 *   -AXN_EIO         I/O error, link down
 *   -AXN_ENOMEM      out of memory
 *   -AXN_EOPNOTSUPP  the driver cannot do it
 * What to drop and count is the stack's decision, never the driver's.
 *
 * Calls other than `irq` handler are made from one thread at a time per
 * direction: RX calls (receive, recycle_rx) from the RX path and TX calls
 * (recycle_tx, alloc_tx, transmit, abort_tx) from the TX path, which may run
 * concurrently with each other. A driver that shares state between its two
 * directions locks it itself.
 */
#ifndef AXNET_DRIVER_H
#define AXNET_DRIVER_H

#include "axnet/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AXN_ETH_ALEN      6
#define AXN_ETH_HLEN      14 /* destination, source, EtherType */
#define AXN_ETH_ZLEN      60 /* shortest frame without FCS (ETH_ZLEN) */
#define AXN_ETH_FRAME_MAX (AXN_ETH_HLEN + 1500)

/* ---- Capabilities a driver declares (axn_eth_driver.caps) ------------- */

/* TX: the device fills in an L4 checksum described by axn_offload. */
#define AXN_DRV_CAP_TX_CSUM (1u << 0)
/* TX: the device splits a large TCP/IPv4 frame into MSS-sized segments. */
#define AXN_DRV_CAP_TSO4 (1u << 1)
/* TX: likewise for TCP/IPv6. */
#define AXN_DRV_CAP_TSO6 (1u << 2)
/* TX: the device also sets ECN CWR correctly when segmenting. */
#define AXN_DRV_CAP_TSO_ECN (1u << 3)
/* RX: the driver may mark frames whose checksums it already verified. */
#define AXN_DRV_CAP_RX_CSUM (1u << 4)
/* RX: the driver may hand over aggregated large TCP frames (LRO/GRO). */
#define AXN_DRV_CAP_LRO (1u << 5)

/* ---- Per-frame offload metadata (shaped like virtio_net_hdr) ---------- */

/* TX: checksum from csum_start to the end is left for the device. */
#define AXN_OFL_NEEDS_CSUM (1u << 0)
/* RX: the device verified every checksum in the frame. */
#define AXN_OFL_CSUM_VALID (1u << 1)

enum axn_gso_type {
    AXN_GSO_NONE = 0,
    AXN_GSO_TCPV4 = 1,
    AXN_GSO_TCPV6 = 2,
};

struct axn_offload {
    uint8_t flags;        /* AXN_OFL_* */
    uint8_t gso_type;     /* enum axn_gso_type; AXN_GSO_NONE for a plain frame */
    uint16_t hdr_len;     /* Ethernet + IP + TCP header bytes of a GSO frame */
    uint16_t gso_size;    /* payload bytes per segment (the MSS) */
    uint16_t csum_start;  /* frame offset where checksumming starts */
    uint16_t csum_offset; /* offset from csum_start where the sum is stored */
};

/* A received frame lent by the driver. */
struct axn_rx_buf {
    const uint8_t *data;
    size_t len;
    struct axn_offload offload; /* zero unless the driver declared RX caps */
    void *priv;                 /* the driver's own cookie */
};

/* A transmit buffer lent by the driver. */
struct axn_tx_buf {
    uint8_t *data;
    size_t len;
    struct axn_offload offload; /* zero unless the driver declared TX caps */
    void *priv;
};

/* ---- IRQ events (DRV-6) ------------------------------------------------ */

#define AXN_IRQ_RX_READY (1u << 0)
#define AXN_IRQ_TX_DONE  (1u << 1)
#define AXN_IRQ_RX_ERROR (1u << 2)
#define AXN_IRQ_SPURIOUS (1u << 31)
/* Events that mean the stack has work to do. */
#define AXN_IRQ_WAKE_MASK (AXN_IRQ_RX_READY | AXN_IRQ_TX_DONE | AXN_IRQ_RX_ERROR)

/*
 * The IRQ handler a driver hands out (DRV-7): a separate narrow object, so
 * that hard-IRQ context only acknowledges the device and never touches the
 * RX/TX queues. `handle` returns AXN_IRQ_* events.
 */
struct axn_irq_handler {
    uint32_t (*handle)(void *arg);
    void *arg;
};

struct axn_eth_driver_ops {
    /* Driver's own device name, for logs ("virtio-net", "tap0"). */
    const char *(*name)(void *drv);
    void (*mac_address)(void *drv, struct axn_mac *mac);

    int (*receive)(void *drv, struct axn_rx_buf *rx);
    int (*recycle_rx)(void *drv, struct axn_rx_buf *rx);

    int (*recycle_tx)(void *drv);
    int (*alloc_tx)(void *drv, size_t len, struct axn_tx_buf *tx);
    int (*transmit)(void *drv, struct axn_tx_buf *tx);
    void (*abort_tx)(void *drv, struct axn_tx_buf *tx);

    /* ---- Optional (NULL when the device has no IRQ) ------------------- */
    /* The device's IRQ number, or -AXN_ENXIO when it has none. */
    int (*irq_id)(void *drv);
    void (*enable_irq)(void *drv);
    void (*disable_irq)(void *drv);
    /* Moves the IRQ handler out of the driver, once. -AXN_ENOENT if none. */
    int (*take_irq_handler)(void *drv, struct axn_irq_handler *handler);
};

struct axn_eth_driver {
    const struct axn_eth_driver_ops *ops;
    void *drv;             /* first argument of every op */
    uint32_t caps;         /* AXN_DRV_CAP_* */
    uint16_t mtu;          /* IP MTU; 0 means AXN_ETH_MTU */
    uint32_t gso_max_size; /* largest TSO frame, with TSO caps; 0 otherwise */
};

#ifdef __cplusplus
}
#endif

#endif /* AXNET_DRIVER_H */

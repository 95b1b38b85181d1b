/*
 * Linux TAP driver (hosted only): an axn_eth_driver over /dev/net/tun.
 *
 * The device is opened with IFF_TAP | IFF_NO_PI and a non-blocking fd, so
 * receive() returns -AXN_EAGAIN when no frame is queued. The driver has no
 * device interrupt, so its IRQ line is the fd: irq_id returns
 * axn_port_posix_fd_irq(axn_tap_fd()) and the posix port's registrar
 * (port_posix.h) raises it each time Linux queues new frames, which lets a
 * threaded stack's RX worker sleep until a frame arrives instead of
 * polling every AXN_DEVICE_IDLE_POLL_MS. The handler touches only atomics
 * and reports AXN_IRQ_RX_READY while enabled (AXN_IRQ_SPURIOUS otherwise).
 * A caller-polled runner may still poll(2) axn_tap_fd() for POLLIN: the
 * registrar's epoll watch consumes nothing.
 *
 * Buffers follow driver.h, one frame per direction at a time: a second
 * alloc_tx while a TX buffer is lent returns -AXN_EAGAIN, receive while an
 * RX frame is lent returns -AXN_EBADFD. Frames shorter than 60 bytes are
 * zero-padded on transmit. A frame Linux hands us that does not fit the RX
 * buffer (MTU + 14 bytes; 64 KiB + 14 in offload mode) is consumed and
 * reported as -AXN_EIO. write(2) errors map to -AXN_EAGAIN (queue full),
 * -AXN_EIO (e.g. the Linux side is down), -AXN_EINVAL (Linux rejected the
 * offload header), -AXN_EBADFD (the interface was deleted).
 *
 * Two MAC addresses are involved. The Linux side of the TAP (the interface
 * `ip link` shows) keeps its own; the driver reports a different one, ours,
 * as the station address of the stack behind it: a random locally
 * administered unicast address unless the configuration gives one.
 *
 * Offload mode (cfg.vnet_hdr): the device is opened with IFF_VNET_HDR and
 * every frame on the fd is preceded by a 12-byte virtio_net_hdr_v1 (the
 * virtio 1.0 layout, little-endian, set with TUNSETVNETLE so the byte order
 * does not depend on the host; num_buffers is unused and written as zero).
 * TUNSETOFFLOAD(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) lets Linux hand us
 * partially checksummed and aggregated TCP frames, and accept the same from
 * us. The header never reaches the stack: it is mapped to and from
 * struct axn_offload, and the driver declares AXN_DRV_CAP_TX_CSUM | TSO4 |
 * TSO6 | RX_CSUM | LRO with gso_max_size AXN_GSO_MAX_SIZE. With
 * cfg.csum_only, TUNSETOFFLOAD(TUN_F_CSUM) alone: Linux hands us partially
 * checksummed frames no longer than the MTU, the driver declares
 * AXN_DRV_CAP_TX_CSUM | RX_CSUM and gso_max_size 0.
 *
 * Which to open (e.g. for a benchmark):
 *   no offloads:      cfg = {.vnet_hdr = false}
 *   checksum only:    cfg = {.vnet_hdr = true, .csum_only = true}
 *   checksum + TSO:   cfg = {.vnet_hdr = true}  (TSO frames and LRO
 *                     aggregates up to 64 KiB cross the router's queues in
 *                     their large-frame lanes: lib/pktq.h)
 *
 * Namespaces: the fd stays valid after the interface is moved to another
 * network namespace (`ip link set dev NAME netns NS`). axn_tap_set_up and
 * axn_tap_set_mtu act through a socket of the CALLING thread's namespace,
 * so after a move either call them from inside that namespace (setns) or
 * use `ip -n NS link set ...` instead.
 */
#ifndef AXNET_HOSTED_TAP_H
#define AXNET_HOSTED_TAP_H

#include "axnet/config.h"
#include "axnet/driver.h"
#include "axnet/types.h"

#ifdef __cplusplus
extern "C" {
#endif

struct axn_tap;

struct axn_tap_config {
    /* Interface to open or create; NULL or "" lets the kernel pick tapN. */
    const char *name;
    /* Our station MAC; NULL picks a random locally administered one. */
    const struct axn_mac *mac;
    /* IP MTU of the driver (sizes the RX buffer); 0 means AXN_ETH_MTU. */
    uint16_t mtu;
    /* Frames carry a virtio_net_hdr_v1: checksum and TSO offloads. */
    bool vnet_hdr;
    /* With vnet_hdr: checksum offload only (TUNSETOFFLOAD(TUN_F_CSUM)),
     * no TSO either way: Linux segments before the TAP, frames stay within
     * the MTU, and the driver declares TX_CSUM | RX_CSUM only. */
    bool csum_only;
    /* Clear TUNSETPERSIST so the interface disappears when we close it,
     * even if it was created persistent by someone else. */
    bool unpersist;
};

/*
 * Opens (or creates) the TAP described by `cfg` (NULL: all defaults).
 * Returns 0, or a negative errno: -AXN_EPERM without CAP_NET_ADMIN,
 * -AXN_ENOENT without /dev/net/tun, -AXN_EINVAL for a name that does not
 * fit IFNAMSIZ, -AXN_ENOMEM.
 */
int axn_tap_open(struct axn_tap **out, const struct axn_tap_config *cfg);

/* Closes the fd (a non-persistent TAP then disappears) and frees; NULL is
 * ignored. Any lent buffer must have been handed back first. */
void axn_tap_close(struct axn_tap *tap);

/* Fills `drv` with the ops, caps, MTU and gso_max_size of this TAP. */
void axn_tap_driver(struct axn_tap *tap, struct axn_eth_driver *drv);

/* The non-blocking fd to poll(2) for POLLIN (frames to receive). */
int axn_tap_fd(const struct axn_tap *tap);

/* How many times the IRQ handler reported RX_READY (wake-ups it caused). */
uint64_t axn_tap_irq_count(const struct axn_tap *tap);

/* Interface name the kernel gave the TAP ("tap0" or the one asked for). */
const char *axn_tap_name(const struct axn_tap *tap);

/* Our station MAC, as the driver reports it. */
void axn_tap_mac(const struct axn_tap *tap, struct axn_mac *mac);

/* MAC of the Linux side of the TAP (works in any namespace: asked through
 * the tun fd itself). Returns 0 or a negative errno. */
int axn_tap_peer_mac(const struct axn_tap *tap, struct axn_mac *mac);

/* Sets IFF_UP on the Linux side (see the namespace note above). */
int axn_tap_set_up(struct axn_tap *tap);

/* Sets the MTU of the Linux side. -AXN_EINVAL if the frames Linux would then
 * send no longer fit our RX buffer (above the driver MTU without vnet_hdr). */
int axn_tap_set_mtu(struct axn_tap *tap, uint16_t mtu);

#ifdef __cplusplus
}
#endif

#endif /* AXNET_HOSTED_TAP_H */

/*
 * Interfaces as the control plane sees and reports them: configuration
 * given at init, and the snapshots every query returns (spec §4).
 *
 * Interface ids are Linux ifindex values: lo = 1, Ethernet devices from 2
 * in probe order, devices added later get max + 1; ids are never reused.
 * Flags use Linux's IFF_* bit values so a kernel can pass them through.
 */
#ifndef AXNET_NETIF_H
#define AXNET_NETIF_H

#include "axnet/config.h"
#include "axnet/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AXN_IFNAMSIZ 16 /* as Linux IFNAMSIZ, terminating NUL included */

#define AXN_IFINDEX_LOOPBACK  1u
#define AXN_IFINDEX_FIRST_ETH 2u

/* Linux IFF_* values (include/uapi/linux/if.h). */
#define AXN_IFF_UP        0x1u
#define AXN_IFF_BROADCAST 0x2u
#define AXN_IFF_LOOPBACK  0x8u
#define AXN_IFF_RUNNING   0x40u
#define AXN_IFF_MULTICAST 0x1000u

enum axn_iface_kind {
    AXN_IFACE_LOOPBACK = 1,
    AXN_IFACE_ETHERNET = 2,
};

/* How a configuration picks its device among the probed ones (CTL-3). */
enum axn_iface_match {
    AXN_MATCH_ORDER = 0,       /* n-th probed Ethernet device, 0-based */
    AXN_MATCH_MAC = 1,         /* device with this MAC */
    AXN_MATCH_DRIVER_NAME = 2, /* driver's ops->name() equals this string */
};

/* How an interface gets its IPv4 address. */
enum axn_ipv4_mode {
    AXN_IPV4_DHCP = 0, /* the default for an unconfigured NIC (CTL-4) */
    AXN_IPV4_STATIC = 1,
    AXN_IPV4_NONE = 2,
};

struct axn_iface_config {
    char name[AXN_IFNAMSIZ]; /* "" means eth<order> */
    enum axn_iface_match match;
    uint32_t match_order;
    struct axn_mac match_mac;
    char match_driver[AXN_IFNAMSIZ * 2];
    enum axn_ipv4_mode ipv4_mode;
    axn_ip4_t addr; /* AXN_IPV4_STATIC only */
    uint8_t prefix_len;
    axn_ip4_t gateway; /* 0.0.0.0: no default route */
    uint32_t metric;   /* lower is preferred; 0 means AXN_DEFAULT_ETH_METRIC */
    axn_ip4_t dns[AXN_IFACE_MAX_DNS];
    uint8_t n_dns;
};

struct axn_net_config {
    const struct axn_iface_config *ifaces;
    size_t n_ifaces;
    axn_ip4_t fallback_dns[AXN_MAX_FALLBACK_DNS];
    uint8_t n_fallback_dns;
};

/* Snapshot of one interface (CTL-13). A copy: no lock is held. */
struct axn_iface_info {
    uint32_t ifindex;
    char name[AXN_IFNAMSIZ];
    enum axn_iface_kind kind;
    bool has_mac;
    struct axn_mac mac;
    bool has_ipv4;
    axn_ip4_t addr;
    uint8_t prefix_len;
    axn_ip4_t gateway; /* 0 when none */
    uint32_t mtu;
    uint32_t flags; /* AXN_IFF_* */
    uint32_t metric;
};

/* One route as `ip route` shows it (RT-12). */
struct axn_route_info {
    axn_ip4_t prefix;
    uint8_t prefix_len;
    bool has_via;
    axn_ip4_t via;
    uint32_t ifindex;
    axn_ip4_t source;
    uint32_t metric;
};

/* One neighbour as /proc/net/arp shows it (ETH-16). */
#define AXN_ARPHRD_ETHER 1u
#define AXN_ATF_COM      0x02u
struct axn_arp_entry {
    axn_ip4_t ip;
    uint16_t hw_type; /* AXN_ARPHRD_ETHER */
    uint16_t flags;   /* AXN_ATF_COM */
    struct axn_mac mac;
    char dev[AXN_IFNAMSIZ];
};

/*
 * Per-interface counters in the sense of Linux rtnl_link_stats64 (RT-37/38):
 * bytes are L2 frame lengths without FCS, TX including padding to 60.
 */
struct axn_link_stats {
    uint64_t rx_packets;
    uint64_t tx_packets;
    uint64_t rx_bytes;
    uint64_t tx_bytes;
    uint64_t rx_errors;
    uint64_t tx_errors;
    uint64_t rx_dropped;
    uint64_t tx_dropped;
};

#ifdef __cplusplus
}
#endif

#endif /* AXNET_NETIF_H */

/*
 * Wi-Fi role switches: station (STA) or open access point (AP) on one
 * interface, at run time (spec PLAT-14, CTL-27..31).
 *
 * A Wi-Fi NIC has two faces. Its data plane is an ordinary Ethernet driver
 * (include/axnet/driver.h); its control plane (join a network, start an
 * access point) is a handle the kernel registers here under the interface
 * name, usually before the NIC becomes a data-plane driver (CTL-27).
 *
 * axn_wifi_reconfigure runs the firmware command on the caller's thread
 * with no stack lock held (firmware commands block), then commits the
 * interface's new IPv4 state the way every runtime change does (CTL-19).
 * No DHCP runs yet: a STA switch marks the interface as wanting a DHCP
 * client, an AP switch records what the DHCP server should serve
 * (axn_ctl_dhcp_server_request); the DHCP services act on those.
 */
#ifndef AXNET_WIFI_H
#define AXNET_WIFI_H

#include "axnet/stack.h"
#include "axnet/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest SSID, in bytes (IEEE 802.11: 0..32 octets; we refuse empty). */
#define AXN_WIFI_SSID_MAX 32u

/*
 * The control handle of one Wi-Fi NIC (PLAT-14). Each op may block; none is
 * called with a stack lock held. A NULL op means the NIC cannot do that:
 * the switch fails with -AXN_EOPNOTSUPP.
 *
 * connect: join `ssid` as a station; `password` is "" for an open
 * network. start_ap_open: start an open access point. Both return 0 or a
 * negative errno (any failure is reported as -AXN_EOPNOTSUPP, as ax-net
 * reports Unsupported). mac_address: the MAC the NIC uses now, which a
 * role switch may change; used for the log only, since the adapter reads
 * the data-plane driver's MAC itself (CTL-15).
 */
struct axn_wifi_ops {
    int (*connect)(void *ctx, const char *ssid, const char *password);
    int (*start_ap_open)(void *ctx, const char *ssid, uint8_t channel);
    void (*mac_address)(void *ctx, struct axn_mac *out);
};

/*
 * CTL-27: registers (or replaces: upsert by name) the handle of interface
 * `ifname`. `ops` is copied; `ctx` must stay valid while registered. The
 * interface need not exist yet. 0, -AXN_EINVAL (name empty or longer than
 * AXN_IFNAMSIZ - 1, ops NULL), -AXN_ENOSPC (AXN_MAX_WIFI_CONTROLS other
 * names registered).
 */
int axn_wifi_register_control(struct axn_stack *st, const char *ifname,
                              const struct axn_wifi_ops *ops, void *ctx);

enum axn_wifi_role {
    AXN_WIFI_STA = 1,
    AXN_WIFI_AP = 2,
};

/* Join a network; the address comes from DHCP later (CTL-30). */
struct axn_wifi_sta {
    const char *ssid;
    const char *password; /* NULL or "" for an open network */
};

/* Start an open access point with a static address (CTL-29). */
struct axn_wifi_ap {
    const char *ssid;
    uint8_t channel;
    axn_ip4_t addr;
    uint8_t prefix_len;
    /* The one address the DHCP server hands out (0.0.0.0: no server). */
    axn_ip4_t dhcp_client_ip;
};

struct axn_wifi_mode {
    enum axn_wifi_role role;
    union {
        struct axn_wifi_sta sta; /* role AXN_WIFI_STA */
        struct axn_wifi_ap ap;   /* role AXN_WIFI_AP */
    };
};

/*
 * CTL-28..31: switches interface `ifname` to `mode`, on the caller's
 * thread. Never call it with the core lock held (from a poll hook).
 *
 * AP: the interface gets addr/prefix_len with a connected route and no
 * gateway, loses every DNS server of its own whatever their source (not
 * only static ones: CTL-31), stops wanting DHCP, and the DHCP-server
 * request names it when dhcp_client_ip is set; without one, the request
 * is cleared only if it named this interface (CTL-29 hazard fixed).
 * STA: the DHCP-server request is cleared if it named this interface; the
 * interface loses its address, routes and every DNS server, and wants a
 * DHCP client (CTL-30).
 *
 * Errors: -AXN_EINVAL (bad name or mode: NULL or empty SSID, SSID longer
 * than AXN_WIFI_SSID_MAX, AP prefix > 32 or address 0.0.0.0),
 * -AXN_ENODEV (no handle registered, or no interface by that name, or
 * not an Ethernet interface), -AXN_EOPNOTSUPP (the firmware command
 * failed or the handle lacks it: nothing of the stack changed), or the
 * commit's error (-AXN_ENOSPC: the routes do not fit), in which case the
 * firmware has switched but the stack kept its old configuration.
 */
int axn_wifi_reconfigure(struct axn_stack *st, const char *ifname, const struct axn_wifi_mode *mode,
                         axn_time_t now);

/*
 * What the DHCP server should serve (CTL-24, CTL-29): one server for the
 * whole stack, on interface `ifindex`, handing out `client_ip` with
 * `netmask` (CTL-26, from the interface's prefix) and naming `server_ip`
 * (the interface's address) as server and router.
 */
struct axn_dhcp_server_request {
    uint32_t ifindex;
    axn_ip4_t server_ip;
    axn_ip4_t client_ip;
    axn_ip4_t netmask;
};

/* 0 and a copy in *out, or -AXN_ENOENT when no server is requested (or
 * its interface has been removed). */
int axn_ctl_dhcp_server_request(struct axn_stack *st, struct axn_dhcp_server_request *out);

#ifdef __cplusplus
}
#endif

#endif /* AXNET_WIFI_H */

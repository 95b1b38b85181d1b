/*
 * The control plane (spec §4): interface registry, route table and DNS
 * registry, all behind one short spin lock so that a commit of address +
 * routes + DNS is atomic for readers (CTL-19) and every query is a copy.
 *
 * The lock is a leaf: nothing else is taken while it is held, so the
 * router may consult routes from the poll path and workers alike. Nothing
 * under it allocates or logs (platform.h rules): functions validate and
 * compute first, lock, change, unlock, and only then log.
 *
 * Files: ctl.c (lifecycle, registry, route decisions), dns_registry.c
 * (CTL-16..18), ctl_commit.c (CTL-19..22), net_config.c (CTL-3..6),
 * netctl_query.c (public copies), net_init.c and netctl_device.c (stack
 * glue that also reaches the router's devices).
 */
#ifndef AXN_CTL_CTL_H
#define AXN_CTL_CTL_H

#include <stdatomic.h>

#include "axnet/config.h"
#include "axnet/driver.h"
#include "axnet/netif.h"
#include "axnet/platform.h"
#include "axnet/wifi.h"
#include "dev/netdev.h"
#include "lib/fmt.h"
#include "route/route_table.h"

/* Linux ifindex is a positive int (CTL-10): ids stop here. */
#define AXN_CTL_IFINDEX_MAX ((uint32_t)INT32_MAX)

#define AXN_LOOPBACK_IFNAME "lo"

/* Where a DNS server entry came from (CTL-16). */
enum axn_dns_source {
    AXN_DNS_SRC_DHCP = 0,
    AXN_DNS_SRC_STATIC = 1,
    AXN_DNS_SRC_FALLBACK = 2,
};

struct axn_dns_entry {
    axn_ip4_t server;
    uint32_t ifindex;
    uint32_t metric;
    enum axn_dns_source source;
};

/* ---- Wi-Fi control state (wifi.c; see the section at the end) ---------- */

/* One registered Wi-Fi control handle (CTL-27): the ops are copied. */
struct axn_ctl_wifi_slot {
    char name[AXN_IFNAMSIZ];
    struct axn_wifi_ops ops;
    void *ctx;
};

struct axn_ctl {
    const struct axn_platform *plat;
    void *lock; /* platform spin lock guarding everything below */
    struct axn_iface_info ifaces[AXN_MAX_DEVICES];
    /* ifaces[i] wants a DHCP client (CTL-8 step 5: "queue for later");
     * cleared by a runtime address change (CTL-21/22 stop DHCP). */
    bool dhcp[AXN_MAX_DEVICES];
    /* ifaces[i]'s DHCP epoch: a new value asks the services for a fresh
     * client (CTL-30: a STA switch starts over with a new xid). */
    uint32_t dhcp_epoch[AXN_MAX_DEVICES];
    /* ifaces[i]'s MTU as the device gave it at registration: what a DHCP
     * lease's MTU (option 26) is clamped to and restored to, whatever
     * MTU an earlier lease left on the interface. */
    uint32_t base_mtu[AXN_MAX_DEVICES];
    size_t n_ifaces;
    /* Bumped (under the lock) whenever what the services follow changes:
     * interfaces, their DHCP wish or epoch, the DHCP-server request. The
     * poll path reads it without the lock to skip unchanged states. */
    atomic_uint svc_gen;
    uint32_t max_ifindex; /* ifindexes are never reused (CTL-11) */
    struct axn_route_table routes;
    struct axn_dns_entry dns[AXN_MAX_DNS_ENTRIES];
    size_t n_dns;
    /* Wi-Fi handles by name (CTL-27) and the one DHCP-server request of
     * the stack (CTL-24/29), both owned by wifi.c. */
    struct axn_ctl_wifi_slot wifi[AXN_MAX_WIFI_CONTROLS];
    size_t n_wifi;
    bool has_dhcp_server;
    struct axn_dhcp_server_request dhcp_server;
};

/* ---- Lifecycle and route decisions (ctl.c) ------------------------------ */

/* Sets up the registry with `lo` (LO-1: ifindex 1, 127.0.0.1/8, flags
 * UP|RUNNING|LOOPBACK, metric 0) and its route 127.0.0.0/8, installed first.
 * 0, -AXN_EINVAL (no platform), -AXN_ENOMEM, or the platform's error. */
int axn_ctl_init(struct axn_ctl *c, const struct axn_platform *plat);
/* Releases the lock and the route table. Safe on a zeroed struct. */
void axn_ctl_destroy(struct axn_ctl *c);

/* Egress decision for a packet the core already built (RT-10): first rule
 * containing `dst` whose source is exactly `src`, on an interface that is
 * up. -AXN_ENETUNREACH when none. */
int axn_ctl_route_for_source(struct axn_ctl *c, axn_ip4_t dst, axn_ip4_t src,
                             struct axn_route_decision *out);

/* Socket-level decision (RT-11): first rule containing `dst` on an up
 * interface, restricted to `bound_ifindex` unless it is 0. */
int axn_ctl_route_select(struct axn_ctl *c, axn_ip4_t dst, uint32_t bound_ifindex,
                         struct axn_route_decision *out);

/* True if `ifindex` exists and is up. */
bool axn_ctl_iface_is_up(struct axn_ctl *c, uint32_t ifindex);

/* The subnet-directed broadcast of `ifindex`'s address, if it has one: the
 * interface must have an address and IFF_BROADCAST (so never `lo`), and a
 * prefix of at most /30 (a /31 or /32 has no broadcast, RFC 3021). */
bool axn_ctl_iface_broadcast(struct axn_ctl *c, uint32_t ifindex, axn_ip4_t *bcast);

/* CTL-23: the interface a bind to local address `addr` pins. 0.0.0.0 pins
 * none (*ifindex = 0); otherwise the interface whose address is exactly
 * `addr` (127.0.0.2 is not lo's), else -AXN_EADDRNOTAVAIL. */
int axn_ctl_local_binding(struct axn_ctl *c, axn_ip4_t addr, uint32_t *ifindex);

/* ---- Registry (ctl.c) ----------------------------------------------------- */

/* The id a device registered now would get (CTL-11: highest id ever + 1),
 * or 0 when ids are exhausted. Callers that create the device before they
 * register it (it needs its id) ask first, under their own serialisation. */
uint32_t axn_ctl_next_ifindex(struct axn_ctl *c);

/*
 * Registers a copy of `info` (CTL-10/11/12). info->ifindex 0 takes the next
 * id; any other id must be higher than every id ever assigned, so ids are
 * never reused. The new id is stored in *ifindex when it is not NULL.
 * -AXN_EINVAL (empty or unterminated name, bad kind), -AXN_EEXIST (name in
 * use, id already assigned once), -AXN_ENOSPC (registry full, ids exhausted).
 */
int axn_ctl_iface_add(struct axn_ctl *c, const struct axn_iface_info *info, uint32_t *ifindex);

/* Removes an interface with its routes and all its DNS servers, under one
 * lock. -AXN_ENODEV, -AXN_EOPNOTSUPP for `lo` (the stack needs it). */
int axn_ctl_iface_remove(struct axn_ctl *c, uint32_t ifindex);

/* Link state: UP|RUNNING follow `up`; lookups skip a down interface.
 * 0 or -AXN_ENODEV. */
int axn_ctl_set_link(struct axn_ctl *c, uint32_t ifindex, bool up);

/* CTL-15: the registry's MAC follows the device's (ax-net keeps the MAC
 * of registration time). 0, or -AXN_ENODEV (unknown or has no MAC). Takes
 * only the ctl lock: devices call it under their own lock. */
int axn_ctl_set_mac(struct axn_ctl *c, uint32_t ifindex, const struct axn_mac *mac);

/* One interface that wants a DHCP client (axn_ctl_dhcp_wanted). */
struct axn_ctl_dhcp_want {
    uint32_t ifindex;
    uint32_t epoch;
    uint32_t metric;
    struct axn_mac mac;
};

/* The interfaces that want a DHCP client now, in registration order (at
 * most `max`), and the svc_gen they go with. Takes the lock. */
size_t axn_ctl_dhcp_wanted(struct axn_ctl *c, struct axn_ctl_dhcp_want *out, size_t max,
                           uint32_t *gen);
/* Sets whether `ifindex` wants a DHCP client and starts a new epoch (a
 * fresh client even if one runs). 0 or -AXN_ENODEV. Takes the lock. */
int axn_ctl_set_wants_dhcp(struct axn_ctl *c, uint32_t ifindex, bool wants);
/* Lock held: records a change the services must follow. */
static inline void axn_ctl_svc_changed_locked(struct axn_ctl *c)
{
    atomic_fetch_add_explicit(&c->svc_gen, 1u, memory_order_release);
}

/* Whether `ifindex` is configured for DHCP and has no runtime address set
 * (what a DHCP client starts on); false for an unknown interface. */
bool axn_ctl_iface_wants_dhcp(struct axn_ctl *c, uint32_t ifindex);

/* The MTU `ifindex` was registered with (its device's own), whatever a
 * commit set since; 0 for an unknown interface. Takes the lock. */
uint32_t axn_ctl_base_mtu(struct axn_ctl *c, uint32_t ifindex);

/* Lock helpers and lookups for the files of this folder. The *_locked
 * functions expect the lock held and return pointers into the registry,
 * valid only until it is released. */
static inline unsigned long axn_ctl_lock(struct axn_ctl *c)
{
    return c->plat->spin_lock_irqsave(c->lock);
}

static inline void axn_ctl_unlock(struct axn_ctl *c, unsigned long irq_state)
{
    c->plat->spin_unlock_irqrestore(c->lock, irq_state);
}

struct axn_iface_info *axn_ctl_find_locked(struct axn_ctl *c, uint32_t ifindex);
/* axn_ctl_iface_add's rules without the name/kind checks, lock held. */
int axn_ctl_iface_add_locked(struct axn_ctl *c, const struct axn_iface_info *info, bool dhcp,
                             uint32_t *ifindex);
struct axn_iface_info *axn_ctl_find_name_locked(struct axn_ctl *c, const char *name);

/* True if `name` is a usable interface name: 1..AXN_IFNAMSIZ-1 bytes. */
bool axn_ctl_name_is_valid(const char *name);
/* Interface names compare equal (both NUL-terminated within AXN_IFNAMSIZ). */
bool axn_ctl_name_equal(const char *a, const char *b);

/* ---- DNS registry (dns_registry.c, CTL-16..18) ---------------------------- */

/* Whether replacing the (ifindex, source) entries by `n` servers fits. */
bool axn_ctl_dns_fits_locked(const struct axn_ctl *c, uint32_t ifindex, enum axn_dns_source source,
                             size_t n);
/* CTL-18: removes every (ifindex, source) entry and appends `servers` with
 * `metric`. All or nothing: -AXN_ENOSPC leaves the registry unchanged. */
int axn_ctl_dns_replace_locked(struct axn_ctl *c, uint32_t ifindex, enum axn_dns_source source,
                               uint32_t metric, const axn_ip4_t *servers, size_t n);
/* Removes every entry of `ifindex`, whatever its source (the fix for the
 * stale-DNS hazard CTL-31); returns how many went. */
size_t axn_ctl_dns_clear_interface_locked(struct axn_ctl *c, uint32_t ifindex);

/* Locking forms of the two above. Servers must not be 0.0.0.0: -AXN_EINVAL. */
int axn_ctl_dns_replace(struct axn_ctl *c, uint32_t ifindex, enum axn_dns_source source,
                        uint32_t metric, const axn_ip4_t *servers, size_t n);
size_t axn_ctl_dns_clear_interface(struct axn_ctl *c, uint32_t ifindex);

/*
 * CTL-17 on a private copy: sorts entries[0 .. n) by (metric, ifindex,
 * address), drops later duplicates of an address, writes the first `max`
 * addresses to out[] and returns how many distinct addresses there are.
 */
size_t axn_ctl_dns_order(struct axn_dns_entry *entries, size_t n, axn_ip4_t *out, size_t max);

/* ---- Transactional commit (ctl_commit.c, CTL-19..22) ---------------------- */

struct axn_ctl_commit {
    uint32_t ifindex;
    bool has_addr; /* false: the interface loses its address and routes */
    axn_ip4_t addr;
    uint8_t prefix_len;
    axn_ip4_t gateway; /* 0.0.0.0: no default route; needs an address */
    enum axn_dns_source dns_source;
    const axn_ip4_t *dns; /* replaces every (ifindex, dns_source) entry */
    size_t n_dns;
    bool dns_clear_all; /* drop the interface's other sources too (CTL-31) */
    uint32_t mtu;       /* the interface's new MTU; 0 leaves it */
};

/*
 * CTL-19: under one lock, sets the registry's address and gateway, replaces
 * the DNS entries and replaces the interface's routes (RT-13/14) — all or
 * nothing. There is no address-count limit beyond the registry (CTL-20).
 * The device's own address is the caller's to push (netdev set_ipv4).
 * -AXN_EINVAL (prefix > 32, address or DNS 0.0.0.0, gateway without
 * address), -AXN_ENODEV, -AXN_ENOSPC (routes or DNS do not fit).
 */
int axn_ctl_commit(struct axn_ctl *c, const struct axn_ctl_commit *req);

/* CTL-21 (checks and commit under one lock; no gateway, DHCP DNS of the
 * interface cleared): -AXN_EINVAL (prefix > 32, address 0.0.0.0),
 * -AXN_ENODEV, -AXN_EOPNOTSUPP (loopback), -AXN_EEXIST (has an address). */
int axn_ctl_assign_ipv4(struct axn_ctl *c, uint32_t ifindex, axn_ip4_t addr, uint8_t prefix_len);
/* CTL-22: -AXN_EINVAL, -AXN_ENODEV, -AXN_EOPNOTSUPP (loopback, where
 * ax-net accepts it), -AXN_ENOENT (not exactly the current address). */
int axn_ctl_unassign_ipv4(struct axn_ctl *c, uint32_t ifindex, axn_ip4_t addr, uint8_t prefix_len);

/* ---- Network configuration (net_config.c, CTL-3..6) ----------------------- */

/* What init does with one probed device, resolved from the configuration. */
struct axn_iface_plan {
    char name[AXN_IFNAMSIZ];
    uint32_t ifindex; /* probe order + 2 (CTL-4) */
    uint32_t metric;
    enum axn_ipv4_mode mode;
    axn_ip4_t addr; /* AXN_IPV4_STATIC only */
    uint8_t prefix_len;
    axn_ip4_t gateway;
    axn_ip4_t dns[AXN_IFACE_MAX_DNS];
    uint8_t n_dns;
    struct axn_mac mac;
    uint32_t mtu; /* the driver's, or AXN_ETH_MTU */
};

/*
 * Validates `cfg` (CTL-5; NULL is the empty configuration) against the
 * probed `drivers` and resolves one plan per driver, in probe order
 * (CTL-3/4/6). Each violation is logged with its own message and returns
 * -AXN_EINVAL; more drivers than the registry holds is -AXN_ENOSPC.
 * plans[] holds n_drivers entries; its contents are unspecified on failure.
 */
int axn_net_config_plan(const struct axn_platform *plat,
                        const struct axn_eth_driver *const drivers[], size_t n_drivers,
                        const struct axn_net_config *cfg, struct axn_iface_plan *plans);

/* ---- Installing planned interfaces (ctl_install.c, CTL-8, CTL-24) -------- */

/*
 * Registers plans[0 .. n) (ids increasing, each above every id ever
 * assigned), with their static addresses, routes and static DNS servers
 * (recorded for DHCP interfaces too), and, unless `fallback_dns` is NULL,
 * replaces the fallback DNS servers (ifindex 1, metric UINT32_MAX). All
 * under one lock and all or nothing: -AXN_EINVAL (a bad plan), -AXN_EEXIST
 * (name or id taken), -AXN_ENOSPC (registry, routes or DNS full).
 */
int axn_ctl_install(struct axn_ctl *c, const struct axn_iface_plan *plans, size_t n,
                    const axn_ip4_t *fallback_dns, size_t n_fallback);

/* ---- procfs text (text_buf.c; proc_net_arp.c, ETH-16; proc_net_dev.c) ---- */

/* Text built piecewise with snprintf semantics: `len` is what the whole
 * text needs; buf always holds a NUL-terminated prefix of it (cap > 0). */
struct axn_text_buf {
    char *buf;
    size_t cap;
    size_t len;
};

void axn_text_init(struct axn_text_buf *t, char *buf, size_t cap);
/* Appends at the current end, or only counts once the buffer is full. */
void axn_text_appendf(struct axn_text_buf *t, const char *fmt, ...) AXN_PRINTF_LIKE(2, 3);
/* Linux's header line, and one row per neighbour, byte for byte. */
void axn_proc_net_arp_header(struct axn_text_buf *t);
void axn_proc_net_arp_row(struct axn_text_buf *t, const struct axn_arp_entry *e);

/* ---- Stack glue (net_init.c) ------------------------------------------------ */

struct axn_stack;

/*
 * Pushes the registry's address of `ifindex` (or "none") into its device
 * under the device lock (ETH-15: the device also forgets its neighbours).
 * The second half of every commit, for callers that run with the core lock
 * held (the DHCP client: axn_ctl_commit, then this). Unknown: no-op.
 */
void axn_stack_sync_device_ipv4(struct axn_stack *st, uint32_t ifindex, axn_time_t now);

/* ---- Wi-Fi roles and the DHCP-server request (wifi.c, CTL-26..31) ------- */

/*
 * The one DHCP-server request of the stack (CTL-24, CTL-29): records `req`,
 * replacing any other (a replacement for another interface is logged).
 * For run-time device registration with a client address (CTL-24) as for
 * an AP switch. Takes the ctl lock.
 */
void axn_ctl_dhcp_server_set(struct axn_ctl *c, const struct axn_dhcp_server_request *req);
/* Clears the request if it names `ifindex` (never another interface's:
 * the CTL-29 hazard). Returns whether it did. Takes the ctl lock. */
bool axn_ctl_dhcp_server_clear_for(struct axn_ctl *c, uint32_t ifindex);

#endif /* AXN_CTL_CTL_H */

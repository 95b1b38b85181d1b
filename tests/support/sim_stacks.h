/*
 * Whole stacks on one simulated wire (drivers/sim), caller-polled in
 * virtual time: the world the socket and IP unit tests share. Each port
 * gets the MAC 02:00:00:00:<mac_tag>:<port + 1>; a node is a stack with
 * one static IPv4 interface on a port. Time moves only through
 * sim_stacks_set_time / run_until / settle, event by event. Also here:
 * the sockaddr_in and socket helpers those tests share, and the IP-layer
 * rig (ctl + router + IPv4 on fake devices) of test_ip4 and test_icmp4.
 */
#ifndef AXN_TEST_SIM_STACKS_H
#define AXN_TEST_SIM_STACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/hosted/sim_wire.h"
#include "axnet/socket.h"
#include "axnet/stack.h"
#include "ctl/ctl.h"
#include "fake_netdev.h"
#include "ip/ip4.h"
#include "route/router.h"

#define SIM_STACKS_MAX_PORTS 4u
#define SIM_STACKS_MAX_NODES 4u
#define SIM_STACKS_MAX_STEPS 100000u /* events in one run, far above any test's */
#define SIM_STACKS_SEED      1u      /* platform random and wire generator */
#define SIM_STACKS_MAC_TAG   2u      /* default fifth MAC byte */

struct sim_stacks_config {
    axn_time_t start;      /* initial virtual time */
    axn_time_t wire_delay; /* propagation delay per hop, µs */
    size_t n_ports;
    uint8_t mac_tag;             /* fifth byte of every port's MAC */
    bool set_platform_now;       /* mirror the virtual clock into axn_test_set_now */
    axn_sim_observer_fn observe; /* optional delivery observer */
    void *observe_ctx;
};

struct sim_stacks {
    axn_time_t now;
    struct axn_sim_wire *wire;
    struct sim_stacks_config cfg;
    struct axn_eth_driver drv[SIM_STACKS_MAX_PORTS];
    struct axn_mac mac[SIM_STACKS_MAX_PORTS];
    size_t n_nodes;
    struct axn_stack *st[SIM_STACKS_MAX_NODES];
    axn_time_t next[SIM_STACKS_MAX_NODES]; /* each stack's next deadline */
};

/* A static IPv4 interface matched by order; everything else zero. */
struct axn_iface_config sim_static_iface(uint32_t order, axn_ip4_t addr, uint8_t prefix_len,
                                         axn_ip4_t gateway, uint32_t metric);
/* A network configuration of `n` interfaces, nothing else set. */
struct axn_net_config sim_net_config(const struct axn_iface_config *ifaces, size_t n);

/* Seeds the platform, creates the wire and its ports (no stacks yet). */
void sim_stacks_create(struct sim_stacks *s, const struct sim_stacks_config *cfg);
/* The same with the wire's default impairments `path` (cfg->wire_delay
 * unused) and `seed` for the platform random and the wire's generator: the
 * TCP simulations' lossy, rate-limited paths, one run per seed. */
void sim_stacks_create_path(struct sim_stacks *s, const struct sim_stacks_config *cfg,
                            const struct axn_sim_impairments *path, uint64_t seed);
/* A stack on `port` with the static address addr/prefix_len; returns its index. */
size_t sim_stacks_add_node(struct sim_stacks *s, int port, axn_ip4_t addr, uint8_t prefix_len);
/* A stack on `port` whose one interface is AXN_IPV4_DHCP (its client
 * starts at the stack's first poll); returns its index. */
size_t sim_stacks_add_dhcp_node(struct sim_stacks *s, int port);
/* Destroys every stack and the wire (the caller checks for leaks). */
void sim_stacks_destroy(struct sim_stacks *s);
/* The socket tests' world: `n` nodes, node i on port i at addrs[i]/prefix_len,
 * the platform clock following the virtual one. */
void sim_stacks_create_nodes(struct sim_stacks *s, axn_time_t start, axn_time_t wire_delay,
                             uint8_t mac_tag, const axn_ip4_t *addrs, size_t n, uint8_t prefix_len);
/* The same on a wire with the default impairments `path`, `seed` for the
 * platform random and the wire (sim_stacks_create_path). */
void sim_stacks_create_nodes_path(struct sim_stacks *s, axn_time_t start,
                                  const struct axn_sim_impairments *path, uint64_t seed,
                                  uint8_t mac_tag, const axn_ip4_t *addrs, size_t n,
                                  uint8_t prefix_len);
/* Closes `socks` (NULL entries skipped), destroys the world and returns a
 * cmocka teardown verdict: -1 if anything is still allocated. */
int sim_stacks_teardown(struct sim_stacks *s, struct axn_socket *const *socks, size_t n_socks);

axn_time_t sim_stacks_next_event(struct sim_stacks *s);
void sim_stacks_poll_all(struct sim_stacks *s);
void sim_stacks_set_time(struct sim_stacks *s, axn_time_t t);
/* Event by event up to `until` (inclusive), polling every stack each time. */
void sim_stacks_run_until(struct sim_stacks *s, axn_time_t until);
/* Polls every stack now, then runs `span` further. */
void sim_stacks_settle(struct sim_stacks *s, axn_time_t span);

/* Network byte order without <arpa/inet.h> (its s6_addr macro collides
 * with axn_in6_addr's member). */
uint16_t sim_net16(uint16_t v);
uint32_t sim_net32(uint32_t v);
uint16_t sim_host16(uint16_t v);
uint32_t sim_host32(uint32_t v);
/* An AF_INET sockaddr for a host-order address and port. */
struct axn_sockaddr_in sim_sin4(axn_ip4_t addr, uint16_t port);

/* Closes *s if it is open, whatever close says, and forgets it. */
void sim_close_quietly(struct axn_socket **s);
/* Closes every open socket of `s` (each must close cleanly). */
void sim_close_sockets(struct axn_socket *const *s, size_t n);
/* What a waker heard: how many calls and the events of all of them, for
 * tests registering one (axn_socket_register_waker). */
struct sim_wake_log {
    unsigned calls;
    unsigned events;
};
/* A waker's wake function; ctx is a struct sim_wake_log. */
void sim_log_wake(void *ctx, unsigned events);

/* sendto `dst`:`port` without waiting. */
long sim_sendto4(struct axn_socket *s, const void *buf, size_t len, axn_ip4_t dst, uint16_t port);
/* recvfrom without waiting; `from` is zeroed first. */
long sim_recvfrom4(struct axn_socket *s, uint8_t *buf, size_t len, int flags,
                   struct axn_sockaddr_in *from);
/* bind / connect to `a`:`port`; the call's result. */
int sim_bind4(struct axn_socket *s, axn_ip4_t a, uint16_t port);
int sim_connect4(struct axn_socket *s, axn_ip4_t a, uint16_t port);
/* setsockopt of an int; the call's result. */
int sim_set_int(struct axn_socket *s, int level, int name, int v);
/* getsockopt of an int, asserting it succeeds with an int-sized answer. */
int sim_get_int(struct axn_socket *s, int level, int name);
/* getpeername (`peer`) or getsockname into a 0xff-filled sockaddr_in, so
 * that a field the call leaves alone shows; its result in `*rc`. */
struct axn_sockaddr_in sim_name4(struct axn_socket *s, bool peer, int *rc);
/* An IPv4 datagram (default TTL) handed to `st`'s IP layer as if it came in
 * on `ifindex`, under the core lock; deferred socket work is run after. */
void sim_inject_ip4(struct axn_stack *st, uint32_t ifindex, axn_ip4_t src, axn_ip4_t dst,
                    uint8_t proto, const uint8_t *payload, size_t len, axn_time_t now);

/* ---- One IP layer: ctl + router (lo, eth0, eth1 on fake devices) ---------------------------- */

struct sim_ip4_rig_iface {
    uint32_t ifindex;
    axn_ip4_t addr;
    uint8_t prefix_len;
    axn_ip4_t gateway; /* 0: none */
};

struct sim_ip4_rig {
    struct axn_ctl ctl;
    struct axn_router r;
    struct fake_netdev eth0, eth1;
    struct axn_dev_handle *lo, *h0, *h1;
    struct axn_ip4 *ip; /* the router's input */
};

/* Seeds the platform and builds the rig with "eth0" and "eth1" configured. */
void sim_ip4_rig_create(struct sim_ip4_rig *rig, const struct sim_ip4_rig_iface *eth0,
                        const struct sim_ip4_rig_iface *eth1);
void sim_ip4_rig_destroy(struct sim_ip4_rig *rig);

/* Hands the IPv4 packet `pkt` to the rig's IP layer as if it came in on `ifindex`. */
void sim_ip4_rig_rx(struct sim_ip4_rig *rig, const uint8_t *pkt, size_t len, uint32_t ifindex,
                    uint8_t offload, axn_time_t now);
/* Moves what the router queued for `h` into its fake device `f`; returns
 * how many packets the device got beyond the `*taken` already looked at. */
size_t sim_ip4_rig_flush(struct sim_ip4_rig *rig, struct fake_netdev *f, struct axn_dev_handle *h,
                         const size_t *taken, axn_time_t now);
/* The next packet `f` sent that was not looked at yet. */
const struct fake_sent_pkt *sim_fake_take(struct fake_netdev *f, size_t *taken);

#endif

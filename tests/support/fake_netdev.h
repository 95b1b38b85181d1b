/*
 * A fake axn_netdev for router, stack and worker tests: recv serves packets
 * a test injected (each with the frame length it "came in"), send records
 * what the router handed over and returns a chosen frame length. Safe to
 * use from a worker thread and the test thread at once (one mutex).
 *
 * Also builds real IPv4 packets (wire/ipv4.h) for the tests to route.
 */
#ifndef AXN_TEST_FAKE_NETDEV_H
#define AXN_TEST_FAKE_NETDEV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dev/netdev.h"

#define FAKE_NETDEV_RX_MAX   64
#define FAKE_NETDEV_SENT_MAX 192
#define FAKE_NETDEV_PKT_MAX  1600
/* send_result value (the default) meaning "return the IP length plus an
 * Ethernet header"; any other value is returned as it is. */
#define FAKE_SEND_FRAME_LEN INT32_MIN
/* Ethernet header a default send adds to the IP length. */
#define FAKE_ETH_HLEN 14

struct fake_rx_pkt {
    uint8_t data[FAKE_NETDEV_PKT_MAX];
    size_t len;         /* what recv returns (may exceed the router's slot) */
    uint32_t frame_len; /* what recv reports in meta */
};

struct fake_sent_pkt {
    uint8_t data[FAKE_NETDEV_PKT_MAX];
    size_t len;
    axn_ip4_t next_hop;
};

struct fake_netdev {
    struct axn_netdev base; /* first: the router holds &base */
    pthread_mutex_t lock;
    struct fake_rx_pkt rx[FAKE_NETDEV_RX_MAX];
    size_t rx_head;
    size_t rx_count;
    struct fake_sent_pkt sent[FAKE_NETDEV_SENT_MAX];
    int send_result; /* FAKE_SEND_FRAME_LEN, or the value send returns */
    bool wake_source;
    axn_time_t deadline; /* what next_deadline reports */
    /* Called (fake's mutex not held) when recv finds nothing: lets a test
     * play an IRQ that lands just before the RX worker goes to sleep. */
    void (*on_empty)(struct fake_netdev *f, void *ctx);
    void *on_empty_ctx;
    _Atomic size_t n_sent; /* sends, all of them (sent[] keeps the first) */
    _Atomic size_t recv_calls;
    _Atomic size_t tick_calls;
    _Atomic size_t rx_served;
    _Atomic bool destroyed;
};

/* Fills `f` (zeroing it) as an attached-to-nothing device. */
void fake_netdev_init(struct fake_netdev *f, const struct axn_platform *plat, uint32_t ifindex,
                      const char *name, enum axn_iface_kind kind);
/* Releases the mutex; call after the router destroyed (or never had) it. */
void fake_netdev_fini(struct fake_netdev *f);

/* Queues a packet for recv. Returns 0, or -1 when the fake's ring is full. */
int fake_netdev_inject(struct fake_netdev *f, const uint8_t *pkt, size_t len, uint32_t frame_len);
/* Packets injected and not yet served by recv. */
size_t fake_netdev_rx_pending(struct fake_netdev *f);

/* Writes an IPv4/UDP-protocol packet src -> dst with `payload_len` bytes of
 * payload (each byte = `fill`) into buf; returns its length. Asserts. */
size_t fake_build_ipv4(uint8_t *buf, size_t cap, axn_ip4_t src, axn_ip4_t dst, size_t payload_len,
                       uint8_t fill);

struct axn_ctl;
/* Registers an UP|RUNNING|BROADCAST Ethernet interface in `c` with
 * addr/prefix and, if gw is not 0, a default route (metric 100). Returns
 * the first failing control-plane call's error, or 0. */
int fake_ctl_add_iface(struct axn_ctl *c, const char *name, uint32_t ifindex, axn_ip4_t addr,
                       uint8_t prefix_len, axn_ip4_t gw);

#endif /* AXN_TEST_FAKE_NETDEV_H */

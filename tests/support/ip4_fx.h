/*
 * The fixture test_ip4.c and test_icmp4.c share: a sim_ip4_rig (lo, eth0,
 * eth1) whose IP layer hands one protocol's packets, and optionally its
 * ICMP errors, to recorders, with a virtual clock. The topology and names
 * are ip4_rig_names.h's. One fixture per test process, as with the test
 * platform: ip4_fx_setup makes its state the one the helpers below act
 * on, so tests call them without threading it through.
 */
#ifndef AXN_TEST_IP4_FX_H
#define AXN_TEST_IP4_FX_H

#include <stddef.h>
#include <stdint.h>

#include "axnet/snmp.h"
#include "axnet/types.h"
#include "ip/icmp4.h"
#include "ip/ip4.h"
#include "sim_stacks.h"
#include "wire/ipv4.h"

#define IP4_FX_MAX_RX  16u /* packets / errors one test records at most */
#define IP4_FX_L4_COPY 8u  /* transport bytes of an error's quote kept */

/* One packet the recording handler got (hdr's payload is not kept). */
struct ip4_fx_got {
    struct axn_ip4_rx rx;
    struct axn_ipv4 hdr;
    uint8_t first; /* the payload's first byte, 0 if none */
};

struct ip4_fx {
    struct sim_ip4_rig rig;
    struct ip4_fx_got in[IP4_FX_MAX_RX];
    size_t n_in;
    size_t taken0, taken1; /* sent packets already looked at */
    axn_time_t now;        /* passed to the layer; the recorders expect it */
    struct axn_icmp4_err errs[IP4_FX_MAX_RX];
    uint8_t err_l4[IP4_FX_MAX_RX][IP4_FX_L4_COPY];
    size_t n_errs;
};

/* cmocka setup: clears the fixture *state points to, sets its clock to
 * NOW, builds the rig (eth0 ETH0_ADDR/PREFIX via GW0, eth1 ETH1_ADDR) and
 * has ip4_fx_record take UDP_PROTO; it becomes the current fixture. */
int ip4_fx_setup(void **state);
/* cmocka teardown: destroys the rig; fails if the test leaked. */
int ip4_fx_teardown(void **state);

/* A test run between the two on the fixture `fx` points to (for a
 * CMUnitTest array; needs <cmocka.h> first). */
#define IP4_FX_TEST(f, fx)                                                                         \
    cmocka_unit_test_prestate_setup_teardown(f, ip4_fx_setup, ip4_fx_teardown, fx)

/* Protocol handler: appends the packet to the current fixture's `in`
 * after checking it came at the fixture's time. */
void ip4_fx_record(void *ctx, const struct axn_ip4_rx *rx, axn_time_t now);
/* Error handler: appends the error and the first IP4_FX_L4_COPY bytes of
 * its quoted transport header to `errs` / `err_l4`. */
void ip4_fx_record_err(void *ctx, const struct axn_icmp4_err *e, axn_time_t now);

/* Hands a packet to the layer as received on `ifindex` at the fixture's
 * time, with the device's offload flags / none / an ip4_pkt_build_simple
 * packet. */
void ip4_fx_rx_flags(const uint8_t *pkt, size_t len, uint32_t ifindex, uint8_t offload);
void ip4_fx_rx(const uint8_t *pkt, size_t len, uint32_t ifindex);
void ip4_fx_rx_simple(axn_ip4_t src, axn_ip4_t dst, uint8_t proto, uint32_t ifindex);

/* The layer's IP and ICMP counters. */
struct axn_snmp ip4_fx_snmp(void);

/* Moves what the router queued for eth0 / eth1 into the fakes; returns
 * how many new packets the device got. */
size_t ip4_fx_flush0(void);
size_t ip4_fx_flush1(void);

#endif /* AXN_TEST_IP4_FX_H */

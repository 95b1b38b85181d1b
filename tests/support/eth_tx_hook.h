/*
 * An Ethernet driver wrapped so that every frame the stack transmits is
 * shown to a hook first, which may drop it: the capture of the TCP
 * simulations (tcp_sim.c) and the transmit checks of the TCP fuzz target
 * (fuzz/fuzz_tcp_stack.c, which links this file: no cmocka here).
 *
 * Every other op goes straight to the inner driver, and a dropped frame's
 * buffer goes back to it by abort_tx while transmit reports success, as a
 * frame lost on the wire.
 */
#ifndef AXN_TEST_ETH_TX_HOOK_H
#define AXN_TEST_ETH_TX_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/driver.h"

/* Returns whether the frame goes on to the inner driver. */
typedef bool (*eth_tx_hook_fn)(void *ctx, const uint8_t *frame, size_t len);

struct eth_tx_hook {
    struct axn_eth_driver inner;
    eth_tx_hook_fn on_tx;
    void *ctx;
};

/* The driver to give the stack for `h` (h->inner, h->on_tx and h->ctx
 * set): the inner driver's capabilities, ops forwarding to it. `h`, and
 * the copy returned (the stack keeps a pointer to it), must outlive the
 * device. */
struct axn_eth_driver eth_tx_hook_driver(struct eth_tx_hook *h);

#endif /* AXN_TEST_ETH_TX_HOOK_H */

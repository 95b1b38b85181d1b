/*
 * A whole stack for the stateful fuzz targets (fuzz_eth_rx,
 * fuzz_stack_sockets): port/none (single thread, counted locks, the
 * target's own arena) on a virtual clock with deterministic random bytes,
 * one Ethernet device on a scripted driver, and the input's framing.
 *
 * The driver hands out at most one frame (fuzz_drv_state.rx) and records
 * every transmit; it traps on a breach of the driver contract (DRV-2: one
 * RX buffer lent at a time, one TX buffer at a time) and on a transmitted
 * frame that is short (ETH-17), not from fuzz_our_mac, or neither ARP nor
 * IPv4.
 */
#ifndef AXN_FUZZ_STACK_H
#define AXN_FUZZ_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/port_none.h"
#include "axnet/stack.h"

#define FUZZ_FRAME_MAX  1600u /* a little over a full frame: over-MTU RX too */
#define FUZZ_MAX_FRAMES 16u   /* frames one input is split into at most */

struct fuzz_drv {
    const uint8_t *rx; /* the frame receive() hands out next, or NULL */
    size_t rx_len;
    bool rx_lent, tx_lent;
    uint8_t tx_buf[FUZZ_FRAME_MAX];
    uint64_t tx_frames, tx_bytes;
};

extern struct fuzz_drv fuzz_drv_state;
extern const struct axn_eth_driver fuzz_eth_driver;
extern const struct axn_mac fuzz_our_mac;
/* The virtual clock port/none reads. */
extern axn_time_t fuzz_now;
/* The port, for its lock and allocation counters. */
extern struct axn_port_none fuzz_pn;

/* port/none on `arena`, the driver reset, the clock at `start`, and a
 * stack created on it. */
struct axn_stack *fuzz_stack_start(void *arena, size_t arena_len, axn_time_t start);
/* Adds the scripted device with addr/prefix; returns its ifindex. */
uint32_t fuzz_add_eth(struct axn_stack *st, axn_ip4_t addr, uint8_t prefix_len);
/* No lock error, no lock held, no bad free. */
void fuzz_check_locks(void);
/* Hands `frame` to the driver and polls once at fuzz_now: the frame is
 * taken and returned, no buffer stays lent, the lock rules hold. */
void fuzz_feed(struct axn_stack *st, const uint8_t *frame, size_t len);
/* Moves fuzz_now on by `step`, polling the stack at every deadline it
 * gives on the way (at most `max_polls` times: a stack that keeps asking
 * for a poll now cannot spin the target) and once at the end. After every
 * poll the lock rules hold, no driver buffer stays lent, and `check` (may
 * be NULL) verifies the target's own invariants. */
void fuzz_advance(struct axn_stack *st, axn_time_t step, size_t max_polls, void (*check)(void));
/* Destroys the stack: lock rules kept, nothing left in the arena. */
void fuzz_stack_finish(struct axn_stack *st);
/* Splits an input at the frame separator (at most FUZZ_MAX_FRAMES
 * pieces); returns how many. */
size_t fuzz_split_frames(const uint8_t *data, size_t size, const uint8_t **frames, size_t *lens);

#endif /* AXN_FUZZ_STACK_H */

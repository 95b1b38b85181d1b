/*
 * A test-only reordering shim between the stack and an Ethernet driver
 * (the TAP in interop tests), for "loss + reordering" runs on a kernel
 * without sch_netem: it holds back every `every`-th data-bearing TCP frame
 * of each direction and lets it go after `after` later frames of that
 * direction, so the receiving TCP sees it out of order (RFC 4737 sense:
 * later than `after` frames sent after it).
 *
 * RX (Linux -> stack): the held frame is a copy; it is released once
 * `after` frames went up, or at once when the driver has nothing more
 * (a burst's end: nothing waits on a frame that will never come).
 * TX (stack -> Linux): the held frame is a copy, its driver buffer handed
 * back unsent (abort_tx); it goes out right after the `after`-th later
 * frame, from the same TX call, so the driver sees one TX user as ever.
 * A held TX frame that no later frame follows goes out when the RX side
 * finds nothing to receive (Linux waiting for it) and the TX side is idle.
 *
 * Not in the library: it lives with the tests, wraps the driver contract
 * (axnet/driver.h) and touches no stack code.
 */
#ifndef AXN_TEST_TAP_REORDER_H
#define AXN_TEST_TAP_REORDER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/config.h"
#include "axnet/driver.h"

/* A frame at most this long is never held: headers only (ACKs, SYNs). */
#define TAP_REORDER_MIN_DATA_FRAME 90u
#define TAP_REORDER_FRAME_MAX      (AXN_GSO_MAX_SIZE + AXN_ETH_HLEN)

struct tap_reorder_dir {
    uint8_t *held; /* TAP_REORDER_FRAME_MAX bytes */
    size_t held_len;
    struct axn_offload held_ofl;
    bool holding;
    bool lent_held; /* RX: the held copy is lent to the stack */
    uint32_t seen;  /* data frames since the last one held */
    uint32_t since; /* frames since the held one */
    uint64_t reordered;
};

struct tap_reorder {
    struct axn_eth_driver inner;
    uint32_t every;
    uint32_t after;
    struct tap_reorder_dir rx, tx;
    pthread_mutex_t tx_lock; /* the TX side's calls, and flushes from RX */
    bool lock_ok;
};

/* Wraps *drv (copied inside `r`) and replaces *drv with the shim. 0 or
 * -1 (no memory). */
int tap_reorder_wrap(struct tap_reorder *r, struct axn_eth_driver *drv, uint32_t every,
                     uint32_t after);
/* Frees the copies; call once the stack is gone. */
void tap_reorder_free(struct tap_reorder *r);

#endif

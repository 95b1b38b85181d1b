/*
 * A scripted NIC driver for device-layer tests (include/axnet/driver.h).
 *
 * RX: frames queued with mock_driver_push_rx() are handed out one at a
 * time by receive(), then -AXN_EAGAIN. TX: every transmitted frame is
 * recorded, byte for byte, exactly as the stack wrote it (the mock does
 * not pad). Each op can be made to fail with a chosen errno. An optional
 * IRQ id and handler exercise IRQ registration.
 *
 * The mock checks the buffer contract (DRV-2): one RX and one TX buffer
 * lent at a time, recycle/transmit/abort only of the buffer lent. Any
 * breach is counted in `contract_violations`, which tests assert is 0.
 */
#ifndef AXN_TEST_MOCK_DRIVER_H
#define AXN_TEST_MOCK_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/driver.h"

#define MOCK_FRAME_MAX 1600
#define MOCK_RX_MAX    160
#define MOCK_TX_MAX    320

struct mock_frame {
    uint8_t data[MOCK_FRAME_MAX];
    size_t len;
};

struct mock_driver {
    struct axn_eth_driver drv; /* hand &drv to axn_eth_dev_create */
    struct axn_mac mac;

    struct mock_frame rx[MOCK_RX_MAX];
    size_t rx_head, rx_count;
    struct mock_frame tx[MOCK_TX_MAX]; /* transmitted, in order */
    size_t tx_count;

    /* Nonzero: the op fails with this (negative) errno every time. */
    int receive_err;
    int recycle_rx_err;
    int recycle_tx_err;
    int alloc_err;
    int transmit_err;

    /* IRQ: irq < 0 means none; handler available while has_handler. */
    int irq;
    bool has_handler;
    int take_handler_calls;
    uint32_t irq_events; /* what the handler returns */
    int handler_calls;
    int irq_enabled, irq_disabled;

    /* Calls, for asserting the contract was followed. */
    int receives, recycled_rx, recycle_tx_calls, allocs, aborts;
    int contract_violations;

    /* Internal: buffers currently lent out. */
    bool rx_lent, tx_lent;
    uint8_t tx_buf[MOCK_FRAME_MAX];
};

/* Resets everything; `mac` becomes the driver's address. No IRQ. */
void mock_driver_init(struct mock_driver *m, const struct axn_mac *mac);

/* Queues one frame for receive(). Returns 0 or -1 when full / too long. */
int mock_driver_push_rx(struct mock_driver *m, const uint8_t *frame, size_t len);

/* Forgets the recorded TX frames. */
void mock_driver_clear_tx(struct mock_driver *m);

#endif /* AXN_TEST_MOCK_DRIVER_H */

/* A scripted NIC driver for device-layer tests; see mock_driver.h. */
#include "mock_driver.h"

#include <string.h>

#include "axnet/errno.h"

static struct mock_driver *self(void *drv)
{
    return drv;
}

static const char *mock_name(void *drv)
{
    (void)drv;
    return "mock-net";
}

static void mock_mac(void *drv, struct axn_mac *mac)
{
    *mac = self(drv)->mac;
}

static int mock_receive(void *drv, struct axn_rx_buf *rx)
{
    struct mock_driver *m = self(drv);
    if (m->rx_lent)
        m->contract_violations++;
    if (m->receive_err)
        return m->receive_err;
    if (m->rx_count == 0)
        return -AXN_EAGAIN;
    struct mock_frame *f = &m->rx[m->rx_head];
    m->rx_head = (m->rx_head + 1) % MOCK_RX_MAX;
    m->rx_count--;
    m->receives++;
    m->rx_lent = true;
    memset(rx, 0, sizeof(*rx));
    rx->data = f->data;
    rx->len = f->len;
    rx->priv = f;
    return 0;
}

static int mock_recycle_rx(void *drv, struct axn_rx_buf *rx)
{
    struct mock_driver *m = self(drv);
    if (!m->rx_lent || rx->priv == NULL)
        m->contract_violations++;
    m->rx_lent = false;
    m->recycled_rx++;
    return m->recycle_rx_err;
}

static int mock_recycle_tx(void *drv)
{
    struct mock_driver *m = self(drv);
    m->recycle_tx_calls++;
    return m->recycle_tx_err;
}

static int mock_alloc_tx(void *drv, size_t len, struct axn_tx_buf *tx)
{
    struct mock_driver *m = self(drv);
    if (m->tx_lent)
        m->contract_violations++;
    if (m->alloc_err)
        return m->alloc_err;
    if (len > MOCK_FRAME_MAX)
        return -AXN_EINVAL;
    m->allocs++;
    m->tx_lent = true;
    memset(tx, 0, sizeof(*tx));
    memset(m->tx_buf, 0xA5, sizeof(m->tx_buf)); /* stale bytes must be overwritten */
    tx->data = m->tx_buf;
    tx->len = len;
    tx->priv = m->tx_buf;
    return 0;
}

static bool take_lent_tx(struct mock_driver *m, const struct axn_tx_buf *tx)
{
    bool ok = m->tx_lent && tx->data == m->tx_buf && tx->len <= MOCK_FRAME_MAX;
    if (!ok)
        m->contract_violations++;
    m->tx_lent = false;
    return ok;
}

static int mock_transmit(void *drv, struct axn_tx_buf *tx)
{
    struct mock_driver *m = self(drv);
    if (!take_lent_tx(m, tx))
        return -AXN_EINVAL;
    if (m->transmit_err)
        return m->transmit_err;
    if (m->tx_count < MOCK_TX_MAX) {
        memcpy(m->tx[m->tx_count].data, tx->data, tx->len);
        m->tx[m->tx_count].len = tx->len;
        m->tx_count++;
    }
    return 0;
}

static void mock_abort_tx(void *drv, struct axn_tx_buf *tx)
{
    struct mock_driver *m = self(drv);
    (void)take_lent_tx(m, tx);
    m->aborts++;
}

static int mock_irq_id(void *drv)
{
    struct mock_driver *m = self(drv);
    return m->irq >= 0 ? m->irq : -AXN_ENXIO;
}

static void mock_enable_irq(void *drv)
{
    self(drv)->irq_enabled++;
}

static void mock_disable_irq(void *drv)
{
    self(drv)->irq_disabled++;
}

static uint32_t mock_handle_irq(void *arg)
{
    struct mock_driver *m = arg;
    m->handler_calls++;
    return m->irq_events;
}

static int mock_take_irq_handler(void *drv, struct axn_irq_handler *handler)
{
    struct mock_driver *m = self(drv);
    m->take_handler_calls++;
    if (!m->has_handler)
        return -AXN_ENOENT;
    m->has_handler = false; /* moved out, once */
    handler->handle = mock_handle_irq;
    handler->arg = m;
    return 0;
}

static const struct axn_eth_driver_ops mock_ops = {
    .name = mock_name,
    .mac_address = mock_mac,
    .receive = mock_receive,
    .recycle_rx = mock_recycle_rx,
    .recycle_tx = mock_recycle_tx,
    .alloc_tx = mock_alloc_tx,
    .transmit = mock_transmit,
    .abort_tx = mock_abort_tx,
    .irq_id = mock_irq_id,
    .enable_irq = mock_enable_irq,
    .disable_irq = mock_disable_irq,
    .take_irq_handler = mock_take_irq_handler,
};

void mock_driver_init(struct mock_driver *m, const struct axn_mac *mac)
{
    memset(m, 0, sizeof(*m));
    m->drv.ops = &mock_ops;
    m->drv.drv = m;
    m->mac = *mac;
    m->irq = -1;
}

int mock_driver_push_rx(struct mock_driver *m, const uint8_t *frame, size_t len)
{
    if (m->rx_count == MOCK_RX_MAX || len > MOCK_FRAME_MAX)
        return -1;
    struct mock_frame *f = &m->rx[(m->rx_head + m->rx_count) % MOCK_RX_MAX];
    memcpy(f->data, frame, len);
    f->len = len;
    m->rx_count++;
    return 0;
}

void mock_driver_clear_tx(struct mock_driver *m)
{
    m->tx_count = 0;
}

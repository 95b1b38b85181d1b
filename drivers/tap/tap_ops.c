/*
 * The axn_eth_driver ops of the TAP driver: one read(2) per received frame,
 * one write(2) per transmitted frame, on the non-blocking tun fd.
 */
#include "tap_priv.h"
#include "tap_vnet.h"

#include "axnet/errno.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* Maps a read/write errno to the driver error classes of driver.h. Linux
 * errno values equal AXN_* ones, but only a few classes are allowed out. */
static int io_error(int err)
{
    switch (err) {
    case EAGAIN:
    case EINTR:
        return -AXN_EAGAIN;
    case EINVAL:
        return -AXN_EINVAL;
    case ENOMEM:
    case ENOBUFS:
        return -AXN_ENOMEM;
    case EBADFD: /* the interface was deleted under us */
        return -AXN_EBADFD;
    default:
        return -AXN_EIO;
    }
}

static const char *tap_name(void *drv)
{
    const struct axn_tap *tap = drv;

    return tap->name;
}

static void tap_mac_address(void *drv, struct axn_mac *mac)
{
    axn_tap_mac(drv, mac);
}

static int fill_rx(struct axn_tap *tap, size_t n, struct axn_rx_buf *rx)
{
    int err;

    memset(rx, 0, sizeof(*rx));
    /* A full buffer means the kernel had more to give: the frame is cut. */
    if (n < tap->hdr_len || n == tap->rx_cap)
        return -AXN_EIO;
    if (tap->vnet_hdr) {
        err = axn_tap_vnet_decode(tap->rx_buf, &rx->offload);
        if (err)
            return -AXN_EIO;
    }
    rx->data = tap->rx_buf + tap->hdr_len;
    rx->len = n - tap->hdr_len;
    rx->priv = tap;
    tap->rx_lent = true;
    return 0;
}

static int tap_receive(void *drv, struct axn_rx_buf *rx)
{
    struct axn_tap *tap = drv;
    ssize_t n;

    if (tap->rx_lent)
        return -AXN_EBADFD;
    n = read(tap->fd, tap->rx_buf, tap->rx_cap);
    if (n < 0)
        return io_error(errno);
    return fill_rx(tap, (size_t)n, rx);
}

static int tap_recycle_rx(void *drv, struct axn_rx_buf *rx)
{
    struct axn_tap *tap = drv;

    if (!tap->rx_lent || rx->data != tap->rx_buf + tap->hdr_len)
        return -AXN_EINVAL;
    tap->rx_lent = false;
    memset(rx, 0, sizeof(*rx));
    return 0;
}

static int tap_recycle_tx(void *drv)
{
    /* write(2) copies the frame: nothing is ever left to reclaim. */
    (void)drv;
    return 0;
}

static int tap_alloc_tx(void *drv, size_t len, struct axn_tx_buf *tx)
{
    struct axn_tap *tap = drv;

    if (len == 0 || len > tap->frame_max)
        return -AXN_EINVAL;
    if (tap->tx_lent)
        return -AXN_EAGAIN;
    memset(tx, 0, sizeof(*tx));
    tx->data = tap->tx_buf + tap->hdr_len;
    tx->len = len;
    tx->priv = tap;
    tap->tx_lent = true;
    return 0;
}

static bool offload_is_zero(const struct axn_offload *ofl)
{
    return ofl->flags == 0 && ofl->gso_type == AXN_GSO_NONE;
}

static int prepare_header(struct axn_tap *tap, const struct axn_tx_buf *tx)
{
    if (tap->vnet_hdr)
        return axn_tap_vnet_encode(&tx->offload, tx->len, tap->tx_buf);
    return offload_is_zero(&tx->offload) ? 0 : -AXN_EOPNOTSUPP;
}

/* Zero padding never changes a one's-complement sum, so it is safe even for
 * a frame whose checksum is left to Linux (NEEDS_CSUM). */
static size_t pad_frame(struct axn_tap *tap, size_t len)
{
    if (len >= AXN_ETH_ZLEN)
        return len;
    memset(tap->tx_buf + tap->hdr_len + len, 0, AXN_ETH_ZLEN - len);
    return AXN_ETH_ZLEN;
}

static int write_frame(struct axn_tap *tap, const struct axn_tx_buf *tx)
{
    size_t total = tap->hdr_len + pad_frame(tap, tx->len);
    ssize_t n = write(tap->fd, tap->tx_buf, total);

    if (n < 0)
        return io_error(errno);
    return (size_t)n == total ? 0 : -AXN_EIO;
}

static int tap_transmit(void *drv, struct axn_tx_buf *tx)
{
    struct axn_tap *tap = drv;
    int err;

    if (!tap->tx_lent || tx->data != tap->tx_buf + tap->hdr_len || tx->len > tap->frame_max)
        return -AXN_EINVAL;
    /* From here on the buffer is ours again, whatever happens. */
    tap->tx_lent = false;
    err = prepare_header(tap, tx);
    if (!err)
        err = write_frame(tap, tx);
    memset(tx, 0, sizeof(*tx));
    return err;
}

static void tap_abort_tx(void *drv, struct axn_tx_buf *tx)
{
    struct axn_tap *tap = drv;

    if (tap->tx_lent && tx->data == tap->tx_buf + tap->hdr_len)
        tap->tx_lent = false;
    memset(tx, 0, sizeof(*tx));
}

/* The IRQ is the fd on the posix port's registrar (tap_irq.c); without a
 * registrar, readiness comes from poll(2) on axn_tap_fd(). */
const struct axn_eth_driver_ops axn_tap_ops = {
    .name = tap_name,
    .mac_address = tap_mac_address,
    .receive = tap_receive,
    .recycle_rx = tap_recycle_rx,
    .recycle_tx = tap_recycle_tx,
    .alloc_tx = tap_alloc_tx,
    .transmit = tap_transmit,
    .abort_tx = tap_abort_tx,
    .irq_id = axn_tap_irq_id,
    .enable_irq = axn_tap_irq_enable,
    .disable_irq = axn_tap_irq_disable,
    .take_irq_handler = axn_tap_irq_take_handler,
};

/*
 * The scripted driver, platform and framing of the stateful fuzz targets
 * (fuzz_stack.h).
 */
#include "fuzz_stack.h"

#include <string.h>

#include "axnet/errno.h"
#include "fuzz_check.h"
#include "wire/ethernet.h"

#define FRAME_SEP     "\xf7\xa7\x5e\x9d"
#define FRAME_SEP_LEN 4u
#define RANDOM_BYTE   0x5a

struct fuzz_drv fuzz_drv_state;
axn_time_t fuzz_now;
struct axn_port_none fuzz_pn;
static struct axn_platform plat;
const struct axn_mac fuzz_our_mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0a}};

/* ---- A scripted driver: one frame to hand out, every transmit recorded --------------- */

static const char *drv_name(void *drv)
{
    (void)drv;
    return "fuzz-net";
}

static void drv_mac(void *drv, struct axn_mac *mac)
{
    (void)drv;
    *mac = fuzz_our_mac;
}

static int drv_receive(void *drv, struct axn_rx_buf *rx)
{
    struct fuzz_drv *d = drv;
    CHECK(!d->rx_lent); /* DRV-2: one RX buffer lent at a time */
    if (d->rx == NULL)
        return -AXN_EAGAIN;
    memset(rx, 0, sizeof(*rx));
    rx->data = d->rx;
    rx->len = d->rx_len;
    d->rx = NULL;
    d->rx_lent = true;
    return 0;
}

static int drv_recycle_rx(void *drv, struct axn_rx_buf *rx)
{
    struct fuzz_drv *d = drv;
    (void)rx;
    CHECK(d->rx_lent);
    d->rx_lent = false;
    return 0;
}

static int drv_recycle_tx(void *drv)
{
    (void)drv;
    return 0;
}

static int drv_alloc_tx(void *drv, size_t len, struct axn_tx_buf *tx)
{
    struct fuzz_drv *d = drv;
    CHECK(!d->tx_lent);
    if (len > sizeof(d->tx_buf))
        return -AXN_EINVAL;
    memset(tx, 0, sizeof(*tx));
    tx->data = d->tx_buf;
    tx->len = len;
    d->tx_lent = true;
    return 0;
}

/* Every frame the stack sends: at least ETH_ZLEN (ETH-17), from our MAC. */
static int drv_transmit(void *drv, struct axn_tx_buf *tx)
{
    struct fuzz_drv *d = drv;
    CHECK(d->tx_lent && tx->data == d->tx_buf && tx->len <= sizeof(d->tx_buf));
    d->tx_lent = false;
    CHECK(tx->len >= AXN_ETH_ZLEN);
    struct axn_eth eth;
    CHECK(axn_eth_parse(tx->data, tx->len, &eth) == 0);
    CHECK(axn_mac_equal(&eth.src, &fuzz_our_mac));
    CHECK(eth.ethertype == AXN_ETHERTYPE_ARP || eth.ethertype == AXN_ETHERTYPE_IPV4);
    d->tx_frames++;
    d->tx_bytes += tx->len;
    return 0;
}

static void drv_abort_tx(void *drv, struct axn_tx_buf *tx)
{
    struct fuzz_drv *d = drv;
    (void)tx;
    CHECK(d->tx_lent);
    d->tx_lent = false;
}

static const struct axn_eth_driver_ops drv_ops = {
    .name = drv_name,
    .mac_address = drv_mac,
    .receive = drv_receive,
    .recycle_rx = drv_recycle_rx,
    .recycle_tx = drv_recycle_tx,
    .alloc_tx = drv_alloc_tx,
    .transmit = drv_transmit,
    .abort_tx = drv_abort_tx,
};

const struct axn_eth_driver fuzz_eth_driver = {.ops = &drv_ops, .drv = &fuzz_drv_state};

/* ---- Platform ---------------------------------------------------------------------------- */

static axn_time_t hook_now(void *ctx)
{
    (void)ctx;
    return fuzz_now;
}

/* Deterministic bytes, so that every input replays exactly. */
static int hook_random(void *ctx, void *buf, size_t len)
{
    (void)ctx;
    memset(buf, RANDOM_BYTE, len);
    return 0;
}

void fuzz_check_locks(void)
{
    const struct axn_port_none *pn = &fuzz_pn;
    CHECK(pn->lock_errors == 0 && pn->spin_held == 0 && pn->mutex_held == 0);
    CHECK(pn->bad_frees == 0);
}

/* ---- The stack ------------------------------------------------------------------------------ */

struct axn_stack *fuzz_stack_start(void *arena, size_t arena_len, axn_time_t start)
{
    const struct axn_port_none_hooks hooks = {.now = hook_now, .random = hook_random};
    CHECK(axn_port_none_init(&fuzz_pn, &plat, arena, arena_len, &hooks) == 0);
    memset(&fuzz_drv_state, 0, sizeof(fuzz_drv_state));
    fuzz_now = start;
    struct axn_stack *st;
    CHECK(axn_stack_create(&plat, &st) == 0);
    return st;
}

uint32_t fuzz_add_eth(struct axn_stack *st, axn_ip4_t addr, uint8_t prefix_len)
{
    struct axn_device_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.addr = addr;
    cfg.prefix_len = prefix_len;
    uint32_t ifindex;
    CHECK(axn_stack_add_device(st, &fuzz_eth_driver, &cfg, fuzz_now, &ifindex) == 0);
    return ifindex;
}

void fuzz_feed(struct axn_stack *st, const uint8_t *frame, size_t len)
{
    struct fuzz_drv *d = &fuzz_drv_state;
    d->rx = frame;
    d->rx_len = len;
    axn_stack_poll(st, fuzz_now);
    CHECK(d->rx == NULL && !d->rx_lent && !d->tx_lent);
    fuzz_check_locks();
}

void fuzz_stack_finish(struct axn_stack *st)
{
    axn_stack_destroy(st);
    fuzz_check_locks();
    CHECK(fuzz_pn.blocks_in_use == 0 && fuzz_pn.arena_used == 0);
}

/* ---- Framing ------------------------------------------------------------------------------ */

size_t fuzz_split_frames(const uint8_t *data, size_t size, const uint8_t **frames, size_t *lens)
{
    size_t n = 0;
    size_t start = 0;
    for (size_t i = 0; n + 1 < FUZZ_MAX_FRAMES && i + FRAME_SEP_LEN <= size; i++) {
        if (memcmp(data + i, FRAME_SEP, FRAME_SEP_LEN) != 0)
            continue;
        frames[n] = data + start;
        lens[n++] = i - start;
        start = i + FRAME_SEP_LEN;
        i = start - 1;
    }
    frames[n] = data + start;
    lens[n++] = size - start;
    return n;
}

static void after_poll(void (*check)(void))
{
    fuzz_check_locks();
    CHECK(!fuzz_drv_state.tx_lent && !fuzz_drv_state.rx_lent);
    if (check)
        check();
}

void fuzz_advance(struct axn_stack *st, axn_time_t step, size_t max_polls, void (*check)(void))
{
    const axn_time_t target = fuzz_now + step;
    for (size_t i = 0; i < max_polls; i++) {
        const axn_time_t next = axn_stack_poll(st, fuzz_now);
        after_poll(check);
        if (next == AXN_TIME_NEVER || next > target)
            break;
        if (next > fuzz_now)
            fuzz_now = next;
        else if (!axn_stack_poll_pending(st))
            break;
    }
    fuzz_now = target;
    axn_stack_poll(st, fuzz_now);
    after_poll(check);
}

/* A fake axn_netdev for router, stack and worker tests (fake_netdev.h). */
#include "fake_netdev.h"

#include <assert.h>
#include <string.h>

#include "ctl/ctl.h"
#include "wire/ethernet.h"
#include "wire/ipv4.h"

#define FAKE_TTL      64
#define FAKE_PROTOCOL 253 /* RFC 3692 experimental: no transport claims it */

static struct fake_netdev *fake_of(const struct axn_netdev *dev)
{
    return (struct fake_netdev *)(void *)dev;
}

static int fake_recv(struct axn_netdev *dev, uint8_t *out, size_t cap, struct axn_rx_meta *meta,
                     axn_time_t now)
{
    (void)now;
    struct fake_netdev *f = fake_of(dev);
    atomic_fetch_add(&f->recv_calls, 1);
    pthread_mutex_lock(&f->lock);
    if (f->rx_count == 0) {
        pthread_mutex_unlock(&f->lock);
        if (f->on_empty)
            f->on_empty(f, f->on_empty_ctx);
        return 0;
    }
    const struct fake_rx_pkt *p = &f->rx[f->rx_head];
    size_t len = p->len;
    /* Like a real device: a packet that does not fit is not written. */
    if (len <= cap)
        memcpy(out, p->data, len);
    meta->ifindex = dev->ifindex;
    meta->ethertype = AXN_ETHERTYPE_IPV4;
    meta->frame_len = p->frame_len;
    meta->offload = 0;
    f->rx_head = (f->rx_head + 1) % FAKE_NETDEV_RX_MAX;
    f->rx_count--;
    pthread_mutex_unlock(&f->lock);
    atomic_fetch_add(&f->rx_served, 1);
    return (int)len;
}

static int fake_send(struct axn_netdev *dev, axn_ip4_t next_hop, const uint8_t *pkt, size_t len,
                     axn_time_t now)
{
    (void)now;
    struct fake_netdev *f = fake_of(dev);
    pthread_mutex_lock(&f->lock);
    size_t i = atomic_load(&f->n_sent);
    if (i < FAKE_NETDEV_SENT_MAX) {
        assert(len <= FAKE_NETDEV_PKT_MAX);
        memcpy(f->sent[i].data, pkt, len);
        f->sent[i].len = len;
        f->sent[i].next_hop = next_hop;
    }
    atomic_store(&f->n_sent, i + 1);
    int result = f->send_result;
    pthread_mutex_unlock(&f->lock);
    return result == FAKE_SEND_FRAME_LEN ? (int)(len + FAKE_ETH_HLEN) : result;
}

/* Like an ARP timer: once due, it fires and is gone. */
static void fake_tick(struct axn_netdev *dev, axn_time_t now)
{
    struct fake_netdev *f = fake_of(dev);
    atomic_fetch_add(&f->tick_calls, 1);
    if (now >= f->deadline)
        f->deadline = AXN_TIME_NEVER;
}

static axn_time_t fake_next_deadline(const struct axn_netdev *dev)
{
    return fake_of(dev)->deadline;
}

static bool fake_has_wake_source(const struct axn_netdev *dev)
{
    return fake_of(dev)->wake_source;
}

static void fake_destroy(struct axn_netdev *dev)
{
    atomic_store(&fake_of(dev)->destroyed, true);
}

static const struct axn_netdev_ops fake_ops = {
    .recv = fake_recv,
    .send = fake_send,
    .tick = fake_tick,
    .next_deadline = fake_next_deadline,
    .has_wake_source = fake_has_wake_source,
    .destroy = fake_destroy,
};

void fake_netdev_init(struct fake_netdev *f, const struct axn_platform *plat, uint32_t ifindex,
                      const char *name, enum axn_iface_kind kind)
{
    memset(f, 0, sizeof(*f));
    pthread_mutex_init(&f->lock, NULL);
    f->base.ops = &fake_ops;
    f->base.ifindex = ifindex;
    strncpy(f->base.name, name, sizeof(f->base.name) - 1);
    f->base.kind = kind;
    f->base.plat = plat;
    f->deadline = AXN_TIME_NEVER;
    f->send_result = FAKE_SEND_FRAME_LEN;
}

void fake_netdev_fini(struct fake_netdev *f)
{
    pthread_mutex_destroy(&f->lock);
}

int fake_netdev_inject(struct fake_netdev *f, const uint8_t *pkt, size_t len, uint32_t frame_len)
{
    assert(len <= FAKE_NETDEV_PKT_MAX);
    pthread_mutex_lock(&f->lock);
    if (f->rx_count == FAKE_NETDEV_RX_MAX) {
        pthread_mutex_unlock(&f->lock);
        return -1;
    }
    struct fake_rx_pkt *p = &f->rx[(f->rx_head + f->rx_count) % FAKE_NETDEV_RX_MAX];
    memcpy(p->data, pkt, len);
    p->len = len;
    p->frame_len = frame_len;
    f->rx_count++;
    pthread_mutex_unlock(&f->lock);
    return 0;
}

size_t fake_netdev_rx_pending(struct fake_netdev *f)
{
    pthread_mutex_lock(&f->lock);
    size_t n = f->rx_count;
    pthread_mutex_unlock(&f->lock);
    return n;
}

size_t fake_build_ipv4(uint8_t *buf, size_t cap, axn_ip4_t src, axn_ip4_t dst, size_t payload_len,
                       uint8_t fill)
{
    assert(cap >= AXN_IPV4_HDR_MIN + payload_len);
    memset(buf + AXN_IPV4_HDR_MIN, fill, payload_len);
    const struct axn_ipv4 ip = {
        .ttl = FAKE_TTL,
        .protocol = FAKE_PROTOCOL,
        .src = src,
        .dst = dst,
        .payload = buf + AXN_IPV4_HDR_MIN,
        .payload_len = payload_len,
    };
    int n = axn_ipv4_emit(&ip, buf, cap);
    assert(n > 0);
    return (size_t)n;
}

int fake_ctl_add_iface(struct axn_ctl *c, const char *name, uint32_t ifindex, axn_ip4_t addr,
                       uint8_t prefix_len, axn_ip4_t gw)
{
    struct axn_iface_info info = {
        .ifindex = ifindex,
        .kind = AXN_IFACE_ETHERNET,
        .mtu = AXN_ETH_MTU,
        .flags = AXN_IFF_UP | AXN_IFF_RUNNING | AXN_IFF_BROADCAST,
        .metric = AXN_DEFAULT_ETH_METRIC,
    };
    strncpy(info.name, name, sizeof(info.name) - 1);
    int err = axn_ctl_iface_add(c, &info, NULL);
    if (err)
        return err;
    const struct axn_ctl_commit commit = {
        .ifindex = ifindex,
        .has_addr = true,
        .addr = addr,
        .prefix_len = prefix_len,
        .gateway = gw,
    };
    return axn_ctl_commit(c, &commit);
}

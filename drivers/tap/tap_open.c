/*
 * Opening, configuring and closing a TAP device, and the accessors and
 * link helpers of include/axnet/hosted/tap.h.
 */
#include "tap_priv.h"
#include "tap_vnet.h"

#include "axnet/config.h"
#include "axnet/errno.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#define TUN_DEVICE_PATH "/dev/net/tun"

/* What we let Linux hand us, and accept from us, in offload mode. */
#define TAP_OFFLOADS      (TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6)
#define TAP_OFFLOADS_CSUM TUN_F_CSUM
#define TAP_CSUM_CAPS     (AXN_DRV_CAP_TX_CSUM | AXN_DRV_CAP_RX_CSUM)

#define TAP_OFFLOAD_CAPS                                                                           \
    (AXN_DRV_CAP_TX_CSUM | AXN_DRV_CAP_TSO4 | AXN_DRV_CAP_TSO6 | AXN_DRV_CAP_RX_CSUM |             \
     AXN_DRV_CAP_LRO)

/* First-octet bits of a MAC address (IEEE 802: I/G and U/L bits). */
#define MAC_GROUP_BIT 0x01u
#define MAC_LOCAL_BIT 0x02u

/* Linux errno values are the AXN_* ones (errno.h), so they pass through. */
static int neg_errno(void)
{
    return errno ? -errno : -AXN_EIO;
}

static int random_mac(struct axn_mac *mac)
{
    ssize_t n = getrandom(mac->b, sizeof(mac->b), 0);

    if (n != (ssize_t)sizeof(mac->b))
        return n < 0 ? neg_errno() : -AXN_EIO;
    /* Unicast, locally administered: never collides with a vendor's. */
    mac->b[0] = (uint8_t)((mac->b[0] & ~MAC_GROUP_BIT) | MAC_LOCAL_BIT);
    return 0;
}

static int set_iff(struct axn_tap *tap, const char *name)
{
    struct ifreq ifr;

    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (tap->vnet_hdr ? IFF_VNET_HDR : 0);
    if (name) {
        if (strlen(name) >= sizeof(ifr.ifr_name))
            return -AXN_EINVAL;
        memcpy(ifr.ifr_name, name, strlen(name));
    }
    if (ioctl(tap->fd, TUNSETIFF, &ifr) < 0)
        return neg_errno();
    memcpy(tap->name, ifr.ifr_name, sizeof(tap->name));
    tap->name[sizeof(tap->name) - 1] = '\0';
    return 0;
}

static int set_vnet(struct axn_tap *tap)
{
    int hdr_sz = AXN_TAP_VNET_HDR_LEN;
    int little_endian = 1;

    if (ioctl(tap->fd, TUNSETVNETHDRSZ, &hdr_sz) < 0)
        return neg_errno();
    if (ioctl(tap->fd, TUNSETVNETLE, &little_endian) < 0)
        return neg_errno();
    /* TUNSETOFFLOAD takes its flags by value, not through a pointer. */
    const unsigned long ofl = tap->csum_only ? TAP_OFFLOADS_CSUM : TAP_OFFLOADS;
    if (ioctl(tap->fd, TUNSETOFFLOAD, ofl) < 0)
        return neg_errno();
    return 0;
}

static int configure(struct axn_tap *tap, const struct axn_tap_config *cfg)
{
    int err = set_iff(tap, cfg->name && cfg->name[0] ? cfg->name : NULL);

    if (!err && cfg->unpersist && ioctl(tap->fd, TUNSETPERSIST, 0UL) < 0)
        err = neg_errno();
    if (!err && tap->vnet_hdr)
        err = set_vnet(tap);
    if (err)
        return err;
    if (cfg->mac) {
        tap->mac = *cfg->mac;
        return 0;
    }
    return random_mac(&tap->mac);
}

static int alloc_buffers(struct axn_tap *tap)
{
    if (tap->vnet_hdr) {
        tap->hdr_len = AXN_TAP_VNET_HDR_LEN;
        tap->frame_max = tap->csum_only ? (size_t)tap->mtu + AXN_ETH_HLEN
                                        : (size_t)AXN_GSO_MAX_SIZE + AXN_ETH_HLEN;
    } else {
        tap->hdr_len = 0;
        tap->frame_max = (size_t)tap->mtu + AXN_ETH_HLEN;
    }
    tap->rx_cap = tap->hdr_len + tap->frame_max + 1;
    tap->tx_cap = tap->hdr_len + tap->frame_max;
    tap->rx_buf = malloc(tap->rx_cap);
    tap->tx_buf = malloc(tap->tx_cap);
    return tap->rx_buf && tap->tx_buf ? 0 : -AXN_ENOMEM;
}

int axn_tap_open(struct axn_tap **out, const struct axn_tap_config *cfg)
{
    static const struct axn_tap_config defaults;
    struct axn_tap *tap;
    int err;

    *out = NULL;
    if (!cfg)
        cfg = &defaults;
    tap = calloc(1, sizeof(*tap));
    if (!tap)
        return -AXN_ENOMEM;
    atomic_init(&tap->irq_enabled, false);
    atomic_init(&tap->irq_handler_taken, false);
    atomic_init(&tap->irq_rx_ready, 0);
    tap->mtu = cfg->mtu ? cfg->mtu : AXN_ETH_MTU;
    tap->vnet_hdr = cfg->vnet_hdr;
    tap->csum_only = cfg->vnet_hdr && cfg->csum_only;
    tap->fd = open(TUN_DEVICE_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    err = tap->fd < 0 ? neg_errno() : configure(tap, cfg);
    if (!err)
        err = alloc_buffers(tap);
    if (err) {
        axn_tap_close(tap);
        return err;
    }
    *out = tap;
    return 0;
}

void axn_tap_close(struct axn_tap *tap)
{
    if (!tap)
        return;
    if (tap->fd >= 0)
        close(tap->fd);
    free(tap->rx_buf);
    free(tap->tx_buf);
    free(tap);
}

void axn_tap_driver(struct axn_tap *tap, struct axn_eth_driver *drv)
{
    memset(drv, 0, sizeof(*drv));
    drv->ops = &axn_tap_ops;
    drv->drv = tap;
    drv->mtu = tap->mtu;
    if (tap->csum_only) {
        drv->caps = TAP_CSUM_CAPS;
    } else if (tap->vnet_hdr) {
        drv->caps = TAP_OFFLOAD_CAPS;
        drv->gso_max_size = AXN_GSO_MAX_SIZE;
    }
}

int axn_tap_fd(const struct axn_tap *tap)
{
    return tap->fd;
}

const char *axn_tap_name(const struct axn_tap *tap)
{
    return tap->name;
}

void axn_tap_mac(const struct axn_tap *tap, struct axn_mac *mac)
{
    *mac = tap->mac;
}

int axn_tap_peer_mac(const struct axn_tap *tap, struct axn_mac *mac)
{
    struct ifreq ifr;

    memset(&ifr, 0, sizeof(ifr));
    if (ioctl(tap->fd, SIOCGIFHWADDR, &ifr) < 0)
        return neg_errno();
    memcpy(mac->b, ifr.ifr_hwaddr.sa_data, sizeof(mac->b));
    return 0;
}

/* Runs one SIOCSIF* request on the interface through a throwaway socket of
 * the calling thread's namespace (interface ioctls need some socket). */
static int if_ioctl(const struct axn_tap *tap, unsigned long req, struct ifreq *ifr)
{
    int sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int err = 0;

    if (sock < 0)
        return neg_errno();
    memcpy(ifr->ifr_name, tap->name, sizeof(ifr->ifr_name));
    if (ioctl(sock, req, ifr) < 0)
        err = neg_errno();
    close(sock);
    return err;
}

int axn_tap_set_up(struct axn_tap *tap)
{
    struct ifreq ifr;
    int err;

    memset(&ifr, 0, sizeof(ifr));
    err = if_ioctl(tap, SIOCGIFFLAGS, &ifr);
    if (err)
        return err;
    ifr.ifr_flags = (short)(ifr.ifr_flags | IFF_UP);
    return if_ioctl(tap, SIOCSIFFLAGS, &ifr);
}

int axn_tap_set_mtu(struct axn_tap *tap, uint16_t mtu)
{
    struct ifreq ifr;

    if (mtu == 0 || (size_t)mtu + AXN_ETH_HLEN > tap->frame_max)
        return -AXN_EINVAL;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_mtu = mtu;
    return if_ioctl(tap, SIOCSIFMTU, &ifr);
}

/*
 * lwIP on a TAP device with an Ethernet netif of our own; lwip_tapif.h
 * says why each piece is the way it is.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* dlmopen, dladdr1 */
#endif
#include "lwip_tapif.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define NIF_NAME    "lt" /* lwIP numbers the first netif 0: "lt0" */
#define NIF_FIND    "lt0"
#define TUN_DEV     "/dev/net/tun"
#define ETH_HDR     14u
#define FRAME_MAX   (LWIP_TAP_MTU + ETH_HDR)
#define RX_BURST    64u /* frames read per poll before the timers run */
#define PREFIX_BITS 32u

static void die(const char *what, const char *why)
{
    fprintf(stderr, "bench_lwip_tap: %s: %s\n", what, why);
    exit(1);
}

static void *sym(struct lwip_tap *t, const char *name)
{
    void *p = dlsym(t->handle, name);
    if (!p)
        die(name, dlerror());
    return p;
}

/* A memp descriptor's size (a bare u16 with MEMP_MEM_MALLOC; lwip_inst.c
 * says why the symbol's size is checked too). */
static void check_size(struct lwip_tap *t, const char *name, size_t ours)
{
    const uint16_t *d = sym(t, name);
    Dl_info info;
    const ElfW(Sym) *es = NULL;
    if (!dladdr1(d, &info, (void **)&es, RTLD_DL_SYMENT) || !es || es->st_size != sizeof(*d))
        die(name, "not a bare u16 size: the library's memp layout is not the headers'");
    if (*d != LWIP_MEM_ALIGN_SIZE(ours))
        die(name, "the library's size differs from the installed headers'");
}

static void load(struct lwip_tap *t)
{
    t->handle = dlmopen(LM_ID_NEWLM, LWIP_TAP_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!t->handle)
        die("dlmopen " LWIP_TAP_SONAME, dlerror());
#define LWIP_TAP_FN_LOAD(n) t->n = (__typeof__(n) *)sym(t, #n);
    LWIP_TAP_FNS(LWIP_TAP_FN_LOAD)
#undef LWIP_TAP_FN_LOAD
    check_size(t, "memp_TCP_PCB", sizeof(struct tcp_pcb));
    check_size(t, "memp_PBUF", sizeof(struct pbuf));
}

static int tap_open(const char *ifname)
{
    const int fd = open(TUN_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        die(TUN_DEV, strerror(errno));
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (strlen(ifname) >= sizeof(ifr.ifr_name))
        die(ifname, "name too long");
    memcpy(ifr.ifr_name, ifname, strlen(ifname));
    if (ioctl(fd, TUNSETIFF, &ifr) != 0)
        die(ifname, strerror(errno));
    return fd;
}

/* linkoutput: one Ethernet frame to the TAP (flattened if chained). */
static err_t nif_linkoutput(struct netif *n, struct pbuf *p)
{
    struct lwip_tap *t = n->state;
    static uint8_t flat[FRAME_MAX];
    const void *buf = p->payload;
    if (p->next) {
        if (p->tot_len > sizeof(flat))
            return ERR_BUF;
        buf = flat;
        t->pbuf_copy_partial(p, flat, p->tot_len, 0);
    }
    if (write(t->fd, buf, p->tot_len) != (ssize_t)p->tot_len) {
        t->tx_errors++;
        return ERR_IF;
    }
    t->tx_frames++;
    return ERR_OK;
}

/* IPv6 is compiled in but unused: nothing of the benchmark sends it. */
static err_t nif_output_ip6(struct netif *n, struct pbuf *p, const ip6_addr_t *a)
{
    (void)n, (void)p, (void)a;
    return ERR_OK;
}

static err_t nif_init(struct netif *n)
{
    struct lwip_tap *t = n->state;
    n->name[0] = NIF_NAME[0];
    n->name[1] = NIF_NAME[1];
    n->mtu = LWIP_TAP_MTU;
    n->output = t->etharp_output;
    n->output_ip6 = nif_output_ip6;
    n->linkoutput = nif_linkoutput;
    n->hwaddr_len = LWIP_TAP_MAC_LEN;
    memcpy(n->hwaddr, t->mac, LWIP_TAP_MAC_LEN);
    n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    return ERR_OK;
}

static void add_netif(struct lwip_tap *t, uint32_t addr, unsigned prefix,
                      const uint8_t mac[LWIP_TAP_MAC_LEN])
{
    ip4_addr_t a, m, g;
    const uint32_t mask = prefix ? ~0u << (PREFIX_BITS - prefix) : 0;
    ip4_addr_set_u32(&a, htonl(addr));
    ip4_addr_set_u32(&m, htonl(mask));
    ip4_addr_set_zero(&g);
    memset(t->nif.guard, LWIP_TAP_GUARD_B, sizeof(t->nif.guard));
    memcpy(t->mac, mac, LWIP_TAP_MAC_LEN);
    if (!t->netif_add(&t->nif.n, &a, &m, &g, t, nif_init, t->ethernet_input))
        die("netif_add", "failed");
    t->netif_set_default(&t->nif.n);
    t->netif_set_up(&t->nif.n);
    t->netif_set_link_up(&t->nif.n);
    for (size_t i = 0; i < sizeof(t->nif.guard); i++)
        if (t->nif.guard[i] != LWIP_TAP_GUARD_B)
            die("struct netif", "the library wrote past the headers' struct netif");
    if (t->netif_find(NIF_FIND) != &t->nif.n)
        die("struct netif", "netif_find does not see the fields where the headers put them");
}

void lwip_tap_open(struct lwip_tap *t, const char *ifname, uint32_t addr, unsigned prefix,
                   const uint8_t mac[LWIP_TAP_MAC_LEN])
{
    memset(t, 0, sizeof(*t));
    if (prefix > PREFIX_BITS)
        die("prefix", "more than 32 bits");
    load(t);
    t->fd = tap_open(ifname);
    t->lwip_init();
    add_netif(t, addr, prefix, mac);
}

/* Reads one frame into the spare pbuf and hands it to ethernet_input;
 * false when none was queued. The spare outlives an empty read, so
 * polling an idle TAP allocates nothing (and a callgrind count does not
 * depend on how often the loop finds the TAP empty). */
static bool rx_one(struct lwip_tap *t)
{
    if (!t->spare)
        t->spare = t->pbuf_alloc(PBUF_RAW, FRAME_MAX, PBUF_RAM);
    if (!t->spare)
        die("pbuf_alloc", "out of memory");
    const ssize_t n = read(t->fd, t->spare->payload, FRAME_MAX);
    if (n <= 0) {
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            die("read TAP", strerror(errno));
        return false;
    }
    struct pbuf *p = t->spare;
    t->spare = NULL;
    t->pbuf_realloc(p, (u16_t)n);
    t->rx_frames++;
    if (t->nif.n.input(p, &t->nif.n) != ERR_OK)
        t->pbuf_free(p);
    return true;
}

void lwip_tap_poll(struct lwip_tap *t, int timeout_ms)
{
    struct pollfd pfd = {.fd = t->fd, .events = POLLIN};
    if (poll(&pfd, 1, timeout_ms) > 0)
        for (unsigned i = 0; i < RX_BURST && rx_one(t); i++)
            ;
    t->sys_check_timeouts();
}

void lwip_tap_close(struct lwip_tap *t)
{
    if (t->spare)
        t->pbuf_free(t->spare);
    t->spare = NULL;
    if (t->fd >= 0)
        close(t->fd);
    t->fd = -1;
}

/*
 * One lwIP 2.1.3 instance (Debian's liblwip0, dlmopen()ed as in
 * lwip_inst.h) on a Linux TAP device, with an Ethernet netif of the
 * harness's own. Debian's packaged contrib `tapif` is not used: it was
 * compiled with other options than the installed headers (its TCP_MSS
 * differs) and overflows the heap on received frames.
 *
 * The netif: etharp_output for IPv4 (ARP answers and resolves through
 * lwIP's own etharp), ethernet_input as the input function, linkoutput
 * writes the frame to the TAP fd (a chained pbuf is first flattened);
 * IPv6 output is dropped (nothing of the benchmark uses it). Receiving
 * reads each frame straight into a PBUF_RAM pbuf (one copy, the kernel's;
 * the pbuf is allocated before the read and kept when the read finds
 * nothing) and hands it to ethernet_input. One thread does everything: the raw
 * (callback) API, the TAP and the timers (sys_check_timeouts), as in
 * lwip_inst.h (no tcpip thread; lwip_init only).
 *
 * Layout checks, before anything runs: the library's memp_TCP_PCB and
 * memp_PBUF descriptors must hold our headers' sizes, and a guard after
 * our struct netif must survive netif_add/netif_set_up, which must be
 * found by netif_find().
 */
#ifndef AXN_BENCH_LWIP_TAPIF_H
#define AXN_BENCH_LWIP_TAPIF_H

#include <stdint.h>

#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/ip.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#define LWIP_TAP_SONAME  "liblwip.so.0"
#define LWIP_TAP_MTU     1500u
#define LWIP_TAP_GUARD   256u /* bytes after struct netif that lwIP must not write */
#define LWIP_TAP_GUARD_B 0xa5u
#define LWIP_TAP_MAC_LEN 6u

/* The lwIP functions the TAP harness calls, resolved with dlsym. */
#define LWIP_TAP_FNS(X)                                                                            \
    X(lwip_init)                                                                                   \
    X(netif_add)                                                                                   \
    X(netif_find)                                                                                  \
    X(netif_set_default)                                                                           \
    X(netif_set_up)                                                                                \
    X(netif_set_link_up)                                                                           \
    X(ethernet_input)                                                                              \
    X(etharp_output)                                                                               \
    X(pbuf_alloc)                                                                                  \
    X(pbuf_realloc)                                                                                \
    X(pbuf_copy_partial)                                                                           \
    X(pbuf_free)                                                                                   \
    X(tcp_new)                                                                                     \
    X(tcp_arg)                                                                                     \
    X(tcp_bind)                                                                                    \
    X(tcp_listen_with_backlog)                                                                     \
    X(tcp_accept)                                                                                  \
    X(tcp_recv)                                                                                    \
    X(tcp_err)                                                                                     \
    X(tcp_write)                                                                                   \
    X(tcp_output)                                                                                  \
    X(tcp_recved)                                                                                  \
    X(tcp_close)                                                                                   \
    X(sys_check_timeouts)

struct lwip_tap {
    void *handle;
#define LWIP_TAP_FN_FIELD(n) __typeof__(n) *n;
    LWIP_TAP_FNS(LWIP_TAP_FN_FIELD)
#undef LWIP_TAP_FN_FIELD
    int fd;
    uint8_t mac[LWIP_TAP_MAC_LEN];
    struct pbuf *spare; /* the next frame's buffer, kept across empty reads */
    uint64_t rx_frames, tx_frames, tx_errors;
    struct {
        struct netif n;
        uint8_t guard[LWIP_TAP_GUARD];
    } nif;
};

/* Loads the library, opens TAP `ifname` (it must exist or be creatable:
 * root), adds the netif at addr/prefix (host byte order) with `mac`, up.
 * Exits with one line on failure. */
void lwip_tap_open(struct lwip_tap *t, const char *ifname, uint32_t addr, unsigned prefix,
                   const uint8_t mac[LWIP_TAP_MAC_LEN]);
/* Waits up to timeout_ms for frames, feeds every frame queued on the TAP
 * to lwIP, then runs its due timers. */
void lwip_tap_poll(struct lwip_tap *t, int timeout_ms);
void lwip_tap_close(struct lwip_tap *t);

#endif /* AXN_BENCH_LWIP_TAPIF_H */

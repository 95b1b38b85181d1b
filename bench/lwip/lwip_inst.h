/*
 * lwIP as a benchmark peer: one independent lwIP instance per dlmopen()
 * namespace, joined to another by an in-memory IP-level wire.
 *
 * Debian's liblwip0 (2.1.3, package liblwip-dev) keeps its whole state in
 * globals (pcb lists, netif list, timers), so two stacks in one process
 * need two copies of the library: dlmopen(LM_ID_NEWLM, "liblwip.so.0")
 * loads each copy, with its own libc, in a fresh link-map namespace, and
 * every function is resolved per instance with dlsym() into the table
 * below. The harness never links liblwip itself.
 *
 * How Debian built it (/usr/include/lwip/lwipopts.h, the GNU Hurd's port
 * options, and contrib/ports/unix for sys_arch): NO_SYS=0 with
 * LWIP_TCPIP_CORE_LOCKING, MEM_LIBC_MALLOC and MEMP_MEM_MALLOC (every
 * pbuf, pcb and segment is a malloc() of that namespace's libc),
 * TCP_MSS 1460, TCP_WND 0xFFFF with window scaling (shift 1),
 * TCP_SND_BUF = TCP_WND, LWIP_CHECKSUM_ON_COPY, software checksums,
 * LWIP_NETIF_TX_SINGLE_PBUF. We call lwip_init() and never tcpip_init():
 * no tcpip_thread exists, so the raw (callback) API is called from our
 * one thread, which is then the only thread in lwIP, and the unix port's
 * sys_check_core_locking() accepts every call (it only checks once a
 * tcpip thread has been marked). Timers run when we call
 * sys_check_timeouts(); sys_now() is the library's own (CLOCK_MONOTONIC):
 * lwIP has no fake clock.
 *
 * Layouts. The harness compiles against the installed headers, which
 * carry the lwipopts.h the library was built with, and touches only
 * struct netif (the init callback must set output and mtu), struct pbuf
 * (tot_len) and struct tcp_pcb (tcp_sndbuf(): snd_buf). lwip_inst_open()
 * checks them against the library before anything runs: the library's
 * memp_TCP_PCB, memp_TCP_SEG and memp_PBUF descriptors hold the sizes it
 * was compiled with (with MEMP_MEM_MALLOC a descriptor is just that
 * size), a struct netif is followed by a guard that netif_add() and
 * netif_set_up() must not touch and must be found by netif_find(), and a
 * fresh pcb must show TCP_SND_BUF and TCP_WND in the fields we read.
 *
 * The wire: netif->output (IPv4, no Ethernet, no ARP) copies the packet
 * into a frame buffer (one copy, as a NIC's TX DMA) and queues it for the
 * peer; lwip_wire_deliver() hands queued frames, from the main loop and
 * never recursively, to the peer's ip_input() as PBUF_REF custom pbufs
 * whose free callback returns the frame to the pool (no copy on receive,
 * as an RX ring). MTU 1500.
 */
#ifndef AXN_BENCH_LWIP_INST_H
#define AXN_BENCH_LWIP_INST_H

#include <stdbool.h>
#include <stdint.h>

#include "lwip/init.h"
#include "lwip/ip.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"

#define LWIP_SONAME  "liblwip.so.0"
#define LWIP_MTU     1500u
#define LWIP_PREFIX  24u
#define LWIP_GUARD   256u /* bytes after struct netif that lwIP must not write */
#define LWIP_GUARD_B 0xa5u

/* The lwIP functions the harnesses call, resolved per instance: TCP's raw
 * API (bench_lwip_mem, bench_lwip_rr: tcp_abort is its RST close), UDP's
 * (bench_lwip_udp: udp_send of a pbuf_alloc'ed, pbuf_take-filled pbuf). */
#define LWIP_FNS(X)                                                                                \
    X(lwip_init)                                                                                   \
    X(netif_add)                                                                                   \
    X(netif_find)                                                                                  \
    X(netif_set_up)                                                                                \
    X(netif_set_link_up)                                                                           \
    X(ip_input)                                                                                    \
    X(pbuf_alloced_custom)                                                                         \
    X(pbuf_copy_partial)                                                                           \
    X(pbuf_free)                                                                                   \
    X(tcp_new)                                                                                     \
    X(tcp_arg)                                                                                     \
    X(tcp_bind)                                                                                    \
    X(tcp_listen_with_backlog)                                                                     \
    X(tcp_accept)                                                                                  \
    X(tcp_connect)                                                                                 \
    X(tcp_recv)                                                                                    \
    X(tcp_err)                                                                                     \
    X(tcp_write)                                                                                   \
    X(tcp_output)                                                                                  \
    X(tcp_recved)                                                                                  \
    X(tcp_shutdown)                                                                                \
    X(tcp_close)                                                                                   \
    X(tcp_abort)                                                                                   \
    X(pbuf_alloc)                                                                                  \
    X(pbuf_take)                                                                                   \
    X(udp_new)                                                                                     \
    X(udp_bind)                                                                                    \
    X(udp_connect)                                                                                 \
    X(udp_send)                                                                                    \
    X(udp_recv)                                                                                    \
    X(udp_remove)                                                                                  \
    X(sys_check_timeouts)

struct lwip_frame {
    struct pbuf_custom pc; /* the RX pbuf lent to the receiving instance */
    struct lwip_wire *wire;
    struct lwip_frame *next;
    uint16_t len;
    uint8_t data[LWIP_MTU];
};

struct lwip_inst {
    void *handle;
#define LWIP_FN_FIELD(n) __typeof__(n) *n;
    LWIP_FNS(LWIP_FN_FIELD)
#undef LWIP_FN_FIELD
    struct lwip_wire *wire;
    unsigned idx;
    struct lwip_frame *rx_head, *rx_tail; /* frames sent to this instance */
    struct {
        struct netif n;
        uint8_t guard[LWIP_GUARD];
    } nif;
};

/* Two instances on one wire; A at 192.0.2.10, B at 192.0.2.20. */
struct lwip_wire {
    struct lwip_inst inst[2];
    struct lwip_frame *free_frames;
    uint64_t frames_moved, frames_allocated;
};

/* What the library was built with: snd_buf and rcv_wnd from a fresh pcb
 * of instance 0, the memp sizes from its descriptors; the harness fills
 * mss and rcv_scale from the connection, snd_queuelen_max is the headers'. */
struct lwip_build {
    unsigned mss, snd_buf, rcv_wnd, snd_queuelen_max, rcv_scale;
    unsigned pcb_size, seg_size, pbuf_size;
};

/* Loads both instances and brings their interfaces up; exits on failure
 * with the reason (dlmopen or a layout check). */
void lwip_wire_open(struct lwip_wire *w, struct lwip_build *b);
/* Delivers every frame queued now (not those the deliveries queue);
 * returns how many. */
unsigned lwip_wire_deliver(struct lwip_wire *w);
/* Runs both instances' due timers. */
void lwip_wire_timers(struct lwip_wire *w);

/* clock_gettime(c) in nanoseconds (CLOCK_MONOTONIC for wall time,
 * CLOCK_PROCESS_CPUTIME_ID for the process's CPU time). */
uint64_t lwip_clock_ns(int c);
/* Dies with `what` and lwIP's error e unless e is ERR_OK. */
void lwip_check(err_t e, const char *what);
/* 192.0.2.10 (instance 0) or 192.0.2.20 (instance 1). */
ip_addr_t lwip_inst_addr(unsigned idx);
/* A listening pcb of instance `in` on addr:port whose connections go to
 * `accept` with `arg`; dies if lwIP has no memory for it. */
struct tcp_pcb *lwip_tcp_listen(const struct lwip_inst *in, const ip_addr_t *addr, u16_t port,
                                u8_t backlog, tcp_accept_fn accept, void *arg);

#endif /* AXN_BENCH_LWIP_INST_H */

/*
 * Two lwIP instances in one process (dlmopen) on an in-memory IP wire;
 * lwip_inst.h says why each piece is the way it is.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* dlmopen, dladdr1 */
#endif
#include "lwip_inst.h"

#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lwip/priv/tcp_priv.h" /* struct tcp_seg, for its size check */

#define NSEC_PER_SEC 1000000000ull
#define NIF_NAME     "lw0" /* name[0..1] "lw", and lwIP numbers the first netif 0 */

static void die(const char *what, const char *why)
{
    fprintf(stderr, "lwip_inst: %s: %s\n", what, why);
    exit(1);
}

static struct lwip_frame *frame_get(struct lwip_wire *w)
{
    struct lwip_frame *f = w->free_frames;
    if (f) {
        w->free_frames = f->next;
        return f;
    }
    f = calloc(1, sizeof(*f));
    if (!f)
        die("frame", "out of memory");
    f->wire = w;
    w->frames_allocated++;
    return f;
}

/* The custom pbuf's free callback: the receiving lwIP is done with it.
 * pc is the frame's first member. */
static void frame_free(struct pbuf *p)
{
    struct lwip_frame *f = (struct lwip_frame *)(void *)p;
    f->next = f->wire->free_frames;
    f->wire->free_frames = f;
}

/* netif->output: the IPv4 packet (one pbuf with LWIP_NETIF_TX_SINGLE_PBUF,
 * but any chain works) copied into a frame queued for the peer. The
 * caller keeps and frees p. */
static err_t nif_output(struct netif *n, struct pbuf *p, const ip4_addr_t *next_hop)
{
    (void)next_hop;
    struct lwip_inst *in = n->state;
    struct lwip_wire *w = in->wire;
    if (p->tot_len > LWIP_MTU)
        return ERR_BUF;
    struct lwip_frame *f = frame_get(w);
    f->len = in->pbuf_copy_partial(p, f->data, p->tot_len, 0);
    f->next = NULL;
    struct lwip_inst *peer = &w->inst[in->idx ^ 1u];
    if (peer->rx_tail)
        peer->rx_tail->next = f;
    else
        peer->rx_head = f;
    peer->rx_tail = f;
    w->frames_moved++;
    return ERR_OK;
}

/* IPv6 is compiled in but unused: nothing is configured to send it. */
static err_t nif_output_ip6(struct netif *n, struct pbuf *p, const ip6_addr_t *a)
{
    (void)n, (void)p, (void)a;
    return ERR_OK;
}

static err_t nif_init(struct netif *n)
{
    n->name[0] = NIF_NAME[0];
    n->name[1] = NIF_NAME[1];
    n->mtu = LWIP_MTU;
    n->output = nif_output;
    n->output_ip6 = nif_output_ip6;
    n->flags = 0; /* no Ethernet, ARP, IGMP or MLD */
    return ERR_OK;
}

static void *sym(struct lwip_inst *in, const char *name)
{
    void *p = dlsym(in->handle, name);
    if (!p)
        die(name, dlerror());
    return p;
}

static void load(struct lwip_inst *in)
{
    in->handle = dlmopen(LM_ID_NEWLM, LWIP_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!in->handle)
        die("dlmopen " LWIP_SONAME, dlerror());
#define LWIP_FN_LOAD(n) in->n = (__typeof__(n) *)sym(in, #n);
    LWIP_FNS(LWIP_FN_LOAD)
#undef LWIP_FN_LOAD
}

/* A memp descriptor's size: with MEMP_MEM_MALLOC the descriptor is only
 * the u16 size the library was compiled with (checked by the symbol's
 * size, so a build with descriptions or stats is refused, not misread). */
static unsigned memp_size(struct lwip_inst *in, const char *name)
{
    const uint16_t *d = sym(in, name);
    Dl_info info;
    const ElfW(Sym) *es = NULL;
    if (!dladdr1(d, &info, (void **)&es, RTLD_DL_SYMENT) || !es || es->st_size != sizeof(*d))
        die(name, "not a bare u16 size: the library's memp layout is not the headers'");
    return *d;
}

static void check_size(struct lwip_inst *in, const char *name, size_t ours)
{
    const unsigned lib = memp_size(in, name);
    if (lib != LWIP_MEM_ALIGN_SIZE(ours)) {
        fprintf(stderr, "lwip_inst: %s is %u bytes in the library, %zu in the headers\n", name, lib,
                (size_t)LWIP_MEM_ALIGN_SIZE(ours));
        exit(1);
    }
}

static const uint8_t HOST[2] = {10, 20}; /* 192.0.2.x of instance 0 and 1 */

static void add_netif(struct lwip_inst *in, uint8_t host)
{
    ip4_addr_t a, m, g;
    IP4_ADDR(&a, 192, 0, 2, host);
    IP4_ADDR(&m, 255, 255, 255, 0);
    IP4_ADDR(&g, 0, 0, 0, 0);
    memset(in->nif.guard, LWIP_GUARD_B, sizeof(in->nif.guard));
    if (!in->netif_add(&in->nif.n, &a, &m, &g, in, nif_init, in->ip_input))
        die("netif_add", "failed");
    in->netif_set_up(&in->nif.n);
    in->netif_set_link_up(&in->nif.n);
    for (size_t i = 0; i < sizeof(in->nif.guard); i++)
        if (in->nif.guard[i] != LWIP_GUARD_B)
            die("struct netif", "the library wrote past the headers' struct netif");
    if (in->netif_find(NIF_NAME) != &in->nif.n)
        die("struct netif", "netif_find does not see the fields where the headers put them");
}

/* The sizes and build options the comparison depends on, from a pcb the
 * library made (and a check that the fields read are where we read them). */
static void probe(struct lwip_inst *in, struct lwip_build *b)
{
    check_size(in, "memp_TCP_PCB", sizeof(struct tcp_pcb));
    check_size(in, "memp_TCP_SEG", sizeof(struct tcp_seg));
    check_size(in, "memp_PBUF", sizeof(struct pbuf));
    struct tcp_pcb *pcb = in->tcp_new();
    if (!pcb)
        die("tcp_new", "failed");
    if (tcp_sndbuf(pcb) != TCP_SND_BUF || pcb->rcv_wnd != TCP_WND)
        die("struct tcp_pcb", "a fresh pcb does not show TCP_SND_BUF/TCP_WND where expected");
    *b = (struct lwip_build){.mss = TCP_MSS,
                             .snd_buf = tcp_sndbuf(pcb),
                             .rcv_wnd = (unsigned)pcb->rcv_wnd,
                             .snd_queuelen_max = TCP_SND_QUEUELEN,
                             .rcv_scale = TCP_RCV_SCALE,
                             .pcb_size = memp_size(in, "memp_TCP_PCB"),
                             .seg_size = memp_size(in, "memp_TCP_SEG"),
                             .pbuf_size = memp_size(in, "memp_PBUF")};
    in->tcp_close(pcb);
}

void lwip_wire_open(struct lwip_wire *w, struct lwip_build *b)
{
    memset(w, 0, sizeof(*w));
    for (unsigned i = 0; i < 2; i++) {
        struct lwip_inst *in = &w->inst[i];
        in->wire = w;
        in->idx = i;
        load(in);
        in->lwip_init();
        add_netif(in, HOST[i]);
    }
    if (w->inst[0].handle == w->inst[1].handle || w->inst[0].tcp_new == w->inst[1].tcp_new)
        die("dlmopen", "both instances are the same copy of the library");
    probe(&w->inst[0], b);
}

unsigned lwip_wire_deliver(struct lwip_wire *w)
{
    struct lwip_frame *queued[2];
    for (unsigned i = 0; i < 2; i++) {
        queued[i] = w->inst[i].rx_head;
        w->inst[i].rx_head = w->inst[i].rx_tail = NULL;
    }
    unsigned n = 0;
    for (unsigned i = 0; i < 2; i++) {
        struct lwip_inst *in = &w->inst[i];
        struct lwip_frame *f = queued[i];
        while (f) {
            struct lwip_frame *next = f->next;
            f->pc.custom_free_function = frame_free;
            struct pbuf *p = in->pbuf_alloced_custom(PBUF_RAW, f->len, PBUF_REF, &f->pc, f->data,
                                                     (u16_t)sizeof(f->data));
            if (!p)
                die("pbuf_alloced_custom", "failed");
            in->ip_input(p, &in->nif.n); /* consumes p, also on error */
            f = next;
            n++;
        }
    }
    return n;
}

void lwip_wire_timers(struct lwip_wire *w)
{
    for (unsigned i = 0; i < 2; i++)
        w->inst[i].sys_check_timeouts();
}

uint64_t lwip_clock_ns(int c)
{
    struct timespec ts;
    clock_gettime((clockid_t)c, &ts);
    return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

void lwip_check(err_t e, const char *what)
{
    if (e != ERR_OK) {
        fprintf(stderr, "%s: lwIP error %d\n", what, (int)e);
        exit(1);
    }
}

ip_addr_t lwip_inst_addr(unsigned idx)
{
    ip_addr_t a;
    IP_ADDR4(&a, 192, 0, 2, HOST[idx & 1u]);
    return a;
}

struct tcp_pcb *lwip_tcp_listen(const struct lwip_inst *in, const ip_addr_t *addr, u16_t port,
                                u8_t backlog, tcp_accept_fn accept, void *arg)
{
    struct tcp_pcb *l = in->tcp_new();
    if (!l)
        lwip_check(ERR_MEM, "tcp_new");
    lwip_check(in->tcp_bind(l, addr, port), "bind");
    /* On success the listen pcb replaces (and frees) l. */
    struct tcp_pcb *lst = in->tcp_listen_with_backlog(l, backlog);
    if (!lst)
        lwip_check(ERR_MEM, "listen");
    in->tcp_arg(lst, arg);
    in->tcp_accept(lst, accept);
    return lst;
}

/*
 * bench_udp_mem's scenario with lwIP on both ends: UDP datagrams per
 * second between two lwIP 2.1.3 instances (bench/lwip/lwip_inst.h) on the
 * in-memory IP wire, one thread. A's pcb is connected to B's; each
 * datagram is a pbuf_alloc(PBUF_TRANSPORT) filled by pbuf_take (the
 * application's copy in) and sent with udp_send; B's receive callback
 * copies it out with pbuf_copy_partial (the application's copy out) and
 * frees it. Bursts of BURST datagrams, the next once the last has arrived,
 * as bench_udp_mem does. One datagram each way before the clock starts.
 *
 * lwIP's wire carries IP packets (no Ethernet header, no ARP), where
 * axnet's carries Ethernet frames: lwIP does a little less per datagram.
 * Output has bench_udp_mem's format (f_udp_pps.sh reads both).
 *
 *   bench_lwip_udp [--count N] [--size BYTES]
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lwip_inst.h"
#include "rate_args.h"

#define DEFAULT_COUNT 1000000ull
#define DEFAULT_SIZE  64u
#define MAX_SIZE      1472u /* one unfragmented datagram at MTU 1500 */
#define BURST         64u
#define PORT_A        5000u
#define PORT_B        5001u

struct run {
    struct lwip_wire w;
    struct lwip_build build;
    struct udp_pcb *a, *b;
    uint8_t out[MAX_SIZE], in[MAX_SIZE];
    uint64_t count, sent, received, received_a;
    u16_t size;
};

static struct run R;

static void usage(void)
{
    fprintf(stderr, "usage: bench_lwip_udp [--count N] [--size BYTES (1..%u)]\n", MAX_SIZE);
    exit(2);
}

static void parse(int argc, char **argv)
{
    struct rate_args a = {.count = DEFAULT_COUNT, .size = DEFAULT_SIZE};
    rate_args_parse(argc, argv, 0, MAX_SIZE, usage, &a);
    R.count = a.count;
    R.size = (u16_t)a.size;
}

/* Both instances' application: copies the datagram out and counts it. */
static void on_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *from,
                    u16_t port)
{
    (void)pcb, (void)from, (void)port;
    struct lwip_inst *in = arg;
    const u16_t n = in->pbuf_copy_partial(p, R.in, sizeof(R.in), 0);
    if (n != R.size) {
        fprintf(stderr, "bench_lwip_udp: a datagram of %u bytes, not %u\n", n, R.size);
        exit(1);
    }
    if (in == &R.w.inst[1])
        R.received++;
    else
        R.received_a++;
    in->pbuf_free(p);
}

static struct udp_pcb *udp_open(unsigned idx, u16_t port, u16_t peer_port)
{
    struct lwip_inst *in = &R.w.inst[idx];
    const ip_addr_t self = lwip_inst_addr(idx), peer = lwip_inst_addr(idx ^ 1u);
    struct udp_pcb *pcb = in->udp_new();
    if (!pcb)
        lwip_check(ERR_MEM, "udp_new");
    lwip_check(in->udp_bind(pcb, &self, port), "udp_bind");
    lwip_check(in->udp_connect(pcb, &peer, peer_port), "udp_connect");
    in->udp_recv(pcb, on_recv, in);
    return pcb;
}

/* One datagram of R.size bytes on pcb (instance idx). */
static void send_one(unsigned idx, struct udp_pcb *pcb)
{
    struct lwip_inst *in = &R.w.inst[idx];
    struct pbuf *p = in->pbuf_alloc(PBUF_TRANSPORT, R.size, PBUF_RAM);
    if (!p)
        lwip_check(ERR_MEM, "pbuf_alloc");
    lwip_check(in->pbuf_take(p, R.out, R.size), "pbuf_take");
    lwip_check(in->udp_send(pcb, p), "udp_send");
    in->pbuf_free(p);
}

/* One datagram each way, delivered, before timing. */
static void warm_up(void)
{
    send_one(0, R.a);
    send_one(1, R.b);
    while (lwip_wire_deliver(&R.w))
        ;
    if (R.received != 1 || R.received_a != 1) {
        fprintf(stderr, "bench_lwip_udp: warm-up datagrams did not arrive\n");
        exit(1);
    }
    R.received = 0;
}

static void transfer(void)
{
    while (R.received < R.count) {
        for (unsigned i = 0; i < BURST && R.sent < R.count; i++, R.sent++) {
            R.out[0] = (uint8_t)R.sent;
            send_one(0, R.a);
        }
        while (lwip_wire_deliver(&R.w))
            ;
        if (R.received != R.sent) {
            fprintf(stderr, "bench_lwip_udp: sent %" PRIu64 ", received %" PRIu64 "\n", R.sent,
                    R.received);
            exit(1);
        }
    }
}

int main(int argc, char **argv)
{
    parse(argc, argv);
    lwip_wire_open(&R.w, &R.build);
    memset(R.out, 0x5a, sizeof(R.out));
    R.a = udp_open(0, PORT_A, PORT_B);
    R.b = udp_open(1, PORT_B, PORT_A);
    warm_up();
    const struct rate_clock clk = rate_clock_start();
    transfer();
    const double secs = rate_wall_secs(&clk), cpu = rate_cpu_secs(&clk);
    rate_print_udp("bench_lwip_udp", R.received, R.size, R.sent - R.received, secs, cpu,
                   "lwIP " LWIP_VERSION_STRING ", real clock");
    R.w.inst[0].udp_remove(R.a);
    R.w.inst[1].udp_remove(R.b);
    return 0;
}

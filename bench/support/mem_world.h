/*
 * Two stacks joined by an in-memory wire, caller-polled on one thread: the
 * world of the in-memory benchmarks (bench_tcp_mem, bench_tcp_idle,
 * bench_udp_mem, bench_rr_mem).
 *
 * The wire is the simplest link there is: a pool of frame buffers and, per
 * port, a FIFO of frames waiting to be received. transmit() puts the
 * driver's TX buffer on the peer's FIFO (a NIC's DMA into the peer's RX
 * ring: no copy on the wire itself), receive() lends it to the peer, and
 * recycle_rx() returns it to the pool. No loss, no delay, no offloads: MTU
 * 1500, the stacks compute and verify every checksum in software.
 *
 * The platform is port/posix's with three callbacks replaced:
 *   alloc/free  count live bytes and blocks (what bench_tcp_idle reports);
 *   random      a fixed-seed xorshift, so ISNs and ports repeat;
 *   now         a fake clock (MEM_CLOCK_FAKE, the default) or
 *               CLOCK_MONOTONIC (MEM_CLOCK_REAL).
 * The fake clock moves MEM_FAKE_TICK_US per loop iteration that moved
 * anything and jumps straight to the next stack deadline when nothing
 * moved: no idle spinning, and a run is the same instruction for
 * instruction every time, which is what callgrind needs. Throughput is
 * always timed with the real clock (CLOCK_MONOTONIC) by the caller.
 */
#ifndef AXN_BENCH_MEM_WORLD_H
#define AXN_BENCH_MEM_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/driver.h"
#include "axnet/platform.h"
#include "axnet/socket.h"
#include "axnet/stack.h"

#define MEM_PORTS        2u
#define MEM_FRAMES       8192u /* frame buffers of the whole wire: above 2 x 6 MiB of segments */
#define MEM_FAKE_TICK_US 1u
#define MEM_RANDOM_SEED  0x9e3779b97f4a7c15ull
#define MEM_ADDR_A       AXN_IP4(192, 0, 2, 10)
#define MEM_ADDR_B       AXN_IP4(192, 0, 2, 20)
#define MEM_PREFIX       24u
#define MEM_NODE_A       0u
#define MEM_NODE_B       1u

enum mem_clock { MEM_CLOCK_FAKE, MEM_CLOCK_REAL };

struct mem_frame {
    uint8_t data[AXN_ETH_FRAME_MAX];
    size_t len;
    struct mem_frame *next;
};

struct mem_port {
    struct mem_world *w;
    unsigned idx;
    struct axn_mac mac;
    struct mem_frame *rx_head, *rx_tail; /* frames sent to this port */
};

struct mem_world {
    struct axn_platform plat;
    enum mem_clock clock;
    axn_time_t now;
    uint64_t rng;
    /* Allocation accounting (platform alloc/free). */
    uint64_t live_bytes, peak_bytes, live_blocks;
    struct mem_frame *frames, *free_frames;
    struct mem_port port[MEM_PORTS];
    struct axn_eth_driver drv[MEM_PORTS];
    struct axn_stack *st[MEM_PORTS];
    axn_time_t next[MEM_PORTS];
    uint64_t frames_moved; /* transmitted since creation */
};

/* Creates the wire and both stacks (A at MEM_ADDR_A, B at MEM_ADDR_B).
 * Exits the program on failure (a benchmark has nobody to report to). */
void mem_world_create(struct mem_world *w, enum mem_clock clock);
void mem_world_destroy(struct mem_world *w);

/* Polls both stacks at the current time. */
void mem_world_poll(struct mem_world *w);
/* Polls only the stacks with something to do, as an interrupt-driven
 * kernel would: frames waiting on the stack's port (an RX interrupt), a
 * poll requested by a socket call (axn_stack_poll_pending), or its
 * deadline reached. The rate benchmarks' loops use it: an idle poll
 * costs a few thousand instructions, a ping-pong's whole budget. */
void mem_world_poll_due(struct mem_world *w);
/* After an iteration: `moved` says whether it did anything (bytes through
 * a socket or frames on the wire). Advances the clock as described above;
 * false when nothing moved and no stack has a deadline (a stall). */
bool mem_world_advance(struct mem_world *w, bool moved);

/* A non-blocking TCP socket on node `n`; exits on failure. */
struct axn_socket *mem_socket(struct mem_world *w, unsigned n);
/* Dies with `what` and `err` when err < 0. */
void mem_check(long err, const char *what);
/* CLOCK_MONOTONIC in nanoseconds, for timing. */
uint64_t mem_wall_ns(void);
/* CPU time of the process in nanoseconds (CLOCK_PROCESS_CPUTIME_ID): on a
 * loaded machine, the time the benchmark actually ran. */
uint64_t mem_cpu_ns(void);

#endif

/*
 * What the rate benchmarks (round trips, connections, datagrams per
 * second) share across their axnet, lwIP and Linux programs: the command
 * line, the clocks and the result line scripts/bench/rate_lib.sh parses.
 * Plain libc, so the lwIP harnesses (which include no axnet header) use
 * it too.
 */
#ifndef AXN_BENCH_RATE_ARGS_H
#define AXN_BENCH_RATE_ARGS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* The options a program takes, beyond --count and --size. */
#define RATE_OPT_PER_CONN   1u /* --per-conn K */
#define RATE_OPT_THREADS    2u /* --threads 1|2 */
#define RATE_OPT_REAL_CLOCK 4u /* --real-clock */

struct rate_args {
    uint64_t count, per_conn, size, threads;
    bool real_clock;
};

/* Parses argv into *a, which holds the defaults. Every value is a decimal
 * above 0, --size at most max_size, --threads at most 2; anything else
 * (or an option `opts` does not name) calls usage(), which exits. */
void rate_args_parse(int argc, char **argv, unsigned opts, uint64_t max_size, void (*usage)(void),
                     struct rate_args *a);

/* clock_gettime(c) in nanoseconds. */
uint64_t rate_clock_ns(clockid_t c);
/* Nanoseconds as seconds. */
double rate_secs(uint64_t ns);

/* A measurement's start on the real clocks: wall (CLOCK_MONOTONIC) and
 * the process's CPU time (every thread's user and system time). */
struct rate_clock {
    uint64_t wall0, cpu0;
};
struct rate_clock rate_clock_start(void);
/* Seconds from the start to now, or to `wall_end` (a CLOCK_MONOTONIC
 * reading), and the CPU seconds the process used since the start. */
double rate_wall_secs(const struct rate_clock *c);
double rate_wall_secs_to(const struct rate_clock *c, uint64_t wall_end);
double rate_cpu_secs(const struct rate_clock *c);

/* Runs `first` and `second` on two threads and waits for both; a thread
 * that cannot start ends the program (`prog` names it). */
void rate_two_threads(const char *prog, void *(*first)(void *), void *(*second)(void *));

/* The result lines (`where` ends them: the stack, its clock, threads). */
void rate_print_rr(const char *prog, uint64_t done, uint64_t size, uint64_t conns, double secs,
                   double cpu, const char *where);
void rate_print_udp(const char *prog, uint64_t received, uint64_t size, uint64_t lost, double secs,
                    double cpu, const char *where);

#endif /* AXN_BENCH_RATE_ARGS_H */

/*
 * Throughput of axn_csum_partial beside memcpy of the same buffer and the
 * plain 16-bit reference loop, on warm buffers of 64 B, 1500 B and 64 KiB.
 * Each figure is the best of BENCH_RUNS runs.
 *
 * Bytes per cycle come from the x86-64 time-stamp counter, which on
 * current CPUs ticks at the nominal (base) frequency, not the actual core
 * clock: with turbo the true figure per core cycle is lower. Elsewhere
 * only GB/s is printed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__)
#include <x86intrin.h>
#define HAVE_TSC 1
#else
#define HAVE_TSC 0
#endif

#include "wire/checksum.h"

#define BENCH_RUNS       9
#define BYTES_PER_RUN    (32u << 20) /* work per timed run */
#define NSEC_PER_SEC     1000000000ull
#define RANDOM_FILL_SEED 12345u
#define MAX_BUF          (64u << 10)

static const size_t sizes[] = {64, 1500, MAX_BUF};

/* Keeps results alive so the compiler cannot drop the work. */
static volatile uint32_t sink;

/* The plain loop: one big-endian 16-bit word at a time (RFC 1071 4.1). */
__attribute__((noinline)) static uint32_t ref16_partial(const void *buf, size_t len, uint32_t sum)
{
    const uint8_t *p = buf;
    uint64_t acc = sum;
    for (; len >= 2; p += 2, len -= 2)
        acc += (uint32_t)p[0] << 8 | p[1];
    if (len)
        acc += (uint32_t)p[0] << 8;
    while (acc >> 32)
        acc = (acc & 0xffffffffu) + (acc >> 32);
    return (uint32_t)acc;
}

static uint8_t *dst_buf;

static uint32_t run_csum(const uint8_t *buf, size_t len)
{
    return axn_csum_partial(buf, len, 0);
}

static uint32_t run_ref16(const uint8_t *buf, size_t len)
{
    return ref16_partial(buf, len, 0);
}

static uint32_t run_memcpy(const uint8_t *buf, size_t len)
{
    memcpy(dst_buf, buf, len);
    return dst_buf[len - 1];
}

typedef uint32_t (*kernel_fn)(const uint8_t *buf, size_t len);

struct result {
    double gbps;
    double bytes_per_cycle;
};

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static uint64_t cycles(void)
{
#if HAVE_TSC
    return __rdtsc();
#else
    return 0;
#endif
}

/* Tells the compiler memory may have changed: every repetition must really
 * run instead of being hoisted out of the loop as the same pure call. */
static inline void clobber(void)
{
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static struct result measure(kernel_fn fn, const uint8_t *buf, size_t len)
{
    size_t reps = BYTES_PER_RUN / len;
    struct result best = {0, 0};
    uint32_t acc = fn(buf, len); /* warm the cache */
    for (int run = 0; run < BENCH_RUNS; run++) {
        uint64_t t0 = mono_ns(), c0 = cycles();
        for (size_t i = 0; i < reps; i++) {
            acc += fn(buf, len);
            clobber();
        }
        uint64_t t1 = mono_ns(), c1 = cycles();
        double bytes = (double)reps * (double)len;
        double gbps = bytes / (double)(t1 - t0);
        if (gbps > best.gbps)
            best.gbps = gbps;
        if (HAVE_TSC && c1 > c0 && bytes / (double)(c1 - c0) > best.bytes_per_cycle)
            best.bytes_per_cycle = bytes / (double)(c1 - c0);
    }
    sink = acc;
    return best;
}

static void print_cell(struct result r)
{
    if (HAVE_TSC)
        printf("  %7.2f %6.2f", r.gbps, r.bytes_per_cycle);
    else
        printf("  %7.2f %6s", r.gbps, "-");
}

int main(void)
{
    uint8_t *buf = aligned_alloc(64, MAX_BUF);
    dst_buf = aligned_alloc(64, MAX_BUF);
    if (!buf || !dst_buf)
        return 1;
    srand(RANDOM_FILL_SEED);
    for (size_t i = 0; i < MAX_BUF; i++)
        buf[i] = (uint8_t)rand();
    if (axn_csum_finish(axn_csum_partial(buf, MAX_BUF, 0)) !=
        axn_csum_finish(ref16_partial(buf, MAX_BUF, 0))) {
        fprintf(stderr, "bench_checksum: fast and reference sums differ\n");
        return 1;
    }

    printf("bench_checksum: best of %d runs, warm cache, %u MiB per run\n", BENCH_RUNS,
           BYTES_PER_RUN >> 20);
    printf("%s\n", HAVE_TSC ? "B/cyc from rdtsc (TSC ticks at about the nominal frequency)"
                            : "no cycle counter here: GB/s only");
    printf("%8s  %14s  %14s  %14s\n", "size", "csum_partial", "memcpy", "ref 16-bit");
    printf("%8s  %7s %6s  %7s %6s  %7s %6s\n", "bytes", "GB/s", "B/cyc", "GB/s", "B/cyc", "GB/s",
           "B/cyc");
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        printf("%8zu", sizes[i]);
        print_cell(measure(run_csum, buf, sizes[i]));
        print_cell(measure(run_memcpy, buf, sizes[i]));
        print_cell(measure(run_ref16, buf, sizes[i]));
        printf("\n");
    }
    free(buf);
    free(dst_buf);
    return 0;
}

#include "rate_args.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEC          10
#define MAX_THREADS  2
#define NSEC_PER_SEC 1e9

static bool has_opt(unsigned opts, unsigned opt, const char *arg, const char *name)
{
    return (opts & opt) && !strcmp(arg, name);
}

static uint64_t arg_u64(const char *v, void (*usage)(void))
{
    char *end = NULL;
    errno = 0;
    const unsigned long long n = strtoull(v, &end, DEC);
    if (errno || !v[0] || *end || !n)
        usage();
    return n;
}

void rate_args_parse(int argc, char **argv, unsigned opts, uint64_t max_size, void (*usage)(void),
                     struct rate_args *a)
{
    for (int i = 1; i < argc; i++) {
        const bool has_val = i + 1 < argc;
        if (!strcmp(argv[i], "--count") && has_val)
            a->count = arg_u64(argv[++i], usage);
        else if (!strcmp(argv[i], "--size") && has_val)
            a->size = arg_u64(argv[++i], usage);
        else if (has_opt(opts, RATE_OPT_PER_CONN, argv[i], "--per-conn") && has_val)
            a->per_conn = arg_u64(argv[++i], usage);
        else if (has_opt(opts, RATE_OPT_THREADS, argv[i], "--threads") && has_val)
            a->threads = arg_u64(argv[++i], usage);
        else if (has_opt(opts, RATE_OPT_REAL_CLOCK, argv[i], "--real-clock"))
            a->real_clock = true;
        else
            usage();
    }
    if (a->size > max_size || a->threads > MAX_THREADS)
        usage();
}

uint64_t rate_clock_ns(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (uint64_t)ts.tv_sec * (uint64_t)NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

double rate_secs(uint64_t ns)
{
    return (double)ns / NSEC_PER_SEC;
}

struct rate_clock rate_clock_start(void)
{
    return (struct rate_clock){.wall0 = rate_clock_ns(CLOCK_MONOTONIC),
                               .cpu0 = rate_clock_ns(CLOCK_PROCESS_CPUTIME_ID)};
}

double rate_wall_secs_to(const struct rate_clock *c, uint64_t wall_end)
{
    return rate_secs(wall_end - c->wall0);
}

double rate_wall_secs(const struct rate_clock *c)
{
    return rate_wall_secs_to(c, rate_clock_ns(CLOCK_MONOTONIC));
}

double rate_cpu_secs(const struct rate_clock *c)
{
    return rate_secs(rate_clock_ns(CLOCK_PROCESS_CPUTIME_ID) - c->cpu0);
}

static void start_thread(const char *prog, pthread_t *t, void *(*fn)(void *))
{
    const int err = pthread_create(t, NULL, fn, NULL);
    if (err) {
        /* The other thread would wait for its peer forever. */
        fprintf(stderr, "%s: pthread_create: %s\n", prog, strerror(err));
        exit(1);
    }
}

void rate_two_threads(const char *prog, void *(*first)(void *), void *(*second)(void *))
{
    pthread_t a, b;
    start_thread(prog, &a, first);
    start_thread(prog, &b, second);
    pthread_join(b, NULL);
    pthread_join(a, NULL);
}

void rate_print_rr(const char *prog, uint64_t done, uint64_t size, uint64_t conns, double secs,
                   double cpu, const char *where)
{
    printf("%s: %" PRIu64 " round trips of %" PRIu64 " byte(s) over %" PRIu64
           " connection(s) in %.3f s: %.0f round trips/s, %.0f connections/s (%.3f s CPU: %.0f "
           "round trips/s and %.0f connections/s per CPU second; %s)\n",
           prog, done, size, conns, secs, (double)done / secs, (double)conns / secs, cpu,
           (double)done / cpu, (double)conns / cpu, where);
}

void rate_print_udp(const char *prog, uint64_t received, uint64_t size, uint64_t lost, double secs,
                    double cpu, const char *where)
{
    printf("%s: %" PRIu64 " datagrams of %" PRIu64 " bytes received, %" PRIu64
           " lost, in %.3f s: %.0f datagrams/s (%.3f s CPU: %.0f datagrams/s per CPU second; "
           "%s)\n",
           prog, received, size, lost, secs, (double)received / secs, cpu, (double)received / cpu,
           where);
}

/* Malloc-backed, single-threaded, virtual-time platform for unit tests. */
#include "test_platform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axnet/config.h"
#include "axnet/errno.h"

/* Default seed: any fixed value keeps runs reproducible. */
#define TEST_PRNG_SEED 0x9e3779b97f4a7c15ull

static axn_time_t test_now;
static uint64_t test_prng_state = TEST_PRNG_SEED;
static size_t test_live_allocs;
static size_t test_live_bytes; /* as the callers size them (alloc's size, free's size) */
static size_t test_allocs_left = SIZE_MAX;

/* A dummy non-NULL handle for locks, wait queues, events. */
static int test_handle;

static void *test_alloc(void *ctx, size_t size, size_t align)
{
    (void)ctx;
    if (test_allocs_left == 0)
        return NULL;
    if (test_allocs_left != SIZE_MAX)
        test_allocs_left--;
    void *p;
    if (align <= sizeof(max_align_t)) {
        p = calloc(1, size ? size : 1);
    } else {
        /* aligned_alloc wants a size that is a multiple of the alignment. */
        size_t rounded = (size + align - 1) / align * align;
        p = aligned_alloc(align, rounded ? rounded : align);
        if (p)
            memset(p, 0, rounded);
    }
    if (p) {
        test_live_allocs++;
        test_live_bytes += size;
    }
    return p;
}

static void test_free(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    (void)size;
    if (!ptr)
        return;
    test_live_allocs--;
    test_live_bytes -= size;
    free(ptr);
}

static int test_create(void *ctx, void **handle)
{
    (void)ctx;
    *handle = &test_handle;
    return 0;
}

static void test_destroy(void *ctx, void *handle)
{
    (void)ctx;
    (void)handle;
}

static unsigned long test_spin_lock(void *lock)
{
    (void)lock;
    return 0;
}

static void test_spin_unlock(void *lock, unsigned long state)
{
    (void)lock;
    (void)state;
}

static void test_mutex_op(void *mutex)
{
    (void)mutex;
}

static int test_waitq_wait(void *waitq, void *mutex, axn_time_t deadline)
{
    (void)waitq;
    (void)mutex;
    (void)deadline;
    return -AXN_EWOULDBLOCK;
}

static void test_handle_op(void *handle)
{
    (void)handle;
}

static int test_event_wait(void *event, axn_time_t deadline)
{
    (void)event;
    (void)deadline;
    return -AXN_EWOULDBLOCK;
}

static int test_thread_start(void *ctx, const char *name, axn_worker_fn fn, void *arg,
                             void **thread)
{
    (void)ctx;
    (void)name;
    (void)fn;
    (void)arg;
    (void)thread;
    return -AXN_EOPNOTSUPP;
}

static int test_thread_join(void *ctx, void *thread)
{
    (void)ctx;
    (void)thread;
    return -AXN_EINVAL;
}

static axn_time_t test_now_fn(void *ctx)
{
    (void)ctx;
    return test_now;
}

/* splitmix64: tiny, full-period, good enough for test randomness. */
static uint64_t test_prng_next(void)
{
    uint64_t z = (test_prng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int test_random(void *ctx, void *buf, size_t len)
{
    (void)ctx;
    uint8_t *out = buf;
    while (len > 0) {
        uint64_t v = test_prng_next();
        size_t n = len < sizeof(v) ? len : sizeof(v);
        memcpy(out, &v, n);
        out += n;
        len -= n;
    }
    return 0;
}

static const struct axn_platform test_platform = {
    .ctx = NULL,
    .alloc = test_alloc,
    .free = test_free,
    .spin_create = test_create,
    .spin_destroy = test_destroy,
    .spin_lock_irqsave = test_spin_lock,
    .spin_unlock_irqrestore = test_spin_unlock,
    .mutex_create = test_create,
    .mutex_destroy = test_destroy,
    .mutex_lock = test_mutex_op,
    .mutex_unlock = test_mutex_op,
    .waitq_create = test_create,
    .waitq_destroy = test_destroy,
    .waitq_wait = test_waitq_wait,
    .waitq_wake_all = test_handle_op,
    .event_create = test_create,
    .event_destroy = test_destroy,
    .event_wait = test_event_wait,
    .event_signal = test_handle_op,
    .thread_start = test_thread_start,
    .thread_join = test_thread_join,
    .now = test_now_fn,
    .random = test_random,
    .log = NULL,
    .log_level = AXN_LOG_WARN,
    .irq_register = NULL,
    .irq_unregister = NULL,
};

const struct axn_platform *axn_test_platform(void)
{
    return &test_platform;
}

void axn_test_set_now(axn_time_t now)
{
    test_now = now;
}

void axn_test_advance(axn_time_t delta)
{
    test_now += delta;
}

void axn_test_seed_random(uint64_t seed)
{
    test_prng_state = seed;
}

size_t axn_test_live_allocs(void)
{
    return test_live_allocs;
}

size_t axn_test_live_bytes(void)
{
    return test_live_bytes;
}

void axn_test_fail_alloc_after(size_t n)
{
    test_allocs_left = n;
}

/* ---- Recording log (axn_test_logging_platform) ---------------------------- */

static char test_last_log[AXN_LOG_LINE_MAX];
static size_t test_log_count;
static struct axn_platform test_logging_platform;

static void test_record_log(void *ctx, enum axn_log_level level, const char *line)
{
    (void)ctx;
    (void)level;
    snprintf(test_last_log, sizeof test_last_log, "%s", line);
    test_log_count++;
}

const struct axn_platform *axn_test_logging_platform(void)
{
    test_logging_platform = test_platform;
    test_logging_platform.log = test_record_log;
    test_logging_platform.log_level = AXN_LOG_DEBUG;
    return &test_logging_platform;
}

const char *axn_test_last_log(void)
{
    return test_last_log;
}

size_t axn_test_log_count(void)
{
    return test_log_count;
}

void axn_test_clear_log(void)
{
    test_last_log[0] = '\0';
    test_log_count = 0;
}

int axn_test_counting_random(void *ctx, void *buf, size_t len)
{
    struct axn_test_counting_rng *r = ctx;
    uint8_t *p = buf;
    if (r->err)
        return r->err;
    for (size_t i = 0; i < len; i++)
        p[i] = r->next++;
    return 0;
}

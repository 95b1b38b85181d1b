/* Threaded platform on a virtual clock (vtime_platform.h). */
#include "vtime_platform.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "axnet/errno.h"

/* One sleeper: a thread in event_wait, or the test in axn_vt_run_until. */
struct vt_waiter {
    axn_time_t deadline;
    bool released;
    int result;
    struct vt_event *ev; /* NULL for the test thread */
    struct vt_waiter *next;
};

struct vt_event {
    bool signalled;
    struct vt_waiter *waiter;
    uint64_t wakeups;
    uint64_t timeouts;
};

struct vt_thread {
    pthread_t tid;
    axn_worker_fn fn;
    void *arg;
};

/* One registered IRQ action. */
struct vt_irq_reg {
    bool used;
    int irq;
    axn_irq_action action;
    void *arg;
    uint64_t order; /* registration order: shared actions run in it */
    char name[AXN_VT_IRQ_NAME_LEN];
};

static pthread_mutex_t vt_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t vt_cv = PTHREAD_COND_INITIALIZER;
static axn_time_t vt_now;
/* Threads not asleep in the platform; the test thread counts as one. */
static int vt_running = 1;
static struct vt_waiter *vt_sleepers;
static atomic_size_t vt_live;

/* The IRQ registrar. vt_irq_mu is held while actions run, so that
 * unregistering waits for them; actions take vt_mu (event_signal), never
 * the other way round. */
static pthread_mutex_t vt_irq_mu = PTHREAD_MUTEX_INITIALIZER;
static struct vt_irq_reg vt_irq_regs[AXN_VT_IRQ_REGISTRATIONS];
static uint64_t vt_irq_next_order;
static int vt_irq_refusal[AXN_VT_IRQ_LINES];
static struct axn_vt_irq_stats vt_irq_counts[AXN_VT_IRQ_LINES];
static atomic_uint_fast64_t vt_irq_violations;
/* Nonzero while this thread runs IRQ actions: it is "in hard-IRQ context". */
static _Thread_local unsigned vt_irq_depth;

/* Every platform callback but event_signal starts here: from IRQ context
 * it is a breach of platform.h, counted for the tests to assert on. */
static void note_call(void)
{
    if (vt_irq_depth > 0)
        atomic_fetch_add(&vt_irq_violations, 1);
}

/* ---- The scheduler (vt_mu held) -------------------------------------------- */

static void unlink_waiter(struct vt_waiter *w)
{
    for (struct vt_waiter **p = &vt_sleepers; *p; p = &(*p)->next) {
        if (*p == w) {
            *p = w->next;
            return;
        }
    }
}

static void release(struct vt_waiter *w, int result)
{
    unlink_waiter(w);
    w->released = true;
    w->result = result;
    vt_running++;
    if (w->ev) {
        w->ev->waiter = NULL;
        if (result == 0)
            w->ev->wakeups++;
        else
            w->ev->timeouts++;
    }
    pthread_cond_broadcast(&vt_cv);
}

/* Everyone asleep: jump to the earliest deadline and wake who is due. */
static void advance_if_quiet(void)
{
    if (vt_running > 0 || !vt_sleepers)
        return;
    axn_time_t next = AXN_TIME_NEVER;
    for (struct vt_waiter *w = vt_sleepers; w; w = w->next)
        next = w->deadline < next ? w->deadline : next;
    if (next == AXN_TIME_NEVER)
        return;
    if (next > vt_now)
        vt_now = next;
    struct vt_waiter *w = vt_sleepers;
    while (w) {
        struct vt_waiter *following = w->next;
        if (w->deadline <= vt_now)
            release(w, w->ev ? -AXN_ETIMEDOUT : 0);
        w = following;
    }
}

static int sleep_until_released(struct vt_waiter *w)
{
    w->next = vt_sleepers;
    vt_sleepers = w;
    vt_running--;
    advance_if_quiet();
    while (!w->released)
        pthread_cond_wait(&vt_cv, &vt_mu);
    return w->result;
}

/* ---- Events --------------------------------------------------------------------- */

static int vt_event_create(void *ctx, void **out)
{
    note_call();
    (void)ctx;
    struct vt_event *e = calloc(1, sizeof(*e));
    if (!e)
        return -AXN_ENOMEM;
    *out = e;
    return 0;
}

static void vt_event_destroy(void *ctx, void *event)
{
    note_call();
    (void)ctx;
    free(event);
}

static int vt_event_wait(void *event, axn_time_t deadline)
{
    note_call();
    struct vt_event *e = event;
    int rc;
    pthread_mutex_lock(&vt_mu);
    if (e->signalled) {
        e->signalled = false;
        e->wakeups++;
        rc = 0;
    } else if (deadline <= vt_now) {
        e->timeouts++;
        rc = -AXN_ETIMEDOUT;
    } else {
        struct vt_waiter w = {.deadline = deadline, .ev = e};
        e->waiter = &w;
        rc = sleep_until_released(&w);
    }
    pthread_mutex_unlock(&vt_mu);
    return rc;
}

static void vt_event_signal(void *event)
{
    struct vt_event *e = event;
    pthread_mutex_lock(&vt_mu);
    if (e->waiter)
        release(e->waiter, 0);
    else
        e->signalled = true;
    pthread_mutex_unlock(&vt_mu);
}

/* ---- Threads -------------------------------------------------------------------- */

static void *vt_trampoline(void *p)
{
    struct vt_thread *t = p;
    t->fn(t->arg);
    pthread_mutex_lock(&vt_mu);
    vt_running--;
    advance_if_quiet();
    pthread_mutex_unlock(&vt_mu);
    return NULL;
}

static int vt_thread_start(void *ctx, const char *name, axn_worker_fn fn, void *arg, void **thread)
{
    note_call();
    (void)ctx;
    (void)name;
    struct vt_thread *t = calloc(1, sizeof(*t));
    if (!t)
        return -AXN_ENOMEM;
    t->fn = fn;
    t->arg = arg;
    /* Counted running before it exists, so time cannot jump meanwhile. */
    pthread_mutex_lock(&vt_mu);
    vt_running++;
    pthread_mutex_unlock(&vt_mu);
    if (pthread_create(&t->tid, NULL, vt_trampoline, t) != 0) {
        pthread_mutex_lock(&vt_mu);
        vt_running--;
        pthread_mutex_unlock(&vt_mu);
        free(t);
        return -AXN_EAGAIN;
    }
    *thread = t;
    return 0;
}

static int vt_thread_join(void *ctx, void *thread)
{
    note_call();
    (void)ctx;
    struct vt_thread *t = thread;
    pthread_join(t->tid, NULL);
    free(t);
    return 0;
}

/* ---- Memory, locks, the rest ------------------------------------------------------ */

static void *vt_alloc(void *ctx, size_t size, size_t align)
{
    note_call();
    (void)ctx;
    void *p = NULL;
    if (posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align, size ? size : 1))
        return NULL;
    memset(p, 0, size);
    atomic_fetch_add(&vt_live, 1);
    return p;
}

static void vt_free(void *ctx, void *ptr, size_t size)
{
    note_call();
    (void)ctx;
    (void)size;
    if (!ptr)
        return;
    atomic_fetch_sub(&vt_live, 1);
    free(ptr);
}

static int vt_mutex_create(void *ctx, void **out)
{
    note_call();
    (void)ctx;
    pthread_mutex_t *m = calloc(1, sizeof(*m));
    if (!m)
        return -AXN_ENOMEM;
    pthread_mutex_init(m, NULL);
    *out = m;
    return 0;
}

static void vt_mutex_destroy(void *ctx, void *m)
{
    note_call();
    (void)ctx;
    pthread_mutex_destroy(m);
    free(m);
}

static void vt_mutex_lock(void *m)
{
    note_call();
    pthread_mutex_lock(m);
}

static void vt_mutex_unlock(void *m)
{
    note_call();
    pthread_mutex_unlock(m);
}

static unsigned long vt_spin_lock(void *m)
{
    note_call();
    pthread_mutex_lock(m);
    return 0;
}

static void vt_spin_unlock(void *m, unsigned long state)
{
    note_call();
    (void)state;
    pthread_mutex_unlock(m);
}

static int vt_waitq_create(void *ctx, void **out)
{
    note_call();
    (void)ctx;
    static int token;
    *out = &token;
    return 0;
}

static void vt_waitq_destroy(void *ctx, void *q)
{
    note_call();
    (void)ctx;
    (void)q;
}

static int vt_waitq_wait(void *q, void *m, axn_time_t deadline)
{
    note_call();
    (void)q;
    (void)m;
    (void)deadline;
    return -AXN_EWOULDBLOCK;
}

static void vt_waitq_wake_all(void *q)
{
    note_call();
    (void)q;
}

static axn_time_t vt_now_fn(void *ctx)
{
    note_call();
    (void)ctx;
    return axn_vt_now();
}

static int vt_random(void *ctx, void *buf, size_t len)
{
    note_call();
    (void)ctx;
    uint8_t *out = buf;
    for (size_t i = 0; i < len; i++)
        out[i] = (uint8_t)(i * 131u + 7u);
    return 0;
}

/* ---- IRQ registrar (PLAT-12) ------------------------------------------------------ */

static bool irq_line_valid(int irq)
{
    return irq >= 0 && irq < AXN_VT_IRQ_LINES;
}

static void copy_name(char *dst, size_t cap, const char *src)
{
    size_t i = 0;
    for (; src && src[i] != '\0' && i + 1 < cap; i++)
        dst[i] = src[i];
    if (cap > 0)
        dst[i] = '\0';
}

static int vt_irq_register(void *ctx, const char *name, int irq, axn_irq_action action, void *arg,
                           void **registration)
{
    (void)ctx;
    note_call();
    if (!irq_line_valid(irq) || !action || !registration)
        return -AXN_EINVAL;
    pthread_mutex_lock(&vt_irq_mu);
    int err = vt_irq_refusal[irq];
    struct vt_irq_reg *slot = NULL;
    for (size_t i = 0; !err && !slot && i < AXN_VT_IRQ_REGISTRATIONS; i++)
        slot = vt_irq_regs[i].used ? NULL : &vt_irq_regs[i];
    if (!err && !slot)
        err = -AXN_EBUSY;
    if (!err) {
        *slot = (struct vt_irq_reg){
            .used = true,
            .irq = irq,
            .action = action,
            .arg = arg,
            .order = vt_irq_next_order++,
        };
        copy_name(slot->name, sizeof(slot->name), name);
        *registration = slot;
    }
    pthread_mutex_unlock(&vt_irq_mu);
    return err;
}

static void vt_irq_unregister(void *ctx, void *registration)
{
    (void)ctx;
    note_call();
    /* From an action this would deadlock on vt_irq_mu: counted, refused. */
    if (vt_irq_depth > 0 || !registration)
        return;
    pthread_mutex_lock(&vt_irq_mu);
    struct vt_irq_reg *reg = registration;
    memset(reg, 0, sizeof(*reg));
    pthread_mutex_unlock(&vt_irq_mu);
}

/* The next action on `irq` registered after `after` (by order), or NULL. */
static struct vt_irq_reg *next_action(int irq, const struct vt_irq_reg *after)
{
    struct vt_irq_reg *best = NULL;
    for (size_t i = 0; i < AXN_VT_IRQ_REGISTRATIONS; i++) {
        struct vt_irq_reg *r = &vt_irq_regs[i];
        if (!r->used || r->irq != irq || (after && r->order <= after->order))
            continue;
        if (!best || r->order < best->order)
            best = r;
    }
    return best;
}

int axn_vt_irq_raise(int irq)
{
    if (!irq_line_valid(irq))
        return -AXN_EINVAL;
    if (vt_irq_depth > 0) {
        atomic_fetch_add(&vt_irq_violations, 1);
        return -AXN_EBUSY;
    }
    pthread_mutex_lock(&vt_irq_mu);
    struct axn_vt_irq_stats *c = &vt_irq_counts[irq];
    c->raised++;
    int woke = 0;
    const struct vt_irq_reg *r = next_action(irq, NULL);
    if (!r)
        c->unclaimed++;
    vt_irq_depth++;
    for (; r; r = next_action(irq, r)) {
        if (r->action(r->arg)) {
            c->woke++;
            woke++;
        } else {
            c->handled++;
        }
    }
    vt_irq_depth--;
    pthread_mutex_unlock(&vt_irq_mu);
    return woke;
}

void axn_vt_irq_raise_hook(void *ctx, int irq)
{
    (void)ctx;
    (void)axn_vt_irq_raise(irq);
}

void axn_vt_irq_refuse(int irq, int err)
{
    if (!irq_line_valid(irq))
        return;
    pthread_mutex_lock(&vt_irq_mu);
    vt_irq_refusal[irq] = err;
    pthread_mutex_unlock(&vt_irq_mu);
}

int axn_vt_irq_registered(int irq)
{
    int n = 0;
    pthread_mutex_lock(&vt_irq_mu);
    for (size_t i = 0; i < AXN_VT_IRQ_REGISTRATIONS; i++)
        n += vt_irq_regs[i].used && vt_irq_regs[i].irq == irq;
    pthread_mutex_unlock(&vt_irq_mu);
    return n;
}

bool axn_vt_irq_name(int irq, char *buf, size_t len)
{
    pthread_mutex_lock(&vt_irq_mu);
    const struct vt_irq_reg *r = irq_line_valid(irq) ? next_action(irq, NULL) : NULL;
    copy_name(buf, len, r ? r->name : "");
    pthread_mutex_unlock(&vt_irq_mu);
    return r != NULL;
}

void axn_vt_irq_stats(int irq, struct axn_vt_irq_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (!irq_line_valid(irq))
        return;
    pthread_mutex_lock(&vt_irq_mu);
    *out = vt_irq_counts[irq];
    pthread_mutex_unlock(&vt_irq_mu);
}

uint64_t axn_vt_irq_context_violations(void)
{
    return atomic_load(&vt_irq_violations);
}

bool axn_vt_in_irq(void)
{
    return vt_irq_depth > 0;
}

static const struct axn_platform vt_platform = {
    .alloc = vt_alloc,
    .free = vt_free,
    .spin_create = vt_mutex_create,
    .spin_destroy = vt_mutex_destroy,
    .spin_lock_irqsave = vt_spin_lock,
    .spin_unlock_irqrestore = vt_spin_unlock,
    .mutex_create = vt_mutex_create,
    .mutex_destroy = vt_mutex_destroy,
    .mutex_lock = vt_mutex_lock,
    .mutex_unlock = vt_mutex_unlock,
    .waitq_create = vt_waitq_create,
    .waitq_destroy = vt_waitq_destroy,
    .waitq_wait = vt_waitq_wait,
    .waitq_wake_all = vt_waitq_wake_all,
    .event_create = vt_event_create,
    .event_destroy = vt_event_destroy,
    .event_wait = vt_event_wait,
    .event_signal = vt_event_signal,
    .thread_start = vt_thread_start,
    .thread_join = vt_thread_join,
    .now = vt_now_fn,
    .random = vt_random,
    .log = NULL,
    .log_level = AXN_LOG_WARN,
    .irq_register = vt_irq_register,
    .irq_unregister = vt_irq_unregister,
};

const struct axn_platform *axn_vt_platform(void)
{
    return &vt_platform;
}

void axn_vt_reset(axn_time_t now)
{
    pthread_mutex_lock(&vt_mu);
    vt_now = now;
    pthread_mutex_unlock(&vt_mu);
    pthread_mutex_lock(&vt_irq_mu);
    memset(vt_irq_refusal, 0, sizeof(vt_irq_refusal));
    memset(vt_irq_counts, 0, sizeof(vt_irq_counts));
    atomic_store(&vt_irq_violations, 0);
    pthread_mutex_unlock(&vt_irq_mu);
}

axn_time_t axn_vt_now(void)
{
    pthread_mutex_lock(&vt_mu);
    axn_time_t now = vt_now;
    pthread_mutex_unlock(&vt_mu);
    return now;
}

void axn_vt_run_until(axn_time_t t)
{
    pthread_mutex_lock(&vt_mu);
    struct vt_waiter w = {.deadline = t};
    sleep_until_released(&w);
    pthread_mutex_unlock(&vt_mu);
}

void axn_vt_settle(void)
{
    axn_vt_run_until(axn_vt_now());
}

uint64_t axn_vt_event_wakeups(void *event)
{
    pthread_mutex_lock(&vt_mu);
    uint64_t n = ((struct vt_event *)event)->wakeups;
    pthread_mutex_unlock(&vt_mu);
    return n;
}

uint64_t axn_vt_event_timeouts(void *event)
{
    pthread_mutex_lock(&vt_mu);
    uint64_t n = ((struct vt_event *)event)->timeouts;
    pthread_mutex_unlock(&vt_mu);
    return n;
}

size_t axn_vt_live_allocs(void)
{
    return atomic_load(&vt_live);
}

/* Unreachable reports, devices -> protocol core (core/unreach_queue.h). */
#include "core/unreach_queue.h"

#include "lib/mem.h"

int axn_unreach_queue_init(struct axn_unreach_queue *q, const struct axn_platform *plat)
{
    memset(q, 0, sizeof(*q));
    q->plat = plat;
    int err = plat->spin_create(plat->ctx, &q->lock);
    if (err)
        q->lock = NULL;
    return err;
}

void axn_unreach_queue_destroy(struct axn_unreach_queue *q)
{
    if (q->plat && q->lock)
        q->plat->spin_destroy(q->plat->ctx, q->lock);
    q->lock = NULL;
}

bool axn_unreach_queue_push(struct axn_unreach_queue *q, uint32_t ifindex, const uint8_t *pkt,
                            size_t len)
{
    const size_t quote = len < AXN_UNREACH_REPORT_BYTES ? len : AXN_UNREACH_REPORT_BYTES;
    unsigned long irq = q->plat->spin_lock_irqsave(q->lock);
    const uint32_t n = atomic_load_explicit(&q->count, memory_order_relaxed);
    const bool room = n < AXN_UNREACH_QUEUE_LEN;
    if (room) {
        struct axn_unreach_report *r = &q->slots[(q->head + n) % AXN_UNREACH_QUEUE_LEN];
        r->ifindex = ifindex;
        r->quote_len = (uint32_t)quote;
        memcpy(r->quote, pkt, quote);
        atomic_store_explicit(&q->count, n + 1, memory_order_release);
    }
    q->plat->spin_unlock_irqrestore(q->lock, irq);
    if (!room)
        atomic_fetch_add_explicit(&q->overflow, 1, memory_order_relaxed);
    return room;
}

bool axn_unreach_queue_pop(struct axn_unreach_queue *q, struct axn_unreach_report *out)
{
    /* Every core run looks: skip the lock when there is nothing. Only the
     * single consumer lowers the count, so a nonzero count stays so. */
    if (axn_unreach_queue_is_empty(q))
        return false;
    unsigned long irq = q->plat->spin_lock_irqsave(q->lock);
    const uint32_t n = atomic_load_explicit(&q->count, memory_order_relaxed);
    if (n > 0) {
        const struct axn_unreach_report *r = &q->slots[q->head];
        out->ifindex = r->ifindex;
        out->quote_len = r->quote_len;
        memcpy(out->quote, r->quote, r->quote_len);
        q->head = (q->head + 1) % AXN_UNREACH_QUEUE_LEN;
        atomic_store_explicit(&q->count, n - 1, memory_order_release);
    }
    q->plat->spin_unlock_irqrestore(q->lock, irq);
    return n > 0;
}

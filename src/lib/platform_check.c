/* Validation of a port's callback table before a stack trusts it. */
#include "axnet/errno.h"
#include "axnet/platform.h"

int axn_platform_check(const struct axn_platform *p)
{
    if (!p)
        return -AXN_EINVAL;
    const bool complete = p->alloc && p->free && p->spin_create && p->spin_destroy &&
                          p->spin_lock_irqsave && p->spin_unlock_irqrestore && p->mutex_create &&
                          p->mutex_destroy && p->mutex_lock && p->mutex_unlock && p->waitq_create &&
                          p->waitq_destroy && p->waitq_wait && p->waitq_wake_all &&
                          p->event_create && p->event_destroy && p->event_wait && p->event_signal &&
                          p->thread_start && p->thread_join && p->now && p->random;
    /* The registrar comes as a pair or not at all. */
    const bool irq_pair = (p->irq_register == NULL) == (p->irq_unregister == NULL);
    return complete && irq_pair ? 0 : -AXN_EINVAL;
}

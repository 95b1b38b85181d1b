/*
 * Device news for the protocol core (core/proto_hooks.h): unreachable
 * reports, queued by the devices and handed over on the poll path, and
 * interface events, told at once by the control calls that cause them.
 */
#include "core/stack_impl.h"
#include "svc/svc.h"

void axn_stack_report_unreachable(struct axn_stack *st, uint32_t ifindex, const uint8_t *pkt,
                                  size_t len)
{
    /* Asked after the push and outside its lock (platform.h: no wake-ups
     * under a spin lock), so the poll it causes finds the report; threaded
     * mode has nobody else to drain it. A dropped report asks for nothing:
     * the queue is full, so a drain is already on its way. */
    if (axn_unreach_queue_push(&st->unreach, ifindex, pkt, len))
        axn_stack_request_poll(st);
}

size_t axn_stack_drain_unreachable(struct axn_stack *st, axn_time_t now)
{
    /* What is queued now, at most: producers keep adding while we run. */
    size_t taken = 0;
    struct axn_unreach_report rep;
    while (taken < AXN_UNREACH_QUEUE_LEN && axn_unreach_queue_pop(&st->unreach, &rep)) {
        taken++;
        /* The socket layer (next issue) turns this into EHOSTUNREACH on the
         * sending socket; with no hook the report is dropped. */
        if (st->proto.unreachable)
            st->proto.unreachable(st->proto.unreachable_ctx, rep.ifindex, rep.quote, rep.quote_len,
                                  now);
    }
    return taken;
}

void axn_stack_iface_event(struct axn_stack *st, uint32_t ifindex, enum axn_iface_event ev,
                           axn_time_t now)
{
    if (st->proto.iface_event)
        st->proto.iface_event(st->proto.iface_event_ctx, ifindex, ev, now);
    if (st->svc != NULL)
        axn_svc_iface_event(st->svc, ifindex, (int)ev, now);
}

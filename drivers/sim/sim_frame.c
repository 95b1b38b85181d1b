/*
 * Frame buffers of the simulated wire. Each frame is its own heap block, so
 * that a stack touching a buffer after recycle_rx() or transmit() is caught
 * by AddressSanitizer instead of silently reading a recycled frame.
 */
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

struct axn_sim_frame *axn_sim_frame_alloc(size_t cap)
{
    /* Zeroed, like a NIC's TX buffer, so unwritten bytes are not garbage. */
    struct axn_sim_frame *frame = calloc(1, sizeof(*frame) + cap);
    if (frame)
        frame->cap = cap;
    return frame;
}

struct axn_sim_frame *axn_sim_frame_clone(const struct axn_sim_frame *frame)
{
    struct axn_sim_frame *copy = axn_sim_frame_alloc(frame->len);
    if (!copy)
        return NULL;
    copy->len = frame->len;
    memcpy(copy->data, frame->data, frame->len);
    return copy;
}

void axn_sim_frame_free(struct axn_sim_frame *frame)
{
    free(frame);
}

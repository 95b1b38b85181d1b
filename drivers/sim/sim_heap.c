/*
 * Frames in flight, ordered by due time and, for equal times, by send order:
 * a binary min-heap, so that sending and delivering stay O(log n) with
 * thousands of frames in flight.
 */
#include <stdlib.h>

#include "sim_internal.h"

static bool earlier(const struct axn_sim_frame *a, const struct axn_sim_frame *b)
{
    if (a->due != b->due)
        return a->due < b->due;
    return a->seq < b->seq;
}

static void swap(struct axn_sim_frame **items, uint32_t i, uint32_t j)
{
    struct axn_sim_frame *tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
}

static void sift_up(struct axn_sim_heap *heap, uint32_t i)
{
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (!earlier(heap->items[i], heap->items[parent]))
            return;
        swap(heap->items, i, parent);
        i = parent;
    }
}

static void sift_down(struct axn_sim_heap *heap, uint32_t i)
{
    for (;;) {
        uint32_t left = 2 * i + 1;
        uint32_t right = left + 1;
        uint32_t first = i;
        if (left < heap->len && earlier(heap->items[left], heap->items[first]))
            first = left;
        if (right < heap->len && earlier(heap->items[right], heap->items[first]))
            first = right;
        if (first == i)
            return;
        swap(heap->items, i, first);
        i = first;
    }
}

int axn_sim_heap_init(struct axn_sim_heap *heap, uint32_t cap)
{
    heap->items = calloc(cap, sizeof(*heap->items));
    heap->len = 0;
    heap->cap = cap;
    return heap->items ? 0 : -1;
}

void axn_sim_heap_destroy(struct axn_sim_heap *heap)
{
    for (uint32_t i = 0; i < heap->len; i++)
        axn_sim_frame_free(heap->items[i]);
    free(heap->items);
    heap->items = NULL;
    heap->len = 0;
}

void axn_sim_heap_push(struct axn_sim_heap *heap, struct axn_sim_frame *frame)
{
    heap->items[heap->len] = frame;
    sift_up(heap, heap->len);
    heap->len++;
}

struct axn_sim_frame *axn_sim_heap_peek(const struct axn_sim_heap *heap)
{
    return heap->len ? heap->items[0] : NULL;
}

struct axn_sim_frame *axn_sim_heap_pop(struct axn_sim_heap *heap)
{
    if (heap->len == 0)
        return NULL;
    struct axn_sim_frame *top = heap->items[0];
    heap->len--;
    heap->items[0] = heap->items[heap->len];
    sift_down(heap, 0);
    return top;
}

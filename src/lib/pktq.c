/* Bounded inline packet FIFO (spec RT-3..RT-5); see pktq.h for the rules. */
#include "lib/pktq.h"

#include "axnet/errno.h"
#include "lib/mem.h"

/*
 * Alignment of the block and of the data area inside it: enough that a
 * packet's first byte sits where any scalar could, so in-place header
 * readers never meet a misaligned slot start.
 */
#define PKTQ_ALIGN 16u

static size_t round_up(size_t n, size_t align)
{
    return (n + align - 1) / align * align;
}

static uint8_t *slot_data(const struct axn_pktq *q, uint32_t index)
{
    return q->data + (size_t)index * q->slot_size;
}

static uint32_t next_index(const struct axn_pktq *q, uint32_t index)
{
    return index + 1 == q->capacity ? 0 : index + 1;
}

/* Block layout: slot descriptors, padding to PKTQ_ALIGN, then the bytes. */
static int block_layout(uint32_t capacity, uint32_t slot_size, size_t *data_off, size_t *total)
{
    const size_t desc = (size_t)capacity * sizeof(struct axn_pktq_slot);
    const size_t off = round_up(desc, PKTQ_ALIGN);
    if (SIZE_MAX / capacity < slot_size)
        return -AXN_EINVAL;
    const size_t bytes = (size_t)capacity * slot_size;
    if (SIZE_MAX - off < bytes)
        return -AXN_EINVAL;
    *data_off = off;
    *total = off + bytes;
    return 0;
}

int axn_pktq_init(struct axn_pktq *q, const struct axn_platform *plat, uint32_t capacity,
                  uint32_t slot_size)
{
    memset(q, 0, sizeof(*q));
    if (!plat || capacity == 0 || slot_size == 0)
        return -AXN_EINVAL;
    size_t data_off;
    size_t total;
    int err = block_layout(capacity, slot_size, &data_off, &total);
    if (err)
        return err;
    uint8_t *block = plat->alloc(plat->ctx, total, PKTQ_ALIGN);
    if (!block)
        return -AXN_ENOMEM;
    q->plat = plat;
    q->slots = (struct axn_pktq_slot *)(void *)block;
    q->data = block + data_off;
    q->block_size = total;
    q->capacity = capacity;
    q->slot_size = slot_size;
    atomic_init(&q->count, 0);
    return 0;
}

void axn_pktq_destroy(struct axn_pktq *q)
{
    if (q->plat && q->big)
        q->plat->free(q->plat->ctx, q->big, q->big_block);
    if (q->plat && q->slots)
        q->plat->free(q->plat->ctx, q->slots, q->block_size);
    memset(q, 0, sizeof(*q));
}

int axn_pktq_enable_big(struct axn_pktq *q, uint32_t n, uint32_t size)
{
    if (q->big)
        return 0;
    if (!q->plat || n == 0 || size <= q->slot_size)
        return -AXN_EINVAL;
    const size_t total = (size_t)n * round_up(size, PKTQ_ALIGN);
    uint8_t *block = q->plat->alloc(q->plat->ctx, total, PKTQ_ALIGN);
    if (!block)
        return -AXN_ENOMEM;
    q->big_block = total;
    q->big_cap = n;
    q->big_size = size;
    q->big_head = 0;
    q->big_tail = 0;
    atomic_init(&q->big_count, 0);
    q->big = block;
    return 0;
}

static uint8_t *big_data(const struct axn_pktq *q, uint32_t index)
{
    return q->big + (size_t)index * round_up(q->big_size, PKTQ_ALIGN);
}

static uint32_t big_next(const struct axn_pktq *q, uint32_t index)
{
    return index + 1 == q->big_cap ? 0 : index + 1;
}

/* ---- Producer side -------------------------------------------------------- */

uint8_t *axn_pktq_reserve(struct axn_pktq *q)
{
    /* Acquire: the consumer's last read of this slot happened before its
     * release decrement we observe here, so we may overwrite it. */
    q->reserved_big = false;
    if (atomic_load_explicit(&q->count, memory_order_acquire) >= q->capacity)
        return NULL;
    return slot_data(q, q->tail);
}

uint8_t *axn_pktq_reserve_big(struct axn_pktq *q)
{
    q->reserved_big = false;
    if (!q->big || atomic_load_explicit(&q->count, memory_order_acquire) >= q->capacity)
        return NULL;
    /* Acquire, as for the slots: the consumer is done with this buffer. */
    if (atomic_load_explicit(&q->big_count, memory_order_acquire) >= q->big_cap)
        return NULL;
    q->reserved_big = true;
    return big_data(q, q->big_tail);
}

/* The large buffer of a commit: its ring moves first, so a consumer that
 * sees the slot (acquire on `count`) sees the buffer counted too. */
static void commit_big(struct axn_pktq *q, struct axn_pktq_slot *slot)
{
    slot->big = q->reserved_big;
    if (!q->reserved_big)
        return;
    q->reserved_big = false;
    q->big_tail = big_next(q, q->big_tail);
    atomic_fetch_add_explicit(&q->big_count, 1, memory_order_release);
}

int axn_pktq_commit(struct axn_pktq *q, size_t len, const struct axn_pktq_meta *meta)
{
    if (len > (q->reserved_big ? q->big_size : q->slot_size))
        return -AXN_EMSGSIZE;
    if (atomic_load_explicit(&q->count, memory_order_acquire) >= q->capacity)
        return -AXN_ENOBUFS;
    struct axn_pktq_slot *slot = &q->slots[q->tail];
    slot->len = (uint32_t)len;
    commit_big(q, slot);
    if (meta)
        slot->meta = *meta;
    else
        memset(&slot->meta, 0, sizeof(slot->meta));
    q->tail = next_index(q, q->tail);
    /* Release: the slot's bytes and metadata are visible before the count
     * that lets the consumer read them. */
    atomic_fetch_add_explicit(&q->count, 1, memory_order_release);
    return 0;
}

int axn_pktq_push(struct axn_pktq *q, const void *data, size_t len,
                  const struct axn_pktq_meta *meta)
{
    if (len > axn_pktq_max_len(q))
        return -AXN_EMSGSIZE;
    uint8_t *dst = len > q->slot_size ? axn_pktq_reserve_big(q) : axn_pktq_reserve(q);
    if (!dst)
        return -AXN_ENOBUFS;
    if (len > 0)
        memcpy(dst, data, len);
    return axn_pktq_commit(q, len, meta);
}

/* ---- Consumer side -------------------------------------------------------- */

int axn_pktq_peek(struct axn_pktq *q, struct axn_pktq_view *view)
{
    /* Acquire pairs with the producer's release increment in commit. */
    if (atomic_load_explicit(&q->count, memory_order_acquire) == 0)
        return -AXN_EAGAIN;
    const struct axn_pktq_slot *slot = &q->slots[q->head];
    view->data = slot->big ? big_data(q, q->big_head) : slot_data(q, q->head);
    view->len = slot->len;
    view->meta = slot->meta;
    return 0;
}

void axn_pktq_consume(struct axn_pktq *q)
{
    if (atomic_load_explicit(&q->count, memory_order_acquire) == 0)
        return;
    if (q->slots[q->head].big) {
        q->big_head = big_next(q, q->big_head);
        atomic_fetch_sub_explicit(&q->big_count, 1, memory_order_release);
    }
    q->head = next_index(q, q->head);
    /* Release: our reads of the slot finish before the producer may reuse it. */
    atomic_fetch_sub_explicit(&q->count, 1, memory_order_release);
}

int axn_pktq_pop(struct axn_pktq *q, void *buf, size_t cap, size_t *len, struct axn_pktq_meta *meta)
{
    struct axn_pktq_view view;
    int err = axn_pktq_peek(q, &view);
    if (err)
        return err;
    if (view.len > cap)
        return -AXN_EMSGSIZE;
    if (view.len > 0)
        memcpy(buf, view.data, view.len);
    if (len)
        *len = view.len;
    if (meta)
        *meta = view.meta;
    axn_pktq_consume(q);
    return 0;
}

/* ---- Snapshots ------------------------------------------------------------- */

uint32_t axn_pktq_len(const struct axn_pktq *q)
{
    return atomic_load_explicit(&q->count, memory_order_acquire);
}

bool axn_pktq_is_empty(const struct axn_pktq *q)
{
    return axn_pktq_len(q) == 0;
}

bool axn_pktq_is_full(const struct axn_pktq *q)
{
    return axn_pktq_len(q) >= q->capacity;
}

/*
 * port/none: the platform for a system with one thread and no blocking.
 *
 * The caller runs the stack from its own loop (polling). Freestanding: it
 * needs nothing but the hooks below and an arena of memory.
 *
 * - Memory comes from the caller's arena through a first-fit allocator
 *   with an address-ordered free list that coalesces neighbours on free.
 *   Cost per block: a 16-byte header, the size rounded up to 16 bytes
 *   (plus 16 more when only that much would be left over: too little for
 *   another block), and for alignments above 16 up to (align - 16) bytes
 *   in front, which stays a free block. Lock, wait-queue and event handles
 *   are 32-byte blocks of the arena too. Exhaustion returns NULL.
 * - Locks do nothing, but they are counted in the context struct, so a
 *   test can check that every lock was released and the platform.h rules
 *   were kept (see `lock_errors`).
 * - waitq_wait and event_wait refuse to block: -AXN_EWOULDBLOCK. An event
 *   that was already signalled is sticky: event_wait then returns 0 at
 *   once and clears it.
 * - thread_start: -AXN_EOPNOTSUPP.
 * - now() and random() are the caller's hooks; log is the caller's hook or
 *   silent. There is no IRQ registrar: every device is polled.
 *
 * All state lives in the caller's `struct axn_port_none`; several can
 * coexist. It must outlive the platform table that points at it.
 */
#ifndef AXNET_PORT_NONE_H
#define AXNET_PORT_NONE_H

#include "axnet/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes each arena block spends on its header (and its size granule). */
#define AXN_PORT_NONE_BLOCK_OVERHEAD 16
/* Largest alignment the arena honours (platform.h asks for at most 64). */
#define AXN_PORT_NONE_MAX_ALIGN 4096

struct axn_port_none_hooks {
    /* Passed back to each hook. */
    void *ctx;
    /* Monotonic microseconds. Required. */
    axn_time_t (*now)(void *ctx);
    /* Fills `buf` with unpredictable bytes: a hardware RNG, or a DRBG
     * seeded from real entropy at boot. Required. A fixed seed is
     * forbidden: TCP initial sequence numbers (RFC 6528), ephemeral ports
     * (RFC 6056) and DNS ids (RFC 5452) would become guessable, and every
     * machine booting the same image would share them. */
    int (*random)(void *ctx, void *buf, size_t len);
    /* One formatted line. Optional: NULL keeps the stack silent. */
    void (*log)(void *ctx, enum axn_log_level level, const char *line);
    enum axn_log_level log_level;
};

struct axn_port_none_block;

/* Owned by the caller; zeroing it is not needed, init fills it. */
struct axn_port_none {
    /* ---- private to the port ------------------------------------------ */
    struct axn_port_none_hooks hooks;
    unsigned char *arena;
    size_t arena_len;
    struct axn_port_none_block *free_list; /* ascending addresses */

    /* ---- statistics, read freely -------------------------------------- */
    size_t arena_used;     /* bytes of live blocks, headers included */
    size_t blocks_in_use;  /* live allocations (handles included) */
    size_t alloc_failures; /* alloc calls that returned NULL */
    size_t bad_frees;      /* frees of something that is not a live block */
    long spin_held;        /* spin locks held right now */
    long mutex_held;       /* mutexes held right now */
    /* Broken lock rules: unlock of a lock not held, re-lock of a held one
     * (a deadlock on a real port), destroy while held, a mutex taken or a
     * wait entered with a spin lock held, a wait without its mutex held. */
    size_t lock_errors;
};

/*
 * Fills `plat` to run on `ctx` with memory from arena[0 .. arena_len).
 * Returns 0, or -AXN_EINVAL if an argument is NULL, `hooks->now` or
 * `hooks->random` is missing, or the arena cannot hold one block.
 */
int axn_port_none_init(struct axn_port_none *ctx, struct axn_platform *plat, void *arena,
                       size_t arena_len, const struct axn_port_none_hooks *hooks);

/* Free bytes in the arena, headers of free blocks included. */
size_t axn_port_none_free_bytes(const struct axn_port_none *ctx);

/* Largest size that one alloc (alignment 16 or less) would get now. */
size_t axn_port_none_largest_free(const struct axn_port_none *ctx);

#ifdef __cplusplus
}
#endif

#endif /* AXNET_PORT_NONE_H */

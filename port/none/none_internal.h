/*
 * What the files of port/none share. Each file fills its part of the
 * platform table; the arena is also used for the port's own handles.
 */
#ifndef AXN_PORT_NONE_INTERNAL_H
#define AXN_PORT_NONE_INTERNAL_H

#include "axnet/port_none.h"

/* Sets up the arena; -AXN_EINVAL if it cannot hold one block. */
int axn_none_arena_init(struct axn_port_none *port, void *arena, size_t len);
void *axn_none_arena_alloc(struct axn_port_none *port, size_t size, size_t align);
void axn_none_arena_free(struct axn_port_none *port, void *ptr, size_t size);

/* Fill the memory / lock, wait and event callbacks of `plat`. */
void axn_none_install_memory(struct axn_platform *plat);
void axn_none_install_sync(struct axn_platform *plat);

#endif /* AXN_PORT_NONE_INTERNAL_H */

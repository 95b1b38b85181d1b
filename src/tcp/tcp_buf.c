/*
 * Connection memory: see tcp_buf.h. (Stub until the memory work lands:
 * rings are allocated whole by axn_tcp_conn_alloc_rings.)
 */
#include "tcp/tcp_buf.h"

#include "axnet/errno.h"
#include "tcp/tcp_conn.h"

int axn_tcp_rcv_ring_reserve(struct axn_tcp_conn *c, uint32_t bytes)
{
    return c->rcv.buf != NULL && bytes <= c->rcv.cap ? 0 : -AXN_ENOBUFS;
}

/*
 * A listener's table of request entries (tcp_synq.h): a fixed array of
 * buckets hashed by the 4-tuple under the layer's SipHash secret (so a
 * flood cannot aim at one chain), entries allocated one per half-open
 * handshake within the listener's bound.
 */
#include "tcp/tcp_synq.h"

#include "lib/mem.h"
#include "lib/siphash.h"

#define SYNQ_MASK (AXN_TCP_SYNQ_BUCKETS - 1u)
_Static_assert((AXN_TCP_SYNQ_BUCKETS & SYNQ_MASK) == 0, "AXN_TCP_SYNQ_BUCKETS: a power of two");
/* Domain of the bucket hash, apart from the 4-tuple hash's own use of
 * the key ("SYNQ"). */
#define SYNQ_HASH_DOMAIN 0x53594e51u

static struct axn_tcp_req **chain(const struct axn_tcp_conn *lst, axn_ip4_t laddr, uint16_t lport,
                                  axn_ip4_t raddr, uint16_t rport)
{
    const uint32_t w[4] = {SYNQ_HASH_DOMAIN, laddr, raddr, ((uint32_t)lport << 16) | rport};
    const uint64_t h = axn_siphash24(lst->layer->hash_key, w, sizeof(w));
    return &lst->synq->bucket[h & SYNQ_MASK];
}

struct axn_tcp_synq *axn_tcp_synq_get(struct axn_tcp_conn *lst)
{
    const struct axn_platform *p = lst->layer->plat;
    if (lst->synq)
        return lst->synq;
    lst->synq = p->alloc(p->ctx, sizeof(*lst->synq), _Alignof(struct axn_tcp_synq));
    if (lst->synq)
        memset(lst->synq, 0, sizeof(*lst->synq));
    return lst->synq;
}

uint32_t axn_tcp_synq_len(const struct axn_tcp_conn *lst)
{
    return lst->synq ? lst->synq->len : 0;
}

struct axn_tcp_req *axn_tcp_synq_find(const struct axn_tcp_conn *lst, axn_ip4_t laddr,
                                      uint16_t lport, axn_ip4_t raddr, uint16_t rport)
{
    if (!lst->synq)
        return NULL;
    for (struct axn_tcp_req *r = *chain(lst, laddr, lport, raddr, rport); r; r = r->next) {
        if (r->laddr == laddr && r->lport == lport && r->raddr == raddr && r->rport == rport)
            return r;
    }
    return NULL;
}

struct axn_tcp_req *axn_tcp_synq_add(struct axn_tcp_conn *lst, axn_ip4_t laddr, uint16_t lport,
                                     axn_ip4_t raddr, uint16_t rport)
{
    const struct axn_platform *p = lst->layer->plat;
    if (!axn_tcp_synq_get(lst))
        return NULL;
    struct axn_tcp_req *r = p->alloc(p->ctx, sizeof(*r), _Alignof(struct axn_tcp_req));
    if (!r)
        return NULL;
    memset(r, 0, sizeof(*r));
    r->laddr = laddr;
    r->lport = lport;
    r->raddr = raddr;
    r->rport = rport;
    struct axn_tcp_req **b = chain(lst, laddr, lport, raddr, rport);
    r->next = *b;
    *b = r;
    lst->synq->len++;
    return r;
}

void axn_tcp_synq_del(struct axn_tcp_conn *lst, struct axn_tcp_req *r)
{
    const struct axn_platform *p = lst->layer->plat;
    struct axn_tcp_req **pp = chain(lst, r->laddr, r->lport, r->raddr, r->rport);
    while (*pp && *pp != r)
        pp = &(*pp)->next;
    if (*pp) {
        *pp = r->next;
        lst->synq->len--;
    }
    p->free(p->ctx, r, sizeof(*r));
}

void axn_tcp_synq_each(struct axn_tcp_conn *lst,
                       void (*fn)(struct axn_tcp_conn *lst, struct axn_tcp_req *r, void *arg),
                       void *arg)
{
    if (!lst->synq)
        return;
    for (uint32_t i = 0; i < AXN_TCP_SYNQ_BUCKETS; i++) {
        struct axn_tcp_req *r = lst->synq->bucket[i];
        while (r) {
            struct axn_tcp_req *next = r->next;
            fn(lst, r, arg);
            r = next;
        }
    }
}

static void del_one(struct axn_tcp_conn *lst, struct axn_tcp_req *r, void *arg)
{
    (void)arg;
    axn_tcp_synq_del(lst, r);
}

void axn_tcp_synq_free(struct axn_tcp_conn *lst)
{
    const struct axn_platform *p = lst->layer->plat;
    if (!lst->synq)
        return;
    axn_tcp_synq_each(lst, del_one, NULL);
    p->free(p->ctx, lst->synq, sizeof(*lst->synq));
    lst->synq = NULL;
}

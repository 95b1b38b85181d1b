/*
 * The DHCP server's lease table and pool allocator (svc/dhcp_server.h).
 *
 * Invariant: at most one non-empty entry holds an address, and a key has
 * at most one keyed entry. Scans are linear in the table (max_leases): the
 * allocator looks at no more than max_leases + 2 pool addresses before it
 * finds one no entry holds, so a DISCOVER costs O(max_leases^2) compares at
 * worst, bounded and allocation-free.
 */
#include "lib/mem.h"
#include "svc/dhcp_server.h"

static bool key_equal(const struct dhcps_key *a, const struct dhcps_key *b)
{
    if (a->has_cid != b->has_cid)
        return false;
    if (a->has_cid)
        return a->cid_len == b->cid_len && memcmp(a->cid, b->cid, a->cid_len) == 0;
    return memcmp(a->mac.b, b->mac.b, sizeof(a->mac.b)) == 0;
}

bool axn_dhcps_live(const struct dhcps_entry *e)
{
    return e->state == DHCPS_OFFERED || e->state == DHCPS_BOUND || e->state == DHCPS_DECLINED;
}

axn_time_t axn_dhcps_expire(struct axn_dhcps *s, axn_time_t now)
{
    axn_time_t next = AXN_TIME_NEVER;
    for (size_t i = 0; i < s->n_entries; i++) {
        struct dhcps_entry *e = &s->entries[i];
        if (!axn_dhcps_live(e))
            continue;
        if (e->expires > now) {
            next = e->expires < next ? e->expires : next;
            continue;
        }
        if (e->state == DHCPS_DECLINED) {
            /* Quarantine over: the address is usable again, and the entry
             * remembers nobody. */
            memset(e, 0, sizeof(*e));
            continue;
        }
        e->state = DHCPS_DORMANT;
        e->expires = now;
        s->stats.expired++;
    }
    return next;
}

struct dhcps_entry *axn_dhcps_find_key(struct axn_dhcps *s, const struct dhcps_key *k)
{
    for (size_t i = 0; i < s->n_entries; i++) {
        struct dhcps_entry *e = &s->entries[i];
        if (e->state != DHCPS_EMPTY && e->state != DHCPS_DECLINED && key_equal(&e->key, k))
            return e;
    }
    return NULL;
}

struct dhcps_entry *axn_dhcps_find_addr(struct axn_dhcps *s, axn_ip4_t addr)
{
    for (size_t i = 0; i < s->n_entries; i++)
        if (s->entries[i].state != DHCPS_EMPTY && s->entries[i].addr == addr)
            return &s->entries[i];
    return NULL;
}

bool axn_dhcps_in_pool(const struct axn_dhcps *s, const struct dhcps_iface *ifc, axn_ip4_t addr)
{
    return addr >= s->pool_first && addr <= s->pool_last && addr != ifc->server;
}

bool axn_dhcps_addr_free(struct axn_dhcps *s, const struct dhcps_iface *ifc, axn_ip4_t addr,
                         const struct dhcps_key *k)
{
    if (!axn_dhcps_in_pool(s, ifc, addr))
        return false;
    const struct dhcps_entry *e = axn_dhcps_find_addr(s, addr);
    return e == NULL || !axn_dhcps_live(e) || (e->state != DHCPS_DECLINED && key_equal(&e->key, k));
}

/* An empty entry, else the dormant one dormant longest; NULL if neither. */
static struct dhcps_entry *spare_entry(struct axn_dhcps *s)
{
    struct dhcps_entry *oldest = NULL;
    for (size_t i = 0; i < s->n_entries; i++) {
        struct dhcps_entry *e = &s->entries[i];
        if (e->state == DHCPS_EMPTY)
            return e;
        if (e->state == DHCPS_DORMANT && (oldest == NULL || e->expires < oldest->expires))
            oldest = e;
    }
    return oldest;
}

struct dhcps_entry *axn_dhcps_claim(struct axn_dhcps *s, const struct dhcps_key *k, axn_ip4_t addr)
{
    struct dhcps_entry *mine = axn_dhcps_find_key(s, k);
    struct dhcps_entry *holder = axn_dhcps_find_addr(s, addr);
    if (holder != NULL && holder != mine) {
        /* A dormant memory of another client: the address moves on. */
        if (mine == NULL) {
            mine = holder;
        } else {
            memset(holder, 0, sizeof(*holder));
        }
    }
    if (mine == NULL)
        mine = spare_entry(s);
    if (mine == NULL)
        return NULL;
    if (mine->state == DHCPS_EMPTY || !key_equal(&mine->key, k)) {
        mine->state = DHCPS_DORMANT;
        mine->key = *k;
    }
    mine->addr = addr;
    return mine;
}

/* The first pool address no entry holds (not the server's), or 0. */
static axn_ip4_t first_unheld(struct axn_dhcps *s, const struct dhcps_iface *ifc)
{
    for (axn_ip4_t a = s->pool_first;; a++) {
        if (a != ifc->server && axn_dhcps_find_addr(s, a) == NULL)
            return a;
        if (a == s->pool_last)
            return 0;
    }
}

/* The dormant entry dormant longest whose address is still in the pool. */
static struct dhcps_entry *oldest_dormant(struct axn_dhcps *s, const struct dhcps_iface *ifc)
{
    struct dhcps_entry *oldest = NULL;
    for (size_t i = 0; i < s->n_entries; i++) {
        struct dhcps_entry *e = &s->entries[i];
        if (e->state == DHCPS_DORMANT && axn_dhcps_in_pool(s, ifc, e->addr) &&
            (oldest == NULL || e->expires < oldest->expires))
            oldest = e;
    }
    return oldest;
}

struct dhcps_entry *axn_dhcps_allocate(struct axn_dhcps *s, const struct dhcps_iface *ifc,
                                       const struct dhcps_key *k, axn_ip4_t requested)
{
    /* RFC 2131 4.3.1: the current binding, else the previous one. */
    struct dhcps_entry *e = axn_dhcps_find_key(s, k);
    if (e != NULL && axn_dhcps_in_pool(s, ifc, e->addr))
        return e;
    /* Else the requested address, if it is valid and not allocated. */
    if (requested != 0 && axn_dhcps_addr_free(s, ifc, requested, k))
        return axn_dhcps_claim(s, k, requested);
    /* Else a new address from the pool. */
    const axn_ip4_t a = first_unheld(s, ifc);
    if (a != 0) {
        e = axn_dhcps_claim(s, k, a);
        if (e != NULL)
            return e;
    }
    const struct dhcps_entry *old = oldest_dormant(s, ifc);
    return old != NULL ? axn_dhcps_claim(s, k, old->addr) : NULL;
}

/*
 * The resolver's answer cache: AXN_DNS_CACHE_ENTRIES entries keyed by
 * (lower-case name, qtype), each holding the addresses and canonical name
 * of one answer until the smallest TTL of the records it came from runs
 * out (RFC 1035 3.2.1, RFC 2181 8), and negative answers (NXDOMAIN,
 * NODATA) for their SOA minimum (RFC 2308 5). Memory is allocated once, at create;
 * a full cache evicts the entry that expires first (the least useful one).
 * Every access copies under svc->dns_lock, a leaf spin lock.
 */
#include "axnet/errno.h"
#include "lib/mem.h"
#include "svc/dns_resolver.h"
#include "svc/svc.h"

struct axn_dns_cache_entry {
    bool used;
    uint16_t qtype;
    axn_time_t expiry;
    char key[AXN_DNS_NAME_TEXT_MAX];
    struct axn_dns_cached data;
};

struct axn_dns_cache {
    struct axn_dns_cache_entry e[AXN_DNS_CACHE_ENTRIES];
};

#define ASCII_CASE_BIT 0x20

int axn_dns_cache_create(const struct axn_platform *plat, struct axn_dns_cache **out)
{
    struct axn_dns_cache *c = plat->alloc(plat->ctx, sizeof(*c), _Alignof(struct axn_dns_cache));
    if (c == NULL)
        return -AXN_ENOMEM;
    memset(c, 0, sizeof(*c));
    *out = c;
    return 0;
}

void axn_dns_cache_destroy(const struct axn_platform *plat, struct axn_dns_cache *c)
{
    plat->free(plat->ctx, c, sizeof(*c));
}

bool axn_dns_normalise(const char *name, char *out, size_t cap)
{
    size_t n = 0;
    while (name[n] != '\0') {
        if (n + 1 >= cap)
            return false;
        const char ch = name[n];
        out[n] = (ch >= 'A' && ch <= 'Z') ? (char)(ch | ASCII_CASE_BIT) : ch;
        n++;
    }
    /* "host." and "host" are the same absolute name (RFC 1034 3.1); an
     * escaped dot ("a\.") is part of its label and stays. */
    if (n > 1 && out[n - 1] == '.' && out[n - 2] != '\\')
        n--;
    out[n] = '\0';
    return true;
}

static bool key_eq(const char *a, const char *b)
{
    size_t i = 0;
    while (a[i] != '\0' && a[i] == b[i])
        i++;
    return a[i] == b[i];
}

static void key_copy(char *dst, const char *src, size_t cap)
{
    size_t i = 0;
    for (; src[i] != '\0' && i + 1 < cap; i++)
        dst[i] = src[i];
    dst[i] = '\0';
}

/* Lock held: the live entry for (key, qtype), or NULL. */
static struct axn_dns_cache_entry *find(struct axn_dns_cache *c, const char *key, uint16_t qtype,
                                        axn_time_t now)
{
    for (size_t i = 0; i < AXN_DNS_CACHE_ENTRIES; i++) {
        struct axn_dns_cache_entry *e = &c->e[i];
        if (e->used && e->expiry <= now)
            e->used = false; /* expired: forget it on the way */
        if (e->used && e->qtype == qtype && key_eq(e->key, key))
            return e;
    }
    return NULL;
}

bool axn_dns_cache_get(struct axn_svc *svc, const char *key, uint16_t qtype, axn_time_t now,
                       struct axn_dns_cached *out)
{
    const struct axn_platform *plat = svc->plat;
    const unsigned long irq = plat->spin_lock_irqsave(svc->dns_lock);
    const struct axn_dns_cache_entry *e = find(svc->dns_cache, key, qtype, now);
    if (e != NULL)
        *out = e->data;
    const axn_time_t expiry = e != NULL ? e->expiry : 0;
    plat->spin_unlock_irqrestore(svc->dns_lock, irq);
    if (e == NULL)
        return false;
    /* Seconds left, rounded up so a live entry never says 0. */
    const uint32_t left = (uint32_t)((expiry - now + AXN_USEC_PER_SEC - 1) / AXN_USEC_PER_SEC);
    for (size_t i = 0; i < out->n_addrs; i++)
        out->addrs[i].ttl = left;
    return true;
}

/* Lock held: a free slot, else the one that expires first. */
static struct axn_dns_cache_entry *victim(struct axn_dns_cache *c)
{
    struct axn_dns_cache_entry *v = &c->e[0];
    for (size_t i = 0; i < AXN_DNS_CACHE_ENTRIES; i++) {
        if (!c->e[i].used)
            return &c->e[i];
        if (c->e[i].expiry < v->expiry)
            v = &c->e[i];
    }
    return v;
}

void axn_dns_cache_put(struct axn_svc *svc, const char *key, uint16_t qtype,
                       const struct axn_dns_q *answer, uint32_t ttl, int neg, axn_time_t now)
{
    const uint32_t cap = neg != 0 ? AXN_DNS_NEG_CACHE_MAX_TTL : AXN_DNS_CACHE_MAX_TTL;
    if (ttl > cap)
        ttl = cap;
    if (ttl == 0)
        return; /* RFC 1035 3.2.1: TTL 0 is for this transaction only */
    const struct axn_platform *plat = svc->plat;
    const unsigned long irq = plat->spin_lock_irqsave(svc->dns_lock);
    struct axn_dns_cache_entry *e = find(svc->dns_cache, key, qtype, now);
    if (e == NULL)
        e = victim(svc->dns_cache);
    e->used = true;
    e->qtype = qtype;
    e->expiry = now + AXN_SEC(ttl);
    key_copy(e->key, key, sizeof(e->key));
    key_copy(e->data.canonical, answer->canonical, sizeof(e->data.canonical));
    e->data.neg = neg;
    e->data.n_addrs = neg != 0 ? 0 : answer->n_addrs;
    memcpy(e->data.addrs, answer->addrs, e->data.n_addrs * sizeof(answer->addrs[0]));
    plat->spin_unlock_irqrestore(svc->dns_lock, irq);
}

void axn_dns_cache_clear(struct axn_svc *svc)
{
    const struct axn_platform *plat = svc->plat;
    const unsigned long irq = plat->spin_lock_irqsave(svc->dns_lock);
    for (size_t i = 0; i < AXN_DNS_CACHE_ENTRIES; i++)
        svc->dns_cache->e[i].used = false;
    plat->spin_unlock_irqrestore(svc->dns_lock, irq);
}

size_t axn_dns_cache_count(struct axn_svc *svc, axn_time_t now)
{
    const struct axn_platform *plat = svc->plat;
    size_t n = 0;
    const unsigned long irq = plat->spin_lock_irqsave(svc->dns_lock);
    for (size_t i = 0; i < AXN_DNS_CACHE_ENTRIES; i++) {
        const struct axn_dns_cache_entry *e = &svc->dns_cache->e[i];
        n += (e->used && e->expiry > now) ? 1u : 0u;
    }
    plat->spin_unlock_irqrestore(svc->dns_lock, irq);
    return n;
}

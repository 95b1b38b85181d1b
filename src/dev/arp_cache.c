/* The neighbour table of one Ethernet device (ETH-10..16). */
#include "dev/arp_cache.h"

#include "lib/mem.h"

static bool is_expired(const struct axn_arp_neigh *n, axn_time_t now)
{
    /* ETH-10b: valid while expires > now. */
    return n->state == AXN_ARP_RESOLVED && n->expires <= now;
}

static bool is_valid(const struct axn_arp_neigh *n, axn_time_t now)
{
    return n->state == AXN_ARP_RESOLVED && !is_expired(n, now);
}

/* When INCOMPLETE entry `n` sends its next request or fails (ETH-10d). */
static axn_time_t due_at(const struct axn_arp_neigh *n)
{
    return n->last_request + AXN_ARP_REQUEST_RETRY;
}

/* Recomputes c->next_due: called after every change to an entry's state or
 * last_request, so the cached value is always exact. */
static void refresh_next_due(struct axn_arp_cache *c)
{
    axn_time_t next = AXN_TIME_NEVER;
    for (size_t i = 0; i < AXN_ARP_CACHE_SIZE; i++) {
        const struct axn_arp_neigh *n = &c->e[i];
        if (n->state == AXN_ARP_INCOMPLETE && due_at(n) < next)
            next = due_at(n);
    }
    c->next_due = next;
}

void axn_arp_cache_clear(struct axn_arp_cache *c)
{
    memset(c, 0, sizeof(*c));
    c->next_due = AXN_TIME_NEVER;
}

static const struct axn_arp_neigh *find_const(const struct axn_arp_cache *c, axn_ip4_t ip)
{
    for (size_t i = 0; i < AXN_ARP_CACHE_SIZE; i++)
        if (c->e[i].state != AXN_ARP_FREE && c->e[i].ip == ip)
            return &c->e[i];
    return NULL;
}

struct axn_arp_neigh *axn_arp_cache_find(struct axn_arp_cache *c, axn_ip4_t ip)
{
    return (struct axn_arp_neigh *)find_const(c, ip);
}

bool axn_arp_cache_lookup(const struct axn_arp_cache *c, axn_ip4_t ip, axn_time_t now,
                          struct axn_mac *mac)
{
    const struct axn_arp_neigh *n = find_const(c, ip);
    if (!n || !is_valid(n, now))
        return false;
    *mac = n->mac;
    return true;
}

/* A slot for a new address: free, else expired, else the oldest stamp. */
static struct axn_arp_neigh *victim(struct axn_arp_cache *c, axn_time_t now)
{
    struct axn_arp_neigh *oldest = &c->e[0];
    for (size_t i = 0; i < AXN_ARP_CACHE_SIZE; i++) {
        struct axn_arp_neigh *n = &c->e[i];
        if (n->state == AXN_ARP_FREE || is_expired(n, now))
            return n;
        if (n->stamp < oldest->stamp)
            oldest = n;
    }
    return oldest;
}

/* The entry of `ip`, or a fresh one taking a victim's slot. */
static struct axn_arp_neigh *find_or_take(struct axn_arp_cache *c, axn_ip4_t ip, axn_time_t now)
{
    struct axn_arp_neigh *n = axn_arp_cache_find(c, ip);
    if (n)
        return n;
    n = victim(c, now);
    memset(n, 0, sizeof(*n));
    n->ip = ip;
    return n;
}

void axn_arp_cache_learn(struct axn_arp_cache *c, axn_ip4_t ip, const struct axn_mac *mac,
                         axn_time_t now)
{
    struct axn_arp_neigh *n = find_or_take(c, ip, now);
    n->state = AXN_ARP_RESOLVED;
    n->stamp = now;
    n->mac = *mac;
    n->expires = now + AXN_ARP_NEIGHBOR_TTL;
    n->requests = 0;
    refresh_next_due(c); /* a resolution may have ended */
}

bool axn_arp_cache_request_due(const struct axn_arp_cache *c, axn_ip4_t ip, axn_time_t now)
{
    const struct axn_arp_neigh *n = find_const(c, ip);
    if (!n)
        return true;
    if (n->state == AXN_ARP_RESOLVED)
        return is_expired(n, now); /* ETH-10c: expired means ask again */
    return now >= n->last_request + AXN_ARP_REQUEST_RETRY;
}

void axn_arp_cache_note_request(struct axn_arp_cache *c, axn_ip4_t ip, axn_time_t now)
{
    struct axn_arp_neigh *n = find_or_take(c, ip, now);
    if (n->state != AXN_ARP_INCOMPLETE) {
        /* New resolution; an expired MAC is useless from here on. */
        memset(n, 0, sizeof(*n));
        n->ip = ip;
        n->state = AXN_ARP_INCOMPLETE;
        n->stamp = now;
        n->first_request = now;
    }
    n->last_request = now;
    n->requests++;
    refresh_next_due(c);
}

void axn_arp_cache_forget(struct axn_arp_cache *c, axn_ip4_t ip)
{
    struct axn_arp_neigh *n = axn_arp_cache_find(c, ip);
    if (!n)
        return;
    memset(n, 0, sizeof(*n));
    refresh_next_due(c);
}

struct axn_arp_neigh *axn_arp_cache_next_due(struct axn_arp_cache *c, axn_time_t now)
{
    /* Every poll asks: nothing due is the common answer, known at once. */
    if (now < c->next_due)
        return NULL;
    for (size_t i = 0; i < AXN_ARP_CACHE_SIZE; i++) {
        struct axn_arp_neigh *n = &c->e[i];
        if (n->state == AXN_ARP_INCOMPLETE && now >= due_at(n))
            return n;
    }
    return NULL;
}

axn_time_t axn_arp_cache_next_deadline(const struct axn_arp_cache *c)
{
    return c->next_due;
}

/* Copies a NUL-terminated name, cut to fit (no strlcpy in freestanding code). */
static void copy_name(char *dst, const char *src)
{
    size_t i = 0;
    for (; src && src[i] != '\0' && i + 1 < AXN_IFNAMSIZ; i++)
        dst[i] = src[i];
    dst[i] = '\0';
}

size_t axn_arp_cache_export(const struct axn_arp_cache *c, axn_time_t now, const char *dev,
                            struct axn_arp_entry *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < AXN_ARP_CACHE_SIZE; i++) {
        const struct axn_arp_neigh *e = &c->e[i];
        if (!is_valid(e, now))
            continue;
        if (n < max) {
            struct axn_arp_entry *o = &out[n];
            memset(o, 0, sizeof(*o));
            o->ip = e->ip;
            o->hw_type = AXN_ARPHRD_ETHER;
            o->flags = AXN_ATF_COM; /* only complete entries are shown */
            o->mac = e->mac;
            copy_name(o->dev, dev);
        }
        n++;
    }
    return n;
}

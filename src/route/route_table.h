/*
 * The IPv4 route table (spec RT-7..RT-15).
 *
 * A fixed array of rules, allocated once at init, kept sorted so that the
 * first matching rule is the best one (RT-8): longest prefix first, then
 * lower metric, then earlier insertion. Each change inserts at its sorted
 * place (a stable insertion, never a re-sort), so rules that tie keep the
 * order they were added in.
 *
 * No locks inside: the control plane owns the table and holds its lock
 * (reader/writer) around every call (RT-15). Lookups take a const table.
 */
#ifndef AXN_ROUTE_ROUTE_TABLE_H
#define AXN_ROUTE_ROUTE_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/config.h"
#include "axnet/platform.h"
#include "axnet/types.h"
#include "route/prefix.h"

/* One rule (RT-7). */
struct axn_route_rule {
    axn_ip4_t prefix;   /* network address; host bits must be clear */
    uint8_t prefix_len; /* 0..32 */
    bool has_via;       /* false: destination is on-link (direct) */
    axn_ip4_t via;      /* gateway when has_via */
    uint32_t ifindex;   /* egress interface id, never 0 */
    axn_ip4_t source;   /* source address packets on this route carry */
    uint32_t metric;    /* lower is preferred */
    uint64_t order;     /* insertion order; assigned by the table, ignored on add */
};

/* What a lookup decides (RT-9). */
struct axn_route_decision {
    uint32_t ifindex;
    axn_ip4_t source;
    axn_ip4_t next_hop; /* the gateway, or the destination itself when direct */
    uint32_t metric;
    uint8_t prefix_len;
};

/* Whether an interface may be used now (RT-9, RT-11): exists, is UP, matches
 * the socket's binding... The table only asks; the caller knows. */
typedef bool (*axn_route_usable_fn)(void *ctx, uint32_t ifindex);

struct axn_route_table {
    const struct axn_platform *plat;
    struct axn_route_rule *rules; /* `count` sorted rules in `capacity` slots */
    uint32_t count;
    uint32_t capacity;
    uint64_t next_order; /* saturating insertion counter (RT-7) */
};

/* Allocates room for `capacity` rules (normally AXN_ROUTE_TABLE_MAX).
 * Returns 0, -AXN_EINVAL (no platform, zero capacity), -AXN_ENOMEM. */
int axn_route_table_init(struct axn_route_table *t, const struct axn_platform *plat,
                         uint32_t capacity);
/* Releases the rules. Safe on a zeroed table. */
void axn_route_table_destroy(struct axn_route_table *t);

/*
 * Adds a copy of `rule` at its sorted place with a fresh insertion order.
 * A gateway of 0.0.0.0 is stored as "no gateway". Returns 0, -AXN_EINVAL
 * (prefix_len > 32, host bits set in the prefix, ifindex 0) or -AXN_ENOSPC
 * when the table is full.
 */
int axn_route_add(struct axn_route_table *t, const struct axn_route_rule *rule);

/* Removes the best-ranked rule for exactly prefix/prefix_len on `ifindex`
 * (0: on any interface). Returns 0 or -AXN_ENOENT. */
int axn_route_delete(struct axn_route_table *t, axn_ip4_t prefix, uint8_t prefix_len,
                     uint32_t ifindex);

/* Removes every rule of `ifindex`; returns how many went. */
uint32_t axn_route_remove_interface(struct axn_route_table *t, uint32_t ifindex);

/*
 * Replaces every rule of `ifindex` by rules[0 .. n), which get fresh
 * insertion orders (RT-14). All or nothing: on -AXN_EINVAL (a rule is
 * invalid or names another interface) or -AXN_ENOSPC (they would not fit)
 * the table is unchanged.
 */
int axn_route_replace_for_interface(struct axn_route_table *t, uint32_t ifindex,
                                    const struct axn_route_rule *rules, size_t n);

/*
 * The first rule containing `dst` whose interface `usable` accepts (RT-9);
 * `usable` NULL accepts every interface. Returns 0 with *out filled, or
 * -AXN_ENETUNREACH.
 */
int axn_route_lookup(const struct axn_route_table *t, axn_ip4_t dst, axn_route_usable_fn usable,
                     void *usable_ctx, struct axn_route_decision *out);

/*
 * The first rule containing `dst` whose source address is exactly `src`
 * (RT-10): the egress of a packet the core already built, so a multi-homed
 * host never sends eth0's address out of eth1. Returns 0 or
 * -AXN_ENETUNREACH.
 */
int axn_route_lookup_for_source(const struct axn_route_table *t, axn_ip4_t dst, axn_ip4_t src,
                                struct axn_route_decision *out);

/* Copies the 0.0.0.0/0 rules, in table order, into out[0 .. max) (RT-12).
 * Returns how many were copied. */
size_t axn_route_default_routes(const struct axn_route_table *t, struct axn_route_rule *out,
                                size_t max);

/* Copies all rules, in table order, into out[0 .. max); returns how many
 * were copied (axn_route_count tells how many there are). */
size_t axn_route_snapshot(const struct axn_route_table *t, struct axn_route_rule *out, size_t max);

static inline uint32_t axn_route_count(const struct axn_route_table *t)
{
    return t->count;
}

/* ---- Per-interface rules (RT-13) ------------------------------------------ */

/* An interface's IPv4 configuration, as far as routes care. */
struct axn_route_iface_params {
    uint32_t ifindex;
    uint32_t metric;
    bool has_addr; /* false: no address, hence no rules */
    axn_ip4_t addr;
    uint8_t prefix_len;
    axn_ip4_t gateway; /* 0.0.0.0: no gateway, no default route */
};

/* A connected rule plus, with a gateway, a default rule. */
#define AXN_ROUTE_IFACE_RULES_MAX 2u

/*
 * Builds the rules of one interface into out[]: none without an address;
 * otherwise the connected rule (addr's network, direct, source = addr) and,
 * if a gateway is set, 0.0.0.0/0 via the gateway (source = addr), both with
 * the interface's metric. Returns the number of rules, or -AXN_EINVAL
 * (prefix_len > 32, ifindex 0).
 */
int axn_route_interface_rules(const struct axn_route_iface_params *p,
                              struct axn_route_rule out[AXN_ROUTE_IFACE_RULES_MAX]);

#endif /* AXN_ROUTE_ROUTE_TABLE_H */

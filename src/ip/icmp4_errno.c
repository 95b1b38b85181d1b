/*
 * What a Destination Unreachable code means to a socket: Linux's
 * icmp_err_convert[] (net/ipv4/icmp.c), shared by every transport that
 * reports ICMP errors (UDP, ping, later TCP and raw), so they all agree.
 */
#include "axnet/errno.h"
#include "ip/ip4.h"

static const struct {
    int err;
    bool hard; /* "fatal": reported to a connected socket without IP_RECVERR */
} unreach_errors[] = {
    {AXN_ENETUNREACH, false},  /* 0 net unreachable */
    {AXN_EHOSTUNREACH, false}, /* 1 host unreachable */
    {AXN_ENOPROTOOPT, true},   /* 2 protocol unreachable */
    {AXN_ECONNREFUSED, true},  /* 3 port unreachable */
    {AXN_EMSGSIZE, false},     /* 4 fragmentation needed */
    {AXN_EOPNOTSUPP, false},   /* 5 source route failed */
    {AXN_ENETUNREACH, true},   /* 6 net unknown */
    {AXN_EHOSTDOWN, true},     /* 7 host unknown */
    {AXN_ENONET, true},        /* 8 host isolated */
    {AXN_ENETUNREACH, true},   /* 9 net administratively prohibited */
    {AXN_EHOSTUNREACH, true},  /* 10 host administratively prohibited */
    {AXN_ENETUNREACH, false},  /* 11 net unreachable for TOS */
    {AXN_EHOSTUNREACH, false}, /* 12 host unreachable for TOS */
    {AXN_EHOSTUNREACH, true},  /* 13 communication prohibited */
    {AXN_EHOSTUNREACH, true},  /* 14 host precedence violation */
    {AXN_EHOSTUNREACH, true},  /* 15 precedence cutoff */
};

#define N_UNREACH (sizeof(unreach_errors) / sizeof(unreach_errors[0]))

bool axn_icmp4_unreach_errno(uint8_t code, int *err, bool *hard)
{
    if (code >= N_UNREACH)
        return false;
    *err = unreach_errors[code].err;
    *hard = unreach_errors[code].hard;
    return true;
}

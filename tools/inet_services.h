/*
 * The small inet services on an axnet stack, over TCP and UDP: echo (RFC
 * 862), discard (RFC 863) and character generator (RFC 864), for `axnet
 * serve` and for poking a stack with nc or socat.
 *
 * TCP: one thread per connection (tcp_serve.h). Echo sends back what it
 * reads, discard reads and drops, chargen sends the RFC 864 pattern (72
 * printable characters a line, each line starting one character later)
 * until the client closes, reading and dropping what the client sends.
 * UDP: one thread a service. Echo returns each datagram to its sender,
 * discard drops it, chargen answers each datagram with one of
 * AXN_CHARGEN_UDP_LINES pattern lines (at most 512 bytes, RFC 864).
 */
#ifndef AXN_TOOLS_INET_SERVICES_H
#define AXN_TOOLS_INET_SERVICES_H

#include <stdbool.h>
#include <stdint.h>

#include "axnet/stack.h"

#define AXN_ECHO_PORT         7u
#define AXN_DISCARD_PORT      9u
#define AXN_CHARGEN_PORT      19u
#define AXN_CHARGEN_LINE      72u /* characters before CRLF */
#define AXN_CHARGEN_UDP_LINES 6u  /* 6 * 74 = 444 bytes a datagram */
#define AXN_INET_IDLE_MS_DEF  60000

enum axn_inet_service {
    AXN_INET_ECHO,
    AXN_INET_DISCARD,
    AXN_INET_CHARGEN,
    AXN_INET_SERVICE_COUNT,
};

struct axn_inet_services_opts {
    axn_ip4_t addr; /* host order; 0: any */
    /* Ports by service; 0: the well-known one (7, 9, 19). */
    uint16_t port[AXN_INET_SERVICE_COUNT];
    /* A service switched off opens neither port (so its TCP port refuses
     * with RST); all on by default. */
    bool off[AXN_INET_SERVICE_COUNT];
    bool no_tcp, no_udp;
    unsigned max_conns; /* TCP connections per service; 0: the default */
    long idle_ms;       /* a silent TCP echo/discard connection ends; 0: the default */
};

struct axn_inet_service_stats {
    uint64_t tcp_conns;
    uint64_t tcp_bytes_in, tcp_bytes_out;
    uint64_t udp_in, udp_out; /* datagrams */
};

struct axn_inet_services;

/* 0 or a negative errno (then nothing runs). */
int axn_inet_services_start(struct axn_stack *st, const struct axn_inet_services_opts *o,
                            struct axn_inet_services **out);
/* Ends every thread and connection (within a tick); the stats stay
 * readable (the final ones) until axn_inet_services_stop. Idempotent. */
void axn_inet_services_shutdown(struct axn_inet_services *s);
/* Shuts down if still running, then frees. */
void axn_inet_services_stop(struct axn_inet_services *s);
/* The TCP port a service listens on (useful with ephemeral ports); 0 when
 * it has none (switched off, no_tcp). */
uint16_t axn_inet_services_tcp_port(const struct axn_inet_services *s, enum axn_inet_service k);
void axn_inet_services_get_stats(struct axn_inet_services *s, enum axn_inet_service k,
                                 struct axn_inet_service_stats *out);

/* The RFC 864 pattern: line `n` (0-based) into out (AXN_CHARGEN_LINE + 2
 * bytes: the characters and CRLF). */
void axn_chargen_line(unsigned n, char *out);

#endif /* AXN_TOOLS_INET_SERVICES_H */

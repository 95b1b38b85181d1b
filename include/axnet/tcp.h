/*
 * Stack-wide TCP settings: what Linux keeps in net.ipv4.tcp_* sysctls.
 * Each stack instance has its own; a new stack starts with Linux's
 * defaults. Changes apply to connections made afterwards (a connection
 * negotiates its options in its handshake and keeps them).
 */
#ifndef AXNET_TCP_H
#define AXNET_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include "axnet/stack.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest congestion control name with its NUL (Linux TCP_CA_NAME_MAX). */
#define AXN_TCP_CA_NAME_MAX 16

/* net.ipv4.tcp_syncookies: 0 never, 1 when the SYN queue is full, 2 always. */
enum axn_tcp_syncookies {
    AXN_TCP_SYNCOOKIES_OFF = 0,
    AXN_TCP_SYNCOOKIES_ON_OVERFLOW = 1,
    AXN_TCP_SYNCOOKIES_ALWAYS = 2,
};

struct axn_tcp_settings {
    bool window_scaling;  /* tcp_window_scaling (RFC 7323 2), default on */
    bool timestamps;      /* tcp_timestamps (RFC 7323 3-5), default on */
    bool sack;            /* tcp_sack (RFC 2018), default on */
    bool dsack;           /* tcp_dsack (RFC 2883), default on */
    uint8_t ecn;          /* tcp_ecn: 0 off, 1 request and accept, 2 accept only (default) */
    uint8_t syncookies;   /* enum axn_tcp_syncookies, default 1 */
    bool moderate_rcvbuf; /* tcp_moderate_rcvbuf: receive auto-tuning, default on */
    /* tcp_rmem / tcp_wmem: minimum, default, maximum bytes of a
     * connection's buffers (auto-tuning grows up to [2] unless the socket
     * set SO_RCVBUF / SO_SNDBUF). */
    uint32_t rmem[3];
    uint32_t wmem[3];
    /* tcp_congestion_control: the algorithm of new sockets ("cubic"). */
    char congestion_control[AXN_TCP_CA_NAME_MAX];
};

/* Copies the stack's settings. 0, or -AXN_ENOENT without a socket layer. */
int axn_tcp_get_settings(struct axn_stack *st, struct axn_tcp_settings *out);
/* Replaces them: 0, -AXN_EINVAL (rmem/wmem not ordered min <= default <=
 * max, a value out of range), -AXN_ENOENT (no such congestion control,
 * as Linux answers for an unknown name). */
int axn_tcp_set_settings(struct axn_stack *st, const struct axn_tcp_settings *in);

/* The congestion controls this build has, space-separated as Linux's
 * tcp_available_congestion_control ("reno cubic"). */
const char *axn_tcp_available_congestion_control(void);

#ifdef __cplusplus
}
#endif

#endif /* AXNET_TCP_H */

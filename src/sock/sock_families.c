/*
 * The transports every stack has (sock.h struct axn_sock_proto), searched
 * in this order by socket(2) after those a stack added itself
 * (axn_sock_layer_add_proto). Each transport adds its line, before the
 * NULL that ends the table (added by the transports).
 */
#include "ip/ping.h"
#include "ip/raw.h"
#include "sock/sock_layer.h"
#include "tcp/tcp_sock.h"
#include "udp/udp.h"

const struct axn_sock_proto *const axn_sock_protos[] = {
    &axn_raw_proto, &axn_ping_proto, &axn_udp_proto, &axn_tcp_proto, NULL,
};

const size_t axn_sock_protos_count = sizeof(axn_sock_protos) / sizeof(axn_sock_protos[0]);

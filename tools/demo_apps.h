/*
 * The programs `axnet demo` runs on its two stacks, written against the
 * public socket API only (axnet/socket.h), as a kernel's users would call
 * it through socket(2), sendto(2), recvfrom(2): a ping over an ICMP ping
 * socket, a UDP echo service, and a UDP client of it.
 *
 * The demo polls the stacks itself (caller-polled mode) and owns the
 * clock, so every call here is non-blocking (MSG_DONTWAIT): a program is a
 * small state machine that demo_apps_step() advances whenever the stacks
 * have been polled.
 */
#ifndef AXN_TOOLS_DEMO_APPS_H
#define AXN_TOOLS_DEMO_APPS_H

#include <stdbool.h>

#include "axnet/socket.h"

#define DEMO_PINGS    8
#define DEMO_UDP_MSGS 4

/* What the programs achieved: the demo's verdict. */
struct demo_result {
    int pings_sent;
    int pings_answered;
    int udp_echoed;  /* of DEMO_UDP_MSGS, each came back intact */
    int udp_resends; /* datagrams sent again after a timeout */
    bool refused_seen;
};

enum demo_udp_state {
    UDP_WAIT_START, /* the pings are still running */
    UDP_ECHO,       /* message `msg` sent, waiting for its echo */
    UDP_REFUSED,    /* probe sent to a closed port, waiting for the error */
    UDP_DONE,
};

struct demo_apps {
    struct axn_stack *client, *gw;
    axn_ip4_t gw_ip; /* host order */
    /* ICMP ping socket on the client. */
    struct axn_socket *ping;
    int ping_seq;
    axn_time_t next_ping;
    axn_time_t ping_sent_at[DEMO_PINGS];
    bool ping_answered[DEMO_PINGS];
    /* UDP echo service on the gateway. */
    struct axn_socket *echo_srv;
    /* UDP client on the client. */
    struct axn_socket *udp;
    enum demo_udp_state udp_state;
    int msg;   /* message in flight */
    int tries; /* sends of it so far */
    axn_time_t udp_sent_at;
    axn_time_t udp_deadline;
    struct demo_result res;
};

/* Opens the gateway's echo service; the client's sockets open as their
 * turn comes. Returns 0 or a negative errno. */
int demo_apps_start(struct demo_apps *a, struct axn_stack *client, struct axn_stack *gw,
                    axn_ip4_t gw_ip, axn_time_t now);
/* Lets every program act at `now` (the stacks were just polled). Returns
 * true if one sent or received something (poll again before moving time);
 * *next is when a program next wants to run. */
bool demo_apps_step(struct demo_apps *a, axn_time_t now, axn_time_t *next);
/* Every program has finished its script. */
bool demo_apps_done(const struct demo_apps *a);
void demo_apps_close(struct demo_apps *a);

#endif /* AXN_TOOLS_DEMO_APPS_H */

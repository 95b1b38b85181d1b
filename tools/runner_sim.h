/*
 * `axnet --sim` (runner.h): the runner's stack on a simulated network
 * instead of a TAP, so every subcommand runs without root.
 *
 * The network is one simulated Ethernet wire (axnet/hosted/sim_wire.h)
 * with two IRQ ports: the runner's threaded stack on one, and on the other
 * a second threaded stack in the same process, "the gateway", 10.0.0.1/24,
 * offering:
 *   - DHCP (RFC 2131, the library's server): pool 10.0.0.100-.199, router
 *     and DNS server = 10.0.0.1, domain sim.test;
 *   - DNS for the zone sim.test (tools/dns_responder.h): gw.sim.test and
 *     www.sim.test -> 10.0.0.1;
 *   - echo, discard, chargen on TCP and UDP ports 7, 9, 19 (inet_services.h);
 *   - HTTP on port 80 (http_server.h) from a temporary directory holding
 *     hello.txt and data.bin (AXN_SIM_DATA_BYTES bytes, byte i = i % 251);
 *   - an iperf3 server on port 5201 (iperf3.h).
 *
 * The wire runs on its virtual clock, which a pump thread keeps equal to
 * the real monotonic clock (every millisecond, or at the next frame due
 * sooner): both stacks run threaded on the real clock, so they see a
 * real-time wire. The ports' IRQ lines are raised through a small
 * registrar of our own in both stacks' platforms (port/posix refuses lines
 * that are not file descriptors), so neither stack polls.
 *
 * Flags (taken by axn_runner_sim_flag from the runner's parse):
 *   --sim            the one interface is on the simulated network
 *   --loss PERCENT   frames lost, each way (0..100, fractions allowed)
 *   --delay MS       one-way delay of the wire (fractions allowed)
 * Without --ip or --dhcp, --sim implies --dhcp.
 */
#ifndef AXN_TOOLS_RUNNER_SIM_H
#define AXN_TOOLS_RUNNER_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "axnet/driver.h"
#include "axnet/types.h"

/* The gateway's address and the zone it serves. */
#define AXN_SIM_GW_IP       AXN_IP4(10, 0, 0, 1)
#define AXN_SIM_PREFIX      24
#define AXN_SIM_POOL_FIRST  AXN_IP4(10, 0, 0, 100)
#define AXN_SIM_POOL_LAST   AXN_IP4(10, 0, 0, 199)
#define AXN_SIM_DOMAIN      "sim.test"
#define AXN_SIM_GW_NAME     "gw.sim.test"
#define AXN_SIM_WWW_NAME    "www.sim.test"
#define AXN_SIM_HTTP_PORT   80u
#define AXN_SIM_DATA_BYTES  (1024u * 1024u)
#define AXN_SIM_DATA_MODULO 251u /* data.bin: byte i is i % 251 */

struct axn_runner;
struct axn_runner_iface;
struct axn_sim_net;

/* What the flags asked for. */
struct axn_runner_sim_opts {
    bool on;
    bool impaired;     /* --loss or --delay given (only valid with --sim) */
    uint32_t loss_ppm; /* per frame, each way */
    axn_time_t delay;  /* one way, µs */
};

/* argv[*i] if it is --sim, --loss or --delay: 1 (consumed, *i moved past
 * its value), 0 (not ours), -1 (bad value, one line printed). */
int axn_runner_sim_flag(struct axn_runner *r, int argc, char **argv, int *i);

/* After parsing: 0 not --sim (the TAP checks follow), 1 a valid --sim
 * set-up (--dhcp implied when no address was given), -1 an error (one
 * line printed). */
int axn_runner_sim_check(struct axn_runner *r);

/* Builds the wire, brings the gateway and its services up, starts the
 * pump, and gives r->plat the wire's IRQ registrar. Call after
 * axn_port_posix_init(&r->plat) and before the runner's stack exists.
 * 0, or -1 after printing why (axn_runner_sim_stop undoes the rest). */
int axn_runner_sim_start(struct axn_runner *r);

/* The runner's port on the wire, as the interface's NIC driver. */
void axn_runner_sim_driver(struct axn_runner *r, struct axn_eth_driver *out);

/* After the runner's stack is gone: waits (briefly) for the gateway to
 * take the DHCPRELEASE, stops its services and its stack, the pump, and
 * frees the wire and the HTTP directory. Safe after a failed start, or
 * twice. */
void axn_runner_sim_stop(struct axn_runner *r);

/* The --sim lines of the runner's help. */
void axn_runner_sim_print_flags(void);

#endif /* AXN_TOOLS_RUNNER_SIM_H */

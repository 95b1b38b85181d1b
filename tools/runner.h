/*
 * The `axnet` runner: what every control-plane subcommand (ping, resolve,
 * ifconfig, route, arp, stats, nc) and the HTTP/iperf3 modules share. It
 * parses the flags that mirror the library's configuration, brings one
 * threaded stack up on Linux TAP devices (port/posix platform, hosted TAP
 * driver, optionally wrapped by the pcap recorder), waits for a DHCP lease
 * when asked, and tears everything down again.
 *
 * Flags (removed from argv by axn_runner_parse; the rest is the command's):
 *   --tap NAME       open, or create, TAP NAME; one interface per --tap
 *                    (eth0, eth1, ... in order)
 *   --ip ADDR/PREFIX static IPv4 address      } these apply to the last
 *   --gw ADDR        default gateway          } --tap given (or the first
 *   --dns ADDR       DNS server (repeatable)  } one, before any --tap)
 *   --dhcp           DHCP client on it        }
 *   --mac MAC        our station MAC          }
 *   --mtu N          IP MTU                   }
 *   --pcap FILE      record its frames        }
 *   -v / -vv         stack log lines at INFO / DEBUG (default: warnings)
 *   --json           table commands print JSON
 *   --sim [--loss PERCENT] [--delay MS]
 *                    instead of --tap: one interface on a simulated network
 *                    with a gateway stack in-process (runner_sim.h)
 *
 * SIGINT and SIGTERM only set a flag (axn_runner_stopping): long-running
 * commands look at it between their blocking calls, which wait in short
 * slices for that reason.
 */
#ifndef AXN_TOOLS_RUNNER_H
#define AXN_TOOLS_RUNNER_H

#include <stdbool.h>
#include <stdint.h>

#include "axnet/hosted/pcap.h"
#include "axnet/hosted/tap.h"
#include "axnet/netif.h"
#include "axnet/platform.h"
#include "axnet/stack.h"
#include "runner_sim.h"

#define AXN_RUNNER_MAX_TAPS 4
/* How long --dhcp waits for a lease before giving up. */
#define AXN_RUNNER_DHCP_WAIT AXN_SEC(10)

/* One --tap and the flags that followed it. */
struct axn_runner_iface {
    const char *tap_name;
    bool static_ip;
    axn_ip4_t addr;
    uint8_t prefix_len;
    axn_ip4_t gateway;
    axn_ip4_t dns[AXN_IFACE_MAX_DNS];
    uint8_t n_dns;
    bool dhcp;
    bool has_mac;
    struct axn_mac mac;
    uint16_t mtu; /* 0: the driver's default */
    const char *pcap_path;
    /* While running. */
    struct axn_tap *tap;
    bool created; /* the TAP did not exist before: it goes when we close it */
    struct axn_eth_driver tap_drv;
    struct axn_pcap *pcap;
    struct axn_pcap_tap *recorder;
    struct axn_eth_driver rec_drv;
    char ifname[AXN_IFNAMSIZ]; /* the stack's name for it: eth<i> */
};

struct axn_runner {
    struct axn_runner_iface ifaces[AXN_RUNNER_MAX_TAPS];
    size_t n_ifaces;
    enum axn_log_level log_level;
    bool json;
    const char *prog; /* "axnet ping": the prefix of error lines */
    struct axn_platform plat;
    struct axn_stack *st;
    struct axn_runner_sim_opts sim; /* --sim */
    struct axn_sim_net *net;        /* --sim: the wire and the gateway */
};

/*
 * Takes the runner's flags out of argv (argv[0], the command's name, stays;
 * the command's own arguments keep their order) and updates *argc. Returns
 * 0, or -1 after printing one line on stderr.
 */
int axn_runner_parse(struct axn_runner *r, const char *prog, int *argc, char **argv);

/* Opens the TAPs, creates and starts the stack, waits for DHCP when asked
 * (printing the lease on stderr). Returns 0, or -1 after printing why and
 * undoing what it did. */
int axn_runner_start(struct axn_runner *r);

/* Destroys the stack (releasing DHCP leases), closes the recorders and the
 * TAPs (one we created disappears). Safe to call twice, or after a failed
 * start. */
void axn_runner_stop(struct axn_runner *r);

struct axn_stack *axn_runner_stack(struct axn_runner *r);

/* SIGINT or SIGTERM arrived. */
bool axn_runner_stopping(void);

/* The runner flags' help text, for a command's --help. */
void axn_runner_print_flags(void);

/* "-c 3": strictly parses a decimal or fractional number. */
bool axn_runner_parse_uint(const char *s, unsigned long *out);
bool axn_runner_parse_seconds(const char *s, axn_time_t *out);
/* Dotted quad to a host-order address. */
bool axn_runner_parse_ip4(const char *s, axn_ip4_t *out);
/* Host-order address to text (buf of at least 16 bytes). */
const char *axn_runner_ip4_str(axn_ip4_t ip, char *buf, size_t cap);

#endif /* AXN_TOOLS_RUNNER_H */

/*
 * pcap capture files (hosted only): what a device saw, for tcpdump, tshark
 * and Wireshark. Classic libpcap format, LINKTYPE_ETHERNET, microsecond
 * timestamps taken from the caller's clock (virtual time on the simulated
 * wire, so captures of simulations are reproducible).
 */
#ifndef AXNET_HOSTED_PCAP_H
#define AXNET_HOSTED_PCAP_H

#include "axnet/driver.h"
#include "axnet/types.h"

#ifdef __cplusplus
extern "C" {
#endif

struct axn_pcap;

/* Creates (truncates) `path` and writes the file header. Frames longer than
 * `snaplen` are cut in the file (0 means 262144). Returns 0 or -errno. */
int axn_pcap_open(struct axn_pcap **out, const char *path, uint32_t snaplen);

/* Appends one frame with timestamp `ts` (µs). Returns 0 or -errno. */
int axn_pcap_write(struct axn_pcap *pcap, axn_time_t ts, const void *frame, size_t len);

/* Number of frames written so far. */
uint64_t axn_pcap_count(const struct axn_pcap *pcap);

/* Flushes and closes; NULL is ignored. */
void axn_pcap_close(struct axn_pcap *pcap);

/* Clock used to timestamp frames recorded by a wrapping driver. */
typedef axn_time_t (*axn_pcap_clock_fn)(void *clock_ctx);

struct axn_pcap_tap;

/*
 * Wraps a driver so that every frame it receives and every frame sent
 * through it is recorded in `pcap`, then passed on unchanged. `outer` is
 * filled with a driver (same caps, MAC and IRQ as `inner`) to hand to the
 * stack instead of `inner`. The tap does not own `inner` or `pcap`.
 */
int axn_pcap_tap_wrap(struct axn_pcap_tap **out, const struct axn_eth_driver *inner,
                      struct axn_pcap *pcap, axn_pcap_clock_fn clock, void *clock_ctx,
                      struct axn_eth_driver *outer);

void axn_pcap_tap_free(struct axn_pcap_tap *tap);

#ifdef __cplusplus
}
#endif

#endif /* AXNET_HOSTED_PCAP_H */

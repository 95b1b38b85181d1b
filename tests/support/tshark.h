/*
 * A second opinion on captures: tshark reads a pcap back with IP, ICMP,
 * UDP and TCP checksum checking on, and a test asserts it found nothing
 * malformed and no expert item at warning level or above. tshark is a
 * dependency of `make test` (scripts/deps.sh), so a missing one fails.
 */
#ifndef AXN_TEST_TSHARK_H
#define AXN_TEST_TSHARK_H

#include <stddef.h>

/* Fails the running cmocka test unless tshark reads `pcap_path` cleanly.
 * If `frames` is not (size_t)-1, tshark must also list exactly that many
 * frames. */
void axn_tshark_assert_clean(const char *pcap_path, size_t frames);

#define AXN_TSHARK_ANY_FRAMES ((size_t)-1)

#endif /* AXN_TEST_TSHARK_H */

/*
 * Helpers shared by the Ethernet/ARP/IPv4/IPv6 wire tests: loading the
 * frames captured from Linux (tests/fixtures/l3/README.md). Include after
 * <cmocka.h>.
 */
#ifndef AXN_TEST_WIRE_L3_FIXTURE_H
#define AXN_TEST_WIRE_L3_FIXTURE_H

#include <stdint.h>
#include <stdio.h>

/* Longest frame among the fixtures is 1514 bytes. */
#define L3_FIXTURE_MAX 2048
#define L3_ETH_HLEN    14

/* Reads tests/fixtures/l3/<name> into buf; fails the test if missing. */
static inline size_t l3_load(const char *name, uint8_t *buf, size_t cap)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/l3/%s", AXN_FIXTURE_DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open fixture %s", path);
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    assert_true(n > 0 && n < cap);
    return n;
}

#endif /* AXN_TEST_WIRE_L3_FIXTURE_H */

/* tshark as a capture checker (tshark.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <string.h>

#include "cmd.h"
#include "tshark.h"

/* Reading a capture of a few hundred frames takes about a second. */
#define TSHARK_TIMEOUT_MS 30000
#define TSHARK_OUT_LEN    (64 * 1024)

static bool is_blank(const char *s)
{
    for (; *s; s++) {
        if (!isspace((unsigned char)*s))
            return false;
    }
    return true;
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

void axn_tshark_assert_clean(const char *pcap_path, size_t frames)
{
    const char *list[] = {"tshark", "-r", pcap_path, NULL};
    const char *expert[] = {"tshark",
                            "-r",
                            pcap_path,
                            "-o",
                            "ip.check_checksum:TRUE",
                            "-o",
                            "udp.check_checksum:TRUE",
                            "-o",
                            "tcp.check_checksum:TRUE",
                            "-q",
                            "-z",
                            "expert,warn",
                            NULL};
    static char out[TSHARK_OUT_LEN];

    if (!axn_cmd_exists("tshark"))
        fail_msg("tshark not in PATH (scripts/deps.sh test installs it): %s unchecked", pcap_path);
    assert_int_equal(axn_cmd_run(list, out, sizeof(out), TSHARK_TIMEOUT_MS), 0);
    if (frames != AXN_TSHARK_ANY_FRAMES)
        assert_int_equal(count_lines(out), frames);
    assert_null(strstr(out, "Malformed"));
    assert_int_equal(axn_cmd_run(expert, out, sizeof(out), TSHARK_TIMEOUT_MS), 0);
    /* Filtered to warnings and errors, tshark prints nothing at all unless
     * it found one ("Errors (1)", "Warns (2)" and a table). ICMP checksums
     * are always checked by its dissector. */
    if (!is_blank(out))
        fail_msg("tshark expert items in %s:\n%s", pcap_path, out);
}

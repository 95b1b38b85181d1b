/* lib/fmt: the freestanding snprintf subset and the address formatters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/fmt.h"
#include "lib/log.h"

#define BUF_LEN 128

/* Same as axn_snprintf without the compile-time format check, for formats
 * that are deliberately odd. */
static int fmt_unchecked(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = axn_vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

/* Formats into a big buffer and checks both the text and the return. */
#define CHECK_WITH(fn, expect, ...)                                                                \
    do {                                                                                           \
        char out_[BUF_LEN];                                                                        \
        memset(out_, 'Z', sizeof out_);                                                            \
        int n_ = fn(out_, sizeof out_, __VA_ARGS__);                                               \
        assert_string_equal(out_, expect);                                                         \
        assert_int_equal(n_, (int)strlen(expect));                                                 \
    } while (0)
#define CHECK_FMT(expect, ...) CHECK_WITH(axn_snprintf, expect, __VA_ARGS__)
#define CHECK_ODD(expect, ...) CHECK_WITH(fmt_unchecked, expect, __VA_ARGS__)

static void test_signed_decimal_conversions(void **state)
{
    (void)state;
    CHECK_FMT("0", "%d", 0);
    CHECK_FMT("-42 17", "%d %i", -42, 17);
    CHECK_FMT("2147483647", "%d", 2147483647);
    CHECK_FMT("-2147483648", "%d", (int)INT32_MIN);
    CHECK_FMT("-9223372036854775808", "%lld", (long long)INT64_MIN);
    CHECK_FMT("9223372036854775807", "%ld", (long)INT64_MAX);
    CHECK_FMT("-1", "%zd", (ptrdiff_t)-1);
}

static void test_unsigned_and_hex_conversions(void **state)
{
    (void)state;
    CHECK_FMT("4294967295", "%u", 4294967295u);
    CHECK_FMT("18446744073709551615", "%llu", (unsigned long long)UINT64_MAX);
    CHECK_FMT("deadbeef DEADBEEF", "%x %X", 0xdeadbeefu, 0xdeadbeefu);
    CHECK_FMT("ffffffffffffffff", "%lx", (unsigned long)UINT64_MAX);
    CHECK_FMT("0", "%x", 0u);
    CHECK_FMT("1234", "%zu", (size_t)1234);
}

static void test_length_modifiers_hh_and_h_truncate(void **state)
{
    (void)state;
    CHECK_ODD("-1 255", "%hhd %hhu", 255, 255);
    CHECK_ODD("-1 65535", "%hd %hu", 65535, 65535);
    CHECK_ODD("ff 34", "%hhx %hhx", 0x1ff, 0x1234);
    CHECK_ODD("1234", "%hx", 0xabc1234);
}

static void test_string_char_and_percent(void **state)
{
    (void)state;
    CHECK_FMT("hello world", "%s %s", "hello", "world");
    CHECK_ODD("(null)", "%s", (const char *)NULL);
    CHECK_FMT("a%b", "%c%%%c", 'a', 'b');
    CHECK_FMT("", "%s", "");
}

static void test_pointer_conversion(void **state)
{
    (void)state;
    CHECK_FMT("0x1000", "%p", (void *)(uintptr_t)0x1000);
    CHECK_FMT("0x0", "%p", (void *)NULL);
    CHECK_FMT("0xdeadbeef", "%p", (void *)(uintptr_t)0xdeadbeefu);
}

static void test_width_and_flags(void **state)
{
    (void)state;
    CHECK_FMT("   42", "%5d", 42);
    CHECK_FMT("42   |", "%-5d|", 42);
    CHECK_FMT("00042", "%05d", 42);
    CHECK_FMT("-0042", "%05d", -42);
    CHECK_FMT("  -42", "%5d", -42);
    CHECK_FMT("0000beef", "%08x", 0xbeefu);
    CHECK_ODD("42   |", "%-05d|", 42); /* '-' beats '0' */
    CHECK_FMT("   ab", "%5s", "ab");
    CHECK_FMT("ab   |", "%-5s|", "ab");
    CHECK_FMT("    x", "%5c", 'x');
    CHECK_FMT("toolong", "%3s", "toolong");
    CHECK_ODD("0x00ff", "%06p", (void *)(uintptr_t)0xff);
}

static void test_star_width_and_precision(void **state)
{
    (void)state;
    CHECK_FMT("    7", "%*d", 5, 7);
    CHECK_FMT("7    |", "%*d|", -5, 7);
    CHECK_FMT("abc", "%.*s", 3, "abcdef");
    CHECK_FMT("abcdef", "%.*s", -1, "abcdef");
}

static void test_precision_limits_strings_and_pads_integers(void **state)
{
    (void)state;
    CHECK_FMT("abc", "%.3s", "abcdef");
    CHECK_FMT("  abc", "%5.3s", "abcdef");
    CHECK_FMT("", "%.0s", "abc");
    /* The string need not be terminated within the precision. */
    const char unterminated[3] = {'x', 'y', 'z'};
    CHECK_FMT("xy", "%.2s", unterminated);
    CHECK_FMT("00042", "%.5d", 42);
    CHECK_FMT("-00042", "%.5d", -42);
    CHECK_FMT("  00042", "%7.5d", 42);
    CHECK_FMT("", "%.0d", 0);
    CHECK_ODD("   42", "%05.2d", 42); /* precision turns '0' off */
}

static void test_unknown_conversion_is_copied(void **state)
{
    (void)state;
    CHECK_ODD("a %q b", "a %q b");
    CHECK_ODD("%5.2f", "%5.2f");
    CHECK_ODD("end %", "end %");
    CHECK_ODD("end %-5", "end %-5");
}

static void test_truncation_keeps_nul_and_returns_full_length(void **state)
{
    (void)state;
    char buf[8];
    memset(buf, 'Z', sizeof buf);
    assert_int_equal(axn_snprintf(buf, sizeof buf, "%s", "0123456789"), 10);
    assert_string_equal(buf, "0123456");

    memset(buf, 'Z', sizeof buf);
    assert_int_equal(axn_snprintf(buf, 1, "abc"), 3);
    assert_int_equal(buf[0], '\0');
    assert_int_equal(buf[1], 'Z');

    memset(buf, 'Z', sizeof buf);
    assert_int_equal(axn_snprintf(buf, 0, "abc%d", 12345), 8);
    assert_int_equal(buf[0], 'Z');

    assert_int_equal(axn_snprintf(NULL, 0, "%08x", 1u), 8);

    memset(buf, 'Z', sizeof buf);
    assert_int_equal(axn_snprintf(buf, 4, "%5d", 12), 5);
    assert_string_equal(buf, "   ");
}

static void test_exact_fit_is_not_truncated(void **state)
{
    (void)state;
    char buf[6];
    assert_int_equal(axn_snprintf(buf, sizeof buf, "%s", "abcde"), 5);
    assert_string_equal(buf, "abcde");
    assert_int_equal(axn_snprintf(buf, sizeof buf, "%s", "abcdef"), 6);
    assert_string_equal(buf, "abcde");
}

static void test_huge_width_is_clamped(void **state)
{
    (void)state;
    char buf[4];
    /* Clamped to 4096 columns, not two billion. */
    assert_int_equal(fmt_unchecked(buf, sizeof buf, "%2000000000d", 1), 4096);
    assert_string_equal(buf, "   ");
}

static void test_vsnprintf_takes_a_va_list(void **state)
{
    (void)state;
    char buf[32];
    assert_int_equal(fmt_unchecked(buf, sizeof buf, "%s=%d/%x", "k", -3, 255u), 7);
    assert_string_equal(buf, "k=-3/ff");
}

static void test_fmt_ip4_dotted_quad(void **state)
{
    (void)state;
    char buf[AXN_IP4_STR_LEN];
    assert_int_equal(axn_fmt_ip4(buf, sizeof buf, AXN_IP4(192, 168, 0, 1)), 11);
    assert_string_equal(buf, "192.168.0.1");
    assert_int_equal(axn_fmt_ip4(buf, sizeof buf, AXN_IP4(255, 255, 255, 255)), 15);
    assert_string_equal(buf, "255.255.255.255");
    assert_int_equal(axn_fmt_ip4(buf, sizeof buf, 0), 7);
    assert_string_equal(buf, "0.0.0.0");
    char small[5];
    assert_int_equal(axn_fmt_ip4(small, sizeof small, AXN_IP4(10, 0, 0, 2)), 8);
    assert_string_equal(small, "10.0");
}

static void test_fmt_mac_lowercase_colons(void **state)
{
    (void)state;
    char buf[AXN_MAC_STR_LEN];
    struct axn_mac mac = {{0x02, 0x00, 0x0a, 0xBC, 0xde, 0xff}};
    assert_int_equal(axn_fmt_mac(buf, sizeof buf, &mac), 17);
    assert_string_equal(buf, "02:00:0a:bc:de:ff");
}

/* ---- lib/log ---------------------------------------------------------- */

struct log_capture {
    int calls;
    enum axn_log_level level;
    char line[AXN_LOG_LINE_MAX + 8];
};

static void capture_log(void *ctx, enum axn_log_level level, const char *line)
{
    struct log_capture *cap = ctx;
    cap->calls++;
    cap->level = level;
    strncpy(cap->line, line, sizeof cap->line - 1);
}

static struct axn_platform log_platform(struct log_capture *cap, enum axn_log_level lvl)
{
    struct axn_platform p = {.ctx = cap, .log = capture_log, .log_level = lvl};
    return p;
}

static int side_effects;

static int counted(int v)
{
    side_effects++;
    return v;
}

static void test_log_formats_and_passes_level(void **state)
{
    (void)state;
    struct log_capture cap = {0};
    struct axn_platform p = log_platform(&cap, AXN_LOG_INFO);
    AXN_WARN(&p, "queue %s full: %d dropped", "rx", 3);
    assert_int_equal(cap.calls, 1);
    assert_int_equal(cap.level, AXN_LOG_WARN);
    assert_string_equal(cap.line, "queue rx full: 3 dropped");
    AXN_INFO(&p, "at the threshold");
    assert_int_equal(cap.calls, 2);
    assert_int_equal(cap.level, AXN_LOG_INFO);
}

static void test_log_above_level_is_not_formatted(void **state)
{
    (void)state;
    struct log_capture cap = {0};
    struct axn_platform p = log_platform(&cap, AXN_LOG_WARN);
    side_effects = 0;
    AXN_DEBUG(&p, "%d", counted(1));
    AXN_TRACE(&p, "%d", counted(2));
    axn_log(&p, AXN_LOG_INFO, "direct %d", 3);
    assert_int_equal(cap.calls, 0);
    assert_int_equal(side_effects, 0);
    AXN_ERROR(&p, "%d", counted(4));
    assert_int_equal(cap.calls, 1);
    assert_int_equal(side_effects, 1);
    assert_string_equal(cap.line, "4");
}

static void test_log_without_hook_is_silent(void **state)
{
    (void)state;
    struct axn_platform p = {.log = NULL, .log_level = AXN_LOG_TRACE};
    side_effects = 0;
    AXN_ERROR(&p, "%d", counted(1));
    axn_log(&p, AXN_LOG_ERROR, "nothing");
    axn_log(NULL, AXN_LOG_ERROR, "nothing");
    assert_int_equal(side_effects, 0);
}

static void test_log_long_line_is_cut_and_marked(void **state)
{
    (void)state;
    struct log_capture cap = {0};
    struct axn_platform p = log_platform(&cap, AXN_LOG_TRACE);
    char longer[AXN_LOG_LINE_MAX * 2];
    memset(longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    axn_log(&p, AXN_LOG_INFO, "%s", longer);
    assert_int_equal(cap.calls, 1);
    assert_int_equal(strlen(cap.line), AXN_LOG_LINE_MAX - 1);
    assert_string_equal(cap.line + AXN_LOG_LINE_MAX - 4, "...");
    assert_int_equal(cap.line[AXN_LOG_LINE_MAX - 5], 'a');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signed_decimal_conversions),
        cmocka_unit_test(test_unsigned_and_hex_conversions),
        cmocka_unit_test(test_length_modifiers_hh_and_h_truncate),
        cmocka_unit_test(test_string_char_and_percent),
        cmocka_unit_test(test_pointer_conversion),
        cmocka_unit_test(test_width_and_flags),
        cmocka_unit_test(test_star_width_and_precision),
        cmocka_unit_test(test_precision_limits_strings_and_pads_integers),
        cmocka_unit_test(test_unknown_conversion_is_copied),
        cmocka_unit_test(test_truncation_keeps_nul_and_returns_full_length),
        cmocka_unit_test(test_exact_fit_is_not_truncated),
        cmocka_unit_test(test_huge_width_is_clamped),
        cmocka_unit_test(test_vsnprintf_takes_a_va_list),
        cmocka_unit_test(test_fmt_ip4_dotted_quad),
        cmocka_unit_test(test_fmt_mac_lowercase_colons),
        cmocka_unit_test(test_log_formats_and_passes_level),
        cmocka_unit_test(test_log_above_level_is_not_formatted),
        cmocka_unit_test(test_log_without_hook_is_silent),
        cmocka_unit_test(test_log_long_line_is_cut_and_marked),
    };
    return cmocka_run_group_tests(tests, 0, NULL);
}

/*
 * The `axnet` table commands' formatter (tools/cli_table.c): aligned text
 * columns (numbers right, text left, no trailing blanks), and JSON that
 * is valid and typed: numeric columns as bare numbers only when the cell
 * is a number, empty cells as null, strings escaped (RFC 8259 7).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_table.h"

#define OUT_MAX 4096

/* What `print` wrote, NUL-terminated, in a static buffer. */
static const char *capture(void (*print)(struct cli_table *const[], size_t, bool, FILE *),
                           struct cli_table *const t[], size_t n, bool json)
{
    static char buf[OUT_MAX];
    FILE *f = fmemopen(buf, sizeof(buf), "w");
    assert_non_null(f);
    print(t, n, json, f);
    fclose(f);
    return buf;
}

static struct cli_table *ifaces(void)
{
    static const char *const cols[] = {"#ifindex", "name", "addr", "#mtu", NULL};
    struct cli_table *t = cli_table_new("interfaces", NULL, cols);
    assert_non_null(t);
    assert_true(cli_table_row(t));
    cli_table_set(t, 0, "%u", 1u);
    cli_table_set(t, 1, "lo");
    cli_table_set(t, 2, "127.0.0.1");
    cli_table_set(t, 3, "%u", 65536u);
    assert_true(cli_table_row(t));
    cli_table_set(t, 0, "%u", 2u);
    cli_table_set(t, 1, "eth0");
    /* addr left empty: null in JSON */
    cli_table_set(t, 3, "%u", 1500u);
    return t;
}

static void text_is_aligned(void **state)
{
    (void)state;
    struct cli_table *t = ifaces();
    const char *out = capture(cli_tables_print, &t, 1, false);
    assert_string_equal(out, "ifindex  name  addr         mtu\n"
                             "      1  lo    127.0.0.1  65536\n"
                             "      2  eth0              1500\n");
    cli_table_free(t);
}

static void json_is_typed(void **state)
{
    (void)state;
    struct cli_table *t = ifaces();
    const char *out = capture(cli_tables_print, &t, 1, true);
    assert_string_equal(out, "{\"interfaces\": [\n"
                             "  {\"ifindex\": 1, \"name\": \"lo\", \"addr\": \"127.0.0.1\", "
                             "\"mtu\": 65536},\n"
                             "  {\"ifindex\": 2, \"name\": \"eth0\", \"addr\": null, "
                             "\"mtu\": 1500}\n"
                             "]}\n");
    cli_table_free(t);
}

static void json_escapes_and_guards_numbers(void **state)
{
    (void)state;
    static const char *const cols[] = {"text", "#n", NULL};
    struct cli_table *a = cli_table_new("a", "A", cols);
    struct cli_table *b = cli_table_new("b", "B", cols);
    assert_true(cli_table_row(a));
    cli_table_set(a, 0, "q\"b\\s\n\x01");
    cli_table_set(a, 1, "12abc"); /* not a number: stays a string */
    assert_true(cli_table_row(a));
    cli_table_set(a, 0, "x");
    cli_table_set(a, 1, "-3.25");
    struct cli_table *const t[] = {a, b};
    const char *out = capture(cli_tables_print, t, 2, true);
    assert_string_equal(out, "{\"a\": [\n"
                             "  {\"text\": \"q\\\"b\\\\s\\u000a\\u0001\", \"n\": \"12abc\"},\n"
                             "  {\"text\": \"x\", \"n\": -3.25}\n"
                             "],\n"
                             "\"b\": []}\n");
    cli_table_free(a);
    cli_table_free(b);
}

static void full_table_says_so(void **state)
{
    (void)state;
    static const char *const cols[] = {"#i", NULL};
    struct cli_table *t = cli_table_new("t", "many", cols);
    for (unsigned i = 0; i < CLI_TABLE_MAX_ROWS; i++) {
        assert_true(cli_table_row(t));
        cli_table_set(t, 0, "%u", i);
    }
    assert_false(cli_table_row(t));
    assert_int_equal(t->n_rows, CLI_TABLE_MAX_ROWS);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cli_table_print_text(t, f);
    fclose(f);
    assert_non_null(strstr(buf, "many:\n  i\n  0\n"));
    assert_non_null(strstr(buf, "(more rows than shown)\n"));
    free(buf);
    cli_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_is_aligned),
        cmocka_unit_test(json_is_typed),
        cmocka_unit_test(json_escapes_and_guards_numbers),
        cmocka_unit_test(full_table_says_so),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

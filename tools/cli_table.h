/*
 * Tables of the `axnet` table commands (ifconfig, route, arp, stats): rows
 * of text cells under named columns, printed either as aligned text for
 * people or as one JSON object for programs (`--json`):
 *
 *   {"interfaces": [{"name": "eth0", "mtu": 1500, ...}, ...], ...}
 *
 * Columns marked numeric hold decimal numbers and are written as JSON
 * numbers; an empty cell is written as null. Every other cell is a JSON
 * string, escaped as RFC 8259 section 7 requires.
 */
#ifndef AXN_TOOLS_CLI_TABLE_H
#define AXN_TOOLS_CLI_TABLE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#define CLI_TABLE_MAX_COLS 12
#define CLI_TABLE_MAX_ROWS 256
#define CLI_TABLE_CELL     64

struct cli_column {
    const char *name; /* header and JSON key */
    bool numeric;
};

struct cli_table {
    const char *key;   /* JSON member name, e.g. "interfaces" */
    const char *title; /* text heading; NULL: none */
    struct cli_column cols[CLI_TABLE_MAX_COLS];
    size_t n_cols;
    char cells[CLI_TABLE_MAX_ROWS][CLI_TABLE_MAX_COLS][CLI_TABLE_CELL];
    size_t n_rows;
    bool overflow; /* rows were dropped: the table was full */
};

/* A table with these columns (names NULL-terminated; a leading '#' marks a
 * numeric column and is not part of the name). Heap-allocated (it is
 * large); NULL without memory. */
struct cli_table *cli_table_new(const char *key, const char *title, const char *const cols[]);
void cli_table_free(struct cli_table *t);

/* Starts a new row; false when the table is full. */
bool cli_table_row(struct cli_table *t);
/* Sets column `col` of the current row (longer text is cut). */
void cli_table_set(struct cli_table *t, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Aligned text: the title, a header line, one line per row. */
void cli_table_print_text(const struct cli_table *t, FILE *out);
/* The tables as the members of one JSON object, then a newline. */
void cli_tables_print_json(struct cli_table *const tables[], size_t n, FILE *out);
/* Either, by `json`: text tables are separated by a blank line. */
void cli_tables_print(struct cli_table *const tables[], size_t n, bool json, FILE *out);

/* `s` as a JSON string literal (with the quotes). */
void cli_json_string(const char *s, FILE *out);

#endif /* AXN_TOOLS_CLI_TABLE_H */

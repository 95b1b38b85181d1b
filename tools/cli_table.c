/* Aligned text and JSON tables for the `axnet` table commands. */
#include "cli_table.h"

#include <stdlib.h>
#include <string.h>

#define JSON_CONTROL_LIMIT 0x20 /* characters below it must be escaped */
#define COL_GAP            2    /* spaces between text columns */

struct cli_table *cli_table_new(const char *key, const char *title, const char *const cols[])
{
    struct cli_table *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->key = key;
    t->title = title;
    for (size_t i = 0; cols[i] && i < CLI_TABLE_MAX_COLS; i++) {
        const bool numeric = cols[i][0] == '#';
        t->cols[i].name = cols[i] + (numeric ? 1 : 0);
        t->cols[i].numeric = numeric;
        t->n_cols++;
    }
    return t;
}

void cli_table_free(struct cli_table *t)
{
    free(t);
}

bool cli_table_row(struct cli_table *t)
{
    if (t->n_rows >= CLI_TABLE_MAX_ROWS) {
        t->overflow = true;
        return false;
    }
    t->n_rows++;
    return true;
}

void cli_table_set(struct cli_table *t, size_t col, const char *fmt, ...)
{
    if (t->n_rows == 0 || col >= t->n_cols)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->cells[t->n_rows - 1][col], CLI_TABLE_CELL, fmt, ap);
    va_end(ap);
}

/* ---- Text --------------------------------------------------------------------- */

static void column_widths(const struct cli_table *t, size_t w[])
{
    for (size_t c = 0; c < t->n_cols; c++) {
        w[c] = strlen(t->cols[c].name);
        for (size_t r = 0; r < t->n_rows; r++) {
            const size_t n = strlen(t->cells[r][c]);
            w[c] = n > w[c] ? n : w[c];
        }
    }
}

/* Numbers right-aligned, text left-aligned; no trailing blanks. */
static void print_line(const struct cli_table *t, const size_t w[], const char *const cell[],
                       FILE *out)
{
    for (size_t c = 0; c < t->n_cols; c++) {
        const bool last = c + 1 == t->n_cols;
        const int width = (int)w[c];
        if (t->cols[c].numeric)
            fprintf(out, "%*s", width, cell[c]);
        else
            fprintf(out, "%-*s", last ? 0 : width, cell[c]);
        if (!last)
            fprintf(out, "%*s", COL_GAP, "");
    }
    fputc('\n', out);
}

void cli_table_print_text(const struct cli_table *t, FILE *out)
{
    size_t w[CLI_TABLE_MAX_COLS];
    const char *cell[CLI_TABLE_MAX_COLS];
    column_widths(t, w);
    if (t->title)
        fprintf(out, "%s:\n", t->title);
    for (size_t c = 0; c < t->n_cols; c++)
        cell[c] = t->cols[c].name;
    print_line(t, w, cell, out);
    for (size_t r = 0; r < t->n_rows; r++) {
        for (size_t c = 0; c < t->n_cols; c++)
            cell[c] = t->cells[r][c];
        print_line(t, w, cell, out);
    }
    if (t->overflow)
        fprintf(out, "(more rows than shown)\n");
}

/* ---- JSON --------------------------------------------------------------------- */

void cli_json_string(const char *s, FILE *out)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < JSON_CONTROL_LIMIT)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

/* A numeric cell is written bare only if it is really a number (digits,
 * an optional sign and fraction), so the output stays valid JSON. */
static bool is_json_number(const char *s)
{
    const char *p = s + (*s == '-');
    if (*p < '0' || *p > '9')
        return false;
    p += strspn(p, "0123456789");
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return false;
        p += strspn(p, "0123456789");
    }
    return *p == '\0';
}

static void json_cell(const struct cli_table *t, size_t r, size_t c, FILE *out)
{
    const char *v = t->cells[r][c];
    if (!*v)
        fputs("null", out);
    else if (t->cols[c].numeric && is_json_number(v))
        fputs(v, out);
    else
        cli_json_string(v, out);
}

static void json_table(const struct cli_table *t, FILE *out)
{
    cli_json_string(t->key, out);
    fputs(": [", out);
    for (size_t r = 0; r < t->n_rows; r++) {
        fputs(r ? ",\n  {" : "\n  {", out);
        for (size_t c = 0; c < t->n_cols; c++) {
            if (c)
                fputs(", ", out);
            cli_json_string(t->cols[c].name, out);
            fputs(": ", out);
            json_cell(t, r, c, out);
        }
        fputc('}', out);
    }
    fputs(t->n_rows ? "\n]" : "]", out);
}

void cli_tables_print_json(struct cli_table *const tables[], size_t n, FILE *out)
{
    fputc('{', out);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputs(",\n", out);
        json_table(tables[i], out);
    }
    fputs("}\n", out);
}

void cli_tables_print(struct cli_table *const tables[], size_t n, bool json, FILE *out)
{
    if (json) {
        cli_tables_print_json(tables, n, out);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc('\n', out);
        cli_table_print_text(tables[i], out);
    }
}

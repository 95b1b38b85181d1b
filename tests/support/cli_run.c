/* Reading the `axnet` command's output (cli_run.h). */
#include "cli_run.h"

#include <string.h>

int axn_cli_count(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

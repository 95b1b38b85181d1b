/*
 * Reading the `axnet` command's output in its tests (test_cli_sim and the
 * test_cli_*_tap interop tests): helpers that need no namespace.
 */
#ifndef AXN_TEST_CLI_RUN_H
#define AXN_TEST_CLI_RUN_H

/* How many times `needle` occurs in `text` (overlapping ones too). */
int axn_cli_count(const char *text, const char *needle);

#endif

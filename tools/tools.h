/* Shared declarations of the `axnet` command's pieces. */
#ifndef AXN_TOOLS_H
#define AXN_TOOLS_H

#include <stddef.h>
#include <stdint.h>

/* Room for one frame description. */
#define AXN_TOOL_DESC_LEN 160

/* One-line human description of an Ethernet frame ("ARP who-has ..."). */
void axn_tool_describe_frame(const uint8_t *frame, size_t len, char *out, size_t cap);

/* A virtual or real time in milliseconds, for printing. */
double axn_tool_ms(uint64_t usec);

/* One line "   12.345 ms  who: <message>" on stdout. */
void axn_tool_say(uint64_t now_usec, const char *who, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* `axnet demo`: returns the process exit status. */
int axn_tool_demo(int argc, char **argv);

#endif /* AXN_TOOLS_H */

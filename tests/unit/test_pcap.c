/*
 * pcap capture files and the recording tap: exact file bytes, timestamps
 * from the caller's clock, frames passed through unchanged, every driver op
 * forwarded; and, where tshark is installed, that tshark reads the file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "axnet/hosted/pcap.h"
#include "axnet/hosted/sim_wire.h"

#define FILE_HDR_LEN   24
#define REC_HDR_LEN    16
#define ARP_FRAME_LEN  60 /* 42 bytes of ARP, zero-padded to ETH_ZLEN */
#define MAX_FILE       4096
#define LINE_MAX_LEN   512
#define TSHARK_CMD_MAX 1024
#define WIRE_DELAY     100
#define TX_TIME        1000
#define REPLY_TIME     2000
#define MOCK_IRQ       42
#define MOCK_MTU       9000
#define MOCK_GSO_MAX   65000

static const struct axn_mac mac_a = {{0x02, 0, 0, 0, 0, 0x0a}};
static const struct axn_mac mac_b = {{0x02, 0, 0, 0, 0, 0x0b}};

/* A unique path for this test's capture file, removed by the caller. */
static void temp_path(char *path, size_t cap)
{
    snprintf(path, cap, "/tmp/axn_test_pcap_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
}

static size_t read_file(const char *path, uint8_t *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, cap, f);
    assert_int_equal(fgetc(f), EOF);
    fclose(f);
    return n;
}

/* ARP over Ethernet/IPv4 between 10.0.0.1 (A) and 10.0.0.2 (B). */
static void arp_frame(uint8_t *f, bool reply)
{
    static const uint8_t request[42] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0,    0, 0, 0, 0x0a, 0x08, 0x06, /* Ethernet */
        0x00, 0x01, 0x08, 0x00, 6,    4,    0x00, 0x01,       /* ARP, request */
        0x02, 0,    0,    0,    0,    0x0a, 10,   0,    0, 1, /* sender A */
        0,    0,    0,    0,    0,    0,    10,   0,    0, 2, /* target ? */
    };
    static const uint8_t answer[42] = {
        0x02, 0,    0,    0,    0, 0x0a, 0x02, 0,    0, 0, 0, 0x0b, 0x08, 0x06, /* Ethernet */
        0x00, 0x01, 0x08, 0x00, 6, 4,    0x00, 0x02,                            /* ARP, reply */
        0x02, 0,    0,    0,    0, 0x0b, 10,   0,    0, 2,                      /* sender B */
        0x02, 0,    0,    0,    0, 0x0a, 10,   0,    0, 1,                      /* target A */
    };
    memset(f, 0, ARP_FRAME_LEN);
    memcpy(f, reply ? answer : request, sizeof(request));
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void expect_record(const uint8_t *rec, uint32_t sec, uint32_t usec, uint32_t incl,
                          uint32_t orig, const uint8_t *data)
{
    uint8_t hdr[REC_HDR_LEN];
    put_le32(hdr, sec);
    put_le32(hdr + 4, usec);
    put_le32(hdr + 8, incl);
    put_le32(hdr + 12, orig);
    assert_memory_equal(rec, hdr, REC_HDR_LEN);
    assert_memory_equal(rec + REC_HDR_LEN, data, incl);
}

/* ---- The file writer ----------------------------------------------------- */

static void file_starts_with_exact_global_header_and_record(void **state)
{
    (void)state;
    char path[64];
    temp_path(path, sizeof(path));
    struct axn_pcap *pcap;
    assert_int_equal(axn_pcap_open(&pcap, path, 0), 0);
    assert_int_equal(axn_pcap_count(pcap), 0);
    uint8_t frame[ARP_FRAME_LEN];
    arp_frame(frame, false);
    assert_int_equal(axn_pcap_write(pcap, AXN_SEC(3) + 250, frame, sizeof(frame)), 0);
    assert_int_equal(axn_pcap_count(pcap), 1);
    axn_pcap_close(pcap);

    static const uint8_t global[FILE_HDR_LEN] = {
        0xd4, 0xc3, 0xb2, 0xa1, /* magic 0xa1b2c3d4, little-endian */
        0x02, 0x00, 0x04, 0x00, /* version 2.4 */
        0x00, 0x00, 0x00, 0x00, /* thiszone */
        0x00, 0x00, 0x00, 0x00, /* sigfigs */
        0x00, 0x00, 0x04, 0x00, /* snaplen 262144 */
        0x01, 0x00, 0x00, 0x00, /* LINKTYPE_ETHERNET */
    };
    static const uint8_t record[REC_HDR_LEN] = {
        0x03, 0x00, 0x00, 0x00, /* 3 s */
        0xfa, 0x00, 0x00, 0x00, /* 250 µs */
        0x3c, 0x00, 0x00, 0x00, /* 60 bytes in the file */
        0x3c, 0x00, 0x00, 0x00, /* 60 bytes on the wire */
    };
    uint8_t buf[MAX_FILE];
    size_t n = read_file(path, buf, sizeof(buf));
    assert_int_equal(n, FILE_HDR_LEN + REC_HDR_LEN + ARP_FRAME_LEN);
    assert_memory_equal(buf, global, FILE_HDR_LEN);
    assert_memory_equal(buf + FILE_HDR_LEN, record, REC_HDR_LEN);
    assert_memory_equal(buf + FILE_HDR_LEN + REC_HDR_LEN, frame, ARP_FRAME_LEN);
    unlink(path);
}

static void snaplen_cuts_long_frames_and_keeps_their_length(void **state)
{
    (void)state;
    char path[64];
    temp_path(path, sizeof(path));
    struct axn_pcap *pcap;
    assert_int_equal(axn_pcap_open(&pcap, path, 32), 0);
    uint8_t frame[100];
    for (size_t i = 0; i < sizeof(frame); i++)
        frame[i] = (uint8_t)i;
    assert_int_equal(axn_pcap_write(pcap, 7, frame, sizeof(frame)), 0);
    assert_int_equal(axn_pcap_write(pcap, AXN_SEC(1), frame, 10), 0);
    assert_int_equal(axn_pcap_count(pcap), 2);
    axn_pcap_close(pcap);

    uint8_t buf[MAX_FILE];
    size_t n = read_file(path, buf, sizeof(buf));
    assert_int_equal(n, FILE_HDR_LEN + 2 * REC_HDR_LEN + 32 + 10);
    static const uint8_t snaplen32[4] = {0x20, 0, 0, 0};
    assert_memory_equal(buf + 16, snaplen32, sizeof(snaplen32));
    expect_record(buf + FILE_HDR_LEN, 0, 7, 32, 100, frame);
    expect_record(buf + FILE_HDR_LEN + REC_HDR_LEN + 32, 1, 0, 10, 10, frame);
    unlink(path);
}

static void open_reports_negative_errno(void **state)
{
    (void)state;
    struct axn_pcap *pcap = NULL;
    assert_int_equal(axn_pcap_open(&pcap, "/nonexistent-axn-dir/x.pcap", 0), -AXN_ENOENT);
    assert_null(pcap);
    assert_int_equal(axn_pcap_open(&pcap, NULL, 0), -AXN_EINVAL);
    assert_int_equal(axn_pcap_write(NULL, 0, NULL, 0), -AXN_EINVAL);
    assert_int_equal(axn_pcap_count(NULL), 0);
    axn_pcap_close(NULL);
}

/* ---- The tap over a simulated wire --------------------------------------- */

static axn_time_t wire_clock(void *ctx)
{
    return axn_sim_wire_time(ctx);
}

static bool tshark_present(void)
{
    return system("command -v tshark >/dev/null 2>&1") == 0;
}

/* Runs `tshark -r path` with extra `args`; returns the stdout lines read
 * and whether any line of stdout or stderr says "Malformed". */
static size_t tshark_lines(const char *path, const char *args, bool *malformed,
                           char lines[][LINE_MAX_LEN], size_t cap)
{
    char cmd[TSHARK_CMD_MAX];
    snprintf(cmd, sizeof(cmd), "tshark -r '%s' %s 2>&1", path, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[LINE_MAX_LEN];
    size_t n = 0;
    while (fgets(line, sizeof(line), p)) {
        if (strstr(line, "Malformed"))
            *malformed = true;
        /* tshark warns on stderr when run as root; that is not a packet. */
        if (strstr(line, "Running as user"))
            continue;
        if (n < cap)
            snprintf(lines[n], LINE_MAX_LEN, "%s", line);
        n++;
    }
    assert_int_equal(pclose(p), 0);
    return n;
}

static void check_with_tshark(const char *path)
{
    if (!tshark_present()) {
        print_message("tshark not installed: decoding check skipped\n");
        return;
    }
    bool malformed = false;
    char lines[4][LINE_MAX_LEN];
    assert_int_equal(tshark_lines(path, "", &malformed, lines, 4), 2);
    assert_int_equal(
        tshark_lines(path, "-T fields -e frame.time_epoch -e arp.opcode", &malformed, lines, 4), 2);
    assert_false(malformed);
    assert_string_equal(lines[0], "0.001000000\t1\n");
    assert_string_equal(lines[1], "0.002100000\t2\n");
}

static void tap_records_both_directions_with_clock_time_and_frames_unchanged(void **state)
{
    (void)state;
    char path[64];
    temp_path(path, sizeof(path));
    struct axn_sim_wire_config cfg = {.impair = {.delay = WIRE_DELAY}};
    struct axn_sim_wire *wire;
    struct axn_eth_driver a, b, outer;
    struct axn_pcap *pcap;
    struct axn_pcap_tap *tap;
    assert_int_equal(axn_sim_wire_create(&wire, &cfg, 1), 0);
    assert_int_equal(axn_sim_wire_add_port(wire, &mac_a, &a), 0);
    assert_int_equal(axn_sim_wire_add_port(wire, &mac_b, &b), 1);
    assert_int_equal(axn_pcap_open(&pcap, path, 0), 0);
    assert_int_equal(axn_pcap_tap_wrap(&tap, &a, pcap, wire_clock, wire, &outer), 0);

    uint8_t request[ARP_FRAME_LEN], reply[ARP_FRAME_LEN];
    arp_frame(request, false);
    arp_frame(reply, true);

    /* A sends through the tap at 1 ms. */
    assert_int_equal(axn_sim_wire_set_time(wire, TX_TIME), 0);
    struct axn_tx_buf tx;
    assert_int_equal(outer.ops->recycle_tx(outer.drv), 0);
    assert_int_equal(outer.ops->alloc_tx(outer.drv, ARP_FRAME_LEN, &tx), 0);
    memcpy(tx.data, request, ARP_FRAME_LEN);
    assert_int_equal(outer.ops->transmit(outer.drv, &tx), 0);
    assert_int_equal(axn_pcap_count(pcap), 1);

    /* B gets it unchanged and answers at 2 ms; A reads it at 2.1 ms. */
    struct axn_rx_buf rx;
    assert_int_equal(axn_sim_wire_set_time(wire, REPLY_TIME), 0);
    assert_int_equal(b.ops->receive(b.drv, &rx), 0);
    assert_int_equal(rx.len, ARP_FRAME_LEN);
    assert_memory_equal(rx.data, request, ARP_FRAME_LEN);
    assert_int_equal(b.ops->recycle_rx(b.drv, &rx), 0);
    assert_int_equal(b.ops->alloc_tx(b.drv, ARP_FRAME_LEN, &tx), 0);
    memcpy(tx.data, reply, ARP_FRAME_LEN);
    assert_int_equal(b.ops->transmit(b.drv, &tx), 0);

    assert_int_equal(outer.ops->receive(outer.drv, &rx), -AXN_EAGAIN);
    assert_int_equal(axn_pcap_count(pcap), 1);
    assert_int_equal(axn_sim_wire_set_time(wire, REPLY_TIME + WIRE_DELAY), 0);
    assert_int_equal(outer.ops->receive(outer.drv, &rx), 0);
    assert_int_equal(rx.len, ARP_FRAME_LEN);
    assert_memory_equal(rx.data, reply, ARP_FRAME_LEN);
    assert_int_equal(outer.ops->recycle_rx(outer.drv, &rx), 0);
    assert_int_equal(axn_pcap_count(pcap), 2);

    axn_pcap_tap_free(tap);
    axn_pcap_close(pcap);
    axn_sim_wire_destroy(wire);

    uint8_t buf[MAX_FILE];
    size_t n = read_file(path, buf, sizeof(buf));
    assert_int_equal(n, FILE_HDR_LEN + 2 * (REC_HDR_LEN + ARP_FRAME_LEN));
    const uint8_t *rec = buf + FILE_HDR_LEN;
    expect_record(rec, 0, TX_TIME, ARP_FRAME_LEN, ARP_FRAME_LEN, request);
    rec += REC_HDR_LEN + ARP_FRAME_LEN;
    expect_record(rec, 0, REPLY_TIME + WIRE_DELAY, ARP_FRAME_LEN, ARP_FRAME_LEN, reply);
    check_with_tshark(path);
    unlink(path);
}

static void tap_of_polled_driver_has_no_irq_ops(void **state)
{
    (void)state;
    char path[64];
    temp_path(path, sizeof(path));
    struct axn_sim_wire *wire;
    struct axn_eth_driver a, outer;
    struct axn_pcap *pcap;
    struct axn_pcap_tap *tap;
    assert_int_equal(axn_sim_wire_create(&wire, NULL, 1), 0);
    assert_int_equal(axn_sim_wire_add_port(wire, &mac_a, &a), 0);
    assert_int_equal(axn_pcap_open(&pcap, path, 0), 0);
    assert_int_equal(axn_pcap_tap_wrap(&tap, &a, pcap, wire_clock, wire, &outer), 0);
    assert_null(outer.ops->irq_id);
    assert_null(outer.ops->enable_irq);
    assert_null(outer.ops->disable_irq);
    assert_null(outer.ops->take_irq_handler);
    assert_string_equal(outer.ops->name(outer.drv), "sim0");
    struct axn_mac mac;
    outer.ops->mac_address(outer.drv, &mac);
    assert_memory_equal(mac.b, mac_a.b, AXN_MAC_LEN);

    /* An aborted frame never went out: nothing recorded. */
    struct axn_tx_buf tx;
    assert_int_equal(outer.ops->alloc_tx(outer.drv, ARP_FRAME_LEN, &tx), 0);
    outer.ops->abort_tx(outer.drv, &tx);
    assert_int_equal(axn_pcap_count(pcap), 0);
    assert_int_equal(axn_pcap_tap_wrap(&tap, &a, pcap, NULL, NULL, &outer), -AXN_EINVAL);

    axn_pcap_tap_free(tap);
    axn_pcap_close(pcap);
    axn_sim_wire_destroy(wire);
    unlink(path);
}

/* ---- Forwarding of every op, with a mock driver that has an IRQ ---------- */

struct mock {
    int calls_name, calls_mac, calls_receive, calls_recycle_rx, calls_recycle_tx;
    int calls_alloc_tx, calls_transmit, calls_abort_tx;
    int calls_irq_id, calls_enable, calls_disable, calls_take;
    uint8_t buf[ARP_FRAME_LEN];
};

static uint32_t mock_irq_handle(void *arg)
{
    (void)arg;
    return AXN_IRQ_RX_READY;
}

static const char *mock_name(void *drv)
{
    ((struct mock *)drv)->calls_name++;
    return "mock0";
}

static void mock_mac(void *drv, struct axn_mac *mac)
{
    ((struct mock *)drv)->calls_mac++;
    *mac = mac_b;
}

static int mock_receive(void *drv, struct axn_rx_buf *rx)
{
    struct mock *m = drv;
    m->calls_receive++;
    memset(rx, 0, sizeof(*rx));
    rx->data = m->buf;
    rx->len = sizeof(m->buf);
    return 0;
}

static int mock_recycle_rx(void *drv, struct axn_rx_buf *rx)
{
    (void)rx;
    ((struct mock *)drv)->calls_recycle_rx++;
    return 0;
}

static int mock_recycle_tx(void *drv)
{
    ((struct mock *)drv)->calls_recycle_tx++;
    return -AXN_EIO; /* distinctive, to see it passed back unchanged */
}

static int mock_alloc_tx(void *drv, size_t len, struct axn_tx_buf *tx)
{
    struct mock *m = drv;
    m->calls_alloc_tx++;
    memset(tx, 0, sizeof(*tx));
    tx->data = m->buf;
    tx->len = len;
    return 0;
}

static int mock_transmit(void *drv, struct axn_tx_buf *tx)
{
    (void)tx;
    ((struct mock *)drv)->calls_transmit++;
    return -AXN_EAGAIN;
}

static void mock_abort_tx(void *drv, struct axn_tx_buf *tx)
{
    (void)tx;
    ((struct mock *)drv)->calls_abort_tx++;
}

static int mock_irq_id(void *drv)
{
    ((struct mock *)drv)->calls_irq_id++;
    return MOCK_IRQ;
}

static void mock_enable(void *drv)
{
    ((struct mock *)drv)->calls_enable++;
}

static void mock_disable(void *drv)
{
    ((struct mock *)drv)->calls_disable++;
}

static int mock_take(void *drv, struct axn_irq_handler *handler)
{
    struct mock *m = drv;
    m->calls_take++;
    handler->handle = mock_irq_handle;
    handler->arg = m;
    return 0;
}

static const struct axn_eth_driver_ops mock_ops = {
    .name = mock_name,
    .mac_address = mock_mac,
    .receive = mock_receive,
    .recycle_rx = mock_recycle_rx,
    .recycle_tx = mock_recycle_tx,
    .alloc_tx = mock_alloc_tx,
    .transmit = mock_transmit,
    .abort_tx = mock_abort_tx,
    .irq_id = mock_irq_id,
    .enable_irq = mock_enable,
    .disable_irq = mock_disable,
    .take_irq_handler = mock_take,
};

static axn_time_t fixed_clock(void *ctx)
{
    return *(const axn_time_t *)ctx;
}

static void tap_forwards_every_op_and_result_to_the_inner_driver(void **state)
{
    (void)state;
    char path[64];
    temp_path(path, sizeof(path));
    static struct mock m;
    memset(&m, 0, sizeof(m));
    const struct axn_eth_driver inner = {.ops = &mock_ops,
                                         .drv = &m,
                                         .caps = AXN_DRV_CAP_TX_CSUM | AXN_DRV_CAP_TSO4,
                                         .mtu = MOCK_MTU,
                                         .gso_max_size = MOCK_GSO_MAX};
    struct axn_eth_driver outer;
    struct axn_pcap *pcap;
    struct axn_pcap_tap *tap;
    axn_time_t now = 5;
    assert_int_equal(axn_pcap_open(&pcap, path, 0), 0);
    assert_int_equal(axn_pcap_tap_wrap(&tap, &inner, pcap, fixed_clock, &now, &outer), 0);
    assert_int_equal(outer.caps, inner.caps);
    assert_int_equal(outer.mtu, MOCK_MTU);
    assert_int_equal(outer.gso_max_size, MOCK_GSO_MAX);
    assert_ptr_not_equal(outer.drv, inner.drv);

    struct axn_mac mac;
    assert_string_equal(outer.ops->name(outer.drv), "mock0");
    outer.ops->mac_address(outer.drv, &mac);
    assert_memory_equal(mac.b, mac_b.b, AXN_MAC_LEN);

    struct axn_rx_buf rx;
    struct axn_tx_buf tx;
    assert_int_equal(outer.ops->receive(outer.drv, &rx), 0);
    assert_ptr_equal(rx.data, m.buf);
    assert_int_equal(outer.ops->recycle_rx(outer.drv, &rx), 0);
    assert_int_equal(outer.ops->recycle_tx(outer.drv), -AXN_EIO);
    assert_int_equal(outer.ops->alloc_tx(outer.drv, 20, &tx), 0);
    assert_int_equal(outer.ops->transmit(outer.drv, &tx), -AXN_EAGAIN);
    assert_int_equal(outer.ops->alloc_tx(outer.drv, 20, &tx), 0);
    outer.ops->abort_tx(outer.drv, &tx);

    assert_int_equal(outer.ops->irq_id(outer.drv), MOCK_IRQ);
    outer.ops->enable_irq(outer.drv);
    outer.ops->disable_irq(outer.drv);
    struct axn_irq_handler handler = {0};
    assert_int_equal(outer.ops->take_irq_handler(outer.drv, &handler), 0);
    assert_ptr_equal(handler.handle, mock_irq_handle);
    assert_ptr_equal(handler.arg, &m);

    assert_int_equal(m.calls_name, 1);
    assert_int_equal(m.calls_mac, 1);
    assert_int_equal(m.calls_receive, 1);
    assert_int_equal(m.calls_recycle_rx, 1);
    assert_int_equal(m.calls_recycle_tx, 1);
    assert_int_equal(m.calls_alloc_tx, 2);
    assert_int_equal(m.calls_transmit, 1);
    assert_int_equal(m.calls_abort_tx, 1);
    assert_int_equal(m.calls_irq_id, 1);
    assert_int_equal(m.calls_enable, 1);
    assert_int_equal(m.calls_disable, 1);
    assert_int_equal(m.calls_take, 1);
    /* One frame in, one frame out (recorded even though transmit failed:
     * the stack tried to send it). */
    assert_int_equal(axn_pcap_count(pcap), 2);

    axn_pcap_tap_free(tap);
    axn_pcap_close(pcap);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(file_starts_with_exact_global_header_and_record),
        cmocka_unit_test(snaplen_cuts_long_frames_and_keeps_their_length),
        cmocka_unit_test(open_reports_negative_errno),
        cmocka_unit_test(tap_records_both_directions_with_clock_time_and_frames_unchanged),
        cmocka_unit_test(tap_of_polled_driver_has_no_irq_ops),
        cmocka_unit_test(tap_forwards_every_op_and_result_to_the_inner_driver),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Classic libpcap capture files. Fields are written little-endian whatever
 * the host: readers detect the byte order from the magic number, and a
 * fixed order makes captures of a simulation byte-identical on every host.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "axnet/errno.h"
#include "axnet/hosted/pcap.h"

#define PCAP_MAGIC_USEC      0xa1b2c3d4u
#define PCAP_VERSION_MAJOR   2
#define PCAP_VERSION_MINOR   4
#define PCAP_LINKTYPE_ETHER  1
#define PCAP_DEFAULT_SNAPLEN 262144u
#define PCAP_FILE_HDR_LEN    24
#define PCAP_REC_HDR_LEN     16

#define BYTE_BITS 8
#define BYTE_MASK 0xffu

struct axn_pcap {
    FILE *file;
    uint32_t snaplen;
    /* Records from the RX and TX paths of a tap may come concurrently: one
     * record's header and data must not interleave with another's. */
    pthread_mutex_t lock;
    _Atomic uint64_t count;
};

static uint8_t *put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v & BYTE_MASK);
    p[1] = (uint8_t)(v >> BYTE_BITS);
    return p + sizeof(v);
}

static uint8_t *put_le32(uint8_t *p, uint32_t v)
{
    for (size_t i = 0; i < sizeof(v); i++)
        p[i] = (uint8_t)((v >> (BYTE_BITS * i)) & BYTE_MASK);
    return p + sizeof(v);
}

static int write_all(FILE *file, const void *buf, size_t len)
{
    if (len && fwrite(buf, 1, len, file) != len)
        return errno ? -errno : -AXN_EIO;
    return 0;
}

static int write_file_header(FILE *file, uint32_t snaplen)
{
    uint8_t hdr[PCAP_FILE_HDR_LEN];
    uint8_t *p = put_le32(hdr, PCAP_MAGIC_USEC);
    p = put_le16(p, PCAP_VERSION_MAJOR);
    p = put_le16(p, PCAP_VERSION_MINOR);
    p = put_le32(p, 0); /* thiszone: timestamps are UTC (here: virtual) */
    p = put_le32(p, 0); /* sigfigs: always 0 in practice */
    p = put_le32(p, snaplen);
    put_le32(p, PCAP_LINKTYPE_ETHER);
    return write_all(file, hdr, sizeof(hdr));
}

int axn_pcap_open(struct axn_pcap **out, const char *path, uint32_t snaplen)
{
    if (!out || !path)
        return -AXN_EINVAL;
    struct axn_pcap *pcap = calloc(1, sizeof(*pcap));
    if (!pcap)
        return -AXN_ENOMEM;
    pcap->snaplen = snaplen ? snaplen : PCAP_DEFAULT_SNAPLEN;
    pcap->file = fopen(path, "wb");
    if (!pcap->file) {
        int err = errno ? -errno : -AXN_EIO;
        free(pcap);
        return err;
    }
    int err = write_file_header(pcap->file, pcap->snaplen);
    if (err == 0 && pthread_mutex_init(&pcap->lock, NULL) != 0)
        err = -AXN_ENOMEM;
    if (err) {
        fclose(pcap->file);
        free(pcap);
        return err;
    }
    atomic_init(&pcap->count, 0);
    *out = pcap;
    return 0;
}

int axn_pcap_write(struct axn_pcap *pcap, axn_time_t ts, const void *frame, size_t len)
{
    if (!pcap || (!frame && len))
        return -AXN_EINVAL;
    uint32_t orig = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
    uint32_t incl = orig < pcap->snaplen ? orig : pcap->snaplen;
    uint8_t hdr[PCAP_REC_HDR_LEN];
    uint8_t *p = put_le32(hdr, (uint32_t)(ts / AXN_USEC_PER_SEC));
    p = put_le32(p, (uint32_t)(ts % AXN_USEC_PER_SEC));
    p = put_le32(p, incl);
    put_le32(p, orig);

    pthread_mutex_lock(&pcap->lock);
    int err = write_all(pcap->file, hdr, sizeof(hdr));
    if (err == 0)
        err = write_all(pcap->file, frame, incl);
    if (err == 0)
        atomic_fetch_add(&pcap->count, 1);
    pthread_mutex_unlock(&pcap->lock);
    return err;
}

uint64_t axn_pcap_count(const struct axn_pcap *pcap)
{
    return pcap ? atomic_load(&pcap->count) : 0;
}

void axn_pcap_close(struct axn_pcap *pcap)
{
    if (!pcap)
        return;
    fclose(pcap->file);
    pthread_mutex_destroy(&pcap->lock);
    free(pcap);
}

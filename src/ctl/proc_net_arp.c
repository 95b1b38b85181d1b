/*
 * The /proc/net/arp text (spec ETH-16), byte for byte as Linux prints it
 * (net/ipv4/arp.c), checked against a real kernel: the address padded to
 * 16 columns, hardware type and flags as "0x%-10x", the MAC, a fixed "*"
 * mask column, and the device name.
 */
#include "ctl/ctl.h"

#include "lib/fmt.h"

#define PROC_NET_ARP_HEADER                                                                        \
    "IP address       HW type     Flags       HW address            Mask     Device\n"

void axn_proc_net_arp_header(struct axn_text_buf *t)
{
    axn_text_appendf(t, "%s", PROC_NET_ARP_HEADER);
}

void axn_proc_net_arp_row(struct axn_text_buf *t, const struct axn_arp_entry *e)
{
    char ip[AXN_IP4_STR_LEN];
    char mac[AXN_MAC_STR_LEN];
    axn_fmt_ip4(ip, sizeof(ip), e->ip);
    axn_fmt_mac(mac, sizeof(mac), &e->mac);
    axn_text_appendf(t, "%-16s 0x%-10x0x%-10x%s     *        %.*s\n", ip, (unsigned)e->hw_type,
                     (unsigned)e->flags, mac, (int)(AXN_IFNAMSIZ - 1), e->dev);
}

#!/usr/bin/env python3
"""Hand-made seeds for fuzz/fuzz_stack_sockets.c (run from anywhere:
`python3 fuzz/corpus/stack_sockets/gen_seeds.py`; writes next to itself).

The other seeds in this directory are copies of fuzz/corpus/eth_rx/*.

Each input is Ethernet frames separated by FRAME_SEP. The target reads the
last byte of a frame as its time step (index into time_steps[]) and the
byte before it as the drain control (CTL_* bits), so every frame here ends
in two trailer bytes after its IP datagram: Ethernet padding to IPv4, which
stops at Total Length.

Addresses match the target: we are 192.0.2.10 (MAC 02:00:00:00:00:0a) and
the peer is 192.0.2.1 (MAC 02:00:00:00:00:01); the connected UDP socket is
192.0.2.10:40000 -> 192.0.2.1:9; the ping socket's identifier is 0x1234.
"""
import os
import struct

FRAME_SEP = b"\xf7\xa7\x5e\x9d"
OUR_MAC = bytes([0x02, 0, 0, 0, 0, 0x0A])
PEER_MAC = bytes([0x02, 0, 0, 0, 0, 0x01])
BCAST_MAC = b"\xff" * 6
OUR_IP = bytes([192, 0, 2, 10])
PEER_IP = bytes([192, 0, 2, 1])
ETH_IPV4 = 0x0800
ETH_ARP = 0x0806
PROTO_ICMP = 1
PROTO_UDP = 17
PROTO_EXP = 253
ECHO_PORT = 7
DNS_PORT = 53
DISCARD_PORT = 9
CONN_PORT = 40000
PEER_SPORT = 5000
PING_IDENT = 0x1234  # the ping socket's identifier
TTL = 64
IP_DF = 0x4000
IP_MF = 0x2000
FRAG_UNIT = 8
FRAG_DATA = 1472  # a multiple of FRAG_UNIT; with the trailer the frame stays <= 1514
BIG_UDP = 3000
BIG_PING = 2000
NEXT_HOP_MTU = 1280

# The target's control byte (fuzz_stack_sockets.c CTL_*) and time steps.
CTL_ECHO = 0x04
CTL_CONN_SEND = 0x20
STEP_1MS = 1
STEP_REASM_TIMEOUT = 7
TRAILER = bytes([CTL_ECHO | CTL_CONN_SEND, STEP_1MS])


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(src, dst, proto, payload, ident=1, flags_frag=IP_DF, total=None):
    total = total if total is not None else 20 + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, ident, flags_frag, TTL, proto, 0, src, dst)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def udp(src, dst, sport, dport, payload):
    length = 8 + len(payload)
    pseudo = src + dst + struct.pack("!BBH", 0, PROTO_UDP, length)
    hdr = struct.pack("!HHHH", sport, dport, length, 0)
    c = csum(pseudo + hdr + payload) or 0xFFFF
    return struct.pack("!HHHH", sport, dport, length, c) + payload


def icmp(typ, code, rest, payload):
    body = struct.pack("!BBH", typ, code, 0) + rest + payload
    return body[:2] + struct.pack("!H", csum(body)) + body[4:]


def eth(dst, src, ethertype, payload, trailer=TRAILER):
    return dst + src + struct.pack("!H", ethertype) + payload + trailer


def arp_reply():
    body = struct.pack("!HHBBH", 1, ETH_IPV4, 6, 4, 2) + PEER_MAC + PEER_IP + OUR_MAC + OUR_IP
    return eth(OUR_MAC, PEER_MAC, ETH_ARP, body)


def to_us(proto, payload, **kw):
    return eth(OUR_MAC, PEER_MAC, ETH_IPV4, ipv4(PEER_IP, OUR_IP, proto, payload, **kw))


def fragments(payload, proto, ident):
    """`payload` as IPv4 fragments of at most FRAG_DATA bytes each."""
    frames = []
    for off in range(0, len(payload), FRAG_DATA):
        piece = payload[off:off + FRAG_DATA]
        more = IP_MF if off + FRAG_DATA < len(payload) else 0
        frames.append(to_us(proto, piece, ident=ident, flags_frag=more | off // FRAG_UNIT))
    return frames


def seeds():
    out = {}
    out["udp_echo.bin"] = to_us(PROTO_UDP, udp(PEER_IP, OUR_IP, PEER_SPORT, ECHO_PORT, b"hello, echo"))
    out["udp_dns.bin"] = to_us(
        PROTO_UDP, udp(PEER_IP, OUR_IP, PEER_SPORT, DNS_PORT, bytes.fromhex("12340100000100000000000003777777076578616d706c6503636f6d0000010001")))
    # Two fragments of one UDP datagram to port 7 (first: 24 bytes of UDP).
    dgram = udp(PEER_IP, OUR_IP, PEER_SPORT, ECHO_PORT, bytes(range(40)))
    first, rest = dgram[:3 * FRAG_UNIT], dgram[3 * FRAG_UNIT:]
    f1 = to_us(PROTO_UDP, first, ident=0x77, flags_frag=IP_MF)
    f2 = to_us(PROTO_UDP, rest, ident=0x77, flags_frag=len(first) // FRAG_UNIT)
    out["udp_frag2.bin"] = f1 + FRAME_SEP + f2
    # The first fragment alone, then time past the reassembly timeout.
    out["udp_frag_timeout.bin"] = f1[:-1] + bytes([STEP_REASM_TIMEOUT])
    # Datagrams bigger than the MTU, in MTU-sized fragments: what comes back
    # (the echo from port 7, the stack's echo reply) is fragmented on TX.
    big = udp(PEER_IP, OUR_IP, PEER_SPORT, ECHO_PORT, bytes(i & 0xFF for i in range(BIG_UDP)))
    out["udp_big_frags.bin"] = FRAME_SEP.join(fragments(big, PROTO_UDP, 0x78))
    ping = icmp(8, 0, struct.pack("!HH", PING_IDENT, 2), bytes(i & 0xFF for i in range(BIG_PING)))
    out["icmp_echo_big_frags.bin"] = FRAME_SEP.join(fragments(ping, PROTO_ICMP, 0x79))
    out["icmp_echo.bin"] = to_us(PROTO_ICMP, icmp(8, 0, struct.pack("!HH", PING_IDENT, 1), b"ping-data-0123456789"))
    # The reply to the ping socket's echo request (ident PING_IDENT).
    out["icmp_echo_reply.bin"] = to_us(PROTO_ICMP, icmp(0, 0, struct.pack("!HH", PING_IDENT, 0), bytes(12)))
    # Port unreachable quoting our datagram 192.0.2.10:40000 -> 192.0.2.1:9.
    quoted = ipv4(OUR_IP, PEER_IP, PROTO_UDP, udp(OUR_IP, PEER_IP, CONN_PORT, DISCARD_PORT, bytes(16)), ident=0x5A5A)
    out["icmp_port_unreach.bin"] = to_us(PROTO_ICMP, icmp(3, 3, bytes(4), quoted[:28]))
    # Fragmentation needed (next-hop MTU in the second word) and time
    # exceeded, quoting the same datagram.
    out["icmp_frag_needed.bin"] = to_us(PROTO_ICMP, icmp(3, 4, struct.pack("!HH", 0, NEXT_HOP_MTU), quoted[:28]))
    out["icmp_time_exceeded.bin"] = to_us(PROTO_ICMP, icmp(11, 0, bytes(4), quoted[:28]))
    out["proto253.bin"] = to_us(PROTO_EXP, b"experimental payload")
    # ARP reply from the peer (flushes what waits for it), then a datagram.
    out["arp_then_udp.bin"] = arp_reply() + FRAME_SEP + out["udp_echo.bin"]
    out["udp_bcast_dns.bin"] = eth(BCAST_MAC, PEER_MAC, ETH_IPV4,
                                   ipv4(PEER_IP, bytes([192, 0, 2, 255]), PROTO_UDP,
                                        udp(PEER_IP, bytes([192, 0, 2, 255]), PEER_SPORT, DNS_PORT, b"bcast")))
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    for name, data in seeds().items():
        with open(os.path.join(here, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()

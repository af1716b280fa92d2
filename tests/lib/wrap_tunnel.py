#!/usr/bin/env python3
"""wrap_tunnel.py KIND IN.pcap OUT.pcap - the frames of an Ethernet pcap,
each wrapped in one encapsulation (or a nest of them), one frame for one
frame, same times, so a report of OUT must equal the report of IN.

KINDs: vxlan vxlan6 geneve gre gre6 erspan1 erspan2 erspan3 gtpu mpls
mpls-pw pppoe ipip ip6 nested (vxlan6, gre6, ip6: over IPv6). Layer 2 tunnels (VXLAN, GENEVE, ERSPAN, the MPLS
Ethernet pseudowire) carry the whole Ethernet frame; the others carry its
IP packet. Frames that are not IP are copied unchanged by layer 3 ones.
Prints, on stdout, the tunnel types each wrapped frame crosses and how
many frames: "gre 15", one line each, in mtlsdiag's summary names.

Headers are built from their specifications (RFC 7348, RFC 8926, RFC
2784/2890, draft-foschiano-erspan, 3GPP TS 29.281, RFC 3032/4385, RFC
2516, RFC 2003/2473), not from mtlsdiag's decoders."""
import struct
import sys

ETH_OUTER = bytes.fromhex("020000000002" "020000000001")
IP4_SRC, IP4_DST = bytes([10, 99, 0, 1]), bytes([10, 99, 0, 2])
IP6_SRC = bytes.fromhex("20010db8009900000000000000000001")
IP6_DST = bytes.fromhex("20010db8009900000000000000000002")


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def eth(ethertype, payload):
    return ETH_OUTER + struct.pack("!H", ethertype) + payload


def ipv4(proto, payload, ident=[0]):
    ident[0] = (ident[0] + 1) & 0xFFFF
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident[0], 0x4000, 64, proto, 0, IP4_SRC, IP4_DST)
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return hdr + payload


def ipv6(next_header, payload):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), next_header, 64, IP6_SRC, IP6_DST) + payload


def udp(dport, payload, sport=49152):
    # In IPv4 a zero checksum means none (RFC 768).
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def udp6(dport, payload, sport=49152):
    # In IPv6 the checksum is mandatory (RFC 8200 8.1): over the pseudo
    # header (addresses, length, next header 17) and the datagram.
    d = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    pseudo = IP6_SRC + IP6_DST + struct.pack("!IxxxB", len(d), 17)
    c = checksum(pseudo + d) or 0xFFFF
    return d[:6] + struct.pack("!H", c) + d[8:]


def ip_proto_for(inner):
    return 4 if inner[0] >> 4 == 4 else 41


def ethertype_for(inner):
    return 0x0800 if inner[0] >> 4 == 4 else 0x86DD


def vxlan(frame):
    return udp(4789, struct.pack("!B3xI", 0x08, 42 << 8) + frame)


def geneve(frame):
    # One 8-byte option (class 0x0102, type 0x80, 4 bytes of data): Opt Len 2.
    option = struct.pack("!HBB", 0x0102, 0x80, 1) + b"\xde\xad\xbe\xef"
    hdr = struct.pack("!BBHI", 2, 0, 0x6558, 42 << 8) + option
    return udp(6081, hdr + frame)


def gre(proto, payload, key=None, seq=None, with_checksum=False):
    flags = (0x8000 if with_checksum else 0) | (0x2000 if key is not None else 0) | (0x1000 if seq is not None else 0)
    opt = b""
    if with_checksum:
        opt += b"\0\0\0\0"
    if key is not None:
        opt += struct.pack("!I", key)
    if seq is not None:
        opt += struct.pack("!I", seq)
    hdr = struct.pack("!HH", flags, proto) + opt
    if with_checksum:
        c = checksum(hdr + payload)
        hdr = hdr[:4] + struct.pack("!H", c) + hdr[6:]
    return hdr + payload


def erspan2(frame, seq):
    # Ver 1, VLAN 0, COS 0, En 0, T 0, Session 7; Reserved, Index 0.
    hdr = struct.pack("!HHI", (1 << 12) | 0, 7, 0)
    return gre(0x88BE, hdr + frame, seq=seq)


def erspan3(frame, seq):
    # Ver 2, Session 7, a timestamp, SGT 0, P 0, FT 0 (Ethernet), Hw ID 1,
    # D 0, Gra 0, O 1; then the 8-byte platform specific subheader.
    word3 = (0 << 15) | (0 << 10) | (1 << 4) | 1
    hdr = struct.pack("!HHIHH", (2 << 12) | 0, 7, 123456, 0, word3) + struct.pack("!II", 0x18000000, 0)
    return gre(0x22EB, hdr + frame, seq=seq)


def gtpu(packet):
    # Version 1, PT 1, E 1: the optional fields, then one PDU Session
    # Container extension header (type 0x85, length 1 = 4 bytes).
    ext = struct.pack("!BBBB", 1, 0x00, 0x09, 0)  # length, PDU type/QFI, next type 0
    opt = struct.pack("!HBB", 0, 0, 0x85)
    body = opt + ext + packet
    hdr = struct.pack("!BBHI", 0x34, 255, len(body), 0x1000)
    return udp(2152, hdr + body)


def mpls_entry(label, bottom, ttl=64):
    return struct.pack("!I", (label << 12) | (0x100 if bottom else 0) | ttl)


def pppoe(packet):
    ppp = struct.pack("!H", 0x0021 if packet[0] >> 4 == 4 else 0x0057) + packet
    return struct.pack("!BBHH", 0x11, 0, 0x1234, len(ppp)) + ppp


def wrap(kind, frame, n):
    """The wrapped frame and the tunnel types it crosses, or (frame, [])."""
    ethertype = struct.unpack("!H", frame[12:14])[0]
    is_ip = ethertype in (0x0800, 0x86DD)
    inner = frame[14:]
    if kind == "vxlan":
        return eth(0x0800, ipv4(17, vxlan(frame))), ["vxlan"]
    if kind == "geneve":
        return eth(0x0800, ipv4(17, geneve(frame))), ["geneve"]
    if kind == "vxlan6":
        hdr = struct.pack("!B3xI", 0x08, 42 << 8)
        return eth(0x86DD, ipv6(17, udp6(4789, hdr + frame))), ["vxlan"]
    if kind == "erspan1":
        return eth(0x0800, ipv4(47, gre(0x88BE, frame))), ["gre", "erspan"]
    if kind == "erspan2":
        return eth(0x0800, ipv4(47, erspan2(frame, n))), ["gre", "erspan"]
    if kind == "erspan3":
        return eth(0x0800, ipv4(47, erspan3(frame, n))), ["gre", "erspan"]
    if kind == "mpls-pw":
        return eth(0x8847, mpls_entry(300, True) + b"\0\0\0\0" + frame), ["mpls"]
    if not is_ip:
        return frame, []
    if kind == "gre":
        return eth(0x0800, ipv4(47, gre(ethertype_for(inner), inner, key=0x2A, seq=n, with_checksum=True))), ["gre"]
    if kind == "gre6":
        return eth(0x86DD, ipv6(47, gre(ethertype_for(inner), inner, key=0x2A))), ["gre"]
    if kind == "gtpu":
        return eth(0x0800, ipv4(17, gtpu(inner))), ["gtpu"]
    if kind == "mpls":
        return eth(0x8847, mpls_entry(100, False) + mpls_entry(200, True) + inner), ["mpls"]
    if kind == "pppoe":
        return eth(0x8864, pppoe(inner)), ["pppoe"]
    if kind == "ipip":
        p = ip_proto_for(inner)
        return eth(0x0800, ipv4(p, inner)), ["ip_in_ip" if p == 4 else "ipv6_in_ip"]
    if kind == "ip6":
        p = ip_proto_for(inner)
        return eth(0x86DD, ipv6(p, inner)), ["ip_in_ip" if p == 4 else "ipv6_in_ip"]
    if kind == "nested":
        # MPLS, then IPv4 / GRE with a key, then IPv4 / UDP / VXLAN, then
        # the original Ethernet frame.
        v = ipv4(17, vxlan(frame))
        g = ipv4(47, gre(0x0800, v, key=7))
        return eth(0x8847, mpls_entry(100, True) + g), ["mpls", "gre", "vxlan"]
    raise SystemExit("unknown kind " + kind)


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    kind, src, dst = sys.argv[1:]
    data = open(src, "rb").read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise SystemExit(src + ": not a pcap file")
    linktype = struct.unpack(end + "I", data[20:24])[0]
    if linktype != 1:
        raise SystemExit(src + ": not Ethernet")
    out = bytearray(data[:16]) + struct.pack(end + "II", 262144, 1)
    off, n = 24, 0
    counts = {}
    while off + 16 <= len(data):
        sec, frac, caplen, wirelen = struct.unpack(end + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        n += 1
        wrapped, kinds = wrap(kind, frame, n)
        for k in kinds:
            counts[k] = counts.get(k, 0) + 1
        out += struct.pack(end + "IIII", sec, frac, len(wrapped), wirelen - caplen + len(wrapped)) + wrapped
    open(dst, "wb").write(out)
    for k in sorted(counts):
        print(k, counts[k])


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""damage_seq.py IN.pcap OUT.pcap

A damaged copy of a capture (pcap, Ethernet, IPv4): every segment after
each side's SYN gets its sequence number moved by a large offset (a
different one per side), and data segments lose their ACK flag and
number - the damage of captures whose TCP headers were rewritten or
corrupted. Payloads are unchanged; tshark still reads the TLS in them."""
import struct
import sys

src, dst = sys.argv[1], sys.argv[2]
d = open(src, "rb").read()
if struct.unpack("<I", d[:4])[0] != 0xA1B2C3D4 or struct.unpack("<I", d[20:24])[0] != 1:
    sys.exit("damage_seq.py: only little-endian pcap with Ethernet frames")
out, off = [d[:24]], 24
while off < len(d):
    rec = d[off:off + 16]
    cap = struct.unpack("<IIII", rec)[2]
    pkt = bytearray(d[off + 16:off + 16 + cap])
    off += 16 + cap
    ip = 14
    t = ip + (pkt[ip] & 15) * 4
    sport, dport, seq, ack = struct.unpack("!HHII", pkt[t:t + 12])
    flags = pkt[t + 13]
    payload = len(pkt) - t - (pkt[t + 12] >> 4) * 4
    if not flags & 0x02:
        seq = (seq + (0x40000000 if sport > dport else 0x50000000)) & 0xFFFFFFFF
        if payload > 0:
            flags &= ~0x10
            ack = 0
    struct.pack_into("!II", pkt, t + 4, seq, ack)
    pkt[t + 13] = flags
    out.append(rec + bytes(pkt))
open(dst, "wb").write(b"".join(out))

#!/usr/bin/env python3
"""sslv2_capture.py OUT.pcap CERT.der [client-version-hex]

Writes a capture of one SSL 2.0 connection laid out as the SSL 0.2
specification (draft-hickman-netscape-ssl-00) gives it: TCP handshake, the
client's CLIENT-HELLO, the server's SERVER-HELLO carrying CERT.der, the
client's CLIENT-MASTER-KEY, then two records of encrypted bytes, and FINs.
No SSL 2.0 implementation is left to make a real one (OpenSSL dropped it),
so the tests check mtlsdiag against tshark's reading of these bytes.
With client-version 0301 the client sends the SSLv2-compatible hello of a
TLS client and the server still answers in SSL 2.0 (a downgrade)."""
import os
import struct
import sys

out, cert_path = sys.argv[1], sys.argv[2]
client_version = int(sys.argv[3], 16) if len(sys.argv) > 3 else 0x0002
cert = open(cert_path, "rb").read()

CLI, SRV = bytes([192, 0, 2, 10]), bytes([198, 51, 100, 20])
CPORT, SPORT = 50400, 443


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def packet(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return b"\0\0\0\0\0\2\0\0\0\0\0\1\x08\0" + ip + tcp


def v2_record(body):
    return struct.pack("!H", 0x8000 | len(body)) + body


specs = bytes([0x01, 0x00, 0x80, 0x07, 0x00, 0xC0, 0x03, 0x00, 0x80])  # RC4_128_MD5, DES_192_EDE3, RC2_128
challenge = bytes(range(16))
client_hello = v2_record(struct.pack("!BHHHH", 1, client_version, len(specs), 0, len(challenge)) + specs + challenge)
conn_id = bytes(range(100, 116))
server_hello = v2_record(
    struct.pack("!BBBHHHH", 4, 0, 1, 0x0002, len(cert), len(specs), len(conn_id)) + cert + specs + conn_id
)
# CLIENT-MASTER-KEY: RC4_128_MD5, no clear key, 64 bytes of encrypted key.
master_key = v2_record(struct.pack("!B3sHHH", 2, bytes([0x01, 0x00, 0x80]), 0, 64, 0) + bytes(64))
enc_client = v2_record(os.urandom(40))
enc_server = v2_record(os.urandom(40))

SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01
cs, ss = 1000, 5000
frames = [packet(CLI, SRV, CPORT, SPORT, cs, 0, SYN), packet(SRV, CLI, SPORT, CPORT, ss, cs + 1, SYN | ACK),
          packet(CLI, SRV, CPORT, SPORT, cs + 1, ss + 1, ACK)]
cs += 1
ss += 1
for who, data in ((0, client_hello), (1, server_hello), (0, master_key), (1, enc_server), (0, enc_client)):
    if who == 0:
        frames.append(packet(CLI, SRV, CPORT, SPORT, cs, ss, PSH | ACK, data))
        cs += len(data)
    else:
        frames.append(packet(SRV, CLI, SPORT, CPORT, ss, cs, PSH | ACK, data))
        ss += len(data)
frames.append(packet(CLI, SRV, CPORT, SPORT, cs, ss, FIN | ACK))
frames.append(packet(SRV, CLI, SPORT, CPORT, ss, cs + 1, FIN | ACK))
frames.append(packet(CLI, SRV, CPORT, SPORT, cs + 1, ss + 1, ACK))

with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for i, fr in enumerate(frames):
        f.write(struct.pack("<IIII", 1700000000 + i, 0, len(fr), len(fr)) + fr)

#!/usr/bin/env python3
"""ja4_tshark.py CAPTURE - the JA4 fingerprint of the first ClientHello of
every TCP stream, computed here from tshark's dissection (PDML), apart from
mtlsdiag's code: one "STREAM JA4" line per stream. It follows FoxIO's
published JA4 description (technical_details/JA4.md): GREASE left out,
sorted ciphers, sorted extensions without SNI and ALPN, then the
signature_algorithms extension's list in its order."""
import hashlib
import subprocess
import sys
import xml.etree.ElementTree as ET

GREASE = {(b << 8) | b for b in range(0x0a, 0x100, 0x10)}
VERSIONS = {0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10", 0x0300: "s3", 0x0002: "s2"}


def h12(text):
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def fields(node, name):
    return [f for f in node.iter("field") if f.get("name") == name]


def u16(f):
    return int(f.get("value"), 16)


def ja4(hs):
    ciphers = [u16(f) for f in fields(hs, "tls.handshake.ciphersuite")]
    ciphers = [c for c in ciphers if c not in GREASE]
    exts, sigs, alpn, versions = [], [], None, []
    # Each extension is an unnamed node whose direct children include its
    # type; the nodes come in the ClientHello's order.
    for ext in hs.iter("field"):
        t = [f for f in ext if f.get("name") == "tls.handshake.extension.type"]
        if not t:
            continue
        etype = u16(t[0])
        if etype in GREASE:
            continue
        exts.append(etype)
        if etype == 13:
            sigs = [u16(f) for f in fields(ext, "tls.handshake.sig_hash_alg")]
        elif etype == 16 and alpn is None:
            names = fields(ext, "tls.handshake.extensions_alpn_str")
            alpn = bytes.fromhex(names[0].get("value")) if names else b""
        elif etype == 43:
            versions = [u16(f) for f in fields(ext, "tls.handshake.extensions.supported_version")]
    versions = [v for v in versions if v not in GREASE]
    version = max(versions) if versions else u16(fields(hs, "tls.handshake.version")[0])
    sigs = [s for s in sigs if s not in GREASE]
    if not alpn:
        a = "00"
    elif all(chr(c).isascii() and chr(c).isalnum() for c in (alpn[0], alpn[-1])):
        a = chr(alpn[0]) + chr(alpn[-1])
    else:
        a = "%x%x" % (alpn[0] >> 4, alpn[-1] & 15)
    part_a = "t%s%s%02d%02d%s" % (VERSIONS.get(version, "00"), "d" if 0 in exts else "i",
                                  min(len(ciphers), 99), min(len(exts), 99), a)
    b = h12(",".join("%04x" % c for c in sorted(ciphers))) if ciphers else "000000000000"
    rest = sorted(e for e in exts if e not in (0, 16))
    text = ",".join("%04x" % e for e in rest)
    if sigs:
        text += "_" + ",".join("%04x" % s for s in sigs)
    c = h12(text) if rest else "000000000000"
    return "%s_%s_%s" % (part_a, b, c)


def main():
    pdml = subprocess.run(["tshark", "-r", sys.argv[1], "-n", "-Y", "tls.handshake.type == 1 && tcp", "-T", "pdml"],
                          capture_output=True, check=True).stdout
    seen = set()
    for packet in ET.fromstring(pdml).iter("packet"):
        stream = fields(packet, "tcp.stream")
        if not stream:
            continue
        stream = int(stream[0].get("show"))
        for hs in fields(packet, "tls.handshake"):
            types = [f for f in hs if f.get("name") == "tls.handshake.type"]
            if stream in seen or not types or types[0].get("show") != "1":
                continue
            if not fields(hs, "tls.handshake.ciphersuites"):
                continue  # SSLv2-format hello or a fragment
            seen.add(stream)
            print(stream, ja4(hs))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""annotate_expect.py - for tests/e2e-annotate.sh.

report FILE.json    the frame comments --annotate must write, computed
                    from mtlsdiag's JSON lines report (not from the
                    writer): one "FRAME<TAB>TEXT" line each, sorted, each
                    text once per frame
tshark FILE.json    the comments tshark read (-T json -e frame.number -e
                    frame.comment), the same way, duplicates kept
swap-pcap IN OUT    IN (a little-endian pcap) written in the other byte
                    order
"""
import json
import struct
import sys

ROUTINE_RESETS = ("NO_ERROR", "CANCEL")
REFUSALS = (400, 401, 403, 495, 496)


def seen(vis):
    return {"decrypted": " [decrypted]", "inferred": " [inferred]"}.get(vis, "")


def conn_notes(c):
    notes = []

    def add(frame, text):
        if frame:
            notes.append((int(frame), text))

    for r in c.get("cert_requests", []):
        n = r["ca_count"]
        names = "no CA names" if n == 0 else "%d CA name%s" % (n, "" if n == 1 else "s")
        add(r["frame"], "mtlsdiag: CertificateRequest (%s), %s%s" % (r["phase"], names, seen(r["visibility"])))
    reneg = c.get("renegotiation") or {}
    add(reneg.get("hello_request_frame"), "mtlsdiag: HelloRequest: the server asks for a renegotiation")
    if reneg.get("first_frame"):
        add(reneg["first_frame"], "mtlsdiag: renegotiation starts (by the %s)" % reneg["initiator"])
    cc = c.get("client_certificate") or {}
    msgs = cc.get("messages")
    if msgs is None and cc.get("frame"):
        msgs = [{"frame": cc["frame"], "count": cc["count"], "visibility": cc["visibility"]}]
    for m in msgs or []:
        if m["count"] == 0:
            add(m["frame"], "mtlsdiag: empty client Certificate (no certificate sent)%s" % seen(m["visibility"]))
        else:
            add(m["frame"], "mtlsdiag: client Certificate, %d certificate%s%s"
                % (m["count"], "" if m["count"] == 1 else "s", seen(m["visibility"])))
    for a in c.get("alerts", []):
        if a["level"] is None or a["description"] is None:
            add(a["frame"], "mtlsdiag: encrypted alert from the %s%s" % (a["from"], seen(a["visibility"])))
        else:
            add(a["frame"], "mtlsdiag: %s alert %s from the %s%s"
                % (a["level"], a["description"], a["from"], seen(a["visibility"])))
    http = c.get("http") or {}
    exchanges = http.get("exchanges") or []
    if not exchanges:
        if http.get("status") in REFUSALS:
            add(http.get("response_frame"), "mtlsdiag: HTTP %d refusal [decrypted]" % http["status"])
    for e in exchanges:
        if e.get("status") in REFUSALS:
            add(e.get("response_frame"), "mtlsdiag: HTTP %d refusal [decrypted]" % e["status"])
        if e.get("reset_frame") and e.get("reset_error") not in ROUTINE_RESETS:
            add(e["reset_frame"], "mtlsdiag: HTTP/2 RST_STREAM %s on stream %d [decrypted]"
                % (e["reset_error"], e["stream"] or 0))
    oc = c["outcome"]
    for f in oc["frames"]:
        add(f, "mtlsdiag: outcome %s (the proof): %s" % (oc["kind"], oc["reason"]))
    for fi in c.get("findings", []):
        for f in fi["frames"]:
            add(f, "mtlsdiag: %s %s%s: %s" % (fi["severity"], fi["id"], " (the cause)" if fi["cause"] else "",
                                              fi["message"]))
    return notes


def report(path):
    notes = set()
    with open(path) as fp:
        for line in fp:
            line = line.strip()
            if not line:
                continue
            c = json.loads(line)
            if "outcome" in c:
                notes.update(conn_notes(c))
    return sorted(notes)


def tshark(path):
    with open(path) as fp:
        text = fp.read()
    packets = json.loads(text) if text.strip() else []
    notes = []
    for p in packets:
        layers = p["_source"]["layers"]
        frame = int(layers["frame.number"][0])
        for t in layers.get("frame.comment", []):
            notes.append((frame, t))
    return sorted(notes)


def swap_pcap(src, dst):
    data = open(src, "rb").read()
    magic, vmaj, vmin, zone, sigfigs, snap, link = struct.unpack("<IHHiIII", data[:24])
    if magic not in (0xA1B2C3D4, 0xA1B23C4D):
        raise SystemExit("not a little-endian pcap")
    out = [struct.pack(">IHHiIII", magic, vmaj, vmin, zone, sigfigs, snap, link)]
    at = 24
    while at + 16 <= len(data):
        sec, frac, caplen, wirelen = struct.unpack("<IIII", data[at:at + 16])
        out.append(struct.pack(">IIII", sec, frac, caplen, wirelen))
        out.append(data[at + 16:at + 16 + caplen])
        at += 16 + caplen
    open(dst, "wb").write(b"".join(out))


def main():
    mode = sys.argv[1]
    if mode == "swap-pcap":
        swap_pcap(sys.argv[2], sys.argv[3])
        return
    notes = report(sys.argv[2]) if mode == "report" else tshark(sys.argv[2])
    for frame, text in notes:
        print("%d\t%s" % (frame, text))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""ecs_mapping.py MANPAGE JSON_LINES ECS_LINES - the -F ecs report of a
capture against its -F json report, by the mapping the man page documents
(ECS OUTPUT): every line of ECS output is valid JSON; each row of the table
holds for every connection (the ECS value equals the JSON value at the
mapped field, upper-cased where the row says so, and is absent where the
JSON value is null or missing); the derived fields follow the rules listed
under the table; and no ECS field appears that the man page does not name.
Prints one line per failure and "checked N" last; exit status 1 on any
failure."""
import json
import re
import sys

MISSING = object()


def mapping_table(man_path):
    text = open(man_path, encoding="utf-8").read()
    section = text.split(".SS ECS OUTPUT", 1)[1].split(".SH ", 1)[0]
    block = section.split(".EX", 1)[1].split(".EE", 1)[0]
    rows = []
    for line in block.splitlines():
        line = line.strip()
        if not line or line.startswith("JSON field"):
            continue
        m = re.fullmatch(r"(\S+)\s+(\S+)(\s+\(upper case\))?", line)
        if not m:
            raise SystemExit(f"man page: unreadable mapping row: {line!r}")
        rows.append((m.group(1), m.group(2), bool(m.group(3))))
    # Derived fields: the .B / .BR names after the table.
    derived = set()
    for names in re.findall(r"^\.BR? (.+)$", section.split(".EE", 1)[1], re.M):
        derived.update(n for n in re.findall(r"[a-z_]+(?:\.[a-z_]+)+", names) if not n.startswith("mtlsdiag"))
    return rows, derived


def json_at(obj, path):
    for step in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if step.startswith("["):
            i = int(step[1:-1])
            if not isinstance(obj, list) or i >= len(obj):
                return MISSING
            obj = obj[i]
        else:
            if not isinstance(obj, dict) or step not in obj:
                return MISSING
            obj = obj[step]
    return obj


def leaves(obj, prefix=""):
    """Dotted names of the ECS document down to the mapped level."""
    for k, v in obj.items():
        name = f"{prefix}.{k}" if prefix else k
        if isinstance(v, dict) and not name.startswith("mtlsdiag."):
            yield from leaves(v, name)
        else:
            yield name


OUTCOME = {"authenticated": "success", "rejected": "failure", "no_certificate": "failure",
           "failed_before_request": "failure", "not_requested": "unknown", "unknown": "unknown"}


def expected_established(j):
    fin, data, data_from = {}, None, set()
    for ev in j["history"]:
        side = ev["from"]
        if ev["what"] in ("finished", "encrypted_finished"):
            fin.setdefault(side, ev["frame"])
        elif ev["what"] == "application_data":
            data_from.add(side)
            if len(fin) == 2 and data is None:
                data = ev["frame"]
    if len(fin) == 2:
        fatal = [a["frame"] for a in j["alerts"] if a["level"] == "fatal"]
        return not any(data is None or f < data for f in fatal)
    failure = j["outcome"]["failure"]
    if failure == "undetermined":
        return MISSING
    return failure == "no" and data_from == {"client", "server"}


def main():
    man, json_path, ecs_path = sys.argv[1:4]
    rows, derived = mapping_table(man)
    documented = {ecs for _, ecs, _ in rows} | derived
    ours = [json.loads(line) for line in open(json_path, encoding="utf-8")]
    ecs_lines = open(ecs_path, encoding="utf-8").read().splitlines()
    failures = []
    checked = 0
    if len(ecs_lines) != len(ours):
        failures.append(f"{len(ecs_lines)} ECS lines for {len(ours)} JSON connections")
    for n, (line, j) in enumerate(zip(ecs_lines, ours)):
        where = f"stream {j.get('stream')}"
        try:
            e = json.loads(line)
        except ValueError as err:
            failures.append(f"{where}: ECS line {n + 1} is not JSON: {err}")
            continue
        for src, dst, upper in rows:
            want = json_at(j, src)
            got = json_at(e, dst)
            if want is MISSING or want is None:
                ok = got is MISSING
            else:
                ok = got == (want.upper() if upper else want)
            checked += 1
            if not ok:
                failures.append(f"{where}: {dst} = {got!r}, JSON {src} = {want!r}")
        # The derived fields, by the man page's rules.
        version = j.get("version")
        if version and " " not in version:
            version = None  # unknown, "0xfb1a": no ECS version
        expect = {
            "ecs.version": "8.11.0",
            "event.kind": "event",
            "event.category": ["network"],
            "event.type": ["connection", "protocol"],
            "event.dataset": "mtlsdiag.connection",
            "event.outcome": OUTCOME[j["outcome"]["kind"]],
            "network.transport": "tcp",
            "network.type": "ipv6" if ":" in j["client_ip"] else "ipv4",
            "network.protocol": "tls",
            "tls.version": version.split(" ", 1)[1] if version else MISSING,
            "tls.version_protocol": version.split(" ", 1)[0].lower() if version else MISSING,
        }
        for name, want in expect.items():
            got = json_at(e, name)
            checked += 1
            if got != want:
                failures.append(f"{where}: {name} = {got!r}, expected {want!r}")
        established = json_at(e, "tls.established")
        want = expected_established(j)
        if established != want:
            failures.append(f"{where}: tls.established {established!r}, the man page's rule says {want!r}")
        checked += 1
        undocumented = [name for name in leaves(e) if name not in documented and
                        not any(name == d or name.startswith(d + ".") for d in documented)]
        if undocumented:
            failures.append(f"{where}: ECS fields the man page does not name: {undocumented}")
    for f in failures:
        print("FAIL", f)
    print(f"checked {checked}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

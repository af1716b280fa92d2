#!/bin/sh
# e2e-trust.sh MTLSDIAG - --trust FILE: the client chain of each sample is
# verified at the capture time against samples/trust/example-root.pem (the
# root the samples' servers trust). Where tshark is installed, the verdict
# is checked against `openssl verify` on the chain tshark extracts from the
# same capture; bad --trust files are input errors.
set -u
BIN=$1
. tests/lib/tally.sh
ROOT=samples/trust/example-root.pem
. tests/lib/scratch.sh

# The first connection's JSON line with --trust.
report() { "$BIN" -F json -q --trust "$ROOT" "$1" | head -1; }

# "ok", or the OpenSSL error number, of the client chain in a report line.
verdict_of() {
	case $1 in
	*'"verification":{"result":"ok"'*) echo ok ;;
	*'"verification":{"result":"failed","error":'*)
		echo "$1" | sed 's/.*"verification":{"result":"failed","error":\(-*[0-9]*\).*/\1/' ;;
	*) echo none ;;
	esac
}
verdict() { verdict_of "$(report "$1")"; }

# What each scenario is about (samples/README.md), not what the tool printed.
while read -r cap want top; do
	case $cap in "#"* | "") continue ;; esac
	line=$(report "samples/$cap")
	got=$(verdict_of "$line")
	[ "$got" = "$want" ] && ok || bad "$cap: verification $got, expected $want"
	if [ "$top" != - ]; then
		first=$(echo "$line" | sed -n 's/.*"findings":\[{"id":"\([A-Z0-9_]*\)".*/\1/p')
		[ "$first" = "$top" ] && ok || bad "$cap: top finding with --trust $first, expected $top"
	fi
done <<'TABLE'
# capture                        verdict  top finding with --trust
tls12-mutual-ok.pcap             ok       -
transport-ipv6.pcap              ok       -
tls12-unknown-ca.pcap            20       CLIENT_CHAIN_UNTRUSTED
tls12-expired-client-cert.pcap   10       CLIENT_CERT_EXPIRED
tls12-no-clientauth-eku.pcap     26       CLIENT_CERT_NO_CLIENTAUTH_EKU
tls12-empty-client-cert.pcap     none     CLIENT_CERT_EMPTY
TABLE

# A successful handshake stays free of errors with --trust.
if "$BIN" -F json -q --trust "$ROOT" --fail-on error samples/tls12-mutual-ok.pcap >/dev/null; then ok; else
	bad "tls12-mutual-ok: --trust made an error finding"; fi

# The text report names the exact error.
"$BIN" --no-color -q --trust "$ROOT" samples/tls12-unknown-ca.pcap |
	grep -q 'unable to get local issuer certificate (error 20 at depth 0)' && ok ||
	bad "text report does not name the verification error"

# Independent oracle: openssl verify on the chain as tshark extracts it.
if command -v tshark >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1; then
	for cap in tls12-mutual-ok.pcap tls12-unknown-ca.pcap tls12-expired-client-cert.pcap \
		tls12-no-clientauth-eku.pcap; do
		# The client's Certificate is the one sent to port 443.
		certs=$(tshark -r "samples/$cap" -Y 'tls.handshake.type == 11 && tcp.dstport == 443' \
			-T fields -e tls.handshake.certificate 2>/dev/null | head -1)
		at=$(tshark -r "samples/$cap" -c 1 -T fields -e frame.time_epoch 2>/dev/null | cut -d. -f1)
		i=0
		: >"$tmp/untrusted.pem"
		for hex in $(echo "$certs" | tr ',' ' '); do
			echo "$hex" | perl -ne 'chomp; print pack("H*", $_)' | openssl x509 -inform der -out "$tmp/c$i.pem"
			[ $i -gt 0 ] && cat "$tmp/c$i.pem" >>"$tmp/untrusted.pem"
			i=$((i + 1))
		done
		if [ $i -eq 0 ] || [ -z "$at" ]; then
			bad "$cap: tshark found no client chain"
			continue
		fi
		set -- -attime "$at" -purpose sslclient -CAfile "$ROOT"
		[ -s "$tmp/untrusted.pem" ] && set -- "$@" -untrusted "$tmp/untrusted.pem"
		out=$(openssl verify "$@" "$tmp/c0.pem" 2>&1)
		if echo "$out" | grep -q ': OK$'; then want=ok; else
			want=$(echo "$out" | sed -n 's/^error \([0-9]*\) at .*/\1/p' | head -1); fi
		got=$(verdict "samples/$cap")
		[ "$got" = "$want" ] && ok || bad "$cap: mtlsdiag says $got, openssl verify says $want"
	done
else
	echo "SKIP openssl verify oracle: tshark or openssl not installed"
fi

# Bad --trust files: exit 2, the file and the reason named.
"$BIN" -q --trust "$tmp/missing.pem" samples/tls12-mutual-ok.pcap >/dev/null 2>"$tmp/err"
[ $? = 2 ] && grep -q "missing.pem: No such file" "$tmp/err" && ok || bad "missing --trust file: $(cat "$tmp/err")"
echo "not a certificate" >"$tmp/junk.pem"
"$BIN" -q --trust "$tmp/junk.pem" samples/tls12-mutual-ok.pcap >/dev/null 2>"$tmp/err"
[ $? = 2 ] && grep -q "junk.pem: no PEM certificate" "$tmp/err" && ok || bad "junk --trust file: $(cat "$tmp/err")"
{ cat "$ROOT"; printf -- '-----BEGIN CERTIFICATE-----\nAAAA!!\n-----END CERTIFICATE-----\n'; } >"$tmp/damaged.pem"
"$BIN" -q --trust "$tmp/damaged.pem" samples/tls12-mutual-ok.pcap >/dev/null 2>"$tmp/err"
[ $? = 2 ] && grep -q "damaged.pem: a PEM block after certificate 1 is damaged" "$tmp/err" && ok ||
	bad "damaged --trust file: $(cat "$tmp/err")"

tally_report trust

#!/bin/sh
# e2e-servers.sh MTLSDIAG - the captures of real servers in samples/servers,
# judged against what each server's own log says (samples/servers/truth.tsv,
# written by samples/servers/make.sh from the logs). For every logged
# connection: outcome.kind is the log's outcome, server_software.kind the
# server that wrote the log, and a connection that did not authenticate
# has a first finding whose remedy names the directive that fixes it. No
# connection mtlsdiag calls authenticated carries an error finding.
# A check whose JSON field mtlsdiag does not write at all is skipped with
# the reason; a wrong value fails.
set -u
BIN=$1
. tests/lib/tally.sh
dir=samples/servers
if ! command -v jq >/dev/null 2>&1; then
	echo "SKIP e2e-servers: jq is not installed (tools/deps.sh install test)"
	tally_report servers
	exit
fi
. tests/lib/scratch.sh
skips=""
done_caps=""
# skip CHECK [WHY] - said once per check.
skip() {
	case "$skips" in *"|$1|"*) return ;; esac
	skips="$skips|$1|"
	echo "SKIP $1: ${2:-no connection in the output has this field}"
}
# field FILE CLIENT JQPATH - the value at JQPATH for the connection from
# CLIENT, "<absent>" when that connection lacks it.
field() {
	jq -r --arg c "$2" "select(.client == \$c) | (try ($3) catch null) as \$v |
		if \$v == null then \"<absent>\" else (\$v | tostring) end" "$1" | head -1
}
# present_anywhere FILE JQPATH - some connection of the capture has it.
present_anywhere() {
	[ -n "$(jq -r "(try ($2) catch null) | select(. != null)" "$1" | head -1)" ]
}
tab=$(printf '\t')
while IFS=$tab read -r name server want status words client; do
	case $name in "#"* | "") continue ;; esac
	cap=$dir/$name.pcap
	out=$tmp/$name.json
	if [ -f "$dir/$name.keylog" ]; then
		"$BIN" -F json -q --keylog "$dir/$name.keylog" "$cap" >"$out" 2>"$tmp/err"
	else
		"$BIN" -F json -q "$cap" >"$out" 2>"$tmp/err"
	fi
	if [ -z "$(jq -r --arg c "$client" 'select(.client == $c) | .client' "$out" 2>/dev/null)" ]; then
		bad "$name: no connection from $client in the report (log status $status)"
		continue
	fi
	ok
	# The outcome the server's log shows ("unknown": the log does not say).
	if [ "$want" != unknown ]; then
		got=$(field "$out" "$client" .outcome.kind)
		if [ "$got" = "<absent>" ] && ! present_anywhere "$out" .outcome.kind; then
			skip outcome.kind
		elif [ "$got" = "$want" ]; then ok
		else bad "$name $client: outcome.kind $got, the server's log says $want (status $status)"
		fi
	fi
	# The server is named when the connection shows its own words (a
	# decrypted Server header or error page); otherwise the guess may stay
	# generic (unknown, or OpenSSL-based) but never names another product.
	got=$(field "$out" "$client" .server_software.kind)
	shows=$(field "$out" "$client" '.http.server // .http.error_page')
	if [ "$got" = "<absent>" ] && ! present_anywhere "$out" .server_software.kind; then
		skip server_software.kind
	elif [ "$got" = "$server" ]; then ok
	elif [ "$shows" = "<absent>" ] && { [ "$got" = unknown ] || [ "$got" = openssl ]; }; then ok
	else bad "$name $client: server_software.kind $got, the log is $server's"
	fi
	# A connection that did not authenticate: the first finding's remedy
	# names the directive ("-": none fixes it, e.g. an expired certificate).
	# Only a remedy written for the identified server can name its
	# directive, so this needs server_software.
	if [ "$want" != authenticated ] && [ "$words" != - ]; then
		remedy=$(field "$out" "$client" '.findings[0].remedy')
		if ! present_anywhere "$out" .server_software.kind; then
			skip "findings[0].remedy" "names the server's directive only once the server is identified (server_software.kind absent)"
		elif [ "$remedy" = "<absent>" ] && ! present_anywhere "$out" '.findings[].remedy'; then
			skip findings.remedy
		else
			# The scenario's directive; with the server not identified, a
			# remedy naming the likely stacks must name one of this
			# server's directives.
			case $server in
			apache) family='SSLVerifyClient SSLCACertificateFile SSLCADNRequestFile SSLVerifyDepth' ;;
			nginx) family='ssl_verify_client ssl_client_certificate ssl_trusted_certificate ssl_verify_depth' ;;
			haproxy) family='verify ca-file ca-verify-file' ;;
			*) family= ;;
			esac
			[ "$got" = "$server" ] && family=
			for w in $words; do
				found=
				for d in $w $family; do
					case $remedy in *"$d"*) found=$d ;; esac
				done
				if [ -n "$found" ]; then ok
				else bad "$name $client: the first finding's remedy does not name $w${family:+ or another $server directive}: $remedy"
				fi
			done
		fi
	fi
	# Whatever mtlsdiag calls authenticated carries no error finding (once
	# per capture).
	case "$done_caps" in *"|$name|"*) continue ;; esac
	done_caps="$done_caps|$name|"
	if present_anywhere "$out" .outcome.kind; then
		n=$(jq -r 'select(.outcome.kind == "authenticated") |
			select(any(.findings[]?; .severity == "error")) | .client' "$out" | tr '\n' ' ')
		if [ -z "$n" ]; then ok
		else bad "$name: authenticated connection(s) with an error finding: $n"
		fi
	fi
done <"$dir/truth.tsv"
tally_report servers

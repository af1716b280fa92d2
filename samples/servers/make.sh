#!/bin/bash
# make.sh [SCENARIO...] - captures of real, Debian-packaged servers (Apache
# httpd with mod_ssl, nginx, HAProxy) asking for client certificates,
# driven by curl and openssl s_client in a private network namespace.
# For every scenario it keeps, beside this script:
#   <name>.pcap    tcpdump -i lo -s 0 of the run (one connection)
#   <name>.keylog  the client's SSLKEYLOGFILE
#   <name>.log     the server's own access and error log lines for the run
#                  (then the client's exit status and message, marked as such)
# and it rewrites truth.tsv: what each server's log says happened, mapped
# to mtlsdiag's outcome words (see derive_truth below).
# Needs root (ip netns, tcpdump); installs missing Debian packages when
# root. With scenario names, only those are made (truth.tsv keeps the rows
# of the others).
set -eu
cd "$(dirname "$0")"
OUT=$(pwd)
CONF=$OUT/conf
# Fixed paths, so that the paths in the logs are the same on every run.
W=/tmp/mtlsdiag-servers
NS=mtlsdiag-servers
# Inside the namespace only: the client is 127.0.0.1, the server
# 127.0.0.2, HAProxy's nginx backend 127.0.0.3 (the whole 127/8 is local
# on lo, and the kernel picks 127.0.0.1 as the source).
SRV=127.0.0.2
BACKEND=127.0.0.3

die() { echo "make.sh: $*" >&2; exit 1; }

# The scenarios, in the order of truth.tsv.
ALL="apache-verify-require-ok apache-verify-require-nocert
apache-location-tls12-reneg-ok apache-location-tls12-reneg-nocert
apache-location-tls13-pha-ok apache-location-tls13-pha-nocert apache-location-tls13-nopha
apache-location-h2-renegotiation
nginx-verify-on-ok nginx-verify-on-nocert nginx-verify-on-untrusted nginx-verify-on-expired
nginx-verify-optional-nocert nginx-verify-optional-no-ca-untrusted nginx-large-ca-list-ok
haproxy-verify-required-ok haproxy-verify-required-nocert haproxy-verify-required-untrusted
haproxy-verify-optional-nocert
haproxy-client-cert-to-nginx"
list=${*:-$ALL}
for name in $list; do
	case " $(echo "$ALL" | tr '\n' ' ') " in
	*" $name "*) ;;
	*) die "no scenario $name (one of: $(echo "$ALL" | tr '\n' ' '))" ;;
	esac
done

# ---- what the run needs ---------------------------------------------------
need_pkgs=""
for pair in apache2:apache2 nginx:nginx haproxy:haproxy curl:curl tcpdump:tcpdump \
	openssl:openssl ip:iproute2 ss:iproute2; do
	cmd=${pair%%:*}
	pkg=${pair#*:}
	PATH=$PATH:/usr/sbin:/sbin command -v "$cmd" >/dev/null 2>&1 || need_pkgs="$need_pkgs $pkg"
done
if [ -n "$need_pkgs" ]; then
	if [ "$(id -u)" = 0 ]; then
		echo "installing:$need_pkgs"
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need_pkgs >/dev/null ||
			die "apt-get install$need_pkgs failed"
	else
		die "missing Debian packages:$need_pkgs (run as root to install them)"
	fi
fi
[ "$(id -u)" = 0 ] || die "needs root: it creates a network namespace and captures on it"
export PATH=$PATH:/usr/sbin:/sbin
# Debian starts the packaged servers on install; they run outside our
# namespace and do not disturb it, so they are left alone.

# ---- cleanup, even on failure -------------------------------------------
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	PIDS=""
	ip netns del "$NS" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

inns() { ip netns exec "$NS" "$@"; }

ip netns del "$NS" 2>/dev/null || true
ip netns add "$NS"
inns ip link set lo up

# ---- a small PKI -----------------------------------------------------------
rm -rf "$W"
mkdir -p "$W/pki" "$W/run" "$W/logs" "$W/htdocs/secure"
P=$W/pki
cat >"$P/pki.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = placeholder
[v3_root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[v3_ica]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_server]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:app.example.com
[v3_client]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
# openssl ca, only to set dates in the past (the expired certificate).
[ca]
default_ca = issuing
[issuing]
database = $ENV::P/index.txt
new_certs_dir = $ENV::P
serial = $ENV::P/serial
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
organizationalUnitName = optional
organizationName = optional
countryName = optional
EOF
export P
newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
# selfsigned KEY SUBJECT EXT SERIAL OUT
selfsigned() {
	openssl req -new -x509 -key "$1" -subj "$2" -config "$P/pki.cnf" -extensions "$3" \
		-set_serial "$4" -days 3650 -sha256 -out "$5"
}
# issue KEY SUBJECT EXT SERIAL CA_NAME OUT
issue() {
	openssl req -new -key "$1" -subj "$2" -config "$P/pki.cnf" |
		openssl x509 -req -CA "$P/$5.crt" -CAkey "$P/$5.key" -set_serial "$4" -days 825 -sha256 \
			-extfile "$P/pki.cnf" -extensions "$3" -out "$6" 2>/dev/null
}
newkey "$P/root.key"
selfsigned "$P/root.key" "/C=US/O=Example Corp/CN=Example Corp Root CA" v3_root 1000 "$P/root.crt"
newkey "$P/issuing.key"
issue "$P/issuing.key" "/C=US/O=Example Corp/CN=Example Corp Client Issuing CA" v3_ica 1001 root "$P/issuing.crt"
newkey "$P/server.key"
issue "$P/server.key" "/C=US/O=Example Corp/CN=app.example.com" v3_server 1002 root "$P/server.crt"
newkey "$P/alice.key"
issue "$P/alice.key" "/C=US/O=Example Corp/OU=Engineering/CN=alice" v3_client 2001 issuing "$P/alice.crt"
# A client certificate from a CA no server here trusts.
newkey "$P/rogue.key"
selfsigned "$P/rogue.key" "/C=US/O=Elsewhere Ltd/CN=Elsewhere Client CA" v3_root 3000 "$P/rogue.crt"
newkey "$P/mallory.key"
issue "$P/mallory.key" "/C=US/O=Elsewhere Ltd/CN=mallory" v3_client 3001 rogue "$P/mallory.crt"
# One that expired: openssl ca is the 3.0 CLI's way to set past dates.
: >"$P/index.txt"
echo 2002 >"$P/serial"
newkey "$P/bob.key"
openssl req -new -key "$P/bob.key" -subj "/C=US/O=Example Corp/OU=Engineering/CN=bob" \
	-config "$P/pki.cnf" -out "$P/bob.csr"
openssl ca -batch -config "$P/pki.cnf" -cert "$P/issuing.crt" -keyfile "$P/issuing.key" \
	-extfile "$P/pki.cnf" -extensions v3_client -startdate 20240101000000Z -enddate 20250101000000Z \
	-notext -in "$P/bob.csr" -out "$P/bob.crt" 2>/dev/null
cat "$P/root.crt" "$P/issuing.crt" >"$P/client-cas.pem"
cat "$P/server.crt" "$P/server.key" >"$P/server-bundle.pem"
cat "$P/alice.crt" "$P/issuing.crt" >"$P/alice-chain.pem"
cat "$P/alice.crt" "$P/issuing.crt" "$P/alice.key" >"$P/client-good-bundle.pem"
cat "$P/mallory.crt" "$P/rogue.crt" >"$P/mallory-chain.pem"
cat "$P/bob.crt" "$P/issuing.crt" >"$P/bob-chain.pem"
# A CA list long enough that nginx's CertificateRequest spans several
# TLS records (2^14 bytes each): 240 CAs with long names, then ours. Their
# key is shared, only the names matter.
newkey "$P/many.key"
: >"$P/client-cas-large.pem"
i=1
while [ "$i" -le 240 ]; do
	n=$(printf %03d "$i")
	selfsigned "$P/many.key" "/C=US/O=Example Holding Subsidiary $n Incorporated/OU=Regional Operations/CN=Regional Issuing Certification Authority $n" \
		v3_root $((5000 + i)) "$P/many.crt"
	cat "$P/many.crt" >>"$P/client-cas-large.pem"
	i=$((i + 1))
done
cat "$P/client-cas.pem" >>"$P/client-cas-large.pem"
echo ok >"$W/htdocs/ok.txt"
echo secure ok >"$W/htdocs/secure/ok.txt"
# Apache's workers run as www-data and read htdocs.
chmod -R a+rX "$W"

# ---- one scenario ----------------------------------------------------------
# template IN OUT KEY=VALUE... - the config with @KEY@ replaced.
template() {
	local in=$1 out=$2 sedargs=()
	shift 2
	sedargs+=(-e "s|@W@|$W|g" -e "s|@SRV@|$SRV|g" -e "s|@BACKEND@|$BACKEND|g")
	for kv in "$@"; do sedargs+=(-e "s|@${kv%%=*}@|${kv#*=}|g"); done
	sed "${sedargs[@]}" "$CONF/$in" >"$out"
	! grep -n '@[A-Z_]*@' "$out" || die "$in: a placeholder is left"
}

wait_listen() { # PORT...
	local tries=0 port
	for port in "$@"; do
		until inns ss -ltnH "sport = :$port" | grep -q LISTEN; do
			tries=$((tries + 1))
			[ "$tries" -lt 100 ] || die "nothing listens on port $port"
			sleep 0.1
		done
	done
}

start_bg() { # LOGFILE CMD... - in the namespace, in the background
	local log=$1
	shift
	# ip netns exec execs the command, so $! is the server's own pid
	# (a shell function here would leave the server behind on kill).
	ip netns exec "$NS" "$@" >"$log" 2>&1 &
	PIDS="$PIDS $!"
}

stop_all() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	PIDS=""
}

# start_server KIND CONFIG - Apache, nginx or HAProxy with a config made
# by template, its logs in $W/logs.
start_server() {
	case $1 in
	apache) start_bg "$W/logs/stdout-apache" apache2 -f "$2" -DFOREGROUND ;;
	nginx) start_bg "$W/logs/stdout-nginx" nginx -c "$2" -p "$W/run" ;;
	haproxy) start_bg "$W/logs/haproxy.log" haproxy -db -f "$2" ;;
	esac
}

start_capture() { # PCAP PORT
	: >"$W/logs/tcpdump.err"
	start_bg "$W/logs/tcpdump.err" tcpdump -Z root --immediate-mode -i lo -s 0 -U -n -w "$1" "tcp port $2"
	local tries=0
	until grep -q 'listening on' "$W/logs/tcpdump.err"; do
		tries=$((tries + 1))
		[ "$tries" -lt 100 ] || die "tcpdump did not start: $(cat "$W/logs/tcpdump.err")"
		sleep 0.1
	done
}

# client_curl KEYLOG CERT|- URL [curl options...] - the status and curl's
# message go to $W/logs/client.
client_curl() {
	local keylog=$1 cert=$2 url=$3 rc=0 certopt=()
	shift 3
	[ "$cert" = - ] || certopt=(--cert "$P/$cert-chain.pem" --key "$P/$cert.key")
	SSLKEYLOGFILE=$keylog inns curl -sS -o "$W/logs/body" -w '%{http_code} %{http_version}\n' \
		--resolve "app.example.com:443:$SRV" --cacert "$P/root.crt" "${certopt[@]}" "$@" \
		"$url" >"$W/logs/client" 2>&1 || rc=$?
	echo "curl exit status $rc" >>"$W/logs/client"
}

# client_s_client KEYLOG CERT PATH [s_client options...] - one HTTP/1.1
# request through openssl s_client.
client_s_client() {
	local keylog=$1 cert=$2 path=$3 rc=0
	shift 3
	printf 'GET %s HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n' "$path" |
		inns openssl s_client -connect "$SRV:443" -servername app.example.com -CAfile "$P/root.crt" \
			-cert "$P/$cert.crt" -cert_chain "$P/issuing.crt" -key "$P/$cert.key" \
			-keylogfile "$keylog" -ign_eof -quiet "$@" >"$W/logs/client" 2>&1 || rc=$?
	echo "openssl s_client exit status $rc" >>"$W/logs/client"
}

# finish NAME LOGS... - stop everything, keep the capture and the logs.
finish() {
	local name=$1 f
	shift
	sleep 0.5 # the last segments (FIN, the server's close) reach tcpdump
	stop_all
	{
		for f in "$@"; do
			echo "# ${f##*/} ($(server_of "$name"))"
			# Apache's start-up and shutdown chatter says nothing about
			# the connection.
			[ ! -f "$f" ] || grep -v -e AH01882 -e AH01883 -e AH01887 -e AH01914 -e AH02568 -e AH01876 \
				-e AH00830 -e AH03090 -e AH00490 -e AH00094 -e h2_workers -e AH10159 -e AH00096 "$f" || true
		done
		echo "# client (not the truth, for reference)"
		sed 's/^/#   /' "$W/logs/client"
	} >"$OUT/$name.log"
}

server_of() {
	case $1 in
	apache-*) echo apache ;; nginx-*) echo nginx ;; haproxy-client-*) echo nginx ;; haproxy-*) echo haproxy ;;
	esac
}

fresh_logs() { rm -f "$W"/logs/*; }

# ---- the scenarios -----------------------------------------------------------
# Each: the server's config, one client run, the capture and logs kept.
run() {
	local name=$1 c=$W/run/server.conf pcap=$OUT/$1.pcap key=$OUT/$1.keylog
	echo "== $name"
	fresh_logs
	rm -f "$pcap" "$key"
	: >"$key"
	case $name in
	apache-*)
		local verify_server=none verify_secure=none protocol="-all +TLSv1.2 +TLSv1.3" protocols="http/1.1"
		case $name in
		apache-verify-require-*) verify_server=require ;;
		apache-location-tls12-*) verify_secure=require protocol="-all +TLSv1.2" ;;
		apache-location-tls13-*) verify_secure=require protocol="-all +TLSv1.3" ;;
		apache-location-h2-*) verify_secure=require protocol="-all +TLSv1.2" protocols="h2 http/1.1" ;;
		esac
		template apache.conf.in "$c" VERIFY_SERVER=$verify_server VERIFY_SECURE=$verify_secure \
			"PROTOCOL=$protocol" "PROTOCOLS=$protocols"
		start_server apache "$c"
		wait_listen 443
		start_capture "$pcap" 443
		case $name in
		apache-verify-require-ok) client_curl "$key" alice https://app.example.com/ok.txt --http1.1 ;;
		apache-verify-require-nocert) client_curl "$key" - https://app.example.com/ok.txt --http1.1 ;;
		apache-location-tls12-reneg-ok) client_curl "$key" alice https://app.example.com/secure/ok.txt --http1.1 ;;
		apache-location-tls12-reneg-nocert) client_curl "$key" - https://app.example.com/secure/ok.txt --http1.1 ;;
		apache-location-tls13-pha-ok) client_s_client "$key" alice /secure/ok.txt -enable_pha ;;
		# curl (7.88, OpenSSL) offers post-handshake authentication.
		apache-location-tls13-pha-nocert) client_curl "$key" - https://app.example.com/secure/ok.txt --http1.1 ;;
		# openssl s_client offers it only with -enable_pha: the
		# certificate it holds cannot be asked for.
		apache-location-tls13-nopha) client_s_client "$key" alice /secure/ok.txt ;;
		apache-location-h2-renegotiation) client_curl "$key" alice https://app.example.com/secure/ok.txt --http2 ;;
		*) die "unknown scenario $name" ;;
		esac
		finish "$name" "$W/logs/access.log" "$W/logs/error.log"
		;;
	nginx-*)
		local verify=on cafile=$P/client-cas.pem protocols="TLSv1.2 TLSv1.3" cert=alice
		case $name in
		nginx-verify-on-ok) ;;
		nginx-verify-on-nocert) cert=- ;;
		nginx-verify-on-untrusted) cert=mallory ;;
		nginx-verify-on-expired) cert=bob ;;
		nginx-verify-optional-nocert) verify=optional cert=- ;;
		nginx-verify-optional-no-ca-untrusted) verify=optional_no_ca cert=mallory ;;
		# TLS 1.2, so the CertificateRequest is in the clear too.
		nginx-large-ca-list-ok) cafile=$P/client-cas-large.pem protocols=TLSv1.2 ;;
		*) die "unknown scenario $name" ;;
		esac
		template nginx.conf.in "$c" VERIFY=$verify "CA_FILE=$cafile" "PROTOCOLS=$protocols" PORT=443
		start_server nginx "$c"
		wait_listen 443
		start_capture "$pcap" 443
		client_curl "$key" "$cert" https://app.example.com/ok.txt --http1.1
		finish "$name" "$W/logs/access.log" "$W/logs/error.log"
		;;
	haproxy-client-*)
		# HAProxy (plain HTTP in front) presents alice's certificate to
		# nginx (ssl_verify_client on); the capture is the backend
		# connection, the truth nginx's log; the key log comes from
		# HAProxy's own log line.
		template nginx.conf.in "$W/run/nginx.conf" VERIFY=on "CA_FILE=$P/client-cas.pem" \
			"PROTOCOLS=TLSv1.2 TLSv1.3" PORT=8443
		sed -i "s|listen $SRV:8443|listen $BACKEND:8443|" "$W/run/nginx.conf"
		template haproxy-client.conf.in "$c"
		start_server nginx "$W/run/nginx.conf"
		start_server haproxy "$c"
		wait_listen 8443 80
		start_capture "$pcap" 8443
		local rc=0
		inns curl -sS -o "$W/logs/body" -w '%{http_code}\n' "http://$SRV/ok.txt" >"$W/logs/client" 2>&1 || rc=$?
		echo "curl exit status $rc (plain HTTP to HAProxy)" >>"$W/logs/client"
		# HAProxy is the client here: its log goes with the client's.
		cat "$W/logs/haproxy.log" >>"$W/logs/client"
		finish "$name" "$W/logs/access.log" "$W/logs/error.log"
		sed -n 's/.*\(CLIENT_RANDOM [0-9A-Fa-f]\{64\} [0-9A-Fa-f]\{96\}\).*/\1/p' "$W/logs/haproxy.log" >"$key"
		;;
	haproxy-*)
		local verify=required cert=alice
		case $name in
		haproxy-verify-required-ok) ;;
		haproxy-verify-required-nocert) cert=- ;;
		haproxy-verify-required-untrusted) cert=mallory ;;
		haproxy-verify-optional-nocert) verify=optional cert=- ;;
		*) die "unknown scenario $name" ;;
		esac
		template haproxy.conf.in "$c" VERIFY=$verify
		start_server haproxy "$c"
		wait_listen 443
		start_capture "$pcap" 443
		client_curl "$key" "$cert" https://app.example.com/ok.txt --http1.1
		finish "$name" "$W/logs/haproxy.log"
		;;
	*) die "unknown scenario $name" ;;
	esac
	[ -s "$key" ] || rm -f "$key"
}


# ---- from the server's log to the truth -------------------------------------
# One row per connection the server logged, keyed by the client's
# address:port (the access logs carry it; so do Apache's error log and
# HAProxy's connection errors). derive_truth NAME CLIENT prints
# "outcome<TAB>status": what the server's own log says about that
# connection, in mtlsdiag's outcome words. Only the server's lines count
# (the client's section of <name>.log is not read).
#   authenticated   a certificate was presented and verified: Apache
#                   SSL_CLIENT_VERIFY=SUCCESS, nginx ssl_client_verify=SUCCESS,
#                   HAProxy ssl_c_used=1 with ssl_c_verify=0, and a 2xx status.
#                   A certificate that failed verification but was still
#                   served (nginx optional_no_ca hands FAILED to the
#                   application, which here answers 200) counts as
#                   authenticated too: the connection was accepted with it,
#                   and what the application makes of FAILED is not on the
#                   wire.
#   rejected        a certificate was presented and verification failed, and
#                   the request was not served: FAILED:... (nginx, Apache),
#                   HAProxy ssl_c_verify != 0 or its connection error "SSL
#                   client certificate not trusted" / "SSL client CA chain
#                   cannot be verified", Apache's "certificate verify failed".
#   no_certificate  the server asked and got none: nginx NONE (nginx asks in
#                   every handshake of a server with ssl_verify_client set);
#                   HAProxy ssl_c_used=0 on a bind with verify; Apache NONE
#                   after it logged asking (AH02221, renegotiation), or its
#                   error log "peer did not return a certificate" / "Client
#                   certificate missing" (a handshake, renegotiation or
#                   post-handshake request answered with no certificate);
#                   HAProxy 2.6's bare "SSL handshake failure" on a bind with
#                   "verify required": HAProxy names a certificate that was
#                   presented and failed (above) and has no other words for
#                   the missing one. A 200 here is an optional request the
#                   client did not answer.
#   not_requested   Apache's AH10158 "cannot perform post-handshake
#                   authentication" (a TLS 1.3 client that did not offer it),
#                   or Apache NONE with no request for a certificate logged for
#                   that connection: in these configurations Apache asks
#                   only in the handshake (then NONE cannot reach the access
#                   log, the handshake fails) or by renegotiation, which it
#                   logs (AH02221); under HTTP/2 it answers 403 without
#                   renegotiating.
#   unknown         none of the above.
# The status is the logged HTTP status, "-" when no request was logged.
server_lines() { sed -n '/^# client (not the truth/q;p' "$OUT/$1.log" | grep -v '^# '; }
# clients NAME - the client address:port of every logged connection, in order.
clients() {
	server_lines "$1" | grep -o '127\.0\.0\.[0-9]*:[0-9][0-9]*' | awk '!seen[$0]++'
}
# conn_lines NAME CLIENT - the lines about one connection: those naming it,
# and Apache's untagged "SSL Library Error" lines of the same thread.
conn_lines() {
	local all tids
	all=$(server_lines "$1")
	tids=$(printf '%s\n' "$all" | grep -F "$2" | grep -o 'tid [0-9]*\]' | sort -u)
	printf '%s\n' "$all" | grep -F "$2" || true
	if [ -n "$tids" ]; then
		printf '%s\n' "$all" | grep -v -F "$2" | grep -F "$tids" || true
	fi
}
derive_truth() {
	local name=$1 ep=$2 server lines status verify used outcome=unknown
	server=$(server_of "$name")
	lines=$(conn_lines "$name" "$ep")
	has() { printf '%s\n' "$lines" | grep -q -e "$@"; }
	case $server in
	apache)
		status=$(printf '%s\n' "$lines" | sed -n 's/^[0-9.:]* "[^"]*" \([0-9][0-9][0-9]\) .*/\1/p' | head -1)
		verify=$(printf '%s\n' "$lines" | sed -n 's/.* SSL_CLIENT_VERIFY=\([^ ]*\) .*/\1/p' | head -1)
		if [ "$verify" = SUCCESS ]; then
			case $status in 2??) outcome=authenticated ;; esac
		elif case $verify in FAILED*) true ;; *) false ;; esac then
			outcome=rejected
		elif has 'peer did not return a certificate' -e 'Client certificate missing'; then
			outcome=no_certificate
		elif has 'certificate verify failed' -e 'Certificate Verification: Error'; then
			outcome=rejected
		elif has 'AH10158'; then
			outcome=not_requested # "cannot perform post-handshake authentication"
		elif [ "$verify" = NONE ]; then
			if has 'AH02221'; then outcome=no_certificate; else outcome=not_requested; fi
		fi
		;;
	nginx)
		status=$(printf '%s\n' "$lines" | sed -n 's/^[0-9.:]* "[^"]*" \([0-9][0-9][0-9]\) .*/\1/p' | head -1)
		verify=$(printf '%s\n' "$lines" | sed -n 's/.* ssl_client_verify=\([^ ]*\) .*/\1/p' | head -1)
		case $verify in
		SUCCESS) case $status in 2??) outcome=authenticated ;; esac ;;
		FAILED*) case $status in 2??) outcome=authenticated ;; *) outcome=rejected ;; esac ;;
		NONE) outcome=no_certificate ;;
		esac
		;;
	haproxy)
		status=$(printf '%s\n' "$lines" | sed -n 's/.*" \([0-9][0-9][0-9]\) ssl_c_used=.*/\1/p' | head -1)
		used=$(printf '%s\n' "$lines" | sed -n 's/.* ssl_c_used=\([0-9]*\) .*/\1/p' | head -1)
		verify=$(printf '%s\n' "$lines" | sed -n 's/.* ssl_c_verify=\([0-9]*\) .*/\1/p' | head -1)
		if [ -n "$used" ]; then
			if [ "$used" = 1 ] && [ "$verify" = 0 ]; then
				case $status in 2??) outcome=authenticated ;; esac
			elif [ "$used" = 1 ]; then
				outcome=rejected
			else
				outcome=no_certificate
			fi
		elif has 'SSL client certificate not trusted' -e 'SSL client CA chain cannot be verified'; then
			outcome=rejected
		elif has 'SSL handshake failure'; then
			outcome=no_certificate
		fi
		;;
	esac
	[ -n "$status" ] || status=-
	printf '%s\t%s\n' "$outcome" "$status"
}

# remedy_words NAME - the directive a fix must name (the scenario's
# design, not the log: the log says what happened, not what fixes it);
# "-" when no directive fixes it (an expired certificate is renewed).
remedy_words() {
	case $1 in
	apache-*) echo SSLVerifyClient ;;
	nginx-verify-on-untrusted) echo ssl_client_certificate ;;
	nginx-verify-on-expired) echo - ;;
	nginx-*) echo ssl_verify_client ;;
	haproxy-client-*) echo ssl_verify_client ;;
	haproxy-*) echo verify ;;
	esac
}

for name in $list; do run "$name"; done
cleanup
trap - EXIT

# truth.tsv: every scenario that has a log, rebuilt from the logs.
{
	printf '#name\tserver\texpected_outcome\thttp_status\tremedy_words\tclient\n'
	for name in $ALL; do
		[ -f "$OUT/$name.log" ] || continue
		for ep in $(clients "$name"); do
			printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$(server_of "$name")" "$(derive_truth "$name" "$ep")" \
				"$(remedy_words "$name")" "$ep"
		done
	done
} >"$OUT/truth.tsv"
cat "$OUT/truth.tsv"

# tshark's view of each capture, with and without the key log, as for the
# other samples (samples/oracle/): oracle/<name>.pcap[.nokeys].oracle.tsv.
ORACLE=${ORACLE:-$OUT/../../../shared/tools/oracle.sh}
if [ -f "$ORACLE" ] && command -v tshark >/dev/null 2>&1; then
	mkdir -p "$OUT/oracle"
	for name in $list; do
		bash "$ORACLE" "$OUT/$name.pcap" >"$OUT/oracle/$name.pcap.nokeys.oracle.tsv"
		[ -f "$OUT/$name.keylog" ] &&
			bash "$ORACLE" "$OUT/$name.pcap" "$OUT/$name.keylog" >"$OUT/oracle/$name.pcap.oracle.tsv"
	done
else
	echo "make.sh: no oracle files: needs tshark and $ORACLE" >&2
fi

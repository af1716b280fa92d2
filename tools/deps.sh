#!/bin/sh
# deps.sh check|install [test] - the Debian packages mtlsdiag builds with
# (and, with "test", the optional tools its tests use as independent
# oracles: tshark, editcap, python3 (the JA4 cross-check, the tunnelled
# captures), tcpdump (the BPF filter's truth), jq (the checks of
# samples/servers), GNU time (peak RSS in the memory test and make
# stress); for the live-capture tests: ip, openssl, tcpreplay (a capture
# replayed into a veth pair, and make bench's drop rates); for the HTTP
# test against a real server: nginx, curl; for the probe test: apache2; tidy and html5lib to validate the HTML
# report). "check" only names what is
# missing; "install" installs it when run as root, and otherwise says what
# to install.
# A convenience for Debian and its derivatives only: without dpkg-query it
# has nothing to say and succeeds (the Makefile then checks the libraries
# with pkg-config, tools/pkgcheck.sh).
set -u
command -v dpkg-query >/dev/null 2>&1 || exit 0
BUILD_PKGS="make gcc pkg-config libpcap-dev libssl-dev libjansson-dev libnghttp2-dev uthash-dev check libsubunit-dev"
TEST_PKGS="tshark strace clang libclang-rt-14-dev iproute2 openssl tcpreplay valgrind python3 tcpdump jq nginx curl time apache2 tidy python3-html5lib"
mode=${1:-check}
pkgs=$BUILD_PKGS
[ "${2:-}" = test ] && pkgs="$BUILD_PKGS $TEST_PKGS"

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$mode" = install ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "deps: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	# tshark asks whether non-root users may capture; answer no.
	echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
	if apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends $missing >/dev/null; then
		exit 0
	fi
	echo "deps: apt-get install failed for:$missing" >&2
	exit 1
fi
echo "deps: missing Debian packages:$missing" >&2
echo "deps: install them with: sudo apt-get install$missing   (or run 'make deps' as root)" >&2
exit 1

#!/bin/sh
# deps.sh check|install - the Debian packages mtlsdiag builds and tests with.
# "check" names what is missing; "install" (or "check" run as root) installs it.
set -u
PKGS="build-essential pkg-config libpcap-dev libssl-dev libjansson-dev uthash-dev check libsubunit-dev"
mode=${1:-check}
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "deps: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null && apt-get install -y -qq $missing >/dev/null || {
		echo "deps: apt-get install failed for:$missing" >&2
		exit 1
	}
	exit 0
fi
echo "deps: missing Debian packages:$missing" >&2
echo "deps: run 'sudo apt-get install$missing' (or 'make deps' as root)" >&2
[ "$mode" = install ] && exit 1
exit 1

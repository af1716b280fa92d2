#!/bin/sh
# pkgcheck.sh NAME... - before the build: pkg-config must find each library
# (by its pkg-config name) and the compiler must find uthash.h (header
# only, no .pc file). Names everything missing at once; exit 1 then.
# $PKG_CONFIG and $CC as make passes them.
set -u
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
CC=${CC:-cc}
if ! command -v "$PKG_CONFIG" >/dev/null 2>&1; then
	echo "mtlsdiag: $PKG_CONFIG is not installed; the build finds its libraries ($*) with it" >&2
	echo "  install pkg-config (or pkgconf), or name another with make PKG_CONFIG=..." >&2
	exit 1
fi
missing=""
for p in "$@"; do
	"$PKG_CONFIG" --exists "$p" 2>/dev/null || missing="$missing $p"
done
uthash=yes
# shellcheck disable=SC2046 # the flags are words
printf '#include <uthash.h>\n' | "$CC" $("$PKG_CONFIG" --cflags "$@" 2>/dev/null) ${CPPFLAGS:-} -E -x c - >/dev/null 2>&1 || uthash=no
[ -z "$missing" ] && [ $uthash = yes ] && exit 0
if [ -n "$missing" ]; then
	echo "mtlsdiag: pkg-config cannot find:$missing" >&2
	echo "  install their development files (Debian/Ubuntu: libpcap-dev libssl-dev libjansson-dev;" >&2
	echo "  Fedora: libpcap-devel openssl-devel jansson-devel; Alpine: libpcap-dev openssl-dev jansson-dev)," >&2
	echo "  or add the directory of their .pc files to PKG_CONFIG_PATH" >&2
fi
if [ $uthash = no ]; then
	echo "mtlsdiag: the compiler cannot find uthash.h (Debian: uthash-dev; Fedora: uthash-devel; or CPPFLAGS=-I...)" >&2
fi
exit 1

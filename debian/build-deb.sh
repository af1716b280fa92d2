#!/bin/sh
# build-deb.sh BINARY VERSION OUTDIR - a .deb of mtlsdiag with dpkg-deb:
# the files of `make install PREFIX=/usr` staged in a temporary tree
# (binary, gzipped man page, copyright), and a control file from debian/control.in whose
# Depends names the package holding each shared library the binary needs
# (dpkg -S on the library ldd resolves, so the names fit the build host's
# release: libssl3 on bookworm, libssl3t64 on trixie). Prints the .deb's path.
set -eu
bin=$1 version=$2 out=$3
for t in dpkg-deb dpkg readelf ldd; do
	command -v "$t" >/dev/null 2>&1 || { echo "deb: $t is needed to build a .deb" >&2; exit 1; }
done
arch=$(dpkg --print-architecture)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/root
# What `make install PREFIX=/usr` puts in place, for this binary (which
# may be another build's than make's), stripped as Debian ships binaries.
install -D -m 755 "$bin" "$root/usr/bin/mtlsdiag"
command -v strip >/dev/null 2>&1 && strip --strip-unneeded --remove-section=.comment "$root/usr/bin/mtlsdiag"
install -D -m 644 man/mtlsdiag.1 "$root/usr/share/man/man1/mtlsdiag.1"
gzip -9n "$root/usr/share/man/man1/mtlsdiag.1"
install -D -m 644 debian/copyright "$root/usr/share/doc/mtlsdiag/copyright"
install -d "$root/DEBIAN"

# One package per NEEDED library, in the order the binary names them.
deps=""
for lib in $(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
	path=$(ldd "$bin" | awk -v l="$lib" '$1 == l { print $3 }')
	[ -n "$path" ] || { echo "deb: ldd cannot resolve $lib" >&2; exit 1; }
	real=$(readlink -f "$path")
	pkg=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$real" 2>/dev/null || true)
	pkg=$(printf '%s\n' "$pkg" | head -1 | sed 's/:.*//')
	[ -n "$pkg" ] || { echo "deb: no package owns $path ($lib)" >&2; exit 1; }
	case " $deps " in *" $pkg "*) ;; *) deps="$deps $pkg" ;; esac
done
depends=$(echo $deps | sed 's/ /, /g')
size=$(du -sk "$root/usr" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" -e "s/@DEPENDS@/$depends/" \
	debian/control.in >"$root/DEBIAN/control"
mkdir -p "$out"
deb=$out/mtlsdiag_${version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"

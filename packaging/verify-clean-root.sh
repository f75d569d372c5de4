#!/usr/bin/env bash
# Installs a built package into a clean Debian 12 root and runs it there, as a user's machine
# would: debootstrap (minbase) into a scratch folder, `apt-get install ./meshx_*.deb` inside a
# chroot (apt pulls the declared dependencies from Debian), then every program's --version, the
# console's offscreen screenshot on its embedded agent, and the desktop entry, icon, metainfo
# and man pages in place. Needs root and Debian's mirror; run by hand, not from CTest.
#
#   sudo packaging/verify-clean-root.sh build/release/meshx_0.1.0_amd64.deb [ROOT_DIR]
set -euo pipefail

deb=$(realpath "$1")
root=${2:-$(mktemp -d /tmp/meshx-clean-root.XXXXXX)}
[ -f "$deb" ] || { echo "no package at $1" >&2; exit 2; }

if [ ! -x "$root/usr/bin/apt-get" ]; then
    debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian
fi
cp "$deb" "$root/tmp/"
mkdir -p -m 700 "$root/tmp/xdg-runtime"
mount -t proc proc "$root/proc"
trap 'umount "$root/proc"' EXIT

in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp \
    QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR=/tmp/xdg-runtime "$@"; }

in_root apt-get update -q
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "/tmp/$(basename "$deb")"
for program in meshx meshx-agent meshx-proxy meshx-console; do
    in_root "$program" --version
done
in_root timeout 60 meshx-console --screenshot /tmp/meshx-console.png
for f in /usr/share/applications/dev.meshx.Console.desktop \
         /usr/share/metainfo/dev.meshx.Console.metainfo.xml \
         /usr/share/icons/hicolor/scalable/apps/dev.meshx.Console.svg \
         /usr/share/man/man1/meshx.1.gz /tmp/meshx-console.png; do
    [ -s "$root$f" ] || { echo "missing in the installed root: $f" >&2; exit 1; }
done
echo "clean-root install OK: $root (screenshot: $root/tmp/meshx-console.png)"

#!/usr/bin/env bash
# Builds the Linux i386 kernel the real-guest tests boot: Debian's
# linux-source-6.1, `make tinyconfig` plus test/real-guests/linux/bringup-i386.config,
# with a built-in initramfs holding test/real-guests/linux/init.c. The result
# (bzImage, vmlinux with DWARF, .config, System.map, and the real-mode blob's
# realmode.elf, whose symbols the debugger relocates to where the AP
# trampoline runs) goes to .bringup-tmp/linux/i386-<key>/,
# keyed by the source tarball, the fragment, init.c and this script, and is
# reused when present. Prints the output directory on its last line.
# Needs: linux-source-6.1 bc flex bison libelf-dev gcc-multilib (Debian).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tarball="${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.1.tar.xz}"
fragment="$root/test/real-guests/linux/bringup-i386.config"
init_c="$root/test/real-guests/linux/init.c"
if [ ! -f "$tarball" ]; then
  echo "build-linux-i386: $tarball not found (apt-get install linux-source-6.1)" >&2
  exit 3
fi
key="$( (stat -c '%n %s %Y' "$tarball"; cat "$fragment" "$init_c" "$0") | sha256sum | cut -c1-16)"
out="$root/.bringup-tmp/linux/i386-$key"
if [ -f "$out/bzImage" ] && [ -f "$out/vmlinux" ] && [ -f "$out/realmode.elf" ]; then
  echo "$out"
  exit 0
fi
work="$root/.bringup-tmp/linux/build-i386-$key"
rm -rf "$work"
mkdir -p "$work"
tar -xf "$tarball" -C "$work"
src="$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -1)"
gcc -m32 -static -nostdlib -ffreestanding -O2 -fno-pic -fno-stack-protector -o "$work/bringup-init" "$init_c"
cat > "$src/initramfs.list" <<LIST
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /proc 0755 0 0
file /init $work/bringup-init 0755 0 0
LIST
make -C "$src" -s ARCH=i386 tinyconfig
(cd "$src" && ./scripts/kconfig/merge_config.sh -m .config "$fragment" > /dev/null)
make -C "$src" -s ARCH=i386 olddefconfig
make -C "$src" -s ARCH=i386 -j"$(nproc)" bzImage
mkdir -p "$out"
cp "$src/arch/x86/boot/bzImage" "$src/vmlinux" "$src/.config" "$out/"
cp "$src/System.map" "$src/arch/x86/realmode/rm/realmode.elf" "$out/"
rm -rf "$work"
echo "$out"

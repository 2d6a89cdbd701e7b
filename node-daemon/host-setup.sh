#!/usr/bin/env bash
# Installs and starts what a KubeCloud compute node (the node daemon's host side), the all-in-one local mode
# (kubecloud-local runs this script) and the node's tests need:
# libvirt (qemu driver) + QEMU (with its iSCSI initiator), qemu-img, tgt, dnsmasq,
# lvm2 + losetup (LVM volume backend), iproute2, genisoimage, busybox-static, cpio and the tools to fetch a Debian kernel,
# and dosfstools + mtools + syslinux to make the guest's bootable disk image without mounting anything.
# Idempotent; must run as root. No systemd is assumed: daemons are started directly.
#   sudo node-daemon/host-setup.sh              # install what is missing, start daemons
#   sudo node-daemon/host-setup.sh --progress   # the same, showing apt's progress (kubecloud-local)
#   node-daemon/host-setup.sh --check           # print what is missing, change nothing (exit 1 if any)
# tests/setup/node-deps.sh runs this script.
set -euo pipefail

CHECK_ONLY=0
PROGRESS=0
for arg in "$@"; do
  case "$arg" in
    --check) CHECK_ONLY=1 ;;
    --progress) PROGRESS=1 ;;
    *) echo "host-setup: unknown argument $arg (--check, --progress)" >&2; exit 2 ;;
  esac
done

log() { echo "host-setup: $*" >&2; }

# package -> a file that proves it is installed
declare -A PACKAGES=(
  [libvirt-daemon]=/usr/sbin/libvirtd
  [libvirt-daemon-driver-qemu]=/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so
  [libvirt-clients]=/usr/bin/virsh
  [libvirt0]=/usr/lib/x86_64-linux-gnu/libvirt.so.0
  [qemu-system-x86]=/usr/bin/qemu-system-x86_64
  [qemu-utils]=/usr/bin/qemu-img
  [qemu-block-extra]=/usr/lib/x86_64-linux-gnu/qemu/block-iscsi.so
  [tgt]=/usr/sbin/tgtd
  [lvm2]=/usr/sbin/lvcreate
  [mount]=/usr/sbin/losetup
  [dnsmasq-base]=/usr/sbin/dnsmasq
  [iproute2]=/usr/sbin/bridge
  [genisoimage]=/usr/bin/genisoimage
  [busybox-static]=/bin/busybox
  [cpio]=/usr/bin/cpio
  [iputils-ping]=/usr/bin/ping
  [procps]=/usr/bin/pgrep
  [kmod]=/usr/bin/modinfo
  [zstd]=/usr/bin/zstd
  [dosfstools]=/usr/sbin/mkfs.vfat
  [mtools]=/usr/bin/mcopy
  [syslinux]=/usr/bin/syslinux
  [syslinux-common]=/usr/lib/syslinux/modules/bios/ldlinux.c32
)

missing=()
for pkg in "${!PACKAGES[@]}"; do
  if [[ ! -e "${PACKAGES[$pkg]}" ]] && ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed'; then
    missing+=("$pkg")
  fi
done

if (( CHECK_ONLY )); then
  if (( ${#missing[@]} )); then echo "missing: ${missing[*]}"; exit 1; fi
  echo "all node packages present"; exit 0
fi

if [[ $(id -u) -ne 0 ]]; then log "must run as root"; exit 1; fi

if (( ${#missing[@]} )); then
  log "installing ${#missing[@]} Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # --no-install-recommends keeps out the desktop/firmware bits qemu recommends.
  if (( PROGRESS )); then
    log "apt-get update"
    apt-get update -q -o Dpkg::Use-Pty=0
    apt-get install -y -q --no-install-recommends -o Dpkg::Use-Pty=0 "${missing[@]}"
  else
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  log "installed: ${missing[*]}"
else
  log "all packages present"
fi

# libvirt-qemu user/group (the package's postinst normally creates them).
getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
getent group kvm >/dev/null || groupadd --system kvm
getent passwd libvirt-qemu >/dev/null || \
  useradd --system --gid kvm --groups libvirt-qemu --home-dir /var/lib/libvirt --no-create-home --shell /usr/sbin/nologin libvirt-qemu

# QEMU runs as root for the tests: it must read test files under /tmp and /var/cache.
QEMU_CONF=/etc/libvirt/qemu.conf
set_conf() { # key value
  if grep -qE "^\s*$1\s*=" "$QEMU_CONF"; then
    grep -qE "^\s*$1\s*=\s*$2\s*$" "$QEMU_CONF" || sed -i -E "s|^\s*$1\s*=.*|$1 = $2|" "$QEMU_CONF"
  else
    echo "$1 = $2" >>"$QEMU_CONF"
  fi
}
set_conf user '"root"'
set_conf group '"root"'
set_conf dynamic_ownership 0
set_conf remember_owner 0

running() { pgrep -x "$1" >/dev/null 2>&1; }
# Starts a daemon without the caller's open files beyond stdio: a daemon that inherits the fd of
# `flock LOCK tests/setup/node-deps.sh` would hold that lock for as long as it runs.
start_daemon() {
  (
    for fd in /proc/self/fd/*; do
      n=${fd##*/}
      if (( n > 2 )); then eval "exec $n>&-" 2>/dev/null || true; fi
    done
    exec "$@"
  )
}
mkdir -p /run/libvirt /var/log/libvirt/qemu /var/lib/libvirt/qemu
running virtlogd || { log "starting virtlogd"; start_daemon virtlogd -d; }
running virtlockd || { command -v virtlockd >/dev/null && { log "starting virtlockd"; start_daemon virtlockd -d; } || true; }
running libvirtd || { log "starting libvirtd"; start_daemon libvirtd -d; }
if ! running tgtd; then
  log "starting tgtd"
  mkdir -p /var/run/tgtd
  # tgtd daemonizes itself unless -f is given; iSNS off, listen on loopback only.
  start_daemon tgtd --iscsi portal=127.0.0.1:3260
fi

for _ in $(seq 1 100); do
  if virsh -c qemu:///system version >/dev/null 2>&1 && tgtadm --lld iscsi --op show --mode sys >/dev/null 2>&1; then
    log "libvirtd and tgtd ready"
    exit 0
  fi
  sleep 0.2
done
log "libvirtd or tgtd did not answer in 20 s"
virsh -c qemu:///system version || true
tgtadm --lld iscsi --op show --mode sys || true
exit 1

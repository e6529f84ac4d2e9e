#!/bin/sh
# Installs every Debian package caltrace's build, tests, lab and benchmarks need.
# Idempotent: does nothing when all are present.
set -e
PKGS="build-essential pkg-config clang libclang-rt-14-dev libnl-3-dev libnl-route-3-dev
libpcap-dev libncurses-dev libreadline-dev libjansson-dev libcmocka-dev libssl-dev
iproute2 bird tshark tcpdump iputils-ping socat jq procps psmisc time zsh fish mandoc groff-base libssh-gcrypt-4
iptables nftables libnftables-dev util-linux ipset tmux"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "caltrace: missing Debian packages:$missing; run 'make deps' as root" >&2
	exit 3
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
apt-get install -y -qq --no-install-recommends $missing >/dev/null

#!/usr/bin/env bash
# Before `npm test`: the suite talks to real tools (snmptrap, sshd, logger, ...). Install the
# Debian packages that provide any that are missing, when we can (root + apt-get); otherwise
# say exactly what to install. Does nothing when everything is present (the CI case).
set -euo pipefail
declare -A need=(
  [snmptrap]=snmp [snmpinform]=snmp [snmptrapd]=snmptrapd
  [/usr/sbin/sshd]=openssh-server [ssh-keygen]=openssh-client [logger]=bsdutils
  [/usr/bin/chromium]=chromium [rsyslogd]=rsyslog [/usr/bin/prometheus-alertmanager]=prometheus-alertmanager
  [promtool]=prometheus [git]=git
)
missing=()
for bin in "${!need[@]}"; do
  command -v "$bin" >/dev/null 2>&1 || missing+=("${need[$bin]}")
done
((${#missing[@]} == 0)) && exit 0
pkgs=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "test-prereqs: installing $pkgs" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
else
  echo "test-prereqs: the tests need these Debian packages: $pkgs" >&2
  echo "  sudo apt-get install -y $pkgs" >&2
  exit 1
fi

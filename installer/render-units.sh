#!/usr/bin/env bash
# Renders the systemd units for an install: render-units.sh <prefix> <state-dir> <out-dir> [<etc-dir>]
# @PREFIX@ → the install directory (node/, server/, console/, models/ …), @STATE@ → the state directory, @ETC@ → the
# configuration directory (default /etc/hotline), and the
# @HARDENING@ line → systemd/hardening.conf (comments dropped).
set -euo pipefail
prefix=$1 state=$2 out=$3 etc=${4:-/etc/hotline}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
hardening=$(grep -v '^#' "$here/systemd/hardening.conf" | sed -e "s|@STATE@|$state|g")
for f in "$here"/systemd/*.service "$here"/systemd/*.timer; do
  name=$(basename "$f")
  awk -v h="$hardening" '{ if ($0 == "@HARDENING@") print h; else print }' "$f" |
    sed -e "s|@PREFIX@|$prefix|g" -e "s|@STATE@|$state|g" -e "s|@ETC@|$etc|g" >"$out/$name"
done

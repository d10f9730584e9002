#!/usr/bin/env bash
# Prints a folder holding the files of Debian's python3-sklearn and
# python3-statsmodels packages (their real CSV datasets), extracting the
# packages once (apt-get download + dpkg -x, no installation) into a cache
# beside the source tree. Output: the folder, on stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${WHORL_DATA_CACHE:-$here/../data/real/.debian}
if [[ -f "$cache/.done" ]]; then echo "$cache/x"; exit 0; fi
mkdir -p "$cache"
cd "$cache"
pkgs="python3-sklearn python3-statsmodels"
if ! apt-get download $pkgs >/dev/null 2>apt.log; then
  apt-get update >/dev/null 2>&1 || true
  apt-get download $pkgs >/dev/null 2>apt.log || { cat apt.log >&2; exit 1; }
fi
rm -rf x
for f in python3-sklearn_*.deb python3-statsmodels_*.deb; do dpkg -x "$f" x; done
rm -f ./*.deb
touch .done
echo "$cache/x"

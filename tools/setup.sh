#!/usr/bin/env bash
# Installs every system package BoltzmannGen needs, idempotently; prints what it installs.
#   tools/setup.sh                 runtime + build: OpenMM 7.7 (Debian), C++ compiler, fonts for plots
#   tools/setup.sh --forcefields   also OpenMM's Python app layer, to rebuild forcefields/ and test fixtures
# Used by both README quick-start commands and by .ci/run. Needs root (or sudo) to install; does nothing when
# everything is already there.
set -euo pipefail

want_python=0
for arg in "$@"; do
  case "$arg" in
    --forcefields) want_python=1 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg' (known: --forcefields)" >&2; exit 2 ;;
  esac
done

packages=(libopenmm-dev libopenmm-plugins g++ fonts-dejavu-core)
if [[ $want_python == 1 ]]; then packages+=(python3-simtk python3-numpy); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then missing+=("$p"); fi
done

if [[ ${#missing[@]} -gt 0 ]]; then
  echo "setup: installing ${missing[*]}"
  if ! command -v apt-get >/dev/null; then
    echo "setup: apt-get not found. BoltzmannGen needs Debian 12 packages: ${missing[*]}" >&2; exit 1
  fi
  sudo_cmd=()
  if [[ $(id -u) != 0 ]]; then
    if command -v sudo >/dev/null; then sudo_cmd=(sudo); else
      echo "setup: need root to install ${missing[*]}; run as root or install sudo" >&2; exit 1; fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq || { echo "setup: apt-get update failed (no network to the Debian mirror?)" >&2; exit 1; }
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || { echo "setup: apt-get install ${missing[*]} failed" >&2; exit 1; }
  echo "setup: installed ${missing[*]}"
else
  echo "setup: system packages present (${packages[*]})"
fi

if [[ ! -f /usr/include/OpenMM.h ]]; then
  echo "setup: /usr/include/OpenMM.h is still missing after installing libopenmm-dev" >&2; exit 1
fi
if ! command -v dotnet >/dev/null; then
  echo "setup: the .NET 10 SDK (dotnet) is not on PATH; install it from Microsoft's packages" >&2; exit 1
fi
dotnet_major=$(dotnet --version | cut -d. -f1)
if [[ $dotnet_major -lt 10 ]]; then
  echo "setup: .NET SDK $(dotnet --version) found; BoltzmannGen needs 10 or newer" >&2; exit 1
fi
echo "setup: ready (OpenMM $(dpkg-query -W -f='${Version}' libopenmm-dev), .NET SDK $(dotnet --version))"

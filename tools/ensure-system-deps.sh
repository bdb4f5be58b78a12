#!/usr/bin/env bash
# Install the system tools crossemo needs (ffmpeg, espeak-ng, sox) when they are missing.
set -euo pipefail
missing=()
for tool in ffmpeg espeak-ng sox; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "crossemo: installing missing system tools: ${missing[*]}" >&2
if command -v apt-get >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if [ -n "$sudo" ] && ! command -v sudo >/dev/null 2>&1; then
    echo "crossemo: need root to apt-get install ${missing[*]}; install them and rerun." >&2; exit 1
  fi
  $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
elif command -v brew >/dev/null 2>&1; then
  brew install "${missing[@]}"
else
  echo "crossemo: cannot install ${missing[*]} automatically (no apt-get or brew)." >&2
  echo "          Install them with your package manager, or use the conda route (README)." >&2
  exit 1
fi

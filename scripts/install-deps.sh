#!/usr/bin/env bash
# Installs the system packages ticklab needs to build and test on Debian.
# Safe to run again: it only installs what is missing.
set -euo pipefail

packages=(pkg-config build-essential)
# The window (eframe on OpenGL): the libraries winit and glutin load at run
# time; building needs none of their development packages.
packages+=(libx11-6 libxcursor1 libxrandr2 libxi6 libxkbcommon-x11-0 libwayland-client0 libgl1 libegl1 libgl1-mesa-dri)
# A real window without a display, driven and photographed: Xvfb, xdotool
# and ImageMagick's `import`.
packages+=(xvfb xdotool imagemagick)

missing=()
for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if ((${#missing[@]})); then
    echo "== installing: ${missing[*]}"
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

#!/usr/bin/env bash
# Install the Debian packages the project needs, only those that are missing.
#   WeasyPrint: Pango and HarfBuzz's subsetter; Noto CJK for Chinese documents.
#   gettext:    msgfmt for compilemessages.
#   chromium:   the browser the e2e tests drive (Playwright cannot download one).
#   postgresql: the server for the second test pass (scripts/with-postgres.sh).
set -euo pipefail

packages=(
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk
    gettext
    chromium
    postgresql
)
# Debian's own python3 needs python3-venv for `python3 -m venv`.
if ! python3 -c "import ensurepip, venv" 2>/dev/null; then
    packages+=(python3-venv)
fi

missing=()
for package in "${packages[@]}"; do
    if ! dpkg -s "$package" 2>/dev/null | grep -q '^Status: install ok installed'; then
        missing+=("$package")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

command="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
    echo "Missing system packages: ${missing[*]}" >&2
    echo "Install them as root, then run make again:" >&2
    echo "    sudo sh -c '$command'" >&2
    exit 1
fi
echo "Installing system packages: ${missing[*]}"
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"

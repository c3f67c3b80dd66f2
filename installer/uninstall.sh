#!/usr/bin/env bash
# Remove the appliance installed with `install.sh --system`. The store (bookings, calls,
# recordings), the settings and the service user stay unless --purge is given.
#
#   sudo bash installer/uninstall.sh [--purge] [--user NAME] [--root DIR]
set -euo pipefail

DESTROOT=""
PREFIX="/opt/appliance"
SERVICE_USER="appliance"
PURGE=0
while [ $# -gt 0 ]; do
    case "$1" in
        --purge) PURGE=1 ;;
        --user) SERVICE_USER="$2"; shift ;;
        --root) DESTROOT="$(realpath -m "$2")"; shift ;;
        -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
        *) echo "uninstall.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
[ "$(id -u)" -eq 0 ] || { echo "uninstall.sh: run it as root (sudo)" >&2; exit 1; }

if [ -z "$DESTROOT" ] && [ -d /run/systemd/system ]; then
    systemctl disable --now appliance appliance-sip-edge >/dev/null 2>&1 || true
fi
rm -f "$DESTROOT/etc/systemd/system/appliance.service" \
      "$DESTROOT/etc/systemd/system/appliance-sip-edge.service" \
      "$DESTROOT/usr/share/applications/appliance-desk.desktop" \
      "$DESTROOT/usr/share/icons/hicolor/scalable/apps/appliance-desk.svg" \
      "$DESTROOT/etc/logrotate.d/appliance" \
      "$DESTROOT/usr/local/bin/appliance" "$DESTROOT/usr/local/bin/appliance-desk"
rm -rf "$DESTROOT$PREFIX"
if [ -z "$DESTROOT" ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
fi
echo "removed the program, its models and the service"
if [ "$PURGE" = 1 ]; then
    rm -rf "$DESTROOT/var/lib/appliance" "$DESTROOT/var/log/appliance" "$DESTROOT/etc/appliance"
    if [ -z "$DESTROOT" ] && [ "$SERVICE_USER" != root ] && id "$SERVICE_USER" >/dev/null 2>&1; then
        userdel "$SERVICE_USER"
    fi
    echo "purged the store, the logs, the settings and the service user"
else
    echo "kept the store ($DESTROOT/var/lib/appliance), logs and settings (/etc/appliance); --purge removes them"
fi

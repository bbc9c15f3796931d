#!/bin/sh
# Install QI Desk for the current user (no root needed): copies this folder to
# ~/.local/opt/qidesk, links ~/.local/bin/qidesk, and adds the menu entry and icon.
# Uninstall: ./install.sh --uninstall  (your data in ~/.local/share/qidesk is kept).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
PREFIX="${XDG_DATA_HOME:-$HOME/.local/share}"
OPT="$HOME/.local/opt/qidesk"
BIN="$HOME/.local/bin"
RES="$HERE/_internal/qidesk/resources"

if [ "${1:-}" = "--uninstall" ]; then
    rm -f "$BIN/qidesk" "$PREFIX/applications/qidesk.desktop"
    for size in 16 32 48 256; do
        rm -f "$PREFIX/icons/hicolor/${size}x${size}/apps/qidesk.png"
    done
    rm -f "$PREFIX/icons/hicolor/scalable/apps/qidesk.svg"
    rm -rf "$OPT"
    echo "QI Desk removed. Your data was kept."
    exit 0
fi

if [ "$HERE" != "$OPT" ]; then
    rm -rf "$OPT"
    mkdir -p "$(dirname "$OPT")"
    cp -a "$HERE" "$OPT"
fi
mkdir -p "$BIN" "$PREFIX/applications"
ln -sf "$OPT/qidesk" "$BIN/qidesk"
for size in 16 32 48 256; do
    mkdir -p "$PREFIX/icons/hicolor/${size}x${size}/apps"
    cp "$RES/icons/qidesk-$size.png" "$PREFIX/icons/hicolor/${size}x${size}/apps/qidesk.png"
done
mkdir -p "$PREFIX/icons/hicolor/scalable/apps"
cp "$RES/icons/qidesk.svg" "$PREFIX/icons/hicolor/scalable/apps/qidesk.svg"
sed -e "s|^Exec=.*|Exec=$OPT/qidesk|" -e "s|^TryExec=.*|TryExec=$OPT/qidesk|" \
    "$RES/linux/qidesk.desktop" > "$PREFIX/applications/qidesk.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$PREFIX/applications" 2>/dev/null || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q "$PREFIX/icons/hicolor" 2>/dev/null || true
echo "QI Desk installed in $OPT; start it from the menu or run: $BIN/qidesk"

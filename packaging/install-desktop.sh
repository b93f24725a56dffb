#!/bin/sh
# The menu entry and the icon of Backprop Studio, for the current user (no root needed):
#
#   sh packaging/install-desktop.sh install [FALLBACK_COMMAND]     (what `make install-desktop` runs)
#   sh packaging/install-desktop.sh uninstall                      (`make uninstall-desktop`)
#
# The entry starts `backprop-studio` from the PATH (pipx install . or pip install . put it there);
# when it is not on the PATH, FALLBACK_COMMAND (the project's .venv/bin/backprop-studio) is written
# into the entry instead. Installs into ${XDG_DATA_HOME:-~/.local/share}/applications and
# .../icons/hicolor/scalable/apps, and the session file type into .../mime/packages, with
# xdg-desktop-menu and xdg-mime when they are there, else by copying.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
name=backprop-studio
data=${XDG_DATA_HOME:-$HOME/.local/share}
apps=$data/applications
icons=$data/icons/hicolor
icon_source=$here/../resources/icon.svg

have() { command -v "$1" >/dev/null 2>&1; }

mime_file=$name-session.xml  # the file type of saved sessions (*.bpsession)

refresh() {
    if have update-mime-database && [ -d "$data/mime/packages" ]; then update-mime-database "$data/mime" 2>/dev/null || true; fi
    if have update-desktop-database; then update-desktop-database -q "$apps" 2>/dev/null || true; fi
    if have gtk-update-icon-cache && [ -f "$icons/index.theme" ]; then
        gtk-update-icon-cache -q -t -f "$icons" 2>/dev/null || true
    fi
    if have xdg-icon-resource; then xdg-icon-resource forceupdate --mode user 2>/dev/null || true; fi
}

install_entry() {
    fallback=${1:-}
    if have "$name"; then
        command=$name
    elif [ -n "$fallback" ] && [ -x "$fallback" ]; then
        command=$fallback
    else
        echo "install-desktop: no '$name' command found; install the app first (pipx install . or make run)" >&2
        exit 1
    fi
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    # The entry, with Exec and TryExec naming the command found (quoted when a path holds spaces or the like).
    case $command in
        *[!A-Za-z0-9_./+-]*) exec_command=\"$(printf '%s' "$command" | sed 's/[\\"`$]/\\&/g')\" ;;
        *) exec_command=$command ;;
    esac
    while IFS= read -r line || [ -n "$line" ]; do
        case $line in
            Exec=*) printf 'Exec=%s %%f\n' "$exec_command" ;;
            TryExec=*) printf 'TryExec=%s\n' "$command" ;;
            *) printf '%s\n' "$line" ;;
        esac
    done < "$here/$name.desktop" > "$work/$name.desktop"

    if have xdg-desktop-menu; then
        xdg-desktop-menu install --mode user --novendor "$work/$name.desktop"
    else
        mkdir -p "$apps"
        cp "$work/$name.desktop" "$apps/$name.desktop"
        chmod 644 "$apps/$name.desktop"
    fi
    if have xdg-mime; then
        xdg-mime install --mode user --novendor "$here/$mime_file"
    else
        mkdir -p "$data/mime/packages"
        cp "$here/$mime_file" "$data/mime/packages/$mime_file"
        chmod 644 "$data/mime/packages/$mime_file"
    fi
    # xdg-icon-resource takes bitmaps of a fixed size only: the SVG goes into the scalable folder by hand.
    mkdir -p "$icons/scalable/apps"
    cp "$icon_source" "$icons/scalable/apps/$name.svg"
    chmod 644 "$icons/scalable/apps/$name.svg"
    refresh
    echo "Installed the menu entry $apps/$name.desktop (starts: $command)"
    echo "the icon $icons/scalable/apps/$name.svg and the session file type (*.bpsession)"
}

uninstall_entry() {
    if have xdg-desktop-menu; then
        xdg-desktop-menu uninstall --mode user --novendor "$name.desktop" 2>/dev/null || true
    fi
    if have xdg-mime; then xdg-mime uninstall --mode user --novendor "$here/$mime_file" 2>/dev/null || true; fi
    rm -f "$apps/$name.desktop" "$icons/scalable/apps/$name.svg" "$data/mime/packages/$mime_file"
    refresh
    echo "Removed the menu entry, the icon and the session file type of Backprop Studio"
}

case ${1:-install} in
    install) install_entry "${2:-}" ;;
    uninstall) uninstall_entry ;;
    *) echo "usage: $0 install [FALLBACK_COMMAND] | uninstall" >&2; exit 2 ;;
esac

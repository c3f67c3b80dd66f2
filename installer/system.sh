# The clinic-PC layout, sourced by install.sh --system (not run on its own).
#
#   /opt/appliance/releases/<version>-<commit>/{src,venv}   one folder per installed release
#   /opt/appliance/current -> releases/...                  the release in use
#   /opt/appliance/models                                   model files, shared by releases
#   /etc/appliance/appliance.toml  (root:<group> 0640)  settings
#   /etc/appliance/secrets.toml    (<user> 0600)        SIP password, webhook secret
#   /var/lib/appliance             (<user>:<group> 2770) store, recordings, backups, control socket
#   /var/log/appliance             (<user>:<group> 2750) service.log, rotated weekly
#   appliance.service (systemd), a desktop entry and icon, /usr/local/bin/appliance{,-desk}
#   appliance-sip-edge.service: the local SIP edge (Kamailio, TLS to the trunk), started with
#       appliance.service when [sip] tls_edge = true, its config rendered from appliance.toml
#
# An upgrade is the same command from a newer checkout: the new release is built beside the
# old one, the store is backed up, the new release migrates it and must pass its checks;
# otherwise the old release and the backup are put back.

ETC="$DESTROOT/etc/appliance"
DATA="$DESTROOT/var/lib/appliance"
LOGS="$DESTROOT/var/log/appliance"
PREFIX_DIR="$DESTROOT$PREFIX"
GROUP="$SERVICE_USER"

# Write $1 with mode $2 (and owner $3) from stdin, only when its content changes.
put() {
    local tmp
    tmp="$(mktemp)"
    cat > "$tmp"
    mkdir -p "$(dirname "$1")"
    if [ -f "$1" ] && cmp -s "$tmp" "$1"; then
        rm -f "$tmp"
    else
        install -m "$2" "$tmp" "$1"
        rm -f "$tmp"
        echo "    wrote $1"
    fi
    [ -n "${3:-}" ] && chown "$3" "$1"
    chmod "$2" "$1"
}

# A template from installer/files with the layout's paths filled in (under --root DIR the
# paths include DIR: that tree runs in place, as the tests run it).
template() {
    sed -e "s|@PREFIX@|$PREFIX_DIR|g" -e "s|@ETC@|$ETC|g" -e "s|@DATA@|$DATA|g" \
        -e "s|@LOGS@|$LOGS|g" -e "s|@USER@|$SERVICE_USER|g" -e "s|@GROUP@|$GROUP|g" \
        "$ROOT/installer/files/$1"
}

systemd_running() { [ -z "$DESTROOT" ] && [ -d /run/systemd/system ]; }

system_release() {
    step "release"
    local version commit
    version="$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$ROOT/appliance/__init__.py")"
    git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1 || fail "--system installs from a git checkout"
    commit="$(git -C "$ROOT" rev-parse --short=10 HEAD)"
    if [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no)" ]; then
        commit="$commit-$(git -C "$ROOT" diff HEAD | sha256sum | cut -c1-8)"
    fi
    RELEASE="$version-$commit"
    REL="$PREFIX_DIR/releases/$RELEASE"
    if [ -f "$REL/.complete" ]; then
        echo "    $RELEASE present"
    else
        rm -rf "$REL"
        mkdir -p "$REL/src"
        git -C "$ROOT" ls-files -z | (cd "$ROOT" && tar --null -T - -cf -) | tar -xf - -C "$REL/src"
        echo "    $RELEASE unpacked"
    fi
    VENV="$REL/venv"
    APP_SRC="$REL/src"
}

system_accounts_and_folders() {
    step "service user '$SERVICE_USER' and folders"
    if ! getent group "$GROUP" >/dev/null; then
        groupadd --system "$GROUP"
        echo "    group $GROUP created"
    fi
    if ! id "$SERVICE_USER" >/dev/null 2>&1; then
        useradd --system --gid "$GROUP" --home-dir "$DATA" --no-create-home \
            --shell /usr/sbin/nologin --comment "clinic voice appliance" "$SERVICE_USER"
        echo "    user $SERVICE_USER created"
    fi
    for desk in "${DESK_USERS[@]}"; do
        id -nG "$desk" | tr ' ' '\n' | grep -qx "$GROUP" || { usermod -aG "$GROUP" "$desk"; echo "    $desk may use the front desk"; }
    done
    install -d -m 2770 -o "$SERVICE_USER" -g "$GROUP" "$DATA" "$DATA/backups" "$DATA/recordings"
    install -d -m 2750 -o "$SERVICE_USER" -g "$GROUP" "$LOGS"
    # patient data: nothing in them for other users, also what an older release or a root
    # shell with a wider umask left behind (the service itself runs with UMask=0007)
    chmod -R o-rwx "$DATA" "$LOGS"
    install -d -m 0755 "$ETC" "$PREFIX_DIR/models"
    if [ ! -f "$ETC/appliance.toml" ]; then
        template appliance.toml.in | put "$ETC/appliance.toml" 0640 "root:$GROUP"
    fi
    chown "root:$GROUP" "$ETC/appliance.toml"
    chmod 0640 "$ETC/appliance.toml"
    [ -f "$ETC/secrets.toml" ] || : | put "$ETC/secrets.toml" 0600 "$SERVICE_USER:$GROUP"
    chown "$SERVICE_USER:$GROUP" "$ETC/secrets.toml"
    chmod 0600 "$ETC/secrets.toml"
    echo "    config $ETC, data $DATA, logs $LOGS"
}

system_models() {
    step "models in $PREFIX_DIR/models"
    if [ -n "$MODELS_DIR" ]; then  # an installed models folder (another box, a USB disk): link or copy
        cp -aln "$MODELS_DIR"/. "$PREFIX_DIR/models/" 2>/dev/null \
            || cp -an "$MODELS_DIR"/. "$PREFIX_DIR/models/"
    fi
    put "$PREFIX_DIR/models/manifest.toml" 0644 < "$APP_SRC/models/manifest.toml"
    local from=()
    [ -n "$MODELS_FROM" ] && from=(--from "$MODELS_FROM")
    "$VENV/bin/appliance" --config "$ETC/appliance.toml" models install "${from[@]}"
    "$VENV/bin/appliance" --config "$ETC/appliance.toml" models install "${from[@]}" "${CANDIDATES[@]}"
}

# Point `current` at this release; on an upgrade back the store up first and go back to the
# old release (and the backup) if the new one cannot migrate the store or read the config.
system_switch() {
    step "switch to $RELEASE"
    local link="$PREFIX_DIR/current" old="" backup=""
    old="$(readlink "$link" 2>/dev/null || true)"
    if [ "$old" = "releases/$RELEASE" ]; then
        echo "    already current"
        return
    fi
    systemd_running && systemctl stop appliance 2>/dev/null || true
    if [ -n "$old" ] && [ -f "$DATA/appliance.db" ]; then
        backup="$DATA/backups/before-$RELEASE.db"
        "$PREFIX_DIR/$old/venv/bin/appliance" --config "$ETC/appliance.toml" crm backup "$backup" \
            || "$VENV/bin/appliance" --config "$ETC/appliance.toml" crm backup "$backup"
        chown "$SERVICE_USER:$GROUP" "$backup"
        echo "    store backed up to $backup"
    fi
    ln -sfn "releases/$RELEASE" "$link"
    if "$VENV/bin/appliance" --config "$ETC/appliance.toml" config check >/dev/null \
        && "$VENV/bin/appliance" --config "$ETC/appliance.toml" crm migrate; then
        chown "$SERVICE_USER:$GROUP" "$DATA"/appliance.db* 2>/dev/null || true
        chmod 0660 "$DATA"/appliance.db* 2>/dev/null || true  # the front desk's group writes it too
        echo "    now running $RELEASE${old:+ (was ${old#releases/})}"
        return
    fi
    echo "    the new release failed its checks; going back" >&2
    if [ -n "$old" ]; then
        ln -sfn "$old" "$link"
        if [ -n "$backup" ]; then
            "$PREFIX_DIR/$old/venv/bin/appliance" --config "$ETC/appliance.toml" crm restore "$backup"
            chown "$SERVICE_USER:$GROUP" "$DATA"/appliance.db* 2>/dev/null || true
            chmod 0660 "$DATA"/appliance.db* 2>/dev/null || true
        fi
        systemd_running && systemctl start appliance || true
        fail "upgrade to $RELEASE rolled back: ${old#releases/} is running again with the store as it was"
    fi
    rm -f "$link"
    fail "release $RELEASE failed its checks (see above)"
}

system_files() {
    step "service, desktop entry, log rotation"
    template appliance.service.in | put "$DESTROOT/etc/systemd/system/appliance.service" 0644
    template appliance-sip-edge.service.in | put "$DESTROOT/etc/systemd/system/appliance-sip-edge.service" 0644
    template appliance-desk.desktop.in | put "$DESTROOT/usr/share/applications/appliance-desk.desktop" 0644
    put "$DESTROOT/usr/share/icons/hicolor/scalable/apps/appliance-desk.svg" 0644 \
        < "$ROOT/installer/files/appliance-desk.svg"
    template logrotate.in | put "$DESTROOT/etc/logrotate.d/appliance" 0644
    mkdir -p "$DESTROOT/usr/local/bin"
    for cmd in appliance appliance-desk; do
        [ "$(readlink "$DESTROOT/usr/local/bin/$cmd")" = "$PREFIX_DIR/current/venv/bin/$cmd" ] \
            || ln -sfn "$PREFIX_DIR/current/venv/bin/$cmd" "$DESTROOT/usr/local/bin/$cmd"
    done
    # keep the release in use and the one before it
    local older
    older="$(cd "$PREFIX_DIR/releases" && ls -1t | { grep -vx "$RELEASE" || true; } | tail -n +2)"
    for old in $older; do
        rm -rf "${PREFIX_DIR:?}/releases/$old"
        echo "    removed the old release $old"
    done
    if systemd_running; then
        systemctl daemon-reload
        systemctl enable appliance appliance-sip-edge >/dev/null 2>&1
        systemctl restart appliance  # the edge with it (it runs only with [sip] tls_edge = true)
        echo "    appliance.service and appliance-sip-edge.service enabled and (re)started"
    else
        echo "    systemd not managing this root: start with '$PREFIX_DIR/current/venv/bin/appliance --config $ETC/appliance.toml run'"
    fi
}

# The data key that encrypts the store, recordings, the spool and backups: made once, when the
# recovery key is printed (the only time), and what is still plain encrypted then. After the
# switch: an upgrade that goes back restores a store the previous release can read.
system_keys() {
    step "encryption at rest"
    local key="$DATA/keys/data.key"
    [ -f "$key" ] || "$VENV/bin/appliance" --config "$ETC/appliance.toml" keys init
    chown -R "$SERVICE_USER:$GROUP" "$DATA"  # what this (root) run wrote: the service must rotate it
    chmod 0660 "$DATA"/appliance.db* 2>/dev/null || true  # the front desk's group writes the store too
    chmod 2750 "$DATA/keys"
    chmod 0640 "$key"
    echo "    data key $key (the service user and the front desk's group read it)"
}

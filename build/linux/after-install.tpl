#!/bin/bash
# The .deb's postinst (electron-builder's own template, app-builder-lib/templates/linux/after-install.tpl,
# with the commands on PATH instead of the app): `tray-cred` and `tray-cred-helper` in /usr/bin, linked to
# the single executable in resources/bin (helper/packaged-entry.ts), so the AWS CLI finds the helper and the
# tray's "Run a terminal" finds the CLI. The app itself starts from its desktop entry. Every path is under
# $DPKG_ROOT, as dpkg asks of maintainer scripts (empty on a normal install).

APP_DIR='/opt/${sanitizedProductName}'

# A link of ours (or of an earlier version) is replaced; a file someone else put there is left alone.
for command in tray-cred tray-cred-helper; do
    link="$DPKG_ROOT/usr/bin/$command"
    if [ -e "$link" ] && [ ! -L "$link" ]; then
        echo "tray-cred: $link exists and is not a link: left as it is; $APP_DIR/resources/bin/$command is the one this package installs" >&2
    else
        ln -sfn "$APP_DIR/resources/bin/$command" "$link"
    fi
done

# Check if user namespaces are supported by the kernel and working with a quick test:
if ! { [[ -L /proc/self/ns/user ]] && unshare --user true; } 2>/dev/null; then
    # Use SUID chrome-sandbox only on systems without user namespaces:
    chmod 4755 "$DPKG_ROOT$APP_DIR/chrome-sandbox" 2>/dev/null || true
else
    chmod 0755 "$DPKG_ROOT$APP_DIR/chrome-sandbox" 2>/dev/null || true
fi

if hash update-desktop-database 2>/dev/null; then
    update-desktop-database "$DPKG_ROOT/usr/share/applications" || true
fi

# The AppArmor profile Ubuntu 24.04 and later need before Chromium may create its sandbox's user namespace
# (electron/electron#42510): an abi/4.0 profile granting `userns` to the app's binary, copied to
# /etc/apparmor.d and loaded. An AppArmor too old for abi/4.0 (Ubuntu 22.04) has no such restriction: skipped.
if apparmor_status --enabled > /dev/null 2>&1; then
  APPARMOR_PROFILE_SOURCE="$DPKG_ROOT$APP_DIR/resources/apparmor-profile"
  APPARMOR_PROFILE_TARGET="$DPKG_ROOT/etc/apparmor.d/${executable}"
  if apparmor_parser --skip-kernel-load --debug "$APPARMOR_PROFILE_SOURCE" > /dev/null 2>&1; then
    cp -f "$APPARMOR_PROFILE_SOURCE" "$APPARMOR_PROFILE_TARGET"
    # Loading it is meaningless in a chroot (an image being prepared); dh_apparmor's flags pull in abstraction updates.
    if ! { [ -x '/usr/bin/ischroot' ] && /usr/bin/ischroot; } && hash apparmor_parser 2>/dev/null; then
      apparmor_parser --replace --write-cache --skip-read-cache "$APPARMOR_PROFILE_TARGET"
    fi
  else
    echo "Skipping the installation of the AppArmor profile as this version of AppArmor does not seem to support the bundled profile"
  fi
fi

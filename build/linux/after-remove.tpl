#!/bin/bash
# The .deb's postrm (electron-builder's own template, app-builder-lib/templates/linux/after-remove.tpl, for
# the links after-install.tpl makes): the /usr/bin links, if still ours, and the AppArmor profile. On an
# upgrade dpkg runs this and then the new version's postinst, which puts them back.

APP_DIR='/opt/${sanitizedProductName}'

for command in tray-cred tray-cred-helper; do
    link="$DPKG_ROOT/usr/bin/$command"
    if [ -L "$link" ] && [ "$(readlink "$link")" = "$APP_DIR/resources/bin/$command" ]; then
        rm -f "$link"
    fi
done

APPARMOR_PROFILE_DEST="$DPKG_ROOT/etc/apparmor.d/${executable}"
if [ -f "$APPARMOR_PROFILE_DEST" ]; then
  # Unloaded before the file goes, so the policy is not left enforced until the next reboot.
  if apparmor_status --enabled > /dev/null 2>&1; then
    if ! { [ -x '/usr/bin/ischroot' ] && /usr/bin/ischroot; } && hash apparmor_parser 2>/dev/null; then
      apparmor_parser --remove "$APPARMOR_PROFILE_DEST" || true
    fi
  fi
  rm -f "$APPARMOR_PROFILE_DEST"
fi

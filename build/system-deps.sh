#!/bin/sh
# Installs the system packages the tests use (Debian/Ubuntu, as root): a Secret Service
# (gnome-keyring) in a private D-Bus session and libsecret's secret-tool to look into it, the
# real AWS CLI v2 and boto3, openssl, zsh and fish to parse the completion scripts, and strace.
# Quick when everything is there; says what to install when it cannot do it itself.
set -eu
missing=""
command -v gnome-keyring-daemon >/dev/null 2>&1 || missing="$missing gnome-keyring"
{ command -v dbus-run-session && command -v dbus-send; } >/dev/null 2>&1 || missing="$missing dbus"
command -v secret-tool >/dev/null 2>&1 || missing="$missing libsecret-tools"
[ -x /usr/bin/aws ] || missing="$missing awscli"
/usr/bin/python3 -c 'import boto3' >/dev/null 2>&1 || missing="$missing python3-boto3"
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
[ -x /usr/bin/chromium ] || missing="$missing chromium"
command -v hyperfine >/dev/null 2>&1 || missing="$missing hyperfine"
# The completion scripts are checked with each shell's own parser (`zsh -n`, `fish -n`).
command -v zsh >/dev/null 2>&1 || missing="$missing zsh"
command -v fish >/dev/null 2>&1 || missing="$missing fish"
# exec's Ctrl-C test runs exec under strace, slowed enough that two SIGINTs cannot merge.
command -v strace >/dev/null 2>&1 || missing="$missing strace"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "tray-cred: installing system packages for the tests:$missing"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
else
  echo "tray-cred: the tests need these system packages:$missing. Install them (Debian/Ubuntu: sudo apt-get install$missing) and run npm test again." >&2
  exit 1
fi

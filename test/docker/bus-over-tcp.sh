#!/bin/sh
# Entry point of the Dockerfile.test container that test/docker/harness.test.ts starts: a D-Bus session bus on TCP
# port $BUS_PORT (default 7777) of every interface, ANONYMOUS authentication allowed, with an unlocked gnome-keyring
# on it, so that the integration suite can run from the host against the mapped port. For throwaway test containers
# only: whoever reaches the port can read the keyring.
set -eu
port=${BUS_PORT:-7777}
dir=$(mktemp -d)
cat >"$dir/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$dir/bus</listen>
  <listen>tcp:host=0.0.0.0,bind=0.0.0.0,port=$port,family=ipv4</listen>
  <auth>EXTERNAL</auth>
  <auth>ANONYMOUS</auth>
  <allow_anonymous/>
  <limit name="max_incoming_bytes">1000000000</limit>
  <limit name="max_outgoing_bytes">1000000000</limit>
  <limit name="max_message_size">1000000000</limit>
  <limit name="max_match_rules_per_connection">50000</limit>
  <limit name="max_replies_per_connection">50000</limit>
  <limit name="max_names_per_connection">50000</limit>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
    <allow user="*"/>
  </policy>
</busconfig>
CONF
dbus-daemon --config-file="$dir/bus.conf" --nofork &
bus=$!
until [ -S "$dir/bus" ]; do sleep 0.1; done
export DBUS_SESSION_BUS_ADDRESS="unix:path=$dir/bus"
export HOME="$dir/home" XDG_DATA_HOME="$dir/home/data" XDG_CONFIG_HOME="$dir/home/config" XDG_RUNTIME_DIR="$dir/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
printf %s "${KEYRING_PASSWORD:-secretstorage}" | gnome-keyring-daemon --foreground --unlock --components=secrets &
keyring=$!
until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
  org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; do
  kill -0 "$keyring" 2>/dev/null || { echo "gnome-keyring-daemon exited before serving" >&2; exit 1; }
  sleep 0.1
done
echo "secretstorage: bus ready on tcp port $port"
trap 'kill "$keyring" "$bus" 2>/dev/null' INT TERM
wait "$bus"

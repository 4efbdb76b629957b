#!/usr/bin/env bash
# Runs Maitre for real on this machine (Debian 12): installs the build
# dependencies that are missing, makes a release build, and
#   - in a terminal: starts maitred (SQLite, in the background) unless a
#     server is configured, opens the host-stand app `maitre` against it,
#     and stops that maitred cleanly when the app quits;
#   - without a terminal, or with --server-only: starts maitred in the
#     foreground, as a service would.
#
#   ./run.sh                     # maitred on http://127.0.0.1:8080 + the app
#   ./run.sh --server-only       # only maitred, in the foreground (Ctrl-C stops it)
#   MAITRE_LISTEN=0.0.0.0:8080 MAITRE_DATA_DIR=/var/lib/maitre ./run.sh --server-only
#   ./run.sh --tick-seconds 30   # other arguments go to maitred (see --help)
#   MAITRE_SERVER=https://api.example.com ./run.sh   # only the app, against that server
#
# A server is "configured" when MAITRE_SERVER is set or the app's config file
# ($XDG_CONFIG_HOME/maitre/config) has a `server =` line; then no maitred is started.
# When something already answers on MAITRE_LISTEN, the app uses it and leaves it running.
set -euo pipefail
cd "$(dirname "$0")"

server_only=0
args=()
for a in "$@"; do
	if [ "$a" = "--server-only" ]; then server_only=1; else args+=("$a"); fi
done

# shellcheck source=scripts/deps.sh
. scripts/deps.sh

mapfile -t missing < <(missing_packages "${DEPS_BUILD_PKGS[@]}")
if [ "${#missing[@]}" -gt 0 ]; then
	apt_install "${missing[@]}"
fi

BUILD=${MAITRE_BUILD_DIR:-build-release}
if [ -f "$BUILD/build.ninja" ]; then
	meson setup --reconfigure "$BUILD" --buildtype=release -Dtests=disabled -Dbench=false >/dev/null
else
	meson setup "$BUILD" --buildtype=release -Dtests=disabled -Dbench=false >/dev/null
fi
ninja -C "$BUILD" >/dev/null

LISTEN=${MAITRE_LISTEN:-127.0.0.1:8080}
DATA=${MAITRE_DATA_DIR:-./maitre-data}
HOSTPART=${LISTEN%:*}
PORT=${LISTEN##*:}
case "$HOSTPART" in 0.0.0.0|"["::"]"|"") HOSTPART=127.0.0.1 ;; esac
URL="http://$HOSTPART:$PORT"
MAITRED="$BUILD/backend/daemon/maitred"
APP="$BUILD/tui/maitre"
export MAITRE_LISTEN="$LISTEN" MAITRE_DATA_DIR="$DATA"

# The daemon alone, in the foreground: without a terminal, or when asked.
if [ "$server_only" = 1 ] || ! [ -t 0 ] || ! [ -t 1 ] || ! [ -x "$APP" ]; then
	[ -x "$APP" ] || echo "run.sh: the app was not built (no ncursesw?): serving only" >&2
	cat <<MSG
Maitre is starting: $URL   (data in $DATA, SQLite store $DATA/maitre.db)

Register the restaurant owner and log in:
  curl -s -X POST $URL/register -H 'content-type: application/json' \\
       -d '{"email":"owner@example.com","password":"a long passphrase","name":"Owner"}'
  TOKEN=\$(curl -s -X POST $URL/auth/get-token -H 'content-type: application/json' \\
       -d '{"email":"owner@example.com","password":"a long passphrase"}' \\
       | sed -n 's/.*"accessToken":"\\([^"]*\\)".*/\\1/p')
Then use the API:
  curl -s -X POST $URL/waitlists -H "authorization: \$TOKEN" -H 'content-type: application/json' \\
       -d '{"name":"Dinner","description":"main room"}'
  curl -s $URL/waitlists -H "authorization: \$TOKEN"
Or, in a terminal: $APP --server $URL
API reference: docs/api.yaml. Stop with Ctrl-C.

MSG
	exec "$MAITRED" "${args[@]+"${args[@]}"}"
fi

# A configured server: only the app.
CONFIG="${XDG_CONFIG_HOME:-$HOME/.config}/maitre/config"
if [ -n "${MAITRE_SERVER:-}" ] || { [ -f "$CONFIG" ] && grep -Eq '^[[:space:]]*server[[:space:]]*=' "$CONFIG"; }; then
	exec "$APP"
fi

# Already something answering there (another run.sh, a systemd maitred): use it.
if curl -fsS -m 2 "$URL/healthz" >/dev/null 2>&1; then
	echo "run.sh: a server already answers on $URL; opening the app against it"
	exec "$APP" --server "$URL"
fi

# Our own maitred in the background, for as long as the app runs.
mkdir -p "$DATA"
LOG="$DATA/maitred.log"
echo "run.sh: starting maitred on $URL (data in $DATA, log in $LOG)"
"$MAITRED" "${args[@]+"${args[@]}"}" >>"$LOG" 2>&1 &
MAITRED_PID=$!
stop_maitred() {
	if kill -0 "$MAITRED_PID" 2>/dev/null; then
		kill -TERM "$MAITRED_PID" 2>/dev/null || true
		wait "$MAITRED_PID" 2>/dev/null || true
		echo "run.sh: maitred stopped"
	fi
}
trap stop_maitred EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

for _ in $(seq 1 100); do
	curl -fsS -m 1 "$URL/healthz" >/dev/null 2>&1 && break
	if ! kill -0 "$MAITRED_PID" 2>/dev/null; then
		echo "run.sh: maitred did not start; the end of $LOG:" >&2
		tail -n 20 "$LOG" >&2
		exit 1
	fi
	sleep 0.1
done

status=0
"$APP" --server "$URL" || status=$?
exit "$status"

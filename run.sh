#!/usr/bin/env bash
# Runs Maitre for real on this machine (Debian 12): installs the build
# dependencies that are missing, makes a release build and starts maitred
# on an embedded SQLite store in a data directory, in the foreground.
#
#   ./run.sh                     # http://127.0.0.1:8080, data in ./maitre-data
#   MAITRE_LISTEN=0.0.0.0:8080 MAITRE_DATA_DIR=/var/lib/maitre ./run.sh
#   ./run.sh --tick-seconds 30   # extra arguments go to maitred (see --help)
#
# Stop it with Ctrl-C (SIGINT): in-flight requests finish, nothing is lost.
set -euo pipefail
cd "$(dirname "$0")"

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
API reference: docs/api.yaml. Stop with Ctrl-C.

MSG
export MAITRE_LISTEN="$LISTEN" MAITRE_DATA_DIR="$DATA"
exec "$BUILD/backend/daemon/maitred" "$@"

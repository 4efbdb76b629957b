# shellcheck shell=bash
# Sourced by run.sh and test.sh (Debian 12): the build dependencies and the
# functions that install the missing ones. Messages start with the name of
# the script that sourced this file.

# Packages every build needs (test.sh adds the test-only ones).
# shellcheck disable=SC2034  # used by the scripts that source this file
DEPS_BUILD_PKGS=(meson ninja-build pkg-config gcc libcurl4-openssl-dev libcjson-dev libjwt-dev
      libnotify-dev libncurses-dev libsqlite3-dev libsodium-dev libmicrohttpd-dev libcmocka-dev tzdata)

# Prints the packages of "$@" that dpkg does not list as installed.
missing_packages() {
	local p
	for p in "$@"; do
		if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed"; then
			echo "$p"
		fi
	done
}

# Installs the given packages with apt-get (through sudo when not root); exits 1 on failure.
apt_install() {
	local sudo=() me
	me=$(basename "$0")
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null || { echo "$me: need root or sudo to install: $*" >&2; exit 1; }
		sudo=(sudo)
	fi
	echo "$me: installing $*"
	"${sudo[@]}" apt-get update -q || exit 1
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "$@" || exit 1
}

#!/bin/sh
# `meson install` into a temporary DESTDIR, then build a small program against
# the installed library with `pkg-config --cflags --libs maitre-client`
# (shared) and `--static` (static), and run both; also checks that the man
# page and the bash completion are installed.
# Usage: install-check.sh BUILD_DIR [SANITIZE]  (SANITIZE: the build's b_sanitize, e.g. address,undefined)
set -eu
build=$1
san=${2:-none}
extra=
[ "$san" = none ] || extra="-fsanitize=$san"
dest=$(mktemp -d /tmp/maitre-install-XXXXXX)
trap 'rm -rf "$dest"' EXIT
DESTDIR=$dest meson install -C "$build" --quiet --no-rebuild >/dev/null
pc=$(find "$dest" -name maitre-client.pc | head -n 1)
[ -n "$pc" ] || { echo "maitre-client.pc not installed"; exit 1; }
find "$dest" -path '*/man1/maitrectl.1' | grep -q . || { echo "maitrectl.1 not installed"; exit 1; }
find "$dest" -path '*/completions/maitrectl' | grep -q . || { echo "bash completion not installed"; exit 1; }
find "$dest" -path '*/include/maitre/client.h' | grep -q . || { echo "header not installed"; exit 1; }
export PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR=$dest
cat > "$dest/prog.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <maitre/client.h>
int main(void)
{
	struct mtc_client *c = NULL;
	struct mtc_status st;
	char key[MTC_IDEMPOTENCY_KEY_SIZE];
	if (mtc_global_init() != MTC_OK || mtc_client_new("http://127.0.0.1:1", &c, &st) != MTC_OK)
		return 1;
	mtc_client_set_retries(c, 0);
	mtc_client_set_timeouts(c, 500, 1000);
	enum mtc_error e = mtc_healthz(c, &st);   /* nothing listens on port 1 */
	int ok = e == MTC_ERR_NETWORK && mtc_idempotency_key_new(key, sizeof key) == MTC_OK;
	printf("%s: %s\n", mtc_strerror(e), st.message);
	mtc_client_free(c);
	mtc_global_cleanup();
	return ok ? 0 : 1;
}
C
cc -std=c11 -Wall -Wextra -Werror $extra -o "$dest/prog-shared" "$dest/prog.c" $(pkg-config --cflags --libs maitre-client)
LD_LIBRARY_PATH=$(dirname "$(dirname "$pc")") "$dest/prog-shared"
libdir=$(dirname "$(dirname "$pc")")
cc -std=c11 -Wall -Wextra -Werror $extra -o "$dest/prog-static" "$dest/prog.c" \
	$(pkg-config --cflags maitre-client) "$libdir/libmaitre-client.a" $(pkg-config --libs libcurl libcjson)
"$dest/prog-static"
# only mtc_ symbols are exported
bad=$(nm -D --defined-only "$libdir/libmaitre-client.so" | awk '$2 == "T" && $3 !~ /^mtc_/' | head -n 5)
[ -z "$bad" ] || { echo "exported non-mtc_ symbols: $bad"; exit 1; }
echo "install check: ok"

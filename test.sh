#!/usr/bin/env bash
# Installs the test dependencies that are missing (Debian 12), builds and
# runs every test suite twice: a normal build (build-test/) and one with
# -Db_sanitize=address,undefined (build-test-asan/), the two builds' tests
# at once, MAITRE_TEST_PROCESSES (4) at a time in each. Ends with one line
# "N passed, N failed[, N skipped]" summed from meson's test logs and exits
# non-zero when anything failed or nothing ran. Works unattended (CI=true,
# no terminal, as root) from a fresh clone. With CI=true a skipped test is a
# failure (a missing tool is an install error there, not a reason to skip).
# When clang is present (it is installed here) and no extra arguments are
# given, the libFuzzer targets are built (build-test-fuzz/, -Dfuzz=true) and
# each runs for 30 s (MAITRE_FUZZ_SECONDS), two at a time (tests/fuzz/run.sh);
# also without extra arguments, a subset of the tests runs again under
# valgrind (run_valgrind below). MAITRE_TEST_BUILD_PREFIX changes the build
# directory names (default build-test, build-test-asan, build-test-fuzz).
#
#   ./test.sh                 # everything
#   ./test.sh --suite api     # extra arguments go to `meson test`
set -uo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)

# shellcheck source=scripts/deps.sh
. scripts/deps.sh
PKGS=("${DEPS_BUILD_PKGS[@]}" python3-aiosmtpd dbus python3-dbus python3-gi wrk curl clang openssl tmux valgrind
	chromium python3-websocket    # guest pages: tests/guest/browser-test.py
	dpkg-dev autoconf automake libtool)   # deploy/build-libcurl: dpkg-source, Debian's ./buildconf

mapfile -t missing < <(missing_packages "${PKGS[@]}")
# node and npm may come from elsewhere than Debian: only install when absent
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ "${#missing[@]}" -gt 0 ]; then
	apt_install "${missing[@]}"
fi

# Node test servers (dynalite, local-aws-sqs) live in tests/node_modules.
if [ -f tests/package.json ]; then
	echo "test.sh: installing node test servers (tests/package.json)"
	if [ -f tests/package-lock.json ]; then
		(cd tests && npm ci --no-audit --no-fund --loglevel=error) || exit 1
	else
		(cd tests && npm install --no-audit --no-fund --loglevel=error) || exit 1
	fi
fi

# sanitizers: any finding fails the test that triggered it
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:abort_on_error=1}

passed=0
failed=0
skipped=0

# Sets up and builds dir with the meson options after it; 0 when it built
# (a failure is counted and printed).
build_dir() {
	local dir=$1 label=$2
	shift 2
	local opts=("$@") setup_log
	setup_log=$(mktemp)
	echo
	echo "==== $label build ($dir) ===="
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "${opts[@]}" >"$setup_log" 2>&1
	else
		meson setup "$dir" "${opts[@]}" >"$setup_log" 2>&1
	fi
	if [ $? -ne 0 ]; then
		cat "$setup_log"
		rm -f "$setup_log"
		echo "test.sh: meson setup failed for the $label build"
		failed=$((failed + 1))
		return 1
	fi
	rm -f "$setup_log"
	if ! ninja -C "$dir"; then
		echo "test.sh: the $label build failed"
		failed=$((failed + 1))
		return 1
	fi
	return 0
}

# Runs the tests of a built dir: meson test with N processes and the
# timeout multiplier M (output to stdout).
run_tests() {
	local dir=$1 n=$2 mult=$3
	rm -f "$dir/meson-logs/testlog.json"
	meson test -C "$dir" --no-rebuild --num-processes "$n" --print-errorlogs \
		--timeout-multiplier "$mult" "${TEST_ARGS[@]}"
}

# Adds the results of dir's meson-logs/testlog.json to the counts.
count_tests() {
	local dir=$1 label=$2 counts
	counts=$(/usr/bin/python3 - "$dir/meson-logs/testlog.json" <<'PY'
import json, sys
p = f = s = 0
try:
    with open(sys.argv[1]) as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line).get("result", "")
            if r in ("OK", "EXPECTEDFAIL"):
                p += 1
            elif r == "SKIP":
                s += 1
            else:  # FAIL, TIMEOUT, ERROR, UNEXPECTEDPASS
                f += 1
except FileNotFoundError:
    f += 1
print(p, f, s)
PY
)
	read -r p f s <<<"$counts"
	echo "test.sh: $label build: $p passed, $f failed, $s skipped"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
}

TEST_ARGS=("$@")
PREFIX=${MAITRE_TEST_BUILD_PREFIX:-build-test}
# Most tests wait (on servers, sockets, child processes), few burn CPU, so
# more run at once than there are cores; the two builds' runs overlap.
# MAITRE_TEST_PROCESSES sets the tests at once per build, MAITRE_TEST_SERIAL=1
# runs the sanitizer build's tests after the normal ones instead of beside them.
NPROC=${MAITRE_TEST_PROCESSES:-4}
normal_ok=0
asan_ok=0
build_dir "$PREFIX" "normal" -Dtests=enabled -Dbuildtype=debugoptimized -Db_sanitize=none && normal_ok=1
build_dir "$PREFIX-asan" "sanitize (address,undefined)" -Dtests=enabled -Dbuildtype=debugoptimized \
	-Db_sanitize=address,undefined -Db_lundef=false && asan_ok=1
# function.zip's small libcurl (deploy/build-libcurl: Debian's curl source
# of the installed version, from the system's apt mirror; about 1.5 minutes
# of CPU, 2.5 - 3.5 minutes on 2 shared cores), kept in the build directory
# so later runs reuse it; the function-zip test packs it, runs the unpacked
# zip on it and checks that the package's default carries it. With CI=true
# a failed build is a failure (and those checks fail instead of skipping).
if [ "$normal_ok" = 1 ] && [ -z "${MAITRE_TEST_SMALL_LIBCURL:-}" ]; then
	echo
	echo "==== the small libcurl of function.zip ($PREFIX/libcurl-small) ===="
	t0=$(date +%s)
	if small=$(deploy/build-libcurl "$PREFIX/libcurl-small"); then
		MAITRE_TEST_SMALL_LIBCURL=$(printf '%s\n' "$small" | tail -n 1)
		export MAITRE_TEST_SMALL_LIBCURL
		echo "test.sh: small libcurl: $MAITRE_TEST_SMALL_LIBCURL ($(($(date +%s) - t0)) s)"
	elif [ "${CI:-}" = true ]; then
		# CI=true: what cannot be built is a failure, never a skip
		echo "test.sh: the small libcurl could not be built (see above): counted as a failure (CI=true)"
		failed=$((failed + 1))
	else
		echo "test.sh: the small libcurl could not be built: function-zip checks Debian's libcurl only" \
			"(its small-libcurl tests are skipped)"
	fi
fi
asan_log=$(mktemp)
asan_pid=
if [ "$asan_ok" = 1 ] && [ "$normal_ok" = 1 ] && [ "${MAITRE_TEST_SERIAL:-0}" != 1 ]; then
	echo
	echo "==== tests: normal and sanitize builds at once ($NPROC at a time each; the sanitize log follows the normal one) ===="
	run_tests "$PREFIX-asan" "$NPROC" 3 >"$asan_log" 2>&1 &
	asan_pid=$!
fi
if [ "$normal_ok" = 1 ]; then
	echo
	echo "==== normal build: tests ===="
	run_tests "$PREFIX" "$NPROC" 1
	count_tests "$PREFIX" "normal"
fi
if [ "$asan_ok" = 1 ]; then
	echo
	echo "==== sanitize (address,undefined) build: tests ===="
	if [ -n "$asan_pid" ]; then
		wait "$asan_pid"
		cat "$asan_log"
	else
		run_tests "$PREFIX-asan" "$NPROC" 3
	fi
	count_tests "$PREFIX-asan" "sanitize (address,undefined)"
fi
rm -f "$asan_log"

# The tests run again under valgrind (`meson test --setup valgrind`, maitred
# too): a subset that takes about a minute here; docs/reliability.md says
# why these. Counted like the others.
# (longest first, so the short ones share the second process meanwhile)
VALGRIND_TESTS=(api-crud sms-hook client-unit test-core test-validate test-status test-etag test-listcache
	test-log test-auth-tokens test-auth-secret test-tk-text test-tk-theme test-tk-phone)
run_valgrind() {
	local dir=$1 counts p f s
	echo
	echo "==== valgrind ($dir, ${#VALGRIND_TESTS[@]} tests: memcheck, leaks; maitred under it too) ===="
	if ! command -v valgrind >/dev/null 2>&1; then
		echo "test.sh: valgrind is not installed"
		skipped=$((skipped + 1))
		return
	fi
	rm -f "$dir/meson-logs/testlog-valgrind.json"
	meson test -C "$dir" --setup valgrind --no-rebuild --num-processes 2 --print-errorlogs "${VALGRIND_TESTS[@]}"
	counts=$(/usr/bin/python3 - "$dir/meson-logs/testlog-valgrind.json" <<'PY'
import json, sys
p = f = s = 0
try:
    for line in open(sys.argv[1]):
        if line.strip():
            r = json.loads(line).get("result", "")
            if r in ("OK", "EXPECTEDFAIL"):
                p += 1
            elif r == "SKIP":
                s += 1
            else:
                f += 1
except FileNotFoundError:
    f += 1
print(p, f, s)
PY
)
	read -r p f s <<<"$counts"
	echo "test.sh: valgrind: $p passed, $f failed, $s skipped"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
}

# Builds the fuzz targets with clang and runs each for MAITRE_FUZZ_SECONDS
# from its seed corpus and dictionary, 2 at a time (tests/fuzz/run.sh); a
# crash, a leak, a timeout or a build failure counts as a failed test.
run_fuzz() {
	local dir=$1 secs=${MAITRE_FUZZ_SECONDS:-30} out name rest
	echo
	echo "==== fuzz build ($dir, clang, ${secs} s per target, 2 at a time) ===="
	if ! { [ -f "$dir/build.ninja" ] || CC=clang meson setup "$dir" -Dfuzz=true -Dtests=disabled -Dbench=false \
		-Dbuildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false >/dev/null; } ||
		! ninja -C "$dir"; then
		echo "test.sh: the fuzz build failed"
		failed=$((failed + 1))
		return
	fi
	out=$(mktemp)
	tests/fuzz/run.sh "$dir" "$secs" 2 | tee "$out"
	# one line per target: NAME EXECUTIONS EXEC/S CORPUS CRASHES ok|FAILED
	while read -r name rest; do
		case "$name" in
		fuzz-*:) ;;   # a failed target's detail lines
		fuzz-*)
			case "$rest" in
			*" ok") passed=$((passed + 1)) ;;
			*) failed=$((failed + 1)) ;;
			esac
			;;
		esac
	done <"$out"
	if ! grep -q '^fuzz-' "$out"; then
		echo "test.sh: no fuzz targets ran"
		failed=$((failed + 1))
	fi
	rm -f "$out"
}

if [ "${#TEST_ARGS[@]}" -eq 0 ] && [ "$normal_ok" = 1 ]; then
	run_valgrind "$PREFIX"
fi
if [ "${#TEST_ARGS[@]}" -eq 0 ] && command -v clang >/dev/null 2>&1; then
	run_fuzz "$PREFIX-fuzz"
fi

if [ "${CI:-}" = "true" ] && [ "$skipped" -gt 0 ]; then
	echo "test.sh: CI=true: $skipped skipped test(s) count as failed (install what they need)"
	failed=$((failed + skipped))
fi

echo
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
if [ "$failed" -gt 0 ] || [ "$passed" -eq 0 ]; then
	exit 1
fi
exit 0

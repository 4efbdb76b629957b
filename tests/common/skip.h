/* Honest skips: a test that cannot run here (no node, no emulator) exits
 * 77, which meson records as skipped; under CI=true a missing tool is an
 * install error, so the same test fails instead (exit 1). test.sh also
 * counts any skip as a failure when CI=true. */
#ifndef MAITRE_TEST_SKIP_H
#define MAITRE_TEST_SKIP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1 when running under CI=true. */
static inline int test_ci(void)
{
	const char *ci = getenv("CI");

	return ci != NULL && strcmp(ci, "true") == 0;
}

/* Says why the test cannot run and returns its exit status: 77 (skip), or 1 under CI=true. */
static inline int test_skip_status(const char *why)
{
	if (test_ci()) {
		fprintf(stderr, "FAIL (CI=true, a skip is a failure): %s\n", why);
		return 1;
	}
	fprintf(stderr, "SKIP: %s\n", why);
	return 77;
}

#endif

/* libFuzzer target: template validation and rendering, default texts with
 * arbitrary names, SMS length counting. Built by tests/fuzz/meson.build
 * with -Dfuzz=true and clang; test.sh runs it.
 * Checks: validate and render agree; a rendered text never keeps an
 * unknown placeholder; defaults stay within 160 SMS characters before
 * the guest's link, which follows on a line of its own. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/error.h"
#include "core/validate.h"
#include "core/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *out = NULL, *name, *rest, *cut;
	size_t lk;
	struct mt_template_vars v = { "N", "R", 3, 7, "https://example.com/g/abc" };
	int r;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	r = mt_template_validate(s, NULL);
	if (mt_template_render(s, &v, &out) == 0) {
		if (r != 0)
			abort();
		free(out);
	} else if (r == 0 && strlen(s) > 0) {
		abort(); /* valid but not renderable (cannot be too big at this size) */
	}
	mt_sms_length(s, NULL);
	mt_sms_segments(s);

	/* Split the input into two names if both are valid text. */
	cut = memchr(s, '\n', strlen(s));
	name = s;
	rest = cut ? cut + 1 : (char *)"R";
	if (cut)
		*cut = '\0';
	if (mt_valid_text(name, 0, MT_NAME_MAX, 0, NULL) == 0 &&
	    mt_valid_text(rest, 0, MT_NAME_MAX, 0, NULL) == 0) {
		static const char *const kinds[] = { "joined", "ready", "reminder" };
		int k;

		v.name = name;
		v.restaurant = rest;
		for (k = 0; k < 3; k++) {
			v.minutes = k * 30;
			if (mt_template_render_default(kinds[k], &v, 0, &out) != 0)
				abort();
			if (!mt_valid_utf8(out, strlen(out)))
				abort();
			/* the text fits one SMS; the link follows on its own line */
			lk = strlen(out) - strlen(v.link) - 1;
			if (strlen(out) <= strlen(v.link) || strcmp(out + lk + 1, v.link) != 0 || out[lk] != '\n')
				abort();
			out[lk] = '\0';
			if (mt_sms_length(out, NULL) > MT_SMS_CHARS)
				abort();
			free(out);
		}
	}
	free(s);
	return 0;
}

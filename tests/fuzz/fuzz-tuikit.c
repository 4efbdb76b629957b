/* libFuzzer target for the host-stand kit's parsers: the theme file parser,
 * phone normalisation and the text fitting they feed. Build by hand:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_POSIX_C_SOURCE=200809L \
 *     -D_DEFAULT_SOURCE $(pkg-config --cflags ncursesw) -Itui tests/fuzz/fuzz-tuikit.c \
 *     tui/kit/{theme,palette,text,phone}.c $(pkg-config --libs ncursesw) -o fuzz-tuikit
 *   ./fuzz-tuikit -max_total_time=60 themes/
 * The first byte picks the target. Checks: a theme parses or fails with
 * "fuzz.theme:LINE: ..." and leaves the default; every parsed style is in
 * range and its marker valid UTF-8 of at most 2 cells; every resolved palette
 * stays within its pairs; an accepted phone number is E.164 (+, 7-15 digits,
 * no leading 0), normalises to itself and formats; fitted and padded text is
 * valid UTF-8 of exactly the width promised. */
#include <locale.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit/palette.h"
#include "kit/phone.h"
#include "kit/text.h"
#include "kit/theme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stops the run when a property does not hold. */
static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz-tuikit: %s\n", what);
		abort();
	}
}

/* Returns 1 when s is valid UTF-8 (no U+FFFD produced by a bad byte). */
static int valid_utf8(const char *s)
{
	size_t len = strlen(s), i = 0;

	while (i < len) {
		uint32_t cp;
		size_t k = tk_utf8_decode(s + i, len - i, &cp);

		if (cp == 0xfffd && k == 1)
			return 0;
		i += k;
	}
	return 1;
}

/* The theme parser and the palette. */
static void fuzz_theme(const char *text, size_t len)
{
	struct tk_theme t, def;
	struct tk_palette p;
	char err[512];
	int i;

	tk_theme_default(&def);
	if (tk_theme_parse(text, len, "fuzz.theme", "fuzz", &t, err, sizeof err) != 0) {
		check(strncmp(err, "fuzz.theme:", 11) == 0, "error without file:line");
		check(memcmp(t.slot, def.slot, sizeof t.slot) == 0, "default not kept after an error");
		return;
	}
	for (i = 0; i < TK_SLOT_COUNT; i++) {
		const struct tk_style *st = &t.slot[i];

		check(st->fg >= -1 && st->fg <= 255 && st->bg >= -1 && st->bg <= 255, "colour out of range");
		check(valid_utf8(st->marker) && tk_text_width(st->marker) <= 2, "bad marker");
	}
	check(valid_utf8(t.title), "bad title");
	for (i = TK_COLOURS_NONE; i <= TK_COLOURS_256; i++) {
		int s;

		tk_palette_resolve(&t, (enum tk_colour_mode)i, 16, &p);
		check(p.npairs < 16, "too many pairs");
		for (s = 0; s < TK_SLOT_COUNT; s++)
			check(p.slot[s].pair >= 0 && p.slot[s].pair < 16, "pair out of range");
	}
}

/* Phone normalisation with each of a few default countries. */
static void fuzz_phone(const char *typed)
{
	static const char *const iso[] = { NULL, "US", "DE", "GB", "IT", "AU", "JP", "RU", "XX" };
	char e164[TK_E164_MAX], again[TK_E164_MAX], shown[TK_PHONE_FMT_MAX], err[160], prev[96];
	size_t i, n;

	for (i = 0; i < sizeof iso / sizeof iso[0]; i++) {
		if (tk_phone_normalise(typed, iso[i], e164, sizeof e164, err, sizeof err) != 0) {
			check(err[0] != '\0', "refusal without a reason");
			check(tk_phone_preview(typed, iso[i], prev, sizeof prev) != 0, "preview accepted");
			continue;
		}
		n = strlen(e164);
		check(e164[0] == '+' && n >= 8 && n <= 16 && e164[1] != '0', "not E.164");
		check(strspn(e164 + 1, "0123456789") == n - 1, "not digits");
		check(tk_phone_normalise(e164, iso[i], again, sizeof again, err, sizeof err) == 0 &&
				strcmp(again, e164) == 0, "E.164 does not normalise to itself");
		check(tk_phone_format(e164, shown, sizeof shown) == 0, "no format");
		check(tk_phone_preview(typed, iso[i], prev, sizeof prev) == 0 && strcmp(prev, shown) == 0,
				"preview differs from format");
	}
}

/* Fitting and padding at every width up to 40. */
static void fuzz_text(const char *s)
{
	char out[512];
	int w;

	for (w = 0; w <= 40; w++) {
		int got = tk_text_fit(s, w, out, sizeof out);

		if (got < 0)
			continue; /* output too small for a long text: allowed */
		check(got <= w && got == tk_text_width(out), "fit width");
		check(valid_utf8(out), "fit output not valid UTF-8");
		if (tk_text_pad(s, w, (enum tk_align)(w % 3), out, sizeof out) == w)
			check(tk_text_width(out) == w && valid_utf8(out), "pad width");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	char *s;

	if (!init) {
		setlocale(LC_ALL, "C.UTF-8");
		init = 1;
	}
	if (size < 1)
		return 0;
	s = malloc(size);
	if (s == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 3) {
	case 0: fuzz_theme((const char *)data + 1, size - 1); break;
	case 1: fuzz_phone(s); break;
	default: fuzz_text(s); break;
	}
	free(s);
	return 0;
}

/* tui/kit/theme.c: the shipped theme files (all parse; dark and monochrome
 * equal the built-in copies), the parser (good and bad lines, errors as
 * FILE:LINE, the default kept), colours (names, numbers, #rrggbb), the
 * search path, listing and switching; table-driven. */
#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "kit/theme.h"
#include "kit/palette.h"

/* Returns 1 when two themes have the same styles in every slot. */
static int same_styles(const struct tk_theme *a, const struct tk_theme *b, int *slot)
{
	int i;

	for (i = 0; i < TK_SLOT_COUNT; i++) {
		const struct tk_style *x = &a->slot[i], *y = &b->slot[i];

		if (x->fg != y->fg || x->bg != y->bg || x->attrs != y->attrs ||
				strcmp(x->marker, y->marker) != 0) {
			*slot = i;
			return 0;
		}
	}
	return 1;
}

/* Every shipped theme parses; dark.theme and monochrome.theme are the
 * built-in copies; every theme marks over-quote, confirmed and failed, and
 * monochrome uses no colour at all. */
static void test_shipped_themes(void **state)
{
	static const char *const names[] = { "dark", "light", "high-contrast", "monochrome" };
	struct tk_theme t, builtin;
	char path[1024], err[512];
	size_t i;
	int slot = -1, j;

	(void)state;
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s.theme", TK_SRC_THEMES, names[i]);
		if (tk_theme_load_file(path, &t, err, sizeof err) != 0)
			fail_msg("%s: %s", names[i], err);
		assert_string_equal(t.name, names[i]);
		assert_string_equal(t.path, path);
		assert_true(strlen(t.title) > 0);
		assert_string_equal(t.slot[TK_SLOT_OVER_QUOTE].marker, "!");
		assert_string_equal(t.slot[TK_SLOT_CONFIRMED].marker, "\xe2\x9c\x93");
		assert_string_equal(t.slot[TK_SLOT_FAILED].marker, "\xe2\x9c\x97");
		/* urgency slots must differ from plain rows */
		assert_false(t.slot[TK_SLOT_OVER_QUOTE].fg == t.slot[TK_SLOT_WAITING].fg &&
				t.slot[TK_SLOT_OVER_QUOTE].attrs == t.slot[TK_SLOT_WAITING].attrs);
	}
	snprintf(path, sizeof path, "%s/dark.theme", TK_SRC_THEMES);
	assert_int_equal(tk_theme_load_file(path, &t, err, sizeof err), 0);
	tk_theme_default(&builtin);
	if (!same_styles(&t, &builtin, &slot))
		fail_msg("dark.theme differs from the built-in default in slot %s", tk_slot_name(slot));
	assert_string_equal(builtin.title, "Dark");
	snprintf(path, sizeof path, "%s/monochrome.theme", TK_SRC_THEMES);
	assert_int_equal(tk_theme_load_file(path, &t, err, sizeof err), 0);
	tk_theme_mono(&builtin);
	if (!same_styles(&t, &builtin, &slot))
		fail_msg("monochrome.theme differs from the built-in copy in slot %s", tk_slot_name(slot));
	for (j = 0; j < TK_SLOT_COUNT; j++) {
		assert_int_equal(t.slot[j].fg, TK_COLOUR_DEFAULT);
		assert_int_equal(t.slot[j].bg, TK_COLOUR_DEFAULT);
	}
	/* each urgency slot is told apart by its marker in monochrome */
	assert_string_not_equal(t.slot[TK_SLOT_NEAR_QUOTE].marker, t.slot[TK_SLOT_OVER_QUOTE].marker);
	assert_string_not_equal(t.slot[TK_SLOT_NOTIFIED].marker, "");
}

/* Every slot has a distinct name that maps back to it. */
static void test_slot_names(void **state)
{
	int i, j;

	(void)state;
	for (i = 0; i < TK_SLOT_COUNT; i++) {
		assert_non_null(tk_slot_name((enum tk_slot)i));
		assert_int_equal(tk_slot_from_name(tk_slot_name((enum tk_slot)i)), i);
		for (j = 0; j < i; j++)
			assert_string_not_equal(tk_slot_name((enum tk_slot)i), tk_slot_name((enum tk_slot)j));
	}
	assert_null(tk_slot_name(TK_SLOT_COUNT));
	assert_int_equal(tk_slot_from_name("Over-Quote"), TK_SLOT_OVER_QUOTE);
	assert_int_equal(tk_slot_from_name("overquote"), -1);
}

/* One colour case. */
struct colour_case {
	const char *word;  /* as written */
	int want;          /* 0-255, TK_COLOUR_DEFAULT, or -2 for an error */
};

static const struct colour_case colour_cases[] = {
	{ "default", TK_COLOUR_DEFAULT }, { "black", 0 }, { "RED", 1 }, { "white", 7 },
	{ "bright-red", 9 }, { "brightred", 9 }, { "bright-white", 15 }, { "grey", 8 }, { "gray", 8 },
	{ "0", 0 }, { "196", 196 }, { "255", 255 },
	{ "#ff0000", 196 }, { "#000000", 16 }, { "#FFFFFF", 231 }, { "#808080", 244 },
	{ "#5f87af", 67 }, { "#ff8700", 208 }, { "#121212", 233 }, { "#eeeeee", 255 },
	{ "256", -2 }, { "-1", -2 }, { "1e2", -2 }, { "#fff", -2 }, { "#gg0000", -2 },
	{ "#ff00001", -2 }, { "purple", -2 }, { "bright-grey", -2 }, { "", -2 }, { " red", -2 },
};

/* Colour words parse to the right palette index. */
static void test_colours(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof colour_cases / sizeof colour_cases[0]; i++) {
		int16_t c = 999;
		int r = tk_colour_parse(colour_cases[i].word, &c);

		if (colour_cases[i].want == -2) {
			if (r == 0)
				fail_msg("colour '%s' accepted as %d", colour_cases[i].word, c);
		} else if (r != 0 || c != colour_cases[i].want) {
			fail_msg("colour '%s': %d (rc %d), want %d", colour_cases[i].word, c, r,
					colour_cases[i].want);
		}
	}
}

/* One good line and the style it must give its slot. */
struct line_case {
	const char *line;   /* one theme line */
	enum tk_slot slot;  /* slot it sets */
	int fg, bg;         /* expected colours */
	unsigned attrs;     /* expected attributes */
	const char *marker; /* expected marker */
};

static const struct line_case good_lines[] = {
	{ "over-quote = red on default bold marker \"!\"", TK_SLOT_OVER_QUOTE, 1, -1, TK_A_BOLD, "!" },
	{ "selected=231 on #005f87", TK_SLOT_SELECTED, 231, 24, 0, "" },
	{ "  dim   =   default   dim  ", TK_SLOT_DIM, -1, -1, TK_A_DIM, "" },
	{ "failed = on red reverse underline marker \xe2\x9c\x97", TK_SLOT_FAILED, -1, 1,
		TK_A_REVERSE | TK_A_UNDERLINE, "\xe2\x9c\x97" },
	{ "header = bold normal italic", TK_SLOT_HEADER, -1, -1, TK_A_ITALIC, "" },
	{ "confirmed = green # the guest said yes", TK_SLOT_CONFIRMED, 2, -1, 0, "" },
	{ "search = #ffd700 on #000000 # gold", TK_SLOT_SEARCH, 220, 16, 0, "" },
	{ "notified = cyan marker \"#\"", TK_SLOT_NOTIFIED, 6, -1, 0, "#" },
	{ "pending = dim marker none", TK_SLOT_PENDING, -1, -1, TK_A_DIM, "" },
	{ "offline = black on bright-yellow blink standout marker \"\xe2\x9a\xa0\"", TK_SLOT_OFFLINE,
		0, 11, TK_A_BLINK | TK_A_STANDOUT, "\xe2\x9a\xa0" },
	{ "Key-Hint = BOLD", TK_SLOT_KEY_HINT, -1, -1, TK_A_BOLD, "" },
	{ "cancelled = 244 marker \"\xe5\xb1\xb1\"", TK_SLOT_CANCELLED, 244, -1, 0, "\xe5\xb1\xb1" },
};

/* Good lines set their slot, and only their slot. */
static void test_parse_good(void **state)
{
	struct tk_theme t, def;
	char text[256], err[256];
	size_t i;
	int j;

	(void)state;
	tk_theme_default(&def);
	for (i = 0; i < sizeof good_lines / sizeof good_lines[0]; i++) {
		const struct line_case *c = &good_lines[i];
		const struct tk_style *st;

		snprintf(text, sizeof text, "# a test theme\r\nname = Test %zu\r\n\n%s\n", i, c->line);
		err[0] = '\0';
		if (tk_theme_parse(text, strlen(text), "t.theme", "t", &t, err, sizeof err) != 0)
			fail_msg("line '%s' refused: %s", c->line, err);
		st = &t.slot[c->slot];
		if (st->fg != c->fg || st->bg != c->bg || st->attrs != c->attrs ||
				strcmp(st->marker, c->marker) != 0)
			fail_msg("line '%s': fg %d bg %d attrs %x marker '%s'", c->line, st->fg, st->bg,
					st->attrs, st->marker);
		for (j = 0; j < TK_SLOT_COUNT; j++) {
			if (j == (int)c->slot)
				continue;
			assert_memory_equal(&t.slot[j], &def.slot[j], sizeof t.slot[j]);
		}
		assert_string_equal(t.name, "t");
		assert_int_equal(strncmp(t.title, "Test ", 5), 0);
	}
	/* no "name =" line: the title is the file name; an empty text is the default */
	assert_int_equal(tk_theme_parse("", 0, "x.theme", "x", &t, err, sizeof err), 0);
	assert_string_equal(t.title, "x");
	assert_memory_equal(t.slot, def.slot, sizeof t.slot);
	/* a later line for the same slot wins */
	assert_int_equal(tk_theme_parse("dim = red\ndim = blue\n", 20, "x.theme", "x", &t, err,
			sizeof err), 0);
	assert_int_equal(t.slot[TK_SLOT_DIM].fg, 4);
}

/* One bad theme text and what its error must say. */
struct bad_case {
	const char *text;  /* the file */
	const char *want;  /* expected message, after "bad.theme:" */
};

static const struct bad_case bad_cases[] = {
	{ "normal = default\nover-quote red bold\n", "2: expected 'slot = style'" },
	{ "overquote = red\n", "1: unknown slot 'overquote' (did you mean 'over-quote'?)" },
	{ "selceted = red\n", "1: unknown slot 'selceted' (did you mean 'selected'?)" },
	{ "background = red\n", "1: unknown slot 'background' (see maitre(1), THEMES)" },
	{ "\n\n\nheader = purple\n", "4: unknown word 'purple'" },
	{ "header = 300\n", "1: colour '300' out of range" },
	{ "header = #12345\n", "1: bad colour '#12345'" },
	{ "header = red #comment\n", "1: bad colour '#comment'" },
	{ "header = #12345z\n", "1: bad colour '#12345z'" },
	{ "header = red blue\n", "1: two foreground colours" },
	{ "header = red on\n", "1: 'on' needs a background colour" },
	{ "header = on bold\n", "1: 'on' needs a background colour, not 'bold'" },
	{ "header = on red on blue\n", "1: two background colours" },
	{ "header =\n", "1: no style after '='" },
	{ "header = # nothing\n", "1: no style after '='" },
	{ "header = bold marker\n", "1: 'marker' needs a character" },
	{ "header = marker \"abc\"\n", "1: marker 'abc' is too long" },
	{ "header = marker \"!\n", "1: missing closing quote" },
	{ "header = marker \"!\"x\n", "1: text right after a closing quote" },
	{ "header = red\x01\n", "1: control character" },
	{ "dim = dim\nheader = red \xff\n", "2: not valid UTF-8" },
	{ "name =   \n", "1: empty name" },
	{ "header = a a a a a a a a a a a a a a a a a\n", "1: too many words" },
};

/* Bad files: -1, "FILE:LINE: reason", and the default theme in *out. */
static void test_parse_bad(void **state)
{
	struct tk_theme t, def;
	char err[256], want[128], big[700];
	size_t i;

	(void)state;
	tk_theme_default(&def);
	for (i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		const struct bad_case *c = &bad_cases[i];

		memset(&t, 0x5a, sizeof t);
		err[0] = '\0';
		if (tk_theme_parse(c->text, strlen(c->text), "bad.theme", "bad", &t, err, sizeof err) != -1)
			fail_msg("case %zu accepted", i);
		snprintf(want, sizeof want, "bad.theme:%s", c->want);
		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("case %zu: '%s', want '%s...'", i, err, want);
		assert_memory_equal(t.slot, def.slot, sizeof t.slot);
		assert_string_equal(t.name, "dark");
	}
	/* a NUL byte and an over-long line */
	assert_int_equal(tk_theme_parse("dim = dim\nhea\0der = red\n", 24, "bad.theme", "bad", &t, err,
			sizeof err), -1);
	assert_string_equal(err, "bad.theme:2: NUL byte in the line");
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(tk_theme_parse(big, strlen(big), "bad.theme", "bad", &t, err, sizeof err), -1);
	assert_string_equal(err, "bad.theme:1: line longer than 512 bytes");
}

/* A scratch directory tree for the search-path tests. */
struct tree {
	char root[256];   /* mkdtemp'd directory */
	char user[300];   /* root/user: like ~/.config/maitre/themes */
	char data[300];   /* root/data: like the installed datadir */
};

/* Writes text into dir/file. */
static void write_file(const char *dir, const char *file, const char *text)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, file);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* Makes the scratch tree: user has "light" (own copy) and "broken"; data
 * has light, dark, mint and a non-theme file. */
static int tree_setup(void **state)
{
	static struct tree t;

	snprintf(t.root, sizeof t.root, "/tmp/tk-theme-XXXXXX");
	if (mkdtemp(t.root) == NULL)
		return -1;
	snprintf(t.user, sizeof t.user, "%s/user", t.root);
	snprintf(t.data, sizeof t.data, "%s/data", t.root);
	if (mkdir(t.user, 0700) != 0 || mkdir(t.data, 0700) != 0)
		return -1;
	write_file(t.user, "light.theme", "name = My light\nnormal = black on white\n");
	write_file(t.user, "broken.theme", "normal = black\n\nheader = blu\n");
	write_file(t.data, "light.theme", "name = Light\n");
	write_file(t.data, "dark.theme", "name = Dark from data\n");
	write_file(t.data, "mint.theme", "name = Mint\nnormal = 121\n");
	write_file(t.data, "README", "not a theme\n");
	write_file(t.data, ".hidden.theme", "name = Hidden\n");
	*state = &t;
	return 0;
}

/* Removes the scratch tree. */
static int tree_teardown(void **state)
{
	struct tree *t = *state;
	char cmd[400];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->root);
	return system(cmd) == 0 ? 0 : -1;
}

/* Names are found first in the user's directory, then the data dir; a path
 * is loaded as given; a missing theme names the directories; a broken one
 * names file and line; the default is used on every error. */
static void test_select(void **state)
{
	struct tree *tr = *state;
	struct tk_theme_dirs d;
	struct tk_theme t;
	char err[600], path[600];

	memset(&d, 0, sizeof d);
	assert_int_equal(tk_theme_dirs_add(&d, tr->user), 0);
	assert_int_equal(tk_theme_dirs_add(&d, tr->data), 0);
	assert_int_equal(tk_theme_dirs_add(&d, tr->user), 0); /* no duplicates */
	assert_int_equal(d.n, 2);

	assert_int_equal(tk_theme_select(&d, "light", &t, err, sizeof err), 0);
	assert_string_equal(t.title, "My light");
	assert_int_equal(t.slot[TK_SLOT_NORMAL].bg, 7);
	assert_int_equal(tk_theme_select(&d, "mint", &t, err, sizeof err), 0);
	assert_string_equal(t.name, "mint");
	assert_int_equal(t.slot[TK_SLOT_NORMAL].fg, 121);
	assert_int_equal(tk_theme_select(&d, NULL, &t, err, sizeof err), 0);
	assert_string_equal(t.title, "Dark from data");

	snprintf(path, sizeof path, "%s/mint.theme", tr->data);
	assert_int_equal(tk_theme_select(&d, path, &t, err, sizeof err), 0);
	assert_string_equal(t.path, path);

	assert_int_equal(tk_theme_select(&d, "broken", &t, err, sizeof err), -1);
	snprintf(path, sizeof path, "%s/broken.theme:3: unknown word 'blu'", tr->user);
	assert_int_equal(strncmp(err, path, strlen(path)), 0);
	assert_string_equal(t.name, "dark");
	assert_string_equal(t.path, "");

	assert_int_equal(tk_theme_select(&d, "nope", &t, err, sizeof err), -1);
	assert_non_null(strstr(err, "theme 'nope' not found"));
	assert_non_null(strstr(err, tr->data));
	assert_string_equal(t.name, "dark");
	assert_int_equal(tk_theme_select(&d, "../etc/passwd", &t, err, sizeof err), -1);
	assert_int_equal(tk_theme_select(&d, "/nonexistent/x.theme", &t, err, sizeof err), -1);
	assert_non_null(strstr(err, "/nonexistent/x.theme: cannot read"));

	/* a search path holds TK_THEME_DIRS_MAX directories of bounded length */
	{
		char longdir[TK_THEME_PATH_MAX];
		int k;

		memset(&d, 0, sizeof d);
		for (k = 0; k < TK_THEME_DIRS_MAX; k++) {
			snprintf(path, sizeof path, "/tmp/d%d", k);
			assert_int_equal(tk_theme_dirs_add(&d, path), 0);
		}
		assert_int_equal(tk_theme_dirs_add(&d, "/tmp/one-too-many"), -1);
		assert_int_equal(d.n, TK_THEME_DIRS_MAX);
		memset(&d, 0, sizeof d);
		memset(longdir, 'a', sizeof longdir - 1);
		longdir[0] = '/';
		longdir[sizeof longdir - 1] = '\0';
		assert_int_equal(tk_theme_dirs_add(&d, longdir), -1);
		assert_int_equal(tk_theme_dirs_add(&d, ""), 0);
		assert_int_equal(d.n, 0);
	}

	/* no directories at all: "dark" is the built-in copy */
	memset(&d, 0, sizeof d);
	assert_int_equal(tk_theme_select(&d, "dark", &t, err, sizeof err), 0);
	assert_string_equal(t.title, "Dark");
	assert_int_equal(tk_theme_select(&d, "light", &t, err, sizeof err), -1);
}

/* Listing merges the directories, sorted, without duplicates or hidden
 * files; `t` cycles through them, skipping the broken one, and wraps. */
static void test_list_and_next(void **state)
{
	struct tree *tr = *state;
	struct tk_theme_dirs d;
	struct tk_theme t;
	char names[8][TK_THEME_NAME_MAX], err[256];
	static const char *const want[] = { "broken", "dark", "light", "mint" };
	static const char *const cycle[] = { "light", "mint", "dark", "light" };
	size_t n, i;

	memset(&d, 0, sizeof d);
	tk_theme_dirs_add(&d, tr->user);
	tk_theme_dirs_add(&d, tr->data);
	n = tk_theme_list(&d, names, 8);
	assert_int_equal(n, 4);
	for (i = 0; i < n; i++)
		assert_string_equal(names[i], want[i]);
	assert_int_equal(tk_theme_list(&d, names, 2), 4); /* counts beyond max */

	tk_theme_default(&t);
	for (i = 0; i < sizeof cycle / sizeof cycle[0]; i++) {
		char current[TK_THEME_NAME_MAX];

		memcpy(current, t.name, sizeof current);
		assert_int_equal(tk_theme_next(&d, current, &t, err, sizeof err), 0);
		assert_string_equal(t.name, cycle[i]);
	}
	/* the source tree's four themes are listed; with no themes at all
	 * there is nothing to switch to and *out is unchanged */
	memset(&d, 0, sizeof d);
	tk_theme_dirs_add(&d, TK_SRC_THEMES);
	tk_theme_dirs_add(&d, "/nonexistent");
	assert_int_equal(tk_theme_list(&d, names, 8), 4);
	memset(&d, 0, sizeof d);
	assert_int_equal(tk_theme_next(&d, "dark", &t, err, sizeof err), -1);
	assert_string_equal(t.name, "light");
	assert_string_equal(err, "no other theme to switch to");
}

/* The default search path: MAITRE_THEME_DIR, then $XDG_CONFIG_HOME (or
 * ~/.config), then the datadir, then the source tree. */
static void test_default_dirs(void **state)
{
	struct tk_theme_dirs d;

	(void)state;
	setenv("MAITRE_THEME_DIR", "/tmp/tk-a", 1);
	setenv("XDG_CONFIG_HOME", "/tmp/tk-cfg", 1);
	tk_theme_dirs_default(&d);
	assert_true(d.n >= 3);
	assert_string_equal(d.dir[0], "/tmp/tk-a");
	assert_string_equal(d.dir[1], "/tmp/tk-cfg/maitre/themes");
	assert_non_null(strstr(d.dir[2], "share/maitre/themes"));
	assert_string_equal(d.dir[d.n - 1], TK_SRC_THEMES);
	unsetenv("MAITRE_THEME_DIR");
	unsetenv("XDG_CONFIG_HOME");
	setenv("HOME", "/tmp/tk-home", 1);
	tk_theme_dirs_default(&d);
	assert_string_equal(d.dir[0], "/tmp/tk-home/.config/maitre/themes");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_themes),
		cmocka_unit_test(test_slot_names),
		cmocka_unit_test(test_colours),
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test_setup_teardown(test_select, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_list_and_next, tree_setup, tree_teardown),
		cmocka_unit_test(test_default_dirs),
	};

	if (setlocale(LC_ALL, "C.UTF-8") == NULL) {
		fprintf(stderr, "no C.UTF-8 locale\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The look: loading a theme (config, --theme, `t`) and resolving it for
 * the terminal (256, 8 or no colours; NO_COLOR) through the kit. */
#include <stdlib.h>

#include "app.h"
#include "kit/palette.h"
#include "kit/theme.h"
#include "state.h"
#include "util.h"

/* Resolves a->theme for this terminal and installs its pairs. */
static void theme_install(struct app *a)
{
	enum tk_colour_mode mode = tk_colour_mode_pick(has_colors(), COLORS, getenv("NO_COLOR"));
	if (tk_palette_resolve(a->theme, mode, COLOR_PAIRS, a->palette) != 0)
		app_activity(a, TK_SLOT_ERROR, "theme %s: not enough colour pairs", a->theme->name);
	tk_palette_install(a->palette);
	a->dirty = DIRTY_ALL;
}

/* Loads a theme by name or path; errors go to the strip and the default is used. */
void app_theme_load(struct app *a, const char *spec)
{
	struct tk_theme_dirs dirs;
	tk_theme_dirs_default(&dirs);
	char err[300];
	if (tk_theme_select(&dirs, spec, a->theme, err, sizeof err) != 0) {
		str_copy(a->theme_error, sizeof a->theme_error, err);
		app_activity(a, TK_SLOT_ERROR, "theme: %s (using the default)", err);
	}
	theme_install(a);
}

/* Switches to the next theme. */
void app_theme_next(struct app *a)
{
	struct tk_theme_dirs dirs;
	tk_theme_dirs_default(&dirs);
	char err[300];
	if (tk_theme_next(&dirs, a->theme->name, a->theme, err, sizeof err) != 0) {
		app_activity(a, TK_SLOT_ERROR, "theme: %s", err);
		return;
	}
	theme_install(a);
	str_copy(a->theme_chosen, sizeof a->theme_chosen, a->theme->name);
	state_save_last(a);
	app_activity(a, TK_SLOT_SUCCESS, "theme %s", a->theme->title[0] ? a->theme->title : a->theme->name);
}

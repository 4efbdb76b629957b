/* Drawing helpers shared by the screens (called only from app_draw and the
 * screens' *_draw functions, never from input handlers). Text is UTF-8,
 * fitted to display cells with the kit's width-aware functions. */
#ifndef MAITRE_TUI_DRAW_H
#define MAITRE_TUI_DRAW_H

#include <curses.h>

#include "app.h"
#include "kit/text.h"
#include "kit/theme.h"

/* Curses attributes of a theme slot. */
attr_t draw_attr(const struct app *a, enum tk_slot slot);
/* The slot's marker ("" when none). */
const char *draw_marker(const struct app *a, enum tk_slot slot);
/* Draws text at (y, x) fitted and padded to width cells in a slot's style. */
void draw_text(const struct app *a, int y, int x, int width, const char *text, enum tk_slot slot,
	       enum tk_align align);
/* As draw_text with explicit curses attributes (a selected row over its urgency colour). */
void draw_text_attr(int y, int x, int width, const char *text, attr_t attr, enum tk_align align);
/* Fills a whole screen line with spaces with explicit attributes. */
void draw_clear_line_attr(int y, attr_t attr);
/* Fills a whole screen line with spaces in a slot's style. */
void draw_clear_line(const struct app *a, int y, enum tk_slot slot);
/* Draws a horizontal rule across the screen at y. */
void draw_rule(const struct app *a, int y);
/* Draws a box with a title (dialog style) and clears its inside. */
void draw_box(const struct app *a, int y, int x, int h, int w, const char *title);
/* Formats a wall-clock time as "20:14" (local time). */
void draw_clock(int64_t ms, char *out, size_t n);
/* Draws a form field: label, [value] (bullets when secret), and returns the
 * cursor column when focused (-1 otherwise). */
int draw_field(const struct app *a, int y, int x, const char *label, int label_w,
	       const struct field *f, int width, int focused);

/* Asks for the text cursor at (y, x) in this frame (hidden when no screen asks). */
void draw_cursor(int y, int x);
/* Draws UTF-8 text with its newlines, wrapped at spaces to width cells, from
 * line y, skipping the first `skip` wrapped lines and drawing at most
 * max_lines (max_lines 0 = only count). Returns the number of wrapped lines
 * in all; end_y and end_x (may be NULL) get where the text ends on screen
 * (for a cursor), -1 when that is not shown. */
int draw_wrapped(const struct app *a, int y, int x, int width, int skip, int max_lines, const char *text,
		 enum tk_slot slot, int *end_y, int *end_x);
/* Draws the activity strip (newest first, one line) at line y. */
void draw_activity(struct app *a, int y);

/* The screens' drawing functions (draw everything of the screen). */
void login_draw(struct app *a);
void picker_draw(struct app *a);
void board_draw(struct app *a);
void form_draw(struct app *a);
void help_draw(struct app *a);
void confirm_draw(struct app *a);
void stats_draw(struct app *a);
void password_draw(struct app *a);
void team_draw(struct app *a);
void handover_draw(struct app *a);
void note_draw(struct app *a);
void activity_draw(struct app *a);

#endif

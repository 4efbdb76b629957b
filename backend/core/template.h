/* Message templates: the texts guests get for each kind of notification.
 *
 * Kinds: "joined" (on the list: position and estimate), "ready" (table
 * ready, come now), "reminder" (ahead of the quote). A waitlist may carry
 * its own template per kind (mt_waitlist.tpl_*, "" = the default).
 *
 * Placeholders: {name} (guest), {restaurant} (the restaurant's name; the
 * waitlist's when the restaurant has none: the consumer passes it in),
 * {position} (1-based place among active parties), {minutes} (minutes
 * left of the quote, never negative), {link} (the guest's status page,
 * core/guestlink.h; "" when no public URL is configured; the defaults add it
 * on a line of their own when there is one). "{{" and "}}" give literal braces.
 * Anything else in braces is an error when a template is validated, and a
 * stored template that does not validate is never rendered: the default is
 * used instead, so a guest never sees "{tabel}".
 *
 * Default texts fit one SMS of 160 GSM-7 characters whatever the lengths of
 * the guest's and the restaurant's names (names are cut to fit). Names with
 * characters outside GSM-7 make the SMS UCS-2 (70 per segment): such a
 * default may take 2-3 segments, still at most 160 characters. */
#ifndef MT_TEMPLATE_H
#define MT_TEMPLATE_H

#include <stddef.h>
#include <stdint.h>
#include "core/model.h"

#define MT_SMS_CHARS 160        /* one GSM-7 SMS segment */
#define MT_TEXT_MAX 1600        /* longest text we send (10 concatenated segments) */

/* Values for the placeholders. */
struct mt_template_vars {
	const char *name;        /* {name}: the guest's name */
	const char *restaurant;  /* {restaurant}: the restaurant's name (else the list's) */
	int position;            /* {position}: 1-based; 0 renders as "?" */
	int minutes;             /* {minutes}: minutes left, >= 0 */
	const char *link;        /* {link}: the guest's status page URL, NULL or "" = none */
};

/* Returns 1 for a known kind ("joined", "ready", "reminder"), else 0. */
int mt_template_kind_valid(const char *kind);

/* Checks a template: valid UTF-8, no control characters except newline,
 * at most MT_TEMPLATE_MAX bytes, only known placeholders, braces balanced.
 * "" is valid (means "use the default"). Returns 0 or MT_EINVAL with *why
 * a static English reason. For the waitlists handler (CRUD). */
int mt_template_validate(const char *tpl, const char **why);

/* Renders tpl with v into *out (malloc'd, caller frees). Returns 0,
 * MT_EINVAL (template does not validate; nothing rendered), MT_ENOMEM,
 * MT_ETOOBIG (result over MT_TEXT_MAX bytes). */
int mt_template_render(const char *tpl, const struct mt_template_vars *v, char **out);

/* Renders the default SMS text of a kind, cutting names so the result is
 * at most MT_SMS_CHARS characters (for_email=1: the e-mail variant, which
 * has no "Reply 1/9" line and is not cut). Returns 0, MT_EINVAL (unknown
 * kind), MT_ENOMEM. */
int mt_template_render_default(const char *kind, const struct mt_template_vars *v,
			       int for_email, char **out);

/* Renders the e-mail subject of a kind (e.g. "Your table at X is ready"). */
int mt_template_subject(const char *kind, const struct mt_template_vars *v, char **out);

/* The waitlist's own template for a kind ("" when it uses the default). */
const char *mt_template_of(const struct mt_waitlist *wl, const char *kind);

/* Length of a UTF-8 text in SMS characters: GSM-7 septets (extension
 * characters count 2) when the text is GSM-7, else UTF-16 code units.
 * *gsm (may be NULL) is set to 1 for GSM-7, 0 for UCS-2. */
size_t mt_sms_length(const char *text, int *gsm);
/* Number of SMS segments the text takes (1 for "", 153/67 per part when split). */
int mt_sms_segments(const char *text);

#endif

/* Message templates: validation, rendering, defaults that fit one SMS. */
#include <stdlib.h>
#include <string.h>
#include "core/buf.h"
#include "core/error.h"
#include "core/validate.h"
#include "core/template.h"

/* Placeholder ids. */
enum tpl_var {
	TPL_NAME,
	TPL_RESTAURANT,
	TPL_POSITION,
	TPL_MINUTES,
	TPL_LINK,
	TPL_VAR_COUNT
};

/* Placeholder names, indexed by enum tpl_var. */
static const char *const tpl_var_names[TPL_VAR_COUNT] = {
	"name", "restaurant", "position", "minutes", "link",
};

/* Default texts of one kind. */
struct tpl_defaults {
	const char *kind;         /* notification kind */
	const char *sms;          /* SMS text */
	const char *sms_noquote;  /* SMS text when {minutes} is 0 */
	const char *email;        /* e-mail body */
	const char *email_noquote;/* e-mail body when {minutes} is 0 */
	const char *subject;      /* e-mail subject */
};

/* The defaults. The fixed parts are GSM-7 only and leave room for names. */
static const struct tpl_defaults tpl_defaults[] = {
	{ "joined",
	  "{name}, you're #{position} on the list at {restaurant}, about {minutes} min. "
	  "We'll text you when it's ready. Reply 1 to confirm, 9 to cancel.",
	  "{name}, you're #{position} on the list at {restaurant}. "
	  "We'll text you when it's ready. Reply 1 to confirm, 9 to cancel.",
	  "Hello {name},\n\nyou are #{position} on the waitlist at {restaurant}. "
	  "The wait is about {minutes} minutes. We will write again when your table is ready.\n",
	  "Hello {name},\n\nyou are #{position} on the waitlist at {restaurant}. "
	  "We will write again when your table is ready.\n",
	  "You're on the waitlist at {restaurant}" },
	{ "ready",
	  "{name}, your table at {restaurant} is ready! Please come to the host stand now. "
	  "Reply 1 to confirm, 9 to cancel.",
	  NULL,
	  "Hello {name},\n\nyour table at {restaurant} is ready. Please come to the host stand now.\n",
	  NULL,
	  "Your table at {restaurant} is ready" },
	{ "reminder",
	  "{name}, your table at {restaurant} should be ready in about {minutes} min. "
	  "Please head back. Reply 1 to confirm, 9 to cancel.",
	  "{name}, your table at {restaurant} will be ready soon. "
	  "Please head back. Reply 1 to confirm, 9 to cancel.",
	  "Hello {name},\n\nyour table at {restaurant} should be ready in about {minutes} minutes. "
	  "Please start heading back.\n",
	  "Hello {name},\n\nyour table at {restaurant} will be ready soon. Please start heading back.\n",
	  "Your table at {restaurant} is almost ready" },
};

#define TPL_NDEFAULTS (sizeof(tpl_defaults) / sizeof(tpl_defaults[0]))

/* Finds the defaults of a kind; NULL when unknown. */
static const struct tpl_defaults *tpl_defaults_find(const char *kind)
{
	size_t i;

	if (kind == NULL)
		return NULL;
	for (i = 0; i < TPL_NDEFAULTS; i++)
		if (strcmp(tpl_defaults[i].kind, kind) == 0)
			return &tpl_defaults[i];
	return NULL;
}

/* Returns 1 for a known kind. */
int mt_template_kind_valid(const char *kind)
{
	return tpl_defaults_find(kind) != NULL;
}

/* Matches a placeholder name of n bytes; -1 when unknown. */
static int tpl_var_find(const char *s, size_t n)
{
	int i;

	for (i = 0; i < TPL_VAR_COUNT; i++)
		if (strlen(tpl_var_names[i]) == n && memcmp(tpl_var_names[i], s, n) == 0)
			return i;
	return -1;
}

/* Appends the value of placeholder v. */
static int tpl_put_var(struct mt_buf *b, int v, const struct mt_template_vars *vars)
{
	switch (v) {
	case TPL_NAME:
		return mt_buf_adds(b, vars->name ? vars->name : "");
	case TPL_RESTAURANT:
		return mt_buf_adds(b, vars->restaurant ? vars->restaurant : "");
	case TPL_POSITION:
		if (vars->position <= 0)
			return mt_buf_adds(b, "?");
		return mt_buf_printf(b, "%d", vars->position);
	case TPL_MINUTES:
		return mt_buf_printf(b, "%d", vars->minutes > 0 ? vars->minutes : 0);
	case TPL_LINK:
		return mt_buf_adds(b, vars->link ? vars->link : "");
	default:
		return MT_EINVAL;
	}
}

/* Walks a template; with b != NULL writes the rendered text. Returns 0 or
 * MT_EINVAL with *why, or a buffer error. */
static int tpl_walk(const char *tpl, const struct mt_template_vars *vars, struct mt_buf *b,
		    const char **why)
{
	const char *p = tpl, *run = tpl;
	int r;

	while (*p) {
		if (*p != '{' && *p != '}') {
			p++;
			continue;
		}
		if (b && p > run && (r = mt_buf_add(b, run, (size_t)(p - run))) < 0)
			return r;
		if (p[0] == p[1]) { /* "{{" or "}}" */
			if (b && (r = mt_buf_add(b, p, 1)) < 0)
				return r;
			p += 2;
		} else if (*p == '}') {
			if (why) *why = "has a '}' without '{' (write '}}' for a literal brace)";
			return MT_EINVAL;
		} else {
			const char *end = strchr(p + 1, '}');
			int v;

			if (end == NULL) {
				if (why) *why = "has a '{' without '}' (write '{{' for a literal brace)";
				return MT_EINVAL;
			}
			v = tpl_var_find(p + 1, (size_t)(end - p - 1));
			if (v < 0) {
				if (why) *why = "has an unknown placeholder (use {name}, {restaurant}, {position}, {minutes}, {link})";
				return MT_EINVAL;
			}
			if (b && (r = tpl_put_var(b, v, vars)) < 0)
				return r;
			p = end + 1;
		}
		run = p;
	}
	if (b && p > run && (r = mt_buf_add(b, run, (size_t)(p - run))) < 0)
		return r;
	return 0;
}

/* Checks a template. */
int mt_template_validate(const char *tpl, const char **why)
{
	int r;

	if (tpl == NULL) {
		if (why) *why = "is required";
		return MT_EINVAL;
	}
	if (tpl[0] == '\0')
		return 0;
	r = mt_valid_text(tpl, 0, MT_TEMPLATE_MAX, 1, why);
	if (r < 0)
		return r;
	return tpl_walk(tpl, NULL, NULL, why);
}

/* Renders tpl with vars into *out. */
int mt_template_render(const char *tpl, const struct mt_template_vars *v, char **out)
{
	struct mt_buf b;
	int r;

	*out = NULL;
	if (mt_template_validate(tpl, NULL) < 0)
		return MT_EINVAL;
	mt_buf_init(&b, MT_TEXT_MAX);
	r = tpl_walk(tpl, v, &b, NULL);
	if (r < 0) {
		mt_buf_free(&b);
		return r;
	}
	*out = mt_buf_take(&b);
	return *out ? 0 : MT_ENOMEM;
}

/* Decodes one UTF-8 code point at s (valid UTF-8 assumed; bad bytes count
 * as one); returns its byte length and sets *cp. */
static size_t tpl_utf8_next(const unsigned char *s, unsigned *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0 && (s[1] & 0xC0) == 0x80) {
		*cp = (unsigned)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
		return 2;
	}
	if ((s[0] & 0xF0) == 0xE0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
		*cp = (unsigned)(s[0] & 0x0F) << 12 | (unsigned)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
		return 3;
	}
	if ((s[0] & 0xF8) == 0xF0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80 &&
	    (s[3] & 0xC0) == 0x80) {
		*cp = (unsigned)(s[0] & 0x07) << 18 | (unsigned)(s[1] & 0x3F) << 12 |
		      (unsigned)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
		return 4;
	}
	*cp = 0xFFFD;
	return 1;
}

/* GSM 03.38 basic character set, non-ASCII members. */
static const unsigned tpl_gsm_basic_extra[] = {
	0xA3, 0xA5, 0xE8, 0xE9, 0xF9, 0xEC, 0xF2, 0xC7, 0xD8, 0xF8, 0xC5, 0xE5,
	0x394, 0x3A6, 0x393, 0x39B, 0x3A9, 0x3A0, 0x3A8, 0x3A3, 0x398, 0x39E,
	0xC6, 0xE6, 0xDF, 0xC9, 0xA4, 0xA1, 0xC4, 0xD6, 0xD1, 0xDC, 0xA7, 0xBF,
	0xE4, 0xF6, 0xF1, 0xFC, 0xE0,
};

/* Septets a code point takes in GSM-7: 1 basic, 2 extension, 0 not GSM-7. */
static int tpl_gsm_septets(unsigned cp)
{
	size_t i;

	if (cp == '\n' || cp == '\r')
		return 1;
	if (cp >= 0x20 && cp < 0x7F) {
		if (cp == '`')
			return 0;
		if (strchr("^{}\\[~]|", (int)cp) != NULL)
			return 2;
		return 1;
	}
	if (cp == 0x20AC || cp == 0x0C) /* euro sign, form feed */
		return 2;
	for (i = 0; i < sizeof(tpl_gsm_basic_extra) / sizeof(tpl_gsm_basic_extra[0]); i++)
		if (tpl_gsm_basic_extra[i] == cp)
			return 1;
	return 0;
}

/* Length of a text in SMS characters (septets or UTF-16 units). */
size_t mt_sms_length(const char *text, int *gsm)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t septets = 0, units = 0;
	int is_gsm = 1;

	while (*s) {
		unsigned cp;
		int n;

		s += tpl_utf8_next(s, &cp);
		n = tpl_gsm_septets(cp);
		if (n == 0)
			is_gsm = 0;
		septets += (size_t)n;
		units += cp >= 0x10000 ? 2 : 1;
	}
	if (gsm)
		*gsm = is_gsm;
	return is_gsm ? septets : units;
}

/* Number of SMS segments the text takes. */
int mt_sms_segments(const char *text)
{
	int gsm;
	size_t n = mt_sms_length(text, &gsm);
	size_t one = gsm ? 160 : 70, part = gsm ? 153 : 67;

	if (n <= one)
		return 1;
	return (int)((n + part - 1) / part);
}

/* Number of code points in s. */
static size_t tpl_cps(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* Cuts s (in place) to at most max code points, dropping trailing spaces. */
static void tpl_cut(char *s, size_t max)
{
	size_t n = 0, i;

	for (i = 0; s[i]; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80) {
			if (n == max)
				break;
			n++;
		}
	}
	s[i] = '\0';
	while (i > 1 && s[i - 1] == ' ')
		s[--i] = '\0';
}

/* Renders the default SMS text of a kind, cutting names to fit. */
static int tpl_render_default_body(const char *kind, const struct mt_template_vars *v,
				   int for_email, char **out)
{
	const struct tpl_defaults *d = tpl_defaults_find(kind);
	struct mt_template_vars cut = *v;
	char *name = NULL, *rest = NULL;
	const char *tpl;
	int r;

	*out = NULL;
	if (d == NULL)
		return MT_EINVAL;
	if (for_email)
		tpl = v->minutes <= 0 && d->email_noquote ? d->email_noquote : d->email;
	else
		tpl = v->minutes <= 0 && d->sms_noquote ? d->sms_noquote : d->sms;
	r = mt_template_render(tpl, v, out);
	if (r < 0 || for_email || mt_sms_length(*out, NULL) <= MT_SMS_CHARS)
		return r;

	name = strdup(v->name ? v->name : "");
	rest = strdup(v->restaurant ? v->restaurant : "");
	if (name == NULL || rest == NULL) {
		r = MT_ENOMEM;
		goto done;
	}
	cut.name = name;
	cut.restaurant = rest;
	for (;;) {
		size_t len = mt_sms_length(*out, NULL), excess, nn, nr;

		if (len <= MT_SMS_CHARS)
			break;
		excess = len - MT_SMS_CHARS;
		nn = tpl_cps(name);
		nr = tpl_cps(rest);
		if (nn <= 1 && nr <= 1)
			break; /* cannot happen with the fixed texts above */
		/* Cut the longer name down towards the shorter one (so both keep a
		 * fair share), never below one character. */
		if (nn >= nr) {
			size_t by = nn - nr > excess ? excess : (nn - nr > 0 ? nn - nr : 1);
			tpl_cut(name, nn > by + 1 ? nn - by : 1);
		} else {
			size_t by = nr - nn > excess ? excess : nr - nn;
			tpl_cut(rest, nr > by + 1 ? nr - by : 1);
		}
		free(*out);
		r = mt_template_render(tpl, &cut, out);
		if (r < 0)
			goto done;
	}
done:
	free(name);
	free(rest);
	if (r < 0) {
		free(*out);
		*out = NULL;
	}
	return r;
}

/* Renders the e-mail subject of a kind. */
int mt_template_subject(const char *kind, const struct mt_template_vars *v, char **out)
{
	const struct tpl_defaults *d = tpl_defaults_find(kind);

	*out = NULL;
	if (d == NULL)
		return MT_EINVAL;
	return mt_template_render(d->subject, v, out);
}

/* The waitlist's own template for a kind. */
const char *mt_template_of(const struct mt_waitlist *wl, const char *kind)
{
	if (wl == NULL || kind == NULL)
		return "";
	if (strcmp(kind, "joined") == 0)
		return wl->tpl_joined;
	if (strcmp(kind, "ready") == 0)
		return wl->tpl_ready;
	if (strcmp(kind, "reminder") == 0)
		return wl->tpl_reminder;
	return "";
}

/* Renders the default text, then the guest's link on a line of its own
 * (the text before it still fits one SMS; with the link it takes two). */
int mt_template_render_default(const char *kind, const struct mt_template_vars *v,
			       int for_email, char **out)
{
	struct mt_buf b;
	char *body = NULL;
	int r = tpl_render_default_body(kind, v, for_email, &body);

	*out = body;
	if (r < 0 || v->link == NULL || v->link[0] == '\0')
		return r;
	mt_buf_init(&b, MT_TEXT_MAX);
	r = mt_buf_adds(&b, body);
	if (r == 0)
		r = mt_buf_adds(&b, for_email ? "\nYour place in line: " : "\n");
	if (r == 0)
		r = mt_buf_adds(&b, v->link);
	if (r == 0 && for_email)
		r = mt_buf_adds(&b, "\n");
	free(body);
	*out = NULL;
	if (r < 0) {
		mt_buf_free(&b);
		return r;
	}
	*out = mt_buf_take(&b);
	return *out ? 0 : MT_ENOMEM;
}

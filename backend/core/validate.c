#include <ctype.h>
#include <string.h>
#include "core/error.h"
#include "core/validate.h"

/* Checks UTF-8 well-formedness (no overlongs, no surrogates). */
int mt_valid_utf8(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		size_t n, k;
		unsigned cp;

		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xC2 && c <= 0xDF) {
			n = 1; cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2; cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3; cp = c & 0x07;
		} else {
			return 0;
		}
		for (k = 1; k <= n; k++) {
			if (i + k >= len || (s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* Checks text: valid UTF-8, no control characters, length in [min, max]. */
int mt_valid_text(const char *in, size_t min, size_t max, int allow_newlines, const char **why)
{
	size_t len, i;

	if (in == NULL) {
		if (why) *why = "is required";
		return MT_EINVAL;
	}
	len = strlen(in);
	if (len < min) {
		if (why) *why = min == 1 ? "must not be empty" : "is too short";
		return MT_EINVAL;
	}
	if (len > max) {
		if (why) *why = "is too long";
		return MT_EINVAL;
	}
	if (!mt_valid_utf8(in, len)) {
		if (why) *why = "is not valid UTF-8";
		return MT_EINVAL;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if ((c < 0x20 && !(allow_newlines && (c == '\n' || c == '\t'))) || c == 0x7F) {
			if (why) *why = "contains control characters";
			return MT_EINVAL;
		}
	}
	return 0;
}

/* Checks and lower-cases an e-mail address into out. */
int mt_valid_email(const char *in, char *out, size_t outsz, const char **why)
{
	const char *at, *dot;
	size_t len, i;

	if (why) *why = "is not a valid e-mail address";
	if (in == NULL)
		return MT_EINVAL;
	len = strlen(in);
	if (len < 3 || len > 254 || len + 1 > outsz)
		return MT_EINVAL;
	at = strchr(in, '@');
	if (at == NULL || at == in || strchr(at + 1, '@') != NULL || at - in > 64)
		return MT_EINVAL;
	dot = strrchr(at + 1, '.');
	if (dot == NULL || dot == at + 1 || dot[1] == '\0' || in[len - 1] == '.' || strstr(in, "..") != NULL)
		return MT_EINVAL;
	/* No dot at either end of the local part; no hyphen at either end of a domain label. */
	if (in[0] == '.' || at[-1] == '.' || at[1] == '.' || at[1] == '-' || in[len - 1] == '-' || strstr(at, ".-") != NULL ||
	    strstr(at, "-.") != NULL)
		return MT_EINVAL;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c <= 0x20 || c >= 0x7F || strchr("()<>[]\\,;:\"", c) != NULL)
			return MT_EINVAL;
		if (&in[i] > at && !(isalnum(c) || c == '-' || c == '.'))
			return MT_EINVAL;
		out[i] = (char)tolower(c);
	}
	out[len] = '\0';
	if (why) *why = NULL;
	return 0;
}

/* Normalises a phone number to E.164 into out. */
int mt_valid_phone(const char *in, char *out, size_t outsz, const char **why)
{
	size_t n = 0;
	const char *p = in;

	if (why) *why = "must be an international number like +15551234567";
	if (in == NULL || outsz < 17)
		return MT_EINVAL;
	while (*p == ' ')
		p++;
	if (*p == '+')
		p++;
	else if (p[0] == '0' && p[1] == '0')
		p += 2;
	else
		return MT_EINVAL;
	out[n++] = '+';
	for (; *p; p++) {
		if (isdigit((unsigned char)*p)) {
			if (n == 1 && *p == '0')
				return MT_EINVAL;
			if (n >= 16)
				return MT_EINVAL;
			out[n++] = *p;
		} else if (!strchr(" -.()", *p)) {
			return MT_EINVAL;
		}
	}
	if (n < 8) /* country code + at least 6 digits */
		return MT_EINVAL;
	out[n] = '\0';
	if (why) *why = NULL;
	return 0;
}

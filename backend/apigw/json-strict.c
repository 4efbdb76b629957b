/* Strict reading of JSON request bodies (see json-strict.h). */
#include <string.h>
#include <strings.h>
#include "apigw/json-strict.h"

int mt_json_forbidden_cp(unsigned long cp)
{
	if (cp < 0x20)
		return cp != '\t' && cp != '\n' && cp != '\r';
	return cp >= 0x7f && cp <= 0x9f;
}

/* Value of one hex digit, or -1. */
static int strict_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Code point of the 4 hex digits at s (len checked by the caller), or -1. */
static long strict_hex4(const char *s)
{
	long v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		int h = strict_hex(s[i]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* Copies the key text[a..b) into field (cut), as the current member name. */
static void strict_set_field(const char *text, size_t a, size_t b, char *field, size_t fieldsz)
{
	size_t n = b - a;

	if (fieldsz == 0)
		return;
	if (n >= fieldsz)
		n = fieldsz - 1;
	memcpy(field, text + a, n);
	field[n] = '\0';
}

/* 1 when the string ending at text[end] (its closing quote) is followed by ':' (a key). */
static int strict_is_key(const char *text, size_t len, size_t end)
{
	size_t i;

	for (i = end + 1; i < len; i++) {
		if (text[i] == ':')
			return 1;
		if (text[i] != ' ' && text[i] != '\t' && text[i] != '\n' && text[i] != '\r')
			return 0;
	}
	return 0;
}

int mt_json_find_control(const char *text, size_t len, char *field, size_t fieldsz)
{
	size_t i = 0, start = 0;
	int in_str = 0, bad = 0;

	if (fieldsz > 0)
		field[0] = '\0';
	while (i < len) {
		unsigned char c = (unsigned char)text[i];

		if (!in_str) {
			if (c == '"') {
				in_str = 1;
				bad = 0;
				start = i + 1;
			}
			i++;
			continue;
		}
		if (c == '"') {
			int key = strict_is_key(text, len, i);

			if (key && !bad)
				strict_set_field(text, start, i, field, fieldsz);
			else if (key && fieldsz > 0)
				field[0] = '\0';   /* never echo a key that holds the control */
			if (bad)
				return 1;
			in_str = 0;
			i++;
			continue;
		}
		if (c == '\\' && i + 1 < len) {
			if (text[i + 1] == 'u' && i + 5 < len) {
				long cp = strict_hex4(text + i + 2);

				if (cp >= 0 && mt_json_forbidden_cp((unsigned long)cp))
					bad = 1;
				i += 6;
			} else {
				i += 2;
			}
			continue;
		}
		if (c < 0x80 && mt_json_forbidden_cp(c))
			bad = 1;   /* ASCII controls and DEL; bytes >= 0x80 are UTF-8 */
		else if (c == 0xc2 && i + 1 < len && (unsigned char)text[i + 1] >= 0x80 &&
			 (unsigned char)text[i + 1] <= 0x9f)
			bad = 1;   /* U+0080-U+009F in UTF-8 */
		i++;
	}
	return bad;   /* an unterminated string: the parser refuses it anyway */
}

int mt_json_only_space(const char *text, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (text[i] != ' ' && text[i] != '\t' && text[i] != '\n' && text[i] != '\r')
			return 0;
	return 1;
}

int mt_content_type_is_json(const char *ct)
{
	size_t n;
	const char *semi, *slash;

	while (*ct == ' ' || *ct == '\t')
		ct++;
	semi = strchr(ct, ';');
	n = semi ? (size_t)(semi - ct) : strlen(ct);
	while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	if (n == 16 && strncasecmp(ct, "application/json", 16) == 0)
		return 1;
	slash = memchr(ct, '/', n);
	return n > 17 && strncasecmp(ct, "application/", 12) == 0 && slash == ct + 11 &&
	       strncasecmp(ct + n - 5, "+json", 5) == 0;
}

/* Input validation shared by handlers: e-mail, E.164 phones, UTF-8 text.
 * Each check returns 0 when valid or MT_EINVAL, and on failure may write a
 * short reason into `why` (a static string). */
#ifndef MT_VALIDATE_H
#define MT_VALIDATE_H

#include <stddef.h>

/* Checks and lower-cases an e-mail address into out (outsz bytes). */
int mt_valid_email(const char *in, char *out, size_t outsz, const char **why);

/* Normalises a phone number to E.164 ("+15551234567") into out.
 * Accepts spaces, dashes, dots and parentheses; a leading "00" is taken as
 * "+"; numbers without a country code are refused. */
int mt_valid_phone(const char *in, char *out, size_t outsz, const char **why);

/* Checks text: valid UTF-8, no control characters except (when
 * allow_newlines) \n and \t, length in bytes in [min, max]. */
int mt_valid_text(const char *in, size_t min, size_t max, int allow_newlines, const char **why);

/* Checks UTF-8 well-formedness (no overlongs, no surrogates). */
int mt_valid_utf8(const char *s, size_t len);

#endif

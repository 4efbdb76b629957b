/* libFuzzer target: the guest pages' form reader and HTML escaping
 * (handlers/page.h) on arbitrary bodies. Checks what the pages rely on: a
 * decoded value is valid UTF-8 without control characters and fits its
 * buffer, and escaped text holds none of & < > " ' unescaped. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/buf.h"
#include "core/validate.h"
#include "handlers/page.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Runs the reader and the escaper on one input. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "csrf", "action", "name", "party", "phone", "website" };
	char out[201];
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct mt_buf b;

		if (page_form_get((const char *)data, size, names[i], out, sizeof out) != 0)
			continue;
		if (strlen(out) >= sizeof out || mt_valid_text(out, 0, sizeof out - 1, 0, NULL) != 0)
			abort();
		mt_buf_init(&b, 8 * sizeof out);
		if (page_escape(&b, out) == 0 && b.data != NULL && strpbrk(b.data, "<>\"'") != NULL)
			abort();
		mt_buf_free(&b);
	}
	return 0;
}

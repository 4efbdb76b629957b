/* The handover and activity views' model (tui/handover.c) without a
 * terminal: the summary laid out as lines, the note's fields, activity
 * entries as sentences (names joined or gone), the note editor's UTF-8
 * edits and its limit, and malformed answers refused without losing what
 * was shown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "handover.h"
#include "kit/theme.h"

/* The index of the first line containing text, or -1. */
static int line_with(const struct handover_view *v, const char *text)
{
	for (size_t i = 0; i < v->n_lines; i++)
		if (strstr(v->lines[i].text, text))
			return (int)i;
	return -1;
}

/* A summary with a note, one party over its quote, one failed text, a reply and notes. */
static void test_summary_lines(void **state)
{
	(void)state;
	static const char json[] =
		"{\"waitlistId\":\"W\",\"waitlistName\":\"Dining room\",\"generatedAt\":1700000000000,"
		"\"waiting\":{\"parties\":3,\"covers\":11},"
		"\"longestWait\":{\"id\":\"A\",\"name\":\"Long Waiter\",\"partySize\":6,\"minutes\":12},"
		"\"overQuote\":[{\"id\":\"A\",\"name\":\"Long Waiter\",\"partySize\":6,\"waitedMinutes\":12,\"quotedMinutes\":5}],"
		"\"notifications\":{\"pending\":1,\"failed\":1,\"failedParties\":[{\"id\":\"B\",\"name\":\"Zoë\",\"partySize\":2}]},"
		"\"repliesSince\":1699990000000,"
		"\"guestReplies\":[{\"waiteeId\":\"C\",\"partySize\":4,\"reply\":\"cancel\",\"at\":1700000000000}],"
		"\"partyNotes\":[{\"id\":\"A\",\"name\":\"Long Waiter\",\"partySize\":6,\"notes\":\"birthday cake\"}],"
		"\"note\":{\"id\":\"N1\",\"note\":\"Table 12 wobbles.\\nKowalski waits.\",\"author\":{\"id\":\"U\",\"name\":\"Ben\"},"
		"\"createdAt\":1699990000000,\"acknowledged\":false,\"version\":1}}";
	struct handover_view *v = calloc(1, sizeof *v);
	assert_non_null(v);
	assert_int_equal(handover_from_json(v, json), 0);
	assert_true(v->loaded);
	assert_true(v->has_note);
	assert_false(v->acked);
	assert_string_equal(v->note_id, "N1");
	assert_string_equal(v->note, "Table 12 wobbles.\nKowalski waits.");
	assert_string_equal(v->author, "Ben");
	assert_true(line_with(v, "Waiting: 3 parties, 11 covers") >= 0);
	assert_true(line_with(v, "Longest wait: Long Waiter (6), 12 min") >= 0);
	int over = line_with(v, "Long Waiter (6) waited 12 min, quoted 5");
	assert_true(over >= 0);
	assert_int_equal(v->lines[over].slot, TK_SLOT_OVER_QUOTE);
	int failed = line_with(v, "failed: Zoë (2)");
	assert_true(failed >= 0);
	assert_int_equal(v->lines[failed].slot, TK_SLOT_FAILED);
	/* a reply whose party's name is gone (erased): its size only */
	int reply = line_with(v, "a party of 4 cancelled");
	assert_true(reply >= 0);
	assert_int_equal(v->lines[reply].slot, TK_SLOT_CANCELLED);
	assert_true(line_with(v, "Guest replies since the note: 1") >= 0);
	assert_true(line_with(v, "Long Waiter (6): birthday cake") >= 0);

	/* a malformed answer is refused and the view keeps what it showed */
	assert_int_equal(handover_from_json(v, "[1,2"), -1);
	assert_int_equal(handover_from_json(v, "[]"), -1);
	assert_int_equal(handover_from_json(v, NULL), -1);
	assert_string_equal(v->note_id, "N1");
	assert_true(line_with(v, "Waiting: 3 parties") >= 0);

	/* no note, one party: singular words, no note fields left over */
	assert_int_equal(handover_from_json(v, "{\"waiting\":{\"parties\":1,\"covers\":1},\"note\":null}"), 0);
	assert_false(v->has_note);
	assert_string_equal(v->note, "");
	assert_true(line_with(v, "Waiting: 1 party, 1 cover") >= 0);
	free(v);
}

/* Activity entries read as sentences, newest first as given. */
static void test_activity_sentences(void **state)
{
	(void)state;
	static const char json[] =
		"[{\"id\":\"7\",\"at\":1700000000000,\"action\":\"status\",\"actor\":{\"kind\":\"staff\",\"id\":\"U\",\"name\":\"Hana\"},"
		"\"waiteeId\":\"A\",\"partySize\":4,\"guestName\":\"Zoë Saldaña\",\"fields\":[\"status\"],"
		"\"before\":{\"status\":\"waiting\"},\"after\":{\"status\":\"seated\"}},"
		"{\"id\":\"6\",\"at\":1700000000000,\"action\":\"replied\",\"actor\":{\"kind\":\"guest\"},\"waiteeId\":\"A\","
		"\"partySize\":4,\"guestName\":\"Zoë Saldaña\",\"fields\":[\"status\"],\"detail\":\"confirm\"},"
		"{\"id\":\"5\",\"at\":1700000000000,\"action\":\"message_failed\",\"actor\":{\"kind\":\"notifier\"},"
		"\"waiteeId\":\"B\",\"partySize\":2,\"fields\":[],\"detail\":\"ready\"},"
		"{\"id\":\"4\",\"at\":1700000000000,\"action\":\"edited\",\"actor\":{\"kind\":\"staff\",\"name\":\"Hana\"},"
		"\"waiteeId\":\"A\",\"partySize\":4,\"guestName\":\"Zoë Saldaña\",\"fields\":[\"name\",\"notes\"]},"
		"{\"id\":\"3\",\"at\":1700000000000,\"action\":\"undone\",\"actor\":{\"kind\":\"staff\",\"name\":\"Hana\"},"
		"\"waiteeId\":\"A\",\"partySize\":4,\"fields\":[\"status\"],\"after\":{\"status\":\"waiting\"}},"
		"{\"id\":\"2\",\"at\":1700000000000,\"action\":\"handover_acknowledged\",\"actor\":{\"kind\":\"staff\",\"name\":\"Ben\"},\"fields\":[]},"
		"{\"id\":\"1\",\"at\":1700000000000,\"action\":\"list_created\",\"actor\":{\"kind\":\"staff\",\"name\":\"Hana\"},\"fields\":[]}]";
	struct activity_view *v = calloc(1, sizeof *v);
	assert_non_null(v);
	assert_int_equal(activity_from_json(v, json), 0);
	assert_int_equal(v->n, 7);
	assert_non_null(strstr(v->lines[0].text, "Hana seated Zoë Saldaña (4)"));
	assert_int_equal(v->lines[0].slot, TK_SLOT_SUCCESS);
	assert_non_null(strstr(v->lines[1].text, "Zoë Saldaña (4) replied: confirm"));
	assert_int_equal(v->lines[1].slot, TK_SLOT_CONFIRMED);
	/* a party whose name is gone: its size; the notifier as its own actor */
	assert_non_null(strstr(v->lines[2].text, "Maitre could not text a party of 2 (ready)"));
	assert_int_equal(v->lines[2].slot, TK_SLOT_FAILED);
	assert_non_null(strstr(v->lines[3].text, "Hana edited Zoë Saldaña (4): name, notes"));
	assert_non_null(strstr(v->lines[4].text, "Hana undid: a party of 4 back to waiting"));
	assert_non_null(strstr(v->lines[5].text, "Ben acknowledged the handover"));
	assert_non_null(strstr(v->lines[6].text, "Hana created the list"));
	/* not an array: refused, the lines stay */
	assert_int_equal(activity_from_json(v, "{\"error\":\"x\"}"), -1);
	assert_int_equal(v->n, 7);
	free(v);
}

/* The note editor: UTF-8 in and out by whole characters, Enter a newline,
 * control characters ignored, the server's limit kept. */
static void test_note_editor(void **state)
{
	(void)state;
	struct note_editor *e = calloc(1, sizeof *e);
	assert_non_null(e);
	assert_int_equal(note_insert(e, 'Z'), 0);
	assert_int_equal(note_insert(e, 'o'), 0);
	assert_int_equal(note_insert(e, 0xeb), 0);      /* ë */
	assert_int_equal(note_insert(e, '\r'), 0);      /* Enter */
	assert_int_equal(note_insert(e, 0x5c71), 0);    /* 山 */
	assert_int_equal(note_insert(e, 0x1f389), 0);   /* 🎉 */
	assert_int_equal(note_insert(e, 7), 0);         /* BEL: ignored */
	assert_string_equal(e->text, "Zo\xc3\xab\n\xe5\xb1\xb1\xf0\x9f\x8e\x89");
	note_backspace(e);
	note_backspace(e);
	assert_string_equal(e->text, "Zo\xc3\xab\n");
	note_backspace(e);
	note_backspace(e);
	assert_string_equal(e->text, "Zo");
	note_backspace(e);
	note_backspace(e);
	note_backspace(e);   /* on empty: nothing */
	assert_int_equal(e->len, 0);
	/* full: the last character that does not fit is refused whole */
	for (int i = 0; i < HANDOVER_NOTE_MAX - 1; i++)
		assert_int_equal(note_insert(e, 'x'), 0);
	assert_int_equal(note_insert(e, 0xeb), -1);
	assert_int_equal(e->len, HANDOVER_NOTE_MAX - 1);
	assert_int_equal(note_insert(e, 'y'), 0);
	assert_int_equal(note_insert(e, 'y'), -1);
	assert_int_equal(strlen(e->text), HANDOVER_NOTE_MAX);
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary_lines),
		cmocka_unit_test(test_activity_sentences),
		cmocka_unit_test(test_note_editor),
	};
	return cmocka_run_group_tests_name("tui-handover-model", tests, NULL, NULL);
}

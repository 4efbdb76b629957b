/* The waitee state machine: every (actor, from, to) triple is checked
 * against an independent table written out by hand, plus names and the
 * active/finished classification. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/status.h"

/* Short names for the table below. */
#define W MT_WAITING
#define N MT_NOTIFIED
#define C MT_CONFIRMED
#define S MT_SEATED
#define X MT_CANCELLED
#define O MT_NO_SHOW

/* Expected answers: [actor][from][to], 1 = allowed. Diagonal = no-op, allowed. */
static const int status_expect[MT_ACTOR_COUNT][MT_STATUS_COUNT][MT_STATUS_COUNT] = {
	[MT_ACTOR_CLIENT] = {
		/*           W  N  C  S  X  O */
		[W] =      { 1, 0, 1, 1, 1, 1 },
		[N] =      { 1, 1, 1, 1, 1, 1 },
		[C] =      { 0, 0, 1, 1, 1, 1 },
		[S] =      { 0, 0, 0, 1, 0, 0 },
		[X] =      { 1, 0, 0, 0, 1, 0 },
		[O] =      { 1, 0, 0, 0, 0, 1 },
	},
	[MT_ACTOR_NOTIFIER] = {
		[W] =      { 1, 1, 0, 0, 0, 0 },
		[N] =      { 0, 1, 0, 0, 0, 0 },
		[C] =      { 0, 0, 1, 0, 0, 0 },
		[S] =      { 0, 0, 0, 1, 0, 0 },
		[X] =      { 0, 0, 0, 0, 1, 0 },
		[O] =      { 0, 0, 0, 0, 0, 1 },
	},
	[MT_ACTOR_GUEST] = {
		[W] =      { 1, 0, 1, 0, 1, 0 },
		[N] =      { 0, 1, 1, 0, 1, 0 },
		[C] =      { 0, 0, 1, 0, 1, 0 },
		[S] =      { 0, 0, 0, 1, 0, 0 },
		[X] =      { 0, 0, 0, 0, 1, 0 },
		[O] =      { 0, 0, 0, 0, 0, 1 },
	},
};

/* Every pair of states for every actor: allowed or refused as in the table. */
static void test_status_every_pair(void **state)
{
	int a, f, t, allowed = 0;

	(void)state;
	for (a = 0; a < MT_ACTOR_COUNT; a++) {
		for (f = 0; f < MT_STATUS_COUNT; f++) {
			for (t = 0; t < MT_STATUS_COUNT; t++) {
				int got = mt_status_can_move((enum mt_actor)a, (enum mt_status)f, (enum mt_status)t);

				if (got != status_expect[a][f][t])
					fail_msg("actor %d: %s -> %s: got %d, want %d", a,
						 mt_status_name((enum mt_status)f), mt_status_name((enum mt_status)t),
						 got, status_expect[a][f][t]);
				allowed += got;
			}
		}
	}
	assert_int_equal(allowed, 20 + 7 + 11); /* client 20, notifier 7, guest 11 (diagonals included) */
}

/* No client may ever move a party to `notified`: it is server-owned. */
static void test_status_notified_is_server_owned(void **state)
{
	int f;

	(void)state;
	for (f = 0; f < MT_STATUS_COUNT; f++)
		if (f != MT_NOTIFIED)
			assert_false(mt_status_can_move(MT_ACTOR_CLIENT, (enum mt_status)f, MT_NOTIFIED));
	assert_true(mt_status_can_move(MT_ACTOR_NOTIFIER, MT_WAITING, MT_NOTIFIED));
	/* Seated is terminal for everyone. */
	for (f = 0; f < MT_STATUS_COUNT; f++)
		if (f != MT_SEATED) {
			assert_false(mt_status_can_move(MT_ACTOR_CLIENT, MT_SEATED, (enum mt_status)f));
			assert_false(mt_status_can_move(MT_ACTOR_GUEST, MT_SEATED, (enum mt_status)f));
		}
}

/* Out-of-range values are refused, never read past the tables. */
static void test_status_out_of_range(void **state)
{
	(void)state;
	assert_false(mt_status_can_move(MT_ACTOR_CLIENT, MT_STATUS_COUNT, MT_WAITING));
	assert_false(mt_status_can_move(MT_ACTOR_CLIENT, MT_WAITING, MT_STATUS_COUNT));
	assert_false(mt_status_can_move(MT_ACTOR_COUNT, MT_WAITING, MT_SEATED));
	assert_false(mt_status_can_move((enum mt_actor)-1, MT_WAITING, MT_SEATED));
	assert_string_equal(mt_status_name(MT_STATUS_COUNT), "unknown");
}

/* Names round-trip; unknown names and case variants are refused. */
static void test_status_names(void **state)
{
	static const char *const names[] = { "waiting", "notified", "confirmed", "seated", "cancelled", "no_show" };
	enum mt_status s;
	int i;

	(void)state;
	for (i = 0; i < MT_STATUS_COUNT; i++) {
		assert_string_equal(mt_status_name((enum mt_status)i), names[i]);
		assert_int_equal(mt_status_parse(names[i], &s), 0);
		assert_int_equal(s, i);
	}
	assert_int_equal(mt_status_parse("Waiting", &s), MT_EINVAL);
	assert_int_equal(mt_status_parse("no-show", &s), MT_EINVAL);
	assert_int_equal(mt_status_parse("", &s), MT_EINVAL);
	assert_int_equal(mt_status_parse(NULL, &s), MT_EINVAL);
}

/* Active = in the queue; finished = the complement. */
static void test_status_classes(void **state)
{
	static const int active[MT_STATUS_COUNT] = { 1, 1, 1, 0, 0, 0 };
	int i;

	(void)state;
	for (i = 0; i < MT_STATUS_COUNT; i++) {
		assert_int_equal(mt_status_is_active((enum mt_status)i), active[i]);
		assert_int_equal(mt_status_is_finished((enum mt_status)i), !active[i]);
	}
}

/* One case of the undo rules: a party finished as `from` (earlier status
 * prev, finished_at fin or 0 = never recorded), a client asks for `to` at `at` ms. */
struct undo_case {
	enum mt_status from, prev, to;  /* finished status, recorded earlier status, target */
	int64_t fin, at;                /* finished_at (0 = none), now */
	enum mt_undo want;              /* expected judgement */
};

/* Undo judgements: inside/outside the window, re-queue, other targets. */
static void test_status_undo_check(void **state)
{
	static const struct undo_case cases[] = {
		{ S, W, W, 1000, 1000 + MT_UNDO_WINDOW_MS, MT_UNDO_OK },
		{ S, W, W, 1000, 1001 + MT_UNDO_WINDOW_MS, MT_UNDO_EXPIRED },
		{ S, N, N, 1000, 2000, MT_UNDO_OK },
		{ S, C, C, 1000, 2000, MT_UNDO_OK },
		{ S, C, W, 1000, 2000, MT_UNDO_REFUSED },
		{ S, C, X, 1000, 2000, MT_UNDO_REFUSED },
		{ S, W, W, 0, 2000, MT_UNDO_REFUSED },          /* finished before the record existed */
		{ X, C, C, 1000, 2000, MT_UNDO_OK },
		{ X, C, C, 1000, 500000, MT_UNDO_EXPIRED },
		{ X, C, W, 1000, 500000, MT_UNDO_REQUEUE },     /* the older re-queue stays */
		{ O, N, W, 1000, 2000, MT_UNDO_REQUEUE },
		{ O, N, N, 1000, 2000, MT_UNDO_OK },
		{ O, W, W, 1000, 2000, MT_UNDO_OK },
		{ O, W, W, 0, 2000, MT_UNDO_REQUEUE },
		{ X, W, S, 1000, 2000, MT_UNDO_REFUSED },
		{ X, W, X, 1000, 2000, MT_UNDO_NONE },           /* same status: not a move */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct mt_waitee w;

		memset(&w, 0, sizeof w);
		w.status = cases[i].from;
		w.previous_status = cases[i].prev;
		w.finished_at = cases[i].fin;
		if (mt_status_undo_check(&w, cases[i].to, cases[i].at) != cases[i].want)
			fail_msg("case %zu: %s -> %s: want %d, got %d", i, mt_status_name(cases[i].from),
				 mt_status_name(cases[i].to), (int)cases[i].want,
				 (int)mt_status_undo_check(&w, cases[i].to, cases[i].at));
	}
	{
		struct mt_waitee w;

		memset(&w, 0, sizeof w);
		w.status = C;
		assert_int_equal(mt_status_undo_check(&w, S, 5), MT_UNDO_NONE);  /* not finished */
	}
}

/* note_move records a finish from an active status and clears it on the way back. */
static void test_status_note_move(void **state)
{
	struct mt_waitee w;

	(void)state;
	memset(&w, 0, sizeof w);
	w.status = N;
	mt_status_note_move(&w, X, 777);
	assert_int_equal(w.finished_at, 777);
	assert_int_equal(w.previous_status, N);
	w.status = X;
	mt_status_note_move(&w, X, 900);       /* no move: unchanged */
	assert_int_equal(w.finished_at, 777);
	mt_status_note_move(&w, S, 900);       /* finished -> finished keeps the first record */
	assert_int_equal(w.finished_at, 777);
	assert_int_equal(w.previous_status, N);
	mt_status_note_move(&w, N, 950);
	assert_int_equal(w.finished_at, 0);
	w.status = C;
	mt_status_note_move(&w, W, 990);       /* active -> active: nothing recorded */
	assert_int_equal(w.finished_at, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_every_pair),
		cmocka_unit_test(test_status_notified_is_server_owned),
		cmocka_unit_test(test_status_out_of_range),
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_status_classes),
		cmocka_unit_test(test_status_undo_check),
		cmocka_unit_test(test_status_note_move),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

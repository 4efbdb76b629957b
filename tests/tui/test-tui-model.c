/* Unit tests of the host-stand app's model: the board's order, filters,
 * search and load figures; the UTF-8 field editor; the outbox on disk
 * (survives a reopen, keeps unreadable lines aside, renames local ids);
 * and the board rebuilt from server rows plus queued actions. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "app.h"
#include "field.h"
#include "outbox.h"
#include "party.h"
#include "zone.h"

/* Fills a party. */
static struct party mk(const char *id, const char *name, int size, enum party_status st, int64_t joined,
		       const char *phone)
{
	struct party p;
	memset(&p, 0, sizeof p);
	snprintf(p.id, sizeof p.id, "%s", id);
	snprintf(p.name, sizeof p.name, "%s", name);
	snprintf(p.phone, sizeof p.phone, "%s", phone ? phone : "");
	p.size = size;
	p.status = st;
	p.joined_ms = joined;
	p.updated_ms = joined;
	return p;
}

/* Queue order: active by join time, finished after them, newest first. */
static void test_sort(void **state)
{
	(void)state;
	struct party rows[4] = {
		mk("d", "Done early", 2, PARTY_SEATED, 100, NULL),
		mk("b", "Second", 2, PARTY_WAITING, 200, NULL),
		mk("a", "First", 2, PARTY_NOTIFIED, 100, NULL),
		mk("c", "Done late", 2, PARTY_CANCELLED, 300, NULL),
	};
	rows[0].updated_ms = 400;
	rows[3].updated_ms = 500;
	party_sort(rows, 4);
	assert_string_equal(rows[0].id, "a");
	assert_string_equal(rows[1].id, "b");
	assert_string_equal(rows[2].id, "c"); /* finished most recently */
	assert_string_equal(rows[3].id, "d");
}

/* Views, size filter and search by name (any case, UTF-8) or phone tail. */
static void test_visible(void **state)
{
	(void)state;
	int64_t now = 10LL * 24 * 3600 * 1000;
	struct party zoe = mk("1", "Zoë Saldaña", 4, PARTY_WAITING, now - 60000, "+14155550101");
	struct party yamada = mk("2", "山田太郎", 9, PARTY_CONFIRMED, now - 60000, NULL);
	struct party old = mk("3", "Old", 2, PARTY_SEATED, now - 3LL * 24 * 3600 * 1000, NULL);
	struct party fresh = mk("4", "Fresh", 2, PARTY_NO_SHOW, now - 600000, NULL);

	struct { const struct party *p; enum party_view v; int size; const char *q; int want; } cases[] = {
		{ &zoe, VIEW_WAITING, 0, "", 1 },
		{ &zoe, VIEW_FINISHED, 0, "", 0 },
		{ &old, VIEW_FINISHED, 0, "", 0 },   /* older than a day */
		{ &fresh, VIEW_FINISHED, 0, "", 1 },
		{ &old, VIEW_ALL, 0, "", 1 },
		{ &zoe, VIEW_ALL, 4, "", 1 },
		{ &zoe, VIEW_ALL, 3, "", 0 },
		{ &yamada, VIEW_ALL, 8, "", 1 },     /* 8 = 8 or more */
		{ &zoe, VIEW_ALL, 8, "", 0 },
		{ &zoe, VIEW_ALL, 0, "zoë", 1 },
		{ &zoe, VIEW_ALL, 0, "SALD", 1 },
		{ &zoe, VIEW_ALL, 0, "0101", 1 },    /* last digits of the phone */
		{ &zoe, VIEW_ALL, 0, "0102", 0 },
		{ &yamada, VIEW_ALL, 0, "山田", 1 },
		{ &yamada, VIEW_ALL, 0, "0101", 0 }, /* no phone */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int got = party_visible(cases[i].p, cases[i].v, cases[i].size, cases[i].q, now);
		if (got != cases[i].want)
			fail_msg("case %zu (%s, view %d, size %d, '%s'): got %d", i, cases[i].p->name, cases[i].v,
				 cases[i].size, cases[i].q, got);
	}
}

/* Load figures count active parties only. */
static void test_load(void **state)
{
	(void)state;
	int64_t now = 1000000;
	struct party rows[3] = {
		mk("a", "A", 4, PARTY_WAITING, now - 600000, NULL),  /* 10 min */
		mk("b", "B", 2, PARTY_NOTIFIED, now - 120000, NULL), /* 2 min */
		mk("c", "C", 6, PARTY_SEATED, now - 900000, NULL),
	};
	rows[0].quote = 5; /* over */
	rows[1].quote = 15;
	struct party_load l;
	party_load_compute(rows, 3, now, &l);
	assert_int_equal(l.parties, 2);
	assert_int_equal(l.covers, 6);
	assert_int_equal(l.longest_ms, 600000);
	assert_int_equal(l.average_ms, 360000);
	assert_int_equal(l.over, 1);
	assert_true(party_quote_left_ms(&rows[1], now) == 13 * 60000);
	assert_true(party_quote_left_ms(&rows[2], now) == INT64_MIN);
}

/* The suggested quote: median recent wait of seated parties, only with 3 or more. */
static void test_suggest_quote(void **state)
{
	(void)state;
	int64_t now = 100LL * 3600 * 1000;
	struct party rows[5] = {
		mk("a", "A", 2, PARTY_SEATED, now - 30 * 60000, NULL),
		mk("b", "B", 2, PARTY_SEATED, now - 40 * 60000, NULL),
		mk("c", "C", 2, PARTY_WAITING, now - 50 * 60000, NULL),
		mk("d", "D", 2, PARTY_SEATED, now - 5 * 3600000LL, NULL), /* seated too long ago */
		mk("e", "E", 2, PARTY_SEATED, now - 25 * 60000, NULL),
	};
	rows[0].seated_ms = now - 10 * 60000;          /* waited 20 min */
	rows[1].seated_ms = now - 15 * 60000;          /* 25 min */
	rows[3].seated_ms = now - 4 * 3600000LL;       /* ignored */
	rows[4].seated_ms = now - 60000 * 10 + 30000;  /* 14.5 min -> rounds up */
	assert_int_equal(party_suggest_quote(rows, 5, now), 20);
	assert_int_equal(party_suggest_quote(rows, 2, now), -1); /* only two seated */
}

/* The field editor: UTF-8 insert/delete, cursor columns with wide characters, limits. */
static void test_field(void **state)
{
	(void)state;
	struct field f;
	field_init(&f, 12, 0, 0);
	const long zoe[] = { 'Z', 'o', 0xEB };
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(field_key(&f, zoe[i]), 1);
	assert_string_equal(f.text, "Zoë");
	assert_int_equal(f.len, 4);
	assert_int_equal(field_cursor_col(&f), 3);
	assert_int_equal(field_key(&f, 0x5C71), 1); /* 山, width 2 */
	assert_int_equal(field_cursor_col(&f), 5);
	assert_int_equal(field_key(&f, FK_LEFT), 1);
	assert_int_equal(field_cursor_col(&f), 3);
	assert_int_equal(field_key(&f, FK_BACKSPACE), 1); /* removes ë, both bytes */
	assert_string_equal(f.text, "Zo山");
	assert_int_equal(field_key(&f, FK_END), 1);
	assert_int_equal(field_key(&f, FK_RIGHT), 0);     /* nothing to the right */
	assert_int_equal(field_key(&f, 7), 0);            /* control characters refused */
	/* the byte limit: "Zo山" is 5 bytes; 4-byte emoji fits once more, then not */
	assert_int_equal(field_key(&f, 0x1F600), 1);
	assert_int_equal(field_key(&f, 'a'), 1);
	assert_int_equal(field_key(&f, 'b'), 1);
	assert_int_equal(field_key(&f, 'c'), 1);
	assert_int_equal(field_key(&f, 0x1F600), 0);      /* would pass 12 bytes */
	assert_int_equal(f.len, 12);
	assert_int_equal(field_key(&f, FK_WORD_BACK), 1);
	assert_string_equal(f.text, "");

	struct field d;
	field_init(&d, 2, 1, 0);
	assert_int_equal(field_key(&d, 'x'), 0);
	assert_int_equal(field_key(&d, '4'), 1);
	assert_int_equal(field_key(&d, '2'), 1);
	assert_int_equal(field_key(&d, '1'), 0);
	assert_string_equal(d.text, "42");
	field_set(&d, "12345");
	assert_string_equal(d.text, "12");

	/* a pre-filled field: typing replaces it, moving keeps it */
	struct field r;
	field_init(&r, 0, 0, 0);
	field_set(&r, "old@example.com");
	r.replace = 1;
	assert_int_equal(field_key(&r, 'n'), 1);
	assert_string_equal(r.text, "n");
	field_set(&r, "old@example.com");
	r.replace = 1;
	assert_int_equal(field_key(&r, FK_LEFT), 1);
	assert_int_equal(field_key(&r, 'x'), 1);
	assert_string_equal(r.text, "old@example.coxm");

	struct field s;
	field_init(&s, 0, 0, 1);
	field_set(&s, "pässword");
	assert_int_equal(field_cursor_col(&s), 8); /* one bullet per character */
}

/* Makes a fresh temporary directory. */
static void tmpdir(char *out, size_t n)
{
	snprintf(out, n, "/tmp/maitre-tui-test-XXXXXX");
	assert_non_null(mkdtemp(out));
}

/* The outbox survives a reopen in order, with keys; removing and renaming persist. */
static void test_outbox_persist(void **state)
{
	(void)state;
	char dir[64], err[256];
	tmpdir(dir, sizeof dir);
	struct outbox ob;
	int bad = -1;
	assert_int_equal(outbox_open(&ob, dir, "01LIST", &bad, err, sizeof err), 0);
	assert_int_equal(bad, 0);
	assert_int_equal(ob.n, 0);

	struct action add;
	memset(&add, 0, sizeof add);
	assert_int_equal(outbox_new_key(add.key), 0);
	assert_int_equal(strlen(add.key), 32);
	add.kind = ACT_ADD;
	add.fields = AF_NAME | AF_SIZE | AF_PHONE | AF_NOTES;
	snprintf(add.name, sizeof add.name, "山田太郎 \"quoted\"\nnewline");
	add.size = 3;
	snprintf(add.phone, sizeof add.phone, "+14155550101");
	snprintf(add.notes, sizeof add.notes, "booth");
	add.created_ms = 1700000000123LL;
	assert_int_equal(outbox_push(&ob, &add, err, sizeof err), 0);

	struct action seat;
	memset(&seat, 0, sizeof seat);
	assert_int_equal(outbox_new_key(seat.key), 0);
	assert_string_not_equal(seat.key, add.key);
	seat.kind = ACT_STATUS;
	snprintf(seat.waitee, sizeof seat.waitee, "local:%s", add.key);
	seat.status = PARTY_SEATED;
	seat.version = 7;
	assert_int_equal(outbox_push(&ob, &seat, err, sizeof err), 0);
	outbox_close(&ob);

	struct stat sb;
	assert_int_equal(stat(ob.path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	assert_int_equal(outbox_open(&ob, dir, "01LIST", &bad, err, sizeof err), 0);
	assert_int_equal(ob.n, 2);
	assert_string_equal(ob.items[0].key, add.key);
	assert_int_equal(ob.items[0].kind, ACT_ADD);
	assert_string_equal(ob.items[0].name, add.name);
	assert_int_equal(ob.items[0].size, 3);
	assert_string_equal(ob.items[0].phone, "+14155550101");
	assert_true(ob.items[0].created_ms == 1700000000123LL);
	assert_int_equal(ob.items[1].kind, ACT_STATUS);
	assert_int_equal(ob.items[1].status, PARTY_SEATED);
	assert_true(ob.items[1].version == 7);

	char local[64];
	snprintf(local, sizeof local, "local:%s", add.key);
	outbox_rename_party(&ob, local, "01SERVERID");
	assert_int_equal(outbox_remove(&ob, add.key), 0);
	assert_int_equal(outbox_remove(&ob, add.key), -1);
	outbox_close(&ob);

	assert_int_equal(outbox_open(&ob, dir, "01LIST", &bad, err, sizeof err), 0);
	assert_int_equal(ob.n, 1);
	assert_string_equal(ob.items[0].waitee, "01SERVERID");
	/* another list has its own outbox */
	struct outbox other;
	assert_int_equal(outbox_open(&other, dir, "02OTHER", &bad, err, sizeof err), 0);
	assert_int_equal(other.n, 0);
	outbox_close(&other);
	outbox_close(&ob);
}

/* An unreadable line is kept aside in .bad and reported, the others load. */
static void test_outbox_bad_line(void **state)
{
	(void)state;
	char dir[64], err[256], path[600];
	tmpdir(dir, sizeof dir);
	struct outbox ob;
	int bad = 0;
	assert_int_equal(outbox_open(&ob, dir, "L", &bad, err, sizeof err), 0);
	struct action a;
	memset(&a, 0, sizeof a);
	snprintf(a.key, sizeof a.key, "k1");
	a.kind = ACT_NOTIFY;
	snprintf(a.waitee, sizeof a.waitee, "W1");
	assert_int_equal(outbox_push(&ob, &a, err, sizeof err), 0);
	snprintf(path, sizeof path, "%s", ob.path);
	outbox_close(&ob);
	FILE *f = fopen(path, "a");
	assert_non_null(f);
	fputs("{not json\n{\"key\":\"k2\",\"kind\":\"bogus\"}\n{\"key\":\"k3\",\"kind\":\"delete\",\"waitee\":\"W3\"}\n", f);
	fclose(f);
	assert_int_equal(outbox_open(&ob, dir, "L", &bad, err, sizeof err), 0);
	assert_int_equal(bad, 2);
	assert_int_equal(ob.n, 2);
	assert_string_equal(ob.items[0].key, "k1");
	assert_string_equal(ob.items[1].key, "k3");
	assert_int_equal(ob.items[1].kind, ACT_DELETE);
	char badpath[700];
	snprintf(badpath, sizeof badpath, "%s.bad", path);
	f = fopen(badpath, "r");
	assert_non_null(f);
	char line[200];
	assert_non_null(fgets(line, sizeof line, f));
	assert_string_equal(line, "{not json\n");
	fclose(f);
	outbox_close(&ob);
}

/* The board = server rows with queued actions applied, marked pending. */
static void test_rebuild(void **state)
{
	(void)state;
	static struct app a;
	memset(&a, 0, sizeof a);
	a.now_ms = 5000000;
	struct party server[2] = {
		mk("01A", "Kowalski", 6, PARTY_WAITING, 1000, NULL),
		mk("01B", "Lee", 8, PARTY_WAITING, 2000, NULL),
	};
	a.server_rows = server;
	a.n_server = 2;
	char err[200];
	assert_int_equal(outbox_open(&a.outbox, NULL, "L", NULL, err, sizeof err), 0);
	struct action seat;
	memset(&seat, 0, sizeof seat);
	snprintf(seat.key, sizeof seat.key, "k1");
	seat.kind = ACT_STATUS;
	snprintf(seat.waitee, sizeof seat.waitee, "01A");
	seat.status = PARTY_SEATED;
	assert_int_equal(outbox_push(&a.outbox, &seat, err, sizeof err), 0);
	struct action add;
	memset(&add, 0, sizeof add);
	snprintf(add.key, sizeof add.key, "k2");
	add.kind = ACT_ADD;
	add.fields = AF_NAME | AF_SIZE;
	snprintf(add.name, sizeof add.name, "Zoë");
	add.size = 4;
	add.created_ms = 3000;
	assert_int_equal(outbox_push(&a.outbox, &add, err, sizeof err), 0);
	a.view = VIEW_WAITING;
	app_rebuild(&a);
	assert_int_equal(a.n_rows, 3);
	assert_int_equal(a.n_visible, 2); /* Kowalski is (pending) seated */
	assert_string_equal(a.rows[a.visible[0]].name, "Lee");
	assert_string_equal(a.rows[a.visible[1]].name, "Zoë");
	assert_string_equal(a.rows[a.visible[1]].id, "local:k2");
	assert_int_equal(a.rows[a.visible[1]].pending, 1);
	assert_string_equal(a.rows[a.visible[1]].pending_what, "adding");
	assert_int_equal(a.rows[a.visible[0]].pending, 0);
	/* places in line follow the board at once: Kowalski (pending) seated,
	 * Lee is first, whatever the server last counted for the row */
	server[1].position = 2;
	app_rebuild(&a);
	assert_int_equal(a.rows[a.visible[0]].position, 1);
	assert_int_equal(a.rows[a.visible[1]].position, 2);
	/* the seat refused by the server: removing it rolls the board back */
	assert_int_equal(outbox_remove(&a.outbox, "k1"), 0);
	app_rebuild(&a);
	assert_int_equal(a.n_visible, 3);
	assert_string_equal(a.rows[a.visible[0]].name, "Kowalski");
	/* an undone seat comes back first; the others are 2 and 3, not the
	 * server's stale 1 and 2 of a moment ago */
	server[0].position = 1;
	server[1].position = 1;
	app_rebuild(&a);
	assert_int_equal(a.rows[a.visible[0]].position, 1);
	assert_int_equal(a.rows[a.visible[1]].position, 2);
	assert_int_equal(a.rows[a.visible[2]].position, 3);
	/* the selection follows the party across rebuilds */
	snprintf(a.sel_id, sizeof a.sel_id, "01B");
	app_rebuild(&a);
	assert_string_equal(app_selected(&a)->name, "Lee");
	app_select_move(&a, 5);
	assert_string_equal(app_selected(&a)->name, "Zoë");
	a.server_rows = NULL;
	outbox_close(&a.outbox);
	free(a.rows);
	free(a.visible);
}

/* The stats overlay's keys change only state: the period, the chart, a
 * reload asked of the network, closing. */
static void test_stats_keys(void **state)
{
	(void)state;
	static struct app a;
	memset(&a, 0, sizeof a);
	stats_open(&a);
	assert_int_equal(a.overlay, OVERLAY_STATS);
	assert_int_equal(a.stats.days, 7);
	assert_int_equal(a.stats.wanted, 1);
	a.stats.wanted = 0;
	a.stats.loaded = 1;
	assert_int_equal(stats_key(&a, 0, '4'), KEY_HANDLED);
	assert_int_equal(a.stats.days, 28);
	assert_int_equal(a.stats.wanted, 1);
	assert_int_equal(a.stats.loaded, 0);
	assert_int_equal(stats_key(&a, 0, 'b'), KEY_HANDLED);
	assert_int_equal(a.stats.chart_by_size, 1);
	assert_int_equal(stats_key(&a, 0, 'z'), KEY_HANDLED);   /* other keys do nothing */
	assert_int_equal(a.stats.days, 28);
	assert_int_equal(stats_key(&a, 0, 27), KEY_HANDLED);
	assert_int_equal(a.overlay, OVERLAY_NONE);
	/* opened again: the period chosen last stays */
	stats_open(&a);
	assert_int_equal(a.stats.days, 28);
}

/* The add form asks for a suggestion for the default size, again when the
 * size changes; a digit typed in the quote field replaces the suggestion
 * and marks the quote as the host's. */
static void test_form_suggestion(void **state)
{
	(void)state;
	static struct app a;
	memset(&a, 0, sizeof a);
	form_open(&a, NULL);
	assert_int_equal(a.form.est_wanted, 2);
	a.form.est_wanted = 0;
	a.form.est_size = 2;
	a.form.focus = FF_SIZE;
	assert_int_equal(form_key(&a, 0, '6'), KEY_HANDLED);
	assert_int_equal(a.form.est_wanted, 6);
	/* the network put the suggestion in the field (sync-stats.c) */
	field_set(&a.form.f[FF_QUOTE], "35");
	a.form.focus = FF_QUOTE;
	assert_int_equal(form_key(&a, 0, '2'), KEY_HANDLED);
	assert_string_equal(a.form.f[FF_QUOTE].text, "2");
	assert_int_equal(form_key(&a, 0, '0'), KEY_HANDLED);
	assert_string_equal(a.form.f[FF_QUOTE].text, "20");
	assert_int_equal(a.form.quote_typed, 1);
	/* an edit form asks nothing */
	struct party p = mk("01A", "Lee", 4, PARTY_WAITING, 1000, NULL);
	form_open(&a, &p);
	assert_int_equal(a.form.est_wanted, 0);
	/* an add the server refused comes back as typed: its quote stays, no suggestion is asked */
	struct action act;
	memset(&act, 0, sizeof act);
	act.kind = ACT_ADD;
	act.fields = AF_NAME | AF_SIZE | AF_QUOTE | AF_EMAIL;
	snprintf(act.name, sizeof act.name, "Rita");
	act.size = 3;
	act.quote = 20;
	snprintf(act.email, sizeof act.email, "rita..r@example.com");
	a.overlay = OVERLAY_NONE;
	a.screen = SCREEN_BOARD;
	form_server_error(&a, &act, "email", "email is not valid");
	assert_int_equal(a.overlay, OVERLAY_FORM);
	assert_int_equal(a.form.est_wanted, 0);
	assert_int_equal(a.form.quote_typed, 1);
	assert_string_equal(a.form.f[FF_QUOTE].text, "20");
	assert_non_null(strstr(a.form.err[FF_EMAIL], "server: email is not valid"));
}

/* The first-run form's country: a zone's from a zone.tab file (comments
 * and malformed lines skipped), a locale's territory otherwise. */
static void test_zone_country(void **state)
{
	(void)state;
	char path[] = "/tmp/maitre-zonetab-XXXXXX", cc[4];
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char tab[] = "# comment\tPT\nXX\nPT\t+3843-00908\tEurope/Lisbon\tPortugal (mainland)\n"
			   "pt\t+0000+00000\tEurope/Lower\nJP\t+353916+1394441\tAsia/Tokyo\n";
	assert_int_equal(write(fd, tab, sizeof tab - 1), (ssize_t)(sizeof tab - 1));
	close(fd);
	zone_country(path, "Europe/Lisbon", cc, sizeof cc);
	assert_string_equal(cc, "PT");
	zone_country(path, "Asia/Tokyo", cc, sizeof cc);
	assert_string_equal(cc, "JP");
	zone_country(path, "Europe/Lower", cc, sizeof cc);   /* not capitals: not a code */
	assert_string_equal(cc, "");
	zone_country(path, "Europe/Lisb", cc, sizeof cc);
	assert_string_equal(cc, "");
	zone_country("/nonexistent/zone.tab", "Europe/Lisbon", cc, sizeof cc);
	assert_string_equal(cc, "");
	unlink(path);

	static const char *const locales[][2] = {
		{ "pt_PT.UTF-8", "PT" }, { "de_DE@euro", "DE" }, { "en_GB", "GB" },
		{ "C.UTF-8", "" }, { "en_gb.UTF-8", "" }, { "x_ABC", "" },
	};
	for (size_t i = 0; i < sizeof locales / sizeof locales[0]; i++) {
		locale_country(locales[i][0], cc, sizeof cc);
		assert_string_equal(cc, locales[i][1]);
	}

	assert_false(zone_known("../etc/passwd"));
	assert_false(zone_known("/etc/passwd"));
	assert_false(zone_known("Mars/Olympus"));
}

int main(void)
{
	setlocale(LC_ALL, "");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_visible),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_suggest_quote),
		cmocka_unit_test(test_field),
		cmocka_unit_test(test_outbox_persist),
		cmocka_unit_test(test_outbox_bad_line),
		cmocka_unit_test(test_rebuild),
		cmocka_unit_test(test_stats_keys),
		cmocka_unit_test(test_form_suggestion),
		cmocka_unit_test(test_zone_country),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

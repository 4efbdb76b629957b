/* libmaitre-client against a real maitred: every call of the library, the
 * error kinds the server produces (validation, 404, 412 race, 409, 429,
 * role denial), sessions (expired token refreshed silently, refresh ahead
 * of expiry, revoked refresh token, logout, session file shared by two
 * clients), list paging and the ETag cache, Idempotency-Key replay, undo. */
#include <sys/stat.h>
#include <unistd.h>
#include "common.h"

static struct test_server srv;   /* maitred under test */

/* Starts maitred. */
static int setup(void **state)
{
	(void)state;
	if (mtc_global_init() != MTC_OK)
		return -1;
	return tc_start(&srv, NULL);
}

/* Stops it. */
static int teardown(void **state)
{
	(void)state;
	test_server_free(&srv);
	mtc_global_cleanup();
	return 0;
}

/* Register logs in; identity and healthz work. */
static void test_register_identity_healthz(void **state)
{
	(void)state;
	struct mtc_client *c = tc_owner(&srv, NULL, 0);
	struct mtc_identity id;
	struct mtc_status st;
	assert_int_equal(mtc_client_has_session(c), 1);
	assert_int_equal(mtc_client_identity(c, &id), MTC_OK);
	assert_string_equal(id.role, "owner");
	assert_true(strlen(id.account_id) == 26);
	assert_true(id.expires_at > (int64_t)time(NULL) * 1000);
	assert_int_equal(mtc_healthz(c, &st), MTC_OK);
	struct mtc_request req = { .op = MTC_OP_HEALTHZ };
	struct mtc_result r;
	assert_int_equal(mtc_call(c, &req, &r), MTC_OK);
	const char *url = getenv("MAITRE_TEST_STORE_URL");
	assert_string_equal(r.store, url != NULL && strncmp(url, "dynamodb", 8) == 0 ? "dynamodb" : "sqlite");
	mtc_result_clear(&r);
	/* the same e-mail again: a conflict naming the field */
	struct mtc_client *c2 = tc_client(&srv);
	char email[128];
	mtc_client_free(c);
	c = tc_owner(&srv, email, sizeof email);
	assert_int_equal(mtc_register(c2, email, TC_PASSWORD, "Again", NULL, &st), MTC_ERR_CONFLICT);
	assert_string_equal(st.error, "email_taken");
	assert_int_equal(st.http_status, 409);
	/* wrong password: unauthorised, one generic answer */
	assert_int_equal(mtc_login(c2, email, "wrong password!", &st), MTC_ERR_UNAUTHORIZED);
	assert_int_equal(st.http_status, 401);
	assert_int_equal(mtc_client_has_session(c2), 0);
	assert_int_equal(mtc_login(c2, email, TC_PASSWORD, &st), MTC_OK);
	assert_int_equal(mtc_client_has_session(c2), 1);
	mtc_client_free(c);
	mtc_client_free(c2);
}

/* Waitlists: create, get, list, update with If-Match, stale If-Match, delete. */
static void test_waitlist_crud(void **state)
{
	(void)state;
	struct mtc_client *c = tc_owner(&srv, NULL, 0);
	struct mtc_status st;
	struct mtc_waitlist w = { 0 }, g = { 0 }, u = { 0 };
	struct mtc_waitlist_input in = { .set = MTC_SET_NAME | MTC_SET_DESCRIPTION | MTC_SET_TEMPLATES,
					 .name = "Salle à manger", .description = "rez-de-chaussée",
					 .tpl_ready = "{name}, your table at {restaurant} is ready" };
	assert_int_equal(mtc_create_waitlist(c, &in, NULL, &w, &st), MTC_OK);
	assert_string_equal(w.name, "Salle à manger");
	assert_string_equal(w.description, "rez-de-chaussée");
	assert_string_equal(w.templates.ready, "{name}, your table at {restaurant} is ready");
	assert_null(w.templates.joined);
	assert_int_equal(w.version, 1);
	assert_int_equal(mtc_get_waitlist(c, w.id, &g, &st), MTC_OK);
	assert_string_equal(g.id, w.id);
	struct mtc_waitlist_list *l = NULL;
	assert_int_equal(mtc_list_waitlists(c, MTC_LIST_ALL, &l, NULL, &st), MTC_OK);
	assert_int_equal(l->n, 1);
	assert_string_equal(l->items[0].id, w.id);
	mtc_waitlist_list_unref(l);
	struct mtc_waitlist_input ren = { .set = MTC_SET_NAME, .name = "Terrace" };
	assert_int_equal(mtc_update_waitlist(c, w.id, &ren, w.version, &u, &st), MTC_OK);
	assert_string_equal(u.name, "Terrace");
	assert_int_equal(u.version, 2);
	/* the same stale version again: 412 with the current version */
	assert_int_equal(mtc_update_waitlist(c, w.id, &ren, w.version, NULL, &st), MTC_ERR_PRECONDITION);
	assert_int_equal(st.http_status, 412);
	assert_int_equal(st.current_version, 2);
	assert_int_equal(mtc_delete_waitlist(c, w.id, 1, &st), MTC_ERR_PRECONDITION);
	assert_int_equal(mtc_delete_waitlist(c, w.id, 2, &st), MTC_OK);
	assert_int_equal(mtc_get_waitlist(c, w.id, NULL, &st), MTC_ERR_NOT_FOUND);
	assert_string_equal(st.error, "not_found");
	/* bad input: validation naming the field, nothing created */
	struct mtc_waitlist_input bad = { .set = MTC_SET_NAME, .name = "" };
	assert_int_equal(mtc_create_waitlist(c, &bad, NULL, NULL, &st), MTC_ERR_VALIDATION);
	assert_string_equal(st.field, "name");
	assert_true(st.message[0] != '\0');
	/* a malformed id never reaches the server */
	assert_int_equal(mtc_get_waitlist(c, "../x", NULL, &st), MTC_ERR_INVALID_ARG);
	mtc_waitlist_clear(&w);
	mtc_waitlist_clear(&g);
	mtc_waitlist_clear(&u);
	mtc_client_free(c);
}

/* Parties: every call, status moves, notify, validation, a 412 race between two clients. */
static void test_waitee_calls(void **state)
{
	(void)state;
	char email[128];
	struct mtc_client *c = tc_owner(&srv, email, sizeof email);
	struct mtc_status st;
	struct mtc_waitlist wl = { 0 };
	tc_waitlist(c, "Main", &wl);
	struct mtc_waitee w = { 0 }, x = { 0 };
	struct mtc_waitee_input in = {
		.set = MTC_SET_NAME | MTC_SET_PHONE | MTC_SET_EMAIL | MTC_SET_PARTY_SIZE | MTC_SET_NOTES | MTC_SET_QUOTE,
		.name = "山田太郎", .phone = "+1 (415) 555-0101", .email = "Yamada@Example.com", .party_size = 4,
		.notes = "booth", .quoted_minutes = 25,
	};
	assert_int_equal(mtc_create_waitee(c, wl.id, &in, NULL, &w, &st), MTC_OK);
	assert_string_equal(w.name, "山田太郎");
	assert_string_equal(w.phone, "+14155550101");
	assert_string_equal(w.email, "yamada@example.com");
	assert_int_equal(w.party_size, 4);
	assert_int_equal(w.quoted_minutes, 25);
	assert_int_equal(w.status, MTC_PARTY_WAITING);
	assert_int_equal(w.position, 1);
	assert_string_equal(w.waitlist_id, wl.id);
	assert_true(w.joined_at > 0);
	assert_int_equal(w.notified_at, 0);
	assert_int_equal(mtc_get_waitee(c, wl.id, w.id, &x, &st), MTC_OK);
	assert_string_equal(x.notes, "booth");
	mtc_waitee_clear(&x);
	/* null phone removes it (no precondition: the server's notifier may be texting "joined") */
	struct mtc_waitee_input nophone = { .set = MTC_SET_PHONE, .phone = NULL };
	assert_int_equal(mtc_update_waitee(c, wl.id, w.id, &nophone, 0, &x, &st), MTC_OK);
	assert_null(x.phone);
	assert_string_equal(x.name, "山田太郎");
	mtc_waitee_clear(&x);
	/* edit with If-Match: only the given fields change (a party without contact: no notifier) */
	struct mtc_waitee q = { 0 };
	tc_party(c, wl.id, "Quiet", 2, &q);
	struct mtc_waitee_input ed = { .set = MTC_SET_PARTY_SIZE | MTC_SET_NOTES, .party_size = 5, .notes = "window" };
	assert_int_equal(mtc_update_waitee(c, wl.id, q.id, &ed, q.version, &x, &st), MTC_OK);
	assert_int_equal(x.party_size, 5);
	assert_string_equal(x.notes, "window");
	assert_string_equal(x.name, "Quiet");
	assert_int_equal(x.version, q.version + 1);
	/* a second client with the old version loses the race: 412 and the current version */
	struct mtc_client *c2 = tc_client(&srv);
	assert_int_equal(mtc_login(c2, email, TC_PASSWORD, &st), MTC_OK);
	assert_int_equal(mtc_update_waitee(c2, wl.id, q.id, &ed, q.version, NULL, &st), MTC_ERR_PRECONDITION);
	assert_int_equal(st.current_version, x.version);
	assert_string_equal(st.error, "version_mismatch");
	mtc_client_free(c2);
	mtc_waitee_clear(&q);
	/* notify now: 202 and the party as stored */
	struct mtc_waitee n = { 0 };
	assert_int_equal(mtc_notify_waitee(c, wl.id, w.id, 0, &n, &st), MTC_OK);
	assert_int_equal(st.http_status, 202);
	assert_true(n.notify_at > 0);
	/* validation names the field */
	struct mtc_waitee_input bad = { .set = MTC_SET_NAME | MTC_SET_PHONE, .name = "Lee", .phone = "555-0101" };
	assert_int_equal(mtc_create_waitee(c, wl.id, &bad, NULL, NULL, &st), MTC_ERR_VALIDATION);
	assert_string_equal(st.field, "phoneNumber");
	assert_int_equal(st.http_status, 400);
	/* seat, then a move the state machine refuses: conflict */
	struct mtc_waitee s = { 0 };
	assert_int_equal(mtc_set_waitee_status(c, wl.id, w.id, MTC_PARTY_SEATED, 0, &s, &st), MTC_OK);
	assert_int_equal(s.status, MTC_PARTY_SEATED);
	assert_true(s.seated_at > 0);
	assert_int_equal(s.position, 0);
	assert_int_equal(mtc_notify_waitee(c, wl.id, w.id, 0, NULL, &st), MTC_ERR_CONFLICT);
	assert_string_equal(st.error, "invalid_state");
	/* cancel another, bring it back to waiting (allowed at any time) */
	struct mtc_waitee o = { 0 }, oc = { 0 }, ob = { 0 };
	tc_party(c, wl.id, "Kowalski", 6, &o);
	assert_int_equal(mtc_set_waitee_status(c, wl.id, o.id, MTC_PARTY_CANCELLED, o.version, &oc, &st), MTC_OK);
	assert_int_equal(mtc_set_waitee_status(c, wl.id, o.id, MTC_PARTY_WAITING, oc.version, &ob, &st), MTC_OK);
	assert_int_equal(ob.status, MTC_PARTY_WAITING);
	/* delete, then it is gone */
	assert_int_equal(mtc_delete_waitee(c, wl.id, o.id, ob.version, &st), MTC_OK);
	assert_int_equal(mtc_get_waitee(c, wl.id, o.id, NULL, &st), MTC_ERR_NOT_FOUND);
	mtc_waitee_clear(&w);
	mtc_waitee_clear(&x);
	mtc_waitee_clear(&n);
	mtc_waitee_clear(&s);
	mtc_waitee_clear(&o);
	mtc_waitee_clear(&oc);
	mtc_waitee_clear(&ob);
	mtc_waitlist_clear(&wl);
	mtc_client_free(c);
}

/* Undo of a seat within 120 s: back in its place, seatedAt cleared. */
static void test_undo(void **state)
{
	(void)state;
	struct mtc_client *c = tc_owner(&srv, NULL, 0);
	struct mtc_status st;
	struct mtc_waitlist wl = { 0 };
	struct mtc_waitee a = { 0 }, b = { 0 }, seated = { 0 }, back = { 0 };
	tc_waitlist(c, "Undo", &wl);
	tc_party(c, wl.id, "Ana", 2, &a);
	tc_party(c, wl.id, "Ben", 3, &b);
	assert_int_equal(mtc_set_waitee_status(c, wl.id, a.id, MTC_PARTY_SEATED, a.version, &seated, &st), MTC_OK);
	assert_int_equal(seated.previous_status, MTC_PARTY_WAITING);
	assert_true(seated.finished_at > 0);
	assert_int_equal(mtc_undo_waitee(c, &seated, &back, &st), MTC_OK);
	assert_int_equal(back.status, MTC_PARTY_WAITING);
	assert_int_equal(back.position, 1);     /* back in its place, ahead of Ben */
	assert_int_equal(back.seated_at, 0);
	assert_int_equal(back.previous_status, MTC_PARTY_UNKNOWN);
	mtc_waitee_clear(&a);
	mtc_waitee_clear(&b);
	mtc_waitee_clear(&seated);
	mtc_waitee_clear(&back);
	mtc_waitlist_clear(&wl);
	mtc_client_free(c);
}

/* Lists follow the cursor to the end on request; one page otherwise. */
static void test_paging(void **state)
{
	(void)state;
	struct mtc_client *c = tc_owner(&srv, NULL, 0);
	struct mtc_status st;
	struct mtc_waitlist wl = { 0 };
	tc_waitlist(c, "Paged", &wl);
	char name[32];
	for (int i = 0; i < 7; i++) {
		snprintf(name, sizeof name, "Party %d", i + 1);
		tc_party(c, wl.id, name, 2, NULL);
	}
	struct mtc_request req = { .op = MTC_OP_LIST_WAITEES, .waitlist_id = wl.id, .limit = 3, .flags = MTC_LIST_ALL };
	struct mtc_result r;
	assert_int_equal(mtc_call(c, &req, &r), MTC_OK);
	assert_non_null(r.waitees);
	assert_int_equal(r.waitees->n, 7);
	for (size_t i = 0; i < 7; i++) {
		snprintf(name, sizeof name, "Party %zu", i + 1);
		assert_string_equal(r.waitees->items[i].name, name);
		assert_int_equal(r.waitees->items[i].position, (int)i + 1);
	}
	assert_string_equal(r.waitees->next_cursor, "");
	mtc_result_clear(&r);
	req.flags = 0;
	assert_int_equal(mtc_call(c, &req, &r), MTC_OK);
	assert_int_equal(r.waitees->n, 3);
	assert_true(r.waitees->next_cursor[0] != '\0');
	/* the next page from the cursor */
	struct mtc_request req2 = req;
	char cursor[600];
	snprintf(cursor, sizeof cursor, "%s", r.waitees->next_cursor);
	req2.cursor = cursor;
	mtc_result_clear(&r);
	assert_int_equal(mtc_call(c, &req2, &r), MTC_OK);
	assert_int_equal(r.waitees->n, 3);
	assert_string_equal(r.waitees->items[0].name, "Party 4");
	assert_int_equal(r.waitees->items[0].position, 4);
	mtc_result_clear(&r);
	/* a status filter */
	struct mtc_waitee_list *l = NULL;
	assert_int_equal(mtc_list_waitees(c, wl.id, "seated", MTC_LIST_ALL, &l, NULL, &st), MTC_OK);
	assert_int_equal(l->n, 0);
	mtc_waitee_list_unref(l);
	mtc_waitlist_clear(&wl);
	mtc_client_free(c);
}

/* If-None-Match: an unchanged list is 304 and the same object; a change gives a new list. */
static void test_etag_304(void **state)
{
	(void)state;
	struct mtc_client *c = tc_owner(&srv, NULL, 0);
	struct tc_trace *t = calloc(1, sizeof *t);
	assert_non_null(t);
	mtc_client_set_trace(c, tc_trace_fn, t);
	struct mtc_status st;
	struct mtc_waitlist wl = { 0 };
	tc_waitlist(c, "Polled", &wl);
	tc_party(c, wl.id, "Zoë", 4, NULL);
	struct mtc_waitee_list *l1 = NULL, *l2 = NULL, *l3 = NULL;
	int nm = -1;
	assert_int_equal(mtc_list_waitees(c, wl.id, "active", 0, &l1, &nm, &st), MTC_OK);
	assert_int_equal(nm, 0);
	assert_int_equal(l1->n, 1);
	assert_true(l1->etag[0] == '"');   /* the server sends a strong list ETag */
	assert_int_equal(mtc_list_waitees(c, wl.id, "active", 0, &l2, &nm, &st), MTC_OK);
	assert_int_equal(nm, 1);
	assert_int_equal(st.http_status, 304);
	assert_ptr_equal(l1, l2);                 /* the cached object itself */
	assert_int_equal(tc_trace_count(t, "If-None-Match"), 1);
	struct mtc_waitee_list *cached = mtc_cache_waitees(c, wl.id, "active");
	assert_ptr_equal(cached, l1);
	mtc_waitee_list_unref(cached);
	tc_party(c, wl.id, "Lee", 8, NULL);
	assert_int_equal(mtc_list_waitees(c, wl.id, "active", 0, &l3, &nm, &st), MTC_OK);
	assert_int_equal(nm, 0);
	assert_int_equal(l3->n, 2);
	assert_true(strcmp(l3->etag, l1->etag) != 0);
	assert_int_equal(l1->n, 1);               /* the old reference is untouched */
	/* waitlists too */
	struct mtc_waitlist_list *a = NULL, *b = NULL;
	assert_int_equal(mtc_list_waitlists(c, 0, &a, &nm, &st), MTC_OK);
	assert_int_equal(mtc_list_waitlists(c, 0, &b, &nm, &st), MTC_OK);
	assert_int_equal(nm, 1);
	assert_ptr_equal(a, b);
	mtc_waitlist_list_unref(a);
	mtc_waitlist_list_unref(b);
	mtc_waitee_list_unref(l1);
	mtc_waitee_list_unref(l2);
	mtc_waitee_list_unref(l3);
	mtc_waitlist_clear(&wl);
	mtc_client_free(c);
	free(t);
}

/* 1 when the server knows Idempotency-Key (a bad key is refused with 400). */
static int server_has_idempotency(const char *token, const char *list)
{
	const char *hdrs[] = { "Idempotency-Key: has space", NULL };
	struct test_resp r;
	char *path = test_strf("/waitlists/%s/waitees", list);
	int ok = test_http(&srv, "POST", path, token, "{\"name\":\"probe\"}", hdrs, &r) == 0 && r.status == 400;
	test_resp_free(&r);
	free(path);
	return ok;
}

/* An Idempotency-Key replayed after the answer was lost creates exactly one party. */
static void test_idempotent_replay(void **state)
{
	(void)state;
	char email[128];
	struct mtc_client *c = tc_owner(&srv, email, sizeof email);
	struct mtc_status st;
	struct mtc_waitlist wl = { 0 };
	tc_waitlist(c, "Replay", &wl);
	char *token = NULL;
	assert_int_equal(test_login(&srv, email, TC_PASSWORD, &token, NULL), 200);
	assert_true(server_has_idempotency(token, wl.id));   /* a bad key is refused: the server knows the header */
	free(token);
	char key[MTC_IDEMPOTENCY_KEY_SIZE];
	assert_int_equal(mtc_idempotency_key_new(key, sizeof key), MTC_OK);
	struct mtc_waitee_input in = { .set = MTC_SET_NAME | MTC_SET_PARTY_SIZE, .name = "Okafor", .party_size = 4 };
	/* first send: the answer is "lost" (we drop it, as a client that crashed would) */
	struct mtc_request req = { .op = MTC_OP_CREATE_WAITEE, .waitlist_id = wl.id, .waitee = &in,
				   .idempotency_key = key };
	struct mtc_result r1, r2;
	assert_int_equal(mtc_call(c, &req, &r1), MTC_OK);
	assert_int_equal(r1.replayed, 0);
	/* resend with the same key from another client (an app restarted) */
	struct mtc_client *c2 = tc_client(&srv);
	assert_int_equal(mtc_login(c2, email, TC_PASSWORD, &st), MTC_OK);
	assert_int_equal(mtc_call(c2, &req, &r2), MTC_OK);
	assert_int_equal(r2.replayed, 1);
	assert_string_equal(r2.waitee->id, r1.waitee->id);
	assert_string_equal(r2.idempotency_key, key);
	struct mtc_waitee_list *l = NULL;
	assert_int_equal(mtc_list_waitees(c, wl.id, NULL, MTC_LIST_ALL, &l, NULL, &st), MTC_OK);
	size_t okafor = 0;
	for (size_t i = 0; i < l->n; i++)
		okafor += strcmp(l->items[i].name, "Okafor") == 0;
	assert_int_equal(okafor, 1);
	mtc_waitee_list_unref(l);
	/* the same key with another body: refused */
	struct mtc_waitee_input other = { .set = MTC_SET_NAME, .name = "Someone else" };
	assert_int_equal(mtc_create_waitee(c, wl.id, &other, key, NULL, &st), MTC_ERR_VALIDATION);
	assert_string_equal(st.error, "idempotency_key_reused");
	mtc_result_clear(&r1);
	mtc_result_clear(&r2);
	mtc_waitlist_clear(&wl);
	mtc_client_free(c);
	mtc_client_free(c2);
}

/* Five wrong passwords: the sixth login is rate limited with a retry time. */
static void test_rate_limited(void **state)
{
	(void)state;
	char email[128];
	struct mtc_client *c = tc_owner(&srv, email, sizeof email);
	struct mtc_client *c2 = tc_client(&srv);
	struct mtc_status st;
	enum mtc_error e = MTC_OK;
	for (int i = 0; i < 8 && e != MTC_ERR_RATE_LIMITED; i++)
		e = mtc_login(c2, email, "not the password", &st);
	assert_int_equal(e, MTC_ERR_RATE_LIMITED);
	assert_int_equal(st.http_status, 429);
	assert_true(st.retry_after > 0);
	assert_string_equal(st.error, "too_many_attempts");
	mtc_client_free(c);
	mtc_client_free(c2);
}

/* An expired access token is refreshed silently and the call retried once. */
static void test_expired_token_refreshed(void **state)
{
	(void)state;
	struct mtc_client *c = tc_owner(&srv, NULL, 0);
	struct mtc_identity id;
	struct mtc_status st;
	assert_int_equal(mtc_client_identity(c, &id), MTC_OK);
	struct mtc_waitlist wl = { 0 };
	tc_waitlist(c, "Expiry", &wl);
	/* keep the real refresh token, put in an access token that expired a minute ago */
	char rt[512] = "";
	struct mtc_session s = { 0 };
	char path[512];
	snprintf(path, sizeof path, "%s/session-expiry", srv.root);
	assert_int_equal(mtc_client_set_session_file(c, path, &st), MTC_OK);
	assert_int_equal(mtc_refresh(c, &st), MTC_OK);   /* writes the file */
	assert_int_equal(mtc_session_load(path, &s, &st), MTC_OK);
	snprintf(rt, sizeof rt, "%s", s.refresh_token);
	mtc_session_clear(&s);
	long long now = (long long)time(NULL);
	char *expired = tc_forge(id.account_id, id.tenant_id, "owner", now - 1000, now - 60);
	/* the client believes it is valid for 900 s: the server refuses it */
	assert_int_equal(mtc_client_set_tokens(c, expired, 900, rt), MTC_OK);
	struct tc_trace *t = calloc(1, sizeof *t);
	assert_non_null(t);
	mtc_client_set_trace(c, tc_trace_fn, t);
	struct mtc_waitlist g = { 0 };
	assert_int_equal(mtc_get_waitlist(c, wl.id, &g, &st), MTC_OK);
	assert_string_equal(g.id, wl.id);
	assert_int_equal(tc_trace_count(t, "> POST /auth/refresh"), 1);
	assert_int_equal(tc_trace_count(t, "> GET /waitlists/"), 2);   /* refused, then retried */
	/* the rotated token was saved; the old one is spent */
	assert_int_equal(mtc_session_load(path, &s, &st), MTC_OK);
	assert_true(strcmp(s.refresh_token, rt) != 0);
	/* a token that expires within 30 s is refreshed before the call */
	t->n = 0;
	char *fresh = tc_forge(id.account_id, id.tenant_id, "owner", now, now + 10);
	assert_int_equal(mtc_client_set_tokens(c, fresh, 10, s.refresh_token), MTC_OK);
	mtc_session_clear(&s);
	mtc_waitlist_clear(&g);
	assert_int_equal(mtc_get_waitlist(c, wl.id, &g, &st), MTC_OK);
	assert_int_equal(tc_trace_count(t, "expires soon"), 1);
	assert_int_equal(tc_trace_count(t, "> POST /auth/refresh"), 1);
	assert_int_equal(tc_trace_count(t, "> GET /waitlists/"), 1);
	/* no secret reached the trace */
	for (size_t i = 0; i < t->n; i++) {
		assert_null(strstr(t->lines[i], rt));
		assert_null(strstr(t->lines[i], "Bearer"));
		assert_null(strstr(t->lines[i], TC_PASSWORD));
	}
	free(expired);
	free(fresh);
	free(t);
	mtc_waitlist_clear(&g);
	mtc_waitlist_clear(&wl);
	mtc_client_free(c);
}

/* A revoked refresh token ends the session: unauthorised, tokens forgotten, callback told. */
static int session_cb_calls;       /* times the session callback ran */
static int session_cb_last_null;   /* 1 when its last token was NULL */

/* Records session callback calls. */
static void on_session(void *ud, const char *server, const char *rt)
{
	(void)ud;
	(void)server;
	session_cb_calls++;
	session_cb_last_null = rt == NULL;
}

static void test_revoked_refresh(void **state)
{
	(void)state;
	char email[128];
	struct mtc_client *c = tc_owner(&srv, email, sizeof email);
	struct mtc_status st;
	mtc_client_set_session_callback(c, on_session, NULL);
	session_cb_calls = 0;
	assert_int_equal(mtc_refresh(c, &st), MTC_OK);
	assert_int_equal(session_cb_calls, 1);
	assert_int_equal(session_cb_last_null, 0);
	/* steal the token: another client logs that session out (revokes the family) */
	char path[512];
	snprintf(path, sizeof path, "%s/session-revoked", srv.root);
	assert_int_equal(mtc_client_set_session_file(c, path, &st), MTC_OK);
	assert_int_equal(mtc_refresh(c, &st), MTC_OK);
	struct mtc_session s = { 0 };
	assert_int_equal(mtc_session_load(path, &s, &st), MTC_OK);
	struct mtc_client *thief = tc_client(&srv);
	assert_int_equal(mtc_client_set_refresh_token(thief, s.refresh_token), MTC_OK);
	assert_int_equal(mtc_logout(thief, &st), MTC_OK);
	assert_int_equal(mtc_client_has_session(thief), 0);
	mtc_session_clear(&s);
	/* the owner's next refresh is refused: the session is over */
	assert_int_equal(mtc_refresh(c, &st), MTC_ERR_UNAUTHORIZED);
	assert_string_equal(st.error, "invalid_refresh_token");
	assert_int_equal(mtc_client_has_session(c), 0);
	assert_int_equal(session_cb_last_null, 1);
	assert_int_equal(mtc_session_load(path, &s, &st), MTC_ERR_UNAUTHORIZED); /* file removed */
	assert_int_equal(mtc_list_waitlists(c, 0, NULL, NULL, &st), MTC_ERR_UNAUTHORIZED);
	mtc_client_free(thief);
	mtc_client_free(c);
}

/* Logout revokes on the server and forgets locally. */
static void test_logout(void **state)
{
	(void)state;
	struct mtc_client *c = tc_owner(&srv, NULL, 0);
	struct mtc_status st;
	char path[512];
	snprintf(path, sizeof path, "%s/session-logout", srv.root);
	assert_int_equal(mtc_client_set_session_file(c, path, &st), MTC_OK);
	assert_int_equal(mtc_refresh(c, &st), MTC_OK);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	struct mtc_session s = { 0 };
	assert_int_equal(mtc_session_load(path, &s, &st), MTC_OK);
	assert_string_equal(s.server, srv.base_url);
	assert_int_equal(mtc_logout(c, &st), MTC_OK);
	assert_int_equal(mtc_client_has_session(c), 0);
	assert_int_not_equal(stat(path, &sb), 0);
	/* the revoked token cannot be refreshed any more */
	struct mtc_client *c2 = tc_client(&srv);
	assert_int_equal(mtc_client_set_refresh_token(c2, s.refresh_token), MTC_OK);
	assert_int_equal(mtc_refresh(c2, &st), MTC_ERR_UNAUTHORIZED);
	mtc_session_clear(&s);
	mtc_client_free(c2);
	mtc_client_free(c);
}

/* Two clients sharing one session file never spend the same refresh token twice. */
static void test_shared_session_file(void **state)
{
	(void)state;
	struct mtc_client *a = tc_owner(&srv, NULL, 0);
	struct mtc_status st;
	char path[512];
	snprintf(path, sizeof path, "%s/session-shared", srv.root);
	assert_int_equal(mtc_client_set_session_file(a, path, &st), MTC_OK);
	assert_int_equal(mtc_refresh(a, &st), MTC_OK);
	struct mtc_client *b = tc_client(&srv);
	assert_int_equal(mtc_client_set_session_file(b, path, &st), MTC_OK);
	assert_int_equal(mtc_client_has_session(b), 1);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(mtc_refresh(b, &st), MTC_OK);   /* b rotates; a's copy is now spent */
		assert_int_equal(mtc_refresh(a, &st), MTC_OK);   /* a adopts b's token from the file first */
	}
	assert_int_equal(mtc_list_waitlists(a, 0, NULL, NULL, &st), MTC_OK);
	assert_int_equal(mtc_list_waitlists(b, 0, NULL, NULL, &st), MTC_OK);
	mtc_client_free(a);
	mtc_client_free(b);
}

/* A host may not change waitlists: FORBIDDEN without any refresh attempt.
 * The host is a real staff account (a token claiming another role than its
 * account's is refused by the authorizer: docs/staff.md), made with the
 * library's staff calls; its first password change goes through
 * mtc_change_password and the session info says what the login said. */
static void test_role_forbidden(void **state)
{
	(void)state;
	struct mtc_client *c = tc_owner(&srv, NULL, 0), *h = tc_client(&srv);
	struct mtc_session_info info;
	struct mtc_staff s, *all = NULL;
	struct mtc_status st;
	size_t n = 0, i;
	char email[128];
	int seen = 0;

	test_unique_email(email, sizeof email, "client-host");
	struct mtc_staff_input sin = { .email = email, .name = "Client Host", .role = "host", .password = "first password" };
	assert_int_equal(mtc_create_staff(c, &sin, &s, &st), MTC_OK);
	assert_string_equal(s.role, "host");
	assert_int_equal(s.must_change_password, 1);
	assert_int_equal(mtc_list_staff(c, &all, &n, &st), MTC_OK);
	for (i = 0; i < n; i++)
		seen |= strcmp(all[i].id, s.id) == 0;
	free(all);
	assert_true(seen);
	assert_int_equal(mtc_login(h, email, "first password", &st), MTC_OK);
	mtc_client_session_info(h, &info);
	assert_int_equal(info.known, 1);
	assert_string_equal(info.role, "host");
	assert_int_equal(info.must_change_password, 1);
	assert_int_equal(mtc_list_waitlists(h, MTC_LIST_NO_CACHE, NULL, NULL, &st), MTC_ERR_FORBIDDEN);
	assert_string_equal(st.error, "password_change_required");
	assert_int_equal(mtc_change_password(h, "first password", "second password", &st), MTC_OK);
	mtc_client_session_info(h, &info);
	assert_int_equal(info.must_change_password, 0);

	struct tc_trace *t = calloc(1, sizeof *t);
	assert_non_null(t);
	mtc_client_set_trace(h, tc_trace_fn, t);
	struct mtc_waitlist_input in = { .set = MTC_SET_NAME, .name = "Nope" };
	assert_int_equal(mtc_create_waitlist(h, &in, NULL, NULL, &st), MTC_ERR_FORBIDDEN);
	assert_int_equal(st.http_status, 403);
	assert_string_equal(st.error, "forbidden");
	assert_int_equal(tc_trace_count(t, "/auth/refresh"), 0);
	assert_int_equal(mtc_client_has_session(h), 1);
	assert_int_equal(mtc_list_waitlists(h, MTC_LIST_NO_CACHE, NULL, NULL, &st), MTC_OK);
	mtc_client_set_trace(h, NULL, NULL);
	free(t);

	/* the owner disables it: the host's session is over (its refresh token at
	 * once; its access token within the authorizer cache time, api-staff) */
	struct mtc_staff_input dis = { .set_disabled = 1, .disabled = 1 };
	assert_int_equal(mtc_update_staff(c, s.id, &dis, 0, &s, &st), MTC_OK);
	assert_int_equal(s.disabled, 1);
	assert_int_equal(mtc_refresh(h, &st), MTC_ERR_UNAUTHORIZED);
	mtc_client_free(h);
	mtc_client_free(c);
}

/* The SMS gateway's route: a guest's "1" confirms the party; a wrong secret is refused. */
static void test_sms_reply(void **state)
{
	(void)state;
	struct mtc_client *c = tc_owner(&srv, NULL, 0);
	struct mtc_status st;
	struct mtc_waitlist wl = { 0 };
	tc_waitlist(c, "Replies", &wl);
	struct mtc_waitee_input in = { .set = MTC_SET_NAME | MTC_SET_PHONE, .name = "Kim", .phone = "+14155550199" };
	struct mtc_waitee w = { 0 }, g = { 0 };
	assert_int_equal(mtc_create_waitee(c, wl.id, &in, NULL, &w, &st), MTC_OK);
	struct mtc_client *gw = tc_client(&srv);   /* the gateway needs no session */
	struct mtc_request req = { .op = MTC_OP_SMS_REPLY, .hook_secret = "wrong-secret", .sms_from = "+14155550199",
				   .sms_body = "1" };
	struct mtc_result r;
	assert_int_equal(mtc_call(gw, &req, &r), MTC_ERR_UNAUTHORIZED);
	mtc_result_clear(&r);
	req.hook_secret = "hook-secret-1";
	assert_int_equal(mtc_call(gw, &req, &r), MTC_OK);
	assert_int_equal(r.status.http_status, 200);
	mtc_result_clear(&r);
	assert_int_equal(mtc_get_waitee(c, wl.id, w.id, &g, &st), MTC_OK);
	assert_int_equal(g.status, MTC_PARTY_CONFIRMED);
	mtc_waitee_clear(&w);
	mtc_waitee_clear(&g);
	mtc_waitlist_clear(&wl);
	mtc_client_free(gw);
	mtc_client_free(c);
}

/* Counts completions of the concurrent-refresh test. */
struct many {
	int done;   /* callbacks run */
	int ok;     /* of which succeeded */
};

/* Counts one completion. */
static void many_done(struct mtc_client *c, struct mtc_result *r, void *ud)
{
	(void)c;
	struct many *m = ud;
	m->done++;
	m->ok += r->status.code == MTC_OK;
}

/* 20 calls in flight with a refused token cause one refresh, not 20 (refresh tokens rotate). */
static void test_one_refresh_for_many(void **state)
{
	(void)state;
	struct mtc_client *c = tc_owner(&srv, NULL, 0);
	struct mtc_identity id;
	struct mtc_status st;
	struct mtc_waitlist wl = { 0 };
	tc_waitlist(c, "Many", &wl);
	assert_int_equal(mtc_client_identity(c, &id), MTC_OK);
	char path[512];
	snprintf(path, sizeof path, "%s/session-many", srv.root);
	assert_int_equal(mtc_client_set_session_file(c, path, &st), MTC_OK);
	assert_int_equal(mtc_refresh(c, &st), MTC_OK);
	struct mtc_session s = { 0 };
	assert_int_equal(mtc_session_load(path, &s, &st), MTC_OK);
	long long now = (long long)time(NULL);
	char *expired = tc_forge(id.account_id, id.tenant_id, "owner", now - 1000, now - 60);
	assert_int_equal(mtc_client_set_tokens(c, expired, 900, s.refresh_token), MTC_OK);
	mtc_session_clear(&s);
	struct tc_trace *t = calloc(1, sizeof *t);
	assert_non_null(t);
	mtc_client_set_trace(c, tc_trace_fn, t);
	struct many m = { 0 };
	struct mtc_request req = { .op = MTC_OP_GET_WAITLIST, .waitlist_id = wl.id };
	for (int i = 0; i < 20; i++)
		assert_int_equal(mtc_start(c, &req, many_done, &m, NULL), MTC_OK);
	assert_int_equal(mtc_run(c, 20000), MTC_OK);
	assert_int_equal(m.done, 20);
	assert_int_equal(m.ok, 20);
	assert_int_equal(tc_trace_count(t, "> POST /auth/refresh"), 1);
	/* the session still works afterwards (no token was spent twice) */
	assert_int_equal(mtc_refresh(c, &st), MTC_OK);
	free(expired);
	free(t);
	mtc_waitlist_clear(&wl);
	mtc_client_free(c);
}

/* All pages revalidated: unchanged pages are 304 and the joined list is the same object;
 * a change on the second page gives a new list with the first page copied. */
static void test_etag_pages(void **state)
{
	(void)state;
	struct mtc_client *c = tc_owner(&srv, NULL, 0);
	struct mtc_waitlist wl = { 0 };
	tc_waitlist(c, "Pages", &wl);
	char name[32];
	struct mtc_waitee last = { 0 };
	for (int i = 0; i < 7; i++) {
		snprintf(name, sizeof name, "P%d", i + 1);
		tc_party(c, wl.id, name, 2, i == 6 ? &last : NULL);
	}
	struct mtc_request req = { .op = MTC_OP_LIST_WAITEES, .waitlist_id = wl.id, .limit = 3, .flags = MTC_LIST_ALL };
	struct mtc_result a, b, d;
	assert_int_equal(mtc_call(c, &req, &a), MTC_OK);
	assert_int_equal(a.waitees->n, 7);
	assert_int_equal(mtc_call(c, &req, &b), MTC_OK);
	assert_int_equal(b.not_modified, 1);
	assert_ptr_equal(a.waitees, b.waitees);
	struct mtc_status st;
	assert_int_equal(mtc_set_waitee_status(c, wl.id, last.id, MTC_PARTY_SEATED, last.version, NULL, &st), MTC_OK);
	assert_int_equal(mtc_call(c, &req, &d), MTC_OK);
	assert_int_equal(d.not_modified, 0);
	assert_ptr_not_equal(d.waitees, a.waitees);
	assert_int_equal(d.waitees->n, 7);
	assert_string_equal(d.waitees->items[0].name, "P1");   /* copied from the cached first page */
	assert_string_equal(d.waitees->items[6].name, "P7");
	assert_int_equal(d.waitees->items[6].status, MTC_PARTY_SEATED);
	assert_int_equal(a.waitees->items[6].status, MTC_PARTY_WAITING);   /* the old list is untouched */
	mtc_result_clear(&a);
	mtc_result_clear(&b);
	mtc_result_clear(&d);
	mtc_waitee_clear(&last);
	mtc_waitlist_clear(&wl);
	mtc_client_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_identity_healthz),
		cmocka_unit_test(test_waitlist_crud),
		cmocka_unit_test(test_waitee_calls),
		cmocka_unit_test(test_undo),
		cmocka_unit_test(test_paging),
		cmocka_unit_test(test_etag_304),
		cmocka_unit_test(test_idempotent_replay),
		cmocka_unit_test(test_rate_limited),
		cmocka_unit_test(test_expired_token_refreshed),
		cmocka_unit_test(test_revoked_refresh),
		cmocka_unit_test(test_logout),
		cmocka_unit_test(test_shared_session_file),
		cmocka_unit_test(test_role_forbidden),
		cmocka_unit_test(test_sms_reply),
		cmocka_unit_test(test_one_refresh_for_many),
		cmocka_unit_test(test_etag_pages),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

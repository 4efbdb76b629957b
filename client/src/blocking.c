/* Typed blocking shorthands over mtc_call. */
#include <stdlib.h>
#include <string.h>
#include "internal.h"

/* Runs req, copies the status out, and returns the code (the result stays in *r). */
static enum mtc_error run(struct mtc_client *c, const struct mtc_request *req, struct mtc_result *r,
			  struct mtc_status *st)
{
	enum mtc_error e = mtc_call(c, req, r);
	mtc_status_copy(st, &r->status);
	return e;
}

/* Runs req for its status alone (the result is cleared). */
static enum mtc_error run_only(struct mtc_client *c, const struct mtc_request *req, struct mtc_status *st)
{
	struct mtc_result r;
	enum mtc_error e = run(c, req, &r, st);
	mtc_result_clear(&r);
	return e;
}

/* Moves a record pointer's contents into out and frees the pointer. */
#define TAKE(out, ptr) do { if ((out) != NULL && (ptr) != NULL) { *(out) = *(ptr); free(ptr); (ptr) = NULL; } } while (0)

/* GET /healthz. */
enum mtc_error mtc_healthz(struct mtc_client *c, struct mtc_status *st)
{
	struct mtc_request req = { .op = MTC_OP_HEALTHZ };
	return run_only(c, &req, st);
}

/* POST /register, then logs in. */
enum mtc_error mtc_register(struct mtc_client *c, const char *email, const char *password, const char *name,
			    struct mtc_account *out, struct mtc_status *st)
{
	struct mtc_request req = { .op = MTC_OP_REGISTER, .email = email, .password = password, .name = name };
	struct mtc_result r;
	enum mtc_error e = run(c, &req, &r, st);
	if (e == MTC_OK)
		TAKE(out, r.account);
	mtc_result_clear(&r);
	return e;
}

/* POST /auth/get-token. */
enum mtc_error mtc_login(struct mtc_client *c, const char *email, const char *password, struct mtc_status *st)
{
	struct mtc_request req = { .op = MTC_OP_LOGIN, .email = email, .password = password };
	return run_only(c, &req, st);
}

/* POST /auth/refresh. */
enum mtc_error mtc_refresh(struct mtc_client *c, struct mtc_status *st)
{
	struct mtc_request req = { .op = MTC_OP_REFRESH };
	return run_only(c, &req, st);
}

/* POST /auth/logout and forget. */
enum mtc_error mtc_logout(struct mtc_client *c, struct mtc_status *st)
{
	struct mtc_request req = { .op = MTC_OP_LOGOUT };
	return run_only(c, &req, st);
}

/* GET /waitlists. */
enum mtc_error mtc_list_waitlists(struct mtc_client *c, unsigned flags, struct mtc_waitlist_list **out,
				  int *not_modified, struct mtc_status *st)
{
	struct mtc_request req = { .op = MTC_OP_LIST_WAITLISTS, .flags = flags };
	struct mtc_result r;
	enum mtc_error e = run(c, &req, &r, st);
	if (e == MTC_OK) {
		if (not_modified != NULL)
			*not_modified = r.not_modified;
		if (out != NULL) {
			*out = r.waitlists;
			r.waitlists = NULL;
		}
	}
	mtc_result_clear(&r);
	return e;
}

/* GET /waitlists/{id}. */
enum mtc_error mtc_get_waitlist(struct mtc_client *c, const char *waitlist_id, struct mtc_waitlist *out,
				struct mtc_status *st)
{
	struct mtc_request req = { .op = MTC_OP_GET_WAITLIST, .waitlist_id = waitlist_id };
	struct mtc_result r;
	enum mtc_error e = run(c, &req, &r, st);
	if (e == MTC_OK)
		TAKE(out, r.waitlist);
	mtc_result_clear(&r);
	return e;
}

/* POST /waitlists. */
enum mtc_error mtc_create_waitlist(struct mtc_client *c, const struct mtc_waitlist_input *in,
				   const char *idempotency_key, struct mtc_waitlist *out, struct mtc_status *st)
{
	struct mtc_request req = { .op = MTC_OP_CREATE_WAITLIST, .waitlist = in, .idempotency_key = idempotency_key };
	struct mtc_result r;
	enum mtc_error e = run(c, &req, &r, st);
	if (e == MTC_OK)
		TAKE(out, r.waitlist);
	mtc_result_clear(&r);
	return e;
}

/* PUT /waitlists/{id}. */
enum mtc_error mtc_update_waitlist(struct mtc_client *c, const char *waitlist_id,
				   const struct mtc_waitlist_input *in, int64_t if_match, struct mtc_waitlist *out,
				   struct mtc_status *st)
{
	struct mtc_request req = { .op = MTC_OP_UPDATE_WAITLIST, .waitlist_id = waitlist_id, .waitlist = in,
				   .if_match = if_match };
	struct mtc_result r;
	enum mtc_error e = run(c, &req, &r, st);
	if (e == MTC_OK)
		TAKE(out, r.waitlist);
	mtc_result_clear(&r);
	return e;
}

/* DELETE /waitlists/{id}. */
enum mtc_error mtc_delete_waitlist(struct mtc_client *c, const char *waitlist_id, int64_t if_match,
				   struct mtc_status *st)
{
	struct mtc_request req = { .op = MTC_OP_DELETE_WAITLIST, .waitlist_id = waitlist_id, .if_match = if_match };
	return run_only(c, &req, st);
}

/* GET /waitlists/{id}/waitees. */
enum mtc_error mtc_list_waitees(struct mtc_client *c, const char *waitlist_id, const char *status_filter,
				unsigned flags, struct mtc_waitee_list **out, int *not_modified, struct mtc_status *st)
{
	struct mtc_request req = { .op = MTC_OP_LIST_WAITEES, .waitlist_id = waitlist_id,
				   .status_filter = status_filter, .flags = flags };
	struct mtc_result r;
	enum mtc_error e = run(c, &req, &r, st);
	if (e == MTC_OK) {
		if (not_modified != NULL)
			*not_modified = r.not_modified;
		if (out != NULL) {
			*out = r.waitees;
			r.waitees = NULL;
		}
	}
	mtc_result_clear(&r);
	return e;
}

/* GET one waitee. */
enum mtc_error mtc_get_waitee(struct mtc_client *c, const char *waitlist_id, const char *waitee_id,
			      struct mtc_waitee *out, struct mtc_status *st)
{
	struct mtc_request req = { .op = MTC_OP_GET_WAITEE, .waitlist_id = waitlist_id, .waitee_id = waitee_id };
	struct mtc_result r;
	enum mtc_error e = run(c, &req, &r, st);
	if (e == MTC_OK)
		TAKE(out, r.waitee);
	mtc_result_clear(&r);
	return e;
}

/* POST a waitee. */
enum mtc_error mtc_create_waitee(struct mtc_client *c, const char *waitlist_id, const struct mtc_waitee_input *in,
				 const char *idempotency_key, struct mtc_waitee *out, struct mtc_status *st)
{
	struct mtc_request req = { .op = MTC_OP_CREATE_WAITEE, .waitlist_id = waitlist_id, .waitee = in,
				   .idempotency_key = idempotency_key };
	struct mtc_result r;
	enum mtc_error e = run(c, &req, &r, st);
	if (e == MTC_OK)
		TAKE(out, r.waitee);
	mtc_result_clear(&r);
	return e;
}

/* PUT a waitee. */
enum mtc_error mtc_update_waitee(struct mtc_client *c, const char *waitlist_id, const char *waitee_id,
				 const struct mtc_waitee_input *in, int64_t if_match, struct mtc_waitee *out,
				 struct mtc_status *st)
{
	struct mtc_request req = { .op = MTC_OP_UPDATE_WAITEE, .waitlist_id = waitlist_id, .waitee_id = waitee_id,
				   .waitee = in, .if_match = if_match };
	struct mtc_result r;
	enum mtc_error e = run(c, &req, &r, st);
	if (e == MTC_OK)
		TAKE(out, r.waitee);
	mtc_result_clear(&r);
	return e;
}

/* PUT {status}. */
enum mtc_error mtc_set_waitee_status(struct mtc_client *c, const char *waitlist_id, const char *waitee_id,
				     enum mtc_party_status status, int64_t if_match, struct mtc_waitee *out,
				     struct mtc_status *st)
{
	struct mtc_waitee_input in = { .set = MTC_SET_STATUS, .status = status };
	if (status == MTC_PARTY_UNKNOWN) {
		mtc_status_reset(st);
		mtc_status_set(st, MTC_ERR_INVALID_ARG, "unknown status");
		return MTC_ERR_INVALID_ARG;
	}
	return mtc_update_waitee(c, waitlist_id, waitee_id, &in, if_match, out, st);
}

/* PUT {status: previousStatus} with If-Match. */
enum mtc_error mtc_undo_waitee(struct mtc_client *c, const struct mtc_waitee *w, struct mtc_waitee *out,
			       struct mtc_status *st)
{
	if (w == NULL) {
		mtc_status_reset(st);
		mtc_status_set(st, MTC_ERR_INVALID_ARG, "no party");
		return MTC_ERR_INVALID_ARG;
	}
	enum mtc_party_status to = w->previous_status != MTC_PARTY_UNKNOWN ? w->previous_status : MTC_PARTY_WAITING;
	return mtc_set_waitee_status(c, w->waitlist_id, w->id, to, w->version, out, st);
}

/* DELETE a waitee. */
enum mtc_error mtc_delete_waitee(struct mtc_client *c, const char *waitlist_id, const char *waitee_id,
				 int64_t if_match, struct mtc_status *st)
{
	struct mtc_request req = { .op = MTC_OP_DELETE_WAITEE, .waitlist_id = waitlist_id, .waitee_id = waitee_id,
				   .if_match = if_match };
	return run_only(c, &req, st);
}

/* POST .../notify. */
enum mtc_error mtc_notify_waitee(struct mtc_client *c, const char *waitlist_id, const char *waitee_id,
				 int64_t if_match, struct mtc_waitee *out, struct mtc_status *st)
{
	struct mtc_request req = { .op = MTC_OP_NOTIFY_WAITEE, .waitlist_id = waitlist_id, .waitee_id = waitee_id,
				   .if_match = if_match };
	struct mtc_result r;
	enum mtc_error e = run(c, &req, &r, st);
	if (e == MTC_OK)
		TAKE(out, r.waitee);
	mtc_result_clear(&r);
	return e;
}

/* GET /waitlists/{id}/stats. */
enum mtc_error mtc_get_stats(struct mtc_client *c, const char *waitlist_id, const char *from, const char *to,
			     const char *tz, struct mtc_stats *out, struct mtc_status *st)
{
	struct mtc_request req = { .op = MTC_OP_GET_STATS, .waitlist_id = waitlist_id, .from = from, .to = to,
				   .tz = tz };
	struct mtc_result r;
	enum mtc_error e = run(c, &req, &r, st);
	if (e == MTC_OK)
		TAKE(out, r.stats);
	mtc_result_clear(&r);
	return e;
}

/* GET /waitlists/{id}/estimate. */
enum mtc_error mtc_get_estimate(struct mtc_client *c, const char *waitlist_id, int party_size, const char *tz,
				struct mtc_estimate *out, struct mtc_status *st)
{
	struct mtc_request req = { .op = MTC_OP_GET_ESTIMATE, .waitlist_id = waitlist_id, .party_size = party_size,
				   .tz = tz };
	struct mtc_result r;
	enum mtc_error e = run(c, &req, &r, st);
	if (e == MTC_OK)
		TAKE(out, r.estimate);
	mtc_result_clear(&r);
	return e;
}

/* Runs an issue-10 op and hands its JSON text to *json. */
static enum mtc_error json_call(struct mtc_client *c, const struct mtc_request *req, char **json,
				char **next_cursor, struct mtc_status *st)
{
	struct mtc_result r;
	enum mtc_error e = mtc_call(c, req, &r);
	if (e == MTC_OK) {
		if (next_cursor != NULL) {
			*next_cursor = r.next_cursor[0] ? mtc_strdup(r.next_cursor) : NULL;
			if (r.next_cursor[0] && *next_cursor == NULL)
				e = MTC_ERR_NOMEM;
		}
		if (e == MTC_OK) {
			*json = r.json;
			r.json = NULL;
		}
	}
	if (st != NULL)
		*st = r.status;
	mtc_result_clear(&r);
	return e;
}

/* One page of a list's activity. */
enum mtc_error mtc_list_activity(struct mtc_client *c, const char *waitlist_id, int64_t since, int limit,
				 const char *cursor, char **json, char **next_cursor, struct mtc_status *st)
{
	struct mtc_request req = { .op = MTC_OP_LIST_ACTIVITY, .waitlist_id = waitlist_id, .since = since,
				   .limit = limit, .cursor = cursor };
	return json_call(c, &req, json, next_cursor, st);
}

/* The current handover note and its history. */
enum mtc_error mtc_get_handover(struct mtc_client *c, const char *waitlist_id, char **json, struct mtc_status *st)
{
	struct mtc_request req = { .op = MTC_OP_GET_HANDOVER, .waitlist_id = waitlist_id };
	return json_call(c, &req, json, NULL, st);
}

/* Writes a new handover note. */
enum mtc_error mtc_put_handover(struct mtc_client *c, const char *waitlist_id, const char *note, char **json,
				struct mtc_status *st)
{
	struct mtc_request req = { .op = MTC_OP_PUT_HANDOVER, .waitlist_id = waitlist_id, .note = note };
	return json_call(c, &req, json, NULL, st);
}

/* Acknowledges the current handover note. */
enum mtc_error mtc_ack_handover(struct mtc_client *c, const char *waitlist_id, const char *note_id, char **json,
				struct mtc_status *st)
{
	struct mtc_request req = { .op = MTC_OP_ACK_HANDOVER, .waitlist_id = waitlist_id, .note_id = note_id };
	return json_call(c, &req, json, NULL, st);
}

/* The handover summary. */
enum mtc_error mtc_handover_summary(struct mtc_client *c, const char *waitlist_id, char **json,
				    struct mtc_status *st)
{
	struct mtc_request req = { .op = MTC_OP_HANDOVER_SUMMARY, .waitlist_id = waitlist_id };
	return json_call(c, &req, json, NULL, st);
}

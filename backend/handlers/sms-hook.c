/* POST /hooks/sms: guest replies from the SMS gateway (Twilio's inbound
 * webhook shape: an application/x-www-form-urlencoded form with From, Body
 * and more). Public route: this handler authenticates the gateway itself.
 *
 * Authentication (ctx->cfg.sms_hook_secret; "" disables the hook: 404):
 * - the shared secret as `?secret=...` or the X-Maitre-Hook-Secret header,
 *   compared in constant time; or
 * - X-Maitre-Signature: sha256=<hex HMAC-SHA256(secret, "<ts>.<raw body>")>
 *   with X-Maitre-Timestamp: <ts> (epoch seconds, within 5 minutes).
 * Anything else: 401.
 *
 * Replies: "1", "yes", "y" -> confirmed (from waiting or notified);
 * "9", "cancel", "no" -> cancelled (from waiting, notified, confirmed; TTL
 * set and pending notifications dropped, like a host's cancel); matched
 * case-insensitively after trimming spaces and trailing ".!". Anything
 * else is kept in `reply` / `reply_at` for the host. The write is
 * conditional on the version and retried once on a lost race.
 *
 * Answer: 200 with an empty TwiML document (<Response/>, text/xml), or
 * `{}` when the request's Accept asks for application/json; the same for
 * a known number, an unknown one, or a number that is not E.164, so the
 * hook reveals nothing. When active parties of more than one restaurant
 * have the sender's number, the reply is recorded nowhere (a restaurant
 * must not receive, nor be able to take, another's guest's replies) and
 * the answer carries a <Message> asking the guest to contact the
 * restaurant directly (issue 13, finding 6).
 *
 * Replays (issue 13, finding 7): a MessageSid already received, or (for a
 * signed request) a signature already received, answers 409 `replayed`
 * and changes nothing; the markers are kept a day (longer than the 5
 * minutes a signature is valid) and given back when the reply could not be
 * recorded (503), so the gateway's retry gets through. 400 for a malformed form, 415 for another content
 * type, 503 when the store is unavailable. */
#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "core/error.h"
#include "handlers/activity-log.h"
#include "handlers/retention.h"
#include "core/model.h"
#include "core/status.h"
#include "core/url.h"
#include "core/validate.h"
#include "handlers/handler.h"
#include "handlers/stats.h"
#include "handlers/limit.h"
#include "apigw/apigw.h"
#include "store/store.h"

#define SMS_HOOK_SKEW_S 300              /* accepted signature timestamp skew */
#define SMS_HOOK_FIELD_MAX 4096          /* longest decoded form value we keep */
#define SMS_HOOK_AMBIGUOUS 1             /* sms_hook_record: nothing recorded, the number is ambiguous */
/* Told to a guest whose number waits at several restaurants at once. */
#define SMS_HOOK_AMBIGUOUS_TEXT "Your reply was not passed on: more than one restaurant has this number " \
	"on its waitlist, so we cannot tell which one it is for. Please contact the restaurant directly."

/* What a reply asks for. */
enum sms_hook_action {
	SMS_HOOK_NONE = 0,    /* empty reply: nothing to do */
	SMS_HOOK_CONFIRM,     /* 1 / yes / y */
	SMS_HOOK_CANCEL,      /* 9 / cancel / no */
	SMS_HOOK_TEXT,        /* anything else: kept for the host */
};

/* The parts of the inbound form we use. */
struct sms_hook_form {
	char *from;           /* sender, decoded (malloc'd) */
	char *body;           /* text, decoded (malloc'd); "" when absent */
	char *sid;            /* provider message id (MessageSid), decoded (malloc'd); NULL when absent */
};

/* Decodes n bytes of form-encoding ('+' = space, %XX) into a malloc'd,
 * NUL-terminated string; NULL on bad escapes, NUL bytes, bad UTF-8 or
 * over SMS_HOOK_FIELD_MAX. *bad is set on malformed input. */
static char *sms_hook_decode(const char *s, size_t n, int *bad)
{
	char *out;
	long k;

	if (n > SMS_HOOK_FIELD_MAX * 3) {
		*bad = 1;
		return NULL;
	}
	out = malloc(n + 1);
	if (out == NULL)
		return NULL;
	k = mt_url_decode(s, n, out, n + 1, MT_URL_PLUS_SPACE | MT_URL_STRICT);
	if (k < 0) {
		free(out);
		*bad = 1;
		return NULL;
	}
	if (k > SMS_HOOK_FIELD_MAX || !mt_valid_utf8(out, (size_t)k)) {
		free(out);
		*bad = 1;
		return NULL;
	}
	return out;
}

/* Parses the form; 0, MT_EINVAL (malformed: *why set) or MT_ENOMEM. */
static int sms_hook_parse(const char *body, size_t len, struct sms_hook_form *f, const char **why)
{
	const char *p = body, *end = body + len;

	f->from = f->body = f->sid = NULL;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *pe = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(pe - p));
		char **slot = NULL;
		int bad = 0;

		if (pe == p) { /* empty pair ("a=1&&b=2") */
			p = pe + 1;
			continue;
		}
		if (eq == NULL) {
			*why = "form field without '='";
			return MT_EINVAL;
		}
		if (eq - p == 4 && memcmp(p, "From", 4) == 0)
			slot = &f->from;
		else if (eq - p == 4 && memcmp(p, "Body", 4) == 0)
			slot = &f->body;
		else if (eq - p == 10 && memcmp(p, "MessageSid", 10) == 0)
			slot = &f->sid;
		if (slot != NULL) {
			if (*slot != NULL) {
				*why = "form field given twice";
				return MT_EINVAL;
			}
			*slot = sms_hook_decode(eq + 1, (size_t)(pe - eq - 1), &bad);
			if (*slot == NULL) {
				*why = bad ? "malformed form value (bad %-escape, NUL, invalid UTF-8 or too long)" : NULL;
				return bad ? MT_EINVAL : MT_ENOMEM;
			}
		} else {
			/* Other fields are not used, but must be well-formed too. */
			char *v = sms_hook_decode(eq + 1, (size_t)(pe - eq - 1), &bad);
			if (v == NULL) {
				*why = bad ? "malformed form value (bad %-escape, NUL, invalid UTF-8 or too long)" : NULL;
				return bad ? MT_EINVAL : MT_ENOMEM;
			}
			free(v);
		}
		p = amp ? amp + 1 : end;
	}
	if (f->from == NULL) {
		*why = "the form has no From";
		return MT_EINVAL;
	}
	if (f->body == NULL && (f->body = strdup("")) == NULL)
		return MT_ENOMEM;
	return 0;
}

/* Compares two strings in constant time for their content (both hashed
 * first, so lengths do not leak). Returns 1 when equal. */
static int sms_hook_secret_eq(const char *a, const char *b)
{
	unsigned char ha[32], hb[32];

	crypto_generichash(ha, sizeof ha, (const unsigned char *)a, strlen(a), NULL, 0);
	crypto_generichash(hb, sizeof hb, (const unsigned char *)b, strlen(b), NULL, 0);
	return sodium_memcmp(ha, hb, sizeof ha) == 0;
}

/* Checks the HMAC signature of the raw body. Returns 1 when valid. */
static int sms_hook_sig_ok(const char *secret, const char *ts, const char *sig, const char *body,
			   size_t len, int64_t now_ms)
{
	crypto_auth_hmacsha256_state st;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char want[8 + 2 * crypto_auth_hmacsha256_BYTES + 1];
	char *end;
	long long t;

	errno = 0;
	t = strtoll(ts, &end, 10);
	if (errno != 0 || end == ts || *end != '\0')
		return 0;
	if (t < now_ms / 1000 - SMS_HOOK_SKEW_S || t > now_ms / 1000 + SMS_HOOK_SKEW_S)
		return 0;
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
	crypto_auth_hmacsha256_final(&st, mac);
	memcpy(want, "sha256=", 7);
	sodium_bin2hex(want + 7, sizeof want - 7, mac, sizeof mac);
	return sms_hook_secret_eq(want, sig);
}

/* Returns 1 when the request carries the secret or a valid signature. */
static int sms_hook_authorized(const struct mt_ctx *ctx, const cJSON *event, const char *body,
			       size_t len)
{
	const char *secret = ctx->cfg.sms_hook_secret;
	const char *given = mt_event_header(event, "x-maitre-hook-secret");
	const char *sig = mt_event_header(event, "x-maitre-signature");
	const char *ts = mt_event_header(event, "x-maitre-timestamp");

	if (given == NULL)
		given = mt_event_query(event, "secret");
	if (given != NULL)
		return sms_hook_secret_eq(secret, given);
	if (sig != NULL && ts != NULL)
		return sms_hook_sig_ok(secret, ts, sig, body, len, mt_now(ctx));
	return 0;
}

/* Classifies a reply text. */
static enum sms_hook_action sms_hook_classify(const char *body)
{
	static const char *const confirm[] = { "1", "yes", "y" };
	static const char *const cancel[] = { "9", "cancel", "no" };
	char word[16];
	size_t start = 0, end = strlen(body), n, i;

	while (start < end && isspace((unsigned char)body[start]))
		start++;
	while (end > start && (isspace((unsigned char)body[end - 1]) || body[end - 1] == '.' ||
			       body[end - 1] == '!'))
		end--;
	if (end == start) {
		/* Only spaces and punctuation: empty unless there was text. */
		for (i = 0; body[i]; i++)
			if (!isspace((unsigned char)body[i]))
				return SMS_HOOK_TEXT;
		return SMS_HOOK_NONE;
	}
	n = end - start;
	if (n >= sizeof word)
		return SMS_HOOK_TEXT;
	for (i = 0; i < n; i++)
		word[i] = (char)tolower((unsigned char)body[start + i]);
	word[n] = '\0';
	for (i = 0; i < sizeof confirm / sizeof confirm[0]; i++)
		if (strcmp(word, confirm[i]) == 0)
			return SMS_HOOK_CONFIRM;
	for (i = 0; i < sizeof cancel / sizeof cancel[0]; i++)
		if (strcmp(word, cancel[i]) == 0)
			return SMS_HOOK_CANCEL;
	return SMS_HOOK_TEXT;
}

/* Copies a reply into dst (MT_REPLY_MAX + 1 bytes): trimmed, control
 * characters as spaces, cut on a UTF-8 boundary. */
static void sms_hook_copy_reply(char *dst, const char *src)
{
	size_t start = 0, end = strlen(src), n, i;

	while (start < end && isspace((unsigned char)src[start]))
		start++;
	while (end > start && isspace((unsigned char)src[end - 1]))
		end--;
	n = end - start;
	if (n > MT_REPLY_MAX) {
		n = MT_REPLY_MAX;
		while (n > 0 && ((unsigned char)src[start + n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, src + start, n);
	dst[n] = '\0';
	for (i = 0; i < n; i++)
		if ((unsigned char)dst[i] < 0x20 || dst[i] == 0x7F)
			dst[i] = ' ';
}

/* Applies the action to w. Returns 1 when w changed (needs a write). */
static int sms_hook_apply(struct mt_waitee *w, enum sms_hook_action a, const char *body, int64_t now,
			  int64_t ttl_s)
{
	switch (a) {
	case SMS_HOOK_CONFIRM:
		if (w->status == MT_CONFIRMED || !mt_status_can_move(MT_ACTOR_GUEST, w->status, MT_CONFIRMED))
			return 0;
		w->status = MT_CONFIRMED;
		break;
	case SMS_HOOK_CANCEL:
		if (w->status == MT_CANCELLED || !mt_status_can_move(MT_ACTOR_GUEST, w->status, MT_CANCELLED))
			return 0;
		mt_status_note_move(w, MT_CANCELLED, now);
		w->status = MT_CANCELLED;
		w->expires_at = now / 1000 + ttl_s;
		w->due_at = 0;
		break;
	case SMS_HOOK_TEXT:
		sms_hook_copy_reply(w->reply, body);
		w->reply_at = now;
		break;
	default:
		return 0;
	}
	w->updated_at = now;
	return 1;
}

/* Finds the guest and records the reply; 0 also when nobody matched,
 * SMS_HOOK_AMBIGUOUS when parties of several restaurants have the number. */
static int sms_hook_record(struct mt_ctx *ctx, const char *phone, enum sms_hook_action a, const char *body)
{
	struct mt_waitee w;
	int64_t now = mt_now(ctx);
	int r, attempt;

	r = ctx->store->ops->waitee_find_by_phone(ctx->store, phone, &w);
	if (r == MT_ENOTFOUND)
		return 0;
	if (r == MT_ECONFLICT)
		return SMS_HOOK_AMBIGUOUS;   /* several restaurants wait on this number: never guess */
	if (r < 0)
		return r;
	for (attempt = 0; attempt < 2; attempt++) {
		struct mt_waitee before = w;

		if (!sms_hook_apply(&w, a, body, now, retention_seconds(ctx, w.tenant_id)))
			return 0;
		r = ctx->store->ops->waitee_update(ctx->store, &w, w.version);
		if (r == 0)
			stats_keep(ctx, &before, &w);   /* a guest's cancel counts */
		if (r == 0)   /* the kind of reply only, never its text */
			activity_waitee(ctx, &activity_guest, "replied", &before, &w,
					a == SMS_HOOK_CONFIRM ? "confirm" : a == SMS_HOOK_CANCEL ? "cancel" : "text");
		if (r != MT_EPRECOND && r != MT_ECONFLICT)
			return r;
		/* Lost a race with a host or the notifier: read again, retry once. */
		r = ctx->store->ops->waitee_get(ctx->store, w.waitlist_id, w.id, &w);
		if (r == MT_ENOTFOUND)
			return 0;
		if (r < 0)
			return r;
	}
	return MT_ECONFLICT;
}

/* Records, once, the request's provider message id and its signature
 * (when signed): 0 when both are new (*taken: bit 1 the id, bit 2 the
 * signature), MT_ECONFLICT when either was seen before (a replay: a
 * captured signed request stays valid for the whole timestamp skew), or
 * another MT_E* when the store failed. Markers are kept a day. */
static int sms_hook_once(struct mt_ctx *ctx, const cJSON *event, const char *sid, int *taken)
{
	const char *sig = mt_event_header(event, "x-maitre-signature");
	int64_t now = mt_now(ctx);
	int r;

	*taken = 0;
	if (sid != NULL && sid[0] != '\0') {
		if ((r = limit_once(ctx, "sms-hook-sid", sid, now)) < 0)
			return r;
		*taken |= 1;
	}
	if (sig != NULL && mt_event_header(event, "x-maitre-hook-secret") == NULL &&
	    mt_event_query(event, "secret") == NULL) {
		if ((r = limit_once(ctx, "sms-hook-sig", sig, now)) < 0)
			return r;
		*taken |= 2;
	}
	return 0;
}

/* Forgets the markers sms_hook_once took (the reply could not be recorded). */
static void sms_hook_release(struct mt_ctx *ctx, const cJSON *event, const char *sid, int taken)
{
	if (taken & 1)
		limit_set(ctx, "sms-hook-sid", sid, 0, mt_now(ctx));
	if (taken & 2)
		limit_set(ctx, "sms-hook-sig", mt_event_header(event, "x-maitre-signature"), 0, mt_now(ctx));
}

/* Builds the answer (TwiML, or JSON for JSON clients): empty, or with
 * message (static, XML-safe) as the text the gateway sends back to the guest. */
static cJSON *sms_hook_answer(const cJSON *event, const char *message)
{
	static const char head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
	const char *accept = mt_event_header(event, "accept");
	char xml[512];
	cJSON *resp;

	if (accept != NULL && strstr(accept, "application/json") != NULL) {
		cJSON *o = cJSON_CreateObject();

		if (o != NULL && message != NULL && cJSON_AddStringToObject(o, "message", message) == NULL) {
			cJSON_Delete(o);
			return NULL;
		}
		return mt_resp(200, o);
	}
	if (message != NULL)
		snprintf(xml, sizeof xml, "%s<Response><Message>%s</Message></Response>", head, message);
	else
		snprintf(xml, sizeof xml, "%s<Response/>", head);
	resp = mt_resp(200, NULL);
	if (resp == NULL)
		return NULL;
	if (!cJSON_ReplaceItemInObject(resp, "body", cJSON_CreateString(xml)) ||
	    mt_resp_header(resp, "content-type", "text/xml; charset=utf-8") < 0) {
		cJSON_Delete(resp);
		return NULL;
	}
	return resp;
}

/* Returns 1 when the request's content type is a urlencoded form. */
static int sms_hook_is_form(const cJSON *event)
{
	const char *ct = mt_event_header(event, "content-type");
	size_t n = strlen("application/x-www-form-urlencoded");

	if (ct == NULL)
		return 0;
	while (*ct == ' ')
		ct++;
	return strncasecmp(ct, "application/x-www-form-urlencoded", n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* POST /hooks/sms. */
cJSON *handler_sms_hook(struct mt_ctx *ctx, const cJSON *event)
{
	struct sms_hook_form f = { NULL, NULL, NULL };
	char phone[MT_PHONE_MAX + 1];
	const char *why = NULL, *from;
	char *body = NULL;
	size_t len = 0;
	cJSON *resp;
	int r, taken = 0;

	if (ctx->cfg.sms_hook_secret[0] == '\0')
		return mt_resp_error(404, "not_found", NULL, "no such route");
	if (sodium_init() < 0)
		return mt_resp_error(500, "internal", NULL, "libsodium failed to initialise");
	r = mt_event_body(event, &body, &len);
	if (r == MT_ETOOBIG)
		return mt_resp_error(413, "too_large", NULL, "request body is too large");
	if (r < 0)
		return r == MT_ENOMEM ? NULL : mt_resp_error(400, "invalid_body", NULL, "request body is not valid base64");
	if (!sms_hook_authorized(ctx, event, body, len)) {
		free(body);
		return mt_resp_error(401, "unauthorized", NULL, "missing or wrong hook secret or signature");
	}
	if (!sms_hook_is_form(event)) {
		free(body);
		return mt_resp_error(415, "unsupported_media_type", NULL,
				     "send application/x-www-form-urlencoded");
	}
	r = sms_hook_parse(body, len, &f, &why);
	free(body);
	if (r < 0) {
		free(f.from);
		free(f.body);
		free(f.sid);
		if (r == MT_ENOMEM)
			return NULL;
		return mt_resp_error(400, "invalid_form", NULL, "%s", why ? why : "malformed form");
	}

	/* Gateways may prefix the channel ("whatsapp:+1555..."). */
	from = f.from;
	if (strncmp(from, "whatsapp:", 9) == 0)
		from += 9;
	r = sms_hook_once(ctx, event, f.sid, &taken);
	if (r < 0) {
		free(f.from);
		free(f.body);
		free(f.sid);
		if (r == MT_ECONFLICT)
			return mt_resp_error(409, "replayed", NULL,
					     "this message (its MessageSid or signature) was received before");
		return mt_resp_error(503, "unavailable", NULL, "could not record the reply, try again");
	}
	if (mt_valid_phone(from, phone, sizeof phone, NULL) == 0) {
		r = sms_hook_record(ctx, phone, sms_hook_classify(f.body), f.body);
		if (r < 0) {
			sms_hook_release(ctx, event, f.sid, taken);   /* the gateway's retry must get through */
			free(f.from);
			free(f.body);
			free(f.sid);
			return mt_resp_error(503, "unavailable", NULL, "could not record the reply, try again");
		}
	}
	free(f.from);
	free(f.body);
	free(f.sid);
	resp = sms_hook_answer(event, r == SMS_HOOK_AMBIGUOUS ? SMS_HOOK_AMBIGUOUS_TEXT : NULL);
	return resp;
}

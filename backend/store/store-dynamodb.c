/* The store over DynamoDB's JSON protocol (DynamoDB_20120810.*), one table.
 *
 * Items (docs/dynamodb.md has the full picture):
 *   USER#<email>      / PROFILE          account (unique e-mail: attribute_not_exists)
 *   USERID#<id>       / USERID           pointer id -> e-mail (for user_get)
 *   FAMILY#<fid>      / TOKEN#<hash>     refresh token;   / META  family state
 *   TENANT#<tid>      / WAITLIST#<id>    waitlist
 *   WAITLIST#<id>     / WAITEE#<id>      waitee (ids sort by time = queue order)
 *   ACT#<tenant>#<list>  / <id>       activity entry; HAND#<tenant>#<list> / <id> handover note
 * GSI1 (sparse due index): GSI1PK = DUE#<shard>, GSI1SK = <due_at:016>#<id>,
 *   only while due_at > 0; the same index holds the erasure keys
 *   EXP#<shard> / <expires_at:016>#<key> of finished waitees and
 *   idempotency records (store-dynamodb-activity.c). GSI2 (sparse phone index): GSI2PK = PHONE#<e164>,
 *   GSI2SK = <waitee id>, only on active waitees with a phone.
 * Every update is a conditional PutItem on `version`; a failed condition is
 * told apart (not found / version mismatch) by one consistent GetItem.
 * No Scan and no TransactWriteItems anywhere.
 *
 * This file: open (URL parsing), close, stats, expiry, the ops table. The
 * rest is split by seam behind store-dynamodb-private.h: requests, cursors
 * and paged queries (-call.c), the table (-schema.c), and one file per
 * record type (-users.c, -refresh.c, -waitlists.c, -waitees.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/error.h"
#include "core/url.h"
#include "store/store-dynamodb-private.h"
/* Counters since open: DynamoDB calls, and Scans (always 0). */
static void ddb_stats(struct store *st, struct store_stats *out)
{
	struct store_ddb *s = store_ddb_of(st);

	aws_client_totals(s->aws, &out->requests, NULL);
	out->scans = aws_client_calls(s->aws, DDB_PREFIX "Scan");
}

/* Frees the store. */
static void ddb_close(struct store *st)
{
	struct store_ddb *s = store_ddb_of(st);

	aws_client_free(s->aws);
	free(s);
}

/* The store's AWS client (for counters). */
struct aws_client *store_dynamodb_client(struct store *s)
{
	return s && s->ops == &store_ddb_ops ? store_ddb_of(s)->aws : NULL;
}

/* The store's table. */
const char *store_dynamodb_table(struct store *s)
{
	return s && s->ops == &store_ddb_ops ? store_ddb_of(s)->table : NULL;
}

/* Deletes the store's table. */
int store_dynamodb_drop_table(struct store *st)
{
	if (st == NULL || st->ops != &store_ddb_ops)
		return MT_EINVAL;
	return store_ddb_call(store_ddb_of(st), "DeleteTable", store_ddb_req(store_ddb_of(st)), NULL, NULL);
}

/* Sets *cause to a malloc'd copy of msg. */
static void ddb_cause(char **cause, const char *msg)
{
	if (cause) {
		free(*cause);
		*cause = strdup(msg);
	}
}

/* 1 when the endpoint URL points at this machine. */
static int ddb_loopback(const char *url)
{
	return strncmp(url, "http://127.0.0.1", 16) == 0 || strncmp(url, "http://localhost", 16) == 0 ||
	       strncmp(url, "http://[::1]", 12) == 0;
}

/* Opens "dynamodb://TABLE?region=R&endpoint=URL&shards=N". */
int store_dynamodb_open(const char *url, struct store **out, char **cause)
{
	struct store_ddb *s;
	struct aws_client_config cfg;
	char region[64] = "", endpoint[512] = "", val[512], msg[256];
	const char *p, *q, *amp, *eq;
	size_t tlen, i;
	long shards = DDB_SHARDS_DEFAULT;
	char *end;
	int rc;

	*out = NULL;
	if (cause)
		*cause = NULL;
	if (url == NULL || strncmp(url, "dynamodb://", 11) != 0) {
		ddb_cause(cause, "DynamoDB store URL must start with dynamodb://");
		return MT_EINVAL;
	}
	p = url + 11;
	q = strchr(p, '?');
	tlen = q ? (size_t)(q - p) : strlen(p);
	if (tlen < 3 || tlen > 255) {
		ddb_cause(cause, "DynamoDB table name must be 3..255 characters");
		return MT_EINVAL;
	}
	for (i = 0; i < tlen; i++) {
		char c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.')) {
			ddb_cause(cause, "DynamoDB table name may hold only A-Z a-z 0-9 _ - .");
			return MT_EINVAL;
		}
	}
	for (p = q ? q + 1 : NULL; p && *p; p = amp ? amp + 1 : NULL) {
		amp = strchr(p, '&');
		eq = memchr(p, '=', amp ? (size_t)(amp - p) : strlen(p));
		if (eq == NULL ||
		    mt_url_decode(eq + 1, amp ? (size_t)(amp - eq - 1) : strlen(eq + 1), val, sizeof val,
				  MT_URL_PLUS_SPACE | MT_URL_STRICT) < 0) {
			ddb_cause(cause, "malformed DynamoDB store URL query");
			return MT_EINVAL;
		}
		if ((size_t)(eq - p) == 6 && strncmp(p, "region", 6) == 0) {
			snprintf(region, sizeof region, "%.63s", val);
		} else if ((size_t)(eq - p) == 8 && strncmp(p, "endpoint", 8) == 0) {
			if (strncmp(val, "http://", 7) != 0 && strncmp(val, "https://", 8) != 0) {
				ddb_cause(cause, "DynamoDB endpoint must be an http:// or https:// URL");
				return MT_EINVAL;
			}
			snprintf(endpoint, sizeof endpoint, "%s", val);
		} else if ((size_t)(eq - p) == 6 && strncmp(p, "shards", 6) == 0) {
			errno = 0;
			shards = strtol(val, &end, 10);
			if (errno || *end || shards < 1 || shards > DDB_SHARDS_MAX) {
				ddb_cause(cause, "DynamoDB shards must be 1..64");
				return MT_EINVAL;
			}
		} else {
			snprintf(msg, sizeof msg, "unknown DynamoDB store URL parameter '%.*s'",
				 (int)(eq - p > 40 ? 40 : eq - p), p);
			ddb_cause(cause, msg);
			return MT_EINVAL;
		}
	}
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return MT_ENOMEM;
	s->base.ops = &store_ddb_ops;
	s->base.clock = mt_clock_system;
	memcpy(s->table, url + 11, tlen);
	s->table[tlen] = '\0';
	s->shards = (int)shards;
	rc = aws_client_from_env(region[0] ? region : NULL, endpoint[0] ? endpoint : NULL, &s->aws, cause);
	if (rc == MT_EINVAL && endpoint[0] && ddb_loopback(endpoint) && getenv("AWS_ACCESS_KEY_ID") == NULL) {
		/* a local emulator (dynalite) accepts any signature: allow no keys */
		if (cause) {
			free(*cause);
			*cause = NULL;
		}
		memset(&cfg, 0, sizeof cfg);
		cfg.region = region[0] ? region : getenv("AWS_REGION");
		if (cfg.region == NULL || cfg.region[0] == '\0')
			cfg.region = "us-east-1";
		cfg.endpoint = endpoint;
		cfg.access_key = "local";
		cfg.secret_key = "local";
		rc = aws_client_new(&cfg, &s->aws, cause);
	}
	if (rc != 0) {
		free(s);
		return rc;
	}
	*out = &s->base;
	return 0;
}

/* Expired items are deleted by the table's TTL ("ttl", turned on by
 * init_schema where the service supports it), which may lag by days; items
 * holding guest data are deleted here on time through the erasure index
 * (store-dynamodb-activity.c). */
static int ddb_purge_expired(struct store *st, int64_t now_s, int limit, int *removed)
{
	*removed = 0;
	if (limit < 1)
		return MT_EINVAL;
	return store_ddb_erase_expired(store_ddb_of(st), now_s, limit, removed);
}

/* The operations of the DynamoDB store. */
const struct store_ops store_ddb_ops = {
	.name = "dynamodb",
	.close = ddb_close,
	.init_schema = store_ddb_init_schema,
	.user_create = store_ddb_user_create,
	.user_get = store_ddb_user_get,
	.user_get_by_email = store_ddb_user_get_by_email,
	.user_update = store_ddb_user_update,
	.user_list = store_ddb_user_list,
	.refresh_create = store_ddb_refresh_create,
	.refresh_get = store_ddb_refresh_get,
	.refresh_mark_used = store_ddb_refresh_mark_used,
	.refresh_revoke_family = store_ddb_refresh_revoke_family,
	.waitlist_create = store_ddb_waitlist_create,
	.waitlist_get = store_ddb_waitlist_get,
	.waitlist_peek = store_ddb_waitlist_get,
	.waitlist_list = store_ddb_waitlist_list,
	.waitlist_update = store_ddb_waitlist_update,
	.waitlist_delete = store_ddb_waitlist_delete,
	.waitee_create = store_ddb_waitee_create,
	.waitee_get = store_ddb_waitee_get,
	.waitee_list = store_ddb_waitee_list,
	.waitee_update = store_ddb_waitee_update,
	.waitee_delete = store_ddb_waitee_delete,
	.waitee_count_active = store_ddb_waitee_count_active,
	.waitee_list_due = store_ddb_waitee_list_due,
	.waitee_find_by_phone = store_ddb_waitee_find_by_phone,
	.purge_expired = ddb_purge_expired,
	.link_put = store_ddb_link_put,
	.link_get = store_ddb_link_get,
	.restaurant_get = store_ddb_restaurant_get,
	.restaurant_put = store_ddb_restaurant_put,
	.restaurant_delete = store_ddb_restaurant_delete,
	.guard_get = store_ddb_guard_get,
	.guard_put = store_ddb_guard_put,
	.stat_add = store_ddb_stat_add,
	.stat_range = store_ddb_stat_range,
	.stat_hours = store_ddb_stat_hours,
	.stats = ddb_stats,
	.idem_begin = store_ddb_idem_begin,
	.idem_finish = store_ddb_idem_finish,
	.idem_release = store_ddb_idem_release,
	.activity_append = store_ddb_activity_append,
	.activity_list = store_ddb_activity_list,
	.handover_create = store_ddb_handover_create,
	.handover_list = store_ddb_handover_list,
	.handover_update = store_ddb_handover_update,
};

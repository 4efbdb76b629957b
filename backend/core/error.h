/* Error codes shared by every backend layer.
 *
 * Convention: functions return int, 0 on success or one of the negative
 * MT_E* codes below; a human-readable cause, when there is one, goes through
 * a `char **cause` out-parameter that the caller frees. */
#ifndef MT_ERROR_H
#define MT_ERROR_H

enum mt_err {
	MT_OK = 0,
	MT_ENOTFOUND = -1,  /* no such record (or not the caller's) */
	MT_ECONFLICT = -2,  /* unique key exists, or a conditional write lost a race */
	MT_EPRECOND = -3,   /* expected version does not match (If-Match) */
	MT_EINVAL = -4,     /* bad argument or malformed input */
	MT_ENOMEM = -5,     /* allocation failed */
	MT_EIO = -6,        /* back end failed (disk, network, protocol) */
	MT_EBUSY = -7,      /* throttled or temporarily unavailable: retry later */
	MT_ETOOBIG = -8,    /* input over its size cap */
};

/* Returns a static English name for an MT_E* code. */
const char *mt_strerror(int err);

#endif

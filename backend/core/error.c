#include "core/error.h"

/* Returns a static English name for an MT_E* code. */
const char *mt_strerror(int err)
{
	switch (err) {
	case MT_OK: return "ok";
	case MT_ENOTFOUND: return "not found";
	case MT_ECONFLICT: return "conflict";
	case MT_EPRECOND: return "version mismatch";
	case MT_EINVAL: return "invalid argument";
	case MT_ENOMEM: return "out of memory";
	case MT_EIO: return "storage or network failure";
	case MT_EBUSY: return "busy, retry later";
	case MT_ETOOBIG: return "too large";
	}
	return "unknown error";
}

/* Defaults for struct mt_config (core/ctx.h). */
#ifndef MT_CONFIG_H
#define MT_CONFIG_H

#include "core/ctx.h"

#define MT_JWT_ISSUER_DEFAULT "maitre"
#define MT_JWT_AUDIENCE_DEFAULT "maitre-api"
#define MT_ACCESS_TTL_DEFAULT 900             /* 15 minutes */
#define MT_REFRESH_TTL_DEFAULT (30 * 86400)   /* 30 days */

/* Fills cfg with defaults (no secret: see auth/auth.h mt_jwt_secret_load). */
void mt_config_defaults(struct mt_config *cfg);

#endif

/* Defaults for struct mt_config (core/ctx.h). */
#ifndef MT_CONFIG_H
#define MT_CONFIG_H

#include "core/ctx.h"

#define MT_JWT_ISSUER_DEFAULT "maitre"
#define MT_JWT_AUDIENCE_DEFAULT "maitre-api"
#define MT_ACCESS_TTL_DEFAULT 900             /* 15 minutes */
#define MT_REFRESH_TTL_DEFAULT (30 * 86400)   /* 30 days */
#define MT_REGISTER_PER_ADDR_HOUR_DEFAULT 20  /* registrations per client address per hour */
#define MT_SMS_PARTY_HOUR_DEFAULT 3           /* texts one party may receive per hour */
#define MT_SMS_NUMBER_HOUR_DEFAULT 5          /* texts to one phone number per hour */
#define MT_SMS_NEW_TENANT_DAY_DEFAULT 20      /* texts per day of a new restaurant */
#define MT_SMS_TENANT_DAY_DEFAULT 1000        /* texts per day of a trusted restaurant */
#define MT_SMS_TRUST_DAYS_DEFAULT 14          /* days after registering until a restaurant is trusted */

/* Fills cfg with defaults (no secret: see auth/auth.h mt_jwt_secret_load). */
void mt_config_defaults(struct mt_config *cfg);

#endif

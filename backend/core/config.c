#include <stdio.h>
#include <string.h>
#include "core/config.h"

/* Fills cfg with defaults (no secret: see auth/auth.h mt_jwt_secret_load). */
void mt_config_defaults(struct mt_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	snprintf(cfg->jwt_issuer, sizeof cfg->jwt_issuer, "%s", MT_JWT_ISSUER_DEFAULT);
	snprintf(cfg->jwt_audience, sizeof cfg->jwt_audience, "%s", MT_JWT_AUDIENCE_DEFAULT);
	cfg->access_ttl_s = MT_ACCESS_TTL_DEFAULT;
	cfg->refresh_ttl_s = MT_REFRESH_TTL_DEFAULT;
	cfg->register_per_addr_hour = MT_REGISTER_PER_ADDR_HOUR_DEFAULT;
	cfg->sms_party_hour = MT_SMS_PARTY_HOUR_DEFAULT;
	cfg->sms_number_hour = MT_SMS_NUMBER_HOUR_DEFAULT;
	cfg->sms_new_tenant_day = MT_SMS_NEW_TENANT_DAY_DEFAULT;
	cfg->sms_tenant_day = MT_SMS_TENANT_DAY_DEFAULT;
	cfg->sms_trust_days = MT_SMS_TRUST_DAYS_DEFAULT;
}

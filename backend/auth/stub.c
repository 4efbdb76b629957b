/* Placeholder until auth lands: everything refuses. */
#include <string.h>
#include "auth/auth.h"
#include "core/error.h"

int mt_password_hash(const char *pw, char out[MT_PWHASH_SIZE]) { (void)pw; out[0] = '\0'; return MT_EIO; }
int mt_password_verify(const char *hash, const char *pw) { (void)hash; (void)pw; return MT_EINVAL; }
void mt_password_dummy_verify(const char *pw) { (void)pw; }
int mt_jwt_issue(const struct mt_config *cfg, const struct mt_user *u, int64_t now_ms, char **token)
{ (void)cfg; (void)u; (void)now_ms; *token = NULL; return MT_EIO; }
int mt_jwt_verify(const struct mt_config *cfg, const char *token, int64_t now_ms,
		  struct mt_claims *out, const char **cause)
{ (void)cfg; (void)token; (void)now_ms; (void)out; *cause = "not implemented"; return MT_EINVAL; }
int mt_jwt_secret_load(struct mt_config *cfg, const char *data_dir, char **cause)
{ (void)cfg; (void)data_dir; *cause = strdup("not implemented"); return MT_EIO; }

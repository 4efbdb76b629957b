/* Password hashing: Argon2id through libsodium, at OWASP's minimum cost
 * (19 MiB, t=2) or more, and an equal-cost dummy verify for unknown e-mails. */
#include <pthread.h>
#include <string.h>
#include <sodium.h>
#include "auth/auth.h"
#include "core/error.h"

_Static_assert(MT_PWHASH_SIZE >= crypto_pwhash_STRBYTES, "MT_PWHASH_SIZE too small");

static pthread_once_t password_sodium_once = PTHREAD_ONCE_INIT;
static int password_sodium_status = -1;   /* sodium_init() result: 0 or 1 ok, -1 failed */

static pthread_once_t password_dummy_once = PTHREAD_ONCE_INIT;
static char password_dummy_hash[crypto_pwhash_STRBYTES];  /* hash of a random password, same cost */
static int password_dummy_ok;             /* 1 once password_dummy_hash holds a hash */

/* Runs sodium_init() (called once). */
static void password_sodium_run(void)
{
	password_sodium_status = sodium_init();
}

/* Initialises libsodium once (thread-safe). 0 or MT_EIO. */
int mt_sodium_init(void)
{
	pthread_once(&password_sodium_once, password_sodium_run);
	return password_sodium_status < 0 ? MT_EIO : 0;
}

/* Hashes pw with Argon2id (libsodium crypto_pwhash_str, >= 19 MiB, t >= 2). */
int mt_password_hash(const char *pw, char out[MT_PWHASH_SIZE])
{
	out[0] = '\0';
	if (pw == NULL)
		return MT_EINVAL;
	if (mt_sodium_init() < 0)
		return MT_EIO;
	if (crypto_pwhash_str_alg(out, pw, strlen(pw), MT_PWHASH_OPSLIMIT, MT_PWHASH_MEMLIMIT,
				  crypto_pwhash_ALG_ARGON2ID13) != 0) {
		out[0] = '\0';
		return MT_ENOMEM;  /* libsodium fails only when it cannot get the memory */
	}
	return 0;
}

/* 0 when pw matches hash, MT_EINVAL when not. */
int mt_password_verify(const char *hash, const char *pw)
{
	if (hash == NULL || pw == NULL || mt_sodium_init() < 0)
		return MT_EINVAL;
	if (strnlen(hash, crypto_pwhash_STRBYTES) >= crypto_pwhash_STRBYTES)
		return MT_EINVAL;
	/* Only Argon2id hashes are ours; refuse anything else outright. */
	if (strncmp(hash, crypto_pwhash_argon2id_STRPREFIX, strlen(crypto_pwhash_argon2id_STRPREFIX)) != 0)
		return MT_EINVAL;
	return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0 ? 0 : MT_EINVAL;
}

/* Makes the dummy hash (called once). */
static void password_dummy_run(void)
{
	unsigned char rnd[32];
	char pw[65];

	randombytes_buf(rnd, sizeof rnd);
	sodium_bin2hex(pw, sizeof pw, rnd, sizeof rnd);
	if (mt_password_hash(pw, password_dummy_hash) == 0)
		password_dummy_ok = 1;
	sodium_memzero(pw, sizeof pw);
	sodium_memzero(rnd, sizeof rnd);
}

/* Does the same hashing work as a verify, for unknown e-mails. */
void mt_password_dummy_verify(const char *pw)
{
	if (mt_sodium_init() < 0)
		return;
	pthread_once(&password_dummy_once, password_dummy_run);
	if (password_dummy_ok) {
		/* The result is meaningless (a random password); only the work counts. */
		if (crypto_pwhash_str_verify(password_dummy_hash, pw ? pw : "", pw ? strlen(pw) : 0) == 0)
			return;
	} else {
		/* Could not make the dummy hash (out of memory): still spend the work. */
		char tmp[MT_PWHASH_SIZE];
		(void)mt_password_hash(pw ? pw : "", tmp);
	}
}

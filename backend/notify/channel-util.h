/* Helpers shared by the channel back ends (not part of the public API). */
#ifndef MT_CHANNEL_UTIL_H
#define MT_CHANNEL_UTIL_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>
#include "core/buf.h"

#define CHANNEL_TIMEOUT_DEFAULT_MS 10000L  /* total time per request */
#define CHANNEL_CONNECT_TIMEOUT_MS 5000L   /* connect part of it, at most */
#define CHANNEL_RESP_MAX (64 * 1024)       /* response bytes kept */

/* Sets *reason (if reason != NULL) to a formatted string and returns err. */
int channel_fail(char **reason, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Sets the options every request of ours has: timeouts, no signals, no
 * redirects, only the given protocols, error buffer (CURL_ERROR_SIZE). */
void channel_curl_common(CURL *h, long timeout_ms, const char *protocols, char *errbuf);

/* Write callback collecting a response into a struct mt_buf (extra bytes
 * over its cap are dropped, not an error). */
size_t channel_curl_collect(char *p, size_t size, size_t n, void *userdata);

/* Maps a failed transfer to MT_EBUSY (worth retrying: connect, DNS,
 * timeout, send/receive) or MT_EIO (permanent: bad URL, TLS, login). */
int channel_curl_err(CURLcode rc);

/* Maps an HTTP status: 2xx 0; 408, 429, 5xx MT_EBUSY; others MT_EIO. */
int channel_http_err(long status);

/* Epoch ms of a message (m->now_ms, or the system clock when 0). */
int64_t channel_now_ms(int64_t now_ms);

/* Copies at most n bytes of s into a NUL-terminated malloc'd string with
 * control characters replaced by spaces (for reasons from a peer). */
char *channel_clean_text(const char *s, size_t n);

#endif

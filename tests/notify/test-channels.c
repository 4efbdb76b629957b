/* Channels against real servers started here on 127.0.0.1: the SMS sink
 * (tests/notify/sms-sink.py), aiosmtpd with a Maildir, a webhook receiver
 * that verifies the HMAC (webhook-sink.py); the log channel; channel set
 * from the environment; mt_deliver end to end. */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <cjson/cJSON.h>
#include <cmocka.h>
#include "chan-util.h"
#include "core/error.h"
#include "core/model.h"
#include "notify/channel.h"
#include "notify/deliver.h"
#include "core/template.h"

#define ACCOUNT "AC0123456789abcdef"
#define TOKEN "sink-token-s3cr3t"
#define FROM_NUMBER "+15550001111"
#define HOOK_SECRET "webhook-secret-0123456789"

/* The servers the tests talk to. */
struct env {
	char dir[256];          /* temporary root */
	pid_t sms_pid;          /* sms-sink.py */
	int sms_port;           /* its port */
	char sms_log[300];      /* its JSON-lines log */
	char sms_base[64];      /* http://127.0.0.1:PORT */
	pid_t hook_pid;         /* webhook-sink.py */
	char hook_url[64];      /* its URL */
	char hook_log[300];     /* its JSON-lines log */
	pid_t smtp_pid;         /* aiosmtpd */
	int smtp_port;          /* its port */
	char maildir[300];      /* its Maildir */
};

static struct env E;

/* Starts the three servers. */
static int setup_servers(void **state)
{
	char pf[300], *py = (char *)CU_PYTHON;
	char *sink = cu_strf("%s/sms-sink.py", cu_srcdir());
	char *hook = cu_strf("%s/webhook-sink.py", cu_srcdir());
	char port[16], listen[64], logp[300];
	int hport, tries;

	(void)state;
	if (cu_tmpdir(E.dir, sizeof(E.dir)) < 0)
		return -1;
	snprintf(E.sms_log, sizeof(E.sms_log), "%s/sms.jsonl", E.dir);
	snprintf(pf, sizeof(pf), "%s/sms.port", E.dir);
	snprintf(logp, sizeof(logp), "%s/helpers.log", E.dir);
	{
		char *argv[] = { py, sink, (char *)"--port-file", pf, (char *)"--account", (char *)ACCOUNT,
				 (char *)"--token", (char *)TOKEN, (char *)"--log", E.sms_log, NULL };
		if (cu_spawn(argv, logp, &E.sms_pid) < 0 ||
		    (E.sms_port = cu_wait_port_file(pf, E.sms_pid, 10000)) < 0)
			return -1;
	}
	snprintf(E.sms_base, sizeof(E.sms_base), "http://127.0.0.1:%d", E.sms_port);

	snprintf(E.hook_log, sizeof(E.hook_log), "%s/hook.jsonl", E.dir);
	snprintf(pf, sizeof(pf), "%s/hook.port", E.dir);
	{
		char *argv[] = { py, hook, (char *)"--port-file", pf, (char *)"--secret", (char *)HOOK_SECRET,
				 (char *)"--log", E.hook_log, NULL };
		if (cu_spawn(argv, logp, &E.hook_pid) < 0 ||
		    (hport = cu_wait_port_file(pf, E.hook_pid, 10000)) < 0)
			return -1;
	}
	snprintf(E.hook_url, sizeof(E.hook_url), "http://127.0.0.1:%d/hook", hport);

	snprintf(E.maildir, sizeof(E.maildir), "%s/maildir", E.dir); /* must not exist yet */
	/* A "free" port can be taken by a parallel test before aiosmtpd binds
	 * it: then aiosmtpd exits, and we try another. */
	for (tries = 0;; tries++) {
		char *argv[] = { py, (char *)"-m", (char *)"aiosmtpd", (char *)"-n", (char *)"-l", listen,
				 (char *)"-c", (char *)"aiosmtpd.handlers.Mailbox", E.maildir, NULL };

		E.smtp_port = cu_free_port();
		snprintf(port, sizeof(port), "%d", E.smtp_port);
		snprintf(listen, sizeof(listen), "127.0.0.1:%d", E.smtp_port);
		if (cu_spawn(argv, logp, &E.smtp_pid) < 0)
			return -1;
		if (cu_wait_listen(E.smtp_port, E.smtp_pid, 15000) == 0)
			break;
		cu_stop(E.smtp_pid);
		if (tries == 2)
			return -1;
	}
	free(sink);
	free(hook);
	return 0;
}

/* Stops the servers by PID and removes the temporary root. */
static int teardown_servers(void **state)
{
	(void)state;
	cu_stop(E.sms_pid);
	cu_stop(E.hook_pid);
	cu_stop(E.smtp_pid);
	cu_rmtree(E.dir);
	return 0;
}

/* Sends a control command to the SMS sink. */
static void sink_control(const char *json)
{
	char *url = cu_strf("%s/control", E.sms_base);
	assert_int_equal(cu_http("POST", url, json, "application/json", NULL), 200);
	free(url);
}

/* Returns a number from the sink's /stats. */
static int sink_stat(const char *name)
{
	char *url = cu_strf("%s/stats", E.sms_base), *body = NULL;
	cJSON *j;
	int v;

	assert_int_equal(cu_http(NULL, url, NULL, NULL, &body), 200);
	j = cJSON_Parse(body);
	assert_non_null(j);
	v = cJSON_GetObjectItem(j, name)->valueint;
	cJSON_Delete(j);
	free(body);
	free(url);
	return v;
}

/* Counts the lines of a file. */
static int count_lines(const char *path)
{
	char *t = cu_read_file(path), *p;
	int n = 0;

	if (t == NULL)
		return 0;
	for (p = t; *p; p++)
		n += *p == '\n';
	free(t);
	return n;
}

/* Makes the SMS channel with a token. */
static struct channel *sms_channel(const char *base, const char *token, long timeout_ms)
{
	struct channel_sms_config c = { base, ACCOUNT, token, FROM_NUMBER, timeout_ms };
	struct channel *ch = NULL;
	char *cause = NULL;

	assert_int_equal(channel_sms_new(&c, &ch, &cause), 0);
	assert_null(cause);
	return ch;
}

/* An accepted SMS reaches the sink with the right fields and key. */
static void test_sms_accepted(void **state)
{
	const char *text = "Zoë & co: 100% ready? a+b=c, reply 1";
	struct mt_message m = { .kind = "ready", .key = "01HWAITEE000000000000000A:1",
				.to_phone = "+15551234567", .text = text };
	struct channel *ch = sms_channel(E.sms_base, TOKEN, 0);
	char *reason = NULL;
	cJSON *e;

	(void)state;
	assert_string_equal(ch->ops->name, "sms");
	assert_int_equal(channel_send(ch, &m, &reason), 0);
	free(reason);
	e = cu_log_find(E.sms_log, "key", m.key);
	assert_non_null(e);
	assert_string_equal(cJSON_GetObjectItem(e, "to")->valuestring, "+15551234567");
	assert_string_equal(cJSON_GetObjectItem(e, "from")->valuestring, FROM_NUMBER);
	assert_string_equal(cJSON_GetObjectItem(e, "body")->valuestring, text);
	cJSON_Delete(e);
	channel_close(ch);
}

/* A wrong token is a permanent failure; the reason never shows a token. */
static void test_sms_wrong_token(void **state)
{
	struct mt_message m = { .kind = "ready", .key = "W:2", .to_phone = "+15551234567", .text = "hi" };
	struct channel *ch = sms_channel(E.sms_base, "not-the-token", 0);
	int before = sink_stat("rejected"), accepted = sink_stat("accepted");
	char *reason = NULL;

	(void)state;
	assert_int_equal(channel_send(ch, &m, &reason), MT_EIO);
	assert_non_null(reason);
	assert_non_null(strstr(reason, "401"));
	assert_non_null(strstr(reason, "Authenticate"));
	assert_null(strstr(reason, "not-the-token"));
	assert_int_equal(sink_stat("rejected"), before + 1);
	assert_int_equal(sink_stat("accepted"), accepted);
	free(reason);
	channel_close(ch);
}

/* The gateway's own refusal (bad number) is permanent and says why. */
static void test_sms_bad_number(void **state)
{
	struct mt_message m = { .kind = "ready", .key = "W:3", .to_phone = "+1234", .text = "hi" };
	struct channel *ch = sms_channel(E.sms_base, TOKEN, 0);
	char *reason = NULL;

	(void)state;
	assert_int_equal(channel_send(ch, &m, &reason), MT_EIO);
	assert_non_null(strstr(reason, "not a valid phone number"));
	assert_non_null(strstr(reason, "21211"));
	free(reason);
	reason = NULL;
	m.to_phone = NULL; /* no number at all: refused before any request */
	assert_int_equal(channel_send(ch, &m, &reason), MT_EINVAL);
	free(reason);
	channel_close(ch);
}

/* 500 and 429 from the gateway are temporary; back to normal afterwards. */
static void test_sms_gateway_failing(void **state)
{
	struct mt_message m = { .kind = "ready", .key = "W:4", .to_phone = "+15551234567", .text = "hi" };
	struct channel *ch = sms_channel(E.sms_base, TOKEN, 0);
	char *reason = NULL;

	(void)state;
	int failed = sink_stat("failed");

	sink_control("{\"fail\":500}");
	assert_int_equal(channel_send(ch, &m, &reason), MT_EBUSY);
	assert_int_equal(sink_stat("failed"), failed + 1);
	assert_non_null(strstr(reason, "500"));
	free(reason);
	reason = NULL;
	sink_control("{\"fail\":429}");
	assert_int_equal(channel_send(ch, &m, &reason), MT_EBUSY);
	free(reason);
	reason = NULL;
	sink_control("{\"fail\":0}");
	assert_int_equal(channel_send(ch, &m, &reason), 0);
	free(reason);
	channel_close(ch);
}

/* Milliseconds of the monotonic clock. */
static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Connection refused and a slow gateway (timeout) are temporary. */
static void test_sms_refused_and_timeout(void **state)
{
	struct mt_message m = { .kind = "ready", .key = "W:5", .to_phone = "+15551234567", .text = "hi" };
	char *base = cu_strf("http://127.0.0.1:%d", cu_free_port());
	struct channel *ch = sms_channel(base, TOKEN, 0);
	char *reason = NULL;
	int64_t t0;

	(void)state;
	assert_int_equal(channel_send(ch, &m, &reason), MT_EBUSY);
	assert_non_null(strstr(reason, "unreachable"));
	free(reason);
	reason = NULL;
	channel_close(ch);
	free(base);

	ch = sms_channel(E.sms_base, TOKEN, 300);
	sink_control("{\"delayMs\":2000}");
	t0 = mono_ms();
	assert_int_equal(channel_send(ch, &m, &reason), MT_EBUSY);
	assert_true(mono_ms() - t0 < 1500);
	sink_control("{\"delayMs\":0}");
	free(reason);
	channel_close(ch);
}

/* Arguments of one sending thread. */
struct sms_thread_arg {
	struct channel *ch;     /* shared channel */
	int id;                 /* thread number */
	int n;                  /* messages to send */
	int failed;             /* sends that failed */
};

/* Sends n messages with keys T<id>-<i>:1. */
static void *sms_thread_main(void *p)
{
	struct sms_thread_arg *a = p;
	int i;

	for (i = 0; i < a->n; i++) {
		char key[64], *reason = NULL;
		struct mt_message m = { .kind = "ready", .key = key, .to_phone = "+15557770000", .text = "thread" };

		snprintf(key, sizeof(key), "T%d-%d:1", a->id, i);
		if (channel_send(a->ch, &m, &reason) != 0)
			a->failed++;
		free(reason);
	}
	return NULL;
}

/* One channel shared by 4 threads: every message arrives exactly once.
 * Prints the delivery rate to the local sink. */
static void test_sms_threads(void **state)
{
	struct channel *ch = sms_channel(E.sms_base, TOKEN, 0);
	struct sms_thread_arg args[4];
	pthread_t th[4];
	int before = sink_stat("accepted"), dups = sink_stat("duplicates"), i;
	int64_t t0 = mono_ms(), dt;

	(void)state;
	for (i = 0; i < 4; i++) {
		args[i] = (struct sms_thread_arg){ ch, i, 50, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, sms_thread_main, &args[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(args[i].failed, 0);
	}
	dt = mono_ms() - t0;
	/* Exactly one delivery per key (other tests' late messages may land too). */
	{
		char *url = cu_strf("%s/stats", E.sms_base), *body = NULL;
		cJSON *j, *by;
		int t, k;

		assert_int_equal(cu_http(NULL, url, NULL, NULL, &body), 200);
		j = cJSON_Parse(body);
		by = cJSON_GetObjectItem(j, "byKey");
		for (t = 0; t < 4; t++) {
			for (k = 0; k < 50; k++) {
				char key[64];
				const cJSON *n;

				snprintf(key, sizeof(key), "T%d-%d:1", t, k);
				n = cJSON_GetObjectItem(by, key);
				if (!cJSON_IsNumber(n) || n->valueint != 1)
					fail_msg("key %s delivered %d times", key, cJSON_IsNumber(n) ? n->valueint : 0);
			}
		}
		cJSON_Delete(j);
		free(body);
		free(url);
	}
	assert_true(sink_stat("accepted") >= before + 200);
	assert_int_equal(sink_stat("duplicates"), dups);
	printf("# 200 SMS to the local sink over one shared channel: %lld ms (%.0f/s)\n",
	       (long long)dt, dt > 0 ? 200000.0 / (double)dt : 0.0);
	channel_close(ch);
}

/* Makes the SMTP channel. */
static struct channel *smtp_channel(int starttls)
{
	char *url = cu_strf("smtp://127.0.0.1:%d", E.smtp_port);
	struct channel_smtp_config c = { .url = url, .from = "Maître d' <Host@Resto.example>",
					 .starttls = starttls, .timeout_ms = 5000 };
	struct channel *ch = NULL;
	char *cause = NULL;

	assert_int_equal(channel_smtp_new(&c, &ch, &cause), 0);
	free(url);
	return ch;
}

/* Parses the Maildir and returns the message with this key (caller frees the array *all). */
static cJSON *mail_find(const char *key, cJSON **all)
{
	char *script = cu_strf("%s/maildir-read.py", cu_srcdir()), *out = NULL;
	char *argv[] = { (char *)CU_PYTHON, script, E.maildir, NULL };
	cJSON *m, *found = NULL;

	assert_int_equal(cu_run_capture(argv, &out), 0);
	*all = cJSON_Parse(out);
	assert_non_null(*all);
	cJSON_ArrayForEach(m, *all) {
		const cJSON *k = cJSON_GetObjectItem(m, "key");
		if (cJSON_IsString(k) && strcmp(k->valuestring, key) == 0)
			found = m;
	}
	free(out);
	free(script);
	return found;
}

/* A mail arrives in the Maildir with the right To, Subject, body, headers. */
static void test_smtp_delivered(void **state)
{
	char longline[400];
	char *text;
	struct mt_message m = { .kind = "ready", .key = "01HWAITEE000000000000000B:3",
				.to_email = "Guest@Example.com", .to_name = "Zoë Ålander",
				.subject = "Your table at Café Zoë is ready — come now" };
	struct channel *ch = smtp_channel(0);
	char *reason = NULL;
	cJSON *all, *mail;

	(void)state;
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	memcpy(longline + 100, "= é ", 5);
	text = cu_strf("Hello Zoë,\n.\n..two dots\nline with trailing space \n%s\nend.\n", longline);
	m.text = text;
	assert_int_equal(channel_send(ch, &m, &reason), 0);
	assert_null(reason);
	mail = mail_find(m.key, &all);
	assert_non_null(mail);
	assert_string_equal(cJSON_GetObjectItem(mail, "toAddr")->valuestring, "guest@example.com");
	assert_string_equal(cJSON_GetObjectItem(mail, "toName")->valuestring, "Zoë Ålander");
	assert_string_equal(cJSON_GetObjectItem(mail, "fromAddr")->valuestring, "host@resto.example");
	assert_string_equal(cJSON_GetObjectItem(mail, "subject")->valuestring, m.subject);
	assert_string_equal(cJSON_GetObjectItem(mail, "body")->valuestring, text);
	assert_string_equal(cJSON_GetObjectItem(mail, "contentType")->valuestring, "text/plain");
	assert_string_equal(cJSON_GetObjectItem(mail, "charset")->valuestring, "utf-8");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(mail, "dateOk")));
	assert_string_equal(cJSON_GetObjectItem(mail, "messageId")->valuestring,
			    "<01HWAITEE000000000000000B.3.maitre@resto.example>");
	/* Every line of what went over the wire is short. */
	{
		const char *raw = cJSON_GetObjectItem(mail, "raw")->valuestring, *p = raw, *nl;
		while ((nl = strchr(p, '\n')) != NULL) {
			assert_true(nl - p <= 78);
			p = nl + 1;
		}
	}
	cJSON_Delete(all);
	free(text);
	channel_close(ch);
}

/* SMTP down is temporary; STARTTLS required but not offered is permanent. */
static void test_smtp_failures(void **state)
{
	struct mt_message m = { .kind = "ready", .key = "W:9", .to_email = "a@example.com",
				.subject = "s", .text = "t" };
	char *url = cu_strf("smtp://127.0.0.1:%d", cu_free_port());
	struct channel_smtp_config c = { .url = url, .from = "host@resto.example", .timeout_ms = 3000 };
	struct channel *ch = NULL;
	char *reason = NULL, *cause = NULL;
	cJSON *all;

	(void)state;
	assert_int_equal(channel_smtp_new(&c, &ch, &cause), 0);
	assert_int_equal(channel_send(ch, &m, &reason), MT_EBUSY);
	free(reason);
	reason = NULL;
	channel_close(ch);
	free(url);

	ch = smtp_channel(1);
	m.key = "W:10";
	assert_int_equal(channel_send(ch, &m, &reason), MT_EIO);
	assert_non_null(reason);
	free(reason);
	reason = NULL;
	assert_null(mail_find("W:10", &all));
	cJSON_Delete(all);
	m.to_email = "not an address";
	assert_int_equal(channel_send(ch, &m, &reason), MT_EINVAL);
	free(reason);
	channel_close(ch);

	/* Bad settings are refused up front. */
	c.url = "http://127.0.0.1:25";
	assert_int_equal(channel_smtp_new(&c, &ch, &cause), MT_EINVAL);
	free(cause);
	cause = NULL;
	c.url = "smtp://127.0.0.1:25";
	c.from = "Evil\r\nBcc: x <a@b.example>";
	assert_int_equal(channel_smtp_new(&c, &ch, &cause), MT_EINVAL);
	free(cause);
}

/* Starts aiosmtpd with extra TLS arguments on a free port, Maildir `box`. */
static pid_t start_tls_smtpd(const char *opt, const char *cert, const char *key_opt, const char *key,
			     const char *box, int *port)
{
	char listen[64], logp[300];
	pid_t pid;
	int tries;

	snprintf(logp, sizeof(logp), "%s/helpers.log", E.dir);
	for (tries = 0;; tries++) {   /* another port when a parallel test took this one (see setup) */
		char *argv[] = { (char *)CU_PYTHON, (char *)"-m", (char *)"aiosmtpd", (char *)"-n", (char *)"-l",
				 listen, (char *)opt, (char *)cert, (char *)key_opt, (char *)key,
				 (char *)"-c", (char *)"aiosmtpd.handlers.Mailbox", (char *)box, NULL };

		*port = cu_free_port();
		snprintf(listen, sizeof(listen), "127.0.0.1:%d", *port);
		assert_int_equal(cu_spawn(argv, logp, &pid), 0);
		if (cu_wait_listen(*port, pid, 15000) == 0)
			return pid;
		cu_stop(pid);
		assert_true(tries < 2);
	}
}

/* Counts messages in a Maildir's new/ directory. */
static int maildir_count(const char *box)
{
	char *script = cu_strf("%s/maildir-read.py", cu_srcdir()), *out = NULL;
	char *argv[] = { (char *)CU_PYTHON, script, (char *)box, NULL };
	cJSON *all;
	int n;

	if (cu_run_capture(argv, &out) != 0) {
		free(out);
		free(script);
		return 0;
	}
	all = cJSON_Parse(out);
	n = cJSON_GetArraySize(all);
	cJSON_Delete(all);
	free(out);
	free(script);
	return n;
}

/* STARTTLS and SMTPS against aiosmtpd with a certificate made here: sent
 * when the CA file verifies it, refused (permanent) when it does not. */
static void test_smtp_tls(void **state)
{
	char cert[300], key[300], box1[300], box2[300], san[64];
	char *openssl = (char *)"/usr/bin/openssl", *out = NULL, *url, *reason = NULL;
	struct mt_message m = { .kind = "ready", .key = "TLS:1", .to_email = "tls@example.com",
				.subject = "TLS", .text = "over TLS" };
	struct channel_smtp_config c = { .from = "host@resto.example", .timeout_ms = 5000 };
	struct channel *ch = NULL;
	pid_t p1, p2;
	int port1, port2;

	(void)state;
	snprintf(cert, sizeof(cert), "%s/cert.pem", E.dir);
	snprintf(key, sizeof(key), "%s/key.pem", E.dir);
	snprintf(box1, sizeof(box1), "%s/box-starttls", E.dir);
	snprintf(box2, sizeof(box2), "%s/box-smtps", E.dir);
	snprintf(san, sizeof(san), "subjectAltName=IP:127.0.0.1");
	{
		char *argv[] = { openssl, (char *)"req", (char *)"-x509", (char *)"-newkey", (char *)"ec",
				 (char *)"-pkeyopt", (char *)"ec_paramgen_curve:prime256v1", (char *)"-nodes",
				 (char *)"-keyout", key, (char *)"-out", cert, (char *)"-days", (char *)"1",
				 (char *)"-subj", (char *)"/CN=127.0.0.1", (char *)"-addext", san, NULL };
		assert_int_equal(cu_run_capture(argv, &out), 0);
		free(out);
	}
	p1 = start_tls_smtpd("--tlscert", cert, "--tlskey", key, box1, &port1);
	p2 = start_tls_smtpd("--smtpscert", cert, "--smtpskey", key, box2, &port2);

	/* STARTTLS, verified with our CA file. */
	url = cu_strf("smtp://127.0.0.1:%d?starttls=1", port1);
	c.url = url;
	c.ca_file = cert;
	assert_int_equal(channel_smtp_new(&c, &ch, NULL), 0);
	if (channel_send(ch, &m, &reason) != 0)
		fail_msg("STARTTLS send failed: %s", reason);
	channel_close(ch);
	assert_int_equal(maildir_count(box1), 1);
	/* Same server, no CA file: the certificate is not trusted. */
	c.ca_file = NULL;
	assert_int_equal(channel_smtp_new(&c, &ch, NULL), 0);
	assert_int_equal(channel_send(ch, &m, &reason), MT_EIO);
	assert_non_null(reason);
	printf("# untrusted certificate: %s\n", reason);
	assert_true(strstr(reason, "certificate") != NULL || strstr(reason, "SSL") != NULL);
	free(reason);
	reason = NULL;
	channel_close(ch);
	assert_int_equal(maildir_count(box1), 1);
	free(url);

	/* SMTPS (implicit TLS). */
	url = cu_strf("smtps://127.0.0.1:%d", port2);
	c.url = url;
	c.ca_file = cert;
	assert_int_equal(channel_smtp_new(&c, &ch, NULL), 0);
	if (channel_send(ch, &m, &reason) != 0)
		fail_msg("SMTPS send failed: %s", reason);
	channel_close(ch);
	assert_int_equal(maildir_count(box2), 1);
	free(url);
	cu_stop(p1);
	cu_stop(p2);
}

/* The webhook receives a correctly signed event; a wrong secret is refused. */
static void test_webhook_signed(void **state)
{
	struct channel_webhook_config c = { E.hook_url, HOOK_SECRET, 0 };
	struct mt_message m = { .kind = "joined", .key = "01HWAITEE000000000000000C:1",
				.waitee_id = "01HWAITEE000000000000000C", .waitlist_id = "01HLIST",
				.text = "Ana, you're #2", .via = "sms" };
	struct channel *ch = NULL;
	char *cause = NULL, *reason = NULL;
	cJSON *e, *ev;
	int lines;

	(void)state;
	assert_int_equal(channel_webhook_new(&c, &ch, &cause), 0);
	assert_int_equal(channel_send(ch, &m, &reason), 0);
	assert_null(reason);
	e = cu_log_find(E.hook_log, "messageKey", m.key);
	assert_non_null(e);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(e, "valid")));
	ev = cJSON_GetObjectItem(e, "event");
	assert_string_equal(cJSON_GetObjectItem(ev, "kind")->valuestring, "joined");
	assert_string_equal(cJSON_GetObjectItem(ev, "waiteeId")->valuestring, m.waitee_id);
	assert_string_equal(cJSON_GetObjectItem(ev, "waitlistId")->valuestring, "01HLIST");
	assert_string_equal(cJSON_GetObjectItem(ev, "text")->valuestring, m.text);
	assert_string_equal(cJSON_GetObjectItem(ev, "via")->valuestring, "sms");
	cJSON_Delete(e);
	channel_close(ch);

	c.secret = "another-secret-of-enough-length";
	assert_int_equal(channel_webhook_new(&c, &ch, &cause), 0);
	lines = count_lines(E.hook_log);
	assert_int_equal(channel_send(ch, &m, &reason), MT_EIO);
	assert_non_null(strstr(reason, "401"));
	assert_null(strstr(reason, "another-secret"));
	assert_int_equal(count_lines(E.hook_log), lines + 1); /* logged as invalid */
	free(reason);
	channel_close(ch);

	c.secret = "short";
	assert_int_equal(channel_webhook_new(&c, &ch, &cause), MT_EINVAL);
	free(cause);
}

/* The log channel writes one JSON line with the phone and e-mail masked. */
static void test_log_channel(void **state)
{
	FILE *f = tmpfile();
	struct channel *ch = NULL;
	struct mt_message m = { .kind = "ready", .key = "W:1", .to_phone = "+15551234567",
				.to_email = "guest@example.com", .text = "Table ready" };
	char buf[2048], *reason = NULL;
	cJSON *j;

	(void)state;
	assert_non_null(f);
	assert_int_equal(channel_log_new(f, &ch, NULL), 0);
	assert_int_equal(channel_send(ch, &m, &reason), 0);
	rewind(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	assert_null(strstr(buf, "5551234567"));
	assert_null(strstr(buf, "guest@"));
	j = cJSON_Parse(buf);
	assert_non_null(j);
	assert_string_equal(cJSON_GetObjectItem(j, "to")->valuestring, "+1555***4567");
	assert_string_equal(cJSON_GetObjectItem(j, "email")->valuestring, "g***@example.com");
	assert_string_equal(cJSON_GetObjectItem(j, "text")->valuestring, "Table ready");
	assert_string_equal(cJSON_GetObjectItem(j, "key")->valuestring, "W:1");
	assert_null(fgets(buf, sizeof(buf), f)); /* exactly one line */
	cJSON_Delete(j);
	channel_close(ch);
	fclose(f);
}

/* Clears every variable mt_channels_from_env reads. */
static void env_clear(void)
{
	static const char *const vars[] = {
		"MAITRE_SMS_URL", "MAITRE_SMS_ACCOUNT", "MAITRE_SMS_TOKEN", "MAITRE_SMS_FROM",
		"MAITRE_SMTP_URL", "MAITRE_SMTP_FROM", "MAITRE_SMTP_USER", "MAITRE_SMTP_PASSWORD",
		"MAITRE_SMTP_STARTTLS", "MAITRE_WEBHOOK_URL", "MAITRE_WEBHOOK_SECRET",
		"MAITRE_NOTIFY_TIMEOUT_MS", "MAITRE_SMS_HOOK_SECRET",
	};
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
}

/* The set from the environment: none, all, partial (error naming the gap). */
static void test_channels_from_env(void **state)
{
	struct channel_set *set = NULL;
	char *cause = NULL, *smtp = cu_strf("smtp://127.0.0.1:%d", E.smtp_port), secret[128];

	(void)state;
	env_clear();
	assert_int_equal(mt_channels_from_env(&set, &cause), 0);
	assert_null(set->sms);
	assert_null(set->email);
	assert_null(set->webhook);
	assert_non_null(set->log);
	mt_channels_free(set);

	setenv("MAITRE_SMS_URL", E.sms_base, 1);
	setenv("MAITRE_SMS_ACCOUNT", ACCOUNT, 1);
	setenv("MAITRE_SMS_TOKEN", TOKEN, 1);
	assert_int_equal(mt_channels_from_env(&set, &cause), MT_EINVAL);
	assert_null(set);
	assert_non_null(strstr(cause, "MAITRE_SMS_FROM"));
	free(cause);
	cause = NULL;
	setenv("MAITRE_SMS_FROM", FROM_NUMBER, 1);
	setenv("MAITRE_SMTP_URL", smtp, 1);
	assert_int_equal(mt_channels_from_env(&set, &cause), MT_EINVAL);
	assert_non_null(strstr(cause, "MAITRE_SMTP_FROM"));
	free(cause);
	cause = NULL;
	setenv("MAITRE_SMTP_FROM", "host@resto.example", 1);
	setenv("MAITRE_WEBHOOK_URL", E.hook_url, 1);
	assert_int_equal(mt_channels_from_env(&set, &cause), MT_EINVAL);
	assert_non_null(strstr(cause, "MAITRE_WEBHOOK_SECRET"));
	free(cause);
	cause = NULL;
	setenv("MAITRE_WEBHOOK_SECRET", HOOK_SECRET, 1);
	setenv("MAITRE_NOTIFY_TIMEOUT_MS", "nope", 1);
	assert_int_equal(mt_channels_from_env(&set, &cause), MT_EINVAL);
	free(cause);
	cause = NULL;
	setenv("MAITRE_NOTIFY_TIMEOUT_MS", "2500", 1);
	assert_int_equal(mt_channels_from_env(&set, &cause), 0);
	assert_string_equal(set->sms->ops->name, "sms");
	assert_string_equal(set->email->ops->name, "email");
	assert_string_equal(set->webhook->ops->name, "webhook");
	assert_string_equal(set->log->ops->name, "log");
	mt_channels_free(set);

	assert_int_equal(mt_sms_hook_secret_from_env(secret, sizeof(secret)), 0);
	assert_string_equal(secret, "");
	setenv("MAITRE_SMS_HOOK_SECRET", "hook-secret", 1);
	assert_int_equal(mt_sms_hook_secret_from_env(secret, sizeof(secret)), 0);
	assert_string_equal(secret, "hook-secret");
	env_clear();
	free(smtp);
}

/* Fills a waitlist and a waitee for delivery tests. */
static void fixture(struct mt_waitlist *wl, struct mt_waitee *w, const char *id, const char *phone,
		    const char *email)
{
	memset(wl, 0, sizeof(*wl));
	memset(w, 0, sizeof(*w));
	snprintf(wl->id, sizeof(wl->id), "01HLIST0000000000000000000");
	snprintf(wl->name, sizeof(wl->name), "Chez Luigi");
	snprintf(w->id, sizeof(w->id), "%s", id);
	snprintf(w->waitlist_id, sizeof(w->waitlist_id), "%s", wl->id);
	snprintf(w->name, sizeof(w->name), "Ana");
	snprintf(w->phone, sizeof(w->phone), "%s", phone);
	snprintf(w->email, sizeof(w->email), "%s", email);
	w->party_size = 2;
	w->position = 2;
}

/* Builds a set with SMS, SMTP and webhook pointed at the test servers. */
static struct channel_set *full_set(FILE *log)
{
	struct channel_set *set = calloc(1, sizeof(*set));
	struct channel_webhook_config wc = { E.hook_url, HOOK_SECRET, 0 };

	assert_non_null(set);
	set->sms = sms_channel(E.sms_base, TOKEN, 0);
	set->email = smtp_channel(0);
	assert_int_equal(channel_webhook_new(&wc, &set->webhook, NULL), 0);
	assert_int_equal(channel_log_new(log, &set->log, NULL), 0);
	return set;
}

/* mt_deliver: phone -> SMS (+ webhook copy), e-mail only -> SMTP,
 * custom and broken templates, quote minutes, failures. */
static void test_deliver(void **state)
{
	int64_t now = 1795000000000LL;
	struct channel_set *set = full_set(NULL);
	struct mt_waitlist wl;
	struct mt_waitee w;
	const char *via = NULL;
	char *reason = NULL;
	cJSON *e, *all, *mail;
	int hooks;

	(void)state;
	/* Phone: SMS with the default joined text and minutes left. */
	fixture(&wl, &w, "01HWAITEE00000000000000D01", "+15551230001", "ana@example.com");
	w.quoted_minutes = 30;
	w.joined_at = now - 10 * 60000;
	assert_int_equal(mt_deliver_ex(set, &wl, &w, "joined", 1, now, &via, &reason), 0);
	assert_string_equal(via, "sms");
	if (reason)
		fail_msg("unexpected note: %s", reason);
	e = cu_log_find(E.sms_log, "key", "01HWAITEE00000000000000D01:1");
	assert_non_null(e);
	assert_string_equal(cJSON_GetObjectItem(e, "to")->valuestring, "+15551230001");
	assert_string_equal(cJSON_GetObjectItem(e, "body")->valuestring,
			    "Ana, you're #2 on the list at Chez Luigi, about 20 min. "
			    "We'll text you when it's ready. Reply 1 to confirm, 9 to cancel.");
	cJSON_Delete(e);
	e = cu_log_find(E.hook_log, "messageKey", "01HWAITEE00000000000000D01:1");
	assert_non_null(e);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(e, "event"), "via")->valuestring, "sms");
	cJSON_Delete(e);

	/* Custom template for ready. */
	snprintf(wl.tpl_ready, sizeof(wl.tpl_ready), "{name}: table at {restaurant} now (#{position})");
	assert_int_equal(mt_deliver(set, &wl, &w, "ready", 2, now, &reason), 0);
	e = cu_log_find(E.sms_log, "key", "01HWAITEE00000000000000D01:2");
	assert_non_null(e);
	assert_string_equal(cJSON_GetObjectItem(e, "body")->valuestring, "Ana: table at Chez Luigi now (#2)");
	cJSON_Delete(e);

	/* A stored template that does not validate: default text, and a note. */
	snprintf(wl.tpl_ready, sizeof(wl.tpl_ready), "{nmae}, come in");
	assert_int_equal(mt_deliver(set, &wl, &w, "ready", 3, now, &reason), 0);
	assert_non_null(reason);
	assert_non_null(strstr(reason, "template"));
	free(reason);
	reason = NULL;
	e = cu_log_find(E.sms_log, "key", "01HWAITEE00000000000000D01:3");
	assert_non_null(e);
	assert_non_null(strstr(cJSON_GetObjectItem(e, "body")->valuestring, "Ana, your table at Chez Luigi is ready"));
	assert_null(strstr(cJSON_GetObjectItem(e, "body")->valuestring, "{"));
	cJSON_Delete(e);
	wl.tpl_ready[0] = '\0';

	/* E-mail only: SMTP with the subject. */
	fixture(&wl, &w, "01HWAITEE00000000000000D02", "", "zoe@example.com");
	assert_int_equal(mt_deliver_ex(set, &wl, &w, "ready", 1, now, &via, &reason), 0);
	assert_string_equal(via, "email");
	mail = mail_find("01HWAITEE00000000000000D02:1", &all);
	assert_non_null(mail);
	assert_string_equal(cJSON_GetObjectItem(mail, "toAddr")->valuestring, "zoe@example.com");
	assert_string_equal(cJSON_GetObjectItem(mail, "subject")->valuestring, "Your table at Chez Luigi is ready");
	assert_non_null(strstr(cJSON_GetObjectItem(mail, "body")->valuestring, "your table at Chez Luigi is ready"));
	assert_null(strstr(cJSON_GetObjectItem(mail, "body")->valuestring, "Reply 1"));
	cJSON_Delete(all);

	/* Neither phone nor e-mail: the webhook alone. */
	fixture(&wl, &w, "01HWAITEE00000000000000D03", "", "");
	assert_int_equal(mt_deliver_ex(set, &wl, &w, "ready", 1, now, &via, &reason), 0);
	assert_string_equal(via, "webhook");

	/* Gateway failing: temporary, and no webhook copy is sent. */
	fixture(&wl, &w, "01HWAITEE00000000000000D04", "+15551230004", "");
	sink_control("{\"fail\":503}");
	hooks = count_lines(E.hook_log);
	assert_int_equal(mt_deliver(set, &wl, &w, "ready", 1, now, &reason), MT_EBUSY);
	assert_non_null(strstr(reason, "503"));
	assert_true(strlen(reason) <= MT_REASON_MAX);
	free(reason);
	reason = NULL;
	assert_int_equal(count_lines(E.hook_log), hooks);
	sink_control("{\"fail\":0}");

	/* Unknown kind. */
	assert_int_equal(mt_deliver(set, &wl, &w, "birthday", 1, now, &reason), MT_EINVAL);
	free(reason);
	reason = NULL;

	/* Phone only but no gateway (SMTP configured): permanent, says why. */
	channel_close(set->sms);
	set->sms = NULL;
	assert_int_equal(mt_deliver(set, &wl, &w, "ready", 2, now, &reason), MT_EINVAL);
	assert_non_null(strstr(reason, "no SMS gateway"));
	free(reason);
	reason = NULL;

	/* No contact and no webhook: permanent. */
	channel_close(set->webhook);
	set->webhook = NULL;
	fixture(&wl, &w, "01HWAITEE00000000000000D05", "", "");
	assert_int_equal(mt_deliver(set, &wl, &w, "ready", 1, now, &reason), MT_EINVAL);
	assert_non_null(strstr(reason, "no phone number or e-mail"));
	free(reason);
	mt_channels_free(set);
}

/* Development mode: no SMS gateway and no SMTP -> the log channel, sent. */
static void test_deliver_dev_mode(void **state)
{
	FILE *f = tmpfile();
	struct channel_set *set = calloc(1, sizeof(*set));
	struct mt_waitlist wl;
	struct mt_waitee w;
	const char *via = NULL;
	char buf[2048], *reason = NULL;
	cJSON *j;

	(void)state;
	assert_non_null(set);
	assert_int_equal(channel_log_new(f, &set->log, NULL), 0);
	fixture(&wl, &w, "01HWAITEE00000000000000E01", "+15551234567", "");
	assert_int_equal(mt_deliver_ex(set, &wl, &w, "ready", 7, 1795000000000LL, &via, &reason), 0);
	assert_string_equal(via, "log");
	assert_non_null(strstr(reason, "logged only"));
	rewind(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	j = cJSON_Parse(buf);
	assert_non_null(j);
	assert_string_equal(cJSON_GetObjectItem(j, "key")->valuestring, "01HWAITEE00000000000000E01:7");
	assert_string_equal(cJSON_GetObjectItem(j, "to")->valuestring, "+1555***4567");
	assert_non_null(strstr(cJSON_GetObjectItem(j, "text")->valuestring, "Ana, your table at Chez Luigi is ready"));
	cJSON_Delete(j);
	free(reason);
	mt_channels_free(set);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sms_accepted),
		cmocka_unit_test(test_sms_wrong_token),
		cmocka_unit_test(test_sms_bad_number),
		cmocka_unit_test(test_sms_gateway_failing),
		cmocka_unit_test(test_sms_refused_and_timeout),
		cmocka_unit_test(test_sms_threads),
		cmocka_unit_test(test_smtp_delivered),
		cmocka_unit_test(test_smtp_failures),
		cmocka_unit_test(test_smtp_tls),
		cmocka_unit_test(test_webhook_signed),
		cmocka_unit_test(test_log_channel),
		cmocka_unit_test(test_channels_from_env),
		cmocka_unit_test(test_deliver),
		cmocka_unit_test(test_deliver_dev_mode),
	};
	return cmocka_run_group_tests(tests, setup_servers, teardown_servers);
}

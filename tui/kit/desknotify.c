/* Desktop notifications through libnotify on a worker thread, so that a
 * slow or missing notification server never blocks the board; and the
 * once-per-key set. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#ifdef TK_HAVE_LIBNOTIFY
#include <libnotify/notify.h>
#endif

#include "desknotify.h"

#define QUEUE_MAX 64        /* notifications waiting for the worker */
#define TEXT_MAX 512        /* bytes kept of a summary or body */
#define FREE_FLUSH_MS 500   /* tk_notifier_free waits this long for the queue */

/* The status line texts (tk_notifier_status). */
static const char status_config[] = "notifications off (config)";
#ifdef TK_HAVE_LIBNOTIFY
static const char status_on[] = "notifications on";
static const char status_starting[] = "notifications starting";
static const char status_no_session[] = "notifications off (no D-Bus session)";
static const char status_no_server[] = "notifications off (no notification server)";
static const char status_failed[] = "notifications off (the server stopped answering)";
#else
static const char status_not_built[] = "notifications off (not built with libnotify)";
#endif

/* One queued notification. */
struct item {
	char *summary;          /* malloc'd, never NULL */
	char *body;             /* malloc'd, may be NULL */
	enum tk_urgency urgency; /* urgency hint */
};

struct tk_notifier {
	pthread_mutex_t mu;            /* guards everything below */
	pthread_cond_t wake;           /* the worker waits here for items or stop */
	pthread_cond_t idle;           /* flush waits here for an empty queue */
	pthread_t thread;              /* the worker */
	int has_thread;                /* thread was started */
	enum tk_notifier_state state;  /* what show() can do */
	const char *status;            /* static status text */
	char app[64];                  /* application name given to the server */
	struct item queue[QUEUE_MAX];  /* ring of queued items */
	size_t head;                   /* index of the oldest item */
	size_t count;                  /* items queued */
	int busy;                      /* the worker is delivering one item */
	int stop;                      /* the worker should end */
	unsigned long sent;            /* accepted by the server */
	unsigned failures;             /* failed deliveries in a row */
};

/* Frees one item's strings. */
static void item_free(struct item *it)
{
	free(it->summary);
	free(it->body);
	it->summary = NULL;
	it->body = NULL;
}

/* Drops every queued item (caller holds mu). */
static void drain_locked(struct tk_notifier *n)
{
	while (n->count > 0) {
		item_free(&n->queue[n->head]);
		n->head = (n->head + 1) % QUEUE_MAX;
		n->count--;
	}
	pthread_cond_broadcast(&n->idle);
}

#ifdef TK_HAVE_LIBNOTIFY
/* Switches to OFF with a status, dropping the queue. */
static void set_off(struct tk_notifier *n, const char *status)
{
	pthread_mutex_lock(&n->mu);
	n->state = TK_NOTIFY_OFF;
	n->status = status;
	drain_locked(n);
	pthread_mutex_unlock(&n->mu);
}

/* Returns 1 when a session bus can be found without autolaunching one:
 * DBUS_SESSION_BUS_ADDRESS, or the $XDG_RUNTIME_DIR/bus socket GLib uses. */
static int session_bus_present(void)
{
	const char *addr = getenv("DBUS_SESSION_BUS_ADDRESS");
	const char *rt = getenv("XDG_RUNTIME_DIR");
	char path[512];
	struct stat st;
	int len;

	if (addr != NULL && addr[0] != '\0')
		return 1;
	if (rt == NULL || rt[0] != '/')
		return 0;
	len = snprintf(path, sizeof path, "%s/bus", rt);
	if (len < 0 || (size_t)len >= sizeof path)
		return 0;
	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* Delivers one item; returns 0 when the server accepted it. */
static int deliver(const struct item *it)
{
	static const NotifyUrgency map[] = { NOTIFY_URGENCY_LOW, NOTIFY_URGENCY_NORMAL,
		NOTIFY_URGENCY_CRITICAL };
	NotifyNotification *nn;
	GError *error = NULL;
	gboolean ok;

	nn = notify_notification_new(it->summary, it->body, NULL);
	if (nn == NULL)
		return -1;
	notify_notification_set_urgency(nn, map[it->urgency]);
	notify_notification_set_category(nn, "im.received");
	ok = notify_notification_show(nn, &error);
	if (error != NULL)
		g_error_free(error);
	g_object_unref(nn);
	return ok ? 0 : -1;
}

/* The worker: checks the server, then delivers items until told to stop. */
static void *worker(void *arg)
{
	struct tk_notifier *n = arg;
	char *name = NULL, *vendor = NULL, *version = NULL, *spec = NULL;

	if (!notify_init(n->app)) {
		set_off(n, status_no_server);
		return NULL;
	}
	if (!notify_get_server_info(&name, &vendor, &version, &spec)) {
		notify_uninit();
		set_off(n, status_no_server);
		return NULL;
	}
	g_free(name);
	g_free(vendor);
	g_free(version);
	g_free(spec);
	pthread_mutex_lock(&n->mu);
	if (n->state == TK_NOTIFY_STARTING) {
		n->state = TK_NOTIFY_ON;
		n->status = status_on;
	}
	for (;;) {
		struct item it;
		int rc;

		while (n->count == 0 && !n->stop)
			pthread_cond_wait(&n->wake, &n->mu);
		if (n->count == 0 && n->stop)
			break;
		it = n->queue[n->head];
		n->head = (n->head + 1) % QUEUE_MAX;
		n->count--;
		n->busy = 1;
		pthread_mutex_unlock(&n->mu);
		rc = deliver(&it);
		item_free(&it);
		pthread_mutex_lock(&n->mu);
		n->busy = 0;
		if (rc == 0) {
			n->sent++;
			n->failures = 0;
		} else if (++n->failures >= 3 && n->state == TK_NOTIFY_ON) {
			/* three failures in a row: the server went away */
			n->state = TK_NOTIFY_OFF;
			n->status = status_failed;
			drain_locked(n);
		}
		if (n->count == 0)
			pthread_cond_broadcast(&n->idle);
	}
	pthread_cond_broadcast(&n->idle);
	pthread_mutex_unlock(&n->mu);
	notify_uninit();
	return NULL;
}
#endif

/* Starts a notifier (a worker thread when on); NULL only when out of memory. */
struct tk_notifier *tk_notifier_new(const char *app_name, int enabled)
{
	struct tk_notifier *n = calloc(1, sizeof *n);

	if (n == NULL)
		return NULL;
	pthread_mutex_init(&n->mu, NULL);
	pthread_cond_init(&n->wake, NULL);
	pthread_cond_init(&n->idle, NULL);
	snprintf(n->app, sizeof n->app, "%s", app_name && *app_name ? app_name : "maitre");
	n->state = TK_NOTIFY_OFF;
	if (!enabled) {
		n->status = status_config;
		return n;
	}
#ifdef TK_HAVE_LIBNOTIFY
	if (!session_bus_present()) {
		n->status = status_no_session;
		return n;
	}
	n->state = TK_NOTIFY_STARTING;
	n->status = status_starting;
	if (pthread_create(&n->thread, NULL, worker, n) != 0) {
		n->state = TK_NOTIFY_OFF;
		n->status = status_no_server;
		return n;
	}
	n->has_thread = 1;
#else
	n->status = status_not_built;
#endif
	return n;
}

/* Returns the current state (thread-safe). */
enum tk_notifier_state tk_notifier_state(struct tk_notifier *n)
{
	enum tk_notifier_state s;

	if (n == NULL)
		return TK_NOTIFY_OFF;
	pthread_mutex_lock(&n->mu);
	s = n->state;
	pthread_mutex_unlock(&n->mu);
	return s;
}

/* Returns the status line text (a static string). */
const char *tk_notifier_status(struct tk_notifier *n)
{
	const char *s;

	if (n == NULL)
		return status_config;
	pthread_mutex_lock(&n->mu);
	s = n->status;
	pthread_mutex_unlock(&n->mu);
	return s;
}

/* Returns a malloc'd copy of s cut to TEXT_MAX bytes at a character boundary. */
static char *copy_text(const char *s)
{
	size_t n = strlen(s);
	char *c;

	if (n > TEXT_MAX) {
		n = TEXT_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	c = malloc(n + 1);
	if (c == NULL)
		return NULL;
	memcpy(c, s, n);
	c[n] = '\0';
	return c;
}

/* Queues one notification; 0, or -1 when off or the queue is full. */
int tk_notifier_show(struct tk_notifier *n, const char *summary, const char *body,
		enum tk_urgency urgency)
{
	struct item it = { NULL, NULL, urgency };
	int rc = -1;

	if (n == NULL || summary == NULL || (int)urgency < 0 || urgency > TK_URGENCY_CRITICAL)
		return -1;
	pthread_mutex_lock(&n->mu);
	if (n->state != TK_NOTIFY_OFF && n->count < QUEUE_MAX) {
		it.summary = copy_text(summary);
		it.body = body ? copy_text(body) : NULL;
		if (it.summary != NULL && (body == NULL || it.body != NULL)) {
			n->queue[(n->head + n->count) % QUEUE_MAX] = it;
			n->count++;
			pthread_cond_signal(&n->wake);
			rc = 0;
		} else {
			item_free(&it);
		}
	}
	pthread_mutex_unlock(&n->mu);
	return rc;
}

/* Waits at most timeout_ms for the queue to be delivered. */
int tk_notifier_flush(struct tk_notifier *n, int timeout_ms)
{
	struct timespec deadline;
	int rc = 0;

	if (n == NULL)
		return 0;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&n->mu);
	/* STARTING counts as busy: the queue waits for the server check */
	while ((n->count > 0 || n->busy || (n->state == TK_NOTIFY_STARTING && n->has_thread)) && rc == 0)
		if (pthread_cond_timedwait(&n->idle, &n->mu, &deadline) == ETIMEDOUT)
			rc = -1;
	if (n->count > 0 || n->busy)
		rc = -1;
	pthread_mutex_unlock(&n->mu);
	return rc;
}

/* Returns how many notifications the server accepted. */
unsigned long tk_notifier_sent(struct tk_notifier *n)
{
	unsigned long s;

	if (n == NULL)
		return 0;
	pthread_mutex_lock(&n->mu);
	s = n->sent;
	pthread_mutex_unlock(&n->mu);
	return s;
}

/* Stops the worker (after at most 500 ms of delivering) and frees. */
void tk_notifier_free(struct tk_notifier *n)
{
	if (n == NULL)
		return;
	if (n->has_thread) {
		tk_notifier_flush(n, FREE_FLUSH_MS);
		pthread_mutex_lock(&n->mu);
		n->stop = 1;
		drain_locked(n);
		pthread_cond_signal(&n->wake);
		pthread_mutex_unlock(&n->mu);
		/* a delivery already under way may still take the D-Bus timeout;
		 * detach rather than hold the app's exit hostage to it */
		pthread_mutex_lock(&n->mu);
		if (n->busy || n->state == TK_NOTIFY_STARTING) {
			pthread_mutex_unlock(&n->mu);
			pthread_detach(n->thread);
			return; /* the worker frees nothing of n; n is leaked on purpose */
		}
		pthread_mutex_unlock(&n->mu);
		pthread_join(n->thread, NULL);
	}
	drain_locked(n);
	pthread_cond_destroy(&n->wake);
	pthread_cond_destroy(&n->idle);
	pthread_mutex_destroy(&n->mu);
	free(n);
}

#define ONCE_KEY_MAX 127 /* longest key, bytes */

/* One remembered key. */
struct once_node {
	struct once_node *next;  /* next in the bucket */
	char key[];              /* the key, NUL-terminated */
};

struct tk_once {
	struct once_node **bucket; /* chains, nbucket of them */
	size_t nbucket;            /* a power of two */
	size_t count;              /* keys remembered */
};

/* FNV-1a hash of a string. */
static uint64_t once_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ull;
	}
	return h;
}

/* Makes an empty once-per-key set. */
struct tk_once *tk_once_new(void)
{
	struct tk_once *o = calloc(1, sizeof *o);

	if (o == NULL)
		return NULL;
	o->nbucket = 64;
	o->bucket = calloc(o->nbucket, sizeof *o->bucket);
	if (o->bucket == NULL) {
		free(o);
		return NULL;
	}
	return o;
}

/* Doubles the bucket array; on failure keeps the old one (still correct). */
static void once_grow(struct tk_once *o)
{
	size_t nb = o->nbucket * 2, i;
	struct once_node **b = calloc(nb, sizeof *b);

	if (b == NULL)
		return;
	for (i = 0; i < o->nbucket; i++) {
		struct once_node *e = o->bucket[i], *next;

		for (; e != NULL; e = next) {
			size_t k = (size_t)(once_hash(e->key) & (nb - 1));

			next = e->next;
			e->next = b[k];
			b[k] = e;
		}
	}
	free(o->bucket);
	o->bucket = b;
	o->nbucket = nb;
}

/* Returns 1 the first time a key is seen, then 0; -1 on a bad key or no memory. */
int tk_once_first(struct tk_once *o, const char *key)
{
	struct once_node *e;
	size_t len, k;

	if (o == NULL || key == NULL || (len = strlen(key)) > ONCE_KEY_MAX)
		return -1;
	k = (size_t)(once_hash(key) & (o->nbucket - 1));
	for (e = o->bucket[k]; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0)
			return 0;
	e = malloc(sizeof *e + len + 1);
	if (e == NULL)
		return -1;
	memcpy(e->key, key, len + 1);
	e->next = o->bucket[k];
	o->bucket[k] = e;
	o->count++;
	if (o->count > o->nbucket * 2)
		once_grow(o);
	return 1;
}

/* Forgets a key, so it counts as new again. */
void tk_once_forget(struct tk_once *o, const char *key)
{
	struct once_node **pp;
	size_t k;

	if (o == NULL || key == NULL)
		return;
	k = (size_t)(once_hash(key) & (o->nbucket - 1));
	for (pp = &o->bucket[k]; *pp != NULL; pp = &(*pp)->next) {
		if (strcmp((*pp)->key, key) == 0) {
			struct once_node *e = *pp;

			*pp = e->next;
			free(e);
			o->count--;
			return;
		}
	}
}

/* Returns how many keys are remembered. */
size_t tk_once_count(const struct tk_once *o)
{
	return o ? o->count : 0;
}

/* Frees the set. */
void tk_once_free(struct tk_once *o)
{
	size_t i;

	if (o == NULL)
		return;
	for (i = 0; i < o->nbucket; i++) {
		struct once_node *e = o->bucket[i], *next;

		for (; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(o->bucket);
	free(o);
}

/* The write pool: threads that run requests which wait on a durable commit
 * (POST, PUT, DELETE of records), handed over by the HTTP threads.
 *
 * Why: the HTTP threads are few (one or two per core) and each serves many
 * connections. A write holds its thread until its commit is on disk, so
 * with writes on the HTTP threads at most `threads` writes could wait
 * together: the store's group commit (store-sqlite-conn.c) then batches at
 * most that many per fsync, and every read queued behind a write on the
 * same thread waits for that fsync. On the pool, up to `n` writes wait
 * together and share one commit, while the HTTP threads keep answering. */
#include <pthread.h>
#include <stdlib.h>
#include "daemon/maitred.h"

/* One queued task. */
struct writers_task {
	void (*fn)(void *arg);            /* the work */
	void *arg;                        /* its argument */
	struct writers_task *next;        /* queue link */
};

/* The pool. */
struct writers {
	pthread_mutex_t mu;               /* guards everything below */
	pthread_cond_t cv;                /* signalled on a new task and at stop */
	struct writers_task *head;        /* queued tasks, oldest first */
	struct writers_task **tail;       /* where the next task is linked */
	int stopping;                     /* 1: run what is queued, then end */
	int n;                            /* threads started */
	pthread_t *threads;               /* the threads */
};

/* A pool thread: runs tasks until the pool stops and the queue is empty. */
static void *writers_main(void *arg)
{
	struct writers *w = arg;
	struct writers_task *t;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->head == NULL && !w->stopping)
			pthread_cond_wait(&w->cv, &w->mu);
		t = w->head;
		if (t == NULL)
			break;   /* stopping and nothing left */
		w->head = t->next;
		if (w->head == NULL)
			w->tail = &w->head;
		pthread_mutex_unlock(&w->mu);
		t->fn(t->arg);
		free(t);
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Starts n threads (1..WRITERS_MAX). 0, or -1 when threads cannot be made. */
int writers_start(int n, struct writers **out)
{
	struct writers *w;
	int i;

	*out = NULL;
	if (n < 1 || n > WRITERS_MAX)
		return -1;
	w = calloc(1, sizeof *w);
	if (w == NULL)
		return -1;
	w->threads = calloc((size_t)n, sizeof *w->threads);
	if (w->threads == NULL || pthread_mutex_init(&w->mu, NULL) != 0) {
		free(w->threads);
		free(w);
		return -1;
	}
	if (pthread_cond_init(&w->cv, NULL) != 0) {
		pthread_mutex_destroy(&w->mu);
		free(w->threads);
		free(w);
		return -1;
	}
	w->tail = &w->head;
	for (i = 0; i < n; i++) {
		if (pthread_create(&w->threads[i], NULL, writers_main, w) != 0)
			break;
		w->n++;
	}
	if (w->n < n) {
		writers_stop(w);
		return -1;
	}
	*out = w;
	return 0;
}

/* Queues fn(arg) for a pool thread. 0, or -1 (out of memory, stopping): run it yourself. */
int writers_submit(struct writers *w, void (*fn)(void *arg), void *arg)
{
	struct writers_task *t;

	if (w == NULL || (t = malloc(sizeof *t)) == NULL)
		return -1;
	t->fn = fn;
	t->arg = arg;
	t->next = NULL;
	pthread_mutex_lock(&w->mu);
	if (w->stopping) {
		pthread_mutex_unlock(&w->mu);
		free(t);
		return -1;
	}
	*w->tail = t;
	w->tail = &t->next;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

/* Runs every queued task, ends the threads and frees the pool. */
void writers_stop(struct writers *w)
{
	int i;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stopping = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	for (i = 0; i < w->n; i++)
		pthread_join(w->threads[i], NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w->threads);
	free(w);
}

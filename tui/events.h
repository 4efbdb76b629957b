/* What happened that the host should know about: comparing each new list
 * with the previous one (guest replies, failed texts, parties added or
 * finished on another terminal) and the clock (a party passing its quote,
 * the connection lost for more than 30 s). Each event becomes a line in
 * the activity strip and, where issue 9 asks, a desktop notification (once
 * per party and event). */
#ifndef MAITRE_TUI_EVENTS_H
#define MAITRE_TUI_EVENTS_H

#include <stddef.h>

struct app;
struct party;

/* Compares the previous server rows with the new ones (both in any order);
 * old may be NULL (first load: nothing is reported). Marks rows[i].by_guest
 * for moves the guest made (and keeps the mark while the status stays). */
void events_compare(struct app *a, const struct party *old, size_t n_old,
		    struct party *rows, size_t n);
/* Once a second: parties that passed their quote since the last call. */
void events_tick(struct app *a);
/* The connection has been lost for more than 30 s. */
void events_connection_lost(struct app *a);

#endif

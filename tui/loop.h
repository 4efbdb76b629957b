/* The main loop: poll() on the terminal, the signal pipe and the client's
 * sockets, with a timeout that wakes it for the next second (times on the
 * board tick) or the client's next deadline, whichever is first. Nothing in
 * it waits on the network. */
#ifndef MAITRE_TUI_LOOP_H
#define MAITRE_TUI_LOOP_H

struct app;

/* Runs until the host quits or a quit signal arrives; sigfd is term_open()'s pipe. Returns 0. */
int loop_run(struct app *a, int sigfd);
/* Handles one key as the loop would (tests and the bench feed keys through it). */
void loop_key(struct app *a, int is_key, long ch);

#endif

/* One tmux test's world, shared by the host-stand app's end-to-end tests
 * (test-tui-{tmux,stats,staff,handover}.c): a maitred of its own, the app's
 * home under a private tmux server, and the owner who made the list.
 *
 * Errors: the functions assert (cmocka) and fail the test; a failed test's
 * world is freed by tui_world_teardown, given to every case. */
#ifndef MAITRE_TEST_TUI_WORLD_H
#define MAITRE_TEST_TUI_WORLD_H

#include "harness.h"
#include "tmux.h"

#define TUI_PASSWORD "a long passphrase" /* the owner's password */
#define TUI_WAIT 15000 /* ms: generous, the sanitizer build shares two cores */

/* One test's world. */
struct tui_world {
	struct test_server srv;   /* maitred */
	struct tmux t;            /* the app in tmux */
	char email[128];          /* the owner's e-mail */
	char *token;              /* the owner's access token (the "second terminal") */
	char *refresh;            /* the owner's refresh token from the registration login */
	char list_id[64];         /* the waitlist "Dining room" */
};

/* Makes the app's home (no maitred yet: start w->srv with test_server_start,
 * e.g. with files of the home in its environment); the world is the running
 * test's until tui_world_free. */
struct tui_world *tui_world_home(void);
/* tui_world_home, then maitred started (opts may be NULL). */
struct tui_world *tui_world_new(const struct test_server_opts *opts);
/* Registers the owner "Hana" (e-mail made from prefix; restaurant: the
 * restaurant's name, NULL = the server's default) and logs in over HTTP. */
void tui_world_owner(struct tui_world *w, const char *prefix, const char *restaurant);
/* Creates the list "Dining room" as the owner (list_extra: more members of
 * the body, e.g. ",\"defaultQuoteMinutes\":25", or NULL); keeps its id. */
void tui_world_list(struct tui_world *w, const char *list_extra);
/* Starts the app in a width x height pane against the world's maitred, with
 * more arguments (NULL-terminated, may be NULL) and environment (may be NULL). */
void tui_world_start(struct tui_world *w, int width, int height, const char *const *args, const char *const *env);
/* On the login screen: types email and password (NULL = the owner's) and Enter. */
void tui_world_type_login(struct tui_world *w, const char *email, const char *password);
/* Stops the app and maitred, frees the world. */
void tui_world_free(struct tui_world *w);
/* cmocka teardown of every case: frees the world of a test that failed
 * before its own tui_world_free. */
int tui_world_teardown(void **state);

#endif

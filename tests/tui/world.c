/* One tmux test's world: maitred, the app's home, the owner (world.h). */
#include "world.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

static struct tui_world *current; /* the running test's world, freed by teardown if the test failed */

/* Makes the app's home. */
struct tui_world *tui_world_home(void)
{
	struct tui_world *w = calloc(1, sizeof *w);

	assert_non_null(w);
	current = w;
	assert_int_equal(tmux_init(&w->t), 0);
	return w;
}

/* Makes the app's home and starts maitred. */
struct tui_world *tui_world_new(const struct test_server_opts *opts)
{
	struct tui_world *w = tui_world_home();

	assert_int_equal(test_server_start(&w->srv, opts), 0);
	return w;
}

/* Registers the owner "Hana" and logs in. */
void tui_world_owner(struct tui_world *w, const char *prefix, const char *restaurant)
{
	struct test_resp r;
	char *body;

	test_unique_email(w->email, sizeof w->email, prefix);
	if (restaurant == NULL) {
		assert_int_equal(test_register_and_login(&w->srv, w->email, TUI_PASSWORD, "Hana", &w->token, &w->refresh), 0);
		return;
	}
	body = test_strf("{\"email\":\"%s\",\"password\":\"%s\",\"name\":\"Hana\",\"restaurantName\":\"%s\"}",
			 w->email, TUI_PASSWORD, restaurant);
	assert_int_equal(test_http(&w->srv, "POST", "/register", NULL, body, NULL, &r), 0);
	free(body);
	assert_int_equal(r.status, 201);
	test_resp_free(&r);
	assert_int_equal(test_login(&w->srv, w->email, TUI_PASSWORD, &w->token, &w->refresh), 200);
}

/* Creates "Dining room" and keeps its id. */
void tui_world_list(struct tui_world *w, const char *list_extra)
{
	struct test_resp r;
	char *body = test_strf("{\"name\":\"Dining room\"%s}", list_extra ? list_extra : "");
	cJSON *j;

	assert_int_equal(test_http(&w->srv, "POST", "/waitlists", w->token, body, NULL, &r), 0);
	free(body);
	assert_int_equal(r.status, 201);
	j = test_resp_json(&r);
	assert_non_null(j);
	snprintf(w->list_id, sizeof w->list_id, "%s", test_json_str(j, "id"));
	cJSON_Delete(j);
	test_resp_free(&r);
}

/* Starts the app with --server and the extra arguments. */
void tui_world_start(struct tui_world *w, int width, int height, const char *const *args, const char *const *env)
{
	const char *all[16] = { "--server", w->srv.base_url };
	size_t n = 2;

	for (; args && *args; args++) {
		assert_true(n < sizeof all / sizeof all[0] - 1);
		all[n++] = *args;
	}
	all[n] = NULL;
	assert_int_equal(tmux_start(&w->t, width, height, all, env), 0);
}

/* Types the e-mail and password on the login screen. */
void tui_world_type_login(struct tui_world *w, const char *email, const char *password)
{
	char em[160], pw[160];

	assert_true(tmux_wait_text(&w->t, "log in", TUI_WAIT) >= 0);
	snprintf(em, sizeof em, "L:%s", email ? email : w->email);
	snprintf(pw, sizeof pw, "L:%s", password ? password : TUI_PASSWORD);
	assert_int_equal(tmux_keys(&w->t, em, "Tab", pw, "Enter", NULL), 0);
}

/* Stops everything. */
void tui_world_free(struct tui_world *w)
{
	if (w == current)
		current = NULL;
	tmux_free(&w->t);
	test_server_free(&w->srv);
	free(w->token);
	free(w->refresh);
	free(w);
}

/* Frees the world of a failed test. */
int tui_world_teardown(void **state)
{
	(void)state;
	if (current)
		tui_world_free(current);
	return 0;
}

/* The store contract suite: one set of cmocka tests that every back end of
 * struct store_ops (store/store.h) must pass, written once.
 *
 * Usage from a back end's test program:
 *
 *     static int open_fresh(struct store **out, void *arg) { ... }
 *     int main(void) { return store_contract_run("store-sqlite", open_fresh, NULL) ? 1 : 0; }
 *
 * `open_fresh` is called before EVERY test and must give a new, EMPTY store
 * (no users, lists or waitees; schema ready), returning 0 or a negative MT_E*
 * code. The suite closes each store with store_close() after its test.
 * `arg` is passed through untouched. Tests run one after another (the race
 * test starts its own threads against a single store).
 *
 * What it checks beyond store.h, so every back end behaves the same:
 * - creates set the caller's version to 1; a successful update sets it to
 *   expected_version + 1 (and the stored version too);
 * - user_update writes name, role, password_hash, failed_logins and
 *   fail_window_start (id, tenant, e-mail and created_at are immutable);
 * - refresh_mark_used on an unknown token and refresh_revoke_family on an
 *   unknown family give MT_ENOTFOUND; revoking twice is fine;
 * - a loser of a version race gets MT_EPRECOND (MT_ECONFLICT is accepted
 *   too in the race test, for back ends that cannot tell them apart there);
 * - page limits outside 1..500, a malformed cursor, a due limit < 1 and an
 *   empty phone give MT_EINVAL;
 * - when ops->stats is set, no operation of the suite makes a full scan.
 *
 * Returns the number of failed tests (0 = the back end keeps the contract). */
#ifndef MT_TESTS_STORE_CONTRACT_H
#define MT_TESTS_STORE_CONTRACT_H

struct store;

/* Factory for a fresh, empty store. */
typedef int (*store_contract_open_fn)(struct store **out, void *arg);

/* Runs the whole contract suite under the cmocka group name suite_name. */
int store_contract_run(const char *suite_name, store_contract_open_fn open_fresh, void *arg);

#endif

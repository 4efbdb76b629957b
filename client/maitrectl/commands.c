/* The command table (one file per command, gathered here). */
#include <string.h>
#include "ctl.h"

/* Every command, in the order of `maitrectl --help`. */
static const struct ctl_cmd *const table[] = {
	&ctl_cmd_login, &ctl_cmd_logout, &ctl_cmd_whoami, &ctl_cmd_lists, &ctl_cmd_list, &ctl_cmd_parties,
	&ctl_cmd_add, &ctl_cmd_edit, &ctl_cmd_notify, &ctl_cmd_seat, &ctl_cmd_cancel, &ctl_cmd_no_show,
	&ctl_cmd_delete, &ctl_cmd_watch, &ctl_cmd_stats, &ctl_cmd_password, &ctl_cmd_staff, &ctl_cmd_restaurant,
	&ctl_cmd_handover,
};

/* The command called name, or NULL. */
const struct ctl_cmd *ctl_command_find(const char *name)
{
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (strcmp(table[i]->name, name) == 0)
			return table[i];
	return NULL;
}

/* Prints every command's usage line. */
void ctl_commands_list(FILE *f)
{
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		fprintf(f, "  maitrectl %s\n", table[i]->usage);
}

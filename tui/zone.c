/* The machine's time zone and the country it is in: what the first-run
 * form offers as the restaurant's (the owner can change both there). */
#include "zone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define ZONEINFO "/usr/share/zoneinfo"

/* 1 when tz is a relative zone name of safe characters (no "..", no leading '/'). */
static int zone_name_safe(const char *tz)
{
	if (tz[0] == '\0' || tz[0] == '/' || strstr(tz, "..") != NULL)
		return 0;
	for (size_t i = 0; tz[i]; i++)
		if (!((tz[i] >= 'A' && tz[i] <= 'Z') || (tz[i] >= 'a' && tz[i] <= 'z') || (tz[i] >= '0' && tz[i] <= '9') ||
		      strchr("/_+-", tz[i]) != NULL))
			return 0;
	return 1;
}

/* 1 when tz names a zone file of this machine's zone database. */
int zone_known(const char *tz)
{
	char path[200];
	if (!zone_name_safe(tz))
		return 0;
	if (snprintf(path, sizeof path, ZONEINFO "/%s", tz) >= (int)sizeof path)
		return 0;
	return access(path, R_OK) == 0;
}

/* Copies the zone name after ".../zoneinfo/" in path (or path itself when
 * relative) into out when it is a known zone; 0 when it did. */
static int zone_from_path(const char *path, char *out, size_t n)
{
	const char *p = strstr(path, "zoneinfo/");
	const char *name = p ? p + strlen("zoneinfo/") : path;
	if (strncmp(name, "posix/", 6) == 0)
		name += 6;
	if (!zone_known(name) || strlen(name) >= n)
		return -1;
	str_copy(out, n, name);
	return 0;
}

/* The machine's IANA time zone name into out ("" when it cannot tell):
 * $TZ when it names a zone, then /etc/timezone, then /etc/localtime's link. */
void zone_of_machine(char *out, size_t n)
{
	out[0] = '\0';
	const char *tz = getenv("TZ");
	if (tz != NULL && tz[0] != '\0') {
		if (tz[0] == ':')
			tz++;
		if (zone_from_path(tz, out, n) == 0)
			return;
	}
	FILE *f = fopen("/etc/timezone", "r");
	if (f != NULL) {
		char line[128];
		if (fgets(line, sizeof line, f) != NULL) {
			line[strcspn(line, " \t\r\n")] = '\0';
			if (zone_from_path(line, out, n) == 0) {
				fclose(f);
				return;
			}
		}
		fclose(f);
	}
	char link[256];
	ssize_t k = readlink("/etc/localtime", link, sizeof link - 1);
	if (k > 0) {
		link[k] = '\0';
		(void)zone_from_path(link, out, n);
	}
}

/* The country (ISO 3166 alpha-2) of zone tz from a zone.tab file ("CC<TAB>
 * coordinates<TAB>zone..."); "" when the zone is not listed. */
void zone_country(const char *tabfile, const char *tz, char *out, size_t n)
{
	out[0] = '\0';
	FILE *f = fopen(tabfile, "r");
	if (f == NULL)
		return;
	char line[512];
	while (fgets(line, sizeof line, f) != NULL) {
		if (line[0] == '#' || strlen(line) < 4 || line[2] != '\t')
			continue;
		char *zone = strchr(line + 3, '\t');
		if (zone == NULL)
			continue;
		zone++;
		zone[strcspn(zone, "\t\r\n")] = '\0';
		if (strcmp(zone, tz) == 0 && line[0] >= 'A' && line[0] <= 'Z' && line[1] >= 'A' && line[1] <= 'Z' &&
		    n >= 3) {
			out[0] = line[0];
			out[1] = line[1];
			out[2] = '\0';
			break;
		}
	}
	fclose(f);
}

/* The territory of a locale name ("pt_PT.UTF-8" -> "PT"); "" when none. */
void locale_country(const char *locale, char *out, size_t n)
{
	out[0] = '\0';
	const char *u = locale ? strchr(locale, '_') : NULL;
	if (u == NULL || n < 3)
		return;
	if (u[1] >= 'A' && u[1] <= 'Z' && u[2] >= 'A' && u[2] <= 'Z' &&
	    (u[3] == '\0' || u[3] == '.' || u[3] == '@')) {
		out[0] = u[1];
		out[1] = u[2];
		out[2] = '\0';
	}
}

/* The country the machine is in: its zone's (zone.tab), else the locale's territory. */
void zone_machine_country(const char *tz, char *out, size_t n)
{
	out[0] = '\0';
	if (tz[0] != '\0')
		zone_country(ZONEINFO "/zone.tab", tz, out, n);
	if (out[0] != '\0')
		return;
	const char *names[] = { "LC_ALL", "LC_TELEPHONE", "LANG" };
	for (size_t i = 0; i < sizeof names / sizeof names[0] && out[0] == '\0'; i++) {
		const char *v = getenv(names[i]);
		if (v != NULL && v[0] != '\0')
			locale_country(v, out, n);
	}
}

/* The machine's time zone and the country it is in: what the first-run
 * form offers as the restaurant's. */
#ifndef MAITRE_TUI_ZONE_H
#define MAITRE_TUI_ZONE_H

#include <stddef.h>

/* 1 when tz names a zone file of this machine's zone database (safe characters only). */
int zone_known(const char *tz);

/* The machine's IANA time zone name into out ("" when it cannot tell):
 * $TZ when it names a zone, then /etc/timezone, then /etc/localtime's link. */
void zone_of_machine(char *out, size_t n);

/* The country (ISO 3166 alpha-2) of zone tz from a zone.tab file; "" when not listed. */
void zone_country(const char *tabfile, const char *tz, char *out, size_t n);

/* The territory of a locale name ("pt_PT.UTF-8" -> "PT"); "" when none. */
void locale_country(const char *locale, char *out, size_t n);

/* The country the machine is in: zone tz's (zone.tab), else the locale's territory; "" when neither says. */
void zone_machine_country(const char *tz, char *out, size_t n);

#endif

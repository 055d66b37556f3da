/* Freshness of the data sources: cadences and ages. */
#include "alert/freshness.h"

#include <string.h>

#include "util/timeutil.h"

static const char *const names[] = { "station", "drone", "satellite" };

const char *fresh_source_name(enum fresh_source s)
{
	return names[s];
}

int fresh_source_from_name(const char *name)
{
	for (int i = 0; i < FRESH_N_; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}

enum fresh_source fresh_source_of_kind(const char *kind)
{
	return !strcmp(kind, "drone") ? FRESH_DRONE : FRESH_STATION;
}

int64_t fresh_default_cadence_ms(enum fresh_source s)
{
	switch (s) {
	case FRESH_DRONE: return 2 * MS_PER_HOUR;
	case FRESH_SATELLITE: return 3 * MS_PER_DAY;
	default: return 5 * MS_PER_MINUTE;
	}
}

/* Daytime milliseconds in [a, b) of local days (local = UTC + offset). */
static int64_t daytime_between(int64_t a, int64_t b)
{
	int64_t total = 0;
	int64_t la = a + FRESH_TZ_OFFSET_MS, lb = b + FRESH_TZ_OFFSET_MS;
	int64_t day = (la >= 0 ? la : la - MS_PER_DAY + 1) / MS_PER_DAY;

	for (; day * MS_PER_DAY < lb; day++) {
		int64_t start = day * MS_PER_DAY + FRESH_DAY_START_H * MS_PER_HOUR;
		int64_t end = day * MS_PER_DAY + FRESH_DAY_END_H * MS_PER_HOUR;

		if (start < la)
			start = la;
		if (end > lb)
			end = lb;
		if (end > start)
			total += end - start;
	}
	return total;
}

int64_t fresh_age_ms(enum fresh_source s, int64_t last, int64_t now)
{
	if (now <= last)
		return 0;
	if (s == FRESH_DRONE)
		return daytime_between(last, now);
	return now - last;
}

bool fresh_late(enum fresh_source s, int64_t last, int64_t since_ms,
		int64_t cadence_ms, double factor, int64_t now)
{
	int64_t from = last ? last : since_ms;

	return (double)fresh_age_ms(s, from, now) > factor * (double)cadence_ms;
}

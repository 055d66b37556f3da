/*
 * freshness: is each source of data on time?  Every source has an expected
 * cadence (in-situ stations every few minutes, the drone patrol every 2 h
 * by day, the satellite every 3 days allowing for cloud); a source is late
 * when its data are older than factor times its cadence.  The drone flies
 * by day only, so its age counts daytime hours only: 08:00-20:00 Xinjiang
 * time (UTC+6).  Pure: the instants are parameters.
 */
#ifndef OASIS_ALERT_FRESHNESS_H
#define OASIS_ALERT_FRESHNESS_H

#include <stdbool.h>
#include <stdint.h>

enum fresh_source { FRESH_STATION, FRESH_DRONE, FRESH_SATELLITE, FRESH_N_ };

#define FRESH_DAY_START_H 8
#define FRESH_DAY_END_H 20
#define FRESH_TZ_OFFSET_MS (6 * INT64_C(3600000))

const char *fresh_source_name(enum fresh_source s);
/* -1 for an unknown name. */
int fresh_source_from_name(const char *name);
/* The source a device kind feeds: drone -> drone, others -> station. */
enum fresh_source fresh_source_of_kind(const char *kind);
/* Default cadence of a source (station 5 min, drone 2 h, satellite 3 d). */
int64_t fresh_default_cadence_ms(enum fresh_source s);

/*
 * The age that counts from last to now: all of it, or for the drone only
 * the daytime part.
 */
int64_t fresh_age_ms(enum fresh_source s, int64_t last, int64_t now);
/* Late: no data at all since since_ms (when last is 0), or too old. */
bool fresh_late(enum fresh_source s, int64_t last, int64_t since_ms,
		int64_t cadence_ms, double factor, int64_t now);

#endif

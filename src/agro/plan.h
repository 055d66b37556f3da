/*
 * plan: irrigation recommendations for plots and the day's plan of a pump
 * station that irrigates them by rotation groups (轮灌组).
 *
 * Recommendation (agro_recommend): from a plot's balance state at the end
 * of a day D and an expected crop water use (the mean ETc adj of the last
 * days, or a forecast), the days until the depletion reaches RAW, the day
 * to irrigate (D + 1 at the earliest), and the depth and volume that bring
 * the root zone back to the plot's refill level:
 *
 *   net (mm)    = Dr on the morning of that day - (1 - refill) TAW
 *   gross (mm)  = net / application efficiency
 *   volume (m3) = gross (mm) x area (m2) / 1000
 *
 * Base plan (agro_plan_order): the plots due on a day, most urgent first.
 *
 * Rotation (agro_rotation_plan): valves are grouped; a group opens as a
 * unit and draws its design flow; a pump station has a capacity (m3/h) and
 * working hours.  The groups due on the day are placed in order of urgency,
 * each at the earliest time its whole run (volume / flow) fits within the
 * working hours with the station's flow never above capacity; several
 * groups run at once when their flows fit together.  What does not fit is
 * carried to the next day and listed with the reason.
 *
 * Days are day numbers (days since 1970-01-01, util/timeutil.h).  Times
 * of day are minutes after local midnight of the plan day.  Pure
 * computation: no I/O, no globals, no clock.
 */
#ifndef OASIS_AGRO_PLAN_H
#define OASIS_AGRO_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agro/balance.h"
#include "util/err.h"

/* No day: the depletion will not reach RAW within the horizon. */
#define AGRO_NO_DAY INT64_MAX

/* One plot's recommendation. */
struct agro_rec {
	int64_t today;      /* day D of the state */
	double dr;          /* mm, depletion at the end of D */
	double taw;         /* mm, at the state's root depth */
	double p;           /* at the expected ETc (Table 22 footnote) */
	double raw;         /* mm */
	double fraction;    /* Dr / TAW */
	double etc_rate;    /* mm/day assumed from D + 1 on */
	int days_to_raw;    /* n >= 0: Dr + n x rate >= RAW; -1: never */
	int64_t irrigate_on; /* D + max(n, 1), or AGRO_NO_DAY */
	double net_mm;      /* on irrigate_on; 0 with AGRO_NO_DAY */
	double gross_mm;
	double volume_m3;
	/* (Dr - RAW) / TAW at the end of D: > 0 means already stressed */
	double urgency;
	bool season_over;   /* the crop is past its late season */
	/* what agro_rec_volume_on() needs */
	double refill, efficiency, area_m2;
};

/*
 * The recommendation for plot *p whose state *st is that of the end of
 * day `today`.  etc_rate (mm/day, >= 0) is the crop water use expected
 * from tomorrow on; horizon_days (1..366) bounds the look-ahead.  TAW is
 * held at today's root depth over the horizon.  A plot whose season has
 * ended gets no recommendation (irrigate_on AGRO_NO_DAY, season_over).
 */
int agro_recommend(const struct agro_plot *p,
		   const struct agro_balance_state *st, int64_t today,
		   double etc_rate, int horizon_days, struct agro_rec *out,
		   struct err *e);

/*
 * The volume (m3) plot *r needs if irrigated on `day` (> r->today): the
 * depletion projected to that morning, less the refill level, over the
 * efficiency and the area; 0 if already at or above the refill level.
 */
double agro_rec_volume_on(const struct agro_rec *r, int64_t day);

/* a is more urgent than b: earlier day, then larger urgency. */
bool agro_rec_before(const struct agro_rec *a, const struct agro_rec *b);

/*
 * The plots due on `day` (irrigate_on <= day), most urgent first (ties in
 * the order of recs): order[0..*n_due) receives indices into recs (order
 * has room for n).  ERR_NOMEM.
 */
int agro_plan_order(const struct agro_rec *recs, size_t n, int64_t day,
		    size_t *order, size_t *n_due, struct err *e);

/* ---------------------------------------------------------------------- */
/* Rotation groups                                                         */

/* A rotation group: valves opened together. */
struct agro_group {
	const char *name;     /* for messages; borrowed */
	const size_t *plots;  /* indices into the recs array; borrowed */
	size_t n_plots;
	double flow_m3h;      /* design flow when open, > 0 */
};

/* A pump station. */
struct agro_station {
	double capacity_m3h; /* > 0 */
	int start_min;       /* working hours, minutes after midnight, */
	int end_min;         /* 0..1440; end <= start runs past midnight */
};

/* A group's run in the day's plan. */
struct agro_slot {
	size_t group;       /* index into groups */
	double start_min;   /* minutes after the plan day's midnight; */
	double end_min;     /* past 1440 when the hours run past midnight */
	double flow_m3h;
	double volume_m3;
	bool partial;       /* the rest is carried (see the deferred list) */
	double urgency;     /* the group's: its most urgent due plot */
};

enum agro_defer_reason {
	AGRO_DEFER_NO_TIME,    /* the working hours are full */
	AGRO_DEFER_REMAINDER,  /* a run longer than the working hours */
	AGRO_DEFER_OVER_CAPACITY, /* its flow alone exceeds the station's */
};

/* "no_time", "remainder", "over_capacity". */
const char *agro_defer_reason_name(enum agro_defer_reason r);

/* A group (or the rest of one) carried to the next day. */
struct agro_deferred {
	size_t group;
	double volume_m3;
	enum agro_defer_reason reason;
};

/*
 * The plan of `day` for a station: slots[0..*n_slots) in order of start
 * time and deferred[0..*n_deferred) in order of urgency; both arrays have
 * room for n_groups.  A group is due when any of its plots is due
 * (irrigate_on <= day); it then tops up every plot it waters, so its
 * volume is the sum of agro_rec_volume_on(plot, day).  A group whose
 * volume is 0 is left out.  ERR_INVALID for a bad station or group (flow
 * not positive, a plot index out of range or in two groups); ERR_NOMEM.
 */
int agro_rotation_plan(const struct agro_rec *recs, size_t n_recs,
		       const struct agro_group *groups, size_t n_groups,
		       const struct agro_station *st, int64_t day,
		       struct agro_slot *slots, size_t *n_slots,
		       struct agro_deferred *deferred, size_t *n_deferred,
		       struct err *e);

#endif

/*
 * strings: the currents of the strings of one combiner box at one instant,
 * each against the box's median: a string far below its neighbours is open
 * (a blown fuse, a cut cable) or low (soiling, shading, a failed bypass
 * diode, a mismatch).  Ratios to the median, population coefficient of
 * variation as the dispersion (../shared/PV.md; cf. IEC 62446-1 string
 * current checks).  The string heat map and the open/low-string alarms use
 * this.
 *
 * Pure functions; no I/O.
 */
#ifndef OASIS_PV_STRINGS_H
#define OASIS_PV_STRINGS_H

#include <stddef.h>

#define PV_STRING_OPEN_RATIO 0.05
#define PV_STRING_LOW_RATIO 0.90

enum pv_string_status {
	PV_STRING_UNKNOWN, /* the median is not positive: no ratio */
	PV_STRING_OPEN,
	PV_STRING_LOW,
	PV_STRING_OK,
};

const char *pv_string_status_name(enum pv_string_status s);

struct pv_strings_out {
	double median, mean;
	double dispersion_all, dispersion_excl_open; /* NaN: undefined */
	size_t n_open, n_low;
};

/*
 * Judge n >= 1 currents.  ratio[] and status[] (n each, the caller's) get
 * I/median and the verdict; scratch (n doubles) is used to sort.
 */
void pv_strings(const double *currents, size_t n, double *ratio,
		enum pv_string_status *status, double *scratch,
		struct pv_strings_out *out);

#endif

/*
 * rs_anomaly: which plots fall behind, from one scene's per-plot index
 * values.  Pure computation: no I/O, no clock, no globals.
 *
 * Two rules, each giving a flag with the value, the reference it was
 * compared with and the bound it crossed:
 *
 *   peers  The plot's value is below its peers' median by more than k
 *          scaled median absolute deviations:
 *              value < median - k * max(1.4826 * MAD, mad_floor)
 *          Peers are the plots of the same scene with the same crop and a
 *          sowing date within peer_days of the plot's (the plot itself
 *          included), and there must be at least min_peers of them.
 *          1.4826 makes the MAD estimate the standard deviation of normal
 *          data; k = 3 is the "very conservative" cut-off of Leys, Ley,
 *          Klein, Bernard and Licata 2013, "Detecting outliers: Do not use
 *          standard deviation around the mean, use absolute deviation
 *          around the median", J. Exp. Soc. Psychol. 49, 764-766.  The
 *          floor keeps a uniform group (MAD 0) from flagging noise.
 *   drop   The plot's value fell since the previous pass of the same kind
 *          of sensor (satellite or drone) by more than drop:
 *              previous - value > drop
 *          when the previous pass is at most max_gap_days old.
 *
 * Plots without a value (NAN: no valid pixel) are neither flagged nor
 * peers.
 */
#ifndef OASIS_RS_RS_ANOMALY_H
#define OASIS_RS_RS_ANOMALY_H

#include <stdbool.h>
#include <stddef.h>

#define RS_MAD_SCALE 1.4826

struct rs_anomaly_opts {
	double k;             /* scaled MADs below the median; default 3 */
	double mad_floor;     /* smallest scaled MAD used; default 0.03 */
	int peer_days;        /* sowing dates this close are peers; default 10 */
	size_t min_peers;     /* smallest peer group, self included; default 5 */
	double drop;          /* largest fall between passes; default 0.15 */
	double max_gap_days;  /* a previous pass older than this is ignored; 20 */
};

/* The defaults above, documented in docs/REMOTE_SENSING.md. */
void rs_anomaly_defaults(struct rs_anomaly_opts *o);

/* One plot in a scene. */
struct rs_anomaly_plot {
	const char *crop;     /* "" or NULL: unknown (no peers) */
	int sowing_day;       /* days since 1970-01-01; RS_NO_SOWING: unknown */
	double value;         /* the plot's index (mean); NAN: none */
	double previous;      /* the previous pass's value; NAN: none */
	double gap_days;      /* days since the previous pass */
};

#define RS_NO_SOWING (-1000000)

struct rs_anomaly_flags {
	bool peers, drop;
	double peer_median, peer_bound; /* value < peer_bound flags */
	size_t n_peers;
	double drop_bound;              /* value < drop_bound flags */
};

/*
 * Flag each of the n plots into out[n].  Returns 0, or -1 when out of
 * memory (out is then undefined).  Peer groups are computed once per run
 * of plots with the same crop and sowing day: give the plots sorted by
 * (crop, sowing_day) and a county's thousands of plots cost a few dozen
 * passes; any order gives the same answer.
 */
int rs_anomaly_flag(const struct rs_anomaly_plot *plots, size_t n,
		    const struct rs_anomaly_opts *o,
		    struct rs_anomaly_flags *out);

/* The median of n values (type 7), sorting v in place; NAN for n = 0. */
double rs_median(double *v, size_t n);
/* The median absolute deviation of n values around their median (unscaled). */
double rs_mad(const double *v, size_t n, double *scratch);

#endif

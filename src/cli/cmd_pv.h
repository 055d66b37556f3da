/*
 * cmd_pv: what the files of `oasis pv` share (internal to src/cli/): the
 * flag table and its typed getters, the series of instants (--time or
 * --from/--to/--step), and the JSON line writer (numbers as %.17g, NaN
 * and infinity as null).
 */
#ifndef OASIS_CLI_CMD_PV_H
#define OASIS_CLI_CMD_PV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define PV_MAX_FLAGS 32
#define PV_MAX_STRINGS 512

/* The flags a sub-command accepts and the values given. */
struct pv_args {
	const char *cmd;                  /* "pv solpos" */
	const char *const *names;         /* NULL-terminated, without -- */
	const char *val[PV_MAX_FLAGS];    /* NULL: not given */
	bool help;
};

/*
 * Read argv (argv[0] is the sub-command) against names.  ERR_INVALID with
 * a message naming the flag: unknown, given twice, without a value.
 */
int pv_args_parse(struct pv_args *a, const char *cmd,
		  const char *const *names, int argc, char **argv,
		  struct err *e);

bool pv_has(const struct pv_args *a, const char *name);
const char *pv_str(const struct pv_args *a, const char *name);

/* A finite number: the flag's value, def when not given (NAN def and not
 * given: "--name is required"); the value within [lo, hi]. */
int pv_num(const struct pv_args *a, const char *name, double def, double lo,
	   double hi, double *out, struct err *e);

/*
 * A sub-command's start: parse argv against flags, or print usage for
 * --help.  -1 to go on, else the exit code to return (2 on a bad flag).
 */
int pv_start(struct pv_args *a, const char *cmd, const char *const *flags,
	     const char *usage, int argc, char **argv, struct err *e);

/* Print "oasis CMD: msg" as one line on stderr; returns 2. */
int pv_usage_error(const char *cmd, const struct err *e);
/* Print "oasis CMD: msg" on stderr; returns 1. */
int pv_fail(const char *cmd, const struct err *e);

/* The instants of --time, or of --from --to --step (to included). */
struct pv_instants {
	int64_t from_ms, step_ms;
	long count;
	int offset_min;
	bool zulu;   /* echo the offset 0 as Z */
	bool series; /* --from/--to/--step: JSON Lines */
};

#define PV_MAX_INSTANTS 50000000L

/* required: --time (or the series) must be given; *given tells whether. */
int pv_instants(const struct pv_args *a, bool required, bool *given,
		struct pv_instants *in, struct err *e);

/* One JSON object being written into a buffer. */
struct pv_json {
	char buf[65536]; /* strings: at most PV_MAX_STRINGS currents */
	size_t n;
	bool first;
};

void pvj_begin(struct pv_json *j);
void pvj_num(struct pv_json *j, const char *key, double v);
void pvj_int(struct pv_json *j, const char *key, long v);
void pvj_str(struct pv_json *j, const char *key, const char *s);
void pvj_null(struct pv_json *j, const char *key);
/* "key":[...] of n numbers (NaN as null); of n strings (NULL as null). */
void pvj_num_array(struct pv_json *j, const char *key, const double *v,
		   size_t n);
void pvj_str_array(struct pv_json *j, const char *key,
		   const char *const *s, size_t n);
/* "time" and "time_utc" of instant ms as the instants were given. */
void pvj_times(struct pv_json *j, const struct pv_instants *in, int64_t ms);
/* Close the object and write it and a newline to stdout; 0 or ERR_IO. */
int pvj_end(struct pv_json *j, struct err *e);
/* Close the object and add the newline, leaving it in j->buf. */
void pvj_close(struct pv_json *j);

/* Flush stdout; 0 or ERR_IO. */
int pv_flush(struct err *e);

/* The sub-commands; argv[0] is the sub-command's name. */
int cmd_pv_solpos(int argc, char **argv);
int cmd_pv_extra(int argc, char **argv);
int cmd_pv_poa(int argc, char **argv);
int cmd_pv_temp(int argc, char **argv);
int cmd_pv_pvwatts(int argc, char **argv);
int cmd_pv_tracker(int argc, char **argv);
int cmd_pv_pr(int argc, char **argv);
int cmd_pv_strings(int argc, char **argv);
/* cmd_pv_site.c: the PV park on the store */
int cmd_pv_import(int argc, char **argv);
int cmd_pv_daily(int argc, char **argv);
int cmd_pv_expected(int argc, char **argv);

#endif

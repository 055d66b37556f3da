/*
 * cmd_pv: `oasis pv solpos|extra|poa|temp|pvwatts|tracker|pr|strings`, the
 * PV park's computing core on the command line (../shared/PV.md,
 * docs/PV.md).  This file finds the sub-command and holds what the
 * sub-commands share: flags, instants, JSON lines.  The models live in
 * src/pv/; the sub-commands in cmd_pv_sun.c, cmd_pv_models.c, cmd_pv_pr.c.
 */
#include "cli/cmd_pv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "pv/pvtime.h"
#include "util/g17.h"
#include "util/timeutil.h"

static const char pv_usage[] =
	"usage: oasis pv SUBCOMMAND [FLAGS]\n"
	"\n"
	"The PV park's computing core, with pvlib-python's conventions and\n"
	"defaults (docs/PV.md).  Prints one JSON object a line; numbers in\n"
	"full precision, null where undefined.  Bad flags: exit 2.\n"
	"\n"
	"  solpos    solar position, NREL SPA (Reda & Andreas 2004)\n"
	"  extra     extraterrestrial irradiance (Spencer 1971)\n"
	"  poa       plane-of-array irradiance: isotropic, haydavies, perez\n"
	"  temp      cell temperature: sapm, faiman, pvsyst\n"
	"  pvwatts   PVWatts DC power and inverter AC power\n"
	"  tracker   single-axis tracker angle with backtracking\n"
	"  pr        IEC 61724-1 metrics of a period from an interval CSV\n"
	"  strings   string currents of a combiner box against their median\n"
	"  import    a PV plant's equipment layout into a site (store)\n"
	"  daily     a site's daily IEC 61724-1 metrics from the store\n"
	"  expected  an inverter's expected vs measured power over a day\n"
	"\n"
	"Times are ISO 8601 with an offset (2025-06-21T14:00:00+08:00 or Z);\n"
	"where --time is taken, --from T --to T --step D (1m, 15m, 1h)\n"
	"computes every instant of the range.  `oasis pv SUBCOMMAND --help`\n"
	"lists a sub-command's flags.\n";

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} subcommands[] = {
	{ "solpos", cmd_pv_solpos }, { "extra", cmd_pv_extra },
	{ "poa", cmd_pv_poa },       { "temp", cmd_pv_temp },
	{ "pvwatts", cmd_pv_pvwatts }, { "tracker", cmd_pv_tracker },
	{ "pr", cmd_pv_pr },         { "strings", cmd_pv_strings },
	{ "import", cmd_pv_import }, { "daily", cmd_pv_daily },
	{ "expected", cmd_pv_expected },
};

int cmd_pv(int argc, char **argv)
{
	struct err e;

	if (argc < 2) {
		err_set(&e, ERR_INVALID, "expected a sub-command: solpos, "
			"extra, poa, temp, pvwatts, tracker, pr, strings");
		return pv_usage_error("pv", &e);
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(pv_usage, stdout);
		return CLI_EXIT_OK;
	}
	/* a series writes ~200 bytes an instant: few large writes */
	setvbuf(stdout, NULL, _IOFBF, (size_t)1 << 20);
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]);
	     i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].run(argc - 1, argv + 1);
	err_set(&e, ERR_INVALID, "'%s' is not a sub-command (solpos, extra, "
		"poa, temp, pvwatts, tracker, pr, strings)", argv[1]);
	return pv_usage_error("pv", &e);
}

/* ---------------------------------------------------------------------- */
/* Flags                                                                   */

static int flag_index(const struct pv_args *a, const char *name, size_t len)
{
	for (int i = 0; a->names[i]; i++)
		if (strlen(a->names[i]) == len &&
		    !strncmp(a->names[i], name, len))
			return i;
	return -1;
}

int pv_args_parse(struct pv_args *a, const char *cmd,
		  const char *const *names, int argc, char **argv,
		  struct err *e)
{
	memset(a, 0, sizeof(*a));
	a->cmd = cmd;
	a->names = names;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *eq;
		size_t len;
		int k;

		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			a->help = true;
			return ERR_OK;
		}
		if (strncmp(arg, "--", 2) || !arg[2])
			return err_set(e, ERR_INVALID,
				       "unexpected argument '%s'", arg);
		eq = strchr(arg + 2, '=');
		len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
		if ((k = flag_index(a, arg + 2, len)) < 0)
			return err_set(e, ERR_INVALID, "--%.*s: unknown flag",
				       (int)len, arg + 2);
		if (a->val[k])
			return err_set(e, ERR_INVALID, "--%s: given twice",
				       names[k]);
		if (eq)
			a->val[k] = eq + 1;
		else if (i + 1 < argc && strncmp(argv[i + 1], "--", 2))
			a->val[k] = argv[++i]; /* "-105.2" is a value */
		else
			return err_set(e, ERR_INVALID, "--%s: needs a value",
				       names[k]);
	}
	return ERR_OK;
}

bool pv_has(const struct pv_args *a, const char *name)
{
	return pv_str(a, name) != NULL;
}

const char *pv_str(const struct pv_args *a, const char *name)
{
	int k = flag_index(a, name, strlen(name));

	return k < 0 ? NULL : a->val[k];
}

int pv_num(const struct pv_args *a, const char *name, double def, double lo,
	   double hi, double *out, struct err *e)
{
	const char *s = pv_str(a, name);
	char *end;

	if (!s) {
		if (isnan(def))
			return err_set(e, ERR_INVALID, "--%s is required",
				       name);
		*out = def;
		return ERR_OK;
	}
	errno = 0;
	*out = strtod(s, &end);
	if (end == s || *end || errno == ERANGE || !isfinite(*out))
		return err_set(e, ERR_INVALID, "--%s: '%s' is not a number",
			       name, s);
	if (*out < lo || *out > hi)
		return err_set(e, ERR_INVALID, "--%s: %s is out of range "
			       "[%g, %g]", name, s, lo, hi);
	return ERR_OK;
}

int pv_start(struct pv_args *a, const char *cmd, const char *const *flags,
	     const char *usage, int argc, char **argv, struct err *e)
{
	if (pv_args_parse(a, cmd, flags, argc, argv, e))
		return pv_usage_error(cmd, e);
	if (a->help) {
		fputs(usage, stdout);
		return CLI_EXIT_OK;
	}
	return -1;
}

int pv_usage_error(const char *cmd, const struct err *e)
{
	fprintf(stderr, "oasis %s: %s\n", cmd, e->msg);
	return CLI_EXIT_USAGE;
}

int pv_fail(const char *cmd, const struct err *e)
{
	fprintf(stderr, "oasis %s: %s\n", cmd, e->msg[0] ? e->msg :
		err_code_name(e->code));
	return CLI_EXIT_FAIL;
}

/* ---------------------------------------------------------------------- */
/* Instants                                                                */

static int parse_time_flag(const struct pv_args *a, const char *name,
			   int64_t *ms, int *offset_min, bool *zulu,
			   struct err *e)
{
	const char *s = pv_str(a, name);
	size_t len = strlen(s);

	if (pv_time_parse(s, len, ms, offset_min, e))
		return err_prefix(e, "--%s", name);
	*zulu = len && (s[len - 1] == 'Z' || s[len - 1] == 'z');
	return ERR_OK;
}

int pv_instants(const struct pv_args *a, bool required, bool *given,
		struct pv_instants *in, struct err *e)
{
	bool t = pv_has(a, "time"), f = pv_has(a, "from");
	bool to = pv_has(a, "to"), st = pv_has(a, "step");
	int64_t to_ms;
	int off;
	bool z;

	memset(in, 0, sizeof(*in));
	*given = t || f || to || st;
	if (t && (f || to || st))
		return err_set(e, ERR_INVALID, "--time: give --time or "
			       "--from/--to/--step, not both");
	if (t) {
		in->count = 1;
		in->step_ms = 1;
		return parse_time_flag(a, "time", &in->from_ms,
				       &in->offset_min, &in->zulu, e);
	}
	if (!*given)
		return required ? err_set(e, ERR_INVALID, "--time is required "
					  "(or --from, --to and --step)") :
				  ERR_OK;
	if (!f || !to || !st)
		return err_set(e, ERR_INVALID, "--%s is required with a "
			       "series (--from, --to, --step)",
			       !f ? "from" : !to ? "to" : "step");
	if (parse_time_flag(a, "from", &in->from_ms, &in->offset_min,
			    &in->zulu, e) ||
	    parse_time_flag(a, "to", &to_ms, &off, &z, e))
		return ERR_INVALID;
	if (time_parse_duration(pv_str(a, "step"), &in->step_ms, e))
		return err_prefix(e, "--step");
	if (to_ms < in->from_ms)
		return err_set(e, ERR_INVALID, "--to: before --from");
	if ((to_ms - in->from_ms) / in->step_ms >= PV_MAX_INSTANTS)
		return err_set(e, ERR_INVALID, "--step: more than %ld "
			       "instants from --from to --to",
			       PV_MAX_INSTANTS);
	in->count = (long)((to_ms - in->from_ms) / in->step_ms) + 1;
	in->series = true;
	return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* JSON lines                                                              */

static void raw(struct pv_json *j, const char *s, size_t n)
{
	if (j->n + n < sizeof(j->buf)) {
		memcpy(j->buf + j->n, s, n);
		j->n += n;
	}
}

/* Keys and strings here are ours or validated: no escaping needed but of
 * quotes and backslashes, which are dropped. */
static void quoted(struct pv_json *j, const char *s)
{
	raw(j, "\"", 1);
	for (; *s; s++)
		if (*s != '"' && *s != '\\' && (unsigned char)*s >= 0x20)
			raw(j, s, 1);
	raw(j, "\"", 1);
}

/* Keys are the program's own constants: written as they are. */
static void key(struct pv_json *j, const char *k)
{
	size_t n = strlen(k);

	if (j->n + n + 4 >= sizeof(j->buf))
		return;
	if (!j->first)
		j->buf[j->n++] = ',';
	j->first = false;
	j->buf[j->n++] = '"';
	memcpy(j->buf + j->n, k, n);
	j->n += n;
	j->buf[j->n++] = '"';
	j->buf[j->n++] = ':';
}

void pvj_begin(struct pv_json *j)
{
	j->n = 0;
	j->first = true;
	raw(j, "{", 1);
}

static void number(struct pv_json *j, double v)
{
	char b[G17_MAX];

	if (!isfinite(v))
		raw(j, "null", 4);
	else
		raw(j, b, g17_format(v, b));
}

void pvj_num(struct pv_json *j, const char *k, double v)
{
	key(j, k);
	number(j, v);
}

void pvj_int(struct pv_json *j, const char *k, long v)
{
	char b[24];

	key(j, k);
	raw(j, b, (size_t)snprintf(b, sizeof(b), "%ld", v));
}

void pvj_str(struct pv_json *j, const char *k, const char *s)
{
	key(j, k);
	quoted(j, s);
}

void pvj_null(struct pv_json *j, const char *k)
{
	key(j, k);
	raw(j, "null", 4);
}

void pvj_num_array(struct pv_json *j, const char *k, const double *v,
		   size_t n)
{
	key(j, k);
	raw(j, "[", 1);
	for (size_t i = 0; i < n; i++) {
		if (i)
			raw(j, ",", 1);
		number(j, v[i]);
	}
	raw(j, "]", 1);
}

void pvj_str_array(struct pv_json *j, const char *k, const char *const *s,
		   size_t n)
{
	key(j, k);
	raw(j, "[", 1);
	for (size_t i = 0; i < n; i++) {
		if (i)
			raw(j, ",", 1);
		if (s[i])
			quoted(j, s[i]);
		else
			raw(j, "null", 4);
	}
	raw(j, "]", 1);
}

void pvj_times(struct pv_json *j, const struct pv_instants *in, int64_t ms)
{
	char b[PV_TIME_MAX];
	size_t n;

	key(j, "time");
	n = pv_time_format(ms, in->offset_min, in->zulu, b);
	raw(j, "\"", 1);
	raw(j, b, n);
	raw(j, "\"", 1);
	key(j, "time_utc");
	n = pv_time_format(ms, 0, 1, b);
	raw(j, "\"", 1);
	raw(j, b, n);
	raw(j, "\"", 1);
}

void pvj_close(struct pv_json *j)
{
	raw(j, "}\n", 2);
}

int pvj_end(struct pv_json *j, struct err *e)
{
	pvj_close(j);
	if (fwrite(j->buf, 1, j->n, stdout) != j->n)
		return err_set(e, ERR_IO, "cannot write the answer: %s",
			       strerror(errno));
	return ERR_OK;
}

int pv_flush(struct err *e)
{
	if (fflush(stdout) || ferror(stdout))
		return err_set(e, ERR_IO, "cannot write the answer: %s",
			       strerror(errno));
	return ERR_OK;
}

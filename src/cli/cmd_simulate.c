/* oasis simulate: a load generator of simulated devices. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/opts.h"
#include "sim/loadgen.h"
#include "util/timeutil.h"

static const char usage[] =
	"usage: oasis simulate --url URL --token TOKEN --devices N --rate R\n"
	"                      [--mqtt mqtt://HOST:PORT] [--duration SECONDS]\n"
	"                      [--threads N] [--seed N] [--at T]\n"
	"\n"
	"Drive a running server with N simulated devices (sim-00000 ...,\n"
	"registered with the admin TOKEN) reporting R points/s in all, over\n"
	"HTTP line protocol or, with --mqtt, MQTT telemetry; for DURATION\n"
	"seconds (default 10).  Reports the rate achieved, errors and\n"
	"latencies.  With --at T the readings are stamped from the instant T\n"
	"on (RFC 3339 or milliseconds) instead of the wall clock.  Only use\n"
	"it against servers of your own.\n";

/* --at T: readings stamped from T on (ctx: the loadgen_opts). */
static int take_at(const char *arg, void *ctx, struct err *e)
{
	struct loadgen_opts *o = ctx;
	int64_t at;

	if (time_parse(arg, time_now_ms(), &at, e))
		return err_prefix(e, "--at");
	sim_clock_start_at(&o->clock, at);
	return ERR_OK;
}

int cmd_simulate(int argc, char **argv)
{
	struct loadgen_opts o = { .seconds = 10, .threads = 4, .seed = 1 };
	const char *devices = "0", *rate = "0", *duration = NULL;
	const char *threads = NULL, *seed = NULL;
	const struct cli_opt table[] = {
		{ "url", "URL", "the server (http://HOST:PORT)", .str = &o.url },
		{ "token", "TOKEN", "an admin's token", .str = &o.token },
		{ "devices", "N", "simulated devices", .str = &devices },
		{ "rate", "R", "points per second in all", .str = &rate },
		{ "mqtt", "URL", "report over MQTT (mqtt://HOST:PORT)",
		  .str = &o.mqtt_url },
		{ "duration", "SECONDS", "how long (default 10)",
		  .str = &duration },
		{ "threads", "N", "sending threads (default 4)", .str = &threads },
		{ "seed", "N", "the simulation's seed (default 1)", .str = &seed },
		{ "at", "T", "stamp readings from T on", .handle = take_at },
		{ 0 },
	};
	const struct cli_opts opts = { "simulate", usage, table, &o };
	struct loadgen_report r;
	struct err e = { 0 };
	int first, rc;

	if ((rc = cli_opts_parse(&opts, argc, argv, NULL, &first)) !=
	    CLI_OPTS_GO_ON)
		return rc;
	o.devices = atoi(devices);
	o.rate = atof(rate);
	if (duration)
		o.seconds = atof(duration);
	if (threads)
		o.threads = atoi(threads);
	if (seed)
		o.seed = strtoull(seed, NULL, 10);
	if (!o.url || strncmp(o.url, "http", 4) || !o.token)
		return cli_usage_error("simulate", "--url http://HOST:PORT and "
				       "--token are needed");
	if (o.devices < 1 || o.devices > 1000000 || !(o.rate > 0) ||
	    !(o.seconds > 0 && o.seconds <= 86400) || o.threads < 1 ||
	    o.threads > 64)
		return cli_usage_error("simulate", "--devices 1..1000000, --rate "
				       "> 0, --duration 0..86400, --threads 1..64");
	if (loadgen_run(&o, &r, &e))
		return cli_fail("simulate", &e);
	printf("%llu points in %.1f s: %.0f points/s (asked %.0f); %llu "
	       "requests, %llu errors; latency p50 %.1f ms, p99 %.1f ms\n",
	       (unsigned long long)r.points, r.seconds, r.points / r.seconds,
	       o.rate, (unsigned long long)r.requests,
	       (unsigned long long)r.errors, r.latency_p50_ms, r.latency_p99_ms);
	if (r.errors)
		printf("last error: %s\n", r.last_error);
	return r.errors ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

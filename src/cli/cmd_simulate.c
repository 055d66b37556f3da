/* oasis simulate: a load generator of simulated devices. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int cmd_simulate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "token", required_argument, NULL, 't' },
		{ "devices", required_argument, NULL, 'd' },
		{ "rate", required_argument, NULL, 'r' },
		{ "mqtt", required_argument, NULL, 'm' },
		{ "duration", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 'S' },
		{ "at", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct loadgen_opts o = { .seconds = 10, .threads = 4, .seed = 1 };
	struct loadgen_report r;
	struct err e = { 0 };
	int64_t at;
	int opt;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'u': o.url = optarg; break;
		case 't': o.token = optarg; break;
		case 'd': o.devices = atoi(optarg); break;
		case 'r': o.rate = atof(optarg); break;
		case 'm': o.mqtt_url = optarg; break;
		case 's': o.seconds = atof(optarg); break;
		case 'n': o.threads = atoi(optarg); break;
		case 'S': o.seed = strtoull(optarg, NULL, 10); break;
		case 'a':
			if (time_parse(optarg, time_now_ms(), &at, &e))
				return cli_usage_error("simulate", "--at: %s", e.msg);
			sim_clock_start_at(&o.clock, at);
			break;
		case 'h': return fputs(usage, stdout), CLI_EXIT_OK;
		default: return cli_usage_error("simulate", "unknown option");
		}
	}
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

/*
 * loadgen: drive a running server with simulated devices, for benchmarks
 * and soak tests: N devices reporting at a total rate of R points/s over
 * HTTP line protocol (or MQTT telemetry), for a bounded time.
 */
#ifndef OASIS_SIM_LOADGEN_H
#define OASIS_SIM_LOADGEN_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/clock.h"
#include "util/err.h"

struct loadgen_opts {
	const char *url;          /* http://HOST:PORT */
	const char *token;        /* an admin token: registers and writes */
	const char *mqtt_url;     /* NULL: HTTP */
	int devices;
	double rate;              /* points per second, all devices together */
	double seconds;
	int threads;
	uint64_t seed;
	bool progress;            /* a line a second on stderr */
	struct sim_clock clock;   /* stamps the readings; zero: the real one */
};

struct loadgen_report {
	uint64_t points, requests, errors;
	double seconds;
	double latency_p50_ms, latency_p99_ms;
	char last_error[256];
};

int loadgen_run(const struct loadgen_opts *o, struct loadgen_report *out,
		struct err *e);

#endif

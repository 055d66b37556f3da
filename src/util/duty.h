/*
 * duty: the singleton duties of a server (the valve clock, the alert
 * timers, retention, imagery and report jobs) ask duty_held before each
 * round.  Alone (SQLite, or no cluster) every duty is always held; with
 * many nodes on one store, cluster/ installs the answer: the duty's lease
 * in the store (docs/CLUSTER.md).
 */
#ifndef OASIS_UTIL_DUTY_H
#define OASIS_UTIL_DUTY_H

#include <stdbool.h>
#include <stdint.h>

#define DUTY_ALERTS "alerts"
#define DUTY_VALVES "valves"
#define DUTY_RETENTION "retention"
#define DUTY_JOBS "jobs"

/* Whether this node should do the duty now; true when no provider is set. */
bool duty_held(const char *name);
/*
 * Install (or, with NULL, remove) the answer.  Set before the threads that
 * ask start, removed after they stopped.
 */
void duty_set_provider(bool (*held)(const char *name, void *ctx), void *ctx);

#endif

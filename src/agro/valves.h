/*
 * valves: commanding the drip valves from the control center.
 *
 * A command (open for N minutes, or close) is requested by an operator,
 * sent to the valve, and acknowledged by it, or it fails, with a reason,
 * and is never silently lost: every one is stored with who asked and
 * when, and each change of state is published on the live stream.
 *
 * Delivery: with an MQTT broker connected, a command is published at QoS 1
 * on oasis/ID/commands as {"id":N,"action":"open","duration_min":M} and
 * the valve answers on oasis/ID/acks with {"id":N,"ok":true} (or
 * {"id":N,"ok":false,"error":"..."}).  Valves that speak HTTP poll
 * GET /api/v1/devices/ID/commands/pending and answer on
 * POST /api/v1/devices/ID/acks.  A command nobody acknowledges within the
 * timeout (default 30 s) fails, saying so.  An acknowledged open with a
 * duration is followed by a close when the time is up, which the server
 * sends itself; a restart does not lose it (the planned close is stored).
 */
#ifndef OASIS_AGRO_VALVES_H
#define OASIS_AGRO_VALVES_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"
#include "util/err.h"
#include "util/events.h"

struct valves;
struct mqtt;

#define VALVES_MAX_MINUTES (24 * 60)

/* Start the command service (its clock thread); ack_timeout_ms 0: 30 s. */
int valves_open(struct db *db, struct events *ev, int64_t ack_timeout_ms,
		struct valves **out, struct err *e);
/* Send commands over this broker from now on (NULL: none). */
void valves_set_mqtt(struct valves *v, struct mqtt *m);
void valves_close(struct valves *v);
/*
 * An observer of every change of a command's state (the monitoring):
 * called with the command as stored and its valve's plot ("" if none).
 */
typedef void (*valves_observer)(const struct db_command *c, const char *plot,
				void *ctx);
void valves_set_observer(struct valves *v, valves_observer fn, void *ctx);

/*
 * Command a valve: action "open" (duration_min 1..1440) or "close".
 * ERR_NOT_FOUND for an unknown device, ERR_INVALID (naming the field) for
 * a device that is not a valve, a missing or bad duration, an unknown
 * action.  *out is the stored command.
 */
int valves_command(struct valves *v, const char *device, const char *action,
		   int duration_min, const char *who, struct db_command *out,
		   struct err *e);

/* An HTTP valve takes its pending commands (they become sent). */
int valves_take_pending(struct valves *v, const char *device,
			int (*each)(const struct db_command *c, void *ctx),
			void *ctx, struct err *e);

/* A valve's answer to command id. */
int valves_ack(struct valves *v, const char *device, int64_t id, bool ok,
	       const char *error, struct err *e);

/* The MQTT handler of oasis/ID/acks (ctx: the valves). */
void valves_on_mqtt_ack(const char *device, const void *payload, size_t len,
			void *ctx);

/* A command as the API shows it. */
struct json_t;
struct json_t *valves_command_json(const struct db_command *c);

/*
 * A valve's commands (of one state, or all: state NULL), newest first,
 * and its state: what the server believes (the last acknowledged
 * command's action: "open", "closed", or "unknown") and what the valve
 * reported last (its valve_state series' newest point, or null), as
 * {"valve":{"believed","reported"},"commands":[...]} in *out.
 */
struct ingest;
struct ts_engine;
int valves_status_json(struct valves *v, struct ingest *ing,
		       struct ts_engine *ts, const char *device,
		       const char *state, struct json_t **out, struct err *e);

#endif

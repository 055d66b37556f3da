"""The store's connection pool under a busy control room: many clients at
once on the routes whose store reads used to call the store again while
holding one of its 8 connections (valve commands, a polling valve, the
newest values of a plot) all get their answers; the pool is sized to the
server's worker threads, and /metrics shows it and its waits."""
import json
import threading
import time

from harness import Server, expect, run, test

WORKERS = 24          # three times the old pool of 8
REQUESTS = 8          # per client
DEADLINE_S = 60       # all of them take about a second
srv = None


def setup():
    global srv
    if srv is None:
        srv = Server(extra_args=["--threads", str(WORKERS),
                                 "--valve-ack-timeout", "60"]).start()
        ring = [[86.2, 44.3], [86.204, 44.3], [86.204, 44.304],
                [86.2, 44.304], [86.2, 44.3]]
        body = json.dumps({"type": "FeatureCollection", "features": [{
            "type": "Feature", "properties": {"code": "6523241010001"},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}]})
        r = srv.post("/api/v1/plots", body=body, token=srv.admin_token)
        expect(r.status == 201, r)
        srv.tokens = {}
        for dev, kind, plot in (("vl-1", "valve", None),
                                ("sp-1", "soil_probe", "6523241010001"),
                                ("ws-1", "weather_station", "6523241010001")):
            d = {"id": dev, "kind": kind}
            if plot:
                d["plot"] = plot
            r = srv.post("/api/v1/devices", token=srv.admin_token, body=d)
            expect(r.status == 201, r)
            srv.tokens[dev] = r.json()["token"]
        for dev, metric in (("sp-1", "moisture_20cm"), ("ws-1", "air_temp"),
                            ("ws-1", "rh")):
            r = srv.post("/api/v1/telemetry", token=srv.admin_token,
                         body={"device": dev, "values": {metric: 21.5}})
            expect(r.status in (200, 204), r)
        srv.operator = srv.token("operator", "ops")
    return srv


def hammer(requests):
    """Run each client's requests on its own thread; every status seen."""
    statuses, errors = [], []
    lock = threading.Lock()

    def client(calls):
        for call in calls:
            try:
                st = call().status
            except Exception as ex:  # a timeout shows the deadlock
                st = repr(ex)
            with lock:
                statuses.append(st)

    threads = [threading.Thread(target=client, args=(c,), daemon=True)
               for c in requests]
    start = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.1, start + DEADLINE_S - time.time()))
    stuck = sum(t.is_alive() for t in threads)
    expect(not stuck, "%d of %d clients still waiting after %d s: the server "
           "is stuck" % (stuck, len(threads), DEADLINE_S))
    return statuses, time.time() - start


@test
def many_clients_on_routes_that_read_then_write_all_get_answers():
    s = setup()
    clients = []
    for i in range(WORKERS):
        calls = []
        for k in range(REQUESTS):
            kind = (i + k) % 3
            if kind == 0:
                calls.append(lambda: s.post(
                    "/api/v1/devices/vl-1/commands", token=s.operator,
                    body={"action": "open", "duration_min": 5}))
            elif kind == 1:
                calls.append(lambda: s.get(
                    "/api/v1/devices/vl-1/commands/pending",
                    token=s.tokens["vl-1"]))
            else:
                calls.append(lambda: s.get(
                    "/api/v1/latest?plot=6523241010001",
                    token=s.admin_token))
        clients.append(calls)
    statuses, took = hammer(clients)
    bad = [st for st in statuses if st not in (200, 201, 202)]
    expect(len(statuses) == WORKERS * REQUESTS, statuses)
    expect(not bad, "%d of %d requests failed: %r" % (len(bad), len(statuses),
                                                      bad[:5]))
    print("# %d requests from %d clients in %.1f s" %
          (len(statuses), WORKERS, took))
    # the plot's newest values came back whole
    r = s.get("/api/v1/latest?plot=6523241010001", token=s.admin_token)
    expect(r.status == 200, r)
    devices = {d["id"]: d for d in r.json()["devices"]}
    expect(set(devices) == {"sp-1", "ws-1"}, devices)
    expect(set(devices["ws-1"]["values"]) == {"air_temp", "rh"}, devices)


@test
def the_pool_is_sized_to_the_workers_and_shown_in_metrics():
    s = setup()
    r = s.get("/api/v1/metrics", token=s.admin_token)
    expect(r.status == 200, r)
    figures = dict(line.split(" ", 1) for line in r.body.splitlines()
                   if line and not line.startswith("#"))
    # the workers plus the background threads that use the store
    expect(int(figures["oasis_store_connections"]) >= WORKERS + 6, figures)
    expect(int(figures["oasis_store_pool_timeouts_total"]) == 0, figures)
    expect("oasis_store_pool_waits_total" in figures, figures)


if __name__ == "__main__":
    try:
        run()
    finally:
        if srv:
            srv.close()

"""Several `oasis serve --cluster` nodes on one PostgreSQL store behave as
one (docs/CLUSTER.md): a write through one node reads back the same
from every node (HTTP and MQTT, one series through two nodes interleaved,
a later correction winning everywhere); the singleton duties' leases move
to a live node when their holder is killed -9 (one automatic valve close
per command, one alert per rule and subject); live events reach another
node's streams within a second, and a stream resumed on another node is
told to resync; three nodes started at once on an empty database migrate
it once; writes survive the store dropping every connection (commits
retried, nothing acknowledged lost).  Needs OASIS_TEST_PG (make test starts a throwaway server:
tests/pg.sh); without it the file skips."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import http.client

import harness
from harness import Broker, Server, expect, oasis, run, test, wait_for

if not os.environ.get("OASIS_TEST_PG"):
    print("1..0 # SKIP OASIS_TEST_PG is not set (make test sets it)")
    sys.exit(0)

harness.BACKEND = "postgresql"
T0 = 1780000000000  # a fixed instant: no test depends on today's date
TTL_MS = 2000
RING = [[86.2, 44.3], [86.21, 44.3], [86.21, 44.31], [86.2, 44.31],
        [86.2, 44.3]]


def psql(url, sql):
    """Rows of one query, as lists of text."""
    p = subprocess.run(["psql", "-Atq", "-F", "|", "-d", url, "-c", sql],
                       capture_output=True, text=True, timeout=60)
    expect(p.returncode == 0, p.stderr)
    return [line.split("|") for line in p.stdout.splitlines() if line]


def node_on(url, first, name, extra=()):
    """Another node on the store of `first` (a folder of its own)."""
    n = Server.__new__(Server)
    n.dir = tempfile.mkdtemp(prefix="oasis-test-node-")
    n.data = os.path.join(n.dir, "store")
    harness._pg_urls[n.data] = url
    n.proc = n.port = None
    n.admin_password = first.admin_password
    n.admin_token = first.admin_token
    n.extra_args = cluster_args(name, extra)
    return n


def cluster_args(name, extra=()):
    return ["--cluster", "--node-id", name, "--lease-ttl", str(TTL_MS)] + \
        list(extra)


def cluster(n, extra=(), setup=None):
    """n nodes on a new store; setup(first) runs before the others start."""
    first = Server(extra_args=cluster_args("n1", extra)).start()
    url = harness._pg_urls[first.data]
    first.url = url
    if setup:
        setup(first)
    nodes = [first] + [node_on(url, first, "n%d" % (i + 1), extra)
                       for i in range(1, n)]
    for nd in nodes[1:]:
        nd.start()
    return nodes


def close_all(nodes):
    for nd in nodes:
        if nd.proc:
            status = nd.stop()
            expect(status == 0, "a node did not stop cleanly: %s"
                   % nd.server_log()[-1500:])
        shutil.rmtree(nd.dir, ignore_errors=True)


def device(s, dev, kind="weather_station", plot=None):
    body = {"id": dev, "kind": kind}
    if plot:
        body["plot"] = plot
    r = s.post("/api/v1/devices", token=s.admin_token, body=body)
    expect(r.status == 201, r)
    return r.json()["token"]


def write(s, dev, value, ts, metric="air_temp"):
    r = s.post("/api/v1/telemetry", token=s.admin_token,
               body={"device": dev, "ts": ts, "values": {metric: value}})
    expect(r.status == 204, r)


def values(s, series, frm, to):
    r = s.get("/api/v1/query?series=%s&from=%d&to=%d" % (series, frm, to),
              token=s.admin_token)
    expect(r.status == 200, r)
    return r.json()["values"]


def latest(s, dev, metric="air_temp"):
    r = s.get("/api/v1/latest?device=" + dev, token=s.admin_token)
    expect(r.status == 200, r)
    v = r.json()["values"].get(metric)
    return v and [v["ts"], v["value"]]


def written(s):
    r = s.get("/api/v1/metrics", token=s.admin_token)
    m = re.search(r"^oasis_points_written_total (\d+)", r.body, re.M)
    return int(m.group(1))


def holder(url, name):
    rows = psql(url, "SELECT holder, epoch FROM leases WHERE name = '%s'"
                % name)
    return (rows[0][0], int(rows[0][1])) if rows else (None, 0)


@test
def a_write_through_one_node_reads_the_same_from_every_node():
    nodes = cluster(3)
    a, b, c = nodes
    try:
        device(a, "ws-1")
        write(b, "ws-1", 21.5, T0)
        write(b, "ws-1", 22.5, T0 + 60000)
        want = [[T0, 21.5], [T0 + 60000, 22.5]]
        for nd in nodes:
            expect(values(nd, "ws-1/air_temp", T0, T0 + 60000) == want,
                   values(nd, "ws-1/air_temp", T0, T0 + 60000))
            expect(latest(nd, "ws-1") == [T0 + 60000, 22.5],
                   latest(nd, "ws-1"))
        # a later correction of the same instant wins everywhere
        write(c, "ws-1", 33.0, T0 + 60000)
        for nd in nodes:
            expect(values(nd, "ws-1/air_temp", T0, T0 + 60000)[-1] ==
                   [T0 + 60000, 33.0], nd.port)
            expect(latest(nd, "ws-1") == [T0 + 60000, 33.0],
                   latest(nd, "ws-1"))
        # nothing stays in a node's memory: no head, no log of its own
        r = b.get("/api/v1/metrics", token=b.admin_token)
        expect(re.search(r"^oasis_head_points 0$", r.body, re.M), r.body)
        expect(not os.path.exists(os.path.join(b.data, "ts", "wal")),
               os.listdir(b.dir))
        # the overview counts the same on every node
        counts = {nd.get("/api/v1/overview", token=nd.admin_token)
                  .json()["devices"]["count"] for nd in nodes}
        expect(counts == {1}, counts)
    finally:
        close_all(nodes)


@test
def one_series_through_two_nodes_interleaved():
    nodes = cluster(3)
    a, b, c = nodes
    n = 150
    try:
        device(a, "ws-2")
        errors = []

        def writer(nd, parity):
            try:
                for i in range(parity, 2 * n, 2):
                    write(nd, "ws-2", float(i % 50), T0 + i * 1000)
            except Exception as ex:   # reported below
                errors.append(ex)

        threads = [threading.Thread(target=writer, args=(a, 0)),
                   threading.Thread(target=writer, args=(b, 1))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        expect(not errors, errors)
        want = [[T0 + i * 1000, float(i % 50)] for i in range(2 * n)]
        for nd in nodes:
            got = values(nd, "ws-2/air_temp", T0, T0 + 2 * n * 1000)
            expect(got == want, "%d points of %d on %d" % (len(got),
                                                           len(want), nd.port))
            expect(latest(nd, "ws-2") == want[-1], latest(nd, "ws-2"))
        # each node stored its own share
        expect(written(a) == n and written(b) == n and written(c) == 0,
               (written(a), written(b), written(c)))
    finally:
        close_all(nodes)


@test
def mqtt_telemetry_is_shared_between_nodes_and_read_from_all():
    broker = Broker().start()
    nodes = cluster(2, extra=["--mqtt", broker.url],
                    setup=lambda s: device(s, "sp-1", "soil_probe"))
    try:
        for nd in nodes:
            wait_for(lambda: "mqtt: connected" in nd.server_log())
        time.sleep(0.5)  # both share-group subscriptions in place
        import paho.mqtt.client as mqtt
        cl = mqtt.Client(client_id="cluster-test-pub")
        cl.connect("127.0.0.1", broker.port)
        cl.loop_start()
        n = 40
        for i in range(n):
            cl.publish("oasis/sp-1/telemetry", json.dumps(
                {"ts": T0 + i * 1000, "values": {"moisture_10cm": 20 + i % 5}}),
                qos=1).wait_for_publish()
        cl.loop_stop()
        cl.disconnect()
        want = [[T0 + i * 1000, 20.0 + i % 5] for i in range(n)]
        for nd in nodes:
            got = wait_for(lambda: (lambda v: v if len(v) == n else None)(
                values(nd, "sp-1/moisture_10cm", T0, T0 + n * 1000)))
            expect(got == want, got)
        # each message went to one node: the shares add up to the whole
        shares = [written(nd) for nd in nodes]
        expect(sum(shares) == n and min(shares) > 0, shares)
    finally:
        close_all(nodes)
        broker.close()


@test
def a_node_killed_with_a_backlog_takes_it_when_it_returns():
    """The share queued at the broker for a node that stalls and is then
    killed -9 is not lost: the member's persistent session keeps it until
    the node with the same --node-id connects again (a clean session lost
    it)."""
    broker = Broker().start()
    nodes = cluster(2, extra=["--mqtt", broker.url],
                    setup=lambda s: device(s, "sp-2", "soil_probe"))
    a, b = nodes
    try:
        for nd in nodes:
            wait_for(lambda: "mqtt: connected" in nd.server_log())
        time.sleep(0.5)  # both share-group subscriptions in place
        b.proc.send_signal(signal.SIGSTOP)   # its share queues at the broker
        import paho.mqtt.client as mqtt
        cl = mqtt.Client(client_id="cluster-test-backlog")
        cl.connect("127.0.0.1", broker.port)
        cl.loop_start()
        n = 40
        for i in range(n):
            cl.publish("oasis/sp-2/telemetry", json.dumps(
                {"ts": T0 + i * 1000, "values": {"moisture_10cm": 30 + i % 5}}),
                qos=1).wait_for_publish()
        cl.loop_stop()
        cl.disconnect()
        time.sleep(0.5)
        b.stop(signal.SIGKILL)
        a_took = written(a)
        expect(0 < a_took < n, a_took)   # b had its share queued
        b.start()   # the same node id, so the same MQTT session
        want = [[T0 + i * 1000, 30.0 + i % 5] for i in range(n)]
        got = wait_for(lambda: (lambda v: v if len(v) == n else None)(
            values(a, "sp-2/moisture_10cm", T0, T0 + n * 1000)), timeout=20)
        expect(got == want, got)
        print("# a node's backlog at the broker: %d of %d readings, "
              "taken after its restart" % (n - a_took, n))
    finally:
        close_all(nodes)
        broker.close()



@test
def a_dead_node_s_share_moves_to_the_others():
    """A node killed -9 for good: its MQTT share does not wait for it.
    Once its lease node/NAME expires a live node takes over its persistent
    session (the share the broker queued for it and what it had not
    acknowledged come to that node) and leaves the share group, so the
    live nodes take the whole from then on.  Nothing PUBACKed is lost."""
    broker = Broker().start()
    nodes = cluster(2, extra=["--mqtt", broker.url],
                    setup=lambda s: device(s, "sp-3", "soil_probe"))
    a, b = nodes
    try:
        for nd in nodes:
            wait_for(lambda: "mqtt: connected" in nd.server_log())
        time.sleep(0.5)  # both share-group subscriptions in place
        import paho.mqtt.client as mqtt
        cl = mqtt.Client(client_id="cluster-test-moves")
        cl.connect("127.0.0.1", broker.port)
        cl.loop_start()
        sent = [0]

        def publish(k):
            for _ in range(k):
                i = sent[0]
                cl.publish("oasis/sp-3/telemetry", json.dumps(
                    {"ts": T0 + i * 1000,
                     "values": {"moisture_10cm": 10 + i % 7}}),
                    qos=1).wait_for_publish()
                sent[0] += 1

        b.proc.send_signal(signal.SIGSTOP)   # a backlog for b at the broker
        publish(40)
        b.stop(signal.SIGKILL)
        killed = time.time()
        for _ in range(30):   # the publisher goes on meanwhile
            publish(1)
            time.sleep(0.05)

        def count():
            return len(values(a, "sp-3/moisture_10cm", T0,
                              T0 + sent[0] * 1000))

        wait_for(lambda: count() == sent[0], timeout=TTL_MS / 1000 + 10)
        moved = time.time() - killed
        expect(moved < TTL_MS / 1000 + 5, moved)
        # it leaves the session once nothing came for 2 s
        wait_for(lambda: "took over the session oasis-n2" in a.server_log(),
                 timeout=10)
        # from now on the live node takes every reading at once
        before = written(a)
        t = time.time()
        publish(20)
        wait_for(lambda: count() == sent[0], timeout=5)
        expect(written(a) - before == 20, written(a) - before)
        want = [[T0 + i * 1000, 10.0 + i % 7] for i in range(sent[0])]
        got = values(a, "sp-3/moisture_10cm", T0, T0 + sent[0] * 1000)
        expect(got == want, got)
        print("# a dead node's share: all %d readings in %.1f s after the "
              "kill (ttl %.1f s), 0 lost; then 20 readings in %.2f s "
              "through the live node" % (sent[0], moved, TTL_MS / 1000,
                                         time.time() - t))
        cl.loop_stop()
        cl.disconnect()
    finally:
        close_all(nodes)
        broker.close()


def history(s, dev):
    r = s.get("/api/v1/devices/%s/commands" % dev, token=s.admin_token)
    expect(r.status == 200, r)
    return r.json()["commands"]


@test
def duties_move_to_a_live_node_when_their_holder_is_killed():
    def setup(s):
        fc = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"code": "A"},
             "geometry": {"type": "Polygon", "coordinates": [RING]}}]}
        expect(s.post("/api/v1/plots", body=fc, token=s.admin_token)
               .status == 201)
        s.tok_valve = device(s, "vl-1", "valve", "A")
        device(s, "vl-dead", "valve", "A")
        s.operator = s.token("operator", "duty")

    nodes = cluster(3, extra=["--valve-ack-timeout", "3", "--alert-tick",
                              "200"], setup=setup)
    a = nodes[0]
    url = a.url
    try:
        # a rule made on one node is known to every node (relayed)
        r = nodes[1].post("/api/v1/rules", token=a.operator,
                          body={"template": "valve_failed"})
        expect(r.status == 201, r)
        rule = r.json()["id"]
        time.sleep(0.5)
        # an open with its planned close, acknowledged by the valve
        r = nodes[2].post("/api/v1/devices/vl-1/commands", token=a.operator,
                          body={"action": "open", "duration_min": 30})
        expect(r.status == 202, r)
        cmd = r.json()["id"]
        r = nodes[1].get("/api/v1/devices/vl-1/commands/pending",
                         token=a.tok_valve)   # the HTTP valve polls
        expect(r.status == 200, r)
        r = nodes[1].post("/api/v1/devices/vl-1/acks", token=a.tok_valve,
                          body={"id": cmd, "ok": True})
        expect(r.status == 204, r)
        name, epoch = holder(url, "valves")
        victim = [nd for nd in nodes if name in nd.extra_args][0]
        live = [nd for nd in nodes if nd is not victim]
        victim.stop(signal.SIGKILL)
        killed = time.time()
        # due now, and a command to a valve that never answers
        psql(url, "UPDATE commands SET auto_close_ms = "
             "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"
             " WHERE id = %d" % cmd)
        r = live[0].post("/api/v1/devices/vl-dead/commands", token=a.operator,
                         body={"action": "close"})
        expect(r.status == 202, r)
        new = wait_for(lambda: (lambda h: h if h[0] != name else None)(
            holder(url, "valves")), timeout=TTL_MS / 1000 + 5)
        handover = time.time() - killed
        expect(new[1] > epoch, (new, epoch))
        expect(handover < TTL_MS / 1000 + 5, handover)
        closes = lambda: [c for c in history(live[0], "vl-1")
                          if c["action"] == "close"]
        wait_for(closes, timeout=10)
        wait_for(lambda: history(live[1], "vl-dead")[0]["state"] == "failed",
                 timeout=15)
        time.sleep(2 * TTL_MS / 1000)   # time for a second close or alert
        got = closes()
        expect(len(got) == 1 and got[0]["requested_by"].startswith("schedule")
               and str(cmd) in got[0]["requested_by"], got)
        alerts = live[1].get("/api/v1/alerts?plot=A", token=a.admin_token) \
            .json()["alerts"]
        # one alert per rule and subject: the valve that never answers,
        # and the planned close nobody acknowledged either
        mine = sorted(x["subject"] for x in alerts if x["rule_id"] == rule)
        expect(mine == ["vl-1", "vl-dead"], alerts)
        print("# lease hand-over after kill -9: %.2f s (ttl %.1f s)"
              % (handover, TTL_MS / 1000))
    finally:
        close_all(nodes)


def stream(port, token, last_id=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Authorization": "Bearer " + token}
    if last_id:
        headers["Last-Event-ID"] = last_id
    conn.request("GET", "/api/v1/stream", headers=headers)
    resp = conn.getresponse()
    expect(resp.status == 200, resp.status)
    return conn, resp


def next_event(resp):
    """(id, type, data) of the next event; comments skipped."""
    ev = {}
    while True:
        line = resp.fp.readline().decode()
        expect(line != "", "the stream ended")
        line = line.rstrip("\n")
        if line == "":
            if "data" in ev:
                return ev.get("id"), ev.get("event"), json.loads(ev["data"])
            ev = {}
            continue
        if line.startswith(":"):
            continue
        key, _, value = line.partition(": ")
        ev[key] = value


@test
def live_events_reach_every_node_and_a_resumed_stream_resyncs():
    nodes = cluster(3)
    a, b, c = nodes
    try:
        device(a, "ws-3")
        conn, resp = stream(c.port, c.admin_token)
        lat = []
        last = None
        for i in range(5):
            t = time.time()
            write(a, "ws-3", 10.0 + i, T0 + i * 1000)
            while True:
                eid, kind, data = next_event(resp)
                if kind == "point" and data["ts"] == T0 + i * 1000:
                    break
            lat.append(time.time() - t)
            last = eid
        conn.close()
        expect(max(lat) < 1.0, lat)
        print("# event from node A on node C: max %.0f ms of %d"
              % (1000 * max(lat), len(lat)))
        # the screen's node died: it resumes through another one
        conn, resp = stream(b.port, b.admin_token, last_id=last)
        eid, kind, data = next_event(resp)
        expect(kind == "resync", (kind, data))
        write(a, "ws-3", 20.0, T0 + 10000)
        while True:   # (earlier events may still be on their way to B)
            eid, kind, data = next_event(resp)
            if kind == "point" and data["ts"] == T0 + 10000:
                break
        conn.close()
        # resuming on the same node goes on without a resync
        conn, resp = stream(b.port, b.admin_token, last_id=eid)
        write(c, "ws-3", 21.0, T0 + 11000)
        _, kind, data = next_event(resp)
        expect(kind == "point" and data["ts"] == T0 + 11000, (kind, data))
        conn.close()
    finally:
        close_all(nodes)


@test
def three_nodes_started_at_once_on_an_empty_database_migrate_once():
    url = harness.pg_database()
    folders = [tempfile.mkdtemp(prefix="oasis-test-empty-") for _ in range(3)]
    procs = [subprocess.Popen([harness.OASIS, "init", "--data", f, "--db",
                               url], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for f in folders]
    outs = [p.communicate(timeout=120) for p in procs]
    ok = [p.returncode == 0 for p in procs]
    # one made the admin; the others found it made (never a migration error)
    expect(ok.count(True) >= 1, outs)
    for (out, err), good in zip(outs, ok):
        expect(good or "migrat" not in err, err)
    expect(psql(url, "SELECT count(*) FROM users") == [["1"]], outs)
    rows = psql(url, "SELECT version FROM schema_version ORDER BY version")
    versions = [int(r[0]) for r in rows]
    expect(versions == list(range(1, len(versions) + 1)) and
           len(versions) >= 6, versions)
    expect(psql(url, "SELECT count(*) FROM leases") == [["0"]])
    # and three servers started at once on it serve
    nodes = []
    for i, f in enumerate(folders):
        n = Server.__new__(Server)
        n.dir = f
        n.data = os.path.join(f, "store")
        harness._pg_urls[n.data] = url
        n.proc = n.port = None
        n.extra_args = cluster_args("e%d" % i)
        nodes.append(n)
    starters = [threading.Thread(target=nd.start) for nd in nodes]
    for t in starters:
        t.start()
    for t in starters:
        t.join()
    try:
        for nd in nodes:
            expect(nd.port, "a node did not start")
        holders = {h for (h,) in psql(url, "SELECT DISTINCT holder FROM "
                                      "leases WHERE name IN ('alerts',"
                                      " 'valves', 'retention', 'jobs')")}
        expect(len(holders) >= 1 and holders <= {"e0", "e1", "e2"}, holders)
    finally:
        for nd in nodes:
            nd.admin_token = None
        close_all(nodes)


@test
def writes_survive_the_store_dropping_every_connection():
    """Every backend of the database is terminated several times while two
    nodes take writes (a commit's outcome then unknown): the nodes retry,
    and every acknowledged point is there, once."""
    nodes = cluster(2)
    a, b = nodes
    url = a.url
    dbname = url.rsplit("/", 1)[1]
    try:
        device(a, "ws-4")
        conn, resp = stream(b.port, b.admin_token)
        acked, refused = [], []
        lock = threading.Lock()
        stop = threading.Event()

        def writer(nd, k):
            i = 0
            while not stop.is_set():
                ts = T0 + (k * 100000 + i) * 1000
                r = nd.post("/api/v1/telemetry", token=nd.admin_token,
                            body={"device": "ws-4", "ts": ts,
                                  "values": {"air_temp": float(i % 30)}})
                with lock:
                    (acked if r.status == 204 else refused).append(ts)
                i += 1

        threads = [threading.Thread(target=writer, args=(nd, k))
                   for k, nd in enumerate((a, b, a, b))]
        for t in threads:
            t.start()
        for _ in range(4):
            time.sleep(0.7)
            psql(url, "SELECT pg_terminate_backend(pid) FROM "
                 "pg_stat_activity WHERE datname = '%s' AND pid <> "
                 "pg_backend_pid()" % dbname)
        time.sleep(0.7)
        stop.set()
        for t in threads:
            t.join()
        expect(len(acked) > 50, (len(acked), len(refused)))
        got = {v[0]: v[1] for v in values(b, "ws-4/air_temp", T0,
                                           T0 + 4 * 100000 * 1000)}
        missing = [ts for ts in acked if ts not in got]
        expect(not missing, "%d of %d acknowledged points lost"
               % (len(missing), len(acked)))
        print("# %d acknowledged, %d refused (503 before the commit), "
              "0 lost" % (len(acked), len(refused)))
        # the node's listener lost what the other sent meanwhile: its
        # screens are told to reload.  Thousands of point events come
        # first, read raw (resp.fp shows the chunked encoding's size lines,
        # which may cut an event's data): only the resync is parsed.
        while True:
            line = resp.fp.readline().decode()
            expect(line != "", "the stream ended")
            if line.rstrip("\r\n") == "event: resync":
                break
        data = None
        while data is None:
            line = resp.fp.readline().decode().rstrip("\r\n")
            if line.startswith("data: "):
                data = json.loads(line[len("data: "):])
        expect("missed" in data["reason"], data)
        conn.close()
    finally:
        close_all(nodes)


@test
def every_node_knows_how_fresh_every_device_is():
    """The monitoring's clock (silent, no data, stale) runs on one node: it
    must see the devices that report through the others."""
    def setup(s):
        fc = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"code": "F"},
             "geometry": {"type": "Polygon", "coordinates": [RING]}}]}
        expect(s.post("/api/v1/plots", body=fc, token=s.admin_token)
               .status == 201)
        device(s, "ws-f", plot="F")

    nodes = cluster(3, setup=setup)
    try:
        write(nodes[1], "ws-f", 12.0, T0)

        def station_last(nd):
            r = nd.get("/api/v1/freshness?plot=F", token=nd.admin_token)
            expect(r.status == 200, r)
            return [x["last"] for x in r.json()["sources"]
                    if x["source"] == "station"][0]

        for nd in nodes:
            wait_for(lambda: station_last(nd), timeout=5)
            expect(station_last(nd) == "2026-05-28T20:26:40.000Z",
                   station_last(nd))
    finally:
        close_all(nodes)


@test
def rules_with_durations_see_every_node_s_readings():
    """A rule with a duration (for_s) or on consecutive readings (stuck)
    is evaluated by the holder of the alerts lease from every node's
    readings (relayed): readings of one series written alternately through
    two nodes raise exactly one alert where the series calls for one, and
    none where each node alone would have seen a long enough run."""
    nodes = cluster(2)
    a, b = nodes
    now = int(time.time() * 1000) - 3600000   # device time, within a day
    try:
        for dev in ("ws-x", "ws-y", "ws-z"):
            device(a, dev)
        op = a.token("operator", "rules")
        r = b.post("/api/v1/rules", token=op, body={
            "name": "hot", "for_s": 60, "conditions": [
                {"metric": "air_temp", "op": ">", "threshold": 30,
                 "clear": 25}]})
        expect(r.status == 201, r)
        hot = r.json()["id"]
        r = a.post("/api/v1/rules", token=op, body={
            "template": "stuck_sensor", "window_s": 60, "device": "ws-z"})
        expect(r.status == 201, r)
        stuck = r.json()["id"]
        time.sleep(0.5)   # the rules reach the other node
        # ws-y breaches for 60 s, ws-z reads 12 for 60 s: each node sees
        # only 40 s of it.  ws-x alternates 35 (through a) and 20 (b):
        # a alone would see it above 30 for 80 s.
        for i in range(6):
            nd = nodes[i % 2]
            t = now + i * 20000
            if i < 4:
                write(nd, "ws-y", 35.0, t)
                write(nd, "ws-z", 12.0, t)
            write(nd, "ws-x", 35.0 if i % 2 == 0 else 20.0, t)
            time.sleep(0.3)   # the holder takes them in time order

        def mine(nd):
            got = nd.get("/api/v1/alerts?state=open", token=a.admin_token)
            expect(got.status == 200, got)
            return sorted((x["rule_id"], x["subject"])
                          for x in got.json()["alerts"])

        # a threshold rule on weather stations' weather is the base's one
        # alert (docs/MONITORING.md), raised by ws-y's run alone
        want = [(hot, "base"), (stuck, "ws-z/air_temp")]
        wait_for(lambda: mine(a) == want, timeout=10)
        time.sleep(1)   # time for a wrong or second alert
        for nd in nodes:
            expect(mine(nd) == want, mine(nd))
    finally:
        close_all(nodes)


@test
def cluster_mode_needs_a_postgresql_store():
    folder = tempfile.mkdtemp(prefix="oasis-test-sqlite-")
    try:
        p = subprocess.run([harness.OASIS, "serve", "--cluster", "--data",
                            folder, "--listen", "127.0.0.1:0"],
                           capture_output=True, text=True, timeout=60)
        expect(p.returncode != 0 and "PostgreSQL" in p.stderr, p.stderr)
        p = subprocess.run([harness.OASIS, "serve", "--lease-ttl", "10",
                            "--data", folder], capture_output=True,
                           text=True, timeout=60)
        expect(p.returncode != 0 and "bad value" in p.stderr, p.stderr)
        p = subprocess.run([harness.OASIS, "serve", "--mqtt-sessions", "9",
                            "--data", folder], capture_output=True,
                           text=True, timeout=60)
        expect(p.returncode != 0 and "bad value" in p.stderr, p.stderr)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


run()

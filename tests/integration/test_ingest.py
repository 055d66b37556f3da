"""Sensor data over HTTP: devices and their tokens, line protocol at our
path and InfluxDB's, JSON telemetry, every refusal, queries and latest
values, and durability across kill -9."""
import gzip
import json
import signal
import time

from harness import Server, basic, expect, expect_error, oasis, run, test

srv = None
NOW_MS = int(time.time() * 1000)
HOUR = 3600 * 1000


def server():
    global srv
    if srv is None:
        srv = Server().start()
        square = [[86.2, 44.3], [86.204, 44.3], [86.204, 44.304],
                  [86.2, 44.304], [86.2, 44.3]]
        body = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"code": "P1"},
             "geometry": {"type": "Polygon", "coordinates": [square]}}]}
        r = srv.post("/api/v1/plots", body=body, token=srv.admin_token)
        expect(r.status == 201, r)
        srv.tokens = {}
        for dev, kind in (("ws-1", "weather_station"), ("sp-1", "soil_probe"),
                          ("sp-2", "soil_probe")):
            r = srv.post("/api/v1/devices", token=srv.admin_token,
                         body={"id": dev, "kind": kind, "plot": "P1"})
            expect(r.status == 201, r)
            srv.tokens[dev] = r.json()["token"]
    return srv


def lp_line(device, fields, ts_ms, measurement="weather"):
    body = ",".join("%s=%s" % kv for kv in fields.items())
    return "%s,device=%s %s %d" % (measurement, device, body, ts_ms * 1000000)


def query(s, series, **params):
    q = "&".join("%s=%s" % kv for kv in params.items())
    r = s.get("/api/v1/query?series=%s&%s" % (series, q), token=s.admin_token)
    expect(r.status == 200, r)
    return r.json()


@test
def device_registration_gives_a_token_once():
    s = server()
    r = s.post("/api/v1/devices", token=s.admin_token,
               body={"id": "ws-1", "kind": "weather_station"})
    expect_error(r, 409)
    r = s.post("/api/v1/devices", token=s.admin_token,
               body={"id": "x", "kind": "toaster"})
    expect_error(r, 400, contains="kind")
    r = s.post("/api/v1/devices", token=s.admin_token,
               body={"id": "bad id!", "kind": "valve"})
    expect_error(r, 400, contains="'id'")
    r = s.post("/api/v1/devices", token=s.admin_token,
               body={"id": "v-9", "kind": "valve", "plot": "NOPE"})
    expect_error(r, 404, contains="NOPE")
    viewer = s.token("viewer", "v")
    expect_error(s.post("/api/v1/devices", token=viewer,
                        body={"id": "v-8", "kind": "valve"}), 403)
    r = s.get("/api/v1/devices?plot=P1", token=viewer)
    expect(r.status == 200, r)
    ids = [d["id"] for d in r.json()["devices"]]
    expect(ids == ["sp-1", "sp-2", "ws-1"], ids)
    expect(all("token" not in d for d in r.json()["devices"]))


@test
def line_protocol_write_then_query():
    s = server()
    t0 = NOW_MS - 2 * HOUR
    lines = [lp_line("ws-1", {"air_temp": 20 + i / 10, "rh": 40 + i % 5},
                     t0 + i * 60000) for i in range(100)]
    r = s.post("/api/v1/write?precision=ns", body="\n".join(lines),
               token=s.tokens["ws-1"])
    expect(r.status == 204, r)
    got = query(s, "ws-1/air_temp", **{"from": t0, "to": t0 + 99 * 60000})
    expect(got["columns"] == ["ts", "value"], got)
    expect(len(got["values"]) == 100, len(got["values"]))
    expect(got["values"][5] == [t0 + 5 * 60000, 20.5], got["values"][5])
    expect(got["unit"] == "°C", got)
    got = query(s, "ws-1/rh", **{"from": t0, "to": t0 + 100 * 60000,
                                 "step": "1h", "agg": "min,max,count"})
    expect(got["columns"] == ["ts", "min", "max", "count"], got)
    expect(sum(v[3] for v in got["values"]) == 100, got)
    r = s.get("/api/v1/query?series=ws-1/rh&format=csv&from=%d&to=%d" %
              (t0, t0 + 60000), token=s.admin_token)
    expect(r.status == 200 and r.body.startswith("ts,value\n"), r)
    expect(len(r.body.strip().splitlines()) == 3, r.body)


@test
def influxdb_paths_and_credentials():
    s = server()
    tok = s.tokens["ws-1"]
    t = NOW_MS - HOUR
    body = lp_line("ws-1", {"pressure": 951.2}, t // 1000 * 1000)
    # 1.x: /write?db= with the token as Basic password or `p`, precision s
    sec = lp_line("ws-1", {"pressure": 951.3}, 0).rsplit(" ", 1)[0] + \
        " %d" % (t // 1000 + 1)
    r = s.request("POST", "/write?db=farm&precision=s", body=sec,
                  headers={"Authorization": basic("telegraf", tok)})
    expect(r.status == 204, r)
    r = s.request("POST", "/write?db=farm&u=x&p=%s" % tok, body=body)
    expect(r.status == 204, r)
    # 2.x: /api/v2/write with Authorization: Token, gzip body
    r = s.request("POST", "/api/v2/write?org=o&bucket=b&precision=ns",
                  body=gzip.compress(lp_line("ws-1", {"wind_speed": 2.5},
                                             t).encode()),
                  headers={"Authorization": "Token " + tok,
                           "Content-Encoding": "gzip"})
    expect(r.status == 204, r)
    expect(s.get("/ping").status == 204)
    r = s.request("POST", "/query?q=CREATE+DATABASE+farm", token=tok)
    expect(r.status == 200, r)
    got = query(s, "ws-1/pressure", **{"from": t - 1000, "to": t + 2000})
    expect([v[1] for v in got["values"]] == [951.2, 951.3], got)


@test
def json_telemetry_object_array_and_ndjson():
    s = server()
    tok = s.tokens["sp-1"]
    t = NOW_MS - 3 * HOUR
    one = {"device": "sp-1", "ts": t, "values": {"moisture_10cm": 31.2}}
    r = s.post("/api/v1/telemetry", body=one, token=tok)
    expect(r.status == 204, r)
    arr = [{"device": "sp-1", "ts": t + 600000 * i,
            "values": {"moisture_20cm": 30 + i}} for i in range(1, 4)]
    expect(s.post("/api/v1/telemetry", body=arr, token=tok).status == 204)
    nd = "\n".join(json.dumps({"device": "sp-1",
                               "ts": "2026-07-01T08:00:00+08:00",
                               "values": {"soil_temp_10cm": 25.5}})
                   for _ in range(2))
    expect(s.post("/api/v1/telemetry", body=nd, token=tok).status == 204)
    got = query(s, "sp-1/moisture_20cm", **{"from": t, "to": t + HOUR})
    expect([v[1] for v in got["values"]] == [31, 32, 33], got)


@test
def refusals_name_line_field_and_reason():
    s = server()
    tok = s.tokens["ws-1"]
    t = NOW_MS - 9 * HOUR  # no other test writes there
    good = lp_line("ws-1", {"air_temp": 20}, t)
    cases = [
        (good + "\nweather,device=ws-1 status=\"ok\" %d" % (t * 10**6),
         "line 2", "string"),
        (good + "\n" + lp_line("ws-1", {"rh": 140}, t), "line 2", "rh"),
        (lp_line("ws-1", {"air_temp": 20}, 946684700000), "line 1", "2000-01-01"),
        (lp_line("ws-1", {"air_temp": 20}, NOW_MS + 2 * 86400000), "line 1",
         "now + 1 day"),
        (lp_line("ws-1", {"Air-Temp": 20}, t), "line 1", "metric"),
        ("weather air_temp=1 %d" % (t * 10**6), "line 1", "device"),
        (lp_line("ws-1", {"air_temp": "1.2.3"}, t), "line 1", "air_temp"),
    ]
    for body, where, what in cases:
        r = s.post("/api/v1/write", body=body, token=tok)
        err = expect_error(r, 400)
        expect(where in err["message"] and what in err["message"],
               "%r: %s" % (body[-60:], err["message"]))
    # nothing of a refused batch is stored, not even its good first line
    got = query(s, "ws-1/air_temp", **{"from": t, "to": t})
    expect(got["values"] == [], got)
    r = s.post("/api/v1/telemetry", token=s.tokens["sp-1"],
               body=[{"device": "sp-1", "ts": t, "values": {"moisture_10cm": 1}},
                     {"device": "sp-1", "ts": t, "values": {"rh": "wet"}}])
    expect_error(r, 400, contains="item 1")


@test
def tokens_write_only_their_own_device():
    s = server()
    t = NOW_MS - HOUR
    r = s.post("/api/v1/write", body=lp_line("sp-2", {"rh": 50}, t),
               token=s.tokens["sp-1"])
    expect_error(r, 403, "forbidden", contains="sp-2")
    r = s.post("/api/v1/write", body=lp_line("ghost", {"rh": 50}, t),
               token=s.admin_token)
    expect_error(r, 400, contains="unknown device 'ghost'")
    viewer = s.token("viewer", "reader")
    expect_error(s.post("/api/v1/write", body=lp_line("sp-1", {"rh": 5}, t),
                        token=viewer), 403, contains="device token")
    expect_error(s.post("/api/v1/write", body=lp_line("sp-1", {"rh": 5}, t)),
                 401)


@test
def latest_by_device_and_by_plot():
    s = server()
    tok = s.tokens["sp-2"]
    t = NOW_MS - 10 * 60000
    lines = [lp_line("sp-2", {"moisture_10cm": 25 + i, "moisture_40cm": 30},
                     t + i * 1000, "soil") for i in range(3)]
    expect(s.post("/api/v1/write", body="\n".join(lines), token=tok).status
           == 204)
    r = s.get("/api/v1/latest?device=sp-2", token=s.admin_token)
    expect(r.status == 200, r)
    v = r.json()["values"]["moisture_10cm"]
    expect(v["value"] == 27 and v["ts"] == t + 2000 and v["unit"] == "%vol", v)
    r = s.get("/api/v1/latest?plot=P1", token=s.admin_token)
    expect(r.status == 200, r)
    devs = {d["id"]: d for d in r.json()["devices"]}
    expect(set(devs) == {"ws-1", "sp-1", "sp-2"}, devs)
    expect(devs["sp-2"]["values"]["moisture_40cm"]["value"] == 30, devs)
    expect_error(s.get("/api/v1/latest", token=s.admin_token), 400)
    r = s.get("/api/v1/latest?metric=moisture_40cm", token=s.admin_token)
    expect(r.status == 200, r)
    rows = r.json()["values"]
    expect(rows == [["sp-2", "moisture_40cm", t + 2000, 30]], rows)
    r = s.get("/api/v1/latest?all=1", token=s.admin_token)
    rows = r.json()["values"]
    expect(len(rows) >= 5, r)
    keys = [(row[0], row[1]) for row in rows]
    expect(keys == sorted(keys), keys)
    # a series added after a base-wide answer is in the next one
    expect(s.post("/api/v1/write", body=lp_line("sp-2", {"battery": 3.7},
                                                t + 5000, "soil"),
                  token=tok).status == 204)
    r = s.get("/api/v1/latest?all=1", token=s.admin_token)
    expect(["sp-2", "battery", t + 5000, 3.7] in r.json()["values"], r)
    expect_error(s.get("/api/v1/latest?plot=NOPE", token=s.admin_token), 404)


@test
def prometheus_metrics():
    s = server()
    r = s.get("/api/v1/metrics", token=s.admin_token)
    expect(r.status == 200 and r.header("Content-Type").startswith(
        "text/plain"), r)
    written = [l for l in r.body.splitlines()
               if l.startswith("oasis_points_written_total ")]
    expect(written and int(written[0].split()[1]) > 0, r.body)
    expect_error(s.get("/api/v1/metrics"), 401)


@test
def query_refusals():
    s = server()
    for q, needle in (("series=ws-1", "DEVICE/METRIC"),
                      ("series=ws-1/nothing", "no series"),
                      ("series=ws-1/rh&from=yesterday", "from"),
                      ("series=ws-1/rh&step=5x", "step"),
                      ("series=ws-1/rh&step=1h&agg=median", "agg"),
                      ("series=ws-1/rh&format=xml", "format")):
        r = s.get("/api/v1/query?" + q, token=s.admin_token)
        expect(r.status in (400, 404), "%s: %r" % (q, r))
        expect(needle in r.json()["error"]["message"], "%s: %r" % (q, r))


@test
def acknowledged_points_survive_kill_9():
    global srv
    s = server()
    tok = s.tokens["sp-1"]
    t0 = NOW_MS - 5 * HOUR
    sent = 0
    for batch in range(20):
        lines = [lp_line("sp-1", {"ec": (batch * 50 + i) / 1000},
                         t0 + (batch * 50 + i) * 1000, "soil")
                 for i in range(50)]
        r = s.post("/api/v1/write", body="\n".join(lines), token=tok)
        expect(r.status == 204, r)
        sent += 50
    s.stop(signal.SIGKILL)
    s.start()
    got = query(s, "sp-1/ec", **{"from": t0, "to": t0 + sent * 1000})
    expect(len(got["values"]) == sent, "%d of %d" % (len(got["values"]), sent))
    expect(got["values"][-1][1] == (sent - 1) / 1000)
    # and the command line reads them too, while the server runs
    p = oasis("query", "--series", "sp-1/ec", "--from", str(t0), "--to",
              str(t0 + sent * 1000), data=s.data)
    expect(len(p.stdout.strip().splitlines()) == sent + 1, p.stdout[-200:])
    # a second writer of the same store is refused, clearly
    p = oasis("retention", "apply", data=s.data, check=False)
    expect(p.returncode == 1 and "in use" in p.stderr, p.stderr)
    status = s.stop()
    expect(status == 0, s.server_log()[-1500:])
    s.start()
    got = query(s, "sp-1/ec", **{"from": t0, "to": t0 + sent * 1000})
    expect(len(got["values"]) == sent)
    s.close()
    srv = None


run()

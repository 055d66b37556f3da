"""InfluxQL on /query: influxdb-python's query() and the requests Grafana's
InfluxDB data source sends (tests/integration/fixtures/grafana_influxql.json)
get the answers InfluxDB 1.6 gives on the same points.  When influxd is
installed it runs beside Oasis and each answer is compared with its own;
otherwise (or with OASIS_TEST_NO_INFLUXD=1) with the answers recorded in
the fixture (--record rewrites them from a running influxd)."""
import http.client
import json
import os
import shutil
import sys
import urllib.parse

from influxdb import InfluxDBClient

from harness import Server, expect, run, test

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "fixtures", "grafana_influxql.json")
BASE = 1699999200000  # 2023-11-14T22:00:00Z


def lines():
    out = []
    for i in range(180):
        ts = BASE + i * 60000
        out.append("weather,device=ws-01 air_temp=%.2f,rh=%d.0 %d" %
                   (10 + (i % 37) * 0.5, 40 + i % 11, ts))
        if not 60 <= i < 120:
            f = "air_temp=%.2f" % (20 - (i % 23) * 0.25)
            if i % 10 == 0:
                f += ",rh=%d.0" % (50 + i % 7)
            out.append("weather,device=ws-02 %s %d" % (f, ts))
    # Oasis takes the plot from the device's registration, influxd the tag
    out.append("soil,device=sp-07,plot=P1 moisture_10cm=28.5 %d" % BASE)
    return "\n".join(out) + "\n"


DATA = lines()
srv = None
peer = None


def server():
    global srv
    if srv is None:
        srv = Server().start()
        fc = {"type": "FeatureCollection", "features": [{
            "type": "Feature", "properties": {"code": "P1"},
            "geometry": {"type": "Polygon", "coordinates": [[
                [86.18, 44.28], [86.184, 44.28], [86.184, 44.283],
                [86.18, 44.283], [86.18, 44.28]]]}}]}
        r = srv.post("/api/v1/plots", body=json.dumps(fc),
                     token=srv.admin_token)
        expect(r.status == 201, r)
        for dev, kind in (("ws-01", "weather_station"),
                          ("ws-02", "weather_station"),
                          ("sp-07", "soil_probe")):
            body = {"id": dev, "kind": kind}
            if dev == "sp-07":
                body["plot"] = "P1"
            r = srv.post("/api/v1/devices", token=srv.admin_token, body=body)
            expect(r.status == 201, r)
            if dev == "sp-07":
                srv.device_token = r.json()["token"]
        srv.viewer = srv.token("viewer", "grafana")
        r = srv.request("POST", "/write?db=farm&precision=ms", body=DATA,
                        token=srv.admin_token)
        expect(r.status == 204, r)
    return srv


def influxd():
    """influxd 1.6 from Debian with the same points, or None."""
    global peer
    if os.environ.get("OASIS_TEST_NO_INFLUXD"):  # the recorded answers only
        return None
    if peer is None and shutil.which("influxd"):
        sys.path.insert(0, os.path.join(HERE, "..", "..", "bench"))
        from ts_peers import Influx
        peer = Influx()
        peer.query("CREATE DATABASE farm")
        c = http.client.HTTPConnection("127.0.0.1", peer.port, timeout=60)
        c.request("POST", "/write?db=farm&precision=ms", body=DATA)
        r = c.getresponse()
        r.read()
        expect(r.status == 204, "influxd write: %d" % r.status)
    return peer


def get(port, path, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("GET", path, headers=headers or {})
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, body


def same(a, b, where="$"):
    """Equal JSON, floats to 1e-9 relative (summation order differs)."""
    if isinstance(a, float) or isinstance(b, float):
        expect(isinstance(a, (int, float)) and isinstance(b, (int, float))
               and abs(a - b) <= 1e-9 * max(1, abs(a), abs(b)),
               "%s: %r != %r" % (where, a, b))
    elif isinstance(a, dict) and isinstance(b, dict):
        expect(sorted(a) == sorted(b), "%s: keys %s != %s" %
               (where, sorted(a), sorted(b)))
        for k in a:
            same(a[k], b[k], where + "." + k)
    elif isinstance(a, list) and isinstance(b, list):
        expect(len(a) == len(b), "%s: %d items != %d: %s\n%s" %
               (where, len(a), len(b), a, b))
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, "%s[%d]" % (where, i))
    else:
        expect(a == b, "%s: %r != %r" % (where, a, b))


def oasis_answer(s, path):
    status, body = get(s.port, path + "&u=grafana&p=" + s.viewer)
    expect(status == 200, "%s: %d %s" % (path, status, body[:300]))
    return json.loads(body)


@test
def grafana_requests_get_influxdb_s_answers():
    s = server()
    with open(FIXTURE) as f:
        fx = json.load(f)
    p = influxd()
    bad = []
    for req in fx["requests"]:
        got = oasis_answer(s, req["path"])
        if p:
            status, body = get(p.port, req["path"])
            want = json.loads(body)
            if "--record" in sys.argv:
                req["expected"] = want
        else:
            want = req["expected"]
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(req["path"]).query)
        if "SHOW MEASUREMENTS" in q["q"][0] or "RETENTION" in q["q"][0]:
            # influxd lists every measurement written; Oasis its kinds
            continue
        try:
            same(got, want)
        except AssertionError as exc:
            bad.append("%s\n%s\noasis:  %s\ninflux: %s" % (
                q["q"][0], exc, json.dumps(got)[:600],
                json.dumps(want)[:600]))
    expect(not bad, "\n\n".join(bad))
    if p and "--record" in sys.argv:
        with open(FIXTURE, "w") as f:
            json.dump(fx, f, indent=1)
            f.write("\n")


@test
def show_queries_list_measurements_fields_and_devices():
    s = server()
    r = oasis_answer(s, "/query?db=farm&q=" + urllib.parse.quote(
        "SHOW MEASUREMENTS; SHOW FIELD KEYS FROM soil; "
        "SHOW TAG VALUES WITH KEY = \"device\"; SHOW RETENTION POLICIES; "
        "SHOW DATABASES"))
    res = r["results"]
    expect([x["statement_id"] for x in res] == [0, 1, 2, 3, 4], r)
    expect(res[0]["series"][0]["values"] == [["soil"], ["weather"]], r)
    expect(res[1]["series"] == [{"name": "soil", "columns":
                                 ["fieldKey", "fieldType"],
                                 "values": [["moisture_10cm", "float"]]}], r)
    expect([x["name"] for x in res[2]["series"]] == ["soil", "weather"], r)
    expect(res[2]["series"][1]["values"] ==
           [["device", "ws-01"], ["device", "ws-02"]], r)
    expect(res[3]["series"][0]["values"][0][0] == "autogen", r)
    expect(res[4]["series"][0]["values"] == [["oasis"]], r)


@test
def influxdb_python_queries():
    s = server()
    c = InfluxDBClient("127.0.0.1", s.port, "grafana", s.viewer, "farm")
    rs = c.query("SELECT mean(air_temp), percentile(air_temp, 90), "
                 "median(air_temp), stddev(air_temp), spread(air_temp) "
                 "FROM weather WHERE device = 'ws-01' AND time >= %dms AND "
                 "time < %dms GROUP BY time(1h)" % (BASE, BASE + 3600000),
                 epoch="ms")
    pts = list(rs.get_points())
    vals = [10 + (i % 37) * 0.5 for i in range(60)]
    srt = sorted(vals)
    expect(len(pts) == 1 and pts[0]["time"] == BASE, pts)
    expect(abs(pts[0]["mean"] - sum(vals) / 60) < 1e-9, pts)
    expect(pts[0]["percentile"] == srt[int(60 * 0.9 + 0.5) - 1], pts)
    expect(pts[0]["median"] == (srt[29] + srt[30]) / 2, pts)
    expect(pts[0]["spread"] == max(vals) - min(vals), pts)
    rs = c.query("SELECT last(air_temp) FROM weather GROUP BY device")
    by = {k[1]["device"]: list(v)[0]["last"] for k, v in rs.items()}
    expect(by == {"ws-01": 10 + (179 % 37) * 0.5,
                  "ws-02": 20 - (179 % 23) * 0.25}, by)
    # raw points, RFC 3339 times by default
    rs = c.query("SELECT air_temp FROM weather WHERE device =~ /^ws-01$/ "
                 "AND time >= '2023-11-14T22:00:00Z' LIMIT 2")
    expect(list(rs.get_points()) == [
        {"time": "2023-11-14T22:00:00Z", "air_temp": 10.0},
        {"time": "2023-11-14T22:01:00Z", "air_temp": 10.5}], rs)


@test
def the_plot_tag_is_the_device_s_plot():
    s = server()
    q = urllib.parse.quote("SELECT moisture_10cm, plot FROM soil WHERE "
                           "plot = 'P1'; SHOW TAG VALUES FROM soil WITH KEY "
                           "IN (plot, device)")
    r = oasis_answer(s, "/query?db=farm&epoch=ms&q=" + q)["results"]
    expect(r[0]["series"] == [{"name": "soil", "columns":
                               ["time", "moisture_10cm", "plot"],
                               "values": [[BASE, 28.5, "P1"]]}], r)
    expect(r[1]["series"][0]["values"] == [["device", "sp-07"],
                                           ["plot", "P1"]], r)


@test
def a_post_with_a_form_body_and_basic_auth():
    """Grafana's POST method: the query in an x-www-form-urlencoded body,
    the token as Basic auth's password."""
    import base64
    s = server()
    body = urllib.parse.urlencode({
        "q": "SELECT count(air_temp) FROM weather WHERE device = 'ws-01'",
        "db": "farm", "epoch": "s"})
    auth = base64.b64encode(("grafana:" + s.viewer).encode()).decode()
    for path in ("/query", "/api/v1/influx/query"):
        c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)
        c.request("POST", path, body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "Basic " + auth})
        r = c.getresponse()
        got = json.loads(r.read())
        c.close()
        expect(r.status == 200, got)
        expect(got["results"][0]["series"][0]["values"] == [[0, 180]], got)


@test
def chunked_answers_come_in_pieces():
    s = server()
    q = urllib.parse.quote("SELECT air_temp FROM weather WHERE "
                           "device = 'ws-01'")
    status, body = get(s.port, "/query?db=farm&chunked=true&chunk_size=100"
                       "&q=%s&p=%s" % (q, s.viewer))
    parts = [json.loads(x) for x in body.decode().splitlines()]
    expect(len(parts) == 2, body[:200])
    one = parts[0]["results"][0]
    expect(one["partial"] and one["series"][0]["partial"], parts[0])
    expect(len(one["series"][0]["values"]) == 100, parts[0])
    expect(len(parts[1]["results"][0]["series"][0]["values"]) == 80, parts[1])


@test
def errors_as_influxdb_words_them():
    s = server()
    status, body = get(s.port, "/query?db=farm&q=SELEC%20x&p=" + s.viewer)
    expect(status == 400, body)
    expect(json.loads(body)["error"].startswith(
        "error parsing query: found SELEC, expected SELECT"), body)
    status, body = get(s.port, "/query?db=farm&p=%s&q=%s" % (
        s.viewer, urllib.parse.quote("SELECT foo(x) FROM weather; "
                                     "SHOW DATABASES")))
    expect(status == 200, body)
    expect(json.loads(body) == {"results": [
        {"statement_id": 0, "error": "undefined function foo()"},
        {"statement_id": 1, "error": "not executed"}]}, body)
    status, body = get(s.port, "/query?q=SELECT%20x%20FROM%20m&p=" + s.viewer)
    expect(json.loads(body)["results"][0]["error"] ==
           "database name required", body)
    # a device's token writes, never reads
    status, body = get(s.port, "/query?db=farm&q=SHOW%20DATABASES",
                       {"Authorization": "Token " + s.device_token})
    expect(status == 403, body)
    expect(json.loads(body)["error"].startswith("error authorizing query"),
           body)
    c = InfluxDBClient("127.0.0.1", s.port, "gw", s.device_token, "farm")
    c.create_database("farm")  # still fine for a device


def get_full(port, path, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("GET", path, headers=headers or {})
    r = c.getresponse()
    out = (r.status, dict((k.lower(), v) for k, v in r.getheaders()),
           r.read())
    c.close()
    return out


@test
def a_401_is_influxdbs():
    """No credential, or a wrong one: InfluxDB 1.x's status, body and
    challenge, which its clients and Grafana show as they are."""
    s = server()
    q = "/query?db=farm&q=SHOW%20DATABASES"
    for path in (q, "/api/v1/influx/query?db=farm&q=SHOW%20DATABASES"):
        status, headers, body = get_full(s.port, path)
        expect(status == 401, body)
        expect(json.loads(body) == {
            "error": "unable to parse authentication credentials"}, body)
        expect(headers["www-authenticate"] == 'Basic realm="InfluxDB"',
               headers)
    status, headers, body = get_full(s.port, q + "&u=grafana&p=oa_wrong")
    expect(status == 401, body)
    expect(json.loads(body) == {"error": "authorization failed"}, body)
    status, _, body = get_full(s.port, q, {"Authorization": "Token oa_nope"})
    expect(status == 401 and json.loads(body) ==
           {"error": "authorization failed"}, body)
    c = InfluxDBClient("127.0.0.1", s.port, "grafana", "oa_wrong", "farm")
    try:
        c.query("SHOW DATABASES")
        expect(False, "a wrong token was accepted")
    except Exception as e:  # influxdb-python's InfluxDBClientError
        expect(getattr(e, "code", None) == 401 and
               "authorization failed" in str(e), repr(e))
    # Oasis's own routes keep Oasis's shape
    status, headers, body = get_full(s.port, "/api/v1/plots")
    expect(status == 401 and json.loads(body)["error"]["code"] ==
           "unauthorized", body)
    expect(headers["www-authenticate"].startswith("Bearer"), headers)


@test
def several_series_in_one_query_answer():
    """/api/v1/query (not InfluxQL): series=a,b, patterns, plot=CODE."""
    s = server()
    rng = "&from=%d&to=%d&step=1h&agg=avg,count" % (BASE, BASE + 3 * 3600000)
    r = s.get("/api/v1/query?series=ws-01/air_temp,sp-07/moisture_10cm" + rng,
              token=s.viewer)
    expect(r.status == 200, r)
    got = [(x["series"], x["values"][0][2]) for x in r.json()["series"]]
    expect(got == [("sp-07/moisture_10cm", 1), ("ws-01/air_temp", 60)], got)
    r = s.get("/api/v1/query?series=ws-*/air_temp" + rng, token=s.viewer)
    expect([x["series"] for x in r.json()["series"]] ==
           ["ws-01/air_temp", "ws-02/air_temp"], r)
    one = s.get("/api/v1/query?series=ws-02/air_temp" + rng, token=s.viewer)
    expect(r.json()["series"][1] == one.json(), (r, one))
    r = s.get("/api/v1/query?series=ws-*/air_temp&format=csv", token=s.viewer)
    expect(r.status == 400, r)
    r = s.get("/api/v1/query?plot=P1&metric=air_temp", token=s.viewer)
    expect(r.status == 200 and r.json() == {"series": []}, r)
    r = s.get("/api/v1/query?plot=P1" + rng, token=s.viewer)
    expect([x["series"] for x in r.json()["series"]] ==
           ["sp-07/moisture_10cm"], r)


run()
if peer:
    peer.stop()

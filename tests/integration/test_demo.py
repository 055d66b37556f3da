"""`oasis demo`: the demo base near Manas, created once and reused."""
import re
import signal
import subprocess
import tempfile

from harness import OASIS, expect, oasis, run, test
import json


def start_demo(data, *extra):
    # no recording of the ten cameras (the demo's default): twenty more
    # processes (encoders and relays) would slow the simulator these tests
    # time; test_video.py tests recording
    p = subprocess.Popen([OASIS, "demo", "--data", data, "--listen",
                          "127.0.0.1:0", "--video-record=off"] + list(extra),
                         stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    lines = []
    while True:
        line = p.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "serving on" in line:
            break
    return p, "".join(lines)


def stop(p):
    p.send_signal(signal.SIGINT)
    status = p.wait(timeout=60)
    p.stdout.close()
    return status


@test
def demo_creates_the_manas_base_then_reuses_it():
    data = tempfile.mkdtemp() + "/demo"
    p, out = start_demo(data)
    expect("serving on" in out, out)
    expect(re.search(r"login: admin / \S{20}", out), out)
    expect(stop(p) == 0)
    fc = json.loads(oasis("plots", "list", data=data).stdout)
    plots = fc["features"]
    expect(55 <= len(plots) <= 65, len(plots))
    mu = sum(f["properties"]["area_mu"] for f in plots)
    expect(11000 <= mu <= 13000, "total %.0f mu" % mu)
    crops = [f["properties"]["crop"] for f in plots]
    expect(crops.count("cotton") > len(crops) / 2, crops)
    for f in plots:
        props = f["properties"]
        expect(re.fullmatch(r"652324\d{7}", props["code"]), props["code"])
        expect(props["sowing_date"][5:7] == "04", props["sowing_date"])
        lon, lat = f["geometry"]["coordinates"][0][0]
        expect(86.0 < lon < 86.5 and 44.1 < lat < 44.5, (lon, lat))
    first = json.dumps(fc)
    p, out = start_demo(data)
    expect("created" not in out and "login: admin" in out, out)
    expect(stop(p) == 0)
    again = oasis("plots", "list", data=data).stdout
    expect(json.loads(again)["features"] == plots, "second run changed the base")
    del first


def plots_of(data):
    fc = json.loads(oasis("plots", "list", data=data).stdout)
    return sorted(f["properties"]["code"] for f in fc["features"])


def port_of(out):
    return int(re.search(r"http://127\.0\.0\.1:(\d+)/", out).group(1))


def get(port, path, token):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", path, headers={"Authorization": "Bearer " + token})
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, json.loads(body)


# The demo runs at fixed instants (--at), never at today's date: the
# tractors' autumn tillage is what October shows, whatever the day the
# suite runs.
AUTUMN = "2026-11-10T04:00:00Z"       # noon at Manas, after 40 days of tillage
AUTUMN_MS = 1794283200000
SUMMER = "2026-07-20T02:00:00Z"       # 10:00 at Manas, irrigation season


def window(days):
    """from= and to= of the last `days` days before AUTUMN."""
    return "from=%d&to=%d" % (AUTUMN_MS - days * 86400000, AUTUMN_MS)


@test
def demo_has_devices_history_and_a_live_feed():
    import time
    data = tempfile.mkdtemp() + "/demo"
    p, out = start_demo(data, "--at", AUTUMN)
    try:
        token = oasis("token", "create", "--role", "viewer", "--name", "t",
                      data=data).stdout.strip()
        port = port_of(out)
        status, devs = get(port, "/api/v1/devices", token)
        kinds = [d["kind"] for d in devs["devices"]]
        expect(kinds.count("weather_station") == 6, kinds)
        expect(kinds.count("soil_probe") == 60 and kinds.count("valve") == 60
               and kinds.count("flow_meter") == 60, kinds)
        expect(kinds.count("camera") >= 5 and kinds.count("drone") == 2 and
               kinds.count("tractor") == 3, kinds)
        # the season's history (from April 10): minute data from each
        # station in the last 14 days, every 10 minutes before
        status, q = get(port, "/api/v1/query?series=ws-01/air_temp&%s"
                        "&step=1d&agg=count" % window(14), token)
        counts = [v[1] for v in q["values"]]
        expect(len(counts) >= 14 and sum(counts) > 13 * 1440, counts)
        status, q = get(port, "/api/v1/query?series=ws-01/air_temp&%s"
                        "&step=1d&agg=count" % window(200), token)
        expect(len(q["values"]) >= 200 and
               all(v[1] >= 144 for v in q["values"][1:]), q["values"])
        status, q = get(port, "/api/v1/query?series=sp-07/moisture_10cm"
                        "&%s&step=1d&agg=count" % window(14), token)
        expect(sum(v[1] for v in q["values"]) > 13 * 144, q["values"])
        # tractors at work: autumn tillage by day, in the yard by night
        status, q = get(port, "/api/v1/query?series=trac-02/working"
                        "&%s&step=1d&agg=max" % window(30), token)
        expect(sum(v[1] for v in q["values"]) >= 25, q["values"])
        status, q = get(port, "/api/v1/query?series=trac-02/longitude"
                        "&%s&step=1d&agg=min,max" % window(30), token)
        expect(all(86.1 < v[1] <= v[2] < 86.5 for v in q["values"]), q)
        # imagery since April 10 (214 days): a satellite scene every 3
        # days in the last 30, every 6 before (41); the drone's patrol
        # every 2 hours by daylight (5 flights in November) in the last 7
        # days, weekly in the 23 before
        status, cat = get(port, "/api/v1/imagery", token)
        kinds = [s["kind"] for s in cat["scenes"]]
        expect(39 <= kinds.count("satellite") <= 43 and
               5 * 7 + 2 <= kinds.count("drone") <= 6 * 8 + 4,
               (kinds.count("satellite"), kinds.count("drone")))
        sat = [s for s in cat["scenes"] if s["kind"] == "satellite"][0]
        expect(sat["indices"][0] == "ndvi" and sat["crs"] == "EPSG:32645", sat)
        code = plots_of(data)[0]
        status, series = get(port, "/api/v1/plots/%s/indices?index=ndvi" % code, token)
        expect(len(series["satellite"]) >= 9, series)
        expect(all(e["mean"] is None or 0 < e["mean"] < 1
                   for e in series["satellite"]), series)
        # the monitoring it starts with: the templates on what data say
        status, rules = get(port, "/api/v1/rules", token)
        names = {r["template"] for r in rules["rules"]}
        expect({"frost", "heat_stress", "dry_hot_wind", "valve_no_flow",
                "vegetation_anomaly"} <= names and
               "sensor_silent" not in names, names)
        # and the devices report live, with their own tokens
        _, first = get(port, "/api/v1/latest?device=ws-02", token)
        t0 = first["values"]["air_temp"]["ts"]
        deadline = time.time() + 90
        while time.time() < deadline:
            _, now = get(port, "/api/v1/latest?device=ws-02", token)
            if now["values"]["air_temp"]["ts"] > t0:
                break
            time.sleep(1)
        expect(now["values"]["air_temp"]["ts"] > t0, "no live point")
    finally:
        expect(stop(p) == 0)


WINTER_NIGHT = "2026-12-08T20:00:00Z"   # 04:00 at Manas: a frost night


@test
def a_frost_under_way_at_start_is_one_alert_of_the_base_at_once():
    """The first evaluation runs on the history before the server serves:
    the frost of the night is open at once, one alert of the base (not one
    per station) over every plot, and only info: December's fields are
    harvested."""
    data = tempfile.mkdtemp() + "/demo"
    p, out = start_demo(data, "--at", WINTER_NIGHT)
    try:
        token = oasis("token", "create", "--role", "viewer", "--name", "t",
                      data=data).stdout.strip()
        port = port_of(out)
        _, rules = get(port, "/api/v1/rules", token)
        frost = [r["id"] for r in rules["rules"] if r["template"] == "frost"]
        _, got = get(port, "/api/v1/alerts?state=open", token)
        mine = [a for a in got["alerts"] if a["rule_id"] in frost]
        expect(len(mine) == 1, mine)
        a = mine[0]
        expect(a["subject"] == "base" and a["plot"] is None, a)
        expect(a["severity"] == "info", a)
        n = len(plots_of(data))
        expect(a["code"] == "weather" and a["params"]["plots_n"] == n and
               a["params"]["in_season_n"] == 0 and
               a["params"]["value"] <= 2, a)
    finally:
        expect(stop(p) == 0)


def post(port, path, token, body):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("POST", path, body=json.dumps(body),
              headers={"Authorization": "Bearer " + token,
                       "Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, json.loads(data) if data else None


@test
def a_valve_command_in_live_mode_changes_flow_and_moisture():
    import time
    data = tempfile.mkdtemp() + "/valves"
    p, out = start_demo(data, "--speed", "60", "--at", SUMMER)
    try:
        operator = oasis("token", "create", "--role", "operator", "--name",
                         "ops", data=data).stdout.strip()
        port = port_of(out)
        _, before = get(port, "/api/v1/latest?device=sp-05", operator)
        m0 = before["values"]["moisture_10cm"]
        status, cmd = post(port, "/api/v1/devices/vl-05/commands", operator,
                           {"action": "open", "duration_min": 120})
        expect(status == 202, (status, cmd))
        deadline = time.time() + 60
        acked = flowing = wetter = False
        while time.time() < deadline and not (acked and flowing and wetter):
            _, h = get(port, "/api/v1/devices/vl-05/commands", operator)
            acked = h["commands"][0]["state"] == "acknowledged"
            _, fm = get(port, "/api/v1/latest?device=fm-05", operator)
            flowing = fm["values"].get("flow", {}).get("value", 0) > 0
            _, sp = get(port, "/api/v1/latest?device=sp-05", operator)
            m = sp["values"]["moisture_10cm"]
            wetter = m["ts"] > m0["ts"] and m["value"] > m0["value"]
            time.sleep(1)
        expect(acked and h["valve"]["believed"] == "open", h)
        expect(flowing, fm)
        expect(wetter, (m0, m))
    finally:
        expect(stop(p) == 0)


@test
def a_faster_demo_replays_toward_now():
    data = tempfile.mkdtemp() + "/fast"
    import time
    started = time.time()
    p, out = start_demo(data, "--speed", "3600", "--at", AUTUMN)
    try:
        token = oasis("token", "create", "--role", "viewer", "--name", "t",
                      data=data).stdout.strip()
        port = port_of(out)
        _, a = get(port, "/api/v1/latest?device=ws-01", token)
        time.sleep(3)
        _, b = get(port, "/api/v1/latest?device=ws-01", token)
        gained = b["values"]["air_temp"]["ts"] - a["values"]["air_temp"]["ts"]
        # at 3600x, three seconds are about three simulated hours (at
        # least half an hour on a loaded machine: 600 times real time)
        expect(gained > 1800 * 1000, gained)
        # and never runs ahead of the simulated wall: AUTUMN, running on
        wall = AUTUMN_MS + (time.time() - started) * 1000
        expect(b["values"]["air_temp"]["ts"] <= wall + 1000, (b, wall))
    finally:
        expect(stop(p) == 0)


@test
def the_pv_park_at_mulei():
    """The demo's second site: the Mulei park, its layout, two days of
    history (the day before --at has the trip from 11:00 to 13:00 local,
    the AGC curtailment from 12:00 to 14:00, the low string), a work order,
    and its live feed posted through the gateway."""
    import time
    data = tempfile.mkdtemp() + "/pv"
    p, out = start_demo(data, "--at", SUMMER)
    try:
        token = oasis("token", "create", "--role", "viewer", "--name", "t",
                      data=data).stdout.strip()
        port = port_of(out)
        _, sites = get(port, "/api/v1/sites", token)
        mulei = [s for s in sites["sites"] if s["code"] == "mulei"]
        expect(len(mulei) == 1 and mulei[0]["kind"] == "pv_plant", sites)
        expect(mulei[0]["tz"] == "Asia/Shanghai" and
               mulei[0]["location"]["alt_m"] == 1300, mulei)
        _, site = get(port, "/api/v1/sites/mulei", token)
        expect(site["equipment"] == {
            "pv_block": 2, "pv_inverter": 6, "pv_combiner": 12,
            "pv_string": 96, "pv_tracker": 4, "pv_met_station": 1,
            "pv_meter": 1}, site["equipment"])
        _, devs = get(port, "/api/v1/devices?site=mulei", token)
        expect(len(devs["devices"]) == 122, len(devs["devices"]))
        status, day = get(port, "/api/v1/sites/mulei/pv/daily?date=2026-07-19",
                          token)
        expect(status == 200, day)
        expect(day["ranking"][0]["id"] == "INV-B2-3", day["ranking"])
        tripped = [i for i in day["inverters"] if i["id"] == "INV-B2-3"][0]
        expect(tripped["n_unavailable_intervals"] >= 60, tripped)
        expect(day["plant"]["n_curtailed_intervals"] > 0, day["plant"])
        expect(0.7 < day["plant"]["pr"] < 0.95, day["plant"])
        low = {s["id"]: s["mean_ratio"] for s in day["strings"]}
        expect(0.75 < low["S-B1-1-1-05"] < 0.81, low["S-B1-1-1-05"])
        expect(all(0.97 < r < 1.03 for k, r in low.items()
                   if k != "S-B1-1-1-05" and r is not None), low)
        # 11:00 to 13:00 local on the 19th: nothing from the tripped one
        status, q = get(port, "/api/v1/query?series=INV-B2-3/p_ac"
                        "&from=2026-07-19T03:00:00Z&to=2026-07-19T04:59:00Z"
                        "&step=1h&agg=max", token)
        expect([v[1] for v in q["values"]] == [0, 0], q)
        _, wo = get(port, "/api/v1/workorders?site=mulei", token)
        expect(len(wo["workorders"]) == 1 and
               wo["workorders"][0]["equipment"] == "CB-B1-1-1", wo)
        _, rules = get(port, "/api/v1/rules", token)
        names = {r["template"] for r in rules["rules"]}
        expect({"pv_inverter_trip", "pv_string_low"} <= names and
               "pv_comm_loss" not in names, names)
        # live: the met station's minutes keep coming through the gateway
        _, first = get(port, "/api/v1/latest?device=MET1", token)
        t0 = first["values"]["poa_global"]["ts"]
        deadline = time.time() + 90
        while time.time() < deadline:
            _, now = get(port, "/api/v1/latest?device=MET1", token)
            if now["values"]["poa_global"]["ts"] > t0:
                break
            time.sleep(1)
        expect(now["values"]["poa_global"]["ts"] > t0, "no live PV point")
        expect(now["values"]["poa_global"]["value"] > 300, now)
    finally:
        expect(stop(p) == 0)


run()

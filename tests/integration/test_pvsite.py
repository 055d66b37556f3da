"""The PV park as a second site, end to end: `oasis sites` (add, list in
three formats, show, set, assign, errors), `oasis pv import` (dry run,
errors by line and field, all or nothing, GeoJSON), PV metrics through
the ordinary write path, and GET /api/v1/sites..., /equipment, /pv/daily
and /pv/expected on a synthetic day whose numbers are known."""
import csv
import io
import json
import os

from harness import Server, expect, expect_error, oasis, run, test

DAY1 = 1750435200000  # 2025-06-21T00:00:00+08:00
H = 3600000
LAYOUT = """id,kind,parent,name,subtype,met_station,kwp_dc,kw_ac,gamma_pdc
B1,block,,Block 1,,,,,
MET1,met_station,B1,,,,,,
INV1,inverter,B1,,central,MET1,1000,900,-0.004
INV2,inverter,B1,,central,MET1,1000,900,-0.004
CB1,combiner,INV1,,,,,,
S1,string,CB1,,,,,,
"""
srv = None


def setup():
    global srv
    if srv is None:
        srv = Server()
        d = srv.data
        oasis("sites", "add", "mulei", "--name", "木垒光伏", "--kind",
              "pv_plant", "--tz", "Asia/Shanghai", "--location", "90.28,43.83",
              "--alt", "1300", "--fact", "county=木垒", "--fact", "mw=100",
              data=d)
        path = os.path.join(srv.dir, "layout.csv")
        with open(path, "w") as f:
            f.write(LAYOUT)
        oasis("pv", "import", "--site", "mulei", path, data=d)
        srv.start()
    return srv


@test
def sites_on_the_command_line():
    s = setup()
    d = s.data
    out = json.loads(oasis("sites", "list", "--format", "json", data=d).stdout)
    expect([r["code"] for r in out] == ["base", "mulei"], out)
    expect(out[0]["default"] == "yes" and out[1]["devices"] == "6", out)
    rows = list(csv.reader(io.StringIO(
        oasis("sites", "list", "--format", "csv", data=d).stdout)))
    expect(rows[0][:4] == ["code", "name", "kind", "tz"], rows)
    expect(rows[2][1] == "木垒光伏" and rows[2][2] == "pv_plant", rows)
    expect("木垒光伏" in oasis("sites", "show", "mulei", data=d).stdout, "show")
    p = oasis("sites", "add", "x", "--name", "x", "--kind", "farm", "--tz",
              "Mars/Olympus", data=d, check=False)
    expect(p.returncode == 1 and "Mars/Olympus" in p.stderr, p.stderr)
    p = oasis("sites", "add", "x", "--name", "x", data=d, check=False)
    expect(p.returncode == 2, p.stderr)
    oasis("sites", "set", "mulei", "--fact", "mu=30000", "--unset-fact", "mw",
          data=d)
    site = json.loads(oasis("sites", "show", "mulei", "--format", "json",
                            data=d).stdout)
    expect(site["facts"] == {"county": "木垒", "mu": 30000}, site)
    expect(site["equipment"]["pv_inverter"] == 2, site)
    oasis("devices", "add", "ws-9", "--kind", "weather_station", data=d)
    oasis("sites", "assign", "mulei", "device", "ws-9", data=d)
    listed = json.loads(oasis("devices", "list", "--site", "mulei", "--format",
                              "json", data=d).stdout)
    expect(sorted(x["id"] for x in listed) ==
           ["B1", "CB1", "INV1", "INV2", "MET1", "S1", "ws-9"], listed)
    expect(json.loads(oasis("devices", "list", "--site", "base", "--format",
                            "json", data=d).stdout) == [], "base is empty")
    p = oasis("devices", "list", "--site", "nowhere", data=d, check=False)
    expect(p.returncode == 1 and "nowhere" in p.stderr, p.stderr)
    p = oasis("sites", "assign", "mulei", "device", "ghost", data=d,
              check=False)
    expect(p.returncode == 1 and "ghost" in p.stderr, p.stderr)


@test
def layout_import_checks_everything_first():
    s = setup()
    bad = os.path.join(s.dir, "bad.csv")
    with open(bad, "w") as f:
        f.write("id,kind,parent,kwp_dc,kw_ac\nB9,block,,,\n"
                "I9,inverter,B9,1e3,lots\nS9,string,B9,,\n")
    p = oasis("pv", "import", "--site", "mulei", bad, data=s.data, check=False)
    expect(p.returncode == 1, p)
    expect("bad.csv: line 3, field 'kw_ac': 'lots' is not a number" in p.stderr,
           p.stderr)
    expect("line 4, field 'parent': 'B9' cannot hold this kind" in p.stderr,
           p.stderr)
    r = s.get("/api/v1/sites/mulei/equipment?kind=block", token=s.admin_token)
    expect([q["id"] for q in r.json()["equipment"]] == ["B1"], r.json())
    geo = os.path.join(s.dir, "more.geojson")
    with open(geo, "w") as f:
        json.dump({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"id": "TR1", "kind": "tracker",
             "parent": "B1", "axis_azimuth": 180, "gcr": 0.35,
             "max_angle": 60},
             "geometry": {"type": "Point", "coordinates": [90.281, 43.831]}}]},
            f)
    p = oasis("pv", "import", "--site", "mulei", "--dry-run", geo, data=s.data)
    expect("1 rows checked (1 tracker); dry run" in p.stdout, p.stdout)
    expect(s.get("/api/v1/sites/mulei/equipment?kind=tracker",
                 token=s.admin_token).json()["equipment"] == [], "dry run")
    oasis("pv", "import", "--site", "mulei", geo, data=s.data)
    tr = s.get("/api/v1/sites/mulei/equipment?kind=tracker",
               token=s.admin_token).json()["equipment"]
    expect(len(tr) == 1 and abs(tr[0]["lat"] - 43.831) < 1e-9 and
           tr[0]["gcr"] == 0.35, tr)


@test
def sites_over_http():
    s = setup()
    viewer = s.token("viewer", "wall")
    r = s.get("/api/v1/sites", token=viewer)
    expect(r.status == 200, r)
    codes = {x["code"]: x for x in r.json()["sites"]}
    expect(codes["base"]["default"] and codes["base"]["kind"] == "farm", codes)
    m = codes["mulei"]
    expect(m["tz"] == "Asia/Shanghai" and m["location"]["alt_m"] == 1300, m)
    r = s.get("/api/v1/sites/mulei", token=viewer)
    expect(r.json()["equipment"]["pv_string"] == 1, r.json())
    expect_error(s.get("/api/v1/sites/nowhere", token=viewer), 404)
    expect(s.get("/api/v1/sites").status == 401, "needs a token")
    devs = s.get("/api/v1/sites/mulei/devices", token=viewer).json()
    expect("INV1" in [x["id"] for x in devs], devs)
    expect("INV1" not in [x["id"] for x in s.get(
        "/api/v1/sites/base/devices", token=viewer).json()], "base")


def lp(device, fields, t):
    return "pv,device=%s %s %d" % (
        device, ",".join("%s=%s" % kv for kv in fields.items()), t * 10**6)


@test
def daily_metrics_over_http():
    s = setup()
    lines = []
    for h in range(24):
        t = DAY1 + h * H
        sun = 8 <= h < 18
        lines.append(lp("MET1", {"poa_global": 1000 if sun else 0,
                                 "temp_module": 25}, t))
        lines.append(lp("INV1", {"p_ac": 0 if (not sun or h == 12) else 800},
                        t))
        lines.append(lp("INV2", {"p_ac": 800 if sun else 0}, t))
    r = s.post("/api/v1/write", body="\n".join(lines), token=s.admin_token)
    expect(r.status == 204, r)
    # a PV metric out of its physical range is refused at the door
    expect_error(s.post("/api/v1/write", body=lp("MET1", {"poa_global": 5000},
                                                 DAY1), token=s.admin_token),
                 400, contains="poa_global")
    viewer = s.token("viewer", "wall2")
    r = s.get("/api/v1/sites/mulei/pv/daily?date=2025-06-21", token=viewer)
    expect(r.status == 200, r)
    v = r.json()
    expect(v["from"] == "2025-06-20T16:00:00.000Z" and v["tz"] ==
           "Asia/Shanghai", v)
    inv = {x["id"]: x for x in v["inverters"]}
    # minute intervals over hourly points: each hour's point is one minute
    # (ratios do not care): INV1 9 x 800 kWh over 10 h of 1000 W/m2
    expect(abs(inv["INV1"]["pr"] - 0.72) < 1e-9, inv["INV1"])
    expect(abs(inv["INV1"]["availability_time"] - 0.9) < 1e-9, inv["INV1"])
    expect(abs(inv["INV2"]["pr"] - 0.8) < 1e-9, inv["INV2"])
    expect(abs(inv["INV1"]["expected_ratio"] - 0.8) < 1e-9, inv["INV1"])
    expect(v["ranking"][0]["id"] == "INV1", v["ranking"])
    expect(v["blocks"][0]["id"] == "B1", v["blocks"])
    r = s.get("/api/v1/sites/mulei/pv/expected?inverter=INV1&date=2025-06-21",
              token=viewer)
    pts = r.json()["points"]
    noon = [p for p in pts if p["time"] == "2025-06-21T04:00:00.000Z"][0]
    expect(abs(noon["p_ac_expected_kw"] - 900) < 1e-9 and noon["p_ac_kw"] == 0,
           noon)
    expect_error(s.get("/api/v1/sites/mulei/pv/daily", token=viewer), 400,
                 contains="date")
    expect_error(s.get("/api/v1/sites/mulei/pv/daily?date=2025-02-30",
                       token=viewer), 400)
    expect_error(s.get("/api/v1/sites/base/pv/daily?date=2025-06-21",
                       token=viewer), 400, contains="pv_plant")
    expect_error(s.get("/api/v1/sites/mulei/pv/expected?inverter=B1&"
                       "date=2025-06-21", token=viewer), 404)
    # the same from the command line, on the stopped server's store
    s.stop()
    out = json.loads(oasis("pv", "daily", "--site", "mulei", "--date",
                           "2025-06-21", "--interval-min", "60",
                           data=s.data).stdout)
    one = {x["id"]: x for x in out["inverters"]}["INV1"]
    expect(abs(one["pr"] - 0.72) < 1e-9, one)
    expect(abs(one["e_lost_outage_kwh"] - 800) < 1e-9, one)
    s.start()


run()

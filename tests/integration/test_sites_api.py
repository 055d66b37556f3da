"""Sites over the API: POST /api/v1/sites and PATCH /api/v1/sites/CODE
(admin; each bad field a 400 naming it), the site of each device and plot
on their listings (API and command line) and the site= filter, and the
plant's curve (GET .../pv/plant) on a small plant."""
import csv
import io
import json
import os

from harness import Server, expect, expect_error, oasis, run, test

BOUNDARY = {"type": "Polygon", "coordinates": [[[90.27, 43.82], [90.29, 43.82],
                                                [90.29, 43.84], [90.27, 43.82]]]}
MULEI = {"code": "mulei", "name": "木垒光伏电站", "kind": "pv_plant",
         "tz": "Asia/Shanghai",
         "location": {"lon": 90.28, "lat": 43.83, "alt_m": 1300},
         "boundary": {"type": "Feature", "properties": {}, "geometry": BOUNDARY},
         "facts": {"county": "木垒县", "mwp": 100, "tracking": True,
                   "code_text": "30000"}}
PLOT = {"type": "FeatureCollection", "features": [{
    "type": "Feature", "properties": {"code": "P1", "crop": "cotton"},
    "geometry": {"type": "Polygon", "coordinates": [[[86.2, 44.3], [86.21, 44.3],
                                                     [86.21, 44.31], [86.2, 44.31],
                                                     [86.2, 44.3]]]}}]}
srv = None


def setup():
    global srv
    if srv is None:
        srv = Server()
        path = os.path.join(srv.dir, "plots.geojson")
        with open(path, "w") as f:
            json.dump(PLOT, f)
        oasis("plots", "import", path, data=srv.data)
        srv.start()
    return srv


def patch(s, code, body, token):
    return s.request("PATCH", "/api/v1/sites/" + code, body=body, token=token)


@test
def an_admin_creates_and_edits_a_site():
    s = setup()
    r = s.post("/api/v1/sites", body=MULEI, token=s.admin_token)
    expect(r.status == 201, r)
    site = r.json()
    expect(site["code"] == "mulei" and site["kind"] == "pv_plant", site)
    expect(site["location"] == {"lon": 90.28, "lat": 43.83, "alt_m": 1300}, site)
    expect(site["boundary"] == BOUNDARY, site["boundary"])  # the Feature's geometry
    expect(site["facts"] == {"county": "木垒县", "mwp": 100, "tracking": True,
                             "code_text": "30000"}, site["facts"])
    expect(site["default"] is False and site["devices"] == 0, site)
    expect_error(s.post("/api/v1/sites", body=MULEI, token=s.admin_token), 409,
                 "exists")
    listed = s.get("/api/v1/sites", token=s.admin_token).json()["sites"]
    expect([x["code"] for x in listed] == ["base", "mulei"], listed)

    # PATCH: the fields given change, facts merge (null removes one)
    r = patch(s, "mulei", {"name": "木垒 100 MW", "tz": "Asia/Urumqi",
                           "facts": {"mwp": None, "mw_ac": 88.5}},
              s.admin_token)
    expect(r.status == 200, r)
    site = r.json()
    expect(site["name"] == "木垒 100 MW" and site["tz"] == "Asia/Urumqi", site)
    expect(site["facts"] == {"county": "木垒县", "tracking": True,
                             "code_text": "30000", "mw_ac": 88.5}, site["facts"])
    expect(site["boundary"] == BOUNDARY and site["kind"] == "pv_plant", site)
    r = patch(s, "mulei", {"code": "mulei", "location": [90.3, 43.8],
                           "boundary": None}, s.admin_token)
    expect(r.status == 200, r)
    site = r.json()
    expect(site["location"] == {"lon": 90.3, "lat": 43.8, "alt_m": None}, site)
    expect(site["boundary"] is None, site)
    shown = json.loads(oasis("sites", "show", "mulei", "--format", "json",
                             data=s.data).stdout)
    expect(shown["name"] == "木垒 100 MW", shown)
    expect_error(patch(s, "nowhere", {"name": "x"}, s.admin_token), 404)


@test
def bad_fields_are_named():
    s = setup()
    good = dict(MULEI, code="other")
    cases = [
        ({k: v for k, v in good.items() if k != "tz"}, "field 'tz' is required"),
        ({k: v for k, v in good.items() if k != "name"}, "field 'name' is required"),
        (dict(good, kind="wind_farm"), "field 'kind'"),
        (dict(good, tz="Mars/Olympus"), "field 'tz': 'Mars/Olympus'"),
        (dict(good, tz=8), "field 'tz'"),
        (dict(good, code="bad code"), "site code 'bad code'"),
        (dict(good, location={"lon": 190, "lat": 43}), "field 'location'"),
        (dict(good, location={"lon": 90, "lat": 43, "alt_m": 20000}),
         "field 'location': alt_m"),
        (dict(good, boundary={"type": "Point", "coordinates": [90, 43]}),
         "boundary"),
        (dict(good, boundary="a polygon"), "field 'boundary'"),
        (dict(good, facts=[1]), "field 'facts'"),
        (dict(good, facts={"x": {"y": 1}}), "field 'facts': 'x'"),
        (dict(good, colour="green"), "field 'colour': unknown"),
        (dict(good, name=""), "field 'name'"),
    ]
    for body, words in cases:
        err = expect_error(s.post("/api/v1/sites", body=body,
                                  token=s.admin_token), 400, "invalid")
        expect(words in err["message"], (body, err))
    expect_error(s.post("/api/v1/sites", body="[1]", token=s.admin_token), 400)
    expect_error(s.post("/api/v1/sites", body="{", token=s.admin_token), 400)
    expect_error(patch(s, "base", {"code": "farm"}, s.admin_token), 400,
                 contains="field 'code'")
    expect_error(patch(s, "base", {"default": False}, s.admin_token), 400,
                 contains="field 'default'")
    expect_error(patch(s, "base", {"tz": "Nowhere/Zone"}, s.admin_token), 400,
                 contains="field 'tz'")
    expect(s.get("/api/v1/sites/other", token=s.admin_token).status == 404,
           "nothing stored")
    # admin only
    operator = s.token("operator", "ops")
    expect_error(s.post("/api/v1/sites", body=good, token=operator), 403)
    expect_error(patch(s, "base", {"name": "x"}, operator), 403)
    expect(s.post("/api/v1/sites", body=good).status == 401, "needs a token")


@test
def the_listings_name_each_ones_site():
    s = setup()
    if s.get("/api/v1/sites/mulei", token=s.admin_token).status == 404:
        s.post("/api/v1/sites", body=MULEI, token=s.admin_token)
    for dev in ("ws-1", "ws-2"):
        r = s.post("/api/v1/devices", body={"id": dev, "kind": "weather_station"},
                   token=s.admin_token)
        expect(r.status == 201, r)
    oasis("sites", "assign", "mulei", "device", "ws-2", data=s.data)
    viewer = s.token("viewer", "v")
    devs = s.get("/api/v1/devices", token=viewer).json()["devices"]
    expect({d["id"]: d["site"] for d in devs} == {"ws-1": "base", "ws-2": "mulei"},
           devs)
    devs = s.get("/api/v1/devices?site=mulei", token=viewer).json()["devices"]
    expect([d["id"] for d in devs] == ["ws-2"], devs)
    expect_error(s.get("/api/v1/devices?site=nowhere", token=viewer), 404,
                 contains="parameter 'site'")
    fc = s.get("/api/v1/plots", token=viewer).json()
    expect([f["properties"]["site"] for f in fc["features"]] == ["base"], fc)
    expect(s.get("/api/v1/plots?site=mulei", token=viewer).json()["features"]
           == [], "no plot at mulei")
    expect(len(s.get("/api/v1/plots?site=base&crop=cotton",
                     token=viewer).json()["features"]) == 1, "base's plot")
    expect_error(s.get("/api/v1/plots?site=nowhere", token=viewer), 404,
                 contains="parameter 'site'")
    rows = list(csv.reader(io.StringIO(
        s.get("/api/v1/plots?format=csv&site=base", token=viewer).body)))
    expect(rows[0][-1] == "site" and rows[1][-1] == "base", rows)
    # the command line
    d = s.data
    listed = json.loads(oasis("devices", "list", "--format", "json",
                              data=d).stdout)
    expect({x["id"]: x["site"] for x in listed} == {"ws-1": "base",
                                                    "ws-2": "mulei"}, listed)
    listed = json.loads(oasis("devices", "list", "--site", "mulei", "--format",
                              "json", data=d).stdout)
    expect([x["id"] for x in listed] == ["ws-2"], listed)
    fc = json.loads(oasis("plots", "list", "--site", "base", data=d).stdout)
    expect(fc["features"][0]["properties"]["site"] == "base", fc)
    fc = json.loads(oasis("plots", "list", "--site", "mulei", data=d).stdout)
    expect(fc["features"] == [], fc)
    table = oasis("plots", "list", "--format", "table", data=d).stdout
    expect(table.splitlines()[0].split()[-1] == "site", table)
    p = oasis("plots", "list", "--site", "nowhere", data=d, check=False)
    expect(p.returncode == 1 and "nowhere" in p.stderr, p.stderr)


@test
def the_plants_curve():
    s = setup()
    if s.get("/api/v1/sites/mulei", token=s.admin_token).status == 404:
        s.post("/api/v1/sites", body=MULEI, token=s.admin_token)
    path = os.path.join(s.dir, "layout.csv")
    with open(path, "w") as f:
        f.write("id,kind,parent,met_station,kwp_dc,kw_ac\n"
                "B1,block,,,,\nMET1,met_station,B1,,,\n"
                "INV1,inverter,B1,MET1,100,90\nINV2,inverter,B1,MET1,100,90\n")
    oasis("pv", "import", "--site", "mulei", path, data=s.data)
    # the site's zone is Asia/Urumqi (UTC+6) since the PATCH above
    t0 = 1750474800000  # 2025-06-21T03:00:00Z: 09:00 at UTC+6
    lines = []
    for k in range(2):
        t = t0 + k * 60000
        lines.append("pv,device=MET1 poa_global=800,temp_module=45,"
                     "temp_air=28,wind_speed=3 %d" % t)
        lines.append("pv,device=INV1 p_ac=60 %d" % t)
        lines.append("pv,device=INV2 p_ac=%d %d" % (40 + k * 10, t))
    r = s.post("/api/v1/write?precision=ms", body="\n".join(lines),
               token=s.admin_token)
    expect(r.status == 204, r)
    tz = s.get("/api/v1/sites/mulei", token=s.admin_token).json()["tz"]
    expect(tz == "Asia/Urumqi", tz)
    r = s.get("/api/v1/sites/mulei/pv/plant?date=2025-06-21", token=s.admin_token)
    expect(r.status == 200, r)
    c = r.json()
    expect(c["from"] == "2025-06-20T18:00:00.000Z" and c["interval_min"] == 1, c)
    expect(c["kwp_dc"] == 200 and c["kw_ac"] == 180, c)
    expect([p["p_ac_kw"] for p in c["points"]] == [100, 110], c["points"])
    expect(all(p["inverters_reporting"] == 2 for p in c["points"]), c)
    expect(c["now"]["time"] == "2025-06-21T03:01:00.000Z", c["now"])
    expect(c["now"]["poa_global"] == 800 and c["now"]["temp_module"] == 45, c)
    expect(c["now"]["temp_air"] == 28 and c["now"]["wind_speed"] == 3, c)
    # PVWatts: 800 W/m2, cell 45 + 0.8 * 3 = 47.4 degC, gamma -0.0037
    dc = 0.8 * 100 * (1 - 0.0037 * 22.4)
    expect(abs(c["now"]["p_ac_expected_kw"] / 2 - dc * 0.955) < dc * 0.02,
           c["now"])
    c5 = s.get("/api/v1/sites/mulei/pv/plant?date=2025-06-21&interval_min=5",
               token=s.admin_token).json()
    expect([p["p_ac_kw"] for p in c5["points"]] == [105], c5["points"])
    expect_error(s.get("/api/v1/sites/mulei/pv/plant", token=s.admin_token),
                 400, contains="'date'")
    expect_error(s.get("/api/v1/sites/mulei/pv/plant?date=2025-06-21"
                       "&interval_min=7", token=s.admin_token), 400,
                 contains="'interval_min'")
    expect_error(s.get("/api/v1/sites/base/pv/plant?date=2025-06-21",
                       token=s.admin_token), 400, contains="pv_plant")
    expect_error(s.get("/api/v1/sites/nowhere/pv/plant?date=2025-06-21",
                       token=s.admin_token), 404)


if __name__ == "__main__":
    run()

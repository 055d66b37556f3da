"""`oasis demo --at`: a whole season of history, at fixed instants (never
today's date): July at 10:00 on the base's clock, and December."""
import json
import re
import signal
import subprocess
import tempfile
import http.client

from harness import OASIS, expect, oasis, run, test

JULY = "2026-07-20T10:00:00+08:00"
JULY_MS = 1784512800000                 # 2026-07-20T02:00:00Z
DECEMBER = "2026-12-07T10:00:00+08:00"
DECEMBER_MS = 1796608800000             # 2026-12-07T02:00:00Z
SOWING_MS = 1775750400000               # 2026-04-10T00:00:00+08:00
DAY = 86400000


def start_demo(data, at):
    p = subprocess.Popen([OASIS, "demo", "--data", data, "--listen",
                          "127.0.0.1:0", "--at", at], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    lines = []
    while True:
        line = p.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "serving on" in line:
            break
    out = "".join(lines)
    print(re.findall(r"(?:history written|ingested) in [0-9.]+ s", out))
    return p, out


def stop(p):
    p.send_signal(signal.SIGINT)
    status = p.wait(timeout=60)
    p.stdout.close()
    return status


def port_of(out):
    return int(re.search(r"http://127\.0\.0\.1:(\d+)/", out).group(1))


class Api:
    def __init__(self, data, out):
        self.port = port_of(out)
        self.token = oasis("token", "create", "--role", "viewer", "--name",
                           "season", data=data).stdout.strip()

    def get(self, path):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        c.request("GET", path, headers={"Authorization": "Bearer " + self.token})
        r = c.getresponse()
        body = r.read()
        c.close()
        return r.status, json.loads(body) if body else None

    def values(self, series, frm, to, step, agg):
        status, q = self.get("/api/v1/query?series=%s&from=%d&to=%d&step=%s"
                             "&agg=%s" % (series, frm, to, step, agg))
        expect(status == 200, (series, status, q))
        return [v for v in q["values"] if v[1] is not None]

    def latest(self, device):
        status, v = self.get("/api/v1/latest?device=" + device)
        expect(status == 200, (device, status, v))
        return {k: x["value"] for k, x in v["values"].items()}


def history_starts_at_sowing(api, now_ms):
    before = api.values("ws-01/air_temp", SOWING_MS - 2 * DAY, SOWING_MS - 1,
                        "1d", "count")
    expect(sum(v[1] for v in before) == 0, before)
    first = api.values("ws-01/air_temp", SOWING_MS, SOWING_MS + DAY, "1d",
                       "count")
    expect(first and first[0][1] >= 144, first)
    # old days every 10 minutes, the last 14 days every minute
    last = api.values("ws-01/air_temp", now_ms - 7 * DAY, now_ms, "1d", "count")
    expect(sum(v[1] for v in last) >= 7 * 1440 - 2, last)
    weekly = api.values("sp-07/moisture_10cm", SOWING_MS, now_ms, "7d", "count")
    expect(len(weekly) >= (now_ms - SOWING_MS) // (7 * DAY), weekly)


def season_ndvi(api, code):
    status, s = api.get("/api/v1/plots/%s/indices?index=ndvi" % code)
    expect(status == 200, s)
    return [(e["time"], e["mean"])
            for e in s["satellite"] if e["mean"] is not None]


def plots(data):
    return json.loads(oasis("plots", "list", data=data).stdout)["features"]


@test
def july_shows_the_season_under_way():
    data = tempfile.mkdtemp() + "/july"
    p, out = start_demo(data, JULY)
    try:
        api = Api(data, out)
        history_starts_at_sowing(api, JULY_MS)
        fc = plots(data)
        # NDVI grew from bare soil at sowing to near its peak
        code = fc[0]["properties"]["code"]
        ndvi = season_ndvi(api, code)
        expect(len(ndvi) >= 20, len(ndvi))   # 22 passes since sowing
        expect(ndvi[0][1] < 0.25 and max(v for _, v in ndvi[-3:]) > 0.6, ndvi)
        # irrigation: drip events all summer, some plot watering now
        events = sum(v[1] for i in range(1, 61) for v in api.values(
            "vl-%02d/valve_state" % i, SOWING_MS, JULY_MS, "30d", "count"))
        expect(events >= 60, events)
        flowing = [i for i in range(1, 61) if api.values(
            "fm-%02d/flow" % i, JULY_MS - DAY, JULY_MS + 1, "1d", "max")
            and api.values("fm-%02d/flow" % i, JULY_MS - DAY, JULY_MS + 1,
                           "1d", "max")[-1][1] > 0]
        expect(flowing, "no flow meter metered a drop in the last day")
        # machines at work: a tractor spraying (07:45 solar time), a drone
        # taking off on the 10:00 patrol, 100 m up
        expect(any(api.latest("trac-%02d" % k)["working"] == 1
                   for k in (1, 2, 3)), "no tractor at work")
        uav = api.latest("uav-01")
        expect(uav["working"] == 1 and uav["altitude"] == 100, uav)
        # drones by day only: nothing in the air from 21:00 to 09:00
        night = api.values("uav-01/working", JULY_MS - 13 * 3600000,
                           JULY_MS - 3600000, "1h", "max")
        expect(night and max(v[1] for v in night) == 0, night)
        # soil: in the afternoon (16:00 solar, 09:45 UTC) 10 cm is warmer
        # than 40 cm; at dawn (04:00 solar) the deep soil is the warmer
        t16 = JULY_MS - DAY + 7 * 3600000 + 45 * 60000
        t04 = JULY_MS - DAY - 5 * 3600000 - 15 * 60000
        for t, warmer, cooler in ((t16, "10cm", "40cm"), (t04, "40cm", "10cm")):
            a = api.values("sp-07/soil_temp_" + warmer, t, t + 600000, "10m", "avg")
            b = api.values("sp-07/soil_temp_" + cooler, t, t + 600000, "10m", "avg")
            expect(a[0][1] > b[0][1], (t, warmer, a, cooler, b))
    finally:
        expect(stop(p) == 0)


@test
def december_holds_the_seasons_summary():
    data = tempfile.mkdtemp() + "/december"
    p, out = start_demo(data, DECEMBER)
    try:
        api = Api(data, out)
        history_starts_at_sowing(api, DECEMBER_MS)
        code = plots(data)[0]["properties"]["code"]
        ndvi = season_ndvi(api, code)
        peak = max(v for _, v in ndvi)
        expect(len(ndvi) >= 40 and peak > 0.6 and ndvi[-1][1] < 0.2,
               (peak, ndvi[-3:]))
        # the season's water: drip in summer and the winter irrigation
        volume = api.values("fm-07/volume", SOWING_MS, DECEMBER_MS, "30d", "max")
        expect(volume and max(v[1] for v in volume) > 5000, volume)
        # no machine in the fields in December
        work = api.values("trac-01/working", DECEMBER_MS - 3 * DAY,
                          DECEMBER_MS, "1d", "max")
        expect(work and max(v[1] for v in work) == 0, work)
        # the drone's patrol by daylight: five flights a day (sunrise
        # 09:37, sunset 18:37 at Manas), no mosaic after dark
        status, cat = api.get("/api/v1/imagery")
        day = [s for s in cat["scenes"] if s["kind"] == "drone" and
               "2026-12-06T00" <= s["acquired"] < "2026-12-06T16"]
        expect(len(day) == 5, [s["acquired"] for s in day])
        # frozen soil: 10 cm below 0 degC holds less liquid water than in
        # the first days of November, after the winter irrigation
        t10 = api.values("sp-07/soil_temp_10cm", DECEMBER_MS - 2 * DAY,
                         DECEMBER_MS, "1d", "max")
        expect(max(v[1] for v in t10) < 0, t10)
        nov = api.values("sp-07/moisture_10cm", DECEMBER_MS - 36 * DAY,
                         DECEMBER_MS - 30 * DAY, "6d", "avg")
        dec = api.values("sp-07/moisture_10cm", DECEMBER_MS - 2 * DAY,
                         DECEMBER_MS, "2d", "avg")
        expect(dec[0][1] < nov[0][1] - 3, (nov, dec))
        t40 = api.values("sp-07/soil_temp_40cm", DECEMBER_MS - 2 * DAY,
                         DECEMBER_MS, "1d", "min")
        t10 = api.values("sp-07/soil_temp_10cm", DECEMBER_MS - 2 * DAY,
                         DECEMBER_MS, "1d", "max")
        expect(t40[-1][1] > t10[-1][1], (t40, t10))
    finally:
        expect(stop(p) == 0)


@test
def the_base_is_strips_along_canals_and_shelterbelts():
    data = tempfile.mkdtemp() + "/strips"
    p, out = start_demo(data, JULY)
    try:
        api = Api(data, out)
        fc = plots(data)
        expect(len(fc) == 60, len(fc))
        mu = sum(f["properties"]["area_mu"] for f in fc)
        expect(11000 <= mu <= 13000, mu)
        odd = 0
        for f in fc:
            lon0, lat0, bearing, width, length = f["properties"]["attributes"]["strip"]
            expect(length / width >= 3, (f["properties"]["code"], width, length))
            ring = f["geometry"]["coordinates"][0]
            odd += len(ring) != 5
            # not squared to the meridian: the pattern turns 20 degrees
            expect(abs(ring[0][0] - ring[-2][0]) > 1e-4, ring)
        expect(odd >= 5, odd)
        status, features = api.get("/api/v1/sites/base/features")
        expect(status == 200 and features["type"] == "FeatureCollection", features)
        kinds = [f["properties"]["kind"] for f in features["features"]]
        expect(kinds.count("canal") >= 4 and kinds.count("road") >= 3 and
               kinds.count("shelterbelt") >= 4, kinds)
        for f in features["features"]:
            expect(f["geometry"]["type"] == "LineString", f)
            expect(f["properties"]["width_m"] > 0, f)
            for lon, lat in f["geometry"]["coordinates"]:
                expect(86.1 < lon < 86.3 and 44.2 < lat < 44.4, (lon, lat))
        status, err = api.get("/api/v1/sites/nowhere/features")
        expect(status == 404, (status, err))
    finally:
        expect(stop(p) == 0)


run()

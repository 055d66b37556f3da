"""One clock: days of the site's time zone whatever the server's TZ.

Buckets of a day or more on /api/v1/query (tz=, default the default site's
zone, Asia/Shanghai), "today" on the overview, and the site's facts (the
county's figures) on the overview.  The same answers from servers run under
TZ=UTC and TZ=America/New_York, at fixed instants.
"""
import json
import os

from harness import Server, expect, expect_error, oasis, run, test

H = 3600000
# 2026-07-19T00:00+08:00 .. 2026-07-22T00:00+08:00
SH = [1784390400000 + i * 24 * H for i in range(4)]
# New York local midnights of 2026-03-07 .. 03-10 (03-08 is 23 h long)
NY = [1772859600000, 1772946000000, 1773028800000, 1773115200000]

servers = {}


def server(zone):
    if zone not in servers:
        old = os.environ.get("TZ")
        os.environ["TZ"] = zone
        try:
            s = Server().start()
        finally:
            if old is None:
                del os.environ["TZ"]
            else:
                os.environ["TZ"] = old
        for dev in ("ws-1", "ws-2"):
            r = s.post("/api/v1/devices", body={"id": dev,
                                                "kind": "weather_station"},
                       token=s.admin_token)
            expect(r.status == 201, r)
        items = []
        for t in range(SH[0] - 6 * H, SH[3], H):
            items.append('{"device":"ws-1","ts":%d,"values":{"air_temp":1}}'
                         % t)
        for t in range(NY[0], NY[3], H):
            items.append('{"device":"ws-2","ts":%d,"values":{"air_temp":1}}'
                         % t)
        r = s.post("/api/v1/telemetry", body="\n".join(items),
                   token=s.admin_token)
        expect(r.status == 204, r)
        servers[zone] = s
    return servers[zone]


def buckets(s, query):
    r = s.get("/api/v1/query?" + query, token=s.admin_token)
    expect(r.status == 200, r)
    return [(v[0], v[1]) for v in r.json()["values"]]


def both(query):
    a = buckets(server("UTC"), query)
    b = buckets(server("America/New_York"), query)
    expect(a == b, (query, a, b))
    return a


@test
def day_buckets_are_shanghai_days_by_default():
    got = both("series=ws-1/air_temp&from=%d&to=%d&step=1d&agg=count"
               % (SH[0], SH[3] - 1))
    expect(got == [(SH[0], 24), (SH[1], 24), (SH[2], 24)], got)
    # a range starting mid-day: the first bucket is that day's start
    got = both("series=ws-1/air_temp&from=%d&to=%d&step=1d&agg=count"
               % (SH[0] - 6 * H, SH[1] - 1))
    expect(got == [(SH[0] - 24 * H, 6), (SH[0], 24)], got)
    got = both("series=ws-1/air_temp&from=%d&to=%d&step=2d&agg=count"
               % (SH[0], SH[3] - 1))
    expect([b[0] for b in got] in ([SH[0], SH[2]], [SH[0] - 24 * H, SH[1]]),
           got)
    expect(sum(b[1] for b in got) == 72, got)


@test
def tz_names_a_zone_and_its_daylight_saving():
    got = both("series=ws-2/air_temp&from=%d&to=%d&step=1d&agg=count"
               "&tz=America/New_York" % (NY[0], NY[3] - 1))
    expect(got == [(NY[0], 24), (NY[1], 23), (NY[2], 24)], got)
    got = both("series=ws-1/air_temp&from=%d&to=%d&step=1d&agg=count&tz=Z"
               % (SH[0], SH[3] - 1))
    expect([b[0] % (24 * H) for b in got] == [0, 0, 0, 0], got)
    got = both("series=ws-1/air_temp&from=%d&to=%d&step=1d&agg=count"
               "&tz=%%2B08:00" % (SH[0], SH[3] - 1))
    expect(got == [(SH[0], 24), (SH[1], 24), (SH[2], 24)], got)
    # steps under a day keep their UTC multiples
    got = both("series=ws-1/air_temp&from=%d&to=%d&step=1h&agg=count"
               "&tz=America/New_York" % (SH[0], SH[0] + 2 * H - 1))
    expect(got == [(SH[0], 1), (SH[0] + H, 1)], got)
    s = server("UTC")
    for bad in ("Mars/Olympus", "..%2Fetc", "%2B99:00"):
        r = s.get("/api/v1/query?series=ws-1/air_temp&step=1d&tz=" + bad,
                  token=s.admin_token)
        expect_error(r, 400, "invalid", contains="tz")


@test
def the_overview_shows_the_site_zone_and_the_county():
    for zone in ("UTC", "America/New_York"):
        s = server(zone)
        oasis("sites", "set", "base", "--fact", "county=玛纳斯县",
              "--fact", "county_mu=1100000", "--fact", "digital_mu=650000",
              "--fact", "base_mu=12000", data=s.data)
        r = s.get("/api/v1/overview", token=s.admin_token)
        expect(r.status == 200, r)
        ov = r.json()
        expect(ov["day"]["tz"] == "Asia/Shanghai", ov["day"])
        expect(ov["day"]["tz_offset_min"] == 480, ov["day"])
        expect(ov["day"]["start"].endswith("T16:00:00.000Z"), ov["day"])
        site = ov["site"]
        expect(site["code"] == "base" and site["tz"] == "Asia/Shanghai", site)
        expect(site["facts"] == {"county": "玛纳斯县", "county_mu": 1100000,
                                 "digital_mu": 650000, "base_mu": 12000},
               site)
        ny = s.get("/api/v1/overview?tz=America/New_York",
                   token=s.admin_token).json()["day"]
        expect(ny["tz"] == "America/New_York"
               and ny["tz_offset_min"] in (-300, -240), ny)


@test
def the_water_balance_counts_the_sites_days():
    # 14 hourly readings from 2026-07-20T00:00+08:00: a complete Shanghai
    # day (12 needed), but 8 on the 19th and 6 on the 20th as UTC days
    s = server("America/New_York")
    ring = [[86.2, 44.3], [86.203, 44.3], [86.203, 44.302], [86.2, 44.302],
            [86.2, 44.3]]
    fc = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {"code": "W1", "crop": "cotton",
                       "sowing_date": "2026-07-18", "field_capacity": 0.30,
                       "wilting_point": 0.12}}]}
    path = os.path.join(s.dir, "w.geojson")
    with open(path, "w") as f:
        json.dump(fc, f)
    oasis("plots", "import", path, data=s.data)
    oasis("devices", "add", "ws-w", "--kind", "weather_station", "--plot", "W1",
          "--location", "86.201,44.301", data=s.data)
    items = ['{"device":"ws-w","ts":%d,"values":{"air_temp":%d,"rh":40,'
             '"wind_speed":2,"solar_rad":400,"rain":0}}' % (SH[1] + h * H,
                                                            20 + h)
             for h in range(14)]
    r = s.post("/api/v1/telemetry", body="\n".join(items), token=s.admin_token)
    expect(r.status == 204, r)

    def day(query):
        r = s.get("/api/v1/plots/W1/water?from=2026-07-20&to=2026-07-20" + query,
                  token=s.admin_token)
        expect(r.status == 200, r)
        return r.json()["days"][-1]

    sh = day("")
    expect(sh["date"] == "2026-07-20" and sh["weather_complete"] is True, sh)
    utc = day("&tz=Z")
    expect(utc["date"] == "2026-07-20" and utc["weather_complete"] is False, utc)


if __name__ == "__main__":
    try:
        run()
    finally:
        for srv in servers.values():
            srv.close()

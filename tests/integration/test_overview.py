"""GET /api/v1/overview: the big screen's summary of the base."""
import json
import time

from harness import Server, expect, expect_error, run, test

srv = None
NOW = int(time.time() * 1000)


def server():
    global srv
    if srv is None:
        srv = Server().start()
    return srv


def plot(code, crop, lon):
    return {"type": "Feature", "properties": {"code": code, "crop": crop},
            "geometry": {"type": "Polygon", "coordinates": [[
                [lon, 44.28], [lon + 0.004, 44.28], [lon + 0.004, 44.283],
                [lon, 44.283], [lon, 44.28]]]}}


def overview(**kw):
    r = server().get("/api/v1/overview" + kw.pop("query", ""),
                     token=kw.pop("token", server().admin_token))
    expect(r.status == 200, r)
    return r.json()


def telemetry(items):
    r = server().post("/api/v1/telemetry",
                      body="\n".join(json.dumps(i) for i in items),
                      token=server().admin_token)
    expect(r.status == 204, r)


@test
def needs_a_credential():
    expect_error(server().get("/api/v1/overview"), 401)


@test
def an_empty_store_says_what_it_lacks():
    ov = overview()
    expect(ov["plots"] == {"count": 0, "area_mu": 0.0, "area_ha": 0.0,
                           "crops": []}, ov["plots"])
    expect(ov["devices"] == {"count": 0, "by_kind": {}}, ov["devices"])
    expect(ov["weather"]["available"] is False)
    expect(ov["weather"]["current"]["air_temp"] is None)
    expect(ov["weather"]["et0_today"] == {"available": False, "mm": None})
    expect(ov["soil_moisture"]["available"] is False)
    for name in ("irrigation", "imagery", "machinery"):
        expect(ov[name]["available"] is False, name)
    expect(ov["machinery"] == {"available": False, "machines": 0,
                               "working": None, "positions": []})
    expect(ov["alerts"] == {"available": True, "open": 0, "items": [],
                            "more": False}, ov["alerts"])


@test
def plots_and_devices_are_counted():
    s = server()
    fc = {"type": "FeatureCollection", "features": [
        plot("P1", "cotton", 86.18), plot("P2", "cotton", 86.19),
        plot("P3", "maize", 86.20)]}
    r = s.post("/api/v1/plots", body=json.dumps(fc), token=s.admin_token)
    expect(r.status == 201, r)
    for dev, kind, p in (("ws-a", "weather_station", "P1"),
                         ("ws-b", "weather_station", "P3"),
                         ("ws-old", "weather_station", None),
                         ("sp-1", "soil_probe", "P1"),
                         ("sp-2", "soil_probe", "P1"),
                         ("sp-3", "soil_probe", "P2"),
                         ("vl-1", "valve", "P1")):
        body = {"id": dev, "kind": kind}
        if p:
            body["plot"] = p
        expect(s.post("/api/v1/devices", body=body,
                      token=s.admin_token).status == 201)
    ov = overview()
    listed = s.get("/api/v1/plots", token=s.admin_token).json()["features"]
    area = sum(f["properties"]["area_mu"] for f in listed)
    expect(ov["plots"]["count"] == 3)
    # the list rounds each area to 0.001 mu
    expect(abs(ov["plots"]["area_mu"] - area) < 0.002 * 3, (ov["plots"], area))
    crops = {c["crop"]: c for c in ov["plots"]["crops"]}
    expect(crops["cotton"]["plots"] == 2 and crops["maize"]["plots"] == 1)
    expect(ov["devices"]["count"] == 7)
    expect(ov["devices"]["by_kind"] == {"weather_station": 3,
                                        "soil_probe": 3, "valve": 1},
           ov["devices"])


@test
def current_weather_is_the_fresh_stations_mean():
    telemetry([
        {"device": "ws-a", "ts": NOW - 60000,
         "values": {"air_temp": 20.0, "rh": 40, "wind_speed": 2.0,
                    "wind_dir": 350}},
        {"device": "ws-b", "ts": NOW - 120000,
         "values": {"air_temp": 24.0, "rh": 50, "wind_speed": 4.0,
                    "wind_dir": 10}},
        # five hours old: not reporting
        {"device": "ws-old", "ts": NOW - 5 * 3600000,
         "values": {"air_temp": -10.0, "rh": 90}},
    ])
    w = overview()["weather"]
    expect(w["available"] is True and w["stations"] == 3 and
           w["reporting"] == 2, w)
    t = w["current"]["air_temp"]
    expect(t["value"] == 22.0 and t["min"] == 20.0 and t["max"] == 24.0 and
           t["n"] == 2 and t["unit"] == "°C", t)
    d = w["current"]["wind_dir"]["value"]
    expect(min(d, 360 - d) < 1e-6, "350° and 10° average to north, not %r" % d)
    rose = w["wind_rose"]
    expect(rose["samples"] == 2, rose)
    # both readings lie in the north sector; 2 m/s and 4 m/s classes
    expect(rose["counts"][0] == [0, 1, 1, 0, 0], rose["counts"][0])
    expect(sum(map(sum, rose["counts"])) == 2)


@test
def soil_moisture_by_depth_and_plot():
    telemetry([
        {"device": "sp-1", "ts": NOW, "values": {"moisture_10cm": 20.0,
                                                 "moisture_20cm": 30.0}},
        {"device": "sp-2", "ts": NOW, "values": {"moisture_10cm": 10.0}},
        {"device": "sp-3", "ts": NOW - 4 * 3600000,
         "values": {"moisture_10cm": 99.0}},
    ])
    sm = overview()["soil_moisture"]
    expect(sm["available"] is True and sm["probes"] == 3 and
           sm["reporting"] == 2, sm)
    expect(sm["mean"]["value"] == 20.0 and sm["mean"]["n"] == 3, sm["mean"])
    depths = {d["metric"]: d for d in sm["depths"]}
    expect(depths["moisture_10cm"]["value"] == 15.0, depths)
    expect(depths["moisture_20cm"]["value"] == 30.0, depths)
    expect(sm["plots"] == {"P1": 20.0}, sm["plots"])


@test
def et0_sums_the_hours_so_far_today():
    s = server()
    ov = overview(query="?tz=Z")
    day_start = ov["day"]["start"]
    expect(day_start.endswith("T00:00:00.000Z"), day_start)
    start_ms = NOW - NOW % 86400000
    hours = (NOW - start_ms) // 3600000
    if hours < 2:
        return  # too early in the UTC day for whole hours to check
    items = []
    for h in range(hours):
        ts = start_ms + h * 3600000 + 1800000
        items.append({"device": "ws-a", "ts": ts, "values": {
            "air_temp": 25.0, "rh": 40, "wind_speed": 2.0,
            "solar_rad": 500.0, "pressure": 1013.0}})
    telemetry(items)
    et0 = overview(query="?tz=Z")["weather"]["et0_today"]
    expect(et0["available"] is True and et0["hours"] == hours, et0)
    # 0.03-0.9 mm an hour in these conditions (FAO-56 Example 19 gives
    # 0.63 mm/h at noon with 2.45 MJ/m2/h); a day's total stays plausible
    expect(0.02 * hours < et0["mm"] < 1.0 * hours, et0)
    r = s.get("/api/v1/overview?tz=banana", token=s.admin_token)
    expect_error(r, 400, "invalid", contains="tz")
    r = s.get("/api/v1/overview?tz=%2B05:30", token=s.admin_token)
    expect(r.status == 200 and r.json()["day"]["tz_offset_min"] == 330, r)


@test
def machines_report_where_they_are():
    s = server()
    for dev, kind in (("trac-1", "tractor"), ("trac-2", "tractor"),
                      ("uav-1", "drone")):
        expect(s.post("/api/v1/devices", body={"id": dev, "kind": kind},
                      token=s.admin_token).status == 201)
    m = overview()["machinery"]
    expect(m == {"available": False, "machines": 3, "working": None,
                 "positions": []}, m)
    telemetry([
        {"device": "trac-1", "ts": NOW, "values": {
            "latitude": 44.281, "longitude": 86.182, "heading": 90,
            "speed": 2.5, "working": 1}},
        {"device": "trac-2", "ts": NOW, "values": {
            "latitude": 44.282, "longitude": 86.183, "working": 0}},
        # a position from yesterday is not where the drone is now
        {"device": "uav-1", "ts": NOW - 86400000, "values": {
            "latitude": 44.283, "longitude": 86.184}},
    ])
    m = overview()["machinery"]
    expect(m["available"] is True and m["machines"] == 3 and
           m["working"] == 1, m)
    pos = {p["device"]: p for p in m["positions"]}
    expect(set(pos) == {"trac-1", "trac-2"}, pos)
    expect(pos["trac-1"] == {"device": "trac-1", "kind": "tractor", "ts": NOW,
                             "position": [86.182, 44.281], "heading": 90.0,
                             "speed": 2.5, "working": True}, pos["trac-1"])
    expect(pos["trac-2"]["heading"] is None and
           pos["trac-2"]["working"] is False, pos["trac-2"])


@test
def water_metered_today_by_the_flow_meters():
    s = server()
    for dev in ("fm-1", "fm-2"):
        expect(s.post("/api/v1/devices", body={"id": dev, "kind": "flow_meter"},
                      token=s.admin_token).status == 201)
    irr = overview()["irrigation"]
    expect(irr["available"] is True and irr["done_m3"] == 0 and
           irr["meters"] == 2 and irr["meters_metering"] == 0, irr)
    # today is the civil day at +08:00
    day = 86400000
    start = (NOW + 8 * 3600000) // day * day - 8 * 3600000
    telemetry([
        # the counter stood at 100 before the day, 110 now: 10 m3
        {"device": "fm-1", "ts": start - 3600000, "values": {"volume": 100}},
        {"device": "fm-1", "ts": start + 1000, "values": {"volume": 103.5}},
        {"device": "fm-1", "ts": start + 2000, "values": {"volume": 110}},
        # a new meter: counted from its first reading of the day
        {"device": "fm-2", "ts": start + 1000, "values": {"volume": 50}},
        {"device": "fm-2", "ts": start + 2000, "values": {"volume": 52.5}},
    ])
    irr = overview()["irrigation"]
    expect(abs(irr["done_m3"] - 12.5) < 1e-9 and irr["meters_metering"] == 2,
           irr)


@test
def a_viewer_may_read_it():
    viewer = server().token("viewer", "overview-viewer")
    expect(overview(token=viewer)["plots"]["count"] == 3)


if __name__ == "__main__":
    try:
        run()
    finally:
        if srv:
            srv.close()

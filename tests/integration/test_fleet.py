"""Machinery and cameras end to end: NMEA over HTTP and MQTT into the
machine's series; equipment; machines and tracks; a plot's operations
whose worked area matches the same geometry computed independently with
OGR (GEOS) in Python; camera snapshots: type and size checks, retention,
the latest one back byte for byte."""
import json
import time
from functools import reduce

from osgeo import gdal, ogr, osr

from harness import Broker, Server, expect, expect_error, run, test, wait_for

DAY = 86400000
TODAY = int(time.time() * 1000) // DAY * DAY
YESTERDAY = TODAY - DAY
LON0, LAT0 = 86.2, 44.3
F2_RING = [[LON0, LAT0 + 0.003], [LON0 + 0.004, LAT0 + 0.003],
           [LON0 + 0.004, LAT0 + 0.006], [LON0, LAT0 + 0.006], [LON0, LAT0 + 0.003]]
srv = None
broker = None
tokens = {}


def setup():
    global srv, broker
    if srv is None:
        broker = Broker().start()
        srv = Server(extra_args=["--mqtt", broker.url, "--mqtt-client-id",
                                 "oasis-fleet-test"]).start()
        plot = {"type": "FeatureCollection", "features": [{
            "type": "Feature", "properties": {"code": "F1", "crop": "cotton"},
            "geometry": {"type": "Polygon", "coordinates": [[
                [LON0, LAT0], [LON0 + 0.004, LAT0], [LON0 + 0.004, LAT0 + 0.003],
                [LON0, LAT0 + 0.003], [LON0, LAT0]]]}},
            {"type": "Feature", "properties": {"code": "F2", "crop": "cotton"},
             "geometry": {"type": "Polygon", "coordinates": [F2_RING]}}]}
        r = srv.post("/api/v1/plots", body=plot, token=srv.admin_token)
        expect(r.status in (200, 201), r)
        for dev, kind, p in (("trac-1", "tractor", None), ("uav-1", "drone", None),
                             ("cam-1", "camera", "F1"), ("cam-2", "camera", "F1"),
                             ("sp-1", "soil_probe", "F1")):
            body = {"id": dev, "kind": kind}
            if p:
                body["plot"] = p
            r = srv.post("/api/v1/devices", body=body, token=srv.admin_token)
            expect(r.status == 201, r)
            tokens[dev] = r.json()["token"]
        tokens["viewer"] = srv.token("viewer", "wall")
        wait_for(lambda: "mqtt: connected" in srv.server_log())
    return srv


def sentence(body):
    return "$%s*%02X" % (body, reduce(lambda a, c: a ^ ord(c), body, 0))


def ddmm(v, lon):
    d = int(abs(v))
    m = (abs(v) - d) * 60
    return ("%03d%09.6f" if lon else "%02d%09.6f") % (d, m)


def rmc(ms, lon, lat, knots=5.0, course=90.0, talker="GN"):
    t = time.gmtime(ms / 1000)
    return sentence("%sRMC,%s.%02d,A,%s,%s,%s,%s,%.2f,%.1f,%s,,,A" % (
        talker, time.strftime("%H%M%S", t), ms % 1000 // 10,
        ddmm(lat, False), "N" if lat >= 0 else "S", ddmm(lon, True),
        "E" if lon >= 0 else "W", knots, course, time.strftime("%d%m%y", t)))


def gga(ms, lon, lat, talker="GB"):
    t = time.gmtime(ms / 1000)
    return sentence("%sGGA,%s.%02d,%s,N,%s,E,4,12,0.8,512.3,M,-20.1,M,1.0,0001" % (
        talker, time.strftime("%H%M%S", t), ms % 1000 // 10, ddmm(lat, False),
        ddmm(lon, True)))


def series(s, name, frm, to):
    r = s.get("/api/v1/query?series=%s&from=%d&to=%d" % (name, frm, to),
              token=s.admin_token)
    return r.json()["values"] if r.status == 200 else []


@test
def nmea_over_http_becomes_the_machines_series():
    s = setup()
    t0 = TODAY + 3 * 3600000
    text = "\r\n".join([gga(t0, LON0 + 0.001, LAT0 + 0.001),
                        rmc(t0, LON0 + 0.001, LAT0 + 0.001, knots=3.0, course=45.0),
                        "$GPGSV,1,1,00*79",
                        rmc(t0 + 1000, LON0 + 0.0011, LAT0 + 0.0011)]) + "\r\n"
    r = s.post("/api/v1/devices/trac-1/nmea", body=text, token=tokens["trac-1"],
               headers={"Content-Type": "text/plain"})
    expect(r.status == 200, r)
    expect(r.json() == {"sentences": 4, "skipped": 1, "fixes": 2, "points": 8},
           r.json())
    lat = series(s, "trac-1/latitude", t0, t0 + 1000)
    expect(len(lat) == 2 and abs(lat[0][1] - (LAT0 + 0.001)) < 1e-7, lat)
    speed = series(s, "trac-1/speed", t0, t0)
    expect(abs(speed[0][1] - 3.0 * 1852 / 3600) < 1e-9, speed)


@test
def a_bad_sentence_refuses_the_whole_body_naming_its_line():
    s = setup()
    t0 = TODAY + 4 * 3600000
    good = rmc(t0, LON0, LAT0)
    bad = good[:-2] + ("00" if good[-2:] != "00" else "01")
    r = s.post("/api/v1/devices/trac-1/nmea", body=good + "\n" + bad + "\n",
               token=tokens["trac-1"])
    expect_error(r, 400, "invalid", "line 2: checksum")
    expect(series(s, "trac-1/latitude", t0, t0) == [], "nothing stored")
    r = s.post("/api/v1/devices/trac-1/nmea", body="$GPGGA,1*\n",
               token=tokens["trac-1"])
    expect_error(r, 400, "invalid", "line 1")
    # another device's token, a viewer
    r = s.post("/api/v1/devices/trac-1/nmea", body=good, token=tokens["uav-1"])
    expect(r.status == 403, r)
    r = s.post("/api/v1/devices/trac-1/nmea", body=good, token=tokens["viewer"])
    expect(r.status == 403, r)


@test
def nmea_over_mqtt():
    s = setup()
    t0 = TODAY + 5 * 3600000
    broker.publish("oasis/uav-1/nmea", rmc(t0, LON0 + 0.002, LAT0 + 0.002,
                                           talker="BD"))
    got = wait_for(lambda: series(s, "uav-1/longitude", t0, t0))
    expect(abs(got[0][1] - (LON0 + 0.002)) < 1e-7, got)
    broker.publish("oasis/uav-1/nmea", "$GPRMC,garbage*00")
    wait_for(lambda: "oasis/uav-1/nmea refused" in s.server_log())


@test
def equipment_is_checked():
    s = setup()
    put = lambda dev, body, tok=None: s.request(
        "PUT", "/api/v1/devices/%s/equipment" % dev, body=body,
        token=tok or s.admin_token)
    expect_error(put("trac-1", {"implement": "teleporter"}), 400, "invalid",
                 "implement")
    expect_error(put("trac-1", {"swath_m": 0}), 400, "invalid", "swath_m")
    expect_error(put("trac-1", {"swath": 5}), 400, "invalid", "unknown field")
    expect_error(put("cam-1", {"stream_url": "javascript:alert(1)"}), 400,
                 "invalid", "stream_url")
    expect_error(put("trac-1", {"stream_url": "rtsp://x/y"}), 400, "invalid",
                 "not a camera")
    expect_error(put("ghost", {"swath_m": 3}), 404)
    expect(put("trac-1", {"swath_m": 3}, tokens["viewer"]).status == 403, "role")
    r = put("trac-1", {"implement": "seeder", "swath_m": 8})
    expect(r.status == 200 and r.json()["implement"] == "seeder", r)
    r = put("cam-1", {"stream_url": "rtsp://192.0.2.10:554/live/ch1"})
    expect(r.status == 200, r)


# The synthetic day: passes north and south along columns 4 m apart (8 m
# swath: every pass overlaps its neighbours by half), a pass that leaves the
# plot to the north, and a run with the implement raised (not counted).
def synthetic_track():
    pts = []
    t = YESTERDAY + 3 * 3600000
    m_lon = 111320.0 * 0.7157  # metres per degree of longitude near 44.3 N
    for k in range(6):
        lon = LON0 + (20 + 4 * k) / m_lon
        lats = [LAT0 + 0.0005 + i * 0.00001 for i in range(150)]
        if k % 2:
            lats.reverse()
        if k == 5:
            lats = [LAT0 + 0.0005 + i * 0.00002 for i in range(200)]  # leaves
        for lat in lats:
            pts.append((t, lon, lat, 1))
            t += 1000
        t += 20000
    for i in range(100):  # raised implement: moving, not working
        pts.append((t, LON0 + 0.003, LAT0 + 0.0005 + i * 0.00001, 0))
        t += 1000
    return pts


def reference_area(pts, swath, plot_ring):
    """Buffer the working runs and cut them by the plot, all with OGR, in a
    Lambert azimuthal equal-area projection centred on the plot."""
    wgs = osr.SpatialReference()
    wgs.ImportFromEPSG(4326)
    wgs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    laea = osr.SpatialReference()
    laea.ImportFromProj4("+proj=laea +lat_0=%f +lon_0=%f +ellps=WGS84 +units=m"
                         % (LAT0 + 0.0015, LON0 + 0.002))
    laea.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ct = osr.CoordinateTransformation(wgs, laea)
    lines = ogr.Geometry(ogr.wkbMultiLineString)
    run, prev = [], None
    for t, lon, lat, w in pts + [(None, None, None, 0)]:
        if w and prev is not None and t - prev <= 300000:
            run.append((lon, lat))
        else:
            if len(run) > 1:
                line = ogr.Geometry(ogr.wkbLineString)
                for p in run:
                    line.AddPoint_2D(*p)
                lines.AddGeometry(line)
            run = [(lon, lat)] if w else []
        prev = t if w else None
    lines.Transform(ct)
    cover = lines.Buffer(swath / 2, 8)
    ring = ogr.Geometry(ogr.wkbLinearRing)
    for p in plot_ring:
        ring.AddPoint_2D(*p)
    poly = ogr.Geometry(ogr.wkbPolygon)
    poly.AddGeometry(ring)
    poly.Transform(ct)
    return cover.Intersection(poly).Area(), poly.Area()


@test
def operations_match_ogr_on_a_synthetic_day():
    s = setup()
    s.request("PUT", "/api/v1/devices/trac-1/equipment", token=s.admin_token,
              body={"implement": "seeder", "swath_m": 8})
    pts = synthetic_track()
    body = [{"device": "trac-1", "ts": t, "values": {
        "longitude": lon, "latitude": lat, "working": w,
        "speed": 2.0}} for t, lon, lat, w in pts]
    r = s.post("/api/v1/telemetry", body=body, token=tokens["trac-1"])
    expect(r.status == 204, r)
    r = s.get("/api/v1/plots/F1/operations?from=%d&to=%d" % (YESTERDAY, YESTERDAY),
              token=tokens["viewer"])
    expect(r.status == 200, r)
    ops = r.json()["operations"]
    expect(len(ops) == 1, ops)
    op = ops[0]
    ring = [(LON0, LAT0), (LON0 + 0.004, LAT0), (LON0 + 0.004, LAT0 + 0.003),
            (LON0, LAT0 + 0.003), (LON0, LAT0)]
    want, plot_m2 = reference_area(pts, 8.0, ring)
    expect(abs(op["worked_m2"] - want) <= 1e-3 * want,
           "worked %.1f m2, OGR says %.1f" % (op["worked_m2"], want))
    expect(abs(op["share"] - want / plot_m2) < 1e-3, (op["share"], want / plot_m2))
    expect(op["operation"] == "sowing" and op["implement"] == "seeder", op)
    expect(op["machine"] == "trac-1" and op["swath_m"] == 8, op)
    expect(op["start"].startswith(time.strftime("%Y-%m-%dT03:00:00",
                                                time.gmtime(YESTERDAY / 1000))), op)
    # the whole track of that day, for playback
    day = time.strftime("%Y-%m-%d", time.gmtime(YESTERDAY / 1000))
    r = s.get("/api/v1/machines/trac-1/track?date=" + day, token=tokens["viewer"])
    expect(r.status == 200, r)
    tr = r.json()
    expect(len(tr["points"]) == len(pts), len(tr["points"]))
    expect(tr["columns"] == ["ts", "lon", "lat", "speed", "heading", "working"], tr)
    expect(tr["points"][0][0] == pts[0][0] and tr["points"][-1][5] == 0, tr["points"][-1])
    # a trail: a window of at most a day (from=T&to=T, or from=-1h)
    t0, t1 = pts[0][0], pts[len(pts) // 2][0]
    r = s.get("/api/v1/machines/trac-1/track?from=%d&to=%d" % (t0, t1),
              token=tokens["viewer"])
    expect(r.status == 200, r)
    got = [p[0] for p in r.json()["points"]]
    expect(got == [p[0] for p in pts if t0 <= p[0] < t1], (len(got), t0, t1))
    for bad in ("from=%d&to=%d" % (t1, t0), "from=%d&to=%d" % (t0, t0 + 2 * DAY),
                "from=-1h&date=" + day, "from=yesterday"):
        expect(s.get("/api/v1/machines/trac-1/track?" + bad,
                     token=tokens["viewer"]).status == 400, bad)
    # machines: the newest state
    r = s.get("/api/v1/machines", token=tokens["viewer"])
    ms = {m["id"]: m for m in r.json()["machines"]}
    expect(set(ms) == {"trac-1", "uav-1"}, ms.keys())
    expect(ms["trac-1"]["operation"] == "sowing" and ms["trac-1"]["position"], ms)
    expect(ms["uav-1"]["operation"] == "spraying" and ms["uav-1"]["swath_m"] == 6, ms)
    # the whole base that day: the pass leaving F1 works F2 too
    r = s.get("/api/v1/operations?from=%s&to=%s" % (day, day), token=tokens["viewer"])
    expect(r.status == 200, r)
    by_plot = {o["plot"]: o for o in r.json()["operations"]}
    expect(set(by_plot) == {"F1", "F2"}, by_plot)
    expect(by_plot["F1"]["worked_m2"] == op["worked_m2"], (by_plot["F1"], op))
    want2, _ = reference_area(pts, 8.0, [tuple(p) for p in F2_RING])
    expect(abs(by_plot["F2"]["worked_m2"] - want2) <= 1e-3 * want2,
           "F2 worked %.1f m2, OGR says %.1f" % (by_plot["F2"]["worked_m2"], want2))
    # a day without work, an unknown plot
    r = s.get("/api/v1/plots/F1/operations?from=%d&to=%d" % (TODAY - 5 * DAY,
              TODAY - 3 * DAY), token=tokens["viewer"])
    expect(r.status == 200 and r.json()["operations"] == [], r)
    expect(s.get("/api/v1/plots/NOPE/operations", token=tokens["viewer"]).status
           == 404, "unknown plot")


def jpeg_bytes(w=16, h=8):
    ds = gdal.GetDriverByName("MEM").Create("", w, h, 3)
    for b in range(3):
        ds.GetRasterBand(b + 1).Fill(40 * (b + 1))
    gdal.GetDriverByName("JPEG").CreateCopy("/vsimem/snap.jpg", ds)
    f = gdal.VSIFOpenL("/vsimem/snap.jpg", "rb")
    gdal.VSIFSeekL(f, 0, 2)
    n = gdal.VSIFTellL(f)
    gdal.VSIFSeekL(f, 0, 0)
    data = gdal.VSIFReadL(1, n, f)
    gdal.VSIFCloseL(f)
    gdal.Unlink("/vsimem/snap.jpg")
    return bytes(data)


def png_bytes():
    ds = gdal.GetDriverByName("MEM").Create("", 4, 4, 1)
    gdal.GetDriverByName("PNG").CreateCopy("/vsimem/snap.png", ds)
    f = gdal.VSIFOpenL("/vsimem/snap.png", "rb")
    data = gdal.VSIFReadL(1, 1 << 20, f)
    gdal.VSIFCloseL(f)
    gdal.Unlink("/vsimem/snap.png")
    return bytes(data)


def snap(s, dev, data, tok, ctype="image/jpeg"):
    return s.request("POST", "/api/v1/devices/%s/snapshot" % dev, body=data,
                     token=tok, headers={"Content-Type": ctype})


@test
def snapshots_are_checked_kept_and_served():
    s = setup()
    jpg = jpeg_bytes()
    r = snap(s, "cam-1", jpg, tokens["cam-1"])
    expect(r.status == 201, r)
    expect(r.json()["width"] == 16 and r.json()["height"] == 8, r)
    r = s.get("/api/v1/devices/cam-1/snapshot", token=tokens["viewer"], raw=True)
    expect(r.status == 200 and r.body == jpg, r.status)
    expect(r.header("Content-Type") == "image/jpeg", r.headers)
    # not a JPEG: a PNG, JPEG magic then HTML, a truncated JPEG, a polyglot
    for bad in (png_bytes(), b"\xff\xd8\xff\xe0<html><script>", jpg[:len(jpg) // 2],
                jpg + b"PK\x03\x04 a zip"):
        expect_error(snap(s, "cam-1", bad, tokens["cam-1"]), 415, "unsupported",
                     "not a JPEG")
    expect_error(snap(s, "cam-1", jpg, tokens["cam-1"], "text/html"), 415)
    # over the size limit (4 MiB)
    expect_error(snap(s, "cam-1", b"\xff\xd8" + b"\0" * (4 << 20), tokens["cam-1"]),
                 413, "too_large")
    # another camera's token, a non-camera, a viewer
    expect(snap(s, "cam-1", jpg, tokens["cam-2"]).status == 403, "other camera")
    expect_error(snap(s, "sp-1", jpg, tokens["sp-1"]), 400, "invalid", "not a camera")
    expect(snap(s, "cam-1", jpg, tokens["viewer"]).status == 403, "viewer")
    # retention: the newest 20 are kept
    for i in range(24):
        expect(snap(s, "cam-2", jpeg_bytes(8 + i, 8), tokens["cam-2"]).status == 201,
               "upload %d" % i)
    lst = s.get("/api/v1/devices/cam-2/snapshots", token=tokens["viewer"]).json()
    expect(len(lst["snapshots"]) == 20 and lst["keep"] == 20, lst)
    expect(lst["snapshots"][0]["width"] == 8 + 23, lst["snapshots"][0])
    r = s.get("/api/v1/devices/cam-2/snapshot", token=tokens["viewer"], raw=True)
    expect(r.body == jpeg_bytes(8 + 23, 8), "the newest")
    oldest = lst["snapshots"][-1]["id"]
    r = s.get("/api/v1/devices/cam-2/snapshot?id=%d" % oldest,
              token=tokens["viewer"], raw=True)
    expect(r.status == 200 and r.body == jpeg_bytes(8 + 4, 8), r.status)
    expect(s.get("/api/v1/devices/cam-2/snapshot?id=%d" % (oldest - 1),
                 token=tokens["viewer"]).status == 404, "trimmed")
    # the plot's cameras
    r = s.get("/api/v1/plots/F1/cameras", token=tokens["viewer"])
    cams = {c["id"]: c for c in r.json()["cameras"]}
    expect(set(cams) == {"cam-1", "cam-2"}, cams)
    expect(cams["cam-1"]["stream_url"] == "rtsp://192.0.2.10:554/live/ch1", cams)
    expect(cams["cam-2"]["snapshot"]["width"] == 31, cams)


run()

"""Imagery end to end: `oasis imagery ingest` and POST /api/v1/imagery on
rasters and plots the test writes itself (GDAL), the catalogue, a plot's
index series (satellite and drone apart) with exact numbers, the anomaly
flags, the pictures, JPEG 2000 bands, and the errors: an unreadable file, a
missing band, a raster without a CRS, an empty registry, a missing store,
roles and size limits over HTTP.

The scene: WGS 84 / UTM 45N, 10 m pixels from (400000, 4950000), 60 x 20
pixels; red 1000, NIR 3000 + 10 * column, except the columns of a plot
made to lag (NIR 1500 + 10 * column).  Six cotton plots sown the same day,
P0..P5, each covering columns 10i+1..10i+8 and rows 5..12 (corners a
quarter pixel inside the grid, so each plot's 64 pixels are known)."""
import atexit
import json
import os
import shutil
import struct
import tempfile

import numpy as np
from osgeo import gdal, osr

import harness
from harness import Server, expect, expect_error, oasis, run, test

gdal.UseExceptions()
X0, Y0, PIX = 400000.0, 4950000.0, 10.0
W, H = 60, 20
DIR = tempfile.mkdtemp(prefix="oasis-imagery-it-")
atexit.register(shutil.rmtree, DIR, True)
T1, T2 = "2026-07-01T05:00:00Z", "2026-07-04T05:00:00Z"


def path(name):
    return os.path.join(DIR, name)


def utm():
    s = osr.SpatialReference()
    s.ImportFromEPSG(32645)
    return s.ExportToWkt()


def write_raster(name, bands, srs=True, dtype=gdal.GDT_UInt16, driver="GTiff",
                 options=(), nodata=0):
    mem = gdal.GetDriverByName("MEM").Create("", W, H, len(bands), dtype)
    mem.SetGeoTransform((X0, PIX, 0, Y0, 0, -PIX))
    if srs:
        mem.SetProjection(utm())
    for i, arr in enumerate(bands, 1):
        b = mem.GetRasterBand(i)
        b.WriteArray(arr)
        if nodata is not None:
            b.SetNoDataValue(nodata)
    gdal.GetDriverByName(driver).CreateCopy(path(name), mem, options=list(options))
    return path(name)


def bands(lagging):
    cols = np.tile(np.arange(W), (H, 1))
    red = np.full((H, W), 1000, dtype=np.uint16)
    nir = 3000 + 10 * cols
    for i in lagging:
        nir[:, 10 * i:10 * i + 10] = 1500 + 10 * cols[:, 10 * i:10 * i + 10]
    return red, nir.astype(np.uint16)


def rect(c0, r0, c1, r1):
    xs = [X0 + c * PIX for c in (c0, c1, c1, c0, c0)]
    ys = [Y0 - r * PIX for r in (r1, r1, r0, r0, r1)]
    return [[x, y] for x, y in zip(xs, ys)]


def write_plots():
    fc = {"type": "FeatureCollection",
          "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32645"}},
          "features": [{"type": "Feature",
                        "properties": {"code": "P%d" % i, "crop": "cotton",
                                       "sowing_date": "2026-04-20"},
                        "geometry": {"type": "Polygon",
                                     "coordinates": [rect(10 * i + 1.25, 5.25,
                                                          10 * i + 9.25, 13.25)]}}
                       for i in range(6)]}
    with open(path("plots.geojson"), "w") as f:
        json.dump(fc, f)
    return path("plots.geojson")


def expected(red, nir, i):
    """The NDVI statistics of plot i, from its 64 pixels."""
    r = red[5:13, 10 * i + 1:10 * i + 9].astype(float)
    n = nir[5:13, 10 * i + 1:10 * i + 9].astype(float)
    v = ((n - r) / (n + r)).ravel()
    return {"count": 64, "valid_fraction": 1.0, "mean": v.mean(), "std": v.std(),
            "min": v.min(), "max": v.max(), "median": np.percentile(v, 50),
            "p10": np.percentile(v, 10), "p90": np.percentile(v, 90)}


PLOTS = write_plots()
RED1, NIR1 = bands([2])
RED2, NIR2 = bands([2, 4])
SCENE1 = write_raster("scene1.tif", [RED1, NIR1])
SCENE2 = write_raster("scene2.tif", [RED2, NIR2])

SRV = Server()
oasis("plots", "import", PLOTS, data=SRV.data)
atexit.register(SRV.close)


def ingest(*args, data=None, check=True):
    return oasis("imagery", "ingest", *args, data=data or SRV.data, check=check)


def stream_events(port, token, query, n):
    """The first n events (type, data) of GET /api/v1/stream + query."""
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/api/v1/stream" + query,
                 headers={"Authorization": "Bearer " + token})
    resp = conn.getresponse()
    events, ev = [], {}
    while len(events) < n:
        line = resp.fp.readline().decode()
        if line == "":
            break
        line = line.rstrip("\n")
        if line == "" and "data" in ev:
            events.append((ev.get("event"), json.loads(ev["data"])))
            ev = {}
        elif line and not line.startswith(":"):
            key, _, value = line.partition(": ")
            ev[key] = value
    conn.close()
    return events


def png_size(body):
    expect(body[:8] == b"\x89PNG\r\n\x1a\n", body[:16])
    expect(body[12:16] == b"IHDR", body[:32])
    return struct.unpack(">II", body[16:24])


@test
def cli_ingest_stores_exact_statistics():
    p = ingest(SCENE1, "--source", "sentinel-2a", "--acquired", T1, "--red", "1",
               "--nir", "2")
    expect(p.stdout.startswith("scene 1: ndvi,savi; 6 of 6 plots seen; 1 anomaly"),
           p.stdout)
    cat = json.loads(oasis("imagery", "list", data=SRV.data).stdout)["scenes"]
    expect(len(cat) == 1, cat)
    s = cat[0]
    expect(s["source"] == "sentinel-2a" and s["kind"] == "satellite", s)
    expect(s["crs"] == "EPSG:32645" and s["indices"] == ["ndvi", "savi"], s)
    expect(s["width"] == W and s["height"] == H and s["file"] == "scene1.tif", s)
    expect(s["cloud_share"] is None and s["footprint"]["type"] == "Polygon", s)
    ring = s["footprint"]["coordinates"][0]
    expect(all(85 < x < 87 and 44 < y < 45 for x, y in ring), ring[:3])
    # --format: JSON stays the default; a table and CSV one line a scene
    same = oasis("imagery", "list", "--format", "json", data=SRV.data).stdout
    expect(json.loads(same)["scenes"] == cat, same[:200])
    table = oasis("imagery", "list", "--format", "table",
                  data=SRV.data).stdout.splitlines()
    expect(table[0].split()[:4] == ["id", "source", "kind", "acquired"], table)
    expect(len(table) == 2 and "sentinel-2a" in table[1] and
           "ndvi,savi" in table[1] and "scene1.tif" in table[1], table)
    rows = oasis("imagery", "list", "--format", "csv",
                 data=SRV.data).stdout.splitlines()
    expect(rows[1].startswith("1,sentinel-2a,satellite,"), rows)
    p = oasis("imagery", "list", "--format", "yaml", data=SRV.data,
              check=False)
    expect(p.returncode == 2 and "--format 'yaml'" in p.stderr, p.stderr)


@test
def errors_are_clear_and_store_nothing():
    garbage = path("garbage.tif")
    with open(garbage, "w") as f:
        f.write("not a raster")
    cases = [
        ([garbage, "--red", "1", "--nir", "2"], "garbage.tif"),
        ([SCENE1, "--red", "1", "--nir", "7"], "--nir asks for band 7"),
        ([write_raster("nocrs.tif", [RED1, NIR1], srs=False), "--red", "1", "--nir", "2"],
         "no CRS"),
        ([SCENE1], "no vegetation index can be computed"),
        ([SCENE1, "--red", "1", "--nir", "2", "--source", "acme"], "satellite or a drone"),
    ]
    for args, words in cases:
        full = args + ([] if "--source" in args else ["--source", "sentinel-2a"])
        p = ingest(*full, "--acquired", T2, check=False)
        expect(p.returncode == 1 and words in p.stderr, (args, p.returncode, p.stderr))
    # an empty registry, a store that is not there
    empty = os.path.join(DIR, "empty")
    oasis("init", data=empty)
    p = ingest(SCENE1, "--source", "s2a", "--acquired", T1, "--red", "1", "--nir", "2",
               data=empty, check=False)
    expect(p.returncode == 1 and "plot registry is empty" in p.stderr, p.stderr)
    p = ingest(SCENE1, "--source", "s2a", "--acquired", T1, data=os.path.join(DIR, "none"),
               check=False)
    expect(p.returncode == 1 and "oasis init" in p.stderr, p.stderr)
    p = ingest(SCENE1, "--source", "s2a", check=False)
    expect(p.returncode == 2 and "--acquired" in p.stderr, p.stderr)
    cat = json.loads(oasis("imagery", "list", data=SRV.data).stdout)["scenes"]
    expect(len(cat) == 1, cat)


@test
def jpeg2000_bands_give_the_same_numbers():
    opts = ["QUALITY=100", "REVERSIBLE=YES"]
    b04 = write_raster("B04.jp2", [RED1], driver="JP2OpenJPEG", options=opts, nodata=None)
    b08 = write_raster("B08.jp2", [NIR1], driver="JP2OpenJPEG", options=opts, nodata=None)
    s = Server()
    oasis("plots", "import", PLOTS, data=s.data)
    ingest("--red", b04, "--nir", b08, "--source", "sentinel-2b", "--acquired", T1,
           data=s.data)
    a = oasis("zonal", "--plots", PLOTS, "--red", b04, "--nir", b08, "--format", "json")
    want = {r["code"]: r for r in json.loads(a.stdout)}
    s.start()
    try:
        for code in ("P0", "P3"):
            doc = s.get("/api/v1/plots/%s/indices?index=ndvi" % code,
                        token=s.admin_token).json()
            got = doc["satellite"][0]
            for k in ("mean", "median", "p10", "p90", "std", "count"):
                expect(abs(got[k] - want[code][k]) < 1e-12, (code, k, got[k], want[code][k]))
            e = expected(RED1, NIR1, int(code[1]))
            expect(abs(got["mean"] - e["mean"]) < 1e-12, (got, e))
    finally:
        s.close()


@test
def classification_band_offset_and_cloud_share():
    """Sentinel-2 L2A since baseline 04.00: DN = 10000 * reflectance + 1000,
    and an SCL band with cloud (9) on rows 5 and 6."""
    scl = np.full((H, W), 4, dtype=np.uint16)
    scl[5:7, :] = 9
    red = RED1.astype(np.uint32) + 1000
    nir = NIR1.astype(np.uint32) + 1000
    l2a = write_raster("l2a.tif", [red.astype(np.uint16), nir.astype(np.uint16), scl])
    s = Server()
    try:
        oasis("plots", "import", PLOTS, data=s.data)
        p = ingest(l2a, "--source", "sentinel-2a", "--acquired", T1, "--red", "1",
                   "--nir", "2", "--scl-band", "3", "--scale", "0.0001", "--offset", "-0.1",
                   data=s.data)
        expect("cloud 10.0%" in p.stdout, p.stdout)
        cat = json.loads(oasis("imagery", "list", data=s.data).stdout)["scenes"]
        expect(abs(cat[0]["cloud_share"] - 0.1) < 1e-12, cat[0])
        s.start()
        doc = s.get("/api/v1/plots/P0/indices", token=s.admin_token).json()
        e = doc["satellite"][0]
        # rows 7..12 of P0 remain: 48 of its 64 pixels, NDVI of the reflectances
        r = RED1[7:13, 1:9].astype(float)
        n = NIR1[7:13, 1:9].astype(float)
        v = (n - r) / (n + r)
        expect(e["count"] == 48 and e["valid_fraction"] == 0.75, e)
        expect(abs(e["mean"] - v.mean()) < 1e-12 and abs(e["p10"] - np.percentile(v, 10)) < 1e-12,
               (e, v.mean()))
    finally:
        s.close()


@test
def http_upload_series_anomalies_and_pictures():
    SRV.start()
    admin, viewer = SRV.admin_token, SRV.token("viewer", "v")
    with open(SCENE2, "rb") as f:
        body = f.read()
    q = "/api/v1/imagery?source=sentinel-2a&acquired=%s&red=1&nir=2&name=scene2.tif" % T2
    expect_error(SRV.post(q, body=body, token=viewer), 403)
    expect_error(SRV.post("/api/v1/imagery?acquired=" + T2, body=body, token=admin), 400,
                 contains="source")
    expect_error(SRV.post(q, body=b"junk", token=admin), 400, contains="cannot open")
    import threading
    got_events = []
    reader = threading.Thread(target=lambda: got_events.extend(
        stream_events(SRV.port, viewer, "?plot=P4", 2)))
    reader.start()
    import time
    time.sleep(0.5)
    r = SRV.post(q, body=body, token=admin)
    expect(r.status == 201, r)
    res = r.json()
    reader.join(15)
    # the flags on the event feed, for the monitoring rules
    expect(sorted((t, d["plot"], d["rule"]) for t, d in got_events) ==
           [("anomaly", "P4", "drop"), ("anomaly", "P4", "peers")], got_events)
    expect("fell from" in [d for t, d in got_events if d["rule"] == "drop"][0]["message"],
           got_events)
    expect(res["scene"] == 2 and res["indices"] == "ndvi,savi" and res["plots_seen"] == 6, res)
    # P2 lags its peers in both scenes; P4 fell between the passes
    expect(res["anomalies"] == 3, res)
    an = SRV.get("/api/v1/anomalies?scene=2", token=viewer).json()["anomalies"]
    got = sorted((a["plot"], a["rule"]) for a in an)
    expect(got == [("P2", "peers"), ("P4", "drop"), ("P4", "peers")], got)
    drop = [a for a in an if a["rule"] == "drop"][0]
    e1, e2 = expected(RED1, NIR1, 4), expected(RED2, NIR2, 4)
    expect(abs(drop["value"] - e2["mean"]) < 1e-12 and
           abs(drop["reference"] - e1["mean"]) < 1e-12, drop)
    expect(abs(drop["threshold"] - (e1["mean"] - 0.15)) < 1e-12, drop)
    an = SRV.get("/api/v1/anomalies?plot=P2", token=viewer).json()["anomalies"]
    expect([a["scene"] for a in an] == [2, 1], an)
    # the series, satellite and drone apart, with exact numbers
    doc = SRV.get("/api/v1/plots/P4/indices?index=ndvi", token=viewer).json()
    expect(doc["drone"] == [] and len(doc["satellite"]) == 2, doc)
    for entry, (red, nir, scene) in zip(doc["satellite"], ((RED1, NIR1, 1), (RED2, NIR2, 2))):
        want = expected(red, nir, 4)
        expect(entry["scene"] == scene, entry)
        for k, v in want.items():
            expect(abs(entry[k] - v) < 1e-12, (k, entry[k], v))
    expect(doc["satellite"][1]["time"].startswith("2026-07-04T05:00:00"), doc)
    expect(len(doc["anomalies"]) == 2, doc["anomalies"])
    doc = SRV.get("/api/v1/plots/P4/indices?index=ndvi&from=2026-07-02", token=viewer).json()
    expect([e["scene"] for e in doc["satellite"]] == [2], doc)
    expect(len(doc["anomalies"]) == 2, doc["anomalies"])
    doc = SRV.get("/api/v1/plots/P2/indices?index=ndvi&to=2026-07-02", token=viewer).json()
    expect([(a["scene"], a["rule"]) for a in doc["anomalies"]] == [(1, "peers")], doc)
    doc = SRV.get("/api/v1/plots/P2/indices?index=savi", token=viewer).json()
    expect(len(doc["satellite"]) == 2 and doc["anomalies"] == [], doc)
    expect_error(SRV.get("/api/v1/plots/NOPE/indices", token=viewer), 404)
    expect_error(SRV.get("/api/v1/plots/P4/indices?index=ndwi", token=viewer), 400)
    # a drone's RGB mosaic: VARI and ExG, in the drone series
    cols = np.tile(np.arange(W), (H, 1))
    rgb = [np.full((H, W), 60, np.uint8), (100 + cols).astype(np.uint8),
           np.full((H, W), 40, np.uint8)]
    drone = write_raster("drone.tif", rgb, dtype=gdal.GDT_Byte, options=["PHOTOMETRIC=RGB"],
                         nodata=None)
    def drone_seen(plot):
        doc = SRV.get("/api/v1/freshness?plot=" + plot, token=viewer).json()
        return {x["source"]: x for x in doc["sources"]}["drone"]["last"]
    expect(not drone_seen("P0"), drone_seen("P0"))
    with open(drone, "rb") as f:
        r = SRV.post("/api/v1/imagery?source=drone-1&acquired=2026-07-04T09:00:00Z",
                     body=f.read(), token=admin)
    expect(r.status == 201 and r.json()["indices"] == "vari,exg", r)
    # monitoring knows the plots the flight saw
    expect(drone_seen("P0"), drone_seen("P0"))
    doc = SRV.get("/api/v1/plots/P0/indices?index=vari", token=viewer).json()
    expect(len(doc["drone"]) == 1 and doc["satellite"] == [], doc)
    g = (100 + np.arange(1, 9)).astype(float)
    vari = np.repeat((g - 60) / (g + 60 - 40), 8)
    expect(abs(doc["drone"][0]["mean"] - vari.mean()) < 1e-12, (doc, vari.mean()))
    cat = SRV.get("/api/v1/imagery", token=viewer).json()["scenes"]
    expect([(c["id"], c["kind"]) for c in cat] == [(3, "drone"), (2, "satellite"),
                                                   (1, "satellite")], cat)
    # the big screen's summary: the newest pass of each kind, each plot's
    # NDVI of the last 60 days (July is long past: none yet)
    im = SRV.get("/api/v1/overview", token=viewer).json()["imagery"]
    expect(im["available"] is True and im["last_satellite"]["id"] == 2 and
           im["last_drone"]["id"] == 3 and im["ndvi"] == {}, im)
    # a pass of yesterday: each plot's newest NDVI (the drone's RGB has
    # none), the plots the newest passes flagged (the peers rule again; the
    # July pass is too old for the drop rule)
    import datetime
    yesterday = (datetime.datetime.now(datetime.timezone.utc) -
                 datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    r = SRV.post(q.replace(T2, yesterday), body=body, token=admin)
    expect(r.status == 201 and r.json()["scene"] == 4, r)
    im = SRV.get("/api/v1/overview", token=viewer).json()["imagery"]
    expect(im["last_satellite"]["id"] == 4, im)
    expect(abs(im["ndvi"]["P4"] - expected(RED2, NIR2, 4)["mean"]) < 1e-12, im)
    expect(im["ndvi_kind"]["P4"] == "satellite" and im["anomalies"] == 2, im)
    # pictures
    r = SRV.get("/api/v1/imagery/2/ndvi.png", token=viewer, raw=True)
    expect(r.status == 200 and r.header("Content-Type") == "image/png", r)
    # 60 x 20 preview pixels, enlarged 5 times to reach 256 on the long side
    expect(png_size(r.body) == (300, 5 * H + 34), png_size(r.body))
    r = SRV.get("/api/v1/plots/P0/indices.png?index=ndvi&scene=1", token=viewer, raw=True)
    expect(r.status == 200, r)
    # the plot's 12 x 13 preview pixels (2 of margin), enlarged 20 times
    expect(png_size(r.body) == (240, 260 + 34), png_size(r.body))
    gdal.FileFromMemBuffer("/vsimem/p.png", r.body)
    ds = gdal.Open("/vsimem/p.png")
    expect(ds.RasterCount == 4 and ds.GetDriver().ShortName == "PNG", ds.RasterCount)
    ds = None
    gdal.Unlink("/vsimem/p.png")
    expect_error(SRV.get("/api/v1/imagery/2/vari.png", token=viewer), 404)
    expect_error(SRV.get("/api/v1/imagery/99/ndvi.png", token=viewer), 404)
    expect_error(SRV.get("/api/v1/plots/P0/indices.png?index=ndvi", token=viewer), 400)
    # the previews live in the store (its files), not in its folder: on
    # PostgreSQL a second node, with a folder of its own, draws the same
    expect(not os.path.exists(os.path.join(SRV.data, "imagery")),
           os.listdir(SRV.data))
    picture = SRV.get("/api/v1/imagery/2/ndvi.png", token=viewer, raw=True).body
    SRV.stop()
    if harness.BACKEND == "postgresql":
        node2 = Server(init=False)
        harness._pg_urls[node2.data] = harness._pg_urls[SRV.data]
        node2.start()
        try:
            r = node2.get("/api/v1/imagery/2/ndvi.png", token=viewer, raw=True)
            expect(r.status == 200 and r.body == picture, r)
        finally:
            node2.close()


@test
def uploads_are_size_limited():
    s = Server(extra_args=["--max-body", "4K"])
    s.start()
    try:
        with open(SCENE1, "rb") as f:
            body = f.read() + b"\0" * 8192
        r = s.post("/api/v1/imagery?source=s2a&acquired=" + T1, body=body,
                   token=s.admin_token)
        expect(r.status == 413, r)
    finally:
        s.close()


run()

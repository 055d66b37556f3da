"""The map's basemap end to end: GET /api/v1/basemap and its XYZ tiles, cut
from the newest scenes' colour pictures; on SQLite and PostgreSQL
(OASIS_TEST_BACKEND).

The base: six plots in WGS 84 / UTM 45N near Manas (85.7 E, 44.7 N), 10 m
pixels from (400000, 4950000), 60 x 20 pixels.  A drone mosaic (RGB bytes)
is red on its left half and blue on its right; a later satellite scene
(B02, B03, B04, B08 with a scale) is green all over, and covers more.
The test decodes the tiles (GDAL) and checks each colour where it lies,
that places no scene covers are transparent, that a new scene makes a new
generation, and that a restarted node serves the same bytes from the
store (it loads the generation, it does not build it again)."""
import atexit
import json
import math
import os
import shutil
import tempfile
import uuid

import numpy as np
from osgeo import gdal, osr

import harness
from harness import Server, expect, expect_error, oasis, run, test

gdal.UseExceptions()
X0, Y0, PIX = 400000.0, 4950000.0, 10.0
W, H = 60, 20
DIR = tempfile.mkdtemp(prefix="oasis-basemap-it-")
atexit.register(shutil.rmtree, DIR, True)


def path(name):
    return os.path.join(DIR, name)


def utm():
    s = osr.SpatialReference()
    s.ImportFromEPSG(32645)
    return s


def write_raster(name, arrays, dtype, descriptions=None, photometric=False,
                 x0=X0, y0=Y0, w=W, h=H):
    mem = gdal.GetDriverByName("MEM").Create("", w, h, len(arrays), dtype)
    mem.SetGeoTransform((x0, PIX, 0, y0, 0, -PIX))
    mem.SetProjection(utm().ExportToWkt())
    for i, a in enumerate(arrays, 1):
        mem.GetRasterBand(i).WriteArray(a)
        if descriptions:
            mem.GetRasterBand(i).SetDescription(descriptions[i - 1])
    opts = ["PHOTOMETRIC=RGB"] if photometric else []
    gdal.GetDriverByName("GTiff").CreateCopy(path(name), mem, options=opts)
    with open(path(name), "rb") as f:
        return f.read()


def write_plots():
    def rect(c0, r0, c1, r1):
        xs = [X0 + c * PIX for c in (c0, c1, c1, c0, c0)]
        ys = [Y0 - r * PIX for r in (r1, r1, r0, r0, r1)]
        return [[x, y] for x, y in zip(xs, ys)]
    fc = {"type": "FeatureCollection",
          "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32645"}},
          "features": [{"type": "Feature",
                        "properties": {"code": "P%d" % i, "crop": "cotton"},
                        "geometry": {"type": "Polygon",
                                     "coordinates": [rect(10 * i + 1, 5, 10 * i + 9, 13)]}}
                       for i in range(6)]}
    with open(path("plots.geojson"), "w") as f:
        json.dump(fc, f)
    return path("plots.geojson")


def lonlat(col, row):
    """The longitude and latitude of pixel (col, row) of the scenes' grid."""
    wgs = osr.SpatialReference()
    wgs.ImportFromEPSG(4326)
    wgs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    u = utm()
    u.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    x, y, _ = osr.CoordinateTransformation(u, wgs).TransformPoint(
        X0 + col * PIX, Y0 - row * PIX)
    return x, y


def tile_of(lon, lat, z):
    """The tile holding (lon, lat) at zoom z, and the pixel in it."""
    n = 2 ** z
    fx = (lon + 180) / 360 * n
    fy = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    x, y = int(fx), int(fy)
    return x, y, int((fx - x) * 256), int((fy - y) * 256)


def decode(png):
    name = "/vsimem/tile-%s.png" % uuid.uuid4().hex
    gdal.FileFromMemBuffer(name, png)
    ds = gdal.Open(name)
    expect(ds.RasterXSize == 256 and ds.RasterYSize == 256 and ds.RasterCount == 4,
           (ds.RasterXSize, ds.RasterYSize, ds.RasterCount))
    a = np.stack([ds.GetRasterBand(i).ReadAsArray() for i in range(1, 5)], axis=-1)
    ds = None
    gdal.Unlink(name)
    return a


def pixel_at(srv, token, info, col, row, z=None):
    """The basemap's RGBA at pixel (col, row) of the scenes' grid."""
    z = info["maxzoom"] if z is None else z
    x, y, px, py = tile_of(*lonlat(col, row), z)
    url = info["layers"][0]["tiles"].replace("{z}", str(z)).replace(
        "{x}", str(x)).replace("{y}", str(y))
    r = srv.get(url, token=token, raw=True)
    expect(r.status == 200, (url, r.status, r.body[:200]))
    expect(r.header("Content-Type") == "image/png", r.headers)
    return decode(r.body)[py, px], r


cols = np.tile(np.arange(W), (H, 1))
DRONE = write_raster("drone.tif", [
    np.where(cols < W // 2, 220, 20).astype(np.uint8),
    np.full((H, W), 30, np.uint8),
    np.where(cols < W // 2, 20, 230).astype(np.uint8)], gdal.GDT_Byte,
    photometric=True)
# reflectance = DN * 0.0001: blue 0.02, green 0.25, red 0.03, NIR 0.4
SAT = write_raster("sat.tif", [np.full((H + 20, W + 20), v, np.uint16)
                               for v in (200, 2500, 300, 4000)], gdal.GDT_UInt16,
                   descriptions=["B02", "B03", "B04", "B08"],
                   x0=X0 - 100, y0=Y0 + 100, w=W + 20, h=H + 20)
SRV = Server()
oasis("plots", "import", write_plots(), data=SRV.data)
atexit.register(SRV.close)


def upload(body, query):
    r = SRV.post("/api/v1/imagery?" + query, body=body, token=SRV.admin_token)
    expect(r.status == 201, r.body)


@test
def basemap_follows_the_newest_scenes_and_is_served_from_the_store():
    SRV.start()
    viewer = SRV.token("viewer", "wall")
    # no imagery yet: no generation, no tiles
    doc = SRV.get("/api/v1/basemap", token=viewer).json()
    expect(doc["generation"] is None and doc["layers"] == [], doc)
    expect_error(SRV.get("/api/v1/basemap/truecolour/15/1000/1000.png",
                         token=viewer), 404)
    expect_error(SRV.get("/api/v1/basemap"), 401)

    upload(DRONE, "source=drone-1&acquired=2026-07-04T09:00:00Z")
    info = SRV.get("/api/v1/basemap", token=viewer).json()
    expect(info["generation"] and info["layers"][0]["id"] == "truecolour", info)
    expect([s["kind"] for s in info["scenes"]] == ["drone"], info)
    west, south, east, north = info["bounds"]
    lon, lat = lonlat(30, 10)
    expect(west < lon < east and south < lat < north, (info["bounds"], lon, lat))
    # 10 m pixels at 44.7 N: zoom 14 (6.8 m of ground), the first as fine
    expect(info["maxzoom"] == 14 and info["minzoom"] < 14, info)
    left, r = pixel_at(SRV, viewer, info, 10, 10)
    right, _ = pixel_at(SRV, viewer, info, 50, 10)
    expect(left[3] == 255 and left[0] > 180 and left[2] < 60, left)
    expect(right[3] == 255 and right[2] > 180 and right[0] < 60, right)
    expect("immutable" in r.header("Cache-Control"), r.headers)
    # an overzoomed tile is read too; off the scene, a transparent one
    over, _ = pixel_at(SRV, viewer, info, 10, 10, z=info["maxzoom"] + 2)
    expect(over[0] > 180 and over[3] == 255, over)
    outside, _ = pixel_at(SRV, viewer, info, -12, 10)
    expect(outside[3] == 0, outside)
    # a warm tile is the same bytes
    x, y, _, _ = tile_of(*lonlat(10, 10), info["maxzoom"])
    url = "/api/v1/basemap/truecolour/%d/%d/%d.png" % (info["maxzoom"], x, y)
    a = SRV.get(url, token=viewer, raw=True)
    b = SRV.get(url, token=viewer, raw=True)
    expect(a.body == b.body and a.header("Cache-Control") == "no-store", a.headers)
    for bad in ("/api/v1/basemap/ndwi/14/1/1.png", "/api/v1/basemap/truecolour/3/1/1.png",
                "/api/v1/basemap/truecolour/14/1/1.jpg",
                "/api/v1/basemap/truecolour/14/99999999/1.png"):
        expect_error(SRV.get(bad, token=viewer), 404)

    # a newer satellite scene: a new generation, green over the drone's
    upload(SAT, "source=sentinel-2b&acquired=2026-07-05T05:10:00Z&scale=0.0001&offset=0")
    info2 = SRV.get("/api/v1/basemap", token=viewer).json()
    expect(info2["generation"] != info["generation"], (info, info2))
    expect([s["kind"] for s in info2["scenes"]] == ["satellite"], info2)
    green, _ = pixel_at(SRV, viewer, info2, 10, 10)
    expect(green[1] > 180 and green[0] < 60 and green[3] == 255, green)
    first, _ = pixel_at(SRV, viewer, info2, 50, 10)

    # another node of the store (here: the same, restarted) loads the
    # generation from the store and serves the same bytes
    SRV.stop()
    SRV.start()
    again = SRV.get("/api/v1/basemap", token=viewer).json()
    expect(again["generation"] == info2["generation"], again)
    second, _ = pixel_at(SRV, viewer, again, 50, 10)
    expect((first == second).all(), (first, second))
    log = SRV.server_log()
    expect("generation %s loaded from the store" % info2["generation"] in log, log[-2000:])
    expect("built" not in log, log[-2000:])



def node_on(url, first, name):
    """A second node on the PostgreSQL store of `first`."""
    n = Server.__new__(Server)
    n.dir = tempfile.mkdtemp(prefix="oasis-test-node-")
    n.data = os.path.join(n.dir, "store")
    harness._pg_urls[n.data] = url
    n.proc = n.port = None
    n.admin_password, n.admin_token = first.admin_password, first.admin_token
    n.extra_args = ["--cluster", "--node-id", name]
    return n


@test
def a_second_node_serves_the_same_tiles():
    if harness.BACKEND != "postgresql":
        print("# skipped: two nodes share a store on PostgreSQL only")
        return
    first = Server(extra_args=["--cluster", "--node-id", "n1"]).start()
    second = node_on(harness._pg_urls[first.data], first, "n2")
    try:
        oasis("plots", "import", path("plots.geojson"), data=first.data)
        second.start()
        viewer = first.token("viewer", "wall")
        r = first.post("/api/v1/imagery?source=drone-1&acquired=2026-07-04T09:00:00Z",
                       body=DRONE, token=first.admin_token)
        expect(r.status == 201, r.body)
        one = first.get("/api/v1/basemap", token=viewer).json()
        two = second.get("/api/v1/basemap", token=viewer).json()
        expect(one == two and one["generation"], (one, two))
        a, _ = pixel_at(first, viewer, one, 10, 10)
        b, _ = pixel_at(second, viewer, two, 10, 10)
        expect((a == b).all() and a[0] > 180, (a, b))
        log = second.server_log()
        expect("loaded from the store" in log and "built" not in log, log[-2000:])
    finally:
        second.close()
        first.close()


run()

"""The map's basemap: regenerating it when a scene arrives, and its tiles,
beside GDAL's command-line tools doing the same in the same run.

  basemap_bench.py [BUILD] [--runs N]

Data (made here with GDAL, in a temporary folder): a 12,000 mu base near
Manas (60 strip plots of 200 mu, 2.9 x 2.8 km, WGS 84 / UTM 45N); a
Sentinel-2-like scene (B02, B03, B04, B08 at 10 m, 3.5 x 3.5 km) and drone
mosaics (RGB bytes at 0.5 m, 1.4 x 1 km each), ingested with `oasis imagery
ingest`.  The server's basemap is the newest satellite scene and the seven
newest drone mosaics, at zoom 17 (the finest whose mosaic stays within
8,192 pixels a side).

Timed, alternating in each round (one warm-up round first):
  A  oasis: a new drone mosaic is ingested (not timed), then GET
     /api/v1/basemap, which finds the new generation and builds it (the
     colour pictures from the store, gdalwarp to EPSG:3857, a COG with
     overviews into the store) and loads it
  B  the peer on the same eight colour pictures (as Oasis keeps them):
     gdalwarp -t_srs EPSG:3857 to the same grid, then gdal2tiles.py --xyz
     (the PNG pyramid, zooms 13 to 17, 2 processes) into a folder

Tiles, after the last round: every tile of zoom 17 once (cold: cut from
the mosaic and encoded), then one tile 500 times (warm: from the cache),
over one keep-alive connection each; beside the same tiles from
gdal2tiles' folder served by python3 -m http.server (the static peer).

Uses python3-gdal and numpy; run with /usr/bin/python3."""
import argparse
import http.client
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np
from osgeo import gdal, osr

from common import machine, oasis_bin, tmpdir

gdal.UseExceptions()
PORT = [0]
X0, Y0 = 436000.0, 4908000.0    # UTM 45N, near Manas (86.2 E, 44.3 N)
BASE_W, BASE_H = 2900.0, 2800.0


def utm():
    s = osr.SpatialReference()
    s.ImportFromEPSG(32645)
    return s.ExportToWkt()


def write_plots(path):
    """60 strips of 200 mu: 6 columns of 10, 480 x 278 m each, 3 m apart."""
    feats = []
    w, h = BASE_W / 6 - 3, BASE_H / 10 - 3
    for i in range(60):
        c, r = i % 6, i // 6
        x, y = X0 + c * (w + 3), Y0 - r * (h + 3)
        ring = [[x, y], [x + w, y], [x + w, y - h], [x, y - h], [x, y]]
        feats.append({"type": "Feature", "properties": {"code": "65232410%05d" % (i + 1), "crop": "cotton"},
                      "geometry": {"type": "Polygon", "coordinates": [ring]}})
    with open(path, "w") as f:
        json.dump({"type": "FeatureCollection", "features": feats,
                   "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32645"}}}, f)


def write_raster(path, x0, y0, pix, arrays, dtype, desc=None, rgb=False):
    h, w = arrays[0].shape
    opts = ["COMPRESS=DEFLATE", "TILED=YES"] + (["PHOTOMETRIC=RGB"] if rgb else [])
    ds = gdal.GetDriverByName("GTiff").Create(path, w, h, len(arrays), dtype, options=opts)
    ds.SetGeoTransform((x0, pix, 0, y0, 0, -pix))
    ds.SetProjection(utm())
    for i, a in enumerate(arrays, 1):
        ds.GetRasterBand(i).WriteArray(a)
        if desc:
            ds.GetRasterBand(i).SetDescription(desc[i - 1])
    ds = None


def satellite(path):
    n = 350
    rng = np.random.default_rng(1)
    tex = rng.normal(0, 60, (n, n))
    bands = [np.clip(v + tex, 0, 10000).astype(np.uint16) for v in (1500, 2200, 2000, 4500)]
    write_raster(path, X0 - 300, Y0 + 350, 10.0, bands, gdal.GDT_UInt16, ["B02", "B03", "B04", "B08"])


def drone(path, k):
    w, h = 2800, 2000   # 0.5 m
    rng = np.random.default_rng(100 + k)
    yy, xx = np.mgrid[0:h, 0:w]
    rows = (xx // 40) % 2
    base = [90 + 40 * rows, 120 + 20 * rows, 60 + 10 * rows]
    bands = [np.clip(b + rng.integers(-12, 12, (h, w)), 0, 255).astype(np.uint8) for b in base]
    x0 = X0 + (k % 2) * 1400.0
    y0 = Y0 - (k % 3) * 900.0
    write_raster(path, x0, y0, 0.5, bands, gdal.GDT_Byte, rgb=True)


def ingest(oasis, store, path, source, at, extra=()):
    subprocess.run([oasis, "imagery", "ingest", path, "--source", source, "--acquired", at,
                    "--data", store] + list(extra), check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def colour_picture(src, dst, scaled):
    """The colour picture Oasis keeps (rs/imagery_colour.c), for the peer."""
    ds = gdal.Open(src)
    big = max(ds.RasterXSize, ds.RasterYSize)
    f = min(1.0, 2048.0 / big)
    args = dict(format="GTiff", outputType=gdal.GDT_Byte, width=round(ds.RasterXSize * f),
                height=round(ds.RasterYSize * f), resampleAlg="average", creationOptions=["COMPRESS=DEFLATE"])
    if scaled:  # B04, B03, B02; reflectance 0..0.3
        args.update(bandList=[3, 2, 1], scaleParams=[[0, 3000, 0, 255]] * 3)
    gdal.Translate(dst, ds, **args)


def get(conn, path, token):
    if conn is None:  # a connection of its own (the server closes idle ones)
        c = http.client.HTTPConnection("127.0.0.1", PORT[0], timeout=120)
        try:
            return get(c, path, token)
        finally:
            c.close()
    conn.request("GET", path, headers={"Authorization": "Bearer " + token})
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        sys.exit("GET %s: %d %s" % (path, r.status, body[:200]))
    return body


def cpu_s(pid):
    """User and system CPU seconds of a process so far."""
    with open("/proc/%d/stat" % pid) as f:
        v = f.read().rsplit(")", 1)[1].split()
    return (int(v[11]) + int(v[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu_s():
    r = os.times()
    return r.children_user + r.children_system


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100 * len(xs)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build", nargs="?", default="build")
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    oasis = oasis_bin(a.build)
    work = tmpdir("oasis-bench-basemap-")
    store = os.path.join(work, "store")
    print("machine: %s" % machine())
    print("load average at start: %.2f %.2f %.2f" % os.getloadavg())
    subprocess.run([oasis, "init", "--data", store], check=True, stdout=subprocess.DEVNULL)
    write_plots(os.path.join(work, "plots.geojson"))
    subprocess.run([oasis, "plots", "import", os.path.join(work, "plots.geojson"), "--data", store],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sat = os.path.join(work, "s2.tif")
    satellite(sat)
    ingest(oasis, store, sat, "sentinel-2b", "2026-07-18T05:10:00Z",
           ["--scale", "0.0001", "--offset", "0"])
    drones = []
    for k in range(a.runs + 8):
        p = os.path.join(work, "uav%d.tif" % k)
        drone(p, k)
        drones.append(p)
    for k in range(7):
        ingest(oasis, store, drones[k], "drone-1", "2026-07-19T%02d:00:00Z" % (2 + k))
    pictures = os.path.join(work, "pictures")
    os.mkdir(pictures)
    colour_picture(sat, os.path.join(pictures, "0-s2.tif"), True)
    token = subprocess.run([oasis, "token", "create", "--role", "viewer", "--name", "bench", "--data", store],
                           check=True, capture_output=True, text=True).stdout.strip()
    log = open(os.path.join(work, "server.log"), "w+")
    proc = subprocess.Popen([oasis, "serve", "--data", store, "--listen", "127.0.0.1:0"],
                            stdout=subprocess.PIPE, stderr=log, text=True)
    port = int(proc.stdout.readline().split("127.0.0.1:")[1].split("/")[0])
    PORT[0] = port
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    info = json.loads(get(None, "/api/v1/basemap", token))
    z = info["maxzoom"]
    print("base: 60 plots, 12,180 mu; basemap zoom %d..%d, bounds %s" % (info["minzoom"], z, info["bounds"]))
    ta, tb, ca, cb, ratios = [], [], [], [], []
    pyramid = os.path.join(work, "tiles")
    try:
        for i in range(a.runs + 1):
            # A: a new drone mosaic, then the basemap of the new generation
            ingest(oasis, store, drones[7 + i], "drone-1", "2026-07-19T%02d:30:00Z" % (9 + i))
            time.sleep(2.2)   # the server looks for a new generation every 2 s
            t0, c0 = time.perf_counter(), cpu_s(proc.pid)
            info = json.loads(get(None, "/api/v1/basemap", token))
            a_s = time.perf_counter() - t0
            a_cpu = cpu_s(proc.pid) - c0
            # B: the peer on the same eight colour pictures
            for f in os.listdir(pictures):
                if f.startswith("1-"):
                    os.unlink(os.path.join(pictures, f))
            for k in range(7):
                colour_picture(drones[1 + i + k], os.path.join(pictures, "1-uav%d.tif" % k), False)
            srcs = [os.path.join(pictures, "0-s2.tif")] + sorted(
                os.path.join(pictures, f) for f in os.listdir(pictures) if f.startswith("1-"))
            w, s, e, n = info["bounds"]
            merc = osr.SpatialReference()
            merc.ImportFromEPSG(3857)
            wgs = osr.SpatialReference()
            wgs.ImportFromEPSG(4326)
            wgs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
            ct = osr.CoordinateTransformation(wgs, merc)
            x0, y1, _ = ct.TransformPoint(w, n)
            x1, y0, _ = ct.TransformPoint(e, s)
            res = 2 * math.pi * 6378137 / 256 / 2 ** z
            shutil.rmtree(pyramid, ignore_errors=True)
            mosaic = os.path.join(work, "mosaic.tif")
            subprocess.run(["gdalwarp", "-q", "-overwrite", "-t_srs", "EPSG:3857", "-te", str(x0), str(y0), str(x1),
                            str(y1), "-tr", str(res), str(res), "-r", "bilinear", "-dstalpha", "-multi", "-wo",
                            "NUM_THREADS=ALL_CPUS", "-co", "TILED=YES"] + srcs + [mosaic], check=True)
            subprocess.run(["gdal2tiles.py", "-q", "--xyz", "-z", "%d-%d" % (z - 4, z), "-r", "average",
                            "--processes=2", "-w", "none", mosaic, pyramid], check=True)
            b_s = time.perf_counter() - t0
            b_cpu = children_cpu_s() - c0
            if i == 0:
                continue
            ca.append(a_cpu)
            cb.append(b_cpu)
            ta.append(a_s)
            tb.append(b_s)
            ratios.append(a_s / b_s)
            print("  round %d: oasis %.2f s (%.2f s CPU), gdalwarp + gdal2tiles %.2f s (%.2f s CPU) (load %.2f)" % (
                i, a_s, a_cpu, b_s, b_cpu, os.getloadavg()[0]))

        def fmt(xs):
            return "median %.2f s (min %.2f, max %.2f)" % (statistics.median(xs), min(xs), max(xs))
        print("regenerate from a new scene (%d rounds, A B alternating):" % a.runs)
        print("  A oasis (GET /api/v1/basemap, new generation)  %s" % fmt(ta))
        print("  B gdalwarp + gdal2tiles.py (z%d-%d)           %s" % (z - 4, z, fmt(tb)))
        print("  ratio A/B: median %.2f (min %.2f, max %.2f)" % (
            statistics.median(ratios), min(ratios), max(ratios)))
        print("  CPU: oasis median %.2f s, peer median %.2f s" % (statistics.median(ca), statistics.median(cb)))
        log.seek(0)
        for line in log:
            if "basemap: generation" in line:
                print("  server: " + line.split("basemap: ")[1].strip())

        # tiles: every tile of the finest zoom once (cold), then one 500 times (warm)
        names = []
        for d in sorted(os.listdir(os.path.join(pyramid, str(z)))):
            for f in sorted(os.listdir(os.path.join(pyramid, str(z), d))):
                names.append((int(d), int(f[:-4])))
        tiles = names
        url = info["layers"][0]["tiles"]
        cold = []
        for x, y in tiles:
            t0 = time.perf_counter()
            get(conn, url.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y)), token)
            cold.append(time.perf_counter() - t0)
        mid = tiles[len(tiles) // 2]
        one = url.replace("{z}", str(z)).replace("{x}", str(mid[0])).replace("{y}", str(mid[1]))
        warm = []
        for _ in range(500):
            t0 = time.perf_counter()
            get(conn, one, token)
            warm.append(time.perf_counter() - t0)
        static = subprocess.Popen([sys.executable, "-m", "http.server", "0", "--bind", "127.0.0.1",
                                   "--directory", pyramid], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  text=True)
        line = static.stdout.readline()
        sport = int(line.split("port ")[1].split()[0])
        peer = []
        for _ in range(500):
            c2 = http.client.HTTPConnection("127.0.0.1", sport, timeout=30)  # http.server closes each
            t0 = time.perf_counter()
            c2.request("GET", "/%d/%d/%d.png" % (z, mid[0], mid[1]))
            c2.getresponse().read()
            peer.append(time.perf_counter() - t0)
            c2.close()
        static.terminate()
        static.wait()

        def ms(xs):
            return "p50 %.2f ms, p99 %.2f ms, max %.2f ms" % (
                1000 * pct(xs, 50), 1000 * pct(xs, 99), 1000 * max(xs))
        print("tiles of zoom %d (%d tiles):" % (z, len(tiles)))
        print("  oasis cold (cut and encoded)             %s" % ms(cold))
        print("  oasis warm (cache), 500 requests        %s" % ms(warm))
        print("  python3 http.server, gdal2tiles' file   %s" % ms(peer))
        print("load average at the end: %.2f %.2f %.2f" % os.getloadavg())
    finally:
        conn.close()
        proc.terminate()
        proc.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

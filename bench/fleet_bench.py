"""Machinery operations: a day of 1 Hz tracks from 50 machines turned into
worked areas on plots, side by side with OGR/GEOS driven from Python.

    python3 fleet_bench.py [BUILD] [--runs N] [--raw-machines K]

Builds bench/fleet_bench.c (optimised, no sanitizers) into
BUILD/bench/fleet_bench; it makes the day (see its header: 50 machines,
86,400 fixes each, lanes with the implement raised in the turns, 2 cm of
receiver noise) and dumps it.  Then, round after round:

  A  fleet_bench: coverage_operations() for every machine (C: OGR
     simplify 0.1 m, GEOS buffer of the runs by half the swath, PROJ
     transverse Mercator, intersection with the plot)
  B  this file as its peer: the same steps in Python through osgeo.ogr
     (geometry built from WKB, so Python loops do not dominate)
  C  the plain peer without simplification: buffer+union of the raw runs
     and intersection, on the first K machines (default 5), scaled to 50
  D  fleet_bench --store: the same day in a fresh store (plots imported,
     tracks bulk-loaded into the engine), timing fleet_operations() for
     the day as GET /api/v1/operations runs it: reading the 150 series
     from the engine, then the coverage (loading not timed)

A and B each report the median of their own timed runs (making the input
not timed).  Worked areas are compared machine by machine (A against B,
and C against both: simplification's effect on the area).

Internally the same file is the peer: fleet_bench.py --peer simplify|raw
DUMP K.  Debian's python3-gdal; run with /usr/bin/python3."""
import array
import os
import re
import statistics
import struct
import subprocess
import sys
import tempfile
import time

from common import machine

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PKGS = ["libmicrohttpd", "jansson", "sqlite3", "gdal", "proj", "libsodium",
        "libcurl", "libmosquitto", "libpq", "zlib"]


def load(path):
    with open(path, "rb") as f:
        if f.read(8) != b"OASISFB1":
            sys.exit("fleet_bench: %s is not a fleet_bench dump" % path)
        n, secs = struct.unpack("<ii", f.read(8))
        machines = []
        for _ in range(n):
            swath, = struct.unpack("<d", f.read(8))
            box = struct.unpack("<4d", f.read(32))
            cols = []
            for _ in range(3):
                a = array.array("d")
                a.fromfile(f, secs)
                cols.append(a)
            machines.append((swath, box, cols[0], cols[1], cols[2]))
    return n, secs, machines


def runs_of(lon, lat, working):
    """Index ranges [a, b) of consecutive working fixes (1 s apart)."""
    out, start = [], None
    for i, w in enumerate(working):
        if w and start is None:
            start = i
        elif not w and start is not None:
            if i - start > 1:
                out.append((start, i))
            start = None
    if start is not None and len(working) - start > 1:
        out.append((start, len(working)))
    return out


def multiline_wkb(lon, lat, ranges):
    parts = [struct.pack("<BII", 1, 5, len(ranges))]
    for a, b in ranges:
        xy = array.array("d", [0.0]) * (2 * (b - a))
        xy[0::2] = lon[a:b]
        xy[1::2] = lat[a:b]
        parts.append(struct.pack("<BII", 1, 2, b - a) + xy.tobytes())
    return b"".join(parts)


def peer(mode, dump, k):
    from osgeo import ogr, osr
    ogr.UseExceptions()
    osr.UseExceptions()
    n, secs, machines = load(dump)
    if mode == "raw":
        machines = machines[:k]
    wgs = osr.SpatialReference()
    wgs.ImportFromEPSG(4326)
    wgs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    inputs = []
    for swath, box, lon, lat, working in machines:
        ranges = runs_of(lon, lat, working)
        inputs.append((swath, box, multiline_wkb(lon, lat, ranges), ranges, lon, lat))
    start = time.perf_counter()
    areas = []
    for swath, box, wkb, ranges, lon, lat in inputs:
        lon0 = sum(lon[a] for a, b in ranges) / len(ranges)
        lat0 = sum(lat[a] for a, b in ranges) / len(ranges)
        local = osr.SpatialReference()
        local.ImportFromProj4("+proj=tmerc +lat_0=%.6f +lon_0=%.6f +k=1 +x_0=0 "
                              "+y_0=0 +ellps=WGS84 +units=m +no_defs" % (lat0, lon0))
        local.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        ct = osr.CoordinateTransformation(wgs, local)
        lines = ogr.CreateGeometryFromWkb(wkb)
        lines.Transform(ct)
        if mode == "simplify":
            lines = lines.Simplify(0.1)
        cover = lines.Buffer(swath / 2, 8)
        plot = ogr.CreateGeometryFromWkt(
            "POLYGON((%.8f %.8f,%.8f %.8f,%.8f %.8f,%.8f %.8f,%.8f %.8f))" % (
                box[0], box[1], box[2], box[1], box[2], box[3], box[0], box[3],
                box[0], box[1]))
        plot.Transform(ct)
        areas.append(cover.Intersection(plot).Area())
    print("seconds %.3f" % (time.perf_counter() - start))
    for i, a in enumerate(areas):
        print("machine %d worked_m2 %.2f" % (i, a))


def parse(out):
    t = float(re.search(r"(?:median|seconds) ([\d.]+)", out).group(1))
    areas = {int(m.group(1)): float(m.group(2)) for m in
             re.finditer(r"machine (\d+) worked_m2 ([\d.]+)", out)}
    return t, areas


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--peer":
        peer(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    build = args[0] if args else "build"
    runs = 3
    raw_k = 5
    for i, a in enumerate(sys.argv):
        if a == "--runs":
            runs = int(sys.argv[i + 1])
        if a == "--raw-machines":
            raw_k = int(sys.argv[i + 1])
    exe = os.path.join(TOP, build, "bench", "fleet_bench")
    os.makedirs(os.path.dirname(exe), exist_ok=True)
    flags = subprocess.run(["pkg-config", "--cflags", "--libs"] + PKGS,
                           capture_output=True, text=True, check=True).stdout.split()
    subprocess.run(["cc", "-std=c11", "-D_GNU_SOURCE", "-O2", "-I" + os.path.join(TOP, "src"),
                    "-o", exe, os.path.join(TOP, "bench", "fleet_bench.c"),
                    os.path.join(TOP, build, "liboasis.a")] + flags + ["-lm", "-pthread"],
                   check=True)
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        dump = os.path.join(tmp, "day.bin")
        subprocess.run([exe, "50", "86400", "1", dump], check=True,
                       stdout=subprocess.DEVNULL)
        ta, tb, tc, td, ratios = [], [], [], [], []
        for r in range(runs):
            a = subprocess.run([exe, "50", "86400", "3"], capture_output=True,
                               text=True, check=True).stdout
            b = subprocess.run([sys.executable, __file__, "--peer", "simplify", dump,
                                "50"], capture_output=True, text=True,
                               check=True).stdout
            c = subprocess.run([sys.executable, __file__, "--peer", "raw", dump,
                                str(raw_k)], capture_output=True, text=True,
                               check=True).stdout
            store = os.path.join(tmp, "store%d" % r)
            d = subprocess.run([exe, "--store", store, "50", "86400", "3"],
                               capture_output=True, text=True, check=True).stdout
            (t_a, area_a), (t_b, area_b), (t_c, area_c) = parse(a), parse(b), parse(c)
            t_d = float(re.search(r"median ([\d.]+)", d).group(1))
            worked_d = float(re.search(r"store: operations \d+ worked_m2 ([\d.]+)", d).group(1))
            td.append(t_d)
            ta.append(t_a)
            tb.append(t_b)
            tc.append(t_c * 50 / raw_k)
            ratios.append(t_a / t_b)
            print("round %d: A %.3f s, B %.3f s, C %.3f s (%d machines, x%.0f), D %.3f s" % (
                r + 1, t_a, t_b, t_c, raw_k, 50 / raw_k, t_d))
    fixes = re.search(r"fixes (\d+) runs (\d+) vertices_after_simplify (\d+)", a)
    print("day: %s fixes, %s working runs, %s vertices after simplifying" %
          fixes.groups())
    print("A  C coverage_operations, 50 machines:   median %.3f s" % statistics.median(ta))
    print("B  Python + OGR, same method:            median %.3f s" % statistics.median(tb))
    print("C  Python + OGR, raw buffer+union (x%d): median %.3f s" % (
        50 // raw_k, statistics.median(tc)))
    print("D  through the store (engine reads + A):  median %.3f s" % statistics.median(td))
    print("A/B median %.2f; A/C %.3f" % (statistics.median(ratios),
                                         statistics.median(ta) / statistics.median(tc)))
    worst_ab = max(abs(area_a[i] - area_b[i]) / area_b[i] for i in area_b)
    worst_ac = max(abs(area_a[i] - area_c[i]) / area_c[i] for i in area_c)
    print("worked area: A vs B largest relative difference %.2e over %d machines; "
          "A vs C (no simplification) %.2e over %d" % (worst_ab, len(area_b),
                                                         worst_ac, len(area_c)))
    print("total worked: A %.1f ha, B %.1f ha, D %.1f ha" % (
        sum(area_a.values()) / 1e4, sum(area_b.values()) / 1e4, worked_d / 1e4))


if __name__ == "__main__":
    main()

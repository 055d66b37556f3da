"""Zonal statistics: `oasis zonal` NDVI over a full Sentinel-2 tile and
10,000 plots, side by side with its peers in the same run.

  zonal_bench.py [BUILD] [--data DIR] [--runs N]

Data: gen_scene.py --size 10980 --plots 10000 (10980 x 10980 pixels, two
uint16 bands, DEFLATE tiles of 512, UTM 45N; 10,000 lon/lat plots with
holes, multipolygons and plots across the scene edge), made in a temporary
folder unless --data names a folder that has scene.tif and plots.geojson.

Timed, one after the other in each round (A B C D, A B C D, ...; one
warm-up round first), each under /usr/bin/time for its peak resident set:
  A  oasis zonal --red 1 --nir 2                 (pixel-centre rule)
  B  zonal_peer.py: GDAL RasterizeLayer of plot ids + numpy, the
     rasterio/rasterstats way (pixel-centre rule)
  C  oasis zonal --exact                         (coverage fractions)
  D  gdal_translate -of MEM: decoding the tile once, single-threaded (the
     floor of any reader of this file on one core)
Then A's answers are compared with B's for every plot: counts must be
equal; the largest differences of mean, median, p10, p90, std, min, max
are printed.

Standard library, Debian's python3-gdal and python3-numpy (through the
peer) only; run with /usr/bin/python3."""
import argparse
import csv
import os
import statistics
import subprocess
import sys

from common import machine, oasis_bin, shared_tool, tmpdir

HERE = os.path.dirname(os.path.abspath(__file__))
TIME = "/usr/bin/time"


def timed(cmd, out_path, tag):
    """Run cmd with stdout to out_path; (wall seconds, peak RSS in MB)."""
    tfile = out_path + ".time"
    with open(out_path, "w") as out:
        r = subprocess.run([TIME, "-f", "%e %M", "-o", tfile] + cmd, stdout=out,
                           stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit("%s failed (%d): %s" % (tag, r.returncode, r.stderr[-2000:]))
    with open(tfile) as f:
        wall, rss_kb = f.read().split()[-2:]
    return float(wall), int(rss_kb) / 1024.0


def load(path):
    with open(path, newline="") as f:
        return {row["code"]: row for row in csv.DictReader(f)}


def compare(ours_path, peer_path):
    ours, peer = load(ours_path), load(peer_path)
    fields = ("mean", "median", "p10", "p90", "std", "min", "max")
    worst = dict.fromkeys(fields, 0.0)
    count_mismatch = missing = empty_mismatch = 0
    for code, p in peer.items():
        o = ours.get(code)
        if o is None:
            missing += 1
            continue
        if int(float(o["count"] or 0)) != int(p["count"]):
            count_mismatch += 1
            continue
        for f in fields:
            if (o[f] == "") != (p[f] == ""):
                empty_mismatch += 1
            elif o[f] != "":
                worst[f] = max(worst[f], abs(float(o[f]) - float(p[f])))
    print("  answers, A against B, all %d plots: %d count mismatches, %d missing, "
          "%d empty/non-empty mismatches" % (len(peer), count_mismatch, missing,
                                             empty_mismatch))
    print("  largest |A - B|: " + ", ".join("%s %.1e" % (f, worst[f]) for f in fields))


def summary(name, walls, rss):
    return "  %-44s median %6.2f s (min %.2f, max %.2f), peak RSS median %5.0f MB" % (
        name, statistics.median(walls), min(walls), max(walls), statistics.median(rss))


def tile_args(doc, prefix):
    """The command line of a tile benchmark: (args, oasis, data folder),
    the tile generated into data when it has none."""
    ap = argparse.ArgumentParser(description=doc,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build", nargs="?", default="build")
    ap.add_argument("--data", help="folder with scene.tif and plots.geojson")
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    if not os.path.exists(TIME):
        sys.exit("bench: %s is missing: apt-get install time" % TIME)
    data = a.data
    if not data or not os.path.exists(os.path.join(data, "scene.tif")):
        data = data or tmpdir(prefix)
        print("generating the tile in %s (about a minute)" % data)
        subprocess.run(["/usr/bin/python3", shared_tool("gen_scene.py"), "--size", "10980",
                        "--plots", "10000", "--out", data], check=True,
                       stdout=subprocess.DEVNULL)
    return a, oasis_bin(a.build), data


def main():
    a, oasis, data = tile_args(__doc__, "oasis-bench-zonal-")
    scene = os.path.join(data, "scene.tif")
    plots = os.path.join(data, "plots.geojson")
    work = tmpdir("oasis-bench-zonal-out-")
    base = [oasis, "zonal", "--raster", scene, "--plots", plots, "--red", "1", "--nir", "2"]
    runs = [
        ("A: oasis zonal (NDVI, pixel centres)", base, "a.csv"),
        ("B: peer, GDAL RasterizeLayer + numpy", ["/usr/bin/python3",
                                                 os.path.join(HERE, "zonal_peer.py"), scene,
                                                 plots, os.path.join(work, "b.csv")], "b.out"),
        ("C: oasis zonal --exact", base + ["--exact"], "c.csv"),
        ("D: gdal_translate -of MEM (decode floor)", ["gdal_translate", "-q", "-of", "MEM",
                                                      scene, "/dev/null"], "d.out"),
    ]
    print("machine: %s" % machine())
    print("data: %s (10980 x 10980, 2 x uint16 DEFLATE), 10,000 plots" % data)
    walls = {name: [] for name, _, _ in runs}
    rss = {name: [] for name, _, _ in runs}
    for i in range(a.runs + 1):
        for name, cmd, out in runs:
            w, m = timed(cmd, os.path.join(work, out), name)
            if i > 0:
                walls[name].append(w)
                rss[name].append(m)
    for name, _, _ in runs:
        print(summary(name, walls[name], rss[name]))
    names = [r[0] for r in runs]
    for x, y in ((0, 1), (2, 0), (0, 3)):
        ratios = [p / q for p, q in zip(walls[names[x]], walls[names[y]])]
        print("  ratio %s/%s: median %.2f (min %.2f, max %.2f), %d rounds" % (
            names[x][0], names[y][0], statistics.median(ratios), min(ratios),
            max(ratios), len(ratios)))
    compare(os.path.join(work, "a.csv"), os.path.join(work, "b.csv"))


if __name__ == "__main__":
    main()

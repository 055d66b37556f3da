"""Imagery ingest against zonal statistics on the same tile, side by side.

  imagery_bench.py [BUILD] [--data DIR] [--runs N]

Data: gen_scene.py --size 10980 --plots 10000, as zonal_bench.py (made in a
temporary folder unless --data names a folder with scene.tif and
plots.geojson).  A store is made once with the 10,000 plots imported.

Timed, alternating in each round (A B, A B, ...; one warm-up round first),
each under /usr/bin/time for its peak resident set:
  A  oasis zonal --raster scene.tif --plots plots.geojson --red 1 --nir 2
  B  oasis imagery ingest scene.tif --red 1 --nir 2 --source sentinel-2a
     --acquired T (a new T each run): NDVI and SAVI (every index two bands
     allow) over the registry's plots, anomaly flags, previews, one
     transaction
The ratio B/A is the price of the ingest beyond the statistics: a second
pass for SAVI, the registry read from the store instead of a file, the
previews and the rows written.

Standard library only; run with /usr/bin/python3."""
import os
import statistics
import subprocess

from common import machine, tmpdir
from zonal_bench import summary, tile_args, timed


def main():
    a, oasis, data = tile_args(__doc__, "oasis-bench-imagery-")
    scene = os.path.join(data, "scene.tif")
    plots = os.path.join(data, "plots.geojson")
    work = tmpdir("oasis-bench-imagery-out-")
    store = os.path.join(work, "store")
    subprocess.run([oasis, "init", "--data", store], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([oasis, "plots", "import", plots, "--skip-invalid", "--data", store],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    zonal = [oasis, "zonal", "--raster", scene, "--plots", plots, "--red", "1", "--nir", "2"]
    print("machine: %s" % machine())
    print("data: %s (10980 x 10980, 2 x uint16 DEFLATE), 10,000 plots" % data)
    names = ("A: oasis zonal (NDVI)", "B: oasis imagery ingest (NDVI, SAVI, store)")
    walls = {n: [] for n in names}
    rss = {n: [] for n in names}
    for i in range(a.runs + 1):
        ingest = [oasis, "imagery", "ingest", scene, "--red", "1", "--nir", "2",
                  "--source", "sentinel-2a", "--acquired",
                  "2026-07-%02dT05:00:00Z" % (i + 1), "--data", store]
        for name, cmd, out in ((names[0], zonal, "a.csv"), (names[1], ingest, "b.out")):
            w, m = timed(cmd, os.path.join(work, out), name)
            if i > 0:
                walls[name].append(w)
                rss[name].append(m)
    for name in names:
        print(summary(name, walls[name], rss[name]))
    ratios = [b / x for b, x in zip(walls[names[1]], walls[names[0]])]
    print("  ratio B/A: median %.2f (min %.2f, max %.2f), %d rounds" % (
        statistics.median(ratios), min(ratios), max(ratios), len(ratios)))
    with open(os.path.join(work, "b.out")) as f:
        print("  last ingest: %s" % f.read().strip())


if __name__ == "__main__":
    main()

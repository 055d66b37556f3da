"""The plot registry: importing 10,000 plots, and GET /api/v1/plots of them.

Peers in the same run: GDAL's own ogr2ogr converting the same GeoJSON into
a GeoPackage (reading, CRS handling and an SQLite write, without our
validation and geodesic areas), and for the HTTP read, the same
FeatureCollection served as a static file by Python's http.server."""
import http.client
import os
import shutil
import subprocess
import sys
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

from common import machine, oasis_bin, pair, report, shared_tool, tmpdir


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def get_times(port, path, n, headers=None):
    times = []
    for _ in range(n):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        start = time.perf_counter()
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        body = r.read()
        times.append(time.perf_counter() - start)
        conn.close()
        assert r.status == 200, r.status
    return times, len(body)


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    oasis = oasis_bin(build)
    work = tmpdir("oasis-bench-plots-")
    subprocess.run(["/usr/bin/python3", shared_tool("gen_scene.py"), "--size",
                    "500", "--plots", "10000", "--out", work], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    plots = os.path.join(work, "plots.geojson")
    store = os.path.join(work, "store")
    gpkg = os.path.join(work, "peer.gpkg")
    print("machine: %s" % machine())
    print("import of 10,000 plots (gen_scene.py --plots 10000), fresh store each run")

    def fresh():
        shutil.rmtree(store, ignore_errors=True)
        if os.path.exists(gpkg):
            os.remove(gpkg)
        subprocess.run([oasis, "init", "--data", store], check=True,
                       stdout=subprocess.DEVNULL)

    pair("A: oasis plots import", [oasis, "plots", "import", plots, "--data", store],
         "B: ogr2ogr -f GPKG", ["ogr2ogr", "-f", "GPKG", gpkg, plots],
         setup=fresh)

    fresh()
    subprocess.run([oasis, "plots", "import", plots, "--data", store], check=True,
                   stdout=subprocess.DEVNULL)
    token = subprocess.run([oasis, "token", "create", "--role", "viewer",
                            "--name", "bench", "--data", store], check=True,
                           capture_output=True, text=True).stdout.strip()
    server = subprocess.Popen([oasis, "serve", "--data", store, "--listen",
                               "127.0.0.1:0"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    port = int(server.stdout.readline().split(":")[2].split("/")[0])
    static_dir = os.path.join(work, "static")
    os.makedirs(static_dir)
    with open(os.path.join(static_dir, "plots.json"), "wb") as f:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request("GET", "/api/v1/plots",
                     headers={"Authorization": "Bearer " + token})
        f.write(conn.getresponse().read())
    handler = partial(QuietHandler, directory=static_dir)
    peer = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=peer.serve_forever, daemon=True).start()
    print("GET of all 10,000 plots as GeoJSON, 20 requests each, interleaved")
    ta, tb, ratios = [], [], []
    for _ in range(20):
        a, size = get_times(port, "/api/v1/plots", 1,
                            {"Authorization": "Bearer " + token})
        b, _ = get_times(peer.server_address[1], "/plots.json", 1)
        ta += a
        tb += b
        ratios.append(a[0] / b[0])
    report("A: oasis GET /api/v1/plots (%.1f MB)" % (size / 1e6), ta,
           "B: static file, python http.server", tb, ratios)
    peer.shutdown()
    server.terminate()
    server.wait()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

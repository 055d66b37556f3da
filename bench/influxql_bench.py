"""InfluxQL: a Grafana-style mean per hour over a year of minute data of one
station, on Oasis's /query and on InfluxDB 1.6 (Debian's influxd) with the
same 525,600 points, timed alternately (A B A B) over keep-alive
connections.  Usage: influxql_bench.py [BUILD] [RUNS]"""
import http.client
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import machine, oasis_bin, tmpdir  # noqa: E402
from ts_peers import (Influx, KeepAlive, OasisServer, ensure_packages,  # noqa: E402
                      proc_cpu)

START = 1672531200000  # 2023-01-01T00:00:00Z
MINUTES = 365 * 24 * 60
QUERY = ("SELECT mean(\"air_temp\") FROM \"weather\" WHERE (\"device\" = "
         "'ws-01') AND time >= %dms and time <= %dms GROUP BY time(1h) "
         "fill(null)" % (START, START + MINUTES * 60000 - 1))


def batches(size=20000):
    for i in range(0, MINUTES, size):
        yield "".join(
            "weather,device=ws-01 air_temp=%.2f %d\n" %
            (15 + 12 * math.sin(k / 1440 * 2 * math.pi) +
             8 * math.sin(k / 525600 * 2 * math.pi), START + k * 60000)
            for k in range(i, min(i + size, MINUTES)))


def post(port, path, body, headers):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    c.request("POST", path, body=body, headers=headers)
    r = c.getresponse()
    data = r.read()
    c.close()
    if r.status not in (200, 201, 204):
        raise RuntimeError("POST %s: %d %s" % (path, r.status, data[:200]))
    return data


def oasis_setup(binary):
    store = os.path.join(tmpdir("oasis-bench-iq-"), "store")
    subprocess.run([binary, "init", "--data", store], check=True,
                   stdout=subprocess.DEVNULL)
    token = subprocess.run([binary, "token", "create", "--role", "admin",
                            "--name", "bench", "--data", store], check=True,
                           capture_output=True, text=True).stdout.strip()
    srv = OasisServer(binary, store)
    auth = {"Authorization": "Bearer " + token}
    post(srv.port, "/api/v1/devices", json.dumps(
        {"id": "ws-01", "kind": "weather_station"}),
        dict(auth, **{"Content-Type": "application/json"}))
    for b in batches():
        post(srv.port, "/write?precision=ms", b, auth)
    # as a year of data lies: sealed into chunks (a stop checkpoints)
    srv.stop()
    return OasisServer(binary, store), token, store


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    binary = oasis_bin(build)
    print("machine: %s; load average %s" % (machine(), os.getloadavg()))
    srv, token, store = oasis_setup(binary)
    path = "/query?" + urllib.parse.urlencode({"db": "farm", "q": QUERY,
                                               "epoch": "ms"})
    oasis = KeepAlive(srv.port, {"Authorization": "Token " + token})
    influx = None
    if not shutil.which("influxd") and ensure_packages(["influxdb"]):
        print("influxd not installed: Oasis alone")
    else:
        influx = Influx()
        influx.query("CREATE DATABASE farm")
        for b in batches():
            post(influx.port, "/write?db=farm&precision=ms", b, {})
        influx.wait_compacted("farm")
        ik = KeepAlive(influx.port)
    # the same answer from both (8760 hours)
    a = json.loads(oasis.get(path)[1])["results"][0]["series"][0]["values"]
    print("oasis: %d rows" % len(a))
    if influx:
        b = json.loads(ik.get(path)[1])["results"][0]["series"][0]["values"]
        same = len(a) == len(b) and all(
            x[0] == y[0] and abs(x[1] - y[1]) < 1e-9 for x, y in zip(a, b))
        print("influxd: %d rows, same answer: %s" % (len(b), same))
    ta, tb, ratios = [], [], []
    ca = cb = 0.0
    for i in range(runs + 1):
        c0 = proc_cpu(srv.pid)
        x = oasis.get(path)[0]
        c1 = proc_cpu(srv.pid)
        if influx:
            c2 = proc_cpu(influx.pid)
            y = ik.get(path)[0]
            c3 = proc_cpu(influx.pid)
        if i == 0:
            continue
        ta.append(x)
        ca += c1 - c0
        if influx:
            tb.append(y)
            cb += c3 - c2
            ratios.append(y / x)
    print("mean per hour over a year of minute data (%d runs, A B A B):" % runs)
    print("  oasis   median %.2f ms (min %.2f), CPU %.2f ms a query" %
          (statistics.median(ta) * 1e3, min(ta) * 1e3, ca / runs * 1e3))
    if influx:
        print("  influxd median %.2f ms (min %.2f), CPU %.2f ms a query" %
              (statistics.median(tb) * 1e3, min(tb) * 1e3, cb / runs * 1e3))
        print("  influxd / oasis: median of pairwise ratios %.1fx" %
              statistics.median(ratios))
        influx.stop()
    print("load average after: %s" % (os.getloadavg(),))
    oasis.close()
    srv.stop()
    shutil.rmtree(os.path.dirname(store), ignore_errors=True)


if __name__ == "__main__":
    main()

"""The base's irrigation plan: GET /api/v1/irrigation/plan over 5,000 plots.

    python3 plan_bench.py [BUILD] [PEER_COMMIT]   (from bench/, as run.sh does)

Makes a store of 5,000 cotton plots (a grid near Manas, each about 10 ha,
sown SEASON days ago), 10 weather stations reporting every 10 minutes
(air_temp, rh, wind_speed, solar_rad, rain) and one soil probe per plot
reporting three depths every 6 hours, all through the server's own HTTP
routes.  Then two servers run side by side, each on its own copy of the
store:

  A  this tree's BUILD/oasis
  B  the same program at PEER_COMMIT (default: the last commit before the
     plan computed each station's weather once per request), built
     optimised into BUILD/bench/plan-peer-COMMIT/ (kept between runs)

and GET /api/v1/irrigation/plan?date=TODAY is timed on A and B
alternately.  Prints the medians, the pairwise ratio, and whether both
list the same plots due with the same volumes.  PLAN_BENCH_KEEP=1 keeps the
stores (and prints where).  Goal: A well under 1 s.
Standard library only.
"""
import datetime
import http.client
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import time

from common import TOP, machine, oasis_bin, report, serve, tmpdir

PEER_COMMIT = "93e4a49"
PLOTS, STATIONS, SEASON = 5000, 10, 90
ROWS, COLS = 50, 100
DAY = 86400
RUNS = 3


def peer_binary(build, commit):
    """The oasis of `commit`, built once into BUILD/bench/plan-peer-COMMIT."""
    out = os.path.join(TOP, build, "bench", "plan-peer-" + commit)
    binary = os.path.join(out, "build", "oasis")
    if os.path.exists(binary):
        return binary
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    archive = subprocess.run(["git", "-C", TOP, "archive", commit],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", out], input=archive, check=True)
    subprocess.run(["make", "-C", out, "-j%d" % (os.cpu_count() or 2),
                    "build/oasis"], check=True, stdout=subprocess.DEVNULL)
    return binary


def iso(day):
    return (datetime.date(1970, 1, 1) + datetime.timedelta(days=day)).isoformat()


def plots_geojson(path, sown):
    feats = []
    for i in range(PLOTS):
        r, c = divmod(i, COLS)
        x, y = 86.0 + c * 0.004, 44.2 + r * 0.003
        ring = [[x, y], [x + 0.0038, y], [x + 0.0038, y + 0.0028],
                [x, y + 0.0028], [x, y]]
        feats.append({"type": "Feature",
                      "geometry": {"type": "Polygon", "coordinates": [ring]},
                      "properties": {"code": "B%04d" % i, "crop": "cotton",
                                     "sowing_date": iso(sown),
                                     "irrigation": "drip_under_film",
                                     "field_capacity": 0.30,
                                     "wilting_point": 0.12}})
    with open(path, "w") as f:
        json.dump({"type": "FeatureCollection", "features": feats}, f)


def station_xy(k):
    return 86.0 + (k % 5 + 0.5) * 0.08, 44.2 + (k // 5 + 0.5) * 0.075


class Client:
    def __init__(self, port, token):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self.auth = {"Authorization": "Bearer " + token}

    def call(self, method, path, body=None, ctype="application/json"):
        headers = dict(self.auth)
        if body is not None:
            headers["Content-Type"] = ctype
        for _ in range(10):
            self.conn.request(method, path, body=body, headers=headers)
            r = self.conn.getresponse()
            data = r.read()
            if r.status != 503:
                break
            # busy (a loaded machine): as a client should, after Retry-After
            time.sleep(float(r.getheader("Retry-After") or 1))
        if r.status >= 300:
            sys.exit("plan_bench: %s %s: %d %s" % (method, path, r.status,
                                                    data[:300]))
        return data


def start(binary, store):
    return serve(binary, store, "plan_bench")


def stop(proc):
    proc.terminate()
    proc.wait(timeout=60)


def weather_lines(today, sown):
    for k in range(STATIONS):
        for d in range(sown, today):
            for m in range(0, 1440, 10):
                hour = m / 60
                temp = 24 + 8 * math.cos((hour - 15) / 24 * 2 * math.pi) + k * 0.1
                sun = max(0.0, math.cos((hour - 6.25) / 24 * 2 * math.pi) - 0.1)
                yield ("weather,device=ws-%02d air_temp=%.1f,rh=%d,wind_speed=2.1,"
                       "solar_rad=%d,rain=0 %d" % (k, temp, 60 - temp, 900 * sun,
                                                   d * DAY + m * 60))


def probe_lines(today, sown):
    for i in range(PLOTS):
        for d in range(sown, today):
            for h in (0, 6, 12, 18):
                w = 22 + 4 * math.sin((d + i) / 9.0)
                yield ("soil,device=sp-%04d moisture_10cm=%.1f,moisture_20cm=%.1f,"
                       "moisture_40cm=%.1f %d" % (i, w, w + 1, w + 2,
                                                  d * DAY + h * 3600))


def load(binary, work, today):
    store = os.path.join(work, "store")
    sown = today - SEASON
    geo = os.path.join(work, "plots.geojson")
    plots_geojson(geo, sown)
    subprocess.run([binary, "init", "--data", store], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([binary, "plots", "import", geo, "--data", store], check=True,
                   stdout=subprocess.DEVNULL)
    token = subprocess.run([binary, "token", "create", "--role", "admin",
                            "--name", "bench", "--data", store], check=True,
                           capture_output=True, text=True).stdout.strip()
    proc, port = start(binary, store)
    c = Client(port, token)
    for k in range(STATIONS):
        x, y = station_xy(k)
        c.call("POST", "/api/v1/devices", json.dumps(
            {"id": "ws-%02d" % k, "kind": "weather_station", "location": [x, y]}))
    for i in range(PLOTS):
        c.call("POST", "/api/v1/devices", json.dumps(
            {"id": "sp-%04d" % i, "kind": "soil_probe", "plot": "B%04d" % i}))
    points = 0
    for lines in (weather_lines(today, sown), probe_lines(today, sown)):
        chunk = []
        for line in lines:
            chunk.append(line)
            if len(chunk) == 20000:
                c.call("POST", "/api/v1/write?precision=s", "\n".join(chunk),
                       "text/plain")
                points += len(chunk)
                chunk = []
        if chunk:
            c.call("POST", "/api/v1/write?precision=s", "\n".join(chunk),
                   "text/plain")
            points += len(chunk)
    stop(proc)
    return store, token, points


def due_of(body):
    plan = json.loads(body)
    return {d["plot"]: round(d["volume_m3"] or 0, 1) for d in plan["due"]}, plan


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    commit = sys.argv[2] if len(sys.argv) > 2 else PEER_COMMIT
    ours = oasis_bin(build)
    peer = peer_binary(build, commit)
    work = tmpdir("oasis-bench-plan-")
    today = int(time.time()) // DAY
    print("machine: %s" % machine())
    t0 = time.perf_counter()
    store, token, lines = load(ours, work, today)
    print("store: %d plots, %d stations, %d probes, %d days, %d lines written "
          "(%.1f s)" % (PLOTS, STATIONS, PLOTS, SEASON, lines,
                        time.perf_counter() - t0))
    peer_store = os.path.join(work, "store-peer")
    shutil.copytree(store, peer_store)
    pa, port_a = start(ours, store)
    pb, port_b = start(peer, peer_store)
    path = "/api/v1/irrigation/plan?date=%s" % iso(today)
    a, b = Client(port_a, token), Client(port_b, token)
    ta, tb, ratios = [], [], []
    try:
        for i in range(RUNS + 1):
            s = time.perf_counter()
            body_a = a.call("GET", path)
            x = time.perf_counter() - s
            s = time.perf_counter()
            body_b = b.call("GET", path)
            y = time.perf_counter() - s
            if i:
                ta.append(x)
                tb.append(y)
                ratios.append(x / y)
    finally:
        stop(pa)
        stop(pb)
    print("GET /api/v1/irrigation/plan, %d plots (%d B and %d B answers)" % (
        PLOTS, len(body_a), len(body_b)))
    report("A: this tree", ta, "B: peer %s" % commit, tb, ratios)
    due_a, plan_a = due_of(body_a)
    due_b, _ = due_of(body_b)
    print("  plots with a balance: %d; due today: %d (A), %d (B); same plots "
          "and volumes: %s" % (plan_a["plots"], len(due_a), len(due_b),
                               "yes" if due_a == due_b else "NO"))
    print("  A is %.0fx faster; goal: A under 1 s: %s" % (
        statistics.median(tb) / statistics.median(ta),
        "met" if statistics.median(ta) < 1 else "MISSED"))
    if os.environ.get("PLAN_BENCH_KEEP"):
        print("  kept: %s (token %s)" % (work, token))
    else:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

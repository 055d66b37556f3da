"""Monitoring benchmark: what 1,000 active rules cost ingestion, and 50
live-stream clients receiving every alert.

    python3 alert_bench.py [BUILD]        (from bench/, as bench/run.sh does)

1. Two servers on fresh stores with the same 200 weather stations on 20
   plots: A with no rule, B with 1,000 rules (five templates per station:
   frost, heat stress, strong wind, low battery and dry hot wind, each
   filtered to its station, plus nothing else).  21 pairs (after a warm-up pair), the
   same line-protocol batches (1,000 lines x 5 fields = 5,000 points per
   request, 100 requests = 500,000 points) go to A, then to B, over one
   keep-alive connection each; the ratio of throughputs is taken pair by
   pair.  The values stay in range, so the rules are evaluated on every
   point but raise nothing: what is measured is the evaluation itself.
   Goal: B at least 90 % of A.
2. In process (bench/alert_observe.c, built here against BUILD's
   liboasis.a): the observer's nanoseconds per point with no rule and
   with the same 1,000 rules, alternately: the evaluation's own cost,
   free of the shared machine's HTTP and disk noise.
3. 50 SSE clients on B's /api/v1/stream while a strong-wind rule on one
   station opens and closes 100 times (200 alert events): every client
   must receive all 200, in order, with no gap.

Standard library only.
"""
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time

from common import TOP, machine, oasis_bin, tmpdir

sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
import harness  # noqa: E402

STATIONS, PLOTS = 200, 20
LINES, REQUESTS, ROUNDS = 1000, 100, 21
TEMPLATES = ["frost", "heat_stress", "strong_wind", "low_battery",
             "dry_hot_wind"]


def setup(build, rules):
    harness.OASIS = oasis_bin(build)
    s = harness.Server()
    s.start()
    ring = [[86.2, 44.3], [86.21, 44.3], [86.21, 44.31], [86.2, 44.31],
            [86.2, 44.3]]
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "P%02d" % i,
                                           "crop": "cotton"},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}
        for i in range(PLOTS)]}
    assert s.post("/api/v1/plots", body=fc, token=s.admin_token).status == 201
    for i in range(STATIONS):
        r = s.post("/api/v1/devices", token=s.admin_token,
                   body={"id": "ws-%03d" % i, "kind": "weather_station",
                         "plot": "P%02d" % (i % PLOTS)})
        assert r.status == 201, r
    if rules:
        for i in range(STATIONS):
            for t in TEMPLATES:
                r = s.post("/api/v1/rules", token=s.admin_token,
                           body={"template": t, "device": "ws-%03d" % i})
                assert r.status == 201, r
        n = len(s.get("/api/v1/rules", token=s.admin_token).json()["rules"])
        assert n == STATIONS * len(TEMPLATES), n
    return s


def batches(t0):
    """REQUESTS bodies of LINES lines, 5 in-range fields each."""
    out = []
    ts = t0
    for _ in range(REQUESTS):
        lines = []
        for k in range(LINES):
            dev = "ws-%03d" % (k % STATIONS)
            ts += 1
            lines.append("weather,device=%s air_temp=%.1f,rh=%.1f,"
                         "wind_speed=%.1f,battery=3.9,pressure=950 %d"
                         % (dev, 20 + (k % 7) * 0.3, 50 + (k % 5),
                            2 + (k % 3) * 0.5, ts))
        out.append("\n".join(lines).encode())
    return out, ts


def cpu_s(s):
    """The server's CPU time so far (user + system), in seconds."""
    with open("/proc/%d/stat" % s.proc.pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def push(s, bodies):
    """(wall seconds, server CPU seconds) to write bodies."""
    cpu0 = cpu_s(s)
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=120)
    h = {"Authorization": "Bearer " + s.admin_token,
         "Content-Type": "text/plain"}
    start = time.perf_counter()
    for b in bodies:
        conn.request("POST", "/api/v1/write?precision=ms", body=b, headers=h)
        r = conn.getresponse()
        r.read()
        assert r.status == 204, (r.status, r.read())
    took = time.perf_counter() - start
    conn.close()
    return took, cpu_s(s) - cpu0


def throughput(a, b):
    """Pairs A B, B A, ... (the order alternates); ratios pair by pair."""
    t = int(time.time() * 1000) - 3600 * 1000
    wa, wb, ca, cb, wall, cpu = [], [], [], [], [], []
    for i in range(ROUNDS + 1):
        bodies, t = batches(t)
        if i % 2:
            y = push(b, bodies)
            x = push(a, bodies)
        else:
            x = push(a, bodies)
            y = push(b, bodies)
        if i == 0:
            continue  # warm-up
        wa.append(x[0])
        wb.append(y[0])
        ca.append(x[1])
        cb.append(y[1])
        wall.append(x[0] / y[0])  # throughput B / throughput A
        cpu.append(x[1] / y[1] if y[1] else 1.0)
    pts = LINES * 5 * REQUESTS
    med = statistics.median
    print("  A no rules:     wall median %.3f s per %d points (%.0f points/s),"
          " server CPU %.3f s" % (med(wa), pts, pts / med(wa), med(ca)))
    print("  B 1,000 rules:  wall median %.3f s per %d points (%.0f points/s),"
          " server CPU %.3f s" % (med(wb), pts, pts / med(wb), med(cb)))
    print("  throughput B/A by wall time: median %.3f (min %.3f, max %.3f), "
          "%d pairs" % (med(wall), min(wall), max(wall), len(wall)))
    print("  throughput B/A by server CPU: median %.3f (min %.3f, max %.3f)"
          % (med(cpu), min(cpu), max(cpu)))
    return med(wall)


class Client(threading.Thread):
    def __init__(self, s, want):
        super().__init__(daemon=True)
        self.conn = http.client.HTTPConnection("127.0.0.1", s.port,
                                               timeout=60)
        self.conn.request("GET", "/api/v1/stream?plot=P00",
                          headers={"Authorization": "Bearer " +
                                   s.admin_token})
        self.resp = self.conn.getresponse()
        assert self.resp.status == 200
        self.want = want
        self.alerts = []

    def run(self):
        ev = {}
        while len(self.alerts) < self.want:
            line = self.resp.fp.readline().decode()
            if line == "":
                return
            line = line.rstrip("\n")
            if line == "":
                if ev.get("event") == "alert":
                    self.alerts.append(json.loads(ev["data"])["event"])
                ev = {}
            elif not line.startswith(":"):
                k, _, v = line.partition(": ")
                ev[k] = v


def sse(b):
    r = b.post("/api/v1/rules", token=b.admin_token,
               body={"name": "sse gust", "device": "ws-000", "conditions": [
                   {"metric": "wind_gust", "op": ">=", "threshold": 20,
                    "clear": 10}]})
    assert r.status == 201, r
    toggles = 100
    clients = [Client(b, 2 * toggles) for _ in range(50)]
    for c in clients:
        c.start()
    t = int(time.time() * 1000)
    start = time.perf_counter()
    for i in range(2 * toggles):
        body = "weather,device=ws-000 wind_gust=%d %d" % (
            25 if i % 2 == 0 else 5, t + i)
        r = b.post("/api/v1/write?precision=ms", body=body,
                   token=b.admin_token)
        assert r.status == 204, r
    for c in clients:
        c.join(timeout=60)
    took = time.perf_counter() - start
    want = ["opened", "closed"] * toggles
    complete = sum(1 for c in clients if c.alerts == want)
    print("  50 SSE clients, %d alert events: %d clients got all, in order "
          "(%.2f s)" % (len(want), complete, took))
    for c in clients:
        c.conn.close()
    return complete


def observer(build):
    out = os.path.join(TOP, build, "bench", "alert_observe")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    pkgs = subprocess.run(["pkg-config", "--cflags", "--libs", "libmicrohttpd",
                           "jansson", "sqlite3", "gdal", "proj", "libsodium",
                           "libcurl", "libmosquitto", "libpq", "zlib"],
                          capture_output=True, text=True, check=True)
    subprocess.run([os.environ.get("CC", "cc"), "-std=c11", "-D_GNU_SOURCE",
                    "-O2", "-Isrc", "-o", out, "bench/alert_observe.c",
                    os.path.join(build, "liboasis.a")] +
                   pkgs.stdout.split() + ["-lm", "-pthread"], cwd=TOP,
                   check=True)
    line = subprocess.run([out, "9"], capture_output=True, text=True,
                          check=True).stdout.split()
    none, rules = float(line[2]), float(line[4])
    print("  observer in process: %.1f ns per point with no rule, %.1f ns "
          "with 1,000 rules (+%.1f ns)" % (none, rules, rules - none))


def pin(a, b):
    """Both servers (all their threads) on the last core, this client on
    the others: the pair competes for the same core, not with the client."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return
    for s in (a, b):
        subprocess.run(["taskset", "-a", "-cp", str(cores[-1]),
                        str(s.proc.pid)], check=True,
                       stdout=subprocess.DEVNULL)
    os.sched_setaffinity(0, set(cores[:-1]))
    print("  servers pinned to core %d, the client to %s"
          % (cores[-1], ",".join(map(str, cores[:-1]))))


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    os.chdir(TOP)
    print("machine:", machine())
    a = setup(build, rules=False)
    b = setup(build, rules=True)
    pin(a, b)
    try:
        ratio = throughput(a, b)
        observer(build)
        complete = sse(b)
    finally:
        a.close()
        b.close()
    print("goal: throughput B/A (wall) >= 0.90: %s; 50/50 SSE clients: %s"
          % ("met" if ratio >= 0.9 else "NOT met",
             "met" if complete == 50 else "NOT met"))


if __name__ == "__main__":
    _ = tmpdir
    main()

"""HTTP ingest on PostgreSQL: one node in cluster mode (`serve --cluster`:
acknowledged once committed in PostgreSQL, group commit) beside the same
node acknowledging after its local WAL, alternated A B A B on one store,
plus two cluster nodes written at once.  Needs a PostgreSQL server:

    tests/pg.sh run python3 bench/cluster_bench.py [BUILD] [PAIRS]

BUILD defaults to build (a release build).  Each run: C clients, each
posting R requests of S series x P points (line protocol, distinct
timestamps per run so that every point is new)."""
import http.client
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests",
                                "integration"))
import harness  # noqa: E402

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
PAIRS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
T0 = 1780000000000
SHAPES = [  # (name, clients, requests per client, series, points per series)
    ("big batches: 4 clients x 20 x 5,000 points", 4, 20, 50, 100),
    ("small batches: 16 clients x 200 x 10 points", 16, 200, 10, 1),
]


def start(binary, folder, url, extra):
    log = open(os.path.join(folder, "server.log"), "a")
    p = subprocess.Popen([binary, "serve", "--data", folder, "--db", url,
                          "--listen", "127.0.0.1:0"] + extra,
                         stdout=subprocess.PIPE, stderr=log, text=True)
    m = re.search(r"http://127\.0\.0\.1:(\d+)/", p.stdout.readline())
    assert m, "server did not start"
    return p, int(m.group(1))


def body(run, client, req, series, points):
    base = T0 + run * 10 ** 9 + (client * 10000 + req) * points * 1000
    return "".join("m,device=d%d t=%d %d\n" % (s, (k + s) % 40,
                                               (base + k * 1000) * 1000000)
                   for s in range(series) for k in range(points))


def load(ports, token, run, shape):
    _, clients, reqs, series, points = shape
    bodies = [[body(run, c, r, series, points) for r in range(reqs)]
              for c in range(clients)]
    errors = []

    def client(c):
        conn = http.client.HTTPConnection("127.0.0.1", ports[c % len(ports)],
                                          timeout=120)
        for r in range(reqs):
            conn.request("POST", "/api/v1/write?db=bench", body=bodies[c][r],
                         headers={"Authorization": "Bearer " + token})
            resp = conn.getresponse()
            resp.read()
            if resp.status != 204:
                errors.append(resp.status)
        conn.close()

    threads = [threading.Thread(target=client, args=(c,))
               for c in range(clients)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    dt = time.perf_counter() - t
    assert not errors, errors[:5]
    return clients * reqs * series * points / dt


def main():
    binary = os.path.join(harness.__file__.rsplit("/tests/", 1)[0], BUILD,
                          "oasis")
    url = harness.pg_database()
    folder = tempfile.mkdtemp(prefix="oasis-bench-cluster-")
    store = os.path.join(folder, "store")
    harness.OASIS = binary
    out = subprocess.run([binary, "init", "--data", store, "--db", url],
                         capture_output=True, text=True, check=True)
    token = subprocess.run([binary, "token", "create", "--role", "admin",
                            "--name", "bench", "--data", store, "--db", url],
                           capture_output=True, text=True,
                           check=True).stdout.strip()
    for d in range(50):
        subprocess.run([binary, "devices", "add", "d%d" % d, "--kind",
                        "weather_station", "--data", store, "--db", url],
                       capture_output=True, text=True)
    print("load average before: %s" % open("/proc/loadavg").read().strip())
    run = 0
    for shape in SHAPES:
        wal, clu, two = [], [], []
        for i in range(PAIRS):
            for mode in ("wal", "cluster", "two"):
                run += 1
                extra = [] if mode == "wal" else ["--cluster", "--node-id"]
                procs = []
                if mode == "wal":
                    procs.append(start(binary, store, url, []))
                else:
                    for k in range(2 if mode == "two" else 1):
                        f = os.path.join(folder, "n%d" % k)
                        os.makedirs(f, exist_ok=True)
                        procs.append(start(binary, f, url,
                                           extra + ["n%d" % k]))
                rate = load([p for _, p in procs], token, run, shape)
                for p, _ in procs:
                    p.terminate()
                    p.wait(timeout=60)
                {"wal": wal, "cluster": clu, "two": two}[mode].append(rate)
        print(shape[0])
        for name, xs in (("one node, WAL acknowledgement", wal),
                         ("one node, --cluster (PostgreSQL commit)", clu),
                         ("two nodes, --cluster, clients split", two)):
            print("  %-42s median %8.0f points/s (min %.0f, max %.0f)"
                  % (name, statistics.median(xs), min(xs), max(xs)))
        print("  ratio cluster/WAL, pairwise: %s" % ", ".join(
            "%.2f" % (c / w) for c, w in zip(clu, wal)))
    print("load average after: %s" % open("/proc/loadavg").read().strip())


main()

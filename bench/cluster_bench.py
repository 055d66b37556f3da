"""Aggregate HTTP ingest into the cluster of scripts/cluster.sh: line
protocol through haproxy into three Oasis nodes (A) beside the same load
into one node of the same cluster (B), PostgreSQL under Patroni in
synchronous mode, in one run, alternating A B A B, with the ratio of each
pair and the load average.  The nodes run with --cluster (scripts/cluster.sh):
every acknowledged write is committed to PostgreSQL and to its synchronous
standby.

    python3 bench/cluster_bench.py [BUILD] [RUNS]

Starts its own cluster (a state folder under TMPDIR; `down` at the end).
Each run posts BATCHES batches of LINES lines (one point each) from CLIENTS
client threads, fresh timestamps for every run.  The figures go to
docs/BENCHMARKS.md by hand."""

import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SCRIPT = os.path.join(ROOT, "scripts", "cluster.sh")

DEVICES = 200
LINES = 5000
BATCHES = 200          # 1,000,000 points a run
CLIENTS = 6


def sh(env, *args):
    return subprocess.run([SCRIPT] + list(args), env=env, check=True,
                          capture_output=True, text=True, timeout=600).stdout


def post(port, token, bodies, errors):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for b in bodies:
        c.request("POST", "/api/v1/write?precision=ms", body=b,
                  headers={"Authorization": "Bearer " + token})
        r = c.getresponse()
        r.read()
        if r.status != 204:
            errors.append(r.status)
        if r.getheader("connection", "").lower() == "close":
            c.close()
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    c.close()


def batches(t0):
    """BATCHES bodies: DEVICES devices, one point a second each, from t0."""
    out = []
    n = 0
    for b in range(BATCHES):
        lines = []
        for k in range(LINES):
            dev = n % DEVICES
            ts = t0 + (n // DEVICES) * 1000
            lines.append("weather,device=cb-%03d air_temp=%d %d" %
                         (dev, n % 40, ts))
            n += 1
        out.append("\n".join(lines).encode())
    return out


def cpu_of(pid):
    """CPU seconds (user + system) of a process, 0 when gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            f = f.read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def children(pid):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    return out


def cpu_by_part(state, v):
    """CPU seconds so far of the Oasis nodes, PostgreSQL (postmasters and
    their children, e.g. backends and walsenders), haproxy and this client;
    processes that ended meanwhile are not counted."""
    def pid(name):
        try:
            with open(os.path.join(state, "pids", name + ".pid")) as f:
                return int(f.read())
        except (OSError, ValueError):
            return 0
    pg = 0.0
    for i in range(1, int(v["PG_NODES"]) + 1):
        try:
            with open(os.path.join(state, "pg", "p%d" % i, "data",
                                   "postmaster.pid")) as f:
                pm = int(f.readline())
        except (OSError, ValueError):
            continue
        pg += cpu_of(pm) + sum(cpu_of(c) for c in children(pm))
    me = os.times()
    return {"oasis": sum(cpu_of(pid("o%d" % i))
                         for i in range(1, int(v["NODES"]) + 1)),
            "postgres": pg, "haproxy": cpu_of(pid("haproxy")),
            "client": me.user + me.system}


def run(port, token, bodies):
    errors = []
    share = [bodies[i::CLIENTS] for i in range(CLIENTS)]
    ts = [threading.Thread(target=post, args=(port, token, s, errors))
          for s in share]
    t = time.time()
    for th in ts:
        th.start()
    for th in ts:
        th.join()
    secs = time.time() - t
    if errors:
        raise SystemExit("write errors: %s" % errors[:5])
    return BATCHES * LINES / secs


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    oasis = build if build.startswith("/") else os.path.join(ROOT, build)
    state = tempfile.mkdtemp(prefix="oasis-cluster-bench-")
    os.chmod(state, 0o755)
    env = dict(os.environ, OASIS_CLUSTER_DIR=state, OASIS_CLUSTER_DEMO="0",
               OASIS_BIN=os.path.join(oasis, "oasis"))
    try:
        sh(env, "up")
        v = {}
        for line in sh(env, "env").splitlines():
            k, _, val = line.partition("=")
            v[k] = val.strip("'")
        token = open(os.path.join(state, "admin-token")).read().strip()
        c = http.client.HTTPConnection("127.0.0.1", int(v["HA_HTTP"]))
        for d in range(DEVICES):
            c.request("POST", "/api/v1/devices", headers={
                "Authorization": "Bearer " + token,
                "Content-Type": "application/json"},
                body='{"id":"cb-%03d","kind":"weather_station"}' % d)
            c.getresponse().read()
        c.close()
        now = int(time.time() * 1000)
        span = BATCHES * LINES // DEVICES * 1000
        sides = {"A": int(v["HA_HTTP"]), "B": int(v["O1_PORT"])}
        got = {"A": [], "B": []}
        k = 0
        print("cluster: %s PostgreSQL nodes (synchronous mode), %s Oasis "
              "nodes; %d clients x %d-line batches, %d points a run"
              % (v["PG_NODES"], v["NODES"], CLIENTS, LINES, BATCHES * LINES))
        for r in range(runs):
            for side in "AB":
                k += 1
                bodies = batches(now - 20 * 3600 * 1000 + k * span)
                c0 = cpu_by_part(state, v)
                rate = run(sides[side], token, bodies)
                c1 = cpu_by_part(state, v)
                got[side].append(rate)
                print("run %d %s %-20s %9.0f points/s  load %5.2f  CPU s "
                      "per 1M points: %s" % (
                          r + 1, side, "haproxy -> 3 nodes" if side == "A"
                          else "one node (o1)", rate, os.getloadavg()[0],
                          " ".join("%s %.2f" % (k, (c1[k] - c0[k]) * 1e6 /
                                                (BATCHES * LINES))
                                   for k in c0)), flush=True)
        ratios = [a / b for a, b in zip(got["A"], got["B"])]
        med = lambda xs: sorted(xs)[len(xs) // 2]
        print("median: A %.0f points/s, B %.0f points/s, ratio A/B %.2f "
              "(pairs %s)" % (med(got["A"]), med(got["B"]), med(ratios),
                              ", ".join("%.2f" % x for x in ratios)))
    finally:
        subprocess.run([SCRIPT, "down"], env=env, capture_output=True,
                       timeout=300)
        shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    main()

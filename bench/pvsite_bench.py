"""The PV park's daily metrics from the store: a 100-inverter,
3,000-string plant (25 blocks of 4 inverters, 3 combiner boxes of 10
strings each, 4 met stations, an export meter with an AGC set-point) and
one day of 1-minute data (about 4.6 M points: string currents, inverter
AC and DC power, POA irradiance and module temperature, the set-point),
with a tripped inverter, an open string and a curtailment hour.  The
data goes into a store with `oasis ingest` (the CSV files are kept), then
`oasis pv daily --site park --date 2025-06-21` (the whole process: open
the store and the engine, read every series, compute, print the JSON)
runs against its peer, bench/pvsite_peer.py (numpy over the same points
read from the same CSV files, the same definitions), alternating pairs
A B A B after a warm-up: medians, pairwise ratios, the load average.  Wall
and CPU time (user + sys) of each side.  Targets
(issue 17): oasis <= 0.3 s and >= 10x faster than the peer.  Then the
plant's numbers of both are compared.

usage: pvsite_bench.py [BUILD] [PAIRS]"""
import json
import math
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time

from common import TOP, machine, oasis_bin, tmpdir

FROM_MS = 1750435200000        # 2025-06-21T00:00:00+08:00
K = 1440
PEER = os.path.join(TOP, "bench", "pvsite_peer.py")


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def layout():
    rows = ["id,kind,parent,name,subtype,met_station,kwp_dc,kw_ac"]
    invs, strings = [], []
    for b in range(25):
        bid = "B%02d" % (b + 1)
        rows.append("%s,block,,,,,," % bid)
        st = "MET%d" % (b // 7 + 1)
        if b % 7 == 0:
            rows.append("%s,met_station,%s,,,,," % (st, bid))
        if b == 0:
            rows.append("M1,meter,B01,,,,,")
        for i in range(4):
            n = b * 4 + i + 1
            iid = "I%03d" % n
            rows.append("%s,inverter,%s,,string,%s,1250,1100" % (iid, bid, st))
            invs.append((iid, st))
            for c in range(3):
                cid = "C%03d_%d" % (n, c + 1)
                rows.append("%s,combiner,%s,,,,," % (cid, iid))
                for s in range(10):
                    sid = "S%03d_%d_%02d" % (n, c + 1, s + 1)
                    rows.append("%s,string,%s,,,,," % (sid, cid))
                    strings.append(sid)
    return "\n".join(rows) + "\n", invs, strings


def generate(d):
    rnd = random.Random(17)
    text, invs, strings = layout()
    with open(os.path.join(d, "layout.csv"), "w") as f:
        f.write(text)
    with open(os.path.join(d, "from_ms"), "w") as f:
        f.write(str(FROM_MS))
    ts = [FROM_MS + m * 60000 for m in range(K)]
    g = [max(0.0, 1000 * math.sin(math.pi * (m - 360) / 840))
         if 360 < m < 1200 else 0.0 for m in range(K)]
    stations = {}
    with open(os.path.join(d, "stations.csv"), "w") as f:
        f.write("device,ts,poa_global,temp_module\n")
        for s in range(4):
            sid = "MET%d" % (s + 1)
            mul = 0.98 + 0.01 * s
            stations[sid] = [x * mul for x in g]
            f.write("".join("%s,%d,%.2f,%.2f\n" % (sid, ts[m], stations[sid][m],
                            20 + stations[sid][m] / 40) for m in range(K)))
    curtail = range(13 * 60, 14 * 60)
    with open(os.path.join(d, "meter.csv"), "w") as f:
        f.write("device,ts,agc_setpoint\n")
        f.write("".join("M1,%d,%d\n" % (ts[m], 60000 if m in curtail
                                         else 200000) for m in range(K)))
    with open(os.path.join(d, "inverters.csv"), "w") as f:
        f.write("device,ts,p_ac,p_dc\n")
        for iid, st in invs:
            eff = 0.85 + 0.1 * rnd.random()
            lines = []
            for m in range(K):
                gm = stations[st][m]
                tc = 20 + gm / 40 + gm / 1000 * 3
                pdc = 1250 * gm / 1000 * (1 - 0.0037 * (tc - 25)) * eff
                if iid == "I017" and 12 * 60 <= m < 14 * 60:
                    pdc = 0.0          # tripped
                if m in curtail:
                    pdc *= 0.5
                pac = min(pdc * 0.975, 1100.0)
                lines.append("%s,%d,%.3f,%.3f\n" % (iid, ts[m], pac, pdc))
            f.write("".join(lines))
    with open(os.path.join(d, "strings.csv"), "w") as f:
        f.write("device,ts,string_current\n")
        for n, sid in enumerate(strings):
            st = invs[n // 30][1]
            eff = 0.95 + 0.05 * rnd.random()
            gs = stations[st]
            if sid == "S042_2_07":
                eff = 0.0              # open
            f.write("".join("%s,%d,%.3f\n" % (sid, ts[m], 9.5 * gs[m] / 1000 * eff)
                            for m in range(K)))


def run(cmd, out=subprocess.DEVNULL):
    """(wall seconds, CPU seconds user + sys, the process) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run(cmd, check=True, stdout=out, stderr=subprocess.PIPE,
                       text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime +
                  after.ru_stime - before.ru_stime), p


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    pairs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    oasis = oasis_bin(build)
    d = tmpdir("oasis-pvsite-bench-")
    store = os.path.join(d, "store")
    try:
        t = time.perf_counter()
        generate(d)
        print("pvsite: data generated in %.1f s" % (time.perf_counter() - t))
        subprocess.run([oasis, "init", "--data", store], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([oasis, "sites", "add", "park", "--name", "Mulei",
                        "--kind", "pv_plant", "--tz", "Asia/Shanghai",
                        "--data", store], check=True, stderr=subprocess.DEVNULL)
        subprocess.run([oasis, "pv", "import", "--site", "park",
                        os.path.join(d, "layout.csv"), "--data", store],
                       check=True, stdout=subprocess.DEVNULL)
        n = 0
        for name in ("stations", "meter", "inverters", "strings"):
            path = os.path.join(d, name + ".csv")
            with open(path) as f:
                n += sum(1 for _ in f) - 1
            subprocess.run([oasis, "ingest", path, "--data", store],
                           check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        print("pvsite: %d rows (%d points) stored" % (
            n, n + (K * 100)))  # inverters.csv rows hold two points
        cmd_a = [oasis, "pv", "daily", "--site", "park", "--date",
                 "2025-06-21", "--data", store]
        cmd_b = ["/usr/bin/python3", PEER, d]   # Debian's numpy
        print("machine: %s; load average before %s" % (machine(), loadavg()))
        ta, tb, ca, cb, ratios = [], [], [], [], []
        for i in range(pairs + 1):
            a, cpu_a, _ = run(cmd_a)
            b, cpu_b, _ = run(cmd_b)
            if i:
                ta.append(a)
                tb.append(b)
                ca.append(cpu_a)
                cb.append(cpu_b)
                ratios.append(b / a)
        fmt = lambda xs: "median %.3f s (min %.3f, max %.3f)" % (
            statistics.median(xs), min(xs), max(xs))
        print("  A oasis pv daily (store -> JSON)        %s" % fmt(ta))
        print("  B numpy peer (CSV -> JSON)              %s" % fmt(tb))
        print("  CPU (user + sys): A %s; B %s" % (fmt(ca), fmt(cb)))
        print("  speed-up B/A: median %.1fx (min %.1f, max %.1f), %d pairs" % (
            statistics.median(ratios), min(ratios), max(ratios), len(ratios)))
        print("  target: A <= 0.300 s: %s; B/A >= 10: %s" % (
            "met" if statistics.median(ta) <= 0.3 else "NOT met (wall)",
            "met" if statistics.median(ratios) >= 10 else "NOT met"))
        print("load average after %s" % loadavg())
        _, _, pa = run(cmd_a, out=subprocess.PIPE)
        _, _, pb = run(cmd_b, out=subprocess.PIPE)
        a = json.loads(pa.stdout)["plant"]
        b = json.loads(pb.stdout)
        opens = sum(s["n_open_intervals"] for s in json.loads(pa.stdout)["strings"])
        for key in ("e_ac_kwh", "pr", "pr_temp_corrected", "e_lost_outage_kwh",
                    "e_curtailed_kwh", "availability_time"):
            print("  %-22s oasis %.9g  peer %.9g" % (key, a[key], b[key]))
        print("  %-22s oasis %d  peer %d" % ("open string minutes", opens,
                                             b["n_open_string_minutes"]))
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()

"""PV computing core: `oasis pv solpos` over a year of minutes (525,600
instants, --from/--to/--step 1m, JSON Lines to /dev/null) against its peer,
the same SPA equations in numpy writing the same JSON Lines
(bench/pv_peer.py; pvlib-python is not a Debian package, so the peer is
numpy, not pvlib).  Alternating pairs A B A B after a warm-up; medians,
pairwise ratios, CPU time (user + sys) of each side, the load average
before and after, and the issue's target: <= 1 s for oasis.  Then the two
outputs are compared, every 97th instant, key by key.

usage: pv_bench.py [BUILD] [PAIRS]"""
import json
import os
import resource
import statistics
import subprocess
import sys
import time

from common import TOP, machine, oasis_bin

LAT, LON, ALT = 43.83, 90.28, 1300.0      # the Mulei PV park
FROM, TO = "2025-01-01T00:00:00+08:00", "2025-12-31T23:59:00+08:00"
FROM_UNIX, STEP, COUNT = 1735660800, 60, 525600
PEER = os.path.join(TOP, "bench", "pv_peer.py")
TARGET_S = 1.0


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def timed(cmd, out=subprocess.DEVNULL):
    """(wall seconds, child CPU seconds user + sys) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=out, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime -
                                                 before.ru_stime)
    return wall, cpu


def fmt(xs):
    return "median %.3f s (min %.3f, max %.3f)" % (
        statistics.median(xs), min(xs), max(xs))


def compare(cmd_a, cmd_b):
    """Largest difference between the two outputs, every 97th instant."""
    a = subprocess.run(cmd_a, check=True, capture_output=True,
                       text=True).stdout.splitlines()
    b = subprocess.run(cmd_b, check=True, capture_output=True,
                       text=True).stdout.splitlines()
    if len(a) != COUNT or len(b) != COUNT:
        sys.exit("pv_bench: %d and %d lines, expected %d" % (len(a), len(b),
                                                            COUNT))
    worst = 0.0
    for i in range(0, COUNT, 97):
        x, y = json.loads(a[i]), json.loads(b[i])
        if x["time_utc"] != y["time_utc"]:
            sys.exit("pv_bench: line %d: %s vs %s" % (i, x["time_utc"],
                                                      y["time_utc"]))
        for k in y:
            if k == "time_utc":
                continue
            d = abs(x[k] - y[k])
            worst = max(worst, min(d, 360 - d) if k == "azimuth" else d)
    return worst


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    pairs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    a = [oasis_bin(build), "pv", "solpos", "--lat", str(LAT), "--lon",
         str(LON), "--alt", str(ALT), "--from", FROM, "--to", TO, "--step",
         "1m"]
    b = ["/usr/bin/python3", PEER, str(LAT), str(LON), str(ALT),
         str(FROM_UNIX), str(STEP), str(COUNT)]
    print("machine: %s" % machine())
    print("oasis pv solpos, a year of minutes (%d instants) at %.2f N %.2f E"
          % (COUNT, LAT, LON))
    print("load average before: %s" % loadavg())
    wa, ca, wb, cb, ratios = [], [], [], [], []
    for i in range(pairs + 1):
        ta = timed(a)
        tb = timed(b)
        if i == 0:
            continue  # warm-up
        wa.append(ta[0])
        ca.append(ta[1])
        wb.append(tb[0])
        cb.append(tb[1])
        ratios.append(tb[0] / ta[0])
    print("  A oasis pv solpos       wall %s; cpu %s" % (fmt(wa), fmt(ca)))
    print("  B numpy SPA (peer)      wall %s; cpu %s" % (fmt(wb), fmt(cb)))
    print("  ratio B/A (wall), pair by pair: %s; median %.1f" % (
        ", ".join("%.1f" % r for r in ratios), statistics.median(ratios)))
    print("  ratio B/A (cpu): median %.1f" % (statistics.median(cb) /
                                            statistics.median(ca)))
    print("load average after: %s" % loadavg())
    med = statistics.median(wa)
    print("target: oasis <= %.1f s: %s (median wall %.3f s, cpu %.3f s)" % (
        TARGET_S, "met" if med <= TARGET_S else "NOT met", med,
        statistics.median(ca)))
    print("largest difference oasis vs peer (every 97th instant): %.3g deg"
          % compare(a, b))


if __name__ == "__main__":
    main()

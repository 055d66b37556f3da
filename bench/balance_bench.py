"""Water balance benchmark: 5,000 plots through a 180-day season.

    python3 balance_bench.py [BUILD]        (from bench/, as bench/run.sh does)

Builds bench/balance_bench.c (optimised, no sanitizers) into
BUILD/bench/balance_bench, has it write its inputs to a temporary file,
then runs, alternately, round after round:

  A  the C program: agro_balance_step() for every plot, day by day
  B  the same balance written as straightforward Python (lists and loops)
  C  the same balance in numpy, vectorised over the plots (if numpy is
     importable)

on the same inputs, each in a fresh process reporting the median of its
own timed runs (input loading not timed).  Prints the medians across
rounds, the ratios, and checks that all three agree on the season's sums
(ETc adj, deep percolation, irrigation, final depletion, irrigation
events).  Goal: the C balance under 1 s.

Internally the same file is the peer:  balance_bench.py --peer pure|numpy
DUMP RUNS.  Standard library only, numpy optional.
"""
import array
import os
import re
import statistics
import struct
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCES = ["bench/balance_bench.c", "src/agro/balance.c", "src/agro/crops.c",
           "src/agro/fao56.c", "src/agro/plan.c", "src/agro/season_sim.c",
           "src/agro/stages.c", "src/util/err.c", "src/util/timeutil.c"]
PARAMS = ["theta_fc", "theta_wp", "zr_min", "zr_max", "area_m2", "p_table",
          "kc_ini", "kc_mid", "kc_end", "end0", "end1", "end2", "end3",
          "mulch", "efficiency", "curve_number"]
PLOTS, DAYS = 5000, 180
ROUNDS = 3


# ---------------------------------------------------------------------------
# Inputs

def load(path):
    with open(path, "rb") as f:
        if f.read(8) != b"OASISWB1":
            sys.exit("balance_bench: %s is not a balance_bench dump" % path)
        plots, days = struct.unpack("<ii", f.read(8))
        params = array.array("d")
        params.fromfile(f, plots * len(PARAMS))
        et0 = array.array("d")
        et0.fromfile(f, plots * days)
        rain = array.array("d")
        rain.fromfile(f, plots * days)
    cols = {name: [params[i * len(PARAMS) + k] for i in range(plots)]
            for k, name in enumerate(PARAMS)}
    return plots, days, cols, et0, rain


# ---------------------------------------------------------------------------
# Peer B: the FAO-56 chapter 8 balance as straightforward Python

def runoff_scs(p, cn):
    if cn <= 0 or p <= 0:
        return 0.0
    if cn >= 100:
        return p
    s = 25400.0 / cn - 254.0
    ia = 0.2 * s
    if p <= ia:
        return 0.0
    return (p - ia) * (p - ia) / (p + 0.8 * s)


def span(x, a, b):
    if b <= a:
        return 1.0
    return 0.0 if x <= a else 1.0 if x >= b else (x - a) / (b - a)


def season_pure(plots, days, c, et0, rain):
    """One season; returns (seconds, sums)."""
    import time
    dr = [0.0] * plots
    zr = list(c["zr_min"])
    irr_next = [0.0] * plots
    s_etc = s_dp = s_irr = 0.0
    events = 0
    t0 = time.perf_counter()
    for d in range(days):
        x = float(d + 1)
        base = d * plots
        for i in range(plots):
            e0, e1, e2, e3 = c["end0"][i], c["end1"][i], c["end2"][i], c["end3"][i]
            kci, kcm, kce = c["kc_ini"][i], c["kc_mid"][i], c["kc_end"][i]
            dev = span(x, e0, e1)
            if x <= e0:
                kc = kci
            elif x <= e1:
                kc = kci + dev * (kcm - kci)
            elif x <= e2:
                kc = kcm
            elif x <= e3:
                kc = kcm + span(x, e2, e3) * (kce - kcm)
            else:
                kc = kce
            kc *= c["mulch"][i]
            z = c["zr_min"][i] + (c["zr_max"][i] - c["zr_min"][i]) * dev
            if z < zr[i]:
                z = zr[i]
            zr[i] = z
            taw = 1000.0 * (c["theta_fc"][i] - c["theta_wp"][i]) * z
            d0 = min(max(dr[i], 0.0), taw)
            e = et0[base + i]
            etc = kc * e
            p = min(max(c["p_table"][i] + 0.04 * (5.0 - etc), 0.1), 0.8)
            raw = p * taw
            if d0 <= raw:
                ks = 1.0
            elif taw <= raw:
                ks = 0.0
            else:
                ks = min(max((taw - d0) / (taw - raw), 0.0), 1.0)
            adj = ks * etc
            r = rain[base + i]
            if r <= 0 or r < 0.2 * e:
                reff = 0.0
            else:
                reff = r - runoff_scs(r, c["curve_number"][i])
            gross = irr_next[i] / c["area_m2"][i] * 1000.0
            net = gross * c["efficiency"][i]
            dp = reff + net - adj - d0
            if dp < 0:
                dp = 0.0
            dm = d0 - reff - net + adj + dp
            if dm > taw:
                adj -= dm - taw
                dm = taw
            dm = min(max(dm, 0.0), taw)
            dr[i] = dm
            s_etc += adj
            s_dp += dp
            s_irr += gross
            if gross > 0:
                events += 1
            irr_next[i] = (dm / c["efficiency"][i] * c["area_m2"][i] / 1000.0
                           if dm >= raw else 0.0)
    t = time.perf_counter() - t0
    return t, (s_etc, s_dp, s_irr, sum(dr), events)


# ---------------------------------------------------------------------------
# Peer C: the same in numpy, vectorised over the plots

def season_numpy(plots, days, c, et0, rain):
    import time
    import numpy as np
    a = {k: np.array(v) for k, v in c.items()}
    et0 = np.frombuffer(et0, dtype=np.float64).reshape(days, plots)
    rain = np.frombuffer(rain, dtype=np.float64).reshape(days, plots)
    dr = np.zeros(plots)
    zr = a["zr_min"].copy()
    irr_next = np.zeros(plots)
    s_etc = s_dp = s_irr = 0.0
    events = 0
    cn = a["curve_number"]
    s_cn = np.where(cn > 0, 25400.0 / np.where(cn > 0, cn, 1) - 254.0, 0.0)
    dkc1 = a["kc_mid"] - a["kc_ini"]
    dkc3 = a["kc_end"] - a["kc_mid"]
    w1 = np.maximum(a["end1"] - a["end0"], 1e-300)
    w3 = np.maximum(a["end3"] - a["end2"], 1e-300)
    dtheta = 1000.0 * (a["theta_fc"] - a["theta_wp"])
    t0 = time.perf_counter()
    for d in range(days):
        x = float(d + 1)
        dev = np.where(a["end1"] <= a["end0"], 1.0,
                       np.clip((x - a["end0"]) / w1, 0.0, 1.0))
        late = np.where(a["end3"] <= a["end2"], 1.0,
                        np.clip((x - a["end2"]) / w3, 0.0, 1.0))
        kc = np.where(x <= a["end0"], a["kc_ini"],
             np.where(x <= a["end1"], a["kc_ini"] + dev * dkc1,
             np.where(x <= a["end2"], a["kc_mid"],
             np.where(x <= a["end3"], a["kc_mid"] + late * dkc3,
                      a["kc_end"])))) * a["mulch"]
        zr = np.maximum(a["zr_min"] + (a["zr_max"] - a["zr_min"]) * dev, zr)
        taw = dtheta * zr
        d0 = np.minimum(np.maximum(dr, 0.0), taw)
        e = et0[d]
        etc = kc * e
        p = np.clip(a["p_table"] + 0.04 * (5.0 - etc), 0.1, 0.8)
        raw = p * taw
        ks = np.where(d0 <= raw, 1.0,
                      np.where(taw <= raw, 0.0,
                               np.clip((taw - d0) / np.where(taw > raw, taw - raw, 1.0),
                                       0.0, 1.0)))
        adj = ks * etc
        r = rain[d]
        ia = 0.2 * s_cn
        ro = np.where((cn <= 0) | (r <= ia), 0.0,
                      (r - ia) ** 2 / (r + 0.8 * s_cn))
        ro = np.where(cn >= 100, r, ro)
        reff = np.where((r <= 0) | (r < 0.2 * e), 0.0, r - ro)
        gross = irr_next / a["area_m2"] * 1000.0
        net = gross * a["efficiency"]
        dp = np.maximum(reff + net - adj - d0, 0.0)
        dm = d0 - reff - net + adj + dp
        over = np.maximum(dm - taw, 0.0)
        adj = adj - over
        dm = np.clip(dm - over, 0.0, taw)
        dr = dm
        s_etc += adj.sum()
        s_dp += dp.sum()
        s_irr += gross.sum()
        events += int((gross > 0).sum())
        irr_next = np.where(dm >= raw, dm / a["efficiency"] * a["area_m2"] / 1000.0, 0.0)
    t = time.perf_counter() - t0
    return t, (s_etc, s_dp, s_irr, float(dr.sum()), events)


def peer(kind, path, runs):
    plots, days, c, et0, rain = load(path)
    fn = season_pure if kind == "pure" else season_numpy
    times = []
    for _ in range(runs):
        t, sums = fn(plots, days, c, et0, rain)
        times.append(t)
    print("plots=%d days=%d median_s=%.4f" % (plots, days, statistics.median(times)))
    print("checksum etc_adj=%.6f dp=%.6f irr_gross=%.6f dr_end=%.6f events=%d" % sums)


# ---------------------------------------------------------------------------
# Driver

def build(build_dir):
    out = os.path.join(TOP, build_dir, "bench", "balance_bench")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    cc = os.environ.get("CC", "cc")
    subprocess.run([cc, "-std=c11", "-D_GNU_SOURCE", "-O2", "-Isrc", "-o", out]
                   + SOURCES + ["-lm"], cwd=TOP, check=True)
    return out


def parse(text):
    m = re.search(r"median_s=([0-9.]+)", text)
    c = re.search(r"checksum (.*)", text)
    if not m or not c:
        sys.exit("balance_bench: unexpected output:\n" + text)
    sums = dict(kv.split("=") for kv in c.group(1).split())
    return float(m.group(1)), {k: float(v) for k, v in sums.items()}


def run(cmd):
    return parse(subprocess.run(cmd, check=True, capture_output=True,
                                text=True).stdout)


def same(a, b):
    return all(abs(a[k] - b[k]) <= 1e-9 * max(1.0, abs(a[k])) for k in a)


def has_numpy():
    try:
        import numpy  # noqa: F401
        return True
    except ImportError:
        return False


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "--peer":
        peer(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    build_dir = sys.argv[1] if len(sys.argv) > 1 else "build"
    exe = build(build_dir)
    me = os.path.abspath(__file__)
    fd, dump = tempfile.mkstemp(prefix="oasis-wb-", suffix=".bin")
    os.close(fd)
    try:
        run([exe, str(PLOTS), str(DAYS), "1", dump])
        peers = [("python", [sys.executable, me, "--peer", "pure", dump, "1"])]
        if has_numpy():
            peers.append(("numpy", [sys.executable, me, "--peer", "numpy", dump, "5"]))
        times = {"C": []}
        times.update({name: [] for name, _ in peers})
        ref = None
        for _ in range(ROUNDS):
            t, sums = run([exe, str(PLOTS), str(DAYS), "5"])
            times["C"].append(t)
            ref = sums
            for name, cmd in peers:
                t, s = run(cmd)
                times[name].append(t)
                if not same(ref, s):
                    sys.exit("balance_bench: %s disagrees with C:\n  C %s\n  %s %s"
                             % (name, ref, name, s))
    finally:
        os.unlink(dump)
    c = statistics.median(times["C"])
    print("  water balance, %d plots x %d days (%d plot-days), medians of %d rounds"
          % (PLOTS, DAYS, PLOTS * DAYS, ROUNDS))
    print("  %-28s %.4f s  (%.0f ns per plot-day)  goal < 1 s"
          % ("C agro_balance_step", c, c / (PLOTS * DAYS) * 1e9))
    for name, _ in peers:
        t = statistics.median(times[name])
        print("  %-28s %.4f s  ratio C/%s %.3f" % (name + " peer", t, name, c / t))
    print("  checksums agree: ETc adj %.0f mm, DP %.0f mm, irrigation %.0f mm, "
          "%d events (summed over plots)" % (ref["etc_adj"], ref["dp"],
                                             ref["irr_gross"], ref["events"]))
    if c >= 1.0:
        sys.exit("balance_bench: over the 1 s goal")


if __name__ == "__main__":
    main()

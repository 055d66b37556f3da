"""Data of the sensor benchmarks (bench/ts_bench.py).

The telemetry files come from ../shared/tools/gen_telemetry.py and are kept
in a cache folder between runs (generated only when missing); the row
stores get the same points as CSV rows `series_id,ts_ms,value` converted
from the line protocol, so every store loads exactly the same points.
The year of one series (the query benchmark) and the 10,000 soil probes
(latest values, memory) are made here.  Standard library only."""
import json
import math
import os
import random
import subprocess

from common import shared_tool

DAY_S = 86400
# Reference sizes of the generator's output (../shared/tools/README.md).
TELEMETRY = {
    1: {"bytes": 41032613, "points": 1868194},
    7: {"bytes": 287247658, "points": 13077394},
}
PROBE_METRICS = ("moisture_10cm", "moisture_20cm", "moisture_40cm",
                 "soil_temp_10cm", "soil_temp_20cm", "soil_temp_40cm")


def cache_dir():
    d = os.environ.get("OASIS_BENCH_CACHE") or os.path.join(
        os.environ.get("TMPDIR", "/tmp"), "oasis-bench-ts")
    os.makedirs(d, exist_ok=True)
    return d


def telemetry(days):
    """The line-protocol file of `days` days (100 stations, 1,000 probes)
    and its CSV twin; generated once.  Returns (lp, csv, meta)."""
    d = cache_dir()
    lp = os.path.join(d, "telemetry-%dd.lp" % days)
    csv = os.path.join(d, "telemetry-%dd.csv" % days)
    meta_path = os.path.join(d, "telemetry-%dd.json" % days)
    want = TELEMETRY.get(days, {}).get("bytes")
    if not os.path.exists(lp) or (want and os.path.getsize(lp) != want):
        print("  generating %s (gen_telemetry.py --days %d) ..." % (lp, days),
              flush=True)
        with open(lp + ".tmp", "wb") as out:
            subprocess.run(["/usr/bin/python3", shared_tool("gen_telemetry.py"),
                            "--stations", "100", "--probes", "1000",
                            "--days", str(days)], check=True, stdout=out,
                           stderr=subprocess.DEVNULL)
        os.replace(lp + ".tmp", lp)
        for stale in (csv, meta_path):
            if os.path.exists(stale):
                os.remove(stale)
    if not os.path.exists(csv) or not os.path.exists(meta_path):
        print("  converting %s to CSV rows for the row stores ..." % lp,
              flush=True)
        meta = lp_to_csv(lp, csv)
        with open(meta_path, "w") as f:
            json.dump(meta, f)
    with open(meta_path) as f:
        meta = json.load(f)
    return lp, csv, meta


def lp_to_csv(lp, csv):
    """Line protocol as written by gen_telemetry.py (no escapes, one device
    tag, float fields, ns timestamps) -> `series_id,ts_ms,value` rows, the
    series numbered in order of appearance."""
    series = {}
    lines = points = 0
    with open(lp, "rb") as f, open(csv + ".tmp", "w") as out:
        for line in f:
            head, fields, ts = line.split(b" ")
            device = head.split(b",device=", 1)[1]
            ms = int(ts) // 1000000
            rows = []
            for kv in fields.split(b","):
                k, v = kv.split(b"=", 1)
                sid = series.get((device, k))
                if sid is None:
                    sid = series[(device, k)] = len(series) + 1
                rows.append("%d,%d,%s\n" % (sid, ms, v.decode()))
            out.write("".join(rows))
            lines += 1
            points += len(rows)
    os.replace(csv + ".tmp", csv)
    return {"lines": lines, "points": points, "series": len(series)}


def lp_batches(path, lines_per_batch=5000):
    """The file as request bodies of lines_per_batch lines each."""
    with open(path, "rb") as f:
        lines = f.readlines()
    return [b"".join(lines[i:i + lines_per_batch])
            for i in range(0, len(lines), lines_per_batch)]


def first_line_per_device(lp, out_path, shift_ns):
    """One line per device (its first), moved shift_ns earlier: loading it
    with --auto-register registers every device and creates its series."""
    seen = set()
    with open(lp, "rb") as f, open(out_path, "wb") as out:
        for line in f:
            head, fields, ts = line.split(b" ")
            device = head.split(b",device=", 1)[1]
            if device in seen:
                continue
            seen.add(device)
            out.write(b"%s %s %d\n" % (head, fields, int(ts) - shift_ns))
    return len(seen)


def year_of_temperature(path, start_s, device="ws-year"):
    """525,600 one-minute air temperatures (0.1 degC) of one station:
    seasonal and daily cycles, weather that drifts over days, sensor noise.
    Returns the number of points."""
    rng = random.Random(7)
    n = 365 * 1440
    weather = noise = 0.0
    with open(path, "w") as out:
        rows = []
        for i in range(n):
            t = start_s + 60 * i
            day = i / 1440.0
            hour = (i % 1440) / 60.0
            season = -12.0 * math.cos(2 * math.pi * (day + 182) / 365.0)
            daily = 7.0 * math.cos(2 * math.pi * (hour - 8.0) / 24.0)
            if i % 60 == 0:
                weather = 0.97 * weather + rng.gauss(0, 0.6)
            noise = 0.9 * noise + rng.gauss(0, 0.05)
            temp = 10.0 + season + daily + weather + noise
            rows.append("weather,device=%s air_temp=%.1f %d\n" % (
                device, round(temp, 1), t * 1000000000))
            if len(rows) == 10000:
                out.write("".join(rows))
                rows = []
        out.write("".join(rows))
    return n


def probes_lp(path, devices, start_s, reports=3):
    """`reports` reports 10 minutes apart from each of `devices` soil probes
    (6 metrics each), in time order."""
    rng = random.Random(11)
    with open(path, "w") as out:
        for r in range(reports):
            ts = (start_s + 600 * r) * 1000000000
            rows = []
            for d in devices:
                vals = ["%s=%.1f" % (m, rng.uniform(18, 32)) for m in
                        PROBE_METRICS]
                rows.append("soil,device=%s %s %d\n" % (d, ",".join(vals), ts))
            out.write("".join(rows))
    return len(devices) * reports * len(PROBE_METRICS)


def plots_geojson(path, codes):
    """Square plots of about 13 ha near Manas, one per code."""
    feats = []
    for i, code in enumerate(codes):
        lon = 86.0 + (i % 100) * 0.006
        lat = 44.2 + (i // 100) * 0.004
        ring = [[lon, lat], [lon + 0.005, lat], [lon + 0.005, lat + 0.0033],
                [lon, lat + 0.0033], [lon, lat]]
        feats.append({"type": "Feature", "properties": {"code": code,
                      "crop": "cotton"},
                      "geometry": {"type": "Polygon", "coordinates": [ring]}})
    with open(path, "w") as f:
        json.dump({"type": "FeatureCollection", "features": feats}, f)

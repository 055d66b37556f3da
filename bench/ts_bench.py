"""Sensor data: bulk ingest, store size, HTTP writes (without monitoring
rules and with the demo's), a year's downsampled query, the newest values
of 60,000 series and the server's memory, each side by side with its
peers in the same run.

Peers: InfluxDB 1.6 (Debian's influxdb; writes over HTTP /write in
5,000-line batches from 4 concurrent keep-alive clients), SQLite (one row
per point, WITHOUT ROWID table keyed on (series, ts), the sqlite3 shell's
.import of a CSV) and PostgreSQL 15 (COPY into a table keyed on (series,
ts)).  Every server is a throwaway instance in a temporary folder on a
free loopback port, stopped at the end.

  python3 bench/ts_bench.py [BUILD] [--week] [--runs N] [--only PARTS]

The HTTP write moves the 1-day file to end a minute ago (the monitoring
evaluates only the last day's points) and runs, in turn each round, Oasis
without rules, Oasis with the rules `oasis demo` stores, and InfluxDB;
it reports wall time to the last answer and each server's CPU time, and
the ratios of each round's pairs (steadier than single timings on a
shared machine).

BUILD is the build folder (default build); --week adds the 7-day file
(13.1 M points) to the ingest and size measurements; PARTS is a comma list
of ingest,write,query,latest."""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

sys.dont_write_bytecode = True   # no __pycache__ beside the sources

from common import machine, oasis_bin, tmpdir
import ts_data
from ts_peers import (Influx, KeepAlive, OasisServer, Postgres, du_bytes,
                      ensure_packages, fan_out, post_batches, proc_cpu,
                      proc_memory, sqlite_import_cmd)

PARTS = ("ingest", "write", "query", "latest")
SUMMARY = []


# ---- small helpers -------------------------------------------------------------

def med(xs):
    return statistics.median(xs)


def spread(xs, unit="s", scale=1.0, fmt="%.3f"):
    f = fmt + " " + unit
    return ("median " + f + " (min " + fmt + ", max " + fmt + ", n=%d)") % (
        med(xs) * scale, min(xs) * scale, max(xs) * scale, len(xs))


def mpts(points, secs):
    return "%.2f M points/s" % (points / secs / 1e6)


def run_quiet(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, **kw)


def timed(cmd):
    """Wall time of a whole command, and its standard output."""
    start = time.perf_counter()
    p = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return time.perf_counter() - start, p.stdout


def fresh_store(oasis, store):
    shutil.rmtree(store, ignore_errors=True)
    run_quiet([oasis, "init", "--data", store])


def token(oasis, store, role):
    return subprocess.run([oasis, "token", "create", "--role", role, "--name",
                           "bench-" + role, "--data", store], check=True,
                          capture_output=True, text=True).stdout.strip()


def bearer(tok):
    return {"Authorization": "Bearer " + tok}


def summary(what, oasis, peer, ratio, goal):
    SUMMARY.append((what, oasis, peer, ratio, goal))


def load_note():
    with open("/proc/loadavg") as f:
        return f.read().split()[:3]


# ---- 1, 2: bulk ingest and store size ---------------------------------------------

def bench_ingest(oasis, work, days, runs, influx, pg):
    lp, csv, meta = ts_data.telemetry(days)
    points = meta["points"]
    print("\n[ingest] %d day(s): %s, %d lines, %d points, %.0f MB line protocol"
          % (days, os.path.basename(lp), meta["lines"], points,
             os.path.getsize(lp) / 1e6))
    print("  fresh store / table / database each run; %d runs after one "
          "warm-up, in turn A B C D" % runs)
    store = os.path.join(work, "ingest-store")
    sqlite_db = os.path.join(work, "peer.sqlite")
    batches = ts_data.lp_batches(lp) if influx else None
    t = {"oasis": [], "sqlite": [], "pg": [], "influx": []}
    out = ""
    for i in range(runs + 1):
        fresh_store(oasis, store)
        secs, out = timed([oasis, "ingest", lp, "--auto-register", "--data",
                           store])
        t["oasis"].append(secs)
        if os.path.exists(sqlite_db):
            os.remove(sqlite_db)
        t["sqlite"].append(timed(sqlite_import_cmd(sqlite_db, csv))[0])
        if pg:
            pg.fresh_table()
            t["pg"].append(timed(pg.copy_cmd(csv))[0])
        if influx:
            influx.fresh_db("bulk")
            t["influx"].append(influx.write("bulk", batches))
        print("  run %d%s: oasis %.2f s, sqlite %.2f s%s%s" % (
            i, " (warm-up)" if i == 0 else "", t["oasis"][-1], t["sqlite"][-1],
            ", postgres %.2f s" % t["pg"][-1] if pg else "",
            ", influxdb %.2f s" % t["influx"][-1] if influx else ""), flush=True)
    for k in t:
        t[k] = t[k][1:]
    m = re.search(r"\(([\d.]+) bytes/point encoded\)", out)
    encoded = float(m.group(1)) if m else float("nan")
    report_ingest(days, points, t)
    sizes = {"oasis": du_bytes(store),
             "sqlite": os.path.getsize(sqlite_db)}
    if pg:
        sizes["pg"] = pg.table_bytes()
    if influx:
        waited = influx.wait_compacted("bulk")
        sizes["influx_tsm"], sizes["influx_all"] = influx.db_bytes("bulk")
        sizes["influx_waited"] = waited
        sizes["influx_files"] = influx.tsm_files("bulk")
    report_sizes(days, points, sizes, encoded)


def report_ingest(days, points, t):
    rate = {k: points / med(v) for k, v in t.items() if v}
    print("  A oasis ingest --auto-register:  %s, %s" % (
        spread(t["oasis"]), mpts(points, med(t["oasis"]))))
    names = {"sqlite": "B sqlite3 .import (WITHOUT ROWID)",
             "pg": "C postgres \\copy (PK series,ts)",
             "influx": "D influxdb HTTP /write 4x5000"}
    for k, name in names.items():
        if not t[k]:
            continue
        ratios = [p / a for p, a in zip(t[k], t["oasis"])]
        print("  %-33s %s, %s; oasis is %.1fx faster (pairs: min %.1f, "
              "max %.1f)" % (name + ":", spread(t[k]), mpts(points, med(t[k])),
                             med(ratios), min(ratios), max(ratios)))
    names = {"sqlite": "SQLite", "pg": "PostgreSQL", "influx": "InfluxDB"}
    keys = [k for k in ("sqlite", "pg", "influx") if t[k]]
    peers = "; ".join("%s %s M/s" % (names[k], "%.2f" % (rate[k] / 1e6))
                      for k in keys)
    ratios = ", ".join("%s %.1f" % (names[k], med(
        [p / a for p, a in zip(t[k], t["oasis"])])) for k in keys)
    summary("bulk ingest, %d day(s) (%.2f M points)" % (days, points / 1e6),
            "%.2f M/s (%.2f s)" % (rate["oasis"] / 1e6, med(t["oasis"])),
            peers, ratios, ">= 2 M/s and 8x the row stores")
    return rate


def report_sizes(days, points, s, encoded):
    def bpp(b):
        return b / points
    print("  store size after ingest (%d day(s)):" % days)
    print("    oasis store folder (du -sb):      %12d bytes  %.3f bytes/point "
          "(chunks alone: %.2f bytes/point)" % (s["oasis"], bpp(s["oasis"]),
                                                encoded))
    print("    sqlite db file:                   %12d bytes  %.2f bytes/point"
          % (s["sqlite"], bpp(s["sqlite"])))
    if "pg" in s:
        print("    postgres table+index:             %12d bytes  %.2f "
              "bytes/point" % (s["pg"], bpp(s["pg"])))
    if "influx_tsm" in s:
        print("    influxdb .tsm files:              %12d bytes  %.3f "
              "bytes/point (compacted: %s)" % (
                  s["influx_tsm"], bpp(s["influx_tsm"]),
                  "after %.0f s" % s["influx_waited"] if s["influx_waited"]
                  else "NOT settled within the wait"))
        print("      (%s)" % ", ".join(s["influx_files"]))
        print("    influxdb data+wal folders:        %12d bytes  %.2f "
              "bytes/point (incl. the preallocated series file)" % (
                  s["influx_all"], bpp(s["influx_all"])))
    peers = ["SQLite %.1f" % bpp(s["sqlite"])]
    if "pg" in s:
        peers.append("PostgreSQL %.1f" % bpp(s["pg"]))
    if "influx_tsm" in s:
        peers.append("InfluxDB %.2f (.tsm)" % bpp(s["influx_tsm"]))
    summary("store size, %d day(s), bytes/point" % days,
            "%.3f (chunks alone %.2f)" % (bpp(s["oasis"]), encoded),
            ", ".join(peers), "%.1fx smaller than InfluxDB's .tsm" % (
                s["influx_tsm"] / s["oasis"]) if "influx_tsm" in s else "",
            "<= 0.6")


# ---- 3: HTTP writes ---------------------------------------------------------------

# The monitoring templates `oasis demo` stores (src/cli/cmd_demo.c demo_rules).
DEMO_RULES = ("frost", "heat_stress", "dry_hot_wind", "strong_wind",
              "vegetation_anomaly", "stuck_sensor", "low_battery",
              "valve_failed", "valve_no_flow")


def recent_batches(lp):
    """The file's batches moved in time so that the day ends a minute ago:
    the monitoring evaluates only points of the last day, and the bench
    must make it evaluate every point it would in the field."""
    with open(lp, "rb") as f:
        lines = f.readlines()
    newest = max(int(ln.rsplit(b" ", 1)[1]) for ln in lines)
    shift = (int(time.time()) - 60) * 10 ** 9 - newest
    moved = [b"%s %d\n" % (head, int(ts) + shift) for head, ts in
             (ln.rsplit(b" ", 1) for ln in lines)]
    return [b"".join(moved[i:i + 5000]) for i in range(0, len(moved), 5000)], \
        shift


def add_rules(port, tok, names):
    ka = KeepAlive(port, bearer(tok))
    for name in names:
        ka.conn.request("POST", "/api/v1/rules",
                        body=json.dumps({"template": name}),
                        headers=dict(bearer(tok), **{
                            "Content-Type": "application/json"}))
        r = ka.conn.getresponse()
        body = r.read()
        if r.status != 201 and r.status != 200:
            raise RuntimeError("POST /api/v1/rules %s: %d %s" % (
                name, r.status, body[:200]))
    ka.close()


def metric(body, name):
    m = re.search(rb"^" + name.encode() + rb" (\d+)", body, re.M)
    return int(m.group(1)) if m else -1


def wait_monitoring(ka, timeout=120.0):
    """Seconds until the monitoring has evaluated every queued point (its
    queue empty), and the /metrics body then."""
    start = time.perf_counter()
    while True:
        _, body = ka.get("/api/v1/metrics")
        if metric(body, "oasis_monitoring_queued_points") <= 0 or \
                time.perf_counter() - start > timeout:
            return time.perf_counter() - start, body
        time.sleep(0.01)


def oasis_http_write(oasis, work, register_lp, batches, rules):
    """Fresh store with every device registered (and the demo's monitoring
    rules if rules); POST all batches.  Returns a dict: secs (to the last
    acknowledgement), drain (then until the monitoring evaluated all),
    cpu (the server's CPU seconds from the first POST to the end of the
    drain), written, dropped, evaluated, rss, hwm."""
    store = os.path.join(work, "write-store")
    fresh_store(oasis, store)
    run_quiet([oasis, "ingest", register_lp, "--auto-register", "--data",
               store])
    tok = token(oasis, store, "admin")
    srv = OasisServer(oasis, store)
    try:
        if rules:
            add_rules(srv.port, tok, DEMO_RULES)
        cpu = proc_cpu(srv.pid)
        secs = post_batches(srv.port, "/api/v1/write?precision=ns", batches,
                            bearer(tok))
        ka = KeepAlive(srv.port, bearer(tok))
        drain, body = wait_monitoring(ka)
        cpu = proc_cpu(srv.pid) - cpu
        ka.close()
        r = {"secs": secs, "drain": drain, "cpu": cpu,
             "written": metric(body, "oasis_points_written_total"),
             "dropped": metric(body, "oasis_monitoring_dropped_points_total"),
             "evaluated": metric(body,
                                 "oasis_monitoring_evaluated_points_total")}
        r["rss"], r["hwm"] = proc_memory(srv.pid)
    finally:
        srv.stop()
    return r


def bench_write(oasis, work, runs, influx):
    lp, _, meta = ts_data.telemetry(1)
    points = meta["points"]
    register_lp = os.path.join(work, "devices.lp")
    batches, shift = recent_batches(lp)
    n_dev = ts_data.first_line_per_device(lp, register_lp,
                                          3600 * 10 ** 9 - shift)
    print("\n[write] POST of the 1-day file (%d points, moved to end a "
          "minute ago) in %d batches of 5,000 lines, 4 concurrent keep-alive "
          "clients, precision ns" % (points, len(batches)))
    print("  oasis: fresh store each run, %d devices registered first "
          "(oasis ingest --auto-register of one line each);\n"
          "  A without monitoring rules, B with the demo's %d (%s);\n"
          "  in turn A B C each run, load average %s" % (
              n_dev, len(DEMO_RULES), ",".join(DEMO_RULES),
              " ".join(load_note())))
    t = {"off": [], "on": [], "influx": []}
    cpu = {"off": [], "on": [], "influx": []}
    for i in range(runs + 1):
        for k in ("off", "on"):
            r = oasis_http_write(oasis, work, register_lp, batches, k == "on")
            if r["written"] != points:
                print("  WARNING: the server counted %d points written, not "
                      "%d" % (r["written"], points))
            if r["dropped"] > 0:
                print("  WARNING: the monitoring dropped %d points"
                      % r["dropped"])
            t[k].append(r["secs"])
            cpu[k].append(r["cpu"])
            print("  run %d%s: oasis monitoring %-3s %.2f s (CPU %.2f s), "
                  "evaluated %d points, all %.2f s after the last answer "
                  "(RSS %.0f MB, peak %.0f MB)" % (
                      i, " (warm-up)" if i == 0 else "", k, r["secs"],
                      r["cpu"], r["evaluated"], r["drain"], r["rss"] / 2**20,
                      r["hwm"] / 2**20), flush=True)
        if influx:
            influx.fresh_db("http")
            secs, c = influx.write_cpu("http", batches)
            t["influx"].append(secs)
            cpu["influx"].append(c)
            print("  run %d: influxdb %.2f s (CPU %.2f s); load average %s" % (
                i, secs, c, " ".join(load_note())), flush=True)
    for k in t:
        t[k] = t[k][1:]
        cpu[k] = cpu[k][1:]
    report_write(points, t, cpu)


def pair_line(what, xs):
    return "  %-44s median %.2f (pairs: min %.2f, max %.2f)" % (
        what + ":", med(xs), min(xs), max(xs))


def report_write(points, t, cpu):
    """Wall time (to the last answer) and the server's CPU time per run;
    ratios of each run's pair, so that a busy moment hits both sides."""
    for k, name in (("off", "A oasis, no rules:"),
                    ("on", "B oasis, the demo's rules:"),
                    ("influx", "C influxdb POST /write?db=:")):
        if t[k]:
            print("  %-32s %s, %s; CPU %s" % (name, spread(t[k]),
                                              mpts(points, med(t[k])),
                                              spread(cpu[k])))
    print(pair_line("monitoring on/off, throughput",
                    [a / b for a, b in zip(t["off"], t["on"])]))
    print(pair_line("monitoring on/off, server CPU per point",
                    [b / a for a, b in zip(cpu["off"], cpu["on"])]))
    if not t["influx"]:
        summary("HTTP write, 1 day, monitoring on (off)",
                "%s (%s)" % (mpts(points, med(t["on"])),
                             mpts(points, med(t["off"]))), "-", "",
                ">= 3x InfluxDB")
        return
    ratio = {}
    for k in ("off", "on"):
        ratio[k] = [c / x for x, c in zip(t[k], t["influx"])]
        print(pair_line("oasis (monitoring %s)/influxdb, throughput" % k,
                        ratio[k]))
        print(pair_line("influxdb/oasis (monitoring %s), CPU" % k,
                        [c / x for x, c in zip(cpu[k], cpu["influx"])]))
    summary("HTTP write, 1-day file, 4 clients x 5,000 lines, monitoring "
            "on (off)",
            "%s (%s)" % (mpts(points, med(t["on"])).replace(" points/s", "/s"),
                         mpts(points, med(t["off"])).replace(" points/s", "")),
            "InfluxDB " + mpts(points, med(t["influx"])).replace(
                " points/s", "/s"),
            "%.2f (%.2f)" % (med(ratio["on"]), med(ratio["off"])),
            ">= 3x InfluxDB with monitoring on")


# ---- 4: a year downsampled to days ----------------------------------------------

YEAR_START_S = 1751328000   # 2025-07-01T00:00:00Z
YEAR_FROM = "2025-07-01T00:00:00Z"
YEAR_TO = "2026-06-30T23:59:59Z"


def bench_query(oasis, work, influx, requests=100):
    path = os.path.join(ts_data.cache_dir(), "year.lp")
    if not os.path.exists(path):
        ts_data.year_of_temperature(path + ".tmp", YEAR_START_S)
        os.replace(path + ".tmp", path)
    print("\n[query] one year of 1-minute air temperature (525,600 points, "
          "0.1 degC) -> 365 daily avg, min, max")
    store = os.path.join(work, "year-store")
    fresh_store(oasis, store)
    _, out = timed([oasis, "ingest", path, "--auto-register", "--data", store])
    print("  oasis ingest: " + out.strip().split(": ", 1)[1])
    print("  oasis store folder: %d bytes" % du_bytes(store))
    if influx:
        influx.fresh_db("year")
        influx.write("year", ts_data.lp_batches(path))
        waited = influx.wait_compacted("year")
        tsm, _ = influx.db_bytes("year")
        print("  influxdb: %d .tsm bytes (%.2f bytes/point), %s" % (
            tsm, tsm / 525600, "compacted after %.0f s" % waited if waited
            else "not settled"))
    tok = token(oasis, store, "viewer")
    srv = OasisServer(oasis, store)
    try:
        timings = query_rounds(srv.port, tok, influx, requests)
    finally:
        srv.stop()
    cli = [timed([oasis, "query", "--series", "ws-year/air_temp", "--from",
                  YEAR_FROM, "--to", YEAR_TO, "--step", "1d", "--agg",
                  "avg,min,max", "--data", store])[0] for _ in range(11)][1:]
    report_query(timings, cli, requests)


def query_rounds(port, tok, influx, requests):
    oq = ("/api/v1/query?series=ws-year/air_temp&from=%s&to=%s&step=1d"
          "&agg=avg,min,max" % (YEAR_FROM, YEAR_TO))
    iq = ("/query?db=year&epoch=ms&q=" + re.sub(" ", "%20", (
        "SELECT mean(air_temp),min(air_temp),max(air_temp) FROM weather "
        "WHERE device='ws-year' AND time >= '%s' AND time <= '%s' "
        "GROUP BY time(1d)" % (YEAR_FROM, YEAR_TO))).replace("'", "%27"))
    a = KeepAlive(port, bearer(tok))
    b = KeepAlive(influx.port) if influx else None
    t = {"oasis": [], "health": [], "influx": [], "ping": []}
    first = {}
    for i in range(requests + 5):
        row = {"oasis": a.get(oq), "health": a.get("/api/v1/health")}
        if b:
            row["influx"] = b.get(iq)
            row["ping"] = b.get("/ping")
        if i == 0:
            first = {k: v[1] for k, v in row.items()}
        if i >= 5:
            for k, v in row.items():
                t[k].append(v[0])
    a.close()
    if b:
        b.close()
    check_answers(first)
    return t


def check_answers(first):
    o = json.loads(first["oasis"])
    print("  oasis answer: %d buckets, %d bytes; first %s" % (
        len(o["values"]), len(first["oasis"]), o["values"][0]))
    if "influx" in first:
        i = json.loads(first["influx"])["results"][0]["series"][0]["values"]
        print("  influxdb answer: %d buckets, %d bytes; first %s" % (
            len(i), len(first["influx"]), i[0]))
        same = len(i) == len(o["values"]) and all(
            abs(x[1] - y[1]) < 1e-6 and x[2] == y[2] and x[3] == y[3]
            for x, y in zip(o["values"], i))
        print("  answers agree: %s" % ("yes" if same else "NO"))


def report_query(t, cli, requests):
    ms = 1000.0
    print("  %d interleaved requests each on keep-alive loopback "
          "connections, after 5 warm-ups:" % requests)
    print("  A oasis GET /api/v1/query:       %s" % spread(t["oasis"], "ms",
                                                             ms, "%.2f"))
    print("    oasis GET /api/v1/health:      %s" % spread(t["health"], "ms",
                                                             ms, "%.2f"))
    alone = med(t["oasis"]) - med(t["health"])
    print("    the query alone (median query - median health): %.2f ms"
          % (alone * ms))
    print("    oasis query CLI, whole process: %s" % spread(cli, "ms", ms,
                                                            "%.1f"))
    if not t["influx"]:
        summary("a year of 1-min data -> 365 daily avg,min,max",
                "%.2f ms" % (med(t["oasis"]) * ms), "-", "", "<= 5 ms")
        return
    ratios = [b / a for a, b in zip(t["oasis"], t["influx"])]
    print("  B influxdb GET /query (InfluxQL): %s" % spread(t["influx"], "ms",
                                                             ms, "%.2f"))
    print("    influxdb GET /ping:             %s" % spread(t["ping"], "ms",
                                                             ms, "%.2f"))
    print("  oasis is %.1fx faster (pairs: min %.1f, max %.1f)" % (
        med(ratios), min(ratios), max(ratios)))
    summary("a year of 1-min data -> 365 daily avg,min,max (round trip)",
            "%.2f ms (query alone ~%.2f ms)" % (med(t["oasis"]) * ms,
                                                alone * ms),
            "InfluxDB %.2f ms" % (med(t["influx"]) * ms),
            "%.1f" % med(ratios), "<= 5 ms, faster than InfluxDB")


# ---- 5, 6: latest of 60,000 series; memory ----------------------------------------

PLOT_CODE = "6523249990001"
N_DEVICES = 10000


def register_devices(port, tok, devices, clients=4):
    headers = dict(bearer(tok), **{"Content-Type": "application/json"})
    reqs = [("POST", "/api/v1/devices", json.dumps({
        "id": d, "kind": "soil_probe", "plot": PLOT_CODE}).encode(), headers)
        for d in devices]
    return fan_out(port, reqs, clients)


def mb(x):
    return "%.1f MB" % (x / 2**20)


def bench_latest(oasis, work, influx, reps=20):
    devices = ["sp-%05d" % (i + 1) for i in range(N_DEVICES)]
    series = N_DEVICES * len(ts_data.PROBE_METRICS)
    print("\n[latest, memory] %d soil probes x 6 metrics = %d series, all on "
          "plot %s, 3 reports each written over HTTP" % (N_DEVICES, series,
                                                         PLOT_CODE))
    store = os.path.join(work, "latest-store")
    fresh_store(oasis, store)
    geo = os.path.join(work, "plot.geojson")
    ts_data.plots_geojson(geo, [PLOT_CODE])
    run_quiet([oasis, "plots", "import", geo, "--data", store])
    tok = token(oasis, store, "admin")
    lp = os.path.join(work, "probes.lp")
    now_s = int(time.time()) // 600 * 600 - 3 * 3600
    points = ts_data.probes_lp(lp, devices, now_s)
    srv = OasisServer(oasis, store)
    mem = {}
    try:
        mem["started"] = proc_memory(srv.pid)
        secs = register_devices(srv.port, tok, devices)
        print("  registered %d devices (POST /api/v1/devices, 4 clients): "
              "%.1f s, %.0f devices/s" % (N_DEVICES, secs, N_DEVICES / secs))
        mem["registered"] = proc_memory(srv.pid)
        secs = post_batches(srv.port, "/api/v1/write?precision=ns",
                            ts_data.lp_batches(lp), bearer(tok))
        print("  wrote %d points over HTTP: %.2f s" % (points, secs))
        mem["written"] = proc_memory(srv.pid)
        lat = latest_requests(srv.port, tok, devices, series, reps)
        mem["queried"] = proc_memory(srv.pid)
    finally:
        srv.stop()
    srv = OasisServer(oasis, store)
    try:
        mem["restarted"] = proc_memory(srv.pid)
        ka = KeepAlive(srv.port, bearer(tok))
        ka.get("/api/v1/latest?all=1")
        ka.close()
        mem["restarted+all"] = proc_memory(srv.pid)
    finally:
        srv.stop()
    peer = influx_latest(influx, lp, reps) if influx else None
    report_latest(lat, peer, series)
    report_memory(mem, series)


def latest_requests(port, tok, devices, series, reps):
    ka = KeepAlive(port, bearer(tok))
    t = {}
    for name, path in (("all", "/api/v1/latest?all=1"),
                       ("metric", "/api/v1/latest?metric=moisture_10cm"),
                       ("plot", "/api/v1/latest?plot=" + PLOT_CODE),
                       ("device", "/api/v1/latest?device=" + devices[0])):
        xs = []
        secs, body = ka.get(path)          # warm-up
        n = reps if secs < 0.5 else 2      # slow paths: bounded time
        for i in range(n + 2):
            secs, body = ka.get(path)
            if i >= 2:
                xs.append(secs)
        t[name] = (xs, len(body))
        if name == "all":
            n = len(json.loads(body)["values"])
            if n != series:
                print("  WARNING: ?all=1 answered %d series, not %d" % (
                    n, series))
        if name == "plot":
            d = json.loads(body)["devices"]
            n = sum(len(x["values"]) for x in d)
            if n != series:
                print("  WARNING: ?plot= answered %d series, not %d" % (n,
                                                                         series))
    ka.close()
    t["every_device"] = fan_out(port, [
        ("GET", "/api/v1/latest?device=" + d, None, bearer(tok))
        for d in devices])
    return t


def influx_latest(influx, lp, reps):
    influx.fresh_db("latest")
    influx.write("latest", ts_data.lp_batches(lp))
    ka = KeepAlive(influx.port)
    q = ("/query?db=latest&epoch=ms&q=" +
         "SELECT%20last(*)%20FROM%20soil%20GROUP%20BY%20device")
    xs = []
    size = 0
    for i in range(min(reps, 10) + 3):
        secs, body = ka.get(q)
        size = len(body)
        if i >= 3:
            xs.append(secs)
    ka.close()
    return xs, size


def report_latest(t, peer, series):
    ms = 1000.0
    xs, size = t["all"]
    print("  median round trips on a keep-alive connection (%d requests after "
          "3 warm-ups; 2 after 3 where one takes over 0.5 s):" % len(xs))
    print("  A oasis ?all=1 (%d series, %.1f MB):   %s" % (
        series, size / 1e6, spread(xs, "ms", ms, "%.1f")))
    for name, label in (("metric", "?metric=moisture_10cm (10,000)"),
                        ("plot", "?plot= (10,000 devices)"),
                        ("device", "?device= (6 series)")):
        ys, sz = t[name]
        print("    oasis %-32s %s, %.2f MB" % (label + ":", spread(
            ys, "ms", ms, "%.2f"), sz / 1e6))
    print("    oasis ?device= for each of the 10,000 devices, 4 clients: "
          "%.2f s in all" % t["every_device"])
    if peer:
        ratios = med(peer[0]) / med(xs)
        print("  B influxdb SELECT last(*) FROM soil GROUP BY device: %s, "
              "%.1f MB; oasis ?all=1 is %.1fx faster" % (
                  spread(peer[0], "ms", ms, "%.1f"), peer[1] / 1e6, ratios))
    summary("latest of 60,000 series, one request",
            "%.1f ms (?all=1); %.0f ms (?plot=)" % (
                med(xs) * ms, med(t["plot"][0]) * ms),
            "InfluxDB %.0f ms (last(*) GROUP BY device)" % (med(peer[0]) * ms)
            if peer else "-",
            "%.1f" % (med(peer[0]) / med(xs)) if peer else "",
            "<= 20 ms")


def report_memory(mem, series):
    print("  oasis serve memory (VmRSS / VmHWM from /proc/PID/status):")
    for k, label in (("started", "started, empty store"),
                     ("registered", "10,000 devices registered"),
                     ("written", "%d series written" % series),
                     ("queried", "after the latest requests"),
                     ("restarted", "restarted (WAL replayed)"),
                     ("restarted+all", "restarted, after one ?all=1")):
        rss, hwm = mem[k]
        print("    %-34s RSS %9s  peak %9s" % (label + ":", mb(rss), mb(hwm)))
    summary("server memory, 60,000 active series",
            "RSS %s (peak %s)" % (mb(mem["written"][0]), mb(mem["queried"][1])),
            "", "", "<= 300 MB")


# ---- main -------------------------------------------------------------------------

def print_summary():
    print("\nsummary")
    print("| what | Oasis | peers | ratio | goal |")
    print("|---|---|---|---|---|")
    for row in SUMMARY:
        print("| %s |" % " | ".join(row))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build", nargs="?", default="build")
    ap.add_argument("--week", action="store_true",
                    help="also ingest the 7-day file (13.1 M points)")
    ap.add_argument("--runs", type=int, default=5,
                    help="timed runs after the warm-up (default 5; the "
                    "7-day ingest takes 2)")
    ap.add_argument("--only", default=",".join(PARTS))
    ap.add_argument("--no-peers", action="store_true")
    a = ap.parse_args()
    parts = a.only.split(",")
    oasis = oasis_bin(a.build)
    if not os.path.exists(oasis):
        sys.exit("ts_bench: %s not found: make BUILD=%s all" % (oasis, a.build))
    start = time.time()
    print("machine: %s; load average %s" % (machine(), " ".join(load_note())))
    print("oasis: %s; a shared machine: others may be compiling" % oasis)
    influx = pg = None
    work = tmpdir("oasis-bench-ts-")
    try:
        if not a.no_peers:
            influx, pg = start_peers()
        if "ingest" in parts:
            bench_ingest(oasis, work, 1, a.runs, influx, pg)
            if a.week:
                bench_ingest(oasis, work, 7, min(2, a.runs), influx, pg)
        if "write" in parts:
            bench_write(oasis, work, a.runs, influx)
        if "query" in parts:
            bench_query(oasis, work, influx)
        if "latest" in parts:
            bench_latest(oasis, work, influx)
    finally:
        if influx:
            influx.stop()
        if pg:
            pg.stop()
        shutil.rmtree(work, ignore_errors=True)
    print_summary()
    print("\n(%.0f s in all; load average now %s)" % (time.time() - start,
                                                      " ".join(load_note())))


def start_peers():
    influx = pg = None
    missing = ensure_packages(["influxdb"])
    if missing or not shutil.which("influxd"):
        print("  InfluxDB missing (apt-get install influxdb): skipped")
    else:
        influx = Influx()
        out = subprocess.run(["influxd", "version"], capture_output=True,
                             text=True).stdout.strip()
        print("peer: %s on 127.0.0.1:%d (%s)" % (out, influx.port, influx.dir))
    if not os.path.exists("/usr/lib/postgresql/15/bin/initdb"):
        print("  PostgreSQL 15 missing (apt-get install postgresql): skipped")
    else:
        pg = Postgres()
        print("peer: PostgreSQL %s on 127.0.0.1:%d (%s)" % (
            pg.sql("SHOW server_version"), pg.port, pg.dir))
    print("peer: SQLite %s (sqlite3 shell)" % subprocess.run(
        ["sqlite3", "--version"], capture_output=True,
        text=True).stdout.split()[0])
    return influx, pg


if __name__ == "__main__":
    main()

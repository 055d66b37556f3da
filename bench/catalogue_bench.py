#!/usr/bin/env python3
"""catalogue_bench.py BUILD [--years N]: the big screen's imagery summary
over years of scenes.

The demo base (60 plots, 30 days of satellite scenes and drone mosaics) is
made with `oasis demo`, stopped, and its catalogue grown to N years (default
3) by copying every scene, with its per-plot statistics and flags, back by
30, 60, ... days.  Then, on that store:

  A  Oasis: GET /api/v1/overview (what every wall screen asks each
     minute), through a real server;
  B  peer: SQLite answering "each plot's newest NDVI" in plain SQL over
     the whole catalogue (GROUP BY plot, max(acquired_ms): every statistic
     of the index read), the statement Oasis used before;
  C  the statement Oasis runs now, the same question in the last 60 days
     (a range of the acquisition-time index), on the same file.

B and C alternate, 20 rounds after a warm-up; medians and the ratio C/B
pair by pair; A as a median of 20 requests.  Standard library only.
"""
import http.client
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time

from common import machine, oasis_bin, serve, tmpdir

DAY_MS = 86400000
WINDOW_DAYS = 60

UNBOUNDED = (
    "SELECT s.id, max(s.acquired_ms), t.plot, t.mean FROM scene_stats t"
    " JOIN scenes s ON s.id = t.scene WHERE t.idx = ? AND s.kind = ? AND"
    " s.acquired_ms < ? AND t.count > 0 AND t.mean IS NOT NULL"
    " GROUP BY t.plot ORDER BY t.plot")
WINDOWED = (
    "SELECT s.id, max(s.acquired_ms), t.plot, t.mean FROM scenes s CROSS JOIN"
    " scene_stats t ON t.scene = s.id WHERE s.acquired_ms >= ? AND"
    " s.acquired_ms < ? AND s.kind = ? AND t.idx = ? AND t.count > 0 AND"
    " t.mean IS NOT NULL GROUP BY t.plot ORDER BY t.plot")


def make_demo(binary, store):
    """Create the demo base in store, and stop it once it serves."""
    proc = subprocess.Popen([binary, "demo", "--data", store, "--listen",
                             "127.0.0.1:0"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    for line in proc.stdout:
        if "login:" in line:
            break
    else:
        sys.exit("catalogue_bench: oasis demo did not start")
    proc.terminate()
    proc.wait(timeout=60)


def grow(db_path, years):
    """Copy every scene back by 30-day steps: years of the same passes."""
    db = sqlite3.connect(db_path)
    cols = [r[1] for r in db.execute("PRAGMA table_info(scenes)")]
    at = cols.index("acquired_ms")
    scenes = db.execute("SELECT * FROM scenes ORDER BY id").fetchall()
    stats = {}
    for row in db.execute("SELECT * FROM scene_stats"):
        stats.setdefault(row[0], []).append(row)
    flags = {}
    for row in db.execute("SELECT * FROM anomalies"):
        flags.setdefault(row[0], []).append(row)
    next_id = db.execute("SELECT max(id) FROM scenes").fetchone()[0]
    mark = lambda n: ",".join("?" * n)
    with db:
        for k in range(1, years * 12 + 1):
            for s in scenes:
                next_id += 1
                copy = list(s)
                copy[0], copy[at] = next_id, s[at] - k * 30 * DAY_MS
                db.execute("INSERT INTO scenes VALUES (%s)" % mark(len(copy)), copy)
                for r in stats.get(s[0], []):
                    db.execute("INSERT INTO scene_stats VALUES (%s)" % mark(len(r)),
                               (next_id,) + tuple(r[1:]))
                for r in flags.get(s[0], []):
                    db.execute("INSERT INTO anomalies VALUES (%s)" % mark(len(r)),
                               (next_id,) + tuple(r[1:]))
    n = [db.execute("SELECT count(*) FROM %s" % t).fetchone()[0]
         for t in ("scenes", "scene_stats", "anomalies")]
    db.close()
    return n


def overview_times(port, token, rounds):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    times = []
    for i in range(rounds + 1):
        t = time.perf_counter()
        conn.request("GET", "/api/v1/overview",
                     headers={"Authorization": "Bearer " + token})
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            sys.exit("catalogue_bench: GET /api/v1/overview: %d" % r.status)
        if i:
            times.append(time.perf_counter() - t)
    return times


def sql_pairs(db_path, rounds):
    db = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True)
    now = int(time.time() * 1000)
    tb, tc, ratios = [], [], []
    for i in range(rounds + 1):
        t = time.perf_counter()
        rows_b = db.execute(UNBOUNDED, ("ndvi", "satellite", now + 1)).fetchall()
        b = time.perf_counter() - t
        t = time.perf_counter()
        rows_c = db.execute(WINDOWED, (now - WINDOW_DAYS * DAY_MS, now + 1,
                                       "satellite", "ndvi")).fetchall()
        c = time.perf_counter() - t
        if rows_b != rows_c:
            sys.exit("catalogue_bench: the two statements disagree")
        if i:
            tb.append(b)
            tc.append(c)
            ratios.append(c / b)
    db.close()
    return tb, tc, ratios, len(rows_c)


def main():
    build = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "build"
    years = int(sys.argv[sys.argv.index("--years") + 1]) if "--years" in sys.argv else 3
    binary = oasis_bin(build)
    work = tmpdir("oasis-catalogue-")
    store = os.path.join(work, "demo")
    try:
        print("machine: %s" % machine())
        make_demo(binary, store)
        db_path = os.path.join(store, "oasis.db")
        scenes, stats, flags = grow(db_path, years)
        print("catalogue: %d years, %d scenes, %d plot statistics, %d flags"
              % (years, scenes, stats, flags))
        token = subprocess.run([binary, "token", "create", "--role", "viewer",
                                "--name", "bench", "--data", store], check=True,
                               capture_output=True, text=True).stdout.strip()
        proc, port = serve(binary, store, "catalogue_bench")
        try:
            ta = overview_times(port, token, 20)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
        tb, tc, ratios, plots = sql_pairs(db_path, 20)
        ms = lambda xs: "median %.2f ms (min %.2f, max %.2f)" % (
            1e3 * statistics.median(xs), 1e3 * min(xs), 1e3 * max(xs))
        print("  A  GET /api/v1/overview, whole answer   %s" % ms(ta))
        print("  B  peer: newest NDVI per plot, all years %s" % ms(tb))
        print("  C  Oasis: the same in the last %d days   %s (%d plots)"
              % (WINDOW_DAYS, ms(tc), plots))
        print("  ratio C/B: median %.3f (min %.3f, max %.3f), %d pairs" % (
            statistics.median(ratios), min(ratios), max(ratios), len(ratios)))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Oasis on PostgreSQL against Oasis on SQLite and against plain rows in
PostgreSQL, in the same run (issue 15's numbers).

  python3 bench/pg_bench.py [BUILD] [--runs N] [--only PARTS]
                            [--before OASIS_BINARY]

PARTS is a comma list of write,size,plan,ndvi (default all):

write  HTTP ingest of the 1-day file (100 stations and 1,000 probes,
       1.87 M points, moved to end a minute ago) in 5,000-line batches from
       4 concurrent keep-alive clients, in turn each round:
         A  Oasis on PostgreSQL (`--db URL --data DIR`: its write-ahead log
            in DIR, the chunks in the database), a fresh database each run
         B  Oasis on SQLite (`--data DIR`), a fresh folder each run
         C  the same points as rows (series, ts, value; an index on
            (series, ts)) by 4 concurrent `psql \\copy` of a quarter of the
            CSV each, into a fresh table of the same cluster
         D  (with --before) Oasis on PostgreSQL with another binary, e.g. one
            built before the COPY path, for a before/after of the write path
       Oasis is timed to the last acknowledgement (a point is acknowledged
       once in the write-ahead log), and also to the end of its shutdown
       (SIGTERM: the last checkpoint moves every point into the store), so
       "in PostgreSQL" is measured too.  Ratios pair by pair, load average.
size   `oasis ingest` of the 7-day file (13.1 M points) into a fresh
       database: rows/s into chunks, and the bytes of Oasis's tables
       (pg_total_relation_size: heap, TOAST and indexes; chunk partitions,
       rollups, latest, series, ...; PostGIS's spatial_ref_sys apart).
plan   GET /api/v1/irrigation/plan over 5,000 plots (plan_bench.py's
       store: 10 stations, 5,000 probes, 90 days, written over HTTP) on
       PostgreSQL and on SQLite, alternately; with --before also E, the
       other binary on a copy of the SQLite folder (SQLite before/after).
ndvi   a year of daily NDVI over 10,000 plots: 365 scenes, each with the
       statistics of all 10,000 plots (3.65 M rows of scene_stats, loaded
       by the bench straight into each store: psql \copy, sqlite3), then
       GET /api/v1/plots/{code}/indices?index=ndvi (the plot's year of
       NDVI, the service the plot page's chart reads) for --ndvi-reads
       plots spread over the 10,000, one keep-alive client, PostgreSQL and
       SQLite alternately.

The cluster is a throwaway one (initdb in a temporary folder, a free
loopback port, default settings: fsync on, synchronous_commit on,
shared_buffers 128 MB), stopped at the end.  Standard library only; run
with /usr/bin/python3 from bench/ (make bench does)."""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True

from common import machine, oasis_bin, tmpdir
import plan_bench
import ts_data
from ts_bench import load_note, metric, recent_batches
from ts_peers import (KeepAlive, OasisServer, Postgres, du_bytes, proc_cpu,
                      post_batches)

PARTS = ("write", "size", "plan", "ndvi")
SUMMARY = []
COUNTER = [0]


def med(xs):
    return statistics.median(xs)


def spread(xs, fmt="%.2f"):
    return ("median " + fmt + " s (min " + fmt + ", max " + fmt + ", n=%d)") % (
        med(xs), min(xs), max(xs), len(xs))


def mpts(points, secs):
    return "%.2f M points/s" % (points / secs / 1e6)


def load():
    return " ".join(load_note())


# ---- the two backends ----------------------------------------------------------

class Store:
    """A fresh Oasis store: a folder (SQLite) or a database plus the
    folder of its write-ahead log (PostgreSQL)."""

    def __init__(self, oasis, work, pg=None):
        COUNTER[0] += 1
        self.oasis = oasis
        self.dir = os.path.join(work, "store-%d" % COUNTER[0])
        self.pg = pg
        self.args = ["--data", self.dir]
        if pg:
            self.db = "oasis_bench_%d" % COUNTER[0]
            pg.sql("CREATE DATABASE %s" % self.db)
            self.url = "postgresql://postgres@127.0.0.1:%d/%s" % (pg.port,
                                                                 self.db)
            self.args = ["--db", self.url, "--data", self.dir]
        self.run(["init"])

    def run(self, args, capture=False):
        p = subprocess.run([self.oasis] + args + self.args, check=True,
                           capture_output=True, text=True)
        return p.stdout

    def token(self, role="admin"):
        return self.run(["token", "create", "--role", role, "--name",
                         "bench-" + role]).strip()

    def serve(self):
        return OasisServer(self.oasis, self.dir,
                           ["--db", self.url] if self.pg else [])

    def table_bytes(self):
        """Oasis's tables in the database, heap + TOAST + indexes, by
        group: (chunks and rollups, everything but spatial_ref_sys)."""
        def q(where):
            return int(self.pg.sql_db(
                self.db, "SELECT coalesce(sum(pg_total_relation_size(c.oid)),"
                " 0) FROM pg_class c JOIN pg_namespace n ON n.oid ="
                " c.relnamespace WHERE n.nspname = 'public' AND c.relkind ="
                " 'r' AND " + where))
        return (q("c.relname LIKE 'chunks%'"),
                q("c.relname <> 'spatial_ref_sys'"))

    def drop(self):
        shutil.rmtree(self.dir, ignore_errors=True)
        if self.pg:
            self.pg.sql("DROP DATABASE %s WITH (FORCE)" % self.db)


def sql_db(pg, db, sql):
    return subprocess.run(pg.psql_cmd(sql)[:-2] + ["-d", db, "-c", sql,
                                                   "-A", "-t"],
                          check=True, capture_output=True,
                          text=True).stdout.strip()


Postgres.sql_db = sql_db


# ---- write ---------------------------------------------------------------------

def pg_cpu(pg):
    """CPU seconds of the whole cluster so far: the postmaster, its
    finished children (cutime, cstime) and the live ones."""
    tick = os.sysconf("SC_CLK_TCK")
    with open(os.path.join(pg.data, "postmaster.pid")) as f:
        master = int(f.readline())

    def stat(pid):
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()
    fields = stat(master)
    total = sum(int(x) for x in fields[11:15])
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            fields = stat(int(name))
        except OSError:
            continue
        if int(fields[1]) == master:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def oasis_write(oasis, work, pg, register_lp, batches):
    """One run: a fresh store with every device registered, all batches
    POSTed; (seconds to the last answer, seconds to the end of shutdown,
    server CPU seconds, points counted written, PostgreSQL's CPU seconds
    from the first POST to the end of shutdown)."""
    st = Store(oasis, work, pg)
    try:
        st.run(["ingest", register_lp, "--auto-register"])
        tok = st.token()
        srv = st.serve()
        cpu = proc_cpu(srv.pid)
        dbcpu = pg_cpu(pg) if pg else 0.0
        start = time.perf_counter()
        secs = post_batches(srv.port, "/api/v1/write?precision=ns", batches,
                            {"Authorization": "Bearer " + tok})
        ka = KeepAlive(srv.port, {"Authorization": "Bearer " + tok})
        _, body = ka.get("/api/v1/metrics")
        ka.close()
        cpu = proc_cpu(srv.pid) - cpu
        srv.stop()
        stored = time.perf_counter() - start
        dbcpu = pg_cpu(pg) - dbcpu if pg else 0.0
        return secs, stored, cpu, metric(body, "oasis_points_written_total"), \
            dbcpu
    finally:
        st.drop()


def split_csv(csv, work, parts=4):
    """The CSV in `parts` files of whole lines (one per COPY client)."""
    with open(csv, "rb") as f:
        lines = f.readlines()
    step = (len(lines) + parts - 1) // parts
    paths = []
    for i in range(parts):
        p = os.path.join(work, "rows-%d.csv" % i)
        with open(p, "wb") as f:
            f.writelines(lines[i * step:(i + 1) * step])
        paths.append(p)
    return paths


def copy_rows(pg, paths):
    """A fresh indexed row table, then one `psql \\copy` per file at once;
    (wall seconds, the table's bytes)."""
    pg.sql("DROP TABLE IF EXISTS points; CREATE TABLE points (series integer"
           " NOT NULL, ts bigint NOT NULL, value double precision NOT NULL);"
           " CREATE INDEX points_series_ts ON points (series, ts)")
    errors = []

    def one(path):
        try:
            subprocess.run(pg.psql_cmd("\\copy points FROM '%s' CSV" % path),
                           check=True, capture_output=True)
        except subprocess.CalledProcessError as e:
            errors.append(e.stderr)
    threads = [threading.Thread(target=one, args=(p,)) for p in paths]
    dbcpu = pg_cpu(pg)
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.perf_counter() - start
    dbcpu = pg_cpu(pg) - dbcpu
    if errors:
        raise RuntimeError("psql \\copy: %s" % errors[0][:300])
    return secs, int(pg.sql("SELECT pg_total_relation_size('points')")), \
        dbcpu


def bench_write(oasis, before, work, pg, runs):
    lp, csv, meta = ts_data.telemetry(1)
    points = meta["points"]
    register_lp = os.path.join(work, "devices.lp")
    batches, shift = recent_batches(lp)
    n_dev = ts_data.first_line_per_device(lp, register_lp,
                                          3600 * 10 ** 9 - shift)
    quarters = split_csv(csv, work)
    print("\n[write] POST of the 1-day file (%d points, %d devices registered"
          " first) in %d batches of 5,000 lines, 4 keep-alive clients;"
          " in turn A B C%s each round, load average %s" % (
              points, n_dev, len(batches), " D" if before else "", load()))
    sides = [("A", "Oasis on PostgreSQL", oasis, pg), ("B", "Oasis on SQLite",
                                                      oasis, None)]
    if before:
        sides.append(("D", "Oasis on PostgreSQL, --before binary", before,
                      pg))
    t = {k: [] for k in "ABCD"}
    stored = {k: [] for k in "ABD"}
    cpu = {k: [] for k in "ABD"}
    dbcpu = {k: [] for k in "ABCD"}
    row_bytes = 0
    for i in range(runs + 1):
        for key, name, binary, peer in sides:
            secs, done, c, written, d = oasis_write(binary, work, peer,
                                                    register_lp, batches)
            dbcpu[key].append(d)
            if written != points:
                print("  WARNING: %s counted %d points written, not %d" % (
                    name, written, points))
            t[key].append(secs)
            stored[key].append(done)
            cpu[key].append(c)
            print("  run %d%s: %s %s %.2f s to the last answer (%s), %.2f s"
                  " to stopped (all in the store), server CPU %.2f s%s" % (
                      i, " (warm-up)" if i == 0 else "", key, name, secs,
                      mpts(points, secs), done, c,
                      ", PostgreSQL CPU %.2f s" % d if peer else ""),
                  flush=True)
        secs, row_bytes, d = copy_rows(pg, quarters)
        t["C"].append(secs)
        dbcpu["C"].append(d)
        print("  run %d: C 4 x psql \\copy into an indexed row table %.2f s"
              " (%s), PostgreSQL CPU %.2f s; load average %s" % (
                  i, secs, mpts(points, secs), d, load()), flush=True)
    for d in (t, stored, cpu, dbcpu):
        for k in d:
            d[k] = d[k][1:]
    report_write(points, t, stored, cpu, row_bytes)
    for k, name in (("A", "A Oasis on PostgreSQL"), ("D", "D before"),
                    ("C", "C rows by COPY")):
        if dbcpu[k]:
            print("  PostgreSQL's CPU, %-22s %s" % (name + ":",
                                                     spread(dbcpu[k])))


def ratio_line(what, xs):
    return "  %-52s median %.2f (pairs: min %.2f, max %.2f)" % (
        what + ":", med(xs), min(xs), max(xs))


def report_write(points, t, stored, cpu, row_bytes):
    names = {"A": "Oasis on PostgreSQL", "B": "Oasis on SQLite",
             "C": "rows by COPY (indexed)", "D": "Oasis on PostgreSQL, before"}
    for k in "ABDC":
        if t[k]:
            print("  %s %-28s %s, %s" % (k, names[k] + ":", spread(t[k]),
                                         mpts(points, med(t[k]))))
            if k in stored and stored[k]:
                print("    %-30s %s, %s; server CPU %s" % (
                    "to stopped:", spread(stored[k]),
                    mpts(points, med(stored[k])), spread(cpu[k])))
    r_ac = [c / a for a, c in zip(t["A"], t["C"])]
    r_ab = [b / a for a, b in zip(t["A"], t["B"])]
    r_ab_stored = [b / a for a, b in zip(stored["A"], stored["B"])]
    print(ratio_line("A/C throughput (Oasis on PG over COPY rows)", r_ac))
    print(ratio_line("A/B throughput to the last answer (PG/SQLite)", r_ab))
    print(ratio_line("A/B throughput to stopped (PG/SQLite)", r_ab_stored))
    if t["D"]:
        print(ratio_line("A/D throughput to stopped (after/before)",
                         [d / a for a, d in zip(stored["A"], stored["D"])]))
    print("  the row table after COPY: %d bytes, %.1f bytes/point" % (
        row_bytes, row_bytes / points))
    SUMMARY.append(("HTTP write, 1 day, 4 x 5,000 lines, Oasis on PG",
                    mpts(points, med(t["A"])),
                    ">= 1.0 M points/s"))
    SUMMARY.append(("  ... over rows by COPY into PG", "%.2fx" % med(r_ac),
                    ">= 4x"))
    SUMMARY.append(("  ... over Oasis on SQLite (to the last answer)",
                    "%.2f" % med(r_ab), ">= 0.7 (within 30 %)"))


# ---- size ----------------------------------------------------------------------

def bench_size(oasis, work, pg):
    lp, _, meta = ts_data.telemetry(7)
    points = meta["points"]
    print("\n[size] oasis ingest of the 7-day file (%d points) into a fresh"
          " database; load average %s" % (points, load()))
    st = Store(oasis, work, pg)
    try:
        start = time.perf_counter()
        out = st.run(["ingest", lp, "--auto-register"])
        secs = time.perf_counter() - start
        print("  " + out.strip())
        pg.sql_db(st.db, "VACUUM ANALYZE")
        chunks, total = st.table_bytes()
        n_chunks = int(pg.sql_db(st.db, "SELECT count(*) FROM chunks"))
        parts = pg.sql_db(st.db, "SELECT string_agg(c.relname || ' ' ||"
                          " pg_total_relation_size(c.oid), ', ' ORDER BY"
                          " c.relname) FROM pg_inherits i JOIN pg_class c ON"
                          " c.oid = i.inhrelid WHERE i.inhparent ="
                          " 'chunks'::regclass")
        print("  %.1f s, %s; %d chunk rows (%.0f rows/s)" % (
            secs, mpts(points, secs), n_chunks, n_chunks / secs))
        print("  chunk tables: %d bytes, %.3f bytes/point (%s)" % (
            chunks, chunks / points, parts))
        print("  all of Oasis's tables: %d bytes, %.3f bytes/point" % (
            total, total / points))
        print("  the local folder (write-ahead log, working files): %d bytes"
              % du_bytes(st.dir))
        SUMMARY.append(("store size on PG, 7 days, bytes/point (all tables)",
                        "%.3f" % (total / points), "<= 1.0"))
    finally:
        st.drop()


# ---- plan ----------------------------------------------------------------------

def plan_store(oasis, work, pg, today):
    """plan_bench.py's store written over HTTP into a fresh store."""
    sown = today - plan_bench.SEASON
    st = Store(oasis, work, pg)
    geo = os.path.join(work, "plots.geojson")
    plan_bench.plots_geojson(geo, sown)
    st.run(["plots", "import", geo])
    tok = st.token()
    srv = st.serve()
    c = plan_bench.Client(srv.port, tok)
    try:
        for k in range(plan_bench.STATIONS):
            x, y = plan_bench.station_xy(k)
            c.call("POST", "/api/v1/devices", '{"id": "ws-%02d", "kind":'
                   ' "weather_station", "location": [%r, %r]}' % (k, x, y))
        for i in range(plan_bench.PLOTS):
            c.call("POST", "/api/v1/devices", '{"id": "sp-%04d", "kind":'
                   ' "soil_probe", "plot": "B%04d"}' % (i, i))
        for lines in (plan_bench.weather_lines(today, sown),
                      plan_bench.probe_lines(today, sown)):
            chunk = []
            for line in lines:
                chunk.append(line)
                if len(chunk) == 20000:
                    c.call("POST", "/api/v1/write?precision=s",
                           "\n".join(chunk), "text/plain")
                    chunk = []
            if chunk:
                c.call("POST", "/api/v1/write?precision=s", "\n".join(chunk),
                       "text/plain")
    finally:
        srv.stop()
    return st, tok


def wait_compacted(client, what, timeout=900.0):
    """Wait for the server's first round of compaction: the windows the
    writer's checkpoints left in small chunks are merged (the work left at
    its stop is taken up at once), so both backends are read in the same
    layout, as a store written over time is."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        n = metric(client.call("GET", "/api/v1/metrics"),
                   "oasis_compactions_total")
        if n != 0:   # -1: a binary without the counter
            break
        time.sleep(1)
    print("  %s: compaction settled after %.0f s" % (
        what, time.perf_counter() - start))


def wait_vacuumed(st, timeout=600.0):
    """Wait for autovacuum to have gone over the chunk partitions that
    compaction emptied (dead rows under 1 % of the live ones): a store
    read hours after its writes, as the base's is, not the minute after a
    season written at once."""
    start = time.perf_counter()
    dead = live = 0
    while time.perf_counter() - start < timeout:
        dead, live = (int(x) for x in st.pg.sql_db(
            st.db, "SELECT coalesce(sum(n_dead_tup), 0), coalesce(sum("
            "n_live_tup), 0) FROM pg_stat_user_tables WHERE relname LIKE"
            " 'chunks%'").split("|"))
        if dead * 100 <= live:
            break
        time.sleep(2)
    print("  A PostgreSQL: autovacuum done after %.0f s (%d dead rows of %d)"
          % (time.perf_counter() - start, dead, live))


def bench_plan(oasis, work, pg, runs, before=None):
    today = int(time.time()) // plan_bench.DAY
    print("\n[plan] GET /api/v1/irrigation/plan over %d plots, A on"
          " PostgreSQL, B on SQLite, alternately; load average %s" % (
              plan_bench.PLOTS, load()))
    t0 = time.perf_counter()
    a, tok_a = plan_store(oasis, work, pg, today)
    b, tok_b = plan_store(oasis, work, None, today)
    print("  both stores written over HTTP in %.0f s" % (
        time.perf_counter() - t0))
    path = "/api/v1/irrigation/plan?date=%s" % plan_bench.iso(today)
    se = ce = body_e = None
    te = []
    if before:
        # E: SQLite with the --before binary, on a copy of B's folder
        shutil.copytree(b.dir, b.dir + "-before")
        se = OasisServer(before, b.dir + "-before")
        ce = plan_bench.Client(se.port, tok_b)
    sa, sb = a.serve(), b.serve()
    ca, cb = plan_bench.Client(sa.port, tok_a), plan_bench.Client(sb.port,
                                                                  tok_b)
    wait_compacted(ca, "A PostgreSQL")
    wait_compacted(cb, "B SQLite")
    wait_vacuumed(a)
    print("  chunks: A %s, B %s" % (
        a.pg.sql_db(a.db, "SELECT count(*) FROM chunks"),
        subprocess.run(["sqlite3", os.path.join(b.dir, "oasis.db"),
                        "SELECT count(*) FROM chunks"], capture_output=True,
                       text=True).stdout.strip()))
    ta, tb, cpu_a, cpu_b = [], [], [], []
    try:
        for i in range(runs + 1):
            s, c = time.perf_counter(), proc_cpu(sa.pid)
            body_a = ca.call("GET", path)
            x = time.perf_counter() - s
            if i:
                cpu_a.append(proc_cpu(sa.pid) - c)
            s, c = time.perf_counter(), proc_cpu(sb.pid)
            body_b = cb.call("GET", path)
            y = time.perf_counter() - s
            if i:
                cpu_b.append(proc_cpu(sb.pid) - c)
            if ce:
                s = time.perf_counter()
                body_e = ce.call("GET", path)
                if i:
                    te.append(time.perf_counter() - s)
            if i:
                ta.append(x)
                tb.append(y)
    finally:
        sa.stop()
        sb.stop()
        if se:
            se.stop()
            shutil.rmtree(b.dir + "-before", ignore_errors=True)
        a.drop()
        b.drop()
    due_a, _ = plan_bench.due_of(body_a)
    due_b, _ = plan_bench.due_of(body_b)
    ratios = [x / y for x, y in zip(ta, tb)]
    print("  A PostgreSQL: %s" % spread(ta, "%.3f"))
    print("  B SQLite:     %s" % spread(tb, "%.3f"))
    print("  server CPU per plan: A %.3f s, B %.3f s (medians)" % (
        med(cpu_a), med(cpu_b)))
    print(ratio_line("A/B time", ratios))
    print("  same plots due with the same volumes: %s (%d due)" % (
        "yes" if due_a == due_b else "NO", len(due_a)))
    if te:
        print("  E SQLite, --before binary: %s" % spread(te, "%.3f"))
        print(ratio_line("B/E time", [y / z for y, z in zip(tb, te)]))
        print("  B and E answer alike: %s" % (
            "yes" if plan_bench.due_of(body_e)[0] == due_b else "NO"))
    SUMMARY.append(("irrigation plan, %d plots, PG time / SQLite time" %
                    plan_bench.PLOTS,
                    "%.2f (%.3f s / %.3f s)" % (med(ratios), med(ta),
                                                med(tb)), "<= 1.5"))


# ---- ndvi ----------------------------------------------------------------------

NDVI_PLOTS = 10000
NDVI_DAYS = 365


def ndvi_rows(path, first_day):
    """The scenes' and statistics' CSV files: a year of daily scenes, each
    with every plot's NDVI statistics (a smooth season plus noise)."""
    import random
    rnd = random.Random(15)
    scenes, stats = path + "-scenes.csv", path + "-stats.csv"
    with open(scenes, "w") as f:
        for d in range(NDVI_DAYS):
            ms = (first_day + d) * 86400000 + 5 * 3600000
            f.write('%d,bench,satellite,%d,EPSG:4326,{},0.0,"",512,512,'
                    'ndvi,"",%d\n' % (d + 1, ms, ms))
    with open(stats, "w") as f:
        for d in range(NDVI_DAYS):
            season = 0.2 + 0.6 * max(0.0, 1 - abs(d - 200) / 120.0)
            for i in range(NDVI_PLOTS):
                m = season + rnd.uniform(-0.05, 0.05)
                v = [round(x, 3) + 0.0 for x in (m, m - 0.2, m + 0.2,
                                                 m - 0.07, m + 0.07)]
                f.write("%d,B%04d,ndvi,%d,0.98,%r,0.05,%r,%r,%r,%r,%r\n" % (
                    d + 1, i, 400 + i % 300, v[0], v[1], v[2], v[0], v[3],
                    v[4]))
    return scenes, stats


def ndvi_store(oasis, work, pg, scenes, stats, sown):
    st = Store(oasis, work, pg)
    geo = os.path.join(work, "ndvi-plots.geojson")
    if not os.path.exists(geo):
        keep = plan_bench.PLOTS
        plan_bench.PLOTS = NDVI_PLOTS
        plan_bench.plots_geojson(geo, sown)
        plan_bench.PLOTS = keep
    st.run(["plots", "import", geo])
    if pg:
        for table, path in (("scenes", scenes), ("scene_stats", stats)):
            copy = "\\copy %s FROM '%s' CSV" % (table, path)
            subprocess.run(pg.psql_cmd(copy)[:-4] + ["-d", st.db, "-c",
                                                     copy],
                           check=True, capture_output=True)
        pg.sql_db(st.db, "SELECT setval(pg_get_serial_sequence('scenes',"
                  " 'id'), %d)" % NDVI_DAYS)
        pg.sql_db(st.db, "VACUUM ANALYZE scenes")
        pg.sql_db(st.db, "VACUUM ANALYZE scene_stats")
    else:
        import csv
        import sqlite3
        db = sqlite3.connect(os.path.join(st.dir, "oasis.db"))
        with open(scenes) as f:
            db.executemany("INSERT INTO scenes VALUES (?,?,?,?,?,?,?,?,?,?,"
                           "?,?,?)", csv.reader(f))
        with open(stats) as f:
            db.executemany("INSERT INTO scene_stats VALUES (?,?,?,?,?,?,?,?,"
                           "?,?,?,?)", csv.reader(f))
        db.commit()
        db.execute("ANALYZE")
        db.close()
    return st, st.token("viewer")


def bench_ndvi(oasis, work, pg, runs, reads):
    today = int(time.time()) // plan_bench.DAY
    first = today - NDVI_DAYS
    print("\n[ndvi] a year of daily NDVI over %d plots (%d scenes, %.2f M"
          " rows); GET /api/v1/plots/{code}/indices?index=ndvi for %d"
          " plots, A on PostgreSQL, B on SQLite, alternately; load average"
          " %s" % (NDVI_PLOTS, NDVI_DAYS, NDVI_PLOTS * NDVI_DAYS / 1e6, reads,
                   load()))
    t0 = time.perf_counter()
    scenes, stats = ndvi_rows(os.path.join(work, "ndvi"), first)
    a, tok_a = ndvi_store(oasis, work, pg, scenes, stats, first)
    b, tok_b = ndvi_store(oasis, work, None, scenes, stats, first)
    os.remove(stats)
    print("  both stores loaded in %.0f s" % (time.perf_counter() - t0))
    step = max(1, NDVI_PLOTS // reads)
    paths = ["/api/v1/plots/B%04d/indices?index=ndvi" % (i * step % NDVI_PLOTS)
             for i in range(reads)]
    sa, sb = a.serve(), b.serve()
    ca, cb = plan_bench.Client(sa.port, tok_a), plan_bench.Client(sb.port,
                                                                  tok_b)
    ta, tb = [], []
    try:
        for i in range(runs + 1):
            got = []
            for c, out in ((ca, ta), (cb, tb)):
                s = time.perf_counter()
                bodies = [c.call("GET", p) for p in paths]
                x = time.perf_counter() - s
                got.append(bodies)
                if i:
                    out.append(x)
            same = got[0] == got[1]
            if not same:
                x, y = next((x, y) for x, y in zip(*got) if x != y)
                k = next(k for k in range(min(len(x), len(y)))
                         if x[k] != y[k])
                print("  differ: A %r\n          B %r" % (x[max(0, k - 80):k + 80],
                                                       y[max(0, k - 80):k + 80]))
            n = len(json.loads(got[0][0])["satellite"])
    finally:
        sa.stop()
        sb.stop()
        a.drop()
        b.drop()
    ratios = [x / y for x, y in zip(ta, tb)]
    print("  A PostgreSQL: %s, %.2f ms a plot" % (spread(ta, "%.3f"),
                                                 med(ta) / reads * 1e3))
    print("  B SQLite:     %s, %.2f ms a plot" % (spread(tb, "%.3f"),
                                                 med(tb) / reads * 1e3))
    print(ratio_line("A/B time", ratios))
    print("  the same answers on both: %s (%d days a plot)" % (
        "yes" if same else "NO", n))
    SUMMARY.append(("a year of daily NDVI, %d of %d plots, PG / SQLite" % (
        reads, NDVI_PLOTS), "%.2f (%.3f s / %.3f s)" % (
            med(ratios), med(ta), med(tb)), "<= 1.5"))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build", nargs="?", default="build")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", default=",".join(PARTS))
    ap.add_argument("--before", help="another oasis binary for D")
    ap.add_argument("--plan-plots", type=int, default=plan_bench.PLOTS,
                    help="plots of the plan's store (default 5,000)")
    ap.add_argument("--ndvi-reads", type=int, default=1000,
                    help="plots whose NDVI year is read each round")
    ap.add_argument("--ndvi-plots", type=int, default=NDVI_PLOTS,
                    help="plots with a year of NDVI (default 10,000)")
    a = ap.parse_args()
    globals()["NDVI_PLOTS"] = a.ndvi_plots
    plan_bench.PLOTS = a.plan_plots
    parts = a.only.split(",")
    oasis = oasis_bin(a.build)
    if not os.path.exists("/usr/lib/postgresql/15/bin/initdb"):
        print("PostgreSQL 15 missing (scripts/deps.sh install test): skipped")
        return
    print("machine: %s; load average %s" % (machine(), load()))
    work = tmpdir("oasis-bench-pg-")
    pg = Postgres()
    print("PostgreSQL %s on 127.0.0.1:%d (%s), default settings" % (
        pg.sql("SHOW server_version"), pg.port, pg.dir))
    start = time.time()
    try:
        if "write" in parts:
            bench_write(oasis, a.before, work, pg, a.runs)
        if "size" in parts:
            bench_size(oasis, work, pg)
        if "plan" in parts:
            bench_plan(oasis, work, pg, a.runs, a.before)
        if "ndvi" in parts:
            bench_ndvi(oasis, work, pg, a.runs, a.ndvi_reads)
    finally:
        pg.stop()
        shutil.rmtree(work, ignore_errors=True)
    print("\nsummary (medians)")
    for what, got, goal in SUMMARY:
        print("  %-56s %-26s goal %s" % (what, got, goal))
    print("(%.0f s in all; load average now %s)" % (time.time() - start,
                                                    load()))


if __name__ == "__main__":
    main()

"""oasis migrate: a SQLite store with a little of everything (users,
tokens, plots, devices, points still only in the time-series log, a rule
and its alert, a valve command, a station and a group, retention, an
imagery scene and its previews) copied into an empty PostgreSQL database;
then a server on each answers the API the same (plots, devices, queries,
alerts, rules, commands, imagery and its pictures, the overview), with the
same tokens.  The demo base migrates and the big screen's overview is the
same from PostgreSQL; `oasis demo --db URL` then runs on it.  An
interrupted migrate (stopped dead halfway) is rerun and
completes; a target not empty, a missing source and an unreachable server
are refused with clear messages.  Needs OASIS_TEST_PG (make test starts a
throwaway server: tests/pg.sh); without it the file skips."""
import json
import os
import shutil
import signal
import sys
import tempfile
import time

import harness
from harness import Server, expect, oasis, run, test

if not os.environ.get("OASIS_TEST_PG"):
    print("1..0 # SKIP OASIS_TEST_PG is not set (make test sets it)")
    sys.exit(0)

from osgeo import gdal, osr  # noqa: E402

gdal.UseExceptions()
# the source is a SQLite store whatever OASIS_TEST_BACKEND says
harness.BACKEND = "sqlite"
NOW = int(time.time() * 1000) // 60000 * 60000
HOUR = 3600000
RING = [[86.2, 44.3], [86.21, 44.3], [86.21, 44.31], [86.2, 44.31], [86.2, 44.3]]


def plots_fc():
    feats = []
    for i, code in enumerate(("A", "B")):
        ring = [[x + 0.02 * i, y] for x, y in RING]
        feats.append({"type": "Feature",
                      "properties": {"code": code, "crop": "cotton",
                                     "sowing_date": "2026-04-20"},
                      "geometry": {"type": "Polygon", "coordinates": [ring]}})
    return {"type": "FeatureCollection", "features": feats}


def write_scene(path):
    """A red and NIR raster in lon/lat over both plots."""
    w, h = 60, 20
    ds = gdal.GetDriverByName("GTiff").Create(path, w, h, 2, gdal.GDT_UInt16)
    ds.SetGeoTransform((86.195, 0.001, 0, 44.315, 0, -0.001))
    s = osr.SpatialReference()
    s.ImportFromEPSG(4326)
    ds.SetProjection(s.ExportToWkt())
    import struct
    red = struct.pack("<%dH" % (w * h), *([1000] * (w * h)))
    nir = struct.pack("<%dH" % (w * h), *[3000 + 10 * (i % w) for i in range(w * h)])
    ds.GetRasterBand(1).WriteRaster(0, 0, w, h, red)
    ds.GetRasterBand(2).WriteRaster(0, 0, w, h, nir)
    ds = None


def lines(device, start, n, step=60000):
    out = []
    for i in range(n):
        t = start + i * step
        out.append("w,device=%s air_temp=%.2f,rh=%.1f,wind_speed=%.1f %d" %
                   (device, 20 + (i % 37) * 0.25, 40 + i % 11, 3 + i % 5, t))
    return "\n".join(out)


def build_source():
    """A SQLite store with a little of everything; its server killed -9
    after the last writes, so that they are only in the log."""
    s = Server(extra_args=["--alert-tick", "100", "--valve-ack-timeout", "1"])
    s.start()
    tok = s.admin_token
    expect(s.post("/api/v1/plots", body=plots_fc(), token=tok).status == 201)
    for dev, kind in (("ws-a", "weather_station"), ("vl-1", "valve"),
                      ("sp-1", "soil_probe")):
        r = s.post("/api/v1/devices", body={"id": dev, "kind": kind,
                                            "plot": "A"}, token=tok)
        expect(r.status == 201, r)
    r = s.post("/api/v1/rules", token=tok,
               body={"template": "strong_wind", "plot": "A", "for_s": 0})
    expect(r.status == 201, r)
    oasis("retention", "set", "--metric", "rh", "--raw", "400d", data=s.data)
    oasis("irrigation", "station", "north", "--capacity", "300", "--hours",
          "08:00-20:00", data=s.data)
    oasis("irrigation", "group", "g1", "--station", "north", "--flow", "250",
          "--plots", "A,B", data=s.data)
    scene = os.path.join(s.dir, "scene.tif")
    write_scene(scene)
    oasis("imagery", "ingest", scene, "--source", "sentinel-2a", "--acquired",
          "2026-07-01T05:00:00Z", "--red", "1", "--nir", "2", data=s.data)
    # three hours of a station a minute apart, a probe, a gust that alerts
    r = s.post("/write?precision=ms", body=lines("ws-a", NOW - 3 * HOUR, 180),
               token=tok)
    expect(r.status == 204, r)
    r = s.post("/api/v1/telemetry", token=tok, body=[
        {"device": "sp-1", "ts": NOW - HOUR + i * 600000,
         "values": {"soil_moisture": 0.21 + 0.01 * i}} for i in range(6)])
    expect(r.status in (200, 204), r)
    r = s.post("/write?precision=ms", token=tok,
               body="w,device=ws-a wind_speed=25 %d" % (NOW - 60000))
    expect(r.status == 204, r)
    harness.wait_for(lambda: s.get("/api/v1/alerts", token=tok).json()
                     ["alerts"])
    r = s.post("/api/v1/devices/vl-1/commands", token=tok,
               body={"action": "open", "duration_min": 5})
    expect(r.status in (202, 503), r)
    s.stop(signal.SIGKILL)  # the points stay in the log only
    return s


def pg_server(url):
    """A server on the PostgreSQL store url, with a local folder of its own."""
    s = Server(init=False)
    harness._pg_urls[s.data] = url
    return s


def same(a, b, path):
    ra = a.get(path, token=a.admin_token, raw=True)
    rb = b.get(path, token=a.admin_token, raw=True)
    expect(ra.status == 200 and rb.status == 200, (path, ra, rb))
    if (ra.header("Content-Type") or "").startswith("application/json"):
        ja, jb = json.loads(ra.body), json.loads(rb.body)
        for j in (ja, jb):
            if isinstance(j, dict):
                for k in ("generated", "ts", "now"):
                    j.pop(k, None)
        expect(ja == jb, (path, ja, jb))
        return ja
    expect(ra.body == rb.body, (path, len(ra.body), len(rb.body)))
    return ra.body


@test
def a_store_moves_to_postgresql_and_answers_the_same():
    src = build_source()
    # a preview as an older Oasis kept it: a file in the store's folder
    import sqlite3
    db = sqlite3.connect(os.path.join(src.data, "oasis.db"))
    name, content = db.execute("SELECT name, content FROM files WHERE name"
                               " LIKE 'imagery/%/ndvi.tif'").fetchone()
    os.makedirs(os.path.join(src.data, os.path.dirname(name)))
    with open(os.path.join(src.data, name), "wb") as f:
        f.write(content)
    db.execute("DELETE FROM files WHERE name = ?", (name,))
    db.commit()
    db.close()
    url = harness.pg_database()
    p = oasis("migrate", "--from", src.data, "--to", url)
    expect("and 1 imagery previews" in p.stdout, p.stdout)
    counts = {}
    for line in p.stdout.splitlines()[1:]:
        f = line.split()
        if len(f) >= 3 and f[1].isdigit() and f[2].isdigit():
            counts[f[0]] = (int(f[1]), int(f[2]))
    for table in ("users", "tokens", "plots", "devices", "series", "chunks",
                  "alerts", "alert_rules", "commands", "pump_stations",
                  "rotation_members", "scenes", "scene_stats", "retention",
                  "files"):
        expect(counts.get(table, (0, 0))[0] > 0 and
               counts[table][0] == counts[table][1], (table, p.stdout))
    expect("chunks" in p.stderr, p.stderr)  # the progress
    dst = pg_server(url)
    dst.admin_token = src.admin_token  # the tokens moved with the store
    src.start()
    dst.start()
    try:
        q = "from=%d&to=%d" % (NOW - 4 * HOUR, NOW)
        same(src, dst, "/api/v1/plots")
        same(src, dst, "/api/v1/devices")
        raw = same(src, dst, "/api/v1/query?series=ws-a/air_temp&" + q)
        expect(len(json.dumps(raw)) > 1000, raw)  # the logged points too
        same(src, dst, "/api/v1/query?series=ws-a/wind_speed&step=1h&"
             "agg=avg,min,max&" + q)
        same(src, dst, "/api/v1/query?series=sp-1/soil_moisture&" + q)
        same(src, dst, "/api/v1/latest?plot=A")
        alerts = same(src, dst, "/api/v1/alerts")
        expect(len(alerts["alerts"]) >= 1, alerts)
        same(src, dst, "/api/v1/rules")
        same(src, dst, "/api/v1/devices/vl-1/commands")
        same(src, dst, "/api/v1/imagery")
        same(src, dst, "/api/v1/plots/A/indices?index=ndvi")
        png = same(src, dst, "/api/v1/imagery/1/ndvi.png")
        expect(png[:4] == b"\x89PNG", png[:8])
        ov = same(src, dst, "/api/v1/overview")
        expect(ov["plots"]["count"] == 2 and ov["devices"]["count"] == 3, ov)
        # new rows on PostgreSQL get ids past the copied ones
        r = dst.post("/api/v1/rules", token=dst.admin_token,
                     body={"template": "frost", "plot": "B"})
        expect(r.status == 201 and r.json()["id"] > 1, r)
    finally:
        src.close()
        dst.close()


@test
def an_interrupted_migrate_is_rerun():
    src = Server()
    path = os.path.join(src.dir, "plots.geojson")
    with open(path, "w") as f:
        json.dump(plots_fc(), f)
    oasis("plots", "import", path, data=src.data)
    oasis("ingest", "-", "--auto-register", "--precision", "ms", data=src.data,
          input=lines("ws-a", NOW - 3 * HOUR, 120))
    url = harness.pg_database()
    env = dict(os.environ, OASIS_MIGRATE_CRASH_AFTER="series")
    import subprocess
    p = subprocess.run([harness.OASIS, "migrate", "--from", src.data, "--to",
                        url], env=env, capture_output=True, text=True)
    expect(p.returncode != 0 and "stopping dead after series" in p.stderr,
           p.stderr)
    # another store may not finish it
    other = Server()
    p = oasis("migrate", "--from", other.data, "--to", url, check=False)
    expect(p.returncode == 1 and "interrupted migrate of another" in p.stderr,
           p.stderr)
    # the same source starts over and completes
    p = oasis("migrate", "--from", src.data, "--to", url)
    expect("starting over" in p.stderr and "DIFFERENT" not in p.stdout,
           (p.stdout, p.stderr))
    expect("migrated" in p.stdout, p.stdout)
    # done: now it is a store like any other, not empty
    p = oasis("migrate", "--from", src.data, "--to", url, check=False)
    expect(p.returncode == 1 and "not empty" in p.stderr, p.stderr)
    dst = pg_server(url)
    dst.admin_token = src.admin_token
    src.start()
    dst.start()
    try:
        q = "from=%d&to=%d" % (NOW - 4 * HOUR, NOW)
        same(src, dst, "/api/v1/query?series=ws-a/air_temp&" + q)
        same(src, dst, "/api/v1/plots")
    finally:
        src.close()
        dst.close()
        other.close()


@test
def clear_errors():
    tmp = tempfile.mkdtemp(prefix="oasis-test-migrate-")
    try:
        p = oasis("migrate", "--from", os.path.join(tmp, "none"), "--to",
                  harness.pg_url("x"), check=False)
        expect(p.returncode == 1 and "no store there" in p.stderr, p.stderr)
        src = Server()
        p = oasis("migrate", "--from", src.data, "--to",
                  "postgresql://nobody@127.0.0.1:1/x", check=False)
        expect(p.returncode == 1 and "127.0.0.1" in p.stderr and
               "port 1" in p.stderr, p.stderr)
        p = oasis("migrate", "--from", src.data, check=False)
        expect(p.returncode == 2 and "--to" in p.stderr, p.stderr)
        p = oasis("migrate", "--help")
        expect("--from DIR" in p.stdout and "starts over" in p.stdout,
               p.stdout)
        src.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@test
def the_demo_base_moves_and_the_big_screen_agrees():
    import re
    import subprocess
    data = tempfile.mkdtemp(prefix="oasis-test-migrate-demo-") + "/demo"
    p = subprocess.Popen([harness.OASIS, "demo", "--data", data, "--listen",
                          "127.0.0.1:0"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    out = ""
    for line in p.stdout:
        out += line
        if "serving on" in line:
            break
    expect("serving on" in out, out)
    time.sleep(3)  # a little of the live feed, into the log
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=60)
    p.stdout.close()
    viewer = oasis("token", "create", "--role", "viewer", "--name", "cmp",
                   data=data).stdout.strip()
    url = harness.pg_database()
    out = oasis("migrate", "--from", data, "--to", url).stdout
    expect(re.search(r"^plots +6\d +6\d$", out, re.M) and
           re.search(r"^files +\d{3} +\d{3}$", out, re.M), out)
    src = Server(init=False)
    shutil.rmtree(src.dir)
    src.dir, src.data = os.path.dirname(data), data
    dst = pg_server(url)
    src.admin_token = dst.admin_token = viewer
    src.start()
    dst.start()
    try:
        ov = same(src, dst, "/api/v1/overview")
        expect(ov["plots"]["count"] >= 55 and ov["devices"]["count"] > 100,
               ov["plots"])
        expect(ov["imagery"]["last_satellite"] is not None, ov["imagery"])
        same(src, dst, "/api/v1/plots")
        same(src, dst, "/api/v1/devices")
        cat = same(src, dst, "/api/v1/imagery")["scenes"]
        same(src, dst, "/api/v1/imagery/%d/%s.png" % (cat[0]["id"],
                                                      cat[0]["indices"][0]))
        same(src, dst, "/api/v1/query?series=ws-01/air_temp&step=1h&agg=avg&"
             "from=%d&to=%d" % (NOW - 30 * 24 * HOUR, NOW + HOUR))
    finally:
        src.close()
        dst.close()
    # the demo itself runs on the migrated database (make demo-pg's way),
    # the base found there and reused
    local = tempfile.mkdtemp(prefix="oasis-test-migrate-demo-pg-")
    p = subprocess.Popen([harness.OASIS, "demo", "--db", url, "--data", local,
                          "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    out = ""
    for line in p.stdout:
        out += line
        if "serving on" in line:
            break
    try:
        expect("serving on" in out and "created" not in out, out)
        port = int(re.search(r"127\.0\.0\.1:(\d+)/", out).group(1))
        dst.port = port
        r = dst.get("/api/v1/overview", token=viewer)
        expect(r.status == 200 and r.json()["plots"]["count"] ==
               ov["plots"]["count"], r)
    finally:
        p.send_signal(signal.SIGINT)
        expect(p.wait(timeout=60) == 0)
        p.stdout.close()
        shutil.rmtree(local, ignore_errors=True)


run()

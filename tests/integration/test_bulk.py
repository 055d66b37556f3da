"""`oasis ingest`: bulk files in line protocol, JSON and CSV through the
API's validation; all or nothing; line numbers right across a big file."""
import json
import os
import tempfile
import time

from harness import Server, expect, oasis, run, test

DAY = 86400000
T0 = (int(time.time() * 1000) // DAY - 10) * DAY  # ten days ago, midnight UTC
srv = None


def server():
    global srv
    if srv is None:
        srv = Server()  # the store only: ingest works on it directly
        srv.tmp = tempfile.mkdtemp()
    return srv


def write_file(s, name, text):
    path = os.path.join(s.tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def query_csv(s, series, frm, to, *extra):
    p = oasis("query", "--series", series, "--from", str(frm), "--to",
              str(to), *extra, data=s.data, check=False)
    if p.returncode == 1 and "no series" in p.stderr:
        return []
    expect(p.returncode == 0, p.stderr)
    return p.stdout.strip().splitlines()[1:]


@test
def line_protocol_with_auto_register():
    s = server()
    lines = ["weather,device=ws-b1 air_temp=%.1f,rh=%di %d" %
             (20 + i % 50 / 10, 40 + i % 7, (T0 + i * 60000) * 10**6)
             for i in range(3 * 1440)]
    path = write_file(s, "week.lp", "# three days\n" + "\n".join(lines) + "\n")
    p = oasis("ingest", path, data=s.data, check=False)
    expect(p.returncode == 1 and "unknown device 'ws-b1'" in p.stderr and
           "line 2" in p.stderr, p.stderr)
    p = oasis("ingest", path, "--auto-register", data=s.data)
    expect("8640 points stored" in p.stdout, p.stdout)
    rows = query_csv(s, "ws-b1/air_temp", T0, T0 + 3 * DAY)
    expect(len(rows) == 3 * 1440, len(rows))
    daily = query_csv(s, "ws-b1/rh", T0, T0 + 3 * DAY - 1, "--step", "1d",
                      "--agg", "min,max,count")
    expect(len(daily) == 3 and all(r.endswith(",40,46,1440") for r in daily),
           daily)
    dev = oasis("devices", "list", data=s.data).stdout
    expect("ws-b1" in dev and "weather_station" in dev, dev)


@test
def json_and_csv_files():
    s = server()
    nd = "\n".join(json.dumps({"device": "sp-b1", "ts": T0 + i * 600000,
                               "values": {"moisture_10cm": 30 + i / 10}})
                   for i in range(144))
    p = oasis("ingest", write_file(s, "probe.ndjson", nd), "--auto-register",
              data=s.data)
    expect("144 points stored" in p.stdout, p.stdout)
    csv = "series,ts_ms,value\n" + "\n".join(
        "sp-b1/soil_temp_10cm,%d,%.1f" % (T0 + i * 600000, 18 + i / 100)
        for i in range(144))
    p = oasis("ingest", write_file(s, "probe.csv", csv), data=s.data)
    expect("144 points stored" in p.stdout, p.stdout)
    arr = json.dumps([{"device": "sp-b1", "ts": T0, "values": {"ec": 0.5}}])
    p = oasis("ingest", write_file(s, "one.json", arr), data=s.data)
    expect("1 points stored" in p.stdout, p.stdout)
    rows = query_csv(s, "sp-b1/soil_temp_10cm", T0, T0 + DAY)
    expect(len(rows) == 144, len(rows))


@test
def a_bad_line_deep_in_a_big_file_stores_nothing_and_is_named():
    s = server()
    n = 200000  # about 12 MB: more than one piece of the reader
    lines = ["soil,device=sp-b2 moisture_20cm=%.1f %d" %
             (25 + i % 100 / 10, (T0 + i * 1000) * 10**6) for i in range(n)]
    lines[180000 - 1] = "soil,device=sp-b2 moisture_20cm=abc %d" % (T0 * 10**6)
    path = write_file(s, "big.lp", "\n".join(lines) + "\n")
    p = oasis("ingest", path, "--auto-register", data=s.data, check=False)
    expect(p.returncode == 1, p)
    expect("line 180000" in p.stderr and "moisture_20cm" in p.stderr, p.stderr)
    rows = query_csv(s, "sp-b2/moisture_20cm", T0, T0 + DAY)
    expect(rows == [], "a refused file stored %d points" % len(rows))
    csv = "device,ts,rh\n" + "\n".join("sp-b2,%d,%d" % (T0 + i, 50)
                                       for i in range(600000))
    csv += "\nsp-b2,%d,150\n" % (T0 + 700000)
    p = oasis("ingest", write_file(s, "big.csv", csv), data=s.data,
              check=False)
    expect(p.returncode == 1 and "line 600002" in p.stderr, p.stderr)


@test
def retention_rolls_old_points_up_and_queries_still_answer():
    s = server()
    start = T0 - 100 * DAY
    lines = ["soil,device=sp-r1 moisture_10cm=%.1f %d" %
             (20 + i % 30 / 10, (start + i * 600000) * 10**6)
             for i in range(20 * 144)]
    oasis("ingest", write_file(s, "old.lp", "\n".join(lines)),
          "--auto-register", data=s.data)
    before = query_csv(s, "sp-r1/moisture_10cm", start, start + 20 * DAY,
                       "--step", "1d", "--agg", "min,max,count")
    p = oasis("retention", "set", "--kind", "soil_probe", "--raw", "90d",
              "--rollup", "1h", data=s.data)
    expect("policy" in p.stdout, p.stdout)
    expect("soil_probe" in oasis("retention", "list", data=s.data).stdout)
    p = oasis("retention", "apply", data=s.data)
    expect(p.stdout.startswith("2880 raw points"), p.stdout)
    after = query_csv(s, "sp-r1/moisture_10cm", start, start + 20 * DAY,
                      "--step", "1d", "--agg", "min,max,count")
    expect(after == before, (before[:3], after[:3]))
    raw = query_csv(s, "sp-r1/moisture_10cm", start, start + DAY - 1)
    expect(len(raw) == 24, len(raw))  # one mean per hour once rolled up
    expect(oasis("retention", "set", "--raw", "9d", "--rollup", "7h",
                 data=s.data, check=False).returncode == 2)


@test
def bad_command_lines():
    s = server()
    p = oasis("ingest", data=s.data, check=False)
    expect(p.returncode == 2, p)
    p = oasis("ingest", "/no/such/file.lp", data=s.data, check=False)
    expect(p.returncode == 1 and "/no/such/file.lp" in p.stderr, p.stderr)
    p = oasis("ingest", "x.lp", "--format", "xml", data=s.data, check=False)
    expect(p.returncode == 2, p)
    p = oasis("query", "--series", "nobody/rh", data=s.data, check=False)
    expect(p.returncode == 1 and "no series" in p.stderr, p.stderr)


run()

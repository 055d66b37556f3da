"""Hostile parameters: every route that takes an instant, a duration, a
limit or a box is sent extreme values (INT64 max and min, numbers past 64
bits, durations of 290 million years, instants before 1970 and after 2100,
NaN, a leap second, empty values) and must answer 400 naming the
parameter, never 500 nor a crash.  Run against the sanitizer build
(UBSan halts the server on the first signed overflow), a crash shows as a
refused connection and the log's "runtime error".  Then the answers
themselves: always valid JSON, even where sums overflow; line protocol
held against InfluxDB on duplicate tags and the longest metric name."""
import json
import math
import os

from harness import Server, expect, expect_error, run, test

INT64_MAX = "9223372036854775807"
INT64_MIN = "-9223372036854775808"
T0 = "2026-07-01T00:00:00Z"
T0_MS = 1782864000000
srv = None
tokens = {}

# Instants that overflow, fall outside 1970..2100 or are not instants.
BAD_INSTANTS = [
    INT64_MAX, INT64_MIN, "99999999999999999999", "-99999999999999999999",
    "4102444800001", "now-106751991167d", "now-9223372036854775807ms",
    "-9223372036854775807ms", "now-99999999999999999999s",
    "1969-12-31T23:59:59Z", "2100-01-01T00:00:00.001Z", "9999-12-31",
    "0000-01-01", "2026-07-01T23:59:60Z", "1e308", "NaN", "", "-1",
]
# Durations that overflow, are not positive or lie outside 1 s .. 366 d.
BAD_STEPS = [
    "9223372036854775807ms", "106751991167d", "99999999999999999999ms",
    "15250284452w", "9223372036854775s", "0s", "-1s", "500ms", "999ms",
    "367d", "53w", "1e3s", "+1h", " 1h", "1h ", "1.5h", "", "NaN", INT64_MIN,
]


def setup():
    global srv
    if srv is not None:
        return srv
    srv = Server().start()
    plot = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"code": "P1", "crop": "cotton",
                                          "sowing_date": "2026-04-20"},
        "geometry": {"type": "Polygon", "coordinates": [[
            [86.2, 44.3], [86.21, 44.3], [86.21, 44.31], [86.2, 44.31],
            [86.2, 44.3]]]}}]}
    r = srv.post("/api/v1/plots", body=plot, token=srv.admin_token)
    expect(r.status in (200, 201), r)
    for dev, kind in (("ws-01", "weather_station"), ("trac-1", "tractor"),
                      ("cam-1", "camera"), ("v-1", "valve")):
        r = srv.post("/api/v1/devices", body={"id": dev, "kind": kind,
                                              "plot": "P1"},
                     token=srv.admin_token)
        expect(r.status == 201, r)
        tokens[dev] = r.json()["token"]
    tokens["viewer"] = srv.token("viewer", "wall")
    tokens["operator"] = srv.token("operator", "desk")
    lines = "".join("w,device=ws-01 air_temp=%d.5 %d\n" % (i % 30, T0_MS + i * 60000)
                    for i in range(300))
    r = srv.post("/api/v1/write?precision=ms", body=lines,
                 token=srv.admin_token)
    expect(r.status == 204, r)
    return srv


def alive(s):
    """The server still runs and answers; no sanitizer report in its log."""
    expect(s.proc.poll() is None, "the server died: " + s.server_log()[-3000:])
    expect(s.get("/api/v1/health").status == 200, "health does not answer")
    expect("runtime error" not in s.server_log(),
           "a sanitizer report: " + s.server_log()[-3000:])


def quote(v):
    from urllib.parse import quote as q
    return q(v, safe="")


def refused(path, param, value, token):
    """GET path with param=value must be a 400 that names param."""
    s = setup()
    sep = "&" if "?" in path else "?"
    url = "%s%s%s=%s" % (path, sep, param, quote(value))
    r = s.get(url, token=token)
    expect(r.status == 400, "%s: expected 400, got %r" % (url, r))
    err = expect_error(r, 400)
    expect("'%s'" % param in err["message"],
           "%s: the message does not name '%s': %s" % (url, param,
                                                      err["message"]))


# Routes taking instants (or days): path, the instant parameters.
INSTANT_ROUTES = [
    ("/api/v1/query?series=ws-01/air_temp", ("from", "to")),
    ("/api/v1/query?series=ws-01/air_temp&step=1h", ("from", "to")),
    ("/api/v1/plots/P1/water", ("from", "to")),
    ("/api/v1/irrigation/plan", ("date",)),
    ("/api/v1/machines/trac-1/track", ("date",)),
    ("/api/v1/plots/P1/operations", ("from", "to")),
    ("/api/v1/operations", ("from", "to")),
    ("/api/v1/imagery", ("from", "to")),
    ("/api/v1/plots/P1/indices", ("from", "to")),
    ("/api/v1/alerts", ("from", "to")),
]


@test
def extreme_instants_are_refused_on_every_route():
    s = setup()
    for path, params in INSTANT_ROUTES:
        for p in params:
            for v in BAD_INSTANTS:
                refused(path, p, v, tokens["viewer"])
    alive(s)


@test
def extreme_steps_are_refused():
    s = setup()
    for v in BAD_STEPS:
        refused("/api/v1/query?series=ws-01/air_temp", "step", v,
                tokens["viewer"])
    alive(s)


@test
def the_bounds_themselves_are_accepted():
    s = setup()
    q = "/api/v1/query?series=ws-01/air_temp"
    for extra in ("&from=1970-01-01T00:00:00Z&to=2100-01-01T00:00:00Z",
                  "&from=000000000&to=4102444800000",
                  "&from=%s&to=%s&step=1s" % (T0, "2026-07-01T03:00:00Z"),
                  "&from=%s&to=%s&step=366d" % (T0, T0),
                  "&from=1970-01-01&to=2100-01-01&step=366d"):
        r = s.get(q + extra, token=tokens["viewer"])
        expect(r.status == 200, "%s: %r" % (extra, r))
        json.loads(r.body)
    # the heap corruption of issue 14: the answer is a 400, the server lives
    r = s.get(q + "&step=9223372036854775807ms", token=tokens["viewer"])
    expect_error(r, 400, contains="'step'")
    alive(s)


@test
def at_most_100000_buckets_an_answer():
    s = setup()
    q = "/api/v1/query?series=ws-01/air_temp&step=1s&from=" + T0 + "&to="
    # [from, to] inclusive at 1 s: 100,000 buckets end at from + 99,999 s
    r = s.get(q + "2026-07-02T03:46:39Z", token=tokens["viewer"])
    expect(r.status == 200, r)
    r = s.get(q + "2026-07-02T03:46:40Z", token=tokens["viewer"])
    err = expect_error(r, 400, contains="100000")
    expect("larger 'step'" in err["message"] and "shorter" in err["message"],
           err["message"])
    r = s.get("/api/v1/query?series=ws-01/air_temp&step=1s&from=1970-01-01",
              token=tokens["viewer"])
    expect_error(r, 400, contains="buckets")
    alive(s)


@test
def limits_boxes_and_ids_are_refused():
    s = setup()
    v = tokens["viewer"]
    for val in (INT64_MAX, INT64_MIN, "99999999999999999999", "0", "-1",
                "10001", "1e3", "", "NaN", "5x"):
        refused("/api/v1/alerts", "limit", val, v)
    for val in ("NaN,0,1,1", "0,NaN,1,1", "0,0,NaN,1", "0,0,1,NaN",
                "nan,nan,nan,nan", "inf,0,1,1", "-inf,-inf,inf,inf",
                "1e308,0,1e308,1", "0,0,1", "0,0,1,1,1", "", "1,1,0,0"):
        refused("/api/v1/plots", "bbox", val, v)
    for val in ("9223372036854775808", INT64_MIN, "99999999999999999999",
                "0", "-1", "x", "", "1x", "+1"):
        refused("/api/v1/devices/cam-1/snapshot", "id", val, v)
    r = s.get("/api/v1/devices/cam-1/snapshot?id=" + INT64_MAX, token=v)
    expect_error(r, 404)
    for val in ("+99:00", "-14:60", "+" + INT64_MAX, INT64_MIN, "x", ""):
        refused("/api/v1/overview", "tz", val, v)
    alive(s)


@test
def writes_with_hostile_parameters_and_values():
    s = setup()
    tok = tokens["ws-01"]
    line = "w,device=ws-01 air_temp=20 1782864000000\n"
    for prec in ("", "x", "NaN", "ms ", INT64_MAX):
        r = s.post("/api/v1/write?precision=" + quote(prec), body=line,
                   token=tok)
        expect_error(r, 400, contains="'precision'")
    for ts in (INT64_MAX, INT64_MIN, "99999999999999999999"):
        r = s.post("/api/v1/write?precision=ms",
                   body="w,device=ws-01 air_temp=20 %s\n" % ts, token=tok)
        expect_error(r, 400, contains="line 1")
        r = s.post("/api/v1/telemetry", body='{"device":"ws-01","ts":%s,'
                   '"values":{"air_temp":20}}' % ts, token=tok)
        expect_error(r, 400)
    for ts in ("9999-12-31T00:00:00Z", "2026-07-01T23:59:60Z",
               "1969-12-31T23:59:59Z"):
        r = s.post("/api/v1/telemetry", body={"device": "ws-01", "ts": ts,
                                              "values": {"air_temp": 20}},
                   token=tok)
        expect_error(r, 400)
    r = s.post("/api/v1/devices/v-1/commands",
               body='{"action":"open","duration_min":%s}' % INT64_MAX,
               token=tokens["operator"])
    expect_error(r, 400, contains="duration_min")
    r = s.post("/api/v1/devices/v-1/commands",
               body='{"action":"open","duration_min":4294967301}',
               token=tokens["operator"])
    expect_error(r, 400, contains="duration_min")
    alive(s)


@test
def non_finite_and_huge_values_are_refused_naming_line_and_field():
    s = setup()
    tok = tokens["ws-01"]
    for v in ("inf", "-inf", "+Inf", "nan", "NaN", "1e308", "-1e308",
              "1e309", "1.7976931348623157e308"):
        r = s.post("/api/v1/write?precision=ms",
                   body="w,device=ws-01 air_temp=20 %d\n"
                        "w,device=ws-01 my_counter=%s %d\n" % (T0_MS, v, T0_MS),
                   token=tok)
        err = expect_error(r, 400)
        expect("line 2" in err["message"] and "my_counter" in err["message"],
               "%s: %s" % (v, err["message"]))
    for v in ("1e308", "-1e308", "1e300"):
        r = s.post("/api/v1/telemetry",
                   body='{"device":"ws-01","ts":%d,"values":{"my_counter":%s}}'
                        % (T0_MS, v), token=tok)
        err = expect_error(r, 400)
        expect("my_counter" in err["message"], err["message"])
    alive(s)


@test
def sums_that_overflow_answer_valid_json():
    """Values just inside the custom metric bound, summed over many
    points, still never print inf: the answer stays valid JSON."""
    s = setup()
    tok = tokens["ws-01"]
    body = "".join("w,device=ws-01 big=1e200 %d\n" % (T0_MS + i * 1000)
                   for i in range(50))
    r = s.post("/api/v1/write?precision=ms", body=body, token=tok)
    expect(r.status == 204, r)
    r = s.get("/api/v1/query?series=ws-01/big&from=%s&to=2026-07-01T01:00:00Z"
              "&step=1h&agg=sum,avg,min,max,count" % T0, token=tokens["viewer"])
    expect(r.status == 200, r)
    doc = json.loads(r.body, parse_constant=lambda c: (_ for _ in ()).throw(
        AssertionError("not JSON: " + c)))
    row = doc["values"][0]
    expect(row[5] == 50 and math.isfinite(row[1]), row)


@test
def duplicate_tags_are_refused_as_influxdb_does():
    s = setup()
    tok = tokens["ws-01"]
    for body, line in (
            ("cpu,device=ws-01,host=a,host=b value=1i\n", 1),
            ("cpu,device=ws-01 value=1i\ncpu,host=a,device=ws-01,host=a value=2i\n", 2),
            ("cpu,device=ws-01,device=ws-01 value=1i\n", 1)):
        r = s.post("/api/v1/write", body=body, token=tok)
        err = expect_error(r, 400, contains="line %d" % line)
        expect("twice" in err["message"], err["message"])
    r = s.post("/api/v1/write", body="cpu,device=ws-01,host=a,hostb=a "
               "value=1i\n", token=tok)
    expect(r.status == 204, r)


@test
def the_longest_metric_name_writes_and_reads_back():
    s = setup()
    tok = tokens["ws-01"]
    longest = "m" + "x" * 62             # 63 characters
    r = s.post("/api/v1/write?precision=ms",
               body="w,device=ws-01 %s=1 %d\n" % (longest, T0_MS), token=tok)
    expect(r.status == 204, r)
    r = s.get("/api/v1/query?series=ws-01/%s&from=%s&to=%s" %
              (longest, T0, T0), token=tokens["viewer"])
    expect(r.status == 200, r)
    expect(r.json()["values"] == [[T0_MS, 1]], r)
    too_long = longest + "y"             # 64: refused on both sides
    r = s.post("/api/v1/write?precision=ms",
               body="w,device=ws-01 %s=1 %d\n" % (too_long, T0_MS), token=tok)
    expect_error(r, 400, contains="line 1")
    r = s.get("/api/v1/query?series=ws-01/" + too_long,
              token=tokens["viewer"])
    expect_error(r, 400, contains="'series'")


def truncated_tiff(s):
    """A two-band GeoTIFF over P1 whose pixel data is cut off: the header
    opens, reading the rows fails (that was a 500)."""
    from osgeo import gdal, osr
    path = os.path.join(s.dir, "cut.tif")
    ds = gdal.GetDriverByName("GTiff").Create(path, 64, 64, 2,
                                              gdal.GDT_UInt16)
    ds.SetGeoTransform([86.2, 0.0002, 0, 44.31, 0, -0.0002])
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    ds.SetProjection(srs.ExportToWkt())
    ds = None
    with open(path, "rb") as f:
        data = f.read()
    return data[:len(data) // 2]


@test
def a_bad_raster_upload_is_a_400():
    s = setup()
    for body in (b"not a raster at all", b"II*\x00" + b"\x00" * 64,
                 b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, truncated_tiff(s)):
        r = s.post("/api/v1/imagery?source=drone-1&red=1&nir=2&acquired=" +
                   T0, body=body, token=s.admin_token,
                   headers={"Content-Type": "image/tiff"})
        err = expect_error(r, 400)
        expect("/vsimem" not in err["message"], err["message"])
    alive(s)


@test
def the_cli_query_checks_the_same_bounds():
    s = setup()
    from harness import oasis
    for args in (["--step", "9223372036854775807ms"], ["--step", "500ms"],
                 ["--from", INT64_MAX], ["--to", "now-106751991167d"],
                 ["--from", "2020-01-01", "--to", "2026-01-01", "--step", "1s"],
                 ["--from", "2026-07-01T23:59:60Z"]):
        p = oasis("query", "--series", "ws-01/air_temp", *args,
                  data=s.data, check=False)
        expect(p.returncode != 0 and p.returncode < 128,
               "%s: exit %d" % (args, p.returncode))
        expect("runtime error" not in p.stderr, p.stderr)
        expect(p.stderr.strip(), "no message for %s" % args)


if __name__ == "__main__":
    run()

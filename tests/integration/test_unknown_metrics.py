"""A metric name outside the catalogue is refused (400 naming the metric,
the line and --allow-unknown-metrics) unless the server or `oasis ingest`
runs with --allow-unknown-metrics; then it is a custom metric."""
import os
import time

from harness import Server, expect, expect_error, oasis, run, test

NOW_NS = int(time.time()) * 1000000000


def with_device(s):
    r = s.post("/api/v1/devices", token=s.admin_token,
               body={"id": "ws-1", "kind": "weather_station"})
    expect(r.status == 201, r)
    return r.json()["token"]


@test
def refused_by_default_naming_metric_line_and_flag():
    s = Server(unknown_metrics=False).start()
    tok = with_device(s)
    body = ("weather,device=ws-1 air_temp=20 %d\n"
            "weather,device=ws-1 leaf_wetness=3 %d" % (NOW_NS, NOW_NS))
    err = expect_error(s.post("/api/v1/write", body=body, token=tok), 400)
    for part in ("leaf_wetness", "line 2", "--allow-unknown-metrics"):
        expect(part in err["message"], err)
    # nothing of the batch is stored; the catalogue's names still pass
    r = s.post("/api/v1/write", body=body.splitlines()[0], token=tok)
    expect(r.status == 204, r)
    r = s.post("/api/v1/telemetry", token=tok,
               body={"device": "ws-1", "values": {"leaf_wetness": 3}})
    expect_error(r, 400, contains="leaf_wetness")
    s.close()


@test
def accepted_once_registered_with_a_unit():
    s = Server(unknown_metrics=False).start()
    tok = with_device(s)
    line = "weather,device=ws-1 leaf_wetness=3 %d" % NOW_NS
    err = expect_error(s.post("/api/v1/write", body=line, token=tok), 400)
    expect("oasis units add leaf_wetness --unit" in err["message"], err)
    # registered over HTTP by an admin: accepted at once
    expect_error(s.request("PUT", "/api/v1/units/leaf_wetness",
                           body={"unit": "min"},
                           token=s.token("viewer", "v")), 403)
    expect_error(s.request("PUT", "/api/v1/units/leaf_wetness", body={},
                           token=s.admin_token), 400, contains="unit")
    expect_error(s.request("PUT", "/api/v1/units/air_temp",
                           body={"unit": "K"}, token=s.admin_token),
                 400, contains="catalogue")
    expect_error(s.request("PUT", "/api/v1/units/Bad-Name",
                           body={"unit": "x"}, token=s.admin_token),
                 400, contains="valid name")
    r = s.request("PUT", "/api/v1/units/leaf_wetness",
                  body={"unit": "min", "description": "wet leaf minutes"},
                  token=s.admin_token)
    expect(r.status == 200 and r.json()["unit"] == "min", r)
    r = s.post("/api/v1/write", body=line, token=tok)
    expect(r.status == 204, r)
    # registered by the command line while the server runs: read again
    oasis("units", "add", "canopy_temp", "--unit", "°C", data=s.data)
    r = s.post("/api/v1/telemetry", token=tok,
               body={"device": "ws-1", "values": {"canopy_temp": 24.5}})
    expect(r.status in (200, 204), r)
    units = s.get("/api/v1/units", token=s.admin_token).json()
    expect([(u["name"], u["unit"]) for u in units["registered"]] ==
           [("canopy_temp", "°C"), ("leaf_wetness", "min")], units)
    expect(any(u["name"] == "air_temp" and u["unit"] == "°C"
               for u in units["catalogue"]), units)
    # unregistered: refused again
    r = s.request("DELETE", "/api/v1/units/leaf_wetness", token=s.admin_token)
    expect(r.status == 204, r)
    expect_error(s.post("/api/v1/write", body=line, token=tok), 400,
                 contains="leaf_wetness")
    expect_error(s.request("DELETE", "/api/v1/units/leaf_wetness",
                           token=s.admin_token), 404, contains="registered")
    s.close()


@test
def accepted_with_the_flag():
    s = Server(["--allow-unknown-metrics"], unknown_metrics=False).start()
    tok = with_device(s)
    r = s.post("/api/v1/write", token=tok,
               body="weather,device=ws-1 leaf_wetness=3 %d" % NOW_NS)
    expect(r.status == 204, r)
    r = s.get("/api/v1/query?series=ws-1/leaf_wetness&from=-1h",
              token=s.admin_token)
    expect(r.status == 200 and len(r.json()["values"]) == 1, r)
    s.close()


@test
def oasis_ingest_both_ways():
    s = Server()
    oasis("devices", "add", "ws-1", "--kind", "weather_station", data=s.data)
    path = os.path.join(s.dir, "custom.lp")
    with open(path, "w") as f:
        f.write("weather,device=ws-1 leaf_wetness=3 %d\n" % NOW_NS)
    p = oasis("ingest", path, data=s.data, check=False)
    expect(p.returncode == 1 and "leaf_wetness" in p.stderr and
           "--allow-unknown-metrics" in p.stderr, p.stderr)
    p = oasis("ingest", path, "--allow-unknown-metrics", data=s.data)
    expect("1 points stored" in p.stdout, p.stdout)


run()

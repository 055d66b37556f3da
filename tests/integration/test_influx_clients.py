"""InfluxDB clients write to Oasis unmodified: Debian's python3-influxdb
(the 1.x client library), as the README shows."""
import time

from influxdb import InfluxDBClient

from harness import Server, expect, run, test

srv = None


def server():
    global srv
    if srv is None:
        srv = Server().start()
        r = srv.post("/api/v1/devices", token=srv.admin_token,
                     body={"id": "sp-07", "kind": "soil_probe"})
        expect(r.status == 201, r)
        srv.device_token = r.json()["token"]
    return srv


@test
def the_python_influxdb_client_writes_with_a_device_token():
    s = server()
    now = int(time.time()) * 1000
    c = InfluxDBClient("127.0.0.1", s.port, "gateway", s.device_token, "farm")
    c.create_database("farm")
    ok = c.write_points([{"measurement": "soil", "tags": {"device": "sp-07"},
                          "time": now * 1000000,
                          "fields": {"moisture_10cm": 28.4, "ec": 1}}])
    expect(ok, "write_points failed")
    ok = c.write_points([{"measurement": "soil", "tags": {"device": "sp-07"},
                          "time": now // 1000 + 60,
                          "fields": {"moisture_10cm": 28.1}}],
                        time_precision="s")
    expect(ok, "write_points with precision s failed")
    r = s.get("/api/v1/query?series=sp-07/moisture_10cm&from=%d&to=%d" %
              (now, now + 60000), token=s.admin_token)
    expect([v[1] for v in r.json()["values"]] == [28.4, 28.1], r)


@test
def the_client_sees_refusals_as_errors():
    s = server()
    c = InfluxDBClient("127.0.0.1", s.port, "gateway", s.device_token, "farm")
    try:
        c.write_points([{"measurement": "soil", "tags": {"device": "sp-08"},
                         "fields": {"rh": 1}}])
        raise AssertionError("another device's point was accepted")
    except Exception as exc:  # InfluxDBClientError
        expect("sp-08" in str(exc), str(exc))
    bad = InfluxDBClient("127.0.0.1", s.port, "gateway", "oa_wrong", "farm")
    try:
        bad.write_points([{"measurement": "soil",
                           "tags": {"device": "sp-07"}, "fields": {"rh": 1}}])
        raise AssertionError("a wrong token was accepted")
    except Exception as exc:
        expect("401" in str(exc) or "invalid" in str(exc), str(exc))


run()

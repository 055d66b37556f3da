"""The admin console's API: users (list, role, disable, reset password,
delete), devices (edit, move to a plot, rotate the token), and who may."""
import json
import time

from harness import Server, expect, expect_error, run, test

srv = None

SQUARE = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"code": code, "name": code},
     "geometry": {"type": "Polygon", "coordinates": [[
         [lon, 44.0], [lon + 0.01, 44.0], [lon + 0.01, 44.01],
         [lon, 44.01], [lon, 44.0]]]}}
    for code, lon in (("A-1", 87.0), ("A-2", 87.02))]}


def server():
    global srv
    if srv is None:
        srv = Server().start()
    return srv


def login(s, user, password):
    r = s.post("/api/v1/login", body={"username": user, "password": password})
    cookie = r.header("Set-Cookie")
    return r.status, cookie.split(";")[0] if cookie else None


def user_named(s, name):
    r = s.get("/api/v1/users", token=s.admin_token)
    expect(r.status == 200, r)
    found = [u for u in r.json()["users"] if u["name"] == name]
    return found[0] if found else None


@test
def users_are_listed_and_managed():
    s = server()
    r = s.post("/api/v1/users", body={"username": "lin", "role": "viewer",
                                      "password": "first-pass-1"},
               token=s.admin_token)
    expect(r.status == 201, r)
    u = user_named(s, "lin")
    expect(u and u["role"] == "viewer" and u["state"] == "active", u)
    expect("password" not in u and "password_hash" not in u, u)
    r = s.request("PATCH", "/api/v1/users/lin", body={"role": "operator"},
                  token=s.admin_token)
    expect(r.status == 204, r)
    expect(user_named(s, "lin")["role"] == "operator")
    status, cookie = login(s, "lin", "first-pass-1")
    expect(status == 200, status)
    expect(s.get("/api/v1/me", cookie=cookie).json()["role"] == "operator")
    # disabling ends the session at once
    r = s.request("PATCH", "/api/v1/users/lin", body={"disabled": True},
                  token=s.admin_token)
    expect(r.status == 204, r)
    expect(user_named(s, "lin")["state"] == "disabled")
    expect_error(s.get("/api/v1/me", cookie=cookie), 401)
    expect(login(s, "lin", "first-pass-1")[0] == 401)
    # a new password, shown once, enables again
    r = s.post("/api/v1/users/lin/password", token=s.admin_token)
    expect(r.status == 200, r)
    password = r.json()["password"]
    expect(len(password) == 20, password)
    expect(user_named(s, "lin")["state"] == "active")
    expect(login(s, "lin", password)[0] == 200)
    r = s.request("DELETE", "/api/v1/users/lin", token=s.admin_token)
    expect(r.status == 204, r)
    expect(user_named(s, "lin") is None)
    expect_error(s.request("DELETE", "/api/v1/users/lin",
                           token=s.admin_token), 404, contains="lin")


@test
def user_edits_say_what_is_wrong():
    s = server()
    expect_error(s.request("PATCH", "/api/v1/users/admin",
                           body={"role": "root"}, token=s.admin_token),
                 400, contains="role")
    expect_error(s.request("PATCH", "/api/v1/users/admin",
                           body={"password": "x"}, token=s.admin_token),
                 400, contains="password")
    expect_error(s.request("PATCH", "/api/v1/users/nobody",
                           body={"role": "viewer"}, token=s.admin_token),
                 404, contains="nobody")
    expect_error(s.post("/api/v1/users/nobody/password",
                        token=s.admin_token), 404, contains="nobody")
    # names in the path are percent-encoded (Chinese names)
    r = s.post("/api/v1/users", body={"username": "王五", "role": "viewer",
                                      "password": "wang-pass-1"},
               token=s.admin_token)
    expect(r.status == 201, r)
    r = s.request("PATCH", "/api/v1/users/%E7%8E%8B%E4%BA%94",
                  body={"role": "operator"}, token=s.admin_token)
    expect(r.status == 204, r)
    expect(user_named(s, "王五")["role"] == "operator")


@test
def an_admin_cannot_lock_themselves_out():
    s = server()
    status, cookie = login(s, "admin", s.admin_password)
    expect(status == 200)
    for body in ({"disabled": True}, {"role": "viewer"}):
        r = s.request("PATCH", "/api/v1/users/admin", body=body, cookie=cookie)
        expect_error(r, 403, contains="own account")
    expect_error(s.request("DELETE", "/api/v1/users/admin", cookie=cookie),
                 403, contains="own account")
    expect(user_named(s, "admin")["role"] == "admin")


@test
def only_admins_manage_users_and_devices():
    s = server()
    op = s.token("operator", "op")
    expect_error(s.get("/api/v1/users", token=op), 403, contains="admin")
    expect_error(s.request("PATCH", "/api/v1/users/admin",
                           body={"role": "viewer"}, token=op), 403)
    expect_error(s.post("/api/v1/users/admin/password", token=op), 403)
    expect_error(s.request("PATCH", "/api/v1/devices/x", body={}, token=op),
                 403)
    expect_error(s.post("/api/v1/devices/x/token", token=op), 403)


@test
def devices_are_edited_moved_and_rekeyed():
    s = server()
    r = s.post("/api/v1/plots", body=SQUARE, token=s.admin_token)
    expect(r.status == 201, r)
    r = s.post("/api/v1/devices", body={"id": "sp-7", "kind": "soil_probe",
                                        "plot": "A-1"}, token=s.admin_token)
    expect(r.status == 201, r)
    old = r.json()["token"]
    now = int(time.time() * 1000)
    r = s.request("PATCH", "/api/v1/devices/sp-7",
                  body={"plot": "A-2", "name": "east probe",
                        "location": [87.025, 44.005]}, token=s.admin_token)
    expect(r.status == 200, r)
    d = r.json()
    expect(d["plot"] == "A-2" and d["name"] == "east probe"
           and d["kind"] == "soil_probe", d)
    listed = s.get("/api/v1/devices?plot=A-2", token=s.admin_token).json()
    expect([x["id"] for x in listed["devices"]] == ["sp-7"], listed)
    # its data now land on the new plot
    r = s.post("/api/v1/telemetry", body={"device": "sp-7", "ts": now - 60000,
                                          "values": {"battery": 3.7}},
               token=old)
    expect(r.status in (200, 204), r)
    latest = s.get("/api/v1/latest?plot=A-2", token=s.admin_token).json()
    expect(latest["devices"][0]["id"] == "sp-7", latest)
    expect_error(s.request("PATCH", "/api/v1/devices/sp-7",
                           body={"plot": "A-404"}, token=s.admin_token),
                 404, contains="A-404")
    expect_error(s.request("PATCH", "/api/v1/devices/sp-7",
                           body={"kind": "teapot"}, token=s.admin_token),
                 400, contains="kind")
    expect_error(s.request("PATCH", "/api/v1/devices/sp-7",
                           body={"id": "other"}, token=s.admin_token),
                 400, contains="'id'")
    # off any plot
    r = s.request("PATCH", "/api/v1/devices/sp-7", body={"plot": None},
                  token=s.admin_token)
    expect(r.status == 200 and r.json()["plot"] is None, r)
    # a new token: the old one stops, the new one writes
    r = s.post("/api/v1/devices/sp-7/token", token=s.admin_token)
    expect(r.status == 200, r)
    new = r.json()["token"]
    expect(new != old and new.startswith("oa_"), r)
    expect_error(s.post("/api/v1/telemetry",
                        body={"device": "sp-7", "ts": now - 30000,
                              "values": {"battery": 3.6}}, token=old), 401)
    r = s.post("/api/v1/telemetry", body={"device": "sp-7", "ts": now - 30000,
                                          "values": {"battery": 3.6}},
               token=new)
    expect(r.status in (200, 204), r)
    expect_error(s.post("/api/v1/devices/ghost/token", token=s.admin_token),
                 404, contains="ghost")
    r = s.request("DELETE", "/api/v1/devices/sp-7", token=s.admin_token)
    expect(r.status == 204, r)
    expect_error(s.request("PATCH", "/api/v1/devices/sp-7",
                           body={"name": "x"}, token=s.admin_token), 404)
    expect_error(s.post("/api/v1/devices/sp-7/token", token=s.admin_token),
                 404)


@test
def a_rule_replays_recent_points():
    s = server()
    r = s.post("/api/v1/devices", body={"id": "ws-1",
                                        "kind": "weather_station"},
               token=s.admin_token)
    expect(r.status == 201, r)
    now = int(time.time() * 1000)
    minute = 60_000
    start = now - 5 * 60 * minute
    temps = [1.0] * 12 + [6.0] * 6        # 10-minute steps: 2 h of frost
    items = [{"device": "ws-1", "ts": start + i * 10 * minute,
              "values": {"air_temp": v}} for i, v in enumerate(temps)]
    r = s.request("POST", "/api/v1/telemetry",
                  body="\n".join(json.dumps(x) for x in items),
                  token=s.admin_token)
    expect(r.status in (200, 204), r)
    op = s.token("operator", "duty")
    r = s.post("/api/v1/rules/test", body={"template": "frost",
                                           "device": "ws-1"}, token=op)
    expect(r.status == 200, r)
    got = r.json()
    expect(got["subjects"] == 1 and got["points"] == 18, got)
    expect(got["opened"] == 1 and got["closed"] == 1, got)
    ev = got["events"]
    expect([e["change"] for e in ev] == ["open", "close"], ev)
    expect(ev[0]["subject"] == "ws-1" and ev[0]["value"] == 1.0, ev)
    # a stored rule by id; nothing is stored by a test
    r = s.post("/api/v1/rules", body={"template": "heat_stress"}, token=op)
    expect(r.status == 201, r)
    rid = r.json()["id"]
    r = s.post("/api/v1/rules/test", body={"id": rid}, token=op)
    expect(r.status == 200 and r.json()["opened"] == 0, r)
    alerts = s.get("/api/v1/alerts", token=op).json()
    expect(all(a.get("rule") != rid for a in alerts.get("alerts", [])), alerts)
    # a window before the points: nothing
    r = s.post("/api/v1/rules/test?to=%d" % (start - minute),
               body={"template": "frost"}, token=op)
    expect(r.status == 200 and r.json()["points"] == 0, r)
    expect_error(s.post("/api/v1/rules/test",
                        body={"template": "sensor_silent"}, token=op),
                 400, contains="silent")
    expect_error(s.post("/api/v1/rules/test", body={"template": "frost"},
                        token=s.token("viewer", "v2")), 403)


@test
def the_audit_log_says_who_changed_what():
    s = server()
    op = s.token("operator", "night-shift")
    r = s.post("/api/v1/rules", body={"template": "frost", "name": "audited"},
               token=op)
    expect(r.status == 201, r)
    rid = r.json()["id"]
    expect_error(s.request("PATCH", "/api/v1/rules/%d" % rid,
                           body={"severity": "loud"}, token=op), 400)
    s.get("/api/v1/rules", token=op)                     # reads are not noted
    r = s.post("/api/v1/users/nobody/password", token=s.admin_token)
    expect(r.status == 404, r)
    r = s.get("/api/v1/audit?limit=3", token=s.admin_token)
    expect(r.status == 200, r)
    e = r.json()["entries"]
    expect([x["action"] for x in e] == [
        "POST /api/v1/users/nobody/password",
        "PATCH /api/v1/rules/%d" % rid, "POST /api/v1/rules"], e)
    expect([x["status"] for x in e] == [404, 400, 201], e)
    expect(e[2]["actor"] == "night-shift" and e[2]["role"] == "operator", e)
    expect(e[0]["actor"] == "test-admin" and e[0]["time"].endswith("Z"), e)
    # paging: older than the last one seen
    r = s.get("/api/v1/audit?limit=1&before=%d" % e[2]["id"],
              token=s.admin_token)
    older = r.json()["entries"]
    expect(len(older) == 1 and older[0]["id"] < e[2]["id"], older)
    # no secret in it: a new token's secret is in no entry
    r = s.post("/api/v1/tokens", body={"name": "t", "role": "viewer"},
               token=s.admin_token)
    secret = r.json()["token"]
    r = s.get("/api/v1/audit", token=s.admin_token)
    expect(secret not in r.body and "POST /api/v1/tokens" in r.body, r)
    expect_error(s.get("/api/v1/audit", token=op), 403)
    expect_error(s.get("/api/v1/audit?limit=0", token=s.admin_token), 400,
                 contains="limit")


if __name__ == "__main__":
    run()

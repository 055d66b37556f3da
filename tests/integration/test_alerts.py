"""Monitoring over HTTP: rules (roles, templates, validation), an alert
from telemetry through its life (open, acknowledged, closed with
hysteresis), history queries, freshness, a restart that raises nothing
twice, the signed webhook (retried while the receiver is down) and the
live stream of alerts resumed from Last-Event-ID."""
import hashlib
import hmac
import http.server
import json
import os
import threading
import time

from harness import EventStream, Server, expect, expect_error, free_port, \
    oasis, run, test, wait_for

SECRET = "s3cret-for-the-webhook-test"
NOW = int(time.time() * 1000)
srv = None
hook_port = free_port()
received = []


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def server():
    global srv
    if srv is None:
        srv = Server()
        secret_file = os.path.join(srv.dir, "webhook.secret")
        with open(secret_file, "w") as f:
            f.write(SECRET + "\n")
        srv.extra_args = ["--webhook", "http://127.0.0.1:%d/hook" % hook_port,
                          "--webhook-secret-file", secret_file,
                          "--alert-tick", "100", "--valve-ack-timeout", "1"]
        srv.start()
        ring = [[86.2, 44.3], [86.21, 44.3], [86.21, 44.31], [86.2, 44.31],
                [86.2, 44.3]]
        fc = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"code": c, "crop": "cotton"},
             "geometry": {"type": "Polygon", "coordinates": [ring]}}
            for c in ("A", "B")]}
        expect(srv.post("/api/v1/plots", body=fc, token=srv.admin_token)
               .status == 201)
        for dev, plot, kind in (("ws-a", "A", "weather_station"),
                                ("ws-b", "B", "weather_station"),
                                ("v-a", "A", "valve")):
            r = srv.post("/api/v1/devices", token=srv.admin_token,
                         body={"id": dev, "kind": kind, "plot": plot})
            expect(r.status == 201, r)
        srv.viewer = srv.token("viewer", "screen")
        srv.operator = srv.token("operator", "duty")
    return srv


def write(s, device, metric, value, ts):
    r = s.post("/api/v1/telemetry", token=s.admin_token,
               body={"device": device, "ts": ts, "values": {metric: value}})
    expect(r.status == 204, r)


def alerts(s, query=""):
    r = s.get("/api/v1/alerts" + query, token=s.viewer)
    expect(r.status == 200, r)
    return r.json()["alerts"]


def make_rule(s, body):
    r = s.post("/api/v1/rules", token=s.operator, body=body)
    expect(r.status == 201, r)
    return r.json()


@test
def rules_are_edited_by_operators_and_read_by_viewers():
    s = server()
    r = s.post("/api/v1/rules", token=s.viewer, body={"template": "frost"})
    expect_error(r, 403)
    expect_error(s.post("/api/v1/rules", token=s.operator,
                        body={"template": "frost", "severity": "loud"}),
                 400, contains="severity")
    expect_error(s.post("/api/v1/rules", token=s.operator,
                        body={"template": "nope"}), 400, contains="template")
    rule = make_rule(s, {"template": "strong_wind", "plot": "B"})
    expect(rule["conditions"][0] == {"metric": "wind_speed", "op": ">=",
                                     "threshold": 10.8, "clear": 8.0}, rule)
    got = s.get("/api/v1/rules", token=s.viewer).json()
    expect(any(t["template"] == "dry_hot_wind" and len(t["conditions"]) == 3
               for t in got["templates"]), got["templates"])
    expect([x["id"] for x in got["rules"]] == [rule["id"]], got["rules"])
    r = s.request("PATCH", "/api/v1/rules/%d" % rule["id"], token=s.operator,
                  body={"for_s": 0, "enabled": False})
    expect(r.status == 200 and r.json()["enabled"] is False, r)
    r = s.request("DELETE", "/api/v1/rules/%d" % rule["id"], token=s.operator)
    expect(r.status == 204, r)
    expect_error(s.get("/api/v1/rules/%d" % rule["id"], token=s.viewer), 404)


@test
def an_alert_opens_is_acknowledged_and_clears_with_hysteresis():
    s = server()
    rule = make_rule(s, {"template": "frost", "plot": "A", "for_s": 0})
    write(s, "ws-a", "air_temp", 5.0, NOW)
    expect(alerts(s, "?state=open&plot=A") == [])
    write(s, "ws-a", "air_temp", 1.0, NOW + 60000)
    write(s, "ws-a", "air_temp", 0.0, NOW + 120000)
    open_ = alerts(s, "?state=open&plot=A")
    expect(len(open_) == 1 and open_[0]["rule_id"] == rule["id"], open_)
    aid = open_[0]["id"]
    # the weather of plot A (the rule's filter): its subject is the plot
    expect(open_[0]["subject"] == "A" and open_[0]["plot"] == "A", open_)
    expect(open_[0]["code"] == "weather" and
           open_[0]["params"]["station"] == "ws-a" and
           open_[0]["params"]["plots"] == ["A"] and
           open_[0]["params"]["value"] == 1.0, open_)
    # the big screen's count and list of what is still active
    ov = s.get("/api/v1/overview", token=s.viewer).json()["alerts"]
    expect(ov["available"] is True and ov["open"] >= 1 and
           aid in [a["id"] for a in ov["items"]], ov)
    expect_error(s.post("/api/v1/alerts/%d/ack" % aid, token=s.viewer), 403)
    r = s.post("/api/v1/alerts/%d/ack" % aid, token=s.operator,
               body={"comment": "smudge pots lit"})
    expect(r.status == 200, r)
    expect(r.json()["acknowledged"]["comment"] == "smudge pots lit", r)
    write(s, "ws-a", "air_temp", 2.5, NOW + 180000)    # inside the band
    expect(alerts(s, "?state=acknowledged")[0]["id"] == aid)
    write(s, "ws-a", "air_temp", 3.5, NOW + 240000)    # past clear (3 C)
    got = s.get("/api/v1/alerts/%d" % aid, token=s.viewer).json()
    expect(got["state"] == "closed", got)
    expect(alerts(s, "?state=open&plot=A") == [])
    hist = alerts(s, "?plot=A&from=-1h&to=now")
    expect([a["id"] for a in hist] == [aid], hist)
    expect(alerts(s, "?plot=B") == [])
    expect_error(s.get("/api/v1/alerts?state=bogus", token=s.viewer), 400)


@test
def the_webhook_is_signed_and_retried_while_the_receiver_is_down():
    s = server()
    make_rule(s, {"template": "heat_stress", "plot": "B", "for_s": 0})
    write(s, "ws-b", "air_temp", 38.0, NOW + 1000)
    time.sleep(1.5)                 # the first attempt has failed by now
    httpd = http.server.HTTPServer(("127.0.0.1", hook_port), Receiver)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        wait_for(lambda: any(b'"heat_stress' in b for _, b in received),
                 timeout=20)
    finally:
        httpd.shutdown()
        httpd.server_close()
    headers, body = [x for x in received if b'"heat_stress' in x[1]][0]
    ts = headers["X-Oasis-Timestamp"]
    want = "sha256=" + hmac.new(SECRET.encode(), ts.encode() + b"." + body,
                                hashlib.sha256).hexdigest()
    expect(hmac.compare_digest(headers["X-Oasis-Signature"], want), headers)
    msg = json.loads(body)
    expect(msg["event"] == "opened" and msg["alert"]["plot"] == "B", msg)
    expect(SECRET not in s.server_log(), "the secret was logged")
    expect("attempt 1 failed" in s.server_log(), s.server_log()[-2000:])


@test
def alerts_stream_live_and_resume_after_a_reconnect():
    s = server()
    make_rule(s, {"template": "strong_wind", "plot": "A", "for_s": 0})
    st = EventStream(s.port, s.viewer, "?plot=A")
    write(s, "ws-b", "wind_speed", 20.0, NOW + 2000)   # plot B: filtered out
    write(s, "ws-a", "wind_speed", 20.0, NOW + 2000)
    first_id, ev = st.next_of("alert")
    expect(ev["event"] == "opened" and ev["plot"] == "A", ev)
    st.close()
    # while disconnected: cleared, and opened again
    write(s, "ws-a", "wind_speed", 2.0, NOW + 3000)
    write(s, "ws-a", "wind_speed", 21.0, NOW + 4000)
    st = EventStream(s.port, s.viewer, "?plot=A", last_id=first_id)
    got = [st.next_of("alert")[1]["event"] for _ in range(2)]
    expect(got == ["closed", "opened"], got)
    st.close()


@test
def freshness_per_plot_and_for_the_base_and_a_late_station():
    s = server()
    rule = make_rule(s, {"template": "station_stale", "plot": "A",
                         "cadence_s": 1, "factor": 1})
    write(s, "ws-a", "rh", 40, int(time.time() * 1000))
    r = s.get("/api/v1/freshness?plot=A", token=s.viewer)
    expect(r.status == 200, r)
    src = {x["source"]: x for x in r.json()["sources"]}
    expect(set(src) == {"station", "drone", "satellite"}, src)
    expect(src["station"]["cadence_s"] == 1 and src["station"]["last"], src)
    wait_for(lambda: alerts(s, "?state=open&plot=A") and any(
        a["rule_id"] == rule["id"] for a in alerts(s, "?state=open&plot=A")),
        timeout=10)
    base = s.get("/api/v1/freshness", token=s.viewer).json()
    expect(base["plots"] == 2 and len(base["sources"]) == 3, base)
    expect_error(s.get("/api/v1/freshness?plot=NOPE", token=s.viewer), 404)
    write(s, "ws-a", "rh", 41, int(time.time() * 1000))
    wait_for(lambda: not any(a["rule_id"] == rule["id"] for a in
                             alerts(s, "?state=open&plot=A")), timeout=10)
    s.request("DELETE", "/api/v1/rules/%d" % rule["id"], token=s.operator)


@test
def a_restart_raises_no_alert_twice():
    s = server()
    rule = make_rule(s, {"name": "pressure low", "plot": "B", "conditions": [
        {"metric": "pressure", "op": "<", "threshold": 900, "clear": 910}]})
    write(s, "ws-b", "pressure", 850, NOW + 5000)
    q = "?state=open&plot=B"
    expect(len([a for a in alerts(s, q) if a["rule_id"] == rule["id"]]) == 1)
    expect(s.stop() == 0)
    s.start()
    write(s, "ws-b", "pressure", 840, NOW + 6000)
    mine = [a for a in alerts(s, "?plot=B") if a["rule_id"] == rule["id"]]
    expect(len(mine) == 1 and mine[0]["state"] == "open", mine)
    rules = s.get("/api/v1/rules", token=s.viewer).json()["rules"]
    expect(any(r["id"] == rule["id"] for r in rules), rules)
    r = s.post("/api/v1/alerts/%d/close" % mine[0]["id"], token=s.operator,
               body={"comment": "sensor replaced"})
    expect(r.status == 200 and r.json()["state"] == "closed", r)


@test
def a_valve_command_nobody_acknowledges_raises_an_alert():
    s = server()
    rule = make_rule(s, {"template": "valve_failed"})
    r = s.post("/api/v1/devices/v-a/commands", token=s.operator,
               body={"action": "open", "duration_min": 5})
    expect(r.status == 202, r)
    mine = wait_for(lambda: [a for a in alerts(s, "?state=open&plot=A")
                             if a["rule_id"] == rule["id"]], timeout=15)
    expect(mine[0]["subject"] == "v-a", mine)
    expect("failed" in mine[0]["message"], mine)


def monitoring_figures(s):
    r = s.get("/api/v1/metrics", token=s.viewer)
    expect(r.status == 200, r)
    return {k: int(v) for k, v in (line.split() for line in
            r.body.splitlines() if line.startswith("oasis_mon"))}


@test
def rules_are_evaluated_after_the_answer_and_reads_see_them():
    s = server()
    rule = make_rule(s, {"template": "frost", "plot": "A", "for_s": 0,
                         "device": "ws-a"})
    before = monitoring_figures(s)
    for i in range(20):     # rh: no rule on it, one point per instant
        write(s, "ws-a", "rh", 50 + i, NOW + 600000 + i * 1000)
    lines = "".join("weather,device=ws-a air_temp=%d,rh=60 %d\n"
                    % (v, NOW + 700000 + k * 60000)
                    for k, v in enumerate((5, -1, 5)))
    r = s.post("/api/v1/write?precision=ms", token=s.admin_token,
               body=lines.encode(), headers={"Content-Type": "text/plain"})
    expect(r.status == 204, r)
    # the alert opened and closed by that one write is there at once
    mine = [a for a in alerts(s, "?plot=A") if a["rule_id"] == rule["id"]]
    expect(len(mine) == 1 and mine[0]["state"] == "closed", mine)
    after = monitoring_figures(s)
    expect(after["oasis_monitoring_queued_points"] == 0, after)
    expect(after["oasis_monitoring_dropped_points_total"] == 0, after)
    # 20 rh points, then air_temp 3 (watched) and rh 3 (one per instant)
    got = (after["oasis_monitoring_evaluated_points_total"] -
           before["oasis_monitoring_evaluated_points_total"])
    expect(26 <= got <= 26 + 3, (before, after))


@test
def the_weather_of_the_base_is_one_alert_with_the_plots_it_covers():
    s = server()
    rule = make_rule(s, {"template": "frost", "for_s": 0})
    write(s, "ws-a", "air_temp", -2.0, NOW + 900000)
    write(s, "ws-b", "air_temp", -3.0, NOW + 900000)
    mine = [a for a in alerts(s) if a["rule_id"] == rule["id"]]
    expect(len(mine) == 1, mine)
    a = mine[0]
    expect(a["subject"] == "base" and a["plot"] is None, a)
    expect(a["severity"] == "critical", a)   # cotton in the field
    expect(a["code"] == "weather" and a["params"]["area"] == "base" and
           sorted(a["params"]["plots"]) == ["A", "B"] and
           a["params"]["plots_n"] == 2 and a["params"]["in_season_n"] == 2 and
           a["params"]["template"] == "frost" and
           a["params"]["metric"] == "air_temp", a)
    expect("over the base" in a["message"], a)
    write(s, "ws-a", "air_temp", 5.0, NOW + 960000)
    expect([x["state"] for x in alerts(s) if x["rule_id"] == rule["id"]]
           == ["open"])
    write(s, "ws-b", "air_temp", 5.0, NOW + 960000)
    expect([x["state"] for x in alerts(s) if x["rule_id"] == rule["id"]]
           == ["closed"])
    s.request("DELETE", "/api/v1/rules/%d" % rule["id"], token=s.operator)


@test
def the_first_evaluation_runs_on_the_history_at_start():
    """A frost under way when the server starts is open at once; a heat
    that rose and cleared within the history opens nothing."""
    s = server()
    for dev, plot in (("ws-c", "B"), ("ws-d", "A")):
        r = s.post("/api/v1/devices", token=s.admin_token,
                   body={"id": dev, "kind": "weather_station", "plot": plot})
        expect(r.status == 201, r)
    frost = make_rule(s, {"template": "frost", "device": "ws-c"})
    heat = make_rule(s, {"template": "heat_stress", "device": "ws-d"})
    expect(s.stop() == 0)
    now = int(time.time() * 1000)
    minute = 60000
    lines = ["weather,device=ws-c air_temp=-5 %d" % (now - k * minute)
             for k in range(40, 0, -1)]
    lines += ["weather,device=ws-d air_temp=%d %d"
              % (38 if k > 40 else 20, now - k * minute)
              for k in range(110, 0, -1)]
    path = os.path.join(s.dir, "history.lp")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    oasis("ingest", path, "--format", "lp", "--precision", "ms", data=s.data)
    s.start()
    mine = [a for a in alerts(s, "?state=open") if a["rule_id"] == frost["id"]]
    expect(len(mine) == 1, (mine, s.server_log()[-3000:]))
    expect(mine[0]["subject"] == "ws-c" and mine[0]["code"] == "weather" and
           mine[0]["params"]["value"] == -5 and
           mine[0]["params"]["area"] == "station", mine)
    expect([a for a in alerts(s) if a["rule_id"] == heat["id"]] == [],
           "a heat that cleared within the history opened an alert")
    expect("the first evaluation took" in s.server_log(), s.server_log()[-2000:])
    for r in (frost, heat):
        s.request("DELETE", "/api/v1/rules/%d" % r["id"], token=s.operator)


@test
def stop():
    global srv
    status = srv.stop()
    expect(status == 0, srv.server_log()[-1500:])
    srv.close()
    srv = None


run()

"""Valve commands end to end: a real mosquitto and a test valve client
(open, acknowledgement, state reconciled, closing by itself on time); a
valve that never answers ends failed with the reason; an HTTP valve polls
and answers; every refusal."""
import json
import threading
import time

import paho.mqtt.client as mqtt

from harness import Broker, Server, expect, expect_error, run, test, wait_for

broker = None
srv = None


def setup():
    global broker, srv
    if srv is None:
        broker = Broker().start()
        srv = Server(extra_args=["--mqtt", broker.url,
                                 "--valve-ack-timeout", "3"]).start()
        for dev, kind in (("vl-1", "valve"), ("vl-dead", "valve"),
                          ("vl-http", "valve"), ("sp-1", "soil_probe")):
            r = srv.post("/api/v1/devices", token=srv.admin_token,
                         body={"id": dev, "kind": kind})
            expect(r.status == 201, r)
            srv.__dict__["tok_" + dev.replace("-", "_")] = r.json()["token"]
        srv.operator = srv.token("operator", "ops")
        wait_for(lambda: "mqtt: connected" in srv.server_log())
    return broker, srv


class TestValve:
    """A valve on MQTT: acknowledges commands and reports valve_state."""

    def __init__(self, port, device):
        self.device = device
        self.received = []
        self.c = mqtt.Client(client_id="valve-" + device)
        self.c.on_message = self.on_message
        self.c.connect("127.0.0.1", port)
        self.c.subscribe("oasis/%s/commands" % device, qos=1)
        self.c.loop_start()
        time.sleep(0.3)

    def on_message(self, client, userdata, msg):
        cmd = json.loads(msg.payload)
        self.received.append(cmd)
        client.publish("oasis/%s/acks" % self.device,
                       json.dumps({"id": cmd["id"], "ok": True}), qos=1)
        state = 1 if cmd["action"] == "open" else 0
        client.publish("oasis/%s/telemetry" % self.device,
                       json.dumps({"values": {"valve_state": state}}), qos=1)

    def close(self):
        self.c.loop_stop()
        self.c.disconnect()


def command(s, device, body, token=None):
    return s.post("/api/v1/devices/%s/commands" % device, body=body,
                  token=token or s.operator)


def history(s, device):
    r = s.get("/api/v1/devices/%s/commands" % device, token=s.admin_token)
    expect(r.status == 200, r)
    return r.json()


@test
def open_ack_state_reconciled_and_auto_close():
    b, s = setup()
    valve = TestValve(b.port, "vl-1")
    try:
        r = command(s, "vl-1", {"action": "open", "duration_min": 1})
        expect(r.status == 202, r)
        cmd = r.json()
        # the valve may have answered before the reply was written
        expect(cmd["state"] in ("requested", "sent", "acknowledged") and
               cmd["requested_by"].startswith("ops"), cmd)
        h = wait_for(lambda: (lambda j: j if j["commands"][0]["state"] ==
                              "acknowledged" and j["valve"]["reported"]
                              else None)(history(s, "vl-1")))
        expect(h["valve"]["believed"] == "open", h)
        expect(h["valve"]["reported"]["value"] == 1, h)
        expect(valve.received[0] == {"id": cmd["id"], "action": "open",
                                     "duration_min": 1}, valve.received)
        # the open closes itself when its minute is up
        h = wait_for(lambda: (lambda j: j if j["commands"][0]["action"] ==
                              "close" and j["commands"][0]["state"] ==
                              "acknowledged" else None)(history(s, "vl-1")),
                     timeout=90)
        expect(h["commands"][0]["requested_by"].startswith("schedule"), h)
        expect(h["valve"]["believed"] == "closed", h)
        wait_for(lambda: history(s, "vl-1")["valve"]["reported"]["value"] == 0)
    finally:
        valve.close()


@test
def a_valve_that_never_answers_ends_failed_with_the_reason():
    b, s = setup()
    r = command(s, "vl-dead", {"action": "close"})
    expect(r.status == 202, r)
    h = wait_for(lambda: (lambda j: j if j["commands"][0]["state"] ==
                          "failed" else None)(history(s, "vl-dead")))
    expect("did not acknowledge within 3 s" in h["commands"][0]["reason"], h)


@test
def an_http_valve_polls_and_answers():
    b, s = setup()
    cmd = command(s, "vl-http", {"action": "open", "duration_min": 30}).json()
    # the broker is up, so it went out over MQTT too; the HTTP valve polls
    r = s.get("/api/v1/devices/vl-http/commands/pending", token=s.tok_vl_http)
    expect(r.status == 200, r)
    pending = [c["id"] for c in r.json()["commands"]]
    if cmd["id"] in pending or history(s, "vl-http")["commands"][0]["state"] \
            == "sent":
        r = s.post("/api/v1/devices/vl-http/acks", token=s.tok_vl_http,
                   body={"id": cmd["id"], "ok": True})
        expect(r.status == 204, r)
    expect(history(s, "vl-http")["commands"][0]["state"] == "acknowledged")
    # another device's token cannot answer for this valve
    r = s.post("/api/v1/devices/vl-http/acks", token=s.tok_vl_1,
               body={"id": cmd["id"], "ok": True})
    expect_error(r, 403)
    r = s.post("/api/v1/devices/vl-http/acks", token=s.tok_vl_http,
               body={"id": cmd["id"], "ok": True})
    expect_error(r, 400, contains="already")


@test
def refusals():
    b, s = setup()
    expect_error(command(s, "nope", {"action": "close"}), 404)
    expect_error(command(s, "sp-1", {"action": "close"}), 400,
                 contains="not a valve")
    expect_error(command(s, "vl-1", {"action": "open"}), 400,
                 contains="duration_min")
    expect_error(command(s, "vl-1", {"action": "open", "duration_min": 5000}),
                 400, contains="duration_min")
    expect_error(command(s, "vl-1", {"action": "spin"}), 400, contains="action")
    viewer = s.token("viewer", "wall")
    expect_error(command(s, "vl-1", {"action": "close"}, token=viewer), 403)


@test
def command_changes_reach_the_stream():
    global broker, srv
    b, s = setup()
    import http.client
    viewer = s.token("viewer", "screen")
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
    conn.request("GET", "/api/v1/stream",
                 headers={"Authorization": "Bearer " + viewer})
    resp = conn.getresponse()
    command(s, "vl-dead", {"action": "close"})
    seen = ""
    deadline = time.time() + 10
    while time.time() < deadline and "event: command" not in seen:
        seen += resp.fp.readline().decode()
    expect("event: command" in seen, seen)
    conn.close()
    expect(s.close() == 0)
    b.close()
    srv = broker = None


run()

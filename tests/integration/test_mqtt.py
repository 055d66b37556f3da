"""MQTT end to end against a real mosquitto: telemetry on
oasis/DEVICE/telemetry is stored as that device's; refusals are logged;
the persistent session delivers what was sent while the server was down;
the server connects when the broker comes up after it."""
import json
import time

from harness import Broker, Server, expect, run, test, wait_for

NOW = int(time.time() * 1000)
broker = None
srv = None


def setup():
    global broker, srv
    if srv is None:
        broker = Broker().start()
        srv = Server(extra_args=["--mqtt", broker.url, "--mqtt-client-id",
                                 "oasis-test"]).start()
        r = srv.post("/api/v1/devices", token=srv.admin_token,
                     body={"id": "sp-7", "kind": "soil_probe"})
        expect(r.status == 201, r)
        wait_for(lambda: "mqtt: connected" in srv.server_log())
    return broker, srv


def values(s, series, frm, to):
    r = s.get("/api/v1/query?series=%s&from=%d&to=%d" % (series, frm, to),
              token=s.admin_token)
    return r.json()["values"] if r.status == 200 else []


@test
def telemetry_over_mqtt_is_stored():
    b, s = setup()
    b.publish("oasis/sp-7/telemetry",
              json.dumps({"ts": NOW, "values": {"moisture_10cm": 28.5}}))
    got = wait_for(lambda: values(s, "sp-7/moisture_10cm", NOW, NOW))
    expect(got == [[NOW, 28.5]], got)


@test
def a_message_naming_another_device_or_an_unknown_one_is_refused():
    b, s = setup()
    b.publish("oasis/sp-7/telemetry", json.dumps(
        {"device": "sp-8", "ts": NOW, "values": {"rh": 1}}))
    b.publish("oasis/ghost/telemetry",
              json.dumps({"ts": NOW, "values": {"rh": 1}}))
    b.publish("oasis/sp-7/telemetry", "{not json")
    wait_for(lambda: s.server_log().count("refused") >= 3)
    log = s.server_log()
    expect("unknown device 'ghost'" in log, log[-800:])


@test
def the_persistent_session_delivers_what_came_while_down():
    b, s = setup()
    s.stop()
    b.publish("oasis/sp-7/telemetry",
              json.dumps({"ts": NOW + 1000, "values": {"moisture_20cm": 31}}))
    s.start()
    got = wait_for(lambda: values(s, "sp-7/moisture_20cm", NOW, NOW + 2000))
    expect(got == [[NOW + 1000, 31]], got)


@test
def the_server_reconnects_when_the_broker_returns():
    global broker, srv
    b, s = setup()
    b.stop()
    wait_for(lambda: "connection to" in s.server_log() and
             "lost" in s.server_log())
    connects = s.server_log().count("mqtt: connected")
    b.start()
    # a broker that lost its sessions: publish once the server is back
    wait_for(lambda: s.server_log().count("mqtt: connected") > connects,
             timeout=90)
    b.publish("oasis/sp-7/telemetry",
              json.dumps({"ts": NOW + 5000, "values": {"battery": 3.6}}))
    got = wait_for(lambda: values(s, "sp-7/battery", NOW, NOW + 6000))
    expect(got == [[NOW + 5000, 3.6]], got)
    expect(s.stop() == 0)
    s.close()
    b.close()
    srv = broker = None


run()

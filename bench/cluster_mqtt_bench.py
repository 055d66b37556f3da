"""MQTT ingest into one `serve --cluster` node: one share-group session per
broker (each message committed alone, as before) beside several
(--mqtt-sessions N: N messages committed at once, coalesced by the group
commit), alternated A B A B.  Each run: a node on a new database, a
mosquitto, D devices, M QoS 1 readings published as fast as the
publisher goes; the figure is readings stored per second, from the first
publication until the node has stored all.  Needs a PostgreSQL server:

    OASIS_BIN=build/oasis tests/pg.sh run /usr/bin/python3 \\
        bench/cluster_mqtt_bench.py [PAIRS] [SESSIONS]
"""
import json
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests",
                                "integration"))
import harness  # noqa: E402
from harness import Broker, Server, wait_for  # noqa: E402

harness.BACKEND = "postgresql"
PAIRS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
SESSIONS = int(sys.argv[2]) if len(sys.argv) > 2 else 4
DEVICES, READINGS = 20, 4000
T0 = 1780000000000


def written(s):
    r = s.get("/api/v1/metrics", token=s.admin_token)
    return int(re.search(r"^oasis_points_written_total (\d+)", r.body,
                         re.M).group(1))


def one_run(sessions, k):
    import paho.mqtt.client as mqtt
    broker = Broker()
    with open(broker.conf, "a") as f:   # as docs/CLUSTER.md configures it
        f.write("max_inflight_messages 5\nmax_queued_messages 2000000\n")
    broker.start()
    s = Server(extra_args=["--cluster", "--node-id", "b%d" % k, "--mqtt",
                           broker.url, "--mqtt-sessions", str(sessions)]
               ).start()
    try:
        for d in range(DEVICES):
            r = s.post("/api/v1/devices", token=s.admin_token,
                       body={"id": "pb-%d" % d, "kind": "soil_probe"})
            assert r.status == 201, r
        wait_for(lambda: s.server_log().count("mqtt: connected") >= sessions)
        time.sleep(0.5)
        cl = mqtt.Client(client_id="bench-pub-%d" % k)
        cl.max_inflight_messages_set(1000)
        cl.max_queued_messages_set(0)
        cl.connect("127.0.0.1", broker.port)
        cl.loop_start()
        start = time.time()
        infos = [cl.publish("oasis/pb-%d/telemetry" % (i % DEVICES),
                            json.dumps({"ts": T0 + i * 1000,
                                        "values": {"moisture_10cm": i % 50}}),
                            qos=1) for i in range(READINGS)]
        for inf in infos:
            inf.wait_for_publish()
        published = time.time() - start
        wait_for(lambda: written(s) >= READINGS, timeout=300, every=0.05)
        took = time.time() - start
        cl.loop_stop()
        cl.disconnect()
        return READINGS / took, published
    finally:
        s.close()
        broker.close()


def main():
    rates = {1: [], SESSIONS: []}
    for p in range(PAIRS):
        for n in (1, SESSIONS):
            rate, pub = one_run(n, p * 10 + n)
            rates[n].append(rate)
            print("pair %d, %d session(s): %.0f readings/s (published in "
                  "%.2f s), load %.1f" % (p + 1, n, rate, pub,
                                         os.getloadavg()[0]), flush=True)
    a, b = statistics.median(rates[1]), statistics.median(rates[SESSIONS])
    print("median: 1 session %.0f/s, %d sessions %.0f/s, ratio %.2f"
          % (a, SESSIONS, b, b / a))


main()

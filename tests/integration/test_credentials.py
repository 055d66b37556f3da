"""Credentials: a device writes only its own data, revoked credentials end
their streams, sign-in floods are slowed, secrets stay out of messages and
the store's files are private."""
import json
import os
import socket
import stat
import subprocess
import threading
import time

from harness import (OASIS, Broker, Server, expect, expect_error, oasis, run,
                     store_args, test, wait_for)

NOW = 1767225600000  # 2026-01-01T00:00:00Z, fixed: no test reads the clock

srv = None


def server():
    global srv
    if srv is None:
        srv = Server(extra_args=["--heartbeat", "300"]).start()
        srv.tokens = {}
        for dev in ("ws-1", "ws-2"):
            r = srv.post("/api/v1/devices", token=srv.admin_token,
                         body={"id": dev, "kind": "weather_station"})
            expect(r.status == 201, r)
            srv.tokens[dev] = r.json()["token"]
    return srv


def count_points(s, series):
    r = s.get("/api/v1/query?series=%s&from=2020-01-01&to=2030-01-01" %
              series, token=s.admin_token)
    if r.status == 404:
        return 0
    expect(r.status == 200, r)
    return len(r.json().get("values", []))


# ---- a device writes only its own data -----------------------------------

@test
def a_device_token_writing_another_devices_data_is_403():
    s = server()
    t1 = s.tokens["ws-1"]
    line = "weather,device=ws-2 air_temp=20 %d" % (NOW * 1000000)
    for path in ("/api/v1/write?precision=ns", "/write?precision=ns",
                 "/api/v2/write?precision=ns"):
        expect_error(s.post(path, body=line, token=t1), 403, "forbidden",
                     contains="ws-2")
    # a batch of its own line and another's stores nothing
    both = "weather,device=ws-1 air_temp=20 %d\n%s" % (NOW * 1000000, line)
    expect_error(s.post("/api/v1/write?precision=ns", body=both, token=t1),
                 403)
    tel = {"device": "ws-2", "ts": NOW, "values": {"air_temp": 20}}
    expect_error(s.post("/api/v1/telemetry", body=tel, token=t1), 403,
                 contains="ws-2")
    nd = json.dumps({"device": "ws-1", "ts": NOW, "values": {"rh": 5}}) + \
        "\n" + json.dumps(tel)
    expect_error(s.post("/api/v1/telemetry", body=nd, token=t1), 403)
    expect(count_points(s, "ws-2/air_temp") == 0)
    expect(count_points(s, "ws-1/air_temp") == 0)
    expect(count_points(s, "ws-1/rh") == 0)
    # its own data is fine
    own = "weather,device=ws-1 air_temp=21 %d" % (NOW * 1000000)
    r = s.post("/api/v1/write?precision=ns", body=own, token=t1)
    expect(r.status == 204, r)


@test
def an_mqtt_message_for_another_device_than_its_topic_stores_nothing():
    broker = Broker().start()
    s = Server(extra_args=["--mqtt", broker.url]).start()
    try:
        for dev in ("mq-1", "mq-2"):
            r = s.post("/api/v1/devices", token=s.admin_token,
                       body={"id": dev, "kind": "weather_station"})
            expect(r.status == 201, r)
        wait_for(lambda: "mqtt: connected" in s.server_log())
        broker.publish("oasis/mq-1/telemetry", json.dumps(
            {"device": "mq-2", "ts": NOW, "values": {"air_temp": 3}}))
        broker.publish("oasis/mq-1/telemetry", json.dumps(
            {"ts": NOW, "values": {"air_temp": 4}}))
        wait_for(lambda: count_points(s, "mq-1/air_temp") == 1)
        expect(count_points(s, "mq-2/air_temp") == 0)
        expect("'device' is 'mq-2' but the topic" in s.server_log())
    finally:
        s.close()
        broker.stop()


# ---- revoked credentials end their streams -------------------------------

HEARTBEAT_S = 0.3


class RawStream:
    """GET /api/v1/stream with any headers; reads lines with a deadline."""

    def __init__(self, port, headers):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        req = "GET /api/v1/stream HTTP/1.1\r\nHost: x\r\n" + "".join(
            "%s: %s\r\n" % kv for kv in headers.items()) + "\r\n"
        self.sock.sendall(req.encode())
        self.f = self.sock.makefile("rb")
        status = self.f.readline().decode()
        expect(" 200 " in status, status)
        while self.f.readline() not in (b"\r\n", b""):
            pass

    def until_signed_out(self, within):
        """Seconds until `event: signed-out` and the end of the stream;
        fails if either does not come within `within` seconds."""
        start = time.time()
        self.sock.settimeout(within)
        seen = None
        text = b""
        while True:
            line = self.f.readline()
            if not line:
                break
            text += line
            if b"event: signed-out" in line and seen is None:
                seen = time.time() - start
        expect(seen is not None, "no signed-out event: %r" % text[-300:])
        # chunked encoding ends with a zero-length chunk, then the close
        expect(time.time() - start < within, "stream did not end")
        return seen

    def close(self):
        self.sock.close()


def bearer(token):
    return {"Authorization": "Bearer " + token}


@test
def a_revoked_tokens_stream_is_signed_out_within_a_heartbeat():
    s = server()
    r = s.post("/api/v1/tokens", token=s.admin_token,
               body={"name": "wall-api", "role": "viewer"})
    expect(r.status == 201, r)
    tid, tok = r.json()["id"], r.json()["token"]
    st = RawStream(s.port, bearer(tok))
    time.sleep(2 * HEARTBEAT_S)  # still delivering while valid
    t0 = time.time()
    r = s.request("DELETE", "/api/v1/tokens/%d" % tid, token=s.admin_token)
    expect(r.status == 204, r)
    st.until_signed_out(within=5)
    took = time.time() - t0
    expect(took < HEARTBEAT_S + 0.5, "took %.2fs" % took)
    st.close()
    expect_error(s.get("/api/v1/stream", token=tok), 401)


@test
def a_token_revoked_on_the_command_line_ends_its_stream():
    s = server()
    r = s.post("/api/v1/tokens", token=s.admin_token,
               body={"name": "wall-cli", "role": "operator"})
    tid, tok = r.json()["id"], r.json()["token"]
    st = RawStream(s.port, bearer(tok))
    oasis("token", "revoke", str(tid), data=s.data)
    st.until_signed_out(within=HEARTBEAT_S + 2)
    st.close()


@test
def an_expiring_token_and_a_signed_out_session_end_their_streams():
    s = server()
    tok = oasis("token", "create", "--role", "viewer", "--name", "brief",
                "--expires", "2s", data=s.data).stdout.strip()
    st = RawStream(s.port, bearer(tok))
    took = st.until_signed_out(within=6)
    expect(took > 1, "signed out before expiry: %.2f" % took)
    st.close()
    # a browser session, then its logout
    r = s.post("/api/v1/login", body={"username": "admin",
                                      "password": s.admin_password})
    expect(r.status == 200, r)
    cookie = r.header("Set-Cookie").split(";")[0]
    st = RawStream(s.port, {"Cookie": cookie})
    time.sleep(HEARTBEAT_S)
    r = s.post("/api/v1/logout", cookie=cookie)
    expect(r.status == 204, r)
    st.until_signed_out(within=HEARTBEAT_S + 2)
    st.close()


@test
def a_kiosk_screens_stream_ends_when_its_token_is_revoked():
    s = server()
    r = s.post("/api/v1/tokens", token=s.admin_token,
               body={"name": "kiosk", "role": "viewer"})
    tid, tok = r.json()["id"], r.json()["token"]
    r = s.post("/api/v1/login", body={"token": tok})
    expect(r.status == 200, r)
    cookie = r.header("Set-Cookie").split(";")[0]
    st = RawStream(s.port, {"Cookie": cookie})
    s.request("DELETE", "/api/v1/tokens/%d" % tid, token=s.admin_token)
    st.until_signed_out(within=HEARTBEAT_S + 2)
    st.close()
    # a stream whose token stays valid is not signed out
    keep = s.token("viewer", "keeps")
    st = RawStream(s.port, bearer(keep))
    st.sock.settimeout(4 * HEARTBEAT_S)
    got = b""
    deadline = time.time() + 4 * HEARTBEAT_S
    while time.time() < deadline:
        line = st.f.readline()
        if not line:
            break
        got += line
    expect(b"signed-out" not in got and b"keep-alive" in got, got)
    st.close()


# ---- a flood of wrong passwords ------------------------------------------

def login(s, user, password, source="127.0.0.1"):
    """POST /api/v1/login from a loopback source address: (status, headers,
    seconds)."""
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30,
                                      source_address=(source, 0))
    t0 = time.time()
    try:
        conn.request("POST", "/api/v1/login", body=json.dumps(
            {"username": user, "password": password}),
            headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        return r.status, dict(r.getheaders()), time.time() - t0
    finally:
        conn.close()


@test
def a_sign_in_flood_is_slowed_and_health_stays_fast():
    s = Server().start()
    try:
        r = s.post("/api/v1/users", token=s.admin_token,
                   body={"username": "victim", "role": "viewer",
                         "password": "right-password-1"})
        expect(r.status == 201, r)
        statuses, lock = [], threading.Lock()
        stop = time.time() + 4

        def flood():
            while time.time() < stop:
                st, _, _ = login(s, "victim", "wrong-password")
                with lock:
                    statuses.append(st)

        threads = [threading.Thread(target=flood) for _ in range(16)]
        for t in threads:
            t.start()
        health = []
        time.sleep(0.3)
        while time.time() < stop - 0.2:
            t0 = time.time()
            r = s.get("/api/v1/health")
            health.append(time.time() - t0)
            expect(r.status == 200, r)
            time.sleep(0.05)
        for t in threads:
            t.join()
        health.sort()
        median = health[len(health) // 2]
        print("# %d sign-ins: %d x 401, %d x 429, %d x 503; health median "
              "%.1f ms, worst %.1f ms over %d probes" % (
                  len(statuses), statuses.count(401), statuses.count(429),
                  statuses.count(503), median * 1e3, health[-1] * 1e3,
                  len(health)))
        expect(statuses.count(429) > 0, "no 429 among %d" % len(statuses))
        expect(set(statuses) <= {401, 429, 503}, set(statuses))
        expect(median < 0.1, "health median %.3f s" % median)
        # one line per interval, not one per attempt
        log = s.server_log()
        expect(log.count("failed sign-in") <= 4, log.count("failed sign-in"))
        # another account from another address signs in at once
        st, _, _ = login(s, "admin", s.admin_password, source="127.0.0.2")
        expect(st == 200, st)
        # the flooded account waits out its backoff, then signs in
        st, h, _ = login(s, "victim", "right-password-1", source="127.0.0.3")
        if st == 429:
            wait = int(h["Retry-After"])
            expect(0 < wait <= 16, "Retry-After %d" % wait)
            time.sleep(wait)
            st, _, _ = login(s, "victim", "right-password-1",
                             source="127.0.0.3")
        expect(st == 200, st)
    finally:
        s.close()


# ---- the broker password -------------------------------------------------

class PasswordBroker(Broker):
    """A mosquitto that lets in only its users (user 'oasis' and any
    others given as {name: password}), with an ACL file if given."""

    def __init__(self, password, users=None, acl=None):
        super().__init__()
        pw = os.path.join(self.dir, "passwords")
        users = dict(users or {}, oasis=password)
        for i, (name, secret) in enumerate(sorted(users.items())):
            subprocess.run(["mosquitto_passwd", "-b"] + (["-c"] if i == 0
                           else []) + [pw, name, secret], check=True,
                           capture_output=True)
        conf = "listener %d 127.0.0.1\nallow_anonymous false\n" \
            "password_file %s\npersistence false\n" % (self.port, pw)
        if acl is not None:
            with open(os.path.join(self.dir, "acl"), "w") as f:
                f.write(acl)
            conf += "acl_file %s\n" % os.path.join(self.dir, "acl")
        # mosquitto started as root reads them as user mosquitto
        os.chmod(self.dir, 0o755)
        for name in os.listdir(self.dir):
            os.chmod(os.path.join(self.dir, name), 0o644)
        with open(self.conf, "w") as f:
            f.write(conf)

    def publish_as(self, topic, payload, password, user="oasis"):
        subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p",
                        str(self.port), "-u", user, "-P", password, "-q",
                        "1", "-t", topic, "-m", payload], check=True,
                       timeout=10)


@test
def the_broker_password_comes_from_a_file_and_is_never_printed():
    password = "pw-%d-secret" % os.getpid()
    broker = PasswordBroker(password).start()
    s = Server()
    pwfile = os.path.join(s.dir, "mqtt-password")
    with open(pwfile, "w") as f:
        f.write(password + "\n")
    os.chmod(pwfile, 0o600)
    s.extra_args = ["--mqtt", "mqtt://oasis@127.0.0.1:%d" % broker.port,
                    "--mqtt-password-file", pwfile]
    s.start()
    try:
        r = s.post("/api/v1/devices", token=s.admin_token,
                   body={"id": "pw-1", "kind": "weather_station"})
        expect(r.status == 201, r)
        wait_for(lambda: "mqtt: connected" in s.server_log())
        # the password is nowhere on the command line ps shows
        with open("/proc/%d/cmdline" % s.proc.pid, "rb") as f:
            expect(password.encode() not in f.read())
        broker.publish_as("oasis/pw-1/telemetry", json.dumps(
            {"ts": NOW, "values": {"air_temp": 7}}), password)
        wait_for(lambda: count_points(s, "pw-1/air_temp") == 1)
    finally:
        s.close()
    # a wrong password: refused, and the log does not show it
    bad = Server()
    bad.extra_args = ["--mqtt", "mqtt://oasis:wrong-%s@127.0.0.1:%d" %
                      (password, broker.port)]
    bad.start()
    try:
        wait_for(lambda: "refused the connection" in bad.server_log())
        expect(password not in bad.server_log(), bad.server_log())
    finally:
        bad.close()
        broker.stop()


@test
def the_acl_of_oasis_mqtt_acl_keeps_each_device_to_its_own_topics():
    s = Server()
    tokens = {}
    for dev in ("acl-1", "acl-2"):
        tokens[dev] = oasis("devices", "add", dev, "--kind",
                            "weather_station", data=s.data).stdout.strip()
    acl = oasis("mqtt-acl", data=s.data).stdout
    expect("user acl-1\ntopic write oasis/acl-1/telemetry\n" in acl, acl)
    expect("user oasis\ntopic read oasis/+/telemetry\n" in acl, acl)
    password = "server-pw-%d" % os.getpid()
    broker = PasswordBroker(password, users=tokens, acl=acl).start()
    pwfile = os.path.join(s.dir, "mqtt-password")
    with open(pwfile, "w") as f:
        f.write(password)
    s.extra_args = ["--mqtt", "mqtt://oasis@127.0.0.1:%d" % broker.port,
                    "--mqtt-password-file", pwfile]
    s.start()
    try:
        wait_for(lambda: "mqtt: connected" in s.server_log())
        # acl-1 may not publish as acl-2: the broker drops it
        broker.publish_as("oasis/acl-2/telemetry", json.dumps(
            {"ts": NOW, "values": {"air_temp": 1}}), tokens["acl-1"],
            user="acl-1")
        broker.publish_as("oasis/acl-1/telemetry", json.dumps(
            {"ts": NOW, "values": {"air_temp": 2}}), tokens["acl-1"],
            user="acl-1")
        wait_for(lambda: count_points(s, "acl-1/air_temp") == 1)
        time.sleep(0.3)
        expect(count_points(s, "acl-2/air_temp") == 0)
    finally:
        s.close()
        broker.stop()


@test
def a_url_password_in_an_error_is_redacted():
    d = Server()
    for url in ("mqtt://oasis:hunter2-secret@", "http://oasis:hunter2-secret@"
                "127.0.0.1:1"):
        p = subprocess.run([OASIS, "serve"] + store_args(d.data) +
                           ["--listen", "127.0.0.1:0", "--mqtt", url],
                           capture_output=True,
                           text=True, timeout=60)
        expect(p.returncode != 0, p)
        expect("hunter2" not in p.stderr + p.stdout, p.stderr)
        expect("oasis:***@" in p.stderr, p.stderr)
    d.close()


if __name__ == "__main__":
    run()

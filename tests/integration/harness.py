"""Black-box test harness: starts the real oasis server on a free loopback
port with a fresh store, talks HTTP to it, and reports TAP.

Each test file defines functions decorated with @test and ends with run().
Only the Python standard library is used (and osgeo where a test writes
vector files with GDAL/OGR)."""

import base64
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

OASIS = os.environ.get("OASIS_BIN") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "oasis")

_tests = []


def test(fn):
    _tests.append(fn)
    return fn


# OASIS_TEST_BACKEND=postgresql runs every Server's store on the PostgreSQL
# server named by OASIS_TEST_PG (make test starts one: tests/pg.sh), in a
# database of its own; the folder keeps the engine's local files.
BACKEND = os.environ.get("OASIS_TEST_BACKEND", "sqlite")
_pg_urls = {}  # a Server's folder -> its database's URL
_pg_made = [0]  # databases made by this process


def pg_url(name):
    """The URL of database `name` on the test server (OASIS_TEST_PG)."""
    base = os.environ["OASIS_TEST_PG"]
    head, _, _ = base.rpartition("/")
    return head + "/" + name


def pg_admin(sql):
    """Run one SQL command on the test server's database (psql)."""
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-d",
                    os.environ["OASIS_TEST_PG"], "-c", sql], check=True,
                   capture_output=True, timeout=60)


def pg_database():
    """A new empty database on the test server; returns its URL."""
    _pg_made[0] += 1
    name = "oasis_it_%d_%d" % (os.getpid(), _pg_made[0])
    pg_admin("CREATE DATABASE " + name)
    return pg_url(name)


def store_args(data):
    """The options naming a store: its folder, and its database if any."""
    args = ["--data", data]
    if data in _pg_urls:
        args += ["--db", _pg_urls[data]]
    return args


def oasis(*args, data=None, check=True, input=None, timeout=120):
    """Run an oasis command; returns CompletedProcess with text output."""
    cmd = [OASIS] + list(args)
    if data is not None:
        cmd += store_args(data)
    p = subprocess.run(cmd, capture_output=True, text=True, input=input,
                       timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError("%s failed (%d): %s" % (" ".join(args),
                                                     p.returncode, p.stderr))
    return p


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def __repr__(self):
        return "<%d %s>" % (self.status, self.body[:300])


_running = []


def _stop_leftovers():
    """Servers a test file left running are stopped when it exits."""
    for s in list(_running):
        try:
            s.stop()
        except Exception:
            pass


import atexit
atexit.register(_stop_leftovers)


class Server:
    """A real `oasis serve` on 127.0.0.1 and a free port, on its own store."""

    def __init__(self, extra_args=(), init=True, unknown_metrics=True):
        self.dir = tempfile.mkdtemp(prefix="oasis-test-")
        self.data = os.path.join(self.dir, "store")
        if BACKEND == "postgresql":
            _pg_urls[self.data] = pg_database()
        self.extra_args = list(extra_args)
        # tests write made-up metric names (t, v, value...): accept them
        # unless a test checks the refusal (test_unknown_metrics.py)
        if unknown_metrics:
            self.extra_args.append("--allow-unknown-metrics")
        self.proc = None
        self.port = None
        self.admin_password = None
        self.admin_token = None
        if init:
            out = oasis("init", data=self.data).stdout
            m = re.search(r"admin login: (\S+) / (\S+)", out)
            assert m, out
            self.admin_password = m.group(2)
            self.admin_token = self.token("admin", "test-admin")

    def token(self, role, name):
        p = oasis("token", "create", "--role", role, "--name", name,
                  data=self.data)
        return p.stdout.strip()

    def start(self):
        self.log = open(os.path.join(self.dir, "server.log"), "w+")
        self.proc = subprocess.Popen(
            [OASIS, "serve"] + store_args(self.data) + ["--listen", "127.0.0.1:0"]
            + self.extra_args, stdout=subprocess.PIPE, stderr=self.log,
            text=True)
        _running.append(self)
        line = self.proc.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not m:
            self.proc.kill()
            raise AssertionError("server did not start: %r %s" %
                                 (line, self.server_log()))
        self.port = int(m.group(1))
        return self

    def server_log(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM):
        """Stop the server; returns its exit status."""
        if not self.proc:
            return None
        if self in _running:
            _running.remove(self)
        self.proc.send_signal(sig)
        try:
            status = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            status = self.proc.wait()
        self.proc.stdout.close()
        self.proc = None
        return status

    def close(self):
        status = self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
        return status

    def request(self, method, path, body=None, token=None, headers=None,
                cookie=None, raw=False):
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        if cookie:
            h["Cookie"] = cookie
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            h.setdefault("Content-Type", "application/json")
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            data = r.read()
            return Response(r.status, r.getheaders(),
                            data if raw else data.decode("utf-8", "replace"))
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)


def basic(user, password):
    return "Basic " + base64.b64encode(
        ("%s:%s" % (user, password)).encode()).decode()


def expect(cond, msg="expectation failed"):
    if not cond:
        raise AssertionError(msg)


def expect_error(r, status, code=None, contains=None):
    expect(r.status == status, "expected %d, got %r" % (status, r))
    err = r.json().get("error")
    expect(err and "message" in err and "code" in err,
           "not a JSON error: %r" % r)
    if code:
        expect(err["code"] == code, "error code %s, expected %s" %
               (err["code"], code))
    if contains:
        expect(contains in err["message"], "message %r lacks %r" %
               (err["message"], contains))
    return err


def run():
    """Run every @test of the calling file; TAP on stdout."""
    print("1..%d" % len(_tests), flush=True)
    failures = 0
    for i, fn in enumerate(_tests, 1):
        start = time.time()
        try:
            fn()
            print("ok %d - %s (%.2fs)" % (i, fn.__name__, time.time() - start),
                  flush=True)
        except Exception:
            failures += 1
            print("not ok %d - %s" % (i, fn.__name__), flush=True)
            for line in traceback.format_exc().splitlines():
                print("# " + line, flush=True)
    sys.exit(1 if failures else 0)


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    """A real mosquitto on 127.0.0.1 and a free port, for one test file."""

    def __init__(self, port=None):
        self.dir = tempfile.mkdtemp(prefix="oasis-mqtt-")
        self.port = port or free_port()
        self.conf = os.path.join(self.dir, "mosquitto.conf")
        with open(self.conf, "w") as f:
            f.write("listener %d 127.0.0.1\nallow_anonymous true\n"
                    "persistence false\n" % self.port)
        self.proc = None

    def start(self):
        self.log = open(os.path.join(self.dir, "broker.log"), "w")
        self.proc = subprocess.Popen(["mosquitto", "-c", self.conf],
                                     stdout=self.log, stderr=self.log)
        deadline = time.time() + 10
        import socket
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError("mosquitto did not start")

    @property
    def url(self):
        return "mqtt://127.0.0.1:%d" % self.port

    def publish(self, topic, payload, qos=1):
        subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p",
                        str(self.port), "-q", str(qos), "-t", topic, "-m",
                        payload], check=True, timeout=10)

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def wait_for(fn, timeout=15, every=0.1):
    """Call fn until it returns a true value, or fail after timeout."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(every)
    raise AssertionError("timed out waiting")


class EventStream:
    """A client of GET /api/v1/stream (server-sent events) on port, as
    token, from just after last_id if given.  The connection's 10 s
    timeout bounds each wait."""

    def __init__(self, port, token, query="", last_id=None):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        headers = {"Authorization": "Bearer " + token}
        if last_id is not None:
            headers["Last-Event-ID"] = str(last_id)
        self.conn.request("GET", "/api/v1/stream" + query, headers=headers)
        self.resp = self.conn.getresponse()
        expect(self.resp.status == 200, self.resp.status)
        expect(self.resp.getheader("Content-Type") == "text/event-stream")

    def next_event(self):
        """The next event as (id, type, data); comments are skipped; None
        when the server ends the stream."""
        ev = {}
        while True:
            line = self.resp.fp.readline().decode()
            if line == "":
                return None
            line = line.rstrip("\n")
            if line == "":
                if "data" in ev:
                    return (int(ev.get("id", 0)), ev.get("event"),
                            json.loads(ev["data"]))
                ev = {}
                continue
            if line.startswith(":"):
                continue
            key, _, value = line.partition(": ")
            ev[key] = value

    def next_of(self, kind):
        """The next event of this type as (id, data), or None."""
        while True:
            ev = self.next_event()
            if ev is None:
                return None
            if ev[1] == kind:
                return ev[0], ev[2]

    def close(self):
        self.conn.close()

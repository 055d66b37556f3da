"""Throwaway peers of the sensor benchmarks: an InfluxDB 1.x server and a
PostgreSQL cluster, each in a temporary folder on free loopback ports and
stopped at the end (never the system's services); SQLite through its
command-line shell.  Also the HTTP client the writes share (batches from
concurrent keep-alive connections) and an `oasis serve` runner."""
import http.client
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse

PG_BIN = "/usr/lib/postgresql/15/bin"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def installed(pkg):
    return subprocess.run(["dpkg", "-s", pkg], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def ensure_packages(pkgs):
    """Install the missing Debian packages if we may (root); returns the
    ones still missing."""
    missing = [p for p in pkgs if not installed(p)]
    if missing and os.geteuid() == 0:
        print("  installing %s with apt-get ..." % " ".join(missing), flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "install", "-y"] + missing, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        missing = [p for p in pkgs if not installed(p)]
    return missing


def wait_http(port, path, ok=(200, 204), timeout=30.0):
    end = time.time() + timeout
    while time.time() < end:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", path)
            r = c.getresponse()
            r.read()
            c.close()
            if r.status in ok:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("nothing answers on 127.0.0.1:%d%s" % (port, path))


def proc_memory(pid):
    """VmRSS and VmHWM of a process, in bytes."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                k, v = line.split(":", 1)
                out[k] = int(v.split()[0]) * 1024
    return out["VmRSS"], out["VmHWM"]


def proc_cpu(pid):
    """CPU seconds (user + system, all threads) a process has used: on a
    shared machine a steadier measure of work than wall time."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def dir_bytes(path, suffix=None):
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            if suffix and not name.endswith(suffix):
                continue
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def du_bytes(path):
    """`du -sb`: apparent size of everything under path."""
    out = subprocess.run(["du", "-sb", path], check=True, capture_output=True,
                         text=True).stdout
    return int(out.split()[0])


# ---- concurrent HTTP clients ------------------------------------------------------

def fan_out(port, requests, clients=4):
    """Send every (method, path, body, headers) request, `clients` keep-alive
    connections at once, each taking the next request when it has its
    answer; every answer must be 2xx.  Returns the wall time from the first
    request to the last answer."""
    lock = threading.Lock()
    state = {"next": 0, "error": None}

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        while True:
            with lock:
                i = state["next"]
                state["next"] += 1
            if i >= len(requests) or state["error"]:
                break
            method, path, body, headers = requests[i]
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            answer = r.read()
            if not 200 <= r.status < 300:
                state["error"] = "%s %s: %d %s" % (method, path, r.status,
                                                    answer[:300])
                break
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.perf_counter() - start
    if state["error"]:
        raise RuntimeError(state["error"])
    return secs


def post_batches(port, path, batches, headers=None, clients=4):
    """POST line-protocol batches from `clients` connections; wall time."""
    headers = dict(headers or {})
    headers["Content-Type"] = "text/plain; charset=utf-8"
    return fan_out(port, [("POST", path, b, headers) for b in batches],
                   clients)


class KeepAlive:
    """One keep-alive connection timing GETs (round trip on loopback)."""

    def __init__(self, port, headers=None):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = headers or {}

    def get(self, path):
        start = time.perf_counter()
        self.conn.request("GET", path, headers=self.headers)
        r = self.conn.getresponse()
        body = r.read()
        secs = time.perf_counter() - start
        if not 200 <= r.status < 300:
            raise RuntimeError("GET %s: %d %s" % (path, r.status, body[:300]))
        return secs, body

    def close(self):
        self.conn.close()


# ---- oasis serve --------------------------------------------------------------

class OasisServer:
    def __init__(self, oasis, store, extra=()):
        self.proc = subprocess.Popen(
            [oasis, "serve", "--data", store, "--listen", "127.0.0.1:0"] +
            list(extra), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"127\.0\.0\.1:(\d+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError("oasis serve did not start: %r" % line)
        self.port = int(m.group(1))
        self.pid = self.proc.pid

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# ---- InfluxDB 1.x -----------------------------------------------------------

INFLUX_CONF = """reporting-disabled = true
bind-address = "127.0.0.1:{rpc}"

[meta]
  dir = "{dir}/meta"

[data]
  dir = "{dir}/data"
  wal-dir = "{dir}/wal"
  query-log-enabled = false
  cache-snapshot-write-cold-duration = "5s"
  compact-full-write-cold-duration = "10s"

[monitor]
  store-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:{port}"
  log-enabled = false

[continuous_queries]
  enabled = false
"""


class Influx:
    """influxd -config FILE with everything in a temporary folder.  The
    defaults are kept except: no reporting, no _internal monitoring
    database, no request log, and cold shards snapshotted after 5 s and
    fully compacted after 10 s without writes (defaults 10 min and 4 h) so
    that sizes are measured on compacted files."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="oasis-bench-influx-")
        self.port = free_port()
        conf = os.path.join(self.dir, "influxdb.conf")
        with open(conf, "w") as f:
            f.write(INFLUX_CONF.format(dir=self.dir, port=self.port,
                                       rpc=free_port()))
        self.log = open(os.path.join(self.dir, "influxd.log"), "wb")
        self.proc = subprocess.Popen(["influxd", "-config", conf],
                                     stdout=self.log, stderr=self.log)
        self.pid = self.proc.pid
        wait_http(self.port, "/ping")

    def query(self, q, db=None, method="POST"):
        params = {"q": q}
        if db:
            params["db"] = db
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        body = urllib.parse.urlencode(params)
        if method == "POST":
            c.request("POST", "/query", body=body, headers={
                "Content-Type": "application/x-www-form-urlencoded"})
        else:
            c.request("GET", "/query?" + body)
        r = c.getresponse()
        data = r.read()
        c.close()
        if r.status != 200 or b'"error"' in data:
            raise RuntimeError("influx %s: %d %s" % (q, r.status, data[:300]))
        return json.loads(data)

    def fresh_db(self, db):
        self.query("DROP DATABASE %s" % db)
        self.query("CREATE DATABASE %s" % db)

    def write(self, db, batches, clients=4):
        return post_batches(self.port, "/write?db=%s&precision=ns" % db,
                            batches, clients=clients)

    def write_cpu(self, db, batches, clients=4):
        """write(), and the CPU seconds influxd used meanwhile."""
        cpu = proc_cpu(self.proc.pid)
        secs = self.write(db, batches, clients)
        return secs, proc_cpu(self.proc.pid) - cpu

    def db_bytes(self, db):
        """(.tsm bytes, data+wal bytes) of a database."""
        data = os.path.join(self.dir, "data", db)
        wal = os.path.join(self.dir, "wal", db)
        return dir_bytes(data, ".tsm"), dir_bytes(data) + dir_bytes(wal)

    def tsm_files(self, db):
        """shard/file names of the .tsm files (generation-sequence.tsm)."""
        data = os.path.join(self.dir, "data", db)
        return sorted(os.path.relpath(os.path.join(r, n), data)
                      for r, _, fs in os.walk(data) for n in fs
                      if n.endswith(".tsm"))

    def wait_compacted(self, db, timeout=180.0):
        """Wait until the database's WAL is snapshotted and its shards fully
        compacted (cold): no WAL segment holds data, no compaction is in
        flight, and the .tsm files stopped changing.  Returns seconds
        waited, or None on timeout."""
        start = time.time()
        data = os.path.join(self.dir, "data", db)
        wal = os.path.join(self.dir, "wal", db)
        last, stable = None, 0
        while time.time() - start < timeout:
            time.sleep(2)
            names = [n for _, _, fs in os.walk(data) for n in fs]
            busy = any(n.endswith((".tmp", ".tsm.tmp")) for n in names)
            walb = dir_bytes(wal, ".wal")
            tsm = sorted((n, os.path.getsize(os.path.join(r, n)))
                         for r, _, fs in os.walk(data) for n in fs
                         if n.endswith(".tsm"))
            if not busy and walb == 0 and tsm and tsm == last:
                stable += 1
                if stable >= 3 and time.time() - start > 20:
                    return time.time() - start
            else:
                stable = 0
            last = tsm
        return None

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


# ---- PostgreSQL ---------------------------------------------------------------

class Postgres:
    """A throwaway cluster (initdb) on a free loopback port, its socket in
    its own folder; run as the postgres user when we are root.  Server
    settings are the defaults (fsync on, shared_buffers 128 MB)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="oasis-bench-pg-")
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        self.as_user = []
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        subprocess.run(self.as_user + [
            os.path.join(PG_BIN, "initdb"), "-D", self.data, "-U", "postgres",
            "-A", "trust", "-E", "UTF8"], check=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run(self.as_user + [
            os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-w", "-l",
            os.path.join(self.dir, "server.log"), "-o",
            "-p %d -k %s -c listen_addresses=127.0.0.1" % (self.port, self.dir),
            "start"], check=True, stdout=subprocess.DEVNULL)

    def psql_cmd(self, sql):
        return ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                "-p", str(self.port), "-U", "postgres", "-d", "postgres",
                "-c", sql]

    def sql(self, sql):
        return subprocess.run(self.psql_cmd(sql) + ["-A", "-t"], check=True,
                              capture_output=True, text=True).stdout.strip()

    def fresh_table(self):
        self.sql("DROP TABLE IF EXISTS points; CREATE TABLE points ("
                 "series integer NOT NULL, ts bigint NOT NULL, "
                 "value double precision NOT NULL, PRIMARY KEY (series, ts))")

    def copy_cmd(self, csv):
        return self.psql_cmd("\\copy points FROM '%s' CSV" % csv)

    def table_bytes(self):
        return int(self.sql("SELECT pg_total_relation_size('points')"))

    def stop(self):
        subprocess.run(self.as_user + [
            os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-w", "-m", "fast",
            "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.dir, ignore_errors=True)


# ---- SQLite ---------------------------------------------------------------------

SQLITE_CACHE = "PRAGMA cache_size=-262144;"   # 256 MB of page cache
SQLITE_SCHEMA = ("CREATE TABLE points(series INTEGER, ts INTEGER, value REAL, "
                 "PRIMARY KEY(series, ts)) WITHOUT ROWID;")


def sqlite_import_cmd(db, csv):
    """The sqlite3 shell: create the table, then `.import --csv` (one
    transaction; default journal and synchronous=FULL; a 256 MB page cache
    instead of the default 2 MB, without which the random inserts of the
    key spill pages to the file over and over and take half as long
    again)."""
    return ["sqlite3", db, SQLITE_CACHE, SQLITE_SCHEMA, ".import --csv %s points" % csv]

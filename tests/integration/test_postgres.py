"""Oasis on PostgreSQL, end to end: init, a token, plots imported and
listed by bbox, a device, a bulk ingest and a query from the command line,
then the server: writes and queries over HTTP, kill -9 during writes and
every acknowledged point still there; and on a cluster of its own, a fast
shutdown of PostgreSQL during writes from several clients (writes go on
being acknowledged through the local write-ahead log), PostgreSQL started
again, then kill -9 of Oasis: no acknowledged point lost, the checkpoints
retried into PostgreSQL once it is back.  Needs OASIS_TEST_PG (make test
starts a throwaway server: tests/pg.sh); without it the file skips."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import harness
from harness import Server, expect, oasis, run, test

if not os.environ.get("OASIS_TEST_PG"):
    print("1..0 # SKIP OASIS_TEST_PG is not set (make test sets it)")
    sys.exit(0)

T0 = 1780000000000  # a fixed instant: no test depends on today's date
SQUARE = [[86.2, 44.3], [86.204, 44.3], [86.204, 44.304], [86.2, 44.304],
          [86.2, 44.3]]


def new_store():
    """A fresh database and a local folder, as the command line takes them."""
    folder = tempfile.mkdtemp(prefix="oasis-test-pgcli-")
    return folder, harness.pg_database()


def run_cli(folder, url, *args, check=True, input=None):
    return oasis(*args, "--db", url, "--data", folder, check=check,
                 input=input)


def plots_file(folder):
    path = os.path.join(folder, "plots.geojson")
    features = []
    for i, dx in enumerate((0, 0.01, 0.5)):
        ring = [[x + dx, y] for x, y in SQUARE]
        features.append({"type": "Feature",
                         "properties": {"code": "P%d" % (i + 1),
                                        "crop": "cotton"},
                         "geometry": {"type": "Polygon",
                                      "coordinates": [ring]}})
    with open(path, "w") as f:
        json.dump({"type": "FeatureCollection", "features": features}, f)
    return path


@test
def the_command_line_on_postgresql():
    folder, url = new_store()
    out = run_cli(folder, url, "init").stdout
    expect("admin login" in out, out)
    p = run_cli(folder, url, "init", check=False)
    expect(p.returncode != 0 and "already has users" in p.stderr, p.stderr)
    token = run_cli(folder, url, "token", "create", "--role", "operator",
                    "--name", "ops").stdout.strip()
    expect(token.startswith("oa_"), token)
    run_cli(folder, url, "plots", "import", plots_file(folder))
    listed = run_cli(folder, url, "plots", "list", "--format", "csv",
                     "--bbox", "86.19,44.29,86.215,44.31").stdout
    codes = re.findall(r"^(P\d)", listed, re.M)
    expect(codes == ["P1", "P2"], listed)
    run_cli(folder, url, "devices", "add", "sp-1", "--kind", "soil_probe",
            "--plot", "P1")
    lines = "\n".join("soil,device=sp-1 moisture=%g %d" %
                      (0.2 + i / 1000, T0 + i * 60000) for i in range(500))
    run_cli(folder, url, "ingest", "-", "--precision", "ms",
            "--allow-unknown-metrics", input=lines)
    got = run_cli(folder, url, "query", "--series", "sp-1/moisture", "--from",
                  str(T0), "--to", str(T0 + 500 * 60000)).stdout
    rows = got.strip().splitlines()
    expect(len(rows) == 501, got[-300:])
    expect(rows[-1].endswith("0.699"), rows[-1])
    shutil.rmtree(folder, ignore_errors=True)


@test
def passwords_come_from_files_and_are_never_printed():
    """The test server wants a password (tests/pg.sh): from PGPASSFILE, or
    --data-password-file; a password in the URL is never printed."""
    folder, url = new_store()
    run_cli(folder, url, "init")  # PGPASSFILE: the cluster's pgpass
    password_file = os.path.join(os.path.dirname(os.environ["PGPASSFILE"]),
                                 "password")
    empty = os.path.join(folder, "empty.pgpass")
    open(empty, "w").close()
    os.chmod(empty, 0o600)
    env = dict(os.environ, PGPASSFILE=empty, HOME=folder)

    def cli(*args):
        return subprocess.run([harness.OASIS, "plots", "list", "--data",
                               folder] + list(args), capture_output=True,
                              text=True, env=env, timeout=60)

    p = cli("--db", url)
    expect(p.returncode != 0 and "password" in p.stderr and
           "--data-password-file" in p.stderr, p.stderr)
    p = cli("--db", url, "--data-password-file", password_file)
    expect(p.returncode == 0, p.stderr)
    p = cli("--db", url, "--data-password-file", "/no/such/file")
    expect(p.returncode != 0 and "/no/such/file" in p.stderr, p.stderr)
    wrong = url.replace("postgres@", "postgres:hunter2@")
    p = cli("--db", wrong)
    expect(p.returncode != 0 and "hunter2" not in p.stderr and
           "postgres:***@" in p.stderr, p.stderr)
    p = cli("--db", url + "?password=hunter2&sslmode=disable")
    expect(p.returncode != 0 and "hunter2" not in p.stderr and
           "password=***&sslmode=disable" in p.stderr, p.stderr)
    # OASIS_DATA names the store when --data is not given
    env["OASIS_DATA"] = url
    env["PGPASSFILE"] = os.environ["PGPASSFILE"]
    p = subprocess.run([harness.OASIS, "plots", "list"], capture_output=True,
                       text=True, env=env, timeout=60, cwd=folder)
    expect(p.returncode == 0, p.stderr)
    shutil.rmtree(folder, ignore_errors=True)


@test
def serve_writes_queries_and_survives_kill_9():
    harness.BACKEND = "postgresql"
    s = Server().start()
    body = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "P1"},
         "geometry": {"type": "Polygon", "coordinates": [SQUARE]}}]}
    r = s.post("/api/v1/plots", body=body, token=s.admin_token)
    expect(r.status == 201, r)
    r = s.post("/api/v1/devices", token=s.admin_token,
               body={"id": "ws-1", "kind": "weather_station", "plot": "P1"})
    expect(r.status == 201, r)
    tok = r.json()["token"]
    acked = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(k):
        i = 0
        while not stop.is_set() and i < 400:
            ts = T0 + (k * 100000 + i) * 1000
            line = "weather,device=ws-1 air_temp=%d %d" % (i % 40,
                                                         ts * 1000000)
            try:
                r = s.post("/api/v1/write", body=line, token=tok)
            except Exception:
                return  # the server is gone
            if r.status == 204:
                with lock:
                    acked.append(ts)
            i += 1

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    harness.wait_for(lambda: len(acked) >= 150, timeout=60)
    s.stop(signal.SIGKILL)
    stop.set()
    for t in threads:
        t.join()
    s.start()
    got = s.get("/api/v1/query?series=ws-1/air_temp&from=%d&to=%d" %
                (T0, T0 + 400000 * 1000), token=s.admin_token)
    expect(got.status == 200, got)
    have = {v[0] for v in got.json()["values"]}
    missing = [ts for ts in acked if ts not in have]
    expect(not missing, "%d of %d acknowledged points lost" %
           (len(missing), len(acked)))
    status = s.stop()
    expect(status == 0, s.server_log()[-1500:])
    s.close()


TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class OwnCluster:
    """A PostgreSQL cluster of this test alone (tests/pg.sh start), so that
    it can be shut down and started again; its password joins the test
    server's in one pgpass file."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="oasis-test-pgown-")
        os.chmod(self.dir, 0o755)  # the cluster's owner goes through it
        url = subprocess.run([os.path.join(TESTS, "pg.sh"), "start",
                              os.path.join(self.dir, "pg")], check=True,
                             capture_output=True, text=True).stdout.strip()
        self.url = url.rpartition("/")[0] + "/oasis_test"
        self.data = os.path.join(self.dir, "pg", "data")
        self.bin = "/usr/lib/postgresql/15/bin"
        pgpass = os.path.join(self.dir, "pgpass")
        with open(pgpass, "w") as out:
            for path in (os.environ["PGPASSFILE"],
                         os.path.join(self.dir, "pg", "pgpass")):
                with open(path) as f:
                    out.write(f.read())
        os.chmod(pgpass, 0o600)
        os.environ["PGPASSFILE"] = pgpass

    def pg_ctl(self, *args):
        owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 \
            else []
        subprocess.run(owner + [os.path.join(self.bin, "pg_ctl"), "-D",
                                self.data, "-w", "-t", "60"] + list(args),
                       check=True, capture_output=True, timeout=90)

    def start_again(self):
        """pg_ctl start with the options tests/pg.sh gave it."""
        pg = os.path.join(self.dir, "pg")
        with open(os.path.join(pg, "port")) as f:
            port = f.read().strip()
        self.pg_ctl("start", "-l", os.path.join(pg, "server.log"), "-o",
                    "-c listen_addresses=127.0.0.1 -p %s -c "
                    "unix_socket_directories=%s -c fsync=off -c "
                    "max_connections=200 -c shared_buffers=64MB" % (port, pg))

    def close(self):
        subprocess.run([os.path.join(TESTS, "pg.sh"), "stop",
                        os.path.join(self.dir, "pg")], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def writers(s, tok, n, statuses, acked, stop):
    """n clients writing a point each request (distinct times); each
    acknowledged time goes to acked, every status to statuses."""
    lock = threading.Lock()

    def one(k):
        i = 0
        while not stop.is_set() and i < 5000:
            ts = T0 + (k * 1000000 + i) * 1000
            line = "soil,device=sp-1 moisture=%d %d" % (i % 50, ts * 1000000)
            try:
                r = s.post("/api/v1/write", body=line, token=tok)
                status = r.status
            except Exception:
                status = 0  # the server is gone (kill -9)
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status == 204:
                    acked.append(ts)
            if status == 0:
                return
            i += 1
            time.sleep(0.002)

    threads = [threading.Thread(target=one, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    return threads


@test
def a_postgresql_shutdown_and_kill_9_lose_no_acknowledged_point():
    cluster = OwnCluster()
    try:
        shutdown_and_kill(cluster)
    finally:
        cluster.close()


def shutdown_and_kill(cluster):
    s = Server(init=False)
    harness._pg_urls[s.data] = cluster.url
    out = oasis("init", data=s.data).stdout
    expect("admin login" in out, out)
    admin = s.token("admin", "test-admin")
    s.start()
    r = s.post("/api/v1/devices", token=admin,
               body={"id": "sp-1", "kind": "soil_probe"})
    expect(r.status == 201, r)
    tok = r.json()["token"]
    statuses, acked, stop = {}, [], threading.Event()
    threads = writers(s, tok, 3, statuses, acked, stop)
    harness.wait_for(lambda: len(acked) >= 100, timeout=60)
    cluster.pg_ctl("stop", "-m", "fast")
    during = len(acked)
    time.sleep(2)
    during = len(acked) - during
    cluster.start_again()
    after = len(acked)
    try:
        harness.wait_for(lambda: len(acked) >= after + 100, timeout=60)
    except AssertionError:
        stop.set()
        raise AssertionError("writes not acknowledged once PostgreSQL was "
                             "back: %s %s" % (statuses,
                                              s.server_log()[-2000:]))
    s.stop(signal.SIGKILL)
    stop.set()
    for t in threads:
        t.join()
    # while PostgreSQL was down, writes went on being acknowledged (the
    # local write-ahead log; the device's token answered by the token
    # cache, confirmed by the store less than 30 s before), nothing else
    # than 204, or 503 for a request caught in the shutdown itself
    expect(set(statuses) <= {204, 503, 0}, statuses)
    expect(during > 0, "no write acknowledged while PostgreSQL was down:"
           " %s" % statuses)
    print("# while PostgreSQL was down: %d writes acknowledged; in all %s"
          % (during, statuses))
    print("# " + "\n# ".join(l for l in s.server_log().splitlines()
                             if "PostgreSQL" in l or "503" in l)[-1500:])
    s.start()
    got = s.get("/api/v1/query?series=sp-1/moisture&from=%d&to=%d" %
                (T0, T0 + 3000000 * 1000), token=admin)
    expect(got.status == 200, got)
    have = {v[0] for v in got.json()["values"]}
    missing = [ts for ts in acked if ts not in have]
    expect(not missing, "%d of %d acknowledged points lost" %
           (len(missing), len(acked)))
    expect(s.stop() == 0, s.server_log()[-1500:])
    # every point reached PostgreSQL: a server with an empty local folder
    # (no write-ahead log) on the same database finds them all
    shutil.rmtree(s.data)
    os.makedirs(s.data)
    s.start()
    got = s.get("/api/v1/query?series=sp-1/moisture&from=%d&to=%d" %
                (T0, T0 + 3000000 * 1000), token=admin)
    have = {v[0] for v in got.json()["values"]}
    missing = [ts for ts in acked if ts not in have]
    expect(not missing, "%d of %d acknowledged points not in PostgreSQL" %
           (len(missing), len(acked)))
    s.close()


run()

"""The HTTP server's resource limits (docs/SECURITY.md, "HTTP limits"):
requests are admitted on their headers before a byte of body is read, the
bodies held by all requests together stay under --max-buffered, gzip bodies
inflate under --max-inflated (every member, nothing after), a write holds
at most --max-batch-points points, one address cannot starve the others of
connections, and static files never leave the web root.

Sockets here are raw where the point is what the server does before the
client has sent everything; all of them are loopback and closed."""
import gzip
import http.client
import os
import resource
import select
import shutil
import socket
import tempfile
import time
import zlib

from harness import EventStream, Server, expect, expect_error, run, test

NOW_MS = int(time.time() * 1000)
HOUR = 3600 * 1000


def rss_mb(s):
    with open("/proc/%d/status" % s.proc.pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise AssertionError("no VmRSS")


def lp(device, i, value=1.0):
    return "w,device=%s t=%s %d" % (device, value, (NOW_MS - HOUR + i) * 10**6)


def with_device(s, dev="ws-1"):
    r = s.post("/api/v1/devices", token=s.admin_token,
               body={"id": dev, "kind": "weather_station"})
    expect(r.status == 201, r)
    return r.json()["token"]


def head(path, length, token=None, method="POST", extra=""):
    h = "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n" % (method, path)
    if token:
        h += "Authorization: Bearer %s\r\n" % token
    if length is not None:
        h += "Content-Length: %d\r\n" % length
    return (h + extra + "\r\n").encode()


def open_socket(port, source="127.0.0.1", timeout=10):
    c = socket.socket()
    c.settimeout(timeout)
    c.bind((source, 0))
    c.connect(("127.0.0.1", port))
    return c


def read_answer(c, timeout=5):
    """The status and headers of the answer on c (raises on timeout)."""
    c.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        got = c.recv(65536)
        if not got:
            break
        data += got
    expect(data, "no answer")
    lines = data.split(b"\r\n\r\n")[0].decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in
               (x.partition(":") for x in lines[1:])}
    return status, headers, data.split(b"\r\n\r\n", 1)[1]


def send_some(c, n, chunk=1 << 16):
    """Send up to n bytes of body; stop quietly when the server hung up."""
    c.settimeout(2)
    sent = 0
    try:
        while sent < n:
            sent += c.send(b"x" * min(chunk, n - sent))
    except OSError:
        pass
    return sent


@test
def unauthenticated_big_bodies_are_refused_before_upload():
    s = Server().start()
    try:
        viewer = s.token("viewer", "v")
        token = with_device(s)
        time.sleep(0.5)
        before = rss_mb(s)
        socks = []
        for i in range(20):
            c = open_socket(s.port)
            c.sendall(head("/api/v1/write", 60_000_000))
            status, _, body = read_answer(c)
            expect(status == 401, "socket %d: %d %r" % (i, status, body))
            socks.append(c)
        for c in socks:
            send_some(c, 4 << 20)
        time.sleep(0.5)
        grown = rss_mb(s) - before
        for c in socks:
            c.close()
        expect(grown < 20, "RSS grew by %.0f MB" % grown)
        # the wrong role, and a body announced over the limit, likewise
        c = open_socket(s.port)
        c.sendall(head("/api/v1/write", 1000, viewer))
        expect(read_answer(c)[0] == 403)
        c.close()
        c = open_socket(s.port)
        c.sendall(head("/api/v1/write", 65 << 20, token))
        status, _, body = read_answer(c)
        expect(status == 413 and b"67108864" in body, body)
        c.close()
        # an open route takes small bodies only
        c = open_socket(s.port)
        c.sendall(head("/api/v1/login", 1 << 20))
        expect(read_answer(c)[0] == 413)
        c.close()
        # and the server goes on serving
        expect(s.post("/api/v1/write", body=lp("ws-1", 0), token=token)
               .status == 204)
    finally:
        s.close()


def exact_lp(device, size):
    """Line protocol of exactly size bytes (a comment pads it)."""
    lines, i, n = [], 0, 0
    while n + 200 < size:
        lines.append(lp(device, i) + "\n")
        n += len(lines[-1])
        i += 1
    return ("".join(lines) + "#" + "p" * (size - n - 1)).encode()


@test
def the_budget_for_bodies_is_shared_and_answers_503():
    s = Server(extra_args=["--max-buffered", "1M", "--max-body", "900K"])
    s.start()
    try:
        token = with_device(s)
        body_a = exact_lp("ws-1", 800_000)
        a = open_socket(s.port)
        a.sendall(head("/api/v1/write?precision=ns", len(body_a), token))
        a.sendall(body_a[:1000])
        time.sleep(0.3)
        # the budget is held by a: b does not fit
        b = open_socket(s.port)
        b.sendall(head("/api/v1/write", 300_000, token))
        status, headers, body = read_answer(b)
        b.close()
        expect(status == 503, "%d %r" % (status, body))
        expect(headers.get("retry-after", "").isdigit(), headers)
        expect(b"--max-buffered" in body, body)
        # a chunked body meets the budget as it arrives
        r = chunked_post(s, "/api/v1/write", [b"#" * 100_000] * 3, token)
        expect_error(r, 503)
        a.sendall(body_a[1000:])
        status, _, body = read_answer(a)
        a.close()
        expect(status == 204, "%d %r" % (status, body))
        # once a is done the budget is free again
        r = s.post("/api/v1/write?precision=ns", body=exact_lp("ws-1", 300_000),
                   token=token)
        expect(r.status == 204, r)
    finally:
        s.close()


def chunked_post(s, path, chunks, token):
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
    try:
        conn.request("POST", path, body=iter(chunks), encode_chunked=True,
                     headers={"Authorization": "Bearer " + token,
                              "Transfer-Encoding": "chunked"})
        r = conn.getresponse()
        from harness import Response
        return Response(r.status, r.getheaders(), r.read().decode())
    finally:
        conn.close()


@test
def an_over_long_chunked_body_gets_413():
    s = Server(extra_args=["--max-body", "64K"]).start()
    try:
        token = with_device(s)
        r = chunked_post(s, "/api/v1/write", [b"#" * 10_000] * 10, token)
        expect_error(r, 413, "too_large", contains="65536")
        r = chunked_post(s, "/api/v1/write",
                         [(lp("ws-1", i) + "\n").encode() for i in range(50)],
                         token)
        expect(r.status == 204, r)
    finally:
        s.close()


def gzip_bomb(megabytes):
    z = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\n" * (1 << 20)
    out = [z.compress(block) for _ in range(megabytes)]
    out.append(z.flush())
    return b"".join(out)


@test
def gzip_bodies_inflate_under_a_limit_in_bounded_memory():
    s = Server(extra_args=["--max-body", "1M"]).start()
    try:
        token = with_device(s)
        bomb = gzip_bomb(500)
        expect(len(bomb) < (1 << 20), len(bomb))
        time.sleep(0.3)
        before = rss_mb(s)
        start = time.time()
        r = s.post("/api/v1/write", body=bomb, token=token,
                   headers={"Content-Encoding": "gzip"})
        took = time.time() - start
        grown = rss_mb(s) - before
        expect_error(r, 413, "too_large", contains="--max-inflated")
        expect("4194304" in r.body, r)
        expect(took < 5, "took %.1f s" % took)
        expect(grown < 40, "RSS grew by %.0f MB" % grown)
        # line protocol is parsed as it inflates: more than the budget holds
        s3 = Server(extra_args=["--max-body", "1M", "--max-buffered", "2M"])
        s3.start()
        try:
            tok3 = with_device(s3)
            text = "".join(lp("ws-1", i) + "\n" for i in range(80000))
            expect(len(text) > 3 << 20, len(text))
            r = s3.post("/api/v1/write?precision=ns", token=tok3,
                        body=gzip.compress(text.encode()),
                        headers={"Content-Encoding": "gzip"})
            expect(r.status == 204, r)
        finally:
            s3.close()
        # --max-inflated sets the limit itself
        s2 = Server(extra_args=["--max-inflated", "64K"]).start()
        try:
            body = gzip.compress(b"#" * 70_000)
            r = s2.post("/api/v1/write", body=body, token=s2.admin_token,
                        headers={"Content-Encoding": "gzip"})
            expect_error(r, 413, contains="65536")
        finally:
            s2.close()
    finally:
        s.close()


@test
def every_gzip_member_is_read_and_nothing_after_the_last():
    s = Server().start()
    try:
        token = with_device(s)
        gz = {"Content-Encoding": "gzip"}
        body = (gzip.compress((lp("ws-1", 0, 1.5) + "\n").encode()) +
                gzip.compress(lp("ws-1", 1, 2.5).encode()))
        r = s.post("/api/v1/write?precision=ns", body=body, token=token,
                   headers=gz)
        expect(r.status == 204, r)
        r = s.get("/api/v1/query?series=ws-1/t&from=%d&to=%d" %
                  (NOW_MS - 2 * HOUR, NOW_MS), token=s.admin_token)
        expect(r.status == 200, r)
        values = [v[1] for v in r.json()["values"]]
        expect(values == [1.5, 2.5], values)
        # a body inflating past a piece: lines are numbered across pieces
        text = "".join(lp("ws-1", i) + "\n" for i in range(40000))
        r = s.post("/api/v1/write", token=token, headers=gz,
                   body=gzip.compress((text + "w,device=ws-1 t=x\n").encode()))
        expect_error(r, 400, contains="line 40001")
        one = gzip.compress(lp("ws-1", 2).encode())
        for tail in (b"garbage", b"\0\0\0\0", b"\x1f"):
            r = s.post("/api/v1/write", body=one + tail, token=token,
                       headers=gz)
            expect_error(r, 400, contains="gzip")
        expect_error(s.post("/api/v1/write", body=one[:-5], token=token,
                            headers=gz), 400, contains="truncated")
    finally:
        s.close()


@test
def a_write_holds_at_most_max_batch_points():
    s = Server(extra_args=["--max-batch-points", "1000"]).start()
    try:
        token = with_device(s)
        text = "\n".join(lp("ws-1", i) for i in range(1001))
        r = s.post("/api/v1/write", body=text, token=token)
        expect_error(r, 413, "too_large", contains="--max-batch-points")
        expect("1000" in r.body, r)
        items = [{"device": "ws-1", "ts": NOW_MS - i, "values": {"t": 1}}
                 for i in range(1001)]
        expect_error(s.post("/api/v1/telemetry", body=items, token=token),
                     413, contains="--max-batch-points")
        text = "\n".join(lp("ws-1", i) for i in range(1000))
        expect(s.post("/api/v1/write", body=text, token=token).status == 204)
    finally:
        s.close()


def health_ms(port):
    start = time.time()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/api/v1/health")
        r = conn.getresponse()
        r.read()
        expect(r.status == 200, r.status)
    finally:
        conn.close()
    return (time.time() - start) * 1000


def hostile_sockets(port, n, source):
    """n sockets from source: half idle, half sending headers slowly."""
    socks = []
    for i in range(n):
        c = socket.socket()
        c.setblocking(False)
        c.bind((source, 0))
        try:
            c.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        socks.append(c)
    return socks


def dribble(socks, seconds):
    """Slowloris: a byte of header now and then on every other socket."""
    end = time.time() + seconds
    while time.time() < end:
        for c in socks[1::2]:
            try:
                c.send(b"X")
            except OSError:
                pass
        time.sleep(0.2)


@test
def health_answers_fast_with_2000_hostile_sockets_from_one_address():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 4096:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(4096, hard), hard))
    s = Server().start()
    socks = []
    try:
        socks = hostile_sockets(s.port, 2000, "127.0.0.2")
        for c in socks[1::2]:
            try:
                c.send(b"GET / HTTP/1.1\r\nHost: x\r\n")
            except OSError:
                pass
        dribble(socks, 1)
        times = []
        for _ in range(20):
            times.append(health_ms(s.port))
            dribble(socks, 0.05)
        times.sort()
        expect(times[-1] < 100, "health took %s ms" %
               ", ".join("%.0f" % t for t in times[-5:]))
    finally:
        for c in socks:
            c.close()
        s.close()


def closed_by_server(c):
    ready, _, _ = select.select([c], [], [], 2)
    if not ready:
        return False
    try:
        return c.recv(1) == b""
    except ConnectionResetError:
        return True


@test
def a_connection_must_send_its_headers_in_time():
    s = Server(extra_args=["--header-timeout", "2"]).start()
    idle, slow = [], []
    try:
        idle = [open_socket(s.port, "127.0.0.2") for _ in range(5)]
        slow = [open_socket(s.port, "127.0.0.2") for _ in range(5)]
        for c in slow:
            c.sendall(b"GET /api/v1/health HTTP/1.1\r\n")
        # slowloris: a byte of header every 0.3 s, never silent for long
        end = time.time() + 3.5
        while time.time() < end:
            for c in slow:
                try:
                    c.send(b"X")
                except OSError:
                    pass
            time.sleep(0.3)
        for c in idle + slow:
            expect(closed_by_server(c), "a connection is still open")
        # a request whose headers are in gets the idle timeout instead
        c = open_socket(s.port)
        c.sendall(head("/api/v1/write", 10, s.admin_token))
        time.sleep(3)
        c.sendall(b"#123456789")
        expect(read_answer(c)[0] == 204)
        c.close()
    finally:
        for c in idle + slow:
            c.close()
        s.close()


@test
def an_event_stream_outlives_the_idle_timeout():
    s = Server(extra_args=["--timeout", "2"]).start()
    try:
        token = with_device(s)
        st = EventStream(s.port, s.admin_token)
        time.sleep(4)
        expect(s.post("/api/v1/write", body=lp("ws-1", 5), token=token)
               .status == 204)
        ev = st.next_event()
        expect(ev and ev[1] == "point", ev)
        st.close()
    finally:
        s.close()


@test
def static_files_never_follow_a_symlink_out_of_the_web_root():
    top = tempfile.mkdtemp(prefix="oasis-web-")
    try:
        web = os.path.join(top, "web")
        os.makedirs(os.path.join(web, "css"))
        with open(os.path.join(web, "index.html"), "w") as f:
            f.write("<h1>oasis</h1>")
        with open(os.path.join(web, "css", "a.css"), "w") as f:
            f.write("h1{}")
        outside = os.path.join(top, "secret")
        os.makedirs(outside)
        with open(os.path.join(outside, "key.txt"), "w") as f:
            f.write("secret")
        os.symlink(os.path.join(outside, "key.txt"), os.path.join(web, "k.txt"))
        os.symlink(outside, os.path.join(web, "out"))
        os.symlink("/etc/passwd", os.path.join(web, "passwd.txt"))
        os.symlink("css/a.css", os.path.join(web, "inside.css"))
        s = Server(extra_args=["--web-root", web]).start()
        try:
            expect(s.get("/").status == 200)
            expect(s.get("/inside.css").body == "h1{}")
            for path in ("/k.txt", "/out/key.txt", "/passwd.txt"):
                r = s.get(path)
                expect(r.status == 404, "%s: %r" % (path, r))
                expect("secret" not in r.body and "root:" not in r.body)
        finally:
            s.close()
    finally:
        shutil.rmtree(top, ignore_errors=True)


@test
def the_web_page_is_not_looked_for_in_the_working_directory():
    """A program with no web/ beside it, started where a web/ was planted."""
    import harness
    top = tempfile.mkdtemp(prefix="oasis-cwd-")
    old, program = os.getcwd(), harness.OASIS
    try:
        os.makedirs(os.path.join(top, "bin"))
        os.makedirs(os.path.join(top, "run", "web"))
        harness.OASIS = os.path.join(top, "bin", "oasis")
        shutil.copy(program, harness.OASIS)
        with open(os.path.join(top, "run", "web", "index.html"), "w") as f:
            f.write("planted")
        os.chdir(os.path.join(top, "run"))
        s = Server().start()
        try:
            expect("planted" not in s.get("/").body)
        finally:
            s.close()
    finally:
        os.chdir(old)
        harness.OASIS = program
        shutil.rmtree(top, ignore_errors=True)


run()

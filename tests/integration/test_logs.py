#!/usr/bin/env python3
"""The log: routine polls write no line (the minute summary counts them),
an error or a slow request has its line, a flood of refused logins writes a
bounded number of lines, --access-log all writes every request, and
command-line calls say nothing on stderr unless something is wrong."""
import http.client
import re
import time

from harness import Server, expect, oasis, run, test

ACCESS = re.compile(r" (?:INFO|WARN) (?:GET|POST) /")


def access_lines(log, path=""):
    return [l for l in log.splitlines() if ACCESS.search(l) and path in l]


def polls(s, path, n, token):
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
    try:
        for _ in range(n):
            c.request("GET", path, headers={"Authorization": "Bearer " + token})
            r = c.getresponse()
            r.read()
            expect(r.status == 200, r.status)
    finally:
        c.close()


def log_settles(s, done, timeout=5):
    """Wait until done() holds (a line written after its answer was sent
    reaches the log a moment later), at most timeout seconds."""
    deadline = time.time() + timeout
    while not done() and time.time() < deadline:
        time.sleep(0.05)


@test
def a_thousand_polls_write_no_line_but_errors_do():
    s = Server(extra_args=["--max-buffered", "1K"]).start()
    try:
        viewer = s.token("viewer", "poller")
        polls(s, "/api/v1/me", 1000, viewer)
        log = s.server_log()
        expect(len(access_lines(log)) <= 3, log[-2000:])
        r = s.get("/api/v1/no-such-route", token=viewer)
        expect(r.status == 404, r)
        # a body over the server's budget: 503
        r = s.post("/api/v1/write", body=b"x" * 4096, token=s.admin_token)
        expect(r.status == 503, r)
        # a request's line is written once its answer is sent: wait for it
        warned = lambda: [l for l in access_lines(s.server_log(),
                                                  "POST /api/v1/write 503")
                          if " WARN " in l]
        log_settles(s, warned)
        log = s.server_log()
        expect(access_lines(log, "GET /api/v1/no-such-route 404"), log[-2000:])
        expect(warned(), log[-2000:])
        # the summary, written at the stop at the latest, counts the polls
        s.stop()
        log = s.server_log()
        expect(re.search(r"INFO http: \d+ requests in \d+ s.*; /api/v1/me "
                         r"1000 2xx=1000 p50=[\d.]+ms p90=[\d.]+ms "
                         r"p99=[\d.]+ms", log), log[-2000:])
    finally:
        s.close()


@test
def a_login_flood_writes_a_bounded_log():
    s = Server().start()
    try:
        c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
        statuses = set()
        for _ in range(500):
            c.request("POST", "/api/v1/login",
                      body='{"username":"admin","password":"wrong"}',
                      headers={"Content-Type": "application/json"})
            r = c.getresponse()
            r.read()
            statuses.add(r.status)
            if r.getheader("Connection", "").lower() == "close":
                c.close()
                c = http.client.HTTPConnection("127.0.0.1", s.port,
                                               timeout=30)
        c.close()
        expect(statuses <= {401, 429, 503}, statuses)
        lines = access_lines(s.server_log(), "/api/v1/login")
        # one line per status in the minute, whatever the flood
        expect(1 <= len(lines) <= len(statuses), "\n".join(lines[:20]))
    finally:
        s.close()


@test
def access_log_all_writes_every_request_and_off_none():
    s = Server(extra_args=["--access-log", "all"]).start()
    try:
        viewer = s.token("viewer", "poller")
        polls(s, "/api/v1/me", 20, viewer)
        twenty = lambda: len(access_lines(s.server_log(),
                                          "GET /api/v1/me 200")) == 20
        log_settles(s, twenty)
        expect(twenty(), s.server_log()[-2000:])
    finally:
        s.close()
    s = Server(extra_args=["--access-log=off"]).start()
    try:
        expect(s.get("/api/v1/nothing").status in (401, 404))
        expect(not access_lines(s.server_log()), s.server_log()[-2000:])
    finally:
        s.close()


@test
def log_level_warn_hides_info_and_commands_are_quiet():
    s = Server(extra_args=["--log-level", "warn"]).start()
    try:
        s.get("/api/v1/no-such-route")
        s.stop()
        expect(" INFO " not in s.server_log(), s.server_log()[-2000:])
        # a command says nothing on stderr when all is well...
        p = oasis("plots", "list", data=s.data)
        expect(p.stderr == "", p.stderr)
        p = oasis("token", "create", "--role", "viewer", "--name", "q",
                  "--log-level", "debug", data=s.data)
        expect(p.returncode == 0, p.stderr)
        # ...and names the option it does not understand
        p = oasis("plots", "list", "--log-level", "loud", data=s.data,
                  check=False)
        expect(p.returncode == 2 and "--log-level" in p.stderr, p.stderr)
    finally:
        s.close()


if __name__ == "__main__":
    run()

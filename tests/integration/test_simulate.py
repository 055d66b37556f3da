"""`oasis simulate`: the load generator's traffic is accepted by the server
with zero errors, over HTTP and over MQTT."""
import re

from harness import Broker, Server, expect, oasis, run, test, wait_for


def stored(s, series):
    r = s.get("/api/v1/query?series=%s&from=-1h&step=1h&agg=count" % series,
              token=s.admin_token)
    return sum(v[1] for v in r.json()["values"]) if r.status == 200 else 0


@test
def http_load_is_accepted_without_errors():
    s = Server().start()
    try:
        p = oasis("simulate", "--url", "http://127.0.0.1:%d" % s.port,
                  "--token", s.admin_token, "--devices", "40", "--rate",
                  "4000", "--duration", "3")
        m = re.search(r"(\d+) points in ([\d.]+) s: (\d+) points/s.* (\d+) "
                      r"errors", p.stdout)
        expect(m and m.group(4) == "0", p.stdout)
        expect(int(m.group(1)) >= 9000, p.stdout)
        expect(stored(s, "sim-00007/air_temp") > 0)
        total = sum(stored(s, "sim-%05d/rh" % i) for i in range(40))
        expect(total * 4 == int(m.group(1)), (total, p.stdout))
    finally:
        expect(s.close() == 0)


@test
def mqtt_load_is_accepted():
    b = Broker().start()
    s = Server(extra_args=["--mqtt", b.url]).start()
    try:
        wait_for(lambda: "mqtt: connected" in s.server_log())
        p = oasis("simulate", "--url", "http://127.0.0.1:%d" % s.port,
                  "--token", s.admin_token, "--devices", "10", "--rate",
                  "400", "--duration", "2", "--mqtt", b.url)
        expect(" 0 errors" in p.stdout, p.stdout)
        sent = int(re.search(r"^(\d+) points", p.stdout).group(1))
        wait_for(lambda: sum(stored(s, "sim-%05d/battery" % i)
                             for i in range(10)) * 4 == sent)
        expect("refused" not in s.server_log())
    finally:
        s.close()
        b.close()


@test
def refuses_a_bad_command_line_and_a_weak_token():
    p = oasis("simulate", "--devices", "5", check=False)
    expect(p.returncode == 2, p)
    s = Server().start()
    try:
        viewer = s.token("viewer", "v")
        p = oasis("simulate", "--url", "http://127.0.0.1:%d" % s.port,
                  "--token", viewer, "--devices", "2", "--rate", "10",
                  "--duration", "1", check=False)
        expect(p.returncode == 1 and "admin" in p.stderr, p.stderr)
    finally:
        s.close()


run()

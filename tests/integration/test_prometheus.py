"""GET /metrics for Prometheus: the exposition format (read back with
python3-prometheus-client's parser when installed, else a strict line
check), a metrics or viewer token or an address of --metrics-allow
(a metrics token reads nothing else), and
/api/v1/metrics unchanged."""
import re

from harness import Server, expect, expect_error, run, test, wait_for

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    text_string_to_metric_families = None

LINE = re.compile(r'^(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+|'
                  r'[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_]+="[^"]*"\})? '
                  r'[0-9.e+-]+)$')


def families(text):
    if text_string_to_metric_families:
        return {f.name: f for f in text_string_to_metric_families(text)}
    for line in text.splitlines():
        expect(LINE.match(line), "not exposition format: %r" % line)
    return {m: None for m in re.findall(r"^# TYPE (\S+)", text, re.M)}


@test
def a_viewer_token_scrapes_in_the_exposition_format():
    s = Server().start()
    viewer = s.token("viewer", "prometheus")
    s.get("/api/v1/health")
    r = s.get("/metrics", token=viewer)
    expect(r.status == 200, r)
    expect(r.header("Content-Type").startswith("text/plain; version=0.0.4"),
           r.header("Content-Type"))
    fams = families(r.body)
    for name in ("oasis_ingest_points", "oasis_http_request_duration_seconds",
                 "oasis_queue_depth", "oasis_wal_bytes", "oasis_store_bytes",
                 "oasis_points_written", "oasis_series", "oasis_rules",
                 "oasis_video_relays", "oasis_video_relays_max",
                 "oasis_video_cameras"):
        expect(name in fams or name + "_total" in fams, (name, sorted(fams)))
    # no camera yet: no relay runs, the limit is the default (16)
    expect(re.search(r"^oasis_video_relays 0$", r.body, re.M), r.body)
    expect(re.search(r"^oasis_video_relays_max 16$", r.body, re.M), r.body)
    expect(re.search(r'^oasis_video_cameras\{state="offline"\} 0$', r.body,
                     re.M), r.body)
    if text_string_to_metric_families:
        expect(fams["oasis_http_request_duration_seconds"].type ==
               "histogram", fams)

        def counted():
            # a request is counted as its connection completes
            h = families(s.get("/metrics", token=viewer).body)[
                "oasis_http_request_duration_seconds"]
            return [x for x in h.samples
                    if x.name.endswith("_count")][0].value >= 1
        wait_for(counted)
    # unchanged, for a viewer too
    r = s.get("/api/v1/metrics", token=viewer)
    expect(r.status == 200 and "oasis_http_request" not in r.body, r)
    s.close()


@test
def without_a_token_only_the_allowed_addresses():
    s = Server().start()
    expect_error(s.get("/metrics"), 401)
    dev = s.post("/api/v1/devices", token=s.admin_token,
                 body={"id": "ws-1", "kind": "weather_station"}).json()["token"]
    expect_error(s.get("/metrics", token=dev), 403)
    s.close()
    s = Server(["--metrics-allow", "10.0.0.0/8,127.0.0.1/32"]).start()
    r = s.get("/metrics")
    expect(r.status == 200 and "oasis_ingest_points_total" in r.body, r)
    s.close()
    s = Server(["--metrics-allow", "10.0.0.0/8,::1"]).start()
    expect_error(s.get("/metrics"), 401)
    s.close()



@test
def a_metrics_token_scrapes_and_reads_nothing_else():
    s = Server().start()
    scraper = s.token("metrics", "prometheus")
    r = s.get("/metrics", token=scraper)
    expect(r.status == 200 and "oasis_ingest_points_total" in r.body, r)
    for path in ("/api/v1/metrics", "/api/v1/devices", "/api/v1/alerts"):
        expect_error(s.get(path, token=scraper), 403,
                     contains="metrics token")
    # InfluxDB's route answers in InfluxDB's shape, {"error": "..."}
    r = s.get("/query?q=SHOW+DATABASES", token=scraper)
    expect(r.status == 403 and "metrics token" in r.json()["error"], r)
    expect_error(s.post("/api/v1/write", token=scraper, body="m v=1"), 403)
    # the API makes one too (admin), and lists its role
    r = s.post("/api/v1/tokens", token=s.admin_token,
               body={"name": "prom-2", "role": "metrics"})
    expect(r.status == 201 and r.json()["role"] == "metrics", r)
    expect(s.get("/metrics", token=r.json()["token"]).status == 200, r)
    roles = [t["role"] for t in
             s.get("/api/v1/tokens", token=s.admin_token).json()["tokens"]]
    expect(roles.count("metrics") == 2, roles)
    s.close()


run()

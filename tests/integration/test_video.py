"""Video end to end: a real RTSP camera (GStreamer's RTSP server from Debian
packages, scripts/rtsp_source.py) relayed by oasis through ffmpeg to HLS.
The playlist and segments are checked with ffprobe, snapshots are JPEGs of
the camera's size, a killed source makes the camera offline with an alert
that clears when the picture returns, and a recorded range plays back.
Small pictures (160x120, 10 fps) keep it quick."""

import json
import os
import re
import signal
import subprocess
import tempfile
import time

from harness import OASIS, Server, expect, expect_error, free_port, run, test, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "..", "..", "scripts", "rtsp_source.py")

srv = None
src = None
src_port = None
tokens = {}


class Source:
    """scripts/rtsp_source.py on a free port, mount cam."""

    def __init__(self, port):
        self.port = port
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", SOURCE, "--port", str(self.port), "--mount",
             "cam", "--size", "160x120", "--fps", "10"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        expect("ready" in line, "the RTSP source did not start: %r" % line)
        return self

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc.stdout.close()
            self.proc = None


def setup():
    global srv, src, src_port
    if srv is None:
        src_port = free_port()
        src = Source(src_port).start()
        # recording off: relays run for viewers only, start cold, stop idle
        srv = Server(extra_args=["--video-stall", "4", "--video-idle", "20",
                                 "--snapshot-every", "0",
                                 "--video-record=off"]).start()
        plot = {"type": "FeatureCollection", "features": [{
            "type": "Feature", "properties": {"code": "V1"},
            "geometry": {"type": "Polygon", "coordinates": [[
                [86.2, 44.3], [86.204, 44.3], [86.204, 44.303],
                [86.2, 44.303], [86.2, 44.3]]]}}]}
        expect(srv.post("/api/v1/plots", body=plot,
                        token=srv.admin_token).status in (200, 201))
        for dev in ("cam-1", "cam-2"):
            r = srv.post("/api/v1/devices", token=srv.admin_token,
                         body={"id": dev, "kind": "camera", "plot": "V1"})
            expect(r.status == 201, r)
        r = srv.request("PUT", "/api/v1/devices/cam-1/equipment",
                        token=srv.admin_token, body={
                            "stream_url": "rtsp://admin:s3cret@127.0.0.1:%d/cam"
                            % src_port})
        expect(r.status == 200, r)
        expect("s3cret" not in r.body, "the password was echoed: %s" % r.body)
        tokens["viewer"] = srv.token("viewer", "wall")
        tokens["operator"] = srv.token("operator", "desk")
        r = srv.post("/api/v1/rules", token=tokens["operator"],
                     body={"template": "camera_offline"})
        expect(r.status == 201, r)
    return srv


def ffprobe(url, token, *entries):
    p = subprocess.run(
        ["ffprobe", "-v", "error", "-headers",
         "Authorization: Bearer %s\r\n" % token, "-show_entries",
         ",".join(entries), "-of", "json", url],
        capture_output=True, text=True, timeout=60)
    expect(p.returncode == 0, "ffprobe failed: %s" % p.stderr)
    return json.loads(p.stdout)


def camera(s, cid):
    cams = s.get("/api/v1/cameras", token=tokens["viewer"]).json()["cameras"]
    return next(c for c in cams if c["id"] == cid)


@test
def cameras_are_listed_without_their_password():
    s = setup()
    c = camera(s, "cam-1")
    expect(c["plot"] == "V1" and c["state"] in ("idle", "streaming"), c)
    expect(c["stream_url"] == "rtsp://admin:***@127.0.0.1:%d/cam" % src_port,
           c)
    expect(camera(s, "cam-2")["stream_url"] is None)
    expect(c["recording"] is False, c)  # --video-record=off
    r = s.get("/api/v1/plots/V1/cameras", token=tokens["viewer"])
    expect("s3cret" not in r.body, r.body)
    expect_error(s.get("/api/v1/cameras"), 401)


@test
def live_playlist_and_segments_play():
    s = setup()
    t0 = time.time()
    r = s.get("/api/v1/cameras/cam-1/live.m3u8", token=tokens["viewer"])
    # a cold relay: 503 + Retry-After until its first segment
    expect(r.status == 503 and r.header("Retry-After") == "1", r)
    expect("starting" in r.body, r.body)
    r = wait_for(lambda: (lambda x: x if x.status == 200 else None)(
        s.get("/api/v1/cameras/cam-1/live.m3u8", token=tokens["viewer"])),
        timeout=15, every=0.2)
    cold = time.time() - t0
    expect(r.header("Content-Type").startswith("application/vnd.apple.mpegurl"))
    expect("#EXTINF" in r.body and "hls/" in r.body, r.body)
    expect("token" not in r.body and "s3cret" not in r.body, r.body)
    seg = [l for l in r.body.splitlines() if l.startswith("hls/")][0]
    g = s.get("/api/v1/cameras/cam-1/" + seg, token=tokens["viewer"], raw=True)
    expect(g.status == 200 and g.body[:1] == b"\x47", "not MPEG-TS: %r" % g)
    base = "http://127.0.0.1:%d/api/v1/cameras/cam-1/" % s.port
    info = ffprobe(base + seg, tokens["viewer"], "stream=codec_name,width,height")
    v = info["streams"][0]
    expect(v["codec_name"] == "h264" and v["width"] == 160 and
           v["height"] == 120, v)
    info = ffprobe(base + "live.m3u8", tokens["viewer"], "stream=codec_name")
    expect(info["streams"][0]["codec_name"] == "h264", info)
    expect(wait_for(lambda: camera(s, "cam-1")["state"] == "streaming"))
    t0 = time.time()
    expect(s.get("/api/v1/cameras/cam-1/live.m3u8",
                  token=tokens["viewer"]).status == 200)
    warm = time.time() - t0
    print("# playlist cold %.2f s, warm %.3f s" % (cold, warm))
    # GET /metrics counts the relay running and the camera streaming
    m = s.get("/metrics", token=tokens["viewer"]).body
    expect(re.search(r"^oasis_video_relays 1$", m, re.M), m)
    expect(re.search(r'^oasis_video_cameras\{state="streaming"\} 1$', m,
                     re.M), m)
    expect_error(s.get("/api/v1/cameras/cam-1/hls/..%2Fx.ts",
                       token=tokens["viewer"]), 404)
    expect_error(s.get("/api/v1/cameras/cam-1/live.m3u8"), 401)
    expect_error(s.get("/api/v1/cameras/cam-2/live.m3u8",
                       token=tokens["viewer"]), 400, contains="stream_url")
    expect_error(s.get("/api/v1/cameras/nope/live.m3u8",
                       token=tokens["viewer"]), 404)


@test
def snapshot_from_the_stream_is_a_jpeg_of_its_size():
    s = setup()
    expect_error(s.post("/api/v1/cameras/cam-1/snapshot",
                        token=tokens["viewer"]), 403)
    r = s.post("/api/v1/cameras/cam-1/snapshot", token=tokens["operator"])
    expect(r.status == 201, r)
    j = r.json()
    expect(j["width"] == 160 and j["height"] == 120, j)
    g = s.get("/api/v1/devices/cam-1/snapshot", token=tokens["viewer"],
              raw=True)
    expect(g.status == 200 and g.body[:2] == b"\xff\xd8" and
           g.body[-2:] == b"\xff\xd9", "not a JPEG")
    with tempfile.NamedTemporaryFile(suffix=".jpg") as f:
        f.write(g.body)
        f.flush()
        p = subprocess.run(["ffprobe", "-v", "error", "-show_entries",
                            "stream=codec_name,width,height", "-of", "json",
                            f.name], capture_output=True, text=True)
        st = json.loads(p.stdout)["streams"][0]
        expect(st["codec_name"] == "mjpeg" and st["width"] == 160, st)
    expect(camera(s, "cam-1")["snapshot"]["id"] == j["id"])


@test
def alert_on_the_cameras_plot_carries_its_snapshot():
    s = setup()
    r = s.post("/api/v1/devices", token=s.admin_token,
               body={"id": "ws-v1", "kind": "weather_station", "plot": "V1"})
    expect(r.status == 201, r)
    r = s.post("/api/v1/rules", token=tokens["operator"],
               body={"template": "strong_wind", "plot": "V1",
                     "for_s": 0})
    expect(r.status == 201, r)
    now = int(time.time() * 1000)
    for i, v in enumerate((20.0, 21.0)):
        r = s.post("/api/v1/telemetry", token=s.admin_token,
                   body={"device": "ws-v1", "ts": now + i * 1000,
                         "values": {"wind_speed": v}})
        expect(r.status == 204, r)

    def wind_alert():
        r = s.get("/api/v1/alerts?state=open", token=tokens["viewer"]).json()
        got = [a for a in r["alerts"] if a["plot"] == "V1"
               and "snapshot" in a]
        return got[0] if got else None
    try:
        wait_for(wind_alert, timeout=30, every=0.5)
    except AssertionError:
        expect(False, "no alert with a snapshot: %s\n%s" % (
            s.get("/api/v1/alerts", token=tokens["viewer"]).body,
            s.server_log()[-1500:]))
    shot = wind_alert()["snapshot"]
    expect(shot["camera"] == "cam-1" and shot["id"] > 0, shot)
    expect(shot["url"] == "/api/v1/devices/cam-1/snapshot?id=%d" % shot["id"],
           shot)
    g = s.get(shot["url"], token=tokens["viewer"], raw=True)
    expect(g.status == 200 and g.body[:2] == b"\xff\xd8", "not a JPEG")


@test
def recording_plays_a_past_range():
    s = setup()
    # the relay has run since the live test: some seconds are recorded
    start = int(time.time() * 1000) - 120000
    r = s.get("/api/v1/cameras/cam-1/recording.m3u8?from=%d&to=now" % start,
              token=tokens["viewer"])
    expect(r.status == 200, r)
    expect("#EXT-X-ENDLIST" in r.body and "#EXT-X-PLAYLIST-TYPE:VOD" in r.body,
           r.body)
    url = ("http://127.0.0.1:%d/api/v1/cameras/cam-1/recording.m3u8?from=%d"
           % (s.port, start))
    info = ffprobe(url, tokens["viewer"], "format=duration")
    expect(float(info["format"]["duration"]) >= 2, info)
    expect_error(s.get("/api/v1/cameras/cam-1/recording.m3u8?from=1000000000&"
                       "to=1000100000", token=tokens["viewer"]), 404)
    expect_error(s.get("/api/v1/cameras/cam-1/recording.m3u8?from=soon",
                       token=tokens["viewer"]), 400, contains="from")


def open_camera_alerts(s):
    r = s.get("/api/v1/alerts?state=open", token=tokens["viewer"]).json()
    items = r["alerts"] if isinstance(r, dict) else r
    return [a for a in items if a["message"].startswith("camera ")]


@test
def killed_source_goes_offline_with_an_alert_and_comes_back():
    s = setup()
    s.get("/api/v1/cameras/cam-1/live.m3u8", token=tokens["viewer"])
    src.stop()
    ok = wait_for(lambda: (s.get("/api/v1/cameras/cam-1/live.m3u8",
                                 token=tokens["viewer"]) and
                           camera(s, "cam-1")["state"] == "offline"),
                  timeout=30, every=1)
    expect(ok, "still %r" % camera(s, "cam-1"))
    c = camera(s, "cam-1")
    expect(c["error"], c)
    expect(wait_for(lambda: open_camera_alerts(s), timeout=10),
           "no camera alert")
    expect([a["subject"] for a in open_camera_alerts(s)] == ["cam-1"],
           open_camera_alerts(s))
    src.start()
    ok = wait_for(lambda: (s.get("/api/v1/cameras/cam-1/live.m3u8",
                                 token=tokens["viewer"]) and
                           camera(s, "cam-1")["state"] == "streaming"),
                  timeout=60, every=1)
    expect(ok, "not back: %r" % camera(s, "cam-1"))
    expect(wait_for(lambda: not open_camera_alerts(s), timeout=10),
           "the alert stayed open")


rec = None
src_b = None


def setup_recording():
    """A server with recording on (the default): rec-a on the shared source,
    rec-b on a source of its own, rec-c on a port where nothing listens
    (offline all along), all on plot R1; a viewer's relay would stop after
    3 s alone (--video-idle 3).  --video-stall 8: a loaded machine may hold
    a healthy stream up for 4 s."""
    global rec, src_b
    if rec is None:
        setup()
        src_b = Source(free_port()).start()
        rec = Server(extra_args=["--video-stall", "8", "--video-idle", "3",
                                 "--snapshot-every", "0"]).start()
        plot = {"type": "FeatureCollection", "features": [{
            "type": "Feature", "properties": {"code": "R1"},
            "geometry": {"type": "Polygon", "coordinates": [[
                [86.3, 44.3], [86.304, 44.3], [86.304, 44.303],
                [86.3, 44.303], [86.3, 44.3]]]}}]}
        expect(rec.post("/api/v1/plots", body=plot,
                        token=rec.admin_token).status in (200, 201))
        for dev, port in (("rec-a", src_port), ("rec-b", src_b.port),
                          ("rec-c", free_port())):
            r = rec.post("/api/v1/devices", token=rec.admin_token,
                         body={"id": dev, "kind": "camera", "plot": "R1"})
            expect(r.status == 201, r)
            r = rec.request("PUT", "/api/v1/devices/%s/equipment" % dev,
                            token=rec.admin_token, body={
                                "stream_url": "rtsp://127.0.0.1:%d/cam" % port})
            expect(r.status == 200, r)
        r = rec.post("/api/v1/rules", token=rec.admin_token,
                     body={"template": "camera_offline"})
        expect(r.status == 201, r)
    return rec


def rec_camera(cid):
    cams = rec.get("/api/v1/cameras", token=rec.admin_token).json()["cameras"]
    return next(c for c in cams if c["id"] == cid)


@test
def recording_goes_on_without_viewers():
    r = setup_recording()
    t0 = int(time.time() * 1000)
    # nobody asks for live.m3u8: the recording relays start by themselves
    for cid in ("rec-a", "rec-b"):
        ok = wait_for(lambda: rec_camera(cid)["state"] == "streaming",
                      timeout=30, every=0.5)
        expect(ok, rec_camera(cid))
        expect(rec_camera(cid)["recording"] is True, rec_camera(cid))
    time.sleep(8)  # past --video-idle 3: a viewer's relay would be gone
    expect(rec_camera("rec-a")["state"] == "streaming", rec_camera("rec-a"))
    expect("relay stopped" not in r.server_log(), r.server_log()[-1500:])
    url = ("http://127.0.0.1:%d/api/v1/cameras/rec-a/recording.m3u8?from=%d"
           % (r.port, t0))
    info = ffprobe(url, r.admin_token, "format=duration")
    expect(float(info["format"]["duration"]) >= 4, info)
    # the live playlist of a recorded camera is there at once (no 503)
    g = r.get("/api/v1/cameras/rec-a/live.m3u8", token=r.admin_token)
    expect(g.status == 200 and "#EXTINF" in g.body, g)


@test
def record_option_forms():
    # the bare flag of earlier versions still means on; a bad value is refused
    p = subprocess.run([OASIS, "serve",
                        "--video-record=maybe"], capture_output=True,
                       text=True, timeout=30)
    expect(p.returncode != 0 and "--video-record=maybe" in p.stderr, p.stderr)
    s = Server(extra_args=["--video-record", "--snapshot-every", "0"]).start()
    try:
        expect(s.post("/api/v1/devices", token=s.admin_token, body={
            "id": "cam-x", "kind": "camera"}).status == 201)
        expect(s.request("PUT", "/api/v1/devices/cam-x/equipment",
                         token=s.admin_token, body={
                             "stream_url": "rtsp://127.0.0.1:%d/x"
                             % free_port()}).status == 200)

        def recording():
            cams = s.get("/api/v1/cameras",
                         token=s.admin_token).json()["cameras"]
            return cams and cams[0]["recording"]
        expect(wait_for(recording, timeout=10, every=0.3), "not recorded")
    finally:
        s.stop()


def rec_alerts(state):
    body = rec.get("/api/v1/alerts?state=%s" % state,
                   token=rec.admin_token).json()
    items = body["alerts"] if isinstance(body, dict) else body
    return [a for a in items if a["message"].startswith("camera ")]


def camera_alerts(state, *cams):
    return sorted((a["subject"], a["plot"]) for a in rec_alerts(state)
                  if a["subject"] in cams)


@test
def offline_alert_is_per_camera():
    setup_recording()
    # rec-c cannot be reached: its own alert, open all along
    expect(wait_for(lambda: camera_alerts("open", "rec-c"), timeout=30,
                    every=0.5), rec_camera("rec-c"))
    expect(wait_for(lambda: rec_camera("rec-b")["state"] == "streaming",
                    timeout=30, every=0.5), rec_camera("rec-b"))
    src_b.stop()
    expect(wait_for(lambda: rec_camera("rec-b")["state"] == "offline",
                    timeout=30, every=0.5), rec_camera("rec-b"))
    expect(wait_for(lambda: len(camera_alerts("open", "rec-b", "rec-c")) == 2,
                    timeout=10), rec_alerts("open"))
    # one alert a camera, each with the camera as subject, on its plot
    expect(camera_alerts("open", "rec-b", "rec-c") ==
           [("rec-b", "R1"), ("rec-c", "R1")], rec_alerts("open"))
    expect(not [a for a in rec_alerts("open") if a["subject"] == "R1"],
           rec_alerts("open"))
    b = [a for a in rec_alerts("open") if a["subject"] == "rec-b"][0]
    expect(b["message"].startswith("camera rec-b: "), b)
    src_b.start()
    ok = wait_for(lambda: rec_camera("rec-b")["state"] == "streaming",
                  timeout=60, every=1)
    expect(ok, "not back: %r" % rec_camera("rec-b"))
    # rec-b's closes while rec-c, on the same plot, is still offline
    expect(wait_for(lambda: camera_alerts("open", "rec-b", "rec-c") ==
                    [("rec-c", "R1")], timeout=10),
           "rec-b's alert stayed open: %r" % rec_alerts("open"))
    expect(camera_alerts("closed", "rec-b") == [("rec-b", "R1")],
           rec_alerts("closed"))


@test
def a_killed_server_leaves_no_relay():
    # ffmpeg ignores SIGPIPE: without setpriv --pdeathsig a recording relay
    # would outlive a crashed server, writing segments nobody prunes
    setup()
    s = Server(extra_args=["--snapshot-every", "0"]).start()
    try:
        expect(s.post("/api/v1/devices", token=s.admin_token, body={
            "id": "cam-k", "kind": "camera"}).status == 201)
        expect(s.request("PUT", "/api/v1/devices/cam-k/equipment",
                         token=s.admin_token, body={
                             "stream_url": "rtsp://127.0.0.1:%d/cam"
                             % src_port}).status == 200)
        expect(wait_for(lambda: s.get("/api/v1/cameras", token=s.admin_token)
                        .json()["cameras"][0]["state"] == "streaming",
                        timeout=30, every=0.5), "no relay")
        pids = subprocess.run(["pgrep", "-f", s.dir], capture_output=True,
                              text=True).stdout.split()
        expect(pids, "no ffmpeg found")
    finally:
        s.stop(signal.SIGKILL)

    def gone():
        return not subprocess.run(["pgrep", "-f", s.dir], capture_output=True,
                                  text=True).stdout.strip()
    expect(wait_for(gone, timeout=10, every=0.2), "a relay outlived the server")


@test
def server_stops_its_relays():
    s = setup()
    if rec is not None:
        expect(rec.stop() == 0)
        p = subprocess.run(["pgrep", "-f", rec.dir], capture_output=True,
                           text=True)
        expect(not p.stdout.strip(), "ffmpeg left running: %s" % p.stdout)
        src_b.stop()
    log = s.server_log()
    expect("relay started" in log, log[-2000:])
    expect("s3cret" not in log, "the password is in the log")
    expect(s.stop() == 0)
    # no ffmpeg of ours is left behind
    p = subprocess.run(["pgrep", "-f", s.dir], capture_output=True, text=True)
    expect(not p.stdout.strip(), "ffmpeg left running: %s" % p.stdout)
    src.stop()


run()

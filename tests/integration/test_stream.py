"""GET /api/v1/stream: server-sent events of new points, filtered by plot,
resumed from Last-Event-ID; streams end when the server stops."""
import http.client
import socket
import time

from harness import EventStream, Server, expect, run, test

srv = None
NOW = int(time.time() * 1000)


def server():
    global srv
    if srv is None:
        srv = Server().start()
        ring = [[86.2, 44.3], [86.21, 44.3], [86.21, 44.31], [86.2, 44.31],
                [86.2, 44.3]]
        fc = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"code": c},
             "geometry": {"type": "Polygon", "coordinates": [ring]}}
            for c in ("A", "B")]}
        expect(srv.post("/api/v1/plots", body=fc, token=srv.admin_token)
               .status == 201)
        for dev, plot in (("a-1", "A"), ("b-1", "B")):
            r = srv.post("/api/v1/devices", token=srv.admin_token,
                         body={"id": dev, "kind": "soil_probe", "plot": plot})
            expect(r.status == 201, r)
        srv.viewer = srv.token("viewer", "screen")
    return srv


def write(s, device, metric, value, ts):
    r = s.post("/api/v1/telemetry", token=s.admin_token,
               body={"device": device, "ts": ts, "values": {metric: value}})
    expect(r.status == 204, r)


@test
def a_written_point_arrives_on_the_stream():
    s = server()
    st = EventStream(s.port, s.viewer)
    write(s, "a-1", "moisture_10cm", 21.5, NOW)
    ev = st.next_event()
    expect(ev and ev[1] == "point", ev)
    expect(ev[2] == {"device": "a-1", "metric": "moisture_10cm", "ts": NOW,
                     "value": 21.5, "plot": "A"}, ev)
    st.close()


@test
def plot_filter_and_resume_after_last_event_id():
    s = server()
    st = EventStream(s.port, s.viewer, "?plot=B")
    write(s, "a-1", "moisture_10cm", 1, NOW + 1)
    write(s, "b-1", "moisture_10cm", 2, NOW + 2)
    ev = st.next_event()
    expect(ev[2]["device"] == "b-1", ev)
    first_id = ev[0]
    st.close()
    # while disconnected, more points
    write(s, "b-1", "moisture_10cm", 3, NOW + 3)
    write(s, "b-1", "moisture_10cm", 4, NOW + 4)
    st = EventStream(s.port, s.viewer, "?plot=B", last_id=first_id)
    got = [st.next_event()[2]["value"] for _ in range(2)]
    expect(got == [3, 4], got)
    st.close()


@test
def many_clients_all_receive_every_event():
    s = server()
    clients = [EventStream(s.port, s.viewer) for _ in range(20)]
    for i in range(5):
        write(s, "a-1", "moisture_20cm", i, NOW + 100 + i)
    for c in clients:
        got = [c.next_event()[2]["value"] for _ in range(5)]
        expect(got == [0, 1, 2, 3, 4], got)
        c.close()


@test
def streams_need_a_viewer_and_end_when_the_server_stops():
    global srv
    s = server()
    r = s.get("/api/v1/stream")
    expect(r.status == 401, r)
    st = EventStream(s.port, s.viewer)
    start = time.time()
    status = s.stop()
    expect(status == 0, s.server_log()[-1500:])
    expect(time.time() - start < 10, "stop waited on the stream")
    try:
        expect(st.next_event() is None, "stream still open")
    except (socket.timeout, ConnectionError, http.client.HTTPException):
        pass
    s.close()
    srv = None


run()

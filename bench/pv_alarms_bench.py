"""The PV alarms on live points: the server's CPU (user + sys, /proc) to
take and judge SECONDS of 1-second data of the pvsite bench's park (100
inverters, 3,000 strings, 4 met stations) written by line protocol, one
write per second of data, without rules and with pv_inverter_trip,
pv_string_low, pv_sensor_quality and pv_comm_loss, alternating, 3 runs
each; then a read of the alerts, which waits for the monitoring.

usage: pv_alarms_bench.py [BUILD] [SECONDS]"""
import os
import statistics
import sys
import time
from common import TOP, oasis_bin

sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
os.environ["OASIS_BIN"] = oasis_bin(sys.argv[1] if len(sys.argv) > 1
                                    else "build")
from harness import Server, oasis  # noqa: E402
import pvsite_bench as pb  # noqa: E402

SECONDS = int(sys.argv[2]) if len(sys.argv) > 2 else 60

def cpu(pid):
    with open("/proc/%d/stat" % pid) as f:
        x = f.read().rsplit(")", 1)[1].split()
    return (int(x[11]) + int(x[12])) / os.sysconf("SC_CLK_TCK")

def run(with_rules):
    srv = Server()
    d = srv.data
    oasis("sites", "add", "park", "--name", "p", "--kind", "pv_plant", "--tz", "Asia/Shanghai", "--location", "90.28,43.83", data=d)
    text, invs, strings = pb.layout()
    path = os.path.join(srv.dir, "layout.csv")
    open(path, "w").write(text)
    oasis("pv", "import", "--site", "park", path, data=d)
    srv.start()
    op = srv.token("operator", "o")
    if with_rules:
        for t in ("pv_inverter_trip", "pv_string_low", "pv_sensor_quality", "pv_comm_loss"):
            srv.post("/api/v1/rules", token=op, body={"template": t})
    now = int(time.time() * 1000) - SECONDS * 1000 - 60000
    bodies = []
    for sec in range(SECONDS):
        t = (now + sec * 1000) * 10**6
        lines = ["pv,device=MET%d poa_global=%.1f,temp_module=40 %d" % (s + 1, 800 + sec % 7 + s, t) for s in range(4)]
        lines += ["pv,device=%s p_ac=%.1f,p_dc=%.1f %d" % (i, 900 + sec % 5, 920.0, t) for i, _ in invs]
        lines += ["pv,device=%s string_current=%.2f %d" % (s, 8 + (sec + k) % 3 * 0.01, t) for k, s in enumerate(strings)]
        bodies.append("\n".join(lines))
    pid = srv.proc.pid
    c0 = cpu(pid)
    t0 = time.time()
    for b in bodies:
        r = srv.post("/api/v1/write", body=b, token=srv.admin_token)
        assert r.status == 204, r
    srv.get("/api/v1/alerts?state=open", token=srv.admin_token)  # settle
    c1 = cpu(pid)
    body = srv.get("/api/v1/metrics", token=srv.admin_token).body
    m = [l for l in body.splitlines() if "monitoring_evaluated" in l or "monitoring_dropped" in l]
    if with_rules:
        al = srv.get("/api/v1/alerts?state=open", token=srv.admin_token).json()["alerts"]
        m.append("open alerts %d" % len(al))
    srv.stop(); srv.close()
    return c1 - c0, time.time() - t0, m

print("load", open("/proc/loadavg").read().split()[:3])
res = {False: [], True: []}
for i in range(3):
    for w in (False, True):
        c, wall, m = run(w)
        res[w].append(c)
        print("rules" if w else "none ", "cpu %.2f s wall %.1f s" % (c, wall), m)
print("points", SECONDS * 3208)
for w in (False, True):
    print("rules" if w else "none ", "cpu median %.2f" % statistics.median(res[w]))
print("load", open("/proc/loadavg").read().split()[:3])

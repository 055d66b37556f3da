"""`oasis demo`: the demo base near Manas, created once and reused."""
import re
import signal
import subprocess
import tempfile

from harness import OASIS, expect, oasis, run, test
import json


def start_demo(data):
    p = subprocess.Popen([OASIS, "demo", "--data", data, "--listen",
                          "127.0.0.1:0"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    lines = []
    while True:
        line = p.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "serving on" in line:
            break
    return p, "".join(lines)


def stop(p):
    p.send_signal(signal.SIGINT)
    status = p.wait(timeout=30)
    p.stdout.close()
    p.stderr.close()
    return status


@test
def demo_creates_the_manas_base_then_reuses_it():
    data = tempfile.mkdtemp() + "/demo"
    p, out = start_demo(data)
    expect("serving on" in out, out)
    expect(re.search(r"login: admin / \S{20}", out), out)
    expect(stop(p) == 0)
    fc = json.loads(oasis("plots", "list", data=data).stdout)
    plots = fc["features"]
    expect(55 <= len(plots) <= 65, len(plots))
    mu = sum(f["properties"]["area_mu"] for f in plots)
    expect(11000 <= mu <= 13000, "total %.0f mu" % mu)
    crops = [f["properties"]["crop"] for f in plots]
    expect(crops.count("cotton") > len(crops) / 2, crops)
    for f in plots:
        props = f["properties"]
        expect(re.fullmatch(r"652324\d{7}", props["code"]), props["code"])
        expect(props["sowing_date"][5:7] == "04", props["sowing_date"])
        lon, lat = f["geometry"]["coordinates"][0][0]
        expect(86.0 < lon < 86.5 and 44.1 < lat < 44.5, (lon, lat))
    first = json.dumps(fc)
    p, out = start_demo(data)
    expect("created" not in out and "login: admin" in out, out)
    expect(stop(p) == 0)
    again = oasis("plots", "list", data=data).stdout
    expect(json.loads(again)["features"] == plots, "second run changed the base")
    del first


run()

"""The command line as an administrator uses it: --version, devices
list/show/delete, user list/disable/delete, --format table|csv|json with
CJK-aligned tables, plots import --encoding; and the HTTP side of each."""
import csv
import io
import json
import os
import re
import time
import unicodedata

from harness import Server, expect, expect_error, oasis, run, test

srv = None


def server():
    global srv
    if srv is None:
        srv = Server()
        srv.start()
    return srv


def width(s):
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1
               for ch in s)


def add_device(s, dev, kind="weather_station", name=None):
    args = ["devices", "add", dev, "--kind", kind]
    if name:
        args += ["--name", name]
    return oasis(*args, data=s.data).stdout.strip()


def login(s, user, password):
    return s.post("/api/v1/login", body={"username": user,
                                         "password": password})


@test
def version_from_the_command_line_and_health():
    for arg in ("--version", "version"):
        out = oasis(arg).stdout
        expect(re.fullmatch(r"oasis \d+\.\d+\.\d+ \(commit "
                            r"([0-9a-f]{4,}|unknown)\)\n", out), out)
    r = server().get("/api/v1/health")
    body = r.json()
    expect(r.status == 200 and body["status"] == "ok", r)
    expect(body["version"] in oasis("--version").stdout, body)
    expect(body["commit"] in oasis("--version").stdout, body)


@test
def devices_list_show_and_formats_align_cjk():
    s = server()
    add_device(s, "ws-cli1", name="一号气象站")
    add_device(s, "sp-cli1", kind="soil_probe", name="probe")
    table = oasis("devices", "list", data=s.data).stdout.splitlines()
    expect(table[0].split()[:3] == ["id", "kind", "plot"], table)
    # the column after a CJK name starts at the same display column
    rows = [l for l in table if "ws-cli1" in l or "sp-cli1" in l]
    expect(len(rows) == 2, table)
    created_col = width(table[0][:table[0].index("created")])
    for l in rows:
        m = re.search(r"\d{4}-\d\d-\d\dT", l)
        expect(m and width(l[:m.start()]) == created_col, table)
    c = list(csv.reader(io.StringIO(
        oasis("devices", "list", "--format", "csv", data=s.data).stdout)))
    expect(c[0][:4] == ["id", "kind", "plot", "name"], c)
    expect(["ws-cli1", "weather_station", "", "一号气象站"] in
           [r[:4] for r in c], c)
    j = json.loads(oasis("devices", "show", "ws-cli1", "--format", "json",
                         data=s.data).stdout)
    expect(j[0]["id"] == "ws-cli1" and j[0]["name"] == "一号气象站", j)
    p = oasis("devices", "list", "--format", "xml", data=s.data, check=False)
    expect(p.returncode == 2 and "--format 'xml'" in p.stderr, p.stderr)
    p = oasis("devices", "show", "nope", data=s.data, check=False)
    expect(p.returncode == 1 and "nope" in p.stderr, p.stderr)


@test
def deleting_a_device_revokes_its_tokens_and_keeps_its_data():
    s = server()
    tok = add_device(s, "ws-del1")
    t = int(time.time() * 1000) - 3600000
    r = s.post("/api/v1/telemetry", token=tok,
               body={"device": "ws-del1", "ts": t, "values": {"air_temp": 21.5}})
    expect(r.status == 204, r)
    p = oasis("devices", "delete", "ws-del1", data=s.data)
    expect("tokens are revoked" in p.stdout, p.stdout)
    expect_error(s.post("/api/v1/telemetry", token=tok,
                        body={"device": "ws-del1", "ts": t + 1000,
                              "values": {"air_temp": 22}}), 401)
    expect("ws-del1" not in oasis("devices", "list", data=s.data).stdout)
    expect("ws-del1" not in oasis("mqtt-acl", data=s.data).stdout)
    shown = json.loads(oasis("devices", "show", "ws-del1", "--format", "json",
                             data=s.data).stdout)
    expect(shown[0]["deleted"], shown)
    q = s.get("/api/v1/query?series=ws-del1/air_temp&from=%d&to=%d"
              % (t - 1000, t + 1000), token=s.admin_token)
    expect(q.status == 200 and q.json()["values"][0][1] == 21.5, q)
    p = oasis("devices", "delete", "ws-del1", data=s.data, check=False)
    expect(p.returncode == 1 and "ws-del1" in p.stderr, p.stderr)
    # over HTTP: admin only
    tok2 = add_device(s, "ws-del2")
    op = s.token("operator", "cli-op")
    expect_error(s.request("DELETE", "/api/v1/devices/ws-del2", token=op), 403)
    r = s.request("DELETE", "/api/v1/devices/ws-del2", token=s.admin_token)
    expect(r.status == 204, r)
    expect_error(s.request("DELETE", "/api/v1/devices/ws-del2",
                           token=s.admin_token), 404)
    listed = s.get("/api/v1/devices", token=s.admin_token).json()["devices"]
    expect("ws-del2" not in [d["id"] for d in listed], listed)
    expect_error(s.post("/api/v1/telemetry", token=tok2,
                        body={"values": {"air_temp": 1}}), 401)


# the commands parsed by the one option table (src/cli/opts.c), with an
# option each names in its --help
TABLE_COMMANDS = {
    "devices": "--format", "init": "--data", "irrigation": "--station",
    "mqtt-acl": "--data", "query": "--series", "retention": "--data",
    "simulate": "--rate", "token": "--role", "user": "--role",
    "plots": "--encoding", "ingest": "--allow-unknown-metrics",
    "migrate": "--from", "units": "--unit", "workorders": "--assignee", "sites": "--unset-fact", "report": "--date",
}


@test
def every_table_command_helps_and_refuses_alike():
    for cmd, option in TABLE_COMMANDS.items():
        p = oasis(cmd, "--help")
        expect(p.returncode == 0 and p.stdout.startswith("usage: oasis " + cmd),
               (cmd, p.stdout[:80]))
        expect("\noptions:\n" in p.stdout and option in p.stdout,
               (cmd, p.stdout))
        p = oasis(cmd, "--no-such-option", check=False)
        expect(p.returncode == 2, (cmd, p.returncode))
        expect("oasis %s: unknown option '--no-such-option'" % cmd in p.stderr,
               (cmd, p.stderr))


@test
def users_list_disable_and_delete():
    s = server()
    out = oasis("user", "add", "李四", "--role", "viewer", data=s.data).stdout
    password = re.search(r"login: \S+ / (\S+)", out).group(1)
    r = login(s, "李四", password)
    expect(r.status == 200, r)
    session = r.header("Set-Cookie").split(";")[0]
    expect(s.get("/api/v1/me", cookie=session).status == 200)
    c = list(csv.reader(io.StringIO(
        oasis("user", "list", "--format", "csv", data=s.data).stdout)))
    expect(c[0] == ["name", "role", "state", "created"], c)
    expect(["李四", "viewer", "active"] in [r[:3] for r in c], c)
    oasis("user", "disable", "李四", data=s.data)
    oasis("user", "disable", "李四", data=s.data)  # twice is fine
    expect_error(s.get("/api/v1/me", cookie=session), 401)
    expect_error(login(s, "李四", password), 401)
    table = oasis("user", "list", data=s.data).stdout
    expect(re.search(r"李四\s+viewer\s+disabled", table), table)
    lines = table.splitlines()
    expect(width(lines[0][:lines[0].index("role")]) ==
           width([l for l in lines if "李四" in l][0].split("viewer")[0]),
           table)
    # passwd gives a new password and enables again
    out = oasis("user", "passwd", "李四", data=s.data).stdout
    password = re.search(r"login: \S+ / (\S+)", out).group(1)
    expect(login(s, "李四", password).status == 200)
    out = oasis("user", "role", "李四", "--role", "operator", data=s.data).stdout
    expect("operator" in out, out)
    expect(re.search(r"李四\s+operator\s+active",
                     oasis("user", "list", data=s.data).stdout))
    p = oasis("user", "role", "李四", "--role", "root", data=s.data, check=False)
    expect(p.returncode != 0 and "--role" in p.stderr, p.stderr)
    oasis("user", "delete", "李四", data=s.data)
    expect("李四" not in oasis("user", "list", data=s.data).stdout)
    expect_error(login(s, "李四", password), 401)
    p = oasis("user", "delete", "李四", data=s.data, check=False)
    expect(p.returncode == 1 and "李四" in p.stderr, p.stderr)
    j = json.loads(oasis("user", "list", "--format", "json",
                         data=s.data).stdout)
    expect([u["name"] for u in j] == ["admin"], j)


@test
def telemetry_with_a_device_token_may_omit_device():
    s = server()
    tok = add_device(s, "ws-omit")
    t = int(time.time() * 1000) - 7200000
    r = s.post("/api/v1/telemetry", token=tok,
               body={"ts": t, "values": {"air_temp": 11.25}})
    expect(r.status == 204, r)
    q = s.get("/api/v1/query?series=ws-omit/air_temp&from=%d&to=%d"
              % (t - 1000, t + 1000), token=s.admin_token)
    expect(q.json()["values"][0][1] == 11.25, q)
    # naming another device is still refused as before, 403 naming it
    expect_error(s.post("/api/v1/telemetry", token=tok,
                        body={"device": "ws-cli1", "ts": t,
                              "values": {"air_temp": 1}}), 403,
                 contains="ws-cli1")
    expect_error(s.post("/api/v1/telemetry", token=s.admin_token,
                        body={"ts": t, "values": {"air_temp": 1}}), 400,
                 contains="'device'")


@test
def plots_list_as_a_table():
    s = server()
    gj = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"code": "C1", "name": "东区一号",
                                          "crop": "cotton"},
        "geometry": {"type": "Polygon", "coordinates": [[
            [86.0, 44.0], [86.01, 44.0], [86.01, 44.01], [86.0, 44.01],
            [86.0, 44.0]]]}}]}
    path = os.path.join(s.dir, "c1.geojson")
    with open(path, "w") as f:
        json.dump(gj, f, ensure_ascii=False)
    oasis("plots", "import", path, data=s.data)
    t = oasis("plots", "list", "--format", "table", data=s.data).stdout
    lines = t.splitlines()
    expect(lines[0].split() == ["code", "name", "crop", "variety", "area_ha",
                                "owner", "site"], t)
    row = [l for l in lines if l.startswith("C1")][0]
    expect(width(row[:row.index("cotton")]) ==
           width(lines[0][:lines[0].index("crop")]), t)
    fc = json.loads(oasis("plots", "list", "--format", "json",
                          data=s.data).stdout)
    expect(fc["type"] == "FeatureCollection", fc)


@test
def token_list_formats():
    s = server()
    s.token("viewer", "大屏幕")
    c = list(csv.reader(io.StringIO(
        oasis("token", "list", "--format", "csv", data=s.data).stdout)))
    expect(c[0] == ["id", "name", "role", "device", "created", "expires",
                    "revoked"], c)
    expect(["大屏幕", "viewer", ""] in [r[1:4] for r in c], c)
    j = json.loads(oasis("token", "list", "--format", "json",
                         data=s.data).stdout)
    expect(any(t["name"] == "大屏幕" and t["revoked"] == "" for t in j), j)
    lines = oasis("token", "list", data=s.data).stdout.splitlines()
    row = [l for l in lines if "大屏幕" in l][0]
    expect(width(row[:row.index("viewer")]) ==
           width(lines[0][:lines[0].index("role")]), lines)


def gbk_shapefile(folder):
    """A Shapefile whose .dbf holds GBK text and says nothing of it: no
    .cpg, no language driver mark (byte 29 of the .dbf)."""
    from osgeo import ogr, osr
    path = os.path.join(folder, "gbk.shp")
    ds = ogr.GetDriverByName("ESRI Shapefile").CreateDataSource(path)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    layer = ds.CreateLayer("gbk", srs, ogr.wkbPolygon, ["ENCODING=GBK"])
    for name in ("code", "name"):
        layer.CreateField(ogr.FieldDefn(name, ogr.OFTString))
    f = ogr.Feature(layer.GetLayerDefn())
    f.SetField("code", "G1")
    f.SetField("name", "一号地")
    f.SetGeometry(ogr.CreateGeometryFromWkt(
        "POLYGON ((86.2 44.3,86.2 44.301,86.201 44.301,86.201 44.3,"
        "86.2 44.3))"))
    layer.CreateFeature(f)
    f = layer = ds = None
    if os.path.exists(path[:-4] + ".cpg"):
        os.unlink(path[:-4] + ".cpg")
    with open(path[:-4] + ".dbf", "r+b") as dbf:
        dbf.seek(29)
        dbf.write(b"\0")
        dbf.seek(0)
        raw = dbf.read()
    expect("一号地".encode("gbk") in raw, "the .dbf does not hold GBK")
    return path


@test
def a_gbk_shapefile_imports_with_its_encoding():
    s = server()
    folder = os.path.join(s.dir, "gbk")
    os.mkdir(folder)
    shp = gbk_shapefile(folder)
    p = oasis("plots", "import", shp, data=s.data, check=False)
    expect(p.returncode == 1 and "--encoding GBK" in p.stderr, p.stderr)
    p = oasis("plots", "import", shp, "--encoding", "GBK", data=s.data)
    expect("1 added" in p.stdout, p.stdout)
    got = json.loads(oasis("plots", "show", "G1", data=s.data).stdout)
    expect(got["properties"]["name"] == "一号地", got)
    # over HTTP: a zipped Shapefile and ?encoding=
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for ext in ("shp", "shx", "dbf", "prj"):
            z.write(shp[:-3] + ext, "gbk." + ext)
    body = buf.getvalue()
    r = s.post("/api/v1/plots?dry_run=1", body=body, token=s.admin_token,
               headers={"Content-Type": "application/zip"})
    expect(r.status == 422 and "?encoding=GBK" in r.body, r)
    r = s.post("/api/v1/plots?dry_run=1&encoding=GBK", body=body,
               token=s.admin_token,
               headers={"Content-Type": "application/zip"})
    expect(r.status == 200, r)


run()

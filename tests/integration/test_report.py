"""The daily base report: the same figures as CSV, XLSX (read back with
openpyxl) and PDF (rendered by pdftoppm, its CJK font embedded), from the
command line and GET /api/v1/reports/daily."""
import csv
import io
import json
import os
import subprocess
import tempfile

from harness import Server, expect, expect_error, oasis, run, test

# 2025-06-15 in Asia/Shanghai (UTC+8): from 2025-06-14T16:00Z
DAY_START = 1749916800000
HOUR = 3600000
SQUARE = {"type": "FeatureCollection", "features": [
    {"type": "Feature",
     "properties": {"code": code, "name": name, "crop": "cotton"},
     "geometry": {"type": "Polygon", "coordinates": [[
         [lon, 44.0], [lon + 0.01, 44.0], [lon + 0.01, 44.01],
         [lon, 44.01], [lon, 44.0]]]}}
    for code, name, lon in (("R-1", "一号地", 87.0), ("R-2", "二号地", 87.02))]}

srv = None


def server():
    global srv
    if srv is None:
        srv = Server().start()
        s = srv
        expect(s.post("/api/v1/plots", body=SQUARE,
                      token=s.admin_token).status == 201)
        for d in ({"id": "ws-r", "kind": "weather_station", "plot": "R-1"},
                  {"id": "sp-r", "kind": "soil_probe", "plot": "R-1"}):
            expect(s.post("/api/v1/devices", body=d,
                          token=s.admin_token).status == 201)
        items = []
        # the day: 10 to 21 C (mean 15.5), rain 0.5 mm an hour for 4 h;
        # the probe 20 and 30 %vol at two depths (mean 25); the day
        # before and after must not count
        for h in range(24):
            items.append({"device": "ws-r", "ts": DAY_START + h * HOUR,
                          "values": {"air_temp": 10 + h * 11 / 23,
                                     "rh": 50, "rain": 0.5 if h < 4 else 0,
                                     "wind_speed": 2}})
            items.append({"device": "sp-r", "ts": DAY_START + h * HOUR,
                          "values": {"moisture_10cm": 20,
                                     "moisture_20cm": 30}})
        for ts in (DAY_START - 1000, DAY_START + 24 * HOUR):
            items.append({"device": "ws-r", "ts": ts,
                          "values": {"air_temp": -30, "rain": 99}})
        r = s.request("POST", "/api/v1/telemetry",
                      body="\n".join(json.dumps(x) for x in items),
                      token=s.admin_token)
        expect(r.status in (200, 204), r)
    return srv


@test
def csv_has_the_days_figures():
    s = server()
    r = s.get("/api/v1/reports/daily?date=2025-06-15&format=csv",
              token=s.token("viewer", "v"))
    expect(r.status == 200 and r.header("Content-Type").startswith(
        "text/csv"), r)
    sections = r.body.split("\n\n")
    rows = list(csv.reader(io.StringIO(sections[0].split("\n", 2)[2])))
    expect(rows[0][:3] == ["station", "plot", "air_temp_min"], rows)
    expect(rows[1] == ["ws-r", "R-1", "10.0", "21.0", "15.5", "50", "2.0",
                       "2.0"], rows)
    plots = list(csv.reader(io.StringIO(sections[1])))
    expect(plots[1] == ["code", "name", "crop", "area_mu", "moisture_mean"],
           plots)
    expect(plots[2][:3] == ["R-1", "一号地", "cotton"] and
           plots[2][4] == "25.0", plots)
    expect(plots[3][0] == "R-2" and plots[3][4] == "", plots)
    expect(float(plots[2][3]) > 1000, plots)   # ~0.01 deg square, in mu
    expect(sections[2].startswith("alerts\n"), sections[2])


@test
def xlsx_opens_in_openpyxl():
    import openpyxl
    s = server()
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "day.xlsx")
        oasis("report", "daily", "--date", "2025-06-15", "--format", "xlsx",
              "--out", out, data=s.data)
        wb = openpyxl.load_workbook(out)
        expect(wb.sheetnames == ["气象 Weather", "地块 Plots", "告警 Alerts"],
               wb.sheetnames)
        w = [list(r) for r in wb["气象 Weather"].iter_rows(values_only=True)]
        expect(w[1][:2] == ("ws-r", "R-1") or w[1][:2] == ["ws-r", "R-1"], w)
        expect(w[1][2] == 10 and w[1][3] == 21 and
               abs(w[1][4] - 15.5) < 1e-9 and w[1][6] == 2, w)
        p = [list(r) for r in wb["地块 Plots"].iter_rows(values_only=True)]
        expect(p[1][0] == "R-1" and p[1][1] == "一号地" and p[1][4] == 25, p)


@test
def pdf_renders_with_its_cjk_font():
    s = server()
    r = s.get("/api/v1/reports/daily?date=2025-06-15&format=pdf",
              token=s.admin_token, raw=True)
    expect(r.status == 200 and r.header("Content-Type") == "application/pdf",
           r)
    expect(r.body[:5] == b"%PDF-", r.body[:20])
    with tempfile.TemporaryDirectory() as d:
        pdf = os.path.join(d, "day.pdf")
        with open(pdf, "wb") as f:
            f.write(r.body)
        subprocess.run(["pdftoppm", "-r", "40", "-png", pdf,
                        os.path.join(d, "page")], check=True)
        pages = [x for x in os.listdir(d) if x.startswith("page")]
        expect(len(pages) >= 1, pages)
        fonts = subprocess.run(["pdffonts", pdf], capture_output=True,
                               text=True, check=True).stdout
        expect("NotoSansCJK" in fonts.replace(" ", ""), fonts)
        text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True,
                              text=True, check=True).stdout
        for part in ("2025-06-15", "ws-r", "一号地", "21.0", "25.0"):
            expect(part in text, (part, text[:400]))


@test
def bad_requests_say_what():
    s = server()
    expect_error(s.get("/api/v1/reports/daily", token=s.admin_token), 400,
                 contains="date")
    expect_error(s.get("/api/v1/reports/daily?date=2025-13-40",
                       token=s.admin_token), 400, contains="2025-13-40")
    expect_error(s.get("/api/v1/reports/daily?date=2025-06-15&format=doc",
                       token=s.admin_token), 400, contains="doc")
    expect_error(s.get("/api/v1/reports/daily?date=2025-06-15&tz=Mars/Base",
                       token=s.admin_token), 404, contains="Mars/Base")
    expect_error(s.get("/api/v1/reports/daily?date=2025-06-15"), 401)
    p = oasis("report", "daily", "--format", "doc", "--date", "2025-06-15",
              data=s.data, check=False)
    expect(p.returncode == 2 and "doc" in p.stderr, p.stderr)


if __name__ == "__main__":
    run()

"""The plot registry: import over the command line and HTTP, in any format
and CRS, with every refusal; list, filters, edit, delete."""
import json
import math
import os
import tempfile
import zipfile

from osgeo import ogr, osr

from harness import Server, expect, expect_error, oasis, run, test

ogr.UseExceptions()
osr.UseExceptions()

srv = None
M2_PER_MU = 10000.0 / 15.0


def server():
    global srv
    if srv is None:
        srv = Server().start()
    return srv


def square(lon, lat, side_deg=0.004):
    return [[lon, lat], [lon + side_deg, lat], [lon + side_deg, lat + side_deg],
            [lon, lat + side_deg], [lon, lat]]


def feature(code, ring, **props):
    props["code"] = code
    return {"type": "Feature", "properties": props,
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def collection(*features):
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def srs(epsg):
    s = osr.SpatialReference()
    s.ImportFromEPSG(epsg)
    s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return s


def equal_area_m2(ring_lonlat):
    """Area by an independent route: a Lambert azimuthal equal-area projection
    centred on the polygon, edges densified, planar area there."""
    lon0 = sum(p[0] for p in ring_lonlat[:-1]) / (len(ring_lonlat) - 1)
    lat0 = sum(p[1] for p in ring_lonlat[:-1]) / (len(ring_lonlat) - 1)
    laea = osr.SpatialReference()
    laea.ImportFromProj4("+proj=laea +lat_0=%f +lon_0=%f +ellps=WGS84" %
                         (lat0, lon0))
    ring = ogr.Geometry(ogr.wkbLinearRing)
    for lon, lat in ring_lonlat:
        ring.AddPoint_2D(lon, lat)
    poly = ogr.Geometry(ogr.wkbPolygon)
    poly.AddGeometry(ring)
    poly.Segmentize(0.0001)
    poly.AssignSpatialReference(srs(4326))
    poly.TransformTo(laea)
    return poly.GetArea()


def write_layer(path, driver, epsg, rings_by_code, layer="plots"):
    ds = ogr.GetDriverByName(driver).CreateDataSource(path)
    lyr = ds.CreateLayer(layer, srs(epsg), ogr.wkbPolygon)
    lyr.CreateField(ogr.FieldDefn("code", ogr.OFTString))
    lyr.CreateField(ogr.FieldDefn("crop", ogr.OFTString))
    for code, ring_pts in rings_by_code.items():
        ring = ogr.Geometry(ogr.wkbLinearRing)
        for x, y in ring_pts:
            ring.AddPoint_2D(x, y)
        poly = ogr.Geometry(ogr.wkbPolygon)
        poly.AddGeometry(ring)
        f = ogr.Feature(lyr.GetLayerDefn())
        f.SetField("code", code)
        f.SetField("crop", "cotton")
        f.SetGeometry(poly)
        lyr.CreateFeature(f)
    ds = None


def plots_by_code(s, query=""):
    r = s.get("/api/v1/plots" + query, token=s.admin_token)
    expect(r.status == 200, r)
    fc = r.json()
    expect(fc["type"] == "FeatureCollection")
    return {f["properties"]["code"]: f for f in fc["features"]}


@test
def geojson_post_then_list_get_patch_delete():
    s = server()
    body = collection(feature("6523241010001", square(86.20, 44.30),
                              crop="cotton", sowing_date="2026-04-15"),
                      feature("6523241010002", square(86.21, 44.30),
                              crop="maize"))
    r = s.post("/api/v1/plots", body=body, token=s.admin_token)
    expect(r.status == 201, r)
    summary = r.json()
    expect(summary["added"] == 2 and summary["rejected"] == 0, summary)
    plots = plots_by_code(s)
    p = plots["6523241010001"]["properties"]
    expect(p["crop"] == "cotton" and p["sowing_date"] == "2026-04-15", p)
    expect(abs(p["area_mu"] * M2_PER_MU - p["area_m2"]) < 1, p)
    expected = equal_area_m2(square(86.20, 44.30))
    expect(abs(p["area_m2"] - expected) / expected < 1e-4,
           "area %f vs %f" % (p["area_m2"], expected))
    r = s.request("PATCH", "/api/v1/plots/6523241010001", token=s.admin_token,
                  body={"variety": "新陆早57号", "field_capacity": 0.31,
                        "wilting_point": 0.13, "owner": "test farm"})
    expect(r.status == 200, r)
    props = r.json()["properties"]
    expect(props["variety"] == "新陆早57号" and props["field_capacity"] == 0.31,
           props)
    r = s.request("DELETE", "/api/v1/plots/6523241010002", token=s.admin_token)
    expect(r.status == 204, r)
    expect_error(s.get("/api/v1/plots/6523241010002", token=s.admin_token), 404)


@test
def reimport_updates_existing_codes():
    s = server()
    body = collection(feature("U1", square(86.30, 44.30), crop="cotton"))
    s.post("/api/v1/plots", body=body, token=s.admin_token)
    body = collection(feature("U1", square(86.30, 44.30), crop="maize"),
                      feature("U2", square(86.31, 44.30)))
    r = s.post("/api/v1/plots", body=body, token=s.admin_token)
    expect(r.status == 201 and r.json()["updated"] == 1 and
           r.json()["added"] == 1, r)
    expect(plots_by_code(s)["U1"]["properties"]["crop"] == "maize")


@test
def patch_refuses_bad_fields():
    s = server()
    s.post("/api/v1/plots", body=collection(feature("P1", square(86.4, 44.3))),
           token=s.admin_token)
    for body, needle in (({"sowing_date": "2026-02-30"}, "sowing_date"),
                         ({"field_capacity": 1.5}, "field_capacity"),
                         ({"colour": "red"}, "colour"),
                         ({"field_capacity": 0.1, "wilting_point": 0.2},
                          "wilting point")):
        r = s.request("PATCH", "/api/v1/plots/P1", body=body,
                      token=s.admin_token)
        expect_error(r, 400, contains=needle)
    expect_error(s.request("PATCH", "/api/v1/plots/P1", body="{bad",
                           token=s.admin_token), 400, contains="line 1")
    expect_error(s.request("PATCH", "/api/v1/plots/NOPE", body={"crop": "x"},
                           token=s.admin_token), 404)


@test
def invalid_features_reject_the_whole_import():
    s = server()
    bowtie = [[86.5, 44.3], [86.504, 44.304], [86.504, 44.3], [86.5, 44.304],
              [86.5, 44.3]]
    body = collection(feature("G1", square(86.50, 44.31)),
                      feature("G2", bowtie),
                      feature("G1", square(86.52, 44.31)),
                      {"type": "Feature", "properties": {},
                       "geometry": {"type": "Polygon",
                                    "coordinates": [square(86.53, 44.31)]}})
    r = s.post("/api/v1/plots", body=body, token=s.admin_token)
    expect(r.status == 422, r)
    err = r.json()["error"]
    reasons = " | ".join(x["message"] for x in err["summary"]["rejects"])
    expect("feature 2" in reasons and "G2" in reasons, reasons)
    expect("feature 3" in reasons and "duplicate" in reasons, reasons)
    expect("feature 4" in reasons, reasons)
    expect("G1" not in plots_by_code(s), "half an import was stored")
    r = s.post("/api/v1/plots?skip_invalid=1", body=body, token=s.admin_token)
    expect(r.status == 201 and r.json()["added"] == 1 and
           r.json()["rejected"] == 3, r)


@test
def unclosed_and_empty_rings_are_rejected():
    s = server()
    open_ring = square(86.6, 44.3)[:-1]
    body = collection(feature("O1", open_ring),
                      {"type": "Feature", "properties": {"code": "E1"},
                       "geometry": {"type": "Polygon", "coordinates": []}})
    r = s.post("/api/v1/plots", body=body, token=s.admin_token)
    expect(r.status == 422, r)
    rejects = r.json()["error"]["summary"]["rejects"]
    expect(len(rejects) == 2, rejects)
    expect(rejects[0]["feature"] == 1 and rejects[0]["code"] == "O1", rejects)


@test
def malformed_geojson_and_unknown_crs_are_400():
    s = server()
    r = s.post("/api/v1/plots", body='{"type": "FeatureCollection", ',
               token=s.admin_token)
    expect(r.status in (400, 415), r)
    expect("GeoJSON" in r.json()["error"]["message"], r)
    body = json.loads(collection(feature("C1", square(86.7, 44.3))))
    body["crs"] = {"type": "name", "properties": {"name": "EPSG:999999"}}
    r = s.post("/api/v1/plots", body=json.dumps(body), token=s.admin_token)
    expect(r.status == 400, r)
    r = s.post("/api/v1/plots", body=b"not a vector file at all",
               token=s.admin_token)
    expect(r.status in (400, 415) and "vector" in r.body, r)


@test
def gauss_kruger_shapefile_imports_with_true_lonlat_and_area():
    s = server()
    d = tempfile.mkdtemp()
    # a 500 m x 400 m field in CGCS2000 / 3-degree Gauss-Kruger CM 87E
    x0, y0 = 365000.0, 4905000.0
    ring = [(x0, y0), (x0 + 500, y0), (x0 + 500, y0 + 400), (x0, y0 + 400),
            (x0, y0)]
    path = os.path.join(d, "gk.shp")
    write_layer(path, "ESRI Shapefile", 4538, {"GK1": ring})
    out = oasis("plots", "import", path, data=s.data).stdout
    expect("1 added" in out, out)
    to_ll = osr.CoordinateTransformation(srs(4538), srs(4490))
    lonlat = [to_ll.TransformPoint(x, y)[:2] for x, y in ring]
    f = plots_by_code(s)["GK1"]
    got = f["geometry"]["coordinates"][0]
    # the Shapefile writer may turn the ring (outer rings are clockwise there)
    for lon, lat in lonlat:
        expect(any(abs(lon - g[0]) < 1e-7 and abs(lat - g[1]) < 1e-7
                   for g in got), "vertex %r not in %r" % ((lon, lat), got))
    expect(85.0 < got[0][0] < 88.0 and 44.0 < got[0][1] < 45.0, got[0])
    area = f["properties"]["area_m2"]
    expected = equal_area_m2(lonlat)
    expect(abs(area - expected) / expected < 1e-4, "%f vs %f" % (area, expected))
    # Gauss-Kruger distorts lengths by about (x-500km)^2/2R^2 off the meridian
    expect(abs(area - 200000.0) / 200000.0 < 0.002, area)


@test
def zone_prefixed_gauss_kruger_and_zipped_shapefile_upload():
    s = server()
    d = tempfile.mkdtemp()
    x0, y0 = 29365000.0, 4905000.0  # zone 29 prefix (EPSG:4517)
    ring = [(x0, y0), (x0 + 300, y0), (x0 + 300, y0 + 300), (x0, y0 + 300),
            (x0, y0)]
    shp = os.path.join(d, "zone.shp")
    write_layer(shp, "ESRI Shapefile", 4517, {"Z1": ring})
    zpath = os.path.join(d, "zone.zip")
    with zipfile.ZipFile(zpath, "w") as z:
        for ext in ("shp", "shx", "dbf", "prj"):
            z.write(os.path.join(d, "zone." + ext), "zone." + ext)
    with open(zpath, "rb") as f:
        r = s.post("/api/v1/plots", body=f.read(), token=s.admin_token,
                   headers={"Content-Type": "application/zip"})
    expect(r.status == 201 and r.json()["added"] == 1, r)
    got = plots_by_code(s)["Z1"]
    expect(abs(got["properties"]["area_m2"] - 90000) / 90000 < 0.002,
           got["properties"])


@test
def kml_and_geopackage_import_on_the_command_line():
    s = server()
    d = tempfile.mkdtemp()
    kml = os.path.join(d, "p.kml")
    write_layer(kml, "KML", 4326, {"K1": [tuple(p) for p in square(86.8, 44.3)]})
    gpkg = os.path.join(d, "p.gpkg")
    write_layer(gpkg, "GPKG", 32645,
                {"GP1": [(700000, 4910000), (700200, 4910000),
                         (700200, 4910200), (700000, 4910200),
                         (700000, 4910000)]})
    # KML keeps the name of the field as written; its code field is "code"
    out = oasis("plots", "import", kml, data=s.data, check=False)
    expect(out.returncode == 0, out.stderr)
    out = oasis("plots", "import", gpkg, data=s.data)
    expect("1 added" in out.stdout, out.stdout)
    got = plots_by_code(s)
    expect("K1" in got and "GP1" in got, list(got))


@test
def cli_import_is_all_or_nothing_and_names_the_problem():
    s = server()
    d = tempfile.mkdtemp()
    path = os.path.join(d, "bad.geojson")
    with open(path, "w") as f:
        f.write(collection(feature("N1", square(86.9, 44.3)),
                           {"type": "Feature", "properties": {"code": "N2"},
                            "geometry": {"type": "Point",
                                         "coordinates": [86.9, 44.3]}}))
    p = oasis("plots", "import", path, data=s.data, check=False)
    expect(p.returncode == 1, p)
    expect("feature 2" in p.stderr and "N2" in p.stderr, p.stderr)
    expect("N1" not in plots_by_code(s))
    p = oasis("plots", "import", path, "--skip-invalid", data=s.data)
    expect("1 added" in p.stdout and "1 rejected" in p.stdout, p.stdout)
    p = oasis("plots", "import", os.path.join(d, "missing.geojson"),
              data=s.data, check=False)
    expect(p.returncode == 1 and "missing.geojson" in p.stderr, p.stderr)


@test
def code_field_option_and_missing_code():
    s = server()
    d = tempfile.mkdtemp()
    path = os.path.join(d, "f.geojson")
    fc = json.loads(collection(feature("x", square(87.0, 44.3))))
    fc["features"][0]["properties"] = {"plot_no": 6523241030001}
    with open(path, "w") as f:
        json.dump(fc, f)
    p = oasis("plots", "import", path, data=s.data, check=False)
    expect(p.returncode == 1 and "code" in p.stderr, p.stderr)
    p = oasis("plots", "import", path, "--code-field", "plot_no", data=s.data)
    expect("6523241030001" in plots_by_code(s), "integer code not kept")


@test
def filters_and_csv():
    s = server()
    body = collection(feature("F1", square(88.0, 40.0), crop="tomato"),
                      feature("F2", square(88.5, 40.0), crop="wheat"))
    s.post("/api/v1/plots", body=body, token=s.admin_token)
    got = plots_by_code(s, "?crop=tomato")
    expect(set(got) == {"F1"}, list(got))
    got = plots_by_code(s, "?bbox=87.9,39.9,88.2,40.2")
    expect(set(got) == {"F1"}, list(got))
    expect_error(s.get("/api/v1/plots?bbox=1,2,3", token=s.admin_token), 400,
                 contains="bbox")
    r = s.get("/api/v1/plots?format=csv&crop=wheat", token=s.admin_token)
    expect(r.status == 200 and r.body.startswith("code,"), r)
    expect("F2,," in r.body or "F2," in r.body, r.body)
    p = oasis("plots", "list", "--format", "csv", "--crop", "wheat",
              data=s.data)
    expect(p.stdout.splitlines()[1].startswith("F2,"), p.stdout)
    p = oasis("plots", "list", data=s.data)
    expect(json.loads(p.stdout)["type"] == "FeatureCollection")


run()

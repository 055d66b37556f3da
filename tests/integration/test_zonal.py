"""`oasis zonal` from the command line: CSV and JSON answers on a raster and
plots the test writes itself (GDAL), the band options (numbers, one file
per band, found by description), --exact, masks, and the exit codes: 2 for
a wrong command line naming the flag, 1 for unreadable files, missing
bands and rasters without a CRS.

The raster: WGS 84 / UTM 45N, 10 m pixels from (400000, 4950000), 40 x 30
pixels, red 1000 and NIR 1000 + 100 * column (NDVI = c / (20 + c)), red 0
(nodata) on row 6.  Plot corners sit a quarter pixel inside the pixel
grid, so each plot's pixels are known exactly."""
import atexit
import csv
import io
import json
import os
import shutil
import tempfile

import numpy as np
from osgeo import gdal, osr

from harness import expect, oasis, run, test

gdal.UseExceptions()
X0, Y0, PIX = 400000.0, 4950000.0, 10.0
W, H = 40, 30
DIR = tempfile.mkdtemp(prefix="oasis-zonal-it-")
atexit.register(shutil.rmtree, DIR, True)


def path(name):
    return os.path.join(DIR, name)


def write_raster(name, bands, srs=True, desc=None, nodata=0):
    ds = gdal.GetDriverByName("GTiff").Create(path(name), W, H, len(bands), gdal.GDT_UInt16)
    ds.SetGeoTransform((X0, PIX, 0, Y0, 0, -PIX))
    if srs:
        s = osr.SpatialReference()
        s.ImportFromEPSG(32645)
        ds.SetProjection(s.ExportToWkt())
    for i, arr in enumerate(bands, 1):
        b = ds.GetRasterBand(i)
        b.WriteArray(arr)
        if nodata is not None:
            b.SetNoDataValue(nodata)
        if desc:
            b.SetDescription(desc[i - 1])
    ds = None
    return path(name)


def bands():
    cols = np.tile(np.arange(W), (H, 1))
    red = np.full((H, W), 1000, dtype=np.uint16)
    red[6, :] = 0
    nir = (1000 + 100 * cols).astype(np.uint16)
    return red, nir


def rect(c0, r0, c1, r1):
    xs = [X0 + c * PIX for c in (c0, c1, c1, c0, c0)]
    ys = [Y0 - r * PIX for r in (r1, r1, r0, r0, r1)]
    return [[x, y] for x, y in zip(xs, ys)]


def write_plots():
    """P1: cols 10..19 x rows 5..14 (row 6 nodata); P2 beyond the right
    edge: cols 35..44 x rows 20..21; P3 outside the raster."""
    feats = [("P1", rect(10.25, 5.25, 20.25, 15.25)),
             ("P2", rect(35.25, 20.25, 45.25, 22.25)),
             ("P3", rect(100.25, 5.25, 102.25, 7.25))]
    fc = {"type": "FeatureCollection",
          "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32645"}},
          "features": [{"type": "Feature", "properties": {"code": c},
                        "geometry": {"type": "Polygon", "coordinates": [ring]}}
                       for c, ring in feats]}
    with open(path("plots.geojson"), "w") as f:
        json.dump(fc, f)
    return path("plots.geojson")


RED, NIR = bands()
SCENE = write_raster("scene.tif", [RED, NIR])
PLOTS = write_plots()


def ndvi_of(cols, rows):
    vals = np.array([c / (20.0 + c) for r in rows for c in cols if r != 6])
    return vals


def rows_of(out):
    return {r["code"]: r for r in csv.DictReader(io.StringIO(out))}


@test
def csv_answer_matches_the_pixels():
    p = oasis("zonal", "--raster", SCENE, "--plots", PLOTS, "--red", "1", "--nir", "2")
    lines = p.stdout.splitlines()
    expect(lines[0] == "code,count,valid_fraction,mean,std,min,max,median,p10,p90", lines[0])
    rows = rows_of(p.stdout)
    v = ndvi_of(range(10, 20), range(5, 15))
    r = rows["P1"]
    expect(r["count"] == "90", r)
    expect(float(r["valid_fraction"]) == 0.9, r)
    for name, want in (("mean", v.mean()), ("std", v.std()), ("min", v.min()),
                       ("max", v.max()), ("median", np.percentile(v, 50)),
                       ("p10", np.percentile(v, 10)), ("p90", np.percentile(v, 90))):
        expect(abs(float(r[name]) - want) < 1e-12, (name, r[name], want))
    # half beyond the edge: 10 of 20 pixels in the image
    expect(rows["P2"]["count"] == "10" and float(rows["P2"]["valid_fraction"]) == 0.5,
           rows["P2"])
    # outside: no value, said on stderr
    expect(rows["P3"]["count"] == "0" and rows["P3"]["mean"] == "", rows["P3"])
    expect("1 plot lies outside the raster" in p.stderr, p.stderr)


@test
def json_and_exact():
    p = oasis("zonal", "--raster", SCENE, "--plots", PLOTS, "--format", "json", "--exact",
              "--red", "1", "--nir", "2")
    doc = {o["code"]: o for o in json.loads(p.stdout)}
    # exact: a quarter of a pixel column and row on each side, nodata row
    # 6 holds 10 whole pixels: 100 - 10 = 90 whole pixels and the slivers
    expect(abs(doc["P1"]["count"] - (100 - 10)) < 1e-3, doc["P1"])
    expect(doc["P3"]["count"] == 0 and doc["P3"]["mean"] is None, doc["P3"])


@test
def one_file_per_band_and_bands_by_name():
    red = write_raster("B04.tif", [RED])
    nir = write_raster("B08.tif", [NIR])
    a = oasis("zonal", "--raster", SCENE, "--plots", PLOTS, "--red", "1", "--nir", "2").stdout
    b = oasis("zonal", "--red", red, "--nir", nir, "--plots", PLOTS).stdout
    expect(a == b, (a, b))
    named = write_raster("named.tif", [NIR, RED], desc=["B08", "B04"])
    c = oasis("zonal", "--raster", named, "--plots", PLOTS).stdout
    expect(a == c, (a, c))


@test
def cloud_mask_leaves_pixels_out():
    mask = np.zeros((H, W), dtype=np.uint16)
    mask[10:12, :] = 1
    m = write_raster("mask.tif", [mask], nodata=None)
    r = rows_of(oasis("zonal", "--raster", SCENE, "--plots", PLOTS, "--red", "1",
                      "--nir", "2", "--mask", m).stdout)
    expect(r["P1"]["count"] == "70", r["P1"])


@test
def wrong_command_lines_exit_2_naming_the_flag():
    for args, flag in ((["--index", "ndwi"], "--index"), (["--format", "xml"], "--format"),
                       (["--scale", "zero"], "--scale"), (["--threads", "0"], "--threads"),
                       (["--blue", "3"], "--blue"), (["--scl-drop", "3,8"], "--scl-drop")):
        p = oasis("zonal", "--raster", SCENE, "--plots", PLOTS, *args, check=False)
        expect(p.returncode == 2 and flag in p.stderr, (args, p.returncode, p.stderr))
    p = oasis("zonal", "--raster", SCENE, check=False)
    expect(p.returncode == 2 and "--plots" in p.stderr, p.stderr)
    p = oasis("zonal", "--help")
    expect(p.returncode == 0 and "--exact" in p.stdout)


@test
def unreadable_missing_band_no_crs_exit_1():
    p = oasis("zonal", "--raster", path("nothere.tif"), "--plots", PLOTS, check=False)
    expect(p.returncode == 1 and "nothere.tif" in p.stderr, p.stderr)
    p = oasis("zonal", "--raster", SCENE, "--plots", PLOTS, "--red", "1", "--nir", "3",
              check=False)
    expect(p.returncode == 1 and "--nir asks for band 3" in p.stderr, p.stderr)
    nocrs = write_raster("nocrs.tif", [RED, NIR], srs=False)
    p = oasis("zonal", "--raster", nocrs, "--plots", PLOTS, "--red", "1", "--nir", "2",
              check=False)
    expect(p.returncode == 1 and "no CRS" in p.stderr, p.stderr)
    p = oasis("zonal", "--raster", SCENE, "--plots", path("nothere.geojson"), check=False)
    expect(p.returncode == 1, p.stderr)


run()

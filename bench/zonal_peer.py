"""The pixel-centre reference for `oasis zonal`, written the way rasterio /
rasterstats users compute zonal statistics: GDAL rasterizes the plot ids
into an int32 grid (gdal.RasterizeLayer: the pixel-centre rule), numpy does
the rest (bincount for counts and sums, a sort per plot for the quantiles).

  zonal_peer.py RASTER PLOTS OUT.csv   (red band 1, near infrared band 2)

Writes code,count,mean,std,min,max,median,p10,p90 for the NDVI of each plot
(pixels at the band's nodata left out).  Plots may overlap; so that every
plot gets all its pixels, the plots are rasterized in groups of plots whose
bounding boxes do not overlap, one grid per group.

Standard library, Debian's python3-gdal and python3-numpy only."""
import csv
import math
import sys

import numpy as np
from osgeo import gdal, ogr, osr

gdal.UseExceptions()
CELL = 256   # grid index cell for the overlap groups, pixels


def read_ndvi(path):
    ds = gdal.Open(path)
    red_band, nir_band = ds.GetRasterBand(1), ds.GetRasterBand(2)
    red = red_band.ReadAsArray().astype(np.float64)
    nir = nir_band.ReadAsArray().astype(np.float64)
    bad = np.zeros(red.shape, dtype=bool)
    for band, arr in ((red_band, red), (nir_band, nir)):
        nd = band.GetNoDataValue()
        if nd is not None:
            bad |= arr == nd
    den = nir + red
    bad |= den == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ndvi = (nir - red) / den
    ndvi[bad] = np.nan
    return ds, ndvi


def read_plots(path, dst_srs, gt):
    """Codes, geometries in the raster's CRS, and pixel bounding boxes."""
    src = ogr.Open(path)
    lyr = src.GetLayer(0)
    src_srs = lyr.GetSpatialRef().Clone()
    src_srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    dst_srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ct = osr.CoordinateTransformation(src_srs, dst_srs)
    inv = gdal.InvGeoTransform(gt)
    codes, geoms, boxes = [], [], []
    for f in lyr:
        g = f.GetGeometryRef().Clone()
        g.Transform(ct)
        minx, maxx, miny, maxy = g.GetEnvelope()
        cols = [inv[0] + x * inv[1] + y * inv[2] for x in (minx, maxx) for y in (miny, maxy)]
        rows = [inv[3] + x * inv[4] + y * inv[5] for x in (minx, maxx) for y in (miny, maxy)]
        boxes.append((math.floor(min(cols)), math.floor(min(rows)),
                      math.ceil(max(cols)) + 1, math.ceil(max(rows)) + 1))
        codes.append(f.GetField("code"))
        geoms.append(g)
    return codes, geoms, boxes


def overlap_groups(boxes):
    """Greedy colouring: no two plots of a group have overlapping boxes."""
    cells, group = {}, []
    for i, (c0, r0, c1, r1) in enumerate(boxes):
        keys = [(cx, cy) for cx in range(c0 // CELL, (c1 - 1) // CELL + 1)
                for cy in range(r0 // CELL, (r1 - 1) // CELL + 1)]
        taken = set()
        for k in keys:
            for j in cells.get(k, ()):
                a = boxes[j]
                if a[0] < c1 and c0 < a[2] and a[1] < r1 and r0 < a[3]:
                    taken.add(group[j])
        g = 0
        while g in taken:
            g += 1
        group.append(g)
        for k in keys:
            cells.setdefault(k, []).append(i)
    return group


def rasterize_ids(ds, srs, geoms, members):
    mem = gdal.GetDriverByName("MEM").Create("", ds.RasterXSize, ds.RasterYSize, 1,
                                              gdal.GDT_Int32)
    mem.SetGeoTransform(ds.GetGeoTransform())
    mem.SetProjection(ds.GetProjection())
    vds = ogr.GetDriverByName("Memory").CreateDataSource("ids")
    lyr = vds.CreateLayer("ids", srs, ogr.wkbUnknown)
    lyr.CreateField(ogr.FieldDefn("id", ogr.OFTInteger))
    for i in members:
        f = ogr.Feature(lyr.GetLayerDefn())
        f.SetField("id", i + 1)
        f.SetGeometry(geoms[i])
        lyr.CreateFeature(f)
    gdal.RasterizeLayer(mem, [1], lyr, options=["ATTRIBUTE=id"])
    return mem.GetRasterBand(1).ReadAsArray()


def main():
    raster, plots, out = sys.argv[1:4]
    ds, ndvi = read_ndvi(raster)
    srs = osr.SpatialReference(wkt=ds.GetProjection())
    codes, geoms, boxes = read_plots(plots, srs, ds.GetGeoTransform())
    group = overlap_groups(boxes)
    n = len(codes)
    rows = [None] * n
    valid = ~np.isnan(ndvi)
    height, width = ndvi.shape
    for g in range(max(group) + 1):
        members = [i for i in range(n) if group[i] == g]
        ids = rasterize_ids(ds, srs, geoms, members)
        sel = valid & (ids > 0)
        counts = np.bincount(ids[sel], minlength=n + 1)
        sums = np.bincount(ids[sel], weights=ndvi[sel], minlength=n + 1)
        for i in members:
            c0, r0, c1, r1 = boxes[i]
            c0, r0 = max(c0, 0), max(r0, 0)
            c1, r1 = min(c1, width), min(r1, height)
            count = int(counts[i + 1])
            if count == 0 or c0 >= c1 or r0 >= r1:
                rows[i] = [codes[i], count] + [""] * 7
                continue
            win = sel[r0:r1, c0:c1] & (ids[r0:r1, c0:c1] == i + 1)
            vals = np.sort(ndvi[r0:r1, c0:c1][win])
            assert vals.size == count
            mean = sums[i + 1] / count
            p10, med, p90 = np.percentile(vals, [10, 50, 90])
            rows[i] = [codes[i], count, repr(float(mean)),
                       repr(float(np.sqrt(np.mean((vals - np.mean(vals)) ** 2)))),
                       repr(float(vals[0])), repr(float(vals[-1])),
                       repr(float(med)), repr(float(p10)), repr(float(p90))]
    with open(out, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["code", "count", "mean", "std", "min", "max", "median", "p10", "p90"])
        w.writerows(rows)


if __name__ == "__main__":
    main()

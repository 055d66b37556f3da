"""Uploads reach no other file and no URL: an admin's plot or imagery upload
that is a VRT, names a /vsi path, holds a zip member named as a URL or out
of the zip, or is a KML with a NetworkLink is a 400 naming it, reads no
file outside the store and contacts no address."""
import io
import os
import socket
import tempfile
import threading
import zipfile

from harness import Server, expect, expect_error, run, test

SECRET = "SECRET-4f9c2-do-not-leak"

srv = None


def server():
    global srv
    if srv is None:
        srv = Server().start()
    return srv


class Listener:
    """A TCP listener on loopback that records whether anyone connected."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.contacts = 0
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except (socket.timeout, TimeoutError):
                continue
            except OSError:
                return
            self.contacts += 1
            try:
                c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}")
            finally:
                c.close()

    def close(self):
        self.stop = True
        self.thread.join()
        self.sock.close()


def secret_file():
    d = tempfile.mkdtemp(prefix="oasis-secret-")
    path = os.path.join(d, "credentials.csv")
    with open(path, "w") as f:
        f.write("id,WKT,token\n1,\"POLYGON ((86 44,86.01 44,86.01 44.01,86 "
                "44))\",%s\n" % SECRET)
    return path


def ogr_vrt(src):
    return ("<OGRVRTDataSource><OGRVRTLayer name=\"p\">"
            "<SrcDataSource>%s</SrcDataSource>"
            "<GeometryType>wkbPolygon</GeometryType>"
            "<GeometryField encoding=\"WKT\" field=\"WKT\"/>"
            "<Field name=\"code\" src=\"%s\"/>"
            "</OGRVRTLayer></OGRVRTDataSource>" % (src, SECRET))


def raster_vrt(src):
    return ("<VRTDataset rasterXSize=\"4\" rasterYSize=\"4\">"
            "<SRS>EPSG:4326</SRS>"
            "<GeoTransform>86, 0.001, 0, 44.004, 0, -0.001</GeoTransform>"
            "<VRTRasterBand dataType=\"Float32\" band=\"1\"><SimpleSource>"
            "<SourceFilename>%s</SourceFilename><SourceBand>1</SourceBand>"
            "</SimpleSource></VRTRasterBand>"
            "<VRTRasterBand dataType=\"Float32\" band=\"2\"><SimpleSource>"
            "<SourceFilename>%s</SourceFilename><SourceBand>1</SourceBand>"
            "</SimpleSource></VRTRasterBand></VRTDataset>" % (src, src))


def zipped(members):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        for name, data in members:
            z.writestr(zipfile.ZipInfo(name), data)
    return b.getvalue()


def upload_plots(body):
    s = server()
    return s.post("/api/v1/plots", body=body, token=s.admin_token)


IMAGERY = "/api/v1/imagery?source=sentinel-2a&acquired=2026-07-01T05:00:00Z" \
    "&red=1&nir=2"


def upload_scene(body):
    s = server()
    return s.post(IMAGERY, body=body, token=s.admin_token)


def no_secret(r):
    expect(SECRET not in r.body, "the secret leaked: %r" % r)


@test
def a_plot_vrt_reading_a_local_file_is_400_and_leaks_nothing():
    path = secret_file()
    for body in (ogr_vrt(path).encode(),
                 zipped([("plots.vrt", ogr_vrt(path))])):
        r = upload_plots(body)
        err = expect_error(r, 400, "invalid")
        expect("OGR_VRT" in err["message"], err)
        no_secret(r)
        expect(path not in r.body, r)
    # and nothing was stored
    r = server().get("/api/v1/plots", token=server().admin_token)
    expect(r.json()["features"] == [], r)


@test
def vrts_to_a_url_are_400_for_plots_and_imagery_and_contact_nobody():
    ln = Listener()
    try:
        url = "/vsicurl/http://127.0.0.1:%d/plots.csv" % ln.port
        r = upload_plots(ogr_vrt(url).encode())
        expect_error(r, 400, contains="/vsicurl/http://127.0.0.1")
        r = upload_plots(zipped([("a.vrt", ogr_vrt(url))]))
        expect_error(r, 400, contains="/vsicurl/")
        tif = "/vsicurl/http://127.0.0.1:%d/scene.tif" % ln.port
        r = upload_scene(raster_vrt(tif).encode())
        err = expect_error(r, 400, contains="VRT")
        expect("GeoTIFF" in err["message"], err)
        # plain http:// in a VRT: no /vsi prefix, the driver list refuses it
        r = upload_scene(raster_vrt("http://127.0.0.1:%d/s.tif" %
                                    ln.port).encode())
        expect_error(r, 400, contains="VRT")
        r = upload_plots(ogr_vrt("http://127.0.0.1:%d/p.geojson" %
                                 ln.port).encode())
        expect_error(r, 400, contains="OGR_VRT")
        # a KML network link, bare and in a KMZ
        kml = ("<?xml version=\"1.0\"?><kml xmlns=\"http://www.opengis.net/"
               "kml/2.2\"><Document><NetworkLink><name>more</name><Link>"
               "<href>http://127.0.0.1:%d/more.kml</href></Link>"
               "</NetworkLink></Document></kml>" % ln.port)
        for body in (kml.encode(), zipped([("doc.kml", kml)])):
            r = upload_plots(body)
            expect_error(r, 400, contains="NetworkLink to 'http://127.0.0.1")
        expect(ln.contacts == 0, "the server contacted the listener")
    finally:
        ln.close()


@test
def a_geojson_crs_link_fetches_nothing():
    ln = Listener()
    try:
        body = ('{"type":"FeatureCollection","crs":{"type":"link",'
                '"properties":{"href":"http://127.0.0.1:%d/crs.proj4",'
                '"type":"proj4"}},"features":[{"type":"Feature",'
                '"properties":{"code":"L1"},"geometry":{"type":"Polygon",'
                '"coordinates":[[[86,44],[86.01,44],[86.01,44.01],'
                '[86,44]]]}}]}' % ln.port)
        r = upload_plots(body.encode())
        expect(r.status < 500, r)
        expect(ln.contacts == 0, "the server fetched the CRS link")
    finally:
        ln.close()


@test
def a_scene_vrt_reading_a_local_file_is_400():
    path = secret_file()
    r = upload_scene(raster_vrt(path).encode())
    expect_error(r, 400, contains="VRT (Virtual Raster)")
    no_secret(r)
    expect(path not in r.body, r)


@test
def zip_members_named_as_urls_or_outside_the_zip_are_400():
    geojson = ('{"type":"FeatureCollection","features":[{"type":"Feature",'
               '"properties":{"code":"Z1"},"geometry":{"type":"Polygon",'
               '"coordinates":[[[86,44],[86.01,44],[86.01,44.01],[86,44]]]}}]}')
    for name, why in (("../../etc/plots.geojson", "out of the upload"),
                      ("/vsicurl/http://127.0.0.1:1/p.geojson",
                       "virtual path"),
                      ("http://127.0.0.1:1/p.geojson", "a URL"),
                      ("/etc/plots.geojson", "absolute path")):
        r = upload_plots(zipped([(name, geojson)]))
        expect_error(r, 400, contains=why)
        expect("a file in the zip is '" in r.body, r)
    # a reference hidden in a Shapefile's sidecar is found too
    r = upload_plots(zipped([("p.shp", b"\0" * 100),
                             ("p.prj", "/vsicurl/http://127.0.0.1:1/x")]))
    expect_error(r, 400, contains="'p.prj' in the zip")


@test
def what_uploads_may_be_still_uploads():
    geojson = ('{"type":"FeatureCollection","features":[{"type":"Feature",'
               '"properties":{"code":"OK1"},"geometry":{"type":"Polygon",'
               '"coordinates":[[[86,44],[86.01,44],[86.01,44.01],[86,44]]]}}]}')
    r = upload_plots(geojson.encode())
    expect(r.status in (200, 201), r)
    kml = ("<?xml version=\"1.0\"?><kml xmlns=\"http://www.opengis.net/kml/2.2\">"
           "<Document><Placemark><name>K1</name><ExtendedData><Data name="
           "\"code\"><value>K1</value></Data></ExtendedData><Polygon>"
           "<outerBoundaryIs><LinearRing><coordinates>86.1,44 86.11,44 "
           "86.11,44.01 86.1,44</coordinates></LinearRing></outerBoundaryIs>"
           "</Polygon></Placemark></Document></kml>")
    r = upload_plots(zipped([("doc.kml", kml)]))
    expect(r.status in (200, 201), r)
    r = upload_plots(kml.encode())
    expect(r.status in (200, 201), r)


if __name__ == "__main__":
    run()

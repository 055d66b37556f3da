"""The peer of `oasis pv solpos` in bench/pv_bench.py: the same NREL SPA
equations (Reda & Andreas 2004), written with numpy over a whole series at
once, and the same JSON Lines on stdout.  pvlib-python is not a Debian
package, so the peer is this: numpy evaluating the paper's equations in the
order pvlib's spa.py evaluates them.  The periodic-term tables are read
from src/pv/spa_tables.c, so both sides use the same data.

usage: pv_peer.py LAT LON ALT FROM_UNIX STEP_S COUNT [--quiet]
(--quiet: compute only, print the compute time on stderr, write nothing)"""
import os
import re
import sys
import time

import numpy as np

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tables():
    """{name: array} of L0..R4 (a, b, c) and the nutation rows."""
    src = open(os.path.join(TOP, "src", "pv", "spa_tables.c")).read()
    out = {}
    for name, body in re.findall(
            r"static const struct pv__spa_term (\w+)\[\] = \{(.*?)\};",
            src, re.S):
        out[name] = np.array([[float(x) for x in row.split(",")]
                              for row in re.findall(r"\{ ([^{}]*) \}", body)])
    body = re.search(r"pv__spa_nutation\[PV__SPA_NUTATION_N\] = \{(.*?)\n\};",
                     src, re.S).group(1)
    rows = re.findall(r"\{ \{ ([^}]*) \}, ([^}]*) \}", body)
    out["Y"] = np.array([[float(x) for x in y.split(",")] for y, _ in rows])
    out["ABCD"] = np.array([[float(x) for x in r.split(",")]
                            for _, r in rows])
    return out


def series(t, names, jme):
    total = 0.0
    for k, n in enumerate(names):
        arr = t[n]
        s = np.zeros_like(jme)
        for a, b, c in arr:
            s += a * np.cos(b + c * jme)
        total = total + s * jme ** k
    return total / 1e8


def solpos(t, lat, lon, elev, unixtime, pressure, temp=12.0, delta_t=67.0,
           refract=0.5667):
    jd = unixtime / 86400.0 + 2440587.5
    jde = jd + delta_t / 86400.0
    jc = (jd - 2451545) / 36525
    jce = (jde - 2451545) / 36525
    jme = jce / 10
    L = np.degrees(series(t, ["L0", "L1", "L2", "L3", "L4", "L5"], jme)) % 360
    B = np.degrees(series(t, ["B0", "B1"], jme))
    R = series(t, ["R0", "R1", "R2", "R3", "R4"], jme)
    theta = (L + 180) % 360
    beta = -B
    x = [297.85036 + 445267.111480 * jce - 0.0019142 * jce ** 2 + jce ** 3 / 189474,
         357.52772 + 35999.050340 * jce - 0.0001603 * jce ** 2 - jce ** 3 / 300000,
         134.96298 + 477198.867398 * jce + 0.0086972 * jce ** 2 + jce ** 3 / 56250,
         93.27191 + 483202.017538 * jce - 0.0036825 * jce ** 2 + jce ** 3 / 327270,
         125.04452 - 1934.136261 * jce + 0.0020708 * jce ** 2 + jce ** 3 / 450000]
    dpsi = np.zeros_like(jce)
    deps = np.zeros_like(jce)
    for y, (a, b, c, d) in zip(t["Y"], t["ABCD"]):
        arg = np.radians(sum(y[k] * x[k] for k in range(5)))
        dpsi += (a + b * jce) * np.sin(arg)
        deps += (c + d * jce) * np.cos(arg)
    dpsi /= 36000000
    deps /= 36000000
    u = jme / 10
    eps0 = (84381.448 - 4680.93 * u - 1.55 * u ** 2 + 1999.25 * u ** 3
            - 51.38 * u ** 4 - 249.67 * u ** 5 - 39.05 * u ** 6 + 7.12 * u ** 7
            + 27.87 * u ** 8 + 5.79 * u ** 9 + 2.45 * u ** 10)
    eps = eps0 / 3600 + deps
    lamd = theta + dpsi - 20.4898 / (3600 * R)
    v0 = (280.46061837 + 360.98564736629 * (jd - 2451545)
          + 0.000387933 * jc ** 2 - jc ** 3 / 38710000) % 360
    v = v0 + dpsi * np.cos(np.radians(eps))
    lr, er, br = np.radians(lamd), np.radians(eps), np.radians(beta)
    alpha = np.degrees(np.arctan2(np.sin(lr) * np.cos(er) - np.tan(br) *
                                  np.sin(er), np.cos(lr))) % 360
    delta = np.degrees(np.arcsin(np.sin(br) * np.cos(er) + np.cos(br) *
                                 np.sin(er) * np.sin(lr)))
    m = (280.4664567 + 360007.6982779 * jme + 0.03032028 * jme ** 2
         + jme ** 3 / 49931 - jme ** 4 / 15300 - jme ** 5 / 2000000)
    eot = (m - 0.0057183 - alpha + dpsi * np.cos(er)) % 360 * 4
    eot = np.where(eot > 20, eot - 1440, np.where(eot < -20, eot + 1440, eot))
    H = (v + lon - alpha) % 360
    xi = np.radians(8.794 / (3600 * R))
    latr = np.radians(lat)
    uu = np.arctan(0.99664719 * np.tan(latr))
    xx = np.cos(uu) + elev / 6378140 * np.cos(latr)
    yy = 0.99664719 * np.sin(uu) + elev / 6378140 * np.sin(latr)
    Hr, dr = np.radians(H), np.radians(delta)
    den = np.cos(dr) - xx * np.sin(xi) * np.cos(Hr)
    dalpha = np.degrees(np.arctan2(-xx * np.sin(xi) * np.sin(Hr), den))
    dprime = np.degrees(np.arctan2((np.sin(dr) - yy * np.sin(xi)) *
                                   np.cos(np.radians(dalpha)), den))
    hp = np.radians(H - dalpha)
    dpr = np.radians(dprime)
    e0 = np.degrees(np.arcsin(np.sin(latr) * np.sin(dpr) + np.cos(latr) *
                              np.cos(dpr) * np.cos(hp)))
    de = ((pressure / 100 / 1010) * (283 / (273 + temp)) * 1.02 /
          (60 * np.tan(np.radians(e0 + 10.3 / (e0 + 5.11))))) * \
        (e0 >= -(0.26667 + refract))
    e = e0 + de
    gamma = np.degrees(np.arctan2(np.sin(hp), np.cos(hp) * np.sin(latr) -
                                  np.tan(dpr) * np.cos(latr))) % 360
    phi = (gamma + 180) % 360
    return 90 - e, 90 - e0, e, e0, phi, eot


def main():
    lat, lon, alt, t0, step = (float(a) for a in sys.argv[1:6])
    count = int(sys.argv[6])
    quiet = "--quiet" in sys.argv
    start = time.perf_counter()
    unixtime = t0 + step * np.arange(count, dtype=np.float64)
    pressure = 100 * ((44331.514 - alt) / 11880.516) ** (1 / 0.1902632)
    cols = solpos(tables(), lat, lon, alt, unixtime, pressure)
    if quiet:
        print("compute %.3f s" % (time.perf_counter() - start),
              file=sys.stderr)
        return
    utc = np.datetime_as_string(
        (unixtime * 1000).astype("int64").astype("datetime64[ms]"),
        unit="s")
    names = ("apparent_zenith", "zenith", "apparent_elevation", "elevation",
             "azimuth", "equation_of_time")
    out = sys.stdout
    rows = zip(utc, *(c.tolist() for c in cols))
    for r in rows:
        out.write('{"time_utc":"%sZ",%s}\n' % (r[0], ",".join(
            '"%s":%r' % (n, v) for n, v in zip(names, r[1:]))))


if __name__ == "__main__":
    main()

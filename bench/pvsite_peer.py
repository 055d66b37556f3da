"""The numpy peer of `oasis pv daily`: the same plant day computed from the
same points, read from the CSV files the bench loaded into the store
(layout.csv, stations.csv, inverters.csv, meter.csv, strings.csv), with
the same definitions (docs/PV.md, "Daily metrics"): per inverter the IEC
61724-1 sums, the outage energy at the PR of the available intervals,
curtailment kept apart, PVWatts expected power; per string the ratio to
its combiner box's median at each daylight minute.  Prints the plant's
PR, energies and the number of open-string minutes as JSON.

usage: pvsite_peer.py DIR"""
import json
import os
import sys

import numpy as np

G_REF, DAYLIGHT, DT_SAPM, GAMMA = 1000.0, 50.0, 3.0, -0.0037
ETA_NOM, ETA_REF = 0.96, 0.9637


def load(path, ncols):
    """(device names, index per row, ts, values[ncols]) of a wide CSV."""
    dt = [("d", "U16"), ("t", "i8")] + [("v%d" % i, "f8") for i in range(ncols)]
    a = np.loadtxt(path, delimiter=",", skiprows=1, dtype=dt)
    names, idx = np.unique(a["d"], return_inverse=True)
    return names, idx, a["t"], [a["v%d" % i] for i in range(ncols)]


def grid(idx, ts, v, n_dev, t0, k):
    """Minute means on a (device, minute) grid, NaN where nothing."""
    m = (ts - t0) // 60000
    ok = (m >= 0) & (m < k)
    s = np.zeros((n_dev, k))
    c = np.zeros((n_dev, k))
    np.add.at(s, (idx[ok], m[ok]), v[ok])
    np.add.at(c, (idx[ok], m[ok]), 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return s / np.where(c > 0, c, np.nan)


def pvwatts_ac(pdc, pdc0):
    z = np.where(pdc0 > 0, pdc / pdc0, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        eta = ETA_NOM / ETA_REF * (-0.0162 * z - np.where(z > 0, 0.0059 / z, 0)
                                   + 0.9858)
    return np.minimum(np.maximum(eta * pdc, 0), ETA_NOM * pdc0)


def main(d):
    lay = np.loadtxt(os.path.join(d, "layout.csv"), delimiter=",", skiprows=1,
                     dtype=str, usecols=(0, 1, 2, 5, 6, 7))
    t0 = int(open(os.path.join(d, "from_ms")).read())
    k = 1440
    tau = 1 / 60
    sn, si, st, (poa, tmod) = load(os.path.join(d, "stations.csv"), 2)
    G = grid(si, st, poa, len(sn), t0, k)
    TM = grid(si, st, tmod, len(sn), t0, k)
    TC = TM + G / G_REF * DT_SAPM
    inv = lay[lay[:, 1] == "inverter"]
    invn, ii, it, (pac, pdc) = load(os.path.join(d, "inverters.csv"), 2)
    PAC = grid(ii, it, pac, len(invn), t0, k)
    order = {n: i for i, n in enumerate(invn)}
    rows = [order[x] for x in inv[:, 0]]
    PAC = PAC[rows]
    p0 = inv[:, 4].astype(float)
    kw_ac = inv[:, 5].astype(float)
    st_of = {n: i for i, n in enumerate(sn)}
    Gi = G[[st_of[x] for x in inv[:, 3]]]
    TCi = TC[[st_of[x] for x in inv[:, 3]]]
    TMi = TM[[st_of[x] for x in inv[:, 3]]]
    exp = pvwatts_ac(Gi / G_REF * p0[:, None] * (1 + GAMMA * (TCi - 25)),
                     (kw_ac / ETA_NOM)[:, None])
    mn, mi, mt, (agc,) = load(os.path.join(d, "meter.csv"), 1)
    LIM = grid(mi, mt, agc, len(mn), t0, k).min(axis=0)
    curt = np.isfinite(LIM) & (np.nansum(exp, axis=0) > LIM)
    have = np.isfinite(Gi) & np.isfinite(PAC)
    use = have & ~curt[None, :]
    day = use & (Gi >= DAYLIGHT)
    unav = day & (PAC <= 0)
    avail = day & ~unav
    Gu = np.where(use, Gi, 0)
    C = 1 + GAMMA * (TMi - 25)
    e_ac = np.nansum(np.where(use, PAC, 0), axis=1) * tau
    h = Gu.sum(axis=1) * tau / 1000
    den = np.nansum(np.where(use, C * p0[:, None] * Gi, 0), axis=1) * tau / G_REF
    den_av = np.nansum(np.where(avail, C * p0[:, None] * Gi, 0), axis=1) * tau / G_REF
    e_av = np.nansum(np.where(avail, PAC, 0), axis=1) * tau
    den_un = np.nansum(np.where(unav, C * p0[:, None] * Gi, 0), axis=1) * tau / G_REF
    with np.errstate(invalid="ignore", divide="ignore"):
        e_lost = np.where(den_av > 0, e_av / den_av, 0) * den_un
    e_curt = np.nansum(np.where(have & curt[None, :],
                                np.maximum(exp - PAC, 0), 0), axis=1) * tau
    plant = {
        "e_ac_kwh": float(e_ac.sum()),
        "pr": float(e_ac.sum() / (p0 * h).sum()),
        "pr_temp_corrected": float(e_ac.sum() / den.sum()),
        "e_lost_outage_kwh": float(e_lost.sum()),
        "e_curtailed_kwh": float(e_curt.sum()),
        "availability_time": float(avail.sum() / day.sum()),
    }
    # strings against their box's median at each daylight minute
    strs = lay[lay[:, 1] == "string"]
    sn2, s2i, s2t, (cur,) = load(os.path.join(d, "strings.csv"), 1)
    CUR = grid(s2i, s2t, cur, len(sn2), t0, k)
    so = {n: i for i, n in enumerate(sn2)}
    CUR = CUR[[so[x] for x in strs[:, 0]]]
    boxes, box_of = np.unique(strs[:, 2], return_inverse=True)
    box_inv = {r[0]: r[2] for r in lay}
    inv_station = {r[0]: r[3] for r in inv}
    n_open = 0
    for b in range(len(boxes)):
        c = CUR[box_of == b]
        g = G[st_of[inv_station[box_inv[boxes[b]]]]]
        med = np.median(c, axis=0)
        ok = (g >= DAYLIGHT) & (med > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = c[:, ok] / med[ok]
        n_open += int((ratio < 0.05).sum())
    plant["n_open_string_minutes"] = n_open
    print(json.dumps(plant))


if __name__ == "__main__":
    main(sys.argv[1])

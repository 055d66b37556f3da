"""`oasis pv ...` from the command line (../shared/PV.md): the keys of each
sub-command, the numbers of the papers' worked examples and of pvlib's
tests where the CLI reaches them, JSON Lines for --from/--to/--step, null
(never inf or NaN) where a value is undefined, exit 2 with an empty stdout
and a one-line error naming the flag, exit 1 naming the line and column of
a bad CSV."""
import json
import math
import os
import re
import shutil
import tempfile
import atexit

from harness import expect, oasis, run, test

DIR = tempfile.mkdtemp(prefix="oasis-pv-it-")
atexit.register(shutil.rmtree, DIR, True)

GOLDEN = ["--lat", "39.742476", "--lon", "-105.1786", "--alt", "1830.14",
          "--pressure", "82000", "--temperature", "11"]
MULEI = ["--lat", "43.83", "--lon", "90.28", "--alt", "1300"]
SOLPOS_KEYS = ["time", "time_utc", "apparent_zenith", "zenith",
               "apparent_elevation", "elevation", "azimuth",
               "equation_of_time"]
POA_KEYS = ["model", "aoi", "poa_global", "poa_direct", "poa_diffuse",
            "poa_sky_diffuse", "poa_ground_diffuse", "solar_zenith",
            "solar_azimuth", "dni_extra", "airmass_relative"]


def pv(*args, input=None):
    """Run `oasis pv ...`; exit 0 and one JSON object a line, no inf/nan."""
    p = oasis("pv", *args, input=input)
    expect(not re.search(r"\b(inf|nan|Infinity|NaN)\b", p.stdout, re.I),
           "non-JSON number in " + p.stdout[:200])
    lines = p.stdout.splitlines()
    expect(len(lines) >= 1 and p.stdout.endswith("\n"), p.stdout)
    return [json.loads(line) for line in lines]


def one(*args, input=None):
    out = pv(*args, input=input)
    expect(len(out) == 1, "expected one object, got %d" % len(out))
    return out[0]


def usage_error(flag, *args):
    """Exit 2, nothing on stdout, one line on stderr naming --flag."""
    p = oasis("pv", *args, check=False)
    expect(p.returncode == 2, "exit %d for %s: %s" % (p.returncode, args,
                                                      p.stderr))
    expect(p.stdout == "", "stdout not empty: " + p.stdout)
    expect(p.stderr.count("\n") == 1, "not one line: " + p.stderr)
    expect("--" + flag in p.stderr, "%s does not name --%s" % (p.stderr,
                                                               flag))


def near(a, b, tol):
    expect(a is not None and abs(a - b) <= tol, "%r != %r within %g"
           % (a, b, tol))


@test
def solpos_golden_worked_example():
    """Reda & Andreas 2004, Table A5.1: zenith 50.11162, azimuth
    194.34024 (delta_t 67 is the default)."""
    r = one("solpos", *GOLDEN, "--time", "2003-10-17T12:30:30-07:00")
    expect(list(r) == SOLPOS_KEYS, list(r))
    expect(r["time"] == "2003-10-17T12:30:30-07:00", r["time"])
    expect(r["time_utc"] == "2003-10-17T19:30:30Z", r["time_utc"])
    near(r["apparent_zenith"], 50.11162, 0.5e-5)
    near(r["azimuth"], 194.34024, 0.5e-5)
    near(r["elevation"], 39.872046, 1.5e-6)
    near(r["equation_of_time"], 14.64, 1.5e-2)
    # %.17g: enough digits to read the same double back
    p = oasis("pv", "solpos", *GOLDEN, "--time", "2003-10-17T12:30:30-07:00")
    expect(re.search(r'"azimuth":194\.\d{14}[,}]', p.stdout), p.stdout)


@test
def solpos_default_pressure_from_altitude():
    """Without --pressure: pvlib's alt2pres(alt) (1300 m: 86,909 Pa)."""
    a = one("solpos", *MULEI, "--time", "2025-06-21T07:00:00+08:00")
    pres = 100 * ((44331.514 - 1300) / 11880.516) ** (1 / 0.1902632)
    b = one("solpos", *MULEI, "--pressure", repr(pres),
            "--time", "2025-06-21T07:00:00+08:00")
    near(a["apparent_zenith"], b["apparent_zenith"], 1e-12)
    expect(a["apparent_zenith"] != a["zenith"], "no refraction by day")


@test
def solpos_series_is_json_lines():
    out = pv("solpos", *MULEI, "--from", "2025-06-21T00:00:00+08:00",
             "--to", "2025-06-21T06:00:00+08:00", "--step", "15m")
    expect(len(out) == 25, len(out))
    expect(out[0]["time"] == "2025-06-21T00:00:00+08:00", out[0]["time"])
    expect(out[-1]["time"] == "2025-06-21T06:00:00+08:00", out[-1]["time"])
    expect(out[4]["time_utc"] == "2025-06-20T17:00:00Z", out[4])
    times = [o["time_utc"] for o in out]
    expect(times == sorted(times), "not in time order")
    for o in out:
        expect(list(o) == SOLPOS_KEYS, list(o))
    # each instant of the series is the single instant, to 1e-9 degrees
    single = one("solpos", *MULEI, "--time", "2025-06-21T05:30:00+08:00")
    expect(out[22]["time"] == single["time"], out[22]["time"])
    for k in SOLPOS_KEYS[2:]:
        near(out[22][k], single[k], 1e-9)


@test
def solpos_long_series_across_chunks():
    """A long series is computed in chunks of 17,280 instants on several
    threads: the lines come in order, and the instants on both sides of a
    chunk boundary are the single instants."""
    out = oasis("pv", "solpos", *MULEI, "--from", "2025-03-01T00:00:00Z",
                "--to", "2025-03-13T23:59:00Z", "--step", "1m").stdout
    lines = out.splitlines()
    expect(len(lines) == 13 * 1440, len(lines))
    for i in (0, 17279, 17280, 13 * 1440 - 1):
        r = json.loads(lines[i])
        minute = "2025-03-%02dT%02d:%02d:00Z" % (1 + i // 1440,
                                                 i % 1440 // 60, i % 60)
        expect(r["time"] == minute, (i, r["time"], minute))
        single = one("solpos", *MULEI, "--time", minute)
        for k in SOLPOS_KEYS[2:]:
            near(r[k], single[k], 1e-9)


@test
def solpos_usage_errors():
    t = ["--time", "2025-06-21T14:00:00+08:00"]
    usage_error("lat", "solpos", "--lon", "90", "--alt", "0", *t)
    usage_error("lat", "solpos", "--lat", "north", "--lon", "90",
                "--alt", "0", *t)
    usage_error("lat", "solpos", "--lat", "95", "--lon", "90", "--alt", "0",
                *t)
    usage_error("time", "solpos", *MULEI, "--time", "2025-06-21T14:00:00")
    usage_error("time", "solpos", *MULEI)
    usage_error("step", "solpos", *MULEI, "--from",
                "2025-06-21T00:00:00Z", "--to", "2025-06-21T01:00:00Z")
    usage_error("to", "solpos", *MULEI, "--from", "2025-06-21T02:00:00Z",
                "--to", "2025-06-21T01:00:00Z", "--step", "1m")
    usage_error("bogus", "solpos", *MULEI, *t, "--bogus", "1")
    usage_error("lat", "solpos", *MULEI, "--lat", "40", *t)
    usage_error("lat", "solpos", "--lat", "--lon", "90", "--alt", "0", *t)
    # a negative number is a value, not a flag
    one("solpos", "--lat", "-33.9", "--lon", "-70.6", "--alt", "500", *t)


@test
def extra_day_of_year_from_utc_date():
    # 2025-01-01T05:00+08:00 is 2024-12-31 in UTC: day 366 of a leap year
    r = one("extra", "--time", "2025-01-01T05:00:00+08:00")
    expect(list(r) == ["time", "time_utc", "dni_extra", "dayofyear"], r)
    expect(r["dayofyear"] == 366, r)
    # pvlib test_get_extra_radiation: 2016-10-26, 1383.636203
    r = one("extra", "--time", "2016-10-26T12:00:00Z")
    near(r["dni_extra"], 1383.636203, 1e-6)
    out = pv("extra", "--from", "2025-03-01T00:00:00Z", "--to",
             "2025-03-03T00:00:00Z", "--step", "1d")
    expect([o["dayofyear"] for o in out] == [60, 61, 62], out)
    usage_error("solar-constant", "extra", "--time", "2025-01-01T00:00:00Z",
                "--solar-constant", "x")


@test
def poa_given_sun_perez():
    """pvlib test_perez_scalar 109.084332; test_poa_components row 2 with
    albedo 0.4: poa_global 956.18253696."""
    r = one("poa", "--tilt", "40", "--azimuth", "180",
            "--ghi", "1042.48031487", "--dni", "939.95469881",
            "--dhi", "118.45831879", "--model", "perez", "--albedo", "0.4",
            "--solar-zenith", "10.56413562", "--solar-azimuth",
            "144.76567754", "--dni-extra", "1321.1655834833093",
            "--airmass", "1.01688136")
    expect(list(r) == POA_KEYS + ["perez_epsilon", "perez_delta",
                                  "perez_bin"], list(r))
    near(r["poa_sky_diffuse"], 109.084332, 1e-5)
    near(r["poa_global"], 956.18253696, 1e-5)
    expect(r["perez_bin"] == 8, r)


@test
def poa_over_time_and_at_night():
    base = ["--tilt", "30", "--azimuth", "180", "--model", "perez"] + MULEI
    r = one("poa", *base, "--ghi", "800", "--dni", "700", "--dhi", "100",
            "--time", "2025-06-21T14:00:00+08:00")
    expect(list(r)[:2] == ["time", "time_utc"], list(r))
    expect(r["airmass_relative"] > 1 and 1 <= r["perez_bin"] <= 8, r)
    sun = one("solpos", *MULEI, "--time", "2025-06-21T14:00:00+08:00")
    near(r["solar_zenith"], sun["apparent_zenith"], 1e-12)
    # night: the air mass and the Perez bin are null, the sky diffuse 0
    r = one("poa", *base, "--ghi", "0", "--dni", "0", "--dhi", "0",
            "--time", "2025-06-21T02:00:00+08:00")
    expect(r["airmass_relative"] is None and r["perez_bin"] is None, r)
    expect(r["poa_sky_diffuse"] == 0 and r["poa_global"] == 0, r)
    out = pv("poa", *base, "--ghi", "500", "--dni", "400", "--dhi", "100",
             "--from", "2025-06-21T00:00:00+08:00", "--to",
             "2025-06-21T23:00:00+08:00", "--step", "1h")
    expect(len(out) == 24, len(out))
    usage_error("dni-extra", "poa", "--tilt", "30", "--azimuth", "180",
                "--ghi", "1", "--dni", "1", "--dhi", "1", "--model",
                "haydavies", "--solar-zenith", "30", "--solar-azimuth", "180")
    usage_error("model", "poa", "--tilt", "30", "--azimuth", "180",
                "--ghi", "1", "--dni", "1", "--dhi", "1", "--model", "klucher",
                "--solar-zenith", "30", "--solar-azimuth", "180")
    usage_error("solar-zenith", "poa", *base, "--ghi", "1", "--dni", "1",
                "--dhi", "1", "--time", "2025-06-21T14:00:00+08:00",
                "--solar-zenith", "30")


@test
def temp_models():
    """pvlib test_temperature.py: test_sapm_cell 43.509, test_faiman_default
    35.203, test_pvsyst_cell_default 45.137."""
    w = ["--poa-global", "900", "--temp-air", "20", "--wind-speed", "5"]
    r = one("temp", "--model", "sapm", *w)
    expect(list(r) == ["model", "temp_module", "temp_cell"], r)
    near(r["temp_cell"], 43.509, 43.509e-3)
    near(r["temp_module"], 40.809, 40.809e-3)
    r = one("temp", "--model", "faiman", *w)
    expect(list(r) == ["model", "temp_cell"], r)
    near(r["temp_cell"], 35.203, 1e-3)
    near(one("temp", "--model", "pvsyst", *w)["temp_cell"], 45.137, 1e-3)
    near(one("temp", "--model", "pvsyst", *w, "--u-c", "23.5", "--u-v",
             "6.25")["temp_cell"], 33.315, 1e-3)
    r = one("temp", "--model", "sapm", "--mount", "insulated_back_glass_polymer",
            *w)
    near(r["temp_cell"], r["temp_module"], 0)  # deltaT 0
    usage_error("u0", "temp", "--model", "sapm", *w, "--u0", "20")
    usage_error("mount", "temp", "--model", "sapm", *w, "--mount", "roof")
    usage_error("wind-speed", "temp", "--model", "faiman", "--poa-global",
                "900", "--temp-air", "20")


@test
def pvwatts_dc_and_inverter():
    """pvlib test_pvwatts_dc_scalars 88.65; test_pvwatts_scalars
    85.58556604752516 (pdc 90, pdc0 100, eta_inv_nom 0.95)."""
    r = one("pvwatts", "--effective-irradiance", "900", "--temp-cell", "30",
            "--pdc0", "100", "--gamma-pdc", "-0.003")
    expect(list(r) == ["pdc", "pac"] and r["pac"] is None, r)
    near(r["pdc"], 88.65, 1e-9)
    # pdc 90 W from G 900 at 25 degC and pdc0 100
    r = one("pvwatts", "--effective-irradiance", "900", "--temp-cell", "25",
            "--pdc0", "100", "--inv-pdc0", "100", "--eta-inv-nom", "0.95")
    near(r["pac"], 85.58556604752516, 1e-9)
    usage_error("eta-inv-nom", "pvwatts", "--effective-irradiance", "900",
                "--temp-cell", "25", "--pdc0", "100", "--eta-inv-nom", "0.95")


@test
def tracker_backtracking_and_night():
    """pvlib test_tracking.py test_backtrack: 27.4283, aoi 52.5716."""
    r = one("tracker", "--solar-zenith", "80", "--solar-azimuth", "90",
            "--axis-azimuth", "0", "--max-angle", "90", "--gcr",
            repr(2 / 7))
    expect(list(r) == ["tracker_theta", "aoi", "surface_tilt",
                       "surface_azimuth"], r)
    near(r["tracker_theta"], 27.4283, 1e-4)
    near(r["aoi"], 52.5716, 1e-4)
    r = one("tracker", "--solar-zenith", "80", "--solar-azimuth", "90",
            "--axis-azimuth", "0", "--max-angle", "90", "--backtrack", "0")
    near(r["tracker_theta"], 80, 1e-9)
    r = one("tracker", "--solar-zenith", "60", "--solar-azimuth", "90")
    near(r["tracker_theta"], -60, 1e-9)  # east, default max 60
    r = one("tracker", "--solar-zenith", "100", "--solar-azimuth", "180")
    expect(all(v is None for v in r.values()), r)
    usage_error("backtrack", "tracker", "--solar-zenith", "30",
                "--solar-azimuth", "180", "--backtrack", "yes")
    usage_error("gcr", "tracker", "--solar-zenith", "30",
                "--solar-azimuth", "180", "--gcr", "0")


CSV = ("time,poa_global,temp_air,wind_speed,temp_module,p_dc_kw,p_ac_kw\n"
       "2025-06-21T05:00:00+08:00,0,5,1,10,0,0\n"
       "2025-06-21T10:00:00+08:00,400,20,2,25,38,36\n"
       "2025-06-21T10:15:00+08:00,800,25,3,35,72,70\n"
       "2025-06-21T10:30:00+08:00,600,24,3,30,0,0\n"
       "2025-06-21T20:00:00+08:00,30,18,1,20,2,1.5\n")

PR_KEYS = ["time_start", "time_end", "n_intervals", "interval_min",
           "H_poa_kwh_m2", "Y_r_h", "E_dc_kwh", "E_ac_kwh", "Y_a_kwh_kwp",
           "Y_f_kwh_kwp", "L_c_h", "L_s_h", "PR",
           "PR_temp_corrected_stc_tmod", "PR_temp_corrected_stc_tcell_sapm",
           "PR_temp_corrected_annual_eq_tmod", "T_mod_irradiance_weighted_c",
           "availability_time", "availability_energy", "E_lost_kwh",
           "PR_stc_tmod_over_available", "PR_excluding_unavailable",
           "n_daylight_intervals", "n_unavailable_daylight_intervals",
           "n_clipped_intervals", "PR_nrel_weather_corrected"]


@test
def pr_from_file_and_stdin():
    path = os.path.join(DIR, "day.csv")
    with open(path, "w") as f:
        f.write(CSV)
    args = ["--p0-kwp", "100", "--gamma-pdc", "-0.004"]
    r = one("pr", "--input", path, *args, "--pac0-kw", "70")
    expect(list(r) == PR_KEYS, list(r))
    h = 1830 * 0.25 / 1000
    e_ac = 107.5 * 0.25
    near(r["H_poa_kwh_m2"], h, 1e-12)
    near(r["PR"], e_ac / 100 / h, 1e-12)
    near(r["PR_nrel_weather_corrected"], r["PR"], 1e-12)
    near(r["availability_time"], 2 / 3, 1e-12)
    expect(r["n_clipped_intervals"] == 1, r)
    expect(r["time_start"] == "2025-06-20T21:00:00Z", r)
    s = one("pr", "--input", "-", *args, input=CSV)
    expect(s["n_clipped_intervals"] is None, s)  # no --pac0-kw
    expect(s["PR"] == r["PR"], s)
    # no daylight: ratios null, not inf
    s = one("pr", "--input", "-", *args, input=CSV.splitlines()[0] + "\n" +
            CSV.splitlines()[1] + "\n")
    expect(s["PR"] is None and s["availability_time"] is None, s)


@test
def pr_errors_name_line_and_column():
    args = ["--p0-kwp", "100", "--gamma-pdc", "-0.004"]
    bad = CSV.replace("10:15:00+08:00,800", "10:15:00+08:00,8OO")
    p = oasis("pv", "pr", "--input", "-", *args, input=bad, check=False)
    expect(p.returncode == 1 and p.stdout == "", p)
    expect("line 4, column 'poa_global'" in p.stderr, p.stderr)
    p = oasis("pv", "pr", "--input", os.path.join(DIR, "missing.csv"),
              *args, check=False)
    expect(p.returncode == 1 and "missing.csv" in p.stderr, p.stderr)
    usage_error("p0-kwp", "pr", "--input", "-", "--gamma-pdc", "-0.004")
    usage_error("input", "pr", *args)


@test
def strings_of_a_combiner_box():
    r = one("strings", "--poa-global", "850", "--currents",
            "8.0,8.2,0.1,7.0,8.1,7.9")
    expect(list(r) == ["poa_global", "n_strings", "median", "mean", "ratio",
                       "status", "n_open", "n_low", "dispersion_all",
                       "dispersion_excl_open"], list(r))
    expect(r["status"] == ["ok", "ok", "open", "low", "ok", "ok"], r)
    near(r["median"], 7.95, 1e-12)
    near(r["ratio"][3], 7.0 / 7.95, 1e-12)
    r = one("strings", "--poa-global", "0", "--currents", "0,0,0")
    expect(r["status"] == [None, None, None] and r["ratio"] == [None] * 3, r)
    expect(r["dispersion_all"] is None, r)
    usage_error("currents", "strings", "--poa-global", "800", "--currents",
                "8,x,7")


@test
def help_texts():
    p = oasis("pv", "--help")
    expect(p.returncode == 0 and "solpos" in p.stdout and "strings" in
           p.stdout, p.stdout)
    for sub in ["solpos", "extra", "poa", "temp", "pvwatts", "tracker", "pr",
                "strings"]:
        p = oasis("pv", sub, "--help")
        expect(p.returncode == 0 and p.stdout.startswith("usage: oasis pv " +
                                                         sub), p.stdout)
    p = oasis("pv", "sunshine", check=False)
    expect(p.returncode == 2 and p.stdout == "", p)
    p = oasis("--help")
    expect(" pv " in p.stdout, p.stdout)


run()

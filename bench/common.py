"""Shared helpers of the benchmarks: interleaved timing of two commands and
a real server on a free loopback port.  Standard library only."""
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_TOOLS = os.path.join(TOP, "..", "shared", "tools")


def oasis_bin(build):
    return os.path.join(TOP, build, "oasis")


def run_timed(cmd, env=None):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def pair(name_a, cmd_a, name_b, cmd_b, runs=5, setup=None):
    """Time A and B alternately (A B A B ...), after one warm-up each; report
    medians and the median of the pairwise ratios A/B."""
    ta, tb, ratios = [], [], []
    for i in range(runs + 1):
        if setup:
            setup()
        a = run_timed(cmd_a)
        if setup:
            setup()
        b = run_timed(cmd_b)
        if i == 0:
            continue
        ta.append(a)
        tb.append(b)
        ratios.append(a / b)
    report(name_a, ta, name_b, tb, ratios)
    return statistics.median(ta), statistics.median(tb)


def report(name_a, ta, name_b, tb, ratios):
    def fmt(xs):
        return "median %.3f s (min %.3f, max %.3f)" % (
            statistics.median(xs), min(xs), max(xs))
    print("  %-40s %s" % (name_a, fmt(ta)))
    print("  %-40s %s" % (name_b, fmt(tb)))
    print("  ratio A/B: median %.2f (min %.2f, max %.2f), %d pairs" % (
        statistics.median(ratios), min(ratios), max(ratios), len(ratios)))


def machine():
    cpu = "unknown cpu"
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"model name\s*:\s*(.*)", f.read())
            cpu = m.group(1) if m else cpu
    except OSError:
        pass
    return "%s, %d cores, %s" % (cpu, os.cpu_count(), os.uname().release)


def shared_tool(name):
    path = os.path.join(SHARED_TOOLS, name)
    if not os.path.exists(path):
        sys.exit("bench: %s not found (the benchmarks use the data "
                 "generators in ../shared/tools)" % path)
    return path


def tmpdir(prefix):
    return tempfile.mkdtemp(prefix=prefix)


def serve(binary, store, who="bench"):
    """`oasis serve` on store at a free loopback port: (process, port)."""
    proc = subprocess.Popen([binary, "serve", "--data", store, "--listen",
                             "127.0.0.1:0", "--allow-unknown-metrics"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    m = re.search(r"127\.0\.0\.1:(\d+)", proc.stdout.readline())
    if not m:
        proc.kill()
        sys.exit("%s: %s did not start" % (who, binary))
    return proc, int(m.group(1))

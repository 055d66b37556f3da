"""The store's files are private: created 0600 (folders 0700) whatever the
umask, and `oasis init` on a folder others may read makes it private and
says so.  This test process runs with umask 0."""
import os
import re
import shutil
import signal
import stat
import subprocess
import tempfile

from harness import OASIS, Server, expect, oasis, run, test

os.umask(0)


def loose_entries(top):
    """Entries under top that a group or other users may reach."""
    loose = []
    for d, dirs, files in os.walk(top):
        for name in dirs + files + ["."]:
            p = os.path.normpath(os.path.join(d, name))
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                continue
            want = 0o700 if stat.S_ISDIR(st.st_mode) else 0o600
            if stat.S_IMODE(st.st_mode) & 0o077 or \
                    stat.S_IMODE(st.st_mode) != want:
                loose.append("%s %04o" % (p, stat.S_IMODE(st.st_mode)))
    return loose


@test
def init_makes_a_world_readable_folder_private_and_says_so():
    top = tempfile.mkdtemp(prefix="oasis-files-")
    store = os.path.join(top, "store")
    os.mkdir(store, 0o777)
    os.chmod(store, 0o777)
    with open(os.path.join(store, "notes.txt"), "w") as f:
        f.write("left here before\n")
    os.chmod(os.path.join(store, "notes.txt"), 0o666)
    out = oasis("init", data=store).stdout
    expect(re.search(r"open to other users \(mode 0777\): made it private",
                     out), out)
    expect(loose_entries(store) == [], loose_entries(store))
    # a private folder is not mentioned
    out = oasis("init", data=store, check=False).stdout
    expect("open to other users" not in out, out)
    shutil.rmtree(top)


@test
def a_served_store_has_only_private_files_whatever_the_umask():
    s = Server()
    expect(loose_entries(s.data) == [], loose_entries(s.data))
    s.start()
    r = s.post("/api/v1/devices", token=s.admin_token,
               body={"id": "ws-1", "kind": "weather_station"})
    expect(r.status == 201, r)
    lines = "\n".join("weather,device=ws-1 air_temp=%d %d" %
                      (i % 40, (1767225600 + i) * 10**9) for i in range(100))
    r = s.post("/api/v1/write?precision=ns", body=lines, token=s.admin_token)
    expect(r.status == 204, r)
    expect(s.stop() == 0)
    expect(loose_entries(s.data) == [], loose_entries(s.data))
    # a store opened to others by hand: the server says so
    os.chmod(s.data, 0o755)
    s.start()
    expect("is open to other users (mode 0755)" in s.server_log(),
           s.server_log()[-500:])
    s.close()


@test
def the_demo_store_has_only_private_files():
    top = tempfile.mkdtemp(prefix="oasis-files-demo-")
    store = os.path.join(top, "var")
    p = subprocess.Popen([OASIS, "demo", "--data", store, "--listen",
                          "127.0.0.1:0"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    try:
        line = ""
        while "serving on" not in line:
            line = p.stdout.readline()
            expect(line, "the demo ended before serving")
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=60)
        p.stdout.close()
    loose = loose_entries(store)
    expect(loose == [], loose[:10])
    shutil.rmtree(top)


if __name__ == "__main__":
    run()

"""Kiosk mode: a wall screen signs in once with a viewer token, and stays
signed in until that token is revoked."""
import re

from harness import Server, expect, expect_error, run, test

srv = None


def server():
    global srv
    if srv is None:
        srv = Server().start()
    return srv


def new_token(role, name):
    s = server()
    r = s.post("/api/v1/tokens", body={"name": name, "role": role},
               token=s.admin_token)
    expect(r.status == 201, r)
    return r.json()


def cookie_of(r):
    """The oasis_session value a response sets, and the whole header."""
    header = r.header("Set-Cookie") or ""
    m = re.match(r"oasis_session=([^;]*)", header)
    expect(m, "no session cookie in %r" % header)
    return m.group(1), header


@test
def viewer_token_opens_a_long_httponly_session():
    s = server()
    tok = new_token("viewer", "hall-screen")
    r = s.post("/api/v1/login", body={"token": tok["token"]})
    expect(r.status == 200, r)
    expect(r.json() == {"name": "hall-screen", "role": "viewer",
                        "device": None}, r)
    value, header = cookie_of(r)
    for attr in ("HttpOnly", "SameSite=Strict", "Path=/"):
        expect(attr in header, "cookie lacks %s: %s" % (attr, header))
    age = int(re.search(r"Max-Age=(\d+)", header).group(1))
    expect(age >= 30 * 86400, "a wall screen must not need a daily "
           "sign-in; Max-Age=%d" % age)
    me = s.get("/api/v1/me", cookie="oasis_session=" + value)
    expect(me.status == 200, me)
    expect(me.json()["role"] == "viewer" and
           me.json()["name"] == "hall-screen", me)
    expect(s.get("/api/v1/plots", cookie="oasis_session=" + value).status
           == 200)


@test
def revoking_the_token_signs_the_screen_out():
    s = server()
    tok = new_token("viewer", "corridor-screen")
    value, _ = cookie_of(s.post("/api/v1/login", body={"token": tok["token"]}))
    cookie = "oasis_session=" + value
    expect(s.get("/api/v1/me", cookie=cookie).status == 200)
    r = s.request("DELETE", "/api/v1/tokens/%d" % tok["id"],
                  token=s.admin_token)
    expect(r.status == 204, r)
    expect_error(s.get("/api/v1/me", cookie=cookie), 401, "unauthorized",
                 contains="revoked")
    expect_error(s.get("/api/v1/stream", cookie=cookie), 401)
    expect_error(s.post("/api/v1/login", body={"token": tok["token"]}), 401)


@test
def kiosk_session_reads_only():
    s = server()
    tok = new_token("viewer", "read-only-screen")
    value, _ = cookie_of(s.post("/api/v1/login", body={"token": tok["token"]}))
    r = s.post("/api/v1/tokens", body={"name": "x", "role": "admin"},
               cookie="oasis_session=" + value)
    expect_error(r, 403, "forbidden")


@test
def only_viewer_tokens_sign_a_screen_in():
    s = server()
    for role in ("operator", "admin"):
        tok = new_token(role, "strong-" + role)
        r = s.post("/api/v1/login", body={"token": tok["token"]})
        expect_error(r, 403, "forbidden", contains="viewer")
        expect(not r.header("Set-Cookie"), "a cookie was set for %s" % role)
    dev = s.post("/api/v1/devices", body={"id": "ws-k", "kind":
                                          "weather_station"},
                 token=s.admin_token)
    expect(dev.status == 201, dev)
    r = s.post("/api/v1/login", body={"token": dev.json()["token"]})
    expect_error(r, 403, "forbidden")


@test
def bad_tokens_are_refused():
    s = server()
    expect_error(s.post("/api/v1/login", body={"token": "oa_nope"}), 401)
    expect_error(s.post("/api/v1/login", body={"token": "x" * 500}), 401)
    expect_error(s.post("/api/v1/login", body={"token": 42}), 400,
                 contains="token")


@test
def forged_kiosk_cookie_with_a_stronger_token_is_refused():
    s = server()
    admin = new_token("admin", "forged")
    r = s.get("/api/v1/me", cookie="oasis_session=kiosk." + admin["token"])
    expect_error(r, 401)
    r = s.get("/api/v1/me", cookie="oasis_session=kiosk.oa_nope")
    expect_error(r, 401)


@test
def password_login_still_works_and_logout_clears_the_cookie():
    s = server()
    r = s.post("/api/v1/login", body={"username": "admin",
                                      "password": s.admin_password})
    expect(r.status == 200 and r.json()["role"] == "admin", r)
    value, header = cookie_of(r)
    expect("Max-Age=43200" in header, header)
    tok = new_token("viewer", "logout-screen")
    kiosk, _ = cookie_of(s.post("/api/v1/login", body={"token": tok["token"]}))
    out = s.post("/api/v1/logout", cookie="oasis_session=" + kiosk)
    expect(out.status == 204, out)
    expect("Max-Age=0" in (out.header("Set-Cookie") or ""), out.headers)
    expect(s.get("/api/v1/me", cookie="oasis_session=" + value).status == 200)


if __name__ == "__main__":
    try:
        run()
    finally:
        if srv:
            srv.close()

"""The server's access rules, limits, logging and graceful stop."""
import signal

from harness import Server, basic, expect, expect_error, run, test

srv = None


def server():
    global srv
    if srv is None:
        # every request has its line: the test below reads them
        srv = Server(extra_args=["--max-body", "64K",
                                 "--access-log", "all"]).start()
    return srv


@test
def health_needs_no_credentials():
    r = server().get("/api/v1/health")
    expect(r.status == 200, r)
    expect(r.json()["status"] == "ok")
    r = server().get("/api/v1/health/live")   # the load balancer's check
    expect(r.status == 200, r)
    expect(r.json()["status"] == "ok")


@test
def missing_credentials_are_401():
    r = server().get("/api/v1/plots")
    expect_error(r, 401, "unauthorized")
    expect(r.header("WWW-Authenticate"), "no WWW-Authenticate header")


@test
def unknown_token_is_401():
    expect_error(server().get("/api/v1/plots", token="oa_nope"), 401)


@test
def unsupported_authorization_scheme_is_401():
    r = server().get("/api/v1/plots", headers={"Authorization": "Digest x"})
    expect_error(r, 401, contains="Authorization")


@test
def token_schemes_accepted():
    s = server()
    viewer = s.token("viewer", "wall")
    for auth in ("Bearer " + viewer, "Token " + viewer, basic("any", viewer)):
        r = s.get("/api/v1/me", headers={"Authorization": auth})
        expect(r.status == 200, "%s: %r" % (auth.split()[0], r))
        expect(r.json()["role"] == "viewer")


@test
def wrong_role_is_403():
    s = server()
    viewer = s.token("viewer", "v")
    operator = s.token("operator", "o")
    r = s.post("/api/v1/plots", body="{}", token=viewer)
    expect_error(r, 403, "forbidden", contains="admin")
    expect_error(s.request("DELETE", "/api/v1/plots/x", token=operator), 403)
    expect_error(s.post("/api/v1/tokens", body={"name": "n", "role": "admin"},
                        token=operator), 403)


@test
def revoked_token_is_401():
    s = server()
    r = s.post("/api/v1/tokens", body={"name": "temp", "role": "viewer"},
               token=s.admin_token)
    expect(r.status == 201, r)
    tok = r.json()
    expect(s.get("/api/v1/me", token=tok["token"]).status == 200)
    r = s.request("DELETE", "/api/v1/tokens/%d" % tok["id"],
                  token=s.admin_token)
    expect(r.status == 204, r)
    expect_error(s.get("/api/v1/me", token=tok["token"]), 401)
    listed = s.get("/api/v1/tokens", token=s.admin_token).json()["tokens"]
    expect(all("token" not in t and "hash" not in t for t in listed),
           "token list leaks secrets")


@test
def login_sets_a_strict_httponly_cookie():
    s = server()
    r = s.post("/api/v1/login", body={"username": "admin",
                                      "password": s.admin_password})
    expect(r.status == 200, r)
    cookie = r.header("Set-Cookie")
    expect(cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie,
           cookie)
    session = cookie.split(";")[0]
    me = s.get("/api/v1/me", cookie=session)
    expect(me.status == 200 and me.json()["role"] == "admin", me)
    r = s.post("/api/v1/logout", cookie=session)
    expect(r.status == 204, r)
    expect_error(s.get("/api/v1/me", cookie=session), 401)


@test
def wrong_password_is_401():
    s = server()
    r = s.post("/api/v1/login", body={"username": "admin", "password": "x"})
    expect_error(r, 401, contains="wrong user name or password")
    r = s.post("/api/v1/login", body={"username": "nobody", "password": "x"})
    expect_error(r, 401, contains="wrong user name or password")


@test
def malformed_json_names_line_and_column():
    s = server()
    r = s.post("/api/v1/login", body='{"username": "admin",\n "password": }')
    expect_error(r, 400, "invalid", contains="line 2")


@test
def missing_field_is_named():
    r = server().post("/api/v1/login", body={"username": "admin"})
    expect_error(r, 400, contains="'password'")


@test
def oversized_body_is_413():
    s = server()
    r = s.post("/api/v1/plots", body=b"x" * (65 * 1024), token=s.admin_token)
    expect_error(r, 413, "too_large", contains="65536")


@test
def unknown_route_is_a_json_404():
    s = server()
    expect_error(s.get("/api/v1/nothing", token=s.admin_token), 404)


@test
def static_page_is_served_and_paths_are_confined():
    s = server()
    r = s.get("/")
    expect(r.status == 200 and "<html" in r.body, r)
    expect(s.get("/../../etc/passwd").status == 404)
    expect(s.get("/.hidden").status == 404)


@test
def user_management_by_admin():
    s = server()
    r = s.post("/api/v1/users", body={"username": "ops", "role": "operator",
                                      "password": "correct horse"},
               token=s.admin_token)
    expect(r.status == 201, r)
    r = s.post("/api/v1/login", body={"username": "ops",
                                      "password": "correct horse"})
    expect(r.status == 200 and r.json()["role"] == "operator", r)
    r = s.post("/api/v1/users", body={"username": "ops", "role": "operator",
                                      "password": "correct horse"},
               token=s.admin_token)
    expect_error(r, 409)


@test
def log_has_one_line_per_request_and_no_secret():
    s = server()
    viewer = s.token("viewer", "logcheck")
    s.get("/api/v1/me?p=" + viewer, token=viewer)
    s.post("/api/v1/login", body={"username": "admin",
                                  "password": s.admin_password})
    log = s.server_log()
    expect("GET /api/v1/me 200" in log, log[-500:])
    expect(viewer not in log, "token leaked into the log")
    expect(s.admin_password not in log, "password leaked into the log")


@test
def stops_cleanly_on_sigterm():
    global srv
    s = server()
    status = s.stop(signal.SIGTERM)
    expect(status == 0, "exit status %r: %s" % (status, s.server_log()[-2000:]))
    expect("stopped cleanly" in s.server_log())
    s.close()
    srv = None


run()

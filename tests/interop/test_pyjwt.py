#!/usr/bin/env python3
"""Interoperability of the `jwtservice` tool with PyJWT and the Python jwtservice package.

Usage: test_pyjwt.py --cli PATH/TO/jwtservice [-k PATTERN] [-v]
       (or JWTSERVICE_CLI=PATH test_pyjwt.py)

Needs PyJWT (Debian: python3-jwt). It is imported unconditionally: without it this script
fails, it never skips. Tokens go both ways (the tool's verified by PyJWT with issuer and
audience checks, PyJWT's validated by the tool), and a revocation database in the Python
package's schema is shared both ways through Python's sqlite3 module. The last line printed is
"N passed, M failed"; the exit status is non-zero when anything failed or was skipped.
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest


def _report_crash(kind, value, tb):
    """An error outside the tests (a missing module, say) still ends with the summary line."""
    sys.__excepthook__(kind, value, tb)
    if isinstance(value, ModuleNotFoundError) and value.name == "jwt":
        print(f"{sys.executable} has no PyJWT: install Debian's python3-jwt (make install-dev) and run "
              "this with /usr/bin/python3", file=sys.stderr)
    sys.stderr.flush()
    print("0 passed, 1 failed", flush=True)


sys.excepthook = _report_crash

import jwt  # PyJWT: deliberately no try/except, a missing module must fail loudly

CLI = None  # set by main()

NOW = 1_700_000_000
SECRET = "interop-secret-7c1f0e9d8b6a5c4e3d2f1a0b"
SECRET_OTHER = "interop-other-key-4b5c6d7e8f9a0b1c2d3e"
ISSUER = "JWTService"
FIELDS = ["valid", "status", "reason", "sub", "action", "age", "expires_in", "aud", "jti", "extra_data"]
ACTIONS = ["NO_ACTION", "VALIDAR_EMAIL", "RESET_PASSWORD", "PENDING_2FA", "ACTIVATING_2FA",
           "PENDING_PASSWORD_CHANGE"]

# The Python package's schema, verbatim.
PYTHON_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS revoked_tokens (jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL, "
    "reason TEXT NULL, created_at INTEGER NOT NULL);\n"
    "CREATE INDEX IF NOT EXISTS idx_revoked_tokens_expires_at ON revoked_tokens (expires_at);\n")


def clean_env(extra=None):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY" and not k.startswith("JWTSERVICE_")}
    env.update(extra or {})
    return env


def failure(reason, status="invalid", jti=None):
    out = dict.fromkeys(FIELDS)
    out.update(valid=False, status=status, reason=reason, jti=jti)
    return out


def python_payload(iat=NOW - 30, expires_in=600, **claims):
    """The claims the Python jwtservice package writes: sub, iat, nbf, exp, iss, aud, action, jti, extra_data."""
    out = {"sub": "ana@example.com", "iat": iat, "nbf": iat, "exp": iat + expires_in, "iss": ISSUER,
           "aud": "web-app", "action": "RESET_PASSWORD", "jti": "py-jti-1", "extra_data": {"flow": "signup"}}
    for key, value in claims.items():
        if value is ...:
            out.pop(key, None)
        else:
            out[key] = value
    return out


class Result:
    def __init__(self, rc, out, err):
        self.rc, self.out, self.err = rc, out, err

    def __repr__(self):
        return f"Result(rc={self.rc}, out={self.out!r}, err={self.err!r})"


class InteropTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="jwtservice-interop-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.db = os.path.join(self.tmp, "revocations.db")

    def cli(self, *args, secret=SECRET, env=None, stdin=b""):
        e = clean_env(env)
        if secret is not None:
            e["SECRET_KEY"] = secret
        proc = subprocess.run([CLI, *[str(a) for a in args]], input=stdin, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=e, cwd=self.tmp, timeout=120, check=False)
        r = Result(proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"))
        self.assertNotIn(SECRET, r.err, r)
        self.assertNotIn(SECRET_OTHER, r.err, r)
        return r

    def create(self, *args, **kw):
        r = self.cli("create", *args, **kw)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.out.count("\n"), 1, r)
        return r.out.rstrip("\n")

    def validate(self, token, *args, rc, **kw):
        r = self.cli("validate", *args, token, **kw)
        self.assertEqual(r.rc, rc, r)
        self.assertEqual(r.out.count("\n"), 1, r)
        obj = json.loads(r.out)
        self.assertEqual(list(obj), FIELDS, r)
        self.assertNotIn(token, r.err, r)
        return obj

    # -- the shared database, through Python's sqlite3 module --------------------------------

    def python_db(self):
        con = sqlite3.connect(self.db)
        con.executescript(PYTHON_SCHEMA)
        con.commit()
        return con

    def python_revoke(self, jti, expires_at, reason=None, created_at=None):
        con = self.python_db()
        try:
            con.execute("INSERT INTO revoked_tokens (jti, expires_at, reason, created_at) VALUES (?, ?, ?, ?)",
                        (jti, expires_at, reason, int(time.time()) if created_at is None else created_at))
            con.commit()
        finally:
            con.close()

    def python_rows(self):
        con = sqlite3.connect(self.db)
        try:
            return {r[0]: r[1:] for r in con.execute("SELECT jti, expires_at, reason, created_at FROM revoked_tokens")}
        finally:
            con.close()

    def python_is_revoked(self, jti, now):
        con = sqlite3.connect(self.db)
        try:
            return con.execute("SELECT 1 FROM revoked_tokens WHERE jti = ? AND expires_at > ?",
                               (jti, now)).fetchone() is not None
        finally:
            con.close()


# ---------------------------------------------------------------------------------------------

class ToolTokensUnderPyJWT(InteropTest):
    def decode(self, token, key=SECRET, issuer=ISSUER, audience="mobile-app", **kw):
        return jwt.decode(token, key, algorithms=["HS256"], issuer=issuer, audience=audience, **kw)

    def test_claims_as_asked(self):
        token = self.create("--sub", "ana@example.com", "--action", "VALIDAR_EMAIL", "--expires-in", "900",
                            "--audience", "mobile-app", "--jti", "tool-jti-1",
                            "--extra-data", '{"flow":"signup","n":[1,2]}')
        self.assertEqual(jwt.get_unverified_header(token), {"alg": "HS256", "typ": "JWT"})
        claims = self.decode(token, options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub", "jti"]})
        self.assertEqual(set(claims), {"sub", "iat", "nbf", "exp", "iss", "aud", "action", "jti", "extra_data"})
        self.assertEqual(claims["sub"], "ana@example.com")
        self.assertEqual(claims["action"], "VALIDAR_EMAIL")
        self.assertEqual(claims["extra_data"], {"flow": "signup", "n": [1, 2]})
        self.assertEqual(claims["jti"], "tool-jti-1")
        self.assertEqual(claims["iss"], ISSUER)
        self.assertEqual(claims["aud"], "mobile-app")
        self.assertEqual(claims["iat"], claims["nbf"])
        self.assertEqual(claims["exp"] - claims["iat"], 900)
        self.assertLessEqual(abs(claims["iat"] - time.time()), 60)

    def test_every_action(self):
        for action in ACTIONS:
            with self.subTest(action=action):
                token = self.create("--sub", "a", "--action", action, "--audience", "mobile-app")
                self.assertEqual(self.decode(token)["action"], action)

    def test_defaults(self):
        token = self.create("--sub", "a")
        claims = jwt.decode(token, SECRET, algorithms=["HS256"], issuer=ISSUER)
        self.assertEqual(claims["exp"] - claims["iat"], 600)
        self.assertNotIn("aud", claims)
        self.assertNotIn("action", claims)
        self.assertNotIn("extra_data", claims)
        self.assertRegex(claims["jti"], r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

    def test_refused_with_wrong_audience_issuer_or_key(self):
        token = self.create("--sub", "a", "--audience", "mobile-app")
        with self.assertRaises(jwt.InvalidAudienceError):
            self.decode(token, audience="web-app")
        with self.assertRaises(jwt.InvalidAudienceError):
            self.decode(token, audience=["web-app", "cli"])
        with self.assertRaises(jwt.InvalidIssuerError):
            self.decode(token, issuer="someone-else")
        with self.assertRaises(jwt.InvalidSignatureError):
            self.decode(token, key=SECRET_OTHER)
        self.assertEqual(self.decode(token, audience=["web-app", "mobile-app"])["sub"], "a")

    def test_issuer_and_config_audience(self):
        token = self.create("--sub", "a", "--issuer", "auth.example", env={"JWTSERVICE_AUDIENCE": "mobile-app"})
        self.assertEqual(self.decode(token, issuer="auth.example")["aud"], "mobile-app")
        with self.assertRaises(jwt.InvalidIssuerError):
            self.decode(token)

    def test_no_exp(self):
        token = self.create("--sub", "a", "--expires-in", "0", "--audience", "mobile-app")
        claims = self.decode(token)
        self.assertNotIn("exp", claims)
        with self.assertRaises(jwt.MissingRequiredClaimError):
            self.decode(token, options={"require": ["exp"]})

    def test_expired_and_immature(self):
        expired = self.create("--sub", "a", "--expires-in", "60", "--audience", "mobile-app", "--now", NOW)
        with self.assertRaises(jwt.ExpiredSignatureError):
            self.decode(expired)
        future = self.create("--sub", "a", "--audience", "mobile-app", "--now", int(time.time()) + 3600)
        with self.assertRaises(jwt.ImmatureSignatureError):
            self.decode(future)

    def test_secret_file_bytes(self):
        key = b"\xff\x00interop-binary-secret-0123456789\n"
        path = os.path.join(self.tmp, "bin.key")
        with open(path, "wb") as f:
            f.write(key)
        token = self.create("--secret-file", path, "--sub", "a", "--audience", "mobile-app", secret=None)
        self.assertEqual(self.decode(token, key=key)["sub"], "a")
        with self.assertRaises(jwt.InvalidSignatureError):
            self.decode(token, key=key.rstrip(b"\n"))


class PyJWTTokensUnderTool(InteropTest):
    def encode(self, payload, key=SECRET, algorithm="HS256", headers=None):
        return jwt.encode(payload, key, algorithm=algorithm, headers=headers)

    def test_python_package_claims(self):
        token = self.encode(python_payload())
        r = self.cli("validate", "--now", NOW, "--audience", "web-app", token)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(list(json.loads(r.out)), FIELDS)
        self.assertEqual(json.loads(r.out), {
            "valid": True, "status": "valid", "reason": None, "sub": "ana@example.com",
            "action": "RESET_PASSWORD", "age": 30, "expires_in": 570, "aud": "web-app", "jti": "py-jti-1",
            "extra_data": {"flow": "signup"}})

    def test_python_package_claims_real_clock(self):
        now = int(time.time())
        token = self.encode(python_payload(iat=now, expires_in=900, action="PENDING_2FA"))
        out = self.validate(token, "--audience", "web-app", rc=0)
        self.assertEqual((out["sub"], out["action"], out["jti"]), ("ana@example.com", "PENDING_2FA", "py-jti-1"))
        self.assertLessEqual(out["age"], 60)
        self.assertEqual(out["age"] + out["expires_in"], 900)

    def test_every_action(self):
        for action in ACTIONS:
            with self.subTest(action=action):
                out = self.validate(self.encode(python_payload(action=action)), "--now", NOW, rc=0)
                self.assertEqual(out["action"], action)

    def test_without_optional_claims(self):
        token = self.encode(python_payload(aud=..., action=..., extra_data=..., jti=...))
        self.assertEqual(self.validate(token, "--now", NOW, rc=0), {
            "valid": True, "status": "valid", "reason": None, "sub": "ana@example.com", "action": None,
            "age": 30, "expires_in": 570, "aud": None, "jti": None, "extra_data": None})

    def test_list_aud(self):
        token = self.encode(python_payload(aud=["web-app", "mobile-app"]))
        self.assertEqual(self.validate(token, "--now", NOW, "--audience", "mobile-app", rc=0)["aud"], "mobile-app")
        self.assertEqual(self.validate(token, "--now", NOW, "--audience", "cli", "--audience", "mobile-app",
                                       rc=0)["aud"], "mobile-app")
        self.assertEqual(self.validate(token, "--now", NOW, rc=0)["aud"], "web-app")
        self.assertEqual(self.validate(token, "--now", NOW, "--audience", "cli", rc=1), failure("invalid_audience"))

    def test_no_exp(self):
        token = self.encode(python_payload(exp=...))
        out = self.validate(token, "--now", NOW + 10**8, "--audience", "web-app", rc=0)
        self.assertEqual((out["age"], out["expires_in"]), (10**8 + 30, None))

    def test_float_times(self):
        token = self.encode(python_payload(iat=NOW - 30.75, nbf=NOW - 30.75, exp=NOW + 100.9))
        out = self.validate(token, "--now", NOW, "--audience", "web-app", rc=0)
        # truncated toward zero: iat NOW-31, exp NOW+100
        self.assertEqual((out["age"], out["expires_in"]), (31, 100))

    def test_extra_header(self):
        token = self.encode(python_payload(), headers={"kid": "key-1"})
        self.assertEqual(self.validate(token, "--now", NOW, rc=0)["sub"], "ana@example.com")

    def test_issuer(self):
        token = self.encode(python_payload(iss="auth.example"))
        self.assertEqual(self.validate(token, "--now", NOW, rc=1), failure("invalid_issuer"))
        self.assertEqual(self.validate(token, "--now", NOW, "--issuer", "auth.example", rc=0)["sub"],
                         "ana@example.com")

    def test_time_checks(self):
        token = self.encode(python_payload())
        self.assertEqual(self.validate(token, "--now", NOW + 570, rc=1), failure("expired", status="expired"))
        self.assertEqual(self.validate(token, "--now", NOW + 569, rc=0)["expires_in"], 1)
        self.assertEqual(self.validate(token, "--now", NOW + 575, "--leeway", "10", rc=0)["expires_in"], -5)
        self.assertEqual(self.validate(self.encode(python_payload(nbf=NOW + 60)), "--now", NOW, rc=1),
                         failure("immature"))

    def test_foreign_key_is_bad_signature(self):
        token = self.encode(python_payload(), key=SECRET_OTHER)
        self.assertEqual(self.validate(token, "--now", NOW, rc=1), failure("bad_signature"))

    def test_other_algorithms_are_invalid(self):
        for alg in ("HS512", "HS384"):
            with self.subTest(alg=alg):
                token = self.encode(python_payload(), algorithm=alg)
                self.assertEqual(jwt.get_unverified_header(token)["alg"], alg)
                self.assertEqual(self.validate(token, "--now", NOW, rc=1), failure("invalid"))
        unsigned = jwt.encode(python_payload(), None, algorithm="none")
        self.assertEqual(self.validate(unsigned, "--now", NOW, rc=1), failure("invalid"))

    def test_consume_and_revoke(self):
        token = self.encode(python_payload())
        store = "sqlite:" + self.db
        r = self.cli("consume", "--store", store, "--now", NOW, token)
        self.assertEqual((r.rc, json.loads(r.out)["valid"]), (0, True), r)
        r = self.cli("consume", "--store", store, "--now", NOW, token)
        self.assertEqual((r.rc, json.loads(r.out)), (1, failure("revoked", status="revoked", jti="py-jti-1")), r)
        other = self.encode(python_payload(jti="py-jti-2"))
        r = self.cli("revoke", "--store", store, "--now", NOW, other)
        self.assertEqual((r.rc, r.out), (0, '{"revoked":true}\n'), r)


def python_bnd(secret, sub, state):
    """The `bnd` claim by the documented formula (docs/password-reset.md), from the standard library."""
    key = hmac.new(secret.encode(), b"jwtservice binding v1", hashlib.sha256).digest()
    mac = hmac.new(key, sub.encode("utf-8") + b"\0" + state, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:16]).rstrip(b"=").decode()


class LifecycleWithPyJWT(InteropTest):
    """Purpose, binding, maximum age and key rotation, with tokens PyJWT made."""

    STATE = b"$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"

    def encode(self, payload, key=SECRET):
        return jwt.encode(payload, key, algorithm="HS256")

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def test_python_bnd_validates_with_the_state(self):
        state_file = self.write("state", self.STATE)
        token = self.encode(python_payload(bnd=python_bnd(SECRET, "ana@example.com", self.STATE)))
        out = self.validate(token, "--now", NOW, "--action", "RESET_PASSWORD", "--binding-file", state_file,
                            "--max-age", "900", rc=0)
        self.assertEqual((out["sub"], out["action"]), ("ana@example.com", "RESET_PASSWORD"))
        self.assertEqual(self.validate(token, "--now", NOW, "--binding", "another-hash", rc=1),
                         failure("binding_mismatch"))
        self.assertEqual(self.validate(token, "--now", NOW, rc=1), failure("binding_mismatch"))

    def test_python_bnd_over_an_escaped_sub(self):
        # PyJWT writes JSON with ensure_ascii: the sub's é, quotes and backslash travel escaped,
        # and the binding is over the decoded text.
        sub = 'ana\u00e9 "quoted" \\ @example.com'
        token = self.encode(python_payload(sub=sub, bnd=python_bnd(SECRET, sub, self.STATE)))
        state_file = self.write("state", self.STATE)
        self.assertEqual(self.validate(token, "--now", NOW, "--binding-file", state_file, rc=0)["sub"], sub)

    def test_tool_bnd_matches_the_formula(self):
        state_file = self.write("state", self.STATE)
        token = self.create("--sub", "bob", "--binding-file", state_file)
        claims = jwt.decode(token, SECRET, algorithms=["HS256"], issuer=ISSUER)
        self.assertEqual(claims["bnd"], python_bnd(SECRET, "bob", self.STATE))
        self.assertNotIn(self.STATE.decode(), json.dumps(claims))
        self.assertEqual(list(claims).index("bnd"), list(claims).index("jti") + 1)

    def test_expected_action_and_max_age(self):
        token = self.encode(python_payload())  # iat = NOW - 30, action RESET_PASSWORD
        self.assertEqual(self.validate(token, "--now", NOW, "--action", "VALIDAR_EMAIL", rc=1),
                         failure("action_mismatch"))
        self.assertEqual(self.validate(token, "--now", NOW, "--max-age", "30", rc=1),
                         failure("expired", status="expired"))
        self.assertEqual(self.validate(token, "--now", NOW, "--max-age", "31", rc=0)["age"], 30)
        r = self.cli("validate", "--now", NOW, "--action", "RESET", token)
        self.assertEqual(r.rc, 2, r)
        self.assertIn("RESET_PASSWORD", r.err, r)

    def test_fallback_key_tokens_validate_and_consume(self):
        old = self.write("old.key", SECRET_OTHER.encode())
        token = self.encode(python_payload(bnd=python_bnd(SECRET_OTHER, "ana@example.com", self.STATE)),
                            key=SECRET_OTHER)
        self.assertEqual(self.validate(token, "--now", NOW, "--binding", self.STATE.decode(), rc=1),
                         failure("bad_signature"))
        out = self.validate(token, "--now", NOW, "--binding", self.STATE.decode(), "--fallback-secret-file", old, rc=0)
        self.assertEqual(out["jti"], "py-jti-1")
        env = {"JWTSERVICE_SECRET_KEY_FALLBACKS": json.dumps([SECRET_OTHER])}
        self.assertEqual(self.validate(token, "--now", NOW, "--binding", self.STATE.decode(), env=env, rc=0)["sub"],
                         "ana@example.com")
        store = "sqlite:" + self.db
        r = self.cli("consume", "--store", store, "--now", NOW, "--binding", self.STATE.decode(),
                     "--fallback-secret-file", old, token)
        self.assertEqual((r.rc, json.loads(r.out)["valid"]), (0, True), r)
        self.assertNotIn(SECRET_OTHER, r.out + r.err)

    def test_new_tokens_are_signed_with_the_new_key_only(self):
        old = self.write("old.key", SECRET_OTHER.encode())
        token = self.create("--sub", "ana", "--fallback-secret-file", old)
        jwt.decode(token, SECRET, algorithms=["HS256"], issuer=ISSUER)
        with self.assertRaises(jwt.InvalidSignatureError):
            jwt.decode(token, SECRET_OTHER, algorithms=["HS256"], issuer=ISSUER)


class SharedRevocationDatabase(InteropTest):
    def test_python_row_is_honoured(self):
        now = int(time.time())
        self.python_revoke("py-revoked", now + 3600, "incident", now)
        token = jwt.encode(python_payload(iat=now, jti="py-revoked"), SECRET, algorithm="HS256")
        store = "sqlite:" + self.db
        self.assertEqual(self.validate(token, "--store", store, rc=1),
                         failure("revoked", status="revoked", jti="py-revoked"))
        r = self.cli("consume", "--store", store, token)
        self.assertEqual((r.rc, json.loads(r.out)["reason"]), (1, "revoked"), r)
        fresh = jwt.encode(python_payload(iat=now, jti="py-fresh"), SECRET, algorithm="HS256")
        self.assertEqual(self.validate(fresh, "--store", store, rc=0)["jti"], "py-fresh")

    def test_python_row_is_honoured_at_now(self):
        # --now is the clock of every check, the revocation lookup included.
        self.python_revoke("py-revoked", NOW + 3600, None, NOW - 5)
        token = jwt.encode(python_payload(jti="py-revoked"), SECRET, algorithm="HS256")
        self.assertEqual(self.validate(token, "--store", "sqlite:" + self.db, "--now", NOW, rc=1),
                         failure("revoked", status="revoked", jti="py-revoked"))

    def test_expired_python_row_is_not_honoured(self):
        now = int(time.time())
        self.python_revoke("py-old", now - 1, "old", now - 100)
        token = jwt.encode(python_payload(iat=now, jti="py-old"), SECRET, algorithm="HS256")
        self.assertEqual(self.validate(token, "--store", "sqlite:" + self.db, rc=0)["jti"], "py-old")
        # and at --now: a row that ended at NOW is over at NOW
        self.python_revoke("py-ended", NOW, None, NOW - 100)
        ended = jwt.encode(python_payload(jti="py-ended"), SECRET, algorithm="HS256")
        self.assertEqual(self.validate(ended, "--store", "sqlite:" + self.db, "--now", NOW, rc=0)["jti"], "py-ended")

    def test_tool_revoke_row_is_readable(self):
        token = self.create("--sub", "a", "--jti", "tool-revoked", "--expires-in", "600", "--now", NOW - 20)
        r = self.cli("revoke", "--store", "sqlite:" + self.db, "--reason", "logout", "--leeway", "7", "--now", NOW,
                     token)
        self.assertEqual((r.rc, r.out), (0, '{"revoked":true}\n'), r)
        # expires_at = exp + leeway, created_at = now
        self.assertEqual(self.python_rows(), {"tool-revoked": (NOW - 20 + 600 + 7, "logout", NOW)})
        self.assertTrue(self.python_is_revoked("tool-revoked", NOW + 586))
        self.assertFalse(self.python_is_revoked("tool-revoked", NOW + 587))

    def test_tool_revoke_jti_row_is_readable(self):
        r = self.cli("revoke-jti", "--store", "sqlite:" + self.db, "--jti", "tool-jti", "--exp", NOW + 900,
                     "--reason", "incident", "--now", NOW)
        self.assertEqual((r.rc, r.out), (0, '{"revoked":true}\n'), r)
        r = self.cli("revoke-jti", "--store", "sqlite:" + self.db, "--jti", "tool-jti-2", "--exp", NOW + 900,
                     "--leeway", "30", "--now", NOW)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(self.python_rows(), {"tool-jti": (NOW + 900, "incident", NOW),
                                              "tool-jti-2": (NOW + 930, None, NOW)})

    def test_tool_row_real_clock(self):
        token = self.create("--sub", "a", "--jti", "tool-real", "--expires-in", "600")
        exp = jwt.decode(token, SECRET, algorithms=["HS256"], issuer=ISSUER)["exp"]
        before = int(time.time())
        r = self.cli("revoke", "--store", "sqlite:" + self.db, "--reason", "logout", token)
        after = int(time.time())
        self.assertEqual(r.rc, 0, r)
        expires_at, reason, created_at = self.python_rows()["tool-real"]
        self.assertEqual(reason, "logout")
        self.assertTrue(before <= created_at <= after, (before, created_at, after))
        self.assertLessEqual(abs(expires_at - exp), 1)  # the service's and the store's clock may straddle a second
        self.assertTrue(self.python_is_revoked("tool-real", int(time.time())))

    def test_tool_database_has_the_python_schema(self):
        r = self.cli("revoke-jti", "--store", "sqlite:" + self.db, "--jti", "j", "--exp", int(time.time()) + 60)
        self.assertEqual(r.rc, 0, r)
        con = sqlite3.connect(self.db)
        try:
            columns = [(c[1], c[2].upper(), c[3], c[5]) for c in con.execute("PRAGMA table_info(revoked_tokens)")]
            self.assertEqual(columns, [("jti", "TEXT", 0, 1), ("expires_at", "INTEGER", 1, 0),
                                       ("reason", "TEXT", 0, 0), ("created_at", "INTEGER", 1, 0)])
            indexes = {row[1] for row in con.execute("PRAGMA index_list(revoked_tokens)")}
            self.assertIn("idx_revoked_tokens_expires_at", indexes)
            self.assertEqual([c[2] for c in con.execute("PRAGMA index_info(idx_revoked_tokens_expires_at)")],
                             ["expires_at"])
            con.executescript(PYTHON_SCHEMA)  # the Python package opening it: a no-op
            con.execute("INSERT INTO revoked_tokens VALUES ('py-after', ?, 'x', ?)",
                        (int(time.time()) + 3600, int(time.time())))
            con.commit()
        finally:
            con.close()
        token = jwt.encode(python_payload(iat=int(time.time()), jti="py-after"), SECRET, algorithm="HS256")
        self.assertEqual(self.validate(token, "--store", "sqlite:" + self.db, rc=1)["reason"], "revoked")

    def test_python_sees_tool_consume(self):
        token = jwt.encode(python_payload(jti="consumed-once"), SECRET, algorithm="HS256")
        r = self.cli("consume", "--store", "sqlite:" + self.db, "--now", NOW, token)
        self.assertEqual(r.rc, 0, r)
        self.assertTrue(self.python_is_revoked("consumed-once", NOW))
        self.assertEqual(self.python_rows()["consumed-once"][2], NOW)  # created_at
        self.assertEqual(self.python_rows()["consumed-once"][0], NOW - 30 + 600)  # expires_at = exp


# ---------------------------------------------------------------------------------------------

def main():
    global CLI
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cli", default=os.environ.get("JWTSERVICE_CLI"), help="the jwtservice executable")
    parser.add_argument("-k", dest="patterns", action="append", help="only tests matching this substring")
    parser.add_argument("-v", dest="verbosity", action="store_const", const=2, default=1)
    opts = parser.parse_args()
    print(f"PyJWT {jwt.__version__} from {os.path.dirname(jwt.__file__)}; Python {sys.version.split()[0]}")
    if not opts.cli or not os.path.isfile(opts.cli) or not os.access(opts.cli, os.X_OK):
        print(f"test_pyjwt.py: no jwtservice executable (give --cli PATH or JWTSERVICE_CLI): {opts.cli!r}")
        print("0 passed, 1 failed")
        return 1
    CLI = os.path.abspath(opts.cli)
    loader = unittest.TestLoader()
    if opts.patterns:
        loader.testNamePatterns = [f"*{p}*" for p in opts.patterns]
    suite = loader.loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=opts.verbosity).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.skipped) + len(result.unexpectedSuccesses)
    passed = result.testsRun - failed
    if result.testsRun == 0:
        failed += 1
    sys.stdout.flush()
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The `jwtservice` command line against docs/cli.md, driven through subprocess.

Usage: test_cli.py --cli PATH/TO/jwtservice [-k PATTERN] [-v]
       (or JWTSERVICE_CLI=PATH test_cli.py)

Standard library only. Every run of the tool gets an environment built here (the caller's,
minus SECRET_KEY and JWTSERVICE_*), a fresh temporary directory as its working directory and
an empty standard input unless a test gives one. Every run is also checked for a secret or a
whole token on stderr. The last line printed is "N passed, M failed"; the exit status is
non-zero when anything failed (a skipped test counts as failed: nothing here may skip).
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest


def _report_crash(kind, value, tb):
    """An error outside the tests (a missing module, say) still ends with the summary line."""
    sys.__excepthook__(kind, value, tb)
    sys.stderr.flush()
    print("0 passed, 1 failed", flush=True)


sys.excepthook = _report_crash

CLI = None  # set by main()
REDIS_URL = None  # set by main() with --redis: a server of the test's own (tests/with_redis_server)
REDISS_URL = None  # with --redis: its TLS-only server, with its password
TLS_DIR = None  # with --redis: ca.crt and other-ca.crt of that server

NOW = 1_700_000_000  # the --now used by most tests
SECRET = "cli-test-secret-Kq7vT2mWx9LpR4sZ0bNc"
SECRET_A = "cli-secret-A-3f9d1c7e5b2a8064f1e2d3c4"
SECRET_B = "cli-secret-B-9a8b7c6d5e4f3a2b1c0d9e8f"
SECRET_OTHER = "cli-secret-OTHER-0f1e2d3c4b5a69788796"
REDIS_PASSWORD = "cli-redis-password-5e6f7a8b9c0d"
# Every secret any test hands the tool: none may ever appear on stderr.
ALL_SECRETS = [SECRET, SECRET_A, SECRET_B, SECRET_OTHER, REDIS_PASSWORD]

FIELDS = ["valid", "status", "reason", "sub", "action", "age", "expires_in", "aud", "jti", "extra_data"]
ACTIONS = ["NO_ACTION", "VALIDAR_EMAIL", "RESET_PASSWORD", "PENDING_2FA", "ACTIVATING_2FA",
           "PENDING_PASSWORD_CHANGE"]
COMMANDS = ["create", "validate", "revoke", "revoke-jti", "consume", "inspect", "keygen"]
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")
UUID4_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
B64URL_RE = re.compile(r"^[A-Za-z0-9_-]+$")


# ---------------------------------------------------------------------------------------------
# Tokens by hand (HS256 with the standard library), so these tests need nothing but the tool.

def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def as_bytes(secret) -> bytes:
    return secret if isinstance(secret, bytes) else secret.encode("utf-8")


def make_token(payload, secret=SECRET, header=None) -> str:
    header = {"alg": "HS256", "typ": "JWT"} if header is None else header
    h = b64u(json.dumps(header, separators=(",", ":")).encode())
    p = b64u(json.dumps(payload, separators=(",", ":")).encode())
    sig = hmac.new(as_bytes(secret), f"{h}.{p}".encode(), hashlib.sha256).digest()
    return f"{h}.{p}.{b64u(sig)}"


def decode_parts(token: str):
    h, p, _ = token.split(".")
    return json.loads(b64u_decode(h)), json.loads(b64u_decode(p))


def signed_with(token: str, secret) -> bool:
    h, p, s = token.split(".")
    expected = hmac.new(as_bytes(secret), f"{h}.{p}".encode(), hashlib.sha256).digest()
    return hmac.compare_digest(expected, b64u_decode(s))


def failure(reason, status="invalid", jti=None):
    """The validate output of a failed validation: only valid, status, reason (and jti when revoked)."""
    out = dict.fromkeys(FIELDS)
    out.update(valid=False, status=status, reason=reason, jti=jti)
    return out


def clean_env(extra=None):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY" and not k.startswith("JWTSERVICE_")}
    env.update(extra or {})
    return env


class Result:
    def __init__(self, rc, out, err):
        self.rc, self.out, self.err = rc, out, err

    def __repr__(self):
        return f"Result(rc={self.rc}, out={self.out!r}, err={self.err!r})"


# ---------------------------------------------------------------------------------------------

class CliTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="jwtservice-cli-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    # -- running the tool ------------------------------------------------------------------

    def cli(self, *args, secret=SECRET, env=None, stdin=None):
        """Runs the tool; `secret` goes to SECRET_KEY (None: unset); `env` adds variables."""
        e = clean_env(env)
        if secret is not None:
            e["SECRET_KEY"] = secret
        data = b"" if stdin is None else as_bytes(stdin)
        proc = subprocess.run([CLI, *[str(a) for a in args]], input=data, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=e, cwd=self.tmp, timeout=120, check=False)
        r = Result(proc.returncode, proc.stdout.decode("utf-8", "replace"),
                   proc.stderr.decode("utf-8", "replace"))
        self.assert_nothing_leaked(r, [str(a) for a in args], data.decode("utf-8", "replace"), e)
        return r

    def assert_nothing_leaked(self, r, args, stdin, env):
        secrets = set(ALL_SECRETS)
        for key in ("SECRET_KEY",):
            if env.get(key, "").strip():
                secrets.add(env[key])
        for s in secrets:
            self.assertNotIn(s, r.err, f"a secret appears on stderr: {r!r}")
        for text in args + [stdin]:
            for token in TOKEN_RE.findall(text):
                self.assertNotIn(token, r.err, f"a whole token appears on stderr: {r!r}")

    def create(self, *args, **kw):
        r = self.cli("create", *args, **kw)
        self.assertEqual(r.rc, 0, r)
        self.assertTrue(r.out.endswith("\n") and r.out.count("\n") == 1, r)
        token = r.out[:-1]
        self.assertRegex(token, r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
        return token

    def write(self, name, data) -> str:
        path = os.path.join(self.tmp, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(as_bytes(data))
        return path

    def store(self, name="rev.db") -> str:
        return "sqlite:" + os.path.join(self.tmp, name)

    def rows(self, name="rev.db"):
        con = sqlite3.connect(os.path.join(self.tmp, name))
        try:
            return {row[0]: row[1:] for row in
                    con.execute("SELECT jti, expires_at, reason, created_at FROM revoked_tokens")}
        finally:
            con.close()

    # -- checking output -------------------------------------------------------------------

    def result_of(self, r, rc):
        """The validate/consume JSON: one line, the documented members in order."""
        self.assertEqual(r.rc, rc, r)
        self.assertTrue(r.out.endswith("\n") and r.out.count("\n") == 1, r)
        obj = json.loads(r.out)
        self.assertEqual(list(obj.keys()), FIELDS, r)
        return obj

    def validate(self, token, *args, rc=None, **kw):
        r = self.cli("validate", *args, token, **kw)
        obj = self.result_of(r, r.rc)
        self.assertEqual(r.rc, 0 if obj["valid"] else 1, r)
        if rc is not None:
            self.assertEqual(r.rc, rc, r)
        return obj

    def assert_usage_error(self, r, *mentions):
        """Exit 2, nothing on stdout, one line on stderr (mentioning each of `mentions`)."""
        self.assertEqual(r.rc, 2, r)
        self.assertEqual(r.out, "", r)
        self.assertTrue(r.err.strip(), r)
        self.assertTrue(r.err.endswith("\n") and r.err.count("\n") == 1, f"not one line: {r!r}")
        for m in mentions:
            self.assertIn(m.lower(), r.err.lower(), r)

    def assert_revoked_output(self, r, revoked):
        self.assertEqual(r.rc, 0 if revoked else 1, r)
        self.assertEqual(json.loads(r.out), {"revoked": revoked}, r)
        self.assertEqual(r.out, '{"revoked":true}\n' if revoked else '{"revoked":false}\n', r)


def payload(**claims):
    """A payload as the tool (or the Python package) writes it, at NOW, overridable."""
    out = {"sub": "ana@example.com", "iat": NOW - 10, "nbf": NOW - 10, "exp": NOW + 590,
           "iss": "JWTService", "jti": "jti-1"}
    for key, value in claims.items():
        if value is ...:
            out.pop(key, None)
        else:
            out[key] = value
    return out


# ---------------------------------------------------------------------------------------------

class HelpTest(CliTest):
    def test_tool_help(self):
        for args in (["--help"], ["-h"], ["help"]):
            r = self.cli(*args, secret=None)
            self.assertEqual(r.rc, 0, r)
            self.assertEqual(r.err, "", r)
            for command in COMMANDS:
                self.assertIn(command, r.out, r)
            self.assertIn("example", r.out.lower(), r)

    def test_each_command_help(self):
        for command in COMMANDS:
            with self.subTest(command=command):
                r = self.cli(command, "--help", secret=None)
                self.assertEqual(r.rc, 0, r)
                self.assertEqual(r.err, "", r)
                self.assertIn("Example", r.out, r)
                self.assertIn(f"jwtservice {command}", r.out, r)

    def test_help_needs_no_required_flag(self):
        # --help wins over missing required flags and TOKEN.
        r = self.cli("revoke-jti", "--help", secret=None)
        self.assertEqual(r.rc, 0, r)
        self.assertIn("--exp", r.out)

    def test_version(self):
        for args in (["--version"], ["-V"], ["version"]):
            with self.subTest(args=args):
                r = self.cli(*args, secret=None)
                self.assertEqual(r.rc, 0, r)
                self.assertRegex(r.out, r"^jwtservice \d+\.\d+\.\d+\n$", r)
                self.assertEqual(r.err, "", r)

    def test_help_of_an_unknown_command_is_a_usage_error(self):
        self.assert_usage_error(self.cli("help", "nope", secret=None), "unknown command 'nope'")

    def test_no_command_is_a_usage_error(self):
        r = self.cli(secret=None)
        self.assertEqual(r.rc, 2, r)
        self.assertEqual(r.out, "", r)


class UsageErrorTest(CliTest):
    def setUp(self):
        super().setUp()
        self.token = make_token(payload())

    def test_unknown_command(self):
        self.assert_usage_error(self.cli("frobnicate"), "frobnicate")
        self.assert_usage_error(self.cli("Validate", self.token))

    def test_a_misspelt_command_names_the_closest_one(self):
        for typed, meant in (("valdate", "validate"), ("revoke-jit", "revoke-jti"), ("inspcet", "inspect")):
            with self.subTest(typed=typed):
                r = self.cli(typed, self.token)
                self.assert_usage_error(r, typed)
                self.assertIn(f"did you mean '{meant}'?", r.err, r)
        r = self.cli("frobnicate")
        self.assertNotIn("did you mean", r.err, "a word far from every command gets no guess")

    def test_a_misspelt_option_names_the_closest_one(self):
        store = self.store()
        cases = [
            (["validate", "--secrte-file", "x", self.token], "--secret-file"),
            (["validate", "--audiance", "web", self.token], "--audience"),
            (["create", "--sbu", "ana"], "--sub"),
            (["consume", "--stroe", store, self.token], "--store"),
            (["revoke-jti", "--store", store, "--jti", "j", "--exp", str(NOW + 60), "--resaon", "x"], "--reason"),
            (["keygen", "--byte", "16"], "--bytes"),
        ]
        for args, meant in cases:
            with self.subTest(args=args):
                r = self.cli(*args)
                self.assert_usage_error(r)
                self.assertIn(f"(did you mean {meant}?)", r.err, r)
        r = self.cli("validate", "--sub", "x", self.token)
        self.assertNotIn("did you mean", r.err, "an option of another command is not guessed as a typo")

    def test_unknown_command_does_not_echo_a_token(self):
        # A forgotten command word: the token lands where the command goes.
        r = self.cli(self.token)
        self.assert_usage_error(r)

    def test_unknown_flag(self):
        store = self.store()
        cases = [
            ["create", "--sub", "a", "--bogus", "x"],
            ["create", "--sub", "a", "--reason", "x"],
            ["validate", "--bogus", "x", self.token],
            ["validate", "--sub", "x", self.token],
            ["revoke", "--store", store, "--bogus", "x", self.token],
            ["revoke-jti", "--store", store, "--jti", "j", "--exp", str(NOW + 60), "--bogus", "x"],
            ["consume", "--store", store, "--bogus", "x", self.token],
            ["consume", "--store", store, "--reason", "x", self.token],
            ["inspect", "--bogus", "x", self.token],
            ["keygen", "--bogus", "x"],
        ]
        for args in cases:
            with self.subTest(args=args):
                self.assert_usage_error(self.cli(*args), "--bogus" if "--bogus" in args else "--")

    def test_missing_required_flag(self):
        store = self.store()
        cases = [
            (["create"], "--sub"),
            (["create", "--action", "RESET_PASSWORD"], "--sub"),
            (["revoke", self.token], "--store"),
            (["revoke-jti", "--jti", "j", "--exp", str(NOW + 60)], "--store"),
            (["revoke-jti", "--store", store, "--exp", str(NOW + 60)], "--jti"),
            (["revoke-jti", "--store", store, "--jti", "j"], "--exp"),
            (["consume", self.token], "--store"),
        ]
        for args, flag in cases:
            with self.subTest(args=args):
                self.assert_usage_error(self.cli(*args), flag)

    def test_missing_token(self):
        for args in (["validate"], ["revoke", "--store", self.store()], ["consume", "--store", self.store()],
                     ["inspect"]):
            with self.subTest(args=args):
                self.assert_usage_error(self.cli(*args))

    def test_missing_value(self):
        store = self.store()
        cases = [
            ["create", "--sub"],
            ["create", "--sub", "a", "--action"],
            ["create", "--sub", "a", "--expires-in"],
            ["create", "--sub", "a", "--audience"],
            ["create", "--sub", "a", "--jti"],
            ["create", "--sub", "a", "--extra-data"],
            ["create", "--sub", "a", "--now"],
            ["create", "--sub", "a", "--config"],
            ["create", "--sub", "a", "--secret-file"],
            ["create", "--sub", "a", "--issuer"],
            ["create", "--sub", "a", "--leeway"],
            ["validate", self.token, "--audience"],
            ["validate", self.token, "--store"],
            ["revoke", self.token, "--store", store, "--reason"],
            ["revoke-jti", "--store", store, "--jti", "j", "--exp"],
            ["consume", self.token, "--store"],
            ["keygen", "--bytes"],
        ]
        for args in cases:
            with self.subTest(args=args):
                self.assert_usage_error(self.cli(*args), args[-1])

    def test_non_integer_number(self):
        store = self.store()
        cases = []
        for bad in ("abc", "1.5", "12x", "", "1e3", "0x10", "99999999999999999999"):
            cases += [
                (["create", "--sub", "a", "--expires-in", bad], "--expires-in"),
                (["create", "--sub", "a", "--now", bad], "--now"),
                (["validate", "--now", bad, self.token], "--now"),
                (["revoke-jti", "--store", store, "--jti", "j", "--exp", bad], "--exp"),
                (["keygen", "--bytes", bad], "--bytes"),
                (["validate", "--leeway", bad, self.token], "LEEWAY"),
            ]
        for args, mention in cases:
            with self.subTest(args=args):
                self.assert_usage_error(self.cli(*args), mention)

    def test_missing_secret_key(self):
        store = self.store()
        cases = [
            ["create", "--sub", "a"],
            ["validate", self.token],
            ["revoke", "--store", store, self.token],
            ["revoke-jti", "--store", store, "--jti", "j", "--exp", str(NOW + 60)],
            ["consume", "--store", store, self.token],
        ]
        for args in cases:
            with self.subTest(args=args):
                self.assert_usage_error(self.cli(*args, secret=None), "SECRET_KEY")
                self.assert_usage_error(self.cli(*args, secret="  \t "), "SECRET_KEY")
                empty = self.write("empty.key", b"")
                self.assert_usage_error(self.cli(*args, "--secret-file", empty, secret=None), "SECRET_KEY")

    def test_unsupported_store_scheme(self):
        for uri in ("redis+unix:///tmp/r.sock", "memory:", "postgres:x", os.path.join(self.tmp, "rev.db"),
                    "SQLITE:" + os.path.join(self.tmp, "rev.db")):
            cases = [
                ["validate", "--store", uri, self.token],
                ["revoke", "--store", uri, self.token],
                ["revoke-jti", "--store", uri, "--jti", "j", "--exp", str(NOW + 60)],
                ["consume", "--store", uri, self.token],
            ]
            for args in cases:
                with self.subTest(args=args):
                    self.assert_usage_error(self.cli(*args), "--store")

    def test_extra_positional_argument(self):
        store = self.store()
        cases = [
            ["create", "--sub", "a", "extra"],
            ["validate", self.token, "extra"],
            ["validate", self.token, self.token],
            ["revoke", "--store", store, self.token, "extra"],
            ["revoke-jti", "--store", store, "--jti", "j", "--exp", str(NOW + 60), "extra"],
            ["consume", "--store", store, self.token, "extra"],
            ["inspect", self.token, "extra"],
            ["keygen", "extra"],
            ["keygen", "32"],
        ]
        for args in cases:
            with self.subTest(args=args):
                self.assert_usage_error(self.cli(*args))
        # and nothing was recorded by the refused revoke / consume
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "rev.db")) and self.rows())

    def test_bad_create_arguments(self):
        cases = [
            (["--sub", "a", "--action", "BOGUS"], "--action"),
            (["--sub", "a", "--action", ""], "--action"),
            (["--sub", "a", "--action", "2"], "--action"),
            (["--sub", "a", "--extra-data", "[1,2]"], "extra"),
            (["--sub", "a", "--extra-data", '"text"'], "extra"),
            (["--sub", "a", "--extra-data", "42"], "extra"),
            (["--sub", "a", "--extra-data", "true"], "extra"),
            (["--sub", "a", "--extra-data", "{not json"], "extra"),
            (["--sub", "a", "--extra-data", ""], "extra"),
            (["--sub", "a", "--expires-in", "-1"], "expires"),
            (["--sub", ""], "sub"),
            (["--sub", "   "], "sub"),
            (["--sub", "a", "--jti", " "], "jti"),
            (["--sub", "a", "--audience", "  "], "audience"),
        ]
        for args, mention in cases:
            with self.subTest(args=args):
                self.assert_usage_error(self.cli("create", *args), mention)

    def test_bad_configuration(self):
        cases = [
            (["--config", os.path.join(self.tmp, "missing.json")], "--config"),
            (["--config", self.write("bad.json", "{not json")], "--config"),
            (["--config", self.write("list.json", "[1,2]")], "--config"),
            (["--secret-file", os.path.join(self.tmp, "missing.key")], "--secret-file"),
            (["--issuer", "   "], "ISSUER"),
            (["--issuer", ""], "ISSUER"),
            (["--leeway", "-1"], "LEEWAY"),
        ]
        for args, mention in cases:
            with self.subTest(args=args):
                self.assert_usage_error(self.cli("create", "--sub", "a", *args), mention)
                self.assert_usage_error(self.cli("validate", *args, self.token), mention)
        for key, value in (("JWTSERVICE_LEEWAY", "soon"), ("JWTSERVICE_ALGORITHM", "HS512"),
                           ("JWTSERVICE_ISSUER", " "), ("JWTSERVICE_AUDIENCE", "  "),
                           ("JWTSERVICE_MAX_TOKEN_BYTES", "0")):
            with self.subTest(key=key):
                self.assert_usage_error(self.cli("validate", self.token, env={key: value}), key)

    def test_repeated_single_flag(self):
        self.assert_usage_error(self.cli("create", "--sub", "a", "--sub", "b"), "--sub")

    def test_no_secret_or_token_on_stderr_in_any_error(self):
        # The secret from each source, a token on the command line and on stdin: every error
        # case above, with the secret in play. `cli` itself checks stderr on every run; this
        # test makes sure the secret-carrying sources are all exercised.
        config = self.write("cfg.json", json.dumps({"SECRET_KEY": SECRET_A, "JWTSERVICE_LEEWAY": "x"}))
        keyfile = self.write("a.key", SECRET_B)
        plain = self.write("plain", "x")
        sources = [dict(secret=SECRET), dict(secret=None, args=["--config", config]),
                   dict(secret=None, args=["--secret-file", keyfile])]
        for source in sources:
            cfg = source.get("args", [])
            secret = source["secret"]
            for args in (["validate", *cfg, "--bogus", self.token],
                         ["validate", *cfg, "--now", "x", self.token],
                         ["validate", *cfg, "--store", "redis:x", self.token],
                         ["validate", *cfg, self.token, self.token],
                         ["revoke", *cfg, "--store", "sqlite:" + plain + "/db", self.token],
                         ["consume", *cfg, "--store", "sqlite:" + plain + "/db", "-"],
                         ["create", *cfg, "--sub", "a", "--extra-data", "[" + self.token + "]"],
                         ["create", *cfg, "--sub", "a", "--action", "x"],
                         ["inspect", self.token + "x.y"]):
                with self.subTest(args=args):
                    r = self.cli(*args, secret=secret, stdin=self.token + "\n")
                    self.assertIn(r.rc, (1, 2), r)
                    self.assertNotIn(SECRET_A, r.err)
                    self.assertNotIn(SECRET_B, r.err)
                    self.assertNotIn(self.token, r.err)


class CreateTest(CliTest):
    def test_all_flags(self):
        token = self.create("--sub", "ana@example.com", "--action", "RESET_PASSWORD", "--expires-in", "900",
                            "--audience", "mobile-app", "--jti", "custom-jti",
                            "--extra-data", '{"flow":"signup","n":1,"nested":{"a":[1,2]}}', "--now", NOW)
        header, claims = decode_parts(token)
        self.assertEqual(header, {"alg": "HS256", "typ": "JWT"})
        self.assertEqual(claims, {"sub": "ana@example.com", "iat": NOW, "nbf": NOW, "exp": NOW + 900,
                                  "iss": "JWTService", "aud": "mobile-app", "action": "RESET_PASSWORD",
                                  "jti": "custom-jti",
                                  "extra_data": {"flow": "signup", "n": 1, "nested": {"a": [1, 2]}}})
        self.assertTrue(signed_with(token, SECRET))
        self.assertFalse(signed_with(token, SECRET_OTHER))

    def test_defaults(self):
        token = self.create("--sub", "ana", "--now", NOW)
        _, claims = decode_parts(token)
        self.assertEqual(set(claims), {"sub", "iat", "nbf", "exp", "iss", "jti"})
        self.assertEqual((claims["iat"], claims["nbf"], claims["exp"]), (NOW, NOW, NOW + 600))
        self.assertEqual(claims["iss"], "JWTService")
        self.assertRegex(claims["jti"], UUID4_RE)
        other = decode_parts(self.create("--sub", "ana", "--now", NOW))[1]
        self.assertNotEqual(claims["jti"], other["jti"])

    def test_real_clock_without_now(self):
        before = int(time.time())
        _, claims = decode_parts(self.create("--sub", "ana"))
        after = int(time.time())
        self.assertTrue(before <= claims["iat"] <= after, claims)
        self.assertEqual(claims["exp"] - claims["iat"], 600)

    def test_expires_in_zero_writes_no_exp(self):
        token = self.create("--sub", "ana", "--expires-in", "0", "--now", NOW)
        _, claims = decode_parts(token)
        self.assertNotIn("exp", claims)
        self.assertEqual(claims["iat"], NOW)
        out = self.validate(token, "--now", str(NOW + 10**8), rc=0)
        self.assertIsNone(out["expires_in"])

    def test_every_action_name(self):
        for name in ACTIONS:
            with self.subTest(action=name):
                token = self.create("--sub", "ana", "--action", name, "--now", NOW)
                self.assertEqual(decode_parts(token)[1]["action"], name)
                self.assertEqual(self.validate(token, "--now", NOW, rc=0)["action"], name)

    def test_extra_data_must_be_strict_json(self):
        # The rules a token's own JSON is held to: a repeated member name (at any depth) reads
        # differently in different parsers, so --extra-data may not carry one either.
        deepest = '{"a":' + "[" * 62 + "]" * 62 + "}"  # 63 levels: with the payload's own, the most a token may nest
        too_deep_for_a_token = '{"a":' + "[" * 63 + "]" * 63 + "}"  # strict JSON, but the payload would nest 65
        deep = '{"a":' + "[" * 64 + "]" * 64 + "}"
        for extra in ('{"a":1,"a":2}', '{"a":1,"\\u0061":2}', '{"x":{"b":1,"b":2}}', '{"x":[{"k":1,"k":2}]}',
                      deep, '{"n":1e400}', "\ufeff{}", "null"):
            with self.subTest(extra=extra):
                self.assert_usage_error(self.cli("create", "--sub", "a", "--extra-data", extra), "--extra-data",
                                        "strict")
        token = self.create("--sub", "a", "--extra-data", deepest, "--now", NOW)
        self.assertEqual(decode_parts(token)[1]["extra_data"], json.loads(deepest))
        self.assertEqual(self.validate(token, "--now", NOW, rc=0)["extra_data"], json.loads(deepest))
        self.assert_usage_error(self.cli("create", "--sub", "a", "--extra-data", too_deep_for_a_token),
                                "nested deeper than 63")

    def test_extra_data_object(self):
        token = self.create("--sub", "ana", "--extra-data", '{"ünï":"çødé","list":[null,true]}', "--now", NOW)
        self.assertEqual(decode_parts(token)[1]["extra_data"], {"ünï": "çødé", "list": [None, True]})
        self.assertEqual(self.validate(token, "--now", NOW)["extra_data"], {"ünï": "çødé", "list": [None, True]})

    def test_config_audience_is_the_default_audience(self):
        env = {"JWTSERVICE_AUDIENCE": "web-app"}
        self.assertEqual(decode_parts(self.create("--sub", "a", env=env))[1]["aud"], "web-app")
        token = self.create("--sub", "a", "--audience", "mobile-app", env=env)
        self.assertEqual(decode_parts(token)[1]["aud"], "mobile-app")

    def test_issuer_flag(self):
        token = self.create("--sub", "a", "--issuer", "auth.example", "--now", NOW)
        self.assertEqual(decode_parts(token)[1]["iss"], "auth.example")

    def test_output_is_token_and_newline(self):
        r = self.cli("create", "--sub", "a")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.err, "", r)
        self.assertRegex(r.out, r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n\Z")


class ValidateTest(CliTest):
    def test_valid_output_field_order_and_values(self):
        token = self.create("--sub", "ana@example.com", "--action", "VALIDAR_EMAIL", "--expires-in", "900",
                            "--audience", "web-app", "--jti", "j-42", "--extra-data", '{"flow":"signup"}',
                            "--now", NOW)
        r = self.cli("validate", "--now", NOW + 25, "--audience", "web-app", token)
        out = self.result_of(r, 0)
        self.assertEqual(out, {"valid": True, "status": "valid", "reason": None, "sub": "ana@example.com",
                               "action": "VALIDAR_EMAIL", "age": 25, "expires_in": 875, "aud": "web-app",
                               "jti": "j-42", "extra_data": {"flow": "signup"}})
        self.assertEqual(r.out, '{"valid":true,"status":"valid","reason":null,"sub":"ana@example.com",'
                                '"action":"VALIDAR_EMAIL","age":25,"expires_in":875,"aud":"web-app",'
                                '"jti":"j-42","extra_data":{"flow":"signup"}}\n')
        self.assertEqual(r.err, "")

    def test_absent_values_are_null(self):
        token = make_token(payload(exp=..., jti=...))
        r = self.cli("validate", "--now", NOW, token)
        out = self.result_of(r, 0)
        self.assertEqual(out, {"valid": True, "status": "valid", "reason": None, "sub": "ana@example.com",
                               "action": None, "age": 10, "expires_in": None, "aud": None, "jti": None,
                               "extra_data": None})
        self.assertIn('"action":null,"age":10,"expires_in":null,"aud":null,"jti":null,"extra_data":null}', r.out)

    def test_failure_output(self):
        token = make_token(payload(), SECRET_OTHER)
        r = self.cli("validate", "--now", NOW, token)
        self.assertEqual(self.result_of(r, 1), failure("bad_signature"))
        self.assertEqual(r.out, '{"valid":false,"status":"invalid","reason":"bad_signature","sub":null,'
                                '"action":null,"age":null,"expires_in":null,"aud":null,"jti":null,'
                                '"extra_data":null}\n')

    def test_reasons_and_exit_codes(self):
        cases = [
            ("", failure("missing_token")),
            ("   ", failure("missing_token")),
            ("not-a-token", failure("invalid")),
            (make_token(payload(), header={"alg": "HS512", "typ": "JWT"}), failure("invalid")),
            (make_token(payload(), header={"alg": "none"}), failure("invalid")),
            (make_token(payload(), SECRET_OTHER), failure("bad_signature")),
            (make_token(payload(iat=NOW + 5)), failure("invalid_iat")),
            (make_token(payload(nbf=NOW + 5)), failure("immature")),
            (make_token(payload(exp=NOW)), failure("expired", status="expired")),
            (make_token(payload(iss="someone-else")), failure("invalid_issuer")),
            (make_token(payload(iss=...)), failure("invalid_issuer")),
            (make_token(payload(sub=...)), failure("missing_sub")),
            (make_token(payload(sub="")), failure("missing_sub")),
            (make_token(payload(action="FLY")), failure("invalid_action")),
            (make_token(payload(extra_data=[1])), failure("invalid_extra_data")),
            (" " + make_token(payload()), failure("invalid")),
            (make_token(payload()) + " ", failure("invalid")),
        ]
        for token, expected in cases:
            with self.subTest(expected=expected["reason"], token=token[:40]):
                r = self.cli("validate", "--now", NOW, token)
                self.assertEqual(self.result_of(r, 1), expected)

    def test_expiry_boundary_and_now(self):
        token = self.create("--sub", "a", "--expires-in", "100", "--now", NOW)
        out = self.validate(token, "--now", NOW + 99, rc=0)
        self.assertEqual((out["age"], out["expires_in"]), (99, 1))
        self.assertEqual(self.validate(token, "--now", NOW + 100, rc=1), failure("expired", status="expired"))
        self.assertEqual(self.validate(token, "--now", NOW - 1, rc=1), failure("invalid_iat"))
        # without --now the real clock is used: this token (from 2023) is long expired
        self.assertEqual(self.validate(token, rc=1)["reason"], "expired")

    def test_leeway_flag(self):
        token = self.create("--sub", "a", "--expires-in", "100", "--now", NOW)
        self.assertEqual(self.validate(token, "--now", NOW + 103, rc=1)["reason"], "expired")
        out = self.validate(token, "--now", NOW + 103, "--leeway", "5", rc=0)
        self.assertEqual(out["expires_in"], -3)
        self.assertEqual(self.validate(token, "--now", NOW + 105, "--leeway", "5", rc=1)["reason"], "expired")
        # leeway also tolerates an iat a little ahead
        self.assertEqual(self.validate(token, "--now", NOW - 3, "--leeway", "5", rc=0)["age"], -3)

    def test_one_audience(self):
        token = self.create("--sub", "a", "--audience", "mobile-app")
        self.assertEqual(self.validate(token, "--audience", "mobile-app", rc=0)["aud"], "mobile-app")
        self.assertEqual(self.validate(token, "--audience", "web-app", rc=1), failure("invalid_audience"))
        # no expected audience: aud is not checked, and reported
        self.assertEqual(self.validate(token, rc=0)["aud"], "mobile-app")

    def test_several_audiences(self):
        token = self.create("--sub", "a", "--audience", "mobile-app")
        out = self.validate(token, "--audience", "web-app", "--audience", "mobile-app", rc=0)
        self.assertEqual(out["aud"], "mobile-app")
        out = self.validate(token, "--audience", "mobile-app", "--audience", "web-app", "--audience", "x", rc=0)
        self.assertEqual(out["aud"], "mobile-app")
        self.assertEqual(self.validate(token, "--audience", "web-app", "--audience", "cli", rc=1),
                         failure("invalid_audience"))
        no_aud = self.create("--sub", "a")
        self.assertEqual(self.validate(no_aud, "--audience", "web-app", "--audience", "cli", rc=1),
                         failure("invalid_audience"))

    def test_list_aud(self):
        token = make_token(payload(aud=["web-app", "mobile-app"]))
        self.assertEqual(self.validate(token, "--now", NOW, "--audience", "mobile-app", rc=0)["aud"], "mobile-app")
        self.assertEqual(self.validate(token, "--now", NOW, "--audience", "x", "--audience", "web-app",
                                       rc=0)["aud"], "web-app")
        self.assertEqual(self.validate(token, "--now", NOW, rc=0)["aud"], "web-app")
        self.assertEqual(self.validate(token, "--now", NOW, "--audience", "x", "--audience", "y", rc=1),
                         failure("invalid_audience"))

    def test_config_audience_and_flag_override(self):
        token = self.create("--sub", "a", "--audience", "web-app")
        env = {"JWTSERVICE_AUDIENCE": "mobile-app"}
        self.assertEqual(self.validate(token, env=env, rc=1), failure("invalid_audience"))
        self.assertEqual(self.validate(token, "--audience", "web-app", env=env, rc=0)["aud"], "web-app")
        self.assertEqual(self.validate(token, env={"JWTSERVICE_AUDIENCE": "web-app"}, rc=0)["aud"], "web-app")

    def test_issuer_flag(self):
        token = self.create("--sub", "a", "--issuer", "auth.example")
        self.assertEqual(self.validate(token, rc=1), failure("invalid_issuer"))
        self.assertEqual(self.validate(token, "--issuer", "auth.example", rc=0)["sub"], "a")
        self.assertEqual(self.validate(token, env={"JWTSERVICE_ISSUER": "auth.example"}, rc=0)["sub"], "a")

    def test_max_token_bytes_from_environment(self):
        token = self.create("--sub", "a")
        self.assertEqual(self.validate(token, env={"JWTSERVICE_MAX_TOKEN_BYTES": str(len(token))}, rc=0)["sub"], "a")
        self.assertEqual(self.validate(token, env={"JWTSERVICE_MAX_TOKEN_BYTES": str(len(token) - 1)}, rc=1),
                         failure("invalid"))

    def test_store(self):
        store = self.store()
        token = self.create("--sub", "a", "--jti", "j-store", "--now", NOW)
        self.assertEqual(self.validate(token, "--store", store, "--now", NOW, rc=0)["jti"], "j-store")
        self.assert_revoked_output(self.cli("revoke", "--store", store, "--now", NOW, token), True)
        self.assertEqual(self.validate(token, "--store", store, "--now", NOW, rc=1),
                         failure("revoked", status="revoked", jti="j-store"))
        # without the store the revocation is not looked at
        self.assertEqual(self.validate(token, "--now", NOW, rc=0)["jti"], "j-store")
        # with a store a jti is required
        no_jti = make_token(payload(jti=...))
        self.assertEqual(self.validate(no_jti, "--store", store, "--now", NOW, rc=1), failure("missing_jti"))
        self.assertIsNone(self.validate(no_jti, "--now", NOW, rc=0)["jti"])

    def test_store_relative_path_and_missing_directories(self):
        token = self.create("--sub", "a", "--jti", "j-rel")
        self.assert_revoked_output(self.cli("revoke", "--store", "sqlite:var/deep/revocations.db", token), True)
        self.assertTrue(os.path.isfile(os.path.join(self.tmp, "var", "deep", "revocations.db")))
        self.assertEqual(self.validate(token, "--store", "sqlite:var/deep/revocations.db", rc=1)["reason"],
                         "revoked")

    def test_store_outage_is_store_unavailable(self):
        path = corrupt_store(self.tmp)
        token = self.create("--sub", "a")
        r = self.cli("validate", "--store", "sqlite:" + path, token)
        self.assertEqual(self.result_of(r, 1), failure("store_unavailable"))

    def test_store_that_cannot_be_opened_is_exit_2(self):
        self.write("plain", "not a directory")
        token = self.create("--sub", "a")
        self.assert_usage_error(self.cli("validate", "--store", self.store("plain/rev.db"), token))


def corrupt_store(directory) -> str:
    """A revocation database in the Python package's schema whose tables' pages are garbage:
    it opens, but any lookup fails (a store outage after start-up)."""
    path = os.path.join(directory, "corrupt.db")
    con = sqlite3.connect(path)
    con.executescript(
        "CREATE TABLE IF NOT EXISTS revoked_tokens (jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL, "
        "reason TEXT NULL, created_at INTEGER NOT NULL);"
        "CREATE INDEX IF NOT EXISTS idx_revoked_tokens_expires_at ON revoked_tokens (expires_at);")
    con.commit()
    roots = [r[0] for r in con.execute("SELECT rootpage FROM sqlite_master WHERE rootpage > 1")]
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    con.close()
    with open(path, "r+b") as f:
        for root in roots:
            f.seek((root - 1) * page_size)
            f.write(b"\xff" * page_size)
    return path


class StdinTest(CliTest):
    def setUp(self):
        super().setUp()
        self.token = self.create("--sub", "a", "--jti", "j-stdin")

    def test_validate_from_stdin(self):
        ok = ["", "\n", "\r\n"]
        bad = ["\n\n", "\r\n\r\n", "\n\r\n", " ", " \n", "\t\n", "\r", "\r\r\n", "\n ", "\0"]
        for suffix in ok:
            with self.subTest(suffix=suffix):
                self.assertEqual(self.validate("-", stdin=self.token + suffix, rc=0)["sub"], "a")
        for suffix in bad:
            with self.subTest(suffix=suffix):
                self.assertEqual(self.validate("-", stdin=self.token + suffix, rc=1), failure("invalid"))
        for prefix in (" ", "\n"):
            with self.subTest(prefix=prefix):
                self.assertEqual(self.validate("-", stdin=prefix + self.token + "\n", rc=1), failure("invalid"))

    def test_empty_stdin_is_missing_token(self):
        self.assertEqual(self.validate("-", stdin="", rc=1), failure("missing_token"))
        self.assertEqual(self.validate("-", stdin="\n", rc=1), failure("missing_token"))

    def test_other_commands_from_stdin(self):
        r = self.cli("inspect", "-", stdin=self.token + "\r\n", secret=None)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(json.loads(r.out)["payload"]["jti"], "j-stdin")
        self.assertEqual(self.cli("inspect", "-", stdin=" " + self.token, secret=None).rc, 1)

        self.assert_revoked_output(self.cli("revoke", "--store", self.store("a.db"), "-", stdin=self.token + " "),
                                   False)
        self.assert_revoked_output(self.cli("revoke", "--store", self.store("a.db"), "-", stdin=self.token + "\n"),
                                   True)
        self.assertEqual(self.result_of(self.cli("consume", "--store", self.store("b.db"), "-",
                                                 stdin=self.token + "\r\n"), 0)["jti"], "j-stdin")
        self.assertEqual(self.result_of(self.cli("consume", "--store", self.store("b.db"), "-",
                                                 stdin=self.token + "\r\n"), 1)["reason"], "revoked")


class RevokeTest(CliTest):
    def test_revoke_true_then_false(self):
        store = self.store()
        token = self.create("--sub", "a", "--jti", "j-r", "--now", NOW)
        self.assert_revoked_output(self.cli("revoke", "--store", store, "--now", NOW, token), True)
        self.assert_revoked_output(self.cli("revoke", "--store", store, "--now", NOW, token), False)

    def test_revoke_refuses(self):
        store = self.store()
        cases = [
            make_token(payload(), SECRET_OTHER),            # bad signature
            make_token(payload(exp=NOW)),                    # expired at --now
            make_token(payload(jti=...)),                    # no jti
            make_token(payload(jti="   ")),                  # blank jti
            "garbage",
        ]
        for token in cases:
            with self.subTest(token=token[:40]):
                self.assert_revoked_output(self.cli("revoke", "--store", store, "--now", NOW, token), False)
        self.assertEqual(self.rows(), {})

    def test_revoke_checks_only_signature_and_expiry(self):
        store = self.store()
        for i, claims in enumerate([dict(iss="other"), dict(aud="somewhere"), dict(nbf=NOW + 100),
                                    dict(sub=...), dict(action="FLY")]):
            with self.subTest(claims=claims):
                token = make_token(payload(jti=f"j{i}", **claims))
                self.assert_revoked_output(self.cli("revoke", "--store", store, "--now", NOW, token), True)

    def test_revoke_rows_follow_now_and_leeway(self):
        token = self.create("--sub", "a", "--jti", "j-row", "--expires-in", "600", "--now", NOW)
        self.assert_revoked_output(self.cli("revoke", "--store", self.store(), "--now", NOW + 10, "--leeway", "7",
                                            "--reason", "logout", token), True)
        self.assertEqual(self.rows(), {"j-row": (NOW + 600 + 7, "logout", NOW + 10)})
        # still revoked at --now, and in the leeway window after exp
        self.assertEqual(self.validate(token, "--store", self.store(), "--now", NOW + 10, rc=1)["reason"], "revoked")
        self.assertEqual(self.validate(token, "--store", self.store(), "--now", NOW + 604, "--leeway", "7",
                                       rc=1)["reason"], "revoked")

    def test_revoke_without_reason_or_exp(self):
        token = self.create("--sub", "a", "--jti", "j-noexp", "--expires-in", "0", "--now", NOW)
        self.assert_revoked_output(self.cli("revoke", "--store", self.store(), "--now", NOW, token), True)
        (expires_at, reason, created_at), = self.rows().values()
        self.assertIsNone(reason)
        self.assertEqual(created_at, NOW)
        self.assertGreaterEqual(expires_at - NOW, 100 * 365 * 86400)  # "permanently": a century or more
        self.assertEqual(self.validate(token, "--store", self.store(), "--now", NOW, rc=1)["reason"], "revoked")
        self.assertEqual(self.validate(token, "--store", self.store(), "--now", NOW + 50 * 365 * 86400,
                                       rc=1)["reason"], "revoked")

    def test_revoke_jti(self):
        store = self.store()
        token = self.create("--sub", "a", "--jti", "j-by-id", "--now", NOW)
        r = self.cli("revoke-jti", "--store", store, "--jti", "j-by-id", "--exp", NOW + 600, "--reason", "incident",
                     "--now", NOW)
        self.assert_revoked_output(r, True)
        self.assert_revoked_output(self.cli("revoke-jti", "--store", store, "--jti", "j-by-id", "--exp", NOW + 600,
                                            "--now", NOW), False)
        self.assertEqual(self.validate(token, "--store", store, "--now", NOW, rc=1),
                         failure("revoked", status="revoked", jti="j-by-id"))
        self.assertEqual(self.rows()["j-by-id"], (NOW + 600, "incident", NOW))

    def test_revoke_jti_refuses(self):
        store = self.store()
        for jti, exp in (("j-past", NOW - 1), ("j-now", NOW), ("   ", NOW + 600), ("", NOW + 600)):
            with self.subTest(jti=jti, exp=exp):
                self.assert_revoked_output(self.cli("revoke-jti", "--store", store, "--jti", jti, "--exp", exp,
                                                    "--now", NOW), False)
        self.assertEqual(self.rows(), {})
        # the same exp is fine earlier, and the leeway extends it
        self.assert_revoked_output(self.cli("revoke-jti", "--store", store, "--jti", "j-past", "--exp", NOW - 1,
                                            "--now", NOW - 2), True)
        self.assert_revoked_output(self.cli("revoke-jti", "--store", store, "--jti", "j-now", "--exp", NOW,
                                            "--now", NOW, "--leeway", "30"), True)
        self.assertEqual(self.rows()["j-now"], (NOW + 30, None, NOW))

    def test_store_failure_is_exit_2(self):
        self.write("plain", "a regular file")
        bad = self.store("plain/sub/rev.db")
        token = self.create("--sub", "a")
        self.assert_usage_error(self.cli("revoke", "--store", bad, token))
        self.assert_usage_error(self.cli("revoke-jti", "--store", bad, "--jti", "j", "--exp", "9999999999"))
        self.assert_usage_error(self.cli("consume", "--store", bad, token))
        # an outage after opening
        corrupt = "sqlite:" + corrupt_store(self.tmp)
        for args in (["revoke", "--store", corrupt, token],
                     ["revoke-jti", "--store", corrupt, "--jti", "j", "--exp", "9999999999"]):
            with self.subTest(args=args):
                r = self.cli(*args)
                self.assertEqual(r.rc, 2, r)
                self.assertEqual(r.out, "", r)
                self.assertTrue(r.err.strip(), r)


class ConsumeTest(CliTest):
    def test_consume_twice(self):
        store = self.store()
        token = self.create("--sub", "ana", "--action", "RESET_PASSWORD", "--jti", "j-once", "--audience", "web",
                            "--extra-data", '{"k":"v"}', "--now", NOW)
        r = self.cli("consume", "--store", store, "--now", NOW + 5, "--audience", "x", "--audience", "web", token)
        self.assertEqual(self.result_of(r, 0), {"valid": True, "status": "valid", "reason": None, "sub": "ana",
                                                "action": "RESET_PASSWORD", "age": 5, "expires_in": 595,
                                                "aud": "web", "jti": "j-once", "extra_data": {"k": "v"}})
        r = self.cli("consume", "--store", store, "--now", NOW + 6, token)
        self.assertEqual(self.result_of(r, 1), failure("revoked", status="revoked", jti="j-once"))
        self.assertEqual(self.validate(token, "--store", store, "--now", NOW + 6, rc=1)["reason"], "revoked")
        self.assertEqual(self.rows()["j-once"][2], NOW + 5)  # created_at (the reason is the tool's choice)

    def test_consume_invalid_token_records_nothing(self):
        store = self.store()
        token = self.create("--sub", "a", "--jti", "j-c", "--audience", "web", "--now", NOW)
        self.assertEqual(self.result_of(self.cli("consume", "--store", store, "--now", NOW + 600, token), 1),
                         failure("expired", status="expired"))
        self.assertEqual(self.result_of(self.cli("consume", "--store", store, "--now", NOW, "--audience", "app",
                                                 token), 1), failure("invalid_audience"))
        self.assertEqual(self.result_of(self.cli("consume", "--store", store, "--now", NOW,
                                                 make_token(payload(), SECRET_OTHER)), 1), failure("bad_signature"))
        self.assertEqual(self.rows(), {})
        self.assertEqual(self.result_of(self.cli("consume", "--store", store, "--now", NOW, token), 0)["jti"], "j-c")

    def test_consume_store_outage(self):
        corrupt = "sqlite:" + corrupt_store(self.tmp)
        token = self.create("--sub", "a")
        self.assertEqual(self.result_of(self.cli("consume", "--store", corrupt, token), 1),
                         failure("store_unavailable"))


class RedisStoreTest(CliTest):
    """--store redis://... and --store redis, against the server tests/with_redis_server started
    for this run on a free 127.0.0.1 port (run with --redis; never any other server)."""

    def setUp(self):
        super().setUp()
        self.prefix = f"cli-test-{os.getpid()}-{id(self)}:"
        self.env = {"JWTSERVICE_REDIS_PREFIX": self.prefix}

    def test_revoke_validate_and_consume(self):
        token = self.create("--sub", "a", "--jti", "j-redis", "--now", NOW)
        self.assertEqual(self.validate(token, "--store", REDIS_URL, "--now", NOW, env=self.env, rc=0)["jti"],
                         "j-redis")
        self.assert_revoked_output(self.cli("revoke", "--store", REDIS_URL, "--now", NOW, token, env=self.env),
                                   True)
        self.assert_revoked_output(self.cli("revoke", "--store", REDIS_URL, "--now", NOW, token, env=self.env),
                                   False)
        self.assertEqual(self.validate(token, "--store", REDIS_URL, "--now", NOW, env=self.env, rc=1),
                         failure("revoked", status="revoked", jti="j-redis"))
        # another prefix is another key space
        other = {"JWTSERVICE_REDIS_PREFIX": self.prefix + "other:"}
        self.validate(token, "--store", REDIS_URL, "--now", NOW, env=other, rc=0)
        once = self.create("--sub", "a", "--now", NOW)
        self.assertTrue(self.result_of(self.cli("consume", "--store", REDIS_URL, "--now", NOW, once,
                                                env=self.env), 0)["valid"])
        self.assertEqual(self.result_of(self.cli("consume", "--store", REDIS_URL, "--now", NOW, once,
                                                 env=self.env), 1)["reason"], "revoked")

    def test_bare_redis_takes_the_url_from_the_environment(self):
        env = dict(self.env, JWTSERVICE_REDIS_URL=REDIS_URL)
        self.assert_revoked_output(self.cli("revoke-jti", "--store", "redis", "--jti", "j-env", "--exp",
                                            NOW + 60, "--now", NOW, env=env), True)
        token = self.create("--sub", "a", "--jti", "j-env", "--now", NOW)
        self.assertEqual(self.validate(token, "--store", "redis", "--now", NOW, env=env, rc=1)["reason"],
                         "revoked")
        self.assert_usage_error(self.cli("validate", "--store", "redis", token, env=self.env),
                                "JWTSERVICE_REDIS_URL")

    def redis_command(self, *args):
        """One command on the test's own server over a plain socket; the first reply line."""
        host, port = REDIS_URL[len("redis://"):].split("/")[0].rsplit("@", 1)[-1].split(":")
        request = f"*{len(args)}\r\n" + "".join(f"${len(a)}\r\n{a}\r\n" for a in args)
        with socket.create_connection((host, int(port)), timeout=5) as s:
            s.sendall(request.encode())
            return s.makefile("rb").readline().decode().strip()

    def test_redis_url_store_honours_allow_eviction_from_the_environment(self):
        token = self.create("--sub", "a", "--now", NOW)
        self.assertEqual(self.redis_command("CONFIG", "SET", "maxmemory", "104857600"), "+OK")
        try:
            self.assertEqual(self.redis_command("CONFIG", "SET", "maxmemory-policy", "allkeys-lru"), "+OK")
            r = self.cli("validate", "--store", REDIS_URL, "--now", NOW, token, env=self.env)
            self.assertEqual(self.result_of(r, 1), failure("store_unavailable"))
            self.assertIn("JWTSERVICE_REDIS_ALLOW_EVICTION", r.err, "the refusal should name the key that allows it")
            allowed = dict(self.env, JWTSERVICE_REDIS_ALLOW_EVICTION="1")
            self.assertTrue(self.validate(token, "--store", REDIS_URL, "--now", NOW, env=allowed, rc=0)["valid"],
                            "JWTSERVICE_REDIS_ALLOW_EVICTION=1 was ignored for --store redis://...")
        finally:
            self.redis_command("CONFIG", "SET", "maxmemory-policy", "noeviction")
            self.redis_command("CONFIG", "SET", "maxmemory", "0")

    def test_unreachable_server_fails_closed_without_showing_the_password(self):
        with socket.socket() as s:  # a loopback port nobody listens on
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        url = f"redis://:{REDIS_PASSWORD}@127.0.0.1:{port}/0"
        token = self.create("--sub", "a")
        self.assertEqual(self.result_of(self.cli("validate", "--store", url, token), 1),
                         failure("store_unavailable"))
        self.assertEqual(self.result_of(self.cli("consume", "--store", url, token), 1),
                         failure("store_unavailable"))
        r = self.cli("revoke", "--store", url, token)
        self.assertEqual((r.rc, r.out), (2, ""), r)
        self.assertIn(f"127.0.0.1:{port}", r.err)
        self.assert_usage_error(self.cli("validate", "--store", f"redis://:{REDIS_PASSWORD}@127.0.0.1:x", token),
                                "Redis URL")




class RedisTlsStoreTest(CliTest):
    """--store rediss://... against the TLS-only server tests/with_redis_server started for this
    run (JWTSERVICE_TEST_REDISS_URL; its certificate, for IP 127.0.0.1 and DNS redis.test, is
    signed by ca.crt in JWTSERVICE_TEST_TLS_DIR, and other-ca.crt there is a CA nobody trusts)."""

    def setUp(self):
        super().setUp()
        self.url = REDISS_URL
        self.dir = TLS_DIR
        self.env = {"JWTSERVICE_REDIS_PREFIX": f"cli-tls-{os.getpid()}-{id(self)}:",
                    "JWTSERVICE_REDIS_CA_FILE": os.path.join(self.dir, "ca.crt")}

    def test_revoke_validate_and_consume_over_a_verified_connection(self):
        token = self.create("--sub", "a", "--jti", "j-tls", "--now", NOW)
        self.assertEqual(self.validate(token, "--store", self.url, "--now", NOW, env=self.env, rc=0)["jti"], "j-tls")
        self.assert_revoked_output(self.cli("revoke", "--store", self.url, "--now", NOW, token, env=self.env), True)
        self.assertEqual(self.validate(token, "--store", self.url, "--now", NOW, env=self.env, rc=1),
                         failure("revoked", status="revoked", jti="j-tls"))
        once = self.create("--sub", "a", "--now", NOW)
        self.assertTrue(self.result_of(self.cli("consume", "--store", self.url, "--now", NOW, once,
                                                env=self.env), 0)["valid"])
        self.assertEqual(self.result_of(self.cli("consume", "--store", self.url, "--now", NOW, once,
                                                 env=self.env), 1)["reason"], "revoked")
        # The server's name from the environment: the certificate holds redis.test.
        named = dict(self.env, JWTSERVICE_REDIS_TLS_SERVER_NAME="redis.test")
        self.assertEqual(self.validate(token, "--store", self.url, "--now", NOW, env=named, rc=1)["reason"],
                         "revoked")

    def test_an_untrusted_or_misnamed_server_fails_closed(self):
        token = self.create("--sub", "a", "--now", NOW)
        untrusted = dict(self.env, JWTSERVICE_REDIS_CA_FILE=os.path.join(self.dir, "other-ca.crt"))
        misnamed = dict(self.env, JWTSERVICE_REDIS_TLS_SERVER_NAME="elsewhere.test")
        for env, why in ((untrusted, "the server's certificate was refused"), (misnamed, "hostname mismatch")):
            r = self.cli("validate", "--store", self.url, "--now", NOW, token, env=env)
            self.assertEqual(self.result_of(r, 1), failure("store_unavailable"))
            self.assertIn(why, r.err, "stderr should say why the server was refused")
            r = self.cli("revoke", "--store", self.url, "--now", NOW, token, env=env)
            self.assertEqual((r.rc, r.out), (2, ""), r)
        self.validate(token, "--store", self.url, "--now", NOW, env=self.env, rc=0)

    def test_plain_redis_to_the_tls_port_fails_closed(self):
        token = self.create("--sub", "a", "--now", NOW)
        self.assertEqual(self.result_of(self.cli("validate", "--store", "redis" + self.url[len("rediss"):],
                                                 "--now", NOW, token, env=self.env), 1),
                         failure("store_unavailable"))

    def test_an_unreadable_ca_file_is_a_usage_error_naming_the_key(self):
        token = self.create("--sub", "a", "--now", NOW)
        missing = dict(self.env, JWTSERVICE_REDIS_CA_FILE=os.path.join(self.tmp, "no-such-ca.crt"))
        self.assert_usage_error(self.cli("validate", "--store", self.url, "--now", NOW, token, env=missing),
                                "JWTSERVICE_REDIS_CA_FILE")


class InspectTest(CliTest):
    def inspect(self, token, *args, rc=0):
        r = self.cli("inspect", *args, token, secret=None)
        self.assertEqual(r.rc, rc, r)
        if rc == 0:
            self.assertIn("UNVERIFIED", r.out)
            self.assertTrue(r.out.endswith("\n") and r.out.count("\n") == 1, r)
            return json.loads(r.out)
        return r

    def test_decodes_without_verifying(self):
        claims = payload(aud="web", action="FLY", extra_data={"a": 1})
        for token in (make_token(claims, SECRET_OTHER),                     # a key nobody here knows
                      make_token(payload(exp=1)),                           # long expired
                      make_token(claims, header={"alg": "HS512", "typ": "JWT"}),
                      make_token(claims, header={"alg": "none"})):
            with self.subTest(token=token[:40]):
                out = self.inspect(token)
                header, body = decode_parts(token)
                self.assertEqual(out["header"], header)
                self.assertEqual(out["payload"], body)
                self.assertIs(out.get("verified"), False)

    def test_keeps_claim_order(self):
        token = self.create("--sub", "a", "--now", NOW)
        r = self.cli("inspect", token, secret=None)
        self.assertEqual(list(json.loads(r.out)["payload"]), ["sub", "iat", "nbf", "exp", "iss", "jti"])

    def test_accepts_now(self):
        self.assertEqual(self.inspect(make_token(payload()), "--now", NOW)["payload"]["sub"], "ana@example.com")

    def test_hostile_nesting_is_refused_without_crashing(self):
        # 100,000 nested arrays: a recursive parser runs out of stack. Too long for argv: stdin.
        deep = b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
        token = b64u(b'{"alg":"HS256"}') + "." + b64u(deep) + "." + b64u(bytes(32))
        r = self.cli("inspect", "-", stdin=token, secret=None)
        self.assertEqual((r.rc, r.out), (1, ""), r)
        self.assertIn("payload is not strict JSON", r.err)
        self.assertTrue(r.err.endswith("\n") and r.err.count("\n") == 1, r)

    def test_json_that_is_not_strict_is_refused(self):
        header = b64u(b'{"alg":"HS256"}')
        for part, text in (("payload", b'{"sub":"a","sub":"b"}'), ("payload", b'{"x":{"k":1,"k":2}}'),
                           ("payload", b'{"n":1e400}'), ("payload", b'{"s":"\xff"}'),
                           ("header", b'{"alg":"HS256","alg":"none"}'), ("header", b"\xef\xbb\xbf{}")):
            with self.subTest(part=part, text=text):
                h, p = (b64u(text), b64u(b"{}")) if part == "header" else (header, b64u(text))
                token = f"{h}.{p}.{b64u(bytes(32))}"
                r = self.inspect(token, rc=1)
                self.assertEqual(r.out, "")
                self.assertIn(f"{part} is not strict JSON", r.err)

    def test_payload_of_any_strict_json_type_is_shown(self):
        header = b64u(b'{"alg":"HS256"}')
        for text, value in ((b"[1,2]", [1, 2]), (b'"text"', "text"), (b" 42 ", 42)):
            with self.subTest(text=text):
                self.assertEqual(self.inspect(f"{header}.{b64u(text)}.{b64u(bytes(32))}")["payload"], value)

    def test_undecodable(self):
        for token in ("garbage", "a.b", "a.b.c.d", "!!!.e30.x", b64u(b"not json") + ".e30.sig"):
            with self.subTest(token=token):
                r = self.inspect(token, rc=1)
                self.assertEqual(r.out, "")
                self.assertTrue(r.err.strip())


class KeygenTest(CliTest):
    def keygen(self, *args):
        r = self.cli("keygen", *args, secret=None)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.err, "", r)
        self.assertTrue(r.out.endswith("\n") and r.out.count("\n") == 1, r)
        key = r.out[:-1]
        self.assertRegex(key, B64URL_RE)
        self.assertNotIn("=", key)
        return key

    def test_default_32_bytes(self):
        key = self.keygen()
        self.assertEqual(len(key), 43)
        self.assertEqual(len(b64u_decode(key)), 32)
        self.assertEqual(b64u(b64u_decode(key)), key)  # canonical
        self.assertNotEqual(key, self.keygen())

    def test_bytes(self):
        for n in (32, 33, 34, 48, 64, 1024):
            with self.subTest(bytes=n):
                key = self.keygen("--bytes", n)
                self.assertEqual(len(b64u_decode(key)), n)
                self.assertEqual(len(key), (4 * n + 2) // 3)

    def test_bounds(self):
        for n in ("31", "0", "-1", "1025", "100000"):
            with self.subTest(bytes=n):
                self.assert_usage_error(self.cli("keygen", "--bytes", n, secret=None), "--bytes")

    def test_accepts_now(self):
        self.assertEqual(len(self.keygen("--now", NOW)), 43)

    def test_key_file_is_a_secret_file(self):
        r = self.cli("keygen", secret=None)
        path = self.write("secret.txt", r.out)
        token = self.create("--secret-file", path, "--sub", "a", secret=None)
        self.assertTrue(signed_with(token, r.out))  # the file's bytes, newline included
        self.assertEqual(self.validate(token, "--secret-file", path, secret=None, rc=0)["sub"], "a")


class ConfigTest(CliTest):
    def test_config_file_alone(self):
        cfg = self.write("app.json", json.dumps({"SECRET_KEY": SECRET_A, "JWTSERVICE_ISSUER": "file-iss",
                                                 "JWTSERVICE_LEEWAY": 3, "JWTSERVICE_AUDIENCE": "file-aud",
                                                 "UNRELATED_KEY": {"x": 1}}))
        token = self.create("--config", cfg, "--sub", "a", "--expires-in", "10", "--now", NOW, secret=None)
        self.assertTrue(signed_with(token, SECRET_A))
        _, claims = decode_parts(token)
        self.assertEqual((claims["iss"], claims["aud"]), ("file-iss", "file-aud"))
        out = self.validate(token, "--config", cfg, "--now", NOW + 12, secret=None, rc=0)  # leeway 3
        self.assertEqual(out["expires_in"], -2)
        self.assertEqual(self.validate(token, "--config", cfg, "--now", NOW + 13, secret=None, rc=1)["reason"],
                         "expired")

    def test_environment_alone(self):
        env = {"JWTSERVICE_ISSUER": "env-iss", "JWTSERVICE_LEEWAY": "3"}
        token = self.create("--sub", "a", "--expires-in", "10", "--now", NOW, secret=SECRET_B, env=env)
        self.assertTrue(signed_with(token, SECRET_B))
        self.assertEqual(decode_parts(token)[1]["iss"], "env-iss")
        self.assertEqual(self.validate(token, "--now", NOW + 12, secret=SECRET_B, env=env, rc=0)["expires_in"], -2)

    # secret: file < environment < --secret-file

    def test_secret_environment_over_file(self):
        cfg = self.write("app.json", json.dumps({"SECRET_KEY": SECRET_A}))
        token = self.create("--config", cfg, "--sub", "a", secret=SECRET_B)
        self.assertTrue(signed_with(token, SECRET_B))
        self.assertFalse(signed_with(token, SECRET_A))
        self.assertEqual(self.validate(token, "--config", cfg, secret=SECRET_B, rc=0)["sub"], "a")
        self.assertEqual(self.validate(token, "--config", cfg, secret=None, rc=1), failure("bad_signature"))

    def test_secret_flag_over_environment(self):
        keyfile = self.write("a.key", SECRET_A)
        token = self.create("--secret-file", keyfile, "--sub", "a", secret=SECRET_B)
        self.assertTrue(signed_with(token, SECRET_A))
        self.assertEqual(self.validate(token, secret=SECRET_B, rc=1), failure("bad_signature"))
        self.assertEqual(self.validate(token, "--secret-file", keyfile, secret=SECRET_B, rc=0)["sub"], "a")

    def test_secret_flag_over_file(self):
        cfg = self.write("app.json", json.dumps({"SECRET_KEY": SECRET_A}))
        keyfile = self.write("b.key", SECRET_B)
        token = self.create("--config", cfg, "--secret-file", keyfile, "--sub", "a", secret=None)
        self.assertTrue(signed_with(token, SECRET_B))
        self.assertFalse(signed_with(token, SECRET_A))

    # issuer: file < environment < --issuer

    def test_issuer_precedence(self):
        cfg = self.write("app.json", json.dumps({"SECRET_KEY": SECRET, "JWTSERVICE_ISSUER": "file-iss"}))
        env = {"JWTSERVICE_ISSUER": "env-iss"}
        iss = lambda *a, **kw: decode_parts(self.create("--sub", "a", *a, **kw))[1]["iss"]  # noqa: E731
        self.assertEqual(iss("--config", cfg), "file-iss")
        self.assertEqual(iss("--config", cfg, env=env), "env-iss")                       # file < env
        self.assertEqual(iss("--issuer", "flag-iss", env=env), "flag-iss")               # env < flag
        self.assertEqual(iss("--config", cfg, "--issuer", "flag-iss"), "flag-iss")       # file < flag
        self.assertEqual(iss("--config", cfg, "--issuer", "flag-iss", env=env), "flag-iss")
        token = self.create("--sub", "a", env=env)
        self.assertEqual(self.validate(token, "--config", cfg, env=env, rc=0)["sub"], "a")
        self.assertEqual(self.validate(token, "--config", cfg, rc=1), failure("invalid_issuer"))
        self.assertEqual(self.validate(token, "--issuer", "other", env=env, rc=1), failure("invalid_issuer"))

    # leeway: file < environment < --leeway, each pair both ways (so it is precedence, not max/min)

    def test_leeway_precedence(self):
        token = make_token(payload(exp=NOW - 3))

        def outcome(file_leeway=None, env_leeway=None, flag_leeway=None):
            args, env = ["--now", NOW], {}
            if file_leeway is not None:
                path = self.write(f"leeway-{file_leeway}.json", json.dumps({"JWTSERVICE_LEEWAY": file_leeway}))
                args += ["--config", path]
            if env_leeway is not None:
                env["JWTSERVICE_LEEWAY"] = str(env_leeway)
            if flag_leeway is not None:
                args += ["--leeway", str(flag_leeway)]
            return self.validate(token, *args, env=env)["reason"]

        self.assertEqual(outcome(file_leeway=10), None)
        self.assertEqual(outcome(file_leeway=0), "expired")
        self.assertEqual(outcome(file_leeway=10, env_leeway=0), "expired")   # file < env
        self.assertEqual(outcome(file_leeway=0, env_leeway=10), None)
        self.assertEqual(outcome(env_leeway=10, flag_leeway=0), "expired")   # env < flag
        self.assertEqual(outcome(env_leeway=0, flag_leeway=10), None)
        self.assertEqual(outcome(file_leeway=10, flag_leeway=0), "expired")  # file < flag
        self.assertEqual(outcome(file_leeway=0, flag_leeway=10), None)
        self.assertEqual(outcome(file_leeway=10, env_leeway=10, flag_leeway=0), "expired")

    def test_audience_environment_over_file(self):
        cfg = self.write("app.json", json.dumps({"JWTSERVICE_AUDIENCE": "file-aud"}))
        aud = lambda **kw: decode_parts(self.create("--config", cfg, "--sub", "a", **kw))[1].get("aud")  # noqa
        self.assertEqual(aud(), "file-aud")
        self.assertEqual(aud(env={"JWTSERVICE_AUDIENCE": "env-aud"}), "env-aud")
        self.assertIsNone(aud(env={"JWTSERVICE_AUDIENCE": ""}))  # empty = no audience

    def test_unrelated_environment_is_ignored(self):
        token = self.create("--sub", "a", env={"JWTSERVICE_SOMETHING_ELSE": "x", "SECRET": "y"})
        self.assertTrue(signed_with(token, SECRET))


class SecretFileTest(CliTest):
    def test_trailing_newline_is_part_of_the_secret(self):
        with_nl = self.write("nl.key", SECRET_A + "\n")
        without = self.write("plain.key", SECRET_A)
        token = self.create("--secret-file", with_nl, "--sub", "a", secret=None)
        self.assertTrue(signed_with(token, SECRET_A + "\n"))
        self.assertFalse(signed_with(token, SECRET_A))
        self.assertEqual(self.validate(token, "--secret-file", with_nl, secret=None, rc=0)["sub"], "a")
        self.assertEqual(self.validate(token, "--secret-file", without, secret=None, rc=1), failure("bad_signature"))
        self.assertEqual(self.validate(token, secret=SECRET_A, rc=1), failure("bad_signature"))
        other = self.create("--secret-file", without, "--sub", "a", secret=None)
        self.assertTrue(signed_with(other, SECRET_A))
        self.assertEqual(self.validate(other, secret=SECRET_A, rc=0)["sub"], "a")
        self.assertEqual(self.validate(other, "--secret-file", with_nl, secret=None, rc=1), failure("bad_signature"))

    def test_bytes_exactly(self):
        for name, data in (("crlf", SECRET_A + "\r\n"), ("spaces", "  " + SECRET_A + "  "),
                           ("binary", b"\xff\x00\x01" + SECRET_A.encode() + b"\x80\n"),
                           ("base64-looking", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==")):
            with self.subTest(name=name):
                path = self.write(name + ".key", data)
                token = self.create("--secret-file", path, "--sub", "a", secret=None)
                self.assertTrue(signed_with(token, as_bytes(data)))
                self.assertEqual(self.validate(token, "--secret-file", path, secret=None, rc=0)["sub"], "a")


class NowTest(CliTest):
    """--now on every command it affects (the others accept it)."""

    def test_create(self):
        _, claims = decode_parts(self.create("--sub", "a", "--expires-in", "60", "--now", 12345))
        self.assertEqual((claims["iat"], claims["nbf"], claims["exp"]), (12345, 12345, 12405))

    def test_validate(self):
        token = make_token(payload(iat=NOW, nbf=NOW, exp=NOW + 60))
        self.assertEqual(self.validate(token, "--now", NOW + 20, rc=0)["age"], 20)
        self.assertEqual(self.validate(token, "--now", NOW + 20, rc=0)["expires_in"], 40)
        self.assertEqual(self.validate(token, "--now", NOW + 60, rc=1)["reason"], "expired")
        self.assertEqual(self.validate(token, "--now", NOW - 1, rc=1)["reason"], "invalid_iat")

    def test_revoke_and_consume(self):
        token = make_token(payload(iat=NOW, nbf=NOW, exp=NOW + 60, jti="j-now"))
        self.assert_revoked_output(self.cli("revoke", "--store", self.store(), "--now", NOW + 60, token), False)
        self.assertEqual(self.result_of(self.cli("consume", "--store", self.store(), "--now", NOW + 60, token), 1),
                         failure("expired", status="expired"))
        self.assertEqual(self.result_of(self.cli("consume", "--store", self.store(), "--now", NOW + 59, token),
                                        0)["expires_in"], 1)
        self.assertEqual({k: (v[0], v[2]) for k, v in self.rows().items()}, {"j-now": (NOW + 60, NOW + 59)})

    def test_revoke_jti(self):
        self.assert_revoked_output(self.cli("revoke-jti", "--store", self.store(), "--jti", "j", "--exp", NOW,
                                            "--now", NOW), False)
        self.assert_revoked_output(self.cli("revoke-jti", "--store", self.store(), "--jti", "j", "--exp", NOW,
                                            "--now", NOW - 1), True)
        self.assertEqual(self.rows(), {"j": (NOW, None, NOW - 1)})

    def test_revocation_expires_at_now(self):
        # A revocation until NOW+60 is live before and gone after, as seen at --now.
        store = self.store()
        token = make_token(payload(iat=NOW, nbf=NOW, exp=NOW + 600, jti="j-window"))
        self.assert_revoked_output(self.cli("revoke-jti", "--store", store, "--jti", "j-window", "--exp", NOW + 60,
                                            "--now", NOW), True)
        self.assertEqual(self.validate(token, "--store", store, "--now", NOW + 59, rc=1)["reason"], "revoked")
        self.assertEqual(self.validate(token, "--store", store, "--now", NOW + 60, rc=0)["jti"], "j-window")


# ---------------------------------------------------------------------------------------------

def main():
    global CLI
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cli", default=os.environ.get("JWTSERVICE_CLI"), help="the jwtservice executable")
    parser.add_argument("-k", dest="patterns", action="append", help="only tests matching this substring")
    parser.add_argument("-v", dest="verbosity", action="store_const", const=2, default=1)
    parser.add_argument("--redis", action="store_true",
                        help="also run the Redis store tests, on the server JWTSERVICE_REDIS_URL names "
                             "(tests/with_redis_server starts one and sets it)")
    opts = parser.parse_args()
    if not opts.cli or not os.path.isfile(opts.cli) or not os.access(opts.cli, os.X_OK):
        print(f"test_cli.py: no jwtservice executable (give --cli PATH or JWTSERVICE_CLI): {opts.cli!r}")
        print("0 passed, 1 failed")
        return 1
    CLI = os.path.abspath(opts.cli)
    if opts.redis:
        global REDIS_URL, REDISS_URL, TLS_DIR
        REDIS_URL = os.environ.get("JWTSERVICE_REDIS_URL")
        REDISS_URL = os.environ.get("JWTSERVICE_TEST_REDISS_URL")
        TLS_DIR = os.environ.get("JWTSERVICE_TEST_TLS_DIR")
        if not REDIS_URL or not REDIS_URL.startswith("redis://127.0.0.1:") or REDIS_URL.startswith(
                "redis://127.0.0.1:6379/") or not REDISS_URL or not TLS_DIR:
            print("test_cli.py: --redis needs JWTSERVICE_REDIS_URL on 127.0.0.1 (not 6379), "
                  "JWTSERVICE_TEST_REDISS_URL and JWTSERVICE_TEST_TLS_DIR (tests/with_redis_server sets them): "
                  f"{REDIS_URL!r}")
            print("0 passed, 1 failed")
            return 1
        # The TLS server's password must never show on stderr either.
        ALL_SECRETS.append(REDISS_URL.split("@", 1)[0].rsplit(":", 1)[1])
    loader = unittest.TestLoader()
    if opts.patterns:
        loader.testNamePatterns = [f"*{p}*" for p in opts.patterns]
    suite = loader.loadTestsFromModule(sys.modules[__name__])
    if not opts.redis:  # built without Redis: its tests are not run (and not counted as skipped)
        def flatten(s):
            return [t for x in s for t in (flatten(x) if isinstance(x, unittest.TestSuite) else [x])]
        suite = unittest.TestSuite(t for t in flatten(suite) if not isinstance(t, (RedisStoreTest, RedisTlsStoreTest)))
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

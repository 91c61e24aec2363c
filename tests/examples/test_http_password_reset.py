#!/usr/bin/env python3
"""Drives examples/http_password_reset through real HTTP requests (urllib, standard library).

Usage: test_http_password_reset.py HTTP_PASSWORD_RESET_BINARY JWTSERVICE_CLI

Starts the server on a free 127.0.0.1 port with a scratch directory, then checks the flow a
user relies on: a reset link works once; it fails after use, after the password changed, for
the wrong action and after expiry; the new password holds and the old one no longer does; of
several concurrent uses of one link exactly one succeeds; garbage gets a 400, never a 500.
Tokens and the secret are never printed (failure messages show status codes and reasons).
"""
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

SERVER, CLI = sys.argv[1], sys.argv[2]
SECRET = "http-example-test-secret-0123456789-abcdefgh"
EMAIL, OLD_PASSWORD = "ana@example.com", "old-password-1"


def env():
    e = {k: v for k, v in os.environ.items() if not k.startswith("JWTSERVICE_") and k != "SECRET_KEY"}
    e["SECRET_KEY"] = SECRET
    return e


class HttpPasswordReset(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="jwtservice-http-")
        cls.proc = subprocess.Popen([SERVER, "--dir", cls.dir, "--user", f"{EMAIL}:{OLD_PASSWORD}",
                                     "--user", "bob@example.com:bobs-password-1"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env(), text=True)
        line = cls.proc.stdout.readline()  # the server prints it once it listens
        match = re.fullmatch(r"listening on (http://127\.0\.0\.1:\d+)\n", line)
        if not match:
            cls.proc.kill()
            raise RuntimeError(f"the server did not start: {line!r} {cls.proc.stderr.read()[-2000:]!r}")
        cls.base = match.group(1)

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        try:
            cls.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            cls.proc.kill()
            cls.proc.wait()
        shutil.rmtree(cls.dir, ignore_errors=True)

    # -- HTTP ------------------------------------------------------------------------------------

    def request(self, method, path, fields=None, raw_body=None, content_type=None):
        """(status, body text); fields are form-encoded into the body (POST) or the query (GET)."""
        url, data = self.base + path, raw_body
        if fields is not None and method == "GET":
            url += "?" + urllib.parse.urlencode(fields)
        elif fields is not None:
            data = urllib.parse.urlencode(fields).encode()
        req = urllib.request.Request(url, data=data, method=method)
        if content_type or data is not None:
            req.add_header("Content-Type", content_type or "application/x-www-form-urlencoded")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def forgot(self, email=EMAIL):
        """Asks for a reset link and returns (uid, token) read from the outbox."""
        before = self.outbox()
        status, _ = self.request("POST", "/forgot", {"email": email})
        self.assertEqual(status, 202, "POST /forgot")
        mail = self.outbox()[len(before):]
        links = re.findall(r"/reset\?uid=(\d+)&token=(\S+)", mail)
        self.assertEqual(len(links), 1, f"one new mail with one link for {email}")
        return links[0]

    def outbox(self):
        try:
            with open(os.path.join(self.dir, "outbox.txt"), encoding="utf-8") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def show(self, uid, token):
        return self.request("GET", "/reset", {"uid": uid, "token": token})

    def reset(self, uid, token, password):
        return self.request("POST", "/reset", {"uid": uid, "token": token, "password": password})

    def login(self, password, email=EMAIL):
        return self.request("POST", "/login", {"email": email, "password": password})[0]

    def cli_token(self, uid, *args):
        r = subprocess.run([CLI, "create", "--sub", uid, *args], env=env(), capture_output=True, text=True,
                           timeout=60, check=False)
        self.assertEqual(r.returncode, 0, f"jwtservice create failed: {r.stderr}")
        return r.stdout.strip()

    def assert_refused(self, response, reason, what):
        status, body = response
        self.assertEqual(status, 400, f"{what}: status {status}, {body.strip()!r}")
        self.assertIn(f"({reason})", body, what)

    # -- the flow --------------------------------------------------------------------------------

    def test_1_a_reset_link_works_once_and_dies_with_the_password(self):
        uid, link = self.forgot()
        _, other = self.forgot()  # a second link, issued before the change and never used
        self.assertEqual(self.show(uid, link)[0], 200, "GET /reset shows the form for a fresh link")
        self.assertEqual(self.show(uid, link)[0], 200, "showing the form does not use the link")
        self.assertEqual(self.reset(uid, link, "short")[0], 400, "a too short password is refused")
        status, body = self.reset(uid, link, "new-password-2")
        self.assertEqual(status, 200, f"POST /reset with a fresh link: {body.strip()!r}")
        self.assertEqual(self.login("new-password-2"), 200, "the new password holds")
        self.assertEqual(self.login(OLD_PASSWORD), 401, "the old password no longer does")
        self.assert_refused(self.reset(uid, link, "new-password-3"), "binding_mismatch", "the link after use")
        self.assert_refused(self.show(uid, other), "binding_mismatch", "an older link after the change")
        self.assertEqual(self.login("new-password-2"), 200, "a refused link changed nothing")

    def test_2_of_concurrent_uses_of_one_link_exactly_one_wins(self):
        uid, link = self.forgot("bob@example.com")
        with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
            statuses = list(pool.map(lambda i: self.reset(uid, link, f"bobs-new-password-{i}")[0], range(6)))
        self.assertEqual(statuses.count(200), 1, f"statuses {statuses}")
        self.assertEqual(statuses.count(400), 5, f"statuses {statuses}")
        winners = [i for i in range(6) if self.login(f"bobs-new-password-{i}", "bob@example.com") == 200]
        self.assertEqual(len(winners), 1, "exactly one new password holds")

    def test_3_the_wrong_purpose_and_an_expired_link_are_refused(self):
        uid, _ = self.forgot()
        email_link = self.cli_token(uid, "--action", "VALIDAR_EMAIL")
        self.assert_refused(self.show(uid, email_link), "action_mismatch", "an email-confirmation token")
        self.assert_refused(self.reset(uid, email_link, "another-password"), "action_mismatch",
                            "an email-confirmation token, POST")
        expired = self.cli_token(uid, "--action", "RESET_PASSWORD", "--expires-in", "600",
                                 "--now", str(int(time.time()) - 7200))
        self.assert_refused(self.show(uid, expired), "expired", "a link that expired an hour ago")
        old = self.cli_token(uid, "--action", "RESET_PASSWORD", "--expires-in", "86400",
                             "--now", str(int(time.time()) - 1800))
        self.assert_refused(self.show(uid, old), "expired", "a link older than the endpoint's 15 minutes")

    def test_4_an_unknown_address_gets_the_same_answer_and_no_mail(self):
        before = self.outbox()
        status, body = self.request("POST", "/forgot", {"email": "nobody@example.com"})
        self.assertEqual(status, 202)
        self.assertEqual(self.outbox(), before, "no mail for an address without an account")
        self.assertEqual(self.request("POST", "/forgot", {"email": EMAIL})[1], body, "the same answer")

    def test_5_garbage_gets_400_never_500(self):
        uid, link = self.forgot()
        cases = [
            ("GET", "/reset", None),
            ("GET", "/reset", {"uid": uid}),
            ("GET", "/reset", {"token": link}),
            ("GET", "/reset", {"uid": "x", "token": link}),
            ("GET", "/reset", {"uid": "-1", "token": link}),
            ("GET", "/reset", {"uid": "99999999999999999999999", "token": link}),
            ("GET", "/reset", {"uid": "424242", "token": link}),
            ("GET", "/reset", {"uid": uid, "token": "garbage"}),
            ("GET", "/reset", {"uid": uid, "token": "a.b.c"}),
            ("GET", "/reset", {"uid": uid, "token": link[:-5]}),
            ("GET", "/reset", {"uid": uid, "token": "\u00e9\x00\x01" * 50}),
            ("GET", "/reset", {"uid": uid, "token": "eyJ" + "A" * 7000}),
            ("POST", "/reset", {"uid": uid, "token": "eyJ" + "A" * 7500, "password": "long-enough-1"}),
            ("POST", "/reset", None),
            ("POST", "/reset", {"uid": uid, "token": "garbage", "password": "long-enough-1"}),
            ("POST", "/reset", {"uid": uid, "token": link}),
            ("POST", "/forgot", None),
            ("POST", "/forgot", {"email": ""}),
        ]
        for method, path, fields in cases:
            with self.subTest(method=method, path=path, fields=sorted(fields or {})):
                status, body = self.request(method, path, fields)
                self.assertEqual(status, 400, f"{method} {path}: {status} {body.strip()[:80]!r}")
        status, _ = self.request("POST", "/reset", raw_body=b"\xff\xfe{not a form", content_type="text/plain")
        self.assertEqual(status, 400, "a body that is not a form")
        # Past cpp-httplib's own limits the server library answers, still never 500.
        self.assertEqual(self.show(uid, "eyJ" + "A" * 9000)[0], 414, "a URI over 8 KiB: URI Too Long")
        self.assertEqual(self.reset(uid, "A" * 70000, "long-enough-1")[0], 413, "a form over 8 KiB: Payload Too Large")
        self.assertEqual(self.show(uid, link)[0], 200, "none of it used the link up")


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)

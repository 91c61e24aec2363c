#!/usr/bin/env python3
"""Faults of the `jwtservice` command line (docs/stores-and-faults.md): hostile or mistaken input
gets one clear line on stderr and bounded work, and never echoes a secret.

Usage: test_faults_cli.py --cli PATH/TO/jwtservice. The last line printed is "N passed, M failed".
"""

import argparse
import base64
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

CLI = None
SECRET = "faults-cli-secret-0123456789-abcdefghijkl"


def clean_env():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY" and not k.startswith("JWTSERVICE_")}
    env["SECRET_KEY"] = SECRET
    return env


class CliFaults(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="jwtservice-faults-cli-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def run_cli(self, *args, stdin=b"", timeout=60):
        proc = subprocess.run([CLI, *args], input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=clean_env(), cwd=self.tmp, timeout=timeout, check=False)
        err = proc.stderr.decode("utf-8", "replace")
        self.assertNotIn(SECRET, err)
        return proc.returncode, proc.stdout.decode("utf-8", "replace"), err

    def assert_one_line_error(self, rc, out, err, *mentions):
        self.assertEqual(rc, 2, (rc, out, err))
        self.assertEqual(out, "")
        self.assertEqual(err.count("\n"), 1, f"stderr is not one line: {err!r}")
        self.assertNotIn("\x1b", err, "an escape sequence reached the terminal")
        for m in mentions:
            self.assertIn(m, err)

    def test_control_characters_in_a_store_path_stay_on_one_line(self):
        parent = os.path.join(self.tmp, "file")
        open(parent, "w").close()
        # The parent is a regular file: a ConfigError that names the path, newline and escape included.
        path = parent + '/x\njwtservice: {"revoked":true}\x1b[2J.db'
        rc, out, err = self.run_cli("revoke-jti", "--store", "sqlite:" + path, "--jti", "j", "--exp", "99999999999")
        self.assert_one_line_error(rc, out, err, "\\x0a", "\\x1b")

    def test_a_secret_file_that_is_a_directory_says_so(self):
        rc, out, err = self.run_cli("validate", "--secret-file", self.tmp, "x.y.z")
        self.assert_one_line_error(rc, out, err, "is a directory")
        self.assertNotIn("underflow", err)

    def test_an_empty_secret_file_says_so(self):
        empty = os.path.join(self.tmp, "empty.key")
        open(empty, "w").close()
        rc, out, err = self.run_cli("validate", "--secret-file", empty, "x.y.z")
        self.assert_one_line_error(rc, out, err, "is empty")

    def test_a_mistyped_command_word_is_echoed_but_a_token_or_secret_is_not(self):
        rc, out, err = self.run_cli("valdate", "x")
        self.assert_one_line_error(rc, out, err, "'valdate'")
        for word in ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.sig", SECRET, "s3cr3t"):
            rc, out, err = self.run_cli(word)
            self.assert_one_line_error(rc, out, err, "not shown")
            self.assertNotIn(word[:6], err)

    def test_double_dash_ends_the_options(self):
        rc, out, _ = self.run_cli("validate", "--", "--help")
        self.assertEqual(rc, 1, out)  # "--help" is the token here, and it is invalid
        self.assertIn('"reason":"invalid"', out)

    def test_a_huge_standard_input_is_read_only_up_to_the_size_limit(self):
        # 200 MB on disk (not in this process, whose memory a forked child would count).
        path = os.path.join(self.tmp, "huge.txt")
        with open(path, "wb") as f:
            chunk = b"a" * (1024 * 1024)
            for _ in range(200):
                f.write(chunk)
        start = time.monotonic()
        with open(path, "rb") as stdin:
            proc = subprocess.run([CLI, "validate", "-"], stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  env=clean_env(), cwd=self.tmp, timeout=120, check=False)
        elapsed = time.monotonic() - start
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn(b'"reason":"invalid"', proc.stdout)
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        self.assertLess(peak_kib, 64 * 1024, "the tool read all of standard input into memory")
        self.assertLess(elapsed, 30, "the tool read all of standard input")

    def test_inspect_of_a_deeply_nested_payload_is_a_clean_refusal(self):
        payload = base64.urlsafe_b64encode(b'{"a":' * 100000).rstrip(b"=")
        token = b"eyJhbGciOiJIUzI1NiJ9." + payload + b".c2ln\n"
        rc, out, err = self.run_cli("inspect", "-", stdin=token)
        self.assertEqual(rc, 1, err)
        self.assertIn("not strict JSON", err)

    def test_repeated_keys_in_extra_data_are_refused(self):
        rc, out, err = self.run_cli("create", "--sub", "a", "--extra-data", '{"a":1,"a":2}')
        self.assert_one_line_error(rc, out, err, "--extra-data")


def main():
    global CLI
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    opts = parser.parse_args()
    CLI = os.path.abspath(opts.cli)
    suite = unittest.TestLoader().loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.skipped)
    print(f"{result.testsRun - failed} passed, {failed} failed")
    return 0 if failed == 0 and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Writes tests/conformance/cases.json: the conformance corpus of jwtservice's validation.

Every case is {token, secret, config, now, audience, store, expected reason}, built from the
RFCs (7515 incl. Appendix A.1, 7519, 7520 §4.4, 7797, 8725), from docs/validation.md (every reason,
every malformed-input rule of steps 3 and 5, the order of the checks) and from the published
attack classes on JWT libraries (alg none, algorithm confusion, signature stripping, strcmp on
MACs, error precedence, duplicate claims, deep nesting and size DoS). tests/test_conformance.cpp
runs each case through the public API.

Python 3 standard library only; deterministic: the same bytes on every run.

    python3 tests/conformance/generate.py            # (re)writes cases.json next to this file
    python3 tests/conformance/generate.py --check    # exit 1 when cases.json is out of date
    python3 tests/conformance/generate.py --stdout   # print instead of writing
"""

import base64
import hashlib
import hmac
import json
import math
import os
import sys
from collections import Counter

COMMAND = "python3 tests/conformance/generate.py"

# --- primitives ---------------------------------------------------------------------------------

# The default key: 48 bytes of ASCII, so that RFC 7518 §3.2's 256-bit minimum is met.
SECRET = b"conformance-secret-0123456789-abcdefghijklmnopqr"
OTHER_SECRET = b"attacker-secret-0123456789-abcdefghijklmnopqrstu"
NOW = 1700000000
ISSUER = "JWTService"  # the configured issuer's default
HEADER = b'{"alg":"HS256","typ":"JWT"}'  # the header jwtservice itself writes
INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)

# RFC 7515 Appendix A.1: the JWK "k" of the HMAC key and the complete example JWS.
RFC7515_A1_KEY = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"
RFC7515_A1_TOKEN = (
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
)
RFC7515_A1_EXP = 1300819380
# RFC 7519 §6.1 (= RFC 7515 Appendix A.5): the example Unsecured JWT, {"alg":"none"}.
RFC7519_6_1_TOKEN = (
    "eyJhbGciOiJub25lIn0"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ."
)
# RFC 7520 §3.5: the symmetric key of Figure 5; §4.4: its HS256 JWS of the §4 payload (Figure 7).
RFC7520_3_5_KEY = "hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg"
RFC7520_4_4_TOKEN = (
    "eyJhbGciOiJIUzI1NiIsImtpZCI6IjAxOGMwYWU1LTRkOWItNDcxYi1iZmQ2LWVlZjMxNGJjNzAzNyJ9"
    ".SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUg"
    "cm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1p"
    "Z2h0IGJlIHN3ZXB0IG9mZiB0by4"
    ".s0h6KThzkfBBBkLspW1h84VsJZFTsPPqMDA7g1Md7p0"
)
RFC7520_4_PAYLOAD = (
    "It\u2019s a dangerous business, Frodo, going out your door. You step onto the road, and if you "
    "don't keep your feet, there\u2019s no knowing where you might be swept off to."
)
# RFC 7797 §4.1 (b64 true, i.e. an ordinary JWS of the payload "$.02") and §4.2 (b64 false,
# detached payload), both with the key of RFC 7515 A.1.
RFC7797_PAYLOAD = "$.02"
RFC7797_4_1_TOKEN = "eyJhbGciOiJIUzI1NiJ9.JC4wMg.5mvfOroL-g7HyqJoozehmsaqmvTYGEq5jTI1gVvoEoQ"
RFC7797_4_2_TOKEN = "eyJhbGciOiJIUzI1NiIsImI2NCI6ZmFsc2UsImNyaXQiOlsiYjY0Il19..A5dxf2s96_n5FLueVuW1Z_vh161FwXZC4YLPff6dmDY"
RFC7797_4_2_HEADER_B64 = "eyJhbGciOiJIUzI1NiIsImI2NCI6ZmFsc2UsImNyaXQiOlsiYjY0Il19"

B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def b64(data):
    """Canonical unpadded base64url (RFC 7515 §2)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def to_bytes(value):
    """A header or payload: bytes as given, str as UTF-8, anything else as compact JSON."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return compact(value)


def compact(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def mac(signing_input, key=SECRET, digest=hashlib.sha256):
    return hmac.new(key, signing_input.encode("utf-8"), digest).digest()


def sign_segments(header_b64, payload_b64, key=SECRET, digest=hashlib.sha256):
    """header.payload.MAC, the MAC taken over the two segments exactly as given."""
    signing_input = header_b64 + "." + payload_b64
    return signing_input + "." + b64(mac(signing_input, key, digest))


def token(payload, header=HEADER, key=SECRET, digest=hashlib.sha256):
    return sign_segments(b64(to_bytes(header)), b64(to_bytes(payload)), key, digest)


def replace_signature(tok, signature_b64):
    return tok[: tok.rindex(".") + 1] + signature_b64


def signature_bytes(tok):
    return unb64(tok[tok.rindex(".") + 1 :])


def set_unused_bits(segment):
    """The same bytes for a lenient decoder, but not the canonical encoding: the last
    character's unused low bits set (RFC 4648 §3.5)."""
    assert len(segment) % 4 in (2, 3), "a segment with unused bits is needed"
    last = B64_ALPHABET.index(segment[-1])
    assert last & (0x0F if len(segment) % 4 == 2 else 0x03) == 0
    return segment[:-1] + B64_ALPHABET[last | 1]


def to_standard_alphabet(segment):
    changed = segment.replace("-", "+").replace("_", "/")
    assert changed != segment, "the segment must contain '-' or '_'"
    return changed


def trunc(x):
    return int(math.trunc(x))


def claims(**changes):
    """The claims jwtservice writes, valid at NOW for the default config, with changes:
    DROP removes a claim, NULL sets it to JSON null."""
    c = {
        "sub": "user@example.com",
        "iat": NOW - 10,
        "nbf": NOW - 10,
        "exp": NOW + 600,
        "iss": ISSUER,
        "action": "RESET_PASSWORD",
        "jti": "jti-0001",
        "extra_data": {"flow": "reset"},
    }
    for name, value in changes.items():
        if value is DROP:
            c.pop(name, None)
        elif value is NULL:
            c[name] = None
        else:
            c[name] = value
    return c


class _Marker:
    def __init__(self, name):
        self.name = name


DROP = _Marker("drop")
NULL = _Marker("null")


def raw_payload(body):
    """A hand-written payload: the good claims as JSON text with `body` spliced in before the
    closing brace (for duplicates, odd numbers and bytes json.dumps would never write)."""
    base = compact(claims())
    return base[:-1] + b"," + body + b"}"


def nested_arrays(levels, inner=b"0"):
    return b"[" * levels + inner + b"]" * levels


# --- the corpus -----------------------------------------------------------------------------------

CASES = []
IDS = set()


def expect_valid(c, now=NOW, aud="__from_claims__"):
    """What validar reports for valid claims `c` (a dict) at `now`."""
    if aud == "__from_claims__":
        a = c.get("aud")
        aud = a if isinstance(a, str) else (a[0] if a else None)
    return {
        "reason": "none",
        "status": "valid",
        "sub": c["sub"],
        "action": c.get("action"),
        "age": now - trunc(c["iat"]) if "iat" in c else None,
        "expires_in": trunc(c["exp"]) - now if "exp" in c else None,
        "aud": aud,
        "jti": c.get("jti") if isinstance(c.get("jti"), str) else None,
        "extra_data": c.get("extra_data"),
    }


STATUS = {"none": "valid", "expired": "expired", "revoked": "revoked"}


def add(id, source, description, tok, expected, *, secret=SECRET, config=None, now=NOW,
        audience=None, store=None, repeat=None, before=None, oversize=False, options=None):
    assert id not in IDS, id
    # Every case tests the rule it names: only the cases marked oversize exceed the maximum.
    limit = int((config or {}).get("JWTSERVICE_MAX_TOKEN_BYTES", 8192))
    assert (len(tok.encode("utf-8")) > limit) == oversize, (id, len(tok), limit)
    assert all(ch.isalnum() or ch == "_" for ch in id), id
    IDS.add(id)
    if isinstance(expected, str):
        expected = {"reason": expected}
    expected = dict(expected)
    expected.setdefault("status", STATUS.get(expected["reason"], "invalid"))
    case = {
        "id": id,
        "source": source,
        "description": description,
        "token": tok,
        "secret_b64url": b64(secret),
        "config": config or {},
        "now": now,
        "audience": audience,
        "store": store,
    }
    if repeat is not None:
        case["repeat"] = repeat
    if before is not None:
        case["before"] = before
    if options is not None:
        case["options"] = options
    case["expected"] = expected
    CASES.append(case)


def add_valid(id, source, description, c, **kw):
    aud = kw.pop("expected_aud", "__from_claims__")
    add(id, source, description, token(c, kw.pop("header", HEADER)),
        expect_valid(c, kw.get("now", NOW), aud), **kw)


def bnd(sub, state, key=SECRET):
    """The `bnd` claim by its documented formula: K = HMAC-SHA256(key, "jwtservice binding v1"),
    then the first 16 bytes of HMAC-SHA256(K, sub || 0x00 || state), unpadded base64url."""
    k = hmac.new(key, b"jwtservice binding v1", hashlib.sha256).digest()
    return b64(hmac.new(k, sub.encode("utf-8") + b"\0" + state, hashlib.sha256).digest()[:16])


def opts(action=None, binding=None, max_age=None):
    """The validation options of a case (null fields are not given)."""
    return {"action": action, "binding_b64url": None if binding is None else b64(binding), "max_age": max_age}


def build_lifecycle():
    """The lifecycle options (docs/validation.md steps 5, 6, 8, 13, 15) and key fallbacks."""
    L7 = "docs/validation.md (lifecycle)"
    state = b"$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"
    sub = "user@example.com"
    good_bnd = bnd(sub, state)
    reset = opts(action="RESET_PASSWORD")
    # 13. action_mismatch
    add_valid("lifecycle_expected_action_matches", L7, "the expected action is the token's", claims(), options=reset)
    add("lifecycle_action_mismatch_other", L7, "VALIDAR_EMAIL expected, RESET_PASSWORD carried",
        token(claims()), "action_mismatch", options=opts(action="VALIDAR_EMAIL"))
    add("lifecycle_action_mismatch_absent", L7, "an action expected, the token has none",
        token(claims(action=DROP)), "action_mismatch", options=reset)
    add("lifecycle_action_mismatch_no_action_vs_absent", L7,
        "an expected NO_ACTION does not match a token without action", token(claims(action=DROP)),
        "action_mismatch", options=opts(action="NO_ACTION"))
    add_valid("lifecycle_expected_no_action_matches", L7, "NO_ACTION expected and carried",
              claims(action="NO_ACTION"), options=opts(action="NO_ACTION"))
    add("lifecycle_invalid_action_before_mismatch", L7, "step 12 before 13: an unknown action name",
        token(claims(action="RESET")), "invalid_action", options=reset)
    add("lifecycle_action_mismatch_before_extra_data", L7, "step 13 before 14",
        token(claims(extra_data=[1])), "action_mismatch", options=opts(action="VALIDAR_EMAIL"))
    # 15. binding_mismatch
    add_valid("lifecycle_binding_matches", L7, "bnd of (sub, state), the same state given",
              claims(bnd=good_bnd), options=opts(binding=state))
    add_valid("lifecycle_binding_and_all_options", L7, "action, binding and max_age together",
              claims(bnd=good_bnd), options=opts(action="RESET_PASSWORD", binding=state, max_age=11))
    add("lifecycle_binding_other_state", L7, "the state changed since the token was made",
        token(claims(bnd=good_bnd)), "binding_mismatch", options=opts(binding=state + b"x"))
    add("lifecycle_binding_not_given", L7, "a bound token validated without a state",
        token(claims(bnd=good_bnd)), "binding_mismatch")
    add("lifecycle_binding_token_unbound", L7, "a state given for a token without bnd",
        token(claims()), "binding_mismatch", options=opts(binding=state))
    add("lifecycle_binding_empty_state", L7, "an empty state given never matches",
        token(claims(bnd=bnd(sub, b""))), "binding_mismatch", options=opts(binding=b""))
    add("lifecycle_binding_other_sub", L7, "bnd computed for another sub",
        token(claims(bnd=bnd("mallory@example.com", state))), "binding_mismatch", options=opts(binding=state))
    add("lifecycle_binding_too_long", L7, "bnd of 32 bytes instead of 16",
        token(claims(bnd=good_bnd + good_bnd)), "binding_mismatch", options=opts(binding=state))
    last = good_bnd[-1]
    sibling = B64_ALPHABET[(B64_ALPHABET.index(last) & ~0x0F) | ((B64_ALPHABET.index(last) + 1) & 0x0F)]
    add("lifecycle_binding_non_canonical_last_char", L7, "bnd's last character with unused bits set",
        token(claims(bnd=good_bnd[:-1] + sibling)), "binding_mismatch", options=opts(binding=state))
    add("lifecycle_bnd_not_a_string", L7, "step 5: bnd is a number", token(claims(bnd=5)), "invalid",
        options=opts(binding=state))
    add("lifecycle_bnd_null", L7, "step 5: bnd is null", token(claims(bnd=None)), "invalid")
    add("lifecycle_extra_data_before_binding", L7, "step 14 before 15",
        token(claims(extra_data="x", bnd=good_bnd)), "invalid_extra_data")
    add("lifecycle_binding_before_missing_jti", L7, "step 15 before 16",
        token(claims(jti=DROP, bnd=good_bnd)), "binding_mismatch", store={"revoked": []})
    add("lifecycle_binding_before_revoked", L7, "step 15 before 18",
        token(claims(bnd=good_bnd)), "binding_mismatch", store={"revoked": [claims()["jti"]]})
    # 6 and 8: max_age
    add_valid("lifecycle_max_age_one_second_left", L7, "age 10, max_age 11", claims(), options=opts(max_age=11))
    add("lifecycle_max_age_reached", L7, "age 10 == max_age 10: expired at that second",
        token(claims()), {"reason": "expired", "status": "expired"}, options=opts(max_age=10))
    add_valid("lifecycle_max_age_leeway", L7, "age 10, max_age 10, leeway 1", claims(), options=opts(max_age=10),
              config={"JWTSERVICE_LEEWAY": 1})
    add("lifecycle_max_age_without_iat", L7, "max_age given, iat absent: invalid_iat",
        token(claims(iat=DROP)), "invalid_iat", options=opts(max_age=3600))
    add("lifecycle_max_age_before_action_mismatch", L7, "step 8 before 13",
        token(claims()), {"reason": "expired", "status": "expired"},
        options=opts(action="VALIDAR_EMAIL", max_age=5))
    # 4: key fallbacks
    old = b"an-old-conformance-key-0123456789-abcdefghijkl"
    rotated = {"JWTSERVICE_SECRET_KEY_FALLBACKS": [old.decode()]}
    add("lifecycle_fallback_key_verifies", L7, "signed with a fallback key",
        token(claims(), key=old), expect_valid(claims()), config=rotated)
    add("lifecycle_fallback_bnd_uses_that_key", L7, "a fallback-key token's bnd is recomputed with it",
        token(claims(bnd=bnd(sub, state, old)), key=old), expect_valid(claims()), config=rotated,
        options=opts(binding=state))
    add("lifecycle_fallback_bnd_of_the_primary_key", L7, "a fallback-key token whose bnd used another key",
        token(claims(bnd=good_bnd), key=old), "binding_mismatch", config=rotated, options=opts(binding=state))
    add("lifecycle_no_key_matches", L7, "neither SECRET_KEY nor the fallback", token(claims(), key=OTHER_SECRET),
        "bad_signature", config=rotated)
    add("lifecycle_fallback_not_configured", L7, "a token of the old key once the fallback is gone",
        token(claims(), key=old), "bad_signature")


def pad_to_length(total, make):
    """The token make(n) of exactly `total` characters, for the smallest padding n."""
    for n in range(0, total):
        t = make(n)
        if len(t) == total:
            return t, n
        if len(t) > total:
            break
    raise AssertionError("no padding gives %d characters" % total)


def build():
    S7515 = "RFC 7515"
    S7519 = "RFC 7519"
    S8725 = "RFC 8725"
    API3 = "docs/validation.md step 3"
    API5 = "docs/validation.md step 5"
    good = claims()
    good_token = token(good)
    store_ok = {"revoked": ["jti-revoked"]}

    # ----------------------------------------------------------------------- valid tokens
    add_valid("valid_all_claims", "docs/validation.md", "every claim jwtservice writes, valid at now", good)
    add_valid("valid_minimal_sub_and_iss", "docs/validation.md",
              "only sub and iss: no age, no expires_in, no aud, no jti", {"sub": "u", "iss": ISSUER})
    add_valid("valid_without_exp_forever", "docs/validation.md Creating",
              "no exp claim: valid, expires_in null, even far in the future",
              claims(exp=DROP), now=NOW + 10 * 365 * 86400)
    add_valid("valid_header_without_typ", S7515 + " §4.1.9", "typ is optional",
              good, header=b'{"alg":"HS256"}')
    add_valid("valid_typ_lowercase_jwt", S7519 + " §5.1", "typ compared case-insensitively: jwt",
              good, header=b'{"alg":"HS256","typ":"jwt"}')
    add_valid("valid_typ_application_jwt", S7519 + " §5.1", "typ application/jwt is accepted",
              good, header=b'{"alg":"HS256","typ":"application/jwt"}')
    add_valid("valid_typ_application_jwt_mixed_case", S7519 + " §5.1",
              "typ APPLICATION/Jwt: media types are case-insensitive",
              good, header=b'{"alg":"HS256","typ":"APPLICATION/Jwt"}')
    add_valid("valid_header_member_order_and_kid", S7515 + " §4.1.4",
              "members in another order and an unused kid are fine",
              good, header=b'{"kid":"key-1","typ":"JWT","alg":"HS256"}')
    add_valid("valid_header_json_whitespace", "RFC 8259 §2",
              "insignificant JSON whitespace inside the header is JSON, not a malformed header",
              good, header=b' {\r\n "alg" : "HS256" ,\t"typ":"JWT" } ')
    add_valid("valid_alg_written_with_escapes", "RFC 8259 §7",
              "alg \"HS\\u0032\\u0035\\u0036\" is the string HS256 once decoded",
              good, header=b'{"alg":"HS\\u0032\\u0035\\u0036","typ":"JWT"}')
    add("valid_payload_json_whitespace", "RFC 8259 §2",
        "payload with JSON whitespace around and inside (as Python's json.dumps writes it)",
        token(b'\n{"sub": "u", "iat": 1699999990, "iss": "JWTService"}\r\n'),
        expect_valid({"sub": "u", "iat": 1699999990, "iss": ISSUER}))
    add_valid("valid_every_action_no_action", "docs/creating-and-validating.md", "action NO_ACTION", claims(action="NO_ACTION"))
    add_valid("valid_every_action_validar_email", "docs/creating-and-validating.md", "action VALIDAR_EMAIL",
              claims(action="VALIDAR_EMAIL"))
    add_valid("valid_every_action_pending_2fa", "docs/creating-and-validating.md", "action PENDING_2FA", claims(action="PENDING_2FA"))
    add_valid("valid_every_action_activating_2fa", "docs/creating-and-validating.md", "action ACTIVATING_2FA",
              claims(action="ACTIVATING_2FA"))
    add_valid("valid_every_action_pending_password_change", "docs/creating-and-validating.md", "action PENDING_PASSWORD_CHANGE",
              claims(action="PENDING_PASSWORD_CHANGE"))
    add_valid("valid_without_action", "docs/validation.md", "no action claim", claims(action=DROP))
    add_valid("valid_extra_data_empty_object", "docs/validation.md", "extra_data {} is an object",
              claims(extra_data={}))
    add_valid("valid_extra_data_nested", "docs/validation.md", "extra_data with nested values is returned as is",
              claims(extra_data={"a": [1, 2.5, None, True, {"b": "c"}], "u": "\u00e9\U0001F600"}))
    add_valid("valid_unknown_claims_ignored", S7519 + " §4",
              "claims jwtservice does not know are ignored", claims(role="admin", http_x={"y": [1]}))
    add_valid("valid_sub_unicode_escapes", "RFC 8259 §7",
              "sub with a BMP escape and a surrogate pair decodes to UTF-8",
              {"sub": "jos\u00e9\U0001F600", "iss": ISSUER})
    add("valid_sub_written_as_escapes", "RFC 8259 §7",
        "sub \"jos\\u00e9\\ud83d\\ude00\" given as escapes (a valid surrogate pair)",
        token(b'{"sub":"jos\\u00e9\\ud83d\\ude00","iss":"JWTService"}'),
        expect_valid({"sub": "jos\u00e9\U0001F600", "iss": ISSUER}))
    add_valid("valid_sub_not_trimmed", "docs/validation.md", "sub \" u \" is kept as is: nothing is trimmed",
              claims(sub=" u "))
    add_valid("valid_sub_whitespace_only", "docs/validation.md step 11",
              "sub \" \" is a non-empty string: missing_sub is only absent, non-string or empty",
              claims(sub=" "))
    add_valid("valid_sub_with_escaped_nul", "attack: C-string truncation",
              "sub \"a\\u0000b\" keeps all three characters", claims(sub="a\u0000b"))
    add_valid("valid_sub_bom_inside_string", "RFC 8259 §8.1",
              "U+FEFF inside a string is a character, not a byte-order mark", claims(sub="\ufeffu"))
    add_valid("valid_decimal_numericdates_truncated", S7519 + " §2 NumericDate",
              "iat/nbf/exp as decimals are truncated toward zero",
              claims(iat=NOW - 10.9, nbf=NOW - 0.5, exp=NOW + 600.9))
    add_valid("valid_iat_half_second_ahead", S7519 + " §2 NumericDate",
              "iat = now + 0.5 truncates to now: not in the future, age 0", claims(iat=NOW + 0.5))
    add("valid_exponent_numericdate", S7519 + " §2 NumericDate",
        "exp written 1.7000006e9 is the number 1700000600",
        token(compact(claims(exp=DROP))[:-1] + b',"exp":1.7000006e9}'), expect_valid(claims(exp=NOW + 600)))
    add_valid("valid_exp_one_second_ahead", S7519 + " §4.1.4", "exp = now + 1 is not yet expired",
              claims(exp=NOW + 1))
    add_valid("valid_exp_int64_max", "docs/validation.md NumericDate", "exp = 2^63-1 fits a signed 64-bit integer",
              claims(exp=INT64_MAX))
    add_valid("valid_exp_largest_double_below_2_63", "docs/validation.md NumericDate",
              "exp 9223372036854774784.0, the largest double below 2^63, fits",
              claims(exp=9223372036854774784.0))
    add_valid("valid_nbf_int64_min", "docs/validation.md NumericDate", "nbf = -2^63 fits and is long past",
              claims(nbf=INT64_MIN))
    add_valid("valid_iat_zero", S7519 + " §2", "iat 0 (the epoch) is a NumericDate; age = now",
              claims(iat=0))
    add_valid("valid_nbf_equal_now", S7519 + " §4.1.5", "nbf = now: usable from that second on",
              claims(nbf=NOW))
    add_valid("valid_iat_equal_now", "docs/validation.md step 6", "iat = now is not in the future", claims(iat=NOW))
    leeway = {"JWTSERVICE_LEEWAY": 30}
    add_valid("valid_leeway_iat_at_limit", "docs/validation.md step 6", "iat = now + leeway is allowed",
              claims(iat=NOW + 30), config=leeway)
    add_valid("valid_leeway_nbf_at_limit", "docs/validation.md step 7", "nbf = now + leeway is allowed",
              claims(nbf=NOW + 30), config=leeway)
    add_valid("valid_leeway_exp_past_within_leeway", "docs/validation.md step 8",
              "exp = now - leeway + 1: still inside the leeway, expires_in is negative",
              claims(exp=NOW - 29), config=leeway)
    add_valid("valid_leeway_given_as_string", "docs/configuration.md",
              "JWTSERVICE_LEEWAY as a numeric string", claims(exp=NOW - 29),
              config={"JWTSERVICE_LEEWAY": "30"})
    add_valid("valid_config_issuer", "docs/configuration.md", "a configured issuer", claims(iss="auth.example.com"),
              config={"JWTSERVICE_ISSUER": "auth.example.com"})
    add_valid("valid_config_algorithm_lowercase", "docs/configuration.md",
              "JWTSERVICE_ALGORITHM hs256 (case-insensitive in the config) still means alg HS256",
              good, config={"JWTSERVICE_ALGORITHM": "hs256"})
    aud_cfg = {"JWTSERVICE_AUDIENCE": "mobile-app"}
    add_valid("valid_aud_string_config_audience", S7519 + " §4.1.3", "aud equals the config audience",
              claims(aud="mobile-app"), config=aud_cfg)
    add_valid("valid_aud_list_config_audience", S7519 + " §4.1.3",
              "aud list containing the config audience: the matching member is reported",
              claims(aud=["web-app", "mobile-app"]), config=aud_cfg, expected_aud="mobile-app")
    add_valid("valid_aud_call_string_overrides_config", "docs/validation.md",
              "the call's audience replaces the config's", claims(aud="web-app"), config=aud_cfg,
              audience="web-app")
    add_valid("valid_aud_call_list_matches_second", "docs/validation.md",
              "call list [admin, web-app] and token aud [mobile-app, web-app]: web-app is reported",
              claims(aud=["mobile-app", "web-app"]), audience=["admin", "web-app"], expected_aud="web-app")
    add_valid("valid_aud_not_checked_without_expectation", "docs/validation.md step 10",
              "no expected audience: aud is not checked, the first member is reported",
              claims(aud=["x", "y"]), expected_aud="x")
    add_valid("valid_aud_empty_list_without_expectation", "docs/validation.md step 10",
              "aud [] with no expected audience: valid, aud null", claims(aud=[]), expected_aud=None)
    add_valid("valid_empty_config_audience_means_none", "docs/configuration.md",
              "JWTSERVICE_AUDIENCE \"\" means no audience: aud is not checked",
              claims(aud="anything"), config={"JWTSERVICE_AUDIENCE": ""})
    add_valid("valid_with_store_not_revoked", "docs/validation.md step 16", "a store that does not know the jti",
              good, store=store_ok)
    add_valid("valid_with_store_jti_not_trimmed", "docs/validation.md step 14",
              "jti \" j \" is not blank and kept as is", claims(jti=" j "), store=store_ok)
    add_valid("valid_jti_absent_without_store", "docs/validation.md step 14",
              "no store: jti is not required", claims(jti=DROP))
    add_valid("valid_jti_non_string_without_store", "docs/validation.md step 14",
              "no store: a non-string jti is ignored (not reported)", claims(jti=7))
    add_valid("valid_a_little_unicode_in_iss", "docs/validation.md step 9", "issuer compared as exact UTF-8",
              claims(iss="\u00e9mission"), config={"JWTSERVICE_ISSUER": "\u00e9mission"})
    add_valid("valid_large_double_in_unknown_claim", "RFC 8259 §6",
              "1.7976931348623157e308, the largest double, is in range", claims(big=1.7976931348623157e308))
    add_valid("valid_rate_limit_off", "docs/configuration.md",
              "JWTSERVICE_RATELIMIT_VALIDATE=0 is unlimited: the 5th call is still valid", good,
              config={"JWTSERVICE_RATELIMIT_VALIDATE": 0}, repeat=5)
    add_valid("valid_rate_limit_two_second_call", "docs/validation.md step 2",
              "a limit of 2 per minute lets the second call through", good,
              config={"JWTSERVICE_RATELIMIT_VALIDATE": 2}, repeat=2)
    add_valid("valid_blank_calls_do_not_spend_the_limit", "docs/validation.md steps 1-2",
              "missing_token is decided before the limiter: two blank calls leave the one token", good,
              config={"JWTSERVICE_RATELIMIT_VALIDATE": 1}, before=["", "   "])

    # JSON depth: the top-level object is depth 1; 63 more levels make 64 (allowed).
    deep_ok = raw_payload(b'"deep":' + nested_arrays(63))
    add("valid_payload_depth_64", API5, "payload nested exactly 64 deep (the limit) is accepted",
        token(deep_ok), expect_valid(good))
    add("valid_header_depth_64", API3, "header nested exactly 64 deep (the limit) is accepted",
        token(good, b'{"alg":"HS256","x":' + nested_arrays(63) + b"}"), expect_valid(good))
    add("valid_payload_depth_64_objects", API5, "64 levels of objects in extra_data's place",
        token(raw_payload(b'"deepobj":' + b'{"a":' * 63 + b"1" + b"}" * 63)), expect_valid(good))

    # Sizes: exactly the maximum is accepted.
    def padded(n):
        return token(claims(pad="x" * n))

    at_max, n_at_max = pad_to_length(8192, padded)
    add("valid_token_of_exactly_8192_bytes", API3, "a token of exactly the default maximum (8192) is accepted",
        at_max, expect_valid(claims(pad="x" * n_at_max)))
    small_at_max, n_small = pad_to_length(400, padded)
    add("valid_token_of_exactly_configured_maximum", API3,
        "JWTSERVICE_MAX_TOKEN_BYTES=400 and a 400-byte token", small_at_max,
        expect_valid(claims(pad="x" * n_small)), config={"JWTSERVICE_MAX_TOKEN_BYTES": 400})

    # Hostile but well-formed, signed tokens of the maximum size.
    def many_members(n):
        c = {"sub": "u", "iss": ISSUER}
        body = b",".join(b'"m%d":%d' % (i, i % 10) for i in range(n))
        return token(compact(c)[:-1] + b"," + body + b"}")

    # Find the largest member count that fits in 8192 bytes.
    n = 1
    while len(many_members(n + 1)) <= 8192:
        n += 1
    add("valid_max_size_many_tiny_members", "attack: many-members DoS",
        "%d tiny members in one payload, token of %d bytes" % (n, len(many_members(n))), many_members(n),
        expect_valid({"sub": "u", "iss": ISSUER}))

    def escapes(n):
        return token(raw_payload(b'"esc":"' + b"\\u0041" * n + b'"'))

    n = 1
    while len(escapes(n + 1)) <= 8192:
        n += 1
    add("valid_max_size_long_string_of_escapes", "attack: escape-heavy string DoS",
        "one string of %d \\u escapes" % n, escapes(n), expect_valid(good))

    auds = ["aud-%04d" % i for i in range(2000)]

    def aud_list(n):
        return claims(aud=auds[:n])

    n = 1
    while len(token(aud_list(n + 1))) <= 8192:
        n += 1
    add("valid_max_size_long_aud_list_last_matches", "attack: long audience list",
        "aud list of %d members, only the last one expected" % n, token(aud_list(n)),
        expect_valid(aud_list(n), aud=auds[n - 1]), audience=auds[n - 1])

    # --------------------------------------------------------------------- 1. missing_token
    for i, (t, what) in enumerate([("", "empty"), (" ", "one space"), ("\t\n\r ", "tab, newline, CR, space"),
                                   ("\v\f", "vertical tab and form feed"), (" " * 9000, "9000 spaces (over the size limit)")]):
        add("missing_token_%d" % i, "docs/validation.md step 1", "token is %s" % what, t, "missing_token",
            oversize=len(t) > 8192)
    add("missing_token_before_rate_limit", "docs/validation.md steps 1-2",
        "a blank token with the limit spent is missing_token (step 1 before step 2)", "",
        "missing_token", config={"JWTSERVICE_RATELIMIT_VALIDATE": 1}, repeat=3)

    # ---------------------------------------------------------------------- 2. rate_limited
    rl1 = {"JWTSERVICE_RATELIMIT_VALIDATE": 1}
    add("rate_limited_second_call", "docs/validation.md step 2", "limit 1 per minute, a valid token validated twice",
        good_token, "rate_limited", config=rl1, repeat=2)
    add("rate_limited_legacy_key", "docs/configuration.md",
        "JWTSERVICE_RATELIMIT (legacy) is the default of the validate limit", good_token, "rate_limited",
        config={"JWTSERVICE_RATELIMIT": 1}, repeat=2)
    add("rate_limited_third_call_of_two", "docs/validation.md step 2", "limit 2: the third call is refused",
        good_token, "rate_limited", config={"JWTSERVICE_RATELIMIT_VALIDATE": "2"}, repeat=3)
    add("rate_limited_before_invalid", "docs/validation.md steps 2-3",
        "garbage with the limit spent is rate_limited (step 2 before step 3)", "garbage", "rate_limited",
        config=rl1, repeat=2)
    add("rate_limited_before_bad_signature", "docs/validation.md steps 2-4",
        "a forged token with the limit spent is rate_limited", token(good, key=OTHER_SECRET),
        "rate_limited", config=rl1, repeat=2)
    add("rate_limited_after_other_tokens", "docs/validation.md step 2",
        "invalid tokens spend the limit too", good_token, "rate_limited", config=rl1, before=["x.y.z"])

    # ----------------------------------------------------- 3. invalid: size, shape, base64url
    over, n_over = pad_to_length(8193, padded)
    add("invalid_token_8193_bytes", API3, "a correctly signed token one byte over the default maximum", over,
        "invalid", oversize=True)
    small_over, _ = pad_to_length(401, padded)
    add("invalid_over_configured_maximum", API3, "JWTSERVICE_MAX_TOKEN_BYTES=400 and a 401-byte signed token",
        small_over, "invalid", config={"JWTSERVICE_MAX_TOKEN_BYTES": 400}, oversize=True)
    add("invalid_over_maximum_beats_bad_signature", API3 + "-4",
        "an oversized forged token is invalid: size is checked first", token(claims(pad="x" * 6200), key=OTHER_SECRET),
        "invalid", oversize=True)
    add("invalid_oversized_garbage", "attack: size DoS", "8193 dots", "." * 8193, "invalid", oversize=True)
    add("invalid_configured_max_one_byte", API3, "JWTSERVICE_MAX_TOKEN_BYTES=1 refuses any real token",
        good_token, "invalid", config={"JWTSERVICE_MAX_TOKEN_BYTES": 1}, oversize=True)

    h, p, s = good_token.split(".")
    shapes = [
        ("one_segment", "h", "one segment"),
        ("two_segments", h + "." + p, "two segments: signature stripped with its dot"),
        ("four_segments", good_token + ".", "a trailing dot makes four segments"),
        ("four_segments_repeated_sig", good_token + "." + s, "four segments"),
        ("five_segments_jwe_shape", "%s.%s.%s.%s.%s" % (h, p, s, p, s), "five segments, the shape of a JWE"),
        ("only_dots", "..", "three empty segments"),
        ("empty_header_segment", "." + p + "." + s, "empty header segment"),
        ("dot_first", "." + good_token, "a leading dot"),
    ]
    for name, t, what in shapes:
        add("invalid_shape_" + name, API3, what, t, "invalid")
    add("invalid_empty_header_segment_signed", API3, "empty header segment with a correct MAC over \".payload\"",
        sign_segments("", p), "invalid")
    add("invalid_empty_payload_segment_signed", API5,
        "empty payload segment, correctly signed: the empty payload is not a JSON object", sign_segments(h, ""),
        "invalid")

    # Canonical base64url, each rule in each segment. Header/payload variants are re-signed
    # with the right key over the exact text, so only the encoding rule can refuse them.
    odd_header = b'{"alg":"HS256","kid":"k1"}'  # 26 bytes: the last character has unused bits
    hb = b64(odd_header)
    pb = b64(compact(good) + b" ")  # pick a payload length with unused bits too
    if len(pb) % 4 == 0:
        pb = b64(compact(good) + b"  ")
    assert len(hb) % 4 in (2, 3) and len(pb) % 4 in (2, 3)
    add("valid_base_for_encoding_rules", API3, "the canonical form of the tokens below is valid",
        sign_segments(hb, pb), expect_valid(good))
    add("invalid_b64_header_unused_bits_set", API3 + " (RFC 4648 §3.5)",
        "header's last character with non-zero unused bits, MAC recomputed over it",
        sign_segments(set_unused_bits(hb), pb), "invalid")
    add("invalid_b64_payload_unused_bits_set", API3 + " (RFC 4648 §3.5)",
        "payload's last character with non-zero unused bits, MAC recomputed over it",
        sign_segments(hb, set_unused_bits(pb)), "invalid")
    canon = sign_segments(hb, pb)
    hs, ps, ss = canon.split(".")
    add("invalid_b64_signature_unused_bits_set", API3 + " (RFC 4648 §3.5)",
        "the signature's last character with non-zero unused bits (same MAC bytes to a lenient decoder)",
        hs + "." + ps + "." + set_unused_bits(ss), "invalid")
    add("invalid_b64_header_padding", API3, "header with '=' padding, MAC recomputed",
        sign_segments(hb + "=" * (-len(hb) % 4), pb), "invalid")
    add("invalid_b64_payload_padding", API3, "payload with '=' padding, MAC recomputed",
        sign_segments(hb, pb + "=" * (-len(pb) % 4)), "invalid")
    add("invalid_b64_signature_padding", API3, "signature with '=' padding",
        canon + "=", "invalid")
    add("invalid_b64_length_mod4_is_1", API3, "a payload segment of 4k+1 characters, MAC recomputed",
        sign_segments(hb, pb + "A" * ((1 - len(pb)) % 4)), "invalid")

    # Segments containing '-' and '_' to swap for '+' and '/'.
    alpha_header = b'{"alg":"HS256","kid":"??>>~~"}'
    alpha_payload = compact(claims(note="??>>~~"))
    ah, ap = b64(alpha_header), b64(alpha_payload)
    assert ("-" in ah or "_" in ah) and ("-" in ap or "_" in ap)
    alpha_ok = sign_segments(ah, ap)
    add("valid_base_for_alphabet_rules", API3, "header and payload whose base64url has '-' or '_'",
        alpha_ok, expect_valid(claims(note="??>>~~")))
    add("invalid_b64_header_standard_alphabet", API3, "header in standard base64 ('+' '/'), MAC recomputed",
        sign_segments(to_standard_alphabet(ah), ap), "invalid")
    add("invalid_b64_payload_standard_alphabet", API3, "payload in standard base64 ('+' '/'), MAC recomputed",
        sign_segments(ah, to_standard_alphabet(ap)), "invalid")
    sig_with = None
    for i in range(200):
        cand = token(claims(jti="std-%d" % i))
        if "-" in cand.split(".")[2] or "_" in cand.split(".")[2]:
            sig_with = cand
            break
    sh, sp, ssig = sig_with.split(".")
    add("invalid_b64_signature_standard_alphabet", API3, "signature in standard base64 ('+' '/')",
        sh + "." + sp + "." + to_standard_alphabet(ssig), "invalid")
    add("invalid_b64_header_space_inside", API3, "a space inside the header segment, MAC recomputed",
        sign_segments(hb[:10] + " " + hb[10:], pb), "invalid")
    add("invalid_b64_payload_line_break", API3, "a PEM-style line break inside the payload segment",
        sign_segments(hb, pb[:64] + "\n" + pb[64:]), "invalid")
    add("invalid_b64_signature_space_inside", API3, "a space inside the signature",
        canon[:-10] + " " + canon[-10:], "invalid")
    add("invalid_b64_non_ascii_character", API3, "an e-acute in the payload segment",
        sign_segments(hb, pb[:20] + "\u00e9" + pb[20:]), "invalid")
    add("invalid_b64_nul_in_token", API3, "a NUL character inside the payload segment",
        good_token[:50] + "\u0000" + good_token[50:], "invalid")
    add("invalid_b64_percent_encoding", API3, "'%3D' (URL-encoded '=') after the payload", 
        sign_segments(hb, pb + "%3D"), "invalid")

    # Nothing is trimmed.
    for name, t, what in [
        ("leading_space", " " + good_token, "a leading space"),
        ("trailing_space", good_token + " ", "a trailing space"),
        ("trailing_newline", good_token + "\n", "a trailing newline"),
        ("trailing_crlf", good_token + "\r\n", "a trailing CR LF"),
        ("leading_tab", "\t" + good_token, "a leading tab"),
        ("trailing_nbsp", good_token + "\u00a0", "a trailing no-break space (U+00A0)"),
        ("leading_bom", "\ufeff" + good_token, "a leading byte-order mark (U+FEFF)"),
        ("trailing_zero_width_space", good_token + "\u200b", "a trailing zero-width space"),
        ("bearer_prefix", "Bearer " + good_token, "the HTTP 'Bearer ' prefix left on"),
        ("quoted", '"' + good_token + '"', "the token in double quotes"),
    ]:
        add("invalid_not_trimmed_" + name, API3 + " (nothing trimmed)", what + " around a valid token", t, "invalid")

    # ------------------------------------------------------------------- 3. invalid: header JSON
    bad_headers = [
        ("not_json", b"HS256", "the header is not JSON"),
        ("array", b'["alg","HS256"]', "the header is a JSON array"),
        ("string", b'"{\\"alg\\":\\"HS256\\"}"', "the header is a JSON string"),
        ("number", b"256", "the header is a number"),
        ("null", b"null", "the header is null"),
        ("empty_object", b"{}", "the header has no alg"),
        ("trailing_garbage", b'{"alg":"HS256"}x', "content after the header object"),
        ("two_objects", b'{"alg":"HS256"}{"alg":"none"}', "two JSON objects"),
        ("comment", b'/*c*/{"alg":"HS256"}', "a comment (JSON has none)"),
        ("trailing_comma", b'{"alg":"HS256",}', "a trailing comma"),
        ("single_quotes", b"{'alg':'HS256'}", "single quotes"),
        ("unquoted_name", b'{alg:"HS256"}', "an unquoted member name"),
        ("nan", b'{"alg":"HS256","x":NaN}', "NaN is not JSON"),
        ("truncated", b'{"alg":"HS256"', "a truncated object"),
        ("bom", b'\xef\xbb\xbf{"alg":"HS256"}', "a UTF-8 byte-order mark before the header"),
        ("utf16_bom", b'\xfe\xff{"alg":"HS256"}', "a UTF-16 byte-order mark"),
        ("invalid_utf8", b'{"alg":"HS256","kid":"\xff"}', "invalid UTF-8 (0xFF) in a header string"),
        ("overlong_utf8", b'{"alg":"HS256","kid":"\xc0\xaf"}', "an overlong UTF-8 encoding"),
        ("lone_surrogate", b'{"alg":"HS256","kid":"\\ud800"}', "a lone high surrogate escape"),
        ("lone_low_surrogate", b'{"alg":"HS256","kid":"\\udc00"}', "a lone low surrogate escape"),
        ("raw_nul", b'{"alg":"HS256"}\x00', "a raw NUL byte after the object"),
        ("raw_nul_inside", b'{"alg":"HS256",\x00"typ":"JWT"}', "a raw NUL byte between members"),
        ("control_char_in_string", b'{"alg":"HS256","kid":"a\tb"}', "a raw tab inside a string"),
        ("dup_alg_none_last", b'{"alg":"HS256","alg":"none"}', "alg repeated (HS256 then none)"),
        ("dup_alg_hs256_last", b'{"alg":"none","alg":"HS256"}', "alg repeated (none then HS256)"),
        ("dup_alg_same", b'{"alg":"HS256","alg":"HS256"}', "alg repeated with the same value"),
        ("dup_typ", b'{"alg":"HS256","typ":"JWT","typ":"JWT"}', "typ repeated"),
        ("dup_escaped_name", b'{"alg":"HS256","\\u0061lg":"HS256"}',
         "alg and \\u0061lg are the same name once decoded"),
        ("dup_nested", b'{"alg":"HS256","jwk":{"k":"a","k":"b"}}', "a repeated name in a nested object"),
        ("depth_65", b'{"alg":"HS256","x":' + nested_arrays(64) + b"}", "nested 65 deep (limit 64)"),
        ("depth_2500", b'{"alg":"HS256","x":' + nested_arrays(2500) + b"}", "nested 2500 deep"),
        ("number_out_of_range", b'{"alg":"HS256","x":1e400}', "a number beyond the double range"),
        ("negative_number_out_of_range", b'{"alg":"HS256","x":-1e400}', "a number below the double range"),
        ("form_feed_whitespace", b'\x0c{"alg":"HS256"}', "form feed is not JSON whitespace"),
    ]
    for name, hdr, what in bad_headers:
        add("invalid_header_" + name, API3, what, token(good, hdr), "invalid")

    # alg: exact match only.
    algs = [
        ("none", "none"), ("none_capitalised", "None"), ("none_upper", "NONE"), ("none_mixed", "nOnE"),
        ("empty", ""), ("lowercase", "hs256"), ("mixed_case", "Hs256"), ("trailing_space", "HS256 "),
        ("leading_space", " HS256"), ("nul_suffix", "HS256\u0000"), ("combining_mark", "HS256\u0301"),
        ("cyrillic_homoglyph", "H\u0405256"),
        ("rs256", "RS256"), ("es256", "ES256"), ("ps256", "PS256"), ("eddsa", "EdDSA"),
        ("hs256_dash", "HS-256"),
    ]
    for name, alg in algs:
        add("invalid_alg_" + name, S8725 + " §3.1",
            "alg %s with an HS256 MAC over the right key (algorithm confusion)" % json.dumps(alg),
            token(good, {"alg": alg, "typ": "JWT"}), "invalid")
    add("invalid_alg_hs384_real_mac", S8725 + " §3.1", "alg HS384 with a real HMAC-SHA-384 over the same key",
        token(good, {"alg": "HS384", "typ": "JWT"}, digest=hashlib.sha384), "invalid")
    add("invalid_alg_hs512_real_mac", S8725 + " §3.1", "alg HS512 with a real HMAC-SHA-512 over the same key",
        token(good, {"alg": "HS512", "typ": "JWT"}, digest=hashlib.sha512), "invalid")
    for name, val in [("missing", DROP), ("null", None), ("number", 256), ("array", ["HS256"]),
                      ("object", {"alg": "HS256"}), ("true", True)]:
        hdr = {"typ": "JWT"} if val is DROP else {"alg": val, "typ": "JWT"}
        add("invalid_alg_" + name, API3, "alg %s" % ("absent" if val is DROP else json.dumps(val)),
            token(good, hdr), "invalid")
    none_hdr = b64(b'{"alg":"none"}')
    add("invalid_alg_none_empty_signature", S8725 + " §2.1",
        "alg none with an empty signature (the unsecured JWS attack)",
        none_hdr + "." + b64(compact(good)) + ".", "invalid")
    add("invalid_alg_none_garbage_signature_is_not_bad_signature", API3 + "-4",
        "alg none with a wrong signature: the header is refused before the MAC is checked",
        none_hdr + "." + b64(compact(good)) + "." + b64(b"x" * 32), "invalid")
    add("invalid_rfc7519_6_1_unsecured_jwt", S7519 + " §6.1 / RFC 7515 §A.5",
        "the RFCs' example Unsecured JWT, verbatim", RFC7519_6_1_TOKEN, "invalid",
        config={"JWTSERVICE_ISSUER": "joe"}, now=RFC7515_A1_EXP - 100)
    add("invalid_alg_hs256_config_but_token_lowercase", API3,
        "config algorithm hs256 is normalised; the token's alg must still be exactly HS256",
        token(good, {"alg": "hs256"}), "invalid", config={"JWTSERVICE_ALGORITHM": "hs256"})

    # crit and b64 (RFC 7797): refused whatever their value.
    for name, extra, what in [
        ("crit_b64_false", {"b64": False, "crit": ["b64"]}, "RFC 7797 unencoded payload, declared critical"),
        ("crit_empty", {"crit": []}, "crit [] (present: refused)"),
        ("crit_exp", {"crit": ["exp"]}, "crit naming a claim"),
        ("crit_unknown", {"crit": ["http://example.invalid/x"], "http://example.invalid/x": 1},
         "crit naming an extension jwtservice does not understand"),
        ("crit_null", {"crit": None}, "crit null (present: refused)"),
        ("crit_string", {"crit": "b64"}, "crit as a string"),
        ("b64_true", {"b64": True}, "b64 true without crit"),
        ("b64_false_no_crit", {"b64": False}, "b64 false without crit"),
        ("b64_null", {"b64": None}, "b64 null (present: refused)"),
    ]:
        hdr = {"alg": "HS256"}
        hdr.update(extra)
        add("invalid_header_" + name, "RFC 7797 §3, §6 / RFC 7515 §4.1.11", what, token(good, hdr), "invalid")

    # typ.
    for name, typ in [("at_jwt", "at+jwt"), ("jws", "JWS"), ("jose", "JOSE"), ("jose_json", "JOSE+JSON"),
                      ("empty", ""), ("trailing_space", "JWT "), ("nul_suffix", "JWT\u0000"),
                      ("application_jose", "application/jose"), ("vnd_jwt", "application/vnd.jwt")]:
        add("invalid_typ_" + name, S8725 + " §3.11", "typ %s is not JWT or application/jwt" % json.dumps(typ),
            token(good, {"alg": "HS256", "typ": typ}), "invalid")
    for name, typ in [("null", None), ("number", 1), ("array", ["JWT"]), ("object", {"t": "JWT"})]:
        add("invalid_typ_" + name, API3, "typ %s is not a string" % json.dumps(typ),
            token(good, {"alg": "HS256", "typ": typ}), "invalid")

    # ------------------------------------------------------------------------- 4. bad_signature
    add("bad_signature_other_key", "docs/validation.md step 4",
        "signed with another key", token(good, key=OTHER_SECRET), "bad_signature")
    sig = signature_bytes(good_token)
    flipped = bytes([sig[0] ^ 0x01]) + sig[1:]
    add("bad_signature_one_bit_flip_first_byte", "docs/validation.md step 4", "one bit of the MAC's first byte flipped",
        replace_signature(good_token, b64(flipped)), "bad_signature")
    flipped_last = sig[:-1] + bytes([sig[-1] ^ 0x80])
    add("bad_signature_one_bit_flip_last_byte", "attack: early-exit / prefix MAC compare",
        "only the MAC's last byte differs", replace_signature(good_token, b64(flipped_last)), "bad_signature")
    add("bad_signature_empty", "attack: signature stripping",
        "the signature removed, its dot kept (an empty segment is canonical base64url)",
        replace_signature(good_token, ""), "bad_signature")
    add("bad_signature_truncated_to_30_bytes", "attack: truncated MAC",
        "the MAC cut to its first 30 bytes (40 characters)", replace_signature(good_token, b64(sig[:30])),
        "bad_signature")
    add("bad_signature_truncated_to_16_bytes", "attack: truncated MAC",
        "the MAC cut to its first 16 bytes", replace_signature(good_token, b64(sig[:16])), "bad_signature")
    add("bad_signature_one_byte_too_long", "docs/validation.md step 4",
        "the right MAC plus one extra byte (44 characters)", replace_signature(good_token, b64(sig + b"\x00")),
        "bad_signature")
    add("bad_signature_hs512_length", "docs/validation.md step 4",
        "an HMAC-SHA-512 (86 characters) under an HS256 header",
        replace_signature(good_token, b64(mac(good_token[: good_token.rindex(".")], digest=hashlib.sha512))),
        "bad_signature")
    add("bad_signature_all_zero_mac", "attack: strcmp on MACs", "32 zero bytes as the MAC",
        replace_signature(good_token, b64(b"\x00" * 32)), "bad_signature")
    # A token whose true MAC starts with a zero byte: strcmp would compare two empty strings.
    for i in range(100000):
        zc = claims(jti="nul-%d" % i)
        zt = token(zc)
        if signature_bytes(zt)[0] == 0:
            break
    add("bad_signature_strcmp_nul_first_byte", "attack: strcmp on MACs",
        "the true MAC starts with 0x00; a MAC of 0x00 and 31 other bytes would pass a strcmp",
        replace_signature(zt, b64(b"\x00" + b"\xff" * 31)), "bad_signature")
    add("valid_strcmp_base_token", "attack: strcmp on MACs",
        "the token above with its true MAC (which starts with 0x00) is valid", zt, expect_valid(zc))
    add("bad_signature_hex_mac", "attack: MAC encoding confusion", "the MAC as 64 hex digits",
        replace_signature(good_token, mac(good_token[: good_token.rindex(".")]).hex()), "bad_signature")
    add("bad_signature_mac_over_decoded_parts", "attack: signing-input confusion",
        "the MAC computed over the decoded JSON texts instead of the base64url segments",
        replace_signature(good_token, b64(hmac.new(SECRET, HEADER + b"." + compact(good), hashlib.sha256).digest())),
        "bad_signature")
    add("bad_signature_mac_over_payload_only", "attack: signing-input confusion",
        "the MAC computed over the payload segment only",
        replace_signature(good_token, b64(mac(good_token.split(".")[1]))), "bad_signature")
    add("bad_signature_empty_key", "attack: empty HMAC key", "signed with an empty key",
        token(good, key=b""), "bad_signature")
    add("bad_signature_key_as_base64url_text", "attack: key encoding confusion",
        "signed with the base64url text of the key instead of its bytes",
        token(good, key=b64(SECRET).encode()), "bad_signature")
    add("bad_signature_public_key_as_hmac_key", S8725 + " §2.1 (RS256 to HS256 confusion)",
        "HS256 over a PEM public-key text used as the HMAC key",
        token(good, key=b"-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n"),
        "bad_signature")
    add("bad_signature_embedded_jwk", S8725 + " §3.1 (key from the token)",
        "a jwk header carrying the attacker's key, signed with that key: the config key is used",
        token(good, {"alg": "HS256", "jwk": {"kty": "oct", "k": b64(OTHER_SECRET)}}, key=OTHER_SECRET),
        "bad_signature")
    add("bad_signature_kid_path_traversal", "attack: kid injection",
        "kid ../../../../dev/null and a MAC with the empty key",
        token(good, {"alg": "HS256", "kid": "../../../../dev/null"}, key=b""), "bad_signature")
    add("bad_signature_jku", "attack: jku / x5u key URL",
        "a jku header pointing at the attacker's keys, signed with the attacker's key",
        token(good, {"alg": "HS256", "jku": "https://attacker.example/jwks.json"}, key=OTHER_SECRET),
        "bad_signature")
    ph, pp, psig = good_token.split(".")
    tampered = compact(claims(sub="admin@example.com"))
    add("bad_signature_payload_changed", "docs/validation.md step 4", "sub changed after signing",
        ph + "." + b64(tampered) + "." + psig, "bad_signature")
    add("bad_signature_exp_extended", "docs/validation.md step 4", "exp pushed a year later after signing",
        ph + "." + b64(compact(claims(exp=NOW + 366 * 86400))) + "." + psig, "bad_signature")
    add("bad_signature_header_reencoded_same_meaning", S7515 + " §5.2",
        "header rewritten with the same meaning (reordered members): the MAC covers the bytes",
        b64(b'{"typ":"JWT","alg":"HS256"}') + "." + pp + "." + psig, "bad_signature")
    add("bad_signature_header_typ_changed", "docs/validation.md step 4", "typ JWT changed to jwt after signing",
        b64(b'{"alg":"HS256","typ":"jwt"}') + "." + pp + "." + psig, "bad_signature")
    other = token(claims(sub="someone-else"))
    add("bad_signature_cut_and_paste", "attack: signature transplant",
        "the signature of another valid token", ph + "." + pp + "." + other.split(".")[2], "bad_signature")
    add("bad_signature_bit_flip_in_payload_segment", "docs/validation.md step 4",
        "one payload byte changed (re-encoded canonically)",
        ph + "." + b64(compact(good).replace(b"reset", b"resat")) + "." + psig, "bad_signature")

    # Precedence: nothing after step 4 can mask a forged signature.
    forged = dict(key=OTHER_SECRET)
    add("bad_signature_beats_expired", "attack: error precedence",
        "expired and forged: bad_signature, not expired", token(claims(exp=NOW - 100), **forged), "bad_signature")
    add("bad_signature_beats_malformed_payload", "attack: error precedence / docs/validation.md step 4",
        "a forged non-JSON payload: bad_signature (the payload is parsed only after the MAC)",
        token(b"not json at all", **forged), "bad_signature")
    add("bad_signature_beats_duplicate_claims", "attack: error precedence",
        "a forged payload with a repeated sub: bad_signature", token(raw_payload(b'"sub":"admin"'), **forged),
        "bad_signature")
    add("bad_signature_beats_payload_depth_dos", "attack: deep nesting DoS",
        "a forged payload nested 3000 deep: refused by the MAC before any parsing",
        token(nested_arrays(3000), **forged), "bad_signature")
    add("bad_signature_beats_out_of_range_number", "attack: error precedence",
        "a forged payload with exp 1e400", token(raw_payload(b'"big":1e400'), **forged), "bad_signature")
    add("bad_signature_beats_invalid_iat", "attack: error precedence", "future iat and forged",
        token(claims(iat=NOW + 1000), **forged), "bad_signature")
    add("bad_signature_beats_wrong_issuer", "attack: error precedence", "wrong iss and forged",
        token(claims(iss="evil"), **forged), "bad_signature")
    add("bad_signature_beats_revoked", "attack: error precedence", "a revoked jti and forged",
        token(claims(jti="jti-revoked"), **forged), "bad_signature", store=store_ok)
    add("bad_signature_beats_store_unavailable", "attack: error precedence",
        "a failing store is never consulted for a forged token", token(good, **forged), "bad_signature",
        store="failing")
    add("bad_signature_beats_invalid_payload_utf8", "attack: error precedence",
        "a forged payload with invalid UTF-8", token(raw_payload(b'"x":"\xff"'), **forged), "bad_signature")

    # ----------------------------------------------------------------- 5. invalid: payload
    bad_payloads = [
        ("not_json", b"hello", "the payload is not JSON"),
        ("array", compact([good]), "the payload is a JSON array"),
        ("string", b'"sub"', "the payload is a JSON string"),
        ("number", b"1700000000", "the payload is a number"),
        ("null", b"null", "the payload is null"),
        ("true", b"true", "the payload is true"),
        ("empty", b"", "the payload is empty"),
        ("whitespace_only", b"  ", "the payload is whitespace"),
        ("two_objects", compact(good) + compact(good), "two JSON objects back to back"),
        ("trailing_garbage", compact(good) + b"x", "content after the object"),
        ("truncated", compact(good)[:-1], "the closing brace missing"),
        ("comment", b"/**/" + compact(good), "a comment"),
        ("trailing_comma", compact(good)[:-1] + b",}", "a trailing comma"),
        ("single_quotes", b"{'sub':'u','iss':'JWTService'}", "single quotes"),
        ("bom", b"\xef\xbb\xbf" + compact(good), "a UTF-8 byte-order mark before the object"),
        ("bom_after_space", b" \xef\xbb\xbf" + compact(good), "a byte-order mark after whitespace"),
        ("utf16le_bom", b"\xff\xfe" + compact(good), "a UTF-16 LE byte-order mark"),
        ("utf16_encoded", b"\xff\xfe" + json.dumps(good).encode("utf-16-le"), "the payload in UTF-16"),
        ("form_feed", b"\x0c" + compact(good), "form feed is not JSON whitespace"),
        ("raw_nul_after", compact(good) + b"\x00", "a raw NUL after the object"),
        ("raw_nul_before_second_object", compact(good) + b"\x00" + compact(claims(sub="admin")),
         "NUL then a second object (a parser stopping at NUL would see only the first)"),
        ("raw_control_in_string", raw_payload(b'"x":"a\nb"'), "a raw newline inside a string"),
    ]
    utf8 = [
        ("invalid_utf8_ff", b'"x":"\xff"', "byte 0xFF"),
        ("invalid_utf8_lone_continuation", b'"x":"\x80"', "a lone continuation byte"),
        ("invalid_utf8_overlong_slash", b'"x":"\xc0\xaf"', "an overlong 2-byte '/'"),
        ("invalid_utf8_overlong_3_byte", b'"x":"\xe0\x80\xaf"', "an overlong 3-byte encoding"),
        ("invalid_utf8_encoded_surrogate", b'"x":"\xed\xa0\x80"', "a surrogate (U+D800) encoded in UTF-8 (CESU)"),
        ("invalid_utf8_above_10ffff", b'"x":"\xf4\x90\x80\x80"', "a code point above U+10FFFF"),
        ("invalid_utf8_truncated_sequence", b'"x":"\xe2\x82"', "a 3-byte sequence cut after 2 bytes"),
        ("invalid_utf8_f5_lead", b'"x":"\xf5\x80\x80\x80"', "lead byte 0xF5"),
        ("invalid_utf8_in_member_name", b'"\xff":1', "invalid UTF-8 in a member name"),
        ("invalid_utf8_in_sub", None, "invalid UTF-8 inside sub"),
        ("latin1_e_acute", b'"x":"\xe9t\xe9"', "Latin-1 bytes, not UTF-8"),
        ("lone_high_surrogate", b'"x":"\\ud800"', "a lone high surrogate escape"),
        ("lone_low_surrogate", b'"x":"\\udfff"', "a lone low surrogate escape"),
        ("high_surrogate_then_letter", b'"x":"\\ud800\\u0041"', "a high surrogate followed by a non-surrogate"),
        ("reversed_surrogate_pair", b'"x":"\\ude00\\ud83d"', "a surrogate pair in the wrong order"),
        ("high_surrogate_at_end", b'"x":"ab\\ud83d"', "a high surrogate ending the string"),
        ("lone_surrogate_in_name", b'"\\ud800":1', "a lone surrogate in a member name"),
        ("lone_surrogate_in_iss", None, "a lone surrogate inside iss"),
    ]
    for name, body, what in utf8:
        if name == "invalid_utf8_in_sub":
            payload = compact(claims(sub=DROP))[:-1] + b',"sub":"us\xffer"}'
        elif name == "lone_surrogate_in_iss":
            payload = compact(claims(iss=DROP))[:-1] + b',"iss":"JWTService\\ud800"}'
        else:
            payload = raw_payload(body)
        bad_payloads.append((name, payload, what))
    dups = [
        ("dup_sub_same_value", b'"sub":"user@example.com"', "sub repeated with the same value"),
        ("dup_sub_other_value", b'"sub":"admin@example.com"', "sub repeated: first user, then admin"),
        ("dup_iss", b'"iss":"JWTService"', "iss repeated"),
        ("dup_exp_extends", b'"exp":%d' % (NOW + 10 ** 6), "exp repeated: a parser keeping the last sees a later exp"),
        ("dup_aud", b'"aud":"x","aud":"y"', "aud repeated"),
        ("dup_action", b'"action":"NO_ACTION"', "action repeated"),
        ("dup_jti", b'"jti":"other"', "jti repeated"),
        ("dup_escaped_name", b'"\\u0073ub":"admin"', "sub and \\u0073ub: the same name once decoded"),
        ("dup_in_extra_data", None, "a repeated name inside extra_data"),
        ("dup_inside_array", b'"list":[{"a":1,"a":2}]', "a repeated name in an object inside an array"),
        ("dup_deep", b'"d":{"e":{"f":{"g":1,"g":1}}}', "a repeated name four levels deep"),
        ("dup_unknown_claim", b'"z":1,"z":1', "an unknown claim repeated"),
    ]
    for name, body, what in dups:
        if name == "dup_in_extra_data":
            payload = compact(claims(extra_data=DROP))[:-1] + b',"extra_data":{"flow":"a","flow":"b"}}'
        else:
            payload = raw_payload(body)
        bad_payloads.append((name, payload, what))
    depth = [
        ("depth_65_arrays", raw_payload(b'"deep":' + nested_arrays(64)), "nested 65 deep (limit 64)"),
        ("depth_65_objects", raw_payload(b'"deepobj":' + b'{"a":' * 64 + b"1" + b"}" * 64),
         "65 levels of objects"),
        ("depth_65_in_extra_data", compact(claims(extra_data=DROP))[:-1] + b',"extra_data":'
         + b'{"a":' * 63 + b"{}" + b"}" * 63 + b"}", "extra_data nested so the payload is 65 deep"),
        ("depth_2900_arrays", nested_arrays(2900), "2900 nested arrays (deep-nesting DoS)"),
        ("depth_1000_objects", b'{"a":' * 1000 + b"1" + b"}" * 1000, "1000 nested objects"),
        ("depth_unclosed_5000", b"[" * 5000, "5000 unclosed brackets"),
    ]
    bad_payloads += depth
    numbers = [
        ("number_1e400", b'"x":1e400', "1e400 is beyond the double range"),
        ("number_minus_1e400", b'"x":-1e400', "-1e400 is beyond the double range"),
        ("number_1_8e308", b'"x":1.8e308', "1.8e308 is beyond the largest double"),
        ("number_400_digit_integer", b'"x":1' + b"0" * 400, "a 400-digit integer"),
        ("number_leading_zero", b'"x":01', "a leading zero is not JSON"),
        ("number_plus_sign", b'"x":+1', "a plus sign is not JSON"),
        ("number_leading_dot", b'"x":.5', "a leading dot is not JSON"),
        ("number_trailing_dot", b'"x":1.', "a trailing dot is not JSON"),
        ("number_hex", b'"x":0x10', "hex is not JSON"),
        ("number_infinity", b'"x":Infinity', "Infinity is not JSON"),
        ("number_nan", b'"x":NaN', "NaN is not JSON"),
        ("exp_1e400", None, "exp 1e400"),
        ("iat_1e400", None, "iat 1e400 is malformed JSON (step 5), not invalid_iat"),
    ]
    for name, body, what in numbers:
        if name == "exp_1e400":
            payload = compact(claims(exp=DROP))[:-1] + b',"exp":1e400}'
        elif name == "iat_1e400":
            payload = compact(claims(iat=DROP))[:-1] + b',"iat":1e400}'
        else:
            payload = raw_payload(body)
        bad_payloads.append((name, payload, what))
    for name, payload, what in bad_payloads:
        add("invalid_payload_" + name, API5, what + " (correctly signed)", token(payload), "invalid")

    # NumericDate: nbf / exp present but not usable.
    for claim in ("exp", "nbf"):
        for name, val, what in [
            ("string", str(NOW + 600), "a numeric string"),
            ("true", True, "true"),
            ("false", False, "false"),
            ("null", NULL, "null (present, so it fails)"),
            ("array", [NOW + 600], "an array"),
            ("object", {"t": NOW + 600}, "an object"),
            ("above_int64", 2**63, "2^63, one above the int64 range"),
            ("float_2_63", 9.223372036854775807e18, "the double 2^63"),
            ("float_1e19", 1e19, "1e19"),
            ("float_1e300", 1e300, "1e300"),
            ("float_below_int64", -1e19, "-1e19"),
        ]:
            add("invalid_%s_%s" % (claim, name), API5 + " NumericDate", "%s is %s" % (claim, what),
                token(claims(**{claim: val})), "invalid")
    # Integer literals just outside int64: a parser that falls back to double would round
    # -9223372036854775809 to -2^63 and accept it.
    for claim, lit, want in [("exp", b"-9223372036854775809", "invalid"), ("nbf", b"18446744073709551616", "invalid"),
                             ("iat", b"-9223372036854775809", "invalid_iat"),
                             ("iat", b"99999999999999999999", "invalid_iat")]:
        add("%s_integer_literal_%s_outside_int64" % (want, claim + ("_neg" if lit.startswith(b"-") else "_pos")),
            API5 + " NumericDate" if want == "invalid" else S7519 + " §2 / docs/validation.md step 6",
            "%s is the integer %s, outside int64 (not rounded to a double that fits)" % (claim, lit.decode()),
            token(compact(claims(**{claim: DROP}))[:-1] + b',"' + claim.encode() + b'":' + lit + b"}"), want)
    for name, val, what in [("number", 1, "a number"), ("null", NULL, "null"), ("array", [ISSUER], "an array"),
                            ("object", {}, "an object"), ("true", True, "true")]:
        add("invalid_iss_" + name, API5, "iss is %s (present and not a string)" % what,
            token(claims(**{"iss": val})), "invalid")
    for name, val, what in [("number", 1, "a number"), ("null", NULL, "null"), ("object", {"a": "b"}, "an object"),
                            ("array_with_number", ["a", 1], "an array with a number"),
                            ("array_with_null", ["a", None], "an array with null"),
                            ("nested_array", [["mobile-app"]], "an array of arrays"), ("true", True, "true")]:
        add("invalid_aud_" + name, API5, "aud is %s" % what, token(claims(aud=val)), "invalid",
            config=aud_cfg)
    add("invalid_payload_beats_invalid_iat", API5 + " / step 6",
        "aud 1 and a future iat: step 5 comes first", token(claims(aud=1, iat=NOW + 1000)), "invalid")
    add("invalid_payload_beats_expired", API5 + " / step 8",
        "nbf \"x\" and an exp long past: step 5 comes first", token(claims(nbf="x", exp=NOW - 1000)), "invalid")
    add("invalid_payload_beats_revoked", API5 + " / step 16",
        "iss null with a revoked jti", token(claims(iss=NULL, jti="jti-revoked")), "invalid", store=store_ok)
    add("invalid_payload_beats_store_unavailable", API5 + " / step 15",
        "a malformed payload with a failing store: the store is never asked", token(claims(exp="soon")), "invalid",
        store="failing")

    # --------------------------------------------------------------------------- 6. invalid_iat
    S6 = "docs/validation.md step 6"
    add("invalid_iat_future", S6, "iat = now + 1", token(claims(iat=NOW + 1)), "invalid_iat")
    add("invalid_iat_beyond_leeway", S6, "iat = now + leeway + 1", token(claims(iat=NOW + 31)), "invalid_iat",
        config=leeway)
    add("invalid_iat_string", S6, "iat is a numeric string", token(claims(iat=str(NOW))), "invalid_iat")
    add("invalid_iat_null", S6, "iat null (present, so it fails)", token(claims(iat=NULL)), "invalid_iat")
    add("invalid_iat_true", S6, "iat true", token(claims(iat=True)), "invalid_iat")
    add("invalid_iat_array", S6, "iat [now]", token(claims(iat=[NOW])), "invalid_iat")
    add("invalid_iat_object", S6, "iat {}", token(claims(iat={})), "invalid_iat")
    add("invalid_iat_above_int64", S6, "iat 2^63 does not fit int64", token(claims(iat=2**63)), "invalid_iat")
    add("invalid_iat_float_1e19", S6, "iat 1e19 does not fit int64", token(claims(iat=1e19)), "invalid_iat")
    add("invalid_iat_int64_max", S6, "iat = 2^63-1, far in the future", token(claims(iat=INT64_MAX)),
        "invalid_iat")
    add("invalid_iat_beats_immature_and_expired", S6 + "-8",
        "future iat, future nbf and past exp: invalid_iat first",
        token(claims(iat=NOW + 100, nbf=NOW + 100, exp=NOW - 100)), "invalid_iat")
    add("invalid_iat_decimal_one_second_ahead", S6, "iat now + 1.5 truncates to now + 1",
        token(claims(iat=NOW + 1.5)), "invalid_iat")

    # ----------------------------------------------------------------------------- 7. immature
    S7 = "docs/validation.md step 7 / RFC 7519 §4.1.5"
    add("immature_nbf_one_second_ahead", S7, "nbf = now + 1", token(claims(nbf=NOW + 1)), "immature")
    add("immature_beyond_leeway", S7, "nbf = now + leeway + 1", token(claims(nbf=NOW + 31)), "immature",
        config=leeway)
    add("immature_nbf_int64_max", S7, "nbf = 2^63-1", token(claims(nbf=INT64_MAX)), "immature")
    add("immature_beats_expired", S7, "future nbf and past exp: immature first",
        token(claims(nbf=NOW + 100, exp=NOW - 100)), "immature")
    add("immature_beats_wrong_issuer", S7, "future nbf and a wrong issuer", token(claims(nbf=NOW + 100, iss="x")),
        "immature")
    add("immature_decimal", S7, "nbf now + 1.9 truncates to now + 1", token(claims(nbf=NOW + 1.9)), "immature")

    # ------------------------------------------------------------------------------ 8. expired
    S8 = "docs/validation.md step 8 / RFC 7519 §4.1.4"
    add("expired_at_exp", S8, "exp = now: expired AT its exp second", token(claims(exp=NOW)), "expired")
    add("expired_one_second_ago", S8, "exp = now - 1", token(claims(exp=NOW - 1)), "expired")
    add("expired_decimal_half_second_ahead", S8, "exp now + 0.5 truncates to now: expired",
        token(claims(exp=NOW + 0.5)), "expired")
    add("expired_at_leeway", S8, "exp = now - leeway (leeway 30)", token(claims(exp=NOW - 30)), "expired",
        config=leeway)
    add("expired_exp_zero", S8, "exp 0", token(claims(exp=0)), "expired")
    add("expired_exp_negative", S8, "exp -1", token(claims(exp=-1)), "expired")
    add("expired_exp_int64_min", S8, "exp = -2^63 (no overflow in exp - now)", token(claims(exp=INT64_MIN)),
        "expired")
    add("expired_exp_int64_min_with_leeway", S8, "exp = -2^63 with the largest leeway",
        token(claims(exp=INT64_MIN)), "expired", config={"JWTSERVICE_LEEWAY": 366 * 86400})
    add("expired_beats_wrong_issuer", "attack: error precedence", "expired and a wrong issuer: expired",
        token(claims(exp=NOW - 1, iss="evil")), "expired")
    add("expired_beats_wrong_audience", "docs/validation.md steps 8-10", "expired and a wrong audience",
        token(claims(exp=NOW - 1, aud="evil")), "expired", config=aud_cfg)
    add("expired_beats_missing_sub", "docs/validation.md steps 8-11", "expired and no sub", token(claims(exp=NOW - 1, sub=DROP)),
        "expired")
    add("expired_beats_revoked", "docs/validation.md steps 8-16", "expired and revoked",
        token(claims(exp=NOW - 1, jti="jti-revoked")), "expired", store=store_ok)
    add("expired_beats_store_unavailable", "docs/validation.md steps 8-15", "expired with a failing store",
        token(claims(exp=NOW - 1)), "expired", store="failing")

    # ---------------------------------------------------------------------- 9. invalid_issuer
    S9 = "docs/validation.md step 9 / RFC 8725 §3.9"
    for name, c, what in [
        ("absent", claims(iss=DROP), "iss absent"),
        ("other", claims(iss="evil"), "another issuer"),
        ("case", claims(iss="jwtservice"), "the issuer in another case"),
        ("trailing_space", claims(iss="JWTService "), "a trailing space (nothing trimmed)"),
        ("empty", claims(iss=""), "an empty issuer"),
        ("nul_suffix", claims(iss="JWTService\u0000evil"), "the issuer, NUL, more (C-string truncation)"),
        ("homoglyph", claims(iss="JWTServic\u0435"), "a Cyrillic e in place of e"),
        ("prefix", claims(iss="JWTServ"), "a prefix of the issuer"),
    ]:
        add("invalid_issuer_" + name, S9, what, token(c), "invalid_issuer")
    add("invalid_issuer_default_vs_configured", S9, "iss JWTService while the config says auth.example.com",
        good_token, "invalid_issuer", config={"JWTSERVICE_ISSUER": "auth.example.com"})
    add("invalid_issuer_beats_wrong_audience", S9, "wrong issuer and wrong audience",
        token(claims(iss="evil", aud="evil")), "invalid_issuer", config=aud_cfg)
    add("invalid_issuer_beats_missing_sub", S9, "wrong issuer and no sub", token(claims(iss="evil", sub=DROP)),
        "invalid_issuer")

    # -------------------------------------------------------------------- 10. invalid_audience
    S10 = "docs/validation.md step 10 / RFC 7519 §4.1.3"
    for name, c, kw, what in [
        ("absent_config", claims(aud=DROP), dict(config=aud_cfg), "config audience and no aud claim"),
        ("absent_call", claims(aud=DROP), dict(audience="mobile-app"), "call audience and no aud claim"),
        ("other_string", claims(aud="web-app"), dict(config=aud_cfg), "aud web-app, config mobile-app"),
        ("list_without_match", claims(aud=["a", "b"]), dict(config=aud_cfg), "aud list without the expected one"),
        ("empty_list", claims(aud=[]), dict(config=aud_cfg), "aud [] with an expected audience"),
        ("case", claims(aud="Mobile-App"), dict(config=aud_cfg), "compared exactly: another case"),
        ("trailing_space", claims(aud="mobile-app "), dict(config=aud_cfg), "a trailing space"),
        ("call_overrides_config", claims(aud="mobile-app"), dict(config=aud_cfg, audience="web-app"),
         "token aud = config audience, but the call expects web-app"),
        ("call_empty_list", claims(aud="mobile-app"), dict(audience=[]), "an empty call list accepts no audience"),
        ("call_list_no_match", claims(aud="c"), dict(audience=["a", "b"]), "call list [a, b], token aud c"),
        ("substring", claims(aud="mobile"), dict(config=aud_cfg), "a substring of the expected audience"),
        ("comma_joined", claims(aud="web-app,mobile-app"), dict(config=aud_cfg), "two audiences joined by a comma"),
    ]:
        add("invalid_audience_" + name, S10, what, token(c), "invalid_audience", **kw)
    add("invalid_audience_beats_missing_sub", S10, "wrong audience and no sub",
        token(claims(aud="x", sub=DROP)), "invalid_audience", config=aud_cfg)
    add("invalid_audience_beats_revoked", S10, "wrong audience and revoked",
        token(claims(aud="x", jti="jti-revoked")), "invalid_audience", config=aud_cfg, store=store_ok)

    # --------------------------------------------------------------------------- 11. missing_sub
    S11 = "docs/validation.md step 11 / RFC 8725 §3.9"
    for name, val in [("absent", DROP), ("empty", ""), ("number", 1), ("null", NULL), ("array", ["u"]),
                      ("object", {"id": "u"}), ("true", True)]:
        add("missing_sub_" + name, S11, "sub %s" % ("absent" if val is DROP else
                                                     "null" if val is NULL else json.dumps(val)),
            token(claims(sub=val)), "missing_sub")
    add("missing_sub_beats_invalid_action", S11, "no sub and an unknown action",
        token(claims(sub=DROP, action="X")), "missing_sub")

    # ------------------------------------------------------------------------ 12. invalid_action
    S12 = "docs/validation.md step 12"
    for name, val, what in [("unknown", "DELETE_ACCOUNT", "an unknown name"),
                            ("lowercase", "reset_password", "the name in lower case"),
                            ("number", 2, "the enumerator's value instead of its name"),
                            ("number_string", "2", "the value as a string"),
                            ("null", NULL, "null"), ("empty", "", "empty"),
                            ("leading_space", " RESET_PASSWORD", "a leading space"),
                            ("array", ["RESET_PASSWORD"], "an array"), ("object", {}, "an object"),
                            ("nul_suffix", "RESET_PASSWORD\u0000", "the name followed by NUL")]:
        add("invalid_action_" + name, S12, "action is %s" % what, token(claims(action=val)), "invalid_action")
    add("invalid_action_beats_invalid_extra_data", S12, "unknown action and a non-object extra_data",
        token(claims(action="X", extra_data=[])), "invalid_action")

    # -------------------------------------------------------------------- 13. invalid_extra_data
    S13 = "docs/validation.md step 13"
    for name, val in [("array", []), ("string", "{}"), ("number", 1), ("null", NULL), ("true", True)]:
        add("invalid_extra_data_" + name, S13, "extra_data is %s" % ("null" if val is NULL else json.dumps(val)),
            token(claims(extra_data=val)), "invalid_extra_data")
    add("invalid_extra_data_beats_missing_jti", S13, "extra_data [] and no jti, with a store",
        token(claims(extra_data=[], jti=DROP)), "invalid_extra_data", store=store_ok)

    # --------------------------------------------------------------------------- 14. missing_jti
    S14 = "docs/validation.md step 14"
    for name, val in [("absent", DROP), ("empty", ""), ("blank", "  \t"), ("number", 1), ("null", NULL),
                      ("array", ["j"])]:
        add("missing_jti_" + name, S14, "with a store, jti %s" % ("absent" if val is DROP else
                                                                  "null" if val is NULL else json.dumps(val)),
            token(claims(jti=val)), "missing_jti", store=store_ok)
    add("missing_jti_beats_store_unavailable", S14, "no jti and a failing store",
        token(claims(jti=DROP)), "missing_jti", store="failing")

    # --------------------------------------------------------------------- 15. store_unavailable
    S15 = "docs/validation.md step 15"
    add("store_unavailable_valid_token", S15, "the store throws: fail closed", good_token, "store_unavailable",
        store="failing")
    add("store_unavailable_revoked_jti", S15, "the store throws, whatever the jti",
        token(claims(jti="jti-revoked")), "store_unavailable", store="failing")
    add("store_unavailable_without_exp", S15, "a token without exp and a failing store",
        token(claims(exp=DROP)), "store_unavailable", store="failing")

    # ------------------------------------------------------------------------------- 16. revoked
    S16 = "docs/validation.md step 16"
    add("revoked_jti", S16, "the store lists the jti", token(claims(jti="jti-revoked")),
        {"reason": "revoked", "jti": "jti-revoked"}, store=store_ok)
    add("revoked_jti_unicode", S16, "a non-ASCII jti the store lists", token(claims(jti="j\u00e9-\U0001F600")),
        {"reason": "revoked", "jti": "j\u00e9-\U0001F600"}, store={"revoked": ["j\u00e9-\U0001F600"]})
    add("revoked_without_exp", S16, "a revoked token without exp", token(claims(jti="jti-revoked", exp=DROP)),
        {"reason": "revoked", "jti": "jti-revoked"}, store=store_ok)
    add("revoked_with_call_audience", S16, "revoked, with a matching call audience",
        token(claims(jti="jti-revoked", aud="a")), {"reason": "revoked", "jti": "jti-revoked"},
        store=store_ok, audience="a")
    add_valid("valid_jti_differs_from_revoked_by_case", S16, "jti JTI-REVOKED is not jti-revoked",
              claims(jti="JTI-REVOKED"), store=store_ok)

    # -------------------------------------------------------------------------- RFC vectors
    a1_key = unb64(RFC7515_A1_KEY)
    # The vectors are copied verbatim; check the copies against their own keys and texts.
    for vector, key in [(RFC7515_A1_TOKEN, a1_key), (RFC7520_4_4_TOKEN, unb64(RFC7520_3_5_KEY)),
                        (RFC7797_4_1_TOKEN, a1_key)]:
        vh, vp, _ = vector.split(".")
        assert sign_segments(vh, vp, key) == vector, vector
    assert unb64(RFC7520_4_4_TOKEN.split(".")[1]).decode("utf-8") == RFC7520_4_PAYLOAD
    assert RFC7797_4_2_TOKEN.split(".")[2] == b64(mac(RFC7797_4_2_HEADER_B64 + "." + RFC7797_PAYLOAD, a1_key))
    assert unb64(RFC7515_A1_TOKEN.split(".")[1]) == (
        b'{"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}')
    joe = {"JWTSERVICE_ISSUER": "joe"}
    add("rfc7515_a1_missing_sub", S7515 + " §A.1",
        "the example JWS verbatim, issuer joe, before exp: it verifies but has no sub", RFC7515_A1_TOKEN,
        "missing_sub", secret=a1_key, config=joe, now=RFC7515_A1_EXP - 1)
    add("rfc7515_a1_expired_at_exp", S7515 + " §A.1", "the example JWS at its exp second", RFC7515_A1_TOKEN,
        "expired", secret=a1_key, config=joe, now=RFC7515_A1_EXP)
    add("rfc7515_a1_default_issuer", S7515 + " §A.1", "the example JWS against the default issuer",
        RFC7515_A1_TOKEN, "invalid_issuer", secret=a1_key, now=RFC7515_A1_EXP - 1)
    add("rfc7515_a1_with_config_audience", S7515 + " §A.1", "no aud claim while an audience is configured",
        RFC7515_A1_TOKEN, "invalid_audience", secret=a1_key, config=dict(joe, JWTSERVICE_AUDIENCE="x"),
        now=RFC7515_A1_EXP - 1)
    a1_sig = signature_bytes(RFC7515_A1_TOKEN)
    add("rfc7515_a1_one_bit_flip", S7515 + " §A.1", "the example JWS with one MAC bit flipped",
        replace_signature(RFC7515_A1_TOKEN, b64(a1_sig[:5] + bytes([a1_sig[5] ^ 0x10]) + a1_sig[6:])),
        "bad_signature", secret=a1_key, config=joe, now=RFC7515_A1_EXP - 1)
    add("rfc7515_a1_wrong_key", S7515 + " §A.1", "the example JWS checked with RFC 7520's key",
        RFC7515_A1_TOKEN, "bad_signature", secret=unb64(RFC7520_3_5_KEY), config=joe, now=RFC7515_A1_EXP - 1)
    a1h, a1p, a1s = RFC7515_A1_TOKEN.split(".")
    a1_with_sub = b'{"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true,\r\n "sub":"joe"}'
    add("rfc7515_a1_header_with_sub_added", S7515 + " §A.1",
        "A.1's header and key with sub added to its payload, re-signed: valid",
        sign_segments(a1h, b64(a1_with_sub), a1_key),
        expect_valid({"sub": "joe", "exp": RFC7515_A1_EXP, "iss": "joe"}, now=RFC7515_A1_EXP - 1),
        secret=a1_key, config=joe, now=RFC7515_A1_EXP - 1)
    k7520 = unb64(RFC7520_3_5_KEY)
    add("rfc7520_4_4_payload_not_json", "RFC 7520 §4.4",
        "the HS256 example verbatim: the MAC verifies, then its text payload is not JSON", RFC7520_4_4_TOKEN,
        "invalid", secret=k7520)
    s44 = signature_bytes(RFC7520_4_4_TOKEN)
    add("rfc7520_4_4_one_bit_flip", "RFC 7520 §4.4", "the example with one MAC bit flipped",
        replace_signature(RFC7520_4_4_TOKEN, b64(bytes([s44[0] ^ 0x01]) + s44[1:])), "bad_signature", secret=k7520)
    add("rfc7520_4_4_last_bit_flip", "RFC 7520 §4.4", "the example with the MAC's last bit flipped",
        replace_signature(RFC7520_4_4_TOKEN, b64(s44[:-1] + bytes([s44[-1] ^ 0x01]))), "bad_signature",
        secret=k7520)
    add("rfc7520_4_4_wrong_key", "RFC 7520 §4.4", "the example checked with another key", RFC7520_4_4_TOKEN,
        "bad_signature")
    h44 = RFC7520_4_4_TOKEN.split(".")[0]
    add("rfc7520_4_4_header_with_json_payload", "RFC 7520 §4.4",
        "the example's header (with kid) and key over a JSON payload: valid", sign_segments(h44, b64(compact(good)), k7520),
        expect_valid(good), secret=k7520)
    add("rfc7797_4_1_payload_not_json", "RFC 7797 §4.1",
        "the b64 true example verbatim: verifies, then \"$.02\" is not JSON", RFC7797_4_1_TOKEN, "invalid",
        secret=a1_key)
    add("rfc7797_4_2_b64_false_detached", "RFC 7797 §4.2",
        "the b64 false example verbatim (detached, empty payload segment): crit/b64 refused", RFC7797_4_2_TOKEN,
        "invalid", secret=a1_key)
    add("rfc7797_4_2_b64_false_attached", "RFC 7797 §4.2 / §5",
        "the b64 false example with its payload attached: \"$.02\" adds a segment",
        RFC7797_4_2_HEADER_B64 + "." + RFC7797_PAYLOAD + "." + RFC7797_4_2_TOKEN.split(".")[2], "invalid",
        secret=a1_key)
    add("rfc7797_b64_false_json_payload", "RFC 7797 §3",
        "b64 false with crit and a raw JSON payload that happens to be base64url-free: refused",
        sign_segments(b64(b'{"alg":"HS256","b64":false,"crit":["b64"]}'), "e30", SECRET), "invalid")

    build_lifecycle()

    # -------------------------------------------------------------------------- bookkeeping
    reasons = Counter(c["expected"]["reason"] for c in CASES)
    every = ["none", "missing_token", "invalid", "bad_signature", "invalid_iat", "immature", "expired",
             "invalid_issuer", "invalid_audience", "missing_sub", "invalid_action", "invalid_extra_data",
             "missing_jti", "revoked", "rate_limited", "store_unavailable", "action_mismatch",
             "binding_mismatch"]
    missing = [r for r in every if reasons[r] == 0]
    assert not missing, missing
    assert set(reasons) <= set(every), set(reasons) - set(every)
    return reasons


def render():
    reasons = build()
    doc = {
        "generated_by": COMMAND,
        "description": "jwtservice conformance corpus: each case is validated through the public API by "
                       "tests/test_conformance.cpp. Do not edit by hand; change the generator and re-run it.",
        "fields": {
            "token": "the exact string passed to validar",
            "secret_b64url": "the key bytes (SECRET_KEY), base64url",
            "config": "settings for load_token_config_from_dict, merged with SECRET_KEY",
            "now": "the fixed wall clock (Unix seconds); the monotonic clock never moves",
            "audience": "validar's audience argument: null (none: the config's), a string, or a list",
            "store": "null (no store), {\"revoked\": [jti...]} or \"failing\" (every call throws)",
            "before": "optional tokens validated first on the same service, results ignored",
            "repeat": "optional: validate the token this many times; expected is the last result",
            "options": "optional validation options: action (a JWTAction name), binding_b64url (the state's "
                       "bytes), max_age; null fields are not given",
            "expected": "reason and status; for valid cases every reported field (null = absent); "
                        "for revoked the jti",
        },
        "counts": dict(sorted(reasons.items())),
    }
    # One case per line: diffs of a regenerated corpus show exactly the cases that changed.
    head = json.dumps(doc, indent=1, ensure_ascii=True)
    lines = [json.dumps(c, ensure_ascii=True, separators=(",", ":")) for c in CASES]
    return head[:-2] + ',\n "cases": [\n  ' + ",\n  ".join(lines) + "\n ]\n}\n"


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "cases.json")
    text = render()
    if "--stdout" in argv:
        sys.stdout.write(text)
        return 0
    if "--check" in argv:
        try:
            with open(path, encoding="ascii") as f:
                current = f.read()
        except OSError:
            current = None
        if current != text:
            sys.stderr.write("%s is out of date: run %s\n" % (path, COMMAND))
            return 1
        return 0
    with open(path, "w", encoding="ascii", newline="\n") as f:
        f.write(text)
    counts = json.loads(text)["counts"]
    sys.stderr.write("wrote %d cases to %s\n" % (len(CASES), path))
    for reason, n in counts.items():
        sys.stderr.write("  %-20s %d\n" % (reason, n))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Signed-statement vectors for spec/protocol.md section 5, computed independently of the Rust
code: RFC 8785 canonical JSON by Python's json module (members sorted, no whitespace, UTF-8,
lower-case \\u00xx escapes; every key here is in the Basic Multilingual Plane, where sorting by
code point equals sorting by UTF-16 code units, and every number a small integer, whose RFC 8785
form is its digits), Ed25519 (RFC 8032) by the `cryptography` package.

Re-run: pip install cryptography && python3 spec/vectors/signing_vectors.py
"""
import hashlib
import json
import os

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

DOMAIN = "ve/1.0/"


def jcs(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def message(kind, signer, role, body):
    return DOMAIN.encode() + kind.encode() + b"\x00" + jcs({"body": body, "role": role, "signer": signer})


def key(seed_text):
    secret = hashlib.sha256(seed_text.encode()).digest()
    k = Ed25519PrivateKey.from_private_bytes(secret)
    public = k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return secret, k, public


CASES = [
    {
        "name": "contest result with Devanagari, a control character, nulls and nesting",
        "kind": "contest-result",
        "signer": "RO-AC001",
        "role": "returning-officer",
        "key_seed": "ve signing vector 1",
        "body": {
            "spec_version": "1.0",
            "contest_id": "AC001",
            "zeta": [3, 0, -7, 9007199254740991],
            "Alpha": {"b": None, "a": True, "é": "x", "Z": False},
            "name": "सरपंच, ग्राम पंचायत \"1\"\n\ttab\u0001\u001f/slash",
            "declared": None,
            "counts": [],
            "signed_at": 1767225600,
        },
    },
    {
        "name": "close of poll, members written in another order than the canonical one",
        "kind": "close-of-poll",
        "signer": "PO-AC001-PS0001",
        "role": "presiding-officer",
        "key_seed": "ve signing vector 2",
        "body": {"station_id": "AC001-PS0001", "closed_at": 64800, "remarks": None, "contests": [{"contest_id": "AC001", "commitment": "00ff"}]},
    },
]


def main():
    out = {"domain": DOMAIN, "valid": [], "refused": []}
    for c in CASES:
        secret, k, public = key(c["key_seed"])
        msg = message(c["kind"], c["signer"], c["role"], c["body"])
        sig = k.sign(msg)
        out["valid"].append({
            "name": c["name"],
            "kind": c["kind"],
            "signer": c["signer"],
            "role": c["role"],
            "secret_key": secret.hex(),
            "public_key": public.hex(),
            "body": c["body"],
            "message_hex": msg.hex(),
            "signature": sig.hex(),
        })
    # Bodies no implementation may sign or accept: numbers outside I-JSON's exact integers.
    out["refused"] = [
        {"why": "a fraction", "body": {"n": 1.5}},
        {"why": "an integer above 2^53 - 1", "body": {"n": 9007199254740992}},
        {"why": "an integer below -(2^53 - 1)", "body": {"n": -9007199254740992}},
    ]
    path = os.path.join(os.path.dirname(__file__), "signing.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()

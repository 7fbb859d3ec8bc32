"""Witnessed-log vectors for spec/log.md, computed independently of the Rust code: RFC 6962
Merkle tree hashes and RFC 9162 inclusion and consistency proofs (the recursive definitions,
written out), c2sp.org tlog-tiles paths and entry bundles, signed-note key ids and key strings,
a checkpoint signed by a log key and cosigned by a witness (tlog-cosignature v1), with Ed25519
from the `cryptography` package. It also re-checks a committed sample log from its files: the
root from the entry bundles, every hash tile, the log's signature and every cosignature.

Re-run: pip install cryptography && python3 spec/vectors/log_vectors.py
"""
import base64
import hashlib
import json
import os
import struct

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives import serialization

HERE = os.path.dirname(os.path.abspath(__file__))


def sha(b):
    return hashlib.sha256(b).digest()


def leaf(e):
    return sha(b"\x00" + e)


def mth(entries):
    n = len(entries)
    if n == 0:
        return sha(b"")
    if n == 1:
        return leaf(entries[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return sha(b"\x01" + mth(entries[:k]) + mth(entries[k:]))


def path(m, d):
    """RFC 6962 2.1.1 PATH(m, D[n])."""
    n = len(d)
    if n <= 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return path(m, d[:k]) + [mth(d[k:])]
    return path(m - k, d[k:]) + [mth(d[:k])]


def subproof(m, d, b):
    """RFC 6962 2.1.2 SUBPROOF(m, D[n], b)."""
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return subproof(m, d[:k], b) + [mth(d[k:])]
    return subproof(m - k, d[k:], False) + [mth(d[:k])]


def index_path(n):
    parts = ["%03d" % (n % 1000)]
    n //= 1000
    while n > 0:
        parts.append("x%03d" % (n % 1000))
        n //= 1000
    return "/".join(reversed(parts))


def tile_path(level, n, w):
    return "tile/%d/%s%s" % (level, index_path(n), "" if w == 256 else ".p/%d" % w)


def entries_path(n, w):
    return "tile/entries/%s%s" % (index_path(n), "" if w == 256 else ".p/%d" % w)


def key_id(name, typ, pub):
    return sha(name.encode() + b"\n" + bytes([typ]) + pub)[:4]


def keys(seed_text, name, typ):
    seed = sha(seed_text.encode())
    k = Ed25519PrivateKey.from_private_bytes(seed)
    pub = k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    kid = key_id(name, typ, pub)
    vkey = "%s+%s+%s" % (name, kid.hex(), base64.b64encode(bytes([typ]) + pub).decode())
    skey = "PRIVATE+KEY+%s+%s+%s" % (name, kid.hex(), base64.b64encode(bytes([typ]) + seed).decode())
    return k, pub, kid, vkey, skey


def b64(b):
    return base64.b64encode(b).decode()


def vectors():
    entries = [("entry %d" % i).encode() for i in range(7)]
    out = {
        "entries": [e.decode() for e in entries],
        "leaf_hashes": [leaf(e).hex() for e in entries],
        "roots": [mth(entries[:n]).hex() for n in range(0, 8)],
        "inclusion": [
            {"index": m, "size": n, "proof": [h.hex() for h in path(m, entries[:n])]}
            for (m, n) in [(0, 1), (2, 7), (6, 7), (3, 4)]
        ],
        "consistency": [
            {"old": m, "new": n, "proof": [h.hex() for h in subproof(m, entries[:n], True)]}
            for (m, n) in [(1, 7), (3, 7), (4, 7), (6, 7)]
        ],
        "paths": {
            "tile_0_1234067_256": tile_path(0, 1234067, 256),
            "tile_1_5_7": tile_path(1, 5, 7),
            "entries_1000_256": entries_path(1000, 256),
            "entries_0_3": entries_path(0, 3),
        },
        "entry_bundle_hex": b"".join(struct.pack(">H", len(e)) + e for e in entries[:3]).hex(),
    }
    log_k, _, log_id, log_vkey, log_skey = keys("ve log vector: log key", "log.vector.example/e", 0x01)
    w_k, _, w_id, w_vkey, w_skey = keys("ve log vector: witness key", "witness.vector.example", 0x04)
    root = mth(entries)
    text = ("log.vector.example/e\n7\n%s\n" % b64(root)).encode()
    sig = log_k.sign(text)
    note = text + b"\n" + ("\u2014 log.vector.example/e %s\n" % b64(log_id + sig)).encode()
    t = 1800000000
    cos = w_k.sign(b"cosignature/v1\ntime %d\n" % t + text)
    line = "\u2014 witness.vector.example %s\n" % b64(w_id + struct.pack(">Q", t) + cos)
    out["log_key"] = {"vkey": log_vkey, "skey": log_skey}
    out["witness_key"] = {"vkey": w_vkey, "skey": w_skey}
    out["checkpoint_note"] = note.decode()
    out["cosignature_time"] = t
    out["cosignature_line"] = line
    return out


def check_sample(root_dir):
    """Re-checks a sample log from its files alone; returns what it checked."""
    cp = open(os.path.join(root_dir, "checkpoint"), "rb").read()
    text, sigs = cp.split(b"\n\n", 1)
    text += b"\n"
    origin, size, root = text.decode().splitlines()[:3]
    size = int(size)
    entries = []
    for n in range((size + 255) // 256):
        w = min(256, size - 256 * n)
        data = open(os.path.join(root_dir, entries_path(n, w)), "rb").read()
        i = 0
        while i < len(data):
            (ln,) = struct.unpack(">H", data[i:i + 2])
            entries.append(data[i + 2:i + 2 + ln])
            i += 2 + ln
    assert len(entries) == size, (len(entries), size)
    assert b64(mth(entries)) == root, "root"
    t0 = open(os.path.join(root_dir, tile_path(0, 0, min(size, 256))), "rb").read()
    assert t0 == b"".join(leaf(e) for e in entries[:256]), "level-0 tile"
    assert json.loads(entries[0])["kind"] == "election-manifest"
    # The log's key from the manifest it certifies; the witnesses' from the pin file.
    bundle = json.load(open(os.path.join(root_dir, "..", "bundle", "election.json")))
    known = {}
    vkeys = [bundle["body"]["log"]["key"]] + [
        l.split("#")[0].strip()
        for l in open(os.path.join(root_dir, "..", "..", "witnesses.txt")).read().splitlines()
        if l.split("#")[0].strip()
    ]
    for vkey in vkeys:
        name, kid, data = vkey.split("+", 2)
        raw = base64.b64decode(data)
        assert key_id(name, raw[0], raw[1:]).hex() == kid, vkey
        known[(name, kid)] = (raw[0], Ed25519PublicKey.from_public_bytes(raw[1:]))
    verified = []
    for l in [l for l in sigs.decode().splitlines() if l]:
        name, b = l[2:].split(" ", 1)
        raw = base64.b64decode(b)
        typ, pub = known[(name, raw[:4].hex())]
        if typ == 0x01:
            pub.verify(raw[4:], text)
            verified.append(name + " (log)")
        else:
            (t,) = struct.unpack(">Q", raw[4:12])
            pub.verify(raw[12:], b"cosignature/v1\ntime %d\n" % t + text)
            verified.append("%s (cosigned at %d)" % (name, t))
    return {"origin": origin, "size": size, "root": root, "verified": verified}


if __name__ == "__main__":
    v = vectors()
    sample = os.path.join(HERE, "..", "samples", "assembly", "log")
    if os.path.isdir(sample):
        print("sample log re-checked from its files:", check_sample(sample))
    with open(os.path.join(HERE, "log.json"), "w") as f:
        json.dump(v, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("wrote spec/vectors/log.json")

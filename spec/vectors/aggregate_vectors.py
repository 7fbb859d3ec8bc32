#!/usr/bin/env python3
"""The challenges of an aggregate (spec/aggregation.md §3, §4), derived from its bytes by the
spec's text alone: this script parses the encoding of §5 with its own reader, replays the
transcript of §3 with the merlin/STROBE-128 of transcript_vectors.py (standard library only),
and writes r, every round's x, z and the ten rho into spec/vectors/aggregate.json beside the
aggregate, its inputs and keys (which `cargo run -p ve-benches --example aggregate_vector`
wrote). The Rust
test `aggregate_matches_the_independent_vectors` checks the implementation against them, and
that the aggregate verifies. Re-run:
    python3 spec/vectors/aggregate_vectors.py
"""

import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from transcript_vectors import GROUP_R, PROTOCOL, Transcript  # noqa: E402

GT, G1, G2 = 576, 96, 192


class Reader:
    def __init__(self, b: bytes):
        self.b, self.i = b, 0

    def take(self, n: int) -> bytes:
        if self.i + n > len(self.b):
            raise ValueError("aggregate cut short")
        out = self.b[self.i:self.i + n]
        self.i += n
        return out

    def u64(self) -> int:
        return int.from_bytes(self.take(8), "little")


def parse(b: bytes) -> dict:
    """The layout of aggregation.md §5."""
    r = Reader(b)
    p = {"n": r.u64()}
    p["com"] = [r.take(GT) for _ in range(4)]  # com_ab T, U; com_c T, U
    p["z_ab"], p["z_c"] = r.take(GT), r.take(G1)
    m = r.u64()
    p["rounds"] = [{"z_ab": [r.take(GT) for _ in range(2)], "t_ab": [r.take(GT) for _ in range(4)],
                    "t_c": [r.take(GT) for _ in range(4)], "z_c": [r.take(G1) for _ in range(2)]}
                   for _ in range(m)]
    p["a"], p["b"], p["c"] = r.take(G1), r.take(G2), r.take(G1)
    p["v"], p["w"] = [r.take(G2) for _ in range(2)], [r.take(G1) for _ in range(2)]
    p["openings"] = r.take(2 * G2 + 2 * G1)
    if r.i != len(b):
        raise ValueError("trailing bytes")
    if p["n"] & (p["n"] - 1) or p["n"] < 2 or m != p["n"].bit_length() - 1:
        raise ValueError("n is not a power of two with log2(n) rounds")
    return p


def challenge(t: Transcript, label: bytes) -> int:
    x = int.from_bytes(t.challenge_bytes(label, 64), "little") % GROUP_R
    return x if x else 1


def challenges(context: bytes, vk: bytes, inputs: list, p: dict) -> dict:
    while len(inputs) < p["n"]:  # padded by repeating the last proof's inputs
        inputs = inputs + [inputs[-1]]
    digest = hashlib.sha256(b"".join(x for row in inputs for x in row)).digest()
    t = Transcript(PROTOCOL)
    t.append_message(b"dom-sep", b"ve/snarkpack/v1")
    t.append_message(b"context", context)
    t.append_message(b"vk", vk)
    t.append_u64(b"n", len(inputs))
    t.append_message(b"inputs", digest)
    for c in p["com"]:
        t.append_message(b"com", c)
    out = {"r": challenge(t, b"r")}
    t.append_message(b"z-ab", p["z_ab"])
    t.append_message(b"z-c", p["z_c"])
    xs = []
    for rd in p["rounds"]:
        for g in rd["z_ab"]:
            t.append_message(b"z-ab", g)
        for g in rd["t_ab"]:
            t.append_message(b"t-ab", g)
        for g in rd["t_c"]:
            t.append_message(b"t-c", g)
        for g in rd["z_c"]:
            t.append_message(b"z-c", g)
        xs.append(challenge(t, b"x"))
    out["x"] = xs
    t.append_message(b"a", p["a"])
    t.append_message(b"b", p["b"])
    t.append_message(b"c", p["c"])
    for v in p["v"]:
        t.append_message(b"v", v)
    for w in p["w"]:
        t.append_message(b"w", w)
    out["z"] = challenge(t, b"z")
    t.append_message(b"openings", p["openings"])
    out["rho"] = [challenge(t, b"rho") for _ in range(10)]
    return {k: [str(x) for x in v] if isinstance(v, list) else str(v) for k, v in out.items()}


def main():
    path = os.path.join(HERE, "aggregate.json")
    v = json.load(open(path))
    p = parse(bytes.fromhex(v["aggregate_hex"]))
    inputs = [[bytes.fromhex(x) for x in row] for row in v["inputs_le_hex"]]
    v["challenges"] = challenges(bytes.fromhex(v["context_hex"]), bytes.fromhex(v["vk_sha256_hex"]),
                                 inputs, p)
    # Refusals of the reader: cut short, a byte added.
    raw = bytes.fromhex(v["aggregate_hex"])
    for bad in (raw[:-1], raw + b"\0"):
        try:
            parse(bad)
            raise SystemExit("a malformed aggregate was read")
        except ValueError:
            pass
    with open(path, "w") as f:
        json.dump(v, f, indent=2)
        f.write("\n")
    print(f"aggregate of {p['n']} proofs, {len(p['rounds'])} rounds: r = {v['challenges']['r'][:20]}...")


if __name__ == "__main__":
    main()

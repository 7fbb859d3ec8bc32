#!/usr/bin/env python3
"""Test vectors for the transcripts (spec/encodings.md §5) and Poseidon (§6), computed from the
spec's text alone with the Python standard library: Keccak-f[1600] (checked here against
hashlib's SHA3-256), the STROBE-128 operations merlin uses, merlin's framing, the audit draws of
audit.md §3-4, the Grain LFSR of the Poseidon paper and the sponge of protocol.md §3.1.

Writes spec/vectors/transcripts.json and spec/vectors/poseidon.json. Re-run:
    python3 spec/vectors/transcript_vectors.py
The Rust tests audit/tests/transcript_vectors.rs and circuits/tests/encodings.rs check the
implementation against both files.
"""

import hashlib
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------- Keccak-f[1600] (FIPS 202)

RC = [
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
]
ROT = [
    [0, 36, 3, 41, 18],
    [1, 44, 10, 45, 2],
    [62, 6, 43, 15, 61],
    [28, 55, 25, 21, 56],
    [27, 20, 39, 8, 14],
]
M64 = (1 << 64) - 1


def rol(v, n):
    return ((v << n) | (v >> (64 - n))) & M64 if n else v


def keccak_f(state: bytearray) -> None:
    """Keccak-f[1600] on 200 bytes in place; lane (x, y) is bytes 8(x + 5y).. little-endian."""
    a = [[int.from_bytes(state[8 * (x + 5 * y):8 * (x + 5 * y) + 8], "little") for y in range(5)]
         for x in range(5)]
    for rc in RC:
        c = [a[x][0] ^ a[x][1] ^ a[x][2] ^ a[x][3] ^ a[x][4] for x in range(5)]
        d = [c[(x - 1) % 5] ^ rol(c[(x + 1) % 5], 1) for x in range(5)]
        a = [[a[x][y] ^ d[x] for y in range(5)] for x in range(5)]
        b = [[0] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                b[y][(2 * x + 3 * y) % 5] = rol(a[x][y], ROT[x][y])
        a = [[b[x][y] ^ ((~b[(x + 1) % 5][y]) & b[(x + 2) % 5][y]) for y in range(5)]
             for x in range(5)]
        a[0][0] ^= rc
    for x in range(5):
        for y in range(5):
            state[8 * (x + 5 * y):8 * (x + 5 * y) + 8] = a[x][y].to_bytes(8, "little")


def sha3_256(msg: bytes) -> bytes:
    rate = 136
    padded = bytearray(msg) + b"\x06" + b"\x00" * ((-len(msg) - 1) % rate)
    padded[-1] |= 0x80
    s = bytearray(200)
    for i in range(0, len(padded), rate):
        for j in range(rate):
            s[j] ^= padded[i + j]
        keccak_f(s)
    return bytes(s[:32])


for m in [b"", b"abc", bytes(range(256)) * 3]:
    assert sha3_256(m) == hashlib.sha3_256(m).digest(), "Keccak-f[1600] is wrong"

# ---------------------------------------------------------------- STROBE-128 (the subset merlin uses)

R = 166  # 200 - 2 * 128 / 8 - 2
I, A, C, M = 1, 2, 4, 16


class Strobe128:
    def __init__(self, protocol: bytes):
        self.st = bytearray(200)
        self.st[0:6] = bytes([1, R + 2, 1, 0, 1, 96])
        self.st[6:18] = b"STROBEv1.0.2"
        keccak_f(self.st)
        self.pos = 0
        self.pos_begin = 0
        self.flags = 0
        self.meta_ad(protocol, False)

    def run_f(self):
        self.st[self.pos] ^= self.pos_begin
        self.st[self.pos + 1] ^= 0x04
        self.st[R + 1] ^= 0x80
        keccak_f(self.st)
        self.pos = 0
        self.pos_begin = 0

    def absorb(self, data):
        for byte in data:
            self.st[self.pos] ^= byte
            self.pos += 1
            if self.pos == R:
                self.run_f()

    def squeeze(self, n):
        out = bytearray()
        for _ in range(n):
            out.append(self.st[self.pos])
            self.st[self.pos] = 0
            self.pos += 1
            if self.pos == R:
                self.run_f()
        return bytes(out)

    def begin_op(self, flags, more):
        if more:
            assert flags == self.flags
            return
        old_begin = self.pos_begin
        self.pos_begin = self.pos + 1
        self.flags = flags
        self.absorb([old_begin, flags])
        if flags & C and self.pos != 0:
            self.run_f()

    def meta_ad(self, data, more):
        self.begin_op(M | A, more)
        self.absorb(data)

    def ad(self, data, more):
        self.begin_op(A, more)
        self.absorb(data)

    def prf(self, n):
        self.begin_op(I | A | C, False)
        return self.squeeze(n)


class Transcript:
    def __init__(self, label: bytes):
        self.s = Strobe128(b"Merlin v1.0")
        self.append_message(b"dom-sep", label)

    def append_message(self, label: bytes, msg: bytes):
        self.s.meta_ad(label, False)
        self.s.meta_ad(len(msg).to_bytes(4, "little"), True)
        self.s.ad(msg, False)

    def append_u64(self, label: bytes, x: int):
        self.append_message(label, x.to_bytes(8, "little"))

    def challenge_bytes(self, label: bytes, n: int) -> bytes:
        self.s.meta_ad(label, False)
        self.s.meta_ad(n.to_bytes(4, "little"), True)
        return self.s.prf(n)


PROTOCOL = b"verifiable-elections/v1"


def uniform(t: Transcript, m: int) -> int:
    m = max(m, 1)
    limit = ((2**128 - 1) // m) * m
    while True:
        v = int.from_bytes(t.challenge_bytes(b"draw", 16), "little")
        if v < limit:
            return v % m


def audit_seed(election, contest, root, shares):
    t = Transcript(PROTOCOL)
    t.append_message(b"dom-sep", b"ve/audit-seed/v1")
    t.append_message(b"election", election.encode())
    t.append_message(b"contest", contest.encode())
    t.append_message(b"results-root", root)
    t.append_u64(b"shares", len(shares))
    for party, share in sorted(shares, key=lambda s: s[0].encode()):
        t.append_message(b"party", party.encode())
        t.append_message(b"share", share)
    return t.challenge_bytes(b"seed", 32)


def statutory(seed, segment, population, k):
    t = Transcript(PROTOCOL)
    t.append_message(b"dom-sep", b"ve/audit-statutory/v2")
    t.append_message(b"seed", seed)
    t.append_message(b"segment", segment.encode())
    t.append_u64(b"population", len(population))
    pool = list(population)
    for i in range(min(k, len(pool))):
        j = i + uniform(t, len(pool) - i)
        pool[i], pool[j] = pool[j], pool[i]
    return pool[:min(k, len(pool))]


def ppeb(seed, contest, weights, count):
    t = Transcript(PROTOCOL)
    t.append_message(b"dom-sep", b"ve/audit-ppeb/v1")
    t.append_message(b"seed", seed)
    t.append_message(b"contest", contest.encode())
    t.append_u64(b"batches", len(weights))
    total = sum(weights)
    out = []
    for _ in range(count):
        r = uniform(t, total)
        acc = 0
        for p, w in enumerate(weights):
            acc += w
            if acc > r:
                out.append(p)
                break
    return out


def batch_coefficients(vk_sha256, proofs, entropy, count):
    t = Transcript(PROTOCOL)
    t.append_message(b"dom-sep", b"ve/groth16-batch/v1")
    t.append_message(b"vk", vk_sha256)
    t.append_u64(b"n", len(proofs))
    for proof, inputs in proofs:
        t.append_message(b"proof", proof)
        t.append_message(b"inputs", inputs)
    t.append_message(b"entropy", entropy)
    out = []
    for _ in range(count):
        r = int.from_bytes(t.challenge_bytes(b"coefficient", 16), "little")
        out.append(r if r != 0 else 1)
    return out


# BLS12-381: the curve parameter x, the group order r = x^4 - x^2 + 1, and lambda = r - x^2,
# the eigenvalue on G1 of phi(x, y) = (beta x, y) (protocol.md §6.1).
CURVE_X = -0xD201000000010000
GROUP_R = CURVE_X**4 - CURVE_X**2 + 1
LAMBDA = GROUP_R - CURVE_X**2


def batch_coefficient_fr(c):
    """r_i = lo + lambda hi mod r from a 16-byte challenge read little-endian (protocol.md §6.1)."""
    lo, hi = c & (2**64 - 1), c >> 64
    if lo == 0 and hi == 0:
        lo = 1
    return (lo + LAMBDA * hi) % GROUP_R


def transcripts_json():
    t = Transcript(b"test protocol")
    t.append_message(b"some label", b"some data")
    simple = t.challenge_bytes(b"challenge", 32)

    # A long message and challenges that wrap the 166-byte STROBE block.
    t = Transcript(PROTOCOL)
    t.append_message(b"long", bytes([99]) * 1024)
    t.append_u64(b"n", 2**64 - 1)
    long_ch = t.challenge_bytes(b"challenge", 200)

    root = hashlib.sha256(b"results root of the vector").digest()
    shares = [("OBS-2", bytes([2]) * 32), ("OBS-1", bytes([1]) * 32), ("ECI", bytes([7]) * 32)]
    seed = audit_seed("E-2026", "AC001", root, shares)

    population = [f"AC001-{i:03}" for i in range(1, 13)]
    weights = [5, 0, 17, 2**64, 3, 1]
    vk = hashlib.sha256(b"verifying key of the vector").digest()
    proofs = [(bytes([i]) * 384, (i + 1).to_bytes(32, "little") * 3) for i in range(3)]
    entropy = bytes(range(32))
    return {
        "about": "merlin transcripts (spec/encodings.md §5) and the audit draws of spec/audit.md "
                 "§3-4, computed by transcript_vectors.py from the spec alone",
        "merlin": [
            {
                "label": "test protocol",
                "ops": [["append_message", "some label", "some data"],
                        ["challenge_bytes", "challenge", 32]],
                "challenge_hex": simple.hex(),
            },
            {
                "label": "verifiable-elections/v1",
                "ops": [["append_message", "long", "99 repeated 1024 times"],
                        ["append_u64", "n", str(2**64 - 1)],
                        ["challenge_bytes", "challenge", 200]],
                "challenge_hex": long_ch.hex(),
            },
        ],
        "audit_seed": {
            "election": "E-2026",
            "contest": "AC001",
            "results_root_hex": root.hex(),
            "shares": [{"party_id": p, "share_hex": s.hex()} for p, s in shares],
            "seed_hex": seed.hex(),
        },
        "statutory": [
            {"segment": "AC001", "population": population, "k": k,
             "sample": statutory(seed, "AC001", population, k)}
            for k in (5, 6, 12, 20)
        ],
        "ppeb": {
            "contest": "AC001",
            "weights": [str(w) for w in weights],
            "draws": ppeb(seed, "AC001", weights, 12),
        },
        "groth16_batch": {
            "vk_sha256_hex": vk.hex(),
            "proofs": [{"proof_hex": p.hex(), "inputs_hex": x.hex()} for p, x in proofs],
            "entropy_hex": entropy.hex(),
            "coefficients": [str(c) for c in batch_coefficients(vk, proofs, entropy, 3)],
            "coefficients_fr": [
                str(batch_coefficient_fr(c)) for c in batch_coefficients(vk, proofs, entropy, 3)
            ],
        },
    }


# ---------------------------------------------------------------- Poseidon (protocol.md §3.1)

P = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001
N_BITS, T, RATE, RF, RP, ALPHA = 255, 9, 8, 8, 60, 5


class Grain:
    def __init__(self):
        bits = [0, 1]                                   # field: prime
        bits += [0, 0, 0, 0]                            # S-box: x^alpha
        bits += [int(b) for b in format(N_BITS, "012b")]
        bits += [int(b) for b in format(T, "012b")]
        bits += [int(b) for b in format(RF, "010b")]
        bits += [int(b) for b in format(RP, "010b")]
        bits += [1] * 30
        assert len(bits) == 80
        self.s = bits
        for _ in range(160):
            self.step()

    def step(self):
        s = self.s
        b = s[62] ^ s[51] ^ s[38] ^ s[23] ^ s[13] ^ s[0]
        self.s = s[1:] + [b]
        return b

    def bit(self):
        while True:
            first = self.step()
            second = self.step()
            if first:
                return second

    def number(self):
        v = 0
        for _ in range(N_BITS):
            v = (v << 1) | self.bit()
        return v

    def element_rejection(self):
        while True:
            v = self.number()
            if v < P:
                return v


def poseidon_params():
    g = Grain()
    ark = [[g.element_rejection() for _ in range(T)] for _ in range(RF + RP)]
    xs = [g.number() % P for _ in range(T)]
    ys = [g.number() % P for _ in range(T)]
    mds = [[pow((x + y) % P, P - 2, P) for y in ys] for x in xs]
    return ark, mds


def permute(state, ark, mds):
    for r in range(RF + RP):
        state = [(s + c) % P for s, c in zip(state, ark[r])]
        if r < RF // 2 or r >= RF // 2 + RP:
            state = [pow(s, ALPHA, P) for s in state]
        else:
            state[0] = pow(state[0], ALPHA, P)
        state = [sum(m * s for m, s in zip(row, state)) % P for row in mds]
    return state


def poseidon(inputs, ark, mds):
    state = [0] * T
    chunks = [inputs[i:i + RATE] for i in range(0, len(inputs), RATE)] or [[]]
    for chunk in chunks:
        for i, x in enumerate(chunk):
            state[1 + i] = (state[1 + i] + x) % P
        state = permute(state, ark, mds)
    return state[1]


def le32(v):
    return v.to_bytes(32, "little").hex()


def poseidon_json():
    ark, mds = poseidon_params()
    flat = lambda rows: b"".join(v.to_bytes(32, "little") for row in rows for v in row)
    tag = int.from_bytes(b"ve/log-commitment/v2", "little")
    cases = [[1], [1, 2], list(range(1, 9)), list(range(1, 10)), list(range(17)),
             [tag, P - 1, 0, 2**200]]
    return {
        "about": "the Poseidon instance of spec/protocol.md §3.1 (spec/encodings.md §6), computed "
                 "by transcript_vectors.py from the spec alone; field elements are 32-byte "
                 "little-endian hex",
        "t": T, "rate": RATE, "capacity": 1, "full_rounds": RF, "partial_rounds": RP,
        "alpha": ALPHA,
        "ark_sha256": hashlib.sha256(flat(ark)).hexdigest(),
        "mds_sha256": hashlib.sha256(flat(mds)).hexdigest(),
        "ark_first_row": [le32(v) for v in ark[0]],
        "ark_last_row": [le32(v) for v in ark[-1]],
        "mds_first_row": [le32(v) for v in mds[0]],
        "domain_tag": {"label": "ve/log-commitment/v2", "element": le32(tag)},
        "hashes": [{"inputs": [le32(v) for v in c], "output": le32(poseidon(c, ark, mds))}
                   for c in cases],
    }


def write(name, value):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(value, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    write("transcripts.json", transcripts_json())
    write("poseidon.json", poseidon_json())

"""V2.h's check of the keys against the circuit, written from spec/ alone (encodings.md §3, §4.2,
§8, §9; ceremony.md §3, §5, §6), with py_ecc (a pure-Python BLS12-381) and the Python standard
library: no code of this implementation is used. For each shape of a multi-party bundle it

1. reads the shape's R1CS from spec/vectors/circuits/<shape>.r1cs.xz (or --r1cs FILE) and checks
   its SHA-256 against vectors/circuit-shapes.json;
2. recomputes the phase-2 chain's start h0 from the end of phase 1 and the matrix digest, and
   the first phase-2 record's hash from it (ceremony.md §3.3);
3. checks the verifying key's alpha, beta, gamma and delta against the ceremony's files;
4. checks, at random 128-bit weights, the one equation of ceremony.md §6 item 4 for the shape:
   e(sum r_i H_i + sum s_k L_k, delta) e(w sum t_k IC_k, G2) = e(R, G2), R written over the
   accumulator's powers with the inverse FFTs of encodings.md §9.

With --tamper it first moves one L point (adds G1 to it: still a valid point), with
--tamper-circuit it checks the keys against a circuit with one coefficient changed; either way it
must then report the equation false (exit 0 when it does). The powers of tau themselves (ceremony.md §6 items 1, 2 and the
accumulator's equation) are not re-checked here.

Run (a few minutes in pure Python): pip install py_ecc &&
    python3 spec/vectors/v2h_check.py spec/samples/assembly/bundle [--tamper]
"""
import hashlib
import json
import lzma
import os
import secrets
import struct
import sys
import time

from py_ecc.optimized_bls12_381 import FQ, FQ2, G1, G2, Z1, add, double, eq, neg, pairing, is_on_curve, b, b2
from py_ecc.bls.point_compression import decompress_G1, decompress_G2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from circuit_vectors import R, ifft_fast, read_r1cs  # noqa: E402  (spec/vectors, stdlib only)

HERE = os.path.dirname(os.path.abspath(__file__))


def g1(raw):
    """Uncompressed G1, encodings.md §3."""
    assert len(raw) == 96 and raw[0] & 0x80 == 0 and raw[0] & 0x20 == 0
    if raw[0] & 0x40:
        assert not any(raw[1:]) and raw[0] == 0x40
        return Z1
    x, y = int.from_bytes(raw[:48], "big"), int.from_bytes(raw[48:], "big")
    p = (FQ(x), FQ(y), FQ.one())
    assert is_on_curve(p, b), "a G1 point off the curve"
    return p


def g2(raw):
    """Uncompressed G2, encodings.md §3: x.c1 || x.c0 || y.c1 || y.c0."""
    assert len(raw) == 192 and raw[0] & 0xE0 == 0
    c = [int.from_bytes(raw[i:i + 48], "big") for i in range(0, 192, 48)]
    p = (FQ2([c[1], c[0]]), FQ2([c[3], c[2]]), FQ2.one())
    assert is_on_curve(p, b2), "a G2 point off the curve"
    return p


def msm(points, scalars, c=12):
    """Pippenger's bucket method over py_ecc's Jacobian additions."""
    bits = max((s.bit_length() for s in scalars), default=0)
    total = None
    for w in reversed(range(0, bits, c)):
        if total is not None:
            for _ in range(c):
                total = double(total)
        buckets = {}
        for p, s in zip(points, scalars):
            i = (s >> w) & ((1 << c) - 1)
            if i:
                buckets[i] = add(buckets[i], p) if i in buckets else p
        running, window = None, None
        for i in range((1 << c) - 1, 0, -1):
            if i in buckets:
                running = buckets[i] if running is None else add(running, buckets[i])
            if running is not None:
                window = running if window is None else add(window, running)
        if window is not None:
            total = window if total is None else add(total, window)
    return total if total is not None else Z1


def strs(s):
    s = s.encode()
    return struct.pack("<Q", len(s)) + s


def main():
    start = time.monotonic()
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    tamper = "--tamper" in sys.argv or "--tamper-circuit" in sys.argv
    r1cs_file = None
    if "--r1cs" in sys.argv:
        r1cs_file = sys.argv[sys.argv.index("--r1cs") + 1]
        args.remove(r1cs_file)
    bundle = args[0]
    manifest = json.load(open(os.path.join(bundle, "election.json")))["body"]
    assert manifest["setup"]["kind"] == "multi-party", "a single-party setup has no ceremony"
    t = json.load(open(os.path.join(bundle, "ceremony/transcript.json")))
    pins = {p["shape"]: p for p in json.load(open(os.path.join(HERE, "circuit-shapes.json")))}
    p1 = open(os.path.join(bundle, "ceremony/phase1.bin"), "rb").read()
    assert p1[:12] == b"VE-PHASE1-1\n"
    power = struct.unpack("<I", p1[12:16])[0]
    n_acc = 1 << power
    assert len(p1) == 16 + 96 * (2 * n_acc - 1) + 192 * n_acc + 96 * n_acc + 96 * n_acc + 192
    off = 16
    def take(k):
        nonlocal off
        s = p1[off:off + k]
        off += k
        return s
    tau_g1 = [take(96) for _ in range(2 * n_acc - 1)]
    take(192 * n_acc)  # tau_g2: not needed here
    alpha_tau = [take(96) for _ in range(n_acc)]
    beta_tau = [take(96) for _ in range(n_acc)]
    beta_g2 = take(192)

    # The phase-2 chain's start (ceremony.md §3.3), per shape of the transcript, in its order.
    digests = {}
    for shape in t["shapes"]:
        pin = pins[shape]
        if r1cs_file:
            raw = open(r1cs_file, "rb").read()
        else:
            raw = lzma.decompress(open(os.path.join(HERE, "circuits", f"{shape}.r1cs.xz"), "rb").read())
        assert hashlib.sha256(raw).hexdigest() == pin["r1cs_sha256"], f"{shape}: not the pinned export"
        digests[shape] = (read_r1cs(raw), bytes.fromhex(pin["matrix_sha256"]))
    h0 = hashlib.sha256(strs("ve/ceremony/phase2/v1") + strs("initial")
                        + bytes.fromhex(t["phase1"][-1]["hash"]) + struct.pack("<Q", len(t["shapes"]))
                        + b"".join(strs(s) + digests[s][1] for s in t["shapes"])).digest()
    first = t["phase2"][0]
    h1 = hashlib.sha256(strs("ve/ceremony/phase2/v1") + strs("contribution") + h0 + strs(first["name"])
                        + strs(first["role"]) + struct.pack("<Q", len(first["updates"]))
                        + b"".join(bytes.fromhex(u["delta_g1"]) + bytes.fromhex(u["delta_g2"])
                                   + b"".join(bytes.fromhex(x) for x in u["pok"]) for u in first["updates"])).digest()
    assert h1.hex() == first["hash"], "phase 2 does not start from this circuit's matrices"
    print(f"phase 2 starts from the pinned circuit: h0 {h0.hex()[:16]}..., first record's hash as published")

    for key in manifest["shapes"]:
        shape = key["shape"]
        x, _ = digests[shape]
        m, P, W = x["m"], x["inputs"], x["private"]
        if "--tamper-circuit" in sys.argv:
            # Keys checked against another circuit: one coefficient of C changed.
            row = next(row for row in x["abc"][2] if row)
            row[0] = ((row[0][0] + 1) % R, row[0][1])
        n = 1
        while n < m + P + 1:
            n *= 2
        st = open(os.path.join(bundle, f"ceremony/{shape}.bin"), "rb").read()
        assert st[:12] == b"VE-PHASE2-1\n" and len(st) == 12 + 96 + 192 + 96 * (n - 1 + W)
        delta_g2 = g2(st[108:300])
        H = [g1(st[300 + 96 * i:396 + 96 * i]) for i in range(n - 1)]
        base = 300 + 96 * (n - 1)
        L = [g1(st[base + 96 * k:base + 96 * k + 96]) for k in range(W)]
        # The verifying key, encodings.md §4.2 (compressed points).
        vk = open(os.path.join(bundle, key["path"]), "rb").read()
        assert hashlib.sha256(vk).hexdigest() == key["vk_sha256"]
        cnt = struct.unpack("<Q", vk[336:344])[0]
        assert cnt == P + 1 and len(vk) == 344 + 48 * cnt, "IC count"
        alpha = decompress_G1(int.from_bytes(vk[0:48], "big"))
        beta = decompress_G2((int.from_bytes(vk[48:96], "big"), int.from_bytes(vk[96:144], "big")))
        gamma = decompress_G2((int.from_bytes(vk[144:192], "big"), int.from_bytes(vk[192:240], "big")))
        delta = decompress_G2((int.from_bytes(vk[240:288], "big"), int.from_bytes(vk[288:336], "big")))
        IC = [decompress_G1(int.from_bytes(vk[344 + 48 * k:392 + 48 * k], "big")) for k in range(cnt)]
        assert eq(alpha, g1(alpha_tau[0])) and eq(beta, g2(beta_g2)), "alpha, beta not phase 1's"
        assert eq(gamma, G2) and eq(delta, delta_g2), "gamma not G2, or delta not the ceremony's"
        if "--tamper" in sys.argv:
            L[len(L) // 2] = add(L[len(L) // 2], G1)

        rnd = lambda: secrets.randbits(128)
        r = [rnd() for _ in range(n - 1)]
        s = [rnd() for _ in range(W)]
        tw, w = [rnd() for _ in range(P + 1)], rnd()
        z = [w * tk % R for tk in tw] + s
        A, B, C = x["abc"]
        a = [sum(c * z[k] for c, k in row) % R for row in A] + [0] * (n - m)
        for k in range(P + 1):
            a[m + k] = (a[m + k] + z[k]) % R
        bb = [sum(c * z[k] for c, k in row) % R for row in B] + [0] * (n - m)
        cc = [sum(c * z[k] for c, k in row) % R for row in C] + [0] * (n - m)
        fa, fb, fc = ifft_fast(a), ifft_fast(bb), ifft_fast(cc)
        # R = sum_i ifft(c)_i P_i + ifft(b)_i alpha tau^i + ifft(a)_i beta tau^i
        #     + sum_(i < n-1) r_i (P_(n+i) - P_i)
        coeff_p = [(fc[i] - (r[i] if i < n - 1 else 0)) % R for i in range(n)]
        pts = [g1(tau_g1[i]) for i in range(n)] + [g1(tau_g1[n + i]) for i in range(n - 1)]
        pts += [g1(alpha_tau[i]) for i in range(n)] + [g1(beta_tau[i]) for i in range(n)]
        scal = coeff_p + r + fb + fa
        print(f"{shape}: m {m}, P {P}, W {W}, n {n}: the combination over {len(pts)} powers of tau ...")
        right = msm(pts, scal)
        left = msm(H + L, r + s)
        ic = msm(IC, [w * tk % R for tk in tw])
        holds = pairing(delta, left) == pairing(G2, add(right, neg(ic)))
        verdict = "holds" if holds else "DOES NOT HOLD"
        print(f"{shape}: H, L and IC against the circuit and the accumulator: the equation {verdict}")
        if holds == tamper:
            sys.exit(1)
    print("the keys are the ones this circuit and this ceremony give" if not tamper
          else "the tampering is caught", f"({time.monotonic() - start:.1f} s)")


if __name__ == "__main__":
    main()

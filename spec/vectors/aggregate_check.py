#!/usr/bin/env python3
"""Verifies the aggregate of spec/vectors/aggregate.json from spec/aggregation.md alone, with
py_ecc's BLS12-381: the bytes parsed by aggregate_vectors.py's reader (§5), the challenges
replayed from the transcript (§3), then every equation of §4 checked on its own, with no
combination: MIPP's G1 fold, TIPP's three GT equations, MIPP's two, the four KZG openings and
the Groth16 equation over all the proofs with their public inputs. Then the same with one
public input changed, which must fail (at the transcript, and with the transcript's challenges
kept, at the Groth16 equation). About 20 s of pure Python.

GT elements are arkworks' (aggregation.md §5): e(P, Q) is the optimal ate pairing with
arkworks' final exponentiation, which equals py_ecc's pairing(Q, P) raised to -3.
    pip install py_ecc; python3 spec/vectors/aggregate_check.py
"""

import json
import os
import sys
import time

from py_ecc.optimized_bls12_381 import FQ12, add, curve_order, eq, field_modulus, multiply, neg, pairing

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from aggregate_vectors import challenges, parse  # noqa: E402  (stdlib only)
from v2h_check import g1, g2  # noqa: E402  (uncompressed points, encodings.md §3)

R = curve_order


def gt(raw):
    """A GT element as arkworks writes Fq12 (aggregation.md §5): twelve base-field elements,
    each 48 bytes little-endian, in the order c0.c0.c0, c0.c0.c1, c0.c1.c0, ..., c1.c2.c1 of
    Fq12 = Fq6[w]/(w^2 - v), Fq6 = Fq2[v]/(v^3 - (u + 1)), Fq2 = Fq[u]/(u^2 + 1); mapped to
    py_ecc's Fq[w]/(w^12 - 2 w^6 + 2), where v = w^2 and u = w^6 - 1."""
    assert len(raw) == 576
    vals = [int.from_bytes(raw[48 * i:48 * (i + 1)], "little") for i in range(12)]
    assert all(x < field_modulus for x in vals), "a coordinate is not below p"
    coeffs = [0] * 12
    k = 0
    for i in range(2):            # w^i
        for j in range(3):        # v^j = w^(2j)
            for l in range(2):    # u^l = (w^6 - 1)^l
                d = i + 2 * j
                coeffs[d] += vals[k] * (-1 if l else 1)
                if l:
                    coeffs[d + 6] += vals[k]
                k += 1
    return FQ12([c % field_modulus for c in coeffs])


def e(p, q):
    """arkworks' pairing of P in G1 and Q in G2."""
    x = pairing(q, p)
    return (x * x * x).inv()


def gpow(x, k):
    k %= R
    return x ** k


def check(name, ok, log):
    log.append((name, ok))
    if not ok:
        raise AssertionError(name)


def verify(v, inputs, log, transcript_inputs=None):
    """Every check of §4 in turn; the challenges are replayed over `transcript_inputs` (the
    inputs themselves unless given)."""
    p = parse(bytes.fromhex(v["aggregate_hex"]))
    ch = challenges(bytes.fromhex(v["context_hex"]), bytes.fromhex(v["vk_sha256_hex"]),
                    [[x.to_bytes(32, "little") for x in row] for row in transcript_inputs or inputs], p)
    r, xs, z = int(ch["r"]), [int(x) for x in ch["x"]], int(ch["z"])
    n, m = p["n"], len(p["rounds"])
    while len(inputs) < n:
        inputs = inputs + [inputs[-1]]
    xinv = [pow(x, R - 2, R) for x in xs]
    # Folds (§4): T <- T + x_t T_L + x_t^-1 T_R; the first message of each pair takes x_t.
    com = [gt(c) for c in p["com"]]
    z_ab = gt(p["z_ab"])
    fold = {"T_AB": com[0], "U_AB": com[1], "T_C": com[2], "U_C": com[3], "Z_AB": z_ab}
    z_c = g1(p["z_c"])
    for t, rd in enumerate(p["rounds"]):
        pairs = {"Z_AB": rd["z_ab"], "T_AB": rd["t_ab"][0::2], "U_AB": rd["t_ab"][1::2],
                 "T_C": rd["t_c"][0::2], "U_C": rd["t_c"][1::2]}
        for k, (left, right) in pairs.items():
            fold[k] = fold[k] * gpow(gt(left), xs[t]) * gpow(gt(right), xinv[t])
        z_c = add(add(z_c, multiply(g1(rd["z_c"][0]), xs[t])), multiply(g1(rd["z_c"][1]), xinv[t]))
    a, b, c = g1(p["a"]), g2(p["b"]), g1(p["c"])
    v1, v2 = (g2(x) for x in p["v"])
    w1, w2 = (g1(x) for x in p["w"])
    op = p["openings"]
    pi_v = [g2(op[0:192]), g2(op[192:384])]
    pi_w = [g1(op[384:480]), g1(op[480:576])]
    # MIPP, G1: Z_C folded = r_0 C, r_0 = prod_t (1 + x_t^-1 r^(2^(m-t))).
    r0 = 1
    for t in range(m):
        r0 = r0 * (1 + xinv[t] * pow(r, 2 ** (m - 1 - t), R)) % R
    check("MIPP: the folded sum of C", eq(z_c, multiply(c, r0)), log)
    # TIPP and MIPP in GT.
    check("TIPP: Z_AB = e(A, B)", fold["Z_AB"] == e(a, b), log)
    check("TIPP: T_AB = e(A, v1) e(w1, B)", fold["T_AB"] == e(a, v1) * e(w1, b), log)
    check("TIPP: U_AB = e(A, v2) e(w2, B)", fold["U_AB"] == e(a, v2) * e(w2, b), log)
    check("MIPP: T_C = e(C, v1)", fold["T_C"] == e(c, v1), log)
    check("MIPP: U_C = e(C, v2)", fold["U_C"] == e(c, v2), log)
    # KZG openings of the folded keys at z.
    def f_v(x):
        out = 1
        for t in range(m):
            out = out * (1 + xinv[t] * pow(x, 2 ** (m - 1 - t), R)) % R
        return out

    def f_w(x):
        out = pow(x, n, R)
        rinv = pow(r, R - 2, R)
        for t in range(m):
            out = out * (1 + xs[t] * pow(x * rinv % R, 2 ** (m - 1 - t), R)) % R
        return out
    key = [bytes.fromhex(x) for x in v["aggregation_vk_hex"]]
    g, h = g1(key[0]), g2(key[1])
    g_s, h_s = [g1(key[2]), g1(key[3])], [g2(key[4]), g2(key[5])]
    for i, (name, vv, ww) in enumerate((("a", v1, w1), ("b", v2, w2))):
        lhs = e(add(g_s[i], neg(multiply(g, z))), pi_v[i])
        check(f"KZG: v opening at {name}", lhs == e(g, add(vv, neg(multiply(h, f_v(z))))), log)
        lhs = e(pi_w[i], add(h_s[i], neg(multiply(h, z))))
        check(f"KZG: w opening at {name}", lhs == e(add(ww, neg(multiply(g, f_w(z)))), h), log)
    # Groth16 over every proof: Z_AB = (sum r^i) e(alpha, beta) + e(sum r^i IC(x_i), gamma)
    # + e(Z_C, delta), with Z_AB and Z_C as sent (unfolded).
    # The Groth16 key as the vector holds it: alpha (G1), beta, gamma, delta (G2), the IC count
    # (u64 LE) and the IC points (G1), all uncompressed (encodings.md §3).
    vk = bytes.fromhex(v["groth16_vk_hex"])
    alpha, beta, gamma, delta = g1(vk[0:96]), g2(vk[96:288]), g2(vk[288:480]), g2(vk[480:672])
    cnt = int.from_bytes(vk[672:680], "little")
    assert len(vk) == 680 + 96 * cnt, "the key's length"
    ic = [g1(vk[680 + 96 * k:776 + 96 * k]) for k in range(cnt)]
    assert all(len(row) == cnt - 1 for row in inputs), "inputs do not fit the key"
    scal = [0] * cnt
    ri = 1
    rsum = 0
    for row in inputs:
        scal[0] = (scal[0] + ri) % R
        for j, x in enumerate(row):
            scal[j + 1] = (scal[j + 1] + ri * x) % R
        rsum = (rsum + ri) % R
        ri = ri * r % R
    acc = None
    for P, s in zip(ic, scal):
        term = multiply(P, s)
        acc = term if acc is None else add(acc, term)
    rhs = gpow(e(alpha, beta), rsum) * e(acc, gamma) * e(g1(p["z_c"]), delta)
    check("Groth16 over every proof, with its public inputs", z_ab == rhs, log)


def main():
    t0 = time.time()
    v = json.load(open(os.path.join(HERE, "aggregate.json")))
    inputs = [[int.from_bytes(bytes.fromhex(x), "little") for x in row] for row in v["inputs_le_hex"]]
    log = []
    verify(v, inputs, log)
    for name, _ in log:
        print(f"holds: {name}")
    # One public input changed (a count of the second proof): the aggregate must fail.
    bad = [list(row) for row in inputs]
    bad[1][2] = (bad[1][2] + 1) % R
    log = []
    try:
        verify(v, bad, log)
    except AssertionError as failed:
        print(f"a count changed: fails at {failed}, as it must")
    else:
        raise SystemExit("the aggregate verified for a changed input")
    # The same count changed in the Groth16 equation only, the challenges left as the true
    # inputs give them: every argument of TIPP, MIPP and KZG holds, the last equation fails.
    log = []
    try:
        verify(v, bad, log, transcript_inputs=inputs)
    except AssertionError as failed:
        assert str(failed).startswith("Groth16"), failed
        print(f"the same with the transcript's challenges: fails at {failed}, as it must")
    else:
        raise SystemExit("the Groth16 equation held for a changed input")
    print(f"the aggregate verifies by aggregation.md alone ({time.time() - t0:.1f} s)")


if __name__ == "__main__":
    main()

"""The station circuit as data (spec/encodings.md §8, §9), checked independently of the Rust code
with the Python standard library only.

1. The evaluation domain: for every size 2^k up to 2^16, the generator 7^((r - 1) / 2^k) mod r,
   an inverse FFT of 8 values and the Lagrange basis of 8 points at a fixed tau, by their
   definitions. Writes domain.json (with --write), which circuits/tests/suite/r1cs.rs checks
   against arkworks' radix-2 domain.
2. Every export in circuits/ (`VOTESxCHOICES.r1cs.xz`): its length and SHA-256 are the ones
   circuit-shapes.json pins; it reads by §8 (magic, version, sections, the field, the wire
   split, terms sorted and non-zero, the identity label map); its sizes are the pinned ones;
   the matrix digest recomputed from its terms by ceremony.md §3.3 is the pinned one; and, where
   an example assignment is given (`VOTESxCHOICES.assignment.json`: a synthetic station, no
   real vote), it satisfies every constraint while the same assignment with a count, the total
   or a private wire raised by one does not.

Re-run: python3 spec/vectors/circuit_vectors.py [--write]
"""
import hashlib
import json
import lzma
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
R = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001
GENERATOR = 7
TWO_ADICITY = 32


def le(x):
    return x.to_bytes(32, "little").hex()


def inv(x):
    return pow(x, R - 2, R)


def omega(n):
    assert n & (n - 1) == 0 and n <= 1 << TWO_ADICITY
    return pow(GENERATOR, (R - 1) // n, R)


def ifft(values):
    """Coefficients c_i = (1/n) sum_j v_j w^(-ij): the polynomial whose value at w^j is v_j."""
    n = len(values)
    w_inv = inv(omega(n))
    n_inv = inv(n)
    return [
        n_inv * sum(v * pow(w_inv, i * j, R) for j, v in enumerate(values)) % R
        for i in range(n)
    ]


def ifft_fast(values):
    """The same numbers as ifft, in n log n: an iterative radix-2 transform at w^-1, scaled."""
    n = len(values)
    a = list(values)
    j = 0
    for i in range(1, n):  # bit-reversal permutation
        bit = n >> 1
        while j & bit:
            j ^= bit
            bit >>= 1
        j |= bit
        if i < j:
            a[i], a[j] = a[j], a[i]
    size = 2
    while size <= n:
        step = inv(omega(size))
        for start in range(0, n, size):
            wk = 1
            for k in range(size // 2):
                u, v = a[start + k], a[start + k + size // 2] * wk % R
                a[start + k], a[start + k + size // 2] = (u + v) % R, (u - v) % R
                wk = wk * step % R
        size *= 2
    n_inv = inv(n)
    return [x * n_inv % R for x in a]


def lagrange(n, tau):
    """L_j(tau) = (w^j / n) (tau^n - 1) / (tau - w^j): the polynomial that is 1 at w^j, 0 at
    the other points of the domain."""
    w = omega(n)
    z = (pow(tau, n, R) - 1) % R
    return [pow(w, j, R) * z * inv(n * (tau - pow(w, j, R)) % R) % R for j in range(n)]


def domain_vectors():
    roots = []
    for k in range(17):
        n = 1 << k
        w = omega(n)
        assert pow(w, n, R) == 1 and (n == 1 or pow(w, n // 2, R) == R - 1), "primitive"
        roots.append({"size": n, "generator_le": le(w)})
    seed = hashlib.sha256(b"ve/vectors/domain").digest()
    values = [int.from_bytes(hashlib.sha256(seed + bytes([i])).digest(), "little") % R for i in range(8)]
    coeffs = ifft(values)
    assert ifft_fast(values) == coeffs
    more = [int.from_bytes(hashlib.sha256(seed + b"x" + bytes([i])).digest(), "little") % R for i in range(64)]
    assert ifft_fast(more) == ifft(more), "the fast transform is the definition's"
    # The coefficients evaluate back to the values at the domain's points.
    w = omega(8)
    for j in range(8):
        assert sum(c * pow(w, i * j, R) for i, c in enumerate(coeffs)) % R == values[j]
    tau = int.from_bytes(hashlib.sha256(seed + b"tau").digest(), "little") % R
    basis = lagrange(8, tau)
    # sum_j v_j L_j(tau) equals sum_i c_i tau^i: the identity V2.h rests on.
    assert sum(v * l for v, l in zip(values, basis)) % R == sum(c * pow(tau, i, R) for i, c in enumerate(coeffs)) % R
    return {
        "comment": "spec/encodings.md §9; computed by circuit_vectors.py",
        "generator": GENERATOR,
        "two_adicity": TWO_ADICITY,
        "roots": roots,
        "ifft": {"size": 8, "values_le": [le(v) for v in values], "coefficients_le": [le(c) for c in coeffs]},
        "lagrange": {"size": 8, "tau_le": le(tau), "basis_le": [le(x) for x in basis]},
    }


class Reader:
    def __init__(self, b):
        self.b, self.at = b, 0

    def take(self, n):
        assert self.at + n <= len(self.b), "ends inside a field"
        s = self.b[self.at:self.at + n]
        self.at += n
        return s

    def u32(self):
        return struct.unpack("<I", self.take(4))[0]

    def u64(self):
        return struct.unpack("<Q", self.take(8))[0]


def read_r1cs(b):
    """encodings.md §8, every rule the reader there lists."""
    r = Reader(b)
    assert r.take(4) == b"r1cs" and r.u32() == 1 and r.u32() == 3, "magic, version 1, 3 sections"
    sections = {}
    for _ in range(3):
        ty, size = r.u32(), r.u64()
        assert ty in (1, 2, 3) and ty not in sections, "sections 1, 2, 3 once each"
        sections[ty] = r.take(size)
    assert r.at == len(b), "nothing after the last section"
    h = Reader(sections[1])
    assert h.u32() == 32 and int.from_bytes(h.take(32), "little") == R, "BLS12-381 Fr"
    wires, outputs, inputs, private, labels, m = h.u32(), h.u32(), h.u32(), h.u32(), h.u64(), h.u32()
    assert h.at == len(sections[1])
    assert outputs == 0 and wires == 1 + inputs + private and labels == wires
    c = Reader(sections[2])
    abc = ([], [], [])
    for _ in range(m):
        for mat in abc:
            row = []
            for _ in range(c.u32()):
                k, coeff = c.u32(), int.from_bytes(c.take(32), "little")
                assert 0 < coeff < R and k < wires and (not row or row[-1][1] < k), "term"
                row.append((coeff, k))
            mat.append(row)
    assert c.at == len(sections[2])
    assert sections[3] == b"".join(struct.pack("<Q", k) for k in range(wires)), "identity labels"
    return {"wires": wires, "inputs": inputs, "private": private, "m": m, "abc": abc}


def matrix_digest(abc):
    """ceremony.md §3.3: "R1CS", then A, B, C, each row: u64 term count, per term 32-byte LE
    coefficient and u64 wire."""
    h = hashlib.sha256(b"R1CS")
    for mat in abc:
        for row in mat:
            h.update(struct.pack("<Q", len(row)))
            for coeff, k in row:
                h.update(coeff.to_bytes(32, "little") + struct.pack("<Q", k))
    return h.hexdigest()


def satisfied(abc, z):
    dot = lambda row: sum(c * z[k] for c, k in row) % R
    return all(dot(a) * dot(b) % R == dot(c) for a, b, c in zip(*abc))


def check_exports():
    pins = {p["shape"]: p for p in json.load(open(os.path.join(HERE, "circuit-shapes.json")))}
    folder = os.path.join(HERE, "circuits")
    checked = 0
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".r1cs.xz"):
            continue
        shape = name[: -len(".r1cs.xz")]
        pin = pins[shape]
        raw = lzma.decompress(open(os.path.join(folder, name), "rb").read())
        assert len(raw) == pin["r1cs_bytes"], f"{shape}: length"
        assert hashlib.sha256(raw).hexdigest() == pin["r1cs_sha256"], f"{shape}: SHA-256"
        x = read_r1cs(raw)
        n = 1
        while n < x["m"] + x["inputs"] + 1:
            n *= 2
        got = {
            "constraints": x["m"],
            "public_inputs": x["inputs"],
            "private_variables": x["private"],
            "domain": n,
            "terms": sum(len(row) for mat in x["abc"] for row in mat),
        }
        for k, v in got.items():
            assert pin[k] == v, f"{shape}: {k} {v}, pinned {pin[k]}"
        votes, choices = map(int, shape.split("x"))
        assert x["inputs"] == choices + 4 == len(pin["order"]), f"{shape}: public inputs"
        assert matrix_digest(x["abc"]) == pin["matrix_sha256"], f"{shape}: matrix digest"
        example = os.path.join(folder, f"{shape}.assignment.json")
        if os.path.exists(example):
            z = [int(v) for v in json.load(open(example))["assignment"]]
            assert len(z) == x["wires"] and z[0] == 1
            assert satisfied(x["abc"], z), f"{shape}: the example station does not satisfy it"
            for k in (3, 2 + choices, 1 + x["inputs"] + 5):
                lie = list(z)
                lie[k] = (lie[k] + 1) % R
                assert not satisfied(x["abc"], lie), f"{shape}: wire {k} raised still satisfies"
        said = ", the example station satisfies it and no lie does" if os.path.exists(example) else ""
        print(f"{shape}: {len(raw)} bytes, {got['constraints']} constraints, digests as pinned{said}")
        checked += 1
    assert checked, "no export found"


def main():
    vectors = domain_vectors()
    path = os.path.join(HERE, "domain.json")
    text = json.dumps(vectors, indent=1) + "\n"
    if "--write" in sys.argv:
        open(path, "w").write(text)
    assert open(path).read() == text, "domain.json differs from its definition (--write)"
    print("domain.json: roots of unity, an inverse FFT and a Lagrange basis, as defined")
    check_exports()


if __name__ == "__main__":
    main()

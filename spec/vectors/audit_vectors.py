#!/usr/bin/env python3
"""Independent reference values for the audit statistics (spec/audit.md), written to
spec/vectors/audit-statistics.json. Run: python3 spec/vectors/audit_vectors.py (needs scipy).

Sources, independent of the Rust code:
- hypergeometric miss probabilities: scipy.stats.hypergeom (pmf of zero tampered stations drawn);
- least detection over spreads: exhaustive enumeration of every spread (the Rust code is greedy);
- fewest stations to change the outcome: exhaustive search over station subsets;
- Kaplan-Markov: exact rational arithmetic (fractions) for U and taints, then the product;
- BRAVO ASN: the closed form of Lindeman, Stark, Yates (2012), in Python floats.
"""
import itertools
import json
import math
from fractions import Fraction
from pathlib import Path

from scipy.stats import hypergeom

out = {"hypergeometric_miss": [], "min_detection": [], "min_stations": [], "km": [], "bravo_asn": []}

for n, m, k in [(100, 1, 5), (100, 10, 5), (2000, 40, 5), (250, 100, 5), (10, 1, 5), (5, 1, 5),
                (3, 1, 5), (1834, 1, 5), (1834, 300, 5), (20, 15, 5), (20, 16, 5)]:
    miss = float(hypergeom.pmf(0, n, m, min(k, n)))
    out["hypergeometric_miss"].append({"n": n, "m": m, "k": k, "miss": miss})

def least_detection(segments, m):
    best_miss = 0.0
    for alloc in itertools.product(*[range(min(m, n) + 1) for n, _ in segments]):
        if sum(alloc) != m:
            continue
        miss = 1.0
        for (n, k), a in zip(segments, alloc):
            miss *= float(hypergeom.pmf(0, n, a, min(k, n)))
        best_miss = max(best_miss, miss)
    return 1.0 - best_miss

for segments, m in [([(20, 5), (30, 5), (50, 5)], 3), ([(20, 5), (30, 5), (50, 5)], 6),
                    ([(8, 5), (12, 5)], 4), ([(5, 5), (40, 5)], 2)]:
    out["min_detection"].append({"segments": segments, "m": m,
                                 "detection": least_detection(segments, m)})

# Fewest stations to change the outcome: rows (w, l, other), margin from the totals.
for rows in [[[80, 20, 0], [70, 30, 0], [60, 20, 5], [90, 10, 0]],
             [[100, 10, 0]] * 5,
             [[300, 10, 2]] * 6 + [[1, 200, 0]],
             [[5, 5, 0], [5, 4, 0]]]:
    w = sum(r[0] for r in rows)
    l = sum(r[1] for r in rows)
    margin = w - l
    bound = [sum(r) + r[0] - r[1] for r in rows]
    fewest = None
    for size in range(1, len(rows) + 1):
        if any(sum(bound[i] for i in c) >= margin for c in itertools.combinations(range(len(rows)), size)):
            fewest = size
            break
    out["min_stations"].append({"rows": rows, "fewest": fewest})

# Kaplan-Markov: the CD3 example of Lindeman (2010), as published (spec/vectors/kaplan-markov-cd3.csv):
# U = 20.47011975018621 over all 774 batches (the paper's value), taints recomputed exactly.
tally = {"Lungren": 155424, "Durston": 137971, "Tuma": 7273, "Padilla": 13378}
losers = ["Durston", "Tuma", "Padilla"]
margins = {l: tally["Lungren"] - tally[l] for l in losers}
U = 20.47011975018621
p = 1.0
rows = []
for line in (Path(__file__).parent / "kaplan-markov-cd3.csv").read_text().splitlines()[1:]:
    f = line.split(",")
    ballots, rep, aud, times = int(f[1]), [int(x) for x in f[2:6]], [int(x) for x in f[7:11]], int(f[6])
    names = ["Lungren", "Durston", "Tuma", "Padilla"]
    r = dict(zip(names, rep)); a = dict(zip(names, aud))
    up = max(Fraction(ballots + r["Lungren"] - r[l], margins[l]) for l in losers)
    ep = max(Fraction((r["Lungren"] - r[l]) - (a["Lungren"] - a[l]), margins[l]) for l in losers)
    taint = ep / up
    p *= ((1 - 1 / U) / (1 - float(taint))) ** times
out["km"].append({"source": "Lindeman 2010, CD3 example", "u_total": U, "p_value": p,
                  "published_p_value": 0.098616,
                  "totals": tally, "winner": "Lungren",
                  "b_p": "ballots_cast: paper ballots may be blank, so the paper's b_p is the ballots cast, not the row's sum (spec/audit.md §5)"})
for u, alpha in [(20.47011975018621, 0.1), (20.47011975018621, 0.05), (1.5, 0.05), (300.0, 0.01)]:
    out["km"].append({"u_total": u, "alpha": alpha,
                      "sample_size": math.ceil(math.log(alpha) / math.log(1 - 1 / u))})

for vw, vl, ballots, alpha in [(55000, 45000, 100000, 0.1), (60, 40, 100, 0.05),
                               (520000, 480000, 1100000, 0.05), (2, 1, 3, 0.1)]:
    s = vw / (vw + vl)
    zw, zl = math.log(2 * s), math.log(2 - 2 * s)
    pr = (vw + vl) / ballots
    asn = (math.log(1 / alpha) + zw / 2) / (pr * (s * zw + (1 - s) * zl))
    out["bravo_asn"].append({"v_w": vw, "v_l": vl, "ballots": ballots, "alpha": alpha, "asn": asn})

(Path(__file__).parent / "audit-statistics.json").write_text(json.dumps(out, indent=1) + "\n")
print("wrote audit-statistics.json")

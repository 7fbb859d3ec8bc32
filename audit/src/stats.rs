//! The audit's statistics (spec `audit.md` §5-§6), with their sources:
//!
//! - Kaplan-Markov batch-comparison audit with PPEB sampling (Stark 2009, "Risk-limiting
//!   post-election audits: P-values from common probability inequalities"; worked example and
//!   notation of Lindeman 2010, "A Kaplan-Markov auditing example using 2008 California data").
//!   A station is a batch. For each reported winner `w` and loser `l` (NOTA is never a loser: it
//!   cannot win), `V_wl` is the reported margin. Error bound of station `p`:
//!   `u_p = max_wl (b_p + v_wp - v_lp) / V_wl`, with `b_p` the votes cast there; `U = sum u_p`.
//!   Overstatement found by the slips: `e_p = max_wl ((v_wp - v_lp) - (a_wp - a_lp)) / V_wl`;
//!   taint `t_p = e_p / u_p`. P-value after draws `j`: `prod_j (1 - 1/U) / (1 - t_j)`.
//!   Sample size with no error: `ceil(ln(alpha) / ln(1 - 1/U))`.
//! - Statutory sample: exact hypergeometric probability of missing every tampered station,
//!   `prod_{i<k} (N - m - i) / (N - i)`, in log space.
//! - BRAVO ballot polling, for planning only (Lindeman, Stark, Yates 2012): average sample number
//!   `(ln(1/alpha) + z_w/2) / (p (s z_w + (1-s) z_l))`, `s = v_w / (v_w + v_l)`,
//!   `z_w = ln(2s)`, `z_l = ln(2(1-s))`, `p = (v_w + v_l) / ballots`.

use bundle::Contest;

/// One reported winner against one reported loser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pair {
    /// Winner (ballot position).
    pub winner: usize,
    /// Loser (ballot position; never NOTA).
    pub loser: usize,
    /// Reported margin `V_wl` in votes (0 for a tie).
    pub margin: u128,
}

/// Every reported winner against every reported loser other than NOTA.
pub fn pairs(contest: &Contest, totals: &[u64], winners: &[usize]) -> Vec<Pair> {
    let t = |i: usize| u128::from(totals.get(i).copied().unwrap_or(0));
    let mut out = Vec::new();
    for &w in winners {
        for (l, c) in contest.candidates.iter().enumerate() {
            if c.nota || winners.contains(&l) {
                continue;
            }
            out.push(Pair {
                winner: w,
                loser: l,
                margin: t(w).saturating_sub(t(l)),
            });
        }
    }
    out
}

fn at(row: &[u64], i: usize) -> u128 {
    u128::from(row.get(i).copied().unwrap_or(0))
}

fn cast(row: &[u64]) -> u128 {
    row.iter().map(|&v| u128::from(v)).sum()
}

/// The most station `row` could overstate pair `p`'s margin, in votes: `b_p + v_w - v_l`,
/// with `b_p` the votes cast there (on an EVM every voter casts one vote per contest, NOTA
/// included, so `b_p` is the row's sum).
pub fn max_overstatement(row: &[u64], p: &Pair) -> u128 {
    max_overstatement_cast(cast(row), row, p)
}

/// [`max_overstatement`] with the ballots cast given (paper ballots may be blank).
pub fn max_overstatement_cast(ballots: u128, row: &[u64], p: &Pair) -> u128 {
    (ballots + at(row, p.winner)).saturating_sub(at(row, p.loser))
}

/// Whether some pair is tied: then any error could change the outcome.
pub fn tied(pairs: &[Pair]) -> bool {
    pairs.iter().any(|p| p.margin == 0)
}

/// `u_p`: the station's error bound (infinite when a pair is tied).
pub fn error_bound(row: &[u64], pairs: &[Pair]) -> f64 {
    error_bound_cast(cast(row), row, pairs)
}

/// [`error_bound`] with the ballots cast given.
pub fn error_bound_cast(ballots: u128, row: &[u64], pairs: &[Pair]) -> f64 {
    pairs
        .iter()
        .map(|p| {
            if p.margin == 0 {
                f64::INFINITY
            } else {
                max_overstatement_cast(ballots, row, p) as f64 / p.margin as f64
            }
        })
        .fold(0.0, f64::max)
}

/// The PPEB weight: `u_p` in units of 2^-64, exactly (integer arithmetic), the largest over
/// pairs of `floor((b_p + v_w - v_l) * 2^64 / V_wl)`. Saturates for a tied pair.
pub fn weight(row: &[u64], pairs: &[Pair]) -> u128 {
    pairs
        .iter()
        .map(|p| {
            if p.margin == 0 {
                u128::MAX
            } else {
                // max_overstatement <= 2 * 2^64 per station here (counts are u64 and a control
                // unit holds 2,000 votes); shifted, it may still overflow for hostile rows, so
                // saturate.
                let x = max_overstatement(row, p);
                x.checked_shl(64)
                    .filter(|v| v >> 64 == x)
                    .map_or(u128::MAX, |v| v / p.margin)
            }
        })
        .max()
        .unwrap_or(0)
}

/// `e_p`: the overstatement of the pairwise margins that the slips show (negative when the
/// machine understated the winner).
pub fn overstatement(reported: &[u64], audited: &[u64], pairs: &[Pair]) -> f64 {
    if pairs.is_empty() {
        return 0.0;
    }
    pairs
        .iter()
        .map(|p| {
            let rep = at(reported, p.winner) as f64 - at(reported, p.loser) as f64;
            let aud = at(audited, p.winner) as f64 - at(audited, p.loser) as f64;
            if p.margin == 0 {
                if rep > aud {
                    f64::INFINITY
                } else {
                    0.0
                }
            } else {
                (rep - aud) / p.margin as f64
            }
        })
        .fold(f64::NEG_INFINITY, f64::max)
}

/// The Kaplan-Markov p-value of the draws so far, from the total error bound `u_total` and each
/// draw's taint, computed in log space. Infinite when a taint reaches 1 (the error could be the
/// whole margin) or `u_total` is infinite (a tie); 0 when `u_total <= 1` (no error in the
/// stations could change the outcome).
pub fn km_p_value(u_total: f64, taints: &[f64]) -> f64 {
    if !u_total.is_finite() {
        return f64::INFINITY;
    }
    if u_total <= 1.0 {
        return 0.0;
    }
    let base = libm::log1p(-1.0 / u_total);
    let mut ln_p = 0.0;
    for &t in taints {
        if t >= 1.0 || t.is_nan() {
            return f64::INFINITY;
        }
        ln_p += base - libm::log1p(-t);
    }
    libm::exp(ln_p)
}

/// Draws needed when no error is found: `ceil(ln(alpha) / ln(1 - 1/U))`; `None` for a tie.
pub fn km_sample_size(u_total: f64, alpha: f64) -> Option<u64> {
    if !(u_total.is_finite() && alpha > 0.0 && alpha < 1.0) {
        return None;
    }
    if u_total <= 1.0 {
        return Some(0);
    }
    let n = libm::log(alpha) / libm::log1p(-1.0 / u_total);
    Some(n.ceil().max(0.0) as u64)
}

/// BRAVO's average sample number (ballots) for winner votes `v_w`, runner-up votes `v_l` among
/// `ballots`, at risk limit `alpha`; `None` when `v_w <= v_l` (a tie cannot be confirmed by
/// polling).
pub fn bravo_asn(v_w: u64, v_l: u64, ballots: u64, alpha: f64) -> Option<f64> {
    if v_w <= v_l || ballots == 0 || !(alpha > 0.0 && alpha < 1.0) {
        return None;
    }
    let (w, l) = (v_w as f64, v_l as f64);
    let s = w / (w + l);
    let z_w = libm::log(2.0 * s);
    let z_l = libm::log(2.0 * (1.0 - s));
    let p = (w + l) / ballots as f64;
    Some((libm::log(1.0 / alpha) + z_w / 2.0) / (p * (s * z_w + (1.0 - s) * z_l)))
}

/// ln of the probability that a sample of `k` of `n` stations, drawn without replacement,
/// misses all `m` tampered ones (exact hypergeometric). `-inf` when it cannot miss.
pub fn ln_miss(n: u64, m: u64, k: u64) -> f64 {
    if m == 0 || k == 0 {
        return 0.0;
    }
    if m > n || k > n - m {
        return f64::NEG_INFINITY;
    }
    (0..k)
        .map(|i| libm::log((n - m - i) as f64 / (n - i) as f64))
        .sum()
}

/// The least probability that the statutory sample (`k_s` of `n_s` stations in each segment)
/// finds at least one of `m` tampered stations, over every way of spreading them across the
/// segments. `ln_miss` is concave in `m`, so placing stations one at a time where they raise
/// the chance of being missed least is optimal.
pub fn min_detection(segments: &[(u64, u64)], m: u64) -> f64 {
    let capacity: u64 = segments.iter().map(|s| s.0).sum();
    if m == 0 {
        return 0.0;
    }
    if m > capacity {
        return 1.0;
    }
    let mut placed = vec![0u64; segments.len()];
    let mut ln_total = 0.0;
    for _ in 0..m {
        let best = segments
            .iter()
            .enumerate()
            .filter(|(i, s)| placed[*i] < s.0)
            .map(|(i, s)| {
                let gain = ln_miss(s.0, placed[i] + 1, s.1) - ln_miss(s.0, placed[i], s.1);
                (i, gain)
            })
            .max_by(|a, b| a.1.total_cmp(&b.1));
        let Some((i, gain)) = best else {
            return 1.0;
        };
        placed[i] += 1;
        ln_total += gain;
        if ln_total == f64::NEG_INFINITY {
            return 1.0;
        }
    }
    1.0 - libm::exp(ln_total)
}

/// The fewest stations whose counts, falsified, could change the outcome: for the closest pair,
/// the fewest stations whose largest possible overstatements add up to its margin. `None` when
/// all stations together could not (the margin is beyond what the machines hold).
pub fn min_stations_to_change(rows: &[&[u64]], pairs: &[Pair]) -> Option<u64> {
    pairs
        .iter()
        .filter_map(|p| {
            if p.margin == 0 {
                return Some(1);
            }
            let mut over: Vec<u128> = rows.iter().map(|r| max_overstatement(r, p)).collect();
            over.sort_unstable_by(|a, b| b.cmp(a));
            let mut sum = 0u128;
            for (i, o) in over.iter().enumerate() {
                sum += o;
                if sum >= p.margin {
                    return Some(i as u64 + 1);
                }
            }
            None
        })
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1e-300)
    }

    #[test]
    fn hypergeometric_edges() {
        assert_eq!(ln_miss(10, 0, 3), 0.0);
        assert_eq!(
            ln_miss(10, 8, 3),
            f64::NEG_INFINITY,
            "fewer clean stations than draws"
        );
        // N=10, m=1, k=5: miss = 5/10.
        assert!(close(ln_miss(10, 1, 5).exp(), 0.5, 1e-12));
        // A sample as large as the population cannot miss.
        assert_eq!(min_detection(&[(5, 5)], 1), 1.0);
        assert_eq!(min_detection(&[(5, 7)], 1), 1.0);
        // Two segments: the adversary hides in the larger one.
        let d = min_detection(&[(10, 5), (100, 5)], 1);
        assert!(close(d, 0.05, 1e-12), "{d}");
    }

    #[test]
    fn km_edges() {
        assert_eq!(km_p_value(f64::INFINITY, &[]), f64::INFINITY, "tie");
        assert_eq!(
            km_p_value(0.5, &[]),
            0.0,
            "no station error could change the outcome"
        );
        assert_eq!(km_p_value(20.0, &[1.0]), f64::INFINITY, "a taint of 1");
        assert_eq!(km_sample_size(0.9, 0.05), Some(0));
        assert_eq!(km_sample_size(f64::INFINITY, 0.05), None);
        assert_eq!(bravo_asn(10, 10, 20, 0.05), None);
    }
}

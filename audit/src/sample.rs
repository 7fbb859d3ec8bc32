//! Samples drawn from the audit seed (spec `audit.md` §4), bit for bit reproducible: every
//! random number is a 128-bit merlin challenge, reduced to a range by rejection
//! (`transcripts::TranscriptProtocol::challenge_below`).

use transcripts::{labels, Transcript, TranscriptProtocol};

/// The statutory sample of one segment: `k` stations uniformly without replacement from
/// `population` (station ids, sorted by the caller), in draw order. It is the first `k` of one
/// seeded random order of the segment (a Fisher-Yates shuffle whose transcript does not depend
/// on `k`), so the samples are nested: the sample at `k + 1` is the sample at `k` and one more
/// station, and asking for a larger sample can never drop a station. A population of at most
/// `k` stations is taken whole, in the order of that same shuffle.
pub fn statutory(
    seed: &[u8; 32],
    segment_id: &str,
    population: &[String],
    k: usize,
) -> Vec<String> {
    let mut t = Transcript::new(labels::PROTOCOL);
    t.statutory_domain_sep(seed, segment_id, population.len() as u64);
    let mut pool: Vec<&String> = population.iter().collect();
    let take = k.min(pool.len());
    for i in 0..take {
        let j = i + t.challenge_below((pool.len() - i) as u128) as usize;
        pool.swap(i, j);
    }
    pool.into_iter().take(take).cloned().collect()
}

/// The first `count` draws of the contest's PPEB stream: station positions drawn with
/// replacement, with probability proportional to `weights` (each station's error bound in
/// units of 2^-64, spec `audit.md` §5). Empty when every weight is zero.
pub fn ppeb(seed: &[u8; 32], contest_id: &str, weights: &[u128], count: usize) -> Vec<usize> {
    let mut cumulative = Vec::with_capacity(weights.len());
    let mut total: u128 = 0;
    for w in weights {
        total = total.saturating_add(*w);
        cumulative.push(total);
    }
    if total == 0 {
        return Vec::new();
    }
    let mut t = Transcript::new(labels::PROTOCOL);
    t.ppeb_domain_sep(seed, contest_id, weights.len() as u64);
    (0..count)
        .map(|_| {
            let r = t.challenge_below(total);
            // The first station whose cumulative weight exceeds r.
            cumulative.partition_point(|&c| c <= r)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("S{i:03}")).collect()
    }

    #[test]
    fn statutory_is_reproducible_distinct_and_seed_dependent() {
        let pop = ids(50);
        let a = statutory(&[1; 32], "AC1", &pop, 5);
        assert_eq!(a, statutory(&[1; 32], "AC1", &pop, 5));
        assert_eq!(a.len(), 5);
        let set: std::collections::BTreeSet<_> = a.iter().collect();
        assert_eq!(set.len(), 5, "without replacement");
        assert_ne!(a, statutory(&[2; 32], "AC1", &pop, 5));
        assert_ne!(a, statutory(&[1; 32], "AC2", &pop, 5));
        // A sample as large as the population takes it whole.
        let mut whole = statutory(&[1; 32], "AC1", &ids(3), 5);
        whole.sort();
        assert_eq!(whole, ids(3));
        // Nested: the sample at 6 begins with the sample at 5.
        assert_eq!(statutory(&[1; 32], "AC1", &pop, 6)[..5], a[..]);
    }

    #[test]
    fn statutory_is_uniform_enough() {
        // 2,000 seeds, 10 stations, k = 2: each station is drawn about 400 times.
        let pop = ids(10);
        let mut hits = [0u32; 10];
        for s in 0..2000u32 {
            let mut seed = [0u8; 32];
            seed[..4].copy_from_slice(&s.to_le_bytes());
            for id in statutory(&seed, "AC1", &pop, 2) {
                hits[id[1..].parse::<usize>().unwrap()] += 1;
            }
        }
        assert!(hits.iter().all(|&h| (320..480).contains(&h)), "{hits:?}");
    }

    #[test]
    fn ppeb_follows_weights_and_skips_zero() {
        let w = [0u128, 1 << 64, 3 << 64];
        let d = ppeb(&[5; 32], "C", &w, 4000);
        assert!(
            d.iter().all(|&i| i != 0),
            "a zero-weight station is never drawn"
        );
        let ones = d.iter().filter(|&&i| i == 1).count();
        assert!(
            (850..1150).contains(&ones),
            "{ones} of 4000, expected about 1000"
        );
        assert_eq!(
            d[..10],
            ppeb(&[5; 32], "C", &w, 10)[..],
            "a prefix of the stream"
        );
        assert!(ppeb(&[5; 32], "C", &[0, 0], 3).is_empty());
    }
}

//! Totaliser groups of one contest (spec `protocol.md` §7): which stations' counts are published
//! only as a group's sum. Fixed before the poll, so that no one chooses them after seeing how a
//! station voted: every station of the contest in exactly one group, each group within one
//! assembly segment (the statutory audit draws per segment) and of at least `min_stations`.
//!
//! [`form_groups`] makes the groups a SEC would declare; [`check_groups`] names every rule a
//! declaration breaks.

use crate::model::{Station, Totaliser, TotaliserGroup};
use std::collections::{BTreeMap, BTreeSet};

/// Fewest stations a group may be declared with (k), at least.
pub const MIN_K: u32 = 2;
/// Most stations in one group: the largest group circuit has 64 slots (protocol.md §7.6).
pub const MAX_GROUP: usize = 64;
/// Largest k: groups are formed of k to 2k - 1 stations, at most [`MAX_GROUP`].
pub const MAX_K: u32 = 32;

/// Why groups cannot be formed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GroupingError {
    /// k outside [MIN_K, MAX_K].
    #[error("contest {contest}: groups of at least {k} stations: k must be {MIN_K} to {MAX_K} (a group holds at most {MAX_GROUP} stations)")]
    K {
        /// Contest.
        contest: String,
        /// The k asked for.
        k: u32,
    },
    /// A segment has fewer stations than k.
    #[error("contest {contest}: segment {segment} has {stations} stations, fewer than the {k} a group needs; its counts cannot be hidden in a group of its own")]
    SmallSegment {
        /// Contest.
        contest: String,
        /// The segment.
        segment: String,
        /// Its stations in the contest.
        stations: usize,
        /// k.
        k: u32,
    },
}

/// Groups for `contest_id` over its `stations` (the contest's station list, in order) with at
/// least `k` each: per segment, in the order segments first appear, the segment's stations in
/// list order cut into `floor(n / k)` consecutive groups whose sizes differ by at most one (the
/// larger first), so each has `k` to `2k - 1` stations. Group ids are `G001`, `G002`, ... in
/// that order. A segment with fewer than `k` stations is an error, never merged into another
/// segment's group.
pub fn form_groups(
    contest_id: &str,
    stations: &[&Station],
    k: u32,
) -> Result<Totaliser, GroupingError> {
    if !(MIN_K..=MAX_K).contains(&k) {
        return Err(GroupingError::K {
            contest: contest_id.into(),
            k,
        });
    }
    let mut order: Vec<&str> = Vec::new();
    let mut by_segment: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for s in stations {
        let list = by_segment.entry(s.segment_id.as_str()).or_insert_with(|| {
            order.push(s.segment_id.as_str());
            Vec::new()
        });
        list.push(s.station_id.as_str());
    }
    let k = k as usize;
    let mut groups = Vec::new();
    for segment in order {
        let list = &by_segment[segment];
        let n = list.len();
        if n < k {
            return Err(GroupingError::SmallSegment {
                contest: contest_id.into(),
                segment: segment.into(),
                stations: n,
                k: k as u32,
            });
        }
        let count = n / k;
        let (size, larger) = (n / count, n % count);
        let mut at = 0;
        for i in 0..count {
            let len = size + usize::from(i < larger);
            groups.push(TotaliserGroup {
                group_id: format!("G{:03}", groups.len() + 1),
                segment_id: segment.into(),
                stations: list[at..at + len].iter().map(|s| s.to_string()).collect(),
            });
            at += len;
        }
    }
    Ok(Totaliser {
        min_stations: k as u32,
        groups,
    })
}

/// Every rule `t` breaks for the contest whose station list is `stations` (in order), each as
/// a sentence naming the group or station: k in range; group ids non-empty and unique; each
/// group of `k` to [`MAX_GROUP`] stations, all of its declared segment, in list order; every
/// station of the list in exactly one group and no other station in any. Empty when it holds.
pub fn check_groups(t: &Totaliser, stations: &[&Station]) -> Vec<String> {
    let mut problems = Vec::new();
    if !(MIN_K..=MAX_K).contains(&t.min_stations) {
        problems.push(format!(
            "groups of at least {} stations: k must be {MIN_K} to {MAX_K}",
            t.min_stations
        ));
    }
    let position: BTreeMap<&str, (usize, &str)> = stations
        .iter()
        .enumerate()
        .map(|(i, s)| (s.station_id.as_str(), (i, s.segment_id.as_str())))
        .collect();
    let mut ids = BTreeSet::new();
    let mut group_of: BTreeMap<&str, &str> = BTreeMap::new();
    for g in &t.groups {
        let gid = g.group_id.as_str();
        if gid.is_empty() || !ids.insert(gid) {
            problems.push(format!("group id \"{gid}\" is empty or declared twice"));
        }
        let n = g.stations.len();
        if n < t.min_stations as usize || n > MAX_GROUP {
            problems.push(format!(
                "group {gid} has {n} stations; a group has {} to {MAX_GROUP}",
                t.min_stations
            ));
        }
        let mut last = None;
        for sid in &g.stations {
            match position.get(sid.as_str()) {
                None => problems.push(format!(
                    "group {gid} names station {sid}, which is not in the contest's station list"
                )),
                Some((i, segment)) => {
                    if *segment != g.segment_id {
                        problems.push(format!(
                            "group {gid} is of segment {} but station {sid} is of segment {segment}",
                            g.segment_id
                        ));
                    }
                    if last.is_some_and(|l| l >= *i) {
                        problems.push(format!(
                            "group {gid} lists station {sid} out of the station list's order"
                        ));
                    }
                    last = Some(*i);
                }
            }
            if let Some(other) = group_of.insert(sid.as_str(), gid) {
                problems.push(format!(
                    "station {sid} is in group {other} and in group {gid}"
                ));
            }
        }
    }
    for s in stations {
        if !group_of.contains_key(s.station_id.as_str()) {
            problems.push(format!("station {} is in no group", s.station_id));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn station(id: String, segment: &str) -> Station {
        Station {
            station_id: id,
            name: "n".into(),
            segment_id: segment.into(),
            electors: 100,
            contests: vec!["C".into()],
            presiding_officer: "PO".into(),
        }
    }

    /// Stations of segments with the given sizes, interleaved as `layout` says (segment index per
    /// station), ids in list order.
    fn layout(segments: &[usize]) -> Vec<Station> {
        let mut out = Vec::new();
        let mut left: Vec<usize> = segments.to_vec();
        let mut i = 0;
        while left.iter().any(|&n| n > 0) {
            let seg = i % segments.len();
            if left[seg] > 0 {
                out.push(station(format!("S{:04}", out.len()), &format!("AC{seg}")));
                left[seg] -= 1;
            }
            i += 1;
        }
        out
    }

    proptest! {
        #[test]
        fn formed_groups_hold_every_rule(
            sizes in proptest::collection::vec(0usize..90, 1..6),
            k in MIN_K..=MAX_K,
        ) {
            let all = layout(&sizes);
            let refs: Vec<&Station> = all.iter().collect();
            match form_groups("C", &refs, k) {
                Ok(t) => {
                    prop_assert!(check_groups(&t, &refs).is_empty(), "{:?}", check_groups(&t, &refs));
                    for g in &t.groups {
                        prop_assert!(g.stations.len() >= k as usize);
                        prop_assert!(g.stations.len() < 2 * k as usize);
                    }
                    let n: usize = t.groups.iter().map(|g| g.stations.len()).sum();
                    prop_assert_eq!(n, all.len());
                }
                Err(GroupingError::SmallSegment { stations, .. }) => {
                    prop_assert!(stations < k as usize && stations > 0);
                }
                Err(e) => prop_assert!(false, "{e}"),
            }
        }
    }

    #[test]
    fn k_out_of_range_and_a_small_segment_are_refused() {
        let all = layout(&[20, 5]);
        let refs: Vec<&Station> = all.iter().collect();
        assert!(matches!(
            form_groups("C", &refs, 1),
            Err(GroupingError::K { .. })
        ));
        assert!(matches!(
            form_groups("C", &refs, 33),
            Err(GroupingError::K { .. })
        ));
        let err = form_groups("C", &refs, 6).unwrap_err().to_string();
        assert!(err.contains("segment AC1 has 5 stations"), "{err}");
        let t = form_groups("C", &refs, 5).expect("groups");
        assert_eq!(t.groups.len(), 5);
        assert_eq!(t.groups[0].group_id, "G001");
    }

    #[test]
    fn every_broken_rule_is_named() {
        let all = layout(&[30, 14]);
        let refs: Vec<&Station> = all.iter().collect();
        let good = form_groups("C", &refs, 14).expect("groups");
        assert!(check_groups(&good, &refs).is_empty());
        let says = |t: &Totaliser, what: &str| {
            let p = check_groups(t, &refs);
            assert!(p.iter().any(|s| s.contains(what)), "{what}: {p:?}");
        };
        // A station in two groups (and so its first group one short is still >= k here).
        let mut two = good.clone();
        let moved = two.groups[0].stations[0].clone();
        two.groups[1].stations.insert(0, moved.clone());
        says(
            &two,
            &format!("station {moved} is in group G001 and in group G002"),
        );
        // A station in none.
        let mut none = good.clone();
        let dropped = none.groups[0].stations.pop().expect("a station");
        says(&none, &format!("station {dropped} is in no group"));
        // A group smaller than k: two groups' stations redistributed.
        let mut small = good.clone();
        let tail: Vec<String> = small.groups[0].stations.drain(10..).collect();
        small.groups[1].stations.splice(0..0, tail);
        says(&small, "group G001 has 10 stations");
        // k out of range, a duplicate id, a foreign station, another segment, out of order.
        let mut k1 = good.clone();
        k1.min_stations = 1;
        says(&k1, "k must be 2 to 32");
        let mut dup = good.clone();
        dup.groups[1].group_id = "G001".into();
        says(&dup, "declared twice");
        let mut foreign = good.clone();
        foreign.groups[0].stations.push("ELSEWHERE".into());
        says(
            &foreign,
            "ELSEWHERE, which is not in the contest's station list",
        );
        let mut crossing = good.clone();
        let last = crossing.groups.len() - 1;
        let other = crossing.groups[last].stations.remove(0);
        crossing.groups[0].stations.push(other.clone());
        says(&crossing, &format!("station {other} is of segment AC1"));
        let mut shuffled = good.clone();
        shuffled.groups[0].stations.swap(0, 1);
        says(&shuffled, "out of the station list's order");
    }
}

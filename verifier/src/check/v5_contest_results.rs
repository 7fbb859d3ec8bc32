//! V5 Contest results (spec `verification.md` V5): the RO's signed result, the totals from the
//! rows and the postal ballots, the winners, uncontested contests, the declared result.

use super::v2_manifest::Context;
use crate::report::{At, Findings, ReconLine};
use bundle::{kinds, Contest, ContestShard, ElectionDefinition, Role};
use std::collections::BTreeSet;

/// V5.c: the declared winners follow from the totals.
pub(crate) fn check_winners(
    contest: &Contest,
    totals: &[u64],
    winners: &[String],
    lot: Option<&bundle::TieLot>,
    at: &At,
    f: &mut Findings,
    step: &'static str,
) {
    let seats = contest.seats as usize;
    let mut cands: Vec<(u64, usize)> = contest
        .candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.nota)
        .map(|(i, _)| (totals[i], i))
        .collect();
    if seats == 0 {
        f.fail(step, at, "the contest fills no seat".into());
        return;
    }
    cands.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let id = |i: usize| contest.candidates[i].candidate_id.clone();
    let declared: BTreeSet<String> = winners.iter().cloned().collect();
    if cands.len() <= seats {
        let want: BTreeSet<String> = cands.iter().map(|&(_, i)| id(i)).collect();
        f.expect(step, declared == want && lot.is_none(), at, || {
            format!("declared winners {declared:?}, the totals give {want:?}")
        });
        return;
    }
    let cutoff = cands[seats - 1].0;
    let clear: BTreeSet<String> = cands
        .iter()
        .filter(|c| c.0 > cutoff)
        .map(|&(_, i)| id(i))
        .collect();
    let tied: BTreeSet<String> = cands
        .iter()
        .filter(|c| c.0 == cutoff)
        .map(|&(_, i)| id(i))
        .collect();
    let by_lot = seats - clear.len();
    if tied.len() == by_lot {
        let want: BTreeSet<String> = clear.union(&tied).cloned().collect();
        f.expect(
            step,
            declared == want && lot.is_none() && winners.len() == seats,
            at,
            || format!("declared winners {declared:?}, the totals give {want:?}"),
        );
    } else {
        let ok = lot.is_some_and(|l| {
            let lt: BTreeSet<String> = l.tied.iter().cloned().collect();
            let chosen: BTreeSet<String> = l.chosen.iter().cloned().collect();
            // The lot of this contest, each candidate named once in each list.
            l.contest_id == contest.contest_id
                && lt.len() == l.tied.len()
                && chosen.len() == l.chosen.len()
                && lt == tied
                && chosen.len() == by_lot
                && chosen.is_subset(&tied)
                && declared == clear.union(&chosen).cloned().collect()
        }) && winners.len() == seats;
        f.expect(step, ok, at, || format!("candidates {tied:?} are tied for the last seat: the result needs a lot record choosing among exactly them, and winners from it"));
    }
}

/// V5 for one contest: the RO's signed result (V5.a), its totals from the station rows and the
/// postal row (V5.b, when every row is usable: `all_rows`), its winners (V5.c), an uncontested
/// contest (V5.d) and the declared result (V5.f). `sums` are the station rows' totals per
/// candidate, `stations` the contest's stations in the manifest. Returns the reconciliation
/// lines of V5.f.
#[allow(clippy::too_many_arguments)] // the per-contest state V5 reads, named one by one
pub(super) fn check_result(
    def: &ElectionDefinition,
    ctx: &Context,
    contest: &Contest,
    shard: &ContestShard,
    stations: usize,
    (sums, all_rows): (&[u128], bool),
    cat: &At,
    f: &mut Findings,
) -> Vec<ReconLine> {
    let cid = &contest.contest_id;
    let n = contest.candidates.len();
    // V5.a: the RO's result.
    let res = &shard.result;
    let body = &res.body;
    let ro_ok = ctx.ro_keys.get(&contest.returning_officer) == Some(&res.public_key);
    let ok = res.verify(kinds::CONTEST_RESULT).is_ok()
        && res.signer == contest.returning_officer
        && res.role == Role::ReturningOfficer
        && ro_ok
        && body.election_id == def.election_id
        && &body.contest_id == cid
        && body.spec_version == bundle::SPEC_VERSION;
    f.expect("V5.a", ok, cat, || {
        format!(
            "the result is not signed by the certified RO {} for this contest",
            contest.returning_officer
        )
    });

    if contest.uncontested {
        // V5.d
        let sole = contest.candidates.first().map(|c| c.candidate_id.clone());
        let ok = shard.close_of_poll.is_empty()
            && shard.stations.is_empty()
            && body.stations_counted == 0
            && body.winners == sole.into_iter().collect::<Vec<_>>()
            && body.tie_lot.is_none();
        f.expect("V5.d", ok, cat, || {
            "an uncontested contest has no poll and declares its sole candidate".into()
        });
    } else {
        // V5.b
        f.expect(
            "V5.b",
            body.stations_counted == stations as u64
                && body.stations_counted == shard.stations.len() as u64,
            cat,
            || {
                format!(
                    "result counts {} stations, the contest has {}",
                    body.stations_counted, stations
                )
            },
        );
        let shape_ok = body.postal.counts.len() == n
            && &body.postal.contest_id == cid
            && body.totals.len() == n;
        if f.expect("V5.b", shape_ok, cat, || {
            format!("postal row and totals must give {n} counts for this contest")
        }) && all_rows
        {
            let mut want = sums.to_vec();
            want.iter_mut()
                .zip(&body.postal.counts)
                .for_each(|(w, p)| *w += u128::from(*p));
            for (j, (w, t)) in want.iter().zip(&body.totals).enumerate() {
                f.expect("V5.b", *w == u128::from(*t), cat, || {
                    format!(
                        "total for {} is {}, but station (or group) rows + postal give {}",
                        contest.candidates[j].candidate_id, t, w
                    )
                });
            }
        }
        // V5.c
        if body.totals.len() == n {
            check_winners(
                contest,
                &body.totals,
                &body.winners,
                body.tie_lot.as_ref(),
                cat,
                f,
                "V5.c",
            );
        }
    }
    // V5.f: reconciliation with a declared result.
    let mut reconciliation = Vec::new();
    if let Some(d) = &body.declared {
        let ok = d.totals.len() == n
            && &d.contest_id == cid
            && body.totals.len() == n
            && body.postal.counts.len() == n;
        let shaped = f.expect("V5.f", ok, cat, || {
            format!("the declared result must name this contest and give {n} totals")
        });
        #[allow(clippy::needless_range_loop)] // five parallel vectors indexed by candidate
        if shaped && all_rows {
            for j in 0..n {
                let k = &contest.candidates[j];
                let who = format!("{} ({})", k.candidate_id, k.name);
                f.expect("V5.f", sums[j] <= u128::from(d.totals[j]), cat, || {
                    format!(
                        "stations alone give {who} {} votes, more than the {} the declared result gives: the published figures disagree with themselves",
                        sums[j], d.totals[j]
                    )
                });
                f.expect("V5.f", body.totals[j] == d.totals[j], cat, || {
                    format!(
                        "{who}: proved total {} differs from the declared {}",
                        body.totals[j], d.totals[j]
                    )
                });
                reconciliation.push(ReconLine {
                    candidate_id: who.clone(),
                    stations: sums[j],
                    postal: body.postal.counts[j],
                    total: body.totals[j],
                    declared: d.totals[j],
                    declared_minus_stations: i128::from(d.totals[j]) - sums[j] as i128,
                });
            }
        }
    }
    reconciliation
}

#[cfg(test)]
mod tests {
    use super::*;
    use bundle::{Candidate, ContestKind, TieLot};

    fn contest() -> Contest {
        let mut candidates: Vec<Candidate> = ["A", "B", "C"]
            .iter()
            .map(|id| Candidate {
                candidate_id: (*id).into(),
                name: String::new(),
                party: String::new(),
                nota: false,
            })
            .collect();
        candidates.push(Candidate {
            candidate_id: "NOTA".into(),
            name: String::new(),
            party: String::new(),
            nota: true,
        });
        Contest {
            audit: None,
            totaliser: None,
            contest_id: "C".into(),
            name: "C".into(),
            kind: ContestKind::SingleMember,
            group: None,
            seats: 1,
            candidates,
            uncontested: false,
            returning_officer: "RO".into(),
            vvpat: true,
        }
    }

    fn failures(totals: &[u64], winners: &[&str], lot: Option<TieLot>) -> usize {
        let mut f = Findings::default();
        let w: Vec<String> = winners.iter().map(|s| (*s).to_string()).collect();
        check_winners(
            &contest(),
            totals,
            &w,
            lot.as_ref(),
            &At::default(),
            &mut f,
            "V5.c",
        );
        f.list.len()
    }

    fn lot(tied: &[&str], chosen: &[&str]) -> Option<TieLot> {
        Some(TieLot {
            contest_id: "C".into(),
            tied: tied.iter().map(|s| (*s).to_string()).collect(),
            chosen: chosen.iter().map(|s| (*s).to_string()).collect(),
            record: "lot".into(),
        })
    }

    proptest::proptest! {
        /// The verifier's winner rule agrees with an oracle written from DOMAIN.md: the
        /// candidate (never NOTA) with most votes wins; a tie at the top needs a lot naming
        /// exactly the tied candidates. Small vote ranges make ties frequent.
        #[test]
        fn winner_rule_matches_the_domain_rule(totals in proptest::collection::vec(0u64..4, 4), pick in 0usize..3) {
            let top = totals[..3].iter().copied().max().unwrap_or(0);
            let tied: Vec<&str> = ["A", "B", "C"].iter().zip(&totals).filter(|(_, &t)| t == top).map(|(n, _)| *n).collect();
            let chosen = tied[pick % tied.len()];
            if tied.len() == 1 {
                proptest::prop_assert_eq!(failures(&totals, &[chosen], None), 0);
                for other in ["A", "B", "C", "NOTA"].iter().filter(|o| **o != chosen) {
                    proptest::prop_assert_eq!(failures(&totals, &[other], None), 1);
                }
                proptest::prop_assert_eq!(failures(&totals, &[chosen], lot(&tied, &[chosen])), 1);
            } else {
                proptest::prop_assert_eq!(failures(&totals, &[chosen], None), 1);
                proptest::prop_assert_eq!(failures(&totals, &[chosen], lot(&tied, &[chosen])), 0);
                proptest::prop_assert_eq!(failures(&totals, &["NOTA"], lot(&tied, &["NOTA"])), 1);
            }
        }
    }

    #[test]
    fn winner_rules() {
        // Margin of one vote.
        assert_eq!(failures(&[10, 11, 3, 0], &["B"], None), 0);
        assert_eq!(failures(&[10, 11, 3, 0], &["A"], None), 1);
        // NOTA on top changes nothing; NOTA is never a winner.
        assert_eq!(failures(&[10, 11, 3, 50], &["B"], None), 0);
        assert_eq!(failures(&[10, 11, 3, 50], &["NOTA"], None), 1);
        // A tie needs a lot naming exactly the tied candidates.
        assert_eq!(failures(&[11, 11, 3, 0], &["A"], None), 1);
        assert_eq!(
            failures(&[11, 11, 3, 0], &["A"], lot(&["A", "B"], &["A"])),
            0
        );
        assert_eq!(
            failures(&[11, 11, 3, 0], &["B"], lot(&["A", "B"], &["A"])),
            1
        );
        assert_eq!(
            failures(&[11, 11, 3, 0], &["C"], lot(&["A", "B", "C"], &["C"])),
            1
        );
        // A lot of another contest, or naming a candidate twice, is refused.
        let mut other = lot(&["A", "B"], &["A"]);
        if let Some(l) = other.as_mut() {
            l.contest_id = "D".into();
        }
        assert_eq!(failures(&[11, 11, 3, 0], &["A"], other), 1);
        assert_eq!(
            failures(&[11, 11, 3, 0], &["A"], lot(&["A", "B", "B"], &["A"])),
            1
        );
        assert_eq!(
            failures(&[11, 11, 3, 0], &["A"], lot(&["A", "B"], &["A", "A"])),
            1
        );
        // A lot where there is no tie is refused.
        assert_eq!(failures(&[10, 11, 3, 0], &["B"], lot(&["B"], &["B"])), 1);
        // Nobody voted: every candidate tied at zero, decided by lot.
        assert_eq!(
            failures(&[0, 0, 0, 0], &["C"], lot(&["A", "B", "C"], &["C"])),
            0
        );
    }
}

//! The counting rules every party applies the same way (spec `bundle.md` §6): who wins.

use crate::model::Contest;

/// The outcome the totals force, before any lot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Candidates elected outright (indices in ballot order).
    pub elected: Vec<usize>,
    /// Candidates tied for the remaining seats (empty when there is no tie).
    pub tied: Vec<usize>,
    /// Seats the lot must fill from `tied`.
    pub seats_by_lot: usize,
}

/// Applies the rule: the `seats` candidates (never NOTA) with the most votes win; NOTA winning
/// changes nothing; candidates tied across the last seat go to lot.
pub fn outcome(contest: &Contest, totals: &[u64]) -> Outcome {
    let seats = contest.seats as usize;
    let mut order: Vec<usize> = (0..contest.candidates.len())
        .filter(|&i| !contest.candidates[i].nota)
        .collect();
    let votes = |i: usize| totals.get(i).copied().unwrap_or(0);
    order.sort_by(|&a, &b| votes(b).cmp(&votes(a)).then(a.cmp(&b)));
    if order.len() <= seats {
        return Outcome {
            elected: order,
            tied: Vec::new(),
            seats_by_lot: 0,
        };
    }
    let cutoff = votes(order[seats - 1]);
    let elected: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&i| votes(i) > cutoff)
        .collect();
    let tied: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&i| votes(i) == cutoff)
        .collect();
    let seats_left = seats - elected.len();
    if tied.len() == seats_left {
        let mut all = elected;
        all.extend(tied);
        Outcome {
            elected: all,
            tied: Vec::new(),
            seats_by_lot: 0,
        }
    } else {
        Outcome {
            elected,
            tied,
            seats_by_lot: seats_left,
        }
    }
}

/// Ids and file names (defined with the other text rules, [`crate::text`]).
pub use crate::text::is_safe_id;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Candidate, ContestKind};

    fn contest(n: usize) -> Contest {
        let mut candidates: Vec<Candidate> = (0..n)
            .map(|i| Candidate {
                candidate_id: format!("c{i}"),
                name: String::new(),
                party: String::new(),
                nota: false,
            })
            .collect();
        candidates.push(Candidate {
            candidate_id: "nota".into(),
            name: "NOTA".into(),
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
            returning_officer: "ro".into(),
            vvpat: true,
        }
    }

    #[test]
    fn nota_never_wins_and_ties_go_to_lot() {
        let c = contest(3);
        assert_eq!(outcome(&c, &[5, 9, 2, 100]).elected, vec![1]);
        let o = outcome(&c, &[9, 9, 2, 0]);
        assert!(o.elected.is_empty());
        assert_eq!((o.tied, o.seats_by_lot), (vec![0, 1], 1));
        // One vote decides.
        assert_eq!(outcome(&c, &[9, 10, 2, 0]).elected, vec![1]);
    }

    #[test]
    fn safe_ids() {
        assert!(is_safe_id("AC-001.PS_12"));
        assert!(!is_safe_id("../x")); // a hostile path
        assert!(!is_safe_id(""));
        assert!(!is_safe_id("a/b"));
    }
}

//! V3 Close-of-poll statements (spec `verification.md` V3), per station and contest: the PO's
//! signature, the time, Form 17C's arithmetic, the control units, the 49MA test votes, remarks.

use super::v2_manifest::Context;
use crate::report::{At, Findings, Severity};
use bundle::{CloseOfPoll, Contest, ElectionDefinition, Role, Signed};

/// A control unit holds at most this many votes.
const CU_CAPACITY: u64 = 2000;

/// V3.a-f for one station's close-of-poll statement of `contest` (the signature was checked in
/// the shard's batch: `signed_by_po` says whether it holds under the station's certified PO key).
pub(super) fn check_close_of_poll(
    def: &ElectionDefinition,
    ctx: &Context,
    contest: &Contest,
    (cop, signed_by_po): (&Signed<CloseOfPoll>, bool),
    at: &At,
    f: &mut Findings,
) {
    let st = &cop.body;
    let sid = st.station_id.as_str();
    let cid = contest.contest_id.as_str();
    let n = contest.candidates.len();
    // V3.a (the signature was checked in the shard's batch, under the certified key)
    let po_named = ctx
        .station_at
        .get(sid)
        .is_some_and(|&i| def.stations[i].presiding_officer == cop.signer);
    let ok = signed_by_po
        && po_named
        && cop.role == Role::PresidingOfficer
        && st.election_id == def.election_id
        && st.contest.contest_id == cid
        && st.spec_version == bundle::SPEC_VERSION;
    f.expect("V3.a", ok, at, || "the close-of-poll statement is not signed by this station's certified PO for this election and contest".into());
    // V3.b
    f.expect("V3.b", st.signed_at < def.counting_starts_at, at, || {
        "the close-of-poll statement was signed after counting began".into()
    });
    // V3.f: a remark is short plain text (bundle.md §5.1); a bad one is never quoted.
    let remark_problem = st
        .poll
        .remarks
        .as_deref()
        .and_then(bundle::text::remark_problem);
    f.checked("V3.f");
    if let Some(p) = &remark_problem {
        f.fail(
            "V3.f",
            at,
            format!(
                "the PO's remark breaks the free-text rule (bundle.md §5.1): {p}; it is not shown"
            ),
        );
    }
    // V3.c
    let electors = ctx.station_at.get(sid).map(|&i| def.stations[i].electors);
    f.expect(
        "V3.c",
        electors == Some(st.poll.electors) && st.poll.voters_17a <= st.poll.electors,
        at,
        || {
            format!(
                "Form 17C: {} voters, {} electors (roll: {:?})",
                st.poll.voters_17a, st.poll.electors, electors
            )
        },
    );
    let tests = st.contest.test_vote_total();
    let expected_total = u128::from(st.poll.voters_17a)
        .checked_sub(u128::from(st.poll.refused_49o) + u128::from(st.poll.not_allowed_49m))
        .map(|v| v + tests);
    f.checked("V3.c");
    if expected_total != Some(u128::from(st.contest.total_recorded)) {
        let rule = format!(
            "Form 17C: total recorded {} differs from voters {} - 49-O {} - 49M {} + 49MA {}",
            st.contest.total_recorded,
            st.poll.voters_17a,
            st.poll.refused_49o,
            st.poll.not_allowed_49m,
            tests
        );
        match st
            .poll
            .remarks
            .as_ref()
            .filter(|_| remark_problem.is_none())
        {
            Some(r) => f.push(
                Severity::Notice,
                "V3.c",
                at,
                format!("{rule}; the PO recorded: {r}"),
            ),
            None if st.poll.remarks.is_some() => f.push(
                Severity::Notice,
                "V3.c",
                at,
                format!("{rule}; the PO's remark is not shown (V3.f)"),
            ),
            None => f.push(
                Severity::Failure,
                "V3.c",
                at,
                format!("{rule}, and no discrepancy is recorded"),
            ),
        }
    }
    // V3.d
    let units: u128 = st.contest.units.iter().map(|u| u128::from(u.total)).sum();
    f.expect(
        "V3.d",
        !st.contest.units.is_empty() && units == u128::from(st.contest.total_recorded),
        at,
        || {
            format!(
                "control-unit totals add to {units}, Form 17C records {}",
                st.contest.total_recorded
            )
        },
    );
    for u in &st.contest.units {
        f.expect("V3.d", u.total <= CU_CAPACITY, at, || {
            format!(
                "control unit {} holds {} votes, above the capacity {CU_CAPACITY}",
                u.cu, u.total
            )
        });
    }
    // V3.e
    let tv_ok = st
        .contest
        .test_votes
        .iter()
        .all(|t| (t.choice as usize) < n)
        && tests <= u128::from(st.contest.total_recorded);
    f.expect("V3.e", tv_ok, at, || {
        "49MA test votes name a choice that does not exist or exceed the total".into()
    });
}

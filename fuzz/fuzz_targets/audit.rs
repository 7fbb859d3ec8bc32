//! An audit record and commitments: JSON, then the statistics on whatever counts they carry.
#![no_main]
use audit::{Batch, ContestAudit, SeedCommitment};
use bundle::{Candidate, Contest, ContestKind, Signed};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<Vec<Signed<SeedCommitment>>>(data);
    let Ok(a) = serde_json::from_slice::<ContestAudit>(data) else { return };
    let rec = &a.record.body;
    let n = rec.final_totals.len().clamp(1, 8);
    let contest = Contest {
        contest_id: rec.contest_id.clone(),
        name: String::new(),
        kind: ContestKind::SingleMember,
        group: None,
        seats: 1,
        candidates: (0..n)
            .map(|i| Candidate {
                candidate_id: format!("K{i}"),
                name: String::new(),
                party: String::new(),
                nota: i + 1 == n,
            })
            .collect(),
        uncontested: false,
        returning_officer: String::new(),
        vvpat: true,
        audit: Some(bundle::AuditRule { statutory_per_segment: rec.per_segment, risk_limit_bp: rec.risk_limited.as_ref().map(|r| r.risk_limit_bp), parties: Vec::new() }),
        totaliser: None,
    };
    // The slips double as the published rows: any counts, any lengths.
    let batches: Vec<Batch<'_>> = rec
        .slips
        .iter()
        .map(|s| Batch { station_id: &s.station_id, segment_id: "S", counts: &s.counts })
        .collect();
    let a = audit::assess(&contest, &batches, &rec.final_totals, &[0], rec);
    let _ = a.conclusion.len();
    let slips = batches.iter().map(|b| (b.station_id, b.counts)).collect();
    let _ = audit::final_totals(&rec.final_totals, &batches, &slips);
    if let Some(seed) = audit::seed::hex32(&rec.seed) {
        let _ = audit::statutory_sample(&seed, &batches, rec.per_segment.min(50));
    }
});

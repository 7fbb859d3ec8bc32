//! A contest shard: JSON, then every encoding inside it (proofs, commitments, signatures).
#![no_main]
use bundle::ContestShard;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = serde_json::from_slice::<ContestShard>(data) {
        for r in &s.stations {
            let _ = circuits::proof_from_hex(&r.proof);
            let _ = circuits::Shape::parse(&r.shape);
        }
        let mut pending = Vec::new();
        for c in &s.close_of_poll {
            let _ = circuits::fr_from_hex(&c.body.log_commitment);
            if let Ok(p) = c.pending(bundle::kinds::CLOSE_OF_POLL) {
                pending.push(p);
            }
        }
        for c in &s.po_certificates {
            if let Ok(p) = c.pending(bundle::kinds::PO_CERT) {
                pending.push(p);
            }
        }
        if let Some(r) = &s.po_roster {
            let _ = r.verify(bundle::kinds::PO_ROSTER);
        }
        let _ = bundle::verify_many(&pending);
        let _ = s.result.verify(bundle::kinds::CONTEST_RESULT);
    }
});

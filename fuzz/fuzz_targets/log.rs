//! A sealed log and salts as a court would hand them to `verifier open`.
#![no_main]
use bundle::inputs::{EvmLog, StationSalts};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(log) = serde_json::from_slice::<EvmLog>(data) {
        for c in &log.contests {
            let choices: Vec<u16> = c
                .units
                .iter()
                .flat_map(|u| u.votes.iter().map(|v| u16::try_from(v.1).unwrap_or(u16::MAX)))
                .collect();
            let times: Vec<u32> = c.units.iter().flat_map(|u| u.votes.iter().map(|v| v.0)).collect();
            let w = circuits::LogWitness {
                choices,
                times,
                salt: circuits::Salt::from_hex(&"00".repeat(32)).unwrap_or_else(|_| unreachable!()),
            };
            let shape = circuits::Shape { votes: 64, choices: 4 };
            // Close of poll at 18:00: late, early and out-of-range times all reach the checks.
            let close = 18 * 3600;
            if w.check_fits(&shape, close).is_ok() {
                let _ = w.vartime_counts(&shape);
                let _ = circuits::log_commitment(&shape, circuits::Fr::from(1u64), close, &w);
            }
        }
    }
    if let Ok(s) = serde_json::from_slice::<StationSalts>(data) {
        for c in &s.contests {
            let _ = circuits::Salt::from_hex(&c.salt);
        }
    }
});

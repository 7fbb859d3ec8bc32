//! Proof and scalar encodings: hex text and raw bytes (points off the curve, outside the
//! subgroup, non-canonical, identity, wrong lengths).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let hex_text = bundle_hex(data);
    let _ = circuits::proof_from_hex(&hex_text);
    let _ = circuits::fr_from_hex(&hex_text);
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = circuits::proof_from_hex(s);
        let _ = circuits::fr_from_hex(s);
        let _ = circuits::Shape::parse(s);
    }
});

fn bundle_hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

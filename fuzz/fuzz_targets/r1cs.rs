//! The station circuit's `.r1cs` reader (spec encodings.md §8): any bytes are refused with an
//! error or read into a system that writes back the same bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = circuits::r1cs::R1cs::from_bytes(data) {
        assert_eq!(r.to_bytes(), data, "one byte string per system");
    }
});

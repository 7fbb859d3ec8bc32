//! Aggregate encodings (spec aggregation.md §5): any bytes give an aggregate or an error, never
//! a panic or an allocation the bytes do not pay for.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = circuits::aggregate::AggregateProof::from_bytes(data);
});

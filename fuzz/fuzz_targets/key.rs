//! Verifying-key bytes, for every shape size the first byte selects.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, bytes)) = data.split_first() else { return };
    let shapes = circuits::shape::SMALL_SHAPES;
    let shape = shapes[usize::from(sel) % shapes.len()];
    let _ = circuits::vk_from_bytes(shape, bytes);
});

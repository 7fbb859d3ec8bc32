//! The signed manifest, index and station lists: JSON into typed statements, then their
//! signatures.
#![no_main]
use bundle::{BundleIndex, ElectionManifest, Signed, StationList};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = serde_json::from_slice::<Signed<ElectionManifest>>(data) {
        let _ = m.verify(bundle::kinds::MANIFEST);
        let _ = m.body.definition.contest("x");
    }
    if let Ok(l) = serde_json::from_slice::<StationList>(data) {
        let _ = l.stations.iter().map(|s| s.contests.len()).sum::<usize>();
    }
    if let Ok(i) = serde_json::from_slice::<Signed<BundleIndex>>(data) {
        let _ = i.verify(bundle::kinds::BUNDLE_INDEX);
        let _ = audit::results_root(i.body.files.iter().map(|e| (e.path.as_str(), e.sha256.as_str())));
    }
});

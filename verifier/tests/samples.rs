//! The committed sample elections verify under the committed trusted keys (and would fail under
//! any other key), so the first README command keeps working as the code changes.

use std::path::Path;
use verifier::{verify_bundle, Options};

fn samples() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/samples")
}

fn trusted() -> Vec<String> {
    let text = std::fs::read_to_string(samples().join("authorities.txt")).unwrap_or_default();
    text.lines()
        .filter_map(|l| l.split('#').next())
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn committed_samples_pass_under_their_pinned_keys() {
    let keys = trusted();
    assert_eq!(
        keys.len(),
        3,
        "spec/samples/authorities.txt lists the three sample authorities"
    );
    for kind in ["assembly", "municipal", "panchayat"] {
        let r = verify_bundle(
            &samples().join(kind).join("bundle"),
            &Options {
                pinned_keys: keys.clone(),
                progress: None,
                ..Default::default()
            },
        );
        assert_eq!(r.exit_code(), 0, "{kind}: {:#?}", r.findings);
        assert!(r.authority_key_pinned);
        assert!(
            r.proofs_verified >= 20,
            "{kind}: {} proofs",
            r.proofs_verified
        );
    }
}

//! The whole verifier on a sample bundle whose contest shard is replaced by the fuzz input.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|_| unreachable!());
    for e in std::fs::read_dir(from).into_iter().flatten().flatten() {
        let t = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &t);
        } else {
            let _ = std::fs::copy(e.path(), t);
        }
    }
}

/// A private copy of the sample, its first shard's path and original bytes.
fn base() -> &'static (PathBuf, PathBuf, Vec<u8>) {
    static B: OnceLock<(PathBuf, PathBuf, Vec<u8>)> = OnceLock::new();
    B.get_or_init(|| {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/samples/panchayat/bundle");
        let dst = std::env::temp_dir().join(format!("ve-fuzz-bundle-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dst);
        copy_dir(&src, &dst);
        let shard = std::fs::read_dir(dst.join("contests"))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .min()
            .unwrap_or_default();
        let original = std::fs::read(&shard).unwrap_or_default();
        (dst, shard, original)
    })
}

fuzz_target!(|data: &[u8]| {
    let (dir, shard, original) = base();
    let _ = std::fs::write(shard, data);
    let r = verifier::verify_bundle(dir, &verifier::Options::default());
    // A changed shard never passes: its bytes no longer match the signed index.
    assert!(r.exit_code() != 0 || data == original.as_slice());
});

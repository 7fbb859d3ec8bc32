//! File digests and the bundle root (spec `bundle.md` §2).

use sha2::{Digest, Sha256};

/// Domain separator of the bundle root.
pub const ROOT_TAG: &[u8] = b"ve/bundle-root/v1\0";

/// Domain separator of the setup digest.
pub const SETUP_TAG: &[u8] = b"ve/setup/v1\0";

/// SHA-256 of bytes, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The bundle root: SHA-256 over the tag and, for every file in path order,
/// `path || 0x00 || sha256_hex || 0x0a`.
pub fn bundle_root<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    tagged_list(ROOT_TAG, files)
}

/// The setup digest (spec `verification.md` V2.h): as the bundle root, under its own tag, over
/// the manifest's ceremony files (`setup.ceremony`: path and SHA-256) and its verifying keys
/// (`shapes`: path and `vk_sha256`). Everything V2.h's verdict depends on is bound by these
/// digests, so a reader who has checked a setup once may pin its digest.
pub fn setup_digest(m: &crate::ElectionManifest) -> Option<String> {
    let ceremony = m.setup.ceremony.as_ref()?;
    let files = ceremony
        .iter()
        .map(|r| (r.path.as_str(), r.sha256.as_str()));
    let keys = m
        .shapes
        .iter()
        .map(|k| (k.path.as_str(), k.vk_sha256.as_str()));
    Some(tagged_list(SETUP_TAG, files.chain(keys)))
}

/// SHA-256 over `tag` and, for every entry in path order, `path || 0x00 || digest || 0x0a`.
fn tagged_list<'a>(tag: &[u8], files: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut entries: Vec<(&str, &str)> = files.into_iter().collect();
    entries.sort();
    let mut h = Sha256::new();
    h.update(tag);
    for (path, digest) in entries {
        h.update(path.as_bytes());
        h.update([0u8]);
        h.update(digest.as_bytes());
        h.update([b'\n']);
    }
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_depends_on_paths_and_digests_not_order() {
        let a = bundle_root([("a", "01"), ("b", "02")]);
        assert_eq!(a, bundle_root([("b", "02"), ("a", "01")]));
        assert_ne!(a, bundle_root([("a", "02"), ("b", "01")]));
        assert_ne!(a, bundle_root([("a", "01"), ("c", "02")]));
        // Known answer for SHA-256 of the empty string (FIPS 180-4 example).
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}

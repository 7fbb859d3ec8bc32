//! c2sp.org/tlog-tiles: paths of hash tiles and entry bundles, and the entry bundle format
//! (each entry as a big-endian uint16 length and its bytes).

use crate::LogError;

/// Tile height: a tile holds 2^8 hashes of one level.
pub const HEIGHT: u8 = 8;
/// Hashes in a full tile, entries in a full bundle.
pub const WIDTH: u64 = 256;
/// The largest entry the bundle format holds.
pub const MAX_ENTRY: usize = 65_535;
/// The largest hash tile.
pub const MAX_HASH_TILE: usize = 32 * WIDTH as usize;
/// The largest entry bundle.
pub const MAX_BUNDLE: usize = (2 + MAX_ENTRY) * WIDTH as usize;
/// The largest checkpoint note read (a head with a hundred cosignatures is under 20 kB).
pub const MAX_NOTE: usize = 64 * 1024;
/// The path of the latest checkpoint.
pub const CHECKPOINT: &str = "checkpoint";
/// The folder of every cosigned checkpoint, in order (`checkpoints/<k>`, k from 0).
pub const HISTORY: &str = "checkpoints";

/// `N` as path elements: 1234067 is `x001/x234/067`.
fn index_path(n: u64) -> String {
    let mut parts = vec![format!("{:03}", n % 1000)];
    let mut rest = n / 1000;
    while rest > 0 {
        parts.push(format!("x{:03}", rest % 1000));
        rest /= 1000;
    }
    parts.reverse();
    parts.join("/")
}

fn partial(width: u64) -> String {
    if width == WIDTH {
        String::new()
    } else {
        format!(".p/{width}")
    }
}

/// The path of hash tile `n` of `level` with `width` hashes.
pub fn tile_path(level: u8, n: u64, width: u64) -> String {
    format!("tile/{level}/{}{}", index_path(n), partial(width))
}

/// The path of entry bundle `n` with `width` entries.
pub fn entries_path(n: u64, width: u64) -> String {
    format!("tile/entries/{}{}", index_path(n), partial(width))
}

/// The path of the `k`th cosigned checkpoint.
pub fn history_path(k: u64) -> String {
    format!("{HISTORY}/{k}")
}

/// The hash tiles (level, index, width) of a tree of `size` leaves: every tile whose hashes the
/// tree has, the last of each level partial.
pub fn hash_tiles(size: u64) -> Vec<(u8, u64, u64)> {
    let mut out = Vec::new();
    let mut level = 0u8;
    let mut count = size; // hashes at tree level 8*level
    while count > 0 && level < 8 {
        for n in 0..count.div_ceil(WIDTH) {
            let width = (count - n * WIDTH).min(WIDTH);
            out.push((level, n, width));
        }
        count /= WIDTH;
        level += 1;
    }
    out
}

/// Encodes entries as one bundle.
pub fn encode_bundle<'a>(entries: impl IntoIterator<Item = &'a [u8]>) -> Result<Vec<u8>, LogError> {
    let mut out = Vec::new();
    for e in entries {
        let len = u16::try_from(e.len()).map_err(|_| {
            LogError::malformed(
                "entry",
                format!("{} bytes: an entry holds at most {MAX_ENTRY}", e.len()),
            )
        })?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(e);
    }
    Ok(out)
}

/// Decodes a bundle that must hold exactly `count` entries.
pub fn decode_bundle(path: &str, data: &[u8], count: u64) -> Result<Vec<Vec<u8>>, LogError> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        if rest.len() < 2 {
            return Err(LogError::malformed(path, "ends inside an entry's length"));
        }
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
        let Some(entry) = rest.get(2..2 + len) else {
            return Err(LogError::malformed(
                path,
                format!("entry {} is cut short", out.len()),
            ));
        };
        out.push(entry.to_vec());
        rest = &rest[2 + len..];
    }
    if out.len() as u64 != count {
        return Err(LogError::malformed(
            path,
            format!("holds {} entries, the head implies {count}", out.len()),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_tlog_tiles() {
        assert_eq!(tile_path(0, 1_234_067, 256), "tile/0/x001/x234/067");
        assert_eq!(tile_path(1, 5, 7), "tile/1/005.p/7");
        assert_eq!(entries_path(0, 3), "tile/entries/000.p/3");
        assert_eq!(entries_path(1000, 256), "tile/entries/x001/000");
        assert_eq!(hash_tiles(0), vec![]);
        assert_eq!(hash_tiles(3), vec![(0, 0, 3)]);
        assert_eq!(
            hash_tiles(513),
            vec![(0, 0, 256), (0, 1, 256), (0, 2, 1), (1, 0, 2)]
        );
    }

    #[test]
    fn bundles_round_trip_and_refuse_cut_or_padded_data() {
        let entries: Vec<&[u8]> = vec![b"a", b"", b"ccc"];
        let data = encode_bundle(entries.iter().copied()).unwrap_or_default();
        assert_eq!(
            decode_bundle("b", &data, 3).unwrap_or_default(),
            vec![b"a".to_vec(), vec![], b"ccc".to_vec()]
        );
        assert!(decode_bundle("b", &data[..data.len() - 1], 3).is_err());
        assert!(decode_bundle("b", &data[..1], 1).is_err());
        assert!(decode_bundle("b", &data, 2).is_err());
        assert!(encode_bundle([vec![0u8; MAX_ENTRY + 1].as_slice()]).is_err());
    }
}

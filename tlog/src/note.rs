//! Signed notes (c2sp.org/signed-note): the log's checkpoint signature (Ed25519, key type
//! 0x01) and a witness's cosignature (c2sp.org/tlog-cosignature v1, key type 0x04: Ed25519
//! over `cosignature/v1\ntime <T>\n` and the checkpoint, with the witness's timestamp `T`).
//! Keys are written in the note formats: `<name>+<id>+<base64(type || key)>` for a public key,
//! `PRIVATE+KEY+<name>+<id>+<base64(type || seed)>` for a secret one.

use crate::{tiles, LogError};
use base64::{engine::general_purpose::STANDARD as B64, Engine};
use ed25519_dalek::{Signature as EdSignature, Signer as _, SigningKey, VerifyingKey};
use rand_core::{CryptoRng, RngCore};
use signed_note::{key_id, Note, Signature};
use tlog_tiles::Checkpoint;

/// What a key signs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// The log's key: signs checkpoints (signed-note Ed25519, type 0x01).
    Log,
    /// A witness's key: cosigns checkpoints with a timestamp (tlog-cosignature v1, type 0x04).
    Witness,
}

impl KeyKind {
    fn byte(self) -> u8 {
        match self {
            KeyKind::Log => 0x01,
            KeyKind::Witness => 0x04,
        }
    }

    fn from_byte(b: u8) -> Option<Self> {
        match b {
            0x01 => Some(KeyKind::Log),
            0x04 => Some(KeyKind::Witness),
            _ => None,
        }
    }
}

/// A public note key: who signs, and its key id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    /// The key's name (a log's origin, a witness's name).
    pub name: String,
    /// Checkpoint signer or cosigner.
    pub kind: KeyKind,
    /// The key id of the note format.
    pub id: u32,
    key: VerifyingKey,
}

fn id_of(name: &str, kind: KeyKind, key: &VerifyingKey) -> u32 {
    key_id(name, &[&[kind.byte()][..], key.as_bytes()].concat())
}

fn key_name_ok(name: &str) -> bool {
    signed_note::is_key_name_valid(name)
}

impl PublicKey {
    /// Parses `<name>+<id hex>+<base64(type || key)>`.
    pub fn parse(vkey: &str) -> Result<Self, LogError> {
        let bad = |reason: &str| LogError::Key {
            what: format!("note key {vkey:?}"),
            reason: reason.into(),
        };
        // A name holds no '+'; base64 may.
        let mut parts = vkey.trim().splitn(3, '+');
        let (Some(name), Some(id), Some(data)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("expected <name>+<key id>+<key>"));
        };
        if !key_name_ok(name) {
            return Err(bad("the name has a space, a plus sign or nothing"));
        }
        let id = (id.len() == 8)
            .then(|| u32::from_str_radix(id, 16).ok())
            .flatten()
            .ok_or_else(|| bad("the key id is not 8 hex digits"))?;
        let raw = B64.decode(data).map_err(|_| bad("the key is not base64"))?;
        let (Some(&t), Some(k)) = (raw.first(), raw.get(1..)) else {
            return Err(bad("the key is empty"));
        };
        let kind = KeyKind::from_byte(t).ok_or_else(|| {
            bad("unknown key type (0x01, a log's Ed25519 key, or 0x04, a witness's cosignature key)")
        })?;
        let bytes: [u8; 32] = k.try_into().map_err(|_| bad("not a 32-byte Ed25519 key"))?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|_| bad("not an Ed25519 point"))?;
        if key.is_weak() {
            return Err(bad("a small-order key"));
        }
        if id != id_of(name, kind, &key) {
            return Err(bad("the key id does not match the name and key"));
        }
        Ok(Self {
            name: name.into(),
            kind,
            id,
            key,
        })
    }

    /// The key in the note format.
    pub fn to_vkey(&self) -> String {
        let data = [&[self.kind.byte()][..], self.key.as_bytes()].concat();
        format!("{}+{:08x}+{}", self.name, self.id, B64.encode(data))
    }

    /// SHA-256 of the 32 key bytes, hex: a fingerprint to read aloud.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        hex::encode(&Sha256::digest(self.key.as_bytes())[..8])
    }

    fn verify_raw(&self, msg: &[u8], sig: &[u8]) -> bool {
        let Ok(sig) = EdSignature::from_slice(sig) else {
            return false;
        };
        self.key.verify_strict(msg, &sig).is_ok()
    }

    fn matches(&self, sig: &Signature) -> bool {
        sig.name() == self.name && sig.id() == self.id
    }
}

/// A secret note key. Its `Debug` shows only the public half; the seed is zeroised on drop.
pub struct NoteKey {
    public: PublicKey,
    key: SigningKey,
}

impl std::fmt::Debug for NoteKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NoteKey({})", self.public.to_vkey())
    }
}

impl NoteKey {
    /// A fresh key named `name`.
    pub fn generate<R: RngCore + CryptoRng>(
        name: &str,
        kind: KeyKind,
        rng: &mut R,
    ) -> Result<Self, LogError> {
        Self::from_signing(name, kind, SigningKey::generate(rng))
    }

    fn from_signing(name: &str, kind: KeyKind, key: SigningKey) -> Result<Self, LogError> {
        if !key_name_ok(name) {
            return Err(LogError::Key {
                what: format!("key name {name:?}"),
                reason: "a note key's name has no space, no plus sign and is not empty".into(),
            });
        }
        let vk = key.verifying_key();
        Ok(Self {
            public: PublicKey {
                name: name.into(),
                kind,
                id: id_of(name, kind, &vk),
                key: vk,
            },
            key,
        })
    }

    /// The public half.
    pub fn public(&self) -> &PublicKey {
        &self.public
    }

    /// The secret key in the note format (`PRIVATE+KEY+...`): for a `SECRET_` file only.
    pub fn to_secret_string(&self) -> zeroize::Zeroizing<String> {
        let mut data = zeroize::Zeroizing::new(Vec::with_capacity(33));
        data.push(self.public.kind.byte());
        data.extend_from_slice(self.key.as_bytes());
        zeroize::Zeroizing::new(format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.public.name,
            self.public.id,
            B64.encode(data.as_slice())
        ))
    }

    /// Parses a secret key string (never quoted in an error).
    pub fn parse_secret(text: &str) -> Result<Self, LogError> {
        let bad = |reason: &str| LogError::Key {
            what: "secret note key".into(),
            reason: reason.into(),
        };
        let rest = text
            .trim()
            .strip_prefix("PRIVATE+KEY+")
            .ok_or_else(|| bad("does not start with PRIVATE+KEY+"))?;
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(id), Some(data)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("expected PRIVATE+KEY+<name>+<key id>+<key>"));
        };
        let raw = zeroize::Zeroizing::new(B64.decode(data).map_err(|_| bad("not base64"))?);
        let (Some(&t), Some(seed)) = (raw.first(), raw.get(1..)) else {
            return Err(bad("empty"));
        };
        let kind = KeyKind::from_byte(t).ok_or_else(|| bad("unknown key type"))?;
        let seed: [u8; 32] = seed.try_into().map_err(|_| bad("not a 32-byte seed"))?;
        let key = Self::from_signing(name, kind, SigningKey::from_bytes(&seed))?;
        if format!("{:08x}", key.public.id) != id {
            return Err(bad("the key id does not match the name and key"));
        }
        Ok(key)
    }

    /// Reads a secret key file.
    pub fn read(path: &std::path::Path) -> Result<Self, LogError> {
        let text = zeroize::Zeroizing::new(
            std::fs::read_to_string(path).map_err(|e| LogError::io(path.display(), e))?,
        );
        Self::parse_secret(&text).map_err(|e| match e {
            LogError::Key { reason, .. } => LogError::Key {
                what: path.display().to_string(),
                reason,
            },
            other => other,
        })
    }

    /// Writes the secret key to a new file (owner-only on Unix).
    pub fn write(&self, path: &std::path::Path) -> Result<(), LogError> {
        use std::io::Write;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts
            .open(path)
            .map_err(|e| LogError::io(path.display(), e))?;
        f.write_all(self.to_secret_string().as_bytes())
            .and_then(|()| f.write_all(b"\n"))
            .map_err(|e| LogError::io(path.display(), e))
    }

    /// Signs a checkpoint as the log: the whole note.
    pub fn sign_checkpoint(&self, checkpoint: &Checkpoint) -> Result<Vec<u8>, LogError> {
        if self.public.kind != KeyKind::Log {
            return Err(LogError::Key {
                what: self.public.name.clone(),
                reason: "a witness key does not sign checkpoints as a log".into(),
            });
        }
        if checkpoint.origin() != self.public.name {
            return Err(LogError::Key {
                what: self.public.name.clone(),
                reason: format!(
                    "the log key's name is not the origin {:?}",
                    checkpoint.origin()
                ),
            });
        }
        let text = checkpoint.to_bytes();
        let sig = self.key.sign(&text).to_bytes();
        let line = Signature::new(self.public.name.clone(), self.public.id, sig.to_vec())
            .map_err(|_| LogError::malformed("checkpoint", "key name"))?;
        let note = Note::new(&text, &[line]).map_err(|e| LogError::malformed("checkpoint", e))?;
        Ok(note.to_bytes())
    }

    /// Cosigns a checkpoint's text at `time` (Unix seconds) as a witness: one signature line.
    pub fn cosign(&self, text: &[u8], time: u64) -> Result<Vec<u8>, LogError> {
        if self.public.kind != KeyKind::Witness {
            return Err(LogError::Key {
                what: self.public.name.clone(),
                reason: "a log key does not cosign".into(),
            });
        }
        let sig = self.key.sign(&cosigned_message(text, time)).to_bytes();
        let data = [&time.to_be_bytes()[..], &sig[..]].concat();
        let line = Signature::new(self.public.name.clone(), self.public.id, data)
            .map_err(|_| LogError::malformed("cosignature", "key name"))?;
        Ok(line.to_bytes())
    }
}

fn cosigned_message(text: &[u8], time: u64) -> Vec<u8> {
    let mut m = format!("cosignature/v1\ntime {time}\n").into_bytes();
    m.extend_from_slice(text);
    m
}

/// A witness's valid cosignature of a head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cosignature {
    /// The witness's key (as pinned).
    pub witness: PublicKey,
    /// The witness's timestamp, Unix seconds.
    pub time: u64,
}

/// A checkpoint note as read: its bytes, its parsed head and its signature lines.
#[derive(Debug)]
pub struct SignedHead {
    /// The note's bytes, exactly as served.
    pub bytes: Vec<u8>,
    /// The head.
    pub checkpoint: Checkpoint,
    note: Note,
    sigs: Vec<Signature>,
}

impl SignedHead {
    /// Parses a checkpoint note (`path` names it in errors). Refuses a note over
    /// [`tiles::MAX_NOTE`] bytes.
    pub fn parse(path: &str, bytes: &[u8]) -> Result<Self, LogError> {
        if bytes.len() > tiles::MAX_NOTE {
            return Err(LogError::TooLarge {
                path: path.into(),
                limit: tiles::MAX_NOTE,
            });
        }
        let note = Note::from_bytes(bytes)
            .map_err(|e| LogError::malformed(path, format!("not a signed note: {e}")))?;
        let checkpoint = Checkpoint::from_bytes(note.text())
            .map_err(|_| LogError::malformed(path, "not a checkpoint (origin, size, root)"))?;
        let sigs = signature_lines(bytes)
            .into_iter()
            .filter_map(|l| Signature::from_bytes(l).ok())
            .collect();
        Ok(Self {
            bytes: bytes.to_vec(),
            checkpoint,
            note,
            sigs,
        })
    }

    /// The checkpoint's text: what the log signs and witnesses cosign.
    pub fn text(&self) -> &[u8] {
        self.note.text()
    }

    /// Whether the log key signed this head.
    pub fn signed_by_log(&self, log: &PublicKey) -> bool {
        log.kind == KeyKind::Log
            && self.checkpoint.origin() == log.name
            && self
                .sigs
                .iter()
                .any(|s| log.matches(s) && log.verify_raw(self.text(), s.signature()))
    }

    /// The cosignature of each witness in `pinned`: `Some(Ok(c))` valid, `Some(Err(()))` a line
    /// under the witness's name and id that does not verify, `None` no line.
    pub fn cosignatures(&self, pinned: &[PublicKey]) -> Vec<Option<Result<Cosignature, ()>>> {
        pinned
            .iter()
            .map(|w| {
                let lines: Vec<&Signature> = self.sigs.iter().filter(|s| w.matches(s)).collect();
                if lines.is_empty() {
                    return None;
                }
                let valid = lines.iter().find_map(|s| {
                    let data = s.signature();
                    let (t, sig) = data.split_at_checked(8)?;
                    let time = u64::from_be_bytes(t.try_into().ok()?);
                    w.verify_raw(&cosigned_message(self.text(), time), sig)
                        .then_some(time)
                });
                Some(
                    valid
                        .map(|time| Cosignature {
                            witness: w.clone(),
                            time,
                        })
                        .ok_or(()),
                )
            })
            .collect()
    }

    /// The names on signature lines that are neither the log's nor a pinned witness's.
    pub fn other_signers(&self, log: &PublicKey, pinned: &[PublicKey]) -> Vec<String> {
        let mut out: Vec<String> = self
            .sigs
            .iter()
            .filter(|s| !log.matches(s) && !pinned.iter().any(|w| w.matches(s)))
            .map(|s| format!("{}+{:08x}", s.name(), s.id()))
            .collect();
        out.dedup();
        out
    }

    /// Adds signature lines (a witness's answer) to the note.
    pub fn with_lines(&self, lines: &[u8]) -> Result<Self, LogError> {
        let mut bytes = self.bytes.clone();
        for line in lines.split_inclusive(|&b| b == b'\n') {
            if line.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            let trimmed = line.strip_suffix(b"\n").unwrap_or(line);
            Signature::from_bytes(trimmed)
                .map_err(|_| LogError::malformed("cosignature", "not a signature line"))?;
            bytes.extend_from_slice(trimmed);
            bytes.push(b'\n');
        }
        Self::parse("checkpoint", &bytes)
    }
}

/// The signature lines of a note (after its last blank line), without their newlines.
fn signature_lines(bytes: &[u8]) -> Vec<&[u8]> {
    let Some(pos) = bytes.windows(2).rposition(|w| w == b"\n\n") else {
        return Vec::new();
    };
    bytes[pos + 2..]
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::OsRng;

    #[test]
    fn keys_round_trip_and_sign() -> Result<(), LogError> {
        let log = NoteKey::generate("example.org/log", KeyKind::Log, &mut OsRng)?;
        let w = NoteKey::generate("witness.example", KeyKind::Witness, &mut OsRng)?;
        let log_pub = PublicKey::parse(&log.public().to_vkey())?;
        assert_eq!(&log_pub, log.public());
        let w2 = NoteKey::parse_secret(&w.to_secret_string())?;
        assert_eq!(w2.public(), w.public());
        let cp = Checkpoint::new("example.org/log", 3, tlog_tiles::Hash([7; 32]), "")
            .map_err(|e| LogError::malformed("cp", e))?;
        let head = SignedHead::parse("cp", &log.sign_checkpoint(&cp)?)?;
        assert!(head.signed_by_log(&log_pub));
        let head = head.with_lines(&w.cosign(head.text(), 1_700_000_000)?)?;
        let got = head.cosignatures(&[w.public().clone()]);
        assert_eq!(
            got[0].clone().map(|r| r.map(|c| c.time)),
            Some(Ok(1_700_000_000))
        );
        // A line whose time was changed does not verify.
        let mut forged = w.cosign(head.text(), 5)?;
        let pos = forged.iter().rposition(|&b| b == b' ').unwrap_or(0) + 1;
        forged[pos + 6] ^= 1;
        let bad = SignedHead::parse("cp", &log.sign_checkpoint(&cp)?)?;
        if let Ok(bad) = bad.with_lines(&forged) {
            assert_ne!(
                bad.cosignatures(&[w.public().clone()])[0]
                    .clone()
                    .map(|r| r.is_ok()),
                Some(true)
            );
        }
        assert!(PublicKey::parse("name+00000000+AQ==").is_err());
        Ok(())
    }
}

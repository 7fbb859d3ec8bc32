//! Ed25519 role signatures (spec `protocol.md` §5).
//!
//! A statement of kind `k` is signed as `"ve/1.0/" || k || 0x00 || JCS({"body", "role",
//! "signer"})`: the RFC 8785 canonical JSON of an object holding the body exactly as published,
//! the signer's role and id. Any language with an RFC 8785 implementation rebuilds these bytes
//! from the file without knowing this crate's types. Every number in a signed statement is an
//! integer of magnitude below 2^53 (I-JSON), so its canonical form is its digits. Verification
//! is strict (`verify_strict`): small-order keys and non-canonical signatures are refused.

use crate::error::BundleError;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rand_core::{CryptoRng, RngCore};
use serde::{de::DeserializeOwned, Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// The prefix of every signed message: the protocol and its version (spec 1.0).
pub const SIGNING_DOMAIN: &str = "ve/1.0/";

/// Signing roles, from the top of the certificate chain down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// The election authority's root key (SEC or ECI), published before the poll.
    Authority,
    /// A Returning Officer's key, certified by the authority.
    ReturningOfficer,
    /// A Presiding Officer's key, certified by the station's Returning Officer.
    PresidingOfficer,
    /// An election observer's own key (VVPAT audit seed shares; named in the statement).
    Observer,
    /// A candidate's counting agent's own key (VVPAT audit seed shares; named in the statement).
    CandidateAgent,
}

impl core::fmt::Display for Role {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Role::Authority => "authority",
            Role::ReturningOfficer => "returning-officer",
            Role::PresidingOfficer => "presiding-officer",
            Role::Observer => "observer",
            Role::CandidateAgent => "candidate-agent",
        })
    }
}

/// A signing key with its role and id. Its `Debug` shows only the public half.
pub struct KeyPair {
    /// Who holds it (authority id, RO id or PO id).
    pub id: String,
    /// The role.
    pub role: Role,
    key: SigningKey,
}

impl core::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "KeyPair({} {} {})",
            self.role,
            self.id,
            self.public_hex()
        )
    }
}

/// The secret-key file format (only ever under a `SECRET_*` folder).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    id: String,
    role: Role,
    secret_key: String,
}

impl KeyPair {
    /// A fresh key.
    pub fn generate<R: RngCore + CryptoRng>(id: &str, role: Role, rng: &mut R) -> Self {
        Self {
            id: id.into(),
            role,
            key: SigningKey::generate(rng),
        }
    }

    /// The public key, hex.
    pub fn public_hex(&self) -> String {
        hex::encode(self.key.verifying_key().as_bytes())
    }

    /// Signs `body` as a statement of `kind`.
    pub fn sign<T: Serialize>(
        &self,
        kind: &'static str,
        body: T,
    ) -> Result<Signed<T>, BundleError> {
        let value = to_value(&body)?;
        let msg = message(kind, &self.id, self.role, &value)?;
        let signature = self.key.sign(&msg);
        Ok(Signed {
            body,
            signer: self.id.clone(),
            role: self.role,
            public_key: self.public_hex(),
            signature: hex::encode(signature.to_bytes()),
            // Built from `body` when checked, so an edit of the body in memory is caught.
            published: None,
        })
    }

    /// The secret key file's JSON.
    pub fn to_secret_json(&self) -> Result<String, BundleError> {
        let file = KeyFile {
            id: self.id.clone(),
            role: self.role,
            secret_key: hex::encode(self.key.to_bytes()),
        };
        serde_json::to_string_pretty(&file).map_err(|e| BundleError::Encoding {
            what: "key file",
            reason: e.to_string(),
        })
    }

    /// Reads a secret key file. The error never contains key material.
    pub fn from_secret_json(text: &str) -> Result<Self, BundleError> {
        let bad = |reason: &str| BundleError::Encoding {
            what: "key file",
            reason: reason.into(),
        };
        let file: KeyFile = serde_json::from_str(text).map_err(|_| bad("not a key file"))?;
        let bytes = hex::decode(&file.secret_key).map_err(|_| bad("secret key is not hex"))?;
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| bad("secret key is not 32 bytes"))?;
        Ok(Self {
            id: file.id,
            role: file.role,
            key: SigningKey::from_bytes(&arr),
        })
    }
}

/// A statement with its signature. Read from a file, it keeps the body exactly as published
/// (before it was read into `T`): that is what the signature covers.
#[derive(Clone, Debug, Serialize)]
pub struct Signed<T> {
    /// The statement.
    pub body: T,
    /// Id of the signer (authority id, RO id or PO id).
    pub signer: String,
    /// Role of the signer.
    pub role: Role,
    /// Signer's Ed25519 public key, hex.
    pub public_key: String,
    /// Ed25519 signature, hex.
    pub signature: String,
    /// The body exactly as read from a file (what the signature covers); `None` for a
    /// statement signed here, whose body is serialised when checked.
    #[serde(skip)]
    published: Option<Value>,
}

impl<T: PartialEq> PartialEq for Signed<T> {
    fn eq(&self, other: &Self) -> bool {
        self.body == other.body
            && self.signer == other.signer
            && self.role == other.role
            && self.public_key == other.public_key
            && self.signature == other.signature
    }
}

/// A signed statement as it appears in a file, before its body is read into a type.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSigned {
    body: Box<serde_json::value::RawValue>,
    signer: String,
    role: Role,
    public_key: String,
    signature: String,
}

impl<'de, T: DeserializeOwned + Serialize> Deserialize<'de> for Signed<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let raw = RawSigned::deserialize(d)?;
        let text = raw.body.get();
        let body: T = serde_json::from_str(text).map_err(D::Error::custom)?;
        let published: Value = serde_json::from_str(text).map_err(D::Error::custom)?;
        // One written form per statement (bundle.md, preamble): an "or null" member present, an
        // "omitted when absent" member absent when it has no value. A body in another form
        // would be signed in bytes no writer of this format makes.
        let written = serde_json::to_value(&body).map_err(D::Error::custom)?;
        if written != published {
            let at = first_difference(&written, &published, "body").unwrap_or_default();
            return Err(D::Error::custom(format!(
                "{at} is not in the one form this format writes (a member shown \"or null\" is always present; one \"omitted when absent\" never appears empty)"
            )));
        }
        Ok(Signed {
            body,
            signer: raw.signer,
            role: raw.role,
            public_key: raw.public_key,
            signature: raw.signature,
            published: Some(published),
        })
    }
}

/// Where `written` (the body as its type writes it) and `published` first differ, as a path
/// (`body.contest.units[0].vvpat`); `None` when they are the same JSON value.
fn first_difference(written: &Value, published: &Value, at: &str) -> Option<String> {
    match (written, published) {
        (Value::Object(w), Value::Object(p)) => {
            let missing = w
                .keys()
                .chain(p.keys())
                .find(|k| w.contains_key(*k) != p.contains_key(*k));
            if let Some(k) = missing {
                return Some(format!("{at}.{k}"));
            }
            w.iter()
                .find_map(|(k, v)| first_difference(v, &p[k], &format!("{at}.{k}")))
        }
        (Value::Array(w), Value::Array(p)) if w.len() == p.len() => w
            .iter()
            .zip(p)
            .enumerate()
            .find_map(|(i, (w, p))| first_difference(w, p, &format!("{at}[{i}]"))),
        _ => (written != published).then(|| at.to_string()),
    }
}

fn to_value<T: Serialize>(body: &T) -> Result<Value, BundleError> {
    serde_json::to_value(body).map_err(|e| BundleError::Encoding {
        what: "statement",
        reason: e.to_string(),
    })
}

/// The largest integer magnitude a signed statement may hold: 2^53 - 1 (I-JSON, RFC 7493).
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Whether every number in `v` is an integer of magnitude at most 2^53 - 1.
fn integers_only(v: &Value) -> bool {
    match v {
        Value::Number(n) => n
            .as_u64()
            .map(|x| x <= MAX_SAFE_INTEGER)
            .or_else(|| n.as_i64().map(|x| x.unsigned_abs() <= MAX_SAFE_INTEGER))
            .unwrap_or(false),
        Value::Array(a) => a.iter().all(integers_only),
        Value::Object(o) => o.values().all(integers_only),
        _ => true,
    }
}

/// The bytes a statement's signature covers (spec `protocol.md` §5): `"ve/1.0/" || kind || 0x00
/// || JCS({"body": body, "role": role, "signer": signer})`.
pub fn message(kind: &str, signer: &str, role: Role, body: &Value) -> Result<Vec<u8>, BundleError> {
    use canon_json::CanonJsonSerialize;
    if !integers_only(body) {
        return Err(BundleError::Encoding {
            what: "statement",
            reason: format!(
                "a signed statement's numbers are integers of magnitude at most {MAX_SAFE_INTEGER} (I-JSON)"
            ),
        });
    }
    let enc = |e: &dyn std::fmt::Display| BundleError::Encoding {
        what: "statement",
        reason: e.to_string(),
    };
    // JCS of {"body", "role", "signer"}: its members are already in JCS's order, so the
    // object is written member by member, each value canonicalised (no copy of the body).
    let body = body.to_canon_json_vec().map_err(|e| enc(&e))?;
    let role = role.to_canon_json_vec().map_err(|e| enc(&e))?;
    let signer = signer.to_canon_json_vec().map_err(|e| enc(&e))?;
    let mut msg = Vec::with_capacity(SIGNING_DOMAIN.len() + kind.len() + body.len() + 64);
    msg.extend_from_slice(SIGNING_DOMAIN.as_bytes());
    msg.extend_from_slice(kind.as_bytes());
    msg.push(0);
    msg.extend_from_slice(b"{\"body\":");
    msg.extend(body);
    msg.extend_from_slice(b",\"role\":");
    msg.extend(role);
    msg.extend_from_slice(b",\"signer\":");
    msg.extend(signer);
    msg.push(b'}');
    Ok(msg)
}

/// Decodes a public key strictly (32 bytes, a valid point, not of small order).
pub fn public_key_from_hex(s: &str) -> Result<VerifyingKey, BundleError> {
    let bad = |reason: String| BundleError::Encoding {
        what: "public key",
        reason,
    };
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(bad("not lower-case hex".into()));
    }
    let bytes = hex::decode(s).map_err(|e| bad(e.to_string()))?;
    let arr: [u8; 32] = bytes.try_into().map_err(|_| bad("not 32 bytes".into()))?;
    let key = VerifyingKey::from_bytes(&arr).map_err(|e| bad(e.to_string()))?;
    if key.is_weak() {
        return Err(bad("a small-order point".into()));
    }
    Ok(key)
}

impl<T: Serialize + DeserializeOwned> Signed<T> {
    /// Verifies the signature under the key it names, for the statement `kind`. Whether that
    /// key is the right one is the caller's question (the certificate chain).
    pub fn verify(&self, kind: &'static str) -> Result<(), BundleError> {
        let p = self.pending(kind)?;
        p.key
            .verify_strict(&p.msg, &p.sig)
            .map_err(|_| BundleError::BadSignature {
                role: self.role.to_string(),
                kind,
            })
    }
}

impl<T: Serialize> Signed<T> {
    /// The body the signature covers: exactly as read from a file, or serialised now for a
    /// statement signed here.
    fn body_value(&self) -> Result<std::borrow::Cow<'_, Value>, BundleError> {
        Ok(match &self.published {
            Some(v) => std::borrow::Cow::Borrowed(v),
            None => std::borrow::Cow::Owned(to_value(&self.body)?),
        })
    }

    /// The bytes the signature covers, for the statement `kind` (protocol.md §5).
    pub fn message(&self, kind: &str) -> Result<Vec<u8>, BundleError> {
        message(kind, &self.signer, self.role, self.body_value()?.as_ref())
    }

    /// The statement as published: `{body, signer, role, public_key, signature}`, with the body
    /// exactly as read (or as signed here).
    pub fn as_published(&self) -> Result<Value, BundleError> {
        let body = self.body_value()?.into_owned();
        Ok(serde_json::json!({
            "body": body,
            "signer": self.signer,
            "role": self.role,
            "public_key": self.public_key,
            "signature": self.signature,
        }))
    }
}

/// A decoded signature waiting to be checked: the message, the signature and the key.
#[derive(Clone, Debug)]
pub struct PendingSignature {
    msg: Vec<u8>,
    sig: Signature,
    key: VerifyingKey,
}

impl<T: Serialize> Signed<T> {
    /// Decodes the key and signature and builds the message, for [`verify_many`]. An error means
    /// the signature is invalid whatever the batch says (bad key, bad hex, wrong length).
    pub fn pending(&self, kind: &'static str) -> Result<PendingSignature, BundleError> {
        self.pending_with(kind, public_key_from_hex(&self.public_key)?)
    }

    /// As [`Signed::pending`], with the key already decoded by the caller from this
    /// statement's `public_key` (many statements signed by one key decode it once).
    pub fn pending_with(
        &self,
        kind: &'static str,
        key: VerifyingKey,
    ) -> Result<PendingSignature, BundleError> {
        let bad = || BundleError::BadSignature {
            role: self.role.to_string(),
            kind,
        };
        if self.signature.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(bad());
        }
        let sig_bytes = hex::decode(&self.signature).map_err(|_| bad())?;
        let arr: [u8; 64] = sig_bytes.try_into().map_err(|_| bad())?;
        Ok(PendingSignature {
            msg: self.message(kind)?,
            sig: Signature::from_bytes(&arr),
            key,
        })
    }
}

/// Checks many signatures at once (spec `protocol.md` §5.1): ed25519-dalek's batch verification
/// over the whole slice; when the batch fails, each half is retried, down to single signatures,
/// which are checked with `verify_strict`. Returns one verdict per item, in order.
pub fn verify_many(items: &[PendingSignature]) -> Vec<bool> {
    let mut out = vec![false; items.len()];
    bisect(items, 0, &mut out);
    out
}

fn bisect(items: &[PendingSignature], offset: usize, out: &mut [bool]) {
    match items {
        [] => {}
        [one] => out[offset] = one.key.verify_strict(&one.msg, &one.sig).is_ok(),
        _ => {
            let msgs: Vec<&[u8]> = items.iter().map(|p| p.msg.as_slice()).collect();
            let sigs: Vec<Signature> = items.iter().map(|p| p.sig).collect();
            let keys: Vec<VerifyingKey> = items.iter().map(|p| p.key).collect();
            if ed25519_dalek::verify_batch(&msgs, &sigs, &keys).is_ok() {
                out[offset..offset + items.len()].fill(true);
            } else {
                let mid = items.len() / 2;
                bisect(&items[..mid], offset, out);
                bisect(&items[mid..], offset + mid, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::OsRng;

    #[derive(Serialize, Deserialize, PartialEq, Debug, Clone)]
    struct Stmt {
        n: u32,
    }

    /// The message written member by member is JCS of the whole object, for bodies and signers
    /// with escapes, non-ASCII text and members out of order.
    #[test]
    fn message_is_jcs_of_the_whole_object() {
        use canon_json::CanonJsonSerialize;
        let bodies = [
            serde_json::json!({"z": 1, "a": [2, {"y": "\u{1f600}", "b": null}], "é": "q\"\\\n\u{7}"}),
            serde_json::json!([]),
            serde_json::json!("text"),
        ];
        for body in &bodies {
            for signer in [
                "ro-1",
                "po \"x\" \u{0915}\u{091a}\u{094d}\u{091b}",
                "\u{1}\t",
            ] {
                for role in [Role::ReturningOfficer, Role::PresidingOfficer] {
                    let whole = serde_json::json!({"signer": signer, "role": role, "body": body})
                        .to_canon_json_vec()
                        .expect("canonical");
                    let mut want = b"ve/1.0/k\0".to_vec();
                    want.extend(whole);
                    assert_eq!(message("k", signer, role, body).expect("message"), want);
                }
            }
        }
    }

    #[test]
    fn sign_verify_and_tamper() {
        let k = KeyPair::generate("ro-1", Role::ReturningOfficer, &mut OsRng);
        let s = k.sign("contest-result", Stmt { n: 3 }).expect("sign");
        s.verify("contest-result").expect("verifies");
        assert!(
            s.verify("close-of-poll").is_err(),
            "kind is domain-separated"
        );
        let mut t = s.clone();
        t.body.n = 4;
        assert!(t.verify("contest-result").is_err());
        let other = KeyPair::generate("ro-2", Role::ReturningOfficer, &mut OsRng);
        let mut t = s.clone();
        t.public_key = other.public_hex();
        assert!(t.verify("contest-result").is_err());
        // Batches: all good, then one bad among many, named.
        let good: Vec<_> = (0..9)
            .map(|n| k.sign("contest-result", Stmt { n }).expect("sign"))
            .collect();
        let mut pending: Vec<_> = good
            .iter()
            .map(|s| s.pending("contest-result").expect("decodes"))
            .collect();
        assert_eq!(verify_many(&pending), vec![true; 9]);
        let mut forged = good[5].clone();
        forged.body.n = 99;
        pending[5] = forged.pending("contest-result").expect("decodes");
        let verdicts = verify_many(&pending);
        assert_eq!(verdicts.iter().filter(|v| !**v).count(), 1);
        assert!(!verdicts[5]);
        let back = KeyPair::from_secret_json(&k.to_secret_json().expect("json")).expect("read");
        assert_eq!(back.public_hex(), k.public_hex());
        assert!(!format!("{k:?}").contains(&hex::encode(k.key.to_bytes())));
    }

    #[derive(Serialize, Deserialize, PartialEq, Debug, Clone)]
    #[serde(deny_unknown_fields)]
    struct Forms {
        always: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        omitted: Option<u32>,
        inner: Vec<Forms>,
    }

    /// A body read in another form than its type writes is refused, naming the member, even
    /// when its signature (over that form) verifies.
    #[test]
    fn a_body_in_another_form_is_refused() {
        let k = KeyPair::generate("ro-1", Role::ReturningOfficer, &mut OsRng);
        let body = Forms {
            always: None,
            omitted: None,
            inner: vec![Forms {
                always: Some("x".into()),
                omitted: Some(1),
                inner: vec![],
            }],
        };
        let good = k.sign("contest-result", body).expect("sign");
        let text = serde_json::to_string(&good).expect("json");
        let back: Signed<Forms> = serde_json::from_str(&text).expect("its own form reads");
        back.verify("contest-result").expect("verifies");
        for (form, at) in [
            (serde_json::json!({"inner": []}), "body.always"),
            (
                serde_json::json!({"always": null, "omitted": null, "inner": []}),
                "body.omitted",
            ),
            (
                serde_json::json!({"always": null, "inner": [{"omitted": 1, "inner": []}]}),
                "body.inner[0].always",
            ),
        ] {
            let signer = |b: &Value| {
                let msg = message("contest-result", "ro-1", Role::ReturningOfficer, b).expect("m");
                hex::encode(k.key.sign(&msg).to_bytes())
            };
            let doc = serde_json::json!({
                "body": form, "signer": "ro-1", "role": "returning-officer",
                "public_key": k.public_hex(), "signature": signer(&form),
            });
            let err = serde_json::from_value::<Signed<Forms>>(doc)
                .expect_err("another form")
                .to_string();
            assert!(err.contains(at), "{at}: {err}");
        }
    }
}

//! HTTP: a log served by any static web server (tlog-tiles), and a witness reached over
//! tlog-witness. Every body is read with its format's limit, so an oversized tile is refused
//! before it is read whole.

use crate::reader::Fetch;
use crate::witness::Refusal;
use crate::writer::Cosigner;
use crate::LogError;
use std::time::Duration;

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// A log at a URL (`https://...` or `http://...`; a trailing slash is optional).
#[derive(Debug, Clone)]
pub struct HttpFetch {
    base: String,
    agent: ureq::Agent,
}

impl HttpFetch {
    /// A log at `base`.
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_string(),
            agent: agent(),
        }
    }
}

fn too_large(e: &ureq::Error) -> bool {
    matches!(e, ureq::Error::BodyExceedsLimit(_))
}

impl Fetch for HttpFetch {
    fn get(&self, path: &str, limit: usize) -> Result<Option<Vec<u8>>, LogError> {
        let url = format!("{}/{path}", self.base);
        let mut resp = self
            .agent
            .get(&url)
            .call()
            .map_err(|e| LogError::Unreachable {
                place: url.clone(),
                reason: e.to_string(),
            })?;
        match resp.status().as_u16() {
            200 => {}
            404 | 410 => return Ok(None),
            s => {
                return Err(LogError::malformed(
                    &url,
                    format!("the server answered HTTP {s}"),
                ))
            }
        }
        let body = resp
            .body_mut()
            .with_config()
            .limit(limit as u64)
            .read_to_vec()
            .map_err(|e| {
                if too_large(&e) {
                    LogError::TooLarge {
                        path: path.into(),
                        limit,
                    }
                } else {
                    LogError::Unreachable {
                        place: url.clone(),
                        reason: e.to_string(),
                    }
                }
            })?;
        Ok(Some(body))
    }

    fn place(&self) -> String {
        self.base.clone()
    }
}

/// A witness at a URL: `add-checkpoint` is POSTed to `<url>/add-checkpoint`.
#[derive(Debug, Clone)]
pub struct HttpWitness {
    url: String,
    agent: ureq::Agent,
}

impl HttpWitness {
    /// A witness at `url`.
    pub fn new(url: &str) -> Self {
        Self {
            url: url.trim_end_matches('/').to_string(),
            agent: agent(),
        }
    }
}

impl Cosigner for HttpWitness {
    fn name(&self) -> String {
        self.url.clone()
    }

    fn add_checkpoint(&mut self, body: &[u8]) -> Result<Vec<u8>, Refusal> {
        let url = format!("{}/add-checkpoint", self.url);
        let mut resp = self
            .agent
            .post(&url)
            .send(body)
            .map_err(|e| Refusal::Internal(format!("{url}: unreachable: {e}")))?;
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .with_config()
            .limit(64 * 1024)
            .read_to_vec()
            .map_err(|e| Refusal::Internal(format!("{url}: {e}")))?;
        let msg = String::from_utf8_lossy(&text).trim().to_string();
        match status {
            200 => Ok(text),
            409 => msg
                .parse::<u64>()
                .map(Refusal::Conflict)
                .map_err(|_| Refusal::BadRequest(format!("409 without a size: {msg}")))
                .and_then(Err),
            400 => Err(Refusal::BadRequest(msg)),
            403 => Err(Refusal::Forbidden(msg)),
            404 => Err(Refusal::UnknownLog(msg)),
            422 => Err(Refusal::BadProof(msg)),
            s => Err(Refusal::Internal(format!("HTTP {s}: {msg}"))),
        }
    }
}

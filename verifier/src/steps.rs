//! The verification steps of spec `verification.md`, by id. The report lists them in this
//! order; every finding names one.

/// A step.
#[derive(Clone, Copy, Debug)]
pub struct Step {
    /// Stable id.
    pub id: &'static str,
    /// What it checks.
    pub title: &'static str,
}

macro_rules! steps {
    ($($id:literal => $title:literal),* $(,)?) => {
        /// Every step, in order.
        pub const STEPS: &[Step] = &[$(Step { id: $id, title: $title }),*];
    };
}

steps! {
    "V1.a" => "bundle index present, well-formed, same election as the manifest",
    "V1.b" => "every listed file present with its length and SHA-256",
    "V1.c" => "no unlisted file; no secret material in the bundle (SECRET_ files, salts, keys, sealed logs)",
    "V1.d" => "bundle root recomputed from the listing equals the signed root",
    "V1.e" => "index signed by the authority key",
    "V1.f" => "authority key equals the key pinned by the reader",
    "V2.a" => "election manifest well-formed and signed by the authority",
    "V2.b" => "definition well-formed: ids, ballot order with NOTA last, uncontested seats",
    "V2.c" => "Returning Officer certificates signed by the authority",
    "V2.d" => "Presiding Officers' keys certified by their RO (a roster per contest, or a certificate per station)",
    "V2.e" => "verifying keys at keys/<shape>.vk, one per shape, match their digests, decode strictly, fit their shapes",
    "V2.f" => "station lists match the manifest's digests, one per contest, each station in the list of every contest it polls",
    "V2.g" => "election manifest equals the digest pinned by the reader (published before the poll)",
    "V2.h" => "multi-party key ceremony: both chains hold from their initial states, the keys are its end, contributors' signatures hold",
    "V3.a" => "close-of-poll statement signed by the station's certified PO",
    "V3.b" => "close-of-poll statement signed before counting began",
    "V3.c" => "Form 17C Part I arithmetic: voters, electors, total recorded",
    "V3.d" => "control-unit totals add up to the total recorded; capacity",
    "V3.e" => "49MA test votes name existing choices and fit the total",
    "V3.f" => "the PO's remark is short plain text: no pasted data, no hidden characters",
    "V4.a" => "every station of the contest appears exactly once",
    "V4.b" => "proof shape is a manifest shape that holds the contest (committed-count shape in a grouped contest)",
    "V4.c" => "public inputs: total equals Form 17C, unused choice slots are zero; a grouped contest's row publishes no counts, only a count commitment",
    "V4.d" => "Groth16 proof verifies: counts (or the committed counts) are the histogram of the committed log",
    "V4.e" => "published row = machine counts minus 49MA test votes",
    "V4.f" => "the contest's aggregated proofs verify for every station's inputs and proof",
    "V5.a" => "contest result signed by the contest's certified RO",
    "V5.b" => "totals = station rows (group rows in a grouped contest) + postal row",
    "V5.c" => "declared winners follow from the totals (NOTA never wins; ties by recorded lot)",
    "V5.d" => "uncontested contests: no poll, the sole candidate declared",
    "V5.e" => "one shard per contest of the manifest, no other",
    "V5.f" => "totals reconcile with the declared result the RO states, if any",
    "V6.a" => "a control unit is used at one station only",
    "V6.b" => "multi-member ward: equal per-seat totals at every station",
    "V6.c" => "contests on one device set agree on the station's Form 17C Part I",
    "V7.a" => "VVPAT audit: seed shares committed before the results, each signed by its party, every party the audit rule names among them",
    "V7.b" => "every committed share revealed at or after the results, opening its commitment",
    "V7.c" => "audit record signed by the RO over this bundle's results root and the seed the shares give",
    "V7.d" => "statutory sample is the one the seed gives",
    "V7.e" => "risk-limiting draws are the seed's; the audit stops only at its risk limit or a full count",
    "V7.f" => "slips recorded for every station counted; slips prevail in the final totals and winners",
    "V8.a" => "witnessed log: the head is signed by the log key the manifest certifies; its tiles hold its entries",
    "V8.b" => "the head is cosigned by the quorum of pinned witnesses; every head the log published is a prefix of it (no fork)",
    "V8.c" => "every statement of the bundle is in the log",
    "V8.d" => "every logged statement is in the bundle, once; the counting rounds are the bundle's rows; this is the latest bundle",
    "V8.e" => "by the witnesses' clocks: manifest before the poll, close of poll before counting and within its bound, commitments before the result, reveals after",
    "V9.a" => "totaliser groups: one group row per group the manifest declares, in its order, and none in a contest without groups",
    "V9.b" => "a group's shape is a group circuit's key fitting its stations; its machine counts add up to their Form 17C totals",
    "V9.c" => "a group's Groth16 proof: its counts are the sum of its stations' committed counts",
    "V9.d" => "a group's published row is its machine counts minus its stations' 49MA test votes",
}

/// Whether `id` is a step of the spec.
pub fn is_step(id: &str) -> bool {
    STEPS.iter().any(|s| s.id == id)
}

//! The circuit crate's integration tests, as one test binary (linked once): the byte encodings
//! against the spec's vectors, malformed encodings refused, and the station circuit's statement
//! (every way a lying prover could try, at constraint level).

mod aggregate;
mod encodings;
mod g2;
mod malformed;
mod r1cs;
mod station;
mod totaliser;

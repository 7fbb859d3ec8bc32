//! Criterion benches live in `benches/`; `run.sh` is the bench script.

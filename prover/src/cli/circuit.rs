//! `circuit export`: the station circuit's constraint system as an iden3 `.r1cs` file (spec
//! `encodings.md` §7), with the sizes and digests `spec/vectors/circuit-shapes.json` pins.

use circuits::r1cs::R1cs;
use circuits::Shape;
use clap::Subcommand;
use prover::ProverError;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum CircuitCommand {
    /// Synthesises a shape exactly as key generation and the verifier do, writes its R1CS (A, B,
    /// C, the constant one and public inputs first) and prints one JSON line: constraints,
    /// public inputs, private variables, domain, terms, the file's length and SHA-256, and the
    /// matrix digest the ceremony starts from. Compare it with spec/vectors/circuit-shapes.json.
    Export {
        /// The shape, VOTESxCHOICES.
        #[arg(long)]
        shape: String,
        /// The .r1cs file to write (omit to print the line only).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub fn run_circuit(cmd: CircuitCommand) -> Result<(), ProverError> {
    match cmd {
        CircuitCommand::Export { shape, out } => {
            let circuit = |source| ProverError::Circuit {
                context: format!("--shape {shape}"),
                source,
            };
            let s = Shape::parse(&shape).map_err(circuit)?;
            let r1cs = R1cs::of(s).map_err(circuit)?;
            if let Some(out) = out {
                prover::io::write_bytes(&out, &r1cs.to_bytes())?;
            }
            println!("{}", r1cs.summary(s).json_line());
            Ok(())
        }
    }
}

//! The `prover` command's subcommands, one module per family, each with its flags beside the
//! code they drive.

pub mod audit;
pub mod ceremony;
pub mod circuit;
pub mod election;
pub mod import;
pub mod log;
pub mod shard;

use circuits::Shape;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use prover::ProverError;
use std::io::IsTerminal;

/// A progress bar on a terminal, hidden otherwise (batch jobs log only the summary).
pub fn progress_bar(what: &str) -> ProgressBar {
    let bar = ProgressBar::new(0);
    if std::io::stderr().is_terminal() {
        bar.set_style(
            ProgressStyle::with_template(&format!("{{bar:40}} {{pos}}/{{len}} {what} {{elapsed}}"))
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
    } else {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar
}

/// `--shapes` values as shapes: station shapes `VOTESxCHOICES`, and for contests with
/// totaliser groups committed station shapes `VOTESxCHOICESc` and group shapes
/// `gSLOTSxCHOICES` (protocol.md §7.6).
pub fn parse_shapes(shapes: &[String]) -> Result<Vec<Shape>, ProverError> {
    shapes
        .iter()
        .map(|s| {
            Shape::parse(s).map_err(|source| ProverError::Circuit {
                context: format!("--shapes {s}"),
                source,
            })
        })
        .collect()
}

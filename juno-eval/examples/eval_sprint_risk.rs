//! Runs the sprint-risk evaluation from Rust (the `juno eval sprint-risk` command does the
//! same from Python): `cargo run --release --example eval_sprint_risk -- ITERATIONS.csv
//! [ISSUES.csv [MEMBERSHIPS.csv]] [paper-cv|forward|sprint-cv|rolling [none|isotonic|platt|blend]]`.

use std::path::PathBuf;
use std::time::Instant;

use juno_eval::sprint_risk::{self, SprintRiskEvalOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(iterations) = args.first().map(PathBuf::from) else {
        eprintln!(
            "usage: eval_sprint_risk ITERATIONS.csv [ISSUES.csv [MEMBERSHIPS.csv]] [paper-cv|forward|sprint-cv|rolling [none|isotonic|platt]]"
        );
        std::process::exit(2);
    };
    let issues = args
        .get(1)
        .filter(|a| a.ends_with(".csv"))
        .map(PathBuf::from);
    let words: Vec<&String> = args.iter().filter(|a| !a.ends_with(".csv")).collect();
    let protocol = words
        .first()
        .map_or(Ok(sprint_risk::Protocol::PaperCv), |p| p.parse())?;
    let recalibration = words
        .get(1)
        .map_or(Ok(sprint_risk::Recalibration::None), |r| r.parse())?;
    let memberships = args
        .get(2)
        .filter(|a| a.ends_with(".csv"))
        .map(PathBuf::from);
    let options = SprintRiskEvalOptions {
        protocol,
        memberships,
        recalibration,
        ..SprintRiskEvalOptions::default()
    };
    let start = Instant::now();
    let report = sprint_risk::run(&iterations, issues.as_deref(), &options)?;
    print!("{}", report.render_table());
    eprintln!("took {:.1} s", start.elapsed().as_secs_f64());
    Ok(())
}

//! Runs `juno eval learning` from Rust: `cargo run --release --example learning -- [days] [teams]`
//! (`JUNO_APPROVERS=FILE` for another approvers file).
fn main() -> juno_core::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut options = juno_eval::learning::LearningOptions::new()?;
    if let Ok(path) = std::env::var("JUNO_APPROVERS") {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| juno_core::Error::invalid("approvers", format!("{path}: {e}")))?;
        options.approvers = juno_eval::learning::approvers::ApproversFile::parse(&text)?;
    }
    options.days = args.next().and_then(|a| a.parse().ok());
    options.teams = args.next().and_then(|a| a.parse().ok());
    options.plot = Some("/tmp/learning-plot".into());
    let report = juno_eval::learning::run(&options)?;
    print!("{}", report.render_table());
    for a in &report.arms {
        println!(
            "{}: {:.1} s, {} reverts",
            a.arm.as_str(),
            a.seconds,
            a.reverts
        );
        for (k, n) in &a.held_back {
            println!("   held {k}: {n}");
        }
    }
    Ok(())
}

//! Runs `juno eval learning` from Rust: `cargo run --release --example learning -- [days] [teams]`.
fn main() -> juno_core::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut options = juno_eval::learning::LearningOptions::new()?;
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

//! Full-lifecycle benchmark (not a timed test): the API requests of a whole release — create,
//! tasks landing, staging, validation, shipping — of 3, 10, 30 and 60 member repos in the
//! sandbox, driven as the demo drives it (every event through `convoy run`'s path). It reports
//! every request convoy sent, the ones GitHub would count against the rate limit (all but
//! `304 Not Modified`), per repo, and the events delivered.
//!
//! Run: `cargo bench --bench lifecycle` (`CONVOY_BENCH_REPOS=3,10` picks the sizes;
//! `CONVOY_BENCH_BREAKDOWN=1` adds the counted requests by endpoint).
//! Targets: at 60 repos (auto) at most 80 counted requests per repo, and within 25 % of the
//! figure at 10 repos.

use std::time::Instant;

use convoy::model::config::Directive;
use convoy::sandbox::Sandbox;

mod support;

fn main() -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let sizes = support::sizes("CONVOY_BENCH_REPOS", &[3, 10, 30, 60]);
    let breakdown = std::env::var_os("CONVOY_BENCH_BREAKDOWN").is_some();
    println!("| repos | directive | requests | counted | counted per repo | events | wall time |");
    println!("|---|---|---|---|---|---|---|");
    for n in sizes {
        let directives: &[Directive] = if n <= 10 {
            &[Directive::Auto, Directive::Careful]
        } else {
            &[Directive::Auto]
        };
        for &directive in directives {
            rt.block_on(async {
                let sandbox = Sandbox::start(support::lifecycle_seed(n), None).await?;
                let started = Instant::now();
                let out =
                    convoy::demo::play_with(&sandbox.url(), directive, None, None, &mut |_| {})
                        .await?;
                let took = started.elapsed();
                anyhow::ensure!(
                    out.manifest.phase == convoy::model::manifest::Phase::Shipped,
                    "the release did not ship"
                );
                let log = support::request_log(&sandbox.url()).await?;
                let counted = log.iter().filter(|r| r.counted()).count();
                println!(
                    "| {n} | {} | {} | {counted} | {:.0} | {} | {:.1} s |",
                    directive.as_str(),
                    log.len(),
                    counted as f64 / n as f64,
                    out.events,
                    took.as_secs_f64()
                );
                if breakdown {
                    support::print_breakdown(&log);
                }
                Ok::<_, anyhow::Error>(())
            })?;
        }
    }
    Ok(())
}

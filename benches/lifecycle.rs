//! Full-lifecycle benchmark (not a timed test): the API requests and wall time of a whole
//! release — create, tasks landing, staging, validation, shipping — of 3 and 10 member repos in
//! the sandbox, driven as the demo drives it (every event through `convoy run`'s path).
//!
//! Run: `cargo bench --bench lifecycle`.

use std::time::Instant;

use convoy::model::config::Directive;
use convoy::sandbox::Sandbox;

mod support;

fn main() -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    println!("| repos | directive | requests | per repo | events | wall time |");
    println!("|---|---|---|---|---|---|");
    for n in [3usize, 10] {
        for directive in [Directive::Auto, Directive::Careful] {
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
                println!(
                    "| {n} | {} | {} | {:.0} | {} | {:.1} s |",
                    directive.as_str(),
                    out.requests,
                    out.requests as f64 / n as f64,
                    out.events,
                    took.as_secs_f64()
                );
                Ok::<_, anyhow::Error>(())
            })?;
        }
    }
    Ok(())
}

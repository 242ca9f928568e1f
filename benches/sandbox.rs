//! Sandbox benchmark (not a timed test): starts `convoy sandbox serve`, measures the time until
//! it prints its address, then 1,000 sequential branch GETs through octocrab.
//!
//! Run: `cargo bench --bench sandbox` (targets: ready < 1 s, 1,000 GETs < 2 s).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

use octocrab::Octocrab;
use octocrab::service::middleware::retry::RetryConfig;

fn main() -> anyhow::Result<()> {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_convoy"))
        .args(["sandbox", "serve"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut line = String::new();
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
    BufReader::new(stdout).read_line(&mut line)?;
    let ready = started.elapsed();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_default()
        .to_owned();

    let rt = tokio::runtime::Runtime::new()?;
    let result = rt.block_on(async {
        let octo = Octocrab::builder()
            .base_uri(url.as_str())?
            .personal_token("t-bot".to_owned())
            .add_retry_config(RetryConfig::None)
            .build()?;
        // One warm-up request (connection set-up), then the measured loop.
        octo.repos("acme", "api").branches().get("main").await?;
        let t = Instant::now();
        for i in 0..1000 {
            let branch = if i % 2 == 0 { "main" } else { "staging" };
            octo.repos("acme", "api").branches().get(branch).await?;
        }
        anyhow::Ok(t.elapsed())
    });
    child.kill()?;
    child.wait()?;
    let gets = result?;
    println!(
        "sandbox ready in {:.1} ms (target < 1000 ms)",
        ready.as_secs_f64() * 1000.0
    );
    println!(
        "1000 sequential branch GETs in {:.1} ms, {:.2} ms each (target < 2000 ms)",
        gets.as_secs_f64() * 1000.0,
        gets.as_secs_f64()
    );
    Ok(())
}

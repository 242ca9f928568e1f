//! Tier results callers claimed (`convoy.tier-completed`), as the manifest keeps them.
//!
//! A claim is never evidence: convoy takes a tier's result from the run GitHub shows
//! (`lifecycle::tiers`). It keeps the claims GitHub has not borne out, so that each is noted
//! on the tracking issue once, however often it is sent, and a claim about a run still going
//! is checked again when GitHub shows the run completed.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ids::TierName;
use super::numbers::RunId;
use super::time::Timestamp;

/// The most claims a manifest keeps; past it, the oldest already noted go first.
pub const MAX_CLAIMS: usize = 100;

/// The longest correlation id a claim keeps (longer ones are cut; convoy's own are far shorter).
const MAX_CORRELATION: usize = 160;

/// A tier result a caller claimed, which GitHub has not borne out (yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TierClaim {
    /// What identifies the claim (16 hex digits, over everything it said): the same claim sent
    /// again is the same record; its note's marker is `convoy:claim:<key>`.
    pub key: String,
    /// The correlation id it named, as sent (at most 160 characters).
    pub correlation_id: String,
    /// The tier it named, when it named one that parses as a tier name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<TierName>,
    /// The run it named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<RunId>,
    /// The conclusion it claimed, as spelt (at most 40 characters; `success`, `failure`, …).
    pub conclusion: String,
    /// Who sent it (the `repository_dispatch` sender), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
    /// When it came.
    pub at: Timestamp,
    /// Where it stands.
    pub verdict: ClaimVerdict,
    /// What GitHub shows instead, as a sentence, once rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Whether the note on the tracking issue was planned (set in the decision that plans it,
    /// taken back when posting failed), so that two runs at once never both post it.
    #[serde(default)]
    pub noted: bool,
}

/// Where a claim stands against what GitHub shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClaimVerdict {
    /// It names the run convoy dispatched, which GitHub shows still going: checked again when
    /// GitHub shows it completed (dropped if it then agrees).
    Held,
    /// GitHub contradicts it (`reason` says how); it changed nothing.
    Rejected,
}

impl TierClaim {
    /// A claim as it came (not judged yet: `Held`, not noted).
    pub fn new(
        correlation_id: &str,
        tier: Option<TierName>,
        run_id: Option<RunId>,
        conclusion: &str,
        sender: Option<String>,
        at: Timestamp,
    ) -> TierClaim {
        let correlation_id: String = correlation_id.chars().take(MAX_CORRELATION).collect();
        let conclusion: String = conclusion.chars().take(40).collect();
        let key = key(&correlation_id, tier.as_ref(), run_id, &conclusion);
        TierClaim {
            key,
            correlation_id,
            tier,
            run_id,
            conclusion,
            sender,
            at,
            verdict: ClaimVerdict::Held,
            reason: None,
            noted: false,
        }
    }

    /// Whether GitHub contradicted it.
    pub fn rejected(&self) -> bool {
        self.verdict == ClaimVerdict::Rejected
    }

    /// Marks it rejected, for `reason`.
    pub fn reject(&mut self, reason: String) {
        self.verdict = ClaimVerdict::Rejected;
        self.reason = Some(reason);
    }
}

/// FNV-1a over 64 bits of what the claim said, in 16 lower-case hex digits.
fn key(correlation: &str, tier: Option<&TierName>, run: Option<RunId>, conclusion: &str) -> String {
    let run = run.map(|r| r.to_string()).unwrap_or_default();
    let tier = tier.map(TierName::as_str).unwrap_or_default();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [correlation, tier, &run, conclusion] {
        for b in part.bytes().chain([0]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// Keeps at most [`MAX_CLAIMS`], dropping the oldest noted ones first (a held claim, or one not
/// noted yet, is kept while any other can go).
pub fn bound(claims: &mut Vec<TierClaim>) {
    while claims.len() > MAX_CLAIMS {
        let i = claims
            .iter()
            .position(|c| c.rejected() && c.noted)
            .unwrap_or(0);
        claims.remove(i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(correlation: &str, run: Option<u64>, c: &str) -> TierClaim {
        TierClaim::new(
            correlation,
            TierName::parse("e2e").ok(),
            run.map(RunId::new),
            c,
            None,
            Timestamp::from_unix_seconds(1_796_115_600).unwrap(),
        )
    }

    #[test]
    fn a_claim_sent_again_has_the_same_key_and_any_other_claim_another() {
        let a = claim("convoy-r1-e2e-1-0a1b2c3d", Some(7), "success");
        assert_eq!(
            a.key,
            claim("convoy-r1-e2e-1-0a1b2c3d", Some(7), "success").key
        );
        assert_eq!(a.key.len(), 16, "{}", a.key);
        for other in [
            claim("convoy-r1-e2e-1-0a1b2c3d", Some(8), "success"),
            claim("convoy-r1-e2e-1-0a1b2c3d", None, "success"),
            claim("convoy-r1-e2e-1-0a1b2c3d", Some(7), "failure"),
            claim("convoy-r1-e2e-2-0a1b2c3d", Some(7), "success"),
        ] {
            assert_ne!(a.key, other.key);
        }
    }

    #[test]
    fn a_long_correlation_id_is_cut() {
        let c = claim(&"x".repeat(10_000), None, "success");
        assert_eq!(c.correlation_id.len(), MAX_CORRELATION);
    }

    #[test]
    fn the_oldest_noted_claims_go_first() {
        let mut claims: Vec<TierClaim> = (0..MAX_CLAIMS as u64 + 2)
            .map(|i| {
                let mut c = claim("c", Some(i), "success");
                c.reject("no".to_owned());
                c.noted = i != 0;
                c
            })
            .collect();
        bound(&mut claims);
        assert_eq!(claims.len(), MAX_CLAIMS);
        // The first was not noted yet: kept; the next two (noted) went.
        let runs: Vec<u64> = claims
            .iter()
            .filter_map(|c| c.run_id)
            .map(RunId::get)
            .collect();
        assert_eq!(&runs[..3], &[0, 3, 4]);
    }
}

//! Test-only switches. They exist only in builds with the `test-hooks` cargo feature,
//! which the project's own tests turn on (as a dev-dependency feature of the `ail`
//! package) and nothing else does: a release build reads no `AIL_TEST_*` variable and
//! every switch is off. Even with the feature, nothing is on unless `AIL_TEST_HOOKS=1`.

use std::time::Duration;

#[derive(Clone, Debug, Default)]
pub struct TestHooks {
    /// `AIL_TEST_HOOKS=1`: the hooks below, and the `ail/debug/*` requests, are on.
    pub enabled: bool,
    /// `AIL_TEST_PANIC=hover|context|status|indexer`: that job panics.
    pub panic_in: Option<String>,
    /// `AIL_TEST_DELAY_MS=N`: `ail/context` jobs wait N ms, checking their cancel token,
    /// before asking the engine. Makes cancellation observable.
    pub context_delay: Duration,
    /// `AIL_TEST_STALL=hover|context`: that job blocks for a minute without looking at its
    /// cancel token, as work stuck in blocking I/O would.
    pub stall_in: Option<String>,
    /// `AIL_TEST_REQUEST_DEADLINE_MS=N`: requests are abandoned after N ms instead of
    /// `guard::REQUEST_DEADLINE`.
    pub request_deadline: Option<Duration>,
    /// `AIL_TEST_LATENCY_BUDGET_MS=X`: the p95 budget past which the optional stages
    /// switch off (see the engine's `rollback`), instead of 500 ms.
    pub latency_budget_ms: Option<f64>,
}

impl TestHooks {
    /// The switches the environment asks for, in a build with the `test-hooks` feature.
    #[cfg(feature = "test-hooks")]
    pub fn from_env() -> TestHooks {
        if !std::env::var("AIL_TEST_HOOKS").is_ok_and(|v| v == "1") {
            return TestHooks::default();
        }
        let text = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let millis = |name: &str| {
            text(name)
                .and_then(|v| v.parse::<u64>().ok())
                .map(Duration::from_millis)
        };
        TestHooks {
            enabled: true,
            panic_in: text("AIL_TEST_PANIC"),
            context_delay: millis("AIL_TEST_DELAY_MS").unwrap_or(Duration::ZERO),
            stall_in: text("AIL_TEST_STALL"),
            request_deadline: millis("AIL_TEST_REQUEST_DEADLINE_MS"),
            latency_budget_ms: text("AIL_TEST_LATENCY_BUDGET_MS").and_then(|v| v.parse().ok()),
        }
    }

    /// Without the `test-hooks` feature every switch is off, whatever the environment says.
    #[cfg(not(feature = "test-hooks"))]
    pub fn from_env() -> TestHooks {
        TestHooks::default()
    }

    pub fn panics_in(&self, job: &str) -> bool {
        self.panic_in.as_deref() == Some(job)
    }

    /// How long `job` blocks before it starts, if the test asked for a stall.
    pub fn stall_in(&self, job: &str) -> Option<Duration> {
        (self.stall_in.as_deref() == Some(job)).then_some(Duration::from_secs(60))
    }
}

#[cfg(all(test, not(feature = "test-hooks")))]
mod tests {
    use super::*;

    #[test]
    fn without_the_feature_the_environment_turns_nothing_on() {
        // Read by this process only: set for the check, as a test run would set it.
        std::env::set_var("AIL_TEST_HOOKS", "1");
        std::env::set_var("AIL_TEST_PANIC", "hover");
        let hooks = TestHooks::from_env();
        assert!(!hooks.enabled && !hooks.panics_in("hover"));
    }
}

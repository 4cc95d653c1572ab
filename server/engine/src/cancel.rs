//! The one way to stop work early: a cancel token that indexing passes, history walks and
//! question answering all check, inside their long loops as well as between stages.
//!
//! A token can have a parent: a request's token is a child of the server's, so either
//! cancelling the request or stopping the server stops the work, and a check is two atomic
//! loads at most per level.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Shared cancel flag; cloning gives another handle on the same flag.
#[derive(Clone, Debug, Default)]
pub struct CancelToken {
    node: Arc<Node>,
}

#[derive(Debug, Default)]
struct Node {
    cancelled: AtomicBool,
    parent: Option<Arc<Node>>,
}

impl CancelToken {
    /// A token that nothing has cancelled yet.
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    /// A new token that is cancelled when this one is (but not the other way round).
    pub fn child(&self) -> CancelToken {
        CancelToken {
            node: Arc::new(Node {
                cancelled: AtomicBool::new(false),
                parent: Some(self.node.clone()),
            }),
        }
    }

    /// Whether `other` is a handle on this very token.
    pub fn same_as(&self, other: &CancelToken) -> bool {
        Arc::ptr_eq(&self.node, &other.node)
    }

    pub fn cancel(&self) {
        self.node.cancelled.store(true, Ordering::Release);
    }

    /// Whether this token or any of its parents was cancelled.
    pub fn is_cancelled(&self) -> bool {
        let mut node = Some(&self.node);
        while let Some(n) = node {
            if n.cancelled.load(Ordering::Acquire) {
                return true;
            }
            node = n.parent.as_ref();
        }
        false
    }

    /// Wait `total` unless cancelled first; returns whether it was cancelled.
    pub fn sleep(&self, total: Duration) -> bool {
        let until = Instant::now() + total;
        while Instant::now() < until {
            if self.is_cancelled() {
                return true;
            }
            std::thread::sleep(
                Duration::from_millis(5).min(until.saturating_duration_since(Instant::now())),
            );
        }
        self.is_cancelled()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_sees_its_parent_cancelled_but_not_the_reverse() {
        let server = CancelToken::new();
        let request = server.child();
        let other = server.child();
        assert!(!request.is_cancelled());
        request.cancel();
        assert!(request.is_cancelled());
        assert!(!server.is_cancelled() && !other.is_cancelled());
        server.cancel();
        assert!(other.is_cancelled());
        let clone = other.clone();
        assert!(clone.is_cancelled());
    }

    #[test]
    fn sleep_returns_early_when_cancelled() {
        let token = CancelToken::new();
        assert!(!token.sleep(Duration::from_millis(10)));
        token.cancel();
        let started = Instant::now();
        assert!(token.sleep(Duration::from_secs(60)));
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}

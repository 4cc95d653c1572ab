//! Running request work safely: on a blocking thread (the reader never waits for CPU work),
//! under `catch_unwind` (a panic answers that one request with InternalError and the
//! server goes on), and with a cancel flag that is raised when the framework drops the
//! request's future after `$/cancelRequest` — dropping a future does not stop blocking work
//! by itself.

use crate::state::State;
use ail_engine::CancelToken;
use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tower_lsp_server::jsonrpc;

/// The longest a request's work may run before the request is answered with an error.
/// Answers take milliseconds; only work stuck in I/O comes near this.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(30);

/// Log every panic with its backtrace to stderr (through tracing). Requests catch their
/// own panics; this makes sure each one is still seen once in the log.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = panic_message(info.payload());
        let location = info
            .location()
            .map_or_else(|| "an unknown place".to_string(), |l| l.to_string());
        let thread = std::thread::current();
        let backtrace = std::backtrace::Backtrace::force_capture();
        tracing::error!(
            "thread '{}' panicked at {location}: {message}\nbacktrace:\n{backtrace}",
            thread.name().unwrap_or("unnamed")
        );
    }));
}

pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}

/// Cancels the request's token when the request future is dropped, whether it finished or
/// was cancelled (after it finished, nobody is looking any more). The token is a child of
/// the server's, so stopping the server cancels it too.
struct CancelOnDrop(CancelToken);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// Counts a blocking job as active for exactly as long as it runs.
struct ActiveJob(Arc<AtomicUsize>);

impl ActiveJob {
    fn enter(count: &Arc<AtomicUsize>) -> ActiveJob {
        count.fetch_add(1, Ordering::AcqRel);
        ActiveJob(count.clone())
    }
}

impl Drop for ActiveJob {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Run `work` for the request named `job` on a blocking thread, panic-guarded,
/// cancellable and bounded in time: past `REQUEST_DEADLINE` the request is answered with
/// an error and its token cancelled, so work stuck in blocking I/O (which no token can
/// interrupt) never holds one of the framework's request slots; enough stuck requests
/// would otherwise leave none for anything else, `ail/status` and `shutdown` included.
/// `AIL_TEST_PANIC=<job>` makes the job panic and `AIL_TEST_STALL=<job>` makes it block
/// without looking at its token, to test exactly this.
pub async fn run<T, F>(state: &State, job: &'static str, work: F) -> jsonrpc::Result<T>
where
    T: Send + 'static,
    F: FnOnce(&CancelToken) -> jsonrpc::Result<T> + Send + 'static,
{
    let cancel = state.stopping.child();
    let _cancel_on_drop = CancelOnDrop(cancel.clone());
    let active = state.active_jobs.clone();
    let inject_panic = state.hooks.panics_in(job);
    let stall = state.hooks.stall_in(job);
    let deadline = state.hooks.request_deadline.unwrap_or(REQUEST_DEADLINE);
    let token = cancel.clone();
    let handle = tokio::task::spawn_blocking(move || {
        let _active = ActiveJob::enter(&active);
        std::panic::catch_unwind(AssertUnwindSafe(|| {
            if inject_panic {
                panic!("injected test panic in {job} (AIL_TEST_PANIC)");
            }
            if let Some(stall) = stall {
                std::thread::sleep(stall);
            }
            if token.is_cancelled() {
                return Err(jsonrpc::Error::request_cancelled());
            }
            work(&token)
        }))
    });
    match tokio::time::timeout(deadline, handle).await {
        Ok(Ok(Ok(result))) => result,
        Ok(Ok(Err(payload))) => Err(internal_error(format!(
            "{job} panicked: {} (the server goes on; the log has the backtrace)",
            panic_message(payload.as_ref())
        ))),
        Ok(Err(e)) => Err(internal_error(format!("{job} failed to run: {e}"))),
        Err(_) => {
            cancel.cancel();
            tracing::warn!("{job} did not finish within {deadline:?}; answered with an error");
            Err(internal_error(format!(
                "{job} did not finish within {} ms and was abandoned",
                deadline.as_millis()
            )))
        }
    }
}

/// Run a handler's quick synchronous part (document changes, lifecycle) so that a panic
/// in it is logged and contained instead of ending the process. `None` if it panicked.
pub fn contain<T>(handler: &str, work: impl FnOnce() -> T) -> Option<T> {
    match std::panic::catch_unwind(AssertUnwindSafe(work)) {
        Ok(value) => Some(value),
        Err(payload) => {
            tracing::error!(
                "{handler} panicked: {}; the server goes on",
                panic_message(payload.as_ref())
            );
            None
        }
    }
}

/// `contain` for request handlers: a panic answers InternalError.
pub fn contain_request<T>(
    handler: &str,
    work: impl FnOnce() -> jsonrpc::Result<T>,
) -> jsonrpc::Result<T> {
    contain(handler, work).unwrap_or_else(|| {
        Err(internal_error(format!(
            "{handler} panicked (the log has the backtrace)"
        )))
    })
}

pub fn internal_error(message: String) -> jsonrpc::Error {
    jsonrpc::Error {
        code: jsonrpc::ErrorCode::InternalError,
        message: message.into(),
        data: None,
    }
}

//! Live reload over server-sent events.
//!
//! Each open page holds one `GET /__changeportal/events` stream on its own
//! thread. The stream starts with a `hello` event carrying the current build
//! generation and gets a `reload` event with the new generation after every
//! rebuild; the page's script reloads when the generation differs from the
//! one it was served with, so a rebuild that lands between serving a page
//! and opening its stream is not missed. A comment line every
//! [`HEARTBEAT`] keeps proxies from closing the stream and finds clients
//! that went away.
//!
//! tiny_http buffers response bodies (chunked encoding in 8 KiB chunks), so
//! the stream writes its own header on the raw connection and flushes after
//! every event; the body ends when the connection closes.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Interval of the keep-alive comment.
pub const HEARTBEAT: Duration = Duration::from_secs(15);

/// Most event streams held open at once; more get 503.
pub const MAX_STREAMS: usize = 64;

/// Reload notifications not yet written to a slow client; more are dropped
/// (the client reloads on the first one anyway).
const QUEUE: usize = 8;

/// Fans a new generation out to every open event stream.
#[derive(Debug, Default)]
pub struct Reloader {
    subscribers: Mutex<Vec<SyncSender<String>>>,
    open_streams: AtomicUsize,
}

/// A registered stream; frees its slot when dropped.
pub struct Subscription {
    reloader: Arc<Reloader>,
    events: Receiver<String>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.reloader.open_streams.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Reloader {
    /// Registers a new stream, or `None` when [`MAX_STREAMS`] are open.
    pub fn subscribe(self: &Arc<Self>) -> Option<Subscription> {
        let open = self.open_streams.fetch_add(1, Ordering::SeqCst);
        if open >= MAX_STREAMS {
            self.open_streams.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        let (sender, events) = mpsc::sync_channel(QUEUE);
        self.lock().push(sender);
        Some(Subscription {
            reloader: Arc::clone(self),
            events,
        })
    }

    /// Tells every open stream that `generation` is now served; forgets
    /// streams that have closed.
    pub fn broadcast(&self, generation: &str) {
        self.lock().retain(|sender| {
            !matches!(
                sender.try_send(generation.to_string()),
                Err(mpsc::TrySendError::Disconnected(_))
            )
        });
    }

    /// How many event streams are open.
    pub fn open_streams(&self) -> usize {
        self.open_streams.load(Ordering::SeqCst)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<SyncSender<String>>> {
        self.subscribers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Writes the event stream of one client until it goes away. `current`
/// gives the generation served right now; it is read after the subscription
/// is registered, so no broadcast can fall between the two.
pub fn stream(
    mut writer: Box<dyn Write + Send>,
    subscription: Subscription,
    current: impl Fn() -> String,
) {
    let opening = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n\
         Cache-Control: no-store\r\nConnection: close\r\nX-Accel-Buffering: no\r\n\r\n\
         retry: 1000\n\n{}",
        event("hello", &current())
    );
    if send(&mut writer, &opening).is_err() {
        return;
    }
    loop {
        let message = match subscription.events.recv_timeout(HEARTBEAT) {
            Ok(generation) => event("reload", &generation),
            Err(RecvTimeoutError::Timeout) => ": heartbeat\n\n".to_string(),
            Err(RecvTimeoutError::Disconnected) => return,
        };
        if send(&mut writer, &message).is_err() {
            return;
        }
    }
}

fn event(name: &str, data: &str) -> String {
    format!("event: {name}\ndata: {data}\n\n")
}

fn send(writer: &mut Box<dyn Write + Send>, text: &str) -> std::io::Result<()> {
    writer.write_all(text.as_bytes())?;
    writer.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcast_reaches_subscribers_and_forgets_closed_ones() {
        let reloader = Arc::new(Reloader::default());
        let first = reloader.subscribe().unwrap();
        let second = reloader.subscribe().unwrap();
        assert_eq!(reloader.open_streams(), 2);
        drop(second);
        assert_eq!(reloader.open_streams(), 1);
        reloader.broadcast("g2");
        assert_eq!(first.events.try_recv().unwrap(), "g2");
        assert_eq!(reloader.lock().len(), 1);
    }

    #[test]
    fn streams_are_capped() {
        let reloader = Arc::new(Reloader::default());
        let held: Vec<Subscription> = (0..MAX_STREAMS)
            .map(|_| reloader.subscribe().unwrap())
            .collect();
        assert!(reloader.subscribe().is_none());
        drop(held);
        assert!(reloader.subscribe().is_some());
    }
}

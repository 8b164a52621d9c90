//! Live reload over server-sent events.
//!
//! Each open page holds one `GET /__changeportal/events` stream. The stream
//! starts with a `hello` event carrying the current build generation and
//! gets a `reload` event with the new generation after every rebuild; the
//! page's script reloads when the generation differs from the one it was
//! served with, so a rebuild that lands between serving a page and opening
//! its stream is not missed. Only the latest generation matters, so it is
//! held in a [`tokio::sync::watch`] channel: a slow client skips
//! intermediate generations and never queues anything. A comment line every
//! [`HEARTBEAT`] keeps proxies from closing the stream, keeps the
//! connection's idle timeout (see [`super::limits`]) from firing, and finds
//! clients that went away.

use axum::response::sse::Event;
use futures_util::Stream;
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Interval of the keep-alive comment.
pub const HEARTBEAT: Duration = Duration::from_secs(15);

/// Most event streams held open at once; more get 503.
pub const MAX_STREAMS: usize = 64;

/// How soon a browser reconnects after the stream drops.
const RETRY: Duration = Duration::from_secs(1);

/// Fans a new generation out to every open event stream.
#[derive(Debug)]
pub struct Reloader {
    generation: watch::Sender<String>,
    open_streams: AtomicUsize,
}

impl Default for Reloader {
    fn default() -> Self {
        Self {
            generation: watch::Sender::new(String::new()),
            open_streams: AtomicUsize::new(0),
        }
    }
}

/// A registered stream; frees its slot when dropped.
pub struct Subscription {
    reloader: Arc<Reloader>,
    generations: watch::Receiver<String>,
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
        Some(Subscription {
            reloader: Arc::clone(self),
            generations: self.generation.subscribe(),
        })
    }

    /// Tells every open stream that `generation` is now served.
    pub fn broadcast(&self, generation: &str) {
        self.generation.send_replace(generation.to_string());
    }

    /// How many event streams are open.
    pub fn open_streams(&self) -> usize {
        self.open_streams.load(Ordering::SeqCst)
    }
}

/// The events of one client: `hello` with the generation `current` gives
/// right now, then `reload` after each broadcast. `current` is read after
/// the subscription was registered, so no broadcast can fall between the
/// two. The stream (and with it the subscription's slot) ends when the
/// client goes away.
pub fn events(
    subscription: Subscription,
    current: String,
) -> impl Stream<Item = Result<Event, Infallible>> + Send {
    let hello = Event::default().retry(RETRY).event("hello").data(current);
    let mut subscription = subscription;
    subscription.generations.mark_unchanged();
    futures_util::stream::unfold(
        (Some(hello), subscription),
        |(first, mut subscription)| async move {
            if let Some(hello) = first {
                return Some((Ok(hello), (None, subscription)));
            }
            subscription.generations.changed().await.ok()?;
            let generation = subscription.generations.borrow_and_update().clone();
            let reload = Event::default().event("reload").data(generation);
            Some((Ok(reload), (None, subscription)))
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    #[test]
    fn streams_are_capped_and_free_their_slot() {
        let reloader = Arc::new(Reloader::default());
        let held: Vec<Subscription> = (0..MAX_STREAMS)
            .map(|_| reloader.subscribe().unwrap())
            .collect();
        assert_eq!(reloader.open_streams(), MAX_STREAMS);
        assert!(reloader.subscribe().is_none());
        drop(held);
        assert_eq!(reloader.open_streams(), 0);
        assert!(reloader.subscribe().is_some());
    }

    #[test]
    fn a_stream_says_hello_then_announces_the_latest_generation() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let reloader = Arc::new(Reloader::default());
            reloader.broadcast("g1");
            let subscription = reloader.subscribe().unwrap();
            let mut events = Box::pin(events(subscription, "g1".to_string()));
            let hello = format!("{:?}", events.next().await.unwrap().unwrap());
            assert!(hello.contains("hello") && hello.contains("g1"), "{hello}");
            reloader.broadcast("g2");
            reloader.broadcast("g3");
            let reload = format!("{:?}", events.next().await.unwrap().unwrap());
            assert!(
                reload.contains("reload") && reload.contains("g3"),
                "{reload}"
            );
            assert!(!reload.contains("g2"), "{reload}");
            drop(events);
            assert_eq!(reloader.open_streams(), 0);
        });
    }
}

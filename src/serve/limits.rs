//! Bounds on connections, so that no client (or thousands of them) can make
//! serve use unbounded threads or memory, or stop it answering.
//!
//! The numbers, and why:
//! - [`MAX_CONNECTIONS`] = 512 connections open at once. A browser opens
//!   at most 6 per host plus one event stream per tab, so 512 is far more
//!   than any real audience of a preview server, while 512 connections at
//!   most [`MAX_BUFFER`] each stay within a few tens of MB. The connections
//!   run as tasks on a fixed pool of [`WORKER_THREADS`] threads, so the
//!   thread count never depends on the number of clients.
//! - **Fresh connections make room.** When all slots are taken, a new
//!   connection takes the slot of the oldest connection that has not yet
//!   sent a complete request head (which is closed): clients that only open
//!   sockets cannot lock out one that asks for a page (as nginx reuses idle
//!   connections when it runs out). When every slot holds a connection that
//!   did send a request, the new one gets a `503` and is closed.
//! - [`HEADER_TIMEOUT`] = 10 s to send a complete request head, counted
//!   from the accept and again from the end of each response, so it is
//!   also the keep-alive idle timeout. Browsers send their head at once;
//!   10 s leaves room for a slow phone on Wi-Fi.
//! - [`IDLE_TIMEOUT`] = 60 s without a byte read or written while the
//!   connection waits on the network (a client that stops reading a
//!   response). Event streams write a heartbeat every
//!   [`super::reload::HEARTBEAT`] (15 s), so an open page is never cut off.

use std::collections::BTreeMap;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::time::{Instant, Sleep};

/// Most connections open at once.
pub const MAX_CONNECTIONS: usize = 512;

/// Time allowed to send a complete request head (also the keep-alive idle
/// time between requests).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Time a connection may wait on the network without a byte moving.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Largest read buffer of one connection, in bytes (bounds a request head).
pub const MAX_BUFFER: usize = 64 * 1024;

/// Threads answering requests, whatever the number of clients.
pub const WORKER_THREADS: usize = 2;

/// The connection slots of one server.
#[derive(Debug)]
pub struct Slots {
    max: usize,
    state: Mutex<SlotState>,
}

#[derive(Debug, Default)]
struct SlotState {
    open: usize,
    next_id: u64,
    /// Connections that have not sent a complete request head, oldest first.
    fresh: BTreeMap<u64, Arc<Eviction>>,
}

/// Tells a connection that its slot went to a newer one.
#[derive(Debug, Default)]
struct Eviction {
    evicted: AtomicBool,
    notify: Notify,
}

/// One admitted connection's slot; frees it when dropped.
#[derive(Debug)]
pub struct Slot {
    slots: Arc<Slots>,
    id: u64,
    eviction: Arc<Eviction>,
    served: AtomicBool,
}

impl Slots {
    /// Room for `max` connections at once.
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(Self {
            max,
            state: Mutex::new(SlotState::default()),
        })
    }

    /// A slot for a new connection: a free one, else the one of the oldest
    /// connection that has sent no complete request (which is told to
    /// close, see [`Slot::evicted`]); `None` when every slot holds a
    /// connection that did send a request.
    pub fn admit(self: &Arc<Self>) -> Option<Slot> {
        let mut state = self.lock();
        if state.open < self.max {
            state.open += 1;
        } else {
            // The evicted connection's slot passes to this one: `open` stays.
            let (_, oldest) = state.fresh.pop_first()?;
            oldest.evicted.store(true, Ordering::SeqCst);
            oldest.notify.notify_one();
        }
        let id = state.next_id;
        state.next_id += 1;
        let eviction = Arc::new(Eviction::default());
        state.fresh.insert(id, Arc::clone(&eviction));
        Some(Slot {
            slots: Arc::clone(self),
            id,
            eviction,
            served: AtomicBool::new(false),
        })
    }

    /// Connections holding a slot.
    pub fn open(&self) -> usize {
        self.lock().open
    }

    fn lock(&self) -> MutexGuard<'_, SlotState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Slot {
    /// Records that the connection sent a complete request head: from now
    /// on it is never evicted.
    pub fn mark_served(&self) {
        if !self.served.swap(true, Ordering::SeqCst) {
            self.slots.lock().fresh.remove(&self.id);
        }
    }

    /// Completes when a newer connection took this slot; the connection
    /// must then close.
    pub async fn evicted(&self) {
        self.eviction.notify.notified().await;
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut state = self.slots.lock();
        state.fresh.remove(&self.id);
        if !self.eviction.evicted.load(Ordering::SeqCst) {
            state.open -= 1;
        }
    }
}

/// A connection that fails with [`io::ErrorKind::TimedOut`] once it has
/// waited on the network for `timeout` without a byte read or written.
/// Time spent while nobody reads or writes (a response waiting for the next
/// event) does not count.
#[derive(Debug)]
pub struct IdleTimeout<T> {
    inner: T,
    timeout: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl<T> IdleTimeout<T> {
    /// Wraps `inner`; the clock starts now.
    pub fn new(inner: T, timeout: Duration) -> Self {
        Self {
            inner,
            timeout,
            deadline: Box::pin(tokio::time::sleep(timeout)),
        }
    }

    fn progressed(&mut self) {
        let next = Instant::now() + self.timeout;
        self.deadline.as_mut().reset(next);
    }

    /// Turns a pending operation into an error once the deadline passed.
    fn pending<R>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<R>> {
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "connection idle for too long",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn after_write(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        match polled {
            Poll::Ready(Ok(written)) => {
                if written > 0 {
                    self.progressed();
                }
                Poll::Ready(Ok(written))
            }
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => self.pending(cx),
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for IdleTimeout<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.progressed();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => this.pending(cx),
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for IdleTimeout<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write(cx, data);
        this.after_write(cx, polled)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write_vectored(cx, data);
        this.after_write(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_flush(cx) {
            Poll::Pending => this.pending(cx),
            ready => ready,
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[test]
    fn fresh_connections_make_room_and_served_ones_keep_their_slot() {
        let slots = Slots::new(2);
        let first = slots.admit().unwrap();
        let second = slots.admit().unwrap();
        second.mark_served();
        // Full: the oldest fresh connection (first) gives up its slot.
        let third = slots.admit().unwrap();
        assert!(first.eviction.evicted.load(Ordering::SeqCst));
        assert!(!second.eviction.evicted.load(Ordering::SeqCst));
        assert_eq!(slots.open(), 2);
        drop(first);
        assert_eq!(slots.open(), 2, "an evicted slot is freed twice");
        third.mark_served();
        // Every slot holds a served connection: refused.
        assert!(slots.admit().is_none());
        drop(second);
        assert_eq!(slots.open(), 1);
        let fourth = slots.admit().unwrap();
        assert_eq!(slots.open(), 2);
        drop((third, fourth));
        assert_eq!(slots.open(), 0);
    }

    #[test]
    fn eviction_wakes_the_evicted_connection() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let slots = Slots::new(1);
        let first = slots.admit().unwrap();
        let _second = slots.admit().unwrap();
        let woke = runtime.block_on(async {
            tokio::time::timeout(Duration::from_secs(5), first.evicted()).await
        });
        assert!(woke.is_ok());
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
    }

    #[test]
    fn a_peer_that_stops_reading_times_out_and_one_that_reads_does_not() {
        runtime().block_on(async {
            let timeout = Duration::from_millis(300);
            // A 64-byte pipe that nobody drains: the writer stalls.
            let (ours, _theirs) = tokio::io::duplex(64);
            let mut stalled = IdleTimeout::new(ours, timeout);
            let error = stalled.write_all(&[b'x'; 4096]).await.unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::TimedOut);

            // A peer that sends a byte every 100 ms keeps the connection open
            // well past the timeout.
            let (ours, mut theirs) = tokio::io::duplex(64);
            let mut reading = IdleTimeout::new(ours, timeout);
            tokio::spawn(async move {
                for _ in 0..10 {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    if theirs.write_all(b"y").await.is_err() {
                        return;
                    }
                }
            });
            let mut received = [0u8; 10];
            reading.read_exact(&mut received).await.unwrap();
            assert_eq!(&received, b"yyyyyyyyyy");
        });
    }
}

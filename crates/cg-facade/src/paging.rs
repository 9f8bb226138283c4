//! Lazy streams over paged listings: offset (`start`/`limit`) or cursor (v7).

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, Stream, StreamExt};

use crate::error::{Error, Result};

#[cfg(feature = "sync")]
mod cursor_listing;
mod offset_listing;

#[cfg(feature = "sync")]
pub use cursor_listing::{CursorListing, CursorPage, CursorSource};
pub use offset_listing::{OffsetListing, OffsetPage, OffsetSource, TakesLimit};

/// Keeps the listing traits implemented by this crate's listings only, so they can
/// change without breaking anyone.
pub(crate) mod sealed {
    /// Implemented by each listing's source.
    pub trait Sealed {}
}

/// A v7 paging cursor, opaque: it keeps the JSON type it came with (an integer, as the
/// close-loop article documents, or a string, as the v6 export sent) and goes back to
/// the service exactly as it came.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Cursor(serde_json::Value);

impl Cursor {
    /// The cursor as the service sent it.
    pub fn as_json(&self) -> &serde_json::Value {
        &self.0
    }

    /// Null or blank: no cursor to go on with.
    pub fn is_empty(&self) -> bool {
        match &self.0 {
            serde_json::Value::Null => true,
            serde_json::Value::String(s) => s.trim().is_empty(),
            _ => false,
        }
    }
}

impl std::fmt::Display for Cursor {
    /// Text as is, numbers as digits: the form the `cursor` query parameter takes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            serde_json::Value::String(s) => f.write_str(s),
            serde_json::Value::Null => Ok(()),
            other => write!(f, "{other}"),
        }
    }
}

impl From<String> for Cursor {
    fn from(s: String) -> Self {
        Cursor(serde_json::Value::String(s))
    }
}

impl From<&str> for Cursor {
    fn from(s: &str) -> Self {
        Cursor(serde_json::Value::String(s.to_owned()))
    }
}

impl From<i64> for Cursor {
    fn from(n: i64) -> Self {
        Cursor(n.into())
    }
}

impl From<u64> for Cursor {
    fn from(n: u64) -> Self {
        Cursor(n.into())
    }
}

impl From<serde_json::Value> for Cursor {
    fn from(v: serde_json::Value) -> Self {
        Cursor(v)
    }
}

/// Where the next page starts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PageCursor {
    /// An offset (`start`), for v4.1 listings.
    Offset(u64),
    /// An opaque cursor, for v7 listings; `None` asks for the first page.
    Token(Option<Cursor>),
}

/// One page: its items and, for cursor paging, the cursor of the next one.
#[derive(Debug, serde::Serialize)]
pub struct Page<T> {
    /// The items, in the service's order.
    pub items: Vec<T>,
    /// The next cursor (cursor paging only; offsets are computed).
    pub next: Option<Cursor>,
}

/// Fetches one page at a cursor.
pub(crate) type Fetch<T> =
    Arc<dyn Fn(PageCursor) -> BoxFuture<'static, Result<Page<T>>> + Send + Sync>;

/// Pages in flight ahead of the one being read. With offsets the next starts are
/// known once a page's length is (assumed full), so the service can prepare page k+2
/// while this side decodes k+1; a cursor is only known from its page, so one ahead.
const OFFSET_PREFETCH: usize = 2;

/// A page being fetched ahead; aborted when dropped unused (stream dropped, or the
/// walk turned out to need another offset).
struct Prefetch<T> {
    at: PageCursor,
    task: tokio::task::JoinHandle<Result<Page<T>>>,
}

impl<T> Drop for Prefetch<T> {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct State<T> {
    fetch: Fetch<T>,
    /// Where the next page starts (the one after the page last handed out).
    at: PageCursor,
    /// The next page to ask for, when it is not already in flight.
    pending: Option<PageCursor>,
    /// Pages fetched ahead, in walk order.
    ahead: VecDeque<Prefetch<T>>,
    seen_tokens: HashSet<Cursor>,
    prefetch: bool,
    /// The longest page so far: a page as long is taken as full, a shorter one as
    /// probably the last (no guesses beyond it).
    full_len: u64,
    done: bool,
}

impl<T: Send + 'static> State<T> {
    fn new(fetch: Fetch<T>, first: PageCursor, prefetch: bool) -> Self {
        let mut seen_tokens = HashSet::new();
        // The cursor the walk starts from counts as seen: a page handing it back
        // would lead to the same pages again.
        if let PageCursor::Token(Some(first)) = &first
            && !first.is_empty()
        {
            seen_tokens.insert(first.clone());
        }
        State {
            fetch,
            at: first.clone(),
            pending: Some(first),
            ahead: VecDeque::new(),
            seen_tokens,
            prefetch,
            full_len: 0,
            done: false,
        }
    }

    async fn fetch_next(&mut self) -> Option<Result<Page<T>>> {
        if let Some(mut ahead) = self.ahead.pop_front() {
            let joined = (&mut ahead.task).await;
            return Some(joined.unwrap_or_else(|e| {
                Err(Error::Config(format!("a page fetch did not finish: {e}")))
            }));
        }
        let cursor = self.pending.take()?;
        Some((self.fetch)(cursor).await)
    }

    /// The cursor after a page that started at `at`; `None` ends the walk.
    fn after(&mut self, at: &PageCursor, page: &Page<T>) -> Option<PageCursor> {
        match at {
            PageCursor::Offset(start) => Some(PageCursor::Offset(start + page.items.len() as u64)),
            PageCursor::Token(_) => {
                let next = page.next.clone().filter(|n| !n.is_empty())?;
                // A cursor seen before would walk the same pages again.
                self.seen_tokens
                    .insert(next.clone())
                    .then_some(PageCursor::Token(Some(next)))
            }
        }
    }

    fn spawn(&mut self, at: PageCursor) {
        let task = tokio::spawn((self.fetch)(at.clone()));
        self.ahead.push_back(Prefetch { at, task });
    }

    /// Sets up the fetch of `next` (the page after one of `len` items).
    fn schedule(&mut self, next: PageCursor, len: u64) {
        if !self.prefetch {
            self.pending = Some(next);
            return;
        }
        // Pages fetched ahead on the guess that pages are full are of no use when the
        // walk goes on elsewhere: drop (abort) them and ask for the right one.
        if self.ahead.front().is_some_and(|a| a.at != next) {
            self.ahead.clear();
        }
        if self.ahead.is_empty() {
            self.spawn(next);
        }
        self.full_len = self.full_len.max(len);
        while len == self.full_len && self.ahead.len() < OFFSET_PREFETCH {
            let Some(PageCursor::Offset(last)) = self.ahead.back().map(|a| a.at.clone()) else {
                break;
            };
            self.spawn(PageCursor::Offset(last + len));
        }
    }

    /// The next non-empty page and the cursor it was asked at.
    async fn next_page(&mut self) -> Option<Result<Walked<T>>> {
        if self.done {
            return None;
        }
        let page = match self.fetch_next().await {
            None => {
                self.done = true;
                return None;
            }
            Some(Err(e)) => {
                self.done = true;
                return Some(Err(e));
            }
            Some(Ok(page)) => page,
        };
        if page.items.is_empty() {
            self.done = true;
            self.ahead.clear();
            return None;
        }
        let at = self.at.clone();
        match self.after(&at, &page) {
            Some(next) => {
                self.at = next.clone();
                self.schedule(next, page.items.len() as u64);
            }
            None => {
                self.done = true;
                self.ahead.clear();
            }
        }
        Some(Ok(Walked { at, page }))
    }
}

/// A page of a walk with the cursor it was asked at.
pub(crate) struct Walked<T> {
    /// Where the page starts.
    pub at: PageCursor,
    /// The page as fetched: its `next` is the service's, even when the walk ends on it.
    pub page: Page<T>,
}

/// Every non-empty page from `first` on, fetching a page only when it is asked for
/// (and, with `prefetch`, the next ones while the current is used). Ends on an empty
/// page, a missing or repeated cursor (the first counts as seen), or the first error.
pub(crate) fn pages<T: Send + 'static>(
    fetch: Fetch<T>,
    first: PageCursor,
    prefetch: bool,
) -> impl Stream<Item = Result<Walked<T>>> + Send + 'static {
    stream::unfold(State::new(fetch, first, prefetch), |mut state| async move {
        let page = state.next_page().await?;
        Some((page, state))
    })
}

/// Every item of the walk [`pages`] gives, in order.
pub(crate) fn paginate<T: Send + 'static>(
    fetch: Fetch<T>,
    first: PageCursor,
    prefetch: bool,
) -> impl Stream<Item = Result<T>> + Send + 'static {
    pages(fetch, first, prefetch).flat_map(|page| match page {
        Ok(walked) => stream::iter(walked.page.items.into_iter().map(Ok)).left_stream(),
        Err(e) => stream::once(async move { Err(e) }).right_stream(),
    })
}

/// The walk [`paginate`] gives, or the error that kept it from starting, as one boxed
/// stream: `Unpin`, so callers can use `.next()` without pinning it themselves.
pub(crate) fn walk<T: Send + 'static>(
    fetch: Result<Fetch<T>>,
    first: PageCursor,
    prefetch: bool,
) -> BoxStream<'static, Result<T>> {
    match fetch {
        Ok(fetch) => paginate(fetch, first, prefetch).boxed(),
        Err(e) => stream::once(async move { Err(e) }).boxed(),
    }
}

/// Like [`walk`], page by page, each with the cursor it was asked at.
pub(crate) fn walk_pages<T: Send + 'static>(
    fetch: Result<Fetch<T>>,
    first: PageCursor,
    prefetch: bool,
) -> BoxStream<'static, Result<Walked<T>>> {
    match fetch {
        Ok(fetch) => pages(fetch, first, prefetch).boxed(),
        Err(e) => stream::once(async move { Err(e) }).boxed(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;
    use std::sync::Mutex;

    fn offset_source(total: u64, page: u64, calls: Arc<Mutex<Vec<u64>>>) -> Fetch<u64> {
        Arc::new(move |cursor| {
            let calls = calls.clone();
            Box::pin(async move {
                let PageCursor::Offset(start) = cursor else {
                    unreachable!()
                };
                calls.lock().unwrap().push(start);
                Ok(Page {
                    items: (start..total.min(start + page)).collect(),
                    next: None,
                })
            })
        })
    }

    #[tokio::test]
    async fn offset_walk_yields_each_item_once_and_stops_on_empty() {
        for prefetch in [false, true] {
            let calls = Arc::default();
            let items: Vec<u64> = paginate(
                offset_source(250, 100, Arc::clone(&calls)),
                PageCursor::Offset(0),
                prefetch,
            )
            .map(|r| r.unwrap())
            .collect()
            .await;
            assert_eq!(items, (0..250).collect::<Vec<_>>());
            let mut calls = calls.lock().unwrap().clone();
            calls.sort_unstable();
            calls.dedup();
            if prefetch {
                // Pages fetched ahead on the guess of full pages (300) may have started
                // before the short page at 200 showed the walk ends at 250.
                calls.retain(|c| *c != 300);
            }
            assert_eq!(calls, vec![0, 100, 200, 250]);
        }
    }

    #[tokio::test]
    async fn pages_of_uneven_length_lose_and_repeat_nothing_when_fetched_ahead() {
        // Page lengths vary (100, 37, 100, 37, ...), so guesses of the next offset are
        // often wrong: each item must still come exactly once, in order.
        let fetch: Fetch<u64> = Arc::new(|cursor| {
            Box::pin(async move {
                let PageCursor::Offset(start) = cursor else {
                    unreachable!()
                };
                let len = if start % 137 == 0 { 100 } else { 37 };
                tokio::task::yield_now().await;
                Ok(Page {
                    items: (start..1_000.min(start + len)).collect(),
                    next: None,
                })
            })
        });
        for prefetch in [false, true] {
            let items: Vec<u64> = paginate(fetch.clone(), PageCursor::Offset(0), prefetch)
                .map(|r| r.unwrap())
                .collect()
                .await;
            assert_eq!(items, (0..1_000).collect::<Vec<_>>(), "prefetch {prefetch}");
        }
    }

    #[tokio::test]
    async fn pages_are_fetched_only_when_needed() {
        let calls = Arc::default();
        let mut s = Box::pin(paginate(
            offset_source(1000, 100, Arc::clone(&calls)),
            PageCursor::Offset(0),
            false,
        ));
        assert!(
            calls.lock().unwrap().is_empty(),
            "nothing fetched before polling"
        );
        for _ in 0..100 {
            s.next().await.unwrap().unwrap();
        }
        assert_eq!(calls.lock().unwrap().len(), 1);
        s.next().await.unwrap().unwrap();
        assert_eq!(calls.lock().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn cursor_walk_stops_on_a_repeated_cursor() {
        let fetch: Fetch<u32> = Arc::new(|cursor| {
            Box::pin(async move {
                let PageCursor::Token(t) = cursor else {
                    unreachable!()
                };
                Ok(match t.as_ref() {
                    None => Page {
                        items: vec![1, 2],
                        next: Some("a".into()),
                    },
                    Some(c) if *c == Cursor::from("a") => Page {
                        items: vec![3],
                        next: Some(Cursor::from(7_i64)),
                    },
                    // The service hands back an old cursor: the walk must end.
                    _ => Page {
                        items: vec![4],
                        next: Some("a".into()),
                    },
                })
            })
        });
        let items: Vec<u32> = paginate(fetch, PageCursor::Token(None), true)
            .map(|r| r.unwrap())
            .collect()
            .await;
        assert_eq!(items, vec![1, 2, 3, 4]);
    }

    #[tokio::test]
    async fn a_walk_from_a_cursor_ends_when_a_page_hands_that_cursor_back() {
        let calls = Arc::new(Mutex::new(0));
        let counted = Arc::clone(&calls);
        let fetch: Fetch<u32> = Arc::new(move |_| {
            *counted.lock().unwrap() += 1;
            Box::pin(async move {
                Ok(Page {
                    items: vec![1],
                    next: Some("a".into()),
                })
            })
        });
        let items: Vec<u32> = paginate(fetch, PageCursor::Token(Some("a".into())), true)
            .map(|r| r.unwrap())
            .collect()
            .await;
        assert_eq!(items, vec![1]);
        assert_eq!(*calls.lock().unwrap(), 1);
    }

    #[tokio::test]
    async fn pages_come_with_the_cursor_they_were_asked_at() {
        for prefetch in [false, true] {
            let walked: Vec<(PageCursor, Vec<u64>)> = pages(
                offset_source(250, 100, Arc::default()),
                PageCursor::Offset(0),
                prefetch,
            )
            .map(|w| w.map(|w| (w.at, w.page.items)).unwrap())
            .collect()
            .await;
            let starts: Vec<_> = walked.iter().map(|(at, _)| at.clone()).collect();
            assert_eq!(
                starts,
                [0, 100, 200].map(PageCursor::Offset).to_vec(),
                "prefetch {prefetch}"
            );
            assert_eq!(walked[2].1, (200..250).collect::<Vec<_>>());
        }
    }

    #[test]
    fn cursors_keep_their_json_type() {
        let n: Cursor = serde_json::from_str("123").unwrap();
        assert_eq!(n.to_string(), "123");
        assert_eq!(serde_json::to_string(&n).unwrap(), "123");
        assert_eq!(n, Cursor::from(123_u64));
        let s: Cursor = serde_json::from_str("\"eyJ9\"").unwrap();
        assert_eq!(s.to_string(), "eyJ9");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"eyJ9\"");
        assert_ne!(Cursor::from("123"), Cursor::from(123_i64));
        assert!(Cursor::from("").is_empty() && !Cursor::from(0_i64).is_empty());
    }

    #[tokio::test]
    async fn an_error_ends_the_stream_after_the_items_before_it() {
        let fetch: Fetch<u32> = Arc::new(|cursor| {
            Box::pin(async move {
                match cursor {
                    PageCursor::Offset(0) => Ok(Page {
                        items: vec![1],
                        next: None,
                    }),
                    _ => Err(Error::invalid("test", "boom")),
                }
            })
        });
        let out: Vec<Result<u32>> = paginate(fetch, PageCursor::Offset(0), true).collect().await;
        assert_eq!(out.len(), 2);
        assert!(out[0].is_ok() && out[1].is_err());
    }
}

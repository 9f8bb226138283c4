//! Lazy streams over paged listings: offset (`start`/`limit`) or cursor (v7).

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, Stream, StreamExt};

use crate::error::{Error, Result};

/// Where the next page starts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PageCursor {
    /// An offset (`start`), for v4.1 listings.
    Offset(u64),
    /// An opaque cursor, for the v7 export; `None` asks for the first page.
    Token(Option<String>),
}

/// One page: its items and, for cursor paging, the cursor of the next one.
#[derive(Debug)]
pub struct Page<T> {
    /// The items, in the service's order.
    pub items: Vec<T>,
    /// The next cursor (cursor paging only; offsets are computed).
    pub next: Option<String>,
}

/// Fetches one page at a cursor.
pub(crate) type Fetch<T> =
    Arc<dyn Fn(PageCursor) -> BoxFuture<'static, Result<Page<T>>> + Send + Sync>;

/// Aborts a prefetch when the stream is dropped before using it.
struct Prefetch<T>(tokio::task::JoinHandle<Result<Page<T>>>);

impl<T> Drop for Prefetch<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

struct State<T> {
    fetch: Fetch<T>,
    buffer: VecDeque<T>,
    /// The next page to ask for, when it is not already in flight.
    pending: Option<PageCursor>,
    inflight: Option<Prefetch<T>>,
    seen_tokens: HashSet<String>,
    prefetch: bool,
    done: bool,
}

impl<T: Send + 'static> State<T> {
    async fn next_page(&mut self) -> Option<Result<Page<T>>> {
        if let Some(mut handle) = self.inflight.take() {
            let joined = (&mut handle.0).await;
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

    async fn next_item(&mut self, at: &mut PageCursor) -> Option<Result<T>> {
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Some(Ok(item));
            }
            if self.done {
                return None;
            }
            let page = match self.next_page().await {
                None => {
                    self.done = true;
                    continue;
                }
                Some(Err(e)) => {
                    self.done = true;
                    return Some(Err(e));
                }
                Some(Ok(page)) => page,
            };
            if page.items.is_empty() {
                self.done = true;
                continue;
            }
            match self.after(at, &page) {
                Some(next) => {
                    *at = next.clone();
                    if self.prefetch {
                        let fetch = self.fetch.clone();
                        self.inflight = Some(Prefetch(tokio::spawn(fetch(next))));
                    } else {
                        self.pending = Some(next);
                    }
                }
                None => self.done = true,
            }
            self.buffer.extend(page.items);
        }
    }
}

/// Every item of every page from `first` on, fetching a page only when its items
/// are needed (and, with `prefetch`, the next one while the current is consumed).
/// Ends on an empty page, a missing or repeated cursor, or the first error.
pub(crate) fn paginate<T: Send + 'static>(
    fetch: Fetch<T>,
    first: PageCursor,
    prefetch: bool,
) -> impl Stream<Item = Result<T>> + Send + 'static {
    let state = State {
        fetch,
        buffer: VecDeque::new(),
        pending: Some(first.clone()),
        inflight: None,
        seen_tokens: HashSet::new(),
        prefetch,
        done: false,
    };
    stream::unfold((state, first), |(mut state, mut at)| async move {
        let item = state.next_item(&mut at).await?;
        Some((item, (state, at)))
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
            assert_eq!(*calls.lock().unwrap(), vec![0, 100, 200, 250]);
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
                Ok(match t.as_deref() {
                    None => Page {
                        items: vec![1, 2],
                        next: Some("a".into()),
                    },
                    Some("a") => Page {
                        items: vec![3],
                        next: Some("b".into()),
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

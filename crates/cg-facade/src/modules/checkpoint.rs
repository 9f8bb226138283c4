//! Checkpointable export: the v7 pages together with the cursor to resume from after
//! each, so a sink can store the cursor only once the page's items are durably written
//! (`export.checkpoints(stored)`). A run killed at any point then resumes from the last
//! stored cursor and at most repeats the page it was writing.

use std::collections::HashSet;

use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, StreamExt};

use crate::paging::Page;
use crate::{Error, Result};

/// The cursor of the v7 pages ([`Page::next`]): opaque, kept with its JSON type.
pub type Token = crate::Cursor;

/// One page of a checkpointed export.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Checkpoint<T> {
    /// The items, oldest first.
    pub items: Vec<T>,
    /// The cursor this page was asked with (`None`: the start of the export); a sink
    /// naming its output after it rewrites the same output when the page is read again.
    pub from: Option<Token>,
    /// Where the next run starts once these items are stored: the service's next
    /// cursor, or `from` again when it gave none (the page is then read once more).
    pub resume: Option<Token>,
}

/// A cursor-paged listing that can be asked for one page at a given cursor.
pub trait CursorPaged: Clone + Send + Sync + 'static {
    /// What a page holds.
    type Item: Send + 'static;

    /// The page at `cursor` (`None`: the first page).
    fn page_at(&self, cursor: Option<Token>) -> BoxFuture<'static, Result<Page<Self::Item>>>;
}

#[cfg(feature = "sync")]
impl CursorPaged for crate::modules::responses::Export {
    type Item = crate::modules::responses::SurveyResponse;

    fn page_at(&self, cursor: Option<Token>) -> BoxFuture<'static, Result<Page<Self::Item>>> {
        let mut export = self.clone();
        if let Some(cursor) = cursor {
            export = export.cursor(cursor);
        }
        Box::pin(export.send())
    }
}

#[cfg(feature = "sync")]
impl CursorPaged for crate::modules::close_loop::ListCases {
    type Item = crate::modules::close_loop::CloseLoopCase;

    fn page_at(&self, cursor: Option<Token>) -> BoxFuture<'static, Result<Page<Self::Item>>> {
        let mut list = self.clone();
        if let Some(cursor) = cursor {
            list = list.cursor(cursor);
        }
        Box::pin(list.send())
    }
}

#[cfg(feature = "sync")]
impl crate::modules::close_loop::ListCases {
    /// The pages from the stored cursor `from` on, each with the cursor to store once
    /// its cases are written; see [`Export::checkpoints`](crate::modules::responses::Export::checkpoints).
    pub fn checkpoints(
        self,
        from: Option<Token>,
    ) -> BoxStream<'static, Result<Checkpoint<crate::modules::close_loop::CloseLoopCase>>> {
        checkpoints(self, from)
    }
}

#[cfg(feature = "sync")]
impl crate::modules::responses::Export {
    /// The pages from the stored cursor `from` on (`None`: from the start; this
    /// replaces any [`cursor`](Self::cursor) set before), each with the cursor to
    /// store once its items are written. The next page is fetched while the caller
    /// writes the current one. Ends on an empty page, a missing or repeated cursor, or
    /// the first error.
    ///
    /// ```no_run
    /// # async fn run(client: cg_facade::Client, stored: Option<cg_facade::Cursor>) -> Result<(), cg_facade::Error> {
    /// use futures::StreamExt;
    /// let mut pages = client.responses().export().checkpoints(stored);
    /// while let Some(page) = pages.next().await {
    ///     let page = page?;
    ///     // write page.items durably, then store page.resume
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn checkpoints(
        self,
        from: Option<Token>,
    ) -> BoxStream<'static, Result<Checkpoint<crate::modules::responses::SurveyResponse>>> {
        checkpoints(self, from)
    }
}

/// A page being fetched ahead; aborted when the stream is dropped.
struct Ahead<T>(tokio::task::JoinHandle<Result<Page<T>>>);

impl<T> Drop for Ahead<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

struct Walk<S: CursorPaged> {
    source: S,
    at: Option<Token>,
    ahead: Option<Ahead<S::Item>>,
    seen: HashSet<Token>,
    done: bool,
}

impl<S: CursorPaged> Walk<S> {
    fn spawn(&mut self) {
        self.ahead = Some(Ahead(tokio::spawn(self.source.page_at(self.at.clone()))));
    }

    async fn next(&mut self) -> Option<Result<Checkpoint<S::Item>>> {
        if self.done {
            return None;
        }
        let page = match self.ahead.take() {
            Some(mut ahead) => (&mut ahead.0).await.unwrap_or_else(|e| {
                Err(Error::Config(format!("a page fetch did not finish: {e}")))
            }),
            None => self.source.page_at(self.at.clone()).await,
        };
        let page = match page {
            Ok(page) => page,
            Err(e) => {
                self.done = true;
                return Some(Err(e));
            }
        };
        if page.items.is_empty() {
            self.done = true;
            return None;
        }
        let from = self.at.clone();
        let next = page.next.filter(|n| !n.to_string().is_empty());
        let resume = next.clone().or_else(|| from.clone());
        match next {
            // A cursor seen before (or none at all) would walk the same pages again.
            Some(next) if Some(&next) != from.as_ref() && self.seen.insert(next.clone()) => {
                self.at = Some(next);
                self.spawn();
            }
            _ => self.done = true,
        }
        Some(Ok(Checkpoint {
            items: page.items,
            from,
            resume,
        }))
    }
}

/// The checkpointed walk over any [`CursorPaged`] listing, from `from` on.
pub fn checkpoints<S: CursorPaged>(
    source: S,
    from: Option<Token>,
) -> BoxStream<'static, Result<Checkpoint<S::Item>>> {
    let mut seen = HashSet::new();
    if let Some(f) = &from {
        seen.insert(f.clone());
    }
    let walk = Walk {
        source,
        at: from,
        ahead: None,
        seen,
        done: false,
    };
    stream::unfold(walk, |mut walk| async move {
        let item = walk.next().await?;
        Some((item, walk))
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// Pages of `len` numbers; the cursor is the last number as text; `None` after
    /// `total` unless `cursor_on_last`.
    #[derive(Clone)]
    struct Numbers {
        total: u32,
        len: u32,
        calls: Arc<Mutex<Vec<Option<Token>>>>,
        repeat_at: Option<u32>,
    }

    impl CursorPaged for Numbers {
        type Item = u32;
        fn page_at(&self, cursor: Option<Token>) -> BoxFuture<'static, Result<Page<u32>>> {
            self.calls.lock().unwrap().push(cursor.clone());
            let start = cursor.map_or(0, |c| c.to_string().parse::<u32>().unwrap());
            let end = self.total.min(start + self.len);
            let repeat = self.repeat_at;
            Box::pin(async move {
                let items: Vec<u32> = (start + 1..=end).collect();
                let next = match repeat {
                    Some(r) if end >= r => Some(Token::from(r.to_string())),
                    _ => Some(Token::from(end.to_string())),
                };
                Ok(Page { items, next })
            })
        }
    }

    fn numbers(total: u32, len: u32) -> Numbers {
        Numbers {
            total,
            len,
            calls: Arc::default(),
            repeat_at: None,
        }
    }

    #[tokio::test]
    async fn pages_come_with_the_cursor_they_start_from_and_the_one_to_resume_from() {
        let pages: Vec<_> = checkpoints(numbers(7, 3), None)
            .map(|p| p.unwrap())
            .collect()
            .await;
        let text = |c: &Option<Token>| c.as_ref().map(|c| c.to_string());
        let shape: Vec<_> = pages
            .iter()
            .map(|p| (p.items.clone(), text(&p.from), text(&p.resume)))
            .collect();
        assert_eq!(
            shape,
            vec![
                (vec![1, 2, 3], None, Some("3".to_owned())),
                (vec![4, 5, 6], Some("3".to_owned()), Some("6".to_owned())),
                (vec![7], Some("6".to_owned()), Some("7".to_owned())),
            ]
        );
    }

    #[tokio::test]
    async fn resuming_from_a_stored_cursor_yields_only_what_came_after() {
        let source = numbers(10, 4);
        let items: Vec<u32> = checkpoints(source.clone(), Some(Token::from("6")))
            .flat_map(|p| stream::iter(p.unwrap().items))
            .collect()
            .await;
        assert_eq!(items, vec![7, 8, 9, 10]);
        assert_eq!(source.calls.lock().unwrap()[0], Some(Token::from("6")));
    }

    #[tokio::test]
    async fn a_repeated_cursor_ends_the_walk_after_its_page() {
        let mut source = numbers(100, 2);
        source.repeat_at = Some(4);
        let pages: Vec<_> = checkpoints(source, None)
            .map(|p| p.unwrap())
            .collect()
            .await;
        // Pages 1-2 (next 2), 3-4 (next 4), 5-6 (next 4 again: stop after storing it).
        assert_eq!(pages.len(), 3);
        assert_eq!(pages[2].resume, Some(Token::from("4")));
    }
}

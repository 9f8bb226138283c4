//! Checkpointable export: the v7 pages together with the cursor to resume from after
//! each, so a sink can store the cursor only once the page's items are durably written
//! (`export.checkpoints(stored)`). A run killed at any point then resumes from the last
//! stored cursor and at most repeats the page it was writing.

use std::sync::Arc;

use futures::future::BoxFuture;
use futures::stream::{BoxStream, StreamExt};

use crate::paging::{Fetch, Page, PageCursor, walk_pages};
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
impl<S: crate::CursorSource> CursorPaged for crate::CursorListing<S> {
    type Item = S::Item;

    fn page_at(&self, cursor: Option<Token>) -> BoxFuture<'static, Result<Page<Self::Item>>> {
        let mut list = self.clone();
        if let Some(cursor) = cursor {
            list = list.cursor(cursor);
        }
        Box::pin(list.send())
    }
}

#[cfg(feature = "sync")]
impl<S: crate::CursorSource> crate::CursorListing<S> {
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
    ) -> BoxStream<'static, Result<Checkpoint<S::Item>>> {
        checkpointed(self.fetch(), from)
    }
}

/// The checkpointed walk over any [`CursorPaged`] listing, from `from` on.
pub fn checkpoints<S: CursorPaged>(
    source: S,
    from: Option<Token>,
) -> BoxStream<'static, Result<Checkpoint<S::Item>>> {
    let fetch: Fetch<S::Item> = Arc::new(move |at| match at {
        PageCursor::Token(cursor) => source.page_at(cursor),
        PageCursor::Offset(_) => {
            Box::pin(async { Err(Error::invalid("cursor", "checkpoints page by cursor")) })
        }
    });
    checkpointed(Ok(fetch), from)
}

/// The pages of the shared walk, each with the cursor it was asked at and the one to
/// resume from.
fn checkpointed<T: Send + 'static>(
    fetch: Result<Fetch<T>>,
    from: Option<Token>,
) -> BoxStream<'static, Result<Checkpoint<T>>> {
    // Always one page ahead, as documented: the next page is read while the caller
    // writes this one, whatever the client's prefetch setting.
    walk_pages(fetch, PageCursor::Token(from), true)
        .map(|walked| {
            walked.map(|walked| {
                let from = match walked.at {
                    PageCursor::Token(cursor) => cursor,
                    PageCursor::Offset(_) => None,
                };
                Checkpoint {
                    items: walked.page.items,
                    // No next cursor: the page is read once more on the next run.
                    resume: walked.page.next.or_else(|| from.clone()),
                    from,
                }
            })
        })
        .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::stream;
    use std::sync::Mutex;

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

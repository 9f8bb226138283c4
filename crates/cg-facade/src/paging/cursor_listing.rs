//! The builder every v7 cursor listing shares (`per_page`, a `since`/`until` window, a
//! cursor to resume from, `.send()` one page, `.stream()` them all); each listing adds
//! only its item type, its page size, its own filters and the request for one page.

use std::future::Future;
use std::sync::Arc;

use chrono::NaiveDate;
use futures::stream::BoxStream;

use super::{Cursor, Fetch, Page, PageCursor, sealed, walk};
use crate::sync_page::check_window;
use crate::{Client, Error, Result};

/// What one v7 listing adds to [`CursorListing`]: its items, its largest page and the
/// request for one page.
pub trait CursorSource: sealed::Sealed + Clone + std::fmt::Debug + Send + Sync + 'static {
    /// What a page holds.
    type Item: Send + 'static;

    /// The largest page the service gives, and the default page size.
    const MAX_PER_PAGE: u32;

    /// Fetches the page `at` describes, with the cursor of the next one.
    fn page(
        &self,
        client: &Client,
        at: CursorPage,
    ) -> impl Future<Output = Result<Page<Self::Item>>> + Send;
}

/// The request for one page of a v7 listing, as far as the listings share it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CursorPage {
    /// Items per page.
    pub per_page: u32,
    /// The first day of the window, if any.
    pub since: Option<NaiveDate>,
    /// The last day of the window, if any.
    pub until: Option<NaiveDate>,
    /// Where the page starts; `None` for the first page.
    pub cursor: Option<Cursor>,
}

/// A v7 cursor listing: `.stream()` every item, or `.send()` one page and keep its
/// cursor to resume later (`.cursor(..)`). Each listing is an alias of this type (e.g.
/// [`Export`](crate::modules::responses::Export)).
#[derive(Clone, Debug)]
#[must_use = "a listing does nothing until .send() or .stream()"]
pub struct CursorListing<S> {
    client: Client,
    source: S,
    since: Option<NaiveDate>,
    until: Option<NaiveDate>,
    per_page: u32,
    cursor: Option<Cursor>,
}

impl<S: CursorSource> CursorListing<S> {
    /// From the start, with the largest page.
    pub(crate) fn from_source(client: Client, source: S) -> Self {
        CursorListing {
            client,
            source,
            since: None,
            until: None,
            per_page: S::MAX_PER_PAGE,
            cursor: None,
        }
    }

    /// The listing's own filters.
    pub(crate) fn source_mut(&mut self) -> &mut S {
        &mut self.source
    }

    /// Only items whose date (the listing says which) is on or after this day.
    pub fn since(mut self, day: NaiveDate) -> Self {
        self.since = Some(day);
        self
    }

    /// Only items whose date is on or before this day.
    pub fn until(mut self, day: NaiveDate) -> Self {
        self.until = Some(day);
        self
    }

    /// Items per page, from 1 to the listing's largest page (its default; for a first
    /// load the vendor advises the largest).
    pub fn per_page(mut self, per_page: u32) -> Self {
        self.per_page = per_page;
        self
    }

    /// Resumes after the page that handed out this cursor ([`Page::next`]); a blank
    /// cursor starts from the beginning.
    pub fn cursor(mut self, cursor: impl Into<Cursor>) -> Self {
        self.cursor = Some(cursor.into()).filter(|c| !c.is_empty());
        self
    }

    /// Checks everything before the first request, then fetches pages on demand.
    pub(crate) fn fetch(&self) -> Result<Fetch<S::Item>> {
        check_window(self.per_page, S::MAX_PER_PAGE, self.since, self.until)?;
        let this = self.clone();
        Ok(Arc::new(move |cursor| {
            let this = this.clone();
            Box::pin(async move {
                let PageCursor::Token(cursor) = cursor else {
                    return Err(Error::invalid("cursor", "v7 listings page by cursor"));
                };
                let at = CursorPage {
                    per_page: this.per_page,
                    since: this.since,
                    until: this.until,
                    // A blank cursor handed in (e.g. a stored one) asks for the start.
                    cursor: cursor.filter(|c| !c.is_empty()),
                };
                this.source.page(&this.client, at).await
            })
        }))
    }

    /// One page from the configured cursor (or the start): its items and the cursor
    /// to resume from. The listing is complete when a page comes back empty.
    pub async fn send(self) -> Result<Page<S::Item>> {
        let cursor = self.cursor.clone();
        (self.fetch()?)(PageCursor::Token(cursor)).await
    }

    /// Every item from the configured cursor (or the start) on, until a page is empty.
    pub fn stream(self) -> BoxStream<'static, Result<S::Item>> {
        let first = PageCursor::Token(self.cursor.clone());
        walk(self.fetch(), first, self.client.inner.prefetch)
    }
}

//! The builder every v4.1 offset listing shares (`start`/`limit`, an optional date
//! range, `.send()` one page, `.stream()` them all); each listing adds only its item
//! type, its page size, its own filters and the request for one page.

use std::future::Future;
use std::sync::Arc;

use chrono::NaiveDate;
use futures::stream::BoxStream;

use super::{Fetch, Page, PageCursor, sealed, walk};
use crate::{Client, Error, Result, validate};

/// What one offset listing adds to [`OffsetListing`]: its items, its largest page, the
/// checks of its own filters and the request for one page.
pub trait OffsetSource: sealed::Sealed + Clone + std::fmt::Debug + Send + Sync + 'static {
    /// What a page holds.
    type Item: Send + 'static;

    /// The largest page the service gives, and the default page size.
    const MAX_LIMIT: u32;

    /// Checks of the listing's own filters, made before the first request.
    fn check(&self) -> Result<()> {
        Ok(())
    }

    /// Fetches the page `at` describes; "no records" is an empty page.
    fn page(
        &self,
        client: &Client,
        at: OffsetPage,
    ) -> impl Future<Output = Result<Vec<Self::Item>>> + Send;
}

/// Listings whose page size can be chosen with [`OffsetListing::limit`] (all but the
/// unsubscribe list, whose pages are 100 long).
pub trait TakesLimit: OffsetSource {}

/// The request for one page of an offset listing, as far as the listings share it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct OffsetPage {
    /// The offset of the page's first item.
    pub start: u64,
    /// Items per page.
    pub limit: u32,
    /// The first day of the date range (set together with `to`).
    pub from: Option<NaiveDate>,
    /// The last day of the date range (set together with `from`).
    pub to: Option<NaiveDate>,
}

impl OffsetPage {
    /// `(date_range_from, date_range_to)`, both set or neither (the listing refuses
    /// one end alone before asking).
    pub(crate) fn date_range(&self) -> (Option<NaiveDate>, Option<NaiveDate>) {
        match (self.from, self.to) {
            (Some(from), Some(to)) => (Some(from), Some(to)),
            _ => (None, None),
        }
    }
}

/// A v4.1 offset listing: `.send()` one page or `.stream()` them all. Each listing is
/// an alias of this type (e.g. [`ListBounces`](crate::modules::lists::ListBounces)).
#[derive(Clone, Debug)]
#[must_use = "a listing does nothing until .send() or .stream()"]
pub struct OffsetListing<S> {
    client: Client,
    source: S,
    start: u64,
    limit: u32,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

impl<S: OffsetSource> OffsetListing<S> {
    /// From the first item, with the largest page.
    pub(crate) fn from_source(client: Client, source: S) -> Self {
        OffsetListing {
            client,
            source,
            start: 0,
            limit: S::MAX_LIMIT,
            from: None,
            to: None,
        }
    }

    /// The listing's own filters.
    pub(crate) fn source_mut(&mut self) -> &mut S {
        &mut self.source
    }

    /// Only items dated on or after this day (with [`to`](Self::to)).
    pub fn from(mut self, day: NaiveDate) -> Self {
        self.from = Some(day);
        self
    }

    /// Only items dated on or before this day (with [`from`](Self::from)).
    pub fn to(mut self, day: NaiveDate) -> Self {
        self.to = Some(day);
        self
    }

    /// The offset of the first item (a multiple of the page size, 100, for the
    /// unsubscribe list).
    pub fn start(mut self, start: u64) -> Self {
        self.start = start;
        self
    }

    /// Checks everything before the first request, then fetches pages on demand.
    fn fetch(&self) -> Result<Fetch<S::Item>> {
        validate::date_range(self.from, self.to)?;
        validate::limit(self.limit, S::MAX_LIMIT)?;
        self.source.check()?;
        let this = self.clone();
        Ok(Arc::new(move |cursor| {
            let this = this.clone();
            Box::pin(async move {
                let PageCursor::Offset(start) = cursor else {
                    return Err(Error::invalid("cursor", "offset listings page by offset"));
                };
                let at = OffsetPage {
                    start,
                    limit: this.limit,
                    from: this.from,
                    to: this.to,
                };
                let items = this.source.page(&this.client, at).await?;
                Ok(Page { items, next: None })
            })
        }))
    }

    /// One page at the configured offset; empty past the end or when nothing matches.
    pub async fn send(self) -> Result<Vec<S::Item>> {
        let page = (self.fetch()?)(PageCursor::Offset(self.start)).await?;
        Ok(page.items)
    }

    /// Every item from the configured offset on, page by page, fetched as the stream
    /// is read.
    pub fn stream(self) -> BoxStream<'static, Result<S::Item>> {
        let first = PageCursor::Offset(self.start);
        walk(self.fetch(), first, self.client.inner.prefetch)
    }
}

impl<S: TakesLimit> OffsetListing<S> {
    /// Items per page, from 1 to the listing's largest page (its default).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = limit;
        self
    }
}

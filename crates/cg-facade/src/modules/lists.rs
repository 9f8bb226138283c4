//! Unsubscribes and bounces (`spec/lists.yaml`).

use chrono::NaiveDate;
use futures::stream::BoxStream;
use std::sync::Arc;

use cg_auth::HostFamily;
use cg_raw_lists::types;

use serde_json::{Map, Value};

use crate::call::call;
use crate::client::raw_client;
use crate::decode::v41_list;
use crate::lenient::{self, open_enum};
use crate::paging::{Fetch, Page, PageCursor, walk};
use crate::{Client, Error, Result, validate};

/// Items per unsubscribe page: fixed by the service.
pub const UNSUBSCRIBE_PAGE: u64 = 100;
/// The largest bounce page the service gives.
pub const MAX_BOUNCE_LIMIT: u32 = 1000;

/// An unsubscribed address.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Unsubscribe {
    /// The address (absent when the service leaves it out).
    #[serde(rename = "Email", deserialize_with = "lenient::text")]
    pub email: Option<String>,
    /// When it was listed, `YYYY-MM-DD HH:MM:SS` as sent.
    #[serde(rename = "Date", deserialize_with = "lenient::text")]
    pub date: Option<String>,
    /// Fields this SDK does not know (e.g. `User`), as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl lenient::Item for Unsubscribe {
    fn extra_mut(&mut self) -> &mut Map<String, Value> {
        &mut self.extra
    }
}

open_enum!(
    /// Whether a bounce is permanent (`hard`/`soft`, art 5000608228; others kept as sent).
    BounceKind {
        /// Permanent.
        Hard = "hard",
        /// Temporary.
        Soft = "soft",
    }
);

/// A bounced address.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Bounce {
    /// The address.
    #[serde(rename = "Email", deserialize_with = "lenient::text")]
    pub email: Option<String>,
    /// Hard, soft or another kind, when sent.
    #[serde(rename = "Type")]
    pub kind: Option<BounceKind>,
    /// The mail server's reason.
    #[serde(rename = "Reason", deserialize_with = "lenient::text")]
    pub reason: Option<String>,
    /// When it bounced, as sent.
    #[serde(rename = "Date", deserialize_with = "lenient::text")]
    pub date: Option<String>,
    /// Fields this SDK does not know, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl lenient::Item for Bounce {
    fn extra_mut(&mut self) -> &mut Map<String, Value> {
        &mut self.extra
    }
}

impl Client {
    /// The unsubscribe list.
    ///
    /// ```no_run
    /// # async fn run(client: cg_facade::Client) -> Result<(), cg_facade::Error> {
    /// client.unsubscribes().add("joe.doe@example.com").await?;
    /// let page = client.unsubscribes().list().send().await?;
    /// println!("{} on the first page", page.len());
    /// # Ok(())
    /// # }
    /// ```
    pub fn unsubscribes(&self) -> Unsubscribes {
        Unsubscribes {
            client: self.clone(),
        }
    }

    /// The bounce list.
    ///
    /// ```no_run
    /// # async fn run(client: cg_facade::Client) -> Result<(), cg_facade::Error> {
    /// use futures::StreamExt;
    /// let mut bounces = client.bounces().list().stream();
    /// while let Some(bounce) = bounces.next().await {
    ///     let bounce = bounce?;
    ///     println!("{:?} {:?}", bounce.email, bounce.kind);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn bounces(&self) -> Bounces {
        Bounces {
            client: self.clone(),
        }
    }
}

/// The unsubscribe list: `client.unsubscribes()`.
#[derive(Clone, Debug)]
pub struct Unsubscribes {
    client: Client,
}

impl Unsubscribes {
    /// Lists unsubscribed addresses, 100 per page.
    pub fn list(&self) -> ListUnsubscribes {
        ListUnsubscribes {
            client: self.client.clone(),
            from: None,
            to: None,
            start: 0,
        }
    }

    /// Adds an address; the service refuses one already listed (400403).
    pub async fn add(&self, email: impl Into<String>) -> Result<()> {
        let email = email.into();
        validate::email("email", &email)?;
        let raw = raw_client!(self.client, cg_raw_lists, HostFamily::Api);
        let ctx = self.client.ctx();
        let body = types::AddUnsubscribeRequest { email };
        call(
            ctx,
            "addUnsubscribe",
            raw.add_unsubscribe()
                .format(ctx.format.as_str())
                .body(body)
                .send(),
        )
        .await?;
        Ok(())
    }
}

/// `GET /v4.1/lists/unsubscribe`: `.send()` one page or `.stream()` them all.
#[derive(Clone, Debug)]
#[must_use = "a listing does nothing until .send() or .stream()"]
pub struct ListUnsubscribes {
    client: Client,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    start: u64,
}

impl ListUnsubscribes {
    /// Listed on or after this day (with [`to`](Self::to)).
    pub fn from(mut self, day: NaiveDate) -> Self {
        self.from = Some(day);
        self
    }

    /// Listed on or before this day (with [`from`](Self::from)).
    pub fn to(mut self, day: NaiveDate) -> Self {
        self.to = Some(day);
        self
    }

    /// The offset of the first item (multiples of 100).
    pub fn start(mut self, start: u64) -> Self {
        self.start = start;
        self
    }

    fn fetch(&self) -> Result<Fetch<Unsubscribe>> {
        validate::date_range(self.from, self.to)?;
        let this = self.clone();
        Ok(Arc::new(move |cursor| {
            let this = this.clone();
            Box::pin(async move {
                let PageCursor::Offset(start) = cursor else {
                    return Err(Error::invalid("cursor", "unsubscribes page by offset"));
                };
                let raw = raw_client!(this.client, cg_raw_lists, HostFamily::Api);
                let ctx = this.client.ctx();
                let mut query = vec![("start", start.to_string())];
                if let (Some(from), Some(to)) = (this.from, this.to) {
                    query.push(("date_range_from", from.to_string()));
                    query.push(("date_range_to", to.to_string()));
                }
                let items = v41_list(
                    &raw,
                    ctx,
                    cg_raw_lists::ops::LIST_UNSUBSCRIBES,
                    "/v4.1/lists/unsubscribe",
                    &query,
                )
                .await?;
                Ok(Page { items, next: None })
            })
        }))
    }

    /// One page (up to 100 items) at the configured offset; empty past the end.
    pub async fn send(self) -> Result<Vec<Unsubscribe>> {
        let page = (self.fetch()?)(PageCursor::Offset(self.start)).await?;
        Ok(page.items)
    }

    /// Every item from the configured offset on, page by page.
    pub fn stream(self) -> BoxStream<'static, Result<Unsubscribe>> {
        let first = PageCursor::Offset(self.start);
        walk(self.fetch(), first, self.client.inner.prefetch)
    }
}

/// The bounce list: `client.bounces()`.
#[derive(Clone, Debug)]
pub struct Bounces {
    client: Client,
}

impl Bounces {
    /// Lists bounced addresses, up to 1000 per page.
    pub fn list(&self) -> ListBounces {
        ListBounces {
            client: self.client.clone(),
            from: None,
            to: None,
            start: 0,
            limit: MAX_BOUNCE_LIMIT,
        }
    }
}

/// `GET /v4.1/lists/bounce`: `.send()` one page or `.stream()` them all.
#[derive(Clone, Debug)]
#[must_use = "a listing does nothing until .send() or .stream()"]
pub struct ListBounces {
    client: Client,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    start: u64,
    limit: u32,
}

impl ListBounces {
    /// Bounced on or after this day (with [`to`](Self::to)).
    pub fn from(mut self, day: NaiveDate) -> Self {
        self.from = Some(day);
        self
    }

    /// Bounced on or before this day (with [`from`](Self::from)).
    pub fn to(mut self, day: NaiveDate) -> Self {
        self.to = Some(day);
        self
    }

    /// The offset of the first item.
    pub fn start(mut self, start: u64) -> Self {
        self.start = start;
        self
    }

    /// Items per page, 1 to 1000 (default 1000).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = limit;
        self
    }

    fn fetch(&self) -> Result<Fetch<Bounce>> {
        validate::date_range(self.from, self.to)?;
        validate::limit(self.limit, MAX_BOUNCE_LIMIT)?;
        let this = self.clone();
        Ok(Arc::new(move |cursor| {
            let this = this.clone();
            Box::pin(async move {
                let PageCursor::Offset(start) = cursor else {
                    return Err(Error::invalid("cursor", "bounces page by offset"));
                };
                let raw = raw_client!(this.client, cg_raw_lists, HostFamily::Api);
                let ctx = this.client.ctx();
                let mut query = vec![
                    ("start", start.to_string()),
                    ("limit", this.limit.to_string()),
                ];
                if let (Some(from), Some(to)) = (this.from, this.to) {
                    query.push(("date_range_from", from.to_string()));
                    query.push(("date_range_to", to.to_string()));
                }
                let items = v41_list(
                    &raw,
                    ctx,
                    cg_raw_lists::ops::LIST_BOUNCES,
                    "/v4.1/lists/bounce",
                    &query,
                )
                .await?;
                Ok(Page { items, next: None })
            })
        }))
    }

    /// One page at the configured offset; empty past the end.
    pub async fn send(self) -> Result<Vec<Bounce>> {
        let page = (self.fetch()?)(PageCursor::Offset(self.start)).await?;
        Ok(page.items)
    }

    /// Every item from the configured offset on, page by page.
    pub fn stream(self) -> BoxStream<'static, Result<Bounce>> {
        let first = PageCursor::Offset(self.start);
        walk(self.fetch(), first, self.client.inner.prefetch)
    }
}

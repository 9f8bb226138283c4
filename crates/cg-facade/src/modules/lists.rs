//! Unsubscribes and bounces (`spec/lists.yaml`).

use cg_auth::HostFamily;
use cg_raw_lists::types;

use serde_json::{Map, Value};

use crate::call::call;
use crate::client::raw_client;
use crate::decode::read_list;
use crate::lenient::{self, open_enum};
use crate::paging::{OffsetListing, OffsetPage, OffsetSource, TakesLimit, sealed};
use crate::{Client, Result, validate};

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
        OffsetListing::from_source(self.client.clone(), UnsubscribeSource)
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
            cg_raw_lists::ops::ADD_UNSUBSCRIBE.id,
            raw.add_unsubscribe()
                .format(ctx.format.as_str())
                .body(body)
                .send(),
        )
        .await?;
        Ok(())
    }
}

/// `GET /v4.1/lists/unsubscribe`, 100 per page: `.send()` one page or `.stream()` them
/// all; `from`/`to` is the day an address was listed.
pub type ListUnsubscribes = OffsetListing<UnsubscribeSource>;

/// The request of [`ListUnsubscribes`].
#[derive(Clone, Copy, Debug)]
pub struct UnsubscribeSource;

impl sealed::Sealed for UnsubscribeSource {}

impl OffsetSource for UnsubscribeSource {
    type Item = Unsubscribe;
    // The page length is the service's; `limit` is not sent.
    const MAX_LIMIT: u32 = UNSUBSCRIBE_PAGE as u32;

    async fn page(&self, client: &Client, at: OffsetPage) -> Result<Vec<Unsubscribe>> {
        let raw = raw_client!(client, cg_raw_lists, HostFamily::Api);
        let ctx = client.ctx();
        let (date_range_from, date_range_to) = at.date_range();
        let query = cg_raw_lists::query::ListUnsubscribes {
            start: Some(at.start),
            date_range_from,
            date_range_to,
        };
        let answer = raw.list_unsubscribes_as(ctx.format.as_str(), &query);
        read_list(ctx, cg_raw_lists::ops::LIST_UNSUBSCRIBES, answer).await
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
        OffsetListing::from_source(self.client.clone(), BounceSource)
    }
}

/// `GET /v4.1/lists/bounce`, up to 1000 per page: `.send()` one page or `.stream()`
/// them all; `from`/`to` is the day an address bounced.
pub type ListBounces = OffsetListing<BounceSource>;

/// The request of [`ListBounces`].
#[derive(Clone, Copy, Debug)]
pub struct BounceSource;

impl sealed::Sealed for BounceSource {}

impl TakesLimit for BounceSource {}

impl OffsetSource for BounceSource {
    type Item = Bounce;
    const MAX_LIMIT: u32 = MAX_BOUNCE_LIMIT;

    async fn page(&self, client: &Client, at: OffsetPage) -> Result<Vec<Bounce>> {
        let raw = raw_client!(client, cg_raw_lists, HostFamily::Api);
        let ctx = client.ctx();
        let (date_range_from, date_range_to) = at.date_range();
        let query = cg_raw_lists::query::ListBounces {
            start: Some(at.start),
            limit: Some(at.limit.into()),
            date_range_from,
            date_range_to,
        };
        let answer = raw.list_bounces_as(ctx.format.as_str(), &query);
        read_list(ctx, cg_raw_lists::ops::LIST_BOUNCES, answer).await
    }
}

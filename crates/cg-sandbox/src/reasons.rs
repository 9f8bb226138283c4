//! `GET /v4.1/reasons`: the reason codes, optionally for promoters or for detractors
//! and passives only.

use crate::app::App;
use crate::lists::invalid;
use crate::params::Params;
use crate::respond::{V41Result, Val};

/// `GET /reasons`.
pub(crate) fn list(app: &App, params: &Params) -> V41Result {
    let show_for = match params.non_empty("show_for") {
        None => None,
        Some(v) if v.eq_ignore_ascii_case("Promoter") => Some("Promoter"),
        Some(v) if v.eq_ignore_ascii_case("Detractor&Neutral") => Some("Detractor&Neutral"),
        Some(_) => return Err(invalid("show_for must be Promoter or Detractor&Neutral")),
    };
    Ok(app.store.read(|s| {
        Val::Arr(
            s.reasons
                .iter()
                .filter(|r| show_for.is_none_or(|f| r.show_for == f))
                .map(|r| {
                    Val::obj()
                        .with("reason_code", &r.reason_code)
                        .with("numeration", &r.numeration)
                        .with("position", &r.position)
                        .with("show_for", &r.show_for)
                        .with("good_bad", &r.good_bad)
                        .with("category_main", &r.category_main)
                        .with("level", &r.level)
                        .with("label", &r.label)
                })
                .collect(),
        )
    }))
}

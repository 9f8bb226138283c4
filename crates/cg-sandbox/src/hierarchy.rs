//! `/v4.1/hierarchy`: list, add, update (rename or move) and delete divisions.

use cg_errors::ErrorCode;

use crate::app::App;
use crate::lists::invalid;
use crate::params::Params;
use crate::respond::{ApiError, V41Result, Val};
use crate::state::{Division, GLOBAL_DIVISION, State};

fn name_of(state: &State, id: Option<u64>) -> String {
    id.and_then(|id| state.divisions.iter().find(|d| d.id == id))
        .map(|d| d.name.clone())
        .unwrap_or_default()
}

/// `GET /hierarchy`.
pub(crate) fn list(app: &App, _params: &Params) -> V41Result {
    Ok(app.store.read(|s| {
        Val::Arr(
            s.divisions
                .iter()
                .map(|d| {
                    Val::obj()
                        .with("id", d.id.to_string())
                        .with("division", &d.name)
                        .with("parent", name_of(s, d.parent))
                })
                .collect(),
        )
    }))
}

fn required<'a>(params: &'a Params, name: &str) -> Result<&'a str, ApiError> {
    params.non_empty(name).ok_or_else(|| {
        ApiError::with_message(
            ErrorCode::RequiredFieldMissing,
            format!("Required field does not supplied: {name}"),
        )
    })
}

/// `POST /hierarchy`.
pub(crate) fn add(app: &App, params: &Params) -> V41Result {
    let name = required(params, "division")?;
    let parent = params.non_empty("parent").unwrap_or(GLOBAL_DIVISION);
    app.store.write(|s| {
        let parent_id = s
            .division(parent)
            .map(|d| d.id)
            .ok_or_else(|| ApiError::new(ErrorCode::HierarchyParentNotFound))?;
        if s.division(name).is_some() {
            return Err(invalid("a division with this name exists"));
        }
        s.counters.division += 1;
        let id = s.counters.division;
        s.divisions.push(Division {
            id,
            name: name.to_owned(),
            parent: Some(parent_id),
        });
        Ok(Val::obj().with("id", id.to_string()))
    })
}

/// Whether `candidate` is `id` or lies below it.
fn is_within(state: &State, candidate: u64, id: u64) -> bool {
    let mut current = Some(candidate);
    let mut steps = 0;
    while let Some(c) = current {
        if c == id {
            return true;
        }
        steps += 1;
        if steps > state.divisions.len() {
            return false;
        }
        current = state
            .divisions
            .iter()
            .find(|d| d.id == c)
            .and_then(|d| d.parent);
    }
    false
}

/// `PUT /hierarchy`.
pub(crate) fn update(app: &App, params: &Params) -> V41Result {
    let name = required(params, "division")?;
    let new_name = params.non_empty("division_to_update");
    let new_parent = params.non_empty("parent");
    if name == GLOBAL_DIVISION {
        return Err(ApiError::new(ErrorCode::HierarchyGlobalNotUpdatable));
    }
    app.store.write(|s| {
        let id = s
            .division(name)
            .map(|d| d.id)
            .ok_or_else(|| ApiError::new(ErrorCode::HierarchyDivisionNotFound))?;
        if new_name.is_none() && new_parent.is_none() {
            return Err(ApiError::with_message(
                ErrorCode::RequiredFieldMissing,
                "Required field does not supplied: division_to_update or parent",
            ));
        }
        let parent_id = match new_parent {
            None => None,
            Some(p) => {
                let pid = s
                    .division(p)
                    .map(|d| d.id)
                    .ok_or_else(|| ApiError::new(ErrorCode::HierarchyParentNotFound))?;
                if is_within(s, pid, id) {
                    return Err(invalid("a division cannot be moved below itself"));
                }
                Some(pid)
            }
        };
        if let Some(n) = new_name
            && n != name
            && s.division(n).is_some()
        {
            return Err(invalid("a division with this name exists"));
        }
        if let Some(d) = s.divisions.iter_mut().find(|d| d.id == id) {
            if let Some(n) = new_name {
                d.name = n.to_owned();
            }
            if let Some(p) = parent_id {
                d.parent = Some(p);
            }
        }
        if let Some(n) = new_name {
            for account in s
                .accounts
                .iter_mut()
                .filter(|a| a.region.as_deref() == Some(name))
            {
                account.region = Some(n.to_owned());
            }
        }
        Ok(Val::obj().with("message", "Division has been updated successfully"))
    })
}

/// `DELETE /hierarchy` (form body).
pub(crate) fn delete(app: &App, params: &Params) -> V41Result {
    let name = required(params, "division")?;
    let replacement = required(params, "replacement-division")?;
    if name == GLOBAL_DIVISION {
        return Err(ApiError::new(ErrorCode::HierarchyGlobalNotDeletable));
    }
    app.store.write(|s| {
        let id = s
            .division(name)
            .map(|d| d.id)
            .ok_or_else(|| ApiError::new(ErrorCode::HierarchyDivisionNotFound))?;
        if s.divisions.iter().any(|d| d.parent == Some(id)) {
            return Err(ApiError::new(ErrorCode::HierarchyParentNotDeletable));
        }
        if s.division(replacement).is_none() {
            return Err(ApiError::with_message(
                ErrorCode::HierarchyDivisionNotFound,
                "Division doesn’t exist: replacement-division",
            ));
        }
        if replacement == name {
            return Err(invalid("replacement-division must differ from division"));
        }
        s.divisions.retain(|d| d.id != id);
        for account in s
            .accounts
            .iter_mut()
            .filter(|a| a.region.as_deref() == Some(name))
        {
            account.region = Some(replacement.to_owned());
        }
        Ok(Val::obj().with("message", "Division has been deleted successfully."))
    })
}

//! Lookups by e-mail address, phone and account reference, so a request does not scan
//! the state under the lock. The index is derived data: not persisted, not cloned with a
//! snapshot, rebuilt by [`State::reindex`]. Every hit is checked against the data and a
//! failed check falls back to a scan, so a stale entry costs time, never correctness.

use std::collections::{HashMap, HashSet};
use std::fmt;

use crate::state::State;

/// The key of an e-mail address: the service compares them without ASCII case.
pub(crate) fn email_key(email: &str) -> String {
    email.to_ascii_lowercase()
}

#[derive(Default)]
pub(crate) struct Index {
    /// Whether the maps below are complete (else every lookup scans).
    built: bool,
    /// First contact (position) with this e-mail key.
    contacts_by_email: HashMap<String, usize>,
    /// First contact (position) without e-mail with this phone.
    contacts_by_phone: HashMap<String, usize>,
    /// Account (position) by reference.
    accounts: HashMap<String, usize>,
    /// CG-IDs of the surveys with this e-mail key, ascending.
    surveys_by_email: HashMap<String, Vec<u64>>,
    /// CG-IDs of the surveys with this phone, ascending.
    surveys_by_phone: HashMap<String, Vec<u64>>,
    /// E-mail keys on the unsubscribe list.
    unsubscribed: HashSet<String>,
}

impl Clone for Index {
    /// A snapshot does not carry the index; it is rebuilt where the snapshot is used.
    fn clone(&self) -> Index {
        Index::default()
    }
}

impl PartialEq for Index {
    /// Derived data: two states are equal by their data alone.
    fn eq(&self, _: &Index) -> bool {
        true
    }
}

impl fmt::Debug for Index {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Index")
            .field("built", &self.built)
            .field("contacts", &self.contacts_by_email.len())
            .field("surveys", &self.surveys_by_email.len())
            .finish_non_exhaustive()
    }
}

impl State {
    /// Rebuilds the lookup index from the data (after loading, or after the data was
    /// changed from outside, e.g. through `Sandbox::with_state`).
    pub fn reindex(&mut self) {
        let mut index = Index {
            built: true,
            ..Index::default()
        };
        for (i, c) in self.contacts.iter().enumerate() {
            match (&c.email, &c.phone) {
                (Some(e), _) => {
                    index.contacts_by_email.entry(email_key(e)).or_insert(i);
                }
                (None, Some(p)) => {
                    index.contacts_by_phone.entry(p.clone()).or_insert(i);
                }
                (None, None) => {}
            }
        }
        for (i, a) in self.accounts.iter().enumerate() {
            index.accounts.entry(a.reference.clone()).or_insert(i);
        }
        for s in &self.surveys {
            index_survey(
                &mut index,
                s.number_customergauge,
                s.email.as_deref(),
                s.phone.as_deref(),
            );
        }
        index.unsubscribed = self
            .unsubscribes
            .iter()
            .map(|u| email_key(&u.email))
            .collect();
        self.index = index;
    }

    /// Position of the first contact with this e-mail address (ASCII case ignored).
    pub(crate) fn contact_by_email(&self, email: &str) -> Option<usize> {
        let matches = |i: usize| {
            self.contacts
                .get(i)
                .and_then(|c| c.email.as_deref())
                .is_some_and(|ce| ce.eq_ignore_ascii_case(email))
        };
        if self.index.built {
            match self.index.contacts_by_email.get(&email_key(email)) {
                None => return None,
                Some(&i) if matches(i) => return Some(i),
                Some(_) => {}
            }
        }
        (0..self.contacts.len()).find(|&i| matches(i))
    }

    /// Position of the first contact without e-mail address with this phone.
    pub(crate) fn contact_by_phone_only(&self, phone: &str) -> Option<usize> {
        let matches = |i: usize| {
            self.contacts
                .get(i)
                .is_some_and(|c| c.email.is_none() && c.phone.as_deref() == Some(phone))
        };
        if self.index.built {
            match self.index.contacts_by_phone.get(phone) {
                None => return None,
                Some(&i) if matches(i) => return Some(i),
                Some(_) => {}
            }
        }
        (0..self.contacts.len()).find(|&i| matches(i))
    }

    /// Records a contact just pushed at `position`.
    pub(crate) fn index_new_contact(&mut self, position: usize) {
        if !self.index.built {
            return;
        }
        let Some(c) = self.contacts.get(position) else {
            return;
        };
        match (&c.email, &c.phone) {
            (Some(e), _) => {
                self.index.contacts_by_email.insert(email_key(e), position);
            }
            (None, Some(p)) => {
                self.index.contacts_by_phone.insert(p.clone(), position);
            }
            (None, None) => {}
        }
    }

    /// Position of the account with this reference.
    pub(crate) fn account_position(&self, reference: &str) -> Option<usize> {
        let matches = |i: usize| {
            self.accounts
                .get(i)
                .is_some_and(|a| a.reference == reference)
        };
        if self.index.built {
            match self.index.accounts.get(reference) {
                None => return None,
                Some(&i) if matches(i) => return Some(i),
                Some(_) => {}
            }
        }
        (0..self.accounts.len()).find(|&i| matches(i))
    }

    /// Records an account just pushed at `position`.
    pub(crate) fn index_new_account(&mut self, position: usize) {
        if let Some(a) = self.accounts.get(position)
            && self.index.built
        {
            self.index.accounts.insert(a.reference.clone(), position);
        }
    }

    /// CG-IDs of surveys that may carry this e-mail address (or, without one, this
    /// phone), newest first; the caller checks each survey.
    pub(crate) fn survey_ids_of(&self, email: Option<&str>, phone: Option<&str>) -> Vec<u64> {
        if !self.index.built {
            return self
                .surveys
                .iter()
                .rev()
                .map(|s| s.number_customergauge)
                .collect();
        }
        let ids = match (email, phone) {
            (Some(e), _) => self.index.surveys_by_email.get(&email_key(e)),
            (None, Some(p)) => self.index.surveys_by_phone.get(p),
            (None, None) => None,
        };
        ids.map(|ids| ids.iter().rev().copied().collect())
            .unwrap_or_default()
    }

    /// Records the e-mail address and phone of the survey `id` (after it was added or its
    /// contact data changed).
    pub(crate) fn index_survey(&mut self, id: u64) {
        if !self.index.built {
            return;
        }
        let Some((email, phone)) = self.survey(id).map(|s| (s.email.clone(), s.phone.clone()))
        else {
            return;
        };
        index_survey(&mut self.index, id, email.as_deref(), phone.as_deref());
    }

    /// Whether this address is on the unsubscribe list (ASCII case ignored).
    pub fn is_unsubscribed(&self, email: &str) -> bool {
        if self.index.built {
            return self.index.unsubscribed.contains(&email_key(email));
        }
        self.unsubscribes
            .iter()
            .any(|u| u.email.eq_ignore_ascii_case(email))
    }

    /// Records an address just added to the unsubscribe list.
    pub(crate) fn index_unsubscribe(&mut self, email: &str) {
        if self.index.built {
            self.index.unsubscribed.insert(email_key(email));
        }
    }
}

fn index_survey(index: &mut Index, id: u64, email: Option<&str>, phone: Option<&str>) {
    let add = |list: &mut Vec<u64>| {
        // Ids arrive ascending; an update of an older survey is inserted in place.
        match list.binary_search(&id) {
            Ok(_) => {}
            Err(at) => list.insert(at, id),
        }
    };
    if let Some(e) = email {
        add(index.surveys_by_email.entry(email_key(e)).or_default());
    }
    if let Some(p) = phone {
        add(index.surveys_by_phone.entry(p.to_owned()).or_default());
    }
}

#[cfg(test)]
mod tests {
    use crate::state::{State, Survey};

    #[test]
    fn lookups_with_and_without_index_agree() {
        let mut state = State::demo();
        let probe = |s: &State| {
            (
                s.contact_by_email("JOE.DOE@example.com"),
                s.contact_by_email("nobody@example.com"),
                s.account_position("Globex"),
                s.is_unsubscribed("Opted.Out@example.net"),
                s.survey_ids_of(Some("jane.roe@EXAMPLE.com"), None),
            )
        };
        let scanned = probe(&state);
        state.reindex();
        let indexed = probe(&state);
        assert_eq!(scanned.0, indexed.0);
        assert_eq!(scanned.1, None);
        assert_eq!(indexed.1, None);
        assert_eq!(scanned.2, indexed.2);
        assert!(scanned.3 && indexed.3);
        assert_eq!(indexed.4, vec![2]);
        assert!(scanned.4.contains(&2));
        // A stale entry (the contact's address changed behind the index) falls back to a scan.
        let joe = indexed.0.unwrap();
        state.contacts[joe].email = Some("joe@elsewhere.example".into());
        assert_eq!(state.contact_by_email("joe.doe@example.com"), None);
        let id = state.push_survey(Survey {
            email: Some("new@example.com".into()),
            ..Survey::default()
        });
        assert_eq!(state.survey_ids_of(Some("NEW@example.com"), None), vec![id]);
    }
}

//! Everything the sandbox remembers, as plain serde data (the `--state` file is this, in JSON).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

/// Client id of the demo Connected App, registered in every new [`State`].
pub const DEMO_CLIENT_ID: &str = "sandbox-demo-client";
/// Client secret of the demo Connected App.
pub const DEMO_CLIENT_SECRET: &str = "sandbox-demo-secret";
/// The demo API key (v4.1 only: `Authorization: api_key <KEY>`).
pub const DEMO_API_KEY: &str = "sandbox-demo-api-key";
/// Reference of the demo Inbound Mapping (with field settings and a duplication rule).
pub const DEMO_CONFIGURATION: &str = "9dd58237-c913-4073-9c76-07da0b49ff50";
/// Reference of the demo Inbound Mapping's twin without a duplication rule (same field
/// settings): a repeated record sends another survey, as on an account whose mapping has
/// no rule.
pub const DEMO_CONFIGURATION_NO_RULE: &str = "2c6e1f0a-7d43-4b8e-9a15-3f0b6c2d8e71";
/// Reference of a second, permissive demo Inbound Mapping (no field rules, no duplication rule).
pub const DEMO_OPEN_CONFIGURATION: &str = "53505294-0b20-2509-b15d-c8e377701d66";
/// Id of the root division `Global`.
pub const GLOBAL_DIVISION_ID: u64 = 1;
/// Name of the root division.
pub const GLOBAL_DIVISION: &str = "Global";

/// The whole emulated system: credentials, lists, hierarchy, uploads, mappings, accounts,
/// contacts and surveys.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    /// Registered OAuth2 clients: client id to client secret.
    pub clients: BTreeMap<String, String>,
    /// Valid v4.1 API keys.
    pub api_keys: BTreeSet<String>,
    /// Issued bearer tokens.
    pub tokens: HashMap<String, IssuedToken>,
    /// The unsubscribe list.
    pub unsubscribes: Vec<Unsubscribe>,
    /// The bounce list.
    pub bounces: Vec<Bounce>,
    /// The hierarchy; always holds `Global` (id 1).
    pub divisions: Vec<Division>,
    /// File uploads (revenue, contact, historical, transactional).
    pub uploads: Vec<Upload>,
    /// Inbound mappings for `PUT /records/`, by reference (UUID).
    pub configurations: BTreeMap<String, Configuration>,
    /// Accounts, created by imports, uploads and `PUT /accounts`.
    pub accounts: Vec<Account>,
    /// Contacts.
    pub contacts: Vec<Contact>,
    /// Survey records (responses and non-responses), ordered by CG-ID.
    pub surveys: Vec<Survey>,
    /// Reason codes.
    pub reasons: Vec<Reason>,
    /// Activities (`PUT /activities`), in creation order.
    pub activities: Vec<Activity>,
    /// Id counters.
    pub counters: Counters,
    /// Whether the demo data set was added.
    pub demo_seeded: bool,
    /// Lookups by e-mail, phone and reference (derived, rebuilt by [`State::reindex`]).
    #[serde(skip)]
    pub(crate) index: crate::index::Index,
}

impl Default for State {
    /// Same as [`State::new`].
    fn default() -> State {
        State::new()
    }
}

impl State {
    /// Nothing but the `Global` division: no clients, no keys, no mappings.
    pub fn empty() -> State {
        State {
            clients: BTreeMap::new(),
            api_keys: BTreeSet::new(),
            tokens: HashMap::new(),
            unsubscribes: Vec::new(),
            bounces: Vec::new(),
            divisions: vec![Division {
                id: GLOBAL_DIVISION_ID,
                name: GLOBAL_DIVISION.to_owned(),
                parent: None,
            }],
            uploads: Vec::new(),
            configurations: BTreeMap::new(),
            accounts: Vec::new(),
            contacts: Vec::new(),
            surveys: Vec::new(),
            reasons: Vec::new(),
            activities: Vec::new(),
            counters: Counters {
                division: GLOBAL_DIVISION_ID,
                ..Counters::default()
            },
            demo_seeded: false,
            index: crate::index::Index::default(),
        }
    }

    /// A fresh system set up like a new customer's: the demo client and API key, the
    /// demo Inbound Mappings, the reason codes; no business data.
    pub fn new() -> State {
        let mut state = State::empty();
        crate::seed::setup(&mut state);
        state
    }

    /// [`State::new`] plus the demo data set (see the crate README).
    pub fn demo() -> State {
        let mut state = State::new();
        crate::seed::demo(&mut state);
        state
    }

    /// The survey with this CG-ID.
    pub fn survey(&self, number_customergauge: u64) -> Option<&Survey> {
        let i = self
            .surveys
            .binary_search_by_key(&number_customergauge, |s| s.number_customergauge)
            .ok()?;
        self.surveys.get(i)
    }

    /// The survey with this CG-ID, mutable.
    pub fn survey_mut(&mut self, number_customergauge: u64) -> Option<&mut Survey> {
        let i = self
            .surveys
            .binary_search_by_key(&number_customergauge, |s| s.number_customergauge)
            .ok()?;
        self.surveys.get_mut(i)
    }

    /// The division with this name.
    pub fn division(&self, name: &str) -> Option<&Division> {
        self.divisions.iter().find(|d| d.name == name)
    }

    /// Adds a survey with the next CG-ID and returns that id.
    pub fn push_survey(&mut self, mut survey: Survey) -> u64 {
        self.counters.survey += 1;
        let id = self.counters.survey;
        survey.number_customergauge = id;
        self.surveys.push(survey);
        self.index_survey(id);
        id
    }
}

/// The last ids handed out.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Counters {
    /// Last division id (Global is 1).
    pub division: u64,
    /// Last upload id.
    pub upload: u64,
    /// Last CG-ID (`number_customergauge`).
    pub survey: u64,
    /// Last account id.
    pub account: u64,
    /// Last contact id.
    pub contact: u64,
    /// Last close-loop case id.
    pub case: u64,
    /// Last activity id.
    pub activity: u64,
}

/// A bearer token issued by `POST /oauth2/token`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IssuedToken {
    /// The client it was issued to.
    pub client_id: String,
    /// Expiry, milliseconds since the Unix epoch.
    pub expires_at_ms: u64,
}

/// An entry of the unsubscribe list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Unsubscribe {
    /// The address.
    pub email: String,
    /// `YYYY-MM-DD HH:MM:SS`.
    pub date: String,
}

/// An entry of the bounce list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bounce {
    /// The address.
    pub email: String,
    /// `hard` or `soft`.
    pub kind: String,
    /// Reason reported for the bounce.
    pub reason: String,
    /// `YYYY-MM-DD HH:MM:SS`.
    pub date: String,
}

/// A division (hierarchy level).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Division {
    /// Id.
    pub id: u64,
    /// Name (unique).
    pub name: String,
    /// Id of the parent; `None` for `Global` only.
    pub parent: Option<u64>,
}

/// The four kinds of upload listings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UploadKind {
    /// `/file/company-revenue`, uploaded with `/company/revenue_file_automate`.
    CompanyRevenue,
    /// `/file/contact`.
    Contact,
    /// `/file/historical` (and `/stream/historical`).
    Historical,
    /// `/file/transactional` (created by `/stream/transactional`).
    Transactional,
}

/// One file upload and its processing statistics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Upload {
    /// Upload id.
    pub id: u64,
    /// Listing it belongs to.
    pub kind: UploadKind,
    /// `Processed` or `Failed`.
    pub status: String,
    /// Name of the posted file.
    pub source_filename: String,
    /// `YYYY-MM-DD HH:MM:SS`.
    pub date_upload: String,
    /// `csv`, `xls`, `xlsx` or `xml`.
    pub file_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Rows found.
    pub total_records: u64,
    /// Rows taken.
    pub successful_records: u64,
    /// Rows refused.
    pub unsuccessful_records: u64,
    /// One line per refused row (or note).
    pub logs: Vec<String>,
    /// CG-IDs of the surveys this upload created (removed again when the upload is deleted).
    pub created_surveys: Vec<u64>,
}

/// An Inbound Mapping: the fields `PUT /records/` takes, their settings, and its
/// duplication rule (a setting of the mapping, as in the vendor's Inbound Mapping).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Configuration {
    /// Display name.
    pub name: String,
    /// The mapped fields, in validation order.
    pub fields: Vec<FieldSetting>,
    /// The duplication rule; `None`: no rule, every accepted record sends a survey.
    #[serde(default)]
    pub duplication: Option<DuplicationRule>,
}

/// A duplication rule: a record for a contact (same e-mail, else phone) that got a
/// survey less than `window` ago is refused with `duplicate` and that survey's CG-ID.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicationRule {
    /// How far back an earlier survey counts.
    pub window: std::time::Duration,
}

impl DuplicationRule {
    /// A rule with this window.
    pub fn new(window: std::time::Duration) -> DuplicationRule {
        DuplicationRule { window }
    }

    /// A rule of `days` days (the vendor's setting is in days).
    pub fn days(days: u32) -> DuplicationRule {
        DuplicationRule::new(std::time::Duration::from_secs(u64::from(days) * 86_400))
    }
}

impl Configuration {
    /// A mapping without fields and without duplication rule.
    pub fn new(name: impl Into<String>) -> Configuration {
        Configuration {
            name: name.into(),
            fields: Vec::new(),
            duplication: None,
        }
    }

    /// Adds a field.
    pub fn field(mut self, field: FieldSetting) -> Configuration {
        self.fields.push(field);
        self
    }

    /// Sets (or with `None` removes) the duplication rule.
    pub fn duplication(mut self, rule: impl Into<Option<DuplicationRule>>) -> Configuration {
        self.duplication = rule.into();
        self
    }

    /// Sets a duplication rule of `days` days.
    pub fn duplication_window_days(self, days: u32) -> Configuration {
        self.duplication(DuplicationRule::days(days))
    }

    /// The standard mapping: Email, Phone, First Name, Last Name, Account Name,
    /// Account Number, no rules.
    pub fn standard(name: impl Into<String>) -> Configuration {
        Configuration::new(name)
            .field(FieldSetting::new("Email", FieldTarget::Email))
            .field(FieldSetting::new("Phone", FieldTarget::Phone))
            .field(FieldSetting::new("First Name", FieldTarget::FirstName))
            .field(FieldSetting::new("Last Name", FieldTarget::LastName))
            .field(FieldSetting::new("Account Name", FieldTarget::AccountName))
            .field(FieldSetting::new(
                "Account Number",
                FieldTarget::AccountNumber,
            ))
    }
}

/// Where a mapped field's value goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldTarget {
    /// The contact's e-mail address (always validated as an e-mail address).
    Email,
    /// The contact's phone (digits, space, `(`, `)`, `-`, `+` only).
    Phone,
    /// Contact first name.
    FirstName,
    /// Contact last name.
    LastName,
    /// Account name (the account's reference).
    AccountName,
    /// Account number.
    AccountNumber,
    /// Customer number of the survey record.
    CustomerNumber,
    /// Order date of the survey record.
    DateOrder,
    /// Any other field, kept in the survey's `fields` under the mapping's name.
    Custom,
}

/// The format check of a field (Field Settings).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldFormat {
    /// Free text (see `max_length`).
    Text,
    /// `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DD`.
    Date,
    /// An e-mail address.
    Email,
    /// A number.
    Number,
}

/// One mapped field and its Field Settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldSetting {
    /// The key in `record`.
    pub name: String,
    /// Where the value goes.
    pub target: FieldTarget,
    /// Field Settings: required.
    #[serde(default)]
    pub required: bool,
    /// Field Settings: "Restrict new values on upload" with the known values.
    #[serde(default)]
    pub restricted_values: Option<Vec<String>>,
    /// Field Settings: format check.
    #[serde(default = "text_format")]
    pub format: FieldFormat,
    /// Field Settings: maximum number of characters (text fields).
    #[serde(default)]
    pub max_length: Option<usize>,
}

fn text_format() -> FieldFormat {
    FieldFormat::Text
}

impl FieldSetting {
    /// A text field without rules.
    pub fn new(name: impl Into<String>, target: FieldTarget) -> FieldSetting {
        FieldSetting {
            name: name.into(),
            target,
            required: false,
            restricted_values: None,
            format: FieldFormat::Text,
            max_length: None,
        }
    }

    /// Marks the field required.
    pub fn required(mut self) -> FieldSetting {
        self.required = true;
        self
    }

    /// Restricts the field to these values.
    pub fn restricted_to<I, S>(mut self, values: I) -> FieldSetting
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.restricted_values = Some(values.into_iter().map(Into::into).collect());
        self
    }

    /// Sets the format check.
    pub fn format(mut self, format: FieldFormat) -> FieldSetting {
        self.format = format;
        self
    }

    /// Sets the maximum length.
    pub fn max_length(mut self, max: usize) -> FieldSetting {
        self.max_length = Some(max);
        self
    }
}

/// An account.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Account {
    /// Id.
    pub id: u64,
    /// Reference (the account name, unique).
    pub reference: String,
    /// Account number.
    pub number: Option<String>,
    /// Account manager.
    pub manager: Option<String>,
    /// Parent account reference.
    pub parent: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Revenue, summed from revenue uploads.
    pub revenue: Option<f64>,
    /// `YYYY-MM-DD HH:MM:SS`.
    pub date_created: String,
    /// `YYYY-MM-DD HH:MM:SS`.
    pub date_updated: String,
}

/// A contact.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Contact {
    /// Id.
    pub id: u64,
    /// E-mail address.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Reference of the account.
    pub account: Option<String>,
    /// `YYYY-MM-DD HH:MM:SS`.
    pub date_updated: String,
}

/// Response (answered) or non-response (invitation not answered yet).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveyKind {
    /// Answered.
    Response,
    /// Not answered.
    #[default]
    NonResponse,
}

/// A survey record (transaction), identified by its CG-ID.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Survey {
    /// The CG-ID.
    pub number_customergauge: u64,
    /// Response or non-response.
    pub kind: SurveyKind,
    /// `QUEUE`, `PROCESSED`, `BOUNCED`, `ERROR` or `UNSUBSCRIBED`.
    pub status: String,
    /// Customer number.
    pub number_customer: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Account name.
    pub account_name: Option<String>,
    /// Account number.
    pub account_number: Option<String>,
    /// Net Promoter Score answer (0-10).
    pub nps: Option<i64>,
    /// Comment.
    pub comment: Option<String>,
    /// `YYYY-MM-DD HH:MM:SS`.
    pub date_creation: String,
    /// Order date.
    pub date_order: Option<String>,
    /// When the invitation went out.
    pub date_sent: Option<String>,
    /// When the survey was answered (`DateFormCompleted`).
    pub date_survey_response: Option<String>,
    /// Further fields (segments such as `Region`, `Touchpoint`, custom mapping fields).
    pub fields: BTreeMap<String, String>,
    /// Driver labels.
    pub drivers: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// The Inbound Mapping it came through, if any.
    pub configuration: Option<String>,
    /// Where it came from: `records`, `transactions`, `stream`, `upload`, `demo`.
    pub source: String,
    /// Workflow (v4.1 `/workflow`) and close-loop (v7) state.
    pub workflow: Workflow,
    /// Set once anonymized.
    pub anonymized: bool,
}

/// Workflow / close-loop state of a survey.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Workflow {
    /// Last status set (`OPEN`, `IN-PROGRESS`, ..., or v7 `open`/`progress`/`closed`).
    pub status: Option<String>,
    /// User it is assigned to.
    pub assigned_to: Option<String>,
    /// Comments and notes, oldest first.
    pub notes: Vec<String>,
    /// When the last change happened.
    pub happened_at: Option<String>,
    /// The close-loop case (v7), once a status was set through `PUT /close-loop/status`.
    pub case: Option<Case>,
}

/// A close-the-loop case (art 5000880297): the latest status of a survey's follow-up.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Case {
    /// Case id: the listing's order and its cursor.
    pub id: u64,
    /// `open`, `progress` or `closed`.
    pub status: String,
    /// The latest note.
    pub note: Option<String>,
    /// When the case went `open` (start of the follow-up time).
    pub opened_at: Option<String>,
    /// When it went `progress` (end of follow-up, start of close time).
    pub progress_at: Option<String>,
    /// Whole hours from open to progress (art 5000883702); cleared on re-opening.
    pub time_to_follow_up: Option<i64>,
    /// Whole hours from progress to closed; cleared on re-opening.
    pub time_to_close: Option<i64>,
    /// `YYYY-MM-DD HH:MM:SS`.
    pub created_at: String,
    /// `YYYY-MM-DD HH:MM:SS` of the last change.
    pub updated_at: String,
}

/// An activity (`PUT /activities`, art 5000810958).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Activity {
    /// Id.
    pub id: u64,
    /// Reference (unique across activities); `None` when created without one.
    pub reference: Option<String>,
    /// Account reference (created when unknown).
    pub account: String,
    /// E-mail address or phone of an existing contact.
    pub contact: Option<String>,
    /// Type, e.g. `Ticket`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Source, e.g. `Freshdesk`.
    pub source: String,
    /// As sent: `Y-m-d H:i:s`, optionally with an offset (`+0530`).
    pub happened_at: String,
    /// `additional_information_object` / `additional_information_array[..]`.
    pub additional_information: serde_json::Map<String, serde_json::Value>,
    /// `YYYY-MM-DD HH:MM:SS`.
    pub created_at: String,
    /// `YYYY-MM-DD HH:MM:SS`.
    pub updated_at: String,
}

/// A reason code.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// Code.
    pub reason_code: String,
    /// Numeration.
    pub numeration: String,
    /// Position.
    pub position: String,
    /// `Promoter` or `Detractor&Neutral`.
    pub show_for: String,
    /// `pos` or `neg`.
    pub good_bad: String,
    /// Main category code.
    pub category_main: String,
    /// Level (1 or 2).
    pub level: String,
    /// Label.
    pub label: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_json() {
        let state = State::demo();
        let text = serde_json::to_string(&state).unwrap();
        let back: State = serde_json::from_str(&text).unwrap();
        assert_eq!(back, state);
    }

    #[test]
    fn new_has_credentials_and_global() {
        let state = State::new();
        assert_eq!(
            state.clients.get(DEMO_CLIENT_ID).map(String::as_str),
            Some(DEMO_CLIENT_SECRET)
        );
        assert!(state.api_keys.contains(DEMO_API_KEY));
        assert!(
            state.configurations[DEMO_CONFIGURATION]
                .duplication
                .is_some()
        );
        assert!(
            state.configurations[DEMO_CONFIGURATION_NO_RULE]
                .duplication
                .is_none()
        );
        assert_eq!(
            state.division(GLOBAL_DIVISION).map(|d| d.id),
            Some(GLOBAL_DIVISION_ID)
        );
    }
}

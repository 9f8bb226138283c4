//! End-to-end tests of cg-sandbox over HTTP (one test binary, one module per API module).

mod sandbox {
    pub mod common;

    mod accounts;
    mod activities;
    mod anonymize;
    mod auth;
    mod binary;
    mod faults;
    mod files;
    mod formats;
    mod hierarchy;
    mod lists;
    mod profiles;
    mod reasons;
    mod records;
    mod report;
    mod requests;
    mod state;
    mod stream;
    mod sync;
    mod transactions;
    mod workflow;
}

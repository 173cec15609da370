//! livret-export: what leaves the device in a form people or other software read: QR codes
//! (invitations, seals), the paper livret (PDF) with a signed seal on every page, and the
//! official LSU XML (export, validation, import).
//!
//! Everything here is a pure function over plain data: no store, no network, no clock.

pub mod grid;
pub mod lsu;
pub mod pdf;
pub mod qr;
pub mod seal;

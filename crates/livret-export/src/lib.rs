//! livret-export: what leaves the device in a form people or other software read: QR codes
//! (invitations, later seals), and later the paper PDF and the LSU XML.

pub mod qr;

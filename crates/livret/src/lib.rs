//! livret

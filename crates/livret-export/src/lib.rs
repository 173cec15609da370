//! livret-export

//! Multi-device scenarios live in tests/*.rs.

//! What every command needs: the device's home and the language of messages.

use std::path::PathBuf;

use livret::core::Lang;
use livret::{Device, KeySource};

/// What every command needs: where the device lives and the language of messages.
pub struct Ctx {
    /// The device's home directory.
    pub home: PathBuf,
    /// The language of messages.
    pub lang: Lang,
}

impl Ctx {
    /// Opens the device of this home (key from the environment or the key file).
    pub fn open(&self) -> livret::Result<Device> {
        Device::open(&self.home, KeySource::from_env())
    }
}

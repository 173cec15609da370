//! What the hand-made peers of the attack scenarios share.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use livret_net::protocol::Frame;
use livret_net::Session;

/// The family's answer to a redeem, after the `Waiting` frames it sends while its user
/// confirms who redeemed.
pub async fn redeem_answer(s: &mut Session) -> Frame {
    loop {
        let Ok(Some(b)) = s.recv().await else {
            panic!("no answer to the redeem")
        };
        match Frame::decode(&b).unwrap() {
            Frame::Waiting => continue,
            f => return f,
        }
    }
}

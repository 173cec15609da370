//! The holder's side of a recovery, within a session: a new family device sent `Recover` (the
//! recovery key's proof over its own key) as its first frame; this device answers with the
//! records of every livret that key owns, or refuses. The rules are `Device::answer_recover`
//! (recovery.rs); the new device's side drives a whole session (`recovery::restore`).

use livret_core::recovery::RecoveryProof;
use livret_core::DeviceId;
use livret_net::protocol::{Frame, Granted, Recover};
use livret_net::Session;

use crate::device::{lock, SharedDevice};
use crate::error::{Error, Result};

async fn send(session: &mut Session, frame: &Frame) -> Result<()> {
    Ok(session.send(&frame.encode()).await?)
}

/// Holder side, called by the session when the first frame is `Recover`. Returns whether the
/// session goes on (the recovery was granted).
pub(crate) async fn answer(
    dev: &SharedDevice,
    peer: DeviceId,
    session: &mut Session,
    r: Recover,
    refused: &mut Vec<crate::SessionRefusal>,
) -> Result<bool> {
    let proof = proof_of(&r);
    let answer = match proof {
        Some(proof) => lock(dev).answer_recover(peer, &proof, &r.name, &r.role),
        None => Err(Error::Protocol("demande de secours mal formée".into())),
    };
    match answer {
        Ok(livrets) => {
            let n = u32::try_from(livrets.len()).unwrap_or(u32::MAX);
            for (livret, records) in livrets {
                let frame = Frame::Granted(Granted::new(livret.0, records));
                send(session, &frame).await?;
            }
            send(session, &Frame::EndRound(n)).await?;
            Ok(true)
        }
        Err(e) => {
            let refusal = crate::refused::of_error(&e);
            send(session, &crate::refused::frame(None, None, &refusal)).await?;
            refused.push(crate::SessionRefusal::new(false, None, None, refusal));
            Ok(false)
        }
    }
}

fn proof_of(r: &Recover) -> Option<RecoveryProof> {
    Some(RecoveryProof {
        key: DeviceId(<[u8; 32]>::try_from(r.key.as_slice()).ok()?),
        at: r.at,
        signature: <[u8; 64]>::try_from(r.signature.as_slice()).ok()?,
    })
}

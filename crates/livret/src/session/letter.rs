//! What a mailbox letter carries, and how it is received: what one turn of a live session
//! would have sent, and the same checks on arrival.
//!
//! The sender plans as if the peer had said hello with the heads it last acknowledged (the
//! `peer-heads` records a session leaves), so the letter carries the changes it lacks since
//! then, and the notices a session would give (revocation, deletion, erasures, owner news).
//! Nothing it knows is marked as sent: the next letter or session sends again what a lost
//! letter carried (Automerge drops what a device already has). The receiver runs each frame
//! through the live session's own methods (`Ctx::receive` and the others), with its policy at
//! its clock.

use super::*;
use crate::class::peer_heads;

/// The most frames a letter may carry (a turn of a session has as many documents at most).
pub(crate) const MAX_LETTER_FRAMES: usize = MAX_HELLO_LIVRETS * (MAX_HELLO_TARGETS + 4);

/// The frames a letter to `peer` would carry now; empty when there is nothing to tell it.
pub(crate) fn letter_frames(dev: SharedDevice, peer: DeviceId) -> Result<Vec<Frame>> {
    let mut ctx = Ctx::new(dev.clone(), peer, BTreeSet::new());
    ctx.hello()?;
    ctx.loaded.clear();
    let theirs = {
        let d = lock(&dev);
        let livrets = ctx
            .policy
            .livrets
            .keys()
            .map(|&livret| {
                let docs = peer_heads(&d, &peer, livret)
                    .into_iter()
                    .filter(|(_, heads)| !heads.is_empty() && heads.len() <= MAX_HEADS)
                    .map(|(name, heads)| {
                        (
                            name,
                            heads.iter().map(|h| ByteBuf::from(h.0.to_vec())).collect(),
                        )
                    })
                    .collect();
                HelloLivret {
                    livret: livret.0,
                    docs,
                    erasures: vec![],
                }
            })
            .collect();
        Hello {
            name: String::new(),
            role: String::new(),
            livrets,
        }
    };
    ctx.plan(&theirs)?;
    let mut frames = ctx.my_turn()?;
    ctx.flush_audit();
    // No turn end, no refusal of what the peer "listed" (it listed nothing: it is away).
    frames.retain(|f| !matches!(f, Frame::EndRound(_) | Frame::Refused(_)));
    frames.truncate(MAX_LETTER_FRAMES);
    Ok(frames)
}

/// Receives the frames of a letter from `peer`, each checked as in a live session; a frame
/// refused is recorded (audit, report) and nothing of it is kept.
pub(crate) fn receive_letter(
    dev: SharedDevice,
    peer: DeviceId,
    frames: Vec<Frame>,
) -> Result<SessionReport> {
    if frames.len() > MAX_LETTER_FRAMES {
        return Err(Error::Protocol("lettre de trop de trames".into()));
    }
    let mut ctx = Ctx::new(dev, peer, BTreeSet::new());
    ctx.hello()?;
    ctx.loaded.clear();
    let mut result = Ok(());
    for frame in frames {
        // As in a live peer turn: received sections are stored before any other frame, which
        // may read, rewrite or drop stored documents.
        if !matches!(frame, Frame::Sync(_)) {
            if let Err(e) = ctx.end_peer_turn() {
                result = Err(e);
                break;
            }
        }
        let step = match frame {
            Frame::Sync(m) => ctx.receive(m),
            Frame::Granted(g) => ctx.receive_owner_news(g),
            Frame::Erased(e) => ctx.receive_erased(e),
            Frame::Deleted(d) => ctx.receive_deleted(d),
            Frame::Revoked(r) => ctx.receive_revoked(r),
            _ => Err(Error::Protocol(
                "trame inattendue dans une lettre de la boîte aux lettres".into(),
            )),
        };
        if let Err(e) = step.and_then(|()| ctx.check_refusals()) {
            result = Err(e);
            break;
        }
    }
    // What the peer told of its heads is kept; nothing was sent to it.
    ctx.finish(false);
    result.map(|()| ctx.report)
}

//! Sync events for the app: derived from the reports of sessions and from the node's own
//! events, delivered to the app's [`SyncListener`] on one thread of their own (never on the
//! node's threads, so a slow or re-entrant listener cannot stall or deadlock the node).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::sync::Arc;

use livret::core::DeviceId;
use livret_net::PeerId;

/// Something the node saw or did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SyncEvent {
    /// A device was seen: found on the local network (mDNS; `name` empty), or met in a
    /// session (`name` from its hello).
    PeerSeen {
        /// Its device id.
        peer: String,
        /// Its name, if known.
        name: String,
    },
    /// A document of a livret was synced with a device (`section` is `manifest` for the
    /// grants document).
    SectionSynced {
        /// The other device.
        peer: String,
        /// The livret.
        livret_id: String,
        /// The section.
        section: String,
    },
    /// Something was refused, by this device or by the other one.
    Refused {
        /// The other device.
        peer: String,
        /// Why, in French.
        reason: String,
    },
    /// The family revoked this device: the livret was erased from it.
    Revoked {
        /// The family device that said so.
        peer: String,
        /// The livret erased.
        livret_id: String,
    },
    /// A revoked device was refused and told (on the family's device).
    PeerRevoked {
        /// The revoked device.
        peer: String,
        /// The livret.
        livret_id: String,
    },
    /// The family forgot entries or a whole section (told by `peer`): this device erased them,
    /// history included. Show the livret again.
    Erased {
        /// The device that told of it.
        peer: String,
        /// The livret.
        livret_id: String,
        /// The section rebuilt.
        section: String,
    },
    /// The family deleted a livret (told by `peer`): it was erased from this device.
    Deleted {
        /// The device that told of it.
        peer: String,
        /// The livret erased.
        livret_id: String,
    },
    /// A session the node answered or started on discovery failed (network, protocol). The
    /// failures of `accept` and `sync_with` are their errors instead.
    SessionFailed {
        /// Why, in French.
        message: String,
    },
}

/// Implemented by the app (Kotlin, Swift, Python) to receive sync events. Called on a thread
/// of the bridge, one event at a time, in order; it may call back into the bridge.
#[uniffi::export(foreign)]
pub trait SyncListener: Send + Sync {
    /// One event.
    fn on_event(&self, event: SyncEvent);
}

/// What the delivery thread receives.
enum Delivery {
    Event(SyncEvent),
    Stop,
}

/// Where events go: a channel to the delivery thread, or nowhere.
#[derive(Clone, Default)]
pub(crate) struct EventSink {
    tx: Option<mpsc::Sender<Delivery>>,
    /// The language of the messages in events.
    lang: livret::Lang,
}

/// The thread that calls the listener.
pub(crate) struct DeliveryThread {
    tx: mpsc::Sender<Delivery>,
    thread: std::thread::JoinHandle<()>,
}

impl DeliveryThread {
    /// Delivers what was sent before, then stops; waits for that unless called from the
    /// listener itself. No event is delivered after this returns.
    pub(crate) fn stop(self) {
        let _ = self.tx.send(Delivery::Stop);
        if self.thread.thread().id() != std::thread::current().id() {
            let _ = self.thread.join();
        }
    }
}

impl EventSink {
    /// Starts the delivery thread of `listener`, if any.
    pub(crate) fn start(
        listener: Option<Arc<dyn SyncListener>>,
        lang: livret::Lang,
    ) -> std::io::Result<(EventSink, Option<DeliveryThread>)> {
        let Some(listener) = listener else {
            return Ok((EventSink::default(), None));
        };
        let (tx, rx) = mpsc::channel::<Delivery>();
        let thread = std::thread::Builder::new()
            .name("livret-events".into())
            .spawn(move || {
                for delivery in rx {
                    let Delivery::Event(event) = delivery else {
                        break;
                    };
                    // A listener that throws loses that event, not the ones after it.
                    let _ = catch_unwind(AssertUnwindSafe(|| listener.on_event(event)));
                }
            })?;
        let sink = EventSink {
            tx: Some(tx.clone()),
            lang,
        };
        Ok((sink, Some(DeliveryThread { tx, thread })))
    }

    fn send(&self, event: SyncEvent) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Delivery::Event(event));
        }
    }

    /// A device found on the local network.
    pub(crate) fn discovered(&self, peer: &PeerId) {
        if let Some(key) = livret_net::public_key_from_peer_id(peer) {
            self.send(SyncEvent::PeerSeen {
                peer: DeviceId(key).to_string(),
                name: String::new(),
            });
        }
    }

    /// The events of one session's outcome.
    pub(crate) fn outcome(&self, result: &livret::Result<livret::SessionReport>) {
        if self.tx.is_none() {
            return;
        }
        for event in events_of(result, self.lang) {
            self.send(event);
        }
    }

    /// The events of one session's report.
    pub(crate) fn report(&self, report: &livret::SessionReport) {
        if self.tx.is_none() {
            return;
        }
        for event in report_events(report) {
            self.send(event);
        }
    }
}

/// The events a session's outcome stands for, in order.
fn events_of(result: &livret::Result<livret::SessionReport>, lang: livret::Lang) -> Vec<SyncEvent> {
    use livret::Localized;
    match result {
        Ok(r) => report_events(r),
        Err(e) => vec![SyncEvent::SessionFailed {
            message: e.localized(lang),
        }],
    }
}

/// The events a session's report stands for, in order.
fn report_events(r: &livret::SessionReport) -> Vec<SyncEvent> {
    let peer = r.peer.clone();
    let mut out = Vec::new();
    if !peer.is_empty() {
        out.push(SyncEvent::PeerSeen {
            peer: peer.clone(),
            name: r.peer_name.clone(),
        });
    }
    for doc in &r.synced {
        let (livret_id, section) = doc.split_once('/').unwrap_or((doc.as_str(), ""));
        out.push(SyncEvent::SectionSynced {
            peer: peer.clone(),
            livret_id: livret_id.to_string(),
            section: section.to_string(),
        });
    }
    for reason in r.refused_lines(livret::Lang::Fr) {
        out.push(SyncEvent::Refused {
            peer: peer.clone(),
            reason,
        });
    }
    for livret_id in &r.purged {
        out.push(SyncEvent::Revoked {
            peer: peer.clone(),
            livret_id: livret_id.clone(),
        });
    }
    for livret_id in &r.revoked_peer {
        out.push(SyncEvent::PeerRevoked {
            peer: peer.clone(),
            livret_id: livret_id.clone(),
        });
    }
    for doc in &r.erased {
        let (livret_id, section) = doc.split_once('/').unwrap_or((doc.as_str(), ""));
        out.push(SyncEvent::Erased {
            peer: peer.clone(),
            livret_id: livret_id.to_string(),
            section: section.to_string(),
        });
    }
    for livret_id in &r.deleted {
        out.push(SyncEvent::Deleted {
            peer: peer.clone(),
            livret_id: livret_id.clone(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_becomes_events_in_order() {
        let report = livret::SessionReport {
            peer: "abc".into(),
            peer_name: "M. Martin".into(),
            synced: vec!["L1/manifest".into(), "L1/annee/2025".into()],
            refused: vec![livret::SessionRefusal {
                by_peer: true,
                livret: Some("L1".into()),
                target: Some("annee/2025".into()),
                refusal: livret::core::Refusal::new(livret::core::RefusalCode::ReadOnly),
            }],
            purged: vec!["L2".into()],
            revoked_peer: vec!["L3".into()],
            erased: vec!["L4/accompagnement".into()],
            deleted: vec!["L5".into()],
            awaiting_erasure: vec!["L6/annee/2025".into()],
            ..Default::default()
        };
        let events = events_of(&Ok(report), livret::Lang::Fr);
        assert_eq!(
            events,
            vec![
                SyncEvent::PeerSeen {
                    peer: "abc".into(),
                    name: "M. Martin".into()
                },
                SyncEvent::SectionSynced {
                    peer: "abc".into(),
                    livret_id: "L1".into(),
                    section: "manifest".into()
                },
                SyncEvent::SectionSynced {
                    peer: "abc".into(),
                    livret_id: "L1".into(),
                    section: "annee/2025".into()
                },
                SyncEvent::Refused {
                    peer: "abc".into(),
                    reason: "refusé par l'autre appareil : L1/annee/2025 : autorisation en lecture seule"
                        .into()
                },
                SyncEvent::Revoked {
                    peer: "abc".into(),
                    livret_id: "L2".into()
                },
                SyncEvent::PeerRevoked {
                    peer: "abc".into(),
                    livret_id: "L3".into()
                },
                SyncEvent::Erased {
                    peer: "abc".into(),
                    livret_id: "L4".into(),
                    section: "accompagnement".into()
                },
                SyncEvent::Deleted {
                    peer: "abc".into(),
                    livret_id: "L5".into()
                },
            ]
        );
    }

    #[test]
    fn a_failed_session_is_one_event_with_the_french_message() {
        let events = events_of(&Err(livret::Error::InvitationExpired), livret::Lang::Fr);
        assert_eq!(
            events,
            vec![SyncEvent::SessionFailed {
                message: "invitation expirée".into()
            }]
        );
    }

    #[test]
    fn a_failed_session_speaks_english_on_request() {
        let events = events_of(&Err(livret::Error::InvitationExpired), livret::Lang::En);
        assert_eq!(
            events,
            vec![SyncEvent::SessionFailed {
                message: "invitation expired".into()
            }]
        );
    }
}

//! `livret invite` after the code is shown: waits for the redeem (answered by the `serve` or
//! `app` process of this home, which keeps it waiting) and asks the family who it was. The
//! rules are in `livret::Device` (`redeem_claims`, `confirm_redeem`).

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use livret::core::Lang;
use livret::{Device, InvitationOut, RedeemClaimView};

use crate::tr;

/// How often the store is read for a redeem.
const POLL: Duration = Duration::from_millis(300);

/// Waits until `out` is redeemed (or expires), shows who redeemed and asks for confirmation on
/// standard input. Messages go to standard error, so `--json` keeps one document on stdout.
pub fn wait_and_ask(lang: Lang, dev: &mut Device, out: &InvitationOut) -> Result<ExitCode> {
    let say = |text: String| {
        let mut e = std::io::stderr().lock();
        let _ = writeln!(e, "{text}");
    };
    say(lang
        .pick(
            "En attente de l'appareil invité… (« livret serve » ou « livret app » doit tourner sur cet appareil ; Ctrl+C pour arrêter)",
            "Waiting for the invited device… (\"livret serve\" or \"livret app\" must be running on this device; Ctrl+C to stop)",
        )
        .to_string());
    let claim = loop {
        if let Some(c) = dev
            .redeem_claims(None)?
            .into_iter()
            .find(|c| c.invitation == out.invitation_id)
        {
            break c;
        }
        if !dev.invitation_waiting(out)? {
            // Used without a claim seen here (answered elsewhere), or expired.
            say(lang
                .pick(
                    "L'invitation n'est plus en attente (expirée, ou utilisée et confirmée ailleurs).",
                    "The invitation is no longer waiting (expired, or used and confirmed elsewhere).",
                )
                .to_string());
            return Ok(ExitCode::FAILURE);
        }
        std::thread::sleep(POLL);
    };
    ask(lang, dev, &claim, &say)
}

fn ask(
    lang: Lang,
    dev: &mut Device,
    claim: &RedeemClaimView,
    say: &dyn Fn(String),
) -> Result<ExitCode> {
    let (name, code, lapses) = (&claim.name, &claim.code, &claim.lapses_at);
    let role = role_words(lang, &claim.role);
    say(tr!(
        lang,
        "\nDemande reçue : « {name} » ({role}) veut utiliser cette invitation.\nCode affiché sur son appareil : {code}\nVérifiez que c'est bien la personne à qui vous avez montré le code, et que son écran affiche le même code.",
        "\nRequest received: \"{name}\" ({role}) wants to use this invitation.\nCode shown on its device: {code}\nCheck that it is the person you showed the code to, and that its screen shows the same code."
    ));
    let yes = crate::util::ask_yes(&tr!(
        lang,
        "Confirmer ? [o/N] (réponse avant {lapses}) ",
        "Confirm? [y/N] (answer before {lapses}) "
    ))?;
    dev.confirm_redeem(&claim.invitation, yes)?;
    if yes {
        say(tr!(
            lang,
            "Confirmé : l'autorisation est accordée à « {name} ».",
            "Confirmed: the grant is issued to \"{name}\"."
        ));
        Ok(ExitCode::SUCCESS)
    } else {
        say(lang
            .pick(
                "Refusé : rien n'a été accordé. L'invitation est utilisée ; créez-en une nouvelle si besoin.",
                "Refused: nothing was granted. The invitation is used; create a new one if needed.",
            )
            .to_string());
        Ok(ExitCode::FAILURE)
    }
}

fn role_words(lang: Lang, role: &str) -> String {
    match role.parse::<livret::core::Role>() {
        Ok(r) => match lang {
            Lang::Fr => r.french().to_string(),
            Lang::En => r.as_str().to_string(),
        },
        Err(_) => role.to_string(),
    }
}

//! Every text of the app, in French and in English: one struct, two values. A string added to
//! one language and not the other does not compile. Messages from the `livret` API come
//! through its own `Localized` trait.

use livret_core::Lang;

/// The texts of the interface in one language.
pub struct Strings {
    pub app: &'static str,
    pub skip: &'static str,
    pub home: &'static str,
    pub sync: &'static str,
    pub other_lang: &'static str,
    pub other_lang_code: &'static str,
    pub footer: &'static str,
    pub role_family: &'static str,
    pub role_teacher: &'static str,
    pub role_school: &'static str,
    pub role_jury: &'static str,
    pub error_title: &'static str,
    pub not_found: &'static str,
    pub logged_in: &'static str,
    pub continue_: &'static str,
    pub login_refused: &'static str,
    // family
    pub children: &'static str,
    pub no_children: &'static str,
    pub add_child: &'static str,
    pub child_name: &'static str,
    pub child_birth: &'static str,
    pub child_ine: &'static str,
    pub optional: &'static str,
    pub create_livret: &'static str,
    pub open_livret: &'static str,
    pub invite: &'static str,
    pub grants: &'static str,
    pub audit: &'static str,
    pub pdf: &'static str,
    pub no_entries: &'static str,
    pub by: &'static str,
    pub on: &'static str,
    pub sig_valid: &'static str,
    pub sig_certified: &'static str,
    pub sig_invalid: &'static str,
    pub sig_unknown: &'static str,
    pub sensitive: &'static str,
    pub conflicted: &'static str,
    pub synthesis: &'static str,
    pub vie_scolaire: &'static str,
    pub positioning: &'static str,
    pub mark: &'static str,
    pub late: &'static str,
    pub justified: &'static str,
    pub unjustified: &'static str,
    pub other_entries: &'static str,
    pub identity: &'static str,
    pub sections: &'static str,
    pub rights: &'static str,
    pub rights_read: &'static str,
    pub rights_write: &'static str,
    pub until: &'static str,
    pub show_invitation: &'static str,
    pub invitation: &'static str,
    pub invitation_help: &'static str,
    pub invitation_text: &'static str,
    pub invitation_once: &'static str,
    pub waiting_redeem: &'static str,
    pub redeemed_by: &'static str,
    pub back_to_livret: &'static str,
    pub grant_for: &'static str,
    pub state: &'static str,
    pub active: &'static str,
    pub revoked: &'static str,
    pub expired: &'static str,
    pub revoke: &'static str,
    pub revoke_title: &'static str,
    pub revoke_explain: &'static str,
    pub cancel: &'static str,
    pub revoke_done: &'static str,
    pub no_grants: &'static str,
    pub when: &'static str,
    pub who: &'static str,
    pub section: &'static str,
    pub what: &'static str,
    pub outcome: &'static str,
    pub accepted: &'static str,
    pub refused: &'static str,
    pub this_device: &'static str,
    pub last_sync: &'static str,
    pub never_synced: &'static str,
    pub no_peer: &'static str,
    // teacher
    pub classes: &'static str,
    pub no_classes: &'static str,
    pub no_class: &'static str,
    pub accept_title: &'static str,
    pub accept_text: &'static str,
    pub accept_class: &'static str,
    pub accept_button: &'static str,
    pub accept_photo: &'static str,
    pub photo: &'static str,
    pub photo_button: &'static str,
    pub no_qr: &'static str,
    pub class_word: &'static str,
    pub pupils: &'static str,
    pub open_grid: &'static str,
    pub year: &'static str,
    pub period: &'static str,
    pub subjects: &'static str,
    pub grid_help: &'static str,
    pub sign_save: &'static str,
    pub pupil: &'static str,
    pub draft: &'static str,
    pub appreciation: &'static str,
    pub level_none: &'static str,
    pub cell_refused: &'static str,
    pub livrets: &'static str,
    pub school_card: &'static str,
    pub school_card_help: &'static str,
    pub certify_title: &'static str,
    pub teacher_id: &'static str,
    pub teacher_name: &'static str,
    pub certify_button: &'static str,
    pub certificate: &'static str,
    pub certificate_help: &'static str,
    pub my_device: &'static str,
    pub my_device_help: &'static str,
    pub import_certificate: &'static str,
    pub certificate_text: &'static str,
    pub import_button: &'static str,
    pub certificate_imported: &'static str,
    pub trust_title: &'static str,
    pub trust_text: &'static str,
    pub trust_button: &'static str,
    pub trust_done: &'static str,
    pub no_trust: &'static str,
}

/// French, the default.
pub static FR: Strings = Strings {
    app: "Livret scolaire",
    skip: "Aller au contenu",
    home: "Accueil",
    sync: "Synchroniser",
    other_lang: "English",
    other_lang_code: "en",
    footer: "Tout reste sur cet ordinateur : cette page ne parle qu'à l'application locale.",
    role_family: "famille",
    role_teacher: "enseignant",
    role_school: "établissement",
    role_jury: "jury",
    error_title: "Action refusée",
    not_found: "Page introuvable.",
    logged_in: "Connexion réussie.",
    continue_: "Continuer",
    login_refused: "Lien de connexion invalide ou déjà utilisé : relancez « livret app » pour en obtenir un nouveau.",
    children: "Vos enfants",
    no_children: "Aucun enfant pour l'instant.",
    add_child: "Ajouter un enfant",
    child_name: "Prénom et nom",
    child_birth: "Date de naissance",
    child_ine: "INE",
    optional: "facultatif",
    create_livret: "Créer le livret",
    open_livret: "Ouvrir le livret",
    invite: "Inviter un enseignant",
    grants: "Autorisations",
    audit: "Journal",
    pdf: "Livret papier (PDF)",
    no_entries: "Aucune inscription.",
    by: "par",
    on: "le",
    sig_valid: "signature valide",
    sig_certified: "signature certifiée",
    sig_invalid: "signature INVALIDE",
    sig_unknown: "auteur inconnu",
    sensitive: "sensible",
    conflicted: "versions concurrentes",
    synthesis: "Synthèse",
    vie_scolaire: "Vie scolaire",
    positioning: "Positionnement",
    mark: "Note",
    late: "Retards",
    justified: "Demi-journées d'absence justifiées",
    unjustified: "Demi-journées d'absence injustifiées",
    other_entries: "Autres inscriptions",
    identity: "Identité",
    sections: "Sections",
    rights: "Droits",
    rights_read: "Lecture",
    rights_write: "Lecture et écriture",
    until: "Jusqu'au",
    show_invitation: "Afficher l'invitation",
    invitation: "Invitation",
    invitation_help: "Montrez ce code QR à l'enseignant, ou donnez-lui le texte ci-dessous.",
    invitation_text: "Texte de l'invitation",
    invitation_once: "Elle ne sert qu'une fois. Valable jusqu'à",
    waiting_redeem: "En attente de l'enseignant… (gardez cette page ouverte)",
    redeemed_by: "Invitation utilisée par",
    back_to_livret: "Retour au livret",
    grant_for: "Pour",
    state: "État",
    active: "active",
    revoked: "révoquée",
    expired: "expirée",
    revoke: "Révoquer",
    revoke_title: "Révoquer cette autorisation ?",
    revoke_explain: "Cet appareil ne recevra plus rien de ce livret ; à sa prochaine synchronisation, il effacera ce qu'il en détient. Ce qu'il a déjà reçu, son utilisateur l'a vu.",
    cancel: "Annuler",
    revoke_done: "Autorisation révoquée.",
    no_grants: "Aucune autorisation.",
    when: "Quand",
    who: "Appareil",
    section: "Section",
    what: "Quoi",
    outcome: "Résultat",
    accepted: "accepté",
    refused: "refusé",
    this_device: "Cet appareil",
    last_sync: "Dernière synchronisation",
    never_synced: "Pas encore synchronisé depuis l'application.",
    no_peer: "Aucun appareil connu à joindre pour l'instant.",
    classes: "Vos classes",
    no_classes: "Aucune classe : acceptez d'abord une invitation d'une famille.",
    no_class: "sans classe",
    accept_title: "Accepter une invitation",
    accept_text: "Texte de l'invitation (LIVRET:…)",
    accept_class: "Classe (par exemple 5B)",
    accept_button: "Accepter",
    accept_photo: "Ou une photo du code QR",
    photo: "Photo (PNG ou JPEG)",
    photo_button: "Envoyer la photo",
    no_qr: "Aucun code QR lisible dans cette photo.",
    class_word: "Classe",
    pupils: "Élèves",
    open_grid: "Ouvrir la grille",
    year: "Année scolaire (année de la rentrée)",
    period: "Période",
    subjects: "Disciplines",
    grid_help: "Vos saisies restent des brouillons dans ce navigateur : rien n'est signé ni envoyé avant « Signer et enregistrer ».",
    sign_save: "Signer et enregistrer",
    pupil: "Élève",
    draft: "brouillon",
    appreciation: "Appréciation",
    level_none: "—",
    cell_refused: "Refusé, rien n'a été écrit",
    livrets: "Livrets sur cet appareil",
    school_card: "Carte de l'établissement",
    school_card_help: "Montrez ce code aux familles et aux jurys : ils l'ajoutent à leurs établissements de confiance.",
    certify_title: "Certifier un enseignant",
    teacher_id: "Identifiant de l'appareil de l'enseignant",
    teacher_name: "Nom de l'enseignant",
    certify_button: "Certifier",
    certificate: "Certificat",
    certificate_help: "Donnez ce texte à l'enseignant : il l'importe dans son application ; ses inscriptions suivantes le portent.",
    my_device: "Mon appareil",
    my_device_help: "Donnez cet identifiant à votre établissement pour qu'il certifie votre clé.",
    import_certificate: "Importer un certificat",
    certificate_text: "Texte du certificat (LIVRET-CERT:…)",
    import_button: "Importer",
    certificate_imported: "Certificat importé : vos prochaines inscriptions le porteront.",
    trust_title: "Établissements de confiance",
    trust_text: "Carte d'un établissement (LIVRET-ECOLE:…)",
    trust_button: "Faire confiance",
    trust_done: "Établissement ajouté à vos établissements de confiance.",
    no_trust: "Aucun établissement de confiance.",
};

/// English.
pub static EN: Strings = Strings {
    app: "School record",
    skip: "Skip to content",
    home: "Home",
    sync: "Sync",
    other_lang: "Français",
    other_lang_code: "fr",
    footer: "Everything stays on this computer: this page only talks to the local app.",
    role_family: "family",
    role_teacher: "teacher",
    role_school: "school",
    role_jury: "jury",
    error_title: "Action refused",
    not_found: "Page not found.",
    logged_in: "Logged in.",
    continue_: "Continue",
    login_refused: "Login link invalid or already used: restart \"livret app\" for a new one.",
    children: "Your children",
    no_children: "No child yet.",
    add_child: "Add a child",
    child_name: "First name and name",
    child_birth: "Date of birth",
    child_ine: "INE",
    optional: "optional",
    create_livret: "Create the livret",
    open_livret: "Open the livret",
    invite: "Invite a teacher",
    grants: "Grants",
    audit: "Journal",
    pdf: "Paper livret (PDF)",
    no_entries: "No entry.",
    by: "by",
    on: "on",
    sig_valid: "valid signature",
    sig_certified: "certified signature",
    sig_invalid: "INVALID signature",
    sig_unknown: "unknown author",
    sensitive: "sensitive",
    conflicted: "concurrent versions",
    synthesis: "Synthesis",
    vie_scolaire: "Attendance",
    positioning: "Level",
    mark: "Mark",
    late: "Late arrivals",
    justified: "Justified half-days of absence",
    unjustified: "Unjustified half-days of absence",
    other_entries: "Other entries",
    identity: "Identity",
    sections: "Sections",
    rights: "Rights",
    rights_read: "Read",
    rights_write: "Read and write",
    until: "Until",
    show_invitation: "Show the invitation",
    invitation: "Invitation",
    invitation_help: "Show this QR code to the teacher, or give them the text below.",
    invitation_text: "Invitation text",
    invitation_once: "It works once. Valid until",
    waiting_redeem: "Waiting for the teacher… (keep this page open)",
    redeemed_by: "Invitation used by",
    back_to_livret: "Back to the livret",
    grant_for: "For",
    state: "State",
    active: "active",
    revoked: "revoked",
    expired: "expired",
    revoke: "Revoke",
    revoke_title: "Revoke this grant?",
    revoke_explain: "That device will receive nothing more of this livret; at its next sync it erases what it holds of it. What it already received, its user has seen.",
    cancel: "Cancel",
    revoke_done: "Grant revoked.",
    no_grants: "No grant.",
    when: "When",
    who: "Device",
    section: "Section",
    what: "What",
    outcome: "Outcome",
    accepted: "accepted",
    refused: "refused",
    this_device: "This device",
    last_sync: "Last sync",
    never_synced: "Not synced from the app yet.",
    no_peer: "No known device to reach yet.",
    classes: "Your classes",
    no_classes: "No class: accept an invitation from a family first.",
    no_class: "no class",
    accept_title: "Accept an invitation",
    accept_text: "Invitation text (LIVRET:…)",
    accept_class: "Class (e.g. 5B)",
    accept_button: "Accept",
    accept_photo: "Or a photo of the QR code",
    photo: "Photo (PNG or JPEG)",
    photo_button: "Send the photo",
    no_qr: "No readable QR code in this photo.",
    class_word: "Class",
    pupils: "Pupils",
    open_grid: "Open the grid",
    year: "School year (year it starts)",
    period: "Period",
    subjects: "Subjects",
    grid_help: "What you type stays a draft in this browser: nothing is signed or sent before \"Sign and save\".",
    sign_save: "Sign and save",
    pupil: "Pupil",
    draft: "draft",
    appreciation: "Appreciation",
    level_none: "—",
    cell_refused: "Refused, nothing was written",
    livrets: "Livrets on this device",
    school_card: "School card",
    school_card_help: "Show this code to families and juries: they add it to their trusted schools.",
    certify_title: "Certify a teacher",
    teacher_id: "Teacher's device id",
    teacher_name: "Teacher's name",
    certify_button: "Certify",
    certificate: "Certificate",
    certificate_help: "Give this text to the teacher: they import it in their app; their next entries carry it.",
    my_device: "My device",
    my_device_help: "Give this id to your school so that it certifies your key.",
    import_certificate: "Import a certificate",
    certificate_text: "Certificate text (LIVRET-CERT:…)",
    import_button: "Import",
    certificate_imported: "Certificate imported: your next entries will carry it.",
    trust_title: "Trusted schools",
    trust_text: "A school's card (LIVRET-ECOLE:…)",
    trust_button: "Trust",
    trust_done: "School added to your trusted schools.",
    no_trust: "No trusted school.",
};

/// The texts of a language.
pub fn strings(lang: Lang) -> &'static Strings {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

/// `n` entries signed and saved.
pub fn saved(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Fr => format!("{n} inscription(s) signée(s) et enregistrée(s)."),
        Lang::En => format!("{n} entr(y/ies) signed and saved."),
    }
}

/// `n` cells refused.
pub fn refused_cells(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Fr => format!("{n} cellule(s) refusée(s) : rien n'a été écrit pour elles ; corrigez-les puis signez à nouveau."),
        Lang::En => format!("{n} cell(s) refused: nothing was written for them; correct them and sign again."),
    }
}

/// A livret created.
pub fn child_created(lang: Lang, name: &str) -> String {
    match lang {
        Lang::Fr => format!("Livret créé pour « {name} »."),
        Lang::En => format!("Livret created for \"{name}\"."),
    }
}

/// An invitation accepted.
pub fn accepted_invitation(lang: Lang, name: &str) -> String {
    match lang {
        Lang::Fr => format!("Invitation acceptée : livret de « {name} »."),
        Lang::En => format!("Invitation accepted: livret of \"{name}\"."),
    }
}

/// One sync session in a line.
pub fn sync_line(lang: Lang, who: &str, docs: usize, got: usize, refused: &[String]) -> String {
    let mut line = match lang {
        Lang::Fr => {
            format!("{who} : {docs} document(s) synchronisé(s), {got} modification(s) reçue(s)")
        }
        Lang::En => format!("{who}: {docs} document(s) synced, {got} change(s) received"),
    };
    if !refused.is_empty() {
        let list = refused.join(" | ");
        line.push_str(&match lang {
            Lang::Fr => format!(" ; refus : {list}"),
            Lang::En => format!("; refused: {list}"),
        });
    }
    line
}

/// A sync that could not happen.
pub fn sync_failed(lang: Lang, who: &str, why: &str) -> String {
    match lang {
        Lang::Fr => format!("{who} : synchronisation impossible : {why}"),
        Lang::En => format!("{who}: no sync: {why}"),
    }
}

/// The label of a cell's field, for screen readers: pupil, subject, field.
pub fn cell_label(pupil: &str, subject: &str, field: &str) -> String {
    format!("{pupil}, {subject} : {field}")
}

/// A period, e.g. `1/3`.
pub fn period_label(lang: Lang, text: &str) -> String {
    match (lang, text.split_once('/')) {
        (Lang::Fr, Some((i, n))) => match n {
            "3" => format!("Trimestre {i}"),
            "2" => format!("Semestre {i}"),
            _ => format!("Période {i} sur {n}"),
        },
        (Lang::En, Some((i, n))) => match n {
            "3" => format!("Term {i}"),
            "2" => format!("Semester {i}"),
            _ => format!("Period {i} of {n}"),
        },
        _ => text.to_string(),
    }
}

/// An audit action in plain words.
pub fn audit_action(lang: Lang, action: &str) -> String {
    let (fr, en) = match action {
        "created" => ("livret créé", "livret created"),
        "invited" => ("invitation créée", "invitation created"),
        "granted" => ("autorisation accordée", "grant issued"),
        "accepted" => ("invitation acceptée", "invitation accepted"),
        "redeem" => ("invitation présentée", "invitation presented"),
        "written" => ("inscription écrite", "entry written"),
        "revoked" => ("autorisation révoquée", "grant revoked"),
        "expired" => ("autorisation arrivée à échéance", "grant expired"),
        "purged" => (
            "livret effacé de cet appareil",
            "livret erased from this device",
        ),
        "sent" => ("section envoyée", "section sent"),
        "received" => ("modifications reçues", "changes received"),
        "send" => ("envoi", "sending"),
        "receive" => ("réception", "receiving"),
        "erased" => ("inscriptions oubliées", "entries forgotten"),
        "deleted" => ("livret supprimé", "livret deleted"),
        "opened" => ("section sensible ouverte", "sensitive section opened"),
        "device-revoked" => ("appareil révoqué", "device revoked"),
        "recover" => ("restauration", "recovery"),
        "extract" => ("extrait envoyé", "extract sent"),
        other => return other.to_string(),
    };
    lang.pick(fr, en).to_string()
}

// ---- a redeem waiting for the family (redeem.rs) --------------------------------------------

pub fn redeem_title(lang: Lang) -> &'static str {
    lang.pick("Qui utilise l'invitation ?", "Who is using the invitation?")
}

pub fn redeem_none(lang: Lang) -> &'static str {
    lang.pick("Aucune demande en attente.", "No request waiting.")
}

pub fn redeem_who(lang: Lang, name: &str, role: &str) -> String {
    match lang {
        Lang::Fr => format!("« {name} » ({role}) veut utiliser l'invitation"),
        Lang::En => format!("\"{name}\" ({role}) wants to use the invitation"),
    }
}

pub fn redeem_code_label(lang: Lang) -> &'static str {
    lang.pick(
        "Code affiché sur son appareil :",
        "Code shown on its device:",
    )
}

pub fn redeem_check(lang: Lang) -> &'static str {
    lang.pick(
        "Vérifiez que c'est bien la personne à qui vous avez montré le code, et que son écran affiche le même code. Sinon, refusez : rien ne sera accordé.",
        "Check that it is the person you showed the code to, and that its screen shows the same code. Otherwise refuse: nothing will be granted.",
    )
}

pub fn redeem_what(lang: Lang, rights: &str, sections: &str) -> String {
    let rights = match (lang, rights) {
        (Lang::Fr, "read") => "lecture",
        (Lang::Fr, "write") => "lecture et écriture",
        (Lang::Fr, "owner") => "propriétaire (second parent)",
        (Lang::Fr, "jury") => "extrait anonyme pour un jury",
        (_, r) => r,
    };
    match lang {
        Lang::Fr => format!("Droits : {rights} ; sections : {sections}."),
        Lang::En => format!("Rights: {rights}; sections: {sections}."),
    }
}

pub fn redeem_lapses(lang: Lang, at: &str) -> String {
    match lang {
        Lang::Fr => format!("Sans réponse avant {at}, la demande expire et rien n'est accordé."),
        Lang::En => {
            format!("Without an answer before {at}, the request lapses and nothing is granted.")
        }
    }
}

pub fn redeem_confirm(lang: Lang) -> &'static str {
    lang.pick("Confirmer", "Confirm")
}

pub fn redeem_refuse(lang: Lang) -> &'static str {
    lang.pick("Refuser", "Refuse")
}

pub fn redeem_bad_decision(lang: Lang) -> &'static str {
    lang.pick(
        "Réponse inconnue : choisissez « Confirmer » ou « Refuser ».",
        "Unknown answer: choose \"Confirm\" or \"Refuse\".",
    )
}

pub fn redeem_done(lang: Lang, confirmed: bool, name: &str) -> String {
    match (lang, confirmed) {
        (Lang::Fr, true) => format!("Confirmé : l'autorisation est accordée à « {name} »."),
        (Lang::Fr, false) => format!(
            "Refusé : rien n'est accordé à « {name} ». Créez une nouvelle invitation si besoin."
        ),
        (Lang::En, true) => format!("Confirmed: the grant is issued to \"{name}\"."),
        (Lang::En, false) => {
            format!("Refused: nothing is granted to \"{name}\". Create a new invitation if needed.")
        }
    }
}

pub fn redeem_waiting(lang: Lang, code: &str) -> String {
    match lang {
        Lang::Fr => format!("Code de vérification : {code}. La famille doit voir le même code sur son écran ; en attente de sa confirmation…"),
        Lang::En => format!("Verification code: {code}. The family must see the same code on its screen; waiting for its confirmation…"),
    }
}

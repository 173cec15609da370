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
    pub missed_hours: &'static str,
    pub other_entries: &'static str,
    pub ecole_project: &'static str,
    pub ecole_appreciation: &'static str,
    pub ecole_objectives: &'static str,
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
    pub camera_button: &'static str,
    pub camera_stop: &'static str,
    pub camera_preview: &'static str,
    pub camera_starting: &'static str,
    pub camera_looking: &'static str,
    pub camera_read: &'static str,
    pub camera_failed: &'static str,
    pub accept_camera: &'static str,
    pub device_qr: &'static str,
    pub scan_teacher: &'static str,
    pub accompagnement_link: &'static str,
    pub consent_title: &'static str,
    pub consent_what: &'static str,
    pub consent_who: &'static str,
    pub consent_check: &'static str,
    pub consent_button: &'static str,
    pub consent_done: &'static str,
    pub consent_open: &'static str,
    pub measure: &'static str,
    pub measure_start: &'static str,
    pub measure_end: &'static str,
    pub measure_note: &'static str,
    pub measure_write: &'static str,
    pub measure_done: &'static str,
    pub measures: &'static str,
    pub forget: &'static str,
    pub forget_section: &'static str,
    pub forget_entry_title: &'static str,
    pub forget_section_title: &'static str,
    pub forget_explain: &'static str,
    pub delete_livret: &'static str,
    pub delete_title: &'static str,
    pub delete_explain: &'static str,
    pub delete_confirm: &'static str,
    pub delete_done: &'static str,
    pub extract: &'static str,
    pub extract_help: &'static str,
    pub extract_until: &'static str,
    pub show_extract: &'static str,
    pub extracts: &'static str,
    pub no_extracts: &'static str,
    pub extract_word: &'static str,
    pub accept_extract: &'static str,
    pub verification: &'static str,
    pub verify_failures: &'static str,
    pub verify_all_ok: &'static str,
    pub consent_missing: &'static str,
    pub devices_seen: &'static str,
    pub no_device_seen: &'static str,
    pub last_exchange: &'static str,
    pub devices_title: &'static str,
    pub this_device_id: &'static str,
    pub revoke_device_title: &'static str,
    pub revoke_device_help: &'static str,
    pub lost_device_id: &'static str,
    pub keep_grants: &'static str,
    pub revoke_device_confirm: &'static str,
    pub revoke_device_button: &'static str,
    pub confirm_missing: &'static str,
    pub recovery_title: &'static str,
    pub recovery_help: &'static str,
    pub recovery_again: &'static str,
    pub recovery_confirm: &'static str,
    pub recovery_button: &'static str,
    pub portability_title: &'static str,
    pub portability_help: &'static str,
    pub export_json: &'static str,
    pub import_json: &'static str,
    pub import_file: &'static str,
    pub recovery_words: &'static str,
    pub extract_accepted: &'static str,
    pub delete_missing: &'static str,
    pub cycle_title: &'static str,
    pub cycle_word: &'static str,
    pub cycle_open: &'static str,
    pub cycle_components: &'static str,
    pub cycle_saved: &'static str,
    pub cycle_link: &'static str,
    pub lsu_title: &'static str,
    pub lsu_help: &'static str,
    pub lsu_export: &'static str,
    pub lsu_file: &'static str,
    pub lsu_preview: &'static str,
    pub lsu_import_title: &'static str,
    pub lsu_report: &'static str,
    pub lsu_match: &'static str,
    pub lsu_entries: &'static str,
    pub lsu_dry_run: &'static str,
    pub lsu_confirm: &'static str,
    pub lsu_no_file: &'static str,
    pub lsu_expired: &'static str,
    pub sync_running: &'static str,
    pub sync_progress: &'static str,
    pub lsu_ids: &'static str,
    pub lsu_uai: &'static str,
    pub lsu_head: &'static str,
    pub lsu_sts: &'static str,
    pub lsu_id_be: &'static str,
    pub lsu_save_ids: &'static str,
    pub lsu_ids_saved: &'static str,
    pub lsu_found_ids: &'static str,
    pub lsu_id_recorded: &'static str,
    pub lsu_id_would_record: &'static str,
    pub lsu_id_same: &'static str,
    pub lsu_id_differs: &'static str,
    pub lsu_id_replace: &'static str,
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
    missed_hours: "Heures manquées",
    other_entries: "Autres inscriptions",
    ecole_project: "Projet mis en œuvre",
    ecole_appreciation: "Appréciation générale",
    ecole_objectives: "Objectifs travaillés",
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
    my_device_help: "Montrez ce code QR à votre établissement (ou donnez-lui cet identifiant) pour qu'il certifie votre clé.",
    import_certificate: "Importer un certificat",
    certificate_text: "Texte du certificat (LIVRET-CERT:…)",
    import_button: "Importer",
    certificate_imported: "Certificat importé : vos prochaines inscriptions le porteront.",
    trust_title: "Établissements de confiance",
    trust_text: "Carte d'un établissement (LIVRET-ECOLE:…)",
    trust_button: "Faire confiance",
    trust_done: "Établissement ajouté à vos établissements de confiance.",
    no_trust: "Aucun établissement de confiance.",
    camera_button: "Scanner avec la caméra",
    camera_stop: "Arrêter la caméra",
    camera_preview: "Image de la caméra",
    camera_starting: "Ouverture de la caméra…",
    camera_looking: "Présentez le code QR devant la caméra…",
    camera_read: "Code QR lu.",
    camera_failed: "Caméra indisponible : collez le texte ou envoyez une photo.",
    accept_camera: "Avec la caméra",
    device_qr: "Code QR de mon appareil",
    scan_teacher: "Scanner le code QR de l'enseignant",
    accompagnement_link: "Section sensible « accompagnement »",
    consent_title: "Ouvrir la section sensible « accompagnement »",
    consent_what: "Cette section réunit les mesures d'accompagnement de l'enfant (PAP, PAI, PPRE, PPS, ULIS…) : des informations de santé ou de situation personnelle.",
    consent_who: "Tant qu'elle est fermée, personne n'y écrit et aucune invitation ne la couvre. Une fois ouverte, elle n'est partagée qu'avec une invitation qui la nomme ; vous pouvez l'effacer à tout moment.",
    consent_check: "J'ai lu ce qui précède et j'ouvre cette section pour ce livret.",
    consent_button: "Ouvrir la section",
    consent_done: "Section « accompagnement » ouverte.",
    consent_open: "Cette section est ouverte.",
    measure: "Mesure",
    measure_start: "Premier jour",
    measure_end: "Dernier jour",
    measure_note: "Note",
    measure_write: "Écrire et signer la mesure",
    measure_done: "Mesure écrite et signée dans la section sensible.",
    measures: "Mesures",
    forget: "Effacer",
    forget_section: "Effacer la section",
    forget_entry_title: "Effacer cette inscription ?",
    forget_section_title: "Effacer toute cette section ?",
    forget_explain: "L'effacement est définitif sur cet appareil, historique compris. Les autres appareils de la famille et ceux qui détiennent cette section l'effaceront à leur prochaine synchronisation avec celui-ci.",
    delete_livret: "Supprimer le livret",
    delete_title: "Supprimer définitivement ce livret ?",
    delete_explain: "Tout le livret est effacé de cet appareil. Les autres appareils de la famille et les appareils autorisés le supprimeront à leur prochaine synchronisation avec celui-ci ; le journal ne garde que la trace de la suppression.",
    delete_confirm: "Je confirme la suppression définitive.",
    delete_done: "Livret supprimé de cet appareil.",
    extract: "Extrait pour un jury",
    extract_help: "Un extrait anonyme (sans nom, date de naissance, INE ni établissement), en lecture seule, effacé de l'appareil du jury à la fin de l'autorisation.",
    extract_until: "Jusqu'au (facultatif : par défaut, deux mois après les résultats du bac)",
    show_extract: "Montrer l'extrait",
    extracts: "Extraits reçus",
    no_extracts: "Aucun extrait pour l'instant.",
    extract_word: "Extrait",
    accept_extract: "Accepter un extrait",
    verification: "Vérification",
    verify_failures: "Inscriptions qui ne se vérifient pas",
    verify_all_ok: "Toutes les signatures se vérifient.",
    extract_accepted: "Invitation acceptée : extrait reçu.",
    devices_title: "Appareils et sauvegarde",
    this_device_id: "Identifiant de cet appareil :",
    revoke_device_title: "Révoquer un appareil perdu ou volé",
    revoke_device_help: "Un autre appareil de la famille, perdu ou volé : il ne reçoit plus rien et ce qu'il signe ne compte plus.",
    lost_device_id: "Identifiant de l'appareil à révoquer",
    keep_grants: "Garder valables les autorisations qu'il avait données",
    revoke_device_confirm: "Je confirme : cet appareil ne fera plus partie de la famille.",
    revoke_device_button: "Révoquer l'appareil",
    confirm_missing: "Cochez la case de confirmation : rien n'a été changé.",
    recovery_title: "Feuille de récupération",
    recovery_help: "Une feuille à imprimer et à garder en lieu sûr : ses 24 mots rendent à un nouvel appareil la propriété des livrets si tous les appareils de la famille sont perdus.",
    recovery_again: "Une feuille a déjà été imprimée : en imprimer une nouvelle rend l'ancienne inutilisable.",
    recovery_confirm: "Je suis seul devant l'écran et j'imprime la feuille maintenant.",
    recovery_button: "Télécharger une nouvelle feuille (PDF)",
    portability_title: "Exporter et importer (JSON)",
    portability_help: "Tout ce que cet appareil détient d'un livret, signatures comprises, dans un fichier JSON ; l'import vérifie tout avant d'enregistrer quoi que ce soit.",
    export_json: "Exporter",
    import_json: "Importer un livret",
    import_file: "Fichier JSON d'un livret",
    recovery_words: "Mots de récupération",
    devices_seen: "Appareils vus",
    no_device_seen: "Aucun échange avec un autre appareil pour l'instant.",
    last_exchange: "dernier échange le",
    consent_missing: "Cochez la case de consentement pour ouvrir la section : rien n'a été changé.",
    delete_missing: "Cochez la case de confirmation pour supprimer le livret : rien n'a été supprimé.",
    cycle_title: "Bilan de fin de cycle",
    cycle_word: "Cycle",
    cycle_open: "Afficher",
    cycle_components: "Maîtrise des composantes du socle",
    cycle_saved: "Bilan de fin de cycle signé et enregistré.",
    cycle_link: "Bilan de fin de cycle",
    lsu_title: "Fichier LSU",
    lsu_help: "Exportez les bilans d'une période de la classe pour le LSU, ou importez un fichier produit par le logiciel de l'établissement : un aperçu montre ce qui serait écrit, rien n'est écrit avant votre confirmation.",
    lsu_export: "Télécharger le fichier LSU",
    lsu_file: "Fichier LSU à importer (XML)",
    lsu_preview: "Voir l'aperçu de l'import",
    lsu_import_title: "Import LSU",
    lsu_report: "Élèves du fichier",
    lsu_match: "Trouvé par",
    lsu_entries: "Inscriptions",
    lsu_dry_run: "Aperçu : rien n'a encore été écrit.",
    lsu_confirm: "Confirmer l'import",
    lsu_no_file: "Choisissez un fichier LSU : rien n'a été importé.",
    lsu_expired: "Cet aperçu n'est plus disponible : importez le fichier à nouveau.",
    sync_running: "Une synchronisation est déjà en cours : attendez qu'elle finisse.",
    sync_progress: "Synchronisation en cours…",
    lsu_ids: "Identifiants pour le LSU",
    lsu_uai: "UAI de l'établissement",
    lsu_head: "Chef d'établissement (nom sur les bilans)",
    lsu_sts: "Votre identifiant STS",
    lsu_id_be: "Identifiant élève (id-be)",
    lsu_save_ids: "Enregistrer",
    lsu_ids_saved: "Identifiants enregistrés.",
    lsu_found_ids: "Identifiants d'établissement du fichier",
    lsu_id_recorded: "enregistré sur cet appareil",
    lsu_id_would_record: "sera enregistré à l'import",
    lsu_id_same: "déjà enregistré",
    lsu_id_differs: "cet appareil a une autre valeur, gardée :",
    lsu_id_replace: "Remplacer par la valeur du fichier",
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
    missed_hours: "Hours missed",
    other_entries: "Other entries",
    ecole_project: "Project",
    ecole_appreciation: "General appréciation",
    ecole_objectives: "Objectives worked on",
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
    my_device_help: "Show this QR code to your school (or give it this id) so that it certifies your key.",
    import_certificate: "Import a certificate",
    certificate_text: "Certificate text (LIVRET-CERT:…)",
    import_button: "Import",
    certificate_imported: "Certificate imported: your next entries will carry it.",
    trust_title: "Trusted schools",
    trust_text: "A school's card (LIVRET-ECOLE:…)",
    trust_button: "Trust",
    trust_done: "School added to your trusted schools.",
    no_trust: "No trusted school.",
    camera_button: "Scan with the camera",
    camera_stop: "Stop the camera",
    camera_preview: "Camera picture",
    camera_starting: "Opening the camera…",
    camera_looking: "Hold the QR code in front of the camera…",
    camera_read: "QR code read.",
    camera_failed: "No camera available: paste the text or send a photo.",
    accept_camera: "With the camera",
    device_qr: "My device's QR code",
    scan_teacher: "Scan the teacher's QR code",
    accompagnement_link: "Sensitive section \"accompagnement\"",
    consent_title: "Open the sensitive section \"accompagnement\"",
    consent_what: "This section holds the child's support measures (PAP, PAI, PPRE, PPS, ULIS…): health or personal information.",
    consent_who: "While it is closed, nobody writes in it and no invitation covers it. Once open, it is shared only by an invitation that names it; you can erase it at any time.",
    consent_check: "I have read the above and I open this section for this livret.",
    consent_button: "Open the section",
    consent_done: "Section \"accompagnement\" opened.",
    consent_open: "This section is open.",
    measure: "Measure",
    measure_start: "First day",
    measure_end: "Last day",
    measure_note: "Note",
    measure_write: "Write and sign the measure",
    measure_done: "Measure written and signed in the sensitive section.",
    measures: "Measures",
    forget: "Erase",
    forget_section: "Erase the section",
    forget_entry_title: "Erase this entry?",
    forget_section_title: "Erase this whole section?",
    forget_explain: "Erasing cannot be undone on this device, history included. The family's other devices and those holding this section will erase it at their next sync with this one.",
    delete_livret: "Delete the livret",
    delete_title: "Delete this livret for good?",
    delete_explain: "The whole livret is erased from this device. The family's other devices and the authorized devices will delete it at their next sync with this one; the log keeps only that it happened.",
    delete_confirm: "I confirm the deletion for good.",
    delete_done: "Livret deleted from this device.",
    extract: "Extract for a jury",
    extract_help: "An anonymized extract (no name, birth date, INE or school), read-only, deleted from the jury's device when the grant ends.",
    extract_until: "Until (optional: by default, two months after the bac results)",
    show_extract: "Show the extract",
    extracts: "Extracts received",
    no_extracts: "No extract yet.",
    extract_word: "Extract",
    accept_extract: "Accept an extract",
    verification: "Verification",
    verify_failures: "Entries that do not verify",
    verify_all_ok: "Every signature verifies.",
    extract_accepted: "Invitation accepted: extract received.",
    devices_title: "Devices and safekeeping",
    this_device_id: "This device's id:",
    revoke_device_title: "Revoke a lost or stolen device",
    revoke_device_help: "Another family device, lost or stolen: it receives nothing more and what it signs no longer counts.",
    lost_device_id: "Id of the device to revoke",
    keep_grants: "Keep the grants it had issued valid",
    revoke_device_confirm: "I confirm: this device will no longer belong to the family.",
    revoke_device_button: "Revoke the device",
    confirm_missing: "Tick the confirmation box: nothing was changed.",
    recovery_title: "Recovery sheet",
    recovery_help: "A sheet to print and keep somewhere safe: its 24 words give a new device ownership of the livrets if every family device is lost.",
    recovery_again: "A sheet was already printed: printing a new one makes the old one useless.",
    recovery_confirm: "I am alone at the screen and I print the sheet now.",
    recovery_button: "Download a new sheet (PDF)",
    portability_title: "Export and import (JSON)",
    portability_help: "Everything this device holds of a livret, signatures included, in one JSON file; the import checks everything before storing anything.",
    export_json: "Export",
    import_json: "Import a livret",
    import_file: "A livret's JSON file",
    recovery_words: "Recovery words",
    devices_seen: "Devices seen",
    no_device_seen: "No exchange with another device yet.",
    last_exchange: "last exchange on",
    consent_missing: "Tick the consent box to open the section: nothing was changed.",
    delete_missing: "Tick the confirmation box to delete the livret: nothing was deleted.",
    cycle_title: "End-of-cycle bilan",
    cycle_word: "Cycle",
    cycle_open: "Show",
    cycle_components: "Command of the socle's components",
    cycle_saved: "End-of-cycle bilan signed and saved.",
    cycle_link: "End-of-cycle bilan",
    lsu_title: "LSU file",
    lsu_help: "Export a period's bilans of the class for the LSU, or import a file made by the school's software: a preview shows what would be written, nothing is written before you confirm.",
    lsu_export: "Download the LSU file",
    lsu_file: "LSU file to import (XML)",
    lsu_preview: "Preview the import",
    lsu_import_title: "LSU import",
    lsu_report: "Pupils of the file",
    lsu_match: "Matched by",
    lsu_entries: "Entries",
    lsu_dry_run: "Preview: nothing has been written yet.",
    lsu_confirm: "Confirm the import",
    lsu_no_file: "Choose an LSU file: nothing was imported.",
    lsu_expired: "This preview is no longer available: import the file again.",
    sync_running: "A sync is already running: wait for it to finish.",
    sync_progress: "Syncing…",
    lsu_ids: "Identifiers for the LSU",
    lsu_uai: "School's UAI",
    lsu_head: "Head of school (name on the bilans)",
    lsu_sts: "Your STS id",
    lsu_id_be: "Pupil id (id-be)",
    lsu_save_ids: "Save",
    lsu_ids_saved: "Identifiers saved.",
    lsu_found_ids: "School identifiers in the file",
    lsu_id_recorded: "recorded on this device",
    lsu_id_would_record: "will be recorded by the import",
    lsu_id_same: "already recorded",
    lsu_id_differs: "this device has another value, kept:",
    lsu_id_replace: "Replace with the file's value",
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

/// An entry or a section erased.
pub fn forgot(lang: Lang, entry: bool, section: &str, erased: usize, left: usize) -> String {
    match (lang, entry) {
        (Lang::Fr, true) => format!("Inscription effacée de la section « {section} », historique compris ({left} inscription(s) restante(s))."),
        (Lang::En, true) => format!("Entry erased from section \"{section}\", history included ({left} entries left)."),
        (Lang::Fr, false) => format!("Section « {section} » effacée, historique compris ({erased} inscription(s))."),
        (Lang::En, false) => format!("Section \"{section}\" erased, history included ({erased} entries)."),
    }
}

/// The verification of an extract in a line.
pub fn verified(lang: Lang, checked: usize, valid: usize, certified: usize) -> String {
    match lang {
        Lang::Fr => format!("{checked} inscription(s) vérifiée(s) : {valid} signature(s) valide(s), dont {certified} certifiée(s) par un établissement de confiance."),
        Lang::En => format!("{checked} entr(y/ies) checked: {valid} valid signature(s), {certified} of them certified by a trusted school."),
    }
}

/// A family device revoked.
pub fn device_revoked(lang: Lang, livrets: usize) -> String {
    match lang {
        Lang::Fr => format!("Appareil révoqué sur {livrets} livret(s) : il ne reçoit plus rien et ce qu'il signe ne compte plus."),
        Lang::En => format!("Device revoked on {livrets} livret(s): it receives nothing more and what it signs no longer counts."),
    }
}

/// A livret imported.
pub fn imported(lang: Lang, name: &str, entries: usize) -> String {
    match lang {
        Lang::Fr => format!("Livret importé : « {name} », {entries} inscription(s) vérifiée(s)."),
        Lang::En => format!("Livret imported: \"{name}\", {entries} entr(y/ies) verified."),
    }
}

// ---- the owner devices of a livret (backup.rs) ---------------------------------------------

pub fn owners_caption(lang: Lang, child: &str) -> String {
    match lang {
        Lang::Fr => format!("Appareils de la famille pour le livret de « {child} »"),
        Lang::En => format!("The family's devices for the livret of \"{child}\""),
    }
}

pub fn owners_device(lang: Lang) -> &'static str {
    lang.pick("Appareil", "Device")
}

pub fn owners_parent(lang: Lang) -> &'static str {
    lang.pick("À qui", "Whose")
}

pub fn owners_state(lang: Lang) -> &'static str {
    lang.pick("État", "State")
}

pub fn owners_id(lang: Lang) -> &'static str {
    lang.pick("Identifiant", "Id")
}

pub fn owners_this(lang: Lang) -> &'static str {
    lang.pick("(cet appareil)", "(this device)")
}

pub fn owners_kind(lang: Lang, kind: &str, parent: Option<&str>) -> String {
    let parent = parent.unwrap_or("?");
    match (lang, kind) {
        (Lang::Fr, "recovery") => "la feuille de secours".into(),
        (Lang::En, "recovery") => "the recovery sheet".into(),
        (Lang::Fr, "device") => format!("un appareil du parent de « {parent} »"),
        (Lang::En, "device") => format!("a device of the parent of \"{parent}\""),
        (Lang::Fr, _) => "un parent (premier appareil)".into(),
        (Lang::En, _) => "a parent (first device)".into(),
    }
}

pub fn owners_revoked(lang: Lang, revoked: bool) -> &'static str {
    if revoked {
        lang.pick("révoqué (ou remplacé)", "revoked (or replaced)")
    } else {
        lang.pick("en service", "in use")
    }
}

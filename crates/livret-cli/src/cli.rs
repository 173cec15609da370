//! The command line as clap sees it. Help texts are in French (clap's own error messages stay
//! English).

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

use crate::commands::{AssessArgs, InviteArgs};

/// The livret scolaire kept by the family, on its own devices, shared face to face.
#[derive(Debug, Parser)]
#[command(
    name = "livret",
    version,
    about = "Le livret scolaire tenu par la famille, sur ses propres appareils, partagé de pair à pair avec les enseignants (sans serveur).",
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true
)]
pub struct Cli {
    /// Dossier de l'appareil (sinon la variable LIVRET_HOME, sinon le dossier de données de la plateforme)
    #[arg(
        long,
        global = true,
        value_name = "DOSSIER",
        help_heading = "Options générales"
    )]
    pub home: Option<PathBuf>,

    /// Langue des messages : fr (par défaut) ou en (sinon d'après LANG / LC_ALL)
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "LANGUE",
        help_heading = "Options générales"
    )]
    pub lang: Option<LangArg>,

    /// Affiche l'aide
    #[arg(short = 'h', long = "help", global = true, action = ArgAction::Help, help_heading = "Options générales")]
    pub help: Option<bool>,

    /// Affiche la version
    #[arg(short = 'V', long = "version", action = ArgAction::Version, help_heading = "Options générales")]
    pub version: Option<bool>,

    #[command(subcommand)]
    pub command: Command,
}

/// The languages of `--lang`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    /// français
    Fr,
    /// English
    En,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Crée l'appareil dans son dossier : une clé, un rôle et un nom ; affiche son identifiant
    Init {
        /// Rôle de l'appareil : family (famille), teacher (enseignant), school (établissement) ou jury
        #[arg(long, value_name = "ROLE")]
        role: String,
        /// Nom de l'appareil, tel que les autres le verront (par exemple « M. Martin »)
        #[arg(long, value_name = "NOM")]
        name: String,
        /// UAI de l'établissement (7 chiffres et une lettre de contrôle ; rôle school seulement)
        #[arg(long, value_name = "UAI")]
        uai: Option<String>,
    },
    /// Affiche l'identité de cet appareil (identifiant, rôle, nom)
    Id {
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
    /// Les enfants de la famille
    Child {
        #[command(subcommand)]
        command: ChildCommand,
    },
    /// Liste les livrets présents sur cet appareil
    List {
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
    /// Affiche un livret : sections, inscriptions, auteurs et état des signatures
    Show {
        /// Identifiant du livret
        #[arg(value_name = "LIVRET")]
        livret: String,
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
    /// Vérifie la signature de chaque inscription d'un livret, ou de tous avec --all (code de sortie 1 en cas d'échec)
    Verify {
        /// Identifiant du livret
        #[arg(
            value_name = "LIVRET",
            required_unless_present = "all",
            conflicts_with = "all"
        )]
        livret: Option<String>,
        /// Tous les livrets de l'appareil
        #[arg(long)]
        all: bool,
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
    /// Exporte dans un fichier : un livret (json, ou pdf : le livret papier scellé) ou les bilans d'une classe (lsu-xml)
    Export(crate::formats::ExportArgs),
    /// Vérifie sans réseau le sceau QR d'une page du livret papier (et, avec --pdf, ses textes)
    VerifySeal(crate::formats::VerifySealArgs),
    /// Importe un fichier LSU du logiciel de l'établissement : chaque bilan devient des inscriptions signées par cet enseignant
    ImportLsu(crate::formats::ImportLsuArgs),
    /// Importe une grille de bilans d'une classe (CSV, ODS ou XLSX : une ligne par élève et matière)
    ImportGrid(ImportGridArgs),
    /// Identifiants côté établissement pour le fichier LSU : UAI, chef d'établissement, STS, id-be
    SchoolIds {
        #[command(subcommand)]
        command: crate::formats::SchoolIdsCommand,
    },
    /// Certifie la clé d'un enseignant (appareil d'établissement) : affiche le certificat et son code QR
    Certify(crate::trust::CertifyArgs),
    /// Le certificat de cet enseignant : l'importer, l'afficher
    Certificate {
        #[command(subcommand)]
        command: crate::trust::CertificateCommand,
    },
    /// Les établissements que cet appareil reconnaît (ancres de confiance)
    Trust {
        #[command(subcommand)]
        command: crate::trust::TrustCommand,
    },
    /// Les équipes pédagogiques de l'établissement : créer, ajouter ou retirer un membre, lister, afficher, carte
    Team {
        #[command(subcommand)]
        command: crate::team::TeamCommand,
    },
    /// Autorise une équipe pédagogique (appareil de la famille) d'après sa carte LIVRET-EQUIPE:…
    GrantTeam(crate::team::GrantTeamArgs),
    /// L'établissement (appareil d'établissement) : sa carte
    School {
        #[command(subcommand)]
        command: crate::trust::SchoolCommand,
    },
    /// Efface ce que les autorisations terminées (expirées ou révoquées) ne couvrent plus ; note les fins d'autorisation
    Purge,
    /// Livret du lycée : moyennes d'une discipline, statistiques de la classe et appréciation annuelle
    Lycee(crate::trust::LyceeArgs),
    /// Livret du lycée : engagement, avis du chef d'établissement et avis pour l'examen
    LyceeAvis(crate::trust::LyceeAvisArgs),
    /// Fait tourner l'appareil : répond aux autres appareils (invitations, synchronisations) jusqu'à Ctrl-C
    Serve {
        /// Adresse d'écoute (multiaddr, par défaut /ip4/0.0.0.0/tcp/4715) ; répétable
        #[arg(long = "listen", value_name = "MULTIADDR")]
        listen: Vec<String>,
        /// Désactive la découverte sur le réseau local (mDNS)
        #[arg(long)]
        no_mdns: bool,
    },
    /// Relais : en faire tourner un (livret relay serve --listen MULTIADDR)
    Relay {
        #[command(subcommand)]
        command: crate::relays::RelayCommand,
    },
    /// Les relais par lesquels cet appareil reste joignable hors de son réseau local
    Relays {
        #[command(subcommand)]
        command: crate::relays::RelaysCommand,
    },
    /// Invite un appareil (enseignant, second parent) : affiche un code QR à lui montrer
    Invite(InviteArgs),
    /// Accepte une invitation (texte LIVRET:… du code QR) en joignant l'appareil de la famille
    Accept {
        /// Le texte de l'invitation (LIVRET:…)
        #[arg(value_name = "INVITATION")]
        invitation: String,
        /// Classe de l'élève, notée par l'enseignant (par exemple 5B)
        #[arg(long, value_name = "DIVISION")]
        class: Option<String>,
    },
    /// Écrit le positionnement ou la note et l'appréciation d'une discipline pour une période
    Assess(AssessArgs),
    /// Écrit la synthèse (acquis, progrès et conseils) d'une période
    Synthesis {
        /// Identifiant du livret
        #[arg(value_name = "LIVRET")]
        livret: String,
        /// Année scolaire (année de la rentrée, par exemple 2025)
        #[arg(long, value_name = "AAAA")]
        year: u16,
        /// Période I/N, par exemple 1/3 (trimestre 1) ou 2/2 (semestre 2)
        #[arg(long, value_name = "I/N")]
        period: String,
        /// Texte de la synthèse (1000 caractères au plus)
        #[arg(long, value_name = "TEXTE")]
        text: String,
    },
    /// Écrit la vie scolaire d'une période : retards et demi-journées d'absence
    VieScolaire {
        /// Identifiant du livret
        #[arg(value_name = "LIVRET")]
        livret: String,
        /// Année scolaire (année de la rentrée, par exemple 2025)
        #[arg(long, value_name = "AAAA")]
        year: u16,
        /// Période I/N, par exemple 1/3
        #[arg(long, value_name = "I/N")]
        period: String,
        /// Nombre de retards
        #[arg(long, value_name = "N")]
        late: u16,
        /// Demi-journées d'absence justifiées
        #[arg(long, value_name = "N")]
        justified: u16,
        /// Demi-journées d'absence injustifiées
        #[arg(long, value_name = "N")]
        unjustified: u16,
    },
    /// Écrit un bilan de fin de cycle : les 8 composantes du socle et une synthèse
    Cycle {
        /// Identifiant du livret
        #[arg(value_name = "LIVRET")]
        livret: String,
        /// Cycle : 2, 3 ou 4
        #[arg(long, value_name = "CYCLE")]
        cycle: u8,
        /// Année scolaire (année de la rentrée)
        #[arg(long, value_name = "AAAA")]
        year: u16,
        /// Niveaux des 8 composantes : CPD_FRA=3,CPD_ETR=2,CPD_SCI=…,CPD_ART=…,MET_APP=…,FRM_CIT=…,SYS_NAT=…,REP_MND=…
        #[arg(long, value_name = "CODE=NIVEAU,…")]
        levels: String,
        /// Synthèse du bilan (1500 caractères au plus)
        #[arg(long, value_name = "TEXTE")]
        synthesis: String,
    },
    /// La section sensible « accompagnement » : l'ouvrir (famille), lister les sections
    Section {
        #[command(subcommand)]
        command: crate::consent::SectionCommand,
    },
    /// Livret de l'école (cycles 2 et 3, CP au CM2) : domaines du bilan périodique, projets, appréciation générale
    Ecole {
        #[command(subcommand)]
        command: crate::ecole::EcoleCommand,
    },
    /// Écrit une mesure d'accompagnement (PAP, PAI, PPRE, PPS…) dans la section sensible ouverte (famille, ou enseignant autorisé sur « accompagnement »)
    Accompagnement(crate::consent::AccompagnementArgs),
    /// Écrit un message dans « correspondance » : de la famille aux enseignants autorisés sur cette section, ou d'un enseignant à la famille
    Message {
        /// Identifiant du livret
        #[arg(value_name = "LIVRET")]
        livret: String,
        /// Le texte du message (2000 caractères au plus)
        #[arg(long, value_name = "TEXTE")]
        text: String,
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
    /// Écrit une attestation obtenue (ASSR1, ASSR2, APER, AER, PSC1, SAVOIR_NAGER)
    Attest {
        /// Identifiant du livret
        #[arg(value_name = "LIVRET")]
        livret: String,
        /// Attestation : ASSR1, ASSR2, APER, AER, PSC1 ou SAVOIR_NAGER
        #[arg(long, value_name = "TYPE")]
        kind: String,
        /// Date d'obtention (AAAA-MM-JJ)
        #[arg(long, value_name = "AAAA-MM-JJ")]
        date: String,
    },
    /// Synchronise avec les appareils de la famille et les collègues d'équipe déjà rencontrés (ou ceux indiqués par --peer)
    Sync {
        /// Adresse d'un appareil, terminée par /p2p/<identifiant> (voir « livret serve ») ; répétable
        #[arg(long = "peer", value_name = "MULTIADDR")]
        peer: Vec<String>,
        /// Une seule séance par appareil, puis s'arrête (code 1 si un refus ou un appareil injoignable)
        #[arg(long)]
        once: bool,
        /// Désactive la découverte sur le réseau local (mDNS)
        #[arg(long)]
        no_mdns: bool,
    },
    /// Liste les autorisations données pour un livret
    Grants {
        /// Identifiant du livret
        #[arg(value_name = "LIVRET")]
        livret: String,
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
    /// Révoque une autorisation : l'appareil concerné ne reçoit plus rien et efface le livret
    Revoke {
        /// Identifiant de l'autorisation (voir « livret grants »)
        #[arg(value_name = "GRANT_ID")]
        grant_id: String,
    },
    /// Journal : quel appareil a reçu ou envoyé quelle section, quand, accepté ou refusé
    Audit {
        /// Identifiant du livret (sans lui : tout le journal de l'appareil)
        #[arg(value_name = "LIVRET")]
        livret: Option<String>,
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
    /// Démonstration complète en quelques secondes : une famille, deux enseignants, un vrai réseau local
    Demo,
    /// Feuille de secours : imprimer la clé de secours de la famille, rétablir les livrets sur un nouvel appareil
    Recovery {
        #[command(subcommand)]
        command: crate::rights::RecoveryCommand,
    },
    /// Ouvre l'application dans le navigateur : le nœud de l'appareil (comme « serve ») et son interface web sur 127.0.0.1 ; affiche l'adresse de connexion
    App(crate::app::AppArgs),
    /// Importe un livret exporté en JSON (« livret export LIVRET --format json ») : tout est vérifié, les signatures restent intactes
    Import(crate::rights::ImportArgs),
    /// Efface une inscription ou toute une section d'un livret, historique compris, sur les appareils de la famille puis chez ceux qui la détiennent
    Forget(crate::control::ForgetArgs),
    /// Supprime un livret de la famille, partout où il a été partagé (le journal ne garde que la trace de la suppression)
    Delete(crate::control::DeleteArgs),
    /// Les appareils de la famille : révoquer un appareil perdu ou volé
    Device {
        #[command(subcommand)]
        command: crate::control::DeviceCommand,
    },
    /// Les classes de l'enseignant : la liste, et où en sont les bilans d'une période
    Class {
        #[command(subcommand)]
        command: ClassCommand,
    },
    /// Boîtes aux lettres scellées des relais : relever ses lettres, en laisser une à un appareil injoignable
    Mailbox {
        #[command(subcommand)]
        command: crate::net::MailboxCommand,
    },
}

/// `livret import-grid …`
#[derive(Debug, Args)]
pub struct ImportGridArgs {
    /// La grille : .csv, .ods ou .xlsx ; colonnes élève (ou id-be), matière, positionnement ou note, appréciation
    #[arg(value_name = "FICHIER")]
    pub file: PathBuf,
    /// La classe (par exemple 5B ou 6EME_4)
    #[arg(long, value_name = "CLASSE")]
    pub class: String,
    /// Millésime de l'année scolaire (2025 pour 2025-2026)
    #[arg(long)]
    pub year: u16,
    /// Période I/N (1/3 : premier trimestre)
    #[arg(long)]
    pub period: String,
    /// Vérifie tout et montre ce qui serait écrit, sans rien écrire
    #[arg(long)]
    pub dry_run: bool,
    /// Sortie JSON
    #[arg(long)]
    pub json: bool,
}

/// `livret class …`
#[derive(Debug, Subcommand)]
pub enum ClassCommand {
    /// Les classes des élèves dont cet appareil détient le livret
    List {
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
    /// Pour chaque élève et chaque discipline d'une période : manquant, brouillon, signé, reçu par la famille
    Status {
        /// La classe (par exemple 5B ou 6EME_4)
        #[arg(value_name = "CLASSE")]
        class: String,
        /// Millésime de l'année scolaire (2025 pour 2025-2026)
        #[arg(long)]
        year: u16,
        /// Période I/N (1/3 : premier trimestre)
        #[arg(long)]
        period: String,
        /// Disciplines à montrer même sans bilan écrit (codes séparés par des virgules)
        #[arg(long, value_delimiter = ',', value_name = "CODES")]
        subjects: Vec<String>,
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
}

/// `livret child …`
#[derive(Debug, Subcommand)]
pub enum ChildCommand {
    /// Crée le livret d'un enfant (appareil de la famille) ; affiche l'identifiant du livret
    Add {
        /// Nom et prénom de l'enfant
        #[arg(long, value_name = "NOM")]
        name: String,
        /// Date de naissance (AAAA-MM-JJ)
        #[arg(long, value_name = "AAAA-MM-JJ")]
        birth: String,
        /// Identifiant national élève (INE), facultatif
        #[arg(long, value_name = "INE")]
        ine: Option<String>,
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
}

/// Puts the French headings on every command's help.
pub fn french(cmd: clap::Command) -> clap::Command {
    cmd.help_template(
        "{before-help}{about-with-newline}\nUtilisation : {usage}\n\n{all-args}{after-help}",
    )
    .subcommand_help_heading("Commandes")
    .subcommand_value_name("COMMANDE")
    .mut_subcommands(french)
}

//! Teaching teams (issue 15) in the app. The school's « Équipes pédagogiques » (create a team,
//! add or remove a member, the team's card as a QR code); the family's grant of a team from its
//! card (camera, pasted text or photo); the teacher's « Mes équipes » (its colleagues, their
//! subjects, a sync with a colleague by its address). Each action is one call of the `livret`
//! API, the same as `livret team …` and `livret grant-team`; a refusal shows the API's message
//! and writes nothing.

use std::sync::Arc;

use axum::extract::{Multipart, Path, State};
use axum::response::Response;
use axum::Form;
use livret::core::grant::Rights;
use livret::core::vocab::KNOWN_DISCIPLINES;
use livret::core::{LivretId, Localized, Role, Section};
use livret::node;
use livret::TeamView;
use maud::{html, Markup};

use crate::common::{error_box, inline_svg, notice, resolve, section_label, short, Page};
use crate::i18n;
use crate::state::AppState;

/// The values of a form sent as `application/x-www-form-urlencoded`, repeated keys kept.
type Fields = Vec<(String, String)>;

fn field(form: &Fields, name: &str) -> String {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default()
}

fn fields(form: &Fields, name: &str) -> Vec<String> {
    form.iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

/// A subject code in words (its label when the app knows it).
fn subject_label(code: &str) -> String {
    KNOWN_DISCIPLINES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| format!("{l} ({code})"))
        .unwrap_or_else(|| code.to_string())
}

fn subjects_text(subjects: &[String]) -> String {
    subjects
        .iter()
        .map(|s| subject_label(s))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A team's heading: class, year, name, and the school's name when known.
fn team_heading(page: &Page, t: &TeamView) -> String {
    i18n::team_line(page.lang, &t.class, t.year, t.name.as_deref())
}

/// The roster of a team as a table (device, subjects), `me` marked; `actions` adds a column.
fn roster_table(
    page: &Page,
    t: &TeamView,
    me: Option<&str>,
    action: impl Fn(&str) -> Markup,
    with_action: bool,
) -> Markup {
    let ts = page.s.team;
    html! {
        @if t.members.is_empty() { p { (ts.no_members) } }
        @else {
            div.scroll tabindex="0" role="region" aria-label={ (ts.members) " — " (team_heading(page, t)) } {
                table.roster data-team=(t.team_id) {
                    thead { tr {
                        th scope="col" { (ts.device) }
                        th scope="col" { (ts.subjects) }
                        @if with_action { th scope="col" { span.visually-hidden { (ts.remove_button) } } }
                    } }
                    tbody {
                        @for m in &t.members {
                            tr data-member=(m.device) {
                                th scope="row" {
                                    code { (short(&m.device)) }
                                    @if me == Some(m.device.as_str()) { " (" (ts.you) ")" }
                                }
                                td { (subjects_text(&m.subjects)) }
                                @if with_action { td { (action(&m.device)) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /teams`: the school's teams, or the teacher's « Mes équipes ».
pub async fn teams(page: Page, State(state): State<Arc<AppState>>) -> Response {
    match page.role {
        Role::School => school_teams(&page, &state, None, None),
        Role::Teacher => my_teams(&page, &state, None, None),
        other => page.api_error(&livret::Error::WrongRole {
            needed: Role::School,
            actual: other,
        }),
    }
}

/// The school's « Équipes pédagogiques »: its teams, each with its members, the form to add
/// one and the link to its card; the form to create a team.
fn school_teams(
    page: &Page,
    state: &AppState,
    error: Option<&str>,
    done: Option<&str>,
) -> Response {
    let s = page.s;
    let ts = s.team;
    let list = match state.device().teams() {
        Ok(l) => l,
        Err(e) => return page.api_error(&e),
    };
    let year = crate::family::current_year(state);
    let body = html! {
        h1 { (ts.teams_title) }
        p { (ts.teams_help) }
        @if let Some(d) = done { (notice(d)) }
        @if let Some(e) = error { (error_box(s, e)) }
        @if list.is_empty() { p { (ts.no_teams) } }
        @for t in &list {
            @let tid = &t.team_id;
            section.team aria-labelledby={ "team-" (tid) } {
                h2 id={ "team-" (tid) } { (team_heading(page, t)) }
                p.meta { (ts.version) " " (t.version) " · " (ts.valid_until) " " (t.until.split('T').next().unwrap_or_default()) }
                p { a.button href={ "/teams/" (tid) "/card" } { (ts.card_link) } }
                h3 { (ts.members) }
                (roster_table(page, t, None, |device| html! {
                    form.inline method="post" action={ "/teams/" (tid) "/remove" } {
                        (page.csrf_field())
                        input type="hidden" name="device" value=(device);
                        button.danger type="submit" aria-label={ (ts.remove_button) " : " (short(device)) } { (ts.remove_button) }
                    }
                }, true))
                h3 { (ts.add_title) }
                form.stack.add-member method="post" action={ "/teams/" (tid) "/members" } {
                    (page.csrf_field())
                    (crate::scan::scanner(page, &format!("scan-{tid}"), &format!("member-{tid}"), false, ts.scan_member))
                    label for={ "member-" (tid) } { (ts.member_device) }
                    input id={ "member-" (tid) } type="text" name="device" required autocomplete="off" spellcheck="false";
                    label for={ "subjects-" (tid) } { (ts.subjects) }
                    select id={ "subjects-" (tid) } name="subjects" multiple size="6" {
                        @for (code, label) in KNOWN_DISCIPLINES.iter() {
                            option value=(code) { (label) " (" (code) ")" }
                        }
                    }
                    button type="submit" { (ts.add_button) }
                }
            }
        }
        section aria-labelledby="create-h" {
            h2 #create-h { (ts.create_title) }
            form.stack #create-team method="post" action="/teams" {
                (page.csrf_field())
                label for="team-class" { (ts.class_field) }
                input #team-class type="text" name="class" required autocomplete="off";
                label for="team-year" { (ts.year_field) }
                input #team-year type="number" name="year" min="2000" max="2100" required value=(year);
                label for="team-name" { (ts.name_field) " (" (s.optional) ")" }
                input #team-name type="text" name="name" autocomplete="off";
                button type="submit" { (ts.create_button) }
            }
        }
        p { a href="/" { (s.home) } }
    };
    page.render_form(error.is_some(), ts.teams_title, body)
}

/// `POST /teams`: creates a team (school device).
pub async fn create(
    page: Page,
    State(state): State<Arc<AppState>>,
    Form(form): Form<Fields>,
) -> Response {
    let name = Some(field(&form, "name")).filter(|n| !n.is_empty());
    let result = match field(&form, "year").parse::<u16>() {
        Ok(year) => state
            .device()
            .team_create(&field(&form, "class"), year, name.as_deref()),
        Err(_) => Err(livret::Error::from(
            livret::core::vocab::ValidationError::new(
                "year",
                livret::core::vocab::Rule::BadFormat(livret::core::vocab::Format::WholeNumber {
                    min: 2000,
                    max: 2100,
                }),
            ),
        )),
    };
    match result {
        Ok(_) => school_teams(&page, &state, None, Some(page.s.team.created)),
        Err(e) => school_teams(&page, &state, Some(&e.localized(page.lang)), None),
    }
}

/// `POST /teams/{team}/members`: adds a member, or sets its subjects (school device).
pub async fn add_member(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path(team): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    let result =
        state
            .device()
            .team_add(&team, &field(&form, "device"), &fields(&form, "subjects"));
    match result {
        Ok(_) => school_teams(&page, &state, None, Some(page.s.team.added)),
        Err(e) => school_teams(&page, &state, Some(&e.localized(page.lang)), None),
    }
}

/// `POST /teams/{team}/remove`: removes a member (school device).
pub async fn remove_member(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path(team): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    let result = state.device().team_remove(&team, &field(&form, "device"));
    match result {
        Ok(_) => school_teams(&page, &state, None, Some(page.s.team.removed)),
        Err(e) => school_teams(&page, &state, Some(&e.localized(page.lang)), None),
    }
}

/// `GET /teams/{team}/card`: the team's card as a QR code and text, with its roster, for the
/// parents' meeting (school device).
pub async fn card(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path(team): Path<String>,
) -> Response {
    let (card, view) = {
        let d = state.device();
        // The first address where this device was last reachable, as `livret team card`.
        let address = match d.invitation_addresses() {
            Ok(a) => a.into_iter().next(),
            Err(e) => return page.api_error(&e),
        };
        (d.team_card(&team, address), d.team(&team))
    };
    let (card, view) = match (card, view) {
        (Ok(c), Ok(v)) => (c, v),
        (Err(e), _) | (_, Err(e)) => return page.api_error(&e),
    };
    let svg = match card.qr() {
        Ok(q) => q.to_svg(),
        Err(e) => return page.api_error(&e),
    };
    let ts = page.s.team;
    let body = html! {
        h1 { (ts.card_link) }
        p.lead { (team_heading(&page, &view)) }
        p { (ts.card_help) }
        figure.qr #team-qr { (inline_svg(&svg, ts.card_link)) }
        label for="team-card-text" { (ts.card_text) }
        textarea #team-card-text readonly rows="4" { (card.text) }
        h2 { (ts.members) }
        (roster_table(&page, &view, None, |_| html! {}, false))
        p { a href="/teams" { (ts.teams_title) } }
    };
    page.render(ts.card_link, body)
}

/// The teacher's « Mes équipes »: the teams whose roster it holds, its colleagues and their
/// subjects; this device's address and a sync with a colleague by its address.
fn my_teams(page: &Page, state: &AppState, error: Option<&str>, done: Option<&str>) -> Response {
    let s = page.s;
    let ts = s.team;
    let (list, me) = {
        let d = state.device();
        (d.held_teams(), d.device_id().to_string())
    };
    let list = match list {
        Ok(l) => l,
        Err(e) => return page.api_error(&e),
    };
    let peer = state.node.peer_id();
    let addresses: Vec<String> = state
        .node
        .listen_addrs()
        .iter()
        .map(|a| format!("{a}/p2p/{peer}"))
        .collect();
    let body = html! {
        h1 { (ts.my_teams) }
        p { (ts.my_teams_help) }
        @if let Some(d) = done { (notice(d)) }
        @if let Some(e) = error { (error_box(s, e)) }
        @if list.is_empty() { p { (ts.no_my_teams) } }
        @for t in &list {
            section.team aria-labelledby={ "team-" (t.team_id) } {
                h2 id={ "team-" (t.team_id) } { (team_heading(page, t)) }
                p.meta {
                    @if let Some(n) = &t.school_name { (ts.school) " : " (n) " · " }
                    (ts.version) " " (t.version)
                }
                (roster_table(page, t, Some(&me), |_| html! {}, false))
            }
        }
        section aria-labelledby="colleague-h" {
            h2 #colleague-h { (ts.sync_colleague) }
            p { (ts.my_address) " :" }
            ul { @for a in &addresses { li { code.address { (a) } } } }
            form.stack #sync-colleague method="post" action="/teams/sync" {
                (page.csrf_field())
                label for="colleague" { (ts.colleague_address) }
                input #colleague type="text" name="address" required autocomplete="off" spellcheck="false";
                button type="submit" { (ts.sync_colleague_button) }
            }
        }
        p { a href="/" { (s.home) } }
    };
    page.render_form(error.is_some(), ts.my_teams, body)
}

/// `POST /teams/sync`: one session with a colleague's device by its address (teacher device),
/// as `livret sync --peer`; its addresses are then remembered and « Synchroniser » dials it.
pub async fn sync_colleague(
    page: Page,
    State(state): State<Arc<AppState>>,
    Form(form): Form<Fields>,
) -> Response {
    let lang = page.lang;
    let (peer, addr) = match node::parse_peer_address(&field(&form, "address")) {
        Ok(x) => x,
        Err(e) => return my_teams(&page, &state, Some(&e.localized(lang)), None),
    };
    match node::sync_with(&state.dev, &state.node, peer, vec![addr]).await {
        Ok(r) => {
            let who = if r.peer_name.is_empty() {
                short(&peer.to_string())
            } else {
                r.peer_name.clone()
            };
            let refused = r.refused_lines(lang);
            let line = i18n::sync_line(lang, &who, r.synced.len(), r.received_changes, &refused);
            if refused.is_empty() {
                my_teams(
                    &page,
                    &state,
                    None,
                    Some(&i18n::colleague_synced(lang, &line)),
                )
            } else {
                my_teams(&page, &state, Some(&line), None)
            }
        }
        Err(e) => my_teams(
            &page,
            &state,
            Some(&i18n::sync_failed(
                lang,
                &short(&peer.to_string()),
                &e.localized(lang),
            )),
            None,
        ),
    }
}

/// The family's form: the team's card by camera, text or photo.
fn grant_form_page(page: &Page, id: &str, error: Option<&str>) -> Response {
    let s = page.s;
    let ts = s.team;
    let upload = format!("/livrets/{id}/team/photo?csrf={}", page.csrf);
    let body = html! {
        h1 { (ts.grant_team_title) }
        p { (ts.grant_team_help) }
        @if let Some(e) = error { (error_box(s, e)) }
        form.stack #read-card method="post" action={ "/livrets/" (id) "/team/read" } {
            (page.csrf_field())
            (crate::scan::scanner(page, "team-card-scanner", "team-card", true, ts.scan_card))
            label for="team-card" { (ts.card_paste) }
            textarea #team-card name="card" rows="3" required autocomplete="off" spellcheck="false" {}
            button type="submit" { (ts.read_card) }
        }
        form.stack method="post" action=(upload) enctype="multipart/form-data" {
            h2 { (ts.photo_card) }
            label for="team-photo" { (ts.photo_field) }
            input #team-photo type="file" name="photo" accept="image/png,image/jpeg" required;
            button type="submit" { (ts.photo_button) }
        }
        p { a href={ "/livrets/" (id) } { (s.back_to_livret) } }
    };
    page.render_form(error.is_some(), ts.grant_team_title, body)
}

/// `GET /livrets/{id}/team`: the family's form to read a team's card.
pub async fn grant_form(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = resolve(&page, &state, &id) {
        return *r;
    }
    grant_form_page(&page, &id, None)
}

/// What the card shows (school, class, members) and the grant's form: sections, rights, last
/// day, own subjects. `Err` is the API's refusal (an untrusted school, a forged card).
fn card_page(page: &Page, state: &AppState, id: &str, card: &str, error: Option<&str>) -> Response {
    let view = state.device().read_team_card(card);
    let view = match view {
        Ok(v) => v,
        Err(e) => return grant_form_page(page, id, Some(&e.localized(page.lang))),
    };
    let s = page.s;
    let ts = s.team;
    let year = crate::family::current_year(state);
    let options = [
        Section::Annee(year),
        Section::VieScolaire(year),
        Section::Cycles,
        Section::Attestations,
        Section::Accompagnement,
    ];
    let until = format!("{}-07-04", year + 1);
    let body = html! {
        h1 { (ts.grant_team_title) }
        @if let Some(e) = error { (error_box(s, e)) }
        dl.team-card {
            dt { (ts.school) }
            dd #team-school { (view.school_name.clone().unwrap_or_else(|| short(&view.school))) }
            dt { (ts.class_word) }
            dd #team-class { (team_heading(page, &view)) }
        }
        h2 { (ts.members) }
        (roster_table(page, &view, None, |_| html! {}, false))
        form.stack #grant-team method="post" action={ "/livrets/" (id) "/team/grant" } {
            (page.csrf_field())
            input type="hidden" name="card" value=(card);
            fieldset {
                legend { (s.sections) }
                @for (i, sec) in options.iter().enumerate() {
                    @let name = sec.to_string();
                    div.check {
                        input type="checkbox" id={ "tsec" (i) } name="sections" value=(name) checked[i == 0];
                        label for={ "tsec" (i) } { (section_label(page.lang, &name)) }
                    }
                }
            }
            fieldset {
                legend { (s.rights) }
                div.check {
                    input #tr-write type="radio" name="rights" value="write" checked;
                    label for="tr-write" { (s.rights_write) }
                }
                div.check {
                    input #tr-read type="radio" name="rights" value="read";
                    label for="tr-read" { (s.rights_read) }
                }
            }
            div.check {
                input #own-subjects type="checkbox" name="own_subjects" value="1" checked;
                label for="own-subjects" { (ts.own_subjects) }
            }
            label for="team-until" { (s.until) }
            input #team-until type="date" name="until" required value=(until);
            button type="submit" { (ts.grant_button) }
        }
        p { a href={ "/livrets/" (id) } { (s.back_to_livret) } }
    };
    page.render_form(error.is_some(), ts.grant_team_title, body)
}

/// `POST /livrets/{id}/team/read`: the card read (pasted or by the camera).
pub async fn read_card(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    if let Err(r) = resolve(&page, &state, &id) {
        return *r;
    }
    card_page(&page, &state, &id, &field(&form, "card"), None)
}

/// `POST /livrets/{id}/team/photo?csrf=…`: the card from a photo of its QR code.
pub async fn read_photo(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Response {
    if let Err(r) = resolve(&page, &state, &id) {
        return *r;
    }
    let mut photo: Option<Vec<u8>> = None;
    while let Ok(Some(f)) = multipart.next_field().await {
        if f.name() != Some("photo") {
            continue;
        }
        if let Ok(b) = f.bytes().await {
            photo = Some(b.to_vec());
        }
    }
    let text = match photo {
        Some(bytes) => tokio::task::spawn_blocking(move || crate::photo::decode_qr_text(&bytes))
            .await
            .ok()
            .flatten(),
        None => None,
    };
    match text {
        Some(t) => card_page(&page, &state, &id, t.trim(), None),
        None => grant_form_page(&page, &id, Some(page.s.no_qr)),
    }
}

fn do_grant(state: &AppState, livret: LivretId, form: &Fields) -> livret::Result<()> {
    let mut sections = Vec::new();
    for c in fields(form, "sections") {
        sections.push(c.parse::<Section>().map_err(livret::Error::from)?);
    }
    let rights: Rights = field(form, "rights").parse().map_err(livret::Error::from)?;
    let own = !field(form, "own_subjects").is_empty();
    state.device().grant_team(
        livret,
        &field(form, "card"),
        &sections,
        rights,
        &field(form, "until"),
        own,
    )?;
    Ok(())
}

/// `POST /livrets/{id}/team/grant`: the family grants the team (`grant_team`).
pub async fn grant(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    let livret = match resolve(&page, &state, &id) {
        Ok(l) => l,
        Err(r) => return *r,
    };
    match do_grant(&state, livret, &form) {
        Ok(()) => crate::family::grants_page(&page, &state, livret, &id, Some(page.s.team.granted)),
        Err(e) => card_page(
            &page,
            &state,
            &id,
            &field(&form, "card"),
            Some(&e.localized(page.lang)),
        ),
    }
}

/// The team grants of a livret on the family's grants page: each with its state and a revoke
/// link (the same confirmation as a device's grant), the roster in force of each team, and
/// the roster changes the journal noted.
pub(crate) fn team_grants_section(
    page: &Page,
    state: &AppState,
    livret: LivretId,
    id: &str,
) -> Markup {
    let s = page.s;
    let ts = s.team;
    let (grants, teams, journal) = {
        let d = state.device();
        (
            d.team_grants(livret).unwrap_or_default(),
            d.held_teams().unwrap_or_default(),
            d.audit(Some(livret)).unwrap_or_default(),
        )
    };
    let changes: Vec<&livret::AuditView> = journal
        .iter()
        .filter(|e| e.action == livret::AuditAction::Team)
        .collect();
    html! {
        section #team-grants aria-labelledby="team-grants-h" {
            h2 #team-grants-h { (ts.team_grants) }
            @if grants.is_empty() { p { (ts.no_team_grants) } }
            @else {
                div.scroll tabindex="0" role="region" aria-label=(ts.team_grants) {
                    table {
                        thead { tr {
                            th scope="col" { (ts.team_word) }
                            th scope="col" { (s.sections) }
                            th scope="col" { (s.rights) }
                            th scope="col" { (s.until) }
                            th scope="col" { (s.state) }
                            th scope="col" { span.visually-hidden { (s.revoke) } }
                        } }
                        tbody {
                            @for g in &grants {
                                @let state_word = if g.revoked { s.revoked } else if g.expired { s.expired } else { s.active };
                                @let team = teams.iter().find(|t| t.team_id == g.team_id && t.school == g.school);
                                @let label = format!("{} {}", ts.class_word, g.class);
                                tr data-team-grant=(g.grant_id) {
                                    th scope="row" {
                                        (label)
                                        @if let Some(n) = team.and_then(|t| t.school_name.clone()) { br; small { (n) } }
                                    }
                                    td { (g.sections.iter().map(|x| section_label(page.lang, x)).collect::<Vec<_>>().join(", ")) }
                                    td {
                                        (if g.rights == "write" { s.rights_write } else { s.rights_read })
                                        " · " (if g.own_subjects { ts.own_subjects_short } else { ts.all_subjects })
                                    }
                                    td { (g.until) }
                                    td { (state_word) }
                                    td {
                                        @if !g.revoked {
                                            a.button.danger href={ "/livrets/" (id) "/grants/" (g.grant_id) "/revoke" }
                                                aria-label={ (s.revoke) " : " (label) } { (s.revoke) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                @for t in teams.iter().filter(|t| grants.iter().any(|g| g.team_id == t.team_id && g.school == t.school)) {
                    h3 { (ts.roster_in_force) " — " (team_heading(page, t)) " (" (ts.version) " " (t.version) ")" }
                    (roster_table(page, t, None, |_| html! {}, false))
                }
                h3 { (ts.roster_changes) }
                @if changes.is_empty() { p { (ts.no_roster_changes) } }
                @else {
                    ul #roster-changes {
                        @for e in changes.iter().rev() {
                            li { (e.at.replace('T', " ").replace('Z', " UTC")) " — " (e.detail) }
                        }
                    }
                }
            }
        }
    }
}

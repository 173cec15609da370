//! The family's screens: children, a livret, invite, grants and revoke, audit, the paper PDF.
//! Each action is one call of the `livret` API.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Form, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use livret::core::grant::Rights;
use livret::core::vocab::{Date, Millesime};
use livret::core::{LivretId, Localized, Role, Section};
use livret::{
    EntryContent, EntryKind, EntryView, Relation, SignatureStatus, DEFAULT_INVITATION_MINUTES,
};
use maud::{html, Markup};
use serde::Deserialize;

use crate::common::{
    date_text, error_box, inline_svg, notice, resolve, section_label, see_other, short,
    trust_section, Page,
};
use crate::i18n::{self, Strings};
use crate::state::AppState;

/// The family's home: the children and a form to add one.
pub fn home(
    page: &Page,
    state: &AppState,
    error: Option<&str>,
    values: Option<&AddChild>,
) -> Response {
    let s = page.s;
    let list = match state.device().list() {
        Ok(l) => l,
        Err(e) => return page.api_error(&e),
    };
    let empty = AddChild::default();
    let v = values.unwrap_or(&empty);
    let body = html! {
        h1 { (s.children) }
        @if let Some(e) = error { (error_box(s, e)) }
        @if list.is_empty() { p { (s.no_children) } }
        ul.cards {
            @for l in list.iter().filter(|l| l.relation == Relation::Owner) {
                li { a href={ "/livrets/" (l.livret_id) } { (l.name.clone().unwrap_or_else(|| s.open_livret.to_string())) } }
            }
        }
        section aria-labelledby="add-h" {
            h2 #add-h { (s.add_child) }
            form.stack method="post" action="/children" {
                (page.csrf_field())
                label for="name" { (s.child_name) }
                input #name type="text" name="name" required autocomplete="off" value=(v.name);
                label for="birth" { (s.child_birth) }
                input #birth type="date" name="birth" required value=(v.birth);
                label for="ine" { (s.child_ine) " (" (s.optional) ")" }
                input #ine type="text" name="ine" autocomplete="off" value=(v.ine);
                button type="submit" { (s.create_livret) }
            }
        }
        p { a href="/devices" { (s.devices_title) } }
        (trust_section(page, state, None, None))
        (crate::common::sync_status(page, state))
    };
    page.render_form(error.is_some(), s.children, body)
}

#[derive(Deserialize)]
pub struct TrustForm {
    #[serde(default)]
    card: String,
}

/// `POST /trust`: a school's card (or key) among the trusted schools.
pub async fn trust(
    page: Page,
    State(state): State<Arc<AppState>>,
    Form(form): Form<TrustForm>,
) -> Response {
    let result = state.device().trust_add(form.card.trim());
    let s = page.s;
    let (status, section) = match result {
        Ok(_) => (
            StatusCode::OK,
            trust_section(&page, &state, None, Some(s.trust_done)),
        ),
        Err(e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            trust_section(&page, &state, Some(&e.localized(page.lang)), None),
        ),
    };
    page.render_status(
        status,
        s.trust_title,
        html! { h1 { (s.trust_title) } (section) p { a href="/" { (s.home) } } },
    )
}

/// The add-child form.
#[derive(Debug, Default, Deserialize)]
pub struct AddChild {
    #[serde(default)]
    name: String,
    #[serde(default)]
    birth: String,
    #[serde(default)]
    ine: String,
}

/// `POST /children`
pub async fn add_child(
    page: Page,
    State(state): State<Arc<AppState>>,
    Form(form): Form<AddChild>,
) -> Response {
    let ine = Some(form.ine.trim()).filter(|i| !i.is_empty());
    let result = state.device().add_child(&form.name, &form.birth, ine);
    match result {
        Ok(id) => see_other(&format!("/livrets/{id}?created=1")),
        Err(e) => home(&page, &state, Some(&e.localized(page.lang)), Some(&form)),
    }
}

fn signature(s: &Strings, e: &EntryView) -> (&'static str, &'static str) {
    match e.signature {
        SignatureStatus::Invalid(_) => ("invalid", s.sig_invalid),
        _ if e.is_certified() => ("certified", s.sig_certified),
        SignatureStatus::Valid => ("valid", s.sig_valid),
        SignatureStatus::UnknownAuthor => ("unknown", s.sig_unknown),
    }
}

/// One entry; with `forget` (livret id, section), a link to erase it.
pub(crate) fn entry_card(page: &Page, e: &EntryView, forget: Option<(&str, &str)>) -> Markup {
    let s = page.s;
    let lang = page.lang;
    let (status, status_text) = signature(s, e);
    let (title, detail, text): (String, String, String) = match &e.content {
        Some(EntryContent::Subject {
            label,
            level,
            mark,
            appreciation,
            election,
            ..
        }) => {
            let eval = match (level, mark) {
                (Some(l), _) => format!("{} {l}", s.positioning),
                (None, Some(m)) => format!("{} {m}", s.mark),
                _ => String::new(),
            };
            let title = match (election, lang) {
                (Some(m), livret::core::Lang::Fr) => format!(
                    "{label} ({})",
                    livret::core::vocab::election_label(m).unwrap_or(m)
                ),
                (Some(m), _) => format!("{label} ({m})"),
                (None, _) => label.clone(),
            };
            (title, eval, appreciation.localized(lang))
        }
        Some(EntryContent::Synthesis { text, .. }) => {
            (s.synthesis.to_string(), String::new(), text.localized(lang))
        }
        Some(EntryContent::VieScolaire {
            late,
            justified,
            unjustified,
            missed_hours,
            comment,
            ..
        }) => (
            s.vie_scolaire.to_string(),
            match missed_hours {
                Some(h) => format!(
                    "{} : {late} · {} : {justified} · {} : {unjustified} · {} : {h}",
                    s.late, s.justified, s.unjustified, s.missed_hours,
                ),
                None => format!(
                    "{} : {late} · {} : {justified} · {} : {unjustified}",
                    s.late, s.justified, s.unjustified,
                ),
            },
            comment
                .as_ref()
                .map(|c| c.localized(lang))
                .unwrap_or_default(),
        ),
        Some(EntryContent::Identity { .. }) => {
            (s.identity.to_string(), String::new(), e.localized(lang))
        }
        // The LSU parts of a bilan périodique: their title, and the view's line.
        Some(c) if c.kind().lsu_part_title(lang).is_some() => (
            c.kind()
                .lsu_part_title(lang)
                .unwrap_or_default()
                .to_string(),
            String::new(),
            c.localized(lang),
        ),
        Some(EntryContent::EcoleDomain {
            cycle,
            domain,
            sub_domain,
            objectives,
            level,
            appreciation,
            ..
        }) => {
            use livret::core::vocab::ecole::{ecole_cycle, Domaine, SousDomaine};
            let d = ecole_cycle(*cycle)
                .ok()
                .and_then(|c| Domaine::parse_in(domain, c).ok().map(|d| (c, d)));
            let mut title = d.map_or_else(|| domain.clone(), |(_, d)| d.localized(lang));
            if let Some(sub) = sub_domain {
                let label = d
                    .and_then(|(c, d)| SousDomaine::parse_in(sub, d, c).ok())
                    .map_or_else(|| sub.clone(), |x| x.localized(lang));
                title = format!("{title} — {label}");
            }
            let mut detail = level
                .map(|l| format!("{} {l}", s.positioning))
                .unwrap_or_default();
            if !objectives.is_empty() {
                if !detail.is_empty() {
                    detail.push_str(" · ");
                }
                detail.push_str(&format!(
                    "{} : {}",
                    s.ecole_objectives,
                    objectives.join(" ; ")
                ));
            }
            (title, detail, appreciation.localized(lang))
        }
        Some(EntryContent::EcoleProject { title, text, .. }) => (
            format!("{} : {}", s.ecole_project, title.localized(lang)),
            String::new(),
            text.localized(lang),
        ),
        Some(EntryContent::EcoleAppreciation { text, .. }) => (
            s.ecole_appreciation.to_string(),
            String::new(),
            text.localized(lang),
        ),
        _ => (
            s.other_entries.to_string(),
            String::new(),
            e.localized(lang),
        ),
    };
    let kind = e.kind().map(EntryKind::as_str).unwrap_or_default();
    html! {
        article.entry data-kind=(kind) data-signature=(status) {
            h4 { (title) @if !detail.is_empty() { " — " span.eval { (detail) } } }
            @if !text.is_empty() { p.text { (text) } }
            p.meta {
                @if let Some(a) = &e.author_name { (s.by) " " span.author { (a) } " " }
                @if let Some(t) = e.time { (s.on) " " (date_text(page.lang, t)) " " }
                span class={ "badge sig-" (status) } { (status_text) }
                @if e.sensitive { " " span.badge.sensitive { (s.sensitive) } }
                @if e.conflicted { " " span.badge.conflict { (s.conflicted) } }
                @if let Some((id, section)) = forget {
                    " "
                    a.forget href={ "/livrets/" (id) "/forget?" (forget_query(section, &e.key)) }
                        aria-label={ (s.forget) " : " (title) } { (s.forget) }
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct Created {
    #[serde(default)]
    created: Option<String>,
}

/// `GET /livrets/{id}`: the livret by section and period.
pub async fn livret(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<Created>,
) -> Response {
    let livret = match resolve(&page, &state, &id) {
        Ok(l) => l,
        Err(r) => return *r,
    };
    let (view, owner) = {
        let d = state.device();
        let list = d.list();
        let owner = list.ok().is_some_and(|l| {
            l.iter()
                .any(|x| x.livret_id == id && x.relation == Relation::Owner)
        });
        (d.show(livret), owner)
    };
    let view = match view {
        Ok(v) => v,
        Err(e) => return page.api_error(&e),
    };
    let s = page.s;
    let jury = page.role == Role::Jury;
    let name = view.name.clone().unwrap_or_else(|| {
        if jury {
            s.extract_word.to_string()
        } else {
            s.open_livret.to_string()
        }
    });
    let verification = if jury {
        crate::jury::verification(&page, &state, livret)
    } else {
        html! {}
    };
    let body = html! {
        h1 { (name) }
        @if q.created.is_some() { (notice(&i18n::child_created(page.lang, &name))) }
        @if owner {
            nav.actions aria-label=(s.open_livret) {
                a.button href={ "/livrets/" (id) "/invite" } { (s.invite) }
                a href={ "/livrets/" (id) "/grants" } { (s.grants) }
                a href={ "/livrets/" (id) "/team" } { (s.team.grant_team_link) }
                a href={ "/livrets/" (id) "/audit" } { (s.audit) }
                a href={ "/livrets/" (id) "/livret.pdf" } download="livret.pdf" { (s.pdf) }
                a href={ "/livrets/" (id) "/accompagnement" } { (s.accompagnement_link) }
                a href={ "/livrets/" (id) "/extract" } { (s.extract) }
                a.button.danger href={ "/livrets/" (id) "/delete" } { (s.delete_livret) }
            }
        }
        (verification)
        @for (i, sec) in view.sections.iter().enumerate() {
            @let label = sec.section.localized(page.lang);
            @let name = sec.section.to_string();
            @let erasable = owner && sec.section != Section::Identite;
            section.livret-section aria-labelledby={ "sec-" (i) } {
                h2 id={ "sec-" (i) } { (label) @if sec.sensitive { " " span.badge.sensitive { (s.sensitive) } } }
                @if erasable && !sec.entries.is_empty() {
                    p.section-actions {
                        a.forget href={ "/livrets/" (id) "/forget?" (forget_query(&name, "")) }
                            aria-label={ (s.forget_section) " : " (label) } { (s.forget_section) }
                    }
                }
                @if sec.entries.is_empty() { p { (s.no_entries) } }
                @for (period, entries) in by_period(&sec.entries) {
                    @if let Some(p) = &period { h3 { (i18n::period_label(page.lang, p)) } }
                    @for e in entries { (entry_card(&page, e, erasable.then_some((id.as_str(), name.as_str())))) }
                }
            }
        }
    };
    page.render(&name, body)
}

/// The query of an erase link.
fn forget_query(section: &str, entry: &str) -> String {
    serde_urlencoded::to_string([("section", section), ("entry", entry)]).unwrap_or_default()
}

fn by_period(entries: &[EntryView]) -> Vec<(Option<String>, Vec<&EntryView>)> {
    let mut groups: BTreeMap<Option<String>, Vec<&EntryView>> = BTreeMap::new();
    for e in entries {
        let p = e
            .content
            .as_ref()
            .and_then(EntryContent::period)
            .map(|p| format!("{}/{}", p.index, p.count));
        groups.entry(p).or_default().push(e);
    }
    groups.into_iter().collect()
}

pub(crate) fn current_year(state: &AppState) -> u16 {
    let now = state.device().now();
    Date::from_unix_seconds(now)
        .ok()
        .and_then(|d| Millesime::of_date(d).ok())
        .map(Millesime::year)
        .unwrap_or(2025)
}

fn invite_page(
    page: &Page,
    state: &AppState,
    id: &str,
    error: Option<&str>,
    chosen: &[String],
) -> Response {
    let s = page.s;
    let year = current_year(state);
    let options: Vec<Section> = vec![
        Section::Annee(year),
        Section::VieScolaire(year),
        Section::Cycles,
        Section::Attestations,
        Section::Accompagnement,
    ];
    let until = format!("{}-07-04", year + 1);
    let body = html! {
        h1 { (s.invite) }
        @if let Some(e) = error { (error_box(s, e)) }
        form.stack method="post" action={ "/livrets/" (id) "/invite" } {
            (page.csrf_field())
            fieldset {
                legend { (s.sections) }
                @for (i, sec) in options.iter().enumerate() {
                    @let name = sec.to_string();
                    @let checked = if chosen.is_empty() { i < 2 } else { chosen.contains(&name) };
                    div.check {
                        input type="checkbox" id={ "sec" (i) } name="sections" value=(name) checked[checked];
                        label for={ "sec" (i) } { (section_label(page.lang, &name)) }
                    }
                }
            }
            fieldset {
                legend { (s.rights) }
                div.check {
                    input #r-write type="radio" name="rights" value="write" checked;
                    label for="r-write" { (s.rights_write) }
                }
                div.check {
                    input #r-read type="radio" name="rights" value="read";
                    label for="r-read" { (s.rights_read) }
                }
            }
            label for="until" { (s.until) }
            input #until type="date" name="until" required value=(until);
            button type="submit" { (s.show_invitation) }
        }
        p { a href={ "/livrets/" (id) } { (s.back_to_livret) } }
    };
    page.render_form(error.is_some(), s.invite, body)
}

/// `GET /livrets/{id}/invite`
pub async fn invite_form(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = resolve(&page, &state, &id) {
        return *r;
    }
    invite_page(&page, &state, &id, None, &[])
}

/// `POST /livrets/{id}/invite`: the QR code, its text, and a live notice when redeemed.
pub async fn invite(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let livret = match resolve(&page, &state, &id) {
        Ok(l) => l,
        Err(r) => return *r,
    };
    let chosen: Vec<String> = form
        .iter()
        .filter(|(k, _)| k == "sections")
        .map(|(_, v)| v.clone())
        .collect();
    let get = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let result = make_invitation(&state, livret, &chosen, &get("rights"), &get("until"));
    let (inv, known) = match result {
        Ok(x) => x,
        Err(e) => return invite_page(&page, &state, &id, Some(&e.localized(page.lang)), &chosen),
    };
    let s = page.s;
    let svg = match inv.qr() {
        Ok(q) => q.to_svg(),
        Err(e) => return page.api_error(&e),
    };
    let body = html! {
        h1 { (s.invitation) }
        p { (s.invitation_help) }
        @if let Some(n) = &inv.sensitive_notice { p.warning { (n) } }
        figure.qr { (inline_svg(&svg, s.invitation)) }
        label for="invitation-text" { (s.invitation_text) }
        textarea #invitation-text readonly rows="4" { (inv.invitation) }
        p { (s.invitation_once) " " (inv.expires_at.replace('T', " ").replace('Z', " UTC")) "." }
        p #redeem-status role="status" aria-live="polite"
            data-events={ "/livrets/" (id) "/invite/events?known=" (known.join(",")) }
            data-done=(s.redeemed_by) { (s.waiting_redeem) }
        p { a href={ "/livrets/" (id) "/grants" } { (s.grants) } " · " a href={ "/livrets/" (id) } { (s.back_to_livret) } }
    };
    page.render(s.invitation, body)
}

fn make_invitation(
    state: &AppState,
    livret: LivretId,
    chosen: &[String],
    rights: &str,
    until: &str,
) -> livret::Result<(livret::InvitationOut, Vec<String>)> {
    let mut sections = Vec::new();
    for c in chosen {
        let sec: Section = c.parse().map_err(livret::Error::from)?;
        sections.push(sec);
    }
    let rights: Rights = rights.parse().map_err(livret::Error::from)?;
    let mut d = state.device();
    let known: Vec<String> = d.grants(livret)?.into_iter().map(|g| g.grant_id).collect();
    let addrs = d.invitation_addresses()?;
    let inv = d.invite(
        livret,
        &sections,
        rights,
        until,
        DEFAULT_INVITATION_MINUTES,
        addrs,
    )?;
    Ok((inv, known))
}

#[derive(Deserialize)]
pub struct Known {
    #[serde(default)]
    known: String,
}

/// `GET /livrets/{id}/invite/events?known=G1,G2…`: one `claimed` event (the address of the
/// page where the family confirms who redeemed) as soon as a redeem waits, or one `redeemed`
/// event (the grantee's name) as soon as the livret has a grant not in that list; the stream
/// ends after the invitation's life.
pub async fn invite_events(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<Known>,
) -> Response {
    let livret = match resolve(&page, &state, &id) {
        Ok(l) => l,
        Err(r) => return *r,
    };
    let deadline = tokio::time::Instant::now()
        + Duration::from_secs(u64::try_from(DEFAULT_INVITATION_MINUTES * 60 + 60).unwrap_or(960));
    let known: Arc<Vec<String>> = Arc::new(q.known.split(',').map(str::to_string).collect());
    let stream = futures::stream::unfold((state, false), move |(state, done)| {
        let known = known.clone();
        async move {
            if done {
                return None;
            }
            loop {
                if tokio::time::Instant::now() > deadline {
                    return None;
                }
                // A redeem waits for the family: its page, where it confirms who redeemed.
                if crate::redeem::waiting(&state, livret) {
                    let ev = Event::default()
                        .event("claimed")
                        .data(format!("/livrets/{livret}/redeems"));
                    return Some((Ok::<Event, Infallible>(ev), (state, true)));
                }
                let grants = state.device().grants(livret).unwrap_or_default();
                if let Some(g) = grants.iter().find(|g| !known.contains(&g.grant_id)) {
                    let ev = Event::default()
                        .event("redeemed")
                        .data(g.audience_name.clone());
                    return Some((Ok::<Event, Infallible>(ev), (state, true)));
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// `GET /livrets/{id}/grants`
pub async fn grants(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Response {
    let livret = match resolve(&page, &state, &id) {
        Ok(l) => l,
        Err(r) => return *r,
    };
    grants_page(&page, &state, livret, &id, None)
}

/// The grants page: the devices' grants, then the teams' (with their rosters).
pub(crate) fn grants_page(
    page: &Page,
    state: &AppState,
    livret: LivretId,
    id: &str,
    done: Option<&str>,
) -> Response {
    let list = match state.device().grants(livret) {
        Ok(l) => l,
        Err(e) => return page.api_error(&e),
    };
    let teams = crate::teams::team_grants_section(page, state, livret, id);
    let s = page.s;
    let body = html! {
        h1 { (s.grants) }
        @if let Some(d) = done { (notice(d)) }
        @if list.is_empty() { p { (s.no_grants) } }
        @else {
            div.scroll tabindex="0" role="region" aria-label=(s.grants) {
                table {
                    thead { tr { th scope="col" { (s.grant_for) } th scope="col" { (s.sections) } th scope="col" { (s.rights) } th scope="col" { (s.until) } th scope="col" { (s.state) } th scope="col" { span.visually-hidden { (s.revoke) } } } }
                    tbody {
                        @for g in list {
                            @let state_word = if g.revoked { s.revoked } else if g.expired { s.expired } else { s.active };
                            tr data-grant=(g.grant_id) {
                                th scope="row" { (if g.audience_name.is_empty() { short(&g.audience) } else { g.audience_name.clone() }) }
                                td { (g.sections.iter().map(|x| section_label(page.lang, x)).collect::<Vec<_>>().join(", ")) }
                                td { (if g.rights == "write" { s.rights_write } else { s.rights_read }) }
                                td { (g.until) }
                                td { (state_word) }
                                td {
                                    @if !g.revoked {
                                        a.button.danger href={ "/livrets/" (id) "/grants/" (g.grant_id) "/revoke" }
                                            aria-label={ (s.revoke) " : " (g.audience_name) } { (s.revoke) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        (teams)
        p { a href={ "/livrets/" (id) } { (s.back_to_livret) } }
    };
    page.render(s.grants, body)
}

/// `GET /livrets/{id}/grants/{grant}/revoke`: the confirmation.
pub async fn revoke_confirm(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path((id, grant)): Path<(String, String)>,
) -> Response {
    let livret = match resolve(&page, &state, &id) {
        Ok(l) => l,
        Err(r) => return *r,
    };
    let list = match state.device().grants(livret) {
        Ok(l) => l,
        Err(e) => return page.api_error(&e),
    };
    let s = page.s;
    // A device's grant, or a team's (revoked the same way).
    let (who, sections) = match list.iter().find(|g| g.grant_id == grant) {
        Some(g) => (g.audience_name.clone(), g.sections.clone()),
        None => {
            let teams = state.device().team_grants(livret).unwrap_or_default();
            match teams.into_iter().find(|g| g.grant_id == grant) {
                Some(g) => (format!("{} {}", s.team.team_word, g.class), g.sections),
                None => return page.api_error(&livret::Error::UnknownGrant(grant)),
            }
        }
    };
    let body = html! {
        h1 { (s.revoke_title) }
        p.lead { strong { (who) } " — " (sections.iter().map(|x| section_label(page.lang, x)).collect::<Vec<_>>().join(", ")) }
        p { (s.revoke_explain) }
        form.inline method="post" action={ "/livrets/" (id) "/grants/" (grant) "/revoke" } {
            (page.csrf_field())
            button.danger type="submit" { (s.revoke) }
        }
        " "
        a.button href={ "/livrets/" (id) "/grants" } { (s.cancel) }
    };
    page.render(s.revoke_title, body)
}

/// `POST /livrets/{id}/grants/{grant}/revoke`
pub async fn revoke(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path((id, grant)): Path<(String, String)>,
) -> Response {
    let livret = match resolve(&page, &state, &id) {
        Ok(l) => l,
        Err(r) => return *r,
    };
    let result = state.device().revoke(&grant);
    match result {
        Ok(_) => grants_page(&page, &state, livret, &id, Some(page.s.revoke_done)),
        Err(e) => page.api_error(&e),
    }
}

/// `GET /livrets/{id}/audit`: the journal in plain words.
pub async fn audit(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Response {
    let livret = match resolve(&page, &state, &id) {
        Ok(l) => l,
        Err(r) => return *r,
    };
    let (entries, grants) = {
        let d = state.device();
        (d.audit(Some(livret)), d.grants(livret).unwrap_or_default())
    };
    let entries = match entries {
        Ok(e) => e,
        Err(e) => return page.api_error(&e),
    };
    let names: BTreeMap<String, String> = grants
        .into_iter()
        .map(|g| (g.audience, g.audience_name))
        .collect();
    let s = page.s;
    let body = html! {
        h1 { (s.audit) }
        div.scroll tabindex="0" role="region" aria-label=(s.audit) {
            table {
                thead { tr { th scope="col" { (s.when) } th scope="col" { (s.who) } th scope="col" { (s.section) } th scope="col" { (s.what) } th scope="col" { (s.outcome) } } }
                tbody {
                    @for e in entries.iter().rev() {
                        tr {
                            td { (e.at.replace('T', " ").replace('Z', " UTC")) }
                            td { (match &e.peer { Some(p) => names.get(p).cloned().unwrap_or_else(|| short(p)), None => s.this_device.to_string() }) }
                            td { (e.section.as_deref().map(|x| x.split(',').map(|y| section_label(page.lang, y)).collect::<Vec<_>>().join(", ")).unwrap_or_default()) }
                            td { (e.action.localized(page.lang)) @if !e.detail.is_empty() { br; small { (e.detail) } } }
                            td { (if e.outcome == livret::AuditOutcome::Accepted { s.accepted } else { s.refused }) }
                        }
                    }
                }
            }
        }
        p { a href={ "/livrets/" (id) } { (s.back_to_livret) } }
    };
    page.render(s.audit, body)
}

/// `GET /livrets/{id}/livret.pdf`: the paper livret.
pub async fn pdf(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Response {
    let livret = match resolve(&page, &state, &id) {
        Ok(l) => l,
        Err(r) => return *r,
    };
    let result = state.device().export_pdf(livret, None, None);
    match result {
        Ok(p) => (
            [
                (header::CONTENT_TYPE, "application/pdf"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"livret.pdf\"",
                ),
            ],
            p.pdf,
        )
            .into_response(),
        Err(e) => page.api_error(&e),
    }
}

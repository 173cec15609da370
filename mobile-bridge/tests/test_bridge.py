"""The mobile bridge through its generated Python bindings: a family and a teacher, each with
its own home and its own node on 127.0.0.1, in one process, over real libp2p."""

import asyncio
import gc
import json
import re
import secrets
import time

import pytest

import livret_mobile as lm
from conftest import LOOPBACK, Actor, Recorder

CHILD = "Lina Moreau"
FRANCAIS = "Lina progresse nettement en rédaction."


def run(coro):
    return asyncio.run(coro)


def new_livret(family):
    return family.dev.add_child(CHILD, "2014-03-02", "1234567890V")


def invite(family, livret_id, sections=("annee/2025", "vie-scolaire/2025")):
    return family.dev.invite(livret_id, list(sections), lm.Rights.WRITE, "2099-06-30", None)


def accept(family, dev, text, school_class):
    """`dev` accepts an invitation; the family, at its screen, sees who redeemed with the code
    `dev` shows, and confirms."""
    code = dev.redeem_code(text)

    async def go():
        task = asyncio.ensure_future(dev.accept(text, school_class))
        while not task.done():
            for claim in family.dev.redeem_claims(None):
                assert claim.code == code
                family.dev.confirm_redeem(claim.invitation, True)
            await asyncio.sleep(0.05)
        return task.result()

    return run(go())


def assessment(level=3, text=FRANCAIS):
    return lm.Assessment(
        year=2025, period="1/3", subject="FRANCS", label=None, level=level, mark=None, text=text
    )


def test_the_story_invite_accept_assess_sync_verify_revoke(family, teacher):
    livret_id = new_livret(family)
    assert family.dev.info().role == lm.Role.FAMILY
    [summary] = family.dev.list()
    assert (summary.livret_id, summary.name, summary.relation) == (
        livret_id,
        CHILD,
        lm.Relation.OWNER,
    )

    # The invitation: its text form, and the QR code as PNG and SVG.
    inv = invite(family, livret_id)
    assert inv.text.startswith("LIVRET:")
    assert inv.qr_png[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in inv.qr_svg
    assert inv.sections == ["annee/2025", "vie-scolaire/2025"]
    assert inv.rights == "write" and not inv.includes_sensitive

    # The teacher accepts it over loopback libp2p.
    report = accept(family, teacher.dev, inv.text, "5B")
    assert report.refused == [] and report.purged == []
    assert report.peer == family.dev.info().device_id
    [held] = teacher.dev.list()
    assert (held.livret_id, held.name, held.school_class) == (livret_id, CHILD, "5B")
    assert held.relation == lm.Relation.GRANTEE
    assert family.events.wait_for(
        lambda e: e.is_peer_seen() and e.name == "M. Martin"
    )

    # The teacher writes a bilan and syncs it to the family.
    key = teacher.dev.assess(livret_id, assessment())
    assert key
    report = run(teacher.dev.sync_with(family.address))
    assert report.refused == []
    assert f"{livret_id}/annee/2025" in report.synced
    assert report.sent_changes > 0
    teacher.events.wait_for(
        lambda e: e.is_section_synced() and e.section == "annee/2025"
    )
    family.events.wait_for(
        lambda e: e.is_section_synced()
        and e.livret_id == livret_id
        and e.section == "annee/2025"
    )

    # The family sees it, signed by the teacher, and everything verifies.
    view = family.dev.show(livret_id)
    [annee] = [s for s in view.sections if s.section == "annee/2025"]
    [entry] = annee.entries
    assert entry.author == teacher.dev.info().device_id
    assert entry.author_name == "M. Martin"
    assert entry.signature == "valid"
    assert json.loads(entry.content_json)["appreciation"] == FRANCAIS
    verified = family.dev.verify(livret_id)
    assert verified.failures == []
    assert verified.checked == verified.valid >= 2

    # The paper livret: a PDF with a signed seal on every page.
    paper = family.dev.export_pdf(livret_id, 2025, None)
    assert paper.pdf[:5] == b"%PDF-"
    assert paper.pages >= 1 and paper.entries >= 1 and paper.skipped == []
    assert len(paper.seals) == paper.pages
    assert all(s.startswith("LIVRET-SCEAU:") for s in paper.seals)
    with pytest.raises(lm.LivretError.Invalid):
        family.dev.export_pdf(livret_id, None, "1/3")  # a period needs its year

    # The family revokes the grant.
    [grant] = family.dev.grants(livret_id)
    assert (grant.audience_name, grant.rights, grant.revoked) == ("M. Martin", "write", False)
    assert family.dev.revoke(grant.grant_id) == livret_id
    [grant] = family.dev.grants(livret_id)
    assert grant.revoked

    # At its next session the teacher's device is told and erases the livret.
    report = run(teacher.dev.sync_with(family.address))
    assert report.purged == [livret_id]
    assert teacher.dev.list() == []
    teacher.events.wait_for(lambda e: e.is_revoked() and e.livret_id == livret_id)
    family.events.wait_for(lambda e: e.is_peer_revoked() and e.livret_id == livret_id)
    with pytest.raises(lm.LivretError.NotFound) as err:
        teacher.dev.show(livret_id)
    assert "livret inconnu sur cet appareil" in str(err.value)

    # Both audit logs tell it.
    assert any(a.action == "revoked" for a in family.dev.audit(livret_id))
    assert any(a.action == "purged" for a in teacher.dev.audit(None))


def test_a_redeem_waits_for_the_family_which_sees_the_code_and_may_refuse(family, teacher):
    livret_id = new_livret(family)
    inv = invite(family, livret_id)
    code = teacher.dev.redeem_code(inv.text)

    async def go():
        task = asyncio.ensure_future(teacher.dev.accept(inv.text, None))
        claims = []
        for _ in range(400):
            claims = family.dev.redeem_claims(livret_id)
            if claims:
                break
            await asyncio.sleep(0.05)
        [claim] = claims
        assert (claim.role, claim.code, claim.rights) == ("teacher", code, "write")
        assert family.dev.grants(livret_id) == []
        family.dev.confirm_redeem(claim.invitation, False)
        with pytest.raises(lm.LivretError) as err:
            await task
        return str(err.value)

    message = run(go())
    assert "refusé" in message, message
    assert family.dev.grants(livret_id) == []
    assert teacher.dev.list() == []


def test_a_malformed_invitation_gives_the_french_error_and_changes_nothing(family, teacher):
    livret_id = new_livret(family)
    good = invite(family, livret_id).text
    tampered = good[:-3] + ("A" if good[-3] != "A" else "B") + good[-2:]
    teacher_audit = len(teacher.dev.audit(None))
    family_audit = len(family.dev.audit(livret_id))

    cases = {
        "bonjour": "invitation mal formé",
        "LIVRET:!!!": "base32 invalide",
        tampered: "invitation",
    }
    for text, expected in cases.items():
        with pytest.raises(lm.LivretError.Invalid) as err:
            run(teacher.dev.accept(text, None))
        assert expected in str(err.value), str(err.value)

    assert teacher.dev.list() == []
    assert len(teacher.dev.audit(None)) == teacher_audit
    assert family.dev.grants(livret_id) == []
    assert len(family.dev.audit(livret_id)) == family_audit

    # The invitation itself is still good: it was never spent.
    report = accept(family, teacher.dev, good, None)
    assert report.refused == []
    assert [l.livret_id for l in teacher.dev.list()] == [livret_id]


def test_refusals_and_bad_values_are_french_messages(family, teacher):
    livret_id = new_livret(family)

    # A family device cannot write a bilan: a teacher's word.
    with pytest.raises(lm.LivretError.Refused) as err:
        family.dev.assess(livret_id, assessment())
    assert "réservée à un appareil" in str(err.value)

    # A teacher cannot write in a livret it holds no grant for.
    with pytest.raises(lm.LivretError.NotFound):
        teacher.dev.assess(livret_id, assessment())

    # Values outside the official vocabulary name the field.
    with pytest.raises(lm.LivretError.Invalid) as err:
        family.dev.add_child(CHILD, "2999-01-01", None)
    assert "birth" in str(err.value)
    with pytest.raises(lm.LivretError.Invalid):
        family.dev.invite(livret_id, ["pas-une-section"], lm.Rights.READ, "2099-06-30", None)

    # A bad appréciation level, on a granted teacher.
    accept(family, teacher.dev, invite(family, livret_id).text, "5B")
    with pytest.raises(lm.LivretError.Invalid):
        teacher.dev.assess(livret_id, assessment(level=7))
    with pytest.raises(lm.LivretError.Invalid):
        teacher.dev.assess(livret_id, assessment(text="x" * 601))
    assert family.dev.verify(livret_id).failures == []


def test_english_on_request_for_messages_summaries_and_labels(family, teacher):
    livret_id = new_livret(family)
    assert family.dev.language() == "fr"

    # French by default: the identity's summary, the section's label, an error.
    [identite] = family.dev.show(livret_id).sections
    assert identite.label == "Identité"
    assert identite.entries[0].summary == f"{CHILD}, né(e) le 2014-03-02, INE 1234567890V"
    with pytest.raises(lm.LivretError.Refused) as err:
        family.dev.assess(livret_id, assessment())
    assert "réservée à un appareil" in str(err.value)

    # English on request, through the same views.
    family.dev.set_language("en")
    assert family.dev.language() == "en"
    [identite] = family.dev.show(livret_id).sections
    assert identite.label == "Identity"
    [entry] = identite.entries
    assert entry.summary == f"{CHILD}, born 2014-03-02, INE 1234567890V"
    assert (entry.kind, entry.signature) == ("identity", "valid")
    with pytest.raises(lm.LivretError.Refused) as err:
        family.dev.assess(livret_id, assessment())
    assert 'this action needs a "teacher" device' in str(err.value), str(err.value)
    with pytest.raises(lm.LivretError.Invalid) as err:
        family.dev.add_child(CHILD, "2999-01-01", None)
    assert "birth" in str(err.value)
    with pytest.raises(lm.LivretError.NotFound) as err:
        teacher.dev.show(livret_id)
    assert "livret inconnu" in str(err.value)  # the teacher's handle is still French
    teacher.dev.set_language("en_GB.UTF-8")
    with pytest.raises(lm.LivretError.NotFound) as err:
        teacher.dev.show(livret_id)
    assert "unknown livret on this device" in str(err.value)

    # The bridge's own messages too, and an unknown language is refused.
    with pytest.raises(lm.LivretError.Invalid) as err:
        family.dev.set_language("de")
    assert "unknown language" in str(err.value)
    family.dev.stop_node()
    with pytest.raises(lm.LivretError.Node) as err:
        family.dev.node_addresses()
    assert "the node is not started" in str(err.value)

    # Back to French.
    family.dev.set_language("fr")
    with pytest.raises(lm.LivretError.Node) as err:
        family.dev.node_addresses()
    assert "le nœud n'est pas démarré" in str(err.value)


def test_open_create_keys_and_the_node_lifecycle(tmp_path):
    home = str(tmp_path / "maison")
    key = secrets.token_bytes(32)

    with pytest.raises(lm.LivretError.NoDevice):
        lm.LivretDevice.open(home, key)
    with pytest.raises(lm.LivretError.Invalid) as err:
        lm.LivretDevice.create(home, key[:31], lm.Role.FAMILY, "Papa")
    assert "32 octets" in str(err.value)

    dev = lm.LivretDevice.create(home, key, lm.Role.FAMILY, "Papa de Lina")
    info = dev.info()
    assert (info.role, info.name) == (lm.Role.FAMILY, "Papa de Lina")
    livret_id = dev.add_child(CHILD, "2014-03-02", None)

    # Without a node, an invitation has no address, and sessions cannot start.
    assert not dev.node_running()
    with pytest.raises(lm.LivretError.Network):
        dev.invite(livret_id, ["annee/2025"], lm.Rights.READ, "2099-06-30", None)
    with pytest.raises(lm.LivretError.Node):
        run(dev.sync_with("/ip4/127.0.0.1/tcp/1/p2p/inconnu"))
    with pytest.raises(lm.LivretError.Node):
        dev.node_addresses()

    events = Recorder()
    addresses = dev.start_node(LOOPBACK, events)
    assert addresses and all(a.startswith("/ip4/127.0.0.1/tcp/") and "/p2p/" in a for a in addresses)
    assert dev.node_addresses() == addresses
    with pytest.raises(lm.LivretError.Node):
        dev.start_node(LOOPBACK, None)
    with pytest.raises(lm.LivretError.Invalid):
        run(dev.sync_with("pas une adresse"))
    dev.stop_node()
    dev.stop_node()
    assert not dev.node_running()
    del dev
    gc.collect()

    # The home opens again with its key, and only with it.
    with pytest.raises(lm.LivretError.AlreadyExists):
        lm.LivretDevice.create(home, key, lm.Role.FAMILY, "Papa")
    with pytest.raises(lm.LivretError.WrongKey):
        lm.LivretDevice.open(home, secrets.token_bytes(32))
    again = lm.LivretDevice.open(home, key)
    assert again.info() == info
    assert [l.livret_id for l in again.list()] == [livret_id]
    assert lm.bridge_version()


def test_the_listener_may_throw_and_call_back_into_the_bridge(family, tmp_path):
    livret_id = new_livret(family)

    class Listener(lm.SyncListener):
        def __init__(self):
            self.device = None
            self.events = Recorder()
            self.held = []

        def on_event(self, event):
            first = not self.events.events()
            self.events.on_event(event)
            if first:
                raise RuntimeError("the app's listener failed")
            self.held.append(len(self.device.list()))  # back into the bridge
            if event.is_section_synced():
                self.device.stop_node()  # even this, from the listener's thread

    listener = Listener()
    dev = lm.LivretDevice.create(
        str(tmp_path / "prof"), secrets.token_bytes(32), lm.Role.TEACHER, "Mme Durand"
    )
    listener.device = dev
    dev.start_node(LOOPBACK, listener)

    accept(family, dev, invite(family, livret_id).text, None)  # its event makes the listener throw
    dev.assess(livret_id, assessment())
    run(dev.sync_with(family.address))
    listener.events.wait_for(lambda e: e.is_section_synced() and e.section == "annee/2025")
    assert listener.held and set(listener.held) == {1}
    deadline = time.monotonic() + 5
    while dev.node_running() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not dev.node_running()
    dev.stop_node()


# ---- the family's rights (issue 8) -------------------------------------------------------------

MEASURE_NOTE = "Tiers-temps et consignes reformulées."


def test_accompagnement_opened_written_shared_then_forgotten(family, teacher):
    livret_id = new_livret(family)

    # The sensitive section is listed on the family's device, closed until the family opens it.
    [acc] = [s for s in family.dev.sections(livret_id) if s.section == "accompagnement"]
    assert (acc.sensitive, acc.open, acc.held, acc.entries) == (True, False, False, 0)
    with pytest.raises(lm.LivretError.Refused) as err:
        family.dev.accompagnement(livret_id, "PAP", "2025-09-01", None, MEASURE_NOTE)
    assert "section sensible non ouverte par la famille" in str(err.value)
    with pytest.raises(lm.LivretError.Refused) as err:
        family.dev.open_section(livret_id, "annee/2025")
    assert "seule une section sensible" in str(err.value)
    with pytest.raises(lm.LivretError.Invalid):
        family.dev.open_section(livret_id, "pas-une-section")

    assert family.dev.open_section(livret_id, "accompagnement") is True
    assert family.dev.open_section(livret_id, "accompagnement") is False
    with pytest.raises(lm.LivretError.Invalid):
        family.dev.accompagnement(livret_id, "XYZ", "2025-09-01", None, None)
    key = family.dev.accompagnement(livret_id, "PAP", "2025-09-01", "2026-07-04", MEASURE_NOTE)
    assert key

    [acc] = [s for s in family.dev.sections(livret_id) if s.section == "accompagnement"]
    assert (acc.sensitive, acc.open, acc.held, acc.entries) == (True, True, True, 1)
    [shown] = [s for s in family.dev.show(livret_id).sections if s.section == "accompagnement"]
    assert shown.sensitive
    [entry] = shown.entries
    assert entry.key == key and entry.sensitive and entry.signature == "valid"
    assert MEASURE_NOTE in entry.content_json

    # An invitation naming it says so in plain French; one that does not has no notice.
    assert invite(family, livret_id).sensitive_notice is None
    inv = invite(family, livret_id, ("annee/2025", "accompagnement"))
    assert inv.includes_sensitive
    assert inv.sensitive_notice and "section sensible" in inv.sensitive_notice
    report = accept(family, teacher.dev, inv.text, "5B")
    assert report.refused == []
    [held] = [s for s in teacher.dev.show(livret_id).sections if s.section == "accompagnement"]
    assert [e.key for e in held.entries] == [key]

    # The family forgets the whole section: gone here, history included...
    with pytest.raises(lm.LivretError.Refused) as err:
        family.dev.forget(livret_id, "accompagnement", "pas-une-cle")
    assert "aucune inscription" in str(err.value)
    with pytest.raises(lm.LivretError.Refused):
        teacher.dev.forget(livret_id, "accompagnement", None)
    forgot = family.dev.forget(livret_id, "accompagnement", None)
    assert (forgot.livret_id, forgot.section) == (livret_id, "accompagnement")
    assert (forgot.erased_entries, forgot.remaining_entries) == (1, 0)
    assert forgot.erasure
    gone = [
        e
        for s in family.dev.show(livret_id).sections
        if s.section == "accompagnement"
        for e in s.entries
    ]
    assert gone == []

    # ...and on the teacher's device at its next session, with the event.
    report = run(teacher.dev.sync_with(family.address))
    assert f"{livret_id}/accompagnement" in report.erased
    assert report.deleted == [] and report.refused == []
    teacher.events.wait_for(
        lambda e: e.is_erased() and e.livret_id == livret_id and e.section == "accompagnement"
    )
    left = [
        e
        for s in teacher.dev.show(livret_id).sections
        if s.section == "accompagnement"
        for e in s.entries
    ]
    assert left == []
    # Both copies went through the same erasure: the next session has nothing held back.
    report = run(teacher.dev.sync_with(family.address))
    assert report.erased == [] and report.awaiting_erasure == [] and report.refused == []


def test_recovery_words_restore_a_new_family_device(family, tmp_path):
    livret_id = new_livret(family)
    sheet = family.dev.recovery_print()
    words = sheet.words()
    assert len(words) == 24 and all(w.strip() for w in words)
    assert sheet.public_key() and sheet.previous() is None
    assert sheet.livrets() == [livret_id]
    assert sheet.pdf()[:5] == b"%PDF-"
    # The words never show in the sheet's text forms. Only whole words count: a word may be
    # part of the type's own name (« mobile » is one of the 2,048 words, in livret_mobile).
    shown = repr(sheet) + " " + str(sheet)
    own = type(sheet).__module__ + " " + type(sheet).__qualname__ + " object at"
    tokens = set(re.findall(r"[^\W\d_]+", shown)) - set(re.findall(r"[^\W\d_]+", own))
    assert not [w for w in words if w in tokens]
    assert " ".join(words[:2]) not in shown
    assert any(a.action == "recovery-key" for a in family.dev.audit(livret_id))

    new = Actor(tmp_path / "nouveau", lm.Role.FAMILY, "Nouveau téléphone de Maman")
    try:
        # Wrong words: refused before anything leaves the device, in French.
        wrong = {
            " ".join(words[:23]): "23 mots lus, 24 attendus",
            " ".join(["zzzz"] + words[1:]): "n'est pas dans la liste",
        }
        for text, expected in wrong.items():
            with pytest.raises(lm.LivretError.Invalid) as err:
                run(new.dev.restore_from(family.address, text))
            assert "mots de secours refusés" in str(err.value) and expected in str(err.value)
        # Two words swapped: the checksum fails (or, 1 in 256, the holder refuses the key).
        swapped = [words[1], words[0]] + words[2:]
        if swapped != words:
            with pytest.raises((lm.LivretError.Invalid, lm.LivretError.Refused)):
                run(new.dev.restore_from(family.address, " ".join(swapped)))
        with pytest.raises(lm.LivretError.Invalid):
            run(new.dev.restore_from("pas une adresse", " ".join(words)))
        # Good words of another family's sheet: the holder refuses them.
        other = lm.LivretDevice.create(
            str(tmp_path / "autre"), secrets.token_bytes(32), lm.Role.FAMILY, "Autre famille"
        )
        other_words = " ".join(other.recovery_print().words())
        with pytest.raises(lm.LivretError.Refused) as err:
            run(new.dev.restore_from(family.address, other_words))
        assert "cette clé de secours n'est propriétaire d'aucun livret" in str(err.value)
        assert new.dev.list() == []

        # The right words, numbered and comma-separated as a parent might type them.
        typed = ", ".join(f"{i}. {w}" for i, w in enumerate(words, 1))
        restored = run(new.dev.restore_from(family.address, typed))
        assert restored.livrets == [livret_id]
        assert restored.session.peer == family.dev.info().device_id
        assert restored.session.refused == []
        [summary] = new.dev.list()
        assert (summary.livret_id, summary.name, summary.relation) == (
            livret_id,
            CHILD,
            lm.Relation.OWNER,
        )
        assert new.dev.verify(livret_id).failures == []
        new.events.wait_for(lambda e: e.is_section_synced() and e.livret_id == livret_id)

        # The family stays in control of its devices: the old phone revokes the new one.
        with pytest.raises(lm.LivretError.Refused) as err:
            family.dev.revoke_device(family.dev.info().device_id, False)
        assert "lui-même" in str(err.value)
        with pytest.raises(lm.LivretError.Refused):
            family.dev.revoke_device("pas-un-appareil", False)
        # The device the sheet brought back belongs to no parent of this phone: revoking it
        # needs the sheet's words.
        with pytest.raises(lm.LivretError.Refused) as err:
            family.dev.revoke_device(new.dev.info().device_id, True)
        assert "feuille de secours" in str(err.value)
        revoked = family.dev.revoke_device_with_words(
            new.dev.info().device_id, True, " ".join(words))
        assert revoked.device_id == new.dev.info().device_id
        assert revoked.livrets == [livret_id]
        assert revoked.voided_grants == []
    finally:
        new.close()

    # A new sheet replaces the previous one only with its words.
    with pytest.raises(lm.LivretError.Refused):
        family.dev.recovery_print()
    again = family.dev.recovery_replace(" ".join(words))
    assert again.previous() == sheet.public_key()
    assert again.words() != words


def test_export_json_then_import_json_with_the_words(family, teacher, tmp_path):
    livret_id = new_livret(family)
    accept(family, teacher.dev, invite(family, livret_id).text, "5B")
    teacher.dev.assess(livret_id, assessment())
    run(teacher.dev.sync_with(family.address))
    words = family.dev.recovery_print().words()
    exported = family.dev.export_json(livret_id)
    assert json.loads(exported)["livret_id"] == livret_id

    fresh = lm.LivretDevice.create(
        str(tmp_path / "autre"), secrets.token_bytes(32), lm.Role.FAMILY, "Papa de Lina"
    )
    with pytest.raises(lm.LivretError.Invalid) as err:
        fresh.import_json("{pas du json", None)
    assert "import refusé, rien n'a été enregistré" in str(err.value)
    with pytest.raises(lm.LivretError.Refused) as err:
        fresh.import_json(exported, None)  # not an owner, no words
    assert "n'est pas propriétaire de ce livret" in str(err.value)
    with pytest.raises(lm.LivretError.Refused):
        teacher.dev.import_json(exported, " ".join(words))  # a family's act
    assert fresh.list() == []

    report = fresh.import_json(exported, " ".join(words))
    assert (report.livret_id, report.name, report.authority) == (
        livret_id,
        CHILD,
        "recovery-words",
    )
    assert "annee/2025" in report.sections
    assert report.entries >= 2 and report.records >= 2
    [summary] = fresh.list()
    assert (summary.livret_id, summary.relation) == (livret_id, lm.Relation.OWNER)
    verified = fresh.verify(livret_id)
    assert verified.failures == [] and verified.checked == report.entries
    [annee] = [s for s in fresh.show(livret_id).sections if s.section == "annee/2025"]
    assert json.loads(annee.entries[0].content_json)["appreciation"] == FRANCAIS


def test_delete_livret_empties_the_list_here_and_on_the_teachers_device(family, teacher):
    livret_id = new_livret(family)
    other = family.dev.add_child("Noé Moreau", "2017-05-11", None)
    accept(family, teacher.dev, invite(family, livret_id).text, "5B")
    teacher.dev.assess(livret_id, assessment())
    run(teacher.dev.sync_with(family.address))
    with pytest.raises(lm.LivretError.Refused):
        teacher.dev.delete_livret(livret_id)

    family.dev.delete_livret(livret_id)
    assert [l.livret_id for l in family.dev.list()] == [other]
    with pytest.raises(lm.LivretError.NotFound):
        family.dev.show(livret_id)
    family.dev.delete_livret(other)
    assert family.dev.list() == []
    with pytest.raises(lm.LivretError.NotFound):
        family.dev.delete_livret(other)

    # The teacher's device is told at its next session and deletes it too.
    report = run(teacher.dev.sync_with(family.address))
    assert report.deleted == [livret_id]
    assert teacher.dev.list() == []
    teacher.events.wait_for(lambda e: e.is_deleted() and e.livret_id == livret_id)

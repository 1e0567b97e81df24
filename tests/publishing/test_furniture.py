"""Versioned page furniture: a proposal reaches no page; approval by another re-renders exactly the pages showing it."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from reversion.models import Version

from articles.models import Audience
from publishing import services, tasks
from publishing.exceptions import FurniturePermissionError
from publishing.models import Disclaimer, FurnitureChange, PublishedPage, RenderRun, StoredPage
from review.models import BoardMember
from tests import factories
from tests.publishing.publish_helpers import approve, broker, make_disclaimers
from tests.publishing.reader_fixtures import SPANISH_SLUG, spanish_reviewer, translate  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

URL = "/articles/cmv-treatment/"
PRO = URL + "for/professional/"


@pytest.fixture
def live(article, author, reviewer, editor, django_capture_on_commit_callbacks):
    """The article live, every stored page written (the go-live's on-commit work run)."""
    disclaimers = make_disclaimers()
    approve(article, author=author, reviewer=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_request(article, acting_user=editor)
    assert StoredPage.objects.filter(path=PRO).exists()
    return disclaimers


@pytest.fixture(params=["en", "es"])
def reader(request, live, article, author, editor, django_capture_on_commit_callbacks) -> dict:
    """The live article's addresses in each language, and the board member who approved that language's text.

    The "es" run puts the Spanish translation live too (every stored page written).
    """
    if request.param == "en":
        member = BoardMember.objects.get(user__username="rita")
        return {"language": "en", "prefix": "", "url": URL, "pro": PRO, "member": member}
    board_member = request.getfixturevalue("spanish_reviewer")
    spanish = approve(translate(article, author), author=author, reviewer=board_member)
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_request(spanish, acting_user=editor)
    url = f"/es/articles/{SPANISH_SLUG}/"
    assert StoredPage.objects.filter(path=url + "for/professional/").exists()
    member = BoardMember.objects.get(user=board_member)
    return {"language": "es", "prefix": "/es", "url": url, "pro": url + "for/professional/", "member": member}


def _in(language: str, text: str, **values) -> str:
    with translation.override(language):
        return gettext(text) % values if values else gettext(text)


@pytest.fixture
def editor2(db):
    return factories.UserFactory(username="edna", groups=["Editors"])


def _stored() -> dict[str, tuple[str, object]]:
    return {row.path: (row.etag, row.rendered_at) for row in StoredPage.objects.all()}


def _propose_pro(live, editor, text="For clinicians: check local guidance first."):
    return services.furniture_change_propose(
        acting_user=editor,
        kind="disclaimer",
        disclaimer=live["professional"],
        values={"name": "Professional Medical Disclaimer", "text": text},
    )


def test_a_proposed_disclaimer_changes_no_stored_page(live, editor, django_capture_on_commit_callbacks):
    before = _stored()
    with django_capture_on_commit_callbacks(execute=True):
        change = _propose_pro(live, editor)
    assert change.state == "proposed"
    assert _stored() == before
    assert b"check local guidance" not in bytes(StoredPage.objects.get(path=PRO).body)
    assert Disclaimer.objects.get(pk=live["professional"].pk).text == "For healthcare professionals."
    assert not RenderRun.objects.exists()


def test_approval_re_renders_only_the_pages_showing_the_disclaimer_and_records_its_version(
    live, editor, reviewer, django_capture_on_commit_callbacks
):
    before = _stored()
    published_before = list(PublishedPage.objects.order_by("pk").values())
    change = _propose_pro(live, editor)
    with django_capture_on_commit_callbacks(execute=True):
        change = services.furniture_change_approve(change, acting_user=reviewer)
    after = _stored()
    changed = {path for path in after if after[path] != before[path]}
    assert changed == {PRO}
    page = StoredPage.objects.get(path=PRO)
    assert b"check local guidance" in bytes(page.body)
    assert page.furniture["disclaimer"] == {
        "id": live["professional"].pk,
        "version": 1,
        "name": "Professional Medical Disclaimer",
    }
    assert StoredPage.objects.get(path=URL).furniture["disclaimer"]["id"] == live["all"].pk
    # The approver is credited with the version; the article's rendered pages are untouched.
    assert change.version == 1 and change.decided_by == reviewer and change.revision.user == reviewer
    assert Version.objects.get_for_object(live["professional"]).count() == 1
    assert list(PublishedPage.objects.order_by("pk").values()) == published_before
    run = RenderRun.objects.get()
    assert (run.total, run.done, run.failed) == (1, 1, 0) and run.finished_at is not None


def test_broker_down_the_re_render_is_recorded_and_the_sweep_finishes_it(
    live, editor, reviewer, django_capture_on_commit_callbacks
):
    change = _propose_pro(live, editor)
    before = StoredPage.objects.get(path=PRO).etag
    with broker("redis://127.0.0.1:1/0"), django_capture_on_commit_callbacks(execute=True):
        services.furniture_change_approve(change, acting_user=reviewer)
    run = RenderRun.objects.get()
    assert run.finished_at is None and run.done == 0
    assert StoredPage.objects.get(path=PRO).etag == before  # nothing re-rendered yet, nothing lost
    # A minute later beat's outbox sweep sends the stalled run again.
    RenderRun.objects.filter(pk=run.pk).update(progressed_at=timezone.now() - dt.timedelta(minutes=2))
    tasks.sweep_outbox.apply()
    run.refresh_from_db()
    assert run.finished_at is not None and run.done == 1
    assert b"check local guidance" in bytes(StoredPage.objects.get(path=PRO).body)


def test_provenance_lists_the_furniture_versions_of_each_stored_page(
    client, live, reader, editor, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.furniture_change_approve(_propose_pro(live, editor), acting_user=reviewer)
    url, pro = reader["url"], reader["pro"]
    body = json.loads(client.get(url + "provenance.json").content)
    by_path = {entry["path"]: entry for entry in body["furniture"]}
    assert set(by_path) == set(StoredPage.objects.filter(path__startswith=url).values_list("path", flat=True))
    assert by_path[pro]["audience"] == "professional"
    assert by_path[pro]["disclaimer"]["version"] == 1  # the English disclaimer, re-rendered into every language
    assert by_path[url]["board_members"] == [{"id": reader["member"].pk, "version": 0}]
    assert by_path[url]["disclaimer"] == {"id": live["all"].pk, "version": 0, "name": "About this information"}


def test_the_change_log_lists_approved_changes_with_their_date_a_page_at_a_time(
    client, live, reader, editor, reviewer, django_capture_on_commit_callbacks
):
    language, changes = reader["language"], reader["prefix"] + "/changes/"
    with django_capture_on_commit_callbacks(execute=True):
        services.furniture_change_approve(_propose_pro(live, editor), acting_user=reviewer)
    _propose_pro(live, editor, text="Not approved yet.")
    html = client.get(changes).content.decode()
    today = timezone.now().date().isoformat()
    line = _in(language, "%(name)s updated", name="Professional Medical Disclaimer")
    assert f'{_in(language, "%(summary)s on", summary=line)} <time datetime="{today}">{today}</time>' in html
    assert html.count(line) == 1  # the proposal is not listed
    for n in range(55):
        services.furniture_change_approve(_propose_pro(live, editor, text=f"Wording {n}."), acting_user=reviewer)
    assert line in client.get(changes + "?page=2").content.decode()


def test_who_may_propose_and_approve(live, author, editor, editor2, reviewer):
    with pytest.raises(FurniturePermissionError):
        _propose_pro(live, author)
    change = _propose_pro(live, editor)
    with pytest.raises(FurniturePermissionError, match="board members approve"):
        services.furniture_change_approve(change, acting_user=author)
    with pytest.raises(FurniturePermissionError, match="You proposed this change"):
        services.furniture_change_approve(change, acting_user=editor)
    services.furniture_change_approve(change, acting_user=editor2)
    with pytest.raises(FurniturePermissionError, match="already approved"):
        services.furniture_change_reject(change, acting_user=reviewer)
    # A board member may propose their own entry, but someone else approves it.
    member = BoardMember.objects.get(user=reviewer)
    own = services.furniture_change_propose(
        acting_user=editor, kind="board_member", board_member=member, values={"bio": "New.", "disclosures": "None."}
    )
    with pytest.raises(FurniturePermissionError, match="your own biography"):
        services.furniture_change_approve(own, acting_user=reviewer)


def test_the_desk_approves_through_the_service_and_refuses_the_proposer(
    client, live, editor, author, reviewer, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    response = client.post(
        "/publishing/furniture/",
        {"disclaimer": live["professional"].pk, "name": "Professional Medical Disclaimer", "text": "Desk wording."},
    )
    assert response.status_code == 302
    change = FurnitureChange.objects.get()
    page = client.get("/publishing/furniture/").content.decode()
    assert "You proposed this change" in page and "Desk wording." in page
    client.post(f"/publishing/furniture/{change.pk}/decide/", {"decision": "approve"})
    assert FurnitureChange.objects.get().state == "proposed"
    client.force_login(author)
    assert client.post(f"/publishing/furniture/{change.pk}/decide/", {"decision": "approve"}).status_code == 403
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/publishing/furniture/{change.pk}/decide/", {"decision": "approve"})
    assert FurnitureChange.objects.get().state == "approved"
    assert "1 / 1" in client.get("/publishing/furniture/").content.decode()  # the run's progress


def test_a_biography_change_re_renders_the_pages_naming_the_member(
    live, editor, editor2, reviewer, django_capture_on_commit_callbacks
):
    member = BoardMember.objects.get(user=reviewer)
    change = services.furniture_change_propose(
        acting_user=editor, kind="board_member", board_member=member, values={"bio": "Thirty years.", "disclosures": ""}
    )
    assert BoardMember.objects.get(pk=member.pk).bio == ""
    with django_capture_on_commit_callbacks(execute=True):
        services.furniture_change_approve(change, acting_user=editor2)
    member.refresh_from_db()
    assert member.bio == "Thirty years." and member.disclosures == ""
    for page in StoredPage.objects.all():
        assert page.furniture["board_members"] == [{"id": member.pk, "version": 1}]
    assert RenderRun.objects.get().total == StoredPage.objects.count()


def test_a_new_audience_disclaimer_reaches_that_audience_only(
    live, editor, reviewer, django_capture_on_commit_callbacks
):
    patient = Audience.objects.get(slug="patient")
    before = _stored()
    change = services.furniture_change_propose(
        acting_user=editor,
        kind="disclaimer",
        audience=patient,
        values={"name": "Patient disclaimer", "text": "Talk to your doctor."},
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.furniture_change_approve(change, acting_user=reviewer)
    after = _stored()
    assert {path for path in after if after[path] != before[path]} == {URL + "for/patient/"}
    assert b"Talk to your doctor." in bytes(StoredPage.objects.get(path=URL + "for/patient/").body)


def test_the_api_shows_the_approved_disclaimer_and_its_etag_moves_with_it(
    client, live, reader, editor, reviewer, django_capture_on_commit_callbacks
):
    api = reader["prefix"] + "/api" + reader["url"].removeprefix(reader["prefix"]) + "?for=professional"
    before = client.get(api)
    assert before.json()["disclaimer"]["version"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        services.furniture_change_approve(_propose_pro(live, editor), acting_user=reviewer)
    after = client.get(api)
    assert after.json()["disclaimer"]["version"] == 1 and "check local guidance" in after.json()["disclaimer"]["html"]
    assert after["ETag"] != before["ETag"]


def test_a_board_member_proposes_their_own_entry_on_the_desk_and_another_approves(client, live, reviewer, editor):
    member = BoardMember.objects.get(user=reviewer)
    client.force_login(reviewer)
    data = {
        "form": "board",
        "board-board_member": member.pk,
        "board-bio": "Twenty years.",
        "board-disclosures": "None.",
    }
    assert client.post("/publishing/furniture/", data).status_code == 302
    change = FurnitureChange.objects.get()
    assert change.kind == "board_member" and change.proposed_by == reviewer
    assert BoardMember.objects.get(pk=member.pk).bio == ""  # not before approval
    other = BoardMember.objects.exclude(pk=member.pk).first() or factories.BoardMemberFactory()
    data["board-board_member"] = other.pk
    page = client.post("/publishing/furniture/", data).content.decode()
    assert "Only editors propose" in page  # a member proposes only their own entry
    services.furniture_change_approve(change, acting_user=editor)
    assert BoardMember.objects.get(pk=member.pk).bio == "Twenty years."


def _queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from publishing.purge import purge_paths

    purge_paths([url])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_change_log_and_the_desk_take_the_same_queries_however_many_changes(
    client, live, reader, editor, editor2, reviewer
):
    def changes(n: int) -> None:
        for i in range(n):
            services.furniture_change_approve(_propose_pro(live, editor, text=f"Approved {i}."), acting_user=reviewer)
            _propose_pro(live, editor2, text=f"Waiting {i}.")

    changes(1)
    client.force_login(reviewer)
    log = reader["prefix"] + "/changes/"
    few = (_queries(client, log), _queries(client, "/publishing/furniture/"))
    changes(12)
    assert (_queries(client, log), _queries(client, "/publishing/furniture/")) == few

"""The server's side of offline capture: writes the phone queued arrive exactly once
(``X-Client-Id``), photos arrive in resumable chunks byte for byte, a photo taken by
mistake is removed on the record, and a start tapped offline keeps the phone's time."""

import hashlib
import io
import json
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from inspections.onsite import photos as photo_rules
from inspections.onsite import replay, selectors
from inspections.onsite import services as onsite_services
from inspections.onsite.models import Answer, Inspection, Photo, PhotoUpload, StoredResponse

from .conftest import item_key
from .test_onsite import answer_all_passing, jpeg

ACCEPT = {"HTTP_ACCEPT": "application/json"}


def new_id():
    return str(uuid.uuid4())


def queued(client, url, data, client_id):
    """A write as the phone's outbox sends it."""
    return client.post(url, data, HTTP_X_CLIENT_ID=client_id, **ACCEPT)


def answer_url(inspection):
    return f"/inspections/inspections/{inspection.pk}/answer/"


def sha(data):
    return hashlib.sha256(data).hexdigest()


def open_upload(client, inspection, data, key, client_id, **overrides):
    declared = {
        "client_id": client_id,
        "key": key,
        "purpose": "evidence",
        "size": len(data),
        "sha256": sha(data),
        "name": "IMG_0001.jpg",
        "content_type": "image/jpeg",
        **overrides,
    }
    return client.post(
        f"/inspections/inspections/{inspection.pk}/uploads/",
        json.dumps(declared),
        content_type="application/json",
        **ACCEPT,
    )


def put_chunk(client, client_id, chunk, start, total):
    return client.put(
        f"/inspections/uploads/{client_id}/",
        chunk,
        content_type="application/octet-stream",
        headers={"Content-Range": f"bytes {start}-{start + len(chunk) - 1}/{total}"},
        **ACCEPT,
    )


def send_from(client, client_id, data, start, stop=None, size=1000):
    """Send ``data`` from byte ``start`` to ``stop`` in chunks of ``size``; the last
    response."""
    response = None
    stop = len(data) if stop is None else stop
    for offset in range(start, stop, size):
        chunk = data[offset : min(offset + size, stop)]
        response = put_chunk(client, client_id, chunk, offset, len(data))
        assert response.status_code in (200, 201), response.json()
    return response


def parts(evidence_root):
    folder = evidence_root / "uploads"
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


@pytest.fixture
def photo_data():
    """A JPEG of some 30 KB: thirty chunks of 1000 bytes."""
    buffer = io.BytesIO()
    Image.effect_noise((200, 150), 60).convert("RGB").save(buffer, "JPEG", quality=95)
    assert len(buffer.getvalue()) > 10_000
    return buffer.getvalue()


@pytest.fixture
def answered(started, inspector):
    """S-04 (a photo required when passed) answered pass on the started inspection."""
    onsite_services.answer_save(
        inspection=started,
        key=item_key(started, "S-04"),
        value="pass",
        base_revision=0,
        by=inspector,
    )
    return started


# ---------------------------------------------------------------- exactly once


def test_a_repeated_answer_writes_nothing_and_gets_the_first_response(started, inspector, as_user):
    client = as_user(inspector)
    key, client_id = item_key(started, "S-01"), new_id()
    data = {"key": key, "value": "fail", "revision": 0, "note": "通道堆放杂物"}
    first = queued(client, answer_url(started), data, client_id)
    assert first.status_code == 200 and first.json()["answer"]["revision"] == 1
    history = Answer.history.count()
    again = queued(client, answer_url(started), data, client_id)
    assert (again.status_code, again.json()) == (200, first.json())
    assert again["X-Client-Replay"] == "1"
    assert Answer.history.count() == history
    assert Answer.objects.get(inspection=started).revision == 1
    assert StoredResponse.objects.get(user=inspector).endpoint == answer_url(started)


def test_the_same_id_from_another_user_is_not_replayed_to_them(
    started, inspector, inspector2, as_user
):
    client_id = new_id()
    mine = queued(
        as_user(inspector),
        answer_url(started),
        {"key": item_key(started, "S-01"), "value": "pass", "revision": 0},
        client_id,
    )
    theirs = queued(
        as_user(inspector2),
        answer_url(started),
        {"key": item_key(started, "S-02"), "value": "fail", "revision": 0},
        client_id,
    )
    assert mine.status_code == theirs.status_code == 200
    assert theirs.json()["answer"]["key"] == item_key(started, "S-02")
    assert theirs.json()["answer"]["by"] == inspector2.display_name
    assert "X-Client-Replay" not in theirs
    assert StoredResponse.objects.filter(client_id=client_id).count() == 2
    assert Answer.objects.filter(inspection=started).count() == 2


def test_it_refuses_a_malformed_client_id_with_a_message(started, inspector, as_user):
    for bad in ("42", "not-a-uuid", "{" + new_id() + "}", new_id() + "0"):
        response = queued(
            as_user(inspector),
            answer_url(started),
            {"key": item_key(started, "S-01"), "value": "pass", "revision": 0},
            bad,
        )
        assert response.status_code == 400
        assert response.json() == {
            "ok": False,
            "message": "请求编号（X-Client-Id）必须是 UUID。",
        }
    assert not Answer.objects.filter(inspection=started).exists()


def test_an_id_sent_to_another_endpoint_is_refused(started, inspector, as_user):
    client, client_id = as_user(inspector), new_id()
    queued(
        client,
        answer_url(started),
        {"key": item_key(started, "S-01"), "value": "pass", "revision": 0},
        client_id,
    )
    response = queued(client, f"/inspections/inspections/{started.pk}/confirm/", {}, client_id)
    assert response.status_code == 400
    assert response.json()["message"] == "该请求编号已用于另一个请求。"


def test_a_stale_revision_from_the_queue_gets_the_conflict_not_an_overwrite(
    started, inspector, inspector2, as_user
):
    key = item_key(started, "S-01")
    onsite_services.answer_save(
        inspection=started, key=key, value="pass", base_revision=0, by=inspector
    )
    # Offline, the inspector changes the answer seen at revision 1; meanwhile the
    # teammate saves revision 2 online.
    onsite_services.answer_save(
        inspection=started, key=key, value="fail", base_revision=1, by=inspector2, note="堵塞"
    )
    client, client_id = as_user(inspector), new_id()
    data = {"key": key, "value": "pass", "revision": 1, "note": "已清理"}
    first = queued(client, answer_url(started), data, client_id)
    assert first.status_code == 409
    body = first.json()
    assert body["conflict"] is True and body["ok"] is False
    assert body["answer"]["revision"] == 2 and body["answer"]["note"] == "堵塞"
    assert body["message"].startswith(inspector2.display_name)
    # The teammate saves again; the queue sends its item again: the first answer
    # comes back, and nothing is overwritten.
    onsite_services.answer_save(
        inspection=started, key=key, value="fail", base_revision=2, by=inspector2, note="仍堵塞"
    )
    again = queued(client, answer_url(started), data, client_id)
    assert (again.status_code, again.json()) == (409, body)
    stored = Answer.objects.get(inspection=started)
    assert (stored.value, stored.note, stored.revision) == ("fail", "仍堵塞", 3)


def test_two_copies_at_once_write_once_the_unique_id_decides(
    started, inspector, as_user, monkeypatch
):
    """The second copy arrives before the first is stored: it runs, meets the unique
    constraint, is rolled back and answers what the first stored."""
    client, client_id = as_user(inspector), new_id()
    key = item_key(started, "S-05")
    first = queued(
        client, answer_url(started), {"key": key, "value": "pass", "revision": 0}, client_id
    )
    seen = []
    real = replay._stored

    def not_yet_stored(user, cid):
        seen.append(cid)
        return None if len(seen) == 1 else real(user, cid)

    monkeypatch.setattr(replay, "_stored", not_yet_stored)
    history = Answer.history.count()
    # Sent on with the revision it had: it would otherwise save revision 2.
    second = queued(
        client, answer_url(started), {"key": key, "value": "pass", "revision": 1}, client_id
    )
    assert (second.status_code, second.json()) == (200, first.json())
    assert Answer.history.count() == history
    assert Answer.objects.get(inspection=started).revision == 1


def test_a_repeated_start_writes_nothing_and_keeps_the_phones_time(case, inspector, as_user):
    client, client_id = as_user(inspector), new_id()
    tapped = timezone.now() - timedelta(minutes=5)
    data = {"captured_at": tapped.isoformat(), "latitude": "29.37", "longitude": "113.10"}
    url = f"/inspections/inspections/{case.pk}/start/"
    first = queued(client, url, data, client_id)
    assert first.status_code == 200
    assert first.json()["ok"] is True and first.json()["status"] == "in_progress"
    history = Inspection.history.filter(id=case.pk).count()
    again = queued(client, url, data, client_id)
    assert (again.status_code, again.json()) == (200, first.json())
    assert Inspection.history.filter(id=case.pk).count() == history
    case.refresh_from_db()
    assert case.start_captured_at == tapped
    assert case.started_at > case.start_captured_at
    local = timezone.localtime(tapped).strftime("%Y-%m-%d %H:%M")
    page = client.get(f"/inspections/inspections/{case.pk}/").content.decode()
    assert f"手机上点击开始于 {local}" in page


def test_it_refuses_a_start_time_the_phone_cannot_have_recorded(case, inspector, as_user):
    client = as_user(inspector)
    url = f"/inspections/inspections/{case.pk}/start/"
    unreadable = queued(client, url, {"captured_at": "yesterday at ten"}, new_id())
    assert unreadable.status_code == 400
    assert unreadable.json()["message"] == "无法识别手机记录的开始时间。"
    naive = queued(client, url, {"captured_at": "2026-12-01T06:00:00"}, new_id())
    assert naive.json()["message"] == "无法识别手机记录的开始时间。"
    ahead = (timezone.now() + timedelta(hours=2)).isoformat()
    response = queued(client, url, {"captured_at": ahead}, new_id())
    assert response.status_code == 400
    assert "这不可能正确：请校准手机时间后重新开始。" in response.json()["message"]
    case.refresh_from_db()
    assert case.status == Inspection.Status.SCHEDULED


def test_a_start_tapped_within_the_window_is_refused_when_it_arrives_after_it(
    unannounced, world, as_user
):
    inspection = unannounced.inspections.first()
    member = inspection.team.first().inspector.user
    tapped = datetime(2026, 12, 31, 16, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(datetime(2027, 1, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))):
        response = queued(
            as_user(member),
            f"/inspections/inspections/{inspection.pk}/start/",
            {"captured_at": tapped.isoformat()},
            new_id(),
        )
    assert response.status_code == 400
    assert response.json()["message"] == (
        "本次检查只能在计划的检查期内开始：2026-12-01 至 2026-12-31。"
    )
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.SCHEDULED


def test_repeated_sign_confirm_and_finish_write_once(started, inspector, inspector2, as_user):
    answer_all_passing(started, inspector)
    mine, theirs = as_user(inspector), as_user(inspector2)
    base = f"/inspections/inspections/{started.pk}"
    steps = [
        (mine, "sign", {"signer_name": "刘院长", "typed": "刘院长"}),
        (mine, "confirm", {}),
        (theirs, "confirm", {}),
        (mine, "finish", {"conclusion_confirmed": "yes"}),
    ]
    for client, step, data in steps:
        client_id = new_id()
        first = queued(client, f"{base}/{step}/", data, client_id)
        assert first.status_code == 200 and first.json()["ok"] is True, (step, first.content)
        history = (
            Inspection.history.filter(id=started.pk).count(),
            started.team.model.history.count(),
        )
        again = queued(client, f"{base}/{step}/", data, client_id)
        assert (again.status_code, again.json()) == (200, first.json()), step
        assert (
            Inspection.history.filter(id=started.pk).count(),
            started.team.model.history.count(),
        ) == history, step
    started.refresh_from_db()
    assert started.status == Inspection.Status.FINISHED
    assert first.json()["result"] == started.result


def test_a_refusal_is_stored_and_replayed_too(started, inspector, as_user):
    client, client_id = as_user(inspector), new_id()
    url = f"/inspections/inspections/{started.pk}/confirm/"
    first = queued(client, url, {}, client_id)
    assert first.status_code == 400 and first.json()["message"].startswith("记录尚未完成")
    answer_all_passing(started, inspector)
    again = queued(client, url, {}, client_id)
    assert (again.status_code, again.json()) == (400, first.json())
    assert not started.team.exclude(confirmed_at=None).exists()


def test_without_the_header_the_endpoints_behave_as_before(started, inspector, as_user):
    client = as_user(inspector)
    data = {"key": item_key(started, "S-01"), "value": "pass", "revision": 0}
    assert client.post(answer_url(started), data, **ACCEPT).status_code == 200
    assert client.post(answer_url(started), data, **ACCEPT).status_code == 409
    assert client.post(f"/inspections/inspections/{started.pk}/confirm/").status_code == 302
    assert not StoredResponse.objects.exists()


# ---------------------------------------------------------------- resumable uploads


def test_an_upload_cut_midway_continues_from_the_servers_offset(
    answered, inspector, as_user, photo_data, evidence_root
):
    client, client_id = as_user(inspector), new_id()
    key = item_key(answered, "S-04")
    opened = open_upload(client, answered, photo_data, key, client_id)
    assert opened.status_code == 201
    assert opened.json() == {"ok": True, "upload": client_id, "offset": 0}
    for start in (0, 1000, 2000):
        assert put_chunk(
            client, client_id, photo_data[start : start + 1000], start, len(photo_data)
        ).json() == {
            "ok": True,
            "offset": start + 1000,
        }
    # The connection drops; the phone believes less arrived and resends from 1000.
    wrong = put_chunk(client, client_id, photo_data[1000:2000], 1000, len(photo_data))
    assert wrong.status_code == 409
    assert wrong.json()["offset"] == 3000 and wrong.json()["ok"] is False
    assert wrong.json()["message"] == "服务器已收到该照片的 3000 字节：请从此处继续上传。"
    status = client.get(f"/inspections/uploads/{client_id}/", **ACCEPT).json()
    assert (status["offset"], status["size"], status["done"]) == (3000, len(photo_data), False)
    # The phone opens the upload again after a restart: the same upload, where it was.
    assert open_upload(client, answered, photo_data, key, client_id).json()["offset"] == 3000
    done = send_from(client, client_id, photo_data, 3000)
    assert done.status_code == 201
    body = done.json()
    assert body["done"] is True and body["photo"]["key"] == key
    photo = Photo.objects.get(pk=body["photo"]["id"])
    assert body["photo"]["thumb"] == f"/inspections/photos/{photo.pk}/thumb/"
    with photo.original.open("rb") as original:
        assert original.read() == photo_data
    assert photo.sha256 == sha(photo_data) and photo.answer.key == key
    assert photo.uploaded_by == inspector
    assert parts(evidence_root) == []
    assert selectors.missing(answered)[0].startswith("S-01")  # S-04 has its photo


def test_two_copies_of_a_chunk_at_once_move_the_offset_once(
    answered, inspector, as_user, photo_data
):
    client_id = new_id()
    open_upload(as_user(inspector), answered, photo_data, item_key(answered, "S-04"), client_id)
    first, second = (PhotoUpload.objects.get(client_id=client_id) for _ in range(2))
    chunk = {"start": 0, "end": 999, "total": len(photo_data), "data": photo_data[:1000]}
    onsite_services.upload_chunk(upload=first, by=inspector, **chunk)
    with pytest.raises(
        onsite_services.UploadOffsetMismatch, match="服务器已收到该照片的 1000 字节"
    ) as caught:
        onsite_services.upload_chunk(upload=second, by=inspector, **chunk)
    assert caught.value.offset == 1000
    assert PhotoUpload.objects.get(client_id=client_id).offset == 1000


def test_a_wrong_hash_is_refused_and_the_upload_starts_again(
    answered, inspector, as_user, photo_data, evidence_root
):
    client, client_id = as_user(inspector), new_id()
    open_upload(client, answered, photo_data, item_key(answered, "S-04"), client_id)
    damaged = photo_data[:500] + bytes(1000) + photo_data[1500:]
    send_from(client, client_id, damaged, 0, stop=len(damaged) - 100)
    last = put_chunk(client, client_id, damaged[-100:], len(damaged) - 100, len(damaged))
    assert last.status_code == 422
    assert last.json()["message"] == (
        "服务器收到的照片与手机上的不一致（SHA-256 不符）：将从头重新上传。"
    )
    assert client.get(f"/inspections/uploads/{client_id}/").json()["offset"] == 0
    assert parts(evidence_root) == [] and not Photo.objects.exists()
    assert send_from(client, client_id, photo_data, 0).status_code == 201
    assert Photo.objects.get().sha256 == sha(photo_data)


def test_a_completed_upload_repeated_gives_the_same_photo(answered, inspector, as_user, photo_data):
    client, client_id = as_user(inspector), new_id()
    key = item_key(answered, "S-04")
    open_upload(client, answered, photo_data, key, client_id)
    first = send_from(client, client_id, photo_data, 0)
    tail = len(photo_data) // 1000 * 1000
    again = put_chunk(client, client_id, photo_data[tail:], tail, len(photo_data))
    assert (again.status_code, again.json()) == (201, first.json())
    from_zero = put_chunk(client, client_id, photo_data[:1000], 0, len(photo_data))
    assert from_zero.json()["photo"] == first.json()["photo"]
    reopened = open_upload(client, answered, photo_data, key, client_id)
    assert reopened.status_code == 200 and reopened.json()["photo"] == first.json()["photo"]
    status = client.get(f"/inspections/uploads/{client_id}/").json()
    assert status["done"] is True and status["photo"] == first.json()["photo"]
    assert Photo.objects.count() == 1


def test_an_upload_id_reused_for_another_photo_is_refused(answered, inspector, as_user, photo_data):
    client, client_id = as_user(inspector), new_id()
    key = item_key(answered, "S-04")
    open_upload(client, answered, photo_data, key, client_id)
    other = open_upload(client, answered, photo_data + b"x", key, client_id)
    assert other.status_code == 400
    assert other.json()["message"] == "该上传编号已用于另一张照片。"


def test_it_refuses_an_oversize_photo_before_any_byte_is_sent(answered, inspector, as_user):
    client = as_user(inspector)
    response = open_upload(
        client, answered, b"", item_key(answered, "S-04"), new_id(), size=photo_rules.MAX_BYTES + 1
    )
    assert response.status_code == 400
    assert response.json()["message"].startswith("照片超过 20 MB。")
    assert not PhotoUpload.objects.exists()


def test_it_refuses_a_chunk_over_the_limit_and_bad_declarations(
    answered, inspector, as_user, photo_data
):
    client, client_id = as_user(inspector), new_id()
    key = item_key(answered, "S-04")
    bad_hash = open_upload(client, answered, photo_data, key, new_id(), sha256="abc")
    assert bad_hash.json()["message"] == "请以 64 位十六进制数字填写照片的 SHA-256。"
    bad_id = open_upload(client, answered, photo_data, key, "upload-1")
    assert bad_id.status_code == 400
    assert bad_id.json()["message"] == "请求编号（X-Client-Id）必须是 UUID。"
    unknown = open_upload(client, answered, photo_data, "x-1", new_id())
    assert unknown.json()["message"] == "未知的检查项目。"
    unanswered = open_upload(client, answered, photo_data, item_key(answered, "S-01"), new_id())
    assert unanswered.json()["message"] == "请先作答再添加照片。"
    big = onsite_services.UPLOAD_CHUNK_MAX_BYTES + 1
    open_upload(client, answered, b"", key, client_id, size=big + 10)
    response = put_chunk(client, client_id, bytes(big), 0, big + 10)
    assert response.status_code == 400
    assert response.json()["message"] == "请分块上传照片，每块不超过 4096 KiB。"
    no_range = client.put(f"/inspections/uploads/{client_id}/", b"x", content_type="x/y")
    assert no_range.json()["message"] == "每个分块须附带 Content-Range。"
    assert PhotoUpload.objects.get().offset == 0


def test_a_photo_refused_by_content_after_upload_is_refused_in_words(answered, inspector, as_user):
    client, client_id = as_user(inspector), new_id()
    data = b"%PDF-1.4 not a photo" * 100
    open_upload(client, answered, data, item_key(answered, "S-04"), client_id)
    send_from(client, client_id, data, 0, stop=1000)
    last = put_chunk(client, client_id, data[1000:], 1000, len(data))
    assert last.status_code == 400
    assert last.json()["message"].startswith("该文件不是照片")
    # The phone whose answer was lost sends the last byte again: the same refusal,
    # not an offset to go on from (which would have it ask forever).
    again = put_chunk(client, client_id, data[-1:], len(data) - 1, len(data))
    assert again.status_code == 400
    assert again.json()["message"] == last.json()["message"]
    assert not Photo.objects.exists()


def test_unfinished_uploads_are_removed_after_the_configured_time(
    answered, inspector, as_user, photo_data, evidence_root, settings
):
    settings.PHOTO_UPLOAD_STALE_HOURS = 48
    client = as_user(inspector)
    stale, fresh = new_id(), new_id()
    for client_id in (stale, fresh):
        open_upload(client, answered, photo_data, item_key(answered, "S-04"), client_id)
        put_chunk(client, client_id, photo_data[:1000], 0, len(photo_data))
    later = timezone.now() + timedelta(hours=47)
    with time_machine.travel(later):
        onsite_services.upload_chunk(
            upload=PhotoUpload.objects.get(client_id=fresh),
            start=1000,
            end=1999,
            total=len(photo_data),
            data=photo_data[1000:2000],
            by=inspector,
        )
    out = io.StringIO()
    with time_machine.travel(later + timedelta(hours=2)):
        call_command("workflow_timers", stdout=out)
    assert "1 unfinished photo upload(s) removed" in out.getvalue()
    assert list(PhotoUpload.objects.values_list("client_id", flat=True)) == [uuid.UUID(fresh)]
    assert sorted(p.name for p in parts(evidence_root)) == [
        f"{fresh}.0000000000",
        f"{fresh}.0000001000",
    ]
    gone = client.get(f"/inspections/uploads/{stale}/")
    assert gone.status_code == 404
    assert gone.json()["message"] == "该上传不存在或已过期：请重新开始上传。"


# ---------------------------------------------------------------- removing a photo


def test_a_removed_photo_is_recorded_kept_and_no_longer_counted(
    answered, inspector, as_user, evidence_root
):
    photo = onsite_services.photo_add(
        inspection=answered, key=item_key(answered, "S-04"), upload=jpeg(), by=inspector
    )
    assert not any(line.startswith("S-04") for line in selectors.missing(answered))
    client, client_id = as_user(inspector), new_id()
    url = f"/inspections/photos/{photo.pk}/remove/"
    first = queued(client, url, {"reason": "拍错了对象"}, client_id)
    assert first.status_code == 200 and first.json()["photo"] == photo.pk
    again = queued(client, url, {"reason": "拍错了对象"}, client_id)
    assert (again.status_code, again.json()) == (200, first.json())
    photo.refresh_from_db()
    assert photo.removed_by == inspector and photo.removed_reason == "拍错了对象"
    assert photo.history.count() == 2 and photo.history.first().history_user == inspector
    assert photo.original.storage.exists(photo.original.name)
    assert "S-04：须附照片" in selectors.missing(answered)
    page = client.get(f"/inspections/inspections/{answered.pk}/checklist/").content.decode()
    assert f"/inspections/photos/{photo.pk}/thumb/" not in page
    assert not Photo.objects.filter(pk=photo.pk).kept().exists()
    twice = queued(client, url, {}, new_id())
    assert twice.status_code == 400 and twice.json()["message"] == "该照片已被移除。"


def test_a_photo_is_removed_only_while_the_inspection_is_under_way(finished, inspector, as_user):
    photo = Photo.objects.filter(inspection=finished).first()
    response = queued(as_user(inspector), f"/inspections/photos/{photo.pk}/remove/", {}, new_id())
    assert response.status_code == 400
    assert response.json()["message"] == "检查不在进行中。"
    photo.refresh_from_db()
    assert photo.removed_at is None


# ---------------------------------------------------------------- who may use the new URLs


@pytest.fixture
def outsider(world):
    """An inspector of the county on no team of this inspection."""
    from registry.models import InspectorProfile, User

    user = User.objects.create_user(
        username="outsider", password="x", role=User.Role.INSPECTOR, full_name="王五"
    )
    user.regions.set([world["county"]])
    InspectorProfile.objects.create(
        user=user, department=world["civil"], region=world["county"], credential_no="43060299999"
    )
    return user


def test_no_one_outside_the_team_reaches_the_new_urls(
    answered, inspector, outsider, other_lead, other_manager, lead, as_user, photo_data
):
    client_id = new_id()
    key = item_key(answered, "S-04")
    open_upload(as_user(inspector), answered, photo_data, key, client_id)
    put_chunk(as_user(inspector), client_id, photo_data[:1000], 0, len(photo_data))
    photo = onsite_services.photo_add(inspection=answered, key=key, upload=jpeg(), by=inspector)
    for user in (outsider, other_lead, other_manager):
        client = as_user(user)
        assert open_upload(client, answered, photo_data, key, new_id()).status_code == 404
        assert client.get(f"/inspections/uploads/{client_id}/").status_code == 404
        assert (
            put_chunk(client, client_id, photo_data[1000:2000], 1000, len(photo_data)).status_code
            == 404
        )
        assert (
            queued(client, f"/inspections/photos/{photo.pk}/remove/", {}, new_id()).status_code
            == 404
        )
    # A lead of the county sees the inspection but does not work on it.
    assert open_upload(as_user(lead), answered, photo_data, key, new_id()).status_code == 403
    assert (
        queued(as_user(lead), f"/inspections/photos/{photo.pk}/remove/", {}, new_id()).status_code
        == 403
    )
    assert PhotoUpload.objects.get().offset == 1000
    photo.refresh_from_db()
    assert photo.removed_at is None


def test_a_replaced_member_loses_the_upload(answered, inspector, as_user, photo_data):
    client_id = new_id()
    open_upload(as_user(inspector), answered, photo_data, item_key(answered, "S-04"), client_id)
    member = answered.team.get(inspector__user=inspector)
    member.active = False
    member.save()
    assert as_user(inspector).get(f"/inspections/uploads/{client_id}/").status_code == 404
    refused = put_chunk(as_user(inspector), client_id, photo_data[:1000], 0, len(photo_data))
    assert refused.status_code == 400
    assert refused.json()["message"] == "只有检查组成员可以进行此操作。"
    assert PhotoUpload.objects.get().offset == 0

"""Passwords (change, reset by e-mail) and sessions that end after a working day idle."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from tests.conftest import PASSWORD

NEW_PASSWORD = "Anders-Pass-2027!"


def log_in(username, password):
    return Client().post("/accounts/login/", {"username": username, "password": password})


# ---------------------------------------------------------------- change


def test_a_user_changes_the_password_and_the_old_one_stops_working(inspector, as_user):
    client = as_user(inspector)
    response = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response.url == "/accounts/password/change/done/"
    # The session that changed it stays logged in.
    assert "密码已修改" in client.get(response.url).content.decode()
    assert log_in("inspector", PASSWORD).status_code == 200
    assert log_in("inspector", NEW_PASSWORD).status_code == 302


def test_it_refuses_a_password_change_with_a_wrong_old_password(inspector, as_user):
    response = as_user(inspector).post(
        "/accounts/password/change/",
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert "你的旧密码不正确" in response.content.decode()
    inspector.refresh_from_db()
    assert inspector.check_password(PASSWORD)


def test_the_user_menu_links_to_the_password_change(inspector, as_user):
    page = as_user(inspector).get("/").content.decode()
    assert 'href="/accounts/password/change/"' in page and "修改密码" in page


def test_the_password_change_needs_a_log_in(client, db):
    response = client.get("/accounts/password/change/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


# ---------------------------------------------------------------- reset by e-mail


@pytest.fixture
def with_email(inspector):
    inspector.email = "li.zhe@example.org"
    inspector.save()
    return inspector


def ask_reset(client, email):
    return client.post("/accounts/password/reset/", {"email": email})


def reset_link():
    (message,) = mail.outbox
    return re.search(r"https?://\S+/accounts/password/reset/\S+/\S+/", message.body).group(0)


def set_new_password(client, link):
    """Follow the mailed link and set NEW_PASSWORD; Django swaps the token for a
    session and redirects to the form."""
    form = client.get(urlsplit(link).path, follow=True)
    assert form.context["validlink"]
    return client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )


def test_the_login_page_links_to_the_password_reset(client, db):
    page = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/password/reset/"' in page and "忘记密码" in page


def test_a_reset_mails_a_link_that_sets_a_new_password(client, with_email, settings):
    settings.SITE_URL = "https://safety.example.org"
    response = ask_reset(client, "LI.ZHE@example.org")
    assert response.status_code == 302 and response.url == "/accounts/password/reset/sent/"
    (message,) = mail.outbox
    assert message.to == ["li.zhe@example.org"]
    assert message.subject == "设置养老机构安全监管系统的新密码"
    assert "inspector" in message.body
    link = reset_link()
    assert link.startswith("https://safety.example.org/accounts/password/reset/")

    done = set_new_password(client, link)
    assert done.status_code == 302 and done.url == "/accounts/password/reset/done/"
    assert log_in("inspector", NEW_PASSWORD).status_code == 302
    assert log_in("inspector", PASSWORD).status_code == 200
    # The link works once.
    again = client.get(urlsplit(link).path, follow=True)
    assert not again.context["validlink"]
    assert "链接无效" in again.content.decode()


def test_a_reset_for_an_unknown_address_reveals_nothing(client, with_email):
    known = ask_reset(Client(), "li.zhe@example.org")
    mail.outbox.clear()
    unknown = ask_reset(client, "nobody@example.org")
    assert (unknown.status_code, unknown.url) == (known.status_code, known.url)
    assert mail.outbox == []
    page = client.get(unknown.url).content.decode()
    assert "如果有账号使用此电子邮件地址" in page


def test_a_reset_lifts_the_log_in_lock_out(client, with_email, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        log_in("inspector", "wrong")
    assert log_in("inspector", PASSWORD).status_code == 429
    ask_reset(client, "li.zhe@example.org")
    assert set_new_password(client, reset_link()).status_code == 302
    assert log_in("inspector", NEW_PASSWORD).status_code == 302


# ---------------------------------------------------------------- sessions


def test_a_session_ends_after_a_working_day_without_a_request(inspector, settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    start = timezone.now()
    client = Client()
    with time_machine.travel(start, tick=False):
        logged_in = client.post("/accounts/login/", {"username": "inspector", "password": PASSWORD})
        assert logged_in.status_code == 302
    # Each request within the working day pushes the end back.
    for hours in (7, 14):
        with time_machine.travel(start + timedelta(hours=hours), tick=False):
            assert client.get("/").status_code == 200
    with time_machine.travel(start + timedelta(hours=22, minutes=1), tick=False):
        response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_a_session_in_use_is_written_at_most_every_few_minutes(inspector, as_user):
    from django.contrib.sessions.models import Session

    from config.sessions import REFRESH_SECONDS

    client = as_user(inspector)
    start = timezone.now()
    stored = Session.objects.get().expire_date

    def end_after_a_request_at(seconds):
        with time_machine.travel(start + timedelta(seconds=seconds), tick=False):
            assert client.get("/").status_code == 200
        return Session.objects.get().expire_date

    assert end_after_a_request_at(REFRESH_SECONDS - 10) == stored
    later = end_after_a_request_at(REFRESH_SECONDS + 10)
    assert later - stored >= timedelta(seconds=REFRESH_SECONDS)

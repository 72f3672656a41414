"""Content-Security-Policy: on every page, and templates that keep within it."""

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# Rendered to PDF by WeasyPrint only, never served to a browser.
PDF_ONLY = TEMPLATES / "reports" / "documents"

TAG = re.compile(r"<[a-zA-Z][^>]*>")
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)


def served_templates():
    return [path for path in TEMPLATES.rglob("*.html") if PDF_ONLY not in path.parents]


def policy(response):
    header = response["Content-Security-Policy"]
    return {directive.split()[0]: directive.split()[1:] for directive in header.split("; ")}


def assert_strict(response):
    rules = policy(response)
    assert rules["default-src"] == ["'self'"]
    assert rules["object-src"] == ["'none'"]
    assert rules["frame-ancestors"] == ["'none'"]
    assert rules["base-uri"] == ["'self'"] and rules["form-action"] == ["'self'"]
    # blob: only for the phone's own photos waiting in the outbox.
    assert rules["img-src"] == ["'self'", "data:", "blob:"]
    assert rules["worker-src"] == ["'self'"] and rules["manifest-src"] == ["'self'"]
    # Scripts and styles fall back to default-src: nothing inline.
    assert "script-src" not in rules and "style-src" not in rules


def test_a_staff_page_carries_the_policy(lead, as_user):
    response = as_user(lead).get("/inspections/plans/")
    assert response.status_code == 200
    assert_strict(response)


def test_a_public_page_and_the_log_in_page_carry_the_policy(client, world):
    for url in ("/public/", "/accounts/login/"):
        response = client.get(url)
        assert response.status_code == 200
        assert_strict(response)


def test_a_404_page_carries_the_policy(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_strict(response)


def test_the_api_docs_keep_to_the_policy_with_their_script_and_styles_in_files(client, db):
    response = client.get("/api/docs/")
    page = response.content.decode()
    assert response.status_code == 200
    assert_strict(response)
    assert not INLINE_SCRIPT.search(page) and "<style" not in page
    assert 'src="/api/docs/?script="' in page and "css/api_docs.css" in page
    script = client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


@pytest.mark.parametrize(
    "pattern, what",
    [
        (INLINE_SCRIPT, "an inline <script>"),
        (HANDLER, "an on*= event handler"),
        (STYLE_ATTRIBUTE, "a style= attribute"),
        (re.compile(r"<style", re.IGNORECASE), "a <style> block"),
        (re.compile(r"javascript:", re.IGNORECASE), "a javascript: URL"),
    ],
)
def test_no_served_template_holds_what_the_policy_blocks(pattern, what):
    offenders = []
    for path in served_templates():
        text = path.read_text(encoding="utf-8")
        snippets = TAG.findall(text) if pattern in (HANDLER, STYLE_ATTRIBUTE) else [text]
        if any(pattern.search(snippet) for snippet in snippets):
            offenders.append(str(path.relative_to(TEMPLATES)))
    assert offenders == [], f"{what} in {offenders}"

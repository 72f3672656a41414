"""Parts of every page that depend on the code and the language alone.

``{% outbox_words %}`` gives the outbox badge's words and addresses for the phone's
scripts (static/js/outbox.js): some thirty translated strings and five URLs on every
page of a logged-in user. They name no user and no data, so they are rendered once per
language (and URLconf, script prefix, static URL) in each process and reused, as the
menu's URLs are (portal/navigation.py).
"""

from functools import lru_cache

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()


@lru_cache(maxsize=64)
def _outbox_words(language, urlconf, prefix, static_url):
    # Rendered with autoescaping on, as any template: safe to insert as it is.
    return mark_safe(render_to_string("partials/outbox_words.html").strip())  # noqa: S308


@register.simple_tag
def outbox_words():
    return _outbox_words(get_language(), get_urlconf(), get_script_prefix(), settings.STATIC_URL)

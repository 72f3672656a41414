"""Content-Security-Policy on every page (Django 5.2 has none built in).

The policy is settings.CONTENT_SECURITY_POLICY, a mapping of directive to sources."""

from django.conf import settings

HEADER = "Content-Security-Policy"


def header_value(policy):
    return "; ".join(" ".join([directive, *sources]) for directive, sources in policy.items())


class ContentSecurityPolicyMiddleware:
    """Sets the policy on HTML responses, the documents a browser runs scripts in;
    PDFs, images and JSON are shown by the browser's own viewers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if HEADER not in response and response.get("Content-Type", "").startswith("text/html"):
            response[HEADER] = header_value(settings.CONTENT_SECURITY_POLICY)
        return response

"""The audit chain's seals, published without log-in: anyone may keep a copy, so that a
later rewrite of the history cannot match what was published (docs/audit-chain.md)."""

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core import pages

from .models import ChainSeal


@require_GET
def seals_json(request):
    seals = ChainSeal.objects.order_by("seq").values_list("seq", "hash", "sealed_at")
    return JsonResponse(
        {
            "algorithm": "sha256-chain-v1",
            "seals": [
                {"seq": seq, "hash": hash_, "sealed_at": sealed_at.isoformat()}
                for seq, hash_, sealed_at in seals
            ],
        }
    )


@require_GET
def seal_list(request):
    return render(
        request,
        "audit/seal_list.html",
        {"page": pages.page(request, ChainSeal.objects.order_by("-seq"))},
    )

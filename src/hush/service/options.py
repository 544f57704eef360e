"""Checking the options of a request (form fields or query parameters); a bad one is a 422 naming it."""

from __future__ import annotations

import math
from dataclasses import dataclass

import hush
from hush.audio.checks import MAX_RATE, MIN_RATE
from hush.errors import HushError
from hush.methods import Enhancer
from hush.service.catalog import Catalog, MethodInfo
from hush.service.errors import ApiError

ENHANCE_OPTIONS = ("method", "atten_lim_db", "mix", "format", "sample_rate")
FORMATS = {"wav": "audio/wav", "flac": "audio/flac", "ogg": "audio/ogg"}
NO_LIMIT = ("", "none", "off", "inf")


@dataclass(frozen=True)
class EnhanceOptions:
    method: MethodInfo
    enhancer: Enhancer  # the method with the request's suppression control applied
    atten_lim_db: float | None
    mix: float
    format: str | None  # wav / flac / ogg; None: the input's container where it is one of them, else wav
    sample_rate: int | None  # None: the input's rate


def check_known(given: dict[str, str], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise ApiError(422, f"unknown option(s) {', '.join(map(repr, unknown))}; options: {', '.join(allowed)}")


def pick_method(name: str | None, catalog: Catalog) -> MethodInfo:
    """A served method by its exact name (the default when empty); nothing else is ever resolved."""
    name = (name or "").strip() or catalog.default
    info = catalog.get(name)
    if info is None:
        raise ApiError(422, f"method {name[:60]!r} is not served here; choose one of: {', '.join(catalog.specs)}")
    return info


def _number(name: str, text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise ApiError(422, f"{name} must be a number, got {text[:40]!r}") from None
    if math.isnan(v):
        raise ApiError(422, f"{name} must be a number, got {text[:40]!r}")
    return v


def controlled(info: MethodInfo, atten_lim_db: str | None, mix: str | None) -> tuple[Enhancer, float | None, float]:
    """The method with its suppression limit and mix (the method layer validates them: 422 when out of range)."""
    limit = None
    if atten_lim_db is not None and atten_lim_db.strip().lower() not in NO_LIMIT:
        limit = _number("atten_lim_db", atten_lim_db)
    wet = 1.0 if mix is None or not mix.strip() else _number("mix", mix)
    try:
        enh = hush.load_method(info.enhancer, atten_lim_db=limit, mix=wet)  # the same object when neither is set
    except HushError as e:
        raise ApiError(422, str(e)) from None
    return enh, limit, wet


def enhance_options(given: dict[str, str], catalog: Catalog) -> EnhanceOptions:
    check_known(given, ENHANCE_OPTIONS)
    info = pick_method(given.get("method"), catalog)
    enh, limit, wet = controlled(info, given.get("atten_lim_db"), given.get("mix"))
    fmt = (given.get("format") or "").strip().lower() or None
    if fmt is not None and fmt not in FORMATS:
        raise ApiError(422, f"format must be one of {', '.join(FORMATS)}, got {fmt[:20]!r}")
    rate = None
    if (text := (given.get("sample_rate") or "").strip()) != "":
        value = _number("sample_rate", text)
        if value != int(value) or not MIN_RATE <= value <= MAX_RATE:
            raise ApiError(422, f"sample_rate must be a whole number of Hz from {MIN_RATE} to {MAX_RATE}, got {text!r}")
        rate = int(value)
    return EnhanceOptions(info, enh, limit, wet, fmt, rate)

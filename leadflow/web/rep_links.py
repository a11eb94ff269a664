"""Signed, expiring accept / reject links from the rep's notification email."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()

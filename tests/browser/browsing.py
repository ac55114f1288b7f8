"""Helpers of the browser tests (they live in core.testing, shared with the plugins' suites)."""

from core.testing import AXE, audit, open_account_menu, sign_in, visit
from core.testing import LIVE_ADMIN_PASSWORD as ADMIN_PASSWORD

__all__ = ["ADMIN_PASSWORD", "AXE", "audit", "open_account_menu", "sign_in", "visit"]

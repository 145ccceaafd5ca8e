"""Fixtures of the loyalty package's tests.

Run from the build (ctest runs this suite as `python_pytest`), or by hand:

    PYTHONPATH=build/python /usr/bin/python3 -m pytest bindings/python/tests
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import loyalty

HERE = Path(__file__).resolve().parent
SOURCE_DIR = HERE.parents[2]  # the repository's root
RETAIL_RULES = SOURCE_DIR / "rules" / "retail.rules"
RETAIL_10K = SOURCE_DIR / "tests" / "data" / "retail_10k.jsonl"
SHOP_RULES = HERE / "data" / "shop.rules"

# retail-v1 over tests/data/retail_10k.jsonl (README, "Performance").
RETAIL_10K_CHECKSUM = {"events": 10000, "members": 1000, "points_total": 3756780,
                       "bronze": 450, "silver": 439, "gold": 111, "vip": 14}


def build_dir() -> Path:
    """The CMake build tree the tests run against: LOYALTY_BUILD_DIR (ctest sets it), else the
    tree the imported package was built into (build/python/loyalty/ is in build/)."""
    value = os.environ.get("LOYALTY_BUILD_DIR")
    build = Path(value) if value else Path(loyalty.__file__).resolve().parents[2]
    assert (build / "CMakeCache.txt").is_file(), (
        f"{build} is not a CMake build tree: run the tests against the build tree's package "
        "(PYTHONPATH=build/python), or set LOYALTY_BUILD_DIR")
    return build


def checksum(engine: loyalty.Engine, at: Any) -> dict[str, int]:
    """retail-v1's checksum line: stats at `at`, tiers and the vip tag counted."""
    stats = engine.stats(at)
    return {"events": stats["events"], "members": stats["members"],
            "points_total": stats["points_total"],
            **{tier: stats["tiers"].get(tier, 0) for tier in ("bronze", "silver", "gold")},
            "vip": stats["tags"].get("vip", 0)}


def enroll(member: str = "m1", time: str = "2026-01-01T09:00:00Z", event: str | None = None,
           **profile: Any) -> dict[str, Any]:
    return {"id": event or f"enroll-{member}", "type": "enroll", "member": member,
            "time": time, "profile": profile}


def purchase(event: str, member: str = "m1", time: str = "2026-01-02T10:00:00Z",
             amount: Any = "100.00", **extra: Any) -> dict[str, Any]:
    return {"id": event, "type": "purchase", "member": member, "time": time,
            "amount": amount, "items": [], **extra}


@pytest.fixture(scope="session")
def retail() -> loyalty.Program:
    return loyalty.compile_file(RETAIL_RULES)


@pytest.fixture(scope="session")
def shop_program() -> loyalty.Program:
    return loyalty.compile_file(SHOP_RULES)


@pytest.fixture
def shop(shop_program: loyalty.Program) -> loyalty.Engine:
    """An engine on a fresh memory store running tests/data/shop.rules."""
    return loyalty.Engine(shop_program)


@pytest.fixture
def member_m1(shop: loyalty.Engine) -> loyalty.Engine:
    """`shop` with m1 enrolled on 2026-01-01 (100 welcome points)."""
    shop.process(enroll("m1", email="a@b.cn"))
    return shop

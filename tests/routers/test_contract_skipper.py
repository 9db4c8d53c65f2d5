"""provider skipper passes flagger_py.testing.routers.RouterContract, loaded through its entry point."""

from __future__ import annotations

from flagger_py.plugins import registry
from flagger_py.testing.routers import RouterContract
from tests.routers.test_contract import INGRESS_REF, CopiesUserRoute


class TestSkipper(CopiesUserRoute, RouterContract):
    factory = registry("router").get("skipper")
    provider = "skipper"
    ref_field, ref, copy_name = "ingressRef", INGRESS_REF, "app-canary"

"""spec.service.unmanagedMetadata on the generated Services: live values kept, keys never claimed."""

from __future__ import annotations

from typing import Any

from flagger_py.desired import services
from flagger_py.desired.metadata import FLUX_OPT_OUT
from flagger_py.model.canary import CanarySpec, UnmanagedMetadata

FLUX_KEY = next(iter(FLUX_OPT_OUT))


def spec(**service: Any) -> CanarySpec:
    return CanarySpec.model_validate(
        {
            "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
            "service": {"port": 9898, **service},
            "analysis": {"interval": "1m", "threshold": 5, "iterations": 3},
        }
    )


def unmanaged(labels: tuple[str, ...] = (), annotations: tuple[str, ...] = ()) -> UnmanagedMetadata:
    return UnmanagedMetadata.model_validate({"labels": list(labels), "annotations": list(annotations)})


def live(labels: dict[str, str], annotations: dict[str, str]) -> dict[str, Any]:
    return {
        "metadata": {"name": "podinfo", "namespace": "test", "labels": labels, "annotations": annotations}
    }


def apex(**service: Any) -> dict[str, Any]:
    return services.services(spec(**service), "test", ("app", "podinfo"))["apex"]


def test_a_key_the_canary_sets_keeps_the_value_another_controller_gave_it() -> None:
    wanted = apex(apex={"labels": {"test": "expected", "mine": "m"}, "annotations": {"test": "expected"}})
    existing = live({"test": "theirs", "mine": "changed"}, {"test": "theirs"})
    out = services.keep_unmanaged(wanted, existing, unmanaged(labels=("test",), annotations=("test",)))
    assert out["metadata"]["labels"] == {"test": "theirs", "mine": "m", "app": "podinfo"}
    assert out["metadata"]["annotations"] == {"test": "theirs", **FLUX_OPT_OUT}
    assert wanted["metadata"]["labels"]["test"] == "expected"  # the input is not changed


def test_a_key_absent_from_the_service_is_set_as_the_canary_says() -> None:
    wanted = apex(apex={"annotations": {"test": "expected"}})
    out = services.keep_unmanaged(wanted, live({}, {}), unmanaged(annotations=("test",)))
    assert out == wanted
    assert services.keep_unmanaged(wanted, None, unmanaged(annotations=("test",))) == wanted


def test_a_key_the_canary_does_not_set_is_never_claimed_unless_flagger_py_owns_it() -> None:
    wanted = apex()
    existing = live({"team": "a"}, {"external-dns/hostname": "x.example"})
    listed = unmanaged(labels=("team",), annotations=("external-dns/hostname",))
    assert services.keep_unmanaged(wanted, existing, listed) == wanted
    assert services.unclaimed(wanted, existing, listed) == [
        ("labels", "team"),
        ("annotations", "external-dns/hostname"),
    ]
    out = services.keep_unmanaged(wanted, existing, listed, owned={("labels", "team")})
    assert out["metadata"]["labels"] == {"app": "podinfo", "team": "a"}
    assert out["metadata"]["annotations"] == FLUX_OPT_OUT


def test_unlisted_keys_and_the_flux_opt_out_are_the_canary_s() -> None:
    wanted = apex(apex={"labels": {"test": "expected"}})
    existing = live({"test": "theirs", "app": "podinfo"}, {FLUX_KEY: "enabled"})
    listed = unmanaged(labels=("other",), annotations=(FLUX_KEY,))
    assert services.keep_unmanaged(wanted, existing, listed) == wanted
    assert services.unclaimed(wanted, existing, listed) == []


def test_the_selector_label_is_kept_at_its_live_value_when_listed_as_flagger_does() -> None:
    wanted = apex()
    out = services.keep_unmanaged(wanted, live({"app": "theirs"}, {}), unmanaged(labels=("app",)))
    assert out["metadata"]["labels"] == {"app": "theirs"}


def test_without_unmanaged_metadata_nothing_changes() -> None:
    wanted = apex(apex={"labels": {"test": "expected"}})
    existing = live({"test": "theirs"}, {"x": "y"})
    assert services.keep_unmanaged(wanted, existing, None) == wanted
    assert services.unclaimed(wanted, existing, None) == []
    assert services.keep_unmanaged(wanted, existing, UnmanagedMetadata()) == wanted


def test_owned_keys_are_the_label_and_annotation_keys_of_the_manager_s_apply() -> None:
    service = {
        "metadata": {
            "managedFields": [
                {
                    "manager": "flagger-py",
                    "operation": "Apply",
                    "fieldsV1": {
                        "f:metadata": {
                            "f:labels": {"f:app": {}, "f:team": {}},
                            "f:annotations": {"f:a/b": {}},
                            "f:ownerReferences": {},
                        },
                        "f:spec": {"f:selector": {}},
                    },
                },
                {
                    "manager": "flagger-py",
                    "operation": "Update",
                    "fieldsV1": {"f:metadata": {"f:labels": {"f:patched": {}}}},
                },
                {
                    "manager": "kubectl",
                    "operation": "Apply",
                    "fieldsV1": {"f:metadata": {"f:labels": {"f:theirs": {}}}},
                },
            ]
        }
    }
    assert services.owned_keys(service, "flagger-py") == {
        ("labels", "app"),
        ("labels", "team"),
        ("annotations", "a/b"),
    }
    assert services.owned_keys({"metadata": {}}, "flagger-py") == set()

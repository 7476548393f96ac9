"""The OpenAPI schema: unique component names, every error status documented."""

from __future__ import annotations

import enum
import types
import typing
from collections import defaultdict
from typing import Any

import pytest
from pydantic import BaseModel

from fupin.api import api


def _components(annotation: Any, found: dict[str, set[type]], seen: set[Any]) -> None:
    """Every model and enum class reachable from a type: what pydantic turns into
    ``components/schemas`` entries, named by the class name."""
    if annotation in seen:
        return
    seen.add(annotation)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        found[annotation.__name__].add(annotation)
        return
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        found[annotation.__name__].add(annotation)
        for field in annotation.model_fields.values():
            _components(field.annotation, found, seen)
        return
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        for arg in typing.get_args(annotation):
            _components(arg, found, seen)


def _collected_schema_classes() -> dict[str, set[type]]:
    """The classes behind the schemas ninja collects for every operation of every router:
    parameter and body models and response models. The wrappers ninja generates around
    them (one per operation) do not become components, so only what they hold counts."""
    found: dict[str, set[type]] = defaultdict(set)
    seen: set[Any] = set()
    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                wrappers = list(operation.models) + [
                    m for m in operation.response_models.values() if isinstance(m, type)
                ]
                for wrapper in wrappers:
                    for field in wrapper.model_fields.values():
                        _components(field.annotation, found, seen)
    return found


def test_schema_names_are_unique() -> None:
    found = _collected_schema_classes()
    assert "HouseholdOut" in found  # the walk reaches the routers' schemas
    duplicates = {
        name: sorted(f"{c.__module__}.{c.__qualname__}" for c in classes)
        for name, classes in found.items()
        if len(classes) > 1
    }
    assert not duplicates, f"schema names defined more than once: {duplicates}"


def test_duplicate_names_are_detected() -> None:
    """The check itself: two classes of one name are found."""

    class Twin(BaseModel):
        a: int

    first = Twin

    class Twin(BaseModel):  # type: ignore[no-redef]
        b: str

    class Holder(BaseModel):
        one: first  # type: ignore[valid-type]
        two: list[Twin]

    found: dict[str, set[type]] = defaultdict(set)
    _components(Holder, found, set())
    assert len(found["Twin"]) == 2


@pytest.fixture
def openapi() -> dict[str, Any]:
    return api.get_openapi_schema()


def test_household_detail_is_described_as_a_household(openapi: dict[str, Any]) -> None:
    schemas = openapi["components"]["schemas"]
    ok = openapi["paths"]["/api/households/{household_id}"]["get"]["responses"][200]
    ref = ok["content"]["application/json"]["schema"]["$ref"]
    household = schemas[ref.rsplit("/", 1)[1]]
    member_ref = household["properties"]["members"]["items"]["$ref"]
    assert "id_number" in schemas[member_ref.rsplit("/", 1)[1]]["properties"]
    body = openapi["paths"]["/api/objections/{objection_id}/resolve"]["post"]["requestBody"]
    resolve = schemas[body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]]
    assert set(resolve["properties"]) == {"upheld", "finding"}

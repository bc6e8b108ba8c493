"""The catalogue of record types (文书/笔录), kept as data in ``catalogue.json``.

第八条 makes the written case file one of the two ways of recording; 第十三条 lists the records
each step needs. Every type names its source article, its fields (labels in Chinese, as on the
printed form), who signs it, whether it directly touches a party's rights and obligations
(第十三条(三): then the party signs, or the refusal is recorded), whether it is a decision
(第十三条(五)4: never served by fax or e-mail) and the 执法性质 part of its 文号
(卫生部令第87号 第四条).

The JSON is checked when it is loaded, so a broken catalogue stops the process at start-up
rather than at the first record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from lawtrail.errors import Invalid

CATALOGUE_PATH = Path(__file__).with_name("catalogue.json")

FIELD_TYPES = ("text", "textarea", "date", "datetime", "number", "choice", "list")
SIDES = ("party", "witness", "officer")
# Who may give an officer-side signature, checked against the signing login (see permissions).
WHO = ("anyone", "handler", "head", "legal_reviewer", "non_handler", "agency_member")


class CatalogueError(ValueError):
    """The catalogue data is inconsistent; raised while loading, never at request time."""


@dataclass(frozen=True)
class FieldSpec:
    """One field of a record type. A ``list`` field with ``items`` holds objects of those
    fields; without ``items`` it holds strings."""

    name: str
    label: str
    type: str
    required: bool
    choices: tuple[str, ...] = ()
    items: tuple[FieldSpec, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "required": self.required,
            "choices": list(self.choices),
        }
        if self.items:
            data["items"] = [item.as_dict() for item in self.items]
        return data


@dataclass(frozen=True)
class SignerRole:
    """Who signs: the party side (当事人或者有关人员), a witness, or an officer side."""

    code: str
    label: str
    side: str
    who: str

    @property
    def is_party_side(self) -> bool:
        return self.side == "party"

    @property
    def is_officer_side(self) -> bool:
        return self.side == "officer"


@dataclass(frozen=True)
class RecordType:
    code: str
    name: str
    article: str
    fields: tuple[FieldSpec, ...]
    signers: tuple[str, ...]
    touches_party_rights: bool
    number_nature: str | None
    is_decision: bool
    served: bool = False
    nature_by_matter_kind: tuple[tuple[str, str], ...] = ()
    nature_field: str = ""
    nature_by_field_value: tuple[tuple[str, str], ...] = ()
    also_recorded_by: tuple[str, ...] = ()

    def field(self, name: str) -> FieldSpec | None:
        for spec in self.fields:
            if spec.name == name:
                return spec
        return None

    def nature_for(self, matter_kind: str, fields: dict[str, Any]) -> str | None:
        """The 执法性质 of this document's 文号, or None for an unnumbered type."""
        if self.number_nature is None:
            return None
        if self.nature_field:
            by_value = dict(self.nature_by_field_value)
            value = fields.get(self.nature_field)
            if isinstance(value, str) and value in by_value:
                return by_value[value]
        return dict(self.nature_by_matter_kind).get(matter_kind, self.number_nature)

    def party_signers(self) -> tuple[str, ...]:
        """第十三条(三): the roles on the party side that sign, or whose refusal is recorded."""
        return tuple(role for role in self.signers if signer_role(role).is_party_side)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "article": self.article,
            "touches_party_rights": self.touches_party_rights,
            "is_decision": self.is_decision,
            "served": self.served,
            "number_nature": self.number_nature,
            "signers": [
                {"role": r.code, "label": r.label, "side": r.side}
                for r in (signer_role(code) for code in self.signers)
            ],
            "fields": [spec.as_dict() for spec in self.fields],
        }


@dataclass(frozen=True)
class Catalogue:
    version: int
    types: dict[str, RecordType]
    roles: dict[str, SignerRole]


def _field(data: dict[str, Any], where: str, *, nested: bool = False) -> FieldSpec:
    try:
        name, label, kind = str(data["name"]), str(data["label"]), str(data["type"])
    except KeyError as error:
        raise CatalogueError(f"{where}: missing {error}") from None
    if kind not in FIELD_TYPES:
        raise CatalogueError(f"{where}.{name}: unknown field type {kind!r}")
    choices = tuple(str(c) for c in data.get("choices", ()))
    if (kind == "choice") != bool(choices):
        raise CatalogueError(f"{where}.{name}: choices belong to choice fields, and only there")
    items_data = data.get("items", ())
    if items_data and (kind != "list" or nested):
        raise CatalogueError(f"{where}.{name}: items belong to top-level list fields")
    items = tuple(_field(item, f"{where}.{name}", nested=True) for item in items_data)
    if nested and kind == "list":
        raise CatalogueError(f"{where}.{name}: lists do not nest")
    return FieldSpec(name, label, kind, bool(data.get("required", False)), choices, items)


def _type(data: dict[str, Any], roles: dict[str, SignerRole]) -> RecordType:
    code = str(data["code"])
    fields = tuple(_field(f, code) for f in data["fields"])
    names = [f.name for f in fields]
    if len(set(names)) != len(names):
        raise CatalogueError(f"{code}: duplicate field names")
    signers = tuple(str(s) for s in data["signers"])
    for role in (*signers, *data.get("also_recorded_by", ())):
        if role not in roles:
            raise CatalogueError(f"{code}: unknown signer role {role!r}")
    if data["touches_party_rights"] and not any(roles[s].is_party_side for s in signers):
        raise CatalogueError(f"{code}: touches a party's rights but no party-side signer")
    numbering = data.get("numbering")
    nature_field, by_value = "", ()
    if numbering and "by_field" in numbering:
        nature_field = str(numbering["by_field"]["field"])
        by_value = tuple(sorted(numbering["by_field"]["values"].items()))
        if nature_field not in names:
            raise CatalogueError(f"{code}: numbering by unknown field {nature_field!r}")
    return RecordType(
        code=code,
        name=str(data["name"]),
        article=str(data["article"]),
        fields=fields,
        signers=signers,
        touches_party_rights=bool(data["touches_party_rights"]),
        number_nature=str(numbering["nature"]) if numbering else None,
        is_decision=bool(data["is_decision"]),
        served=bool(data.get("served", False)),
        nature_by_matter_kind=tuple(sorted((numbering or {}).get("by_matter_kind", {}).items())),
        nature_field=nature_field,
        nature_by_field_value=by_value,
        also_recorded_by=tuple(data.get("also_recorded_by", ())),
    )


def parse(data: dict[str, Any]) -> Catalogue:
    """Build and check a catalogue from its JSON form."""
    roles: dict[str, SignerRole] = {}
    for code, role in data["signer_roles"].items():
        if role["side"] not in SIDES or role["who"] not in WHO:
            raise CatalogueError(f"signer role {code}: unknown side or who")
        if role["side"] != "officer" and role["who"] != "anyone":
            raise CatalogueError(f"signer role {code}: only officer-side roles name who signs")
        roles[code] = SignerRole(code, str(role["label"]), str(role["side"]), str(role["who"]))
    types: dict[str, RecordType] = {}
    for item in data["types"]:
        record_type = _type(item, roles)
        if record_type.code in types:
            raise CatalogueError(f"duplicate record type {record_type.code}")
        types[record_type.code] = record_type
    return Catalogue(version=int(data["version"]), types=types, roles=roles)


@cache
def catalogue() -> Catalogue:
    return parse(json.loads(CATALOGUE_PATH.read_text(encoding="utf-8")))


def all_types() -> tuple[RecordType, ...]:
    return tuple(catalogue().types.values())


def get_type(code: str) -> RecordType:
    """The record type with this code; ``Invalid`` (naming ``record_type``) when unknown."""
    try:
        return catalogue().types[code]
    except (KeyError, TypeError):
        raise Invalid(
            _("Unknown record type %(code)s.") % {"code": code},
            {"record_type": [_("Unknown record type.")]},
        ) from None


def signer_role(code: str) -> SignerRole:
    try:
        return catalogue().roles[code]
    except KeyError:
        raise Invalid(
            _("Unknown signer role %(role)s.") % {"role": code},
            {"signer_role": [_("Unknown signer role.")]},
        ) from None


def decision_codes() -> tuple[str, ...]:
    return tuple(t.code for t in all_types() if t.is_decision)

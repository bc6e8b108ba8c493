"""The demo province's agencies and people, created through the people actions.

``user=None`` is the operator at the command line (the actions log them as ``system``).
Passwords are random and returned to the caller, which prints them once; they are written
nowhere else (the ledger says that a password was set, never which).
"""

from __future__ import annotations

import datetime
import secrets
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field

from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from lawtrail.agencies.models import Agency, Certificate, Officer, Role
from lawtrail.agencies.people import (
    AgencyInput,
    PersonInput,
    add_certificate,
    create_agency,
    create_person,
    set_responsible,
)
from lawtrail.ledger import events

PROVINCE, CITY, COUNTY_A, COUNTY_B = "610000", "610100", "610102", "610103"

AGENCIES = [
    AgencyInput(
        "陕西省卫生健康委员会",
        "province",
        PROVINCE,
        "陕",
        responsible_unit="陕西省卫生健康委员会综合监督处",
    ),
    AgencyInput(
        "西安市卫生健康委员会",
        "city",
        CITY,
        "西",
        parent_code=PROVINCE,
        responsible_unit="西安市卫生健康综合监督执法支队",
    ),
    AgencyInput(
        "新城区卫生健康局",
        "county",
        COUNTY_A,
        "新城",
        parent_code=CITY,
        responsible_unit="新城区卫生健康综合监督执法大队",
    ),
    AgencyInput(
        "碑林区卫生健康局",
        "county",
        COUNTY_B,
        "碑林",
        parent_code=CITY,
        responsible_unit="碑林区卫生健康综合监督执法大队",
    ),
]

LEGAL_OFFICE = Certificate.Issuer.PROVINCE_LEGAL_OFFICE
HEALTH_COMMISSION = Certificate.Issuer.PROVINCE_HEALTH_COMMISSION
ASSISTANT = Officer.Employment.ASSISTANT
ESTABLISHED = Officer.Employment.ESTABLISHED


@dataclass(frozen=True)
class Person:
    username: str
    name: str
    agency: str
    roles: tuple[str, ...]
    employment: str = ESTABLISHED
    # 第十条: certificates come from 陕西省政府法制办 or 省卫生计生委.
    issuer: str = ""


PEOPLE = [
    Person("admin", "郑伟", PROVINCE, (Role.ADMIN,)),
    Person("supervisor", "吴刚", PROVINCE, (Role.SUPERVISOR, Role.OFFICER), issuer=LEGAL_OFFICE),
    Person("head_city", "孙立", CITY, (Role.HEAD, Role.OFFICER), issuer=LEGAL_OFFICE),
    Person("head_a", "王强", COUNTY_A, (Role.HEAD, Role.OFFICER), issuer=LEGAL_OFFICE),
    Person("officer_a", "张明", COUNTY_A, (Role.OFFICER,), issuer=HEALTH_COMMISSION),
    Person("officer_a2", "李华", COUNTY_A, (Role.OFFICER,), issuer=HEALTH_COMMISSION),
    Person("reviewer_a", "赵敏", COUNTY_A, (Role.LEGAL_REVIEWER,), issuer=LEGAL_OFFICE),
    Person("custodian_a", "杨丽", COUNTY_A, (Role.CUSTODIAN,)),
    Person("equipment_a", "黄涛", COUNTY_A, (Role.EQUIPMENT_MANAGER,)),
    Person("assistant_a", "陈晨", COUNTY_A, (Role.OFFICER,), employment=ASSISTANT),
    Person("head_b", "何建国", COUNTY_B, (Role.HEAD, Role.OFFICER), issuer=LEGAL_OFFICE),
    Person("officer_b", "刘洋", COUNTY_B, (Role.OFFICER,), issuer=HEALTH_COMMISSION),
    Person("officer_b2", "周杰", COUNTY_B, (Role.OFFICER,), issuer=HEALTH_COMMISSION),
    # 审计员: reads the whole ledger and nothing else (decision 0019).
    Person("auditor", "钱芳", PROVINCE, (Role.AUDITOR,)),
]

# 第十一条: who answers for the recording work of each agency.
RESPONSIBLE = {PROVINCE: "supervisor", CITY: "head_city", COUNTY_A: "head_a", COUNTY_B: "head_b"}

# Demo logins are hashed with fewer PBKDF2 rounds than Django's default (1,000,000 take over a
# second each here, and a demo has a dozen people). Django re-hashes a password with its full
# rounds at the first successful login, because the hasher reports the stored hash outdated.
DEMO_PBKDF2_ITERATIONS = 100_000
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_password() -> str:
    """Twelve random characters in three groups, without look-alikes (l/1, O/0)."""
    groups = ["".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(3)]
    return "-".join(groups)


def hash_password(password: str) -> str:
    hasher = PBKDF2PasswordHasher()
    return hasher.encode(password, hasher.salt(), iterations=DEMO_PBKDF2_ITERATIONS)


@dataclass
class Staff:
    """The demo's agencies and people, by region code and username."""

    agencies: dict[str, Agency] = field(default_factory=dict)
    people: dict[str, Officer] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)
    hashes: dict[str, Future[str]] = field(default_factory=dict)

    def __getitem__(self, username: str) -> Officer:
        return self.people[username]


def certificate_number(agency_code: str, index: int) -> str:
    return f"陕卫执{agency_code}{index:04d}"


@transaction.atomic
def set_passwords(staff: Staff) -> None:
    """Give every demo login its password (hashed meanwhile in ``pool`` threads)."""
    for username, officer in staff.people.items():
        password = staff.passwords[username]
        validate_password(password, officer.user)
        account = officer.user
        account.password = staff.hashes[username].result()
        account.save(update_fields=["password"])
        events.append(
            events.SYSTEM,
            "person.password_set",
            account,
            {"username": username, "by": "lawtrail demo"},
        )


@transaction.atomic
def create_staff(pool: Executor) -> Staff:
    """Agencies, people, certificates and responsible persons of the demo province.

    The passwords are hashed in ``pool`` while the rest of the demo is built (hashlib releases
    the GIL, so the hashing takes the other core); ``set_passwords`` stores them at the end.
    """
    staff = Staff(passwords={p.username: new_password() for p in PEOPLE})
    staff.hashes = {u: pool.submit(hash_password, p) for u, p in staff.passwords.items()}
    for data in AGENCIES:
        staff.agencies[data.region_code] = create_agency(None, data)
    today = timezone.localdate()
    valid_from = today.replace(month=3, day=1) - datetime.timedelta(days=365 * 2)
    valid_to = valid_from.replace(year=valid_from.year + 5) - datetime.timedelta(days=1)
    for index, person in enumerate(PEOPLE, start=1):
        officer = create_person(
            None,
            PersonInput(
                username=person.username,
                name=person.name,
                agency_code=person.agency,
                roles=list(person.roles),
                employment=person.employment,
            ),
        )
        if person.issuer:
            add_certificate(
                None,
                officer,
                number=certificate_number(person.agency, index),
                issuer=person.issuer,
                valid_from=valid_from,
                valid_to=valid_to,
            )
        staff.people[person.username] = officer
    for data in AGENCIES:
        agency = staff.agencies[data.region_code]
        set_responsible(None, agency, data.responsible_unit, staff[RESPONSIBLE[data.region_code]])
    return staff

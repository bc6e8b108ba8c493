"""Personas for tests (healthchecks style): who they are decides what they may see and do.

- officer_a, officer_a2: certified officers of county A (新城区); head_a is its head.
- reviewer_a: county A's legal reviewer; assistant_a: an assistant (协助人员) of county A.
- officer_b: a certified officer of county B (碑林区), who must see nothing of county A.
- head_city: head of the city (西安市) above both counties.
- supervisor: the provincial supervisor; admin: the system administrator.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from lawtrail.agencies.models import Agency, Certificate, Officer, Role

PASSWORD = "correct horse battery staple"


@dataclass
class Province:
    province: Agency
    city: Agency
    county_a: Agency
    county_b: Agency
    officer_a: Officer
    officer_a2: Officer
    head_a: Officer
    reviewer_a: Officer
    assistant_a: Officer
    officer_b: Officer
    officer_b2: Officer
    head_city: Officer
    supervisor: Officer
    admin: Officer


def make_person(
    username: str,
    name: str,
    agency: Agency,
    roles: list[str],
    *,
    employment: str = Officer.Employment.ESTABLISHED,
    certificate: str | None = None,
) -> Officer:
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    officer = Officer.objects.create(
        user=user, agency=agency, name=name, roles=roles, employment=employment
    )
    if certificate:
        Certificate.objects.create(
            officer=officer,
            number=certificate,
            issuer=Certificate.Issuer.PROVINCE_HEALTH_COMMISSION,
            valid_from=datetime.date(2024, 1, 1),
            valid_to=datetime.date(2099, 12, 31),
            status=Certificate.Status.VALID,
        )
    return officer


def make_province() -> Province:
    province = Agency.objects.create(
        name="陕西省卫生健康委员会", level="province", region_code="610000", short_name="陕"
    )
    city = Agency.objects.create(
        name="西安市卫生健康委员会",
        level="city",
        region_code="610100",
        short_name="西",
        parent=province,
    )
    county_a = Agency.objects.create(
        name="新城区卫生健康局", level="county", region_code="610102", short_name="新", parent=city
    )
    county_b = Agency.objects.create(
        name="碑林区卫生健康局", level="county", region_code="610103", short_name="碑", parent=city
    )
    o = Role.OFFICER
    return Province(
        province=province,
        city=city,
        county_a=county_a,
        county_b=county_b,
        officer_a=make_person("officer_a", "张明", county_a, [o], certificate="61010200001"),
        officer_a2=make_person("officer_a2", "李华", county_a, [o], certificate="61010200002"),
        head_a=make_person("head_a", "王强", county_a, [Role.HEAD, o], certificate="61010200003"),
        reviewer_a=make_person("reviewer_a", "赵敏", county_a, [Role.LEGAL_REVIEWER]),
        assistant_a=make_person(
            "assistant_a", "陈晨", county_a, [o], employment=Officer.Employment.ASSISTANT
        ),
        officer_b=make_person("officer_b", "刘洋", county_b, [o], certificate="61010300001"),
        officer_b2=make_person("officer_b2", "周杰", county_b, [o], certificate="61010300002"),
        head_city=make_person("head_city", "孙立", city, [Role.HEAD]),
        supervisor=make_person("supervisor", "吴刚", province, [Role.SUPERVISOR]),
        admin=make_person("admin", "系统管理员", province, [Role.ADMIN]),
    )

"""The demo's enforcement matters as data: who, what, where, and how far each has come.

Parties are fictional; their credit codes and ID numbers are generated with valid check
characters (``identifiers.py``). Places are real streets of 西安市新城区 and 碑林区, and GIS points
lie on them; some are given in GCJ-02, as a phone map app reports them (stored as WGS-84).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from lawtrail.demo.identifiers import ENTERPRISE, PRIVATE_NON_PROFIT, SOLE_TRADER
from lawtrail.demo.people import COUNTY_A, COUNTY_B
from lawtrail.matters.models import Kind, Stage


@dataclass(frozen=True)
class Org:
    name: str
    representative: str
    address: str
    phone: str
    kind: str = ENTERPRISE


@dataclass(frozen=True)
class Person:
    name: str
    born: datetime.date
    female: bool
    region: str
    address: str
    phone: str


@dataclass(frozen=True)
class Point:
    latitude: str
    longitude: str
    label: str
    datum: str = "WGS-84"


@dataclass(frozen=True)
class Scenario:
    """One matter and the stage it has reached; ``key`` names it for the record steps."""

    key: str
    agency: str
    kind: str
    title: str
    place: str
    summary: str
    party: Org | Person
    target: str
    points: tuple[Point, ...]
    flags: tuple[str, ...] = ()
    # Usernames; the first leads. Assistants (协助人员) may help but never lead (第十条).
    handlers: tuple[str, ...] = ()
    # Extra turns of the story: "filing_rejected_first", "returned_once", "decision_pending",
    # "point_added_on_site", "needs_legal_review", "needs_collective_discussion".
    twists: frozenset[str] = field(default_factory=frozenset)


A_TEAM = ("officer_a", "officer_a2")
B_TEAM = ("officer_b", "officer_b2")
GCJ = "GCJ-02"

SCENARIOS = [
    Scenario(
        key="salon_license",
        agency=COUNTY_A,
        kind=Kind.LICENSE,
        title="西安市新城区丽人坊美容美发店公共场所卫生许可（新办）",
        place="西安市新城区长乐中路112号",
        summary="申请人提交公共场所卫生许可申请，经营项目为美容、美发，营业面积约120平方米。"
        "现场审查卫生设施、消毒间设置及从业人员健康合格证明。",
        party=Org(
            "西安市新城区丽人坊美容美发店",
            "刘芳",
            "西安市新城区长乐中路112号",
            "029-82345617",
            SOLE_TRADER,
        ),
        target=Stage.REVIEW,
        points=(Point("34.270125", "108.991347", "经营场所入口", GCJ),),
        handlers=A_TEAM,
        twists=frozenset({"decision_pending"}),
    ),
    Scenario(
        key="water_license",
        agency=COUNTY_A,
        kind=Kind.LICENSE,
        title="西安新城清泉二次供水服务有限公司生活饮用水供水单位卫生许可（延续）",
        place="西安市新城区东五路48号",
        summary="申请延续生活饮用水供水单位卫生许可。供水方式为二次供水，服务住宅小区3个，"
        "现场审查水箱清洗消毒记录、水质检测报告及供管水人员健康证明。",
        party=Org(
            "西安新城清泉二次供水服务有限公司", "王建军", "西安市新城区东五路48号", "029-87431260"
        ),
        target=Stage.EXECUTION,
        points=(Point("34.268912", "108.961205", "二次供水泵房"),),
        handlers=A_TEAM,
    ),
    Scenario(
        key="restaurant_inspection",
        agency=COUNTY_A,
        kind=Kind.INSPECTION,
        title="西安新城长乐坊餐饮管理有限公司餐饮具消毒情况监督检查",
        place="西安市新城区韩森路36号",
        summary="接群众举报该店使用未经消毒的餐饮具。检查集中消毒餐饮具的索证情况、"
        "消毒设施运行记录及从业人员健康证明。",
        party=Org(
            "西安新城长乐坊餐饮管理有限公司", "赵志刚", "西安市新城区韩森路36号", "029-83216645"
        ),
        target=Stage.ARCHIVING,
        points=(Point("34.263610", "109.004518", "餐厅后厨洗消间"),),
        flags=("av_contentious", "av_complaint"),
        handlers=A_TEAM,
    ),
    Scenario(
        key="clinic_inspection",
        agency=COUNTY_A,
        kind=Kind.INSPECTION,
        title="西安新城康宁诊所医疗机构执业情况监督检查",
        place="西安市新城区太华南路189号",
        summary="年度医疗机构监督检查：执业许可证校验、医务人员资质、医疗废物处置及消毒隔离。",
        party=Org(
            "西安新城康宁诊所",
            "孟庆华",
            "西安市新城区太华南路189号",
            "029-86271193",
            PRIVATE_NON_PROFIT,
        ),
        target=Stage.INVESTIGATION,
        points=(Point("34.282416", "108.983770", "诊所门诊部", GCJ),),
        flags=("av_contentious",),
        handlers=("officer_a2", "officer_a", "assistant_a"),
    ),
    Scenario(
        key="estate_water_sampling",
        agency=COUNTY_A,
        kind=Kind.SAMPLING,
        title="新城区幸福里小区二次供水水质抽检",
        place="西安市新城区幸福中路77号幸福里小区",
        summary="年度生活饮用水卫生监督抽检：二次供水水箱出水及末梢水各采样1份，"
        "检测浑浊度、余氯、菌落总数、总大肠菌群。",
        party=Org(
            "西安新城安居物业管理有限公司", "田建设", "西安市新城区幸福中路77号", "029-82519078"
        ),
        target=Stage.INVESTIGATION,
        points=(
            Point("34.269004", "109.001137", "水箱出水口取样点"),
            Point("34.269522", "109.002361", "3号楼末梢水取样点"),
        ),
        flags=("av_contentious",),
        handlers=A_TEAM,
        twists=frozenset({"point_added_on_site"}),
    ),
    Scenario(
        key="pool_sampling",
        agency=COUNTY_A,
        kind=Kind.SAMPLING,
        title="西安新城碧波游泳健身有限公司游泳池水质抽检",
        place="西安市新城区金花北路16号",
        summary="夏季游泳场所专项抽检：池水采样2份，检测游离性余氯、pH值、浑浊度、尿素、菌落总数。",
        party=Org(
            "西安新城碧波游泳健身有限公司", "石磊", "西安市新城区金花北路16号", "029-83350211"
        ),
        target=Stage.REVIEW,
        points=(Point("34.271833", "108.995021", "成人池深水区取样点"),),
        handlers=A_TEAM,
    ),
    Scenario(
        key="dental_penalty",
        agency=COUNTY_A,
        kind=Kind.PENALTY,
        title="西安新城仁和口腔诊所使用非卫生技术人员从事医疗卫生技术工作案",
        place="西安市新城区解放路215号",
        summary="监督检查发现该诊所安排未取得执业助理医师以上资格的人员从事口腔诊疗活动，"
        "涉嫌违反《医疗机构管理条例》第二十七条。",
        party=Org(
            "西安新城仁和口腔诊所",
            "高仁和",
            "西安市新城区解放路215号",
            "029-87452230",
            PRIVATE_NON_PROFIT,
        ),
        target=Stage.EXECUTION,
        points=(Point("34.265517", "108.960148", "诊疗室"),),
        flags=("av_contentious",),
        handlers=("officer_a", "officer_a2", "assistant_a"),
        twists=frozenset({"needs_legal_review"}),
    ),
    Scenario(
        key="salon_penalty",
        agency=COUNTY_A,
        kind=Kind.PENALTY,
        title="周丽娟未取得公共场所卫生许可证擅自营业案",
        place="西安市新城区西一路58号（雅韵美容工作室）",
        summary="当事人未取得公共场所卫生许可证，自今年3月起经营美容服务，"
        "涉嫌违反《公共场所卫生管理条例实施细则》第二十二条。",
        party=Person(
            "周丽娟",
            datetime.date(1988, 6, 14),
            True,
            COUNTY_A,
            "西安市新城区西一路58号",
            "13991234876",
        ),
        target=Stage.ARCHIVING,
        points=(Point("34.266402", "108.952177", "美容工作室", GCJ),),
        flags=("av_contentious",),
        handlers=A_TEAM,
    ),
    Scenario(
        key="water_penalty",
        agency=COUNTY_A,
        kind=Kind.PENALTY,
        title="西安新城润泽供水有限公司安排未取得健康证明的人员从事供、管水工作案",
        place="西安市新城区公园北路9号",
        summary="检查发现该单位2名直接从事供、管水的人员未取得健康证明，"
        "涉嫌违反《生活饮用水卫生监督管理办法》第十一条。",
        party=Org("西安新城润泽供水有限公司", "冯海涛", "西安市新城区公园北路9号", "029-86693318"),
        target=Stage.INVESTIGATION,
        points=(Point("34.279044", "108.998512", "水厂清水池"),),
        flags=("av_contentious",),
        handlers=A_TEAM,
        twists=frozenset({"filing_rejected_first"}),
    ),
    Scenario(
        key="unlicensed_practice",
        agency=COUNTY_A,
        kind=Kind.PENALTY,
        title="马德胜未取得《医疗机构执业许可证》擅自执业案",
        place="西安市新城区韩森寨街道东方社区12号楼底商",
        summary="接群众举报，有人在居民楼底商开展输液、针灸等诊疗活动，未见任何执业许可，"
        "涉嫌非法行医，危及患者生命健康。",
        party=Person(
            "马德胜",
            datetime.date(1967, 11, 2),
            False,
            "610124",
            "西安市周至县二曲街道北街村",
            "13572045518",
        ),
        target=Stage.INITIATION,
        points=(Point("34.258133", "109.010466", "底商门面", GCJ),),
        flags=("av_contentious", "av_personal_rights", "av_complaint"),
        handlers=A_TEAM,
    ),
    Scenario(
        key="hotel_inspection",
        agency=COUNTY_B,
        kind=Kind.INSPECTION,
        title="西安碑林钟楼商务酒店有限公司公共场所卫生监督检查（西安马拉松赛事保障）",
        place="西安市碑林区东大街318号",
        summary="西安马拉松赛事住宿接待保障：检查客房用品清洗消毒、集中空调通风系统、"
        "从业人员健康证明及卫生许可证公示情况。",
        party=Org(
            "西安碑林钟楼商务酒店有限公司", "韩雪", "西安市碑林区东大街318号", "029-87216600"
        ),
        target=Stage.INITIATION,
        points=(Point("34.260581", "108.954033", "酒店大堂"),),
        flags=("av_major_event",),
        handlers=B_TEAM,
    ),
    Scenario(
        key="tcm_penalty",
        agency=COUNTY_B,
        kind=Kind.PENALTY,
        title="西安碑林博仁中医诊所超出登记的诊疗科目范围开展诊疗活动案",
        place="西安市碑林区柏树林街62号",
        summary="该诊所登记诊疗科目为中医科，检查发现其开展医疗美容注射项目，"
        "涉嫌违反《医疗机构管理条例》第二十六条。",
        party=Org(
            "西安碑林博仁中医诊所",
            "杜博仁",
            "西安市碑林区柏树林街62号",
            "029-87265510",
            PRIVATE_NON_PROFIT,
        ),
        target=Stage.REVIEW,
        points=(Point("34.256093", "108.953311", "治疗室", GCJ),),
        flags=("av_contentious",),
        handlers=B_TEAM,
        twists=frozenset({"returned_once", "needs_legal_review", "needs_collective_discussion"}),
    ),
    Scenario(
        key="nail_license",
        agency=COUNTY_B,
        kind=Kind.LICENSE,
        title="西安市碑林区花漾美甲美睫店公共场所卫生许可（新办）",
        place="西安市碑林区文艺北路27号",
        summary="申请人提交公共场所卫生许可申请，经营项目为美甲、美睫，营业面积约45平方米。",
        party=Org(
            "西安市碑林区花漾美甲美睫店",
            "罗佳怡",
            "西安市碑林区文艺北路27号",
            "18092637715",
            SOLE_TRADER,
        ),
        target=Stage.INITIATION,
        points=(Point("34.248210", "108.953087", "店铺门口"),),
        handlers=B_TEAM,
    ),
    Scenario(
        key="peace_water_sampling",
        agency=COUNTY_B,
        kind=Kind.SAMPLING,
        title="碑林区和平里小区二次供水水质抽检",
        place="西安市碑林区和平路99号和平里小区",
        summary="年度生活饮用水卫生监督抽检：二次供水水箱出水采样1份。检测结果合格，"
        "已书面告知被抽检单位。",
        party=Org(
            "西安碑林和平物业服务有限公司", "邓立新", "西安市碑林区和平路99号", "029-87421987"
        ),
        target=Stage.EXECUTION,
        points=(Point("34.256412", "108.957530", "水箱间取样点"),),
        handlers=B_TEAM,
    ),
]

HEADS = {COUNTY_A: "head_a", COUNTY_B: "head_b"}

"""What the demo's records say: findings, questions and answers, notices and decisions.

Keyed by scenario (``scenarios.py``). The legal bases cited are the national rules a county
health bureau in Shaanxi applies to these cases.
"""

from __future__ import annotations

from dataclasses import dataclass

REMEDIES = {
    "610102": "如不服本决定，可在收到本决定书之日起六十日内向西安市新城区人民政府申请行政复议，"
    "或者在六个月内向西安铁路运输法院提起行政诉讼。",
    "610103": "如不服本决定，可在收到本决定书之日起六十日内向西安市碑林区人民政府申请行政复议，"
    "或者在六个月内向西安铁路运输法院提起行政诉讼。",
}
STATEMENT_RIGHTS = (
    "你（单位）可在收到本告知书之日起五个工作日内向本机关提出陈述、申辩；"
    "逾期未提出的，视为放弃此权利。"
)
PAYMENT = (
    "自收到本决定书之日起十五日内，持本决定书到指定银行缴纳罚款。"
    "逾期不缴纳的，每日按罚款数额的百分之三加处罚款。"
)


@dataclass(frozen=True)
class Inquiry:
    interviewee: str
    relation: str
    content: str


@dataclass(frozen=True)
class Penalty:
    facts: str
    evidence: str
    basis: str
    content: str
    amount: str


# 现场检查（勘验）情况, by scenario.
FINDINGS = {
    "salon_license": "经营场所面积约120平方米，设独立消毒间1间，配备紫外线消毒柜2台、"
    "毛巾柜及公共用品用具分类存放设施；从业人员5名，均持有效健康合格证明。",
    "water_license": "二次供水泵房清洁，水箱加盖加锁，设有防护栏；查见近半年水箱清洗消毒记录"
    "及第三方水质检测报告；供、管水人员4名，均持有效健康证明。",
    "restaurant_inspection": "后厨洗消间设三格水池及餐具保洁柜1台，保洁柜未通电；"
    "查见集中消毒餐饮具一批，未能提供消毒服务单位的检验合格证明；从业人员8名，2名健康证明过期。",
    "clinic_inspection": "诊所持《医疗机构执业许可证》，在校验期内；在岗医师2名、护士1名，"
    "均查见执业证书；医疗废物暂存点设于后院，未见交接登记本。",
    "dental_penalty": "诊所持有效《医疗机构执业许可证》，诊疗科目为口腔科。检查时2号诊室内"
    "一名女性人员正在为患者洁牙，现场未能提供其医师或护士执业证书。诊所负责人高仁和在场。",
    "salon_penalty": "该工作室设美容床2张，检查时有2名顾客正在接受面部护理；"
    "经营场所未悬挂公共场所卫生许可证，当事人未能出示卫生许可证。",
    "water_penalty": "该单位清水池及加压泵房运行正常；现场查阅从业人员名册，"
    "直接从事供、管水的6名人员中，2名未能提供健康证明。",
    "tcm_penalty": "诊所登记诊疗科目为中医科。治疗室内查见玻尿酸注射液5支、"
    "一次性注射器一批及医疗美容项目价目表，价目表列有“水光注射”等项目。",
}

INQUIRIES = {
    "dental_penalty": Inquiry(
        "高仁和",
        "当事人",
        "问：我们是新城区卫生健康局的执法人员（出示执法证件），现依法向你了解情况。"
        "你有权申请回避，应当如实回答问题，听清楚了吗？\n答：听清楚了，不申请回避。\n"
        "问：2号诊室为患者洁牙的人员是谁？\n答：是诊所助理陈小燕，她还没有取得执业证书。\n"
        "问：她在诊所从事洁牙工作多长时间？\n答：大约两个月，每天接诊三到五人。",
    ),
    "salon_penalty": Inquiry(
        "周丽娟",
        "当事人",
        "问：我们是新城区卫生健康局的执法人员（出示执法证件），现依法向你了解情况。"
        "你有权申请回避，应当如实回答问题，听清楚了吗？\n答：听清楚了。\n"
        "问：你的美容工作室何时开始营业？是否取得公共场所卫生许可证？\n"
        "答：今年三月份开始营业，还没有办理卫生许可证。",
    ),
    "water_penalty": Inquiry(
        "冯海涛",
        "当事人",
        "问：你单位直接从事供、管水人员共有几名？是否都取得健康证明？\n"
        "答：一共6名，其中2名是新招的，还没来得及体检。",
    ),
    "tcm_penalty": Inquiry(
        "杜博仁",
        "当事人",
        "问：你诊所登记的诊疗科目有哪些？是否开展医疗美容注射项目？\n"
        "答：登记的是中医科。注射项目是最近才开始做的，做了不到十例。",
    ),
}

# Asked after the head returned the matter for more evidence (第三条 审查决定 → 调查取证).
RETURN_INQUIRIES = {
    "tcm_penalty": Inquiry(
        "王晓雯",
        "证人",
        "问：你在该诊所接受过什么项目？费用多少？\n"
        "答：上个月做过一次水光注射，收费1800元，有收据。",
    ),
}

PENALTIES = {
    "dental_penalty": Penalty(
        facts="当事人安排未取得医师或者护士执业资格的人员陈小燕从事口腔洁治等医疗卫生技术工作，"
        "时间约两个月。",
        evidence="现场检查笔录、询问笔录、执法记录仪视频、陈小燕身份信息及排班表。",
        basis="《医疗机构管理条例》第二十七条、第四十七条。",
        content="依据《医疗机构管理条例》第四十七条，决定给予警告，并处罚款人民币伍仟元整。",
        amount="5000",
    ),
    "salon_penalty": Penalty(
        facts="当事人未依法取得公共场所卫生许可证，自今年三月起擅自从事美容服务经营活动。",
        evidence="现场检查笔录、询问笔录、现场照片、营业流水记录。",
        basis="《公共场所卫生管理条例实施细则》第二十二条、第三十五条。",
        content="依据《公共场所卫生管理条例实施细则》第三十五条，决定给予警告，"
        "并处罚款人民币贰仟元整。",
        amount="2000",
    ),
}

LICENSES = {
    "water_license": "经审查，申请人的供水设施、水质检测及供、管水人员健康管理符合"
    "《生活饮用水卫生监督管理办法》的要求，依据该办法第二十一条，准予延续生活饮用水供水单位"
    "卫生许可，有效期四年。",
}

# 卫生监督意见书 at the end of inspections and samplings.
OPINIONS = {
    "restaurant_inspection": (
        "一、立即停止使用无检验合格证明的集中消毒餐饮具；二、保洁柜通电正常使用；"
        "三、健康证明过期的2名从业人员立即调离岗位，取得健康证明后方可上岗。",
        "《中华人民共和国传染病防治法》第五十三条；《消毒管理办法》。",
    ),
    "peace_water_sampling": (
        "经西安市疾病预防控制中心检测，所检水样浑浊度、余氯、菌落总数、总大肠菌群均符合"
        "GB 5749-2022《生活饮用水卫生标准》。请继续做好二次供水设施的清洗消毒。",
        "《生活饮用水卫生监督管理办法》第十六条。",
    ),
}

SAMPLES = {
    "estate_water_sampling": ["二次供水水箱出水", "3号楼末梢水"],
    "pool_sampling": ["成人池池水（深水区）", "成人池池水（浅水区）"],
    "peace_water_sampling": ["二次供水水箱出水"],
}

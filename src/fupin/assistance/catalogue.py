"""The measures shipped with fupin (code, name, 七个一批 category, 八大工程 project). A
county adds its own; these are what most counties recorded."""

from __future__ import annotations

MEASURES: tuple[tuple[str, str, str, str], ...] = (
    ("industry_grant", "产业发展奖补", "industry", "industry_income"),
    ("livestock", "发放种苗、畜禽", "industry", "industry_income"),
    ("cooperative_join", "带动加入合作社", "industry", "industry_income"),
    ("micro_loan", "扶贫小额信贷", "industry", "finance"),
    ("photovoltaic", "光伏扶贫收益", "industry", "finance"),
    ("ecommerce", "电商销售帮扶", "industry", "finance"),
    ("job_placement", "转移就业、务工推荐", "labour", "training"),
    ("public_welfare_post", "公益性岗位", "labour", "training"),
    ("skills_training", "职业技能培训", "labour", "training"),
    ("relocation", "易地扶贫搬迁", "relocation", "housing"),
    ("house_repair", "危房改造", "relocation", "housing"),
    ("forest_ranger", "生态护林员", "ecology", "environment"),
    ("eco_compensation", "生态补偿", "ecology", "environment"),
    ("education_aid", "教育资助（两免一补、助学金）", "education", "training"),
    ("dropout_return", "控辍保学劝返", "education", "training"),
    ("medical_insurance", "代缴城乡居民医保", "medical", "social_security"),
    ("medical_aid", "医疗救助、大病救助", "medical", "social_security"),
    ("family_doctor", "家庭医生签约", "medical", "social_security"),
    ("minimum_living", "纳入农村低保", "security", "social_security"),
    ("extreme_poverty", "特困人员供养", "security", "social_security"),
    ("temporary_relief", "临时救助", "security", "social_security"),
    ("disability_allowance", "残疾人两项补贴", "security", "social_security"),
    ("safe_water", "安全饮水工程", "security", "infrastructure"),
    ("road", "通组道路硬化", "industry", "infrastructure"),
)

"""Fixed data behind bench/gen_campaigns.py: row budgets, form headers, names, companies, places and titles.

Changing any of it changes every generated file, so the seed alone no longer reproduces old output.
"""

SEED = 9  # any seed works; this one gives an evenly spread sample
WEBINAR_FILE, TRADESHOW_FILE = "webinar_analytics_2026-11.csv", "tradeshow_shanghai_2026-11.csv"
WEBINAR_HEADER = (
    "First Name,Last Name,Email Address,Company Name,Job Title,Country/Region,"
    "State/Province,Phone,Registration Time,Favorite Color"
)  # the last column is unknown on purpose
TRADESHOW_HEADER = "姓名,公司名称,邮箱,手机,职位,国家,省份,城市"
WESTERN_FREE_MAIL = ["gmail.com", "yahoo.com", "hotmail.com", "outlook.com"]
CHINESE_FREE_MAIL = ["qq.com", "163.com", "126.com", "sina.com", "foxmail.com"]
FREE_MAIL = frozenset(WESTERN_FREE_MAIL + CHINESE_FREE_MAIL)
BAD_KINDS = ("missing_email", "invalid_email", "wrong_field_count")
# Row budget per sample file: 192 + 142 rows. "cross" = webinar people who also visit the booth
# (Chinese on free mail, Chinese on corporate mail, Western): 25 shared addresses.
WEBINAR_PLAN = {
    "chinese": 27,
    "western": 150,
    "exact": 5,
    "near": 6,
    "bad": ["missing_email", "invalid_email", "invalid_email", "wrong_field_count"],
}
TRADESHOW_PLAN = {
    "chinese": 95,
    "western": 6,
    "cross": (4, 14, 7),
    "exact": 6,
    "near": 5,
    "bad": [
        "missing_email",
        "invalid_email",
        "invalid_email",
        "wrong_field_count",
        "wrong_field_count",
    ],
}

# Industry vocabulary (fixed: scoring keys on it) -> weight, Western name words, Chinese legal-name words.
INDUSTRIES = {
    "Software": (30, ["Analytics", "Software", "Cloud", "Systems", "Data"], "科技", "Technology"),
    "Financial Services": (
        12,
        ["Capital", "Financial", "Insurance"],
        "金融信息服务",
        "Financial Services",
    ),
    "Manufacturing": (12, ["Industries", "Manufacturing", "Robotics"], "智能装备", "Equipment"),
    "Retail": (8, ["Retail", "Outfitters", "Markets"], "商贸", "Trading"),
    "Healthcare": (10, ["Health", "Medical"], "医疗科技", "Medical Technology"),
    "Education": (6, ["Learning", "Academy"], "教育科技", "Education Technology"),
    "Logistics": (8, ["Logistics", "Freight"], "供应链管理", "Supply Chain"),
    "Media": (7, ["Media", "Studios"], "文化传媒", "Culture Media"),
    "Government": (4, ["Transit Authority", "Public Works"], "政务服务", "Government Services"),
}
# Western sites: ISO country, ISO 3166-2 code ("" = left blank), city, state as people type it, weight.
WESTERN_SITES = [
    ("US", "CA", "San Francisco", ["CA", "California"], 9),
    ("US", "NY", "New York", ["NY", "New York"], 7),
    ("US", "TX", "Austin", ["TX", "Texas"], 5),
    ("US", "WA", "Seattle", ["WA", "Washington"], 5),
    ("US", "MA", "Boston", ["MA", "Massachusetts"], 4),
    ("US", "IL", "Chicago", ["IL", "Illinois"], 3),
    ("CA", "ON", "Toronto", ["ON", "Ontario"], 3),
    ("CA", "BC", "Vancouver", ["BC", "British Columbia"], 2),
    ("GB", "", "London", ["England", ""], 5),
    ("GB", "", "Manchester", ["England", ""], 2),
    ("DE", "BY", "Munich", ["Bavaria", "Bayern"], 3),
    ("DE", "BE", "Berlin", ["Berlin"], 3),
    ("FR", "", "Paris", [""], 3),
    ("NL", "", "Amsterdam", [""], 3),
    ("AU", "NSW", "Sydney", ["NSW", "New South Wales"], 2),
    ("AU", "VIC", "Melbourne", ["VIC", "Victoria"], 2),
]
# Per country: spellings seen in Western forms, in Chinese forms, domain endings, legal suffixes, dial code.
COUNTRIES = {
    "US": (
        ["United States", "USA", "US", "United States of America"],
        ["美国", "USA"],
        [".com", ".io", ".co"],
        ["Inc", "LLC", ""],
        "1",
    ),
    "CA": (["Canada"], ["加拿大", "Canada"], [".ca"], ["Inc", "Ltd"], "1"),
    "GB": (
        ["United Kingdom", "UK", "Great Britain"],
        ["英国", "UK"],
        [".co.uk"],
        ["Ltd", "plc"],
        "44",
    ),
    "DE": (["Germany", "Deutschland"], ["德国", "Germany"], [".de"], ["GmbH", "AG"], "49"),
    "FR": (["France"], ["法国", "France"], [".fr"], ["SAS", "SA"], "33"),
    "NL": (["Netherlands", "The Netherlands"], ["荷兰", "Netherlands"], [".nl"], ["B.V."], "31"),
    "AU": (["Australia"], ["澳大利亚", "Australia"], [".com.au"], ["Pty Ltd"], "61"),
}
GOV_TLD = {"US": ".gov", "GB": ".gov.uk", "AU": ".gov.au"}
WESTERN_BRANDS = (
    "Acme Northwind Contoso Globex Initech Fabrikam Tailspin Wingtip Litware Proseware Adatum "
    "Lucerne Woodgrove Coho Alpine Bluebird Brightpath Cedar Cobalt Crescent Evergreen Falcon "
    "Granite Harbor Ironwood Juniper Keystone Lakeside Maple Meridian Nimbus Oakridge Orion "
    "Pinnacle Quantum Redwood Riverbend Sable Silverline Summit Sterling Tidewater Trident "
    "Vantage Vertex Willow Zenith Aurora Beacon Copperleaf Driftwood Foxglove Halcyon Larkspur"
).split()
# ISO 3166-2:CN code -> English name, the ways a province is typed in Chinese, cities, weight
# (a Shanghai show draws mostly from the east).
CN_PROVINCES = {
    "BJ": ("Beijing", ["北京", "北京市"], ["北京"], 6),
    "SH": ("Shanghai", ["上海", "上海市"], ["上海"], 7),
    "GD": ("Guangdong", ["广东省", "广东"], ["深圳", "广州"], 6),
    "ZJ": ("Zhejiang", ["浙江省", "浙江"], ["杭州", "宁波"], 5),
    "SC": ("Sichuan", ["四川", "四川省"], ["成都"], 2),
    "HB": ("Hubei", ["湖北省", "湖北"], ["武汉"], 2),
    "SN": ("Shaanxi", ["陕西", "陕西省"], ["西安"], 2),
    "JS": ("Jiangsu", ["江苏省", "江苏"], ["南京", "苏州"], 4),
}
# Chinese brand:domain slug, by industry. No government bodies: they do not buy at trade shows.
CN_BRANDS = {
    "Software": "三体云动:santi-cloud 星河数据:xinghe-data 云帆智能:yunfan-ai 天工软件:tiangong-soft 博睿信息:borui-info "
    "蓝海智联:lanhai-iot 青松软件:qingsong-soft 飞鸿网络:feihong-net 创想未来:chuangxiang-tech 华腾:hwtech "
    "睿智云:ruizhi-cloud 中科恒达:zkhengda-tech 凌云数智:lingyun-data 启航数据:qihang-data 云栖网络:yunqi-net "
    "天枢智能:tianshu-ai 万象数据:wanxiang-data 宏图信息:hongtu-info 同创软件:tongchuang-soft 数联:shulian-tech",
    "Financial Services": "华信:huaxin-fin 金桥:jinqiao-fin",
    "Retail": "明德:mingde-retail 优品:youpin-trade 锦程:jincheng-retail",
    "Manufacturing": "鼎盛:dingsheng-mfg 聚能:juneng-mfg 鸿运:hongyun-mfg 长风:changfeng-auto",
    "Healthcare": "金石:jinshi-med 安信:anxin-health 新锐:xinrui-med",
    "Education": "卓越:zhuoyue-edu 和谐:hexie-edu 智汇:zhihui-edu",
    "Logistics": "海纳:haina-logistics 汇通:huitong-scm 盛世:shengshi-logistics",
    "Media": "远航:yuanhang-media 极光:jiguang-media",
}
# Students name a university and register with personal mail, so they never enrich.
UNIVERSITIES = [
    ("Stanford University", "US", "CA", "Stanford"),
    ("University of Toronto", "CA", "ON", "Toronto"),
    ("Technical University of Munich", "DE", "BY", "Munich"),
    ("University of Leeds", "GB", "", "Leeds"),
    ("Tsinghua University|清华大学", "CN", "BJ", "北京"),
    ("Zhejiang University|浙江大学", "CN", "ZJ", "杭州"),
    ("Fudan University|复旦大学", "CN", "SH", "上海"),
    ("Wuhan University|武汉大学", "CN", "HB", "武汉"),
]
# Title levels: weight, English titles, Chinese titles (one level per person keeps both files consistent).
TITLE_LEVELS = [
    (
        7,
        ["CEO", "CTO", "CIO", "CFO", "COO", "Chief Data Officer"],
        ["首席执行官", "CTO", "总经理", "董事长"],
    ),
    (6, ["VP of Engineering", "VP Sales", "Vice President of Marketing"], ["副总裁", "副总经理"]),
    (
        13,
        ["Director of IT", "Director of Analytics", "Engineering Director"],
        ["总监", "技术总监", "销售总监"],
    ),
    (
        7,
        ["Head of Data", "Head of Analytics", "Head of Operations"],
        ["数据部负责人", "运营负责人"],
    ),
    (
        22,
        ["IT Manager", "Marketing Manager", "Procurement Manager", "Product Manager"],
        ["销售经理", "IT经理", "采购经理", "产品经理", "项目经理"],
    ),
    (
        18,
        ["Software Engineer", "Data Engineer", "Senior Engineer"],
        ["工程师", "软件工程师", "高级工程师"],
    ),
    (10, ["Data Analyst", "Business Analyst", "BI Analyst"], ["数据分析师", "业务分析师"]),
    (6, ["Consultant", "Senior Consultant"], ["顾问", "咨询顾问"]),
    (5, ["Student", "PhD Student"], ["学生", "研究生"]),
    (4, ["Intern", "Marketing Intern"], ["实习生"]),
]
STUDENT_LEVEL = 8
WESTERN_FIRST = (
    "James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth William Susan Richard "
    "Jessica Joseph Sarah Thomas Karen Daniel Emma Oliver Sophie Lukas Anna Hannah Lucas Chloe "
    "Pierre Camille Jack Olivia Liam Noah Ava Mia Ethan Grace Daan Sanne"
).split()
WESTERN_LAST = (
    "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore Martin "
    "Jackson White Harris Clark Lewis Walker Hall Young King Wright Scott Green Baker Adams Nelson "
    "Schmidt Schneider Fischer Weber Dubois Laurent Bernard Jansen Bakker Murphy Kelly Campbell"
).split()
CN_SURNAMES = [
    p.split(":")
    for p in "张:zhang 王:wang 李:li 刘:liu 陈:chen 杨:yang 赵:zhao 黄:huang 周:zhou 吴:wu "
    "徐:xu 孙:sun 胡:hu 朱:zhu 高:gao 林:lin 何:he 郭:guo 马:ma 罗:luo 梁:liang 宋:song 郑:zheng".split()
]
CN_GIVEN = [
    p.split(":")
    for p in "伟:wei 芳:fang 娜:na 敏:min 静:jing 丽:li 强:qiang 磊:lei 军:jun 洋:yang 勇:yong "
    "艳:yan 杰:jie 涛:tao 明:ming 超:chao 秀英:xiuying 华:hua 平:ping 晨:chen 婷:ting 浩然:haoran 思远:siyuan "
    "雪:xue 建国:jianguo 志强:zhiqiang 海燕:haiyan 子涵:zihan 宇航:yuhang 欣怡:xinyi 俊杰:junjie".split()
]
COLORS = ["Blue", "Green", "Red", "Purple", "Orange", "Black", "Teal", "Yellow", ""]
CN_MOBILE_PREFIXES = "138 139 135 136 150 151 158 186 187 188 177 199".split()
# Typing mistakes seen in real exports; each one must end up quarantined.
INVALID_EMAIL_MAKERS = [
    lambda loc, dom: f"{loc}@",
    lambda loc, dom: f"{loc} at {dom}",
    lambda loc, dom: f"{loc}@@{dom}",
    lambda loc, dom: f"{loc}@{dom.split('.')[0]}",
]
CAMPAIGNS = [
    ("webinar-analytics-2026-11", WEBINAR_FILE, "webinar", "analytics", 12000, "2026-11-02"),
    ("tradeshow-shanghai-2026-11", TRADESHOW_FILE, "trade_show", "automation", 30000, "2026-11-05"),
]

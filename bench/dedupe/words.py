"""Word lists the synthetic people are drawn from: names (Western and Chinese), companies, places,
mail domains. Shared by generate.py and generate_hard.py."""

GIVEN = (
    "james mary john patricia robert jennifer michael linda william elizabeth david barbara "
    "richard susan joseph jessica thomas sarah charles karen christopher nancy daniel lisa "
    "matthew betty anthony margaret mark sandra donald ashley steven kimberly paul emily andrew "
    "donna joshua michelle kenneth dorothy kevin carol brian amanda george melissa timothy "
    "deborah ronald stephanie edward rebecca jason sharon jeffrey laura ryan cynthia jacob "
    "kathleen gary amy nicholas angela eric shirley jonathan anna stephen brenda larry pamela "
    "justin emma scott nicole brandon helen benjamin samantha samuel katherine gregory christine "
    "alexander debra frank rachel patrick carolyn raymond janet jack catherine dennis maria "
    "jerry heather tyler diane aaron ruth jose julie adam olivia henry joyce nathan virginia "
    "peter victoria zachary kelly douglas lauren harold christina kyle joan noah evelyn carl "
    "judith ethan megan arthur andrea lucas sophie hannah oliver mia chloe isla freya leo"
).split()
NICK = {
    "william": "bill",
    "robert": "bob",
    "richard": "dick",
    "elizabeth": "liz",
    "james": "jim",
    "michael": "mike",
    "jennifer": "jen",
    "christopher": "chris",
    "thomas": "tom",
    "margaret": "maggie",
    "katherine": "kate",
    "alexander": "alex",
    "samantha": "sam",
    "joseph": "joe",
    "daniel": "dan",
    "matthew": "matt",
    "anthony": "tony",
    "steven": "steve",
    "andrew": "andy",
    "nicholas": "nick",
    "benjamin": "ben",
    "patricia": "pat",
    "jonathan": "jon",
}
SURNAME = (
    "smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez "
    "gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson white "
    "harris sanchez clark ramirez lewis robinson walker young allen king wright scott torres "
    "nguyen hill flores green adams nelson baker hall rivera campbell mitchell carter roberts "
    "mueller schmidt schneider fischer weber meyer wagner becker schulz hoffmann murphy kelly "
    "obrien ryan byrne walsh oconnor mccarthy dubois moreau laurent simon michel rossi russo "
    "ferrari esposito bianchi romano colombo ricci marino greco bruno gallo conti"
).split()
SYLLABLES = (
    "ba be bi bo ka ke ki ko la le li lo ma me mi mo na ne ni no ra re ri ro sa se si so ta "
    "te ti to va ve vi wa we zu dan mar len ton rik sen vor hal berg stein feld mann son "
    "wick ford ley ton ham well by more gate"
).split()
CN_SURNAME = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
CN_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文辉力春梅鹏飞云峰宇浩"
    "晨雪琳婷瑶欣怡佳颖思雨子涵轩博宁远昊然嘉鑫蕾倩璐帆凯斌林海波亮晶东旭鸿燕晓丹慧宏亚"
)
HOMOPHONE = {
    "伟": "玮",
    "芳": "方",
    "娜": "纳",
    "静": "婧",
    "丽": "莉",
    "磊": "垒",
    "洋": "阳",
    "杰": "洁",
    "明": "铭",
    "霞": "夏",
    "华": "桦",
    "玉": "钰",
    "红": "虹",
    "文": "雯",
    "云": "芸",
    "峰": "锋",
    "宇": "雨",
    "晨": "辰",
    "琳": "霖",
    "婷": "亭",
    "欣": "新",
    "佳": "嘉",
    "涵": "寒",
    "博": "波",
    "宁": "凝",
    "鑫": "欣",
    "林": "琳",
    "海": "凯",
    "东": "冬",
    "动": "东",
    "体": "提",
    "云动": "运动",
}
CN_CORE = (
    "三体云动快在线阿里巴腾讯华为小米字节跳京东百度网易美团拼多新浪搜狐携程滴滴顺丰中兴海康威视"
    "大疆蔚来理想小鹏比亚迪宁德时代恒瑞药明康立讯精密汇川迈瑞医疗科大讯飞金山用友浪潮紫光"
    "同方长城联想创维格力美的海尔格兰仕九阳苏泊尔老板方太万科保利龙湖碧桂园融创世茂旭辉招商"
)
CN_REGION = (
    "北京 上海 深圳 广州 杭州 南京 苏州 成都 武汉 西安 厦门 青岛 天津 重庆 合肥 长沙".split()
)
CN_GENERIC = "科技 网络科技 信息技术 电子商务 数据 智能科技 软件 咨询 贸易 实业".split()
CN_LEGAL = ["有限公司", "有限公司", "股份有限公司", "有限责任公司"]
WORDS_A = (
    "north south east west blue red green silver golden bright clear swift quantum nova "
    "apex summit pioneer harbor river lake stone iron oak maple cedar pine star sun moon "
    "cloud sky ocean delta alpha omega vertex vector matrix nexus orbit pixel cyber data "
    "smart true prime first united global royal metro urban"
).split()
WORDS_B = (
    "wave bridge point field works labs systems solutions logic path line gate ridge "
    "view crest dale wind forge craft link net soft ware core tech"
).split()
INDUSTRY = (
    "analytics logistics software consulting media health foods energy capital partners "
    "robotics security networks design marketing retail pharma motors"
).split()
LEGAL = ["Inc", "Inc.", "LLC", "Ltd", "Ltd.", "GmbH", "Corp", "Corporation", "Co.", "", "Limited"]
LEGAL_SWAP = {
    "Inc": "Incorporated",
    "Inc.": "Inc",
    "LLC": "L.L.C.",
    "Ltd": "Limited",
    "Ltd.": "Ltd",
    "GmbH": "",
    "Corp": "Corporation",
    "Corporation": "Corp.",
    "Co.": "Company",
    "": "Inc",
    "Limited": "Ltd",
}
WEST_CITY = (
    "london manchester leeds bristol boston chicago austin seattle denver portland berlin "
    "munich hamburg cologne paris lyon madrid barcelona milan rome dublin amsterdam "
    "rotterdam brussels vienna zurich geneva oslo stockholm copenhagen helsinki toronto "
    "vancouver sydney melbourne auckland newcastle brighton cambridge oxford"
).split()
FREE_MAIL = ["gmail.com", "gmail.com", "gmail.com", "outlook.com", "yahoo.com", "hotmail.com"]
CN_MAIL = ["qq.com", "163.com", "126.com", "gmail.com"]

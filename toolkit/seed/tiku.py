"""Deterministic demo data for tiku (题库系统) at head: ``generate(scale)``.

Sizes are per unit of ``scale`` (categories and knowledge points are fixed
trees). Everything comes from one ``random.Random(20261204)`` and from
:data:`BASE_TIME`, so two runs yield identical rows. Ids are given explicitly
(1..n per table) so that children can point at their parents without asking
the database; batches come parents first.

The data carries the edge cases the archive path must survive: 4-byte emoji
and 𠀀 (CJK Ext. B), NULL and "" in nullable text, text that a spreadsheet
would take for a formula ("=SUM(A1:A3)…", "-1 是负数", "+86…", "@考生…"),
usernames differing only in case, and datetimes with and without
microseconds.
"""
from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal

from toolkit.seed import BASE_TIME, Insert, Update

BATCH = 5000
SEED = 20261204
DAY = 86400

# ---------------------------------------------------------------- vocabularies

SURNAMES = [("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"),
            ("杨", "yang"), ("赵", "zhao"), ("黄", "huang"), ("周", "zhou"), ("吴", "wu"),
            ("徐", "xu"), ("孙", "sun"), ("胡", "hu"), ("朱", "zhu"), ("高", "gao"),
            ("林", "lin"), ("何", "he"), ("郭", "guo"), ("马", "ma"), ("罗", "luo"),
            ("梁", "liang"), ("宋", "song"), ("郑", "zheng"), ("谢", "xie"), ("韩", "han"),
            ("唐", "tang"), ("冯", "feng"), ("于", "yu"), ("董", "dong"), ("欧阳", "ouyang")]
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红娥玲芬鑫宇浩然子轩梓涵欣怡思远")
PHONE_PREFIXES = ["130", "131", "132", "133", "134", "135", "136", "137", "138", "139"]
SALT_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
EMAIL_DOMAINS = ["qq.com", "163.com", "126.com", "foxmail.com", "sina.com"]

EXAMS = ["国考", "省考", "北京市考", "上海市考", "广东省考", "浙江省考", "江苏省考", "山东省考",
         "选调生", "事业单位联考"]
YEARS = list(range(2019, 2027))

# (code, name, children): 3 levels, 30 nodes.
CATEGORY_TREE = [
    ("C01", "行测", [
        ("C0101", "言语理解与表达", [("C010101", "逻辑填空", []), ("C010102", "片段阅读", []),
                                  ("C010103", "语句表达", [])]),
        ("C0102", "数量关系", [("C010201", "数学运算", []), ("C010202", "数字推理", [])]),
        ("C0103", "判断推理", [("C010301", "图形推理", []), ("C010302", "定义判断", []),
                            ("C010303", "类比推理", []), ("C010304", "逻辑判断", [])]),
        ("C0104", "资料分析", [("C010401", "文字资料", []), ("C010402", "表格资料", [])]),
        ("C0105", "常识判断", [("C010501", "法律常识", []), ("C010502", "科技常识", []),
                            ("C010503", "历史人文", [])]),
    ]),
    ("C02", "申论", [("C0201", "归纳概括", []), ("C0202", "综合分析", []), ("C0203", "提出对策", []),
                   ("C0204", "贯彻执行", []), ("C0205", "文章写作", [])]),
    ("C03", "公共基础知识", [("C0301", "政治理论", []), ("C0302", "法律基础", []),
                         ("C0303", "公文写作", [])]),
]

# (code, name, category code or None, children): 3 levels, 43 nodes.
KNOWLEDGE_TREE = [
    ("K01", "言语理解与表达", "C0101", [
        ("K0101", "实词辨析", "C010101", [("K010101", "近义词辨析", None, []),
                                      ("K010102", "成语辨析", None, [])]),
        ("K0102", "片段阅读", "C010102", [("K010201", "主旨概括", None, []),
                                      ("K010202", "意图判断", None, []),
                                      ("K010203", "细节理解", None, [])]),
        ("K0103", "语句表达", "C010103", [("K010301", "语句排序", None, [])]),
    ]),
    ("K02", "数量关系", "C0102", [
        ("K0201", "数学运算", "C010201", [("K020101", "工程问题", None, []),
                                      ("K020102", "行程问题", None, []),
                                      ("K020103", "利润问题", None, []),
                                      ("K020104", "排列组合", None, [])]),
        ("K0202", "数字推理", "C010202", [("K020201", "等差数列", None, [])]),
    ]),
    ("K03", "判断推理", "C0103", [
        ("K0301", "图形推理", "C010301", [("K030101", "位置规律", None, []),
                                      ("K030102", "数量规律", None, [])]),
        ("K0302", "逻辑判断", "C010304", [("K030201", "翻译推理", None, []),
                                      ("K030202", "加强论证", None, []),
                                      ("K030203", "削弱论证", None, [])]),
        ("K0303", "定义判断", "C010302", []),
    ]),
    ("K04", "资料分析", "C0104", [
        ("K0401", "增长问题", None, [("K040101", "增长率", None, []), ("K040102", "增长量", None, [])]),
        ("K0402", "比重问题", None, []),
    ]),
    ("K05", "申论", "C02", [
        ("K0501", "归纳概括", "C0201", []),
        ("K0502", "提出对策", "C0203", []),
        ("K0503", "文章写作", "C0205", [("K050301", "立意", None, []), ("K050302", "论证结构", None, [])]),
    ]),
    ("K06", "常识与公基", "C03", [
        ("K0601", "法律常识", "C0302", [("K060101", "宪法", None, []), ("K060102", "民法典", None, [])]),
        ("K0602", "科技常识", "C010502", []),
    ]),
]
# Which knowledge-point subtrees a question of each subject is tagged with.
SUBJECT_KP_ROOTS = {"行测": ("K01", "K02", "K03", "K04"), "申论": ("K05",), "公基": ("K06",)}

FILL_BLANKS = [
    ("面对复杂多变的国际形势，我们既要保持战略定力，又要____应对各种风险挑战。", "沉着", ["盲目", "草率", "随意"]),
    ("基层治理是国家治理的基石，只有把基础打牢，才能让社会治理____。", "行稳致远", ["一蹴而就", "半途而废", "南辕北辙"]),
    ("传统村落是农耕文明的____，保护好传统村落就是守住乡愁。", "活化石", ["绊脚石", "试金石", "垫脚石"]),
    ("数字技术____政务服务，让“数据多跑路、群众少跑腿”成为现实。", "赋能", ["取代", "束缚", "干扰"]),
    ("科技创新不能____，必须久久为功、持续发力。", "急于求成", ["循序渐进", "脚踏实地", "精益求精"]),
    ("生态环境保护是功在当代、____的事业。", "利在千秋", ["毁于一旦", "昙花一现", "过眼云烟"]),
]
PASSAGES = [
    ("近年来，各地积极推进“一网通办”，群众办事从“跑多次”变为“跑一次”甚至“不用跑”。"
     "但也要看到，部分老年人因不会使用智能手机而面临“数字鸿沟”。",
     "推进数字政务的同时要兼顾老年群体的需求",
     ["“一网通办”已经完全取代线下窗口", "老年人不应使用智能手机", "数字政务的发展速度过快"]),
    ("粮食安全是“国之大者”。耕地是粮食生产的命根子，必须像保护大熊猫那样保护耕地，"
     "坚决遏制耕地“非农化”、防止“非粮化”。",
     "保障粮食安全必须严格保护耕地",
     ["大熊猫保护比耕地保护更重要", "耕地“非粮化”问题已经解决", "粮食生产只依赖科技进步"]),
    ("一些地方在乡村振兴中盲目照搬城市模式，大拆大建，结果村庄失去了原有的风貌。"
     "乡村振兴应当因地制宜，保留乡土特色。",
     "乡村振兴要因地制宜、保留乡土特色",
     ["乡村应当全面城市化", "大拆大建是乡村振兴的必经之路", "城市模式不适用于任何地方"]),
]
DEFINITIONS = [
    ("公共物品", "是指在消费上具有非竞争性和非排他性的物品",
     "城市道路上的路灯", ["超市出售的矿泉水", "私人健身房的会员卡", "商场里的电影票"]),
    ("行政许可", "是指行政机关根据公民、法人的申请，经依法审查，准予其从事特定活动的行为",
     "市场监管局为某餐馆颁发食品经营许可证", ["法院判决被告赔偿损失", "公司批准员工休假", "学校录取新生"]),
    ("沉没成本", "是指已经发生且无法收回的成本",
     "已经支付且不可退款的培训费", ["下月准备支付的房租", "银行账户中的存款", "尚未签约的采购预算"]),
]
ANALOGIES = [("医生：医院", "教师：学校", ["汽车：司机", "书本：作者", "雨伞：晴天"]),
             ("种子：发芽", "蚕卵：孵化", ["树叶：秋天", "河流：桥梁", "钢笔：墨水"]),
             ("笔：书写", "剪刀：裁剪", ["书包：学生", "手机：电池", "窗户：玻璃"]),
             ("长江：黄河", "泰山：华山", ["北京：中国", "李白：唐朝", "太阳：月亮"])]
LOGIC_STEMS = [
    "某单位要从甲、乙、丙、丁四人中选派两人参加培训。已知：如果甲去，则乙不去；只有丙去，丁才去。"
    "若最终乙去了，则以下哪项一定为真？",
    "有研究认为，经常阅读纸质书的人注意力更集中。以下哪项如果为真，最能削弱上述结论？",
    "专家指出，推广垃圾分类能显著减少填埋量。以下哪项如果为真，最能加强上述观点？",
]
FACTS = [
    ("我国的根本政治制度是人民代表大会制度。", True),
    ("《中华人民共和国民法典》自2021年1月1日起施行。", True),
    ("光年是时间单位。", False),
    ("我国宪法规定，中华人民共和国的一切权力属于人民。", True),
    ("“天宫”是我国的火星探测器。", False),
    ("“四大发明”包括造纸术、印刷术、火药和指南针。", True),
    ("公文的成文日期应当使用阿拉伯数字标注。", True),
    ("我国的最高国家权力机关是国务院。", False),
]
MULTI_STEMS = [
    ("下列属于我国法定公文种类的有：", {"A": "决议", "B": "通报", "C": "简报", "D": "纪要"}, "ABD"),
    ("下列属于宪法规定的公民基本权利的有：", {"A": "选举权", "B": "受教育权", "C": "纳税", "D": "劳动权"}, "ABD"),
    ("下列属于可再生能源的有：", {"A": "太阳能", "B": "风能", "C": "煤炭", "D": "潮汐能"}, "ABD"),
    ("新发展理念包括：", {"A": "创新", "B": "协调", "C": "绿色", "D": "开放"}, "ABCD"),
]
ESSAY_TASKS = [
    ("归纳概括", "请根据“给定资料{k}”，归纳概括{topic}工作中存在的主要问题。", 15, 200),
    ("综合分析", "“给定资料{k}”中提到“{topic}既要有速度，更要有温度”，请谈谈你对这句话的理解。", 20, 300),
    ("提出对策", "假如你是某县{topic}工作专班的工作人员，请针对“给定资料{k}”反映的问题，提出解决对策。", 20, 400),
    ("贯彻执行", "请以县政府办公室的名义，围绕{topic}起草一份倡议书。", 25, 500),
    ("文章写作", "参考“给定资料{k}”，以“{topic}”为话题，自拟题目，写一篇议论文。", 40, 1200),
]
ESSAY_TOPICS = ["基层减负", "乡村振兴", "数字政府", "垃圾分类", "老旧小区改造", "营商环境优化",
                "非遗传承", "社区养老", "生态保护", "新就业形态"]
ESSAY_POINTS = ["一是思想认识不到位，重形式轻实效；", "二是统筹协调不足，部门之间各自为政；",
                "三是资金投入有限，基础设施薄弱；", "四是群众参与度不高，获得感不强；",
                "五是监督考核机制不健全，责任落实不到位。"]

BOOK_KINDS = ["真题", "模拟题", "专项练习", "高频考点精练", "错题精选"]
PAPER_KINDS = [("真题卷", "real"), ("模拟卷", "mock"), ("押题卷", "mock"), ("自主组卷", "custom")]
LEVELS = ["（地市级）", "（副省级）", "（行政执法类）", ""]
REAL_EXAM_DATES = {2019: (2018, 12, 2), 2020: (2019, 11, 24), 2021: (2020, 11, 29),
                   2022: (2021, 11, 28), 2023: (2023, 1, 8), 2024: (2023, 11, 26),
                   2025: (2024, 12, 1), 2026: (2025, 11, 30)}
MATERIAL_KINDS = [("pdf", "application/pdf"),
                  ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                  ("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
                  ("mp4", "video/mp4"), ("mp3", "audio/mpeg")]
MATERIAL_TITLES = ["{y}年{e}行测真题解析", "{y}年{e}申论高分范文精选", "资料分析速算技巧讲义",
                   "判断推理图形推理专题课件", "言语理解高频成语500例", "常识判断必背考点汇总",
                   "申论大作文写作模板", "数量关系秒杀技巧视频课", "面试结构化答题思路"]
PRICES = [Decimal("0.00"), Decimal("0.00"), Decimal("9.90"), Decimal("19.90"), Decimal("49.00")]
SCORES = {"single": Decimal("0.80"), "multiple": Decimal("1.50"), "judge": Decimal("0.50")}
ESSAY_SCORES = {n: Decimal(n).quantize(Decimal("0.01")) for n in (15, 20, 25, 40)}
LETTERS = "ABCD"
# Plausible wrong answers per (question type, right answer).
WRONG = {("single", a): [x for x in LETTERS if x != a] for a in LETTERS}
WRONG.update({("judge", "A"): ["B"], ("judge", "B"): ["A"]})
WRONG.update({("multiple", a): [x for x in ("AB", "AC", "ABC", "BCD", "ABCD", "A") if x != a]
              for _s, _o, a in MULTI_STEMS})


# ---------------------------------------------------------------- helpers

def _at(seconds: int) -> datetime:
    return BASE_TIME + timedelta(seconds=seconds)


def _batched(table: str, rows: Iterable[dict]) -> Iterator[Insert]:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield Insert(table, batch)
            batch = []
    if batch:
        yield Insert(table, batch)


def _flatten(tree, parent=None, level=1, out=None):
    """Tree rows in id order, parents first: (code, name, parent_code, level, sort, extra)."""
    out = [] if out is None else out
    for sort, node in enumerate(tree, 1):
        code, name, *extra, children = node
        out.append((code, name, parent, level, sort, extra[0] if extra else None))
        _flatten(children, code, level + 1, out)
    return out


def _options(rng: random.Random, right: str, wrongs: list[str]) -> tuple[dict, str]:
    pos = rng.randrange(4)
    texts = list(wrongs[:3])
    texts.insert(pos, right)
    return dict(zip(LETTERS, texts)), LETTERS[pos]


class _World:
    """What later tables need to know about earlier ones."""

    def __init__(self, scale: int):
        self.scale = scale
        self.teachers: list[int] = []
        self.students: list[int] = []
        self.category_ids: dict[str, int] = {}
        self.leaf_categories: dict[str, list[tuple[int, str, str]]] = {}  # subject → (id, code, parent)
        self.kp_ids: dict[str, int] = {}
        self.kp_leaves: dict[str, list[int]] = {}  # subject → leaf knowledge-point ids
        self.book_of: list[int | None] = []
        self.q_subject: list[str] = []
        self.q_type: list[str] = []
        self.q_answer: list[str | None] = []
        self.objective: list[int] = []
        self.n_questions = 0
        self.n_papers = 0
        self.paper_questions: list[tuple[int, list[int], datetime]] = []  # (paper, questions, created_at)
        self.task_teacher: list[int] = []
        self.p_user: list[int] = []
        self.p_start: list[int] = []
        self.p_size: list[int] = []
        self.p_mask: list[int] = []
        self.mistakes: dict[tuple[int, int], list] = {}


# ---------------------------------------------------------------- tables

def _users(rng: random.Random, w: _World) -> Iterator[dict]:
    n = 100 * w.scale
    n_teachers = 5 * w.scale
    specials = {n_teachers + 2: ("ZhangSan", "张三"), n_teachers + 3: ("zhangsan", "张叁"),
                n_teachers + 4: ("小明😀", "李小明🎉"), n_teachers + 5: ("wang_𠀀", "王𠀀")}
    span = 400 * DAY // n
    for uid in range(1, n + 1):
        surname, py = rng.choice(SURNAMES)
        real_name = surname + "".join(rng.choices(GIVEN, k=1 + (rng.random() < 0.6)))
        if uid == 1:
            username, role = "admin", "admin"
        elif uid <= n_teachers + 1:
            username, role = f"teacher{uid - 1:03d}", "teacher"
            w.teachers.append(uid)
        else:
            username, role = f"{py}{uid:06d}", "student"
            w.students.append(uid)
        if uid in specials:
            username, real_name = specials[uid]
        r = rng.random()
        phone = None if r < 0.1 else f"{rng.choice(PHONE_PREFIXES)}{rng.randrange(10 ** 8):08d}"
        r = rng.random()
        email = (None if r < 0.2 else "" if r < 0.23
                 else f"{rng.randrange(10 ** 7, 10 ** 10)}@{rng.choice(EMAIL_DOMAINS)}")
        created = -400 * DAY + uid * span
        r = rng.random()
        # Logins keep microseconds (the app stores datetime.now()).
        last_login = (None if r < 0.15 else
                      BASE_TIME - timedelta(seconds=rng.randrange(30 * DAY),
                                            microseconds=rng.randrange(1, 10 ** 6)))
        yield {
            "id": uid, "username": username,
            "password_hash": "pbkdf2:sha256:600000$%s$%064x" % (
                "".join(rng.choices(SALT_CHARS, k=16)), rng.getrandbits(256)),
            "real_name": None if uid % 97 == 50 else real_name,
            "phone": phone, "email": email, "role": role,
            "is_active": rng.random() < 0.95 or uid == 1,
            "last_login_at": last_login,
            "created_at": _at(created),
            "updated_at": None if rng.random() < 0.3 else _at(created + rng.randrange(1, 30 * DAY)),
        }


def _categories(rng: random.Random, w: _World) -> Iterator[dict]:
    rows = _flatten(CATEGORY_TREE)
    codes = {code: i for i, (code, *_rest) in enumerate(rows, 1)}
    has_children = {parent for _c, _n, parent, *_r in rows}
    subject_of = {"C01": "行测", "C02": "申论", "C03": "公基"}
    for cid, (code, name, parent, level, sort, _extra) in enumerate(rows, 1):
        w.category_ids[code] = cid
        if code not in has_children:
            w.leaf_categories.setdefault(subject_of[code[:3]], []).append((cid, code, parent))
        description = {2: "行测言语理解模块，含逻辑填空😀、片段阅读等题型", 5: "", 9: "-3 分起扣的模块"}.get(
            cid, None if cid % 3 else f"{name}相关题目")
        yield {"id": cid, "code": code, "name": name,
               "parent_id": codes[parent] if parent else None, "level": level,
               "sort_order": sort, "description": description,
               "created_at": _at(-420 * DAY + cid * 60),
               "updated_at": None if cid % 2 else _at(-200 * DAY + cid * 60)}


def _knowledge_points(rng: random.Random, w: _World) -> Iterator[dict]:
    rows = _flatten(KNOWLEDGE_TREE)
    codes = {code: i for i, (code, *_rest) in enumerate(rows, 1)}
    has_children = {parent for _c, _n, parent, *_r in rows}
    for subject, roots in SUBJECT_KP_ROOTS.items():
        w.kp_leaves[subject] = [codes[c] for c, *_r in rows
                                if c not in has_children and c[:3] in roots]
    for kid, (code, name, parent, level, sort, category) in enumerate(rows, 1):
        w.kp_ids[code] = kid
        description = {3: "𠀀 生僻字辨析也属于本知识点", 7: "", 12: "=A1*B1 类题目见资料分析"}.get(
            kid, None if kid % 4 else f"{name}：掌握基本概念、常见题型与解题技巧。")
        yield {"id": kid, "code": code, "name": name,
               "parent_id": codes[parent] if parent else None,
               "category_id": w.category_ids[category] if category else None,
               "level": level, "sort_order": sort, "description": description,
               "created_at": _at(-410 * DAY + kid * 60),
               "updated_at": None if kid % 3 else _at(-100 * DAY + kid * 60)}


def _unique(title: str, seen: dict[str, int]) -> str:
    n = seen.get(title, 0) + 1
    seen[title] = n
    return title if n == 1 else f"{title}（{n}）"


def _question_books(rng: random.Random, w: _World) -> Iterator[dict]:
    n_books = 10 * w.scale
    n_q = w.n_questions = 1000 * w.scale
    # Decide which book each question sits in first, so books carry true counts.
    w.book_of = [rng.randrange(1, n_books + 1) if rng.random() < 0.7 else None for _ in range(n_q)]
    counts = [0] * (n_books + 1)
    for b in w.book_of:
        if b:
            counts[b] += 1
    seen: dict[str, int] = {}
    for bid in range(1, n_books + 1):
        year, exam = rng.choice(YEARS), rng.choice(EXAMS)
        subject = rng.choice(("行测", "行测", "申论", "公基"))
        title = _unique(f"{year}年{exam}{subject}{rng.choice(BOOK_KINDS)}", seen)
        if bid == 3:
            title = "🎉 2026年国考冲刺题本"
        leaf = rng.choice(w.leaf_categories[subject])
        r = rng.random()
        created = -300 * DAY + bid * (200 * DAY // n_books)
        yield {"id": bid, "title": title, "subject": subject,
               "category_id": None if r < 0.3 else (leaf[0] if r < 0.7 else w.category_ids[leaf[2]]),
               "description": (None if r < 0.2 else "" if r < 0.25
                               else f"收录{year}年{exam}{subject}真题及名师解析，适合系统复习。"),
               "question_count": counts[bid], "is_published": rng.random() < 0.8,
               "created_by": rng.choice(w.teachers) if rng.random() < 0.9 else None,
               "created_at": _at(created),
               "updated_at": None if rng.random() < 0.4 else _at(created + rng.randrange(DAY, 60 * DAY))}


def _xingce(rng: random.Random, parent: str, code: str):
    """A 行测 single-choice question: (stem, options, answer, analysis)."""
    if parent == "C0101":
        if code == "C010102":
            passage, right, wrongs = rng.choice(PASSAGES)
            opts, ans = _options(rng, right, wrongs)
            return f"{passage}\n这段文字意在说明：", opts, ans, f"文段为转折结构，重点在转折之后，故正确答案为{ans}。"
        sent, right, wrongs = rng.choice(FILL_BLANKS)
        opts, ans = _options(rng, right, wrongs)
        return (f"依次填入下列横线处的词语，最恰当的一项是：\n{sent}", opts, ans,
                f"根据语境，“{right}”与上下文搭配最恰当，故正确答案为{ans}。")
    if parent == "C0102":
        if rng.random() < 0.5:
            women, diff = rng.randrange(20, 200), rng.randrange(2, 40)
            stem = (f"某单位组织职工参加培训，共有{2 * women + diff}人报名，其中男职工比女职工多"
                    f"{diff}人，问女职工有多少人？")
            right = women
            analysis = f"设女职工x人，则2x+{diff}={2 * women + diff}，解得x={women}。"
        else:
            a, b, t = rng.randrange(3, 9), rng.randrange(3, 9), rng.randrange(2, 8)
            stem = (f"甲、乙两人从相距{(a + b) * t}千米的两地同时出发相向而行，甲每小时走{a}千米，"
                    f"乙每小时走{b}千米，问几小时后两人相遇？")
            right = t
            analysis = f"相遇时间=总路程÷速度和={(a + b) * t}÷{a + b}={t}小时。"
        opts, ans = _options(rng, str(right), [str(right + 1), str(right + 3), str(max(right - 2, 0) + 10)])
        return stem, opts, ans, analysis + f"故正确答案为{ans}。"
    if parent == "C0103":
        if code == "C010302":
            term, definition, right, wrongs = rng.choice(DEFINITIONS)
            opts, ans = _options(rng, right, wrongs)
            return (f"{term}{definition}。根据上述定义，下列属于{term}的是：", opts, ans,
                    f"只有{ans}项符合“{term}”的定义要件。")
        if code == "C010303":
            pair, right, wrongs = rng.choice(ANALOGIES)
            opts, ans = _options(rng, right, wrongs)
            return (f"{pair}，与这组词在逻辑关系上最为贴近、相似或匹配的是：", opts, ans,
                    f"题干两词关系与{ans}项一致。")
        if code == "C010304":
            opts, ans = _options(rng, "丙去", ["甲去", "丁不去", "丙不去"])
            return rng.choice(LOGIC_STEMS), opts, ans, f"由题干条件推理可得，故正确答案为{ans}。"
        ans = rng.choice(LETTERS)
        return ("从所给的四个选项中，选择最合适的一个填入问号处，使之呈现一定的规律性。（图略）",
                {x: f"图形{x}" for x in LETTERS}, ans, f"每幅图形的封闭区域数依次递增，故选{ans}。")
    if parent == "C0104":
        gdp, pct = rng.randrange(5000, 130000), rng.randrange(20, 120) / 10
        right = round(gdp / (1 + pct / 100))
        stem = (f"{rng.choice(YEARS)}年某省实现地区生产总值{gdp}亿元，同比增长{pct}%。"
                f"则上一年该省地区生产总值约为多少亿元？")
        opts, ans = _options(rng, str(right), [str(round(right * 0.9)), str(round(right * 1.1)),
                                               str(round(gdp * (1 + pct / 100)))])
        return stem, opts, ans, f"基期量=现期量÷(1+增长率)={gdp}÷(1+{pct}%)≈{right}，故选{ans}。"
    fact, true = rng.choice(FACTS)
    opts, ans = _options(rng, fact if true else fact.replace("是", "不是", 1),
                         ["以上说法均不正确", "我国的国家主席由国务院任命。", "北京是我国的经济特区。"])
    return "下列说法正确的是：", opts, ans, f"{ans}项表述正确，其余各项均有误。"


def _question_content(rng: random.Random, subject: str, parent: str, code: str):
    """(type, stem, options, answer, analysis, score)."""
    if subject == "申论":
        kind, task, score, words = ESSAY_TASKS[int(code[-1]) - 1]
        topic = rng.choice(ESSAY_TOPICS)
        stem = task.format(k=rng.randrange(1, 6), topic=topic) + f"（{score}分）\n要求：全面、准确、有条理，不超过{words}字。"
        answer = topic + "工作中：" + "".join(rng.sample(ESSAY_POINTS, 3))
        return "essay", stem, None, answer, f"本题考查{kind}能力，要点需全面、准确。", ESSAY_SCORES[score]
    if subject == "公基":
        r = rng.random()
        if r < 0.35:
            stem, opts, ans = rng.choice(MULTI_STEMS)
            return "multiple", stem, opts, ans, f"正确答案为{ans}。", SCORES["multiple"]
        if r < 0.7:
            fact, true = rng.choice(FACTS)
            return ("judge", fact, {"A": "正确", "B": "错误"}, "A" if true else "B",
                    "表述正确。" if true else "表述错误。", SCORES["judge"])
    stem, opts, ans, analysis = _xingce(rng, parent, code)
    return "single", stem, opts, ans, analysis, SCORES["single"]


# Question index (0-based) → (category code, type, stem, options, answer, analysis).
SPECIAL_QUESTIONS = {
    2: ("C010502", "single", "=SUM(A1:A3) 的结果是？（已知 A1、A2、A3 分别为 1、2、3）",
        {"A": "6", "B": "=A1+A2+A3", "C": "123", "D": "#VALUE!"}, "A",
        "+ SUM 函数对区域求和：1+2+3=6，故选A。"),
    6: ("C010101", "single", "“𠀀”字位于 Unicode 的哪个区？",
        {"A": "CJK 扩展 B 区", "B": "基本区", "C": "😀 表情区", "D": "私用区"}, "A",
        "𠀀（U+20000）是 CJK 扩展 B 区的第一个字，需 4 字节 UTF-8 存储。"),
    10: ("C010201", "single", "方程 x² = 1 的正整数解是？", {"A": "-1", "B": "1", "C": "0", "D": "2"}, "B",
         "-1 是负数，不是正整数，故舍去；正确答案为B。"),
    14: ("C0303", "single", "@考生：以下关于公文格式的说法，正确的是？",
         {"A": "发文字号由发文机关代字、年份、发文顺序号组成", "B": "成文日期用汉字标注",
          "C": "公文标题必须包含“关于”", "D": "附件说明位于落款之后"}, "A", ""),
    18: ("C010503", "single", "+86 是哪个国家的国际电话区号？",
         {"A": "中国", "B": "美国", "C": "英国", "D": "日本"}, "A", None),
    22: ("C0301", "judge", "小明😀说：“新发展理念包括创新、协调、绿色、开放、共享。”🎉",
         {"A": "正确", "B": "错误"}, "A", "@新发展理念 共五个方面，表述正确。"),
    26: ("C0205", "essay", "以“𠀀 字里行间的文化自信”为题，写一篇议论文。（40分）",
         None, "=文化自信是更基础、更广泛、更深厚的自信🎉……", ""),
}


def _questions(rng: random.Random, w: _World) -> Iterator[dict]:
    n = w.n_questions
    span = 250 * DAY // n
    subjects = ("行测",) * 7 + ("公基",) * 2 + ("申论",)
    # every special question sits in a leaf category
    by_code = {code: (cid, code, parent, subject)
               for subject, leaves in w.leaf_categories.items() for cid, code, parent in leaves}
    for i in range(n):
        qid = i + 1
        special = SPECIAL_QUESTIONS.get(i)
        if special:
            code, qtype, stem, options, answer, analysis = special
            cid, _c, parent, subject = by_code[code]
            score = ESSAY_SCORES[40] if qtype == "essay" else SCORES[qtype]
        else:
            subject = rng.choice(subjects)
            cid, code, parent = rng.choice(w.leaf_categories[subject])
            qtype, stem, options, answer, analysis, score = _question_content(rng, subject, parent, code)
            r = rng.random()
            if r < 0.05:
                analysis = None
            elif r < 0.07:
                analysis = ""
        w.q_subject.append(subject)
        w.q_type.append(qtype)
        if qtype == "essay":
            w.q_answer.append(None)
        else:
            w.q_answer.append(answer)
            w.objective.append(qid)
        created = -280 * DAY + i * span
        source, year = _source(i)
        yield {"id": qid, "code": f"Q{qid:06d}", "type": qtype, "stem": stem, "options": options,
               "answer": answer, "analysis": analysis, "difficulty": 1 + rng.randrange(5),
               "score": score, "category_id": cid, "book_id": w.book_of[i],
               "source": source, "year": year,
               "created_at": _at(created),
               "updated_at": None if rng.random() < 0.4 else _at(created + rng.randrange(DAY, 90 * DAY))}


def _source(i: int) -> tuple[str | None, int | None]:
    """来源 and year (format 1.1), from the index alone so the rng stream (and with it
    every other value) stays what it was at 1.0. A third have neither; a few only one."""
    if i % 3 == 0:
        return None, None
    year, exam = YEARS[i % len(YEARS)], EXAMS[i % len(EXAMS)]
    if i % 29 == 1:
        return "网友回忆版😀", None
    if i % 31 == 2:
        return None, year
    return f"{year}年{exam}", year


def _question_knowledge(rng: random.Random, w: _World) -> Iterator[dict]:
    span = 250 * DAY // w.n_questions
    rid = 0
    for i in range(w.n_questions):
        leaves = w.kp_leaves[w.q_subject[i]]
        created = _at(-280 * DAY + i * span + 60)
        for j, kp in enumerate(rng.sample(leaves, 1 + (rng.random() < 0.5))):
            rid += 1
            yield {"id": rid, "question_id": i + 1, "knowledge_point_id": kp,
                   "is_primary": j == 0, "weight": 3 if j == 0 else 1 + rng.randrange(2),
                   "created_at": created}


def _exam_papers(rng: random.Random, w: _World) -> Iterator[dict]:
    n = w.n_papers = 10 * w.scale
    seen: dict[str, int] = {}
    for pid in range(1, n + 1):
        year, exam = rng.choice(YEARS), rng.choice(EXAMS)
        kind, paper_type = rng.choice(PAPER_KINDS)
        subject = rng.choice(("行测", "申论"))
        title = _unique(f"{year}年{exam}{subject}{kind}{rng.choice(LEVELS)}", seen)
        if pid == n:  # a draft with no questions yet
            title, paper_type, question_ids = "2026年自定义组卷（草稿）", "custom", []
        else:
            pool = w.objective if subject == "行测" else range(1, w.n_questions + 1)
            question_ids = rng.sample(pool, rng.randint(5, 20))
        total = sum((ESSAY_SCORES[20] if w.q_type[q - 1] == "essay" else SCORES[w.q_type[q - 1]]
                     for q in question_ids), Decimal("0.00"))
        exam_date = None
        if paper_type == "real":
            y, m, d = REAL_EXAM_DATES[year]
            exam_date = date(y, m, d)
        created = -200 * DAY + pid * (150 * DAY // n)
        w.paper_questions.append((pid, question_ids, _at(created)))
        yield {"id": pid, "title": title, "paper_type": paper_type,
               "total_score": total, "time_limit": 120 if subject == "行测" else 180,
               "exam_date": exam_date, "is_published": bool(question_ids) and rng.random() < 0.85,
               "created_by": rng.choice(w.teachers) if rng.random() < 0.8 else None,
               "created_at": _at(created),
               "updated_at": None if rng.random() < 0.5 else _at(created + rng.randrange(DAY, 30 * DAY))}


def _exam_paper_questions(rng: random.Random, w: _World) -> Iterator[dict]:
    """试卷题目 (format 1.2), numbered as tiku_0003 numbers migrated lists: ids in
    (paper, position) order, created_at copied from the paper. Uses no rng."""
    rid = 0
    for pid, question_ids, created in w.paper_questions:
        for position, qid in enumerate(question_ids, 1):
            rid += 1
            yield {"id": rid, "paper_id": pid, "question_id": qid, "position": position,
                   "created_at": created}


def _practice_tasks(rng: random.Random, w: _World) -> Iterator[dict]:
    n = 20 * w.scale
    seen: dict[str, int] = {}
    leaves = [leaf for subject in ("行测", "申论") for leaf in w.leaf_categories[subject]]
    names = {cid: code for code, cid in w.category_ids.items()}
    cat_name = {code: name for code, name, *_r in _flatten(CATEGORY_TREE)}
    for tid in range(1, n + 1):
        teacher = w.teachers[(tid - 1) % len(w.teachers)]
        w.task_teacher.append(teacher)
        cid, code, _parent = rng.choice(leaves)
        start = -90 * DAY + tid * (80 * DAY // n)
        day = BASE_TIME + timedelta(seconds=start)
        title = _unique(f"{day.month}月第{(day.day - 1) // 7 + 1}周{cat_name[names[cid]]}专项练习", seen)
        r = rng.random()
        description = {1: "@全体学员 请在周日前完成，完成后在群里打卡😀", 2: "", 4: "=完成率计入月度考核"}.get(
            tid, None if r < 0.3 else f"本次练习聚焦{cat_name[code]}，建议限时完成并认真订正错题。")
        r = rng.random()
        yield {"id": tid, "title": title, "description": description, "teacher_id": teacher,
               "category_id": cid if r < 0.8 else None,
               "paper_id": rng.randrange(1, w.n_papers + 1) if r > 0.7 else None,
               "question_count": rng.choice((10, 15, 20, 30, 50)),
               "start_date": day.date(),
               "due_date": (day + timedelta(days=7)).date() if rng.random() < 0.8 else None,
               "status": rng.choice(("published", "published", "closed", "draft")),
               "created_at": _at(start - DAY),
               "updated_at": None if rng.random() < 0.5 else _at(start + rng.randrange(DAY))}


def _student_submissions(rng: random.Random, w: _World) -> Iterator[dict]:
    students = w.students
    sid = 0
    specials = {3: "我的答案😀：坚持以人民为中心🎉", 5: "", 8: "=1+1 是公式吗？", 11: "𠀀 字里行间见真章"}
    for t, teacher in enumerate(w.task_teacher):
        start = -90 * DAY + (t + 1) * (80 * DAY // len(w.task_teacher))
        for k in range(10):
            sid += 1
            student = students[(t * 10 + k) % len(students)]
            submitted = start + rng.randrange(DAY, 7 * DAY)
            graded = rng.random() < 0.6
            topic = rng.choice(ESSAY_TOPICS)
            content = specials.get(sid, None if rng.random() < 0.1 else
                                   f"关于{topic}，我认为：" + "".join(rng.sample(ESSAY_POINTS, 2)))
            r = rng.random()
            comment = None
            if graded:
                comment = ("-2分：论点不够鲜明" if r < 0.1 else "" if r < 0.15 else
                           None if r < 0.3 else "要点较全面，语言还需精炼。")
            yield {"id": sid, "task_id": t + 1, "student_id": student, "content": content,
                   "score": Decimal(rng.randrange(3000, 10001)) / 100 if graded else None,
                   "status": ("graded" if graded else rng.choice(("submitted", "returned"))),
                   "submitted_at": _at(submitted),
                   "graded_by": teacher if graded else None,
                   "graded_at": _at(submitted + rng.randrange(3600, 3 * DAY)) if graded else None,
                   "comment": comment, "created_at": _at(submitted),
                   "updated_at": _at(submitted + 3 * DAY) if graded else None}


SLOT = 120  # seconds per question within a practice


def _practices(rng: random.Random, w: _World) -> Iterator[dict]:
    n = 1000 * w.scale
    step = max(1, 90 * DAY // n)  # started_at strictly increases: (user_id, started_at) is unique
    n_tasks = len(w.task_teacher)
    scores: dict[tuple[int, int], Decimal] = {}
    for i in range(n):
        user = w.students[rng.randrange(len(w.students))]
        start = -90 * DAY + i * step + rng.randrange(step)
        k = rng.randint(8, 12)
        # Each answer is right with probability 5/8.
        mask = rng.getrandbits(k) | (rng.getrandbits(k) & rng.getrandbits(k))
        correct = mask.bit_count()
        w.p_user.append(user)
        w.p_start.append(start)
        w.p_size.append(k)
        w.p_mask.append(mask)
        mode = rng.choice(("random", "random", "category", "task", "paper"))
        finished = rng.random() < 0.95
        score = None
        if finished:
            score = scores.get((correct, k))
            if score is None:
                score = scores[(correct, k)] = (Decimal(correct * 100) / k).quantize(Decimal("0.01"))
        end = start + k * SLOT + rng.randrange(60)
        yield {"id": i + 1, "user_id": user, "mode": mode,
               "task_id": rng.randrange(1, n_tasks + 1) if mode == "task" else None,
               "paper_id": rng.randrange(1, w.n_papers + 1) if mode == "paper" else None,
               "total_questions": k, "correct_count": correct, "score": score,
               "status": "finished" if finished else "in_progress",
               "started_at": _at(start),
               # some finish times keep microseconds, as datetime.now() would
               "finished_at": (None if not finished else _at(end) if i % 5 else
                               _at(end) + timedelta(microseconds=1 + rng.randrange(999999))),
               "created_at": _at(start),
               "updated_at": _at(end) if finished else None}


def _practice_details(rng: random.Random, w: _World) -> Iterator[dict]:
    objective, answers, types, mistakes = w.objective, w.q_answer, w.q_type, w.mistakes
    rand, sample, choice, wrong = rng.random, rng.sample, rng.choice, WRONG
    did = 0
    for i, k in enumerate(w.p_size):
        pid, user, start, mask = i + 1, w.p_user[i], w.p_start[i], w.p_mask[i]
        for seq, qid in enumerate(sample(objective, k)):
            did += 1
            at = start + (seq + 1) * SLOT
            right = answers[qid - 1]
            if mask >> seq & 1:
                answer, correct = right, True
            else:
                # 5% of wrong answers are skipped questions (NULL answer)
                answer = None if rand() < 0.05 else choice(wrong[(types[qid - 1], right)])
                correct = False
                if rand() < 0.27:
                    m = mistakes.get((user, qid))
                    if m is None:
                        mistakes[(user, qid)] = [1, at, answer, at]
                    else:
                        m[0] += 1
                        m[1] = at
                        m[2] = answer
            yield {"id": did, "practice_id": pid, "question_id": qid, "seq": seq + 1,
                   "user_answer": answer, "is_correct": correct,
                   "time_spent": 10 + int(rand() * 110), "created_at": _at(at)}


def _mistakes(rng: random.Random, w: _World) -> Iterator[dict]:
    notes = {1: "😀 又错了，下次注意审题", 2: "", 3: "-1 是负数，别再选错", 4: "+ 记住：基期量公式",
             5: "@老师 这题答案有疑问"}
    for mid, ((user, qid), (count, last_at, last_answer, first_at)) in enumerate(w.mistakes.items(), 1):
        mastered = rng.random() < 0.2
        r = rng.random()
        note = notes.get(mid, None if r < 0.7 else "易错：审题不仔细，忽略了关键限定词。")
        yield {"id": mid, "user_id": user, "question_id": qid, "wrong_count": count,
               "last_wrong_answer": last_answer, "last_wrong_at": _at(last_at), "note": note,
               "is_mastered": mastered,
               "mastered_at": _at(last_at + rng.randrange(DAY, 20 * DAY)) if mastered else None,
               "created_at": _at(first_at),
               "updated_at": _at(last_at) if count > 1 else None}


def _weaknesses(rng: random.Random, w: _World) -> Iterator[dict]:
    leaves = w.kp_leaves["行测"] + w.kp_leaves["申论"] + w.kp_leaves["公基"]
    wid = 0
    for user in w.students:
        for kp in sorted(rng.sample(leaves, 3 + (rng.random() < 0.5))):
            wid += 1
            total = rng.randrange(10, 200)
            wrong = rng.randrange(0, total + 1)
            accuracy = (Decimal((total - wrong) * 100) / total).quantize(Decimal("0.01"))
            level = "high" if accuracy < 60 else "medium" if accuracy < 75 else "low"
            created = -60 * DAY + wid * 60
            r = rng.random()
            yield {"id": wid, "user_id": user, "knowledge_point_id": kp, "total_count": total,
                   "wrong_count": wrong, "accuracy": accuracy, "level": level,
                   "suggestion": (None if r < 0.3 else "" if r < 0.33 else "🎉 继续保持" if level == "low"
                                  else "建议每天专项练习 20 题，并整理错题。"),
                   "last_practiced_at": None if r > 0.9 else _at(created + rng.randrange(30 * DAY)),
                   "created_at": _at(created),
                   "updated_at": None if rng.random() < 0.3 else _at(created + rng.randrange(DAY, 30 * DAY))}


def _study_materials(rng: random.Random, w: _World) -> Iterator[dict]:
    n = 20 * w.scale
    uploaders = [1] + w.teachers
    categories = list(w.category_ids.values())
    for mid in range(1, n + 1):
        ext, mime = rng.choice(MATERIAL_KINDS)
        created = -365 * DAY + mid * (360 * DAY // n)
        day = BASE_TIME + timedelta(seconds=created)
        title = rng.choice(MATERIAL_TITLES).format(y=rng.choice(YEARS), e=rng.choice(EXAMS))
        if mid == 2:
            title = "申论高分范文🎉合集（𠀀 字版）"
        size = rng.randrange(50_000, 5_000_000) if ext in ("pdf", "docx", "pptx") else \
            rng.randrange(5_000_000, 500_000_000)
        r = rng.random()
        yield {"id": mid, "title": title,
               "file_path": f"uploads/materials/{day.year}/{day.month:02d}/{mid:06d}_{rng.getrandbits(32):08x}.{ext}",
               "file_size": size, "mime_type": mime,
               "category_id": rng.choice(categories) if r < 0.8 else None,
               "uploaded_by": rng.choice(uploaders) if r > 0.1 else None,
               "price": rng.choice(PRICES), "download_count": rng.randrange(0, 5000),
               "description": (None if r < 0.3 else "" if r < 0.35 else f"{title}，适合备考{day.year}年各类公务员考试。"),
               "created_at": _at(created),
               "updated_at": None if rng.random() < 0.5 else _at(created + rng.randrange(DAY, 30 * DAY))}


TABLES = [
    ("users", _users),
    ("categories", _categories),
    ("knowledge_points", _knowledge_points),
    ("question_books", _question_books),
    ("questions", _questions),
    ("question_knowledge", _question_knowledge),
    ("exam_papers", _exam_papers),
    ("exam_paper_questions", _exam_paper_questions),
    ("practice_tasks", _practice_tasks),
    ("student_submissions", _student_submissions),
    ("practices", _practices),
    ("practice_details", _practice_details),
    ("mistakes", _mistakes),
    ("weaknesses", _weaknesses),
    ("study_materials", _study_materials),
]


def generate(scale: int) -> Iterator[Insert | Update]:
    """Yield Insert batches (≤ 5,000 rows), parents first, ids 1..n per table."""
    rng = random.Random(SEED)
    world = _World(scale)
    for table, rows in TABLES:
        yield from _batched(table, rows(rng, world))

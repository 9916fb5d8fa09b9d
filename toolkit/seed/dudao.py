"""Deterministic demo data for 督学系统 (dudao) at archive format 1.1.

``generate(scale)`` yields :class:`Insert` batches (parents first, explicit ids
1..n, at most ``BATCH`` rows each) and, for the students ↔ supervision_logs
cycle, an :class:`Update` that fills ``students.latest_log_id`` after the logs
exist. Everything derives from one seeded ``random.Random`` and ``BASE_TIME``,
so the same scale always gives the same rows.

Sizes per unit of scale: users 60, teachers 15, projects 4, packages 8,
class_types 5, class_batches 10, schedules 200, schedule_change_logs 20,
course_recordings 100, students 300, student_batches 400, supervision_logs
~1500, homework_tasks 50, homework_submissions ~1000, attendances ~2000,
study_plans ~300, plan_goals ~600, plan_tasks ~1500, plan_progresses ~2000;
subjects (6), weakness_tags (20) and module_categories (26) are fixed.

Edge cases on purpose: 4-byte emoji and the rare CJK character 𠀀, NULL and ""
in nullable text, formula-like text ("=", "+", "-", "@"), usernames differing
only in case ("LiSi"/"lisi") and one with an emoji, microsecond timestamps,
prices such as 1999.00 and 0.10.
"""
from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal

from toolkit.seed import BASE_TIME, Insert, Update

BATCH = 5000
SEED = 20261205

_DAY = timedelta(days=1)
_BASE_DATE = BASE_TIME.date()

# ── vocabulary ──────────────────────────────────────────────────────────────

_SURNAMES = [
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("赵", "zhao"), ("黄", "huang"), ("周", "zhou"), ("吴", "wu"), ("徐", "xu"), ("孙", "sun"),
    ("胡", "hu"), ("朱", "zhu"), ("高", "gao"), ("林", "lin"), ("何", "he"), ("郭", "guo"),
    ("马", "ma"), ("罗", "luo"), ("梁", "liang"), ("宋", "song"), ("郑", "zheng"), ("谢", "xie"),
    ("韩", "han"), ("唐", "tang"), ("冯", "feng"), ("于", "yu"), ("董", "dong"), ("萧", "xiao"),
    ("程", "cheng"), ("曹", "cao"), ("袁", "yuan"), ("邓", "deng"), ("许", "xu"), ("傅", "fu"),
    ("沈", "shen"), ("曾", "zeng"), ("彭", "peng"), ("吕", "lv"), ("欧阳", "ouyang"),
    ("司马", "sima"),
]
_GIVEN = [
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
    ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
    ("杰", "jie"), ("娟", "juan"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀", "xiu"),
    ("霞", "xia"), ("平", "ping"), ("刚", "gang"), ("桂", "gui"), ("英", "ying"), ("华", "hua"),
    ("玉", "yu"), ("兰", "lan"), ("晨", "chen"), ("阳", "yang"), ("婷", "ting"), ("雪", "xue"),
    ("思", "si"), ("雨", "yu"), ("欣", "xin"), ("梓", "zi"), ("涵", "han"), ("浩", "hao"),
    ("宇", "yu"), ("轩", "xuan"), ("子", "zi"), ("博", "bo"), ("文", "wen"), ("佳", "jia"),
    ("怡", "yi"), ("嘉", "jia"), ("鑫", "xin"), ("悦", "yue"), ("瑶", "yao"), ("琳", "lin"),
]
_PHONE_PREFIX = ["130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152",
                 "155", "156", "158", "159", "166", "176", "177", "180", "181", "186", "187",
                 "188", "189", "199"]
_MAIL_DOMAINS = ["qq.com", "163.com", "126.com", "foxmail.com", "gmail.com", "sina.com"]
_REGIONS = ["110108", "310104", "440106", "320102", "330106", "420111", "510107", "610113",
            "370102", "410105", "430104", "500103", "350102", "210102", "130104", "340104"]
_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"

# code, name, description
_SUBJECTS = [
    ("XINGCE", "行测", "行政职业能力测验：言语、数量、判断、资料、常识"),
    ("SHENLUN", "申论", "归纳概括、综合分析、提出对策、贯彻执行、文章写作"),
    ("MIANSHI", "面试", "结构化面试与无领导小组讨论"),
    ("GONGJI", "公基", "公共基础知识"),
    ("ZHICE", "职测", "事业单位职业能力倾向测验"),
    ("ZONGYING", "综应", "事业单位综合应用能力"),
]
_SUBJECT_TOPICS = {
    1: ["言语理解之逻辑填空", "片段阅读主旨题", "数量关系之工程问题", "数字推理专项", "图形推理规律",
        "定义判断技巧", "类比推理", "逻辑判断之翻译推理", "资料分析速算", "增长率与比重", "常识判断串讲"],
    2: ["归纳概括题型精讲", "综合分析题答题框架", "提出对策题", "贯彻执行之公文写作", "大作文立意",
        "大作文论证结构", "申论真题精讲"],
    3: ["结构化面试破冰", "综合分析题", "组织管理题", "人际关系题", "应急应变题", "无领导小组讨论"],
    4: ["政治理论", "法律基础", "经济常识", "公文写作基础", "时事政治"],
    5: ["职测言语运用", "职测数量分析", "职测判断推理", "职测综合分析"],
    6: ["综应案例分析", "综应材料作文", "综应计划写作"],
}
# (subject_id, name, description)
_WEAKNESS_TAGS = [
    (1, "言语理解速度慢", "片段阅读读题耗时过长"), (1, "逻辑填空", "成语辨析易错"),
    (1, "图形推理", "规律识别不熟练"), (1, "定义判断", None), (1, "类比推理", None),
    (1, "数量关系", "放弃过多，得分率低于30%"), (1, "资料分析计算", "速算方法不熟，常超时"),
    (1, "常识判断", "知识面窄"),
    (2, "归纳概括", "要点遗漏"), (2, "综合分析", "分析层次不清"), (2, "提出对策", "对策空泛"),
    (2, "贯彻执行", "公文格式错误"), (2, "大作文立意", "偏题"), (2, "大作文论证", "论据单薄"),
    (3, "综合分析题", None), (3, "组织管理", "缺少细节"), (3, "人际关系", None),
    (3, "应急应变", "思路混乱"), (3, "语言表达紧张", "语速过快、卡顿"),
    (4, "法律常识", "民法典条文记忆模糊"),
]
# code, name, parent code, subject_id
_CATEGORIES = [
    ("XC", "行测", None, 1),
    ("XC-YY", "言语理解与表达", "XC", 1),
    ("XC-YY-PD", "片段阅读", "XC-YY", 1),
    ("XC-YY-LT", "逻辑填空", "XC-YY", 1),
    ("XC-YY-YJ", "语句表达", "XC-YY", 1),
    ("XC-SL", "数量关系", "XC", 1),
    ("XC-SL-SX", "数学运算", "XC-SL", 1),
    ("XC-SL-TL", "数字推理", "XC-SL", 1),
    ("XC-PD", "判断推理", "XC", 1),
    ("XC-PD-TX", "图形推理", "XC-PD", 1),
    ("XC-PD-DY", "定义判断", "XC-PD", 1),
    ("XC-PD-LB", "类比推理", "XC-PD", 1),
    ("XC-PD-LJ", "逻辑判断", "XC-PD", 1),
    ("XC-ZL", "资料分析", "XC", 1),
    ("XC-ZL-WZ", "文字资料", "XC-ZL", 1),
    ("XC-ZL-BG", "表格资料", "XC-ZL", 1),
    ("XC-CS", "常识判断", "XC", 1),
    ("SL", "申论", None, 2),
    ("SL-GN", "归纳概括", "SL", 2),
    ("SL-ZH", "综合分析", "SL", 2),
    ("SL-DC", "提出对策", "SL", 2),
    ("SL-GC", "贯彻执行", "SL", 2),
    ("SL-XZ", "文章写作", "SL", 2),
    ("MS", "面试", None, 3),
    ("MS-ZH", "综合分析", "MS", 3),
    ("MS-ZZ", "组织管理", "MS", None),
]
# exam_type, name pattern, code prefix, exam month/day
_PROJECT_KINDS = [
    ("国考", "{y}国考", "GK", (11, 30)),
    ("省考", "{y}省考联考", "SK", (3, 22)),
    ("事业单位", "{y}事业单位联考", "SY", (5, 17)),
    ("选调生", "{y}选调生", "XD", (12, 14)),
]
_PACKAGE_KINDS = [
    ("笔试全程系统班", [Decimal("1999.00"), Decimal("2980.00"), Decimal("3980.00")], 180),
    ("笔面一体协议班", [Decimal("12800.00"), Decimal("19800.00"), Decimal("0.10")], 365),
]
_CLASS_TYPES = [
    ("全程班", "线上", 200, "从基础到冲刺的系统课程"),
    ("冲刺班", "线下", 60, "考前30天集训，封闭管理"),
    ("1对1精品班", "线上", 1, "督学老师一对一规划与答疑"),
    ("协议班", "混合", 40, "未上岸退部分学费，详见协议"),
    ("面试特训班", "线下", 30, None),
]
_BATCH_STATUS = ["招生中", "进行中", "进行中", "进行中", "已结课"]
_TITLES = ["讲师", "主讲", "高级讲师", "教研组长"]
_LOCATIONS = ["线上直播", "北京海淀校区301教室", "上海徐汇校区A2教室", "广州天河校区大教室",
              "成都武侯校区502", "线上直播（腾讯会议）"]
_PLATFORMS = ["腾讯会议", "钉钉", "小鹅通", "CCtalk"]
_CHANGE_REASONS = ["老师临时出差", "与模考时间冲突", "学员集体申请调课", "教室设备故障",
                   "台风天气，改为线上", "节假日顺延"]
_TARGETS = ["2027国考", "2027省考", "2026事业单位", "2027选调生", "2027国考+省考"]
_STUDENT_STATUS = ["在读"] * 8 + ["休学", "已结课"]
_SOURCES = ["购课", "购课", "购课", "转班", "赠送", "活动报名"]
_CHANNELS = ["微信", "微信", "微信", "电话", "面谈", "小程序"]
_MOODS = ["积极", "平稳", "平稳", "焦虑", "疲惫", "低落"]
_LOG_TEXTS = [
    "今日完成行测专项练习{n}题，正确率{p}%，资料分析仍需加强。",
    "与学员电话沟通，近期工作忙，学习时间不足，调整计划为每天{h}小时。",
    "学员反馈申论大作文没有思路，已推送范文{n}篇并布置仿写。",
    "本周打卡{d}天，状态良好，继续保持。",
    "模考成绩{p}分，较上次提升明显，重点复盘判断推理错题。",
    "学员情绪焦虑，担心报考岗位竞争比过高，已做心理疏导。",
    "提醒学员按时提交作业，已逾期{d}天。",
    "讲解了数量关系中的工程问题，学员表示基本掌握。",
]
_LOG_EDGE = [
    "+1 完成今日任务",
    "=今日得分 82+5",
    "-3 天未打卡，需重点关注",
    "@班主任 学员申请转到周末班",
    "今天超额完成任务 🎉🎉",
    "学员说状态很好😀，继续冲刺！",
    "生僻字测试：𠀀 已正确显示",
]
_HW_KINDS = ["专项练习", "真题套卷", "错题整理", "申论仿写", "限时训练"]
_HW_STATUS = ["已提交", "已批改", "已批改", "已批改", "迟交"]
_FEEDBACKS = ["思路清晰，继续保持。", "要点概括不全，注意审题。", "计算速度有进步。",
              "卷面整洁，论证有力 👍", "字数超出要求，注意精炼。", "请对照参考答案订正错题。"]
_ATT_STATUS = ["出勤"] * 16 + ["迟到", "迟到", "缺勤", "请假"]
# format 1.1 stores the enum; the Chinese labels above still drive the rng draws and remarks.
_ATT_ENUM = {"出勤": "present", "迟到": "late", "缺勤": "absent", "请假": "leave"}
_ATT_REMARKS = {"迟到": ["地铁延误", "迟到15分钟", None], "缺勤": [None, "未请假", "电话未接通"],
                "请假": ["病假", "单位加班", "事假，已补看录播"]}
_PLAN_STATUS = ["草稿", "进行中", "进行中", "进行中", "已完成", "已中止"]
_GOAL_TEXTS = ["行测模考稳定在{s}分以上", "申论模考达到{s}分", "资料分析正确率提升到{p}%",
               "完成近五年国考真题两轮", "每天背诵时政热点30分钟", "面试结构化答题流畅不卡顿",
               "常识判断积累每周{n}个知识点"]
_TASK_TEXTS = ["完成{c}专项{n}题", "复盘{c}错题并整理错题本", "观看{c}录播课第{n}讲",
               "限时训练：{c}（{n}分钟）", "背诵规范表述{n}条", "申论大作文仿写1篇", "{c}真题精做"]
_TASK_STATUS = ["未开始", "进行中", "已完成", "已完成"]
_PROGRESS_NOTES = ["按计划完成", "完成一半，明天继续", "题目偏难，正确率偏低", None, None,
                   "", "+2 超额完成", "状态不错 😀", "请假一天，进度延后"]

_HEX = "0123456789abcdef"
_SALT_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


# ── helpers ─────────────────────────────────────────────────────────────────

def _chunks(table: str, rows: Iterable[dict]) -> Iterator[Insert]:
    buf: list[dict] = []
    for row in rows:
        buf.append(row)
        if len(buf) >= BATCH:
            yield Insert(table, buf)
            buf = []
    if buf:
        yield Insert(table, buf)


def _wechat_id(st: int) -> str | None:
    """students.wechat_id (format 1.1), from the id alone so the rng stream (and every
    other value) stays as at 1.0: about 40% NULL, one "" and one with an emoji."""
    if st % 5 < 2:
        return None
    if st == 33:
        return ""
    if st == 38:
        return "wxid_考公上岸😀"
    return f"wxid_{(st * 2654435761) % 16**10:010x}"


def _money(cents: int) -> Decimal:
    return Decimal(f"{cents // 100}.{cents % 100:02d}")


def _score(hundredths: int) -> Decimal:
    return Decimal(f"{hundredths // 100}.{hundredths % 100:02d}")


class _Gen:
    """State shared between the per-table generators of one ``generate`` call."""

    def __init__(self, scale: int):
        self.s = scale
        self.r = random.Random(SEED)
        rnd = self.r.random

        def ri(a: int, b: int) -> int:
            """An int in [a, b): ``randrange`` without its argument checks (3× faster)."""
            return a + int(rnd() * (b - a))

        self.ri = ri

    # small value helpers
    def name(self) -> tuple[str, str]:
        r = self.r
        sur, sur_py = _SURNAMES[int(r.random() * len(_SURNAMES))]
        g1, p1 = _GIVEN[int(r.random() * len(_GIVEN))]
        if r.random() < 0.6:
            g2, p2 = _GIVEN[int(r.random() * len(_GIVEN))]
            return sur + g1 + g2, sur_py + p1 + p2
        return sur + g1, sur_py + p1

    def phone(self) -> str:
        r, ri = self.r, self.ri
        return _PHONE_PREFIX[int(r.random() * len(_PHONE_PREFIX))] + f"{ri(0, 10 ** 8):08d}"

    def id_card(self, birth: date) -> str:
        r, ri = self.r, self.ri
        body = f"{_REGIONS[int(r.random() * len(_REGIONS))]}{birth:%Y%m%d}{ri(0, 1000):03d}"
        total = sum(int(ch) * w for ch, w in zip(body, _ID_WEIGHTS))
        return body + _ID_CHECK[total % 11]

    def password_hash(self, username: str) -> str:
        r = self.r
        salt = "".join(_SALT_CHARS[int(r.random() * 62)] for _ in range(16))
        digest = hashlib.sha256(f"{salt}:{username}".encode()).hexdigest()
        return f"pbkdf2:sha256:600000${salt}${digest}"

    def ts(self, day: float, *, micro: bool = False) -> datetime:
        """BASE_TIME + ``day`` days, whole seconds unless ``micro``."""
        ri = self.ri
        t = BASE_TIME + timedelta(days=day, seconds=ri(0, 36000))
        if micro:
            t = t.replace(microsecond=ri(1, 1_000_000))
        return t

    def updated(self, created: datetime) -> datetime | None:
        r, ri = self.r, self.ri
        if r.random() < 0.3:
            return None
        return created + timedelta(days=ri(0, 60), seconds=ri(0, 86400))


def generate(scale: int) -> Iterator[Insert | Update]:
    g = _Gen(scale)
    r, ri = g.r, g.ri
    s = scale

    # ── users ──
    n_users = 60 * s
    n_teachers = 15 * s
    teacher_user_ids = list(range(3, 3 + n_teachers))
    # which teachers are supervisors (督学老师): every third one
    is_sup = [(i % 3 == 0) for i in range(n_teachers)]
    special = {  # fixed edge-case usernames among the student accounts
        n_teachers + 5: ("LiSi", "李四"),
        n_teachers + 6: ("lisi", "李四"),
        n_teachers + 7: ("xiaoming😀", "小明"),
        n_teachers + 8: ("wang_𠀀", "王𠀀"),
    }
    user_names: dict[int, str] = {}

    def users():
        for uid in range(1, n_users + 1):
            real, py = g.name()
            if uid == 1:
                username, role, real = "admin", "admin", "系统管理员"
            elif uid == 2:
                username, role = "jiaowu", "admin"
            elif uid in special:
                username, real = special[uid]
                role = "student"
            elif uid < 3 + n_teachers:
                username = f"{py}{uid}"
                role = "supervisor" if is_sup[uid - 3] else "teacher"
            else:
                username, role = f"{py}{uid}", "student"
            user_names[uid] = real
            created = g.ts(ri(-400, -30), micro=uid % 7 == 0)
            x = r.random()
            email = (None if x < 0.35 else "" if x < 0.38
                     else f"{username if username.isascii() else py}@{_MAIL_DOMAINS[uid % 6]}")
            yield {
                "id": uid, "username": username, "password_hash": g.password_hash(username),
                "real_name": None if (role == "student" and r.random() < 0.1) else real,
                "phone": g.phone() if r.random() < 0.85 else None,
                "email": email, "role": role, "is_active": r.random() < 0.93,
                "last_login_at": None if r.random() < 0.15 else g.ts(ri(0, 90), micro=True),
                "created_at": created, "updated_at": g.updated(created),
            }

    yield from _chunks("users", users())

    # ── subjects (fixed) ──
    yield Insert("subjects", [
        {"id": i, "code": code, "name": name, "description": desc, "sort_order": i * 10,
         "is_active": i != 6, "created_at": BASE_TIME - timedelta(days=500, hours=-i),
         "updated_at": None if i % 2 else BASE_TIME - timedelta(days=100, minutes=i)}
        for i, (code, name, desc) in enumerate(_SUBJECTS, 1)])

    # ── teachers ──
    sup_ids = [tid for tid in range(1, n_teachers + 1) if is_sup[tid - 1]]
    lect_ids = [tid for tid in range(1, n_teachers + 1) if not is_sup[tid - 1]]
    teacher_subject: dict[int, int] = {}

    def teachers():
        for tid in range(1, n_teachers + 1):
            uid = teacher_user_ids[tid - 1]
            sup = is_sup[tid - 1]
            subj = None if sup else 1 + int(r.random() * 3) if r.random() < 0.8 else 1 + int(r.random() * 6)
            teacher_subject[tid] = subj or 1
            created = g.ts(ri(-380, -30))
            intro_x = r.random()
            intro = (None if intro_x < 0.2 else "" if intro_x < 0.25 else
                     f"{ri(2, 15)}年公考培训经验，累计带出上岸学员{ri(50, 3000)}人。"
                     + (" 🎉" if tid % 11 == 0 else ""))
            yield {
                "id": tid, "user_id": uid, "name": user_names[uid],
                "title": "督学老师" if sup else _TITLES[int(r.random() * 4)] if r.random() < 0.9 else None,
                "subject_id": subj, "phone": g.phone() if r.random() < 0.7 else None,
                "intro": intro, "is_supervisor": sup,
                "hired_on": None if r.random() < 0.1 else _BASE_DATE - timedelta(days=ri(60, 3000)),
                "created_at": created, "updated_at": g.updated(created),
            }

    yield from _chunks("teachers", teachers())

    # ── projects ──
    n_projects = 4 * s
    project_names: dict[int, str] = {}
    project_year: dict[int, int] = {}

    def projects():
        for pid in range(1, n_projects + 1):
            k = (pid - 1) % 4
            year = 2026 + (pid - 1) // 4
            exam_type, pattern, prefix, (mo, dd) = _PROJECT_KINDS[k]
            name = pattern.format(y=year)
            project_names[pid], project_year[pid] = name, year
            created = g.ts(-300 + pid % 200)
            yield {
                "id": pid, "code": f"{prefix}{year}", "name": name, "exam_type": exam_type,
                "exam_date": None if pid % 5 == 4 else date(year if k else year - 1, mo, dd),
                "description": None if pid % 3 == 2 else f"{name}笔试+面试全流程辅导项目",
                "is_active": year <= 2028, "created_at": created, "updated_at": g.updated(created),
            }

    yield from _chunks("projects", projects())

    # ── packages ──
    n_packages = 8 * s

    def packages():
        for kid in range(1, n_packages + 1):
            pid = (kid - 1) // 2 + 1
            name, prices, days = _PACKAGE_KINDS[(kid - 1) % 2]
            price = prices[((kid - 1) // 2) % 3]
            created = g.ts(-250 + kid % 200)
            yield {
                "id": kid, "project_id": pid, "code": f"PKG{kid:05d}",
                "name": f"{project_names[pid]}{name}",
                "price": price,
                "original_price": None if kid % 3 == 0 else price + _money(ri(0, 200000)),
                "duration_days": days, "description": (
                    "含直播+录播+督学服务，价格含税" if kid % 4 else
                    "=限时优惠，报名即送真题 🎉" if kid == 4 else None),
                "is_active": kid % 9 != 0, "created_at": created, "updated_at": g.updated(created),
            }

    yield from _chunks("packages", packages())

    # ── class_types ──
    n_class_types = 5 * s

    def class_types():
        for cid in range(1, n_class_types + 1):
            name, mode, cap, desc = _CLASS_TYPES[(cid - 1) % 5]
            rnd = (cid - 1) // 5
            if rnd:
                name = f"{name}（{2026 + rnd}版）"
            created = g.ts(-320 + cid % 100)
            yield {
                "id": cid, "code": f"CT{cid:04d}", "name": name, "teaching_mode": mode,
                "max_students": cap if cid % 7 else None, "description": desc,
                "is_active": True, "created_at": created, "updated_at": g.updated(created),
            }

    yield from _chunks("class_types", class_types())

    # ── class_batches ──
    n_batches = 10 * s
    batch_start: dict[int, date] = {}

    def class_batches():
        for bid in range(1, n_batches + 1):
            pid = 1 + int(r.random() * n_projects)
            ctid = 1 + int(r.random() * n_class_types)
            start = _BASE_DATE + timedelta(days=ri(-120, 60))
            batch_start[bid] = start
            ct_name = _CLASS_TYPES[(ctid - 1) % 5][0]
            created = BASE_TIME + timedelta(days=(start - _BASE_DATE).days - 30,
                                            seconds=ri(0, 36000))
            yield {
                "id": bid, "code": f"BJ{bid:05d}",
                "name": f"{project_names[pid]}{ct_name}{bid}期",
                "project_id": pid, "class_type_id": ctid,
                "package_id": None if r.random() < 0.15 else 2 * pid - int(r.random() * 2),
                "head_teacher_id": None if r.random() < 0.1 else 1 + int(r.random() * n_teachers),
                "start_date": start,
                "end_date": None if r.random() < 0.1 else start + timedelta(days=ri(30, 180)),
                "capacity": None if r.random() < 0.1 else r.choice([30, 50, 60, 100, 200]),
                "status": _BATCH_STATUS[int(r.random() * 5)],
                "created_at": created, "updated_at": g.updated(created),
            }

    yield from _chunks("class_batches", class_batches())

    # ── schedules: 20 per batch, on distinct days ──
    per_batch = 20
    n_schedules = per_batch * n_batches
    sched_batch: list[int] = [0] * (n_schedules + 1)
    sched_start: list[datetime | None] = [None] * (n_schedules + 1)
    sched_subject: list[int] = [0] * (n_schedules + 1)
    sched_teacher: list[int | None] = [None] * (n_schedules + 1)
    slots = [(9, 0), (14, 0), (19, 0), (19, 30)]

    def schedules():
        sid = 0
        for bid in range(1, n_batches + 1):
            days = sorted(r.sample(range(0, 90), per_batch))
            for k, d in enumerate(days):
                sid += 1
                subj = 1 + int(r.random() * 3) if r.random() < 0.85 else 1 + int(r.random() * 6)
                hh, mm = slots[int(r.random() * 4)]
                start = datetime.combine(batch_start[bid] + timedelta(days=d), datetime.min.time()) \
                    .replace(hour=hh, minute=mm)
                topic = _SUBJECT_TOPICS[subj][int(r.random() * len(_SUBJECT_TOPICS[subj]))]
                tid = None if r.random() < 0.05 else lect_ids[int(r.random() * len(lect_ids))]
                sched_batch[sid], sched_start[sid] = bid, start
                sched_subject[sid], sched_teacher[sid] = subj, tid
                loc = _LOCATIONS[int(r.random() * len(_LOCATIONS))]
                online = loc.startswith("线上")
                x = r.random()
                if x < 0.2:
                    extra = None
                elif x < 0.25:
                    extra = {}
                else:
                    extra = {"platform": _PLATFORMS[sid % 4] if online else None,
                             "meeting_id": f"{ri(10 ** 8, 10 ** 9)}" if online else None,
                             "materials": [f"{topic}讲义.pdf"] + (["课后练习.docx"] if sid % 3 else []),
                             "tags": ["重点"] if sid % 5 == 0 else [],
                             "note": "记得带计算器 😀" if sid % 97 == 0 else "生僻字𠀀示例" if sid % 89 == 0 else None}
                created = datetime.combine(batch_start[bid], datetime.min.time()) - timedelta(
                    days=10, seconds=-ri(0, 36000))
                yield {
                    "id": sid, "batch_id": bid, "subject_id": subj, "teacher_id": tid,
                    "title": f"第{k + 1}讲 {_SUBJECTS[subj - 1][1]}：{topic}",
                    "start_at": start, "end_at": start + timedelta(hours=2 + (sid % 3) * 0.5),
                    "location": None if r.random() < 0.05 else loc,
                    "live_url": f"https://live.example.com/room/{sid:06d}" if online and sid % 4 else None,
                    "extra": extra, "created_at": created, "updated_at": g.updated(created),
                }

    yield from _chunks("schedules", schedules())

    # ── schedule_change_logs: distinct schedules ──
    n_changes = 20 * s

    def schedule_change_logs():
        for cid, sid in enumerate(sorted(r.sample(range(1, n_schedules + 1), n_changes)), 1):
            new_start = sched_start[sid]
            old_start = new_start - timedelta(days=ri(1, 4), hours=r.choice([0, 5, -5]))
            changed = old_start - timedelta(days=ri(1, 6), seconds=ri(3600, 36000))
            if cid % 3 == 0:
                changed = changed.replace(microsecond=ri(1, 10 ** 6))
            x = r.random()
            reason = (None if x < 0.1 else "" if x < 0.15 else
                      "-老师发烧请假，改期" if cid == 2 else
                      "调课啦 🎉 改到周末" if cid == 3 else
                      _CHANGE_REASONS[int(r.random() * len(_CHANGE_REASONS))])
            new_t = sched_teacher[sid]
            old_t = new_t if r.random() < 0.7 else lect_ids[int(r.random() * len(lect_ids))]
            yield {
                "id": cid, "schedule_id": sid, "changed_at": changed,
                "operator_id": None if r.random() < 0.1 else 1 + int(r.random() * 2),
                "old_start_at": old_start, "new_start_at": new_start,
                "old_teacher_id": old_t, "new_teacher_id": new_t, "reason": reason,
                "created_at": changed,
            }

    yield from _chunks("schedule_change_logs", schedule_change_logs())

    # ── course_recordings ──
    n_recordings = 100 * s

    def course_recordings():
        picked = sorted(r.sample(range(1, n_schedules + 1), n_recordings))
        for rid, sid in enumerate(picked, 1):
            standalone = r.random() < 0.1
            subj = sched_subject[sid]
            start = sched_start[sid]
            published = r.random() < 0.85
            created = start + timedelta(hours=3, seconds=ri(0, 3600))
            title = f"{_SUBJECTS[subj - 1][1]}录播：{_SUBJECT_TOPICS[subj][rid % len(_SUBJECT_TOPICS[subj])]}"
            if rid == 7:
                title += " 😀"
            yield {
                "id": rid, "code": f"REC{rid:06d}", "schedule_id": None if standalone else sid,
                "subject_id": subj, "title": title,
                "video_url": f"https://vod.example.com/dudao/{rid:06d}.m3u8",
                "duration_seconds": ri(1800, 10800), "is_published": published,
                "published_at": created + timedelta(hours=ri(1, 48)) if published else None,
                "created_at": created, "updated_at": g.updated(created),
            }

    yield from _chunks("course_recordings", course_recordings())

    # ── weakness_tags and module_categories (fixed) ──
    n_tags = len(_WEAKNESS_TAGS)
    yield Insert("weakness_tags", [
        {"id": i, "subject_id": subj, "name": name, "description": desc, "sort_order": i,
         "created_at": BASE_TIME - timedelta(days=400, minutes=-i),
         "updated_at": None if i % 3 else BASE_TIME - timedelta(days=20, minutes=i)}
        for i, (subj, name, desc) in enumerate(_WEAKNESS_TAGS, 1)])

    cat_id = {code: i for i, (code, *_rest) in enumerate(_CATEGORIES, 1)}
    cat_level: dict[str, int] = {}
    cat_rows = []
    siblings: dict[str | None, int] = {}
    for i, (code, name, parent, subj) in enumerate(_CATEGORIES, 1):
        cat_level[code] = 1 if parent is None else cat_level[parent] + 1
        siblings[parent] = siblings.get(parent, 0) + 1
        cat_rows.append({
            "id": i, "code": code, "name": name, "parent_id": cat_id[parent] if parent else None,
            "subject_id": subj, "level": cat_level[code], "sort_order": siblings[parent],
            "created_at": BASE_TIME - timedelta(days=450, seconds=-i * 61),
            "updated_at": None if i % 4 else BASE_TIME - timedelta(days=30, seconds=i)})
    yield Insert("module_categories", cat_rows)
    leaf_cats = [cat_id[c] for c, *_ in _CATEGORIES
                 if not any(p == c for _, _, p, _ in _CATEGORIES)]
    cat_names = {i: name for i, (_c, name, *_r) in enumerate(_CATEGORIES, 1)}

    # ── students (latest_log_id filled in after supervision_logs) ──
    n_students = 300 * s
    student_user_ids = list(range(3 + n_teachers, n_users + 1))
    linked = r.sample(range(1, n_students + 1), min(len(student_user_ids), n_students))
    student_user = dict(zip(linked, student_user_ids))
    student_sup: list[int | None] = [None] * (n_students + 1)
    student_created: list[datetime | None] = [None] * (n_students + 1)

    def students():
        for st in range(1, n_students + 1):
            uid = student_user.get(st)
            name = user_names[uid] if uid else g.name()[0]
            if st == 17:
                name = "𠀀小明"
            elif st == 29:
                name = "陈🎉"
            gender = "男" if r.random() < 0.45 else "女" if r.random() < 0.95 else None
            birth = date(1995, 1, 1) + timedelta(days=ri(0, 3650))
            x = r.random()
            target = (None if x < 0.08 else "" if x < 0.1 else
                      _TARGETS[int(r.random() * len(_TARGETS))])
            sup = None if r.random() < 0.05 else sup_ids[int(r.random() * len(sup_ids))]
            student_sup[st] = sup
            created = g.ts(ri(-200, -1), micro=st % 5 == 0)
            student_created[st] = created
            yield {
                "id": st, "student_no": f"S2026{st:06d}",
                "user_id": uid, "name": name,
                "phone": None if r.random() < 0.05 else g.phone(),
                "gender": gender,
                "id_card": None if r.random() < 0.3 else g.id_card(birth),
                "target_exam": target, "wechat_id": _wechat_id(st),
                "supervisor_id": sup, "latest_log_id": None,
                "status": _STUDENT_STATUS[int(r.random() * len(_STUDENT_STATUS))],
                "created_at": created, "updated_at": g.updated(created),
            }

    yield from _chunks("students", students())

    # ── student_batches: one batch each, a third have a second one ──
    batch_members: list[list[int]] = [[] for _ in range(n_batches + 1)]

    def student_batches():
        sbid = 0
        second_every = 3
        for st in range(1, n_students + 1):
            b1 = 1 + int(r.random() * n_batches)
            chosen = [b1]
            if st % second_every == 0 and n_batches > 1:
                b2 = 1 + int(r.random() * (n_batches - 1))
                chosen.append(b2 + 1 if b2 >= b1 else b2)
            for b in chosen:
                sbid += 1
                batch_members[b].append(st)
                joined = batch_start[b] - timedelta(days=ri(0, 30))
                yield {
                    "id": sbid, "student_id": st, "batch_id": b, "joined_on": joined,
                    "source": None if r.random() < 0.1 else _SOURCES[int(r.random() * len(_SOURCES))],
                    "created_at": datetime.combine(joined, datetime.min.time())
                    + timedelta(seconds=ri(28800, 79200)),
                }

    yield from _chunks("student_batches", student_batches())

    # ── supervision_logs: ~5 per student, ~8% of students none ──
    latest: dict[int, tuple[datetime, int]] = {}
    n_log_texts = len(_LOG_TEXTS)

    def supervision_logs():
        lid = 0
        edge_every = 150  # _LOG_EDGE texts go to logs 1, 151, 301, …: all of them at scale 1
        for st in range(1, n_students + 1):
            if r.random() < 0.08:
                continue
            n = 1 + int(r.random() * 10)  # 1..10: 92% × 5.5 ≈ 5 logs per student
            days = r.sample(range(0, 200), n)
            days.sort()
            sup = student_sup[st]
            for d in days:
                lid += 1
                logged = BASE_TIME + timedelta(days=d - 100, seconds=ri(0, 50400),
                                               microseconds=ri(0, 1_000_000) if lid % 3 else 0)
                if lid % edge_every == 1:
                    content = _LOG_EDGE[(lid // edge_every) % len(_LOG_EDGE)]
                else:
                    content = _LOG_TEXTS[int(r.random() * n_log_texts)].format(
                        n=ri(5, 120), p=ri(40, 95), h=ri(1, 6),
                        d=ri(1, 7))
                x = r.random()
                latest[st] = (logged, lid)
                yield {
                    "id": lid, "student_id": st,
                    "supervisor_id": sup if r.random() < 0.95 else None,
                    "logged_at": logged, "channel": _CHANNELS[int(r.random() * 6)],
                    "content": content,
                    "mood": None if x < 0.2 else "" if x < 0.22 else _MOODS[int(r.random() * 6)],
                    "study_minutes": None if r.random() < 0.25 else ri(0, 600),
                    "weakness_tag_id": None if r.random() < 0.6 else 1 + int(r.random() * n_tags),
                    "next_follow_up_on": (None if r.random() < 0.5
                                          else logged.date() + timedelta(days=ri(1, 8))),
                    "created_at": logged + timedelta(seconds=ri(0, 120)),
                }

    yield from _chunks("supervision_logs", supervision_logs())

    # close the cycle: each student with logs points at the newest one
    upd = [{"id": st, "latest_log_id": lid} for st, (_t, lid) in sorted(latest.items())]
    for i in range(0, len(upd), BATCH):
        yield Update("students", upd[i:i + BATCH])

    # ── homework_tasks: 5 per batch ──
    hw_per_batch = 5
    n_hw = hw_per_batch * n_batches
    hw_batch: list[int] = [0] * (n_hw + 1)
    hw_assigned: list[datetime | None] = [None] * (n_hw + 1)
    hw_due: list[datetime | None] = [None] * (n_hw + 1)
    hw_total: list[Decimal] = [Decimal("100.00")] * (n_hw + 1)

    def homework_tasks():
        hid = 0
        for bid in range(1, n_batches + 1):
            for k in range(1, hw_per_batch + 1):
                hid += 1
                subj = 1 + int(r.random() * 3)
                assigned = datetime.combine(batch_start[bid], datetime.min.time()) + timedelta(
                    days=k * 7, hours=20, seconds=ri(0, 3600))
                due = assigned + timedelta(days=r.choice([2, 3, 7]))
                hw_batch[hid], hw_assigned[hid], hw_due[hid] = bid, assigned, due
                total = Decimal("40.00") if subj == 2 else Decimal("100.00")
                hw_total[hid] = total
                kind = _HW_KINDS[int(r.random() * len(_HW_KINDS))]
                cat = leaf_cats[int(r.random() * len(leaf_cats))] if subj == 1 and r.random() < 0.8 else None
                x = r.random()
                yield {
                    "id": hid, "batch_id": bid, "subject_id": subj,
                    "teacher_id": None if r.random() < 0.1 else lect_ids[int(r.random() * len(lect_ids))],
                    "module_category_id": cat,
                    "title": f"第{k}次作业：{_SUBJECTS[subj - 1][1]}{kind}",
                    "content": (None if x < 0.1 else "" if x < 0.13 else
                                f"请在{due:%m月%d日 %H:%M}前完成{cat_names[cat] if cat else ''}{kind}，拍照上传。"
                                + ("\n@全体学员 不要抄答案 🎉" if hid % 13 == 0 else "")),
                    "assigned_at": assigned, "due_at": due,
                    "total_score": total,
                    "created_at": assigned - timedelta(minutes=ri(5, 600)),
                    "updated_at": None if r.random() < 0.5 else assigned + timedelta(hours=1),
                }

    yield from _chunks("homework_tasks", homework_tasks())

    # ── homework_submissions: ~half of the (task, batch member) pairs ──
    pairs = sum(len(batch_members[hw_batch[h]]) for h in range(1, n_hw + 1))
    p_submit = min(1.0, 1000 * s / pairs) if pairs else 0.0

    def homework_submissions():
        sid = 0
        for hid in range(1, n_hw + 1):
            full = hw_total[hid]
            top = int(full * 100)
            assigned, due = hw_assigned[hid], hw_due[hid]
            for st in batch_members[hw_batch[hid]]:
                if r.random() >= p_submit:
                    continue
                sid += 1
                submitted = assigned + timedelta(seconds=ri(1800, 86400 * 9),
                                                 microseconds=ri(0, 10 ** 6) if sid % 4 == 0 else 0)
                late = submitted > due
                graded = r.random() < 0.75
                status = "迟交" if late and not graded else ("已批改" if graded else "已提交")
                score = _score(ri(top * 3 // 10, top + 1)) if graded else None
                if graded and sid % 97 == 0:
                    score = Decimal("0.00") if sid % 2 else full
                graded_at = submitted + timedelta(hours=ri(1, 72)) if graded else None
                x = r.random()
                yield {
                    "id": sid, "task_id": hid, "student_id": st, "submitted_at": submitted,
                    "content": (None if x < 0.3 else "" if x < 0.33 else
                                "=A1+B1 学员把公式当答案交了" if sid % 149 == 0 else
                                "答案见附件 😀" if sid % 61 == 0 else "已完成，请老师批改"),
                    "attachment_url": (None if r.random() < 0.3
                                       else f"https://oss.example.com/hw/{hid}/{st}.jpg"),
                    "status": status, "score": score,
                    "graded_by": (lect_ids[int(r.random() * len(lect_ids))]
                                  if graded and r.random() < 0.95 else None),
                    "graded_at": graded_at,
                    "feedback": (_FEEDBACKS[int(r.random() * len(_FEEDBACKS))]
                                 if graded and r.random() < 0.7 else None),
                    "created_at": submitted,
                    "updated_at": graded_at,
                }

    yield from _chunks("homework_submissions", homework_submissions())

    # ── attendances: ~a quarter of the (schedule, batch member) pairs ──
    pairs = sum(len(batch_members[sched_batch[sc]]) for sc in range(1, n_schedules + 1))
    p_att = min(1.0, 2000 * s / pairs) if pairs else 0.0
    staff_users = [1, 2] + teacher_user_ids
    n_att_status = len(_ATT_STATUS)

    def attendances():
        aid = 0
        for sc in range(1, n_schedules + 1):
            start = sched_start[sc]
            for st in batch_members[sched_batch[sc]]:
                if r.random() >= p_att:
                    continue
                aid += 1
                status = _ATT_STATUS[int(r.random() * n_att_status)]
                if status == "出勤":
                    checked = start - timedelta(seconds=ri(0, 900))
                    remark = None if r.random() < 0.97 else ("+1 全勤" if aid % 2 else "")
                elif status == "迟到":
                    checked = start + timedelta(seconds=ri(60, 2400))
                    remark = _ATT_REMARKS[status][int(r.random() * 3)]
                else:
                    checked = None
                    remark = _ATT_REMARKS[status][int(r.random() * 3)]
                if aid % 499 == 0:
                    remark = "请假条已上传 🎉"
                created = start + timedelta(hours=2, seconds=ri(0, 3600))
                yield {
                    "id": aid, "student_id": st, "schedule_id": sc, "status": _ATT_ENUM[status],
                    "checked_in_at": checked, "remark": remark,
                    "recorded_by": (None if r.random() < 0.1
                                    else staff_users[int(r.random() * len(staff_users))]),
                    "created_at": created,
                    "updated_at": None if r.random() < 0.85 else created + timedelta(days=1),
                }

    yield from _chunks("attendances", attendances())

    # ── study_plans: 0, 1 or 2 per student (mean 1) ──
    plan_student: list[int] = [0]
    plan_start: list[date | None] = [None]
    sup_user = {tid: teacher_user_ids[tid - 1] for tid in sup_ids}

    def study_plans():
        pid = 0
        for st in range(1, n_students + 1):
            x = r.random()
            n = 0 if x < 0.2 else 1 if x < 0.8 else 2
            first = (student_created[st].date() + timedelta(days=ri(1, 15)))
            for k in range(n):
                pid += 1
                start = first + timedelta(days=45 * k)
                end = None if r.random() < 0.1 else start + timedelta(days=r.choice([30, 45, 60, 90]))
                plan_student.append(st)
                plan_start.append(start)
                y = r.random()
                sup = student_sup[st]
                meta = (None if y < 0.25 else {} if y < 0.28 else
                        {"weekly_hours": ri(8, 40),
                         "focus": [cat_names[leaf_cats[int(r.random() * len(leaf_cats))]] for _ in range(2)],
                         "reminder": {"channel": "微信", "time": "21:30"},
                         "motto": "一次上岸 🎉" if pid % 37 == 0 else None})
                created = datetime.combine(start, datetime.min.time()) - timedelta(
                    days=1, seconds=-ri(32400, 79200))
                z = r.random()
                yield {
                    "id": pid, "student_id": st,
                    "title": f"{_TARGETS[pid % len(_TARGETS)]}备考计划" + ("（第二阶段）" if k else ""),
                    "start_date": start, "end_date": end,
                    "status": _PLAN_STATUS[int(r.random() * len(_PLAN_STATUS))],
                    "created_by": sup_user.get(sup) if sup and r.random() < 0.9 else None,
                    "summary": (None if z < 0.4 else "" if z < 0.43 else
                                "-本阶段以刷题为主，每周一次模考" if pid % 53 == 0 else
                                "基础薄弱，先补行测数量关系和资料分析，再练申论大作文。"),
                    "meta": meta, "created_at": created, "updated_at": g.updated(created),
                }

    yield from _chunks("study_plans", study_plans())
    n_plans = len(plan_student) - 1

    # ── plan_goals: 1..3 per plan (mean 2) ──
    plan_goals_ids: list[tuple[int, int]] = [(0, 0)] * (n_plans + 1)  # first id, count

    def plan_goals():
        gid = 0
        for pid in range(1, n_plans + 1):
            n = 1 + int(r.random() * 3)
            plan_goals_ids[pid] = (gid + 1, n)
            created = datetime.combine(plan_start[pid], datetime.min.time()) + timedelta(hours=9)
            for k in range(1, n + 1):
                gid += 1
                tpl = _GOAL_TEXTS[int(r.random() * len(_GOAL_TEXTS))]
                subj = 2 if "申论" in tpl else 3 if "面试" in tpl else 1 if r.random() < 0.8 else None
                yield {
                    "id": gid, "plan_id": pid, "seq": k, "subject_id": subj,
                    "description": tpl.format(s=ri(60, 85), p=ri(70, 95),
                                              n=ri(10, 50)) + ("（𠀀）" if gid % 401 == 0 else ""),
                    "target_score": None if r.random() < 0.3 else _score(ri(6000, 8500)),
                    "achieved": r.random() < 0.3,
                    "created_at": created + timedelta(minutes=k),
                    "updated_at": None if r.random() < 0.5 else created + timedelta(days=ri(1, 40)),
                }

    yield from _chunks("plan_goals", plan_goals())

    # ── plan_tasks: 3..7 per plan (mean 5) ──
    task_plan_start: list[date | None] = [None]
    task_status: list[str] = [""]

    def plan_tasks():
        tid = 0
        for pid in range(1, n_plans + 1):
            g_first, g_n = plan_goals_ids[pid]
            n = 3 + int(r.random() * 5)
            start = plan_start[pid]
            for k in range(1, n + 1):
                tid += 1
                cat = leaf_cats[int(r.random() * len(leaf_cats))]
                status = _TASK_STATUS[int(r.random() * 4)]
                task_plan_start.append(start)
                task_status.append(status)
                created = datetime.combine(start, datetime.min.time()) + timedelta(hours=10, minutes=k)
                yield {
                    "id": tid, "plan_id": pid, "seq": k,
                    "goal_id": None if r.random() < 0.2 else g_first + int(r.random() * g_n),
                    "module_category_id": cat if r.random() < 0.8 else None,
                    "title": _TASK_TEXTS[int(r.random() * len(_TASK_TEXTS))].format(
                        c=cat_names[cat], n=ri(1, 60)),
                    "due_date": None if r.random() < 0.15 else start + timedelta(days=ri(1, 30)),
                    "estimated_minutes": None if r.random() < 0.2 else r.choice([30, 45, 60, 90, 120]),
                    "status": status, "created_at": created,
                    "updated_at": None if status == "未开始" else created + timedelta(days=ri(1, 30)),
                }

    yield from _chunks("plan_tasks", plan_tasks())
    n_tasks = len(task_status) - 1

    # ── plan_progresses: 1..3 per started task (≈ 2000 per 1500 tasks) ──
    staff = teacher_user_ids

    def plan_progresses():
        prid = 0
        n_notes = len(_PROGRESS_NOTES)
        for tid in range(1, n_tasks + 1):
            if task_status[tid] == "未开始":
                continue
            n = int(r.random() * 4)  # 1..3 (mean ≈ 1.9) for the ~75% started tasks
            if n == 0:
                n = 1 + int(r.random() * 2)
            days = sorted(r.sample(range(0, 30), n))
            pct = 0
            base = datetime.combine(task_plan_start[tid], datetime.min.time())
            for d in days:
                prid += 1
                pct = min(100, pct + ri(10, 60))
                if task_status[tid] == "已完成" and d == days[-1]:
                    pct = 100
                recorded = base + timedelta(days=d, seconds=ri(28800, 84000),
                                            microseconds=ri(0, 10 ** 6) if prid % 2 else 0)
                note = _PROGRESS_NOTES[int(r.random() * n_notes)]
                if prid % 577 == 0:
                    note = "@督学老师 这题不会 𠀀"
                yield {
                    "id": prid, "task_id": tid, "recorded_at": recorded, "percent": pct,
                    "minutes_spent": None if r.random() < 0.2 else ri(10, 180),
                    "score": None if r.random() < 0.6 else _score(ri(0, 10001)),
                    "note": note,
                    "recorded_by": staff[int(r.random() * len(staff))] if r.random() < 0.3 else None,
                    "created_at": recorded,
                }

    yield from _chunks("plan_progresses", plan_progresses())

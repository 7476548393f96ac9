"""The checklist that identifies a weak and lax branch (软弱涣散基层党组织), as shipped; a
county may switch items off or add its own (the rows are data)."""

from __future__ import annotations

# (key, label): the situations the Party's organisation departments list
CRITERIA: tuple[tuple[str, str], ...] = (
    ("secretary", "党组织书记长期空缺，或不胜任、不尽职"),
    ("disunity", "班子不团结、内耗严重，工作不能正常开展"),
    ("organisational_life", "组织生活不正常，三会一课等制度形同虚设"),
    ("interference", "宗族宗教、黑恶势力干扰渗透，村务被操控"),
    ("village_affairs", "村务管理混乱，财务不公开不透明"),
    ("petitions", "信访矛盾纠纷集中，群众反映强烈"),
    ("collective_economy", "村集体经济薄弱，没有稳定收入"),
    ("services", "服务群众意识差，群众满意度低"),
    ("discipline", "党员干部违纪违法问题突出"),
    ("poverty_tasks", "脱贫攻坚任务落实不力"),
)

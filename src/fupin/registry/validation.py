"""Field rules of the registry (IMPORT_TEMPLATE.md), shared by forms, API and import."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from django.utils.translation import gettext as _
from pypinyin import lazy_pinyin
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

from fupin.core import clock

_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_LANDLINE = re.compile(r"^0[0-9]{2,3}-?[0-9]{7,8}$")
_SCHOOLING = re.compile(
    r"^(学前|非在校生|(小学[1-6一二三四五六]|初中[1-3一二三]|高中[1-3一二三]|中职[1-3一二三])年级"
    r"|高中|中职|大专|本科及以上)$"
)


class FieldError(ValueError):
    """A value that breaks a field rule; the message is for the person who typed it."""


def normalise_text(value: str) -> str:
    """Full-width digits and letters become half-width; surrounding spaces go."""
    return unicodedata.normalize("NFKC", value).strip()


@dataclass(frozen=True)
class IdFacts:
    birth_date: date
    sex: str  # "male" / "female"


def normalise_id_number(value: str) -> str:
    return normalise_text(value).replace(" ", "").upper()


def check_id_number(value: str) -> IdFacts:
    """Validate an 18-digit resident ID, or a 20/22-character disability certificate
    number (the ID followed by category and grade digits)."""
    number = normalise_id_number(value)
    if len(number) in (20, 22):
        if not number[18:].isdigit():
            raise FieldError(_("残疾人证号须为身份证号加2位或4位数字"))
        number = number[:18]
    if len(number) != 18:
        raise FieldError(
            _("证件号码须为18位（残疾人证号20或22位），现为%(n)d位") % {"n": len(number)}
        )
    try:
        ric.validate(number)
    except InvalidChecksum as exc:
        raise FieldError(_("证件号码校验位错误")) from exc
    except InvalidComponent as exc:
        raise FieldError(_("证件号码中的出生日期或地区代码无效")) from exc
    except (InvalidFormat, InvalidLength) as exc:
        raise FieldError(_("证件号码格式错误")) from exc
    birth = ric.get_birth_date(number)
    if birth > clock.today():
        raise FieldError(_("证件号码中的出生日期晚于今天"))
    sex = "male" if int(number[16]) % 2 == 1 else "female"
    return IdFacts(birth_date=birth, sex=sex)


def check_sex_agrees(id_number: str, sex: str) -> None:
    facts = check_id_number(id_number)
    if facts.sex != sex:
        raise FieldError(
            _("性别与证件号码不符（证件号码显示为%(sex)s）")
            % {"sex": _("男") if facts.sex == "male" else _("女")}
        )


def check_phone(value: str) -> str:
    phone = normalise_text(value).replace(" ", "")
    if phone and not (_MOBILE.match(phone) or _LANDLINE.match(phone)):
        raise FieldError(_("联系电话须为11位手机号或带区号的固定电话"))
    return phone


def check_schooling(value: str) -> str:
    text = normalise_text(value)
    if text and not _SCHOOLING.match(text):
        raise FieldError(_("在校生状况须为 学前、小学N年级、初中N年级、高中N年级 或 非在校生"))
    return text


@lru_cache(maxsize=32768)
def _char_pinyin(char: str) -> str:
    return "".join(lazy_pinyin(char, errors="ignore")).lower()


def name_search_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials) of a name, lower-case without spaces: 张三 → (zhangsan, zs).

    Character by character: names draw on a few thousand characters, so a million names
    cost a million dictionary look-ups rather than a million conversions.
    """
    syllables = [p for p in map(_char_pinyin, name) if p]
    return "".join(syllables), "".join(p[0] for p in syllables)


def id_search_key(id_number: str) -> str:
    return id_number[::-1]


def build_id_number(region: str, birth: date, sequence: int) -> str:
    """A valid 18-digit resident ID for demo and test data: region (6 digits), birth
    date, a 3-digit sequence whose parity gives the sex (odd = male), check digit."""
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")

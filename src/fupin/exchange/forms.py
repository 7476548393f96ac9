"""Forms of the exchange pages: the upload and the export choice. Rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class ImportForm(forms.Form):
    upload = MultipleFileField(
        label=_("文件"),
        required=False,
        help_text=_(
            "一个 .xlsx 工作簿（“户”和“成员”两张表），或 households.csv 和 members.csv "
            "两个文件，或一个包含这两个文件的 .zip。"
        ),
        widget=MultipleFileInput(attrs={"accept": ".xlsx,.csv,.zip", "multiple": True}),
    )
    dry_run = forms.BooleanField(label=_("试运行（只校验，不写入）"), required=False)
    create_areas = forms.BooleanField(label=_("自动创建区划"), required=False)
    reason = forms.CharField(
        label=_("导入原因"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("例如：2024年度动态调整")}),
    )


class UploadSizeLimit(FileUploadHandler):
    """Stops reading an upload as soon as its files pass ``limit`` bytes in all."""

    def __init__(self, request: HttpRequest | None = None, *, limit: int = 0) -> None:
        super().__init__(request)
        self.limit = limit
        self.seen = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.seen += len(raw_data)
        if self.seen > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None

"""A catalog import run: what was uploaded, how far it got, what it changed and every row problem."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
    STATES = [(QUEUED, _("queued")), (RUNNING, _("running")), (DONE, _("finished")), (FAILED, _("failed"))]

    source_name = models.CharField(_("file"), max_length=255)
    stored_path = models.CharField(max_length=1000, blank=True, editable=False)
    file_format = models.CharField(_("format"), max_length=20, default="auto")
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    warehouse_code = models.CharField(_("default warehouse"), max_length=50, blank=True)
    dry_run = models.BooleanField(_("dry run (nothing written)"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=STATES, default=QUEUED)
    rows_done = models.PositiveIntegerField(_("rows processed"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in file"), null=True, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    notices = models.JSONField(_("notices"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("catalog import")
        verbose_name_plural = _("catalog imports")
        ordering = ["-created_at"]
        permissions = [("import_catalog", _("Can import a catalog file"))]

    def __str__(self) -> str:
        return f"{self.source_name} ({self.get_status_display()})"

    @property
    def progress_percent(self) -> int:
        if self.status == self.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(100 * self.rows_done / self.rows_total))


class ImportProblem(models.Model):
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="problems")
    row = models.PositiveIntegerField(_("row"))
    column = models.CharField(_("column"), max_length=200, blank=True)
    code = models.CharField(_("code"), max_length=40)
    kind = models.CharField(_("kind"), max_length=10)
    message = models.TextField(_("reason"))
    value = models.CharField(_("value"), max_length=80, blank=True)

    class Meta:
        ordering = ["row", "id"]

    def __str__(self) -> str:
        return f"row {self.row}: {self.code}"

"""Clinician reports: what a diary shows over a period, as data and as a PDF."""

from neckcheck.reports.summary import ReportData, build_report

__all__ = ["ReportData", "build_report"]

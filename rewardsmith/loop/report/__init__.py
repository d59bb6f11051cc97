"""The end of a run: summary.json, best_reward.py, report.html and TensorBoard files, all from the record."""

from rewardsmith.loop.report.model import ReportError
from rewardsmith.loop.report.summary import design_result
from rewardsmith.loop.report.write import REPORT, ReportTask, write_html_report, write_report

__all__ = ["REPORT", "ReportError", "ReportTask", "design_result", "write_html_report", "write_report"]

"""Churn analysis package: functions promoted out of the exploration notebooks."""

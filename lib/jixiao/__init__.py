"""jixiao (绩效): fiscal performance evaluation reports from a department's workbooks."""

__version__ = "0.1.0"

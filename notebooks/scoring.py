# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 评价得分
#
# 口径:一级指标的分值与得分为其下各三级指标之和;得分率 = 得分 ÷ 分值;合计 = 各一级指标得分之和。
# 等级:优(≥90)、良(80–90)、中(60–80)、差(<60),含下限。评分表不分年度,只在整个评价期的报告中列示。

# %% tags=["parameters"]
evaluation: str = ""  # folder under data/raw/; blank: the one in params.yaml
period: str = ""  # a year such as 2020 or a span such as 2019-2021; blank: the whole span
span: str = ""  # the evaluation's whole period; blank: the one in params.yaml
project: str = ""  # the evaluated project's title; blank: the one in params.yaml
raw_dir: str = ""  # folder of raw workbooks; blank: data/raw/<evaluation>
results_dir: str = ""  # folder of the batch's computed results for this period; blank: compute them here

# %%
from jixiao import report as jx
from jixiao.sections import scoring

r = jx.open_report("scoring", evaluation, period, span, project, raw_dir, results_dir)
jx.heading(r)

# %% [markdown]
# ## 一、评价得分总表

# %%
scoring.summary(r)

# %% [markdown]
# ## 二、指标得分明细

# %%
scoring.details(r)

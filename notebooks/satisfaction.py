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
# # 满意度
#
# 口径:选项占比 = 选择该项的单位 ÷ 回答该题的单位;满意类占比 = “是否满意”标为 1 的选项占比之和。
# 问卷不分年度,只在整个评价期的报告中列示。“好差评”按月份统计:五星好评率 = 5星 ÷ 全部评价;
# 差评 = 1星 + 2星。

# %% tags=["parameters"]
evaluation: str = ""  # folder under data/raw/; blank: the one in params.yaml
period: str = ""  # a year such as 2020 or a span such as 2019-2021; blank: the whole span
span: str = ""  # the evaluation's whole period; blank: the one in params.yaml
project: str = ""  # the evaluated project's title; blank: the one in params.yaml
raw_dir: str = ""  # folder of raw workbooks; blank: data/raw/<evaluation>
results_dir: str = ""  # folder of the batch's computed results for this period; blank: compute them here

# %%
from jixiao import report as jx
from jixiao.sections import satisfaction

r = jx.open_report("satisfaction", evaluation, period, span, project, raw_dir, results_dir)
jx.heading(r)

# %% [markdown]
# ## 一、使用单位问卷调查

# %%
satisfaction.survey_results(r)

# %% [markdown]
# ## 二、群众“好差评”

# %%
satisfaction.public_reviews(r)

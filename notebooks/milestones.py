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
# # 产出时效(进度)
#
# 口径:计划完成日期落在本期内的节点计为“计划”;实际完成日期不晚于本期末的计为“完成”;
# 如期完成率 = 完成 ÷ 计划。“严格按期”另列:实际完成日期不晚于计划完成日期。

# %% tags=["parameters"]
evaluation: str = ""  # folder under data/raw/; blank: the one in params.yaml
period: str = ""  # a year such as 2020 or a span such as 2019-2021; blank: the whole span
span: str = ""  # the evaluation's whole period; blank: the one in params.yaml
project: str = ""  # the evaluated project's title; blank: the one in params.yaml
raw_dir: str = ""  # folder of raw workbooks; blank: data/raw/<evaluation>
results_dir: str = ""  # folder of the batch's computed results for this period; blank: compute them here

# %%
from jixiao import report as jx
from jixiao.sections import milestones

r = jx.open_report("milestones", evaluation, period, span, project, raw_dir, results_dir)
jx.heading(r)

# %% [markdown]
# ## 一、各阶段计划与完成情况

# %%
milestones.completion(r)

# %% [markdown]
# ## 二、期末尚未完成的节点

# %%
milestones.open_list(r)

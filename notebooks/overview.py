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
# # 评价概况
#
# 本节汇总本报告期间各章节的关键数字:资金使用、进度节点、满意度和评价得分。
# 所有数字均由 `data/raw/` 下的原始工作簿按输入约定中的口径计算,不做手工录入。

# %% tags=["parameters"]
evaluation: str = ""  # folder under data/raw/; blank: the one in params.yaml
period: str = ""  # a year such as 2020 or a span such as 2019-2021; blank: the whole span
span: str = ""  # the evaluation's whole period; blank: the one in params.yaml
project: str = ""  # the evaluated project's title; blank: the one in params.yaml
raw_dir: str = ""  # folder of raw workbooks; blank: data/raw/<evaluation>
results_dir: str = ""  # folder of the batch's computed results for this period; blank: compute them here

# %%
from jixiao import report as jx
from jixiao.sections import overview

r = jx.open_report("overview", evaluation, period, span, project, raw_dir, results_dir)
jx.heading(r)

# %% [markdown]
# ## 主要指标

# %%
overview.key_figures(r)

# %% [markdown]
# ## 与已发布报告核对
#
# 评价文件夹中有 `published.yaml`(已发布报告刊印的数字)时,逐项列出刊印值与由原始数据重新计算的值。
# 不一致的项目通常是报告自身的算术或口径问题,以数据计算值为准。

# %%
overview.published_check(r)

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
# # 资金使用情况
#
# 口径:预算执行率 = 本期内支付金额 ÷ 本期各年度调整后预算;子项目支出率 = 截至期末的累计支付 ÷ 该子项目立项批复金额,
# 未批复(立项批复金额为空)的子项目不参与分档。金额单位为万元,按分精确求和。

# %% tags=["parameters"]
evaluation: str = ""  # folder under data/raw/; blank: the one in params.yaml
period: str = ""  # a year such as 2020 or a span such as 2019-2021; blank: the whole span
span: str = ""  # the evaluation's whole period; blank: the one in params.yaml
project: str = ""  # the evaluated project's title; blank: the one in params.yaml
raw_dir: str = ""  # folder of raw workbooks; blank: data/raw/<evaluation>
results_dir: str = ""  # folder of the batch's computed results for this period; blank: compute them here

# %%
from jixiao import report as jx
from jixiao.sections import expenditure

r = jx.open_report("expenditure", evaluation, period, span, project, raw_dir, results_dir)
jx.heading(r)

# %% [markdown]
# ## 一、预算执行情况(分年度)

# %%
expenditure.budget_execution(r)

# %% [markdown]
# ## 二、分领域投资与支出

# %%
expenditure.by_domain(r)

# %% [markdown]
# ## 三、子项目支出率分布

# %%
expenditure.bands(r)

# %% [markdown]
# ## 四、暂未下达资金的子项目

# %%
expenditure.no_funds(r)

# %% [markdown]
# ## 附:各子项目支出率

# %%
expenditure.subproject_rates(r)

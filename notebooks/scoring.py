# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     notebook_metadata_filter: -jupytext.text_representation
#   kernelspec:
#     display_name: Python (jixiao)
#     language: python
#     name: jixiao
# ---

# %% [markdown]
# # 评价得分
#
# 口径：一级指标的分值与得分为其下各三级指标之和；得分率 = 得分 ÷ 分值；合计 = 各一级指标得分之和。等级：优（≥90）、良（80–90）、中（60–80）、差（<60），含下限。评分表不分年度，只在整个评价期的报告中列示。

# %% tags=["parameters"]
evaluation: str = ""  # 评价名:data/raw/ 下的文件夹名,按其参数文件打开;留空为 params.yaml 的评价
period: str = ""  # 报告期间:年份如 2020,或期间如 2019-2021(-p period 2020 按数字传入亦可);留空为整个评价期
span: str = ""  # 整个评价期,如 2019-2021;留空取该评价参数文件(如 params.yaml)中的值
project: str = ""  # 被评价项目名称,印在每页;留空取该评价参数文件中的值
raw_dir: str = ""  # 原始工作簿所在文件夹;留空为 data/raw/<evaluation>
results_dir: str = ""  # 批量运行已算好的本期结果所在文件夹;留空则在本笔记本内由原始工作簿计算

# %%
import jixiao as jx
from jixiao.sections import scoring

r = jx.open_section("scoring", evaluation, period, span, project, raw_dir, results_dir)
jx.heading(r)

# %% [markdown]
# ## 一、评价得分总表

# %%
jx.show(scoring.summary(r))

# %% [markdown]
# ## 二、指标得分明细

# %%
jx.show(scoring.details(r))

# %% [markdown]
# ## 三、由数据计算的指标得分核对
#
# 评分表中填写了“计分依据”的指标，按“计分方法”“目标值”“计分参数”由数据重新计算得分（精确计算，四舍五入到 0.01 分），与评价人员填写的得分并列；相差超过 0.005 分的标为“不一致”。

# %%
jx.show(scoring.computed_checks(r))

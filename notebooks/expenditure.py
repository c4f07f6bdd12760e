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
# # 资金使用情况
#
# 口径：支出率 = 本期内支付金额 ÷ 本期各年度调整后预算（已发布报告的用词）；子项目支出率 = 截至期末的累计支付 ÷ 该子项目立项批复金额，未批复（立项批复金额为空或批复日期在期末之后）的子项目不参与分档。金额单位为万元，按分精确求和。

# %% tags=["parameters"]
evaluation: str = ""  # 评价名:data/raw/ 下的文件夹名,按其参数文件打开;留空为 params.yaml 的评价
period: str = ""  # 报告期间:年份如 2020,或期间如 2019-2021(-p period 2020 按数字传入亦可);留空为整个评价期
span: str = ""  # 整个评价期,如 2019-2021;留空取该评价参数文件(如 params.yaml)中的值
project: str = ""  # 被评价项目名称,印在每页;留空取该评价参数文件中的值
raw_dir: str = ""  # 原始工作簿所在文件夹;留空为 data/raw/<evaluation>
results_dir: str = ""  # 批量运行已算好的本期结果所在文件夹;留空则在本笔记本内由原始工作簿计算

# %%
import jixiao as jx
from jixiao.sections import expenditure

r = jx.open_section("expenditure", evaluation, period, span, project, raw_dir, results_dir)
jx.heading(r)

# %% [markdown]
# ## 一、预算执行情况（分年度）

# %%
jx.show(expenditure.budget_execution(r))

# %% [markdown]
# ## 二、分领域投资与支出

# %%
jx.show(expenditure.by_domain(r))

# %% [markdown]
# ## 三、子项目支出率分布

# %%
jx.show(expenditure.bands(r))

# %% [markdown]
# ## 四、暂未下达资金的子项目

# %%
jx.show(expenditure.no_funds(r))

# %% [markdown]
# ## 附：各子项目支出率

# %%
jx.show(expenditure.subproject_rates(r))

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
# # 满意度
#
# 口径：选项占比 = 选择该项的单位 ÷ 回答该题的单位；合计占比 = “是否满意”标为 1 的选项占比之和，以这些选项命名（如“十分合理+较为合理”）。问卷不分年度，只在整个评价期的报告中列示。“好差评”按月份统计：五星好评率 = 5星 ÷ 全部评价；差评 = 1星 + 2星。

# %% tags=["parameters"]
evaluation: str = ""  # 评价名:data/raw/ 下的文件夹名,按其参数文件打开;留空为 params.yaml 的评价
period: str = ""  # 报告期间:年份如 2020,或期间如 2019-2021(-p period 2020 按数字传入亦可);留空为整个评价期
span: str = ""  # 整个评价期,如 2019-2021;留空取该评价参数文件(如 params.yaml)中的值
project: str = ""  # 被评价项目名称,印在每页;留空取该评价参数文件中的值
raw_dir: str = ""  # 原始工作簿所在文件夹;留空为 data/raw/<evaluation>
results_dir: str = ""  # 批量运行已算好的本期结果所在文件夹;留空则在本笔记本内由原始工作簿计算

# %%
import jixiao as jx
from jixiao.sections import satisfaction

r = jx.open_section("satisfaction", evaluation, period, span, project, raw_dir, results_dir)
jx.heading(r)

# %% [markdown]
# ## 一、使用单位问卷调查

# %%
jx.show(satisfaction.survey_results(r))

# %% [markdown]
# ## 二、群众“好差评”

# %%
jx.show(satisfaction.public_reviews(r))

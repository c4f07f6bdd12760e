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
# # 产出时效（进度）
#
# 口径：计划完成日期落在本期内的节点计为“计划”；实际完成日期不晚于本期末的计为“完成”；期末完成率 = 完成 ÷ 计划（有的报告称“如期完成率”）。另列其中按期完成（实际完成日期不晚于计划完成日期）的节点。

# %% tags=["parameters"]
evaluation: str = ""  # 评价名:data/raw/ 下的文件夹名,按其参数文件打开;留空为 params.yaml 的评价
period: str = ""  # 报告期间:年份如 2020,或期间如 2019-2021(-p period 2020 按数字传入亦可);留空为整个评价期
span: str = ""  # 整个评价期,如 2019-2021;留空取该评价参数文件(如 params.yaml)中的值
project: str = ""  # 被评价项目名称,印在每页;留空取该评价参数文件中的值
raw_dir: str = ""  # 原始工作簿所在文件夹;留空为 data/raw/<evaluation>
results_dir: str = ""  # 批量运行已算好的本期结果所在文件夹;留空则在本笔记本内由原始工作簿计算

# %%
import jixiao as jx
from jixiao.sections import milestones

r = jx.open_section("milestones", evaluation, period, span, project, raw_dir, results_dir)
jx.heading(r)

# %% [markdown]
# ## 一、各阶段计划与完成情况

# %%
jx.show(milestones.completion(r))

# %% [markdown]
# ## 二、期末尚未完成的节点

# %%
jx.show(milestones.open_list(r))

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
# # 历年对比
#
# 评价期内各年度并列:每年的数字与该年度报告的同一数字相同(由同一计算得出)。预算执行为当年口径
# (支付日期在当年内),子项目支出率为截至当年末的累计口径。只在整个评价期的报告中给出。

# %% tags=["parameters"]
evaluation: str = ""  # 评价名:data/raw/ 下的文件夹名,按其参数文件打开;留空为 params.yaml 的评价
period: str = ""  # 报告期间:年份如 2020,或期间如 2019-2021(-p period 2020 按数字传入亦可);留空为整个评价期
span: str = ""  # 整个评价期,如 2019-2021;留空取该评价参数文件(如 params.yaml)中的值
project: str = ""  # 被评价项目名称,印在每页;留空取该评价参数文件中的值
raw_dir: str = ""  # 原始工作簿所在文件夹;留空为 data/raw/<evaluation>
results_dir: str = ""  # 批量运行已算好的本期结果所在文件夹;留空则在本笔记本内由原始工作簿计算

# %%
import jixiao as jx
from jixiao.sections import trends

r = jx.open_section("trends", evaluation, period, span, project, raw_dir, results_dir)
jx.heading(r)

# %% [markdown]
# ## 一、历年预算执行与调整

# %%
jx.show(trends.budget(r))

# %% [markdown]
# ## 二、各年末子项目支出率分布

# %%
jx.show(trends.bands(r))

# %% [markdown]
# ## 三、历年各阶段进度节点完成情况

# %%
jx.show(trends.stages(r))

# %%
jx.show(trends.reviews(r))  # 参数文件声明没有的部分不列示

# %%
jx.show(trends.credibility(r))  # 预算可信度(PEFA):其序号随上一部分是否列示

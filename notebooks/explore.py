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
# # 探索一次评价(Python API 演示)
#
# 本笔记本演示 `jixiao` 的 Python API:读入一次评价、查看某领域的支付、按年月透视、查看一个子项目的进度节点,
# 并画一张图。它不是报告的章节,批量运行(`jixiao run`)不会运行它。所选的领域和子项目都取自数据本身。

# %% tags=["parameters"]
evaluation: str = ""  # 评价名称(data/raw/ 下的文件夹名)或文件夹路径;留空取 params.yaml 中的评价
period: str = ""  # 透视的期间:年份如 2020,或期间如 2019-2021;留空为整个评价期

# %% [markdown]
# ## 一、读入评价
#
# `jx.open` 读入并检查全部工作簿;`ev.problems` 列出检查发现的问题(错误、警告、提示)。

# %%
import matplotlib.pyplot as plt
import pandas as pd

import jixiao as jx
from jixiao.present import charts

ev = jx.open(evaluation or None)
chosen = ev.period(period or None)
print(ev)
print(ev.problems)

# %% [markdown]
# ## 二、某一领域的支付明细
#
# `ev.sheet("支出")` 是带中文表头的支出表(金额单位万元);按子项目编号与子项目表连接,得到每笔支付所属的领域。
# 这里取支付合计最大的领域。

# %%
subprojects = ev.sheet("子项目")[["子项目编号", "子项目名称", "领域"]]
payments = ev.sheet("支出").merge(subprojects, on="子项目编号", how="left", validate="many_to_one")
payments = payments[payments["支付日期"].map(chosen.period.contains)]
by_domain = payments.groupby("领域")["支付金额(万元)"].sum().sort_values(ascending=False)
domain = by_domain.index[0]
print(f"{chosen.period.label} 期间支付合计最大的领域:{domain}({by_domain.iloc[0]:,.2f} 万元,"
      f"{(payments['领域'] == domain).sum()} 笔)")
in_domain = payments[payments["领域"] == domain].sort_values(["支付日期", "子项目编号"])
in_domain[["支付日期", "子项目编号", "子项目名称", "支付金额(万元)", "摘要"]].reset_index(drop=True).head(10)

# %% [markdown]
# ## 三、按年度、月份透视(万元)

# %%
in_domain = in_domain.assign(年度=[d.year for d in in_domain["支付日期"]], 月份=[d.month for d in in_domain["支付日期"]])
pivot = in_domain.pivot_table(index="月份", columns="年度", values="支付金额(万元)", aggfunc="sum", fill_value=0,
                              margins=True, margins_name="合计")
pivot = pivot.reindex(index=[*range(1, 13), "合计"], columns=[*chosen.period.years, "合计"], fill_value=0)
pivot.round(2)

# %% [markdown]
# 报告用的数字由 `ev.period(...)` 算出,与各章节笔记本一致,例如本期各领域的投资与支出:

# %%
chosen.expenditure.frame("domains")

# %% [markdown]
# ## 四、一个子项目的进度节点
#
# 取该领域中进度节点最多的子项目(节点数相同时取编号最小的),按阶段顺序列出计划与实际完成日期。
# 阶段及其顺序是本次评价在参数文件中声明的(`ev.stages`,未声明时为默认的七个阶段)。

# %%
milestones = ev.sheet("进度")
ids = set(subprojects.loc[subprojects["领域"] == domain, "子项目编号"])
counts = milestones[milestones["子项目编号"].isin(ids)].groupby("子项目编号").size()
subproject = min(counts[counts == counts.max()].index)
name = subprojects.set_index("子项目编号").loc[subproject, "子项目名称"]
timeline = milestones[milestones["子项目编号"] == subproject].copy()
timeline["顺序"] = timeline["阶段"].map(ev.stages.index)
timeline = timeline.sort_values("顺序").reset_index(drop=True)
timeline["偏差(天)"] = (timeline["实际完成日期"] - timeline["计划完成日期"]).dt.days.astype("Int64")  # NaT: not done
print(f"{subproject} {name}")
timeline[["阶段", "计划完成日期", "实际完成日期", "偏差(天)"]]

# %% [markdown]
# ## 五、图:计划与实际完成日期

# %%
charts.setup_style()
fig, ax = plt.subplots(figsize=(7.5, 0.8 + 0.45 * len(timeline)))
ax.scatter(timeline["计划完成日期"], timeline["阶段"], marker="o", s=60, label="计划完成", color=charts.PALETTE[0])
done = timeline[timeline["实际完成日期"].notna()]
ax.scatter(done["实际完成日期"], done["阶段"], marker="D", s=40, label="实际完成", color=charts.PALETTE[1])
ax.invert_yaxis()
ax.set_title(f"{subproject} {name}:进度节点")
ax.legend(loc="lower left")
fig.autofmt_xdate()
charts.show(fig)  # a glyph missing from the Chinese font is an error here, not boxes in the chart

# %% [markdown]
# ## 六、精确的金额、原生的日期
#
# `ev.sheet()` 的金额是精确小数(pyarrow decimal128,万元到分),合计不会出现 79420.31999999999 这样的尾数;
# 日期是 datetime64,可以直接用 `.dt`。

# %%
payments_all = ev.sheet("支出")
print("支付合计(万元):", payments_all["支付金额(万元)"].sum().normalize())
payments_all.groupby(payments_all["支付日期"].dt.year)["支付金额(万元)"].sum()

# %% [markdown]
# ## 七、章节的表:中文表头,按报告的格式显示
#
# `chosen.expenditure` 是“资金使用情况”一章;它的每张表都可以按名字取(输入 `chosen.expenditure.` 后按 Tab 可补全),
# 表头是报告上的中文表头,`.styled()` 按报告的格式显示(百分比两位小数、金额千分位)。

# %%
chosen.expenditure.by_year.styled()

# %% [markdown]
# ## 八、两个期间(或两次评价)并排对比
#
# `jx.compare(甲, 乙)` 给出两者的主要指标和差额(乙减甲);传入两次评价时各取整个评价期。

# %%
years = ev.span.years
jx.compare(ev.period(years[0]), ev.period(years[-1]))


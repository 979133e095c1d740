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
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Areas
#
# A notebook kept as a percent script, paired with an .ipynb.

# %%
def area(w, h):
    return w * h


# %%
print(area(2, 3))

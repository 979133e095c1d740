# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

1+2+3

# + active=""
# This is a raw cell
# -

# This is a markdown cell

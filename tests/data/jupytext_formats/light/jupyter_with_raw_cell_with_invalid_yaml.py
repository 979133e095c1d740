# ---
# title: Exception: Test
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

1 + 2 + 3

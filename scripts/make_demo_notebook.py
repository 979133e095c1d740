"""Regenerate the demo project's messy notebook and data (deterministic).

Run from anywhere: ``.venv/bin/python scripts/make_demo_notebook.py``. The
notebook is messy on purpose (out-of-order counts, hidden state, a shell
magic, an absolute path, unseeded randomness): the demo shows the extension
finding and fixing exactly that.
"""

import os
import random
import sys

import nbformat
import nbformat.v4 as v4

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from demo_kernel_metadata import kernel_metadata  # noqa: E402

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "demo"))
cells = []
def md(s): cells.append(v4.new_markdown_cell(s))
def code(s, count=None, outputs=()):
    c = v4.new_code_cell(s)
    c.execution_count = count
    c.outputs = list(outputs)
    cells.append(c)
def out(text, count):
    return v4.new_output("execute_result", data={"text/plain": text}, execution_count=count)
def stream(text):
    return v4.new_output("stream", name="stdout", text=text)
md("# Customer churn: first look\n\nExploration of the customer export. Messy on purpose: this is the demo notebook of jupyter_prod_ext.")
code("%load_ext autoreload\n%autoreload 2\nimport csv\nimport os\nimport statistics", 1)
code("!ls data", 2, [stream("customers.csv\n")])
code('DATA_PATH = "data/customers.csv"\nBACKUP_DIR = "/home/alice/backups/churn"\nCHURN_THRESHOLD = 0.5', 3)
code('def load_rows(path):\n    with open(path, newline="") as fh:\n        return list(csv.DictReader(fh))\n\nrows = load_rows(DATA_PATH)\nlen(rows)', 4, [out("12", 4)])
code('def to_float(value):\n    try:\n        return float(value)\n    except ValueError:\n        return 0.0\n\n\ndef clean_row(row):\n    return {\n        "id": row["id"],\n        "tenure": int(row["tenure_months"]),\n        "monthly": to_float(row["monthly_charges"]),\n        "tickets": int(row["support_tickets"]),\n    }', 5)
code('to_float("3.5")', 12, [out("3.5", 12)])
code("clean = [clean_row(r) for r in rows]\nclean[0]", 9, [out("{'id': 'c001', 'tenure': 16, 'monthly': 50.3, 'tickets': 5}", 9)])
code("def churn_score(c):\n    risk = 0.4 * (c['tenure'] < 12) + 0.1 * min(c['tickets'], 5)\n    return round(min(risk + c['monthly'] / 500, 1.0), 3)\n\nchurn_score(clean[0])", 6, [out("0.941", 6)])
code("import random\nsample = random.sample(clean, 5)\nscores = {c['id']: churn_score(c) for c in sample}\nscores", 7)
code("at_risk = [c['id'] for c in clean if churn_score(c) > CHURN_THRESHOLD]\nprint(f'{len(at_risk)} customers at risk, mean tenure {mean_tenure:.1f}')", 8, [stream("6 customers at risk, mean tenure 19.4\n")])
code("mean_tenure = statistics.mean(c['tenure'] for c in clean)", 10)
code("import json\nsummary = {'at_risk': at_risk, 'threshold': CHURN_THRESHOLD}\nprint(json.dumps(summary)[:60])", 11, [stream('{"at_risk": ["c001", "c003", "c005", "c007", "c008", "c011"]\n')])
# the metadata the demo's kernel writes when it starts: with any other, the notebook opened as changed
nb = v4.new_notebook(cells=cells, metadata=kernel_metadata())
nbformat.write(nb, "churn_analysis.ipynb")
rng = random.Random(4)
with open("data/customers.csv", "w") as fh:
    fh.write("id,tenure_months,monthly_charges,support_tickets\n")
    for i in range(1, 13):
        fh.write(f"c{i:03d},{rng.randint(1,60)},{rng.uniform(20,120):.1f},{rng.randint(0,6)}\n")

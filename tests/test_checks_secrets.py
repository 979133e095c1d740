"""The secret check: what it must find in sources and text outputs, and the false positives it must avoid.

Fake credentials are assembled at run time so that this file itself does not trip secret scanners.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import nbformat.v4 as v4
import pytest

from jupyter_prod_ext.checks.api import check_notebook
from jupyter_prod_ext.checks.secrets import looks_like_credential, mask, mask_secrets, scan_text
from jupyter_prod_ext.notebook import notebook_from_dict
from jupyter_prod_ext.types import FindingDict

from .nbutil import make_nb

AWS_ID = "AKIA" + "Q3EGRTYUIOPLKJHG"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYzQ8aB1c2D3e4"
GH = "ghp_" + "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6"
GH_PAT = "github_pat_" + "11ABCDEFG0abcdefghijkl_" + "mnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ab"
SLACK = "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
GOOGLE = "AIza" + "SyD3fG7hJ9kL2mN4pQ6rS8tU0vW1xY3zA5b"
STRIPE = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc9Xq"
OPENAI = "sk-" + "proj-" + "Xy7AbC3dEfGh9IjKlMn0OpQrStUvWxYz12345678"
JWT = "eyJhbGciOiJIUzI1NiJ9." + "eyJzdWIiOiIxMjM0NTY3ODkwIn0." + "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
PEM = "-----BEGIN RSA " + "PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----"


def run(data: dict[str, Any]) -> list[FindingDict]:
    return check_notebook(notebook_from_dict(data), checks=["secret"])["findings"]


def found_once(notebook: str | dict[str, Any], *, says: str = "", hides: str = "") -> FindingDict:
    """The one secret finding of ``notebook`` (a one-cell notebook of that source, or the notebook's
    dict): its message says ``says``, and no finding shows ``hides`` (the secret is masked)."""
    found = run(make_nb(notebook) if isinstance(notebook, str) else notebook)
    assert len(found) == 1 and says in found[0]["message"], found
    assert not hides or hides not in json.dumps(found), found
    return found[0]


@pytest.mark.parametrize(
    "source, secret",
    [
        (f"key_id = '{AWS_ID}'", AWS_ID),
        (f"aws_secret_access_key = '{AWS_SECRET}'", AWS_SECRET),
        (f"client = Github('{GH}')", GH),
        (f"tok = '{GH_PAT}'", GH_PAT),
        (f"hook = '{SLACK}'", SLACK),
        (f"maps = Client(key='{GOOGLE}')", GOOGLE),
        (f"stripe.api_key = '{STRIPE}'", STRIPE),
        (f"openai.api_key = '{OPENAI}'", OPENAI),
        (f"auth = '{JWT}'", JWT),
        (f'pem = """{PEM}"""', PEM.split("\n")[0]),
        ('password = "s3cr3t-Passw0rd"', "s3cr3t-Passw0rd"),
        ('API_KEY="f3a9c1d27b"', "f3a9c1d27b"),
        ('conf = {"db_password": "hunter22!x"}', "hunter22!x"),
        ('config["token"] = "tkn-9f8e7d6c5b"', "tkn-9f8e7d6c5b"),
        ('engine = create_engine("postgresql://admin:Sup3rS3cret@db.example.com/app")', "Sup3rS3cret"),
        ('signing = "Zr8Kq2Lw9Xv4Tn6Bm1Hs3Jd5"', "Zr8Kq2Lw9Xv4Tn6Bm1Hs3Jd5"),  # entropy rule, key-ish name
    ],
)
def test_secret_in_source_is_found_and_masked(source: str, secret: str) -> None:
    found = run(make_nb("x = 1", "import os\n" + source))
    assert len(found) >= 1, source
    f = found[0]
    assert f["check"] == "secret" and f["severity"] == "error" and f["cell"] == 1 and f["line"] == 2
    assert secret not in f["message"] and secret not in f["hint"]
    assert mask(secret)[:5] in f["message"] and f"({len(secret)} chars)" in f["message"]


def test_mask_never_shows_more_than_four_characters_nor_a_fifth() -> None:
    assert mask("abcdefghijkl") == "ab…(12 chars)"
    assert mask(GH) == "ghp_…(40 chars)"
    assert mask("s3cret") == "s…(6 chars)" and mask("abc") == "…(3 chars)"


def test_secret_in_text_outputs() -> None:
    data = make_nb(("print(cfg)", 1), ("cfg", 2), ("show()", 3))
    data["cells"][0]["outputs"] = [v4.new_output("stream", name="stdout", text=f"token is {GH}\n")]
    data["cells"][1]["outputs"] = [
        v4.new_output("execute_result", data={"text/plain": f"{{'key': '{AWS_ID}'}}"}, execution_count=2)
    ]
    data["cells"][2]["outputs"] = [v4.new_output("display_data", data={"text/html": f"<b>{STRIPE}</b>"})]
    found = run(data)
    assert [(f["cell"], f["line"]) for f in found] == [(0, None), (1, None), (2, None)]
    assert all("output" in f["message"] for f in found)
    blob = json.dumps(found)
    assert GH not in blob and AWS_ID not in blob and STRIPE not in blob


def test_secret_in_markdown_cell() -> None:
    data = make_nb("x = 1")
    data["cells"].append(v4.new_markdown_cell(f"Use `{GH}` to log in"))
    assert [f["cell"] for f in run(data)] == [1]


def test_images_embedded_as_base64_are_not_text_and_secrets_beside_them_keep_their_line() -> None:
    """Real notebooks embed plots in markdown (``data:`` URIs) and in HTML outputs (matplotlib's animations).

    They are blanked like image outputs: not scanned, and no longer quadratic for the assignment pattern (a
    2 MB image took minutes). A secret after one is still found, on its own line.
    """
    image = base64.b64encode(bytes(range(256)) * 600).decode()
    frames = "\\\n".join(image[i : i + 76] for i in range(0, len(image), 76))
    data = make_nb(("anim", 1))
    data["cells"][0]["outputs"] = [
        v4.new_output(
            "display_data", data={"text/html": f'<script>frames[0] = "data:image/png;base64,{frames}";</script>'}
        )
    ]
    data["cells"].append(v4.new_markdown_cell(f"![plot](data:image/png;base64,{image})\n\nlog in with `{GH}`"))
    found = run(data)
    assert [(f["cell"], f["line"]) for f in found] == [(1, 3)], found


def test_a_key_inside_a_long_run_of_name_characters_is_still_found() -> None:
    """The assignment pattern starts where a run of name characters starts, so ``cfg.db_password`` still matches."""
    found_once('cfg.db_password = "hunter22!x"', says="cfg.db_password")


def test_no_false_positives() -> None:
    png = base64.b64encode(bytes(range(256)) * 64).decode()
    sources = (
        'password = ""',
        'password = "changeme"',
        'API_KEY = "<your-api-key>"',
        'token = "YOUR_TOKEN_HERE"',
        'password = os.environ["DB_PASSWORD"]',
        "api_key = os.getenv('API_KEY', '')",
        "password = getpass.getpass('Password: ')",
        'secret = "${SECRET}"',
        'password_prompt = "Enter your password please now"',
        "tokenizer = AutoTokenizer.from_pretrained('bert-base-uncased')",
        "max_tokens = 512",
        f"run_id = '{uuid.UUID(int=123456789)}'",
        "commit = 'e83c5163316f89bfbde7d9ab23ca2e25604af290'",
        "cache_key = 'd41d8cd98f00b204e9800998ecf8427e'",
        "model = 'sk-learn-regressor'",
        "url = 'https://user@example.com/path'",
        "dsn = 'postgresql://user:{password}@db/app'",
        "key_file = '/etc/ssl/private/server.key'",
    )
    data = make_nb(*[(s, i + 1) for i, s in enumerate(sources)])
    data["cells"][0]["outputs"] = [
        v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure size 640x480>"}),
        v4.new_output("stream", name="stdout", text="HEAD is now at e83c5163316f89bfbde7d9ab23ca2e25604af290\n"),
        v4.new_output("stream", name="stdout", text=f"run {uuid.UUID(int=987654321)} finished\n"),
    ]
    assert run(data) == []


# Issue 17: a secret is judged by its value, not only by the name it is given.


@pytest.mark.parametrize(
    "value",
    [
        "my_service_account_key.json",  # a file name: the variable points at a key file
        "/home/me/.ssh/id_rsa",
        "./secrets/token.txt",
        "C:\\keys\\prod.pem",
        "configs/auth",
        "https://example.org/oauth/token",
        "",
        "CHANGE_ME",
        "your-key-here",
        "<token>",
        "xxx",
        "XXXXXXXXXXXXXXXX",
        "...",
        "put-your-api-key-here",
        "$API_KEY",
        "${DB_PASSWORD}",
        "%API_KEY%",
        "{{ secrets.TOKEN }}",
        "%(password)s",
        "OPENAI_API_KEY",  # the name of the variable to read, not its value
        "secret",
        "bearer",
        "password123",
        "abcdefgh",  # a short plain word
        "Enter the password to continue",
        "123e4567-e89b-12d3-a456-426614174000",
        # seen in real notebooks (huggingface/notebooks, tensorflow/docs)
        "validation_mismatched",
        "net/l1/kernel/.ATTRIBUTES/VARIABLE_VALUE",
        "SummaryWriterKey",
    ],
)
def test_values_that_are_not_credentials(value: str) -> None:
    assert not looks_like_credential(value)
    assert run(make_nb(f'validation_key = "{value}"', f"key = '{value}'")) == []
    src = f'password = "{value}"\nos.environ["GOOGLE_APPLICATION_CREDENTIALS"] = "{value}"'.replace("\\", "\\\\")
    assert run(make_nb(src)) == []


@pytest.mark.parametrize(
    "value",
    [AWS_ID, GH, GH_PAT, "gho_" + GH[4:], SLACK, GOOGLE, JWT, PEM.split("\n")[0], "s3cr3t-Passw0rd", "Tr0ub4dor&3x$"],
)
def test_values_that_are_credentials(value: str) -> None:
    assert looks_like_credential(value)


@pytest.mark.parametrize(
    "source, kind",
    [
        (f"print('{GH}')", "GitHub token"),  # a known format needs no telling name
        (f"headers = {{'X': 'Bearer {JWT}'}}", "JSON Web Token"),
        (f"cfg = dict(a='{SLACK}')", "Slack token"),
        (f"# key: {GOOGLE}", "Google API key"),
        (f"db = 'mysql://app:{AWS_SECRET[:12]}@db.internal/x'", "password in a URL"),
        (f"!aws configure set aws_secret_access_key {AWS_SECRET[:40]}", "AWS secret access key"),
    ],
)
def test_known_formats_wherever_they_appear(source: str, kind: str) -> None:
    found_once(source, says=kind)


def test_generic_password_needs_a_value_that_could_be_one() -> None:
    assert [f["line"] for f in run(make_nb('password = "correct horse"\npassword = "Xk9#mQ2!vL"'))] == [2]
    assert run(make_nb('db_password = "postgres://u:password@localhost/db"')) == []


def test_mask_secrets_keeps_the_line_and_hides_the_value() -> None:
    line = f"!curl -H 'Authorization: token {GH}' https://api.github.com"
    shown = mask_secrets(line)
    assert GH not in shown and mask(GH) in shown and shown.startswith("!curl -H 'Authorization: token ")
    assert mask_secrets("%env MODEL=small") == "%env MODEL=small"


def test_a_long_lower_case_value_is_judged_at_once() -> None:
    """A run of lower case then a digit once took 2**n regex steps (26 letters: seconds; 30: minutes)."""
    value = "abcdefghijklmnopqrstuvwxyz" + "1"
    started = time.perf_counter()
    masked = mask_secrets(f'password = "{value}"')
    assert time.perf_counter() - started < 0.5
    assert value not in masked  # a password someone chose: found, and masked


# Random-looking ids are not credentials: a secret is a known provider format anywhere, or a value that
# looks like one under a name whose words say it is one (restated from public notebooks' outputs).

MTURK_ASSIGNMENT = "3ZV9H2YQQD63HS6CW0EZ3Y983PQ3WF"
MTURK_HIT = "3PIOQ99R7YNUYH0DA8DCMD5ZKQ9UN8"
SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
GIT_SHA = "9fceb02d0ae598e95dc970b74767f19372d61af8"
RANDOM = "Zq8Lk3Vb7Nm2Xc5Rt9YwQ3xJ"
GITLAB = "glpat-" + "xR4sT9uV2wY5zA8bC1dE"
HF = "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGhIj"


def test_ids_hashes_and_image_data_in_sources_and_outputs_are_not_secrets() -> None:
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4).decode()  # an image's bytes
    sources = (
        f"assignment = client.get_assignment(AssignmentId='{MTURK_ASSIGNMENT}')",
        f"hits = {{'HITId': '{MTURK_HIT}', 'HITTypeId': '{MTURK_ASSIGNMENT}'}}",
        f"design_id = '{RANDOM}'\nsignal_name = '{RANDOM}'\nauthor_id = '{RANDOM}'\nkeywords = '{RANDOM}'",
        f"key_id = '{RANDOM}'\nauth_url = '{RANDOM}'\nsort_key = '{RANDOM}'\nprimary_key = '{uuid.UUID(int=42)}'",
        f"session_key = '{uuid.UUID(int=7)}'\ntoken_hash = '{SHA256}'\nchecksum_key = '{SHA256}'",
        f"revision = '{GIT_SHA}'\ndigest = {{'sha256': '{SHA256}'}}",
        f"thumbnail_key = '{png[:80]}'",
        "resp",
    )
    data = make_nb(*[(s, i + 1) for i, s in enumerate(sources)])
    frame = (
        "   AssignmentId                    HITId                           WorkerId\n"
        f"0  {MTURK_ASSIGNMENT}  {MTURK_HIT}  A3QSFE6GKO157S\n"
    )
    html = f"<table><tr><th>AssignmentId</th><th>HITId</th></tr><tr><td>{MTURK_ASSIGNMENT}</td><td>{MTURK_HIT}</td></tr></table>"
    data["cells"][0]["outputs"] = [
        v4.new_output("execute_result", data={"text/plain": frame, "text/html": html}, execution_count=1)
    ]
    listed = {
        "Assignments": [{"AssignmentId": MTURK_ASSIGNMENT, "HITId": MTURK_HIT, "AssignmentStatus": "Submitted"}],
        "NextToken": "p2:" + base64.b64encode(RANDOM.encode()).decode(),
        "ResponseMetadata": {"RequestId": str(uuid.UUID(int=99)), "HTTPHeaders": {"x-amz-id-2": SHA256}},
    }
    data["cells"][7]["outputs"] = [
        v4.new_output("execute_result", data={"text/plain": repr(listed)}, execution_count=8),
        v4.new_output("display_data", data={"application/json": {"image_b64": png, "etag": SHA256}}),
        v4.new_output("stream", name="stdout", text=f"[main {GIT_SHA[:7]}] {GIT_SHA}\nrun {uuid.UUID(int=5)}\n"),
    ]
    assert run(data) == []


@pytest.mark.parametrize(
    "source, kind",
    [
        (f"gl = gitlab.Gitlab(url, private_token='{GITLAB}')", "GitLab token"),
        (f"login('{HF}')", "Hugging Face token"),
        (f"headers = {{'Authorization': 'Bearer {RANDOM}'}}", "bearer token"),
        (
            "cs = 'Driver={ODBC Driver 18};Server=tcp:db.example.net;Uid=app;Pwd=" + "Sup3rS3cret!" + ";'",
            "password in a connection string",
        ),
        (f"cfg = {{'apiKey': '{RANDOM}'}}", "'apiKey'"),
        (f"SIGNING_SECRET = '{RANDOM}'", "SIGNING_SECRET"),
        (f"token = '{MTURK_ASSIGNMENT}'", "'token'"),  # an id's shape, under a secret's name
        (f"api_key = '{SHA256[:32]}'", "'api_key'"),  # hex, under a secret's name
        (f"creds = dict(auth_token='{RANDOM}')", "auth_token"),
    ],
)
def test_provider_formats_and_secret_names_are_still_found(source: str, kind: str) -> None:
    found_once(source, says=kind)


@pytest.mark.parametrize(
    "name, value",
    [
        ("PAGE_ACCESS_TOKEN", "EAAGm0PX4ZCp" + "sBAKZBZAq9Zx7Ld3kQ2vW8rT"),
        ("NEXT_PUBLIC_API_KEY", "a8f7Hk2Lq9Zm" + "P3xR7tY1wV5nB0cD"),
        ("MAP_API_KEY", RANDOM),
        ("CACHE_SECRET", RANDOM),
    ],
)
def test_a_data_word_before_the_credential_words_does_not_hide_a_secret(name: str, value: str) -> None:
    """Only a data word just before a final key or token makes it data (``sort_key``), not one further back."""
    assert [kind for _, kind, _ in scan_text(f'{name} = "{value}"')] == [f"assign:{name}"]
    found_once(f'{name} = "{value}"', hides=value)


def test_a_bearer_token_printed_in_an_output_is_found() -> None:
    data = make_nb(("r = session.get(url)", 1))
    log = f"send: b'GET /v1/items HTTP/1.1\\r\\nAuthorization: Bearer {RANDOM}{SHA256[:16]}\\r\\n'\n"
    data["cells"][0]["outputs"] = [v4.new_output("stream", name="stdout", text=log)]
    found_once(data, says="bearer token", hides=RANDOM)
    assert run(make_nb("h = {'Authorization': 'Bearer ' + os.environ['TOKEN']}", "h2 = 'Bearer YOUR_TOKEN_HERE'")) == []


# The fifth sweep: the services AI cookbooks call, and keys set in the environment without quotes.
#: random letters in each service's format (assembled: no file holds one)
SERVICE_KEYS = {
    "Pinecone API key": "pcsk_" + "4ZgLzS_" + "9xQm2Rv7TkWb3Nc8Hd5Jf1Lp6Ys0Ua4Ge7Ki2Mo9Qr3Tv8Wx5Za1Cb6De0Fg4Hj",
    "LangSmith API key": "lsv2_sk_" + "0f3a9c27b84e5d61a2c7f90b3e8d4a15_7c2e9b0a41",
    "Tavily API key": "tvly-" + "dev-" + "Xq7Lm2Zp9Rt4Vb8Nc3Kd6Hs1Jw5Fy0Ga",
    "Groq API key": "gsk_" + "p8Vn3Qx7Rm2Tz5Wb9Kc4Hd1Jf6Ls0Ya3Ue8Gi2Mo7Rq4Tv9Xw1Zb5Cd8Ef3Gh6J",
    "Perplexity API key": "pplx-" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8s9T0u1V2w3X4",
    "xAI API key": "xai-" + "Zq8Wm3Xr7Tn2Vb5Kc9Hd4Jf1Ls6Ya0Ue3Gi8Mo2Rq7Tv4Xw9Zb1Cd5Ef0Gh6Jk3Lm8Np2Qs7Rt4Uv9Wx1Yz5",
    "LlamaCloud API key": "llx-" + "Mq4Zt8Xr2Vn7Kb3Hc9Jd5Lf1Ps6Wa0Ye4Ug8Ri2To7Qv3Sx9",
    "Replicate API token": "r8_" + "Hq3Zm7Xt2Vr8Kn4Bc9Jd5Lf1Ps6Wa0Ye3Ug8Ri",
    "SendGrid API key": "SG." + "aB3dE6gH9jK2mN5pQ8sT1v" + "." + "W4yZ7bC0eF3hJ6kL9nP2rS5uV8xA1dG4jM7qT0wY3zB",
    "webhook signing secret": "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
}


@pytest.mark.parametrize("kind", sorted(SERVICE_KEYS))
def test_service_keys_are_found_by_their_format_wherever_they_appear(kind: str) -> None:
    key = SERVICE_KEYS[kind]
    assert looks_like_credential(key)
    found_once(f'client = Client("{key}")', says=kind, hides=key)
    assert mask_secrets(f"connect {key} now") == f"connect {mask(key)} now"


@pytest.mark.parametrize("head", ["SG.", "xai-", "r8_", "gsk_"])
def test_a_password_starting_like_a_service_key_is_still_a_password(head: str) -> None:
    """The service prefixes were added to the look-alikes a strong name's value is left to its format for:
    ``password = "gsk_iK2ZWeqhFWCE"`` (no Groq key, still a password) was found before and then was not."""
    value = head + "iK2ZWeqhFWCE" + "yBMWXaSCrUZo"
    found_once(f'password = "{value}"', hides=value)


@pytest.mark.parametrize(
    "source",
    [
        'os.environ["LLAMA_CLOUD_API_KEY"] = "llx-..."',
        'os.environ["LLAMA_CLOUD_API_KEY"] = "llx-"',
        'pc = Pinecone(api_key="pcsk_...")',
        'llm = Groq(api_key="gsk_' + "x" * 52 + '")',
        'search = TavilyClient("tvly-YOUR_API_KEY")',
        'os.environ["OPENAI_API_KEY"] = "sk-proj-xxx"',
        "%env PINECONE_API_KEY=pcsk_...\n%env OPENAI_API_KEY=$OPENAI_API_KEY\n%env HF_HOME=/data/hf-cache",
        "%env ANTHROPIC_API_KEY=your-api-key-here\n%env LANGCHAIN_PROJECT=my-agent-project\n!export API_KEY_ID=AB12CD34EF",
        "%%writefile .env\nOPENAI_API_KEY=<your key>\nPINECONE_API_KEY=xxxxxxxxxxxxxxxx\nMODEL=gpt-4o-mini",
        "API_KEY=get_key()\nexport_dir = 'out'",
    ],
)
def test_placeholders_of_service_keys_and_environment_settings_are_not_secrets(source: str) -> None:
    assert run(make_nb(source)) == []


@pytest.mark.parametrize(
    "source, name",
    [
        (f"%env MISTRAL_API_KEY={RANDOM}", "MISTRAL_API_KEY"),
        (f"%set_env COHERE_API_KEY {RANDOM}", "COHERE_API_KEY"),
        (f"%%bash\nexport VOYAGE_API_KEY={RANDOM}\necho set", "VOYAGE_API_KEY"),
        (f"!export DB_PASSWORD={RANDOM}", "DB_PASSWORD"),
        (f"%%writefile .env\nMODEL=mistral-large\nMISTRAL_API_KEY={RANDOM}\n", "MISTRAL_API_KEY"),
    ],
)
def test_a_key_set_in_the_environment_without_quotes_is_found(source: str, name: str) -> None:
    """Found, and masked where a message quotes the line (ipython-magic quotes ``%env …``: it showed the key)."""
    found = run(make_nb(source))
    assert [f["message"] for f in found] == [f"This cell contains a hard-coded credential in '{name}': {mask(RANDOM)}."]
    assert RANDOM not in mask_secrets(source) and mask(RANDOM) in mask_secrets(source)
    everything = check_notebook(notebook_from_dict(make_nb(source)), checks="fast")["findings"]
    assert RANDOM not in json.dumps(everything)

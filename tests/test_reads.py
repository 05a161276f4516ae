"""pages/reads.py: the tokens a page's reads are recorded as (kept in the pages' record between builds)."""

import json

from hypothesis import given
from hypothesis import strategies as st

from generator.pages import reads

keys = st.one_of(
    st.text(),
    st.integers(),
    st.none(),
    st.tuples(st.text(), st.text()),
    st.tuples(st.text(), st.integers()),
)


@given(st.text(alphabet=st.characters(exclude_characters="\t")), keys)
def test_a_token_is_the_keys_compact_json_and_reads_back(name: str, key: object) -> None:
    token = reads._token(name, key)
    # The format of records written by earlier builds: a new writer must keep it, or every page is rebuilt.
    assert token == f"{name}\t{json.dumps(key, separators=(',', ':'))}" or key == reads.ALL
    assert reads.untoken(token) == (name, key)

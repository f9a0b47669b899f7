"""The catalogues: every key in every language, fields filled, unknown keys an error."""

import pytest

from experiments.common.i18n import LANGUAGES, MissingText, catalogue, missing_keys, text


def test_every_key_is_in_every_language():
    assert missing_keys() == {lang: set() for lang in LANGUAGES}


def test_every_text_formats_with_the_fields_it_names():
    import string

    for lang in LANGUAGES:
        for key, template in catalogue(lang).items():
            fields = {name for _, name, _, _ in string.Formatter().parse(template) if name}
            text(key, lang, **{name: 1 for name in fields})


def test_chinese_and_english_differ():
    assert text("common.draft_notice", "zh") != text("common.draft_notice", "en")
    assert "集体讨论决定" in text("common.draft_notice", "zh")


def test_an_unknown_key_or_language_is_an_error():
    with pytest.raises(MissingText):
        text("common.no_such_key", "zh")
    with pytest.raises(ValueError):
        catalogue("fr")

"""search_sql's facet terms column: counted as GROUP BY facet, value would count them, whatever the text."""

from collections import Counter

from core.catalogue.search import FacetCount
from plugins.search_sql import facets


def test_terms_count_per_facet_and_value_with_the_smallest_label():
    documents = [
        facets.encode([("tag", "droit", "Droit"), ("year", "2024", "2024")]),
        facets.encode([("tag", "droit", "droit"), ("tag", "latin", "Latin")]),
        "",
    ]
    counted = facets.facet_counts(facets.tally(documents))
    assert counted == {
        "tag": [FacetCount("droit", "Droit", 2), FacetCount("latin", "Latin", 1)],
        "year": [FacetCount("2024", "2024", 1)],
    }
    assert facets.facet_counts(facets.tally(documents), only="year") == {"year": [FacetCount("2024", "2024", 1)]}


def test_separators_and_backslashes_in_values_survive():
    odd = ["a\x1eb", "c\x1fd", "back\\slash", "\\x1e", "\\\\x1f", ""]
    document = facets.encode([("tag", value, value + "!") for value in odd])
    assert len(document.split(facets.TERM)) == len(odd)
    counted = facets.facet_counts(Counter(document.split(facets.TERM)))
    assert counted["tag"] == [FacetCount(value, value + "!", 1) for value in sorted(odd)]

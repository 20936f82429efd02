// Package screening screens holders' names against a sanctions list: the
// central bank uploads the list as CSV (ParseCSV), a Matcher is built from
// its entries (NewMatcher), and every name is screened (Matcher.Screen) when
// a wallet is opened and again, for every holder, when the list changes. A
// hit freezes nothing by itself: the caller raises an alert for a person to
// review.
//
// Names are compared after Normalize, which removes what differs between
// spellings of one name (case, full-width forms, diacritics, the script:
// Cyrillic, Greek and Han are transliterated, word order, punctuation), by
// the Jaro–Winkler similarity of the whole names and of their aligned
// words; a score of Threshold (0.92) or more is a hit. A blocking index
// keeps Screen to the few entries that can reach Threshold, provably
// without losing any. docs/screening.md describes it all with examples.
//
// The package is pure Go with no I/O but the io.Reader that ParseCSV reads.
package screening

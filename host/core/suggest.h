/* "Did you mean": the nearest of a list of known names to a mistyped one. Shared by
 * every place that refuses a name it does not know (config keys, symbols). */
#ifndef SQT_SUGGEST_H
#define SQT_SUGGEST_H

#include <stddef.h>

/* Levenshtein distance; names of 63 characters or more are "far" (99). nocase folds
 * ASCII letters. */
size_t sqt_edit_distance(const char *a, const char *b, int nocase);

/* The candidate nearest to word when it is near enough to be a typo (distance <= 3
 * and at most a third of the candidate's length), else NULL. A candidate equal to the
 * word is never suggested. */
const char *sqt_suggest(const char *word, const char *const *cands, size_t n, int nocase);

#endif

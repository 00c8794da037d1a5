/* "Did you mean": see suggest.h. */
#include "suggest.h"

#include <string.h>

static char fold(char c, int nocase)
{
    return nocase && c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

size_t sqt_edit_distance(const char *a, const char *b, int nocase)
{
    size_t la = strlen(a), lb = strlen(b), i, j;
    size_t row[64];
    if (la >= 63 || lb >= 63)
        return 99;
    for (j = 0; j <= lb; j++)
        row[j] = j;
    for (i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (fold(a[i - 1], nocase) != fold(b[j - 1], nocase));
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *sqt_suggest(const char *word, const char *const *cands, size_t n, int nocase)
{
    const char *best = NULL;
    size_t bestd = 99, i;
    for (i = 0; i < n; i++) {
        size_t d;
        if (cands[i] == NULL || strcmp(cands[i], word) == 0)
            continue;
        d = sqt_edit_distance(word, cands[i], nocase);
        if (d < bestd) {
            bestd = d;
            best = cands[i];
        }
    }
    if (best != NULL && bestd <= 3 && bestd * 3 <= strlen(best))
        return best;
    return NULL;
}

/* prom_labels.c — attribute lists → Prometheus label pairs (contract: ga_prom_put_labels in
 * prom.h): stringify, sanitize names, drop empty values, merge names that collide after
 * sanitizing (values joined with `;` in the order of the original keys), sort by name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exporter/prom.h"

#define GA_PROM_MAX_LABELS 64

typedef struct ga__label {
    char name[128];
    const char *key;                /* original attribute key */
    const char *v;
    size_t vlen;
    char num[40];                   /* storage for stringified numbers (own = 1) */
    int own;
} ga__label;

static int ga__cmp(const void *x, const void *y)
{
    const ga__label *a = x, *b = y;
    int c = strcmp(a->name, b->name);
    return c ? c : strcmp(a->key, b->key);
}

static void ga__stringify(const ga_attr *a, ga__label *l)
{
    l->own = 0;
    switch (a->type) {
    case GA_V_STR:
        l->v = a->s;
        l->vlen = a->slen;
        return;
    case GA_V_BOOL:
        l->v = a->i ? "true" : "false";
        break;
    case GA_V_DOUBLE:
        ga_prom_float(a->d, 0, l->num, sizeof l->num);
        l->v = l->num;
        l->own = 1;
        break;
    default:
        snprintf(l->num, sizeof l->num, "%lld", (long long)a->i);
        l->v = l->num;
        l->own = 1;
        break;
    }
    l->vlen = strlen(l->v);
}

void ga_prom_put_labels(ga_buf *b, const ga_attr *a, int n)
{
    static ga__label ls[GA_PROM_MAX_LABELS];   /* exporter thread only */
    int k = 0;
    for (int i = 0; i < n && k < GA_PROM_MAX_LABELS; i++) {
        ga__stringify(&a[i], &ls[k]);
        if (ls[k].vlen == 0)
            continue;                           /* empty value ≡ absent label */
        ga_prom_label_name(a[i].key, ls[k].name, sizeof ls[k].name);
        ls[k].key = a[i].key;
        k++;
    }
    qsort(ls, (size_t)k, sizeof ls[0], ga__cmp);
    for (int i = 0; i < k; i++) {
        if (i == 0 || strcmp(ls[i].name, ls[i - 1].name) != 0) {
            if (i > 0)
                ga_buf_puts(b, "\",");
            ga_buf_puts(b, ls[i].name);
            ga_buf_puts(b, "=\"");
        } else {
            ga_buf_puts(b, ";");
        }
        /* qsort moved the entries: numbers live in the entry itself */
        ga_prom_put_label_value(b, ls[i].own ? ls[i].num : ls[i].v, ls[i].vlen);
    }
    if (k > 0)
        ga_buf_puts(b, "\",");
}

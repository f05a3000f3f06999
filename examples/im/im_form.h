/* im_form.h — application/x-www-form-urlencoded: decoding `a=b&c=d` (with %XX and `+`) into
 * parameters, and percent-encoding values for outgoing forms and query strings. */
#ifndef IM_FORM_H
#define IM_FORM_H

#include <stddef.h>

#include "im_buf.h"

#define IM_FORM_MAX 32

typedef struct im_param {
    char *name;
    char *value;
} im_param;

typedef struct im_params {
    im_param items[IM_FORM_MAX];
    size_t   count;
} im_params;

enum {
    IM_FORM_OK = 0,
    IM_FORM_EMALFORMED = -1,  /* bad %XX, or a %00 that would cut the C string */
    IM_FORM_ETOOMANY = -2,    /* more than IM_FORM_MAX parameters */
    IM_FORM_ENOMEM = -3,
};

void        im_params_init(im_params *p);
void        im_params_free(im_params *p);

/* Adds the parameters of the n bytes at s (a query string or a form body) to p. */
int         im_form_parse(im_params *p, const char *s, size_t n);

/* The value of the first parameter called name, or NULL. */
const char *im_params_get(const im_params *p, const char *name);

/* Appends s percent-encoded (unreserved characters as they are, space as '+'). */
int         im_form_encode(im_buf *b, const char *s);

#endif

/* logline.c — validity, escape stripping and severity of captured log lines (contract in
 * logline.h). Pure: the exporter thread calls it, the fuzz target runs it alone. */
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "protocols/logline/logline.h"

#define GA__SCAN 160            /* a text level word is looked for in a line's first bytes */

int ga_ll_is_text(const char *s, size_t n)
{
    const uint8_t *p = (const uint8_t *)s, *e = p + n;
    while (p < e) {
        uint8_t c = *p;
        if (c >= 0x80) {
            size_t k;
            uint32_t cp, min;
            if (c >= 0xC2 && c <= 0xDF) { k = 1; cp = c & 0x1F; min = 0x80; }
            else if (c >= 0xE0 && c <= 0xEF) { k = 2; cp = c & 0x0F; min = 0x800; }
            else if (c >= 0xF0 && c <= 0xF4) { k = 3; cp = c & 0x07; min = 0x10000; }
            else return 0;
            if ((size_t)(e - p) <= k)
                return 0;
            for (size_t i = 1; i <= k; i++) {
                if ((p[i] & 0xC0) != 0x80)
                    return 0;
                cp = cp << 6 | (p[i] & 0x3F);
            }
            if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                return 0;
            p += k + 1;
            continue;
        }
        if (c == 0)
            return 0;
        p++;
    }
    return 1;
}

size_t ga_ll_strip(char *dst, const char *s, size_t n)
{
    size_t o = 0, i = 0;
    while (i < n) {
        uint8_t c = (uint8_t)s[i];
        if (c == 0x1B) {                        /* ESC */
            if (i + 1 >= n) {
                i++;
                continue;
            }
            uint8_t t = (uint8_t)s[i + 1];
            if (t == '[') {                     /* CSI: parameters, intermediates, final byte */
                i += 2;
                while (i < n && (uint8_t)s[i] >= 0x20 && (uint8_t)s[i] <= 0x3F)
                    i++;
                if (i < n && (uint8_t)s[i] >= 0x40 && (uint8_t)s[i] <= 0x7E)
                    i++;
            } else if (t == ']' || t == 'P' || t == '_' || t == '^') { /* OSC, DCS, APC, PM */
                i += 2;
                while (i < n && s[i] != 0x07 && !(s[i] == 0x1B && i + 1 < n && s[i + 1] == '\\'))
                    i++;
                i += i < n && s[i] == 0x07 ? 1 : (i < n ? 2 : 0);
            } else {                            /* two-byte sequences: ESC 7, ESC (B ... */
                i += 2;
                if ((t == '(' || t == ')') && i < n)
                    i++;
            }
            continue;
        }
        if ((c < 0x20 && c != '\t') || c == 0x7F) {
            i++;
            continue;
        }
        dst[o++] = (char)c;
        i++;
    }
    while (o > 0 && (dst[o - 1] == ' ' || dst[o - 1] == '\t'))
        o--;
    return o;
}

/* Eight bytes, all printable ASCII (0x20..0x7E)? Bit tricks on one word: no byte with the high
 * bit set, none below 0x20, none equal to 0x7F. */
static inline int ga__printable8(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t below = (w - 0x20 * ones) & ~w;            /* high bit where a byte < 0x20 */
    uint64_t x = w ^ (0x7F * ones);
    uint64_t del = (x - ones) & ~x;                     /* high bit where a byte == 0x7F */
    return ((w | below | del) & highs) == 0;
}

/* Plain text (0x20..0x7E) copied 16 bytes a step while it lasts: the length taken. */
static size_t ga__plain16(char *dst, const char *s, size_t n)
{
    size_t i = 0;
#ifdef __SSE2__
    const __m128i sp = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7F);
    while (i + 16 <= n) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        /* signed: bytes >= 0x80 are negative, so "below 0x20" also catches them */
        __m128i bad = _mm_or_si128(_mm_cmplt_epi8(v, sp), _mm_cmpeq_epi8(v, del));
        if (_mm_movemask_epi8(bad) != 0)
            break;
        _mm_storeu_si128((__m128i *)(void *)(dst + i), v);
        i += 16;
    }
#else
    (void)dst, (void)s, (void)n;
#endif
    return i;
}

long ga_ll_clean(char *dst, const char *s, size_t n)
{
    size_t i = 0, o = 0;
    for (;;) {
        size_t k = ga__plain16(dst + o, s + i, n - i);  /* the common case: plain text */
        i += k;
        o += k;
        while (i + 8 <= n) {                            /* its tail, or what stopped it */
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (!ga__printable8(w))
                break;
            memcpy(dst + o, &w, 8);
            i += 8;
            o += 8;
        }
        if (i >= n)
            break;
        uint8_t c = (uint8_t)s[i];
        if ((c >= 0x20 && c < 0x7F) || c == '\t') {
            dst[o++] = (char)c;
            i++;
            continue;
        }
        /* Anything else: find the end of this stretch that is not plain ASCII text, then let
         * the byte-wise functions check and strip it. */
        size_t j = i + 1;
        while (j < n && (((uint8_t)s[j] < 0x20 && s[j] != '\t') || (uint8_t)s[j] >= 0x7F))
            j++;
        /* An escape sequence may continue with printable bytes: take the rest of the line. */
        if (memchr(s + i, 0x1B, j - i) != NULL)
            j = n;
        if (!ga_ll_is_text(s + i, j - i))
            return -1;
        o += ga_ll_strip(dst + o, s + i, j - i);
        i = j;
    }
    while (o > 0 && (dst[o - 1] == ' ' || dst[o - 1] == '\t'))
        o--;
    return (long)o;
}

static int ga__ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int ga_ll_is_json_object(const char *s, size_t n)
{
    size_t a = 0;
    while (a < n && ga__ws(s[a]))
        a++;
    while (n > a && ga__ws(s[n - 1]))
        n--;
    return n - a >= 2 && s[a] == '{' && s[n - 1] == '}';
}

static char ga__lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static int ga__is(const char *w, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    if (n != l)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (ga__lower(w[i]) != lit[i])
            return 0;
    return 1;
}

/* w[0..n) equals the lower-case literal lit of length n, ignoring case. */
static inline int ga__eq(const char *w, size_t n, const char *lit, size_t ln)
{
    if (n != ln)
        return 0;
    for (size_t k = 1; k < n; k++)
        if (ga__lower(w[k]) != lit[k])
            return 0;
    return 1;
}

#define GA__EQ(lit) ga__eq(w, n, lit, sizeof lit - 1)

int ga_ll_level_word(const char *w, size_t n)
{
    if (n < 3 || n > 13)
        return 0;
    switch (ga__lower(w[0])) {                  /* a few candidates per first letter */
    case 't': return GA__EQ("trace") ? GA_SEV_TRACE : 0;
    case 'd': return GA__EQ("debug") || GA__EQ("dbug") ? GA_SEV_DEBUG : 0;
    case 'i': return GA__EQ("info") || GA__EQ("information") || GA__EQ("informational") ? GA_SEV_INFO : 0;
    case 'n': return GA__EQ("notice") ? GA_SEV_NOTICE : 0;
    case 'w': return GA__EQ("warn") || GA__EQ("warning") ? GA_SEV_WARN : 0;
    case 'e': return GA__EQ("error") || GA__EQ("err") || GA__EQ("eror") ? GA_SEV_ERROR :
                     GA__EQ("emerg") || GA__EQ("emergency") ? GA_SEV_FATAL : 0;
    case 'c': return GA__EQ("crit") || GA__EQ("critical") ? GA_SEV_CRIT : 0;
    case 'a': return GA__EQ("alert") ? GA_SEV_ALERT : 0;
    case 'f': return GA__EQ("fatal") ? GA_SEV_FATAL : 0;
    case 'p': return GA__EQ("panic") ? GA_SEV_FATAL : 0;
    default:  return 0;
    }
}

void ga_ll_syslog_severity(int pri, ga_ll_sev *out)
{
    static const char text[8][8] = {"emerg", "alert", "crit", "err", "warning", "notice",
                                        "info", "debug"};
    static const int num[8] = {GA_SEV_FATAL, GA_SEV_ALERT, GA_SEV_CRIT, GA_SEV_ERROR, GA_SEV_WARN,
                               GA_SEV_NOTICE, GA_SEV_INFO, GA_SEV_DEBUG};
    pri &= 7;
    out->number = num[pri];
    out->text = text[pri];
    out->text_len = strlen(text[pri]);
}

/* Character classes by table: 1 letter, 2 letter/digit/underscore. */
#define GA__L 3
#define GA__D 2
static const uint8_t ga__cls[256] = {
    ['0'] = GA__D, ['1'] = GA__D, ['2'] = GA__D, ['3'] = GA__D, ['4'] = GA__D, ['5'] = GA__D,
    ['6'] = GA__D, ['7'] = GA__D, ['8'] = GA__D, ['9'] = GA__D, ['_'] = GA__D,
    ['A'] = GA__L, ['B'] = GA__L, ['C'] = GA__L, ['D'] = GA__L, ['E'] = GA__L, ['F'] = GA__L,
    ['G'] = GA__L, ['H'] = GA__L, ['I'] = GA__L, ['J'] = GA__L, ['K'] = GA__L, ['L'] = GA__L,
    ['M'] = GA__L, ['N'] = GA__L, ['O'] = GA__L, ['P'] = GA__L, ['Q'] = GA__L, ['R'] = GA__L,
    ['S'] = GA__L, ['T'] = GA__L, ['U'] = GA__L, ['V'] = GA__L, ['W'] = GA__L, ['X'] = GA__L,
    ['Y'] = GA__L, ['Z'] = GA__L,
    ['a'] = GA__L, ['b'] = GA__L, ['c'] = GA__L, ['d'] = GA__L, ['e'] = GA__L, ['f'] = GA__L,
    ['g'] = GA__L, ['h'] = GA__L, ['i'] = GA__L, ['j'] = GA__L, ['k'] = GA__L, ['l'] = GA__L,
    ['m'] = GA__L, ['n'] = GA__L, ['o'] = GA__L, ['p'] = GA__L, ['q'] = GA__L, ['r'] = GA__L,
    ['s'] = GA__L, ['t'] = GA__L, ['u'] = GA__L, ['v'] = GA__L, ['w'] = GA__L, ['x'] = GA__L,
    ['y'] = GA__L, ['z'] = GA__L,
};

static inline int ga__alpha(char c)
{
    return ga__cls[(uint8_t)c] & 1;
}

static inline int ga__alnum(char c)
{
    return ga__cls[(uint8_t)c] != 0;
}

/* pino and bunyan write numeric levels: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal. */
static int ga__numeric_level(const char *s, size_t n)
{
    if (n != 2 || s[1] != '0')
        return 0;
    static const int sev[7] = {0, GA_SEV_TRACE, GA_SEV_DEBUG, GA_SEV_INFO, GA_SEV_WARN,
                               GA_SEV_ERROR, GA_SEV_FATAL};
    return s[0] >= '1' && s[0] <= '6' ? sev[s[0] - '0'] : 0;
}

/* A JSON object line: the first of "level", "severity", "lvl", "levelname" (any case) whose
 * value is a level word or a numeric pino level. */
static int ga__json_level(const char *s, size_t n, ga_ll_sev *out)
{
    static const char keys[][10] = {"level", "severity", "lvl", "levelname", "log.level"};
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] != '"')
            continue;
        /* Skip the whole string (escapes included) so that a long value, such as a timestamp
         * before "level", never leaves the scan inside it with its quotes' parity flipped. */
        size_t k0 = i + 1, k1 = k0;
        while (k1 < n && s[k1] != '"')
            k1 += s[k1] == '\\' ? 2 : 1;
        if (k1 >= n)
            return 0;
        int key = 0;
        for (size_t j = 0; k1 - k0 <= 16 && j < sizeof keys / sizeof keys[0] && !key; j++)
            key = ga__is(s + k0, k1 - k0, keys[j]);
        size_t v = k1 + 1;
        while (v < n && ga__ws(s[v]))
            v++;
        if (!key || v >= n || s[v] != ':') {
            i = k1;                             /* a value or another key: go on after it */
            continue;
        }
        v++;
        while (v < n && ga__ws(s[v]))
            v++;
        size_t e = v;
        int sev;
        if (v < n && s[v] == '"') {
            e = ++v;
            while (e < n && s[e] != '"')
                e++;
            sev = e < n ? ga_ll_level_word(s + v, e - v) : 0;
        } else {
            while (e < n && s[e] >= '0' && s[e] <= '9')
                e++;
            sev = ga__numeric_level(s + v, e - v);
        }
        if (sev) {
            out->number = sev;
            out->text = s + v;
            out->text_len = e - v;
            return 1;
        }
        i = k1;
    }
    return 0;
}

/* glog: `E1206 12:00:00.123456 ...` — one of I W E F, then four digits (month, day), a space. */
static int ga__glog(const char *s, size_t n, ga_ll_sev *out)
{
    if (n < 6 || s[5] != ' ')
        return 0;
    for (int i = 1; i < 5; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    int sev = s[0] == 'I' ? GA_SEV_INFO : s[0] == 'W' ? GA_SEV_WARN : s[0] == 'E' ? GA_SEV_ERROR :
              s[0] == 'F' ? GA_SEV_FATAL : 0;
    if (sev) {
        out->number = sev;
        out->text = s;
        out->text_len = 1;
    }
    return sev != 0;
}

static int ga__upper_word(const char *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (w[i] < 'A' || w[i] > 'Z')
            return 0;
    return 1;
}

/* Text forms in the first GA__SCAN bytes, first match wins: `[error]` / `<warn>` (any case),
 * `level=error` / `lvl=warn` / `severity=...` (logfmt), and an upper-case word (`ERROR`,
 * `WARNING:root:` as Python logging writes it, `[ERROR]`). Lower-case words elsewhere in the
 * text are prose, not levels. */
static int ga__text_level(const char *s, size_t n, ga_ll_sev *out)
{
    size_t lim = n < GA__SCAN ? n : GA__SCAN;
    size_t i = 0;
    while (i < lim) {
        if (!ga__alpha(s[i])) {
            i++;
            continue;
        }
        size_t b = i;
        while (i < n && ga__alnum(s[i]) && i - b < 16)
            i++;
        size_t len = i - b;
        char before = b > 0 ? s[b - 1] : ' ', after = i < n ? s[i] : ' ';
        if (b > 0 && ga__alnum(before))
            continue;
        int sev = 0;
        if ((before == '[' && after == ']') || (before == '<' && after == '>'))
            sev = ga_ll_level_word(s + b, len);
        else if (after == '=' && (ga__is(s + b, len, "level") || ga__is(s + b, len, "lvl") ||
                                  ga__is(s + b, len, "severity"))) {
            size_t v = i + 1, e = v;
            if (v < n && s[v] == '"')
                e = ++v;
            while (e < n && ga__alpha(s[e]))
                e++;
            sev = ga_ll_level_word(s + v, e - v);
            if (sev) {
                b = v;
                len = e - v;
            }
        } else if (ga__upper_word(s + b, len) && !ga__alnum(after))
            sev = ga_ll_level_word(s + b, len);
        if (sev) {
            out->number = sev;
            out->text = s + b;
            out->text_len = len;
            return 1;
        }
    }
    return 0;
}

void ga_ll_severity(const char *s, size_t n, ga_ll_sev *out)
{
    out->number = 0;
    out->text = NULL;
    out->text_len = 0;
    size_t a = 0;
    while (a < n && ga__ws(s[a]))
        a++;
    s += a;
    n -= a;
    if (n > 0 && s[0] == '{') {
        ga__json_level(s, n, out);
        return;
    }
    if (!ga__glog(s, n, out))
        ga__text_level(s, n, out);
}

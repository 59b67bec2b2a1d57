/* gazetteer_lexicon.c: reads the TSV files of the gazetteer and the context
 * lexicons the matcher consults (place-context, traps, org-prefixes, nisba).
 * Must never hard-code a word list: every word comes from gazetteer/ files. */
#include "gazetteer_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bordermap/fileio.h"

/* ---- TSV reading ----------------------------------------------------------- */

/* Splits the next data line into fields (in place). Returns the number of
 * fields, 0 at the end of the file. Comment and blank lines are skipped. */
int bm__gz_tsv_next(gz_tsv *t, char **f)
{
    while (t->pos < t->len) {
        char *line = t->data + t->pos;
        char *nl = memchr(line, '\n', t->len - t->pos);
        size_t n = nl ? (size_t)(nl - line) : t->len - t->pos;
        t->pos += n + (nl ? 1 : 0);
        t->line++;
        if (n && line[n - 1] == '\r')
            n--;
        line[n] = '\0';
        if (n == 0 || line[0] == '#')
            continue;
        int nf = 0;
        char *p = line;
        for (;;) {
            char *tab = strchr(p, '\t');
            if (nf < TSV_MAX_FIELDS)
                f[nf++] = p;
            if (!tab)
                break;
            *tab = '\0';
            p = tab + 1;
        }
        return nf;
    }
    return 0;
}

int bm__gz_tsv_open(gz_tsv *t, const char *path, bm_error *err)
{
    memset(t, 0, sizeof *t);
    t->path = path;
    return bm_read_file(path, &t->data, &t->len, err);
}

int bm__gz_col(char **hdr, int nh, const char *name)
{
    for (int i = 0; i < nh; i++)
        if (strcmp(hdr[i], name) == 0)
            return i;
    return -1;
}

const char *bm__gz_field(char **f, int nf, int col)
{
    if (col < 0 || col >= nf || !f[col][0])
        return "-";
    return f[col];
}

/* ---- Lexicons ----------------------------------------------------------------- */

/* Opens an optional lexicon file: BM_ENOTFOUND quietly when absent. */
static int lexicon_open(const char *dir, const char *name, gz_tsv *t, char *path, size_t n,
                        char **hdr, int *nh, bm_error *err)
{
    if (bm__gz_join_path(path, n, dir, name))
        return bm_error_set(err, BM_EINVAL, "%s/%s: path too long", dir, name);
    struct stat st;
    if (stat(path, &st) != 0)
        return BM_ENOTFOUND;
    int rc = bm__gz_tsv_open(t, path, err);
    if (rc)
        return rc;
    *nh = bm__gz_tsv_next(t, hdr);
    return BM_OK;
}

static unsigned parse_kinds(const char *s)
{
    unsigned bits = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *save = NULL, *k = strtok_r(buf, ",|", &save); k; k = strtok_r(NULL, ",|", &save))
        bits |= bm__gz_kind_bit(k);
    return bits;
}

static unsigned parse_roles(const char *s, const char *path, int line, bm_error *err, int *bad)
{
    static const struct {
        const char *name;
        unsigned bit;
    } roles[] = {
        {"trigger", GZ_C_TRIGGER},
        {"trigger-after", GZ_C_TRIGGER_AFTER},
        {"weak", GZ_C_WEAK},
        {"person-before", GZ_C_PERSON_BEFORE},
        {"person-after", GZ_C_PERSON_AFTER},
        {"apposition", GZ_C_APPOSITION},
        {"range-from", GZ_C_RANGE_FROM},
        {"range-to", GZ_C_RANGE_TO},
        {"capital", GZ_C_CAPITAL},
        {"border", GZ_C_BORDER},
        {"skipline", GZ_C_SKIPLINE},
        {"link", GZ_C_LINK},
        {"not-place-after", GZ_C_NOT_AFTER},
        {"plural", GZ_C_PLURAL},
        {"direction", GZ_C_DIRECTION},
        {"speaker", GZ_C_SPEAKER},
        {"border-org", GZ_C_BORDER_ORG},
        {"list-open", GZ_C_LIST_OPEN},
    };
    unsigned bits = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *save = NULL, *r = strtok_r(buf, ",|", &save); r; r = strtok_r(NULL, ",|", &save)) {
        size_t i;
        for (i = 0; i < sizeof roles / sizeof roles[0]; i++)
            if (!strcmp(roles[i].name, r))
                break;
        if (i == sizeof roles / sizeof roles[0]) {
            bm_error_set(err, BM_EPARSE, "%s:%d: unknown role '%s'", path, line, r);
            *bad = 1;
            return 0;
        }
        bits |= roles[i].bit;
    }
    return bits;
}

static int load_context(bm_gazetteer *g, const char *dir, bm_error *err)
{
    gz_tsv t;
    char path[4096], *hdr[TSV_MAX_FIELDS], *f[TSV_MAX_FIELDS];
    int nh = 0, nf, rc = lexicon_open(dir, "place-context.tsv", &t, path, sizeof path, hdr, &nh, err);
    if (rc == BM_ENOTFOUND)
        return BM_OK;
    if (rc)
        return rc;
    int cw = bm__gz_col(hdr, nh, "word"), cr = bm__gz_col(hdr, nh, "role"),
        ck = bm__gz_col(hdr, nh, "kinds"), cs = bm__gz_col(hdr, nh, "singular");
    if (cw < 0 || cr < 0) {
        free(t.data);
        return bm_error_set(err, BM_EPARSE, "%s: header needs word and role", path);
    }
    rc = BM_OK;
    while (rc == BM_OK && (nf = bm__gz_tsv_next(&t, f)) > 0) {
        char key[GZ_MAX_KEY + 8];
        int latin, bad = 0;
        if (!bm__gz_name_key(bm__gz_field(f, nf, cw), key, sizeof key, &latin))
            continue;
        unsigned roles = parse_roles(bm__gz_field(f, nf, cr), path, t.line, err, &bad);
        if (bad) {
            rc = BM_EPARSE;
            break;
        }
        int created;
        gz_slot *s = bm__gz_map_put(&g->context, key, strlen(key), &created);
        if (!s || (created && bm__gz_grow((void **)&g->contexts, &g->cap_contexts,
                                          g->n_contexts + 1, sizeof *g->contexts))) {
            rc = bm_error_set(err, BM_ENOMEM, "loading %s: out of memory", path);
            break;
        }
        if (created) {
            s->value = (uint32_t)g->n_contexts;
            g->contexts[g->n_contexts++] = (gz_context){0, 0, 0};
        }
        g->contexts[s->value].roles |= roles;
        g->contexts[s->value].kinds |= parse_kinds(bm__gz_field(f, nf, ck));
        /* A dual or plural trigger keeps its singular: the list's names are
         * read as "<singular> X" too (حقلي العمر: حقل العمر). */
        char sing[GZ_MAX_KEY + 8];
        int slatin;
        if (bm__gz_name_key(bm__gz_field(f, nf, cs), sing, sizeof sing, &slatin) &&
            strcmp(sing, "-") != 0) {
            long off = bm__gz_str_add(g, sing, strlen(sing));
            if (off < 0) {
                rc = bm_error_set(err, BM_ENOMEM, "loading %s: out of memory", path);
                break;
            }
            g->contexts[s->value].singular = (uint32_t)off + 1;
        }
        /* Border and capital words open phrases the matcher must notice
         * while it walks the index, at no extra lookup per word. */
        if (!latin && (roles & (GZ_C_BORDER | GZ_C_CAPITAL)) && bm__gz_index_special(g, key)) {
            rc = bm_error_set(err, BM_ENOMEM, "loading %s: out of memory", path);
            break;
        }
    }
    free(t.data);
    return rc;
}

#define AR_AL_KEY "\xD8\xA7\xD9\x84"

static int put_trap(bm_gazetteer *g, const char *key, size_t len, uint32_t idx)
{
    int created;
    gz_slot *s = bm__gz_map_put(&g->traps, key, len, &created);
    if (!s)
        return -1;
    if (created)
        s->value = idx;
    return 0;
}

static int load_traps(bm_gazetteer *g, const char *dir, bm_error *err)
{
    gz_tsv t;
    char path[4096], *hdr[TSV_MAX_FIELDS], *f[TSV_MAX_FIELDS];
    int nh = 0, nf, rc = lexicon_open(dir, "traps.tsv", &t, path, sizeof path, hdr, &nh, err);
    if (rc == BM_ENOTFOUND)
        return BM_OK;
    if (rc)
        return rc;
    int cs = bm__gz_col(hdr, nh, "surface"), cw = bm__gz_col(hdr, nh, "why"),
        cu = bm__gz_col(hdr, nh, "unlock");
    if (cs < 0 || cu < 0) {
        free(t.data);
        return bm_error_set(err, BM_EPARSE, "%s: header needs surface and unlock", path);
    }
    rc = BM_OK;
    while (rc == BM_OK && (nf = bm__gz_tsv_next(&t, f)) > 0) {
        char key[GZ_MAX_KEY + 8];
        int latin;
        if (!bm__gz_name_key(bm__gz_field(f, nf, cs), key, sizeof key, &latin))
            continue;
        unsigned unlock = 0;
        char ubuf[128];
        snprintf(ubuf, sizeof ubuf, "%s", bm__gz_field(f, nf, cu));
        for (char *sv = NULL, *u = strtok_r(ubuf, ",|", &sv); u; u = strtok_r(NULL, ",|", &sv)) {
            if (!strcmp(u, "trigger"))
                unlock |= GZ_U_TRIGGER;
            else if (!strcmp(u, "list"))
                unlock |= GZ_U_LIST;
            else if (!strcmp(u, "nearby"))
                unlock |= GZ_U_NEARBY;
            else if (!strcmp(u, "always"))
                unlock |= GZ_U_ALWAYS;
            else if (strcmp(u, "-") != 0) {
                rc = bm_error_set(err, BM_EPARSE, "%s:%d: unknown unlock '%s'", path, t.line, u);
                break;
            }
        }
        long why = bm__gz_str_add(g, bm__gz_field(f, nf, cw), strlen(bm__gz_field(f, nf, cw)));
        if (rc || why < 0 ||
            bm__gz_grow((void **)&g->trap_v, &g->cap_traps, g->n_traps + 1, sizeof *g->trap_v)) {
            rc = rc ? rc : bm_error_set(err, BM_ENOMEM, "loading %s: out of memory", path);
            break;
        }
        uint32_t idx = (uint32_t)g->n_traps;
        g->trap_v[g->n_traps++] = (gz_trap){unlock, (uint32_t)why};
        size_t klen = strlen(key);
        /* The article-less form is the same trap (قائم، هول). */
        if (put_trap(g, key, klen, idx) ||
            (!latin && klen > 8 && !memcmp(key, AR_AL_KEY, 4) && !strchr(key, ' ') &&
             put_trap(g, key + 4, klen - 4, idx)))
            rc = bm_error_set(err, BM_ENOMEM, "loading %s: out of memory", path);
    }
    free(t.data);
    return rc;
}

/* Adds roles to a context word (creating its entry). */
static int context_flag(bm_gazetteer *g, const char *w, size_t n, unsigned roles)
{
    int created;
    gz_slot *s = bm__gz_map_put(&g->context, w, n, &created);
    if (!s || (created && bm__gz_grow((void **)&g->contexts, &g->cap_contexts, g->n_contexts + 1,
                                      sizeof *g->contexts)))
        return -1;
    if (created) {
        s->value = (uint32_t)g->n_contexts;
        g->contexts[g->n_contexts++] = (gz_context){0, 0, 0};
    }
    g->contexts[s->value].roles |= roles;
    return 0;
}

static int load_orgs(bm_gazetteer *g, const char *dir, bm_error *err)
{
    gz_tsv t;
    char path[4096], *hdr[TSV_MAX_FIELDS], *f[TSV_MAX_FIELDS];
    int nh = 0, nf, rc = lexicon_open(dir, "org-prefixes.tsv", &t, path, sizeof path, hdr, &nh, err);
    if (rc == BM_ENOTFOUND)
        return BM_OK;
    if (rc)
        return rc;
    int cp = bm__gz_col(hdr, nh, "pattern"), cpos = bm__gz_col(hdr, nh, "position");
    if (cp < 0 || cpos < 0) {
        free(t.data);
        return bm_error_set(err, BM_EPARSE, "%s: header needs pattern and position", path);
    }
    rc = BM_OK;
    while (rc == BM_OK && (nf = bm__gz_tsv_next(&t, f)) > 0) {
        const char *pat = bm__gz_field(f, nf, cp), *pos = bm__gz_field(f, nf, cpos);
        unsigned bit = !strcmp(pos, "before")  ? GZ_ORG_BEFORE
                       : !strcmp(pos, "after") ? GZ_ORG_AFTER
                       : !strcmp(pos, "modifier") ? GZ_ORG_MODIFIER
                                               : 0;
        if (!bit) {
            rc = bm_error_set(err, BM_EPARSE, "%s:%d: position must be before, after or modifier", path,
                              t.line);
            break;
        }
        char key[GZ_MAX_KEY + 8];
        int latin;
        if (!bm__gz_name_key(pat, key, sizeof key, &latin))
            continue;
        /* Org patterns are matched word by word: store words joined by a
         * space in both scripts, and count them. */
        bm_tokens tk = {0};
        size_t o = 0, nw = 0;
        if (bm_tokenize(pat, strlen(pat), &tk, NULL) == BM_OK) {
            for (size_t i = 0; i < tk.n; i++) {
                if (!bm__gz_is_word(&tk.v[i]))
                    continue;
                if (nw++ && bm__gz_key_cat(key, &o, sizeof key, " ", 1))
                    break;
                if (bm__gz_key_cat(key, &o, sizeof key, tk.v[i].norm, tk.v[i].norm_len))
                    break;
            }
        }
        bm_tokens_free(&tk);
        if (!o)
            continue;
        if (nw > g->org_max_tokens)
            g->org_max_tokens = nw;
        int created;
        gz_slot *s = bm__gz_map_put(&g->orgs, key, o, &created);
        if (!s) {
            rc = bm_error_set(err, BM_ENOMEM, "loading %s: out of memory", path);
            break;
        }
        s->value |= bit;
        /* The word next to the place is flagged in the context map, so the
         * matcher only builds pattern keys when that word is there. */
        const char *edge = bit == GZ_ORG_BEFORE ? strrchr(key, ' ') : strchr(key, ' ');
        size_t elen = edge ? (bit == GZ_ORG_BEFORE ? strlen(edge + 1) : (size_t)(edge - key)) : o;
        const char *ew = edge && bit == GZ_ORG_BEFORE ? edge + 1 : key;
        if (context_flag(g, ew, elen, bit == GZ_ORG_BEFORE ? GZ_C_ORG_BEFORE : GZ_C_ORG_AFTER))
            rc = bm_error_set(err, BM_ENOMEM, "loading %s: out of memory", path);
    }
    free(t.data);
    return rc;
}

static int load_nisbas(bm_gazetteer *g, const char *dir, bm_error *err)
{
    gz_tsv t;
    char path[4096], *hdr[TSV_MAX_FIELDS], *f[TSV_MAX_FIELDS];
    int nh = 0, nf, rc = lexicon_open(dir, "nisba.tsv", &t, path, sizeof path, hdr, &nh, err);
    if (rc == BM_ENOTFOUND)
        return BM_OK;
    if (rc)
        return rc;
    int cf = bm__gz_col(hdr, nh, "form"), cc = bm__gz_col(hdr, nh, "country"),
        ccap = bm__gz_col(hdr, nh, "capital"), cfem = bm__gz_col(hdr, nh, "feminine");
    if (cf < 0 || cc < 0) {
        free(t.data);
        return bm_error_set(err, BM_EPARSE, "%s: header needs form and country", path);
    }
    rc = BM_OK;
    while (rc == BM_OK && (nf = bm__gz_tsv_next(&t, f)) > 0) {
        char key[GZ_MAX_KEY + 8], fem[GZ_MAX_KEY + 8];
        int latin;
        if (!bm__gz_name_key(bm__gz_field(f, nf, cf), key, sizeof key, &latin))
            continue;
        if (!bm__gz_name_key(bm__gz_field(f, nf, cfem), fem, sizeof fem, &latin))
            fem[0] = '\0';
        long fo = bm__gz_str_add(g, fem, strlen(fem));
        int created;
        gz_slot *s = bm__gz_map_put(&g->nisbas, key, strlen(key), &created);
        if (fo < 0 || !s ||
            bm__gz_grow((void **)&g->nisba_v, &g->cap_nisbas, g->n_nisbas + 1,
                        sizeof *g->nisba_v)) {
            rc = bm_error_set(err, BM_ENOMEM, "loading %s: out of memory", path);
            break;
        }
        if (!created)
            continue;
        s->value = (uint32_t)g->n_nisbas;
        gz_nisba *n = &g->nisba_v[g->n_nisbas++];
        n->country = bm__gz_place_index(g, bm__gz_field(f, nf, cc));
        n->capital = bm__gz_place_index(g, bm__gz_field(f, nf, ccap));
        n->fem_off = (uint32_t)fo;
    }
    free(t.data);
    return rc;
}

int bm__gz_load_lexicons(bm_gazetteer *g, const char *dir, bm_error *err)
{
    int rc = load_context(g, dir, err);
    if (!rc)
        rc = load_traps(g, dir, err);
    if (!rc)
        rc = load_orgs(g, dir, err);
    if (!rc)
        rc = load_nisbas(g, dir, err);
    return rc;
}

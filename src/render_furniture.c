/* render_furniture.c: everything on the page that is not the map itself: title and period,
 * attribution, locator inset, scale bar and north arrow, the timeline strip with its cursor,
 * the legend and the date stamp of animation frames.
 * Must never decide where furniture goes: the layout in render.c does, once per renderer. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_private.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* ---- Title, period, attribution ------------------------------------------------------------ */

static void date_text(const bm_renderer *r, bm_date d, int ar, char *buf, size_t n)
{
    if (ar)
        snprintf(buf, n, "%d %s %d", d.day, r->months_ar[d.month - 1], d.year);
    else
        snprintf(buf, n, "%d %s %d", d.day, r->months_en[d.month - 1], d.year);
}

void bm__period(const bm_renderer *r, bm_date *from, bm_date *to, int *has)
{
    *has = 0;
    bm_date lo = {9999, 12, 31}, hi = {1, 1, 1};
    for (size_t i = 0; i < r->n_incs; i++) {
        if (bm_date_cmp(r->incs[i].start, lo) < 0)
            lo = r->incs[i].start;
        if (bm_date_cmp(r->incs[i].end, hi) > 0)
            hi = r->incs[i].end;
    }
    *from = r->o.has_from ? r->o.from : lo;
    *to = r->o.has_to ? r->o.to : hi;
    *has = bm_date_valid(*from) && bm_date_valid(*to) && bm_date_cmp(*from, *to) <= 0;
}

void bm__draw_title(bm_renderer *r, cairo_t *cr)
{
    const bm__style *st = &r->st;
    double m = st->margin, W = r->o.page_w;
    const char *en = r->title ? r->title : st->title;
    const char *ar = r->title ? NULL : st->title_ar;
    if (r->o.lang == BM_LANG_AR && !r->title)
        bm__text(r->labels, cr, ar, W - m, m * 0.7, st->title_size, 1, 2, st->text, 0, NULL);
    else
        bm__text(r->labels, cr, en, m, m * 0.7, st->title_size, 1, 0, st->text, 0, NULL);
    if (r->o.lang == BM_LANG_BOTH && ar)
        bm__text(r->labels, cr, ar, W - m, m * 0.7, st->title_size, 1, 2, st->text, 0, NULL);
    bm_date from, to;
    int has;
    bm__period(r, &from, &to, &has);
    double y = m * 0.7 + st->title_size * 1.45;
    char a[64], b[64], line[320];
    if (has && r->o.lang != BM_LANG_AR) {
        date_text(r, from, 0, a, sizeof a);
        date_text(r, to, 0, b, sizeof b);
        snprintf(line, sizeof line, "%s – %s · %zu incidents", a, b, r->n_incs);
        bm__text(r->labels, cr, line, m, y, st->subtitle_size, 0, 0, st->text_muted, 0, NULL);
    }
    if (has && r->o.lang != BM_LANG_EN) {
        date_text(r, from, 1, a, sizeof a);
        date_text(r, to, 1, b, sizeof b);
        snprintf(line, sizeof line, "من %s إلى %s · %zu حادثة", a, b, r->n_incs);
        bm__text(r->labels, cr, line, W - m, y, st->subtitle_size, 0, 2, st->text_muted, 0, NULL);
    }
}

void bm__draw_attribution(bm_renderer *r, cairo_t *cr)
{
    const bm__style *st = &r->st;
    bm__text(r->labels, cr, st->attribution, st->margin, r->attrib_y, st->small_size, 0, 0,
             st->text_muted, 0, NULL);
    char proj[160];
    if (r->crs)
        snprintf(proj, sizeof proj, "Projection: %s", r->crs);
    else
        snprintf(proj, sizeof proj, "Lambert conformal conic, parallels %.1f°N and %.1f°N",
                 r->ext[1] + (r->ext[3] - r->ext[1]) / 6,
                 r->ext[1] + (r->ext[3] - r->ext[1]) * 5 / 6);
    bm__text(r->labels, cr, proj, r->o.page_w - st->margin, r->attrib_y, st->small_size, 0, 2,
             st->text_muted, 0, NULL);
}

/* ---- Locator inset ----------------------------------------------------------------------------
 */

void bm__draw_inset(bm_renderer *r, cairo_t *cr)
{
    const bm__style *st = &r->st;
    bm__rect in = r->inset;
    cairo_save(cr);
    cairo_rectangle(cr, in.x, in.y, in.w, in.h);
    bm__set_rgba(cr, st->water);
    cairo_fill_preserve(cr);
    cairo_clip(cr);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    for (int focus = 0; focus < 2; focus++) {
        for (size_t i = 0; i < r->bm.locator.n; i++) {
            const bm__feature *f = &r->bm.locator.f[i];
            int is_focus = !strcmp(f->code, "IQ") || !strcmp(f->code, "SY");
            if (is_focus == focus)
                bm__feature_path(cr, &r->lview, f, 1);
        }
        bm__set_rgba(cr, focus ? (bm__rgba){0.80, 0.77, 0.71, 1} : st->land);
        cairo_fill_preserve(cr);
        bm__set_rgba(cr, st->country_line);
        cairo_set_line_width(cr, 0.3);
        cairo_stroke(cr);
    }
    /* The map's extent, as a curved box in the inset's projection. */
    enum { N = 40 };
    double xy[8 * N];
    const double *e = r->ext;
    for (int i = 0; i < N; i++) {
        double t = (double)i / N;
        xy[2 * i] = e[0] + (e[2] - e[0]) * t, xy[2 * i + 1] = e[1];
        xy[2 * (N + i)] = e[2], xy[2 * (N + i) + 1] = e[1] + (e[3] - e[1]) * t;
        xy[2 * (2 * N + i)] = e[2] - (e[2] - e[0]) * t, xy[2 * (2 * N + i) + 1] = e[3];
        xy[2 * (3 * N + i)] = e[0], xy[2 * (3 * N + i) + 1] = e[3] - (e[3] - e[1]) * t;
    }
    bm__proj_fwd(r->lproj, xy, 4 * N);
    for (int i = 0; i < 4 * N; i++) {
        double x, y;
        bm__view_page(&r->lview, xy[2 * i], xy[2 * i + 1], &x, &y);
        if (i == 0)
            cairo_move_to(cr, x, y);
        else
            cairo_line_to(cr, x, y);
    }
    cairo_close_path(cr);
    bm__set_rgba(cr, st->locator_box);
    cairo_set_line_width(cr, 1.2);
    cairo_stroke(cr);
    cairo_restore(cr);
    cairo_rectangle(cr, in.x, in.y, in.w, in.h);
    bm__set_rgba(cr, st->frame);
    cairo_set_line_width(cr, 0.6);
    cairo_stroke(cr);
}

/* ---- Scale bar and north arrow ----------------------------------------------------------- */

void bm__draw_scalebar_north(bm_renderer *r, cairo_t *cr)
{
    const bm__style *st = &r->st;
    const bm__view *v = &r->view;
    double clon = (r->ext[0] + r->ext[2]) / 2, clat = (r->ext[1] + r->ext[3]) / 2;
    double xy[4] = {clon, clat, clon, clat + 0.5};
    bm__proj_fwd(r->proj, xy, 2);
    static const double nice[] = {1, 2, 5, 10, 20, 25, 50, 100, 150, 200, 250, 500, 1000, 2000};
    double len_km = nice[0];
    for (size_t i = 0; i < sizeof nice / sizeof nice[0]; i++)
        if (nice[i] / r->km_per_pt <= v->fw * 0.18)
            len_km = nice[i];
    double th, tw, k = st->small_size / 6;
    bm__text_size(r->labels, "0", st->small_size, 0, &tw, &th);
    double len = len_km / r->km_per_pt, x0 = r->scalebar.x + r->scalebar.w - len - 22 * k;
    double y0 = r->scalebar.y + r->scalebar.h - 8 * k;
    for (int i = 0; i < 4; i++) {
        cairo_rectangle(cr, x0 + len * i / 4, y0, len / 4, 3.2 * k);
        if (i % 2)
            cairo_set_source_rgb(cr, 1, 1, 1);
        else
            bm__set_rgba(cr, st->frame);
        cairo_fill_preserve(cr);
        bm__set_rgba(cr, st->frame);
        cairo_set_line_width(cr, 0.5);
        cairo_stroke(cr);
    }
    char buf[32];
    bm__text(r->labels, cr, "0", x0, y0 - th - 0.5, st->small_size, 0, 1, st->text, 1, NULL);
    snprintf(buf, sizeof buf, "%g", len_km / 2);
    bm__text(r->labels, cr, buf, x0 + len / 2, y0 - th - 0.5, st->small_size, 0, 1, st->text, 1,
             NULL);
    snprintf(buf, sizeof buf, "%g km", len_km);
    bm__text(r->labels, cr, buf, x0 + len, y0 - th - 0.5, st->small_size, 0, 1, st->text, 1, NULL);
    /* North arrow, turned to the local meridian (conic meridians converge). */
    double ang = 0;
    if (xy[0] != HUGE_VAL && xy[2] != HUGE_VAL)
        ang = atan2(xy[2] - xy[0], xy[3] - xy[1]);
    double nx = x0 + len + 8 * k, ny = y0 - th - 14 * k;
    cairo_save(cr);
    cairo_translate(cr, nx, ny);
    cairo_rotate(cr, ang);
    cairo_scale(cr, k, k);
    cairo_move_to(cr, 0, -8);
    cairo_line_to(cr, 4, 5);
    cairo_line_to(cr, 0, 2.5);
    cairo_close_path(cr);
    bm__set_rgba(cr, st->frame);
    cairo_fill(cr);
    cairo_move_to(cr, 0, -8);
    cairo_line_to(cr, -4, 5);
    cairo_line_to(cr, 0, 2.5);
    cairo_close_path(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_fill_preserve(cr);
    bm__set_rgba(cr, st->frame);
    cairo_set_line_width(cr, 0.5);
    cairo_stroke(cr);
    cairo_restore(cr);
    bm__text(r->labels, cr, "N", nx, ny - 8 * k - th - 1, st->small_size, 1, 1, st->text, 1, NULL);
}

/* ---- Timeline ------------------------------------------------------------------------------ */

/* Timeline bins: weeks for periods up to half a year, months beyond. */
typedef struct tl_bins {
    int n, weekly;
    int64_t d0, d1;
    int (*c)[BM_N_TYPES];
    int max;
} tl_bins;

static int bin_of(const tl_bins *b, bm_date d)
{
    int64_t x = bm_date_to_days(d);
    if (b->weekly)
        return (int)((x - b->d0) / 7);
    bm_date f = bm_date_from_days(b->d0);
    return (d.year - f.year) * 12 + (d.month - f.month);
}

static int make_bins(const bm_renderer *r, tl_bins *b)
{
    memset(b, 0, sizeof *b);
    bm_date from, to;
    int has;
    bm__period(r, &from, &to, &has);
    if (!has)
        return 0;
    b->d0 = bm_date_to_days(from), b->d1 = bm_date_to_days(to);
    b->weekly = b->d1 - b->d0 <= 183;
    if (!b->weekly)
        b->d0 = bm_date_to_days((bm_date){from.year, from.month, 1});
    b->n = bin_of(b, to) + 1;
    if (b->n < 1 || b->n > 5000)
        return 0;
    b->c = calloc((size_t)b->n, sizeof *b->c);
    if (!b->c)
        return 0;
    for (size_t i = 0; i < r->n_incs; i++) {
        int t = r->incs[i].type, k = bin_of(b, r->incs[i].start);
        if (t >= 0 && k >= 0 && k < b->n)
            b->c[k][t]++;
    }
    for (int k = 0; k < b->n; k++) {
        int s = 0;
        for (int t = 0; t < BM_N_TYPES; t++)
            s += b->c[k][t];
        if (s > b->max)
            b->max = s;
    }
    return 1;
}

static void timeline_geometry(const bm_renderer *r, double *x, double *y, double *w, double *h)
{
    const bm__style *st = &r->st;
    *x = r->view.fx + st->small_size * 4.3;
    *w = r->view.fw - st->small_size * 5;
    *y = r->timeline_y + st->small_size * 1.6;
    *h = r->timeline_h - st->small_size * 3.4;
}

/* The month label: the short name, and the year on January and on the first label. */
static void month_label(const bm_renderer *r, int yy, int mm, int first, char *buf, size_t n)
{
    int ar = r->o.lang == BM_LANG_AR;
    const char *name = ar ? r->months_ar[mm - 1] : r->months_en[mm - 1];
    if (mm == 1 || first)
        snprintf(buf, n, "%s %d", name, yy);
    else
        snprintf(buf, n, "%s", name);
}

/* Month ticks and labels. Labels go every k months, k the smallest of 1, 2, 3, 4, 6, 12 that
 * keeps the widest label clear of the next by a gap of one letter, so they never touch. */
static void month_axis(bm_renderer *r, cairo_t *cr, const tl_bins *b, double x, double y, double w,
                       double h)
{
    const bm__style *st = &r->st;
    double bw = w / b->n, month_w = b->weekly ? bw * 30.44 / 7 : bw, wmax = 0, tw, th;
    bm_date f0 = bm_date_from_days(b->d0), f1 = bm_date_from_days(b->d1);
    char buf[96];
    for (int mm = 1; mm <= 12; mm++) {
        month_label(r, 2000, mm, 1, buf, sizeof buf);
        bm__text_size(r->labels, buf, st->small_size, 0, &tw, &th);
        wmax = fmax(wmax, tw);
    }
    static const int strides[] = {1, 2, 3, 4, 6, 12};
    int k = 12;
    for (size_t i = 0; i < sizeof strides / sizeof strides[0]; i++)
        if (strides[i] * month_w >= wmax + st->small_size * 1.2) {
            k = strides[i];
            break;
        }
    bm__set_rgba(cr, st->frame);
    cairo_set_line_width(cr, 0.6);
    int first = 1;
    for (int yy = f0.year; yy <= f1.year; yy++)
        for (int mm = 1; mm <= 12; mm++) {
            int64_t d = bm_date_to_days((bm_date){yy, mm, 1});
            if (d < b->d0 || d > b->d1)
                continue;
            double px = b->weekly ? x + (double)(d - b->d0) / 7.0 * bw
                                  : x + (double)bin_of(b, (bm_date){yy, mm, 1}) * bw;
            cairo_move_to(cr, px, y + h);
            cairo_line_to(cr, px, y + h + 3);
            cairo_stroke(cr);
            if ((mm - 1) % k)
                continue;
            month_label(r, yy, mm, first, buf, sizeof buf);
            bm__text_size(r->labels, buf, st->small_size, 0, &tw, &th);
            /* Monthly bars: the label under its bar; weekly: from the month's first day. */
            double lx = b->weekly ? px + 1.5 : px + month_w / 2 - tw / 2;
            if (lx + tw > x + w + st->small_size * 3)
                continue;
            bm__text(r->labels, cr, buf, lx, y + h + 2.5, st->small_size, 0, 0, st->text_muted, 0,
                     NULL);
            bm__set_rgba(cr, st->frame);
            first = 0;
        }
}

void bm__draw_timeline(bm_renderer *r, cairo_t *cr)
{
    const bm__style *st = &r->st;
    tl_bins b;
    double x, y, w, h;
    timeline_geometry(r, &x, &y, &w, &h);
    int ar = r->o.lang == BM_LANG_AR;
    if (!make_bins(r, &b)) {
        bm__text(r->labels, cr, ar ? "لا حوادث" : "No incidents", x, y + h / 2 - st->small_size,
                 st->small_size, 0, 0, st->text_muted, 0, NULL);
        return;
    }
    const char *head = b.weekly ? (ar ? "الحوادث أسبوعياً" : "Incidents per week")
                                : (ar ? "الحوادث شهرياً" : "Incidents per month");
    if (ar)
        bm__text(r->labels, cr, head, r->view.fx + r->view.fw, r->timeline_y, st->small_size, 1, 2,
                 st->text, 0, NULL);
    else
        bm__text(r->labels, cr, head, r->view.fx, r->timeline_y, st->small_size, 1, 0, st->text, 0,
                 NULL);
    double bw = w / b.n, scale = b.max > 0 ? h / b.max : 0;
    for (int k = 0; k < b.n; k++) {
        double top = y + h;
        for (int t = 0; t < BM_N_TYPES; t++) {
            if (!b.c[k][t])
                continue;
            double bh = b.c[k][t] * scale;
            top -= bh;
            cairo_rectangle(cr, x + k * bw + bw * 0.08, top, bw * 0.84, bh);
            bm__set_rgba(cr, st->type_colour[t]);
            cairo_fill(cr);
        }
    }
    cairo_move_to(cr, x, y + h + 0.5);
    cairo_line_to(cr, x + w, y + h + 0.5);
    bm__set_rgba(cr, st->frame);
    cairo_set_line_width(cr, 0.6);
    cairo_stroke(cr);
    char buf[64];
    snprintf(buf, sizeof buf, "%d", b.max);
    bm__text(r->labels, cr, buf, x - 3, y - st->small_size * 0.6, st->small_size, 0, 2,
             st->text_muted, 0, NULL);
    bm__text(r->labels, cr, "0", x - 3, y + h - st->small_size * 0.7, st->small_size, 0, 2,
             st->text_muted, 0, NULL);
    month_axis(r, cr, &b, x, y, w, h);
    free(b.c);
}

void bm__draw_cursor(bm_renderer *r, cairo_t *cr, const bm_render_frame *f)
{
    tl_bins b;
    if (!f->has_cursor || !(r->o.furniture & BM_FURN_TIMELINE) || !make_bins(r, &b))
        return;
    double x, y, w, h;
    timeline_geometry(r, &x, &y, &w, &h);
    double x0, x1;
    if (b.weekly) {
        double per = w / ((double)b.n * 7);
        x0 = x + (double)(bm_date_to_days(f->cursor_from) - b.d0) * per;
        x1 = x + (double)(bm_date_to_days(f->cursor_to) + 1 - b.d0) * per;
    } else {
        double bw = w / b.n;
        x0 = x + bin_of(&b, f->cursor_from) * bw;
        x1 = x + (bin_of(&b, f->cursor_to) + 1) * bw;
    }
    x0 = fmax(x, x0), x1 = fmin(x + w, fmax(x1, x0 + 1.5));
    cairo_rectangle(cr, x0, y - 2, x1 - x0, h + 2);
    cairo_set_source_rgba(cr, 0.1, 0.1, 0.1, 0.12);
    cairo_fill_preserve(cr);
    cairo_set_source_rgba(cr, 0.1, 0.1, 0.1, 0.7);
    cairo_set_line_width(cr, 0.8);
    cairo_stroke(cr);
    free(b.c);
}

/* ---- Legend ---------------------------------------------------------------------------------- */

typedef struct legend_text {
    const char *head;
    char type[BM_N_TYPES][200];
    const char *extra[3]; /* co-located, approximate, crossing */
    char unmapped[160];
} legend_text;

static void legend_texts(const bm_renderer *r, legend_text *lt)
{
    const bm__style *st = &r->st;
    int lang = r->o.lang;
    for (int t = 0; t < BM_N_TYPES; t++) {
        /* The count goes in a column of its own: after an Arabic run a number would join it
         * and swap sides. */
        if (lang == BM_LANG_AR)
            snprintf(lt->type[t], sizeof lt->type[t], "%s", st->type_label_ar[t]);
        else if (lang == BM_LANG_BOTH)
            snprintf(lt->type[t], sizeof lt->type[t], "%s · %s", st->type_label_en[t],
                     st->type_label_ar[t]);
        else
            snprintf(lt->type[t], sizeof lt->type[t], "%s", st->type_label_en[t]);
    }
    if (lang == BM_LANG_AR) {
        lt->head = "نوع الحادث";
        lt->extra[0] = "حوادث متجمعة (العدد)";
        lt->extra[1] = "موقع تقريبي (منطقة)";
        lt->extra[2] = "معبر حدودي";
        snprintf(lt->unmapped, sizeof lt->unmapped, "%d على مستوى الدولة (خارج الخريطة)",
                 r->n_unmapped);
    } else if (lang == BM_LANG_BOTH) {
        lt->head = "Incident type · نوع الحادث";
        lt->extra[0] = "Co-located (count) · حوادث متجمعة";
        lt->extra[1] = "Approximate (area) · موقع تقريبي";
        lt->extra[2] = "Border crossing · معبر حدودي";
        snprintf(lt->unmapped, sizeof lt->unmapped, "Country-level, not mapped: %d", r->n_unmapped);
    } else {
        lt->head = "Incident type";
        lt->extra[0] = "Co-located incidents (count)";
        lt->extra[1] = "Approximate location (area)";
        lt->extra[2] = "Border crossing";
        snprintf(lt->unmapped, sizeof lt->unmapped, "Country-level, not mapped: %d", r->n_unmapped);
    }
}

/* Which extra rows the map needs: only conventions it actually shows. */
static void legend_extras(const bm_renderer *r, int extra[3])
{
    extra[0] = r->has_colocated;
    extra[1] = r->has_areas;
    extra[2] = 0;
    for (size_t i = 0; i < r->n_places && !extra[2]; i++)
        extra[2] = r->places[i].kind == BM_PK_CROSSING && r->places[i].x != HUGE_VAL;
}

/* Lays the legend out; draws it when cr is non-NULL. Rows are the types the whole map holds,
 * so the box keeps its size from frame to frame. */
static void legend(bm_renderer *r, cairo_t *cr, const int *counts, double *w_out, double *h_out)
{
    const bm__style *st = &r->st;
    legend_text lt;
    legend_texts(r, &lt);
    int extra[3];
    legend_extras(r, extra);
    double fs = st->legend_size, row = fs * 1.7, pad = fs * 0.85, sym = fs * 2.2, tw, th;
    double wmax = 0, wnum = 0;
    int rows = 0, n_extra = 0, total = 0;
    for (int t = 0; t < BM_N_TYPES; t++) {
        if (!r->types_present[t])
            continue;
        bm__text_size(r->labels, lt.type[t], fs, 0, &tw, &th);
        wmax = fmax(wmax, tw);
        rows++;
        total += r->types_present[t];
    }
    char num[32];
    snprintf(num, sizeof num, "%d", total > 0 ? total : 0);
    bm__text_size(r->labels, num, fs, 1, &wnum, &th);
    for (int i = 0; i < 3; i++)
        if (extra[i]) {
            bm__text_size(r->labels, lt.extra[i], fs, 0, &tw, &th);
            wmax = fmax(wmax, tw - wnum - fs);
            n_extra++;
        }
    if (r->n_unmapped) {
        bm__text_size(r->labels, lt.unmapped, fs * 0.9, 0, &tw, &th);
        wmax = fmax(wmax, tw - sym - wnum - fs);
    }
    bm__text_size(r->labels, lt.head, fs, 1, &tw, &th);
    wmax = fmax(wmax, tw - sym - wnum - fs);
    double w = pad + sym + wmax + fs + wnum + pad;
    double h = pad + fs * 1.9 + rows * row + (n_extra ? fs * 0.4 + n_extra * row : 0) +
               (r->n_unmapped ? row : 0) + pad * 0.6;
    *w_out = w, *h_out = h;
    if (!cr)
        return;
    double x = r->legend_area.x, y = r->legend_area.y;
    cairo_rectangle(cr, x, y, w, h);
    bm__set_rgba(cr, st->panel);
    cairo_fill_preserve(cr);
    bm__set_rgba_alpha(cr, st->frame, 0.5);
    cairo_set_line_width(cr, 0.5);
    cairo_stroke(cr);
    int rtl = r->o.lang == BM_LANG_AR;
    double tx = rtl ? x + w - pad : x + pad, cy = y + pad;
    bm__text(r->labels, cr, lt.head, tx, cy - fs * 0.15, fs, 1, rtl ? 2 : 0, st->text, 0, NULL);
    cy += fs * 1.9;
    double sx = rtl ? x + w - pad - sym / 2 : x + pad + sym / 2;
    double lx = rtl ? x + w - pad - sym : x + pad + sym, nx = rtl ? x + pad : x + w - pad;
    for (int t = 0; t < BM_N_TYPES; t++) {
        if (!r->types_present[t])
            continue;
        double mid = cy + row / 2;
        bm__draw_symbol(cr, st, t, sx, mid, fmin(st->symbol_size, fs * 1.25), 1);
        bm__text(r->labels, cr, lt.type[t], lx, mid - fs * 0.72, fs, 0, rtl ? 2 : 0, st->text, 0,
                 NULL);
        snprintf(num, sizeof num, "%d", counts ? counts[t] : 0);
        bm__text(r->labels, cr, num, nx, mid - fs * 0.72, fs, 1, rtl ? 0 : 2, st->text_muted, 0,
                 NULL);
        cy += row;
    }
    if (n_extra)
        cy += fs * 0.4;
    /* The extra rows show the conventions, drawn the way the map draws them. */
    for (int i = 0; i < 3; i++) {
        if (!extra[i])
            continue;
        double mid = cy + row / 2;
        if (i == 0) {
            bm__draw_cluster_sample(cr, st, sx, mid, fs * 0.7);
        } else if (i == 1) {
            bm__draw_hatch_sample(r, cr, st->text_muted, sx - fs * 0.75, mid - fs * 0.5, fs * 1.5,
                                  fs);
        } else {
            cairo_rectangle(cr, sx - 2.6, mid - 2.6, 5.2, 5.2);
            cairo_set_source_rgb(cr, 1, 1, 1);
            cairo_fill_preserve(cr);
            bm__set_rgba(cr, st->crossing);
            cairo_set_line_width(cr, 1.1);
            cairo_stroke(cr);
        }
        bm__text(r->labels, cr, lt.extra[i], lx, mid - fs * 0.72, fs, 0, rtl ? 2 : 0, st->text, 0,
                 NULL);
        cy += row;
    }
    if (r->n_unmapped)
        bm__text(r->labels, cr, lt.unmapped, tx, cy + row / 2 - fs * 0.65, fs * 0.9, 0, rtl ? 2 : 0,
                 st->text_muted, 0, NULL);
}

void bm__legend_size(bm_renderer *r, double *w, double *h)
{
    legend(r, NULL, NULL, w, h);
}

void bm__draw_legend(bm_renderer *r, cairo_t *cr, const int counts[BM_N_TYPES])
{
    double w, h;
    legend(r, cr, counts, &w, &h);
}

/* ---- Date stamp -------------------------------------------------------------------------------
 */

void bm__stamp_size(bm_renderer *r, const char *sample, double *w, double *h)
{
    bm__text_size(r->labels, sample, r->st.stamp_size, 1, w, h);
}

void bm__draw_stamp(bm_renderer *r, cairo_t *cr, const char *stamp)
{
    bm__rect out;
    bm__text(r->labels, cr, stamp, r->stamp_area.x, r->stamp_area.y, r->st.stamp_size, 1, 0,
             r->st.text, 1, &out);
    bm__labels_obstacle(r->labels, (bm__rect){out.x - 2, out.y - 2, out.w + 4, out.h + 4});
}

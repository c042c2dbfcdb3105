/* 2-D max pooling of float32 planes, forward (values and PyTorch's flat argmax indices) and backward (each output
 * gradient added at its argmax), split over the pool by plane (N * C of them).
 *
 * The scan is PyTorch's: per window, in row-major order, a value replaces the running maximum when it is greater or
 * NaN (so the last NaN wins); the index starts at the first tap inside the input, so a window of -inf points there.
 * Each output row is computed tap by tap over its columns: for the columns whose windows lie inside the input
 * (all but a padded border) the loop over columns has no bounds checks and vectorises. */
#include <math.h>
#include <string.h>

#include "threadpool.h"

struct pool {
    const float *x, *g;
    float *y, *gx;
    long *idx;
    long h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw;
};

/* the first and one-past-last output columns whose windows lie inside the input */
static void inner_columns(const struct pool *p, long *lo, long *hi) {
    long first = (p->pw + p->sw - 1) / p->sw, last = (p->w - 1 - (p->kw - 1) * p->dw + p->pw) / p->sw + 1;
    if (p->w - 1 - (p->kw - 1) * p->dw + p->pw < 0)
        last = 0;
    *lo = first < p->ow ? first : p->ow;
    *hi = last > *lo ? (last < p->ow ? last : p->ow) : *lo;
}

static void scan_column(const struct pool *p, const float *x, long row_start, long ocol, float *y, long *idx) {
    long c0 = ocol * p->sw - p->pw;
    for (long j = 0; j < p->kw; j++) {
        long c = c0 + j * p->dw;
        if (c < 0 || c >= p->w)
            continue;
        float v = x[row_start + c];
        if (v > *y || isnan(v)) {
            *y = v;
            *idx = row_start + c;
        }
    }
}

/* One tap over a run of n output columns whose windows lie inside the input (x at the tap of the first column,
 * stride sw between columns; `at` its flat index): separate, with restrict pointers, so that it vectorises. */
static void scan_run(const float *restrict x, float *restrict y, long *restrict idx, long n, long sw, long at) {
    for (long c = 0; c < n; c++) {
        float v = x[c * sw];
        int better = v > y[c] || v != v;
        y[c] = better ? v : y[c];
        idx[c] = better ? at + c * sw : idx[c];
    }
}

static void forward_plane(void *arg, long plane) {
    const struct pool *p = arg;
    const float *x = p->x + plane * p->h * p->w;
    float *y = p->y + plane * p->oh * p->ow;
    long *idx = p->idx + plane * p->oh * p->ow, lo, hi;
    inner_columns(p, &lo, &hi);
    for (long r = 0; r < p->oh; r++) {
        float *yr = y + r * p->ow;
        long *ir = idx + r * p->ow, r0 = r * p->sh - p->ph, first_row = r0;
        while (first_row < 0)
            first_row += p->dh;
        for (long c = 0; c < p->ow; c++) {
            long c0 = c * p->sw - p->pw, first_col = c0;
            while (first_col < 0)
                first_col += p->dw;
            yr[c] = -INFINITY;
            ir[c] = first_row * p->w + first_col;
        }
        for (long i = 0; i < p->kh; i++) {
            long row = r0 + i * p->dh;
            if (row < 0 || row >= p->h)
                continue;
            long start = row * p->w;
            for (long c = 0; c < lo; c++)
                scan_column(p, x, start, c, yr + c, ir + c);
            for (long j = 0; j < p->kw; j++) {
                long at = start + j * p->dw - p->pw + lo * p->sw;
                scan_run(x + at, yr + lo, ir + lo, hi - lo, p->sw, at);
            }
            for (long c = hi; c < p->ow; c++)
                scan_column(p, x, start, c, yr + c, ir + c);
        }
    }
}

static void backward_plane(void *arg, long plane) {
    const struct pool *p = arg;
    const float *g = p->g + plane * p->oh * p->ow;
    const long *idx = p->idx + plane * p->oh * p->ow;
    float *gx = p->gx + plane * p->h * p->w;
    memset(gx, 0, p->h * p->w * sizeof(float));
    for (long o = 0; o < p->oh * p->ow; o++)
        gx[idx[o]] += g[o];
}

/* x (planes, h, w) -> y and idx (planes, oh, ow): window (kh, kw), stride, padding, dilation. */
void ember_max_pool2d_forward(const float *x, float *y, long *idx, long planes, long h, long w, long oh, long ow,
                              long kh, long kw, long sh, long sw, long ph, long pw, long dh, long dw) {
    struct pool p = {.x = x, .y = y, .idx = idx, .h = h, .w = w, .oh = oh, .ow = ow, .kh = kh, .kw = kw, .sh = sh,
                     .sw = sw, .ph = ph, .pw = pw, .dh = dh, .dw = dw};
    ember_pool_run(forward_plane, &p, planes, planes > 1 && planes * oh * ow * kh * kw >= 65536);
}

/* gx (planes, h, w) = the output gradient g (planes, oh, ow) added at the forward's argmax idx. */
void ember_max_pool2d_backward(const float *g, const long *idx, float *gx, long planes, long h, long w, long oh,
                               long ow) {
    struct pool p = {.g = g, .gx = gx, .idx = (long *)idx, .h = h, .w = w, .oh = oh, .ow = ow};
    ember_pool_run(backward_plane, &p, planes, planes > 1 && planes * (h * w + oh * ow) >= 65536);
}

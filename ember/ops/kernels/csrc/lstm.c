/* An LSTM layer's time loops on float32, forward and backward: per step the hidden path's product (matmul.c) and
 * the elementwise work in one pass (the NumPy kernel takes a dozen calls a step). See lstm.py for the packed rows
 * and the gate layout: input, forget, output, cell, the three sigmoid gates' pre-activations halved so that
 * sigmoid(z) = (tanh(z / 2) + 1) / 2.
 *
 * tanh is this file's own (below), within 2 ulp as NumPy's and PyTorch's are within 1-2: they may differ from each
 * other and from this in the last bits. Rows are split over the pool when a step is large. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "matmul.h"
#include "threadpool.h"

#define ROWS_PER_CHUNK 16
#define PARALLEL_MIN 65536L

/* tanh(x) within 2 ulp (96 % of floats correctly rounded; NaN passes, the sign of zero is kept), without branches
 * or integer conversions so the loops vectorise: below |x| = 0.5 its odd Taylor series to x^15 (truncation under
 * 1e-8 relative), above it 1 - 2 / (e^{2|x|} + 1) with e^y = 2^k e^r, |r| <= ln2 / 2, e^r a Taylor polynomial to
 * r^7. |x| is clamped to 9.5, where tanh rounds to 1. */
static inline float tanh_of(float x) {
    float a = fabsf(x);
    a = a < 9.5f ? a : 9.5f;
    float s = a * a;
    float q = -929569.0f / 638512875;
    q = q * s + 21844.0f / 6081075;
    q = q * s - 1382.0f / 155925;
    q = q * s + 62.0f / 2835;
    q = q * s - 17.0f / 315;
    q = q * s + 2.0f / 15;
    q = q * s - 1.0f / 3;
    float small = a + a * s * q;
    float y = 2.0f * a;
    /* k = round(y / ln2), read from the low bits of a float whose unit in the last place is 1 */
    const float shifter = 0x1.8p23f;
    float t = y * 0x1.715476p0f + shifter;
    float k = t - shifter;
    float r = (y - k * 0x1.62e400p-1f) - k * 0x1.7f7d1cp-20f;
    float biased = t + 127.0f;
    unsigned bits;
    memcpy(&bits, &biased, sizeof bits);
    bits <<= 23;
    float two_k;
    memcpy(&two_k, &bits, sizeof two_k);
    float p = 1.0f / 5040;
    p = p * r + 1.0f / 720;
    p = p * r + 1.0f / 120;
    p = p * r + 1.0f / 24;
    p = p * r + 1.0f / 6;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    float large = 1.0f - 2.0f / (p * two_k + 1.0f);
    float th = copysignf(a < 0.5f ? small : large, x);
    return x != x ? x : th;
}

struct step {
    float *gates;           /* n x 4H: in, the input projection plus bias; out, the activated gates */
    const float *hidden;    /* n x 4H: h_prev @ w_hh^T in the kernel's layout */
    float *c;               /* n x H: the cell state, read (c_prev) and written (the new cell) */
    float *c_prev, *tanh_cells, *out, *h;  /* n x H each */
    const float *grad_out;  /* backward: n x H or NULL */
    float *dh, *dc, *dgates;
    long n, size;
};

/* The cell update of one row (separate, with restrict pointers, so that the loop vectorises). */
static void cell_row(const float *restrict i, const float *restrict f, const float *restrict o,
                     const float *restrict g, float *restrict c, float *restrict c_prev, float *restrict tc,
                     float *restrict out, float *restrict h, long size) {
    for (long j = 0; j < size; j++) {
        float prev = c[j];
        float next = f[j] * prev + i[j] * g[j];
        float t = tanh_of(next);
        c_prev[j] = prev;
        c[j] = next;
        tc[j] = t;
        out[j] = o[j] * t;
        h[j] = o[j] * t;
    }
}

static void forward_rows(void *arg, long chunk) {
    const struct step *p = arg;
    long size = p->size, width = 4 * size, end = (chunk + 1) * ROWS_PER_CHUNK;
    for (long row = chunk * ROWS_PER_CHUNK; row < (end < p->n ? end : p->n); row++) {
        float *gate = p->gates + row * width;
        const float *hid = p->hidden + row * width;
        for (long j = 0; j < 3 * size; j++)
            gate[j] = 0.5f * tanh_of(gate[j] + hid[j]) + 0.5f;
        for (long j = 3 * size; j < width; j++)
            gate[j] = tanh_of(gate[j] + hid[j]);
        long at = row * size;
        cell_row(gate, gate + size, gate + 2 * size, gate + 3 * size, p->c + at, p->c_prev + at, p->tanh_cells + at,
                 p->out + at, p->h + at, size);
    }
}

/* The gates' gradients of one row; dh already holds the output's gradient added. */
static void gradient_row(const float *restrict i, const float *restrict f, const float *restrict o,
                         const float *restrict g, const float *restrict tc, const float *restrict c_prev,
                         const float *restrict dh, float *restrict dc, float *restrict d, long size) {
    for (long j = 0; j < size; j++) {
        float dht = dh[j];
        float dct = (1.0f - tc[j] * tc[j]) * o[j] * dht + dc[j];
        d[j] = dct * g[j] * i[j] * (1.0f - i[j]);
        d[size + j] = dct * c_prev[j] * f[j] * (1.0f - f[j]);
        d[2 * size + j] = dht * tc[j] * o[j] * (1.0f - o[j]);
        d[3 * size + j] = dct * (1.0f - g[j] * g[j]) * i[j];
        dc[j] = dct * f[j];
    }
}

static void backward_rows(void *arg, long chunk) {
    const struct step *p = arg;
    long size = p->size, width = 4 * size, end = (chunk + 1) * ROWS_PER_CHUNK;
    for (long row = chunk * ROWS_PER_CHUNK; row < (end < p->n ? end : p->n); row++) {
        const float *gate = p->gates + row * width;
        long at = row * size;
        float *dh = p->dh + at;
        if (p->grad_out)
            for (long j = 0; j < size; j++)
                dh[j] += p->grad_out[at + j];
        gradient_row(gate, gate + size, gate + 2 * size, gate + 3 * size, p->tanh_cells + at, p->c_prev + at, dh,
                     p->dc + at, p->dgates + row * width, size);
    }
}

static void run(ember_task fn, struct step *p) {
    ember_pool_run(fn, p, (p->n + ROWS_PER_CHUNK - 1) / ROWS_PER_CHUNK, p->n * p->size >= PARALLEL_MIN);
}

/* One forward step over n rows: activates `gates` (adding `hidden`), updates the state `c` and writes `h` and the
 * output, and keeps what the backward needs: the cell state before the step (c_prev) and the new one's tanh. */
static void step_forward(float *gates, const float *hidden, float *c, float *c_prev, float *tanh_cells, float *out,
                         float *h, long n, long size) {
    struct step p = {.gates = gates, .hidden = hidden, .c = c, .c_prev = c_prev, .tanh_cells = tanh_cells,
                     .out = out, .h = h, .n = n, .size = size};
    run(forward_rows, &p);
}

/* One backward step over n rows: the gates' gradients (in the kernel's layout) from the hidden state's gradient
 * `dh` plus the output's (`grad_out`, or NULL), and the cell state's gradient `dc`, updated in place. */
static void step_backward(const float *gates, const float *tanh_cells, const float *c_prev, const float *grad_out,
                          float *dh, float *dc, float *dgates, long n, long size) {
    struct step p = {.gates = (float *)gates, .tanh_cells = (float *)tanh_cells, .c_prev = (float *)c_prev,
                     .grad_out = grad_out, .dh = dh, .dc = dc, .dgates = dgates, .n = n, .size = size};
    run(backward_rows, &p);
}

/* The first row of each time step (packed rows: step t owns batch_sizes[t] rows from starts[t]). */
static void row_starts(const long *batch_sizes, long steps, long *starts) {
    for (long t = 0, at = 0; t < steps; at += batch_sizes[t], t++)
        starts[t] = at;
}

/* The forward time loop of one direction (reverse: from the last step). Per step: h_prev = h, the hidden path's
 * product h_prev @ w_hh (w_hh: size x ldw, the kernel's layout transposed, padded) into the scratch `hidden`
 * (batch x 4 size), then the elementwise step. gates holds the input projection on entry, the activations after. */
void ember_lstm_forward(float *gates, const float *w_hh, long ldw, float *h, float *c, float *h_prev, float *c_prev,
                        float *tanh_cells, float *out, float *hidden, const long *batch_sizes, long steps,
                        int reverse, long size) {
    long *starts = malloc(steps * sizeof *starts);
    row_starts(batch_sizes, steps, starts);
    for (long s = 0; s < steps; s++) {
        long t = reverse ? steps - 1 - s : s, n = batch_sizes[t], at = starts[t];
        memcpy(h_prev + at * size, h, n * size * sizeof(float));
        ember_matmul_wide(h_prev + at * size, w_hh, NULL, hidden, n, size, 4 * size, size, 1, ldw, 4 * size);
        step_forward(gates + at * 4 * size, hidden, c, c_prev + at * size, tanh_cells + at * size,
                     out + at * size, h, n, size);
    }
    free(starts);
}

/* The backward time loop (the forward's steps in the opposite order). dh and dc (batch x size) hold the final
 * state's gradients on entry and the initial state's on return; grad_out (rows x size) may be NULL; w_hh is the
 * kernel's layout (4 size x ldw, padded). */
void ember_lstm_backward(const float *gates, const float *w_hh, long ldw, const float *tanh_cells,
                         const float *c_prev, const float *grad_out, float *dh, float *dc, float *dgates,
                         const long *batch_sizes, long steps, int reverse, long size) {
    long *starts = malloc(steps * sizeof *starts);
    row_starts(batch_sizes, steps, starts);
    for (long s = steps - 1; s >= 0; s--) {
        long t = reverse ? steps - 1 - s : s, n = batch_sizes[t], at = starts[t];
        step_backward(gates + at * 4 * size, tanh_cells + at * size, c_prev + at * size,
                      grad_out ? grad_out + at * size : NULL, dh, dc, dgates + at * 4 * size, n, size);
        ember_matmul_wide(dgates + at * 4 * size, w_hh, NULL, dh, n, 4 * size, size, 4 * size, 1, ldw, size);
    }
    free(starts);
}

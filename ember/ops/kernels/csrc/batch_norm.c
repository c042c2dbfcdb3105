/* Batch normalisation of float32 (N, C, L) arrays, forward and backward, one channel per chunk of work (a block of
 * channels when L is 1).
 *
 * Loaded by ember/ops/kernels/norm_native.py with ctypes; ember/ops/kernels/norm_numpy.py computes the same with
 * NumPy and remains the fallback. A channel's N rows of L floats are read a few times in a row (statistics, then
 * the normalised output; the gradient's two sums, then the input gradient) while they are still in the core's
 * cache, and each channel is finished by one thread: its sums are added in one fixed order, so every run gives the
 * same bits.
 *
 * Sums run in float vector lanes along a row and are added up in double across rows. The variance is that of the
 * values centred on the first pass's mean, corrected by their own (small) mean, so a large offset (mean 100,
 * std 0.1) costs no accuracy.
 */
#include <math.h>
#include <stddef.h>

#include "threadpool.h"
#include "reduce.h"

/* below this many elements a call runs on the calling thread alone: waking the pool costs more than it saves */
#define PARALLEL_MIN_SIZE (1L << 15)

struct batch_norm {
    const float *x, *g, *weight, *bias;
    float *y, *dx, *mean, *var, *invstd, *dweight, *dbias;
    long n, c, l;
    float eps;
    int training;
};

/* out[i] = (x[i] - m) * s + b */
static void row_affine(const float *restrict x, float *restrict out, long l, float m, float s, float b)
{
    long i = 0;
    for (; i + VL <= l; i += VL)
        *(vec *)(out + i) = (*(const vec *)(x + i) - m) * s + b;
    for (; i < l; i++)
        out[i] = (x[i] - m) * s + b;
}

/* dx[i] = (g[i] - c0 - (x[i] - m) * k) * s */
static void row_input_grad(const float *restrict g, const float *restrict x, float *restrict dx, long l, float m,
                           float k, float c0, float s)
{
    long i = 0;
    for (; i + VL <= l; i += VL)
        *(vec *)(dx + i) = (*(const vec *)(g + i) - c0 - (*(const vec *)(x + i) - m) * k) * s;
    for (; i < l; i++)
        dx[i] = (g[i] - c0 - (x[i] - m) * k) * s;
}

static void forward_channel(void *arg, long ch)
{
    const struct batch_norm *p = arg;
    long stride = p->c * p->l;
    const float *x = p->x + ch * p->l;
    float m, var;
    if (p->training) {
        double count = (double)p->n * p->l, sum = 0, shift = 0, squares = 0;
        for (long i = 0; i < p->n; i++)
            sum += row_sum(x + i * stride, p->l);
        m = (float)(sum / count);
        for (long i = 0; i < p->n; i++)
            row_centred_sums(x + i * stride, m, x + i * stride, m, p->l, &shift, &squares);
        centred_moments(count, m, shift, squares, &m, &var);
        p->mean[ch] = m;
        p->var[ch] = var;
    } else {
        m = p->mean[ch];
        var = p->var[ch];
    }
    float invstd = 1.0f / sqrtf(var + p->eps);
    float s = p->weight ? invstd * p->weight[ch] : invstd, b = p->bias ? p->bias[ch] : 0.0f;
    p->invstd[ch] = invstd;
    for (long i = 0; i < p->n; i++)
        row_affine(x + i * stride, p->y + ch * p->l + i * stride, p->l, m, s, b);
}

static void backward_channel(void *arg, long ch)
{
    const struct batch_norm *p = arg;
    long stride = p->c * p->l;
    const float *x = p->x + ch * p->l, *g = p->g + ch * p->l;
    float m = p->mean[ch], invstd = p->invstd[ch];
    double count = (double)p->n * p->l, sum_g = 0, sum_gxc = 0;
    for (long i = 0; i < p->n; i++)
        row_centred_sums(g + i * stride, 0.0f, x + i * stride, m, p->l, &sum_g, &sum_gxc);
    p->dbias[ch] = (float)sum_g;
    p->dweight[ch] = (float)(sum_gxc * invstd);
    if (p->dx == NULL)
        return;
    float s = p->weight ? invstd * p->weight[ch] : invstd;
    float k = p->training ? (float)(sum_gxc * invstd * invstd / count) : 0.0f;
    float c0 = p->training ? (float)(sum_g / count) : 0.0f;
    for (long i = 0; i < p->n; i++)
        row_input_grad(g + i * stride, x + i * stride, p->dx + ch * p->l + i * stride, p->l, m, k, c0, s);
}

/* An (N, C) input (one position per channel, as BatchNorm1d's usual input) has each channel's values C floats
 * apart: a chunk takes a block of COLUMNS channels and walks the rows once per pass, its channels side by side, so
 * that the loads are contiguous. Sums are kept in double per channel, as across the rows of the kernels above. */
#define COLUMNS 64

struct columns {
    long c0, width;
};

static struct columns columns_of(const struct batch_norm *p, long chunk)
{
    long c0 = chunk * COLUMNS;
    return (struct columns){c0, p->c - c0 < COLUMNS ? p->c - c0 : COLUMNS};
}

static void forward_columns(void *arg, long chunk)
{
    const struct batch_norm *p = arg;
    struct columns b = columns_of(p, chunk);
    const float *x = p->x + b.c0;
    float m[COLUMNS], s[COLUMNS], t[COLUMNS];
    if (p->training) {
        double count = (double)p->n, sum[COLUMNS] = {0}, shift[COLUMNS] = {0}, squares[COLUMNS] = {0};
        for (long i = 0; i < p->n; i++)
            for (long j = 0; j < b.width; j++)
                sum[j] += x[i * p->c + j];
        for (long j = 0; j < b.width; j++)
            m[j] = (float)(sum[j] / count);
        for (long i = 0; i < p->n; i++)
            for (long j = 0; j < b.width; j++) {
                float u = x[i * p->c + j] - m[j];
                shift[j] += u;
                squares[j] += (double)u * u;
            }
        for (long j = 0; j < b.width; j++) {
            centred_moments(count, m[j], shift[j], squares[j], &m[j], &s[j]);
            p->mean[b.c0 + j] = m[j];
            p->var[b.c0 + j] = s[j];
        }
    } else {
        for (long j = 0; j < b.width; j++) {
            m[j] = p->mean[b.c0 + j];
            s[j] = p->var[b.c0 + j];
        }
    }
    for (long j = 0; j < b.width; j++) {
        float invstd = 1.0f / sqrtf(s[j] + p->eps);
        p->invstd[b.c0 + j] = invstd;
        s[j] = p->weight ? invstd * p->weight[b.c0 + j] : invstd;
        t[j] = p->bias ? p->bias[b.c0 + j] : 0.0f;
    }
    float *y = p->y + b.c0;
    for (long i = 0; i < p->n; i++)
        for (long j = 0; j < b.width; j++)
            y[i * p->c + j] = (x[i * p->c + j] - m[j]) * s[j] + t[j];
}

static void backward_columns(void *arg, long chunk)
{
    const struct batch_norm *p = arg;
    struct columns b = columns_of(p, chunk);
    const float *x = p->x + b.c0, *g = p->g + b.c0;
    const float *m = p->mean + b.c0, *invstd = p->invstd + b.c0;
    double count = (double)p->n, sum_g[COLUMNS] = {0}, sum_gxc[COLUMNS] = {0};
    for (long i = 0; i < p->n; i++)
        for (long j = 0; j < b.width; j++) {
            float gi = g[i * p->c + j];
            sum_g[j] += gi;
            sum_gxc[j] += (double)gi * (x[i * p->c + j] - m[j]);
        }
    float s[COLUMNS], k[COLUMNS], c0[COLUMNS];
    for (long j = 0; j < b.width; j++) {
        p->dbias[b.c0 + j] = (float)sum_g[j];
        p->dweight[b.c0 + j] = (float)(sum_gxc[j] * invstd[j]);
        s[j] = p->weight ? invstd[j] * p->weight[b.c0 + j] : invstd[j];
        k[j] = p->training ? (float)(sum_gxc[j] * invstd[j] * invstd[j] / count) : 0.0f;
        c0[j] = p->training ? (float)(sum_g[j] / count) : 0.0f;
    }
    if (p->dx == NULL)
        return;
    float *dx = p->dx + b.c0;
    for (long i = 0; i < p->n; i++)
        for (long j = 0; j < b.width; j++)
            dx[i * p->c + j] = (g[i * p->c + j] - c0[j] - (x[i * p->c + j] - m[j]) * k[j]) * s[j];
}

static int parallel(const struct batch_norm *p) { return p->n * p->c * p->l >= PARALLEL_MIN_SIZE; }

/* one position per channel: blocks of channels (the *_columns kernels); else one channel per chunk */
static void run(void (*per_channel)(void *, long), void (*per_columns)(void *, long), struct batch_norm *p)
{
    if (p->l == 1)
        ember_pool_run(per_columns, p, (p->c + COLUMNS - 1) / COLUMNS, parallel(p));
    else
        ember_pool_run(per_channel, p, p->c, parallel(p));
}

/* y = (x - mean) * invstd * weight + bias per channel. Training: mean and the biased var are computed and written
 * to `mean` and `var`; otherwise they are read from there (the running statistics). invstd is written.
 * weight and bias may be NULL. */
void ember_batch_norm_forward(const float *x, const float *weight, const float *bias, float *y, float *mean,
                              float *var, float *invstd, long n, long c, long l, float eps, int training)
{
    struct batch_norm p = {.x = x, .weight = weight, .bias = bias, .y = y, .mean = mean, .var = var,
                           .invstd = invstd, .n = n, .c = c, .l = l, .eps = eps, .training = training};
    run(forward_channel, forward_columns, &p);
}

/* Given the output gradient g: dweight = sum(g * xhat), dbias = sum(g) per channel, and, unless dx is NULL, the
 * input gradient (through the batch statistics when training, through the fixed ones otherwise). */
void ember_batch_norm_backward(const float *g, const float *x, const float *weight, const float *mean,
                               const float *invstd, float *dx, float *dweight, float *dbias, long n, long c, long l,
                               int training)
{
    struct batch_norm p = {.x = x, .g = g, .weight = weight, .dx = dx, .mean = (float *)mean,
                           .invstd = (float *)invstd, .dweight = dweight, .dbias = dbias, .n = n, .c = c, .l = l,
                           .training = training};
    run(backward_channel, backward_columns, &p);
}

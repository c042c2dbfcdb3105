/* Normalisation of the rows of a float32 (R, D) array, forward and backward: LayerNorm (a row per sample, the
 * affine per element of the row) and GroupNorm (a row per sample and group, the per-channel affine repeated over
 * the positions). Row r takes row r % G of the (G, D) weight and bias.
 *
 * Loaded by ember/ops/kernels/norm_native.py with ctypes; ember/ops/kernels/norm_numpy.py computes the same with
 * NumPy and remains the fallback. A row is read a few times in a row (statistics, then the output; the gradient's
 * two sums, then the input gradient) while it is in the core's cache. Rows are split into `blocks` chunks; the
 * weight and bias gradients are summed per block into the block's own (G, D) rows and added up by the caller in
 * block order, so every run gives the same bits.
 */
#include <math.h>
#include <stddef.h>

#include "threadpool.h"
#include "reduce.h"

struct row_norm {
    const float *x, *g, *weight, *bias;
    float *y, *dx, *mean, *invstd, *partial;
    long rows, d, groups, blocks;
    float eps;
};

static long block_start(const struct row_norm *p, long block) { return p->rows * block / p->blocks; }

static void forward_block(void *arg, long block)
{
    const struct row_norm *p = arg;
    for (long r = block_start(p, block); r < block_start(p, block + 1); r++) {
        const float *x = p->x + r * p->d, *w = p->weight + r % p->groups * p->d, *b = p->bias + r % p->groups * p->d;
        float *y = p->y + r * p->d, m = (float)(row_sum(x, p->d) / p->d), var;
        double shift = 0, squares = 0;
        row_centred_sums(x, m, x, m, p->d, &shift, &squares);
        centred_moments(p->d, m, shift, squares, &m, &var);
        float inv = 1.0f / sqrtf(var + p->eps);
        p->mean[r] = m;
        p->invstd[r] = inv;
        long i = 0;
        for (; i + VL <= p->d; i += VL)
            *(vec *)(y + i) = (*(const vec *)(x + i) - m) * inv * *(const vec *)(w + i) + *(const vec *)(b + i);
        for (; i < p->d; i++)
            y[i] = (x[i] - m) * inv * w[i] + b[i];
    }
}

static void backward_block(void *arg, long block)
{
    const struct row_norm *p = arg;
    long gd = p->groups * p->d;
    float *dw = p->partial ? p->partial + 2 * block * gd : NULL;
    for (long r = block_start(p, block); r < block_start(p, block + 1); r++) {
        long off = r % p->groups * p->d;
        const float *x = p->x + r * p->d, *g = p->g + r * p->d, *w = p->weight + off;
        float m = p->mean[r], inv = p->invstd[r];
        /* dxhat = g * w; its sum and its sum against xhat; g * xhat and g into this block's weight and bias sums */
        vec s = {0}, t = {0};
        float ts = 0, tt = 0;
        long i = 0;
        for (; i + VL <= p->d; i += VL) {
            vec gi = *(const vec *)(g + i), xh = (*(const vec *)(x + i) - m) * inv, gw = gi * *(const vec *)(w + i);
            s += gw;
            t += gw * xh;
            if (dw) {
                *(vec *)(dw + off + i) += gi * xh;
                *(vec *)(dw + gd + off + i) += gi;
            }
        }
        for (; i < p->d; i++) {
            float xh = (x[i] - m) * inv, gw = g[i] * w[i];
            ts += gw;
            tt += gw * xh;
            if (dw) {
                dw[off + i] += g[i] * xh;
                dw[gd + off + i] += g[i];
            }
        }
        if (p->dx == NULL)
            continue;
        float mean_gw = (float)((lanes_sum(s) + ts) / p->d), mean_gwxh = (float)((lanes_sum(t) + tt) / p->d);
        float *dx = p->dx + r * p->d;
        for (i = 0; i + VL <= p->d; i += VL) {
            vec xh = (*(const vec *)(x + i) - m) * inv;
            *(vec *)(dx + i) = (*(const vec *)(g + i) * *(const vec *)(w + i) - mean_gw - xh * mean_gwxh) * inv;
        }
        for (; i < p->d; i++)
            dx[i] = (g[i] * w[i] - mean_gw - (x[i] - m) * inv * mean_gwxh) * inv;
    }
}

/* y[r] = (x[r] - mean) * invstd * weight[r % groups] + bias[r % groups] for each of the rows of d floats; the
 * rows' mean and invstd are written. weight and bias are (groups, d). */
void ember_row_norm_forward(const float *x, const float *weight, const float *bias, float *y, float *mean,
                            float *invstd, long rows, long d, long groups, long blocks, float eps)
{
    struct row_norm p = {.x = x, .weight = weight, .bias = bias, .y = y, .mean = mean, .invstd = invstd,
                         .rows = rows, .d = d, .groups = groups, .blocks = blocks, .eps = eps};
    ember_pool_run(forward_block, &p, blocks, blocks > 1);
}

/* Given the output gradient g: dx (unless NULL) and, unless partial is NULL, per block b the sums of g * xhat and
 * of g into partial[b, 0] and partial[b, 1], both (groups, d) and zeroed by the caller. */
void ember_row_norm_backward(const float *g, const float *x, const float *weight, const float *mean,
                             const float *invstd, float *dx, float *partial, long rows, long d, long groups,
                             long blocks)
{
    struct row_norm p = {.x = x, .g = g, .weight = weight, .dx = dx, .mean = (float *)mean,
                         .invstd = (float *)invstd, .partial = partial, .rows = rows, .d = d, .groups = groups,
                         .blocks = blocks};
    ember_pool_run(backward_block, &p, blocks, blocks > 1);
}

/* Sums along one contiguous row of floats: in float vector lanes along the row, returned in double so that rows
 * can be added up across a whole channel or batch without losing the low bits. */
#ifndef EMBER_REDUCE_H
#define EMBER_REDUCE_H

#include "simd.h"

/* the sum of a vector's lanes, in double */
static inline double lanes_sum(vec v)
{
    double s = 0;
    for (int i = 0; i < VL; i++)
        s += v[i];
    return s;
}

/* the sum of a vector's lanes in float, halving the vector each step (log2(VL) adds, not VL) */
static inline float lanes_sum_float(vec v)
{
    float s[VL];
    *(vec *)s = v;
    for (int width = VL / 2; width >= 1; width /= 2)
        for (int i = 0; i < width; i++)
            s[i] += s[i + width];
    return s[0];
}

/* sum of x[0, l) */
static inline double row_sum(const float *restrict x, long l)
{
    vec a = {0}, b = {0};
    long i = 0;
    for (; i + 2 * VL <= l; i += 2 * VL) {
        a += *(const vec *)(x + i);
        b += *(const vec *)(x + i + VL);
    }
    for (; i + VL <= l; i += VL)
        a += *(const vec *)(x + i);
    float tail = 0;
    for (; i < l; i++)
        tail += x[i];
    return lanes_sum(a + b) + tail;
}

/* adds to *su and *suv the sums of u[i] and of u[i] * v[i] for u = a[0, l) - ma, v = b[0, l) - mb */
static inline void row_centred_sums(const float *restrict a, float ma, const float *restrict b, float mb, long l,
                                    double *su, double *suv)
{
    vec s = {0}, t = {0};
    long i = 0;
    for (; i + VL <= l; i += VL) {
        vec u = *(const vec *)(a + i) - ma;
        s += u;
        t += u * (*(const vec *)(b + i) - mb);
    }
    float ts = 0, tt = 0;
    for (; i < l; i++) {
        ts += a[i] - ma;
        tt += (a[i] - ma) * (b[i] - mb);
    }
    *su += lanes_sum(s) + ts;
    *suv += lanes_sum(t) + tt;
}

/* mean and biased variance of the values whose sum, and whose sums of (x - m) and (x - m)^2 for the rough mean
 * m = sum / count, are given: the small mean of the centred values corrects m */
static inline void centred_moments(double count, float m, double shift, double squares, float *mean, float *var)
{
    shift /= count;
    *mean = m + (float)shift;
    *var = (float)(squares / count - shift * shift);
}

#endif

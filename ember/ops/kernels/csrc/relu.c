/* ReLU's (and LeakyReLU's, at the end) forward and backward on float32 in one pass each, split over the pool: y = max(x, 0) as NumPy's maximum
 * computes it (NaN passes through, -0.0 becomes 0.0), and dx = g where y is not <= 0, else 0 (PyTorch's
 * threshold_backward: a NaN output passes its gradient, an inactive unit stops even an infinite one). */
#include "threadpool.h"

#define CHUNK 32768L
#define PARALLEL_MIN 65536L

struct relu {
    const float *a, *b;
    float *out;
    unsigned char *mask;
    long n;
    float slope;
};

static long chunk_end(const struct relu *p, long chunk) {
    long end = (chunk + 1) * CHUNK;
    return end < p->n ? end : p->n;
}

static void forward_chunk(void *arg, long chunk) {
    const struct relu *p = arg;
    for (long i = chunk * CHUNK, end = chunk_end(p, chunk); i < end; i++) {
        float x = p->a[i];
        p->out[i] = (x > 0.0f || x != x) ? x : 0.0f;
    }
}

static void backward_chunk(void *arg, long chunk) {
    const struct relu *p = arg;
    for (long i = chunk * CHUNK, end = chunk_end(p, chunk); i < end; i++) {
        float g = p->a[i];  /* loaded unconditionally, so the select vectorises instead of branching */
        p->out[i] = p->b[i] <= 0.0f ? 0.0f : g;
    }
}

void ember_relu_forward(const float *x, float *y, long n) {
    struct relu p = {.a = x, .out = y, .n = n};
    ember_pool_run(forward_chunk, &p, (n + CHUNK - 1) / CHUNK, n >= PARALLEL_MIN);
}

void ember_relu_backward(const float *g, const float *y, float *dx, long n) {
    struct relu p = {.a = g, .b = y, .out = dx, .n = n};
    ember_pool_run(backward_chunk, &p, (n + CHUNK - 1) / CHUNK, n >= PARALLEL_MIN);
}

/* LeakyReLU: y = x if x > 0 else slope * x (NaN: slope * NaN), with the mask of x > 0 for the backward; and
 * dx = g where the mask is set, else slope * g (PyTorch's leaky_relu_backward). */
/* The fields go into restrict locals first: a store through the byte mask may alias anything, so reading them
 * through p would reload every field each element and keep the loops scalar (25 times slower). */
static void leaky_forward_chunk(void *arg, long chunk) {
    const struct relu *p = arg;
    const float *restrict x = p->a;
    float *restrict y = p->out;
    unsigned char *restrict mask = p->mask;
    const float slope = p->slope;
    for (long i = chunk * CHUNK, end = chunk_end(p, chunk); i < end; i++) {
        int positive = x[i] > 0.0f;
        y[i] = positive ? x[i] : x[i] * slope;
        mask[i] = (unsigned char)positive;
    }
}

static void leaky_backward_chunk(void *arg, long chunk) {
    const struct relu *p = arg;
    const float *restrict g = p->a;
    float *restrict dx = p->out;
    const unsigned char *restrict mask = p->mask;
    const float slope = p->slope;
    for (long i = chunk * CHUNK, end = chunk_end(p, chunk); i < end; i++)
        dx[i] = mask[i] ? g[i] : g[i] * slope;
}

void ember_leaky_relu_forward(const float *x, float *y, unsigned char *mask, long n, float slope) {
    struct relu p = {.a = x, .out = y, .mask = mask, .n = n, .slope = slope};
    ember_pool_run(leaky_forward_chunk, &p, (n + CHUNK - 1) / CHUNK, n >= PARALLEL_MIN);
}

void ember_leaky_relu_backward(const float *g, const unsigned char *mask, float *dx, long n, float slope) {
    struct relu p = {.a = g, .out = dx, .mask = (unsigned char *)mask, .n = n, .slope = slope};
    ember_pool_run(leaky_backward_chunk, &p, (n + CHUNK - 1) / CHUNK, n >= PARALLEL_MIN);
}

/* ReLU's forward and backward on float32 in one pass each, split over the pool: y = max(x, 0) as NumPy's maximum
 * computes it (NaN passes through, -0.0 becomes 0.0), and dx = g where y is not <= 0, else 0 (PyTorch's
 * threshold_backward: a NaN output passes its gradient, an inactive unit stops even an infinite one). */
#include "threadpool.h"

#define CHUNK 32768L
#define PARALLEL_MIN 65536L

struct relu {
    const float *a, *b;
    float *out;
    long n;
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

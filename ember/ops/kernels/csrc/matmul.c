/* Matrix products for float32: y (m, n) = x (m, k) @ w (k, np) + bias, w's columns (and the bias, when there is
 * one) zero-padded to np, n rounded up to whole vectors. Built for products with few rows and a wide output. An LSTM time step's hidden path is one (batch 20: 20 x 200 by
 * 200 x 800): NumPy's BLAS runs it on one thread (ember keeps BLAS single-threaded, see threads.py), and a hand-off
 * to Python threads costs about what the product does. Here it is split over the pool by blocks of columns (and bands of rows); each
 * block's rows go in tiles that stay in registers while the reduction streams through the block of w (as the
 * convolution's tiles in conv2d.c). x may have any strides (x.T of a contiguous x is read a row at a time), y any row
 * stride. */
#include <string.h>

#include "matmul.h"
#include "simd.h"
#include "threadpool.h"

#define TILE_ROWS 14
/* tile height for VB vectors: R * VB accumulators, VB weight vectors and a broadcast fit in the registers */
#define ROWS_FOR(VB) ((REGS - (VB) - 2) / (VB) < TILE_ROWS ? (REGS - (VB) - 2) / (VB) : TILE_ROWS)
/* rows of one chunk of the work: many rows are split too, so a few blocks of columns still fill the pool */
#define BAND_ROWS 126
/* below this many multiply-adds a call runs on the calling thread alone */
#define PARALLEL_MIN_MACS (1L << 18)

/* y[r, :width] = x[r, :] @ w[:, :VB * VL] + bias for R rows; width < VB * VL only in the last block (the
 * padding) */
static inline __attribute__((always_inline)) void product_tile(
    const int R, const int VB, const float *restrict x, long xrs, long xcs, long k, const float *restrict w,
    long ldw, const float *restrict bias, float *restrict y, long ldy, long width)
{
    vec acc[TILE_ROWS][2];
    _Pragma("GCC unroll 16") for (int r = 0; r < R; r++)
        _Pragma("GCC unroll 2") for (int v = 0; v < VB; v++)
            acc[r][v] = bias ? *(const vec *)(bias + v * VL) : (vec){0};
    for (long q = 0; q < k; q++) {
        vec b[2];
        _Pragma("GCC unroll 2") for (int v = 0; v < VB; v++)
            b[v] = *(const vec *)(w + q * ldw + v * VL);
        _Pragma("GCC unroll 16") for (int r = 0; r < R; r++) {
            float a = x[r * xrs + q * xcs];
            _Pragma("GCC unroll 2") for (int v = 0; v < VB; v++)
                acc[r][v] += a * b[v];
        }
    }
    _Pragma("GCC unroll 16") for (int r = 0; r < R; r++)
        _Pragma("GCC unroll 2") for (int v = 0; v < VB; v++) {
            long left = width - v * VL;
            if (left >= VL) {
                *(vec *)(y + r * ldy + v * VL) = acc[r][v];
            } else if (left > 0) {
                float part[VL];
                memcpy(part, &acc[r][v], sizeof part);
                memcpy(y + r * ldy + v * VL, part, left * sizeof(float));
            }
        }
}

typedef void (*tile_fn)(const float *, long, long, long, const float *, long, const float *, float *, long, long);
#define TILE(R, VB)                                                                                              \
    static void tile_##R##_##VB(const float *x, long xrs, long xcs, long k, const float *w, long ldw,           \
                                const float *bias, float *y, long ldy, long width)                               \
    { product_tile(R, VB, x, xrs, xcs, k, w, ldw, bias, y, ldy, width); }
#define TILES(VB) TILE(1, VB) TILE(2, VB) TILE(3, VB) TILE(4, VB) TILE(5, VB) TILE(6, VB) TILE(7, VB) TILE(8, VB) \
    TILE(9, VB) TILE(10, VB) TILE(11, VB) TILE(12, VB) TILE(13, VB) TILE(14, VB)
TILES(1)
TILES(2)
#define TABLE(VB) {0, tile_1_##VB, tile_2_##VB, tile_3_##VB, tile_4_##VB, tile_5_##VB, tile_6_##VB, tile_7_##VB,  \
    tile_8_##VB, tile_9_##VB, tile_10_##VB, tile_11_##VB, tile_12_##VB, tile_13_##VB, tile_14_##VB}
static const tile_fn TILES_BY_WIDTH[2][TILE_ROWS + 1] = {TABLE(1), TABLE(2)};

struct product {
    const float *x, *w, *bias;
    float *y;
    long m, k, n, xrs, xcs, ldw, ldy;
};

/* the index-th of `parts` near-equal pieces of len: the first len % parts are one longer */
static long piece(long len, long parts, long index) { return len / parts + (index < len % parts); }

/* one block of 2 * VL columns (fewer at the end) by one band of BAND_ROWS rows (fewer at the end) */
static void column_block(void *arg, long chunk)
{
    const struct product *p = arg;
    long blocks = (p->n + 2 * VL - 1) / (2 * VL), band = chunk / blocks;
    long o0 = chunk % blocks * 2 * VL, width = p->n - o0 < 2 * VL ? p->n - o0 : 2 * VL;
    long first = band * BAND_ROWS, rows = p->m - first < BAND_ROWS ? p->m - first : BAND_ROWS;
    int vb = width > VL ? 2 : 1;
    long tiles = (rows + ROWS_FOR(vb) - 1) / ROWS_FOR(vb);
    for (long t = 0, row = first; t < tiles; row += piece(rows, tiles, t), t++)
        TILES_BY_WIDTH[vb - 1][piece(rows, tiles, t)](p->x + row * p->xrs, p->xrs, p->xcs, p->k, p->w + o0,
                                                      p->ldw, p->bias ? p->bias + o0 : NULL,
                                                      p->y + row * p->ldy + o0, p->ldy, width);
}

/* Strides in elements; bias may be NULL. */
void ember_matmul_wide(const float *x, const float *w, const float *bias, float *y, long m, long k, long n,
                       long xrs, long xcs, long ldw, long ldy)
{
    struct product p = {x, w, bias, y, m, k, n, xrs, xcs, ldw, ldy};
    long chunks = (n + 2 * VL - 1) / (2 * VL) * ((m + BAND_ROWS - 1) / BAND_ROWS);
    ember_pool_run(column_block, &p, chunks, m * k * n >= PARALLEL_MIN_MACS);
}

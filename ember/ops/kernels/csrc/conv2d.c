/* Direct 2-D convolution for float32: channels-last, any stride, unit dilation, one group.
 *
 * Loaded by ember/ops/kernels/conv_native.py with ctypes; the NumPy kernels in ember/ops/kernels/conv_*.py compute
 * the same and remain the fallback for every other case. Layouts (C-contiguous):
 *   x   padded input            (n, hp, wp, c)
 *   w   weight, taps-major      (kh, kw * c, op)   op: output channels rounded up to whole vectors
 *   y   output                  (n, ho, wo, op)    ho = (hp - kh) / sh + 1, wo = (wp - kw) / sw + 1
 *   g   output gradient         (n, ho, wo, op)
 * The kw taps of one input row are kw * c consecutive floats of x, so each kernel row's reduction runs over one
 * contiguous stretch: no column matrix is built. The real input is the (h, w) window at (top, left) of x; taps that
 * fall on the padding around it are skipped, not multiplied by zero (a 4x4 output with a 3x3 kernel and padding 1
 * has 31 % of its taps there), as PyTorch's kernels do, so an infinite weight gives no NaN at the edges either (the
 * forward multiplies the zeros again when a batch too small to fill its tiles merges its classes). An output tile of
 * R positions by VB vectors of channels stays in registers while the reduction streams through it (GCC vector
 * extensions: AVX-512, AVX2 or SSE from one source).
 *
 * A few output channels (at most NARROW_MAX: the input gradient of an RGB layer) would waste most of a vector, so
 * ember_conv2d_forward_narrow vectorises along the reduction instead: each output is a dot product of a stretch of
 * x with the weight, w laid out (op, kh, kw * c) and y (n, ho, wo, op) without padding.
 */

#include <stddef.h>

#include "threadpool.h"
#include "reduce.h"

#define TILE_ROWS 14
/* tile height for VB vectors: R * VB accumulators, VB weight vectors and a broadcast fit in the registers */
#define ROWS_FOR(VB) ((REGS - (VB) - 2) / (VB) < TILE_ROWS ? (REGS - (VB) - 2) / (VB) : TILE_ROWS)
/* below this many multiply-adds a call runs on the calling thread alone */
#define PARALLEL_MIN_MACS (1L << 20)

int ember_vector_length(void) { return VL; }

/* y[yoffs[r], :] = bias + sum_{i0 <= i < i1} sum_{q0 <= q < q1} x[offs[r] + i * xrow + q] * w[i * qn + q, :] for R
 * positions, which may lie in different rows or images (a small output's positions fill whole tiles) but share
 * their kernel rows [i0, i1) and taps [q0, q1) off the padding. The accumulator arrays have fixed bounds (a
 * variable-length array would live on the stack); R and VB are constants after inlining, so the loops unroll and
 * the tile is kept in registers. */
static inline __attribute__((always_inline)) void forward_tile(
    const int R, const int VB, const float *restrict x, const long *restrict offs, long xrow, long i0, long i1,
    long q0, long q1, long qn, const float *restrict w, long op, const float *restrict bias, float *restrict y,
    const long *restrict yoffs)
{
    vec acc[TILE_ROWS][2];
    _Pragma("GCC unroll 16") for (int r = 0; r < R; r++)
        _Pragma("GCC unroll 2") for (int v = 0; v < VB; v++)
            acc[r][v] = bias ? *(const vec *)(bias + v * VL) : (vec){0};
    for (long i = i0; i < i1; i++) {
        const float *xi = x + i * xrow, *wi = w + i * qn * op;
        for (long q = q0; q < q1; q++) {
            vec b[2];
            _Pragma("GCC unroll 2") for (int v = 0; v < VB; v++)
                b[v] = *(const vec *)(wi + q * op + v * VL);
            _Pragma("GCC unroll 16") for (int r = 0; r < R; r++) {
                float a = xi[offs[r] + q];
                _Pragma("GCC unroll 2") for (int v = 0; v < VB; v++)
                    acc[r][v] += a * b[v];
            }
        }
    }
    _Pragma("GCC unroll 16") for (int r = 0; r < R; r++)
        _Pragma("GCC unroll 2") for (int v = 0; v < VB; v++)
            *(vec *)(y + yoffs[r] * op + v * VL) = acc[r][v];
}

/* gw[r, :] (= if `fresh`, else +=) sum over the positions p of nimg images of x[p's image + p's row + p's column *
 * xs + r] * g[p, :], for R taps, over the output rows [oh0, oh1) and columns [ow0, ow1) whose inputs at these taps
 * are off the padding: the tile stays in registers over all the images (one image's output may be only a few
 * positions) */
static inline __attribute__((always_inline)) void weight_tile(
    const int R, const int VB, const float *restrict x, long xs, long xrow, long ximg, long nimg, long ho, long wo,
    long oh0, long oh1, long ow0, long ow1, const float *restrict g, long op, float *restrict gw, int fresh)
{
    vec acc[TILE_ROWS][2];
    _Pragma("GCC unroll 16") for (int r = 0; r < R; r++)
        _Pragma("GCC unroll 2") for (int v = 0; v < VB; v++)
            acc[r][v] = fresh ? (vec){0} : *(const vec *)(gw + r * op + v * VL);
    for (long img = 0; img < nimg; img++)
        for (long oh = oh0; oh < oh1; oh++) {
            const float *xr = x + img * ximg + oh * xrow, *gr = g + (img * ho + oh) * wo * op;
            for (long ow = ow0; ow < ow1; ow++) {
                vec b[2];
                _Pragma("GCC unroll 2") for (int v = 0; v < VB; v++)
                    b[v] = *(const vec *)(gr + ow * op + v * VL);
                _Pragma("GCC unroll 16") for (int r = 0; r < R; r++) {
                    float a = xr[ow * xs + r];
                    _Pragma("GCC unroll 2") for (int v = 0; v < VB; v++)
                        acc[r][v] += a * b[v];
                }
            }
        }
    _Pragma("GCC unroll 16") for (int r = 0; r < R; r++)
        _Pragma("GCC unroll 2") for (int v = 0; v < VB; v++)
            *(vec *)(gw + r * op + v * VL) = acc[r][v];
}

#define NARROW_MAX 4
#define NARROW_ROWS_MAX 8
/* tile height for O outputs: R * O accumulators, O weight vectors and an input vector fit in the registers */
#define NARROW_ROWS(O) ((REGS - (O) - 2) / (O) < NARROW_ROWS_MAX ? (REGS - (O) - 2) / (O) : NARROW_ROWS_MAX)

/* y[r, o] = bias[o] + sum_i sum_q x[i * xrow + r * xs + q] * w[(o * kh + i) * qn + q] for R positions, O outputs */
static inline __attribute__((always_inline)) void narrow_tile(
    const int R, const int O, const float *restrict x, long xs, long xrow, long kh, long qn,
    const float *restrict w, const float *restrict bias, float *restrict y)
{
    vec acc[NARROW_ROWS_MAX][NARROW_MAX];
    float tail[NARROW_ROWS_MAX][NARROW_MAX];
    _Pragma("GCC unroll 8") for (int r = 0; r < R; r++)
        _Pragma("GCC unroll 4") for (int o = 0; o < O; o++) {
            acc[r][o] = (vec){0};
            tail[r][o] = 0;
        }
    long whole = qn - qn % VL;
    for (long i = 0; i < kh; i++) {
        const float *xi = x + i * xrow, *wi = w + i * qn;
        for (long q = 0; q < whole; q += VL) {
            vec b[NARROW_MAX];
            _Pragma("GCC unroll 4") for (int o = 0; o < O; o++)
                b[o] = *(const vec *)(wi + o * kh * qn + q);
            _Pragma("GCC unroll 8") for (int r = 0; r < R; r++) {
                vec a = *(const vec *)(xi + r * xs + q);
                _Pragma("GCC unroll 4") for (int o = 0; o < O; o++)
                    acc[r][o] += a * b[o];
            }
        }
        for (long q = whole; q < qn; q++)
            for (int r = 0; r < R; r++)
                for (int o = 0; o < O; o++)
                    tail[r][o] += xi[r * xs + q] * wi[o * kh * qn + q];
    }
    _Pragma("GCC unroll 8") for (int r = 0; r < R; r++)
        _Pragma("GCC unroll 4") for (int o = 0; o < O; o++)
            y[r * O + o] = lanes_sum_float(acc[r][o]) + tail[r][o] + (bias ? bias[o] : 0.0f);
}

typedef void (*forward_fn)(const float *, const long *, long, long, long, long, long, long, const float *, long,
                           const float *, float *, const long *);
typedef void (*weight_fn)(const float *, long, long, long, long, long, long, long, long, long, long, const float *,
                          long, float *, int);

#define TILE(R, VB)                                                                                              \
    static void forward_##R##_##VB(const float *x, const long *offs, long xrow, long i0, long i1, long q0,      \
                                   long q1, long qn, const float *w, long op, const float *bias, float *y,       \
                                   const long *yoffs)                                                            \
    { forward_tile(R, VB, x, offs, xrow, i0, i1, q0, q1, qn, w, op, bias, y, yoffs); }                           \
    static void weight_##R##_##VB(const float *x, long xs, long xrow, long ximg, long nimg, long ho, long wo,   \
                                  long oh0, long oh1, long ow0, long ow1, const float *g, long op, float *gw,   \
                                  int fresh)                                                                     \
    { weight_tile(R, VB, x, xs, xrow, ximg, nimg, ho, wo, oh0, oh1, ow0, ow1, g, op, gw, fresh); }
#define TILES(VB) TILE(1, VB) TILE(2, VB) TILE(3, VB) TILE(4, VB) TILE(5, VB) TILE(6, VB) TILE(7, VB) TILE(8, VB) \
    TILE(9, VB) TILE(10, VB) TILE(11, VB) TILE(12, VB) TILE(13, VB) TILE(14, VB)
TILES(1)
TILES(2)
#define TABLE(KIND, VB) {0, KIND##_1_##VB, KIND##_2_##VB, KIND##_3_##VB, KIND##_4_##VB, KIND##_5_##VB,             \
    KIND##_6_##VB, KIND##_7_##VB, KIND##_8_##VB, KIND##_9_##VB, KIND##_10_##VB, KIND##_11_##VB, KIND##_12_##VB,  \
    KIND##_13_##VB, KIND##_14_##VB}
static const forward_fn FORWARD[2][TILE_ROWS + 1] = {TABLE(forward, 1), TABLE(forward, 2)};
static const weight_fn WEIGHT[2][TILE_ROWS + 1] = {TABLE(weight, 1), TABLE(weight, 2)};

typedef void (*narrow_fn)(const float *, long, long, long, long, const float *, const float *, float *);
#define NARROW(R, O)                                                                                             \
    static void narrow_##R##_##O(const float *x, long xs, long xrow, long kh, long qn, const float *w,          \
                                 const float *bias, float *y)                                                    \
    { narrow_tile(R, O, x, xs, xrow, kh, qn, w, bias, y); }
#define NARROWS(O) NARROW(1, O) NARROW(2, O) NARROW(3, O) NARROW(4, O) NARROW(5, O) NARROW(6, O) NARROW(7, O)    \
    NARROW(8, O)
NARROWS(1)
NARROWS(2)
NARROWS(3)
NARROWS(4)
#define NARROW_TABLE(O) {0, narrow_1_##O, narrow_2_##O, narrow_3_##O, narrow_4_##O, narrow_5_##O, narrow_6_##O,   \
    narrow_7_##O, narrow_8_##O}
static const narrow_fn NARROW_TILES[NARROW_MAX][NARROW_ROWS_MAX + 1] = {
    NARROW_TABLE(1), NARROW_TABLE(2), NARROW_TABLE(3), NARROW_TABLE(4)};

/* the index-th of `parts` near-equal pieces of len: the first len % parts are one longer */
static long piece(long len, long parts, long index) { return len / parts + (index < len % parts); }
static long piece_start(long len, long parts, long index)
{
    return index * (len / parts) + (index < len % parts ? index : len % parts);
}

struct conv {
    const float *x, *w, *bias, *g;
    float *y, *gw;
    long n, hp, wp, c, kh, kw, op, ho, wo, chunks, blocks, sh, sw;  /* blocks: weight-gradient parts of a kernel row */
    long top, left, h, w_real;  /* the real input: rows [top, top + h), columns [left, left + w_real) of x */
    long row_runs, col_runs;
    struct run *runs;  /* forward: runs of output rows, then of columns, with the same taps */
};

/* the geometry of a call: strides (sh, sw), the output size they give and the real input within the padding */
static struct conv geometry(long n, long hp, long wp, long c, long kh, long kw, long op, long sh, long sw, long top,
                            long left, long h, long w)
{
    struct conv p = {.n = n, .hp = hp, .wp = wp, .c = c, .kh = kh, .kw = kw, .op = op, .sh = sh, .sw = sw,
                     .ho = (hp - kh) / sh + 1, .wo = (wp - kw) / sw + 1, .chunks = 1, .blocks = 1, .top = top,
                     .left = left, .h = h, .w_real = w};
    return p;
}

/* The first output o >= 0 whose tap i lands at or after lo (o * s + i >= lo), and the number of outputs whose tap i
 * lands before hi: the outputs [first_out, end_out) see tap i on the real input [lo, hi). */
static long first_out(long lo, long i, long s) { return lo - i <= 0 ? 0 : (lo - i + s - 1) / s; }
static long end_out(long hi, long i, long s, long outs)
{
    long end = hi - i <= 0 ? 0 : (hi - i + s - 1) / s;
    return end < outs ? end : outs;
}

/* The kernel taps [*lo, *hi) of output o that land on the real input [first, first + real) (empty: lo == hi). */
static void taps_on(long o, long s, long first, long real, long k, long *lo, long *hi)
{
    *lo = first - o * s > 0 ? first - o * s : 0;
    *hi = first + real - o * s < k ? first + real - o * s : k;
    if (*hi < *lo)
        *hi = *lo;
}

/* A run of outputs [start, next run's start) and the kernel taps [lo, hi) they see on the real input. */
struct run {
    long start, lo, hi;
};
#define RUN_LONGS 3

int ember_conv2d_run_longs(void) { return RUN_LONGS; }

/* Splits outputs [0, outs) into runs with the same taps on the real input: runs[0..count) and a closing start,
 * returns count. With `merge`, one run of all outputs with the union of their taps: a few positions per class
 * would make tiles so short that streaming the weights for each costs more than the padding's zeros. */
static long runs_of(long outs, long s, long first, long real, long k, int merge, struct run *runs)
{
    long count = 0, lo, hi;
    for (long o = 0; o < outs; o++) {
        taps_on(o, s, first, real, k, &lo, &hi);
        if (count > 0 && merge) {
            struct run *r = &runs[0];
            if (r->lo == r->hi)
                r->lo = lo, r->hi = hi;
            else if (lo < hi)
                r->lo = r->lo < lo ? r->lo : lo, r->hi = r->hi > hi ? r->hi : hi;
        } else if (count == 0 || lo != runs[count - 1].lo || hi != runs[count - 1].hi) {
            runs[count++] = (struct run){.start = o, .lo = lo, .hi = hi};
        }
    }
    runs[count].start = outs;
    return count;
}

/* Chunks per thread: enough that a thread that starts late leaves little imbalance. */
#define CHUNKS_PER_THREAD 4

static long threads_for(long macs) { return macs < PARALLEL_MIN_MACS ? 1 : ember_pool_size(); }

/* runs fn over `pieces` pieces of work (at most): on the pool when the work is big enough */
static void over_pieces(struct conv *p, ember_task fn, long pieces)
{
    long threads = threads_for(p->n * p->ho * p->wo * p->op * p->kh * p->kw * p->c);
    p->chunks = threads == 1 ? 1 : threads * CHUNKS_PER_THREAD;
    if (p->chunks > pieces)
        p->chunks = pieces;
    ember_pool_run(fn, p, p->chunks, threads > 1);
}

/* Output positions in classes: a run of output rows by a run of output columns (the same taps on the real input),
 * over every image; a chunk takes a stretch of that order, in tiles of up to ROWS_FOR(vb) positions of one class
 * (a tile runs on into the next row or image when the class's rows are short). */
static void forward_chunk(void *arg, long chunk)
{
    const struct conv *p = arg;
    long total = p->n * p->ho * p->wo, qn = p->kw * p->c;
    long first = piece_start(total, p->chunks, chunk), last = piece_start(total, p->chunks, chunk + 1);
    const struct run *rows = p->runs, *cols = p->runs + p->row_runs + 1;
    for (long o0 = 0; o0 < p->op;) {
        int vb = p->op - o0 >= 2 * VL ? 2 : 1;
        long start = 0;  /* the class's first position in the order */
        for (long rr = 0; rr < p->row_runs; rr++)
            for (long cr = 0; cr < p->col_runs && start < last; cr++) {
                long nr = rows[rr + 1].start - rows[rr].start, nc = cols[cr + 1].start - cols[cr].start;
                long size = p->n * nr * nc;
                long a = first > start ? first - start : 0, b = last - start < size ? last - start : size;
                start += size;
                if (a >= b)
                    continue;
                long i0 = rows[rr].lo, i1 = rows[rr].hi, j0 = cols[cr].lo, j1 = cols[cr].hi;
                long tiles = (b - a + ROWS_FOR(vb) - 1) / ROWS_FOR(vb);
                /* the class's position a: image, then output row and column (stepped along, not divided out
                 * per position: with few input channels a tile's divisions cost as much as its multiply-adds) */
                long img = a / (nr * nc), oh = rows[rr].start + a % (nr * nc) / nc, ow = cols[cr].start + a % nc;
                for (long t = 0; t < tiles; t++) {
                    long count = piece(b - a, tiles, t), offs[TILE_ROWS], yoffs[TILE_ROWS];
                    for (long r = 0; r < count; r++) {
                        offs[r] = ((img * p->hp + oh * p->sh) * p->wp + ow * p->sw) * p->c;
                        yoffs[r] = (img * p->ho + oh) * p->wo + ow;
                        if (++ow == cols[cr + 1].start) {
                            ow = cols[cr].start;
                            if (++oh == rows[rr + 1].start)
                                oh = rows[rr].start, img++;
                        }
                    }
                    FORWARD[vb - 1][count](p->x, offs, p->wp * p->c, i0, i1, j0 * p->c, j1 * p->c, qn, p->w + o0,
                                           p->op, p->bias ? p->bias + o0 : NULL, p->y + o0, yoffs);
                }
            }
        o0 += vb * VL;
    }
}

/* runs: scratch for ho + wo + 2 runs (RUN_LONGS longs each), which the caller allocates: outputs may be large */
void ember_conv2d_forward(const float *x, const float *w, const float *bias, float *y, long n, long hp, long wp,
                          long c, long kh, long kw, long op, long sh, long sw, long top, long left, long h, long wr,
                          struct run *runs)
{
    struct conv p = geometry(n, hp, wp, c, kh, kw, op, sh, sw, top, left, h, wr);
    p.x = x, p.w = w, p.bias = bias, p.y = y;
    p.runs = runs;
    /* the smallest class: a corner, n positions; with the columns merged, an edge row's n * wo */
    int merge_cols = n < TILE_ROWS, merge_rows = merge_cols && n * p.wo < TILE_ROWS;
    p.row_runs = runs_of(p.ho, sh, top, h, kh, merge_rows, runs);
    p.col_runs = runs_of(p.wo, sw, left, wr, kw, merge_cols, runs + p.row_runs + 1);
    over_pieces(&p, forward_chunk, n * p.ho * p.wo);
}

static void narrow_chunk(void *arg, long chunk)
{
    const struct conv *p = arg;
    long rows = p->n * p->ho, qn = p->kw * p->c, tile = NARROW_ROWS(p->op);
    for (long row = piece_start(rows, p->chunks, chunk); row < piece_start(rows, p->chunks, chunk + 1); row++) {
        long img = row / p->ho, oh = row % p->ho;
        for (long ow = 0; ow < p->wo; ow += tile) {
            long r = p->wo - ow < tile ? p->wo - ow : tile;
            NARROW_TILES[p->op - 1][r](p->x + ((img * p->hp + oh * p->sh) * p->wp + ow * p->sw) * p->c,
                                       p->sw * p->c, p->wp * p->c, p->kh, qn, p->w, p->bias,
                                       p->y + (row * p->wo + ow) * p->op);
        }
    }
}

/* As ember_conv2d_forward for 1 <= op <= NARROW_MAX output channels, with w (op, kh, kw * c), y (n, ho, wo, op). */
void ember_conv2d_forward_narrow(const float *x, const float *w, const float *bias, float *y, long n, long hp,
                                 long wp, long c, long kh, long kw, long op, long sh, long sw)
{
    struct conv p = geometry(n, hp, wp, c, kh, kw, op, sh, sw, 0, 0, hp, wp);
    p.x = x, p.w = w, p.bias = bias, p.y = y;
    over_pieces(&p, narrow_chunk, n * p.ho);
}

/* output positions of the images one pass of the tiles covers: their input rows and gradient rows are reused
 * from cache by every block of output channels */
#define WEIGHT_POSITIONS 512

/* Channels from which a weight tile's taps stay within one kernel column, so that it can skip exactly the output
 * columns whose inputs at that column are padding; with fewer, tiles that short would cost more than the skipped
 * zeros (a tile then spans several columns and skips the outputs that none of them sees). */
#define COLUMN_TILES_MIN_C 16

/* The weight tiles of one chunk's taps [q0, q0 + span) for `vb` vectors at output channel o0, over the images
 * [img, img + nimg): tiles cut at kernel columns where the channels are many enough. */
static void weight_tiles(const struct conv *p, long i, long q0, long span, int vb, long o0, long img, long nimg)
{
    long qn = p->kw * p->c, plane = p->ho * p->wo;
    long oh0 = first_out(p->top, i, p->sh), oh1 = end_out(p->top + p->h, i, p->sh, p->ho);
    long step = p->c >= COLUMN_TILES_MIN_C ? p->c : qn;
    for (long seg = q0; seg < q0 + span;) {
        long seg_end = (seg / step + 1) * step < q0 + span ? (seg / step + 1) * step : q0 + span;
        long tiles = (seg_end - seg + ROWS_FOR(vb) - 1) / ROWS_FOR(vb);
        for (long t = 0; t < tiles; t++) {
            long q = seg + piece_start(seg_end - seg, tiles, t), r = piece(seg_end - seg, tiles, t);
            long ja = q / p->c, jb = (q + r - 1) / p->c;
            long ow0 = first_out(p->left, jb, p->sw), ow1 = end_out(p->left + p->w_real, ja, p->sw, p->wo);
            WEIGHT[vb - 1][r](p->x + (img * p->hp + i) * p->wp * p->c + q, p->sw * p->c, p->sh * p->wp * p->c,
                              p->hp * p->wp * p->c, nimg, p->ho, p->wo, oh0, oh1, ow0, ow1,
                              p->g + img * plane * p->op + o0, p->op, p->gw + (i * qn + q) * p->op + o0, img == 0);
        }
        seg = seg_end;
    }
}

/* Chunk (kernel row i, part of that row's kw * c taps): those rows of the weight gradient, all output channels,
 * summed over every image. Each entry is one chunk's, summed in image order: the same bits whichever thread runs
 * it, and no partial sums to add. */
static void weight_chunk(void *arg, long chunk)
{
    const struct conv *p = arg;
    long qn = p->kw * p->c, plane = p->ho * p->wo, i = chunk / p->blocks, part = chunk % p->blocks;
    long q0 = piece_start(qn, p->blocks, part), span = piece(qn, p->blocks, part);
    long group = WEIGHT_POSITIONS / plane > 1 ? WEIGHT_POSITIONS / plane : 1;
    for (long img = 0; img < p->n; img += group) {
        long nimg = p->n - img < group ? p->n - img : group;
        for (long o0 = 0; o0 < p->op;) {
            int vb = p->op - o0 >= 2 * VL ? 2 : 1;
            weight_tiles(p, i, q0, span, vb, o0, img, nimg);
            o0 += vb * VL;
        }
    }
}

/* Every entry of gw is written (a tap that sees only padding gets zero): it need not be zeroed. */
void ember_conv2d_weight_grad(const float *x, const float *g, float *gw, long n, long hp, long wp, long c, long kh,
                              long kw, long op, long sh, long sw, long top, long left, long h, long w)
{
    struct conv p = geometry(n, hp, wp, c, kh, kw, op, sh, sw, top, left, h, w);
    p.x = x, p.g = g, p.gw = gw;
    long threads = threads_for(n * p.ho * p.wo * kh * kw * c * op), qn = kw * c;
    /* parts of each kernel row's taps: enough chunks for every thread to take several, each a few tiles wide, and
     * as many for each thread (9 chunks of a 3x3 kernel on 2 threads left one idle for a ninth of the time) */
    p.blocks = threads > 1 ? (CHUNKS_PER_THREAD * threads + kh - 1) / kh : 1;
    while (kh * p.blocks % threads)
        p.blocks++;
    if (p.blocks > (qn + TILE_ROWS - 1) / TILE_ROWS)
        p.blocks = (qn + TILE_ROWS - 1) / TILE_ROWS;
    ember_pool_run(weight_chunk, &p, kh * p.blocks, threads > 1);
}

/* The layout copies around the compiled convolutions, split over the pool by image: NCHW into a zero-padded NHWC
 * scratch array, and an NHWC result (its first `channels` of `lanes`) back to NCHW; and the weight packing both ways. NumPy's strided copies of these
 * shapes (a handful of channels innermost) run several times slower. */
#include <string.h>

#include "threadpool.h"

struct layout {
    const float *src;
    float *dst;
    long c, h, w, hp, wp, top, left, lanes;
};

/* the side of the square blocks the copies transpose: 16 channels by 16 pixels, one cache line each way */
#define BLOCK 16

static void to_nhwc_image(void *arg, long image) {
    const struct layout *p = arg;
    const float *x = p->src + image * p->c * p->h * p->w;
    float *out = p->dst + image * p->hp * p->wp * p->lanes;
    long line = p->wp * p->lanes;
    for (long y = 0; y < p->hp; y++) { /* the padding: whole rows above and below, columns left and right */
        float *row = out + y * line;
        if (y < p->top || y >= p->top + p->h) {
            memset(row, 0, line * sizeof(float));
        } else {
            memset(row, 0, p->left * p->lanes * sizeof(float));
            memset(row + (p->left + p->w) * p->lanes, 0, (p->wp - p->left - p->w) * p->lanes * sizeof(float));
        }
    }
    for (long y = 0; y < p->h; y++) {
        float *row = out + ((y + p->top) * p->wp + p->left) * p->lanes;
        for (long i0 = 0; i0 < p->w; i0 += BLOCK) {
            long i1 = i0 + BLOCK < p->w ? i0 + BLOCK : p->w;
            for (long ch0 = 0; ch0 < p->c; ch0 += BLOCK) {
                long ch1 = ch0 + BLOCK < p->c ? ch0 + BLOCK : p->c;
                for (long ch = ch0; ch < ch1; ch++) {
                    const float *in = x + (ch * p->h + y) * p->w;
                    for (long i = i0; i < i1; i++) row[i * p->lanes + ch] = in[i];
                }
            }
            if (p->lanes > p->c) /* the lanes past the channels */
                for (long i = i0; i < i1; i++)
                    memset(row + i * p->lanes + p->c, 0, (p->lanes - p->c) * sizeof(float));
        }
    }
}

static void to_nchw_image(void *arg, long image) {
    const struct layout *p = arg;
    const float *y = p->src + image * p->h * p->w * p->lanes;
    float *out = p->dst + image * p->c * p->h * p->w;
    long plane = p->h * p->w;
    for (long i0 = 0; i0 < plane; i0 += BLOCK) {
        long i1 = i0 + BLOCK < plane ? i0 + BLOCK : plane;
        for (long ch0 = 0; ch0 < p->c; ch0 += BLOCK) {
            long ch1 = ch0 + BLOCK < p->c ? ch0 + BLOCK : p->c;
            for (long ch = ch0; ch < ch1; ch++)
                for (long i = i0; i < i1; i++) out[ch * plane + i] = y[i * p->lanes + ch];
        }
    }
}

/* x (n, c, h, w) contiguous into out (n, hp, wp, lanes), lanes >= c: the interior at (top, left), zeros around it
 * and in the lanes past c (the output gradient of a layer whose channels are not whole vectors). */
void ember_nchw_to_padded_nhwc(const float *x, float *out, long n, long c, long h, long w, long hp, long wp, long top,
                               long left, long lanes) {
    struct layout p = {.src = x, .dst = out, .c = c, .h = h, .w = w, .hp = hp, .wp = wp, .top = top, .left = left,
                       .lanes = lanes};
    ember_pool_run(to_nhwc_image, &p, n, n > 1 && n * c * h * w >= 65536);
}

/* y (n, h, w, lanes) -> out (n, channels, h, w), the first `channels` of each pixel's lanes. */
void ember_nhwc_to_nchw(const float *y, float *out, long n, long h, long w, long lanes, long channels) {
    struct layout p = {.src = y, .dst = out, .c = channels, .h = h, .w = w, .lanes = lanes};
    ember_pool_run(to_nchw_image, &p, n, n > 1 && n * channels * h * w >= 65536);
}

struct pack {
    const float *w;
    float *out;
    long o, c, kh, kw, lanes, so, sc, sh, sw;
};

/* A chunk is a band of BLOCK output channels [oc0, oc1) (up to `outputs`), done in blocks of BLOCK input channels
 * [ch0, ch1): a chunk per block made so many that claiming them cost more than copying them (a 512 x 784 matrix). */
struct band {
    long oc0, oc1;
};

static struct band channel_band(long chunk, long outputs) {
    struct band b = {.oc0 = chunk * BLOCK};
    b.oc1 = b.oc0 + BLOCK < outputs ? b.oc0 + BLOCK : outputs;
    return b;
}

static long channel_bands(long outputs) { return (outputs + BLOCK - 1) / BLOCK; }

/* One band of BLOCK output channels: out[k][ch][oc] = w[oc, ch, k / kw, k % kw] (through the view's strides), lanes
 * past o left zero, in blocks of BLOCK input channels. Each block reads each output channel's taps of its input
 * channels as one short run (contiguous for a plain weight) and writes runs of BLOCK output channels. */
static void pack_band(void *arg, long chunk) {
    const struct pack *p = arg;
    struct band b = channel_band(chunk, p->lanes);
    for (long ch0 = 0; ch0 < p->c; ch0 += BLOCK)
        for (long ch = ch0; ch < ch0 + BLOCK && ch < p->c; ch++)
            for (long k = 0; k < p->kh * p->kw; k++) {
                float *dst = p->out + (k * p->c + ch) * p->lanes;
                const float *src = p->w + ch * p->sc + k / p->kw * p->sh + k % p->kw * p->sw;
                for (long oc = b.oc0; oc < b.oc1; oc++)
                    dst[oc] = oc < p->o ? src[oc * p->so] : 0.0f;
            }
}

/* A convolution weight (o, c, kh, kw), any view of one (strides in elements, possibly negative: a flipped,
 * transposed kernel is packed without a copy), packed as (kh * kw, c, lanes) for the forward kernel: output
 * channels innermost, zero beyond o. */
void ember_pack_conv_weight(const float *w, float *out, long o, long c, long kh, long kw, long lanes, long so, long sc,
                            long sh, long sw) {
    struct pack p = {.w = w, .out = out, .o = o, .c = c, .kh = kh, .kw = kw, .lanes = lanes, .so = so, .sc = sc,
                     .sh = sh, .sw = sw};
    ember_pool_run(pack_band, &p, channel_bands(lanes), o * c * kh * kw >= 65536);
}

/* One band of BLOCK output channels, in blocks of BLOCK input channels: out[oc][ch][k] = gw[k][ch][oc]. A block
 * is gathered into a local tile first, a cache line of gw at a time, then written out as one run per output
 * channel: reading gw in the order out is written (its taps c * lanes floats apart, a power of two) made every read
 * miss the cache, 3 ms for 512 x 512 x 3 x 3. */
#define UNPACK_TAPS_MAX 64

static void unpack_band(void *arg, long chunk) {
    const struct pack *p = arg;
    long k_all = p->kh * p->kw;
    struct band b = channel_band(chunk, p->o);
    float tile[BLOCK * BLOCK * UNPACK_TAPS_MAX];  /* (oc, ch, k) of the block, rows of BLOCK * k_all floats */
    long row = BLOCK * k_all;
    for (long ch0 = 0; ch0 < p->c; ch0 += BLOCK) {
        long chs = ch0 + BLOCK < p->c ? BLOCK : p->c - ch0;
        for (long k = 0; k < k_all; k++)
            for (long ch = 0; ch < chs; ch++) {
                const float *src = p->w + (k * p->c + ch0 + ch) * p->lanes;
                for (long oc = b.oc0; oc < b.oc1; oc++)
                    tile[(oc - b.oc0) * row + ch * k_all + k] = src[oc];
            }
        for (long oc = b.oc0; oc < b.oc1; oc++)
            memcpy(p->out + (oc * p->c + ch0) * k_all, tile + (oc - b.oc0) * row, chs * k_all * sizeof(float));
    }
}

/* unpack_band's tile, for kernels of up to UNPACK_TAPS_MAX taps; a larger kernel, one tap at a time */
static void unpack_band_taps(void *arg, long chunk) {
    const struct pack *p = arg;
    long k_all = p->kh * p->kw;
    struct band b = channel_band(chunk, p->o);
    for (long oc = b.oc0; oc < b.oc1; oc++)
        for (long ch = 0; ch < p->c; ch++)
            for (long k = 0; k < k_all; k++)
                p->out[(oc * p->c + ch) * k_all + k] = p->w[(k * p->c + ch) * p->lanes + oc];
}

/* The weight kernels' layout (kh * kw, c, lanes) back to a weight (o, c, kh, kw): the weight gradient. */
void ember_unpack_conv_weight(const float *packed, float *out, long o, long c, long kh, long kw, long lanes) {
    struct pack p = {.w = packed, .out = out, .o = o, .c = c, .kh = kh, .kw = kw, .lanes = lanes};
    ember_pool_run(kh * kw <= UNPACK_TAPS_MAX ? unpack_band : unpack_band_taps, &p, channel_bands(o),
                   o * c * kh * kw >= 65536);
}

/* PyTorch's CPU random streams, the hot loops: the mt19937 engine (NumPy's MT19937 state: 624 words and the
 * position of the next one) and the float32 Box-Muller of PyTorch's vectorised normal_ (avx_mathfun.h's log and
 * sincos, 16 uniforms -> 16 normals per row). Bit-exact with ember/_mt19937.py and ember/_boxmuller.py: the fused
 * multiply-adds are written as fmaf() and the compiler may not fuse anything else. The selects are written
 * branch-free and setup.py compiles without errno or FP-exception semantics, so the loop over a row vectorises. */
#pragma GCC optimize("fp-contract=off")
#include <math.h>
#include <stdint.h>
#include <string.h>

#define MT_N 624
#define MT_M 397

static void twist(uint32_t *key) {
    for (int i = 0; i < MT_N; i++) {
        uint32_t y = (key[i] & 0x80000000u) | (key[(i + 1) % MT_N] & 0x7fffffffu);
        key[i] = key[(i + MT_M) % MT_N] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
    }
}

/* n successive 32-bit words into out; returns the new position (624 means: twist before the next word). */
long ember_mt19937_fill(uint32_t *key, long pos, uint32_t *out, long n) {
    for (long i = 0; i < n; i++) {
        if (pos >= MT_N) {
            twist(key);
            pos = 0;
        }
        uint32_t y = key[pos++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        y ^= y >> 18;
        out[i] = y;
    }
    return pos;
}

static float as_float(int32_t bits) {
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static int32_t as_bits(float f) {
    int32_t bits;
    memcpy(&bits, &f, sizeof bits);
    return bits;
}

static const float LOG_POLY[9] = {7.0376836292E-2f, -1.1514610310E-1f, 1.1676998740E-1f, -1.2420140846E-1f,
                                  1.4249322787E-1f, -1.6668057665E-1f, 2.0000714765E-1f, -2.4999993993E-1f,
                                  3.3333331174E-1f};

static float log_ps(float x) {
    int32_t bits = as_bits(x > 1.1754944e-38f ? x : 1.1754944e-38f);
    float e = (float)((bits >> 23) - 0x7F) + 1.0f;
    float m = as_float((bits & ~0x7F800000) | 0x3F000000);
    /* branch-free selects (exact: m is in [0.5, 1)), so the loop over values vectorises */
    float small = (float)(m < 0.707106781186547524f);
    m = (m - 1.0f) + m * small;
    e = e - small;
    float z = m * m;
    float y = LOG_POLY[0];
    y = fmaf(y, m, LOG_POLY[1]);
    y = fmaf(y, m, LOG_POLY[2]);
    y = fmaf(y, m, LOG_POLY[3]);
    y = fmaf(y, m, LOG_POLY[4]);
    y = fmaf(y, m, LOG_POLY[5]);
    y = fmaf(y, m, LOG_POLY[6]);
    y = fmaf(y, m, LOG_POLY[7]);
    y = fmaf(y, m, LOG_POLY[8]);
    float ym = y * m;
    float eq1 = e * -2.12194440e-4f;
    y = fmaf(ym, z, eq1);
    y = fmaf(z, -0.5f, y);
    float my = m + y;
    return fmaf(e, 0.693359375f, my);
}

static void sincos_ps(float x, float *sin_out, float *cos_out) {
    int negative = x < 0.0f;
    x = fabsf(x);
    float scaled = x * 1.27323954473516f;
    int32_t j = (((int32_t)scaled) + 1) & ~1;
    float y = (float)j;
    x = fmaf(y, -0.78515625f, x);
    x = fmaf(y, -2.4187564849853515625e-4f, x);
    x = fmaf(y, -3.77489497744594108e-8f, x);
    int sin_negative = negative ^ ((j & 4) != 0);
    int cos_negative = (~(j - 2) & 4) != 0;
    int use_sin_poly = (j & 2) == 0;
    float z = x * x;
    float yc = fmaf(fmaf(2.443315711809948E-005f, z, -1.388731625493765E-003f), z, 4.166664568298827E-002f);
    float ycz = yc * z;
    float half_z = z * 0.5f;
    yc = fmaf(ycz, z, -half_z) + 1.0f;
    float ys = fmaf(fmaf(-1.9515295891E-4f, z, 8.3321608736E-3f), z, -1.6666654611E-1f);
    float ysz = ys * z;
    ys = fmaf(ysz, x, x);
    int32_t pick = -use_sin_poly;  /* all ones where the sine polynomial gives the sine */
    int32_t s = (as_bits(ys) & pick) | (as_bits(yc) & ~pick), c = (as_bits(yc) & pick) | (as_bits(ys) & ~pick);
    *sin_out = as_float(s ^ (int32_t)((uint32_t)sin_negative << 31));
    *cos_out = as_float(c ^ (int32_t)((uint32_t)cos_negative << 31));
}

/* rows x 16 words -> rows x 16 normals: uniform u = (w & 0xFFFFFF) / 2**24; entries j and j + 8 of a row are
 * one pair: radius from u[j], angle from u[j + 8]. */
void ember_normal16_f32(const uint32_t *words, float *out, long rows, float mean, float std) {
    const float scale = 1.0f / 16777216.0f, two_pi = (float)(2.0 * 3.14159265358979323846);
    for (long r = 0; r < rows; r++) {
        const uint32_t *w = words + 16 * r;
        float *o = out + 16 * r;
        for (int k = 0; k < 8; k++) {
            float u1 = (float)(w[k] & 0xFFFFFFu) * scale;
            float u2 = (float)(w[k + 8] & 0xFFFFFFu) * scale;
            float radius = sqrtf(-2.0f * log_ps(1.0f - u1));
            float s, c;
            sincos_ps(two_pi * u2, &s, &c);
            float rc = radius * c, rs = radius * s;
            o[k] = fmaf(rc, std, mean);
            o[k + 8] = fmaf(rs, std, mean);
        }
    }
}

/* rows x 32 words (two per value, the first the high half) -> rows x 16 float64 normals: PyTorch's normal_fill_16
 * for double, u = the 64-bit word's low 53 bits / 2**53; C's log, cos and sin (NumPy's log rounds differently). */
void ember_normal16_f64(const uint32_t *words, double *out, long rows, double mean, double std) {
    const uint64_t mask = (1ull << 53) - 1;
    const double scale = 1.0 / 9007199254740992.0, two_pi = 2.0 * 3.14159265358979323846;
    for (long r = 0; r < rows; r++) {
        const uint32_t *w = words + 32 * r;
        double *o = out + 16 * r;
        double u[16];
        for (int k = 0; k < 16; k++) u[k] = (double)((((uint64_t)w[2 * k] << 32) | w[2 * k + 1]) & mask) * scale;
        for (int k = 0; k < 8; k++) {
            double radius = sqrt(-2.0 * log(1.0 - u[k]));
            double theta = two_pi * u[k + 8];
            double rc = radius * cos(theta), rs = radius * sin(theta);
            o[k] = fma(rc, std, mean);
            o[k + 8] = fma(rs, std, mean);
        }
    }
}

/* PyTorch's randperm: perm = 0..n-1, then position i swapped with i + words[i] % (n - i) for i = 0 .. n-2. */
void ember_fisher_yates(const uint32_t *words, int64_t *perm, long n) {
    for (long i = 0; i < n; i++) perm[i] = i;
    for (long i = 0; i + 1 < n; i++) {
        long j = i + (long)((uint64_t)words[i] % (uint64_t)(n - i));
        int64_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}

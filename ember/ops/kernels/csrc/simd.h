/* The vector type the kernels compute with: GCC vector extensions, so one source compiles to AVX-512, AVX2 or SSE
 * (whichever -march=native finds). Loads and stores through `vec` may be unaligned. */
#ifndef EMBER_SIMD_H
#define EMBER_SIMD_H

#if defined(__AVX512F__)
#define VL 16
#define REGS 32
#elif defined(__AVX__)
#define VL 8
#define REGS 16
#else
#define VL 4
#define REGS 16
#endif

typedef float vec __attribute__((vector_size(VL * sizeof(float)), aligned(sizeof(float)), may_alias));

#endif

/* Which vector extensions this CPU offers, so that ember loads the widest build of these kernels it can run.
 *
 * setup.py compiles the same sources several times on x86-64: a baseline build any x86-64 runs (SSE2), one with
 * AVX2 and FMA, one with AVX-512; kernels/native.py asks the baseline build for the level, then loads the widest
 * build the CPU supports. Other architectures get the baseline build only (NEON on aarch64). */

int ember_cpu_level(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    int avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd")
                 && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq")
                 && __builtin_cpu_supports("avx512vl");
    return avx512 ? 2 : avx2 ? 1 : 0;
#else
    return 0;
#endif
}

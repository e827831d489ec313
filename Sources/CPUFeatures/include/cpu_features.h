#ifndef STREETWARDEN_CPU_FEATURES_H
#define STREETWARDEN_CPU_FEATURES_H
/// 1 when the CPU (and OS) support AVX2 and FMA, else 0.
int sw_cpu_has_avx2_fma(void);
/// 1 when the CPU (and OS) support AVX-512 F, BW, DQ and VL, else 0.
int sw_cpu_has_avx512(void);
#endif

/* Matrix products with few rows and a wide output; see matmul.c. */
#ifndef EMBER_MATMUL_H
#define EMBER_MATMUL_H

void ember_matmul_wide(const float *x, const float *w, const float *bias, float *y, long m, long k, long n,
                       long xrs, long xcs, long ldw, long ldy);

#endif

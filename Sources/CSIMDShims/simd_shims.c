// The helpers are static inline in include/simd_shims.h; SwiftPM needs one source file.
#include "simd_shims.h"

// xoshiro256** (Blackman & Vigna) for BoltzmannGen's Langevin stepper (bgen_langevin.cpp): the C++ twin of
// BoltzmannGen.Numerics.Xoshiro256 (same state words, same outputs, same [0, 1) doubles), and the Box–Muller
// pairs of BoltzmannGen.Smc.GaussianNoise. The state is four words owned by the caller, so a C# checkpoint holds
// it. tests/BoltzmannGen.Tests/OpenMM/NativeXoshiro256Tests.cs checks the two streams agree (through the
// bgen_xoshiro256_* entry points) and tools/xoshiro256_reference.py gives the known answers.
#pragma once

#include <cmath>
#include <cstdint>

namespace bgen {
struct Xoshiro256 {
    uint64_t* s;  // 4 words, updated in place
    static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    uint64_t next() {
        uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
        s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45);
        return result;
    }
    double uniform() { return (next() >> 11) * (1.0 / 9007199254740992.0); }  // [0, 1), 53 bits
    // Box–Muller; both values are used by the caller, so the stream is the same however it is cut into calls.
    void gaussianPair(double& a, double& b) {
        double u1 = 1.0 - uniform(), u2 = uniform();
        double r = std::sqrt(-2.0 * std::log(u1));
        a = r * std::cos(2.0 * M_PI * u2);
        b = r * std::sin(2.0 * M_PI * u2);
    }
};

// Fills out[0..count) with standard normals, pair by pair; an odd count drops the last pair's second value.
// This is how the stepper draws each step's 3N noise values (and GaussianNoise.Draw in C#).
inline void fillGaussians(Xoshiro256& random, double* out, int count) {
    for (int i = 0; i < count; i += 2) {
        double g1, g2;
        random.gaussianPair(g1, g2);
        out[i] = g1;
        if (i + 1 < count) out[i + 1] = g2;
    }
}
}  // namespace bgen

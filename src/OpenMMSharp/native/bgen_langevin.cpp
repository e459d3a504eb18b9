// BoltzmannGen's own Langevin stepper, not part of OpenMM: it lives in libopenmmsharp.so only because it needs
// OpenMM's forces. Exported names carry our prefix (bgen_*), unlike the omms_<Class>_<method> wrappers of OpenMM's
// API in openmmsharp.cpp, and follow the same status/error convention (shim_common.h).
// C# side: OpenMMSharp.LangevinMiddleStepper and OpenMMSharp.NativeXoshiro256.

#include <OpenMM.h>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "bgen_xoshiro256.h"
#include "shim_common.h"

using namespace OpenMM;
using shim::guarded;

#define BGEN_API SHIM_EXPORT

namespace {
void removeCentreOfMassVelocity(std::vector<double>& v, const double* mass, int n) {
    double p[3] = {0, 0, 0}, total = 0;
    for (int i = 0; i < n; i++) {
        for (int d = 0; d < 3; d++) p[d] += mass[i] * v[3 * i + d];
        total += mass[i];
    }
    for (int i = 0; i < n; i++)
        for (int d = 0; d < 3; d++) v[3 * i + d] -= p[d] / total;
}

void checkGeneratorCall(const uint64_t* state, int count) {
    if (state == nullptr) throw OpenMMException("xoshiro256 state is null");
    if (count < 0) throw OpenMMException("negative count " + std::to_string(count));
}
}  // namespace

// Advances `steps` steps of Langevin dynamics with the LFMiddle splitting that OpenMM's LangevinMiddleIntegrator
// uses (Zhang et al. 2019): v += dt·F/m; x += dt/2·v; v = a·v + √((1−a²)kT/m)·ξ; x += dt/2·v; a = e^(−γ·dt).
// Why not OpenMM's own integrator: on the Reference platform every context draws from one process-wide random
// generator (SimTKOpenMMUtilities), reseeded whenever a context is created, so replicas stepping in parallel
// are neither reproducible nor independent. Here each replica owns its generator state (rng, 4 words of
// xoshiro256**, in/out), which also makes checkpoints exact. The context only evaluates forces (its own
// integrator is never stepped).
// x, v: n×3 in/out (nm, nm/ps); mass: n (amu); kT in kJ/mol; removeCom: subtract the centre-of-mass velocity
// after every step (what the System's CMMotionRemover does inside OpenMM's integrators).
// potentialEnergy receives E(x) at the final positions.
BGEN_API int bgen_langevin_middle_steps(Context* c, int steps, double kT, double friction, double dt,
                                        const double* mass, int n, double* x, double* v, uint64_t* rng,
                                        int removeCom, double* potentialEnergy) {
    return guarded([&] {
        bgen::Xoshiro256 random{rng};
        std::vector<Vec3> pos(n);
        std::vector<double> vel(v, v + 3 * n), noise(3 * n), sigma(n), invMass(n);
        const double a = std::exp(-friction * dt);
        for (int i = 0; i < n; i++) {
            invMass[i] = mass[i] > 0 ? 1.0 / mass[i] : 0.0;
            sigma[i] = std::sqrt((1.0 - a * a) * kT * invMass[i]);
        }
        auto setPositions = [&] {
            for (int i = 0; i < n; i++) pos[i] = Vec3(x[3 * i], x[3 * i + 1], x[3 * i + 2]);
            c->setPositions(pos);
        };
        setPositions();
        State state = c->getState(State::Forces | (steps == 0 ? State::Energy : 0));
        for (int step = 0; step < steps; step++) {
            const std::vector<Vec3>& f = state.getForces();
            bgen::fillGaussians(random, noise.data(), 3 * n);
            for (int i = 0; i < n; i++) {
                for (int d = 0; d < 3; d++) {
                    int k = 3 * i + d;
                    vel[k] += dt * f[i][d] * invMass[i];
                    x[k] += 0.5 * dt * vel[k];
                    vel[k] = a * vel[k] + sigma[i] * noise[k];
                    x[k] += 0.5 * dt * vel[k];
                }
            }
            if (removeCom) removeCentreOfMassVelocity(vel, mass, n);
            setPositions();
            state = c->getState(State::Forces | (step == steps - 1 ? State::Energy : 0));
        }
        std::copy(vel.begin(), vel.end(), v);
        *potentialEnergy = state.getPotentialEnergy();
    });
}

// Test entry points: the stepper's generator on its own, so a test can compare it with the C# Xoshiro256.
// state: 4 words, advanced in place exactly as a replica's rng is.

// out[0..count) receives the next `count` raw 64-bit outputs.
BGEN_API int bgen_xoshiro256_next(uint64_t* state, uint64_t* out, int count) {
    return guarded([&] {
        checkGeneratorCall(state, count);
        bgen::Xoshiro256 random{state};
        for (int i = 0; i < count; i++) out[i] = random.next();
    });
}

// out[0..count) receives `count` standard normals drawn exactly as one step's noise of count = 3N values.
BGEN_API int bgen_xoshiro256_gaussians(uint64_t* state, double* out, int count) {
    return guarded([&] {
        checkGeneratorCall(state, count);
        bgen::Xoshiro256 random{state};
        bgen::fillGaussians(random, out, count);
    });
}

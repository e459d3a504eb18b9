// openmmsharp: a small C ABI over OpenMM's C++ API for P/Invoke from .NET.
//
// Why it exists: Debian's OpenMM 7.7 exports no C API (no OpenMM_* symbols, no OpenMMCWrapper.h), and a C++
// exception that unwinds into .NET kills the process. Every entry point here therefore
//   * returns an int status (0 = success, 1 = error) and never lets an exception escape;
//   * stores the error message in a thread-local string, read by omms_last_error();
//   * returns results through out-parameters.
// Names follow OpenMM's C API (omms_<Class>_<method>) so the C# side reads like OpenMM's documentation. Only
// OpenMM's own API lives here; BoltzmannGen's Langevin stepper (bgen_* entry points) is in bgen_langevin.cpp,
// compiled into the same library. The status/error convention is shared through shim_common.h.
// Strings returned to the caller are copied into caller-provided buffers or allocated with
// omms_string_alloc and released with omms_string_free.

#include <OpenMM.h>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "shim_common.h"

using namespace OpenMM;
using shim::guarded;

namespace {
thread_local std::string lastError;
}  // namespace

void shim::setLastError(const std::string& message) { lastError = message; }

namespace {

// OpenMM's XmlSerializer formats and parses numbers with David Gay's dtoa (g_fmt/strtod2), built without its
// MULTIPLE_THREADS locks: two threads (de)serializing at once corrupt each other's numbers (measured here:
// wrong bond lengths, wrong energies, and "free(): invalid pointer" crashes). All serialization goes through
// this one lock; everything else in OpenMM runs concurrently, one Context per thread.
std::mutex serializerMutex;

// Copies s into a caller buffer; reports the needed size so the caller can retry with a larger buffer.
void copyOut(const std::string& s, char* buffer, int capacity, int* needed) {
    *needed = static_cast<int>(s.size()) + 1;
    if (buffer != nullptr && capacity > 0) {
        size_t n = std::min(s.size(), static_cast<size_t>(capacity - 1));
        std::memcpy(buffer, s.data(), n);
        buffer[n] = '\0';
    }
}

char* allocString(const std::string& s, int* length) {
    char* out = new char[s.size() + 1];
    std::memcpy(out, s.data(), s.size());
    out[s.size()] = '\0';
    *length = static_cast<int>(s.size());
    return out;
}

std::vector<Vec3> toVec3(const double* xyz, int n) {
    std::vector<Vec3> v(n);
    for (int i = 0; i < n; i++) v[i] = Vec3(xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2]);
    return v;
}

void fromVec3(const std::vector<Vec3>& v, double* xyz, int n) {
    if (static_cast<int>(v.size()) != n)
        throw OpenMMException("expected " + std::to_string(n) + " particles, state has " + std::to_string(v.size()));
    for (int i = 0; i < n; i++) {
        xyz[3 * i] = v[i][0];
        xyz[3 * i + 1] = v[i][1];
        xyz[3 * i + 2] = v[i][2];
    }
}

std::string forceTypeName(const Force* f) {
    if (dynamic_cast<const HarmonicBondForce*>(f)) return "HarmonicBondForce";
    if (dynamic_cast<const HarmonicAngleForce*>(f)) return "HarmonicAngleForce";
    if (dynamic_cast<const PeriodicTorsionForce*>(f)) return "PeriodicTorsionForce";
    if (dynamic_cast<const RBTorsionForce*>(f)) return "RBTorsionForce";
    if (dynamic_cast<const CMAPTorsionForce*>(f)) return "CMAPTorsionForce";
    if (dynamic_cast<const NonbondedForce*>(f)) return "NonbondedForce";
    if (dynamic_cast<const GBSAOBCForce*>(f)) return "GBSAOBCForce";
    if (dynamic_cast<const CustomGBForce*>(f)) return "CustomGBForce";
    if (dynamic_cast<const CMMotionRemover*>(f)) return "CMMotionRemover";
    if (dynamic_cast<const CustomExternalForce*>(f)) return "CustomExternalForce";
    if (dynamic_cast<const CustomBondForce*>(f)) return "CustomBondForce";
    if (dynamic_cast<const CustomTorsionForce*>(f)) return "CustomTorsionForce";
    if (dynamic_cast<const CustomNonbondedForce*>(f)) return "CustomNonbondedForce";
    return "Force";
}
}  // namespace

#define OMMS_API SHIM_EXPORT

// ---------------------------------------------------------------- errors and strings
OMMS_API const char* omms_last_error() { return lastError.c_str(); }
OMMS_API void omms_string_free(char* s) { delete[] s; }

// ---------------------------------------------------------------- Platform
OMMS_API int omms_Platform_getOpenMMVersion(char* buffer, int capacity, int* needed) {
    return guarded([&] { copyOut(Platform::getOpenMMVersion(), buffer, capacity, needed); });
}
OMMS_API int omms_Platform_getDefaultPluginsDirectory(char* buffer, int capacity, int* needed) {
    return guarded([&] { copyOut(Platform::getDefaultPluginsDirectory(), buffer, capacity, needed); });
}
// Loads every plugin in a directory; failures (e.g. OpenCL without a driver) are returned, newline-separated.
OMMS_API int omms_Platform_loadPluginsFromDirectory(const char* directory, char** failures, int* length) {
    return guarded([&] {
        Platform::loadPluginsFromDirectory(directory);
        std::string joined;
        for (const auto& f : Platform::getPluginLoadFailures()) joined += f + "\n";
        *failures = allocString(joined, length);
    });
}
OMMS_API int omms_Platform_getNumPlatforms(int* count) {
    return guarded([&] { *count = Platform::getNumPlatforms(); });
}
OMMS_API int omms_Platform_getName(int index, char* buffer, int capacity, int* needed) {
    return guarded([&] { copyOut(Platform::getPlatform(index).getName(), buffer, capacity, needed); });
}
OMMS_API int omms_Platform_getPlatformByName(const char* name, Platform** out) {
    return guarded([&] { *out = &Platform::getPlatformByName(name); });
}

// ---------------------------------------------------------------- System
OMMS_API int omms_System_create(System** out) {
    return guarded([&] { *out = new System(); });
}
OMMS_API void omms_System_destroy(System* s) { delete s; }
OMMS_API int omms_System_addParticle(System* s, double mass, int* index) {
    return guarded([&] { *index = s->addParticle(mass); });
}
OMMS_API int omms_System_getNumParticles(System* s, int* count) {
    return guarded([&] { *count = s->getNumParticles(); });
}
OMMS_API int omms_System_getParticleMass(System* s, int index, double* mass) {
    return guarded([&] { *mass = s->getParticleMass(index); });
}
OMMS_API int omms_System_getNumForces(System* s, int* count) {
    return guarded([&] { *count = s->getNumForces(); });
}
// Takes ownership of the force.
OMMS_API int omms_System_addForce(System* s, Force* f, int* index) {
    return guarded([&] { *index = s->addForce(f); });
}
OMMS_API int omms_System_getForce(System* s, int index, Force** out) {
    return guarded([&] { *out = &s->getForce(index); });
}

// ---------------------------------------------------------------- Force and concrete forces
OMMS_API void omms_Force_destroy(Force* f) { delete f; }
OMMS_API int omms_Force_getTypeName(Force* f, char* buffer, int capacity, int* needed) {
    return guarded([&] { copyOut(forceTypeName(f), buffer, capacity, needed); });
}
OMMS_API int omms_Force_getForceGroup(Force* f, int* group) {
    return guarded([&] { *group = f->getForceGroup(); });
}
OMMS_API int omms_Force_setForceGroup(Force* f, int group) {
    return guarded([&] { f->setForceGroup(group); });
}
OMMS_API int omms_HarmonicBondForce_create(Force** out) {
    return guarded([&] { *out = new HarmonicBondForce(); });
}
OMMS_API int omms_HarmonicBondForce_addBond(Force* f, int p1, int p2, double length, double k, int* index) {
    return guarded([&] {
        auto* bonds = dynamic_cast<HarmonicBondForce*>(f);
        if (!bonds) throw OpenMMException("force is not a HarmonicBondForce");
        *index = bonds->addBond(p1, p2, length, k);
    });
}
OMMS_API int omms_HarmonicBondForce_getNumBonds(Force* f, int* count) {
    return guarded([&] {
        auto* bonds = dynamic_cast<HarmonicBondForce*>(f);
        if (!bonds) throw OpenMMException("force is not a HarmonicBondForce");
        *count = bonds->getNumBonds();
    });
}
OMMS_API int omms_HarmonicBondForce_getBondParameters(Force* f, int index, int* p1, int* p2, double* length, double* k) {
    return guarded([&] {
        auto* bonds = dynamic_cast<HarmonicBondForce*>(f);
        if (!bonds) throw OpenMMException("force is not a HarmonicBondForce");
        bonds->getBondParameters(index, *p1, *p2, *length, *k);
    });
}

OMMS_API int omms_CustomExternalForce_create(const char* energy, Force** out) {
    return guarded([&] { *out = new CustomExternalForce(energy); });
}
OMMS_API int omms_CustomExternalForce_addGlobalParameter(Force* f, const char* name, double value, int* index) {
    return guarded([&] {
        auto* ext = dynamic_cast<CustomExternalForce*>(f);
        if (!ext) throw OpenMMException("force is not a CustomExternalForce");
        *index = ext->addGlobalParameter(name, value);
    });
}
OMMS_API int omms_CustomExternalForce_addPerParticleParameter(Force* f, const char* name, int* index) {
    return guarded([&] {
        auto* ext = dynamic_cast<CustomExternalForce*>(f);
        if (!ext) throw OpenMMException("force is not a CustomExternalForce");
        *index = ext->addPerParticleParameter(name);
    });
}
OMMS_API int omms_CustomExternalForce_addParticle(Force* f, int particle, const double* parameters, int count, int* index) {
    return guarded([&] {
        auto* ext = dynamic_cast<CustomExternalForce*>(f);
        if (!ext) throw OpenMMException("force is not a CustomExternalForce");
        *index = ext->addParticle(particle, std::vector<double>(parameters, parameters + count));
    });
}

// ---------------------------------------------------------------- XmlSerializer
OMMS_API int omms_XmlSerializer_deserializeSystem(const char* xml, System** out) {
    return guarded([&] {
        std::lock_guard<std::mutex> lock(serializerMutex);
        std::istringstream in(xml);
        *out = XmlSerializer::deserialize<System>(in);
        if (*out == nullptr) throw OpenMMException("XmlSerializer returned no System");
    });
}
OMMS_API int omms_XmlSerializer_serializeSystem(System* s, char** xml, int* length) {
    return guarded([&] {
        std::lock_guard<std::mutex> lock(serializerMutex);
        std::ostringstream out;
        XmlSerializer::serialize<System>(s, "System", out);
        *xml = allocString(out.str(), length);
    });
}

// ---------------------------------------------------------------- Integrators
OMMS_API int omms_LangevinMiddleIntegrator_create(double temperature, double friction, double stepSize, Integrator** out) {
    return guarded([&] { *out = new LangevinMiddleIntegrator(temperature, friction, stepSize); });
}
OMMS_API int omms_LangevinMiddleIntegrator_setRandomNumberSeed(Integrator* i, int seed) {
    return guarded([&] {
        auto* l = dynamic_cast<LangevinMiddleIntegrator*>(i);
        if (!l) throw OpenMMException("integrator is not a LangevinMiddleIntegrator");
        l->setRandomNumberSeed(seed);
    });
}
OMMS_API int omms_LangevinMiddleIntegrator_setTemperature(Integrator* i, double temperature) {
    return guarded([&] {
        auto* l = dynamic_cast<LangevinMiddleIntegrator*>(i);
        if (!l) throw OpenMMException("integrator is not a LangevinMiddleIntegrator");
        l->setTemperature(temperature);
    });
}
OMMS_API int omms_VerletIntegrator_create(double stepSize, Integrator** out) {
    return guarded([&] { *out = new VerletIntegrator(stepSize); });
}
OMMS_API void omms_Integrator_destroy(Integrator* i) { delete i; }
OMMS_API int omms_Integrator_step(Integrator* i, int steps) {
    return guarded([&] { i->step(steps); });
}
OMMS_API int omms_Integrator_getStepSize(Integrator* i, double* stepSize) {
    return guarded([&] { *stepSize = i->getStepSize(); });
}

// ---------------------------------------------------------------- Context
// Properties: n key/value pairs (e.g. "Threads" -> "1" for the CPU platform).
OMMS_API int omms_Context_create(System* s, Integrator* i, Platform* p, const char** keys, const char** values, int n,
                                 Context** out) {
    return guarded([&] {
        std::map<std::string, std::string> properties;
        for (int k = 0; k < n; k++) properties[keys[k]] = values[k];
        *out = new Context(*s, *i, *p, properties);
    });
}
OMMS_API void omms_Context_destroy(Context* c) { delete c; }
OMMS_API int omms_Context_getPlatformName(Context* c, char* buffer, int capacity, int* needed) {
    return guarded([&] { copyOut(c->getPlatform().getName(), buffer, capacity, needed); });
}
OMMS_API int omms_Context_setPositions(Context* c, const double* xyz, int n) {
    return guarded([&] { c->setPositions(toVec3(xyz, n)); });
}
OMMS_API int omms_Context_setVelocities(Context* c, const double* xyz, int n) {
    return guarded([&] { c->setVelocities(toVec3(xyz, n)); });
}
OMMS_API int omms_Context_setVelocitiesToTemperature(Context* c, double temperature, int seed) {
    return guarded([&] { c->setVelocitiesToTemperature(temperature, seed); });
}
OMMS_API int omms_Context_setTime(Context* c, double time) {
    return guarded([&] { c->setTime(time); });
}
OMMS_API int omms_Context_getStepCount(Context* c, long long* count) {
    return guarded([&] { *count = c->getStepCount(); });
}
OMMS_API int omms_Context_setStepCount(Context* c, long long count) {
    return guarded([&] { c->setStepCount(count); });
}
OMMS_API int omms_Context_getState(Context* c, int types, State** out) {
    return guarded([&] { *out = new State(c->getState(types)); });
}
OMMS_API int omms_Context_createCheckpoint(Context* c, char** data, int* length) {
    return guarded([&] {
        std::ostringstream out(std::ios::binary);
        c->createCheckpoint(out);
        *data = allocString(out.str(), length);
    });
}
OMMS_API int omms_Context_loadCheckpoint(Context* c, const char* data, int length) {
    return guarded([&] {
        std::istringstream in(std::string(data, length), std::ios::binary);
        c->loadCheckpoint(in);
    });
}
OMMS_API int omms_LocalEnergyMinimizer_minimize(Context* c, double tolerance, int maxIterations) {
    return guarded([&] { LocalEnergyMinimizer::minimize(*c, tolerance, maxIterations); });
}

// Evaluates `batch` configurations of n particles in one call: positions is batch×n×3 (nm), energies
// receives batch values (kJ/mol), forces (optional, may be null) batch×n×3 (kJ/mol/nm). One native call per
// batch avoids per-conformation marshalling. On error, *failedIndex names the configuration.
OMMS_API int omms_Context_evaluateBatch(Context* c, int batch, int n, const double* positions, double* energies,
                                        double* forces, int* failedIndex) {
    *failedIndex = -1;
    return guarded([&] {
        std::vector<Vec3> pos(n);
        int types = State::Energy | (forces != nullptr ? State::Forces : 0);
        for (int b = 0; b < batch; b++) {
            *failedIndex = b;
            const double* x = positions + static_cast<size_t>(b) * n * 3;
            for (int i = 0; i < n; i++) pos[i] = Vec3(x[3 * i], x[3 * i + 1], x[3 * i + 2]);
            c->setPositions(pos);
            State state = c->getState(types);
            energies[b] = state.getPotentialEnergy();
            if (forces != nullptr) fromVec3(state.getForces(), forces + static_cast<size_t>(b) * n * 3, n);
        }
        *failedIndex = -1;
    });
}

// ---------------------------------------------------------------- State
OMMS_API void omms_State_destroy(State* s) { delete s; }
OMMS_API int omms_State_getTime(State* s, double* time) {
    return guarded([&] { *time = s->getTime(); });
}
OMMS_API int omms_State_getPotentialEnergy(State* s, double* energy) {
    return guarded([&] { *energy = s->getPotentialEnergy(); });
}
OMMS_API int omms_State_getKineticEnergy(State* s, double* energy) {
    return guarded([&] { *energy = s->getKineticEnergy(); });
}
OMMS_API int omms_State_getPositions(State* s, double* xyz, int n) {
    return guarded([&] { fromVec3(s->getPositions(), xyz, n); });
}
OMMS_API int omms_State_getVelocities(State* s, double* xyz, int n) {
    return guarded([&] { fromVec3(s->getVelocities(), xyz, n); });
}
OMMS_API int omms_State_getForces(State* s, double* xyz, int n) {
    return guarded([&] { fromVec3(s->getForces(), xyz, n); });
}

// What every source file of libopenmmsharp.so shares: the export macro and the status/error convention.
// Every exported entry point returns an int status (0 = success, 1 = error), never lets a C++ exception escape
// (one unwinding into .NET kills the process), and leaves the message for omms_last_error().
#pragma once

#include <exception>
#include <string>

#define SHIM_EXPORT extern "C" __attribute__((visibility("default")))

namespace shim {
// Stores the calling thread's last error message, returned by omms_last_error (defined in openmmsharp.cpp).
void setLastError(const std::string& message);

template <typename F>
int guarded(F&& body) {
    try {
        body();
        return 0;
    } catch (const std::exception& e) {
        setLastError(e.what());
    } catch (...) {
        setLastError("unknown C++ exception in OpenMM");
    }
    return 1;
}
}  // namespace shim

using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Optimisation;

/// <summary>The `--device` option: cpu, cuda or auto (CUDA when TorchSharp finds one).</summary>
public static class TorchDevices
{
    public static Device Resolve(string name) => name switch
    {
        "cpu" => CPU,
        "cuda" => cuda.is_available() ? CUDA : throw new InputException("--device cuda: TorchSharp finds no CUDA device on this machine."),
        "auto" => cuda.is_available() ? CUDA : CPU,
        _ => throw new InputException($"--device {name}: use cpu, cuda or auto."),
    };
}

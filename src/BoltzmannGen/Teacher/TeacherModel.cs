using BoltzmannGen.Teacher.Networks;
using BoltzmannGen.Teacher.Ode;
using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Teacher;

/// <summary>
/// The teacher CNF as a Boltzmann generator: a velocity network over centred coordinates divided by the length
/// scale s (the same normalised frame as the student flows and targets.npz), the mean-free Gaussian prior, and an
/// ODE solver. Densities are of physical centred coordinates (nm) over the 3N−3 CoM-free degrees of freedom:
/// log q(x) = log q_u(x/s) − (3N−3)·log s, exactly the convention of BoltzmannFlow, so CNF samples reweight and
/// report like flow samples.
/// </summary>
public sealed class TeacherModel : nn.Module
{
    private readonly VelocityNetwork network;
    private Tensor length_scale; // 0-d buffer: saved with the weights, and tells the model's device and dtype; reassigned by Module.to()

    public TeacherModel(VelocityNetwork network, double scale) : base(nameof(TeacherModel))
    {
        if (!(scale > 0)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "the length scale must be positive");
        this.network = network;
        LengthScale = scale;
        length_scale = tensor((float)scale, float32).DetachFromDisposeScope();
        Prior = new MeanFreeGaussian(network.Atoms);
        RegisterComponents();
    }

    public VelocityNetwork Network => network;
    public int Atoms => network.Atoms;
    public double LengthScale { get; }
    public MeanFreeGaussian Prior { get; }

    /// <summary>D = 3N − 3, the degrees of freedom densities are over.</summary>
    public int DegreesOfFreedom => 3 * Atoms - 3;

    public Device Device => length_scale.device;
    public ScalarType DType => length_scale.dtype;

    public ContinuousFlow Flow(CnfOptions options) => new(network, Prior, options);

    /// <summary>(B, N, 3) nm, any centre → (B, 3N) centred and divided by s, in the model's dtype and device.</summary>
    public Tensor Normalise(Tensor positions) => Normalise(positions, LengthScale).to(DType, Device);

    /// <summary>
    /// The teacher's frame: (B, N, 3) nm, any centre → (B, 3N) centred and divided by <paramref name="scale"/>
    /// (the frame of targets.npz and of the training data).
    /// </summary>
    public static Tensor Normalise(Tensor positions, double scale)
    {
        long batch = positions.shape[0];
        return MeanFreeGaussian.Centre(positions.reshape(batch, -1), (int)positions.shape[1]) / scale;
    }

    /// <summary>n conformations (n, N, 3) in nm and their exact log q (float64), by integrating the ODE with its divergence.</summary>
    public (Tensor Positions, Tensor LogQ) Sample(int n, Generator generator, CnfOptions options)
    {
        using var scope = NewDisposeScope();
        var x0 = Prior.Sample(n, generator, Device, DType);
        var (x1, logQ) = Flow(options).Sample(x0);
        var positions = (x1 * LengthScale).reshape(n, Atoms, 3);
        return scope.MoveToOuter(positions.detach(), (logQ.to(float64) - ScaleTerm).detach());
    }

    /// <summary>Exact log q of conformations (B, N, 3) in nm, float64, by integrating backwards to the prior.</summary>
    public Tensor LogQ(Tensor positions, CnfOptions options)
    {
        using var scope = NewDisposeScope();
        var logQ = Flow(options).LogLikelihood(Normalise(positions)).to(float64) - ScaleTerm;
        return scope.MoveToOuter(logQ.detach());
    }

    private double ScaleTerm => DegreesOfFreedom * Math.Log(LengthScale);
}

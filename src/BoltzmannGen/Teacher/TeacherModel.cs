using BoltzmannGen.Coordinates;
using BoltzmannGen.Flows;
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
/// <para>
/// With an <see cref="InternalCoordinateMap"/> the CNF's data side is the standardised internal coordinates y
/// (embedded as a centred 3N vector through the Helmert basis, so the mean-free prior and the ODE machinery are
/// unchanged): log q(x) = log q_y(y) + log|det ∂y/∂x|. Only the MLP velocity makes sense there.
/// </para>
/// </summary>
public sealed class TeacherModel : nn.Module
{
    private readonly VelocityNetwork network;
    private Tensor length_scale; // 0-d buffer: saved with the weights, and tells the model's device and dtype; reassigned by Module.to()

    public TeacherModel(VelocityNetwork network, double scale, InternalCoordinateMap? internalCoordinates = null) : base(nameof(TeacherModel))
    {
        if (!(scale > 0)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "the length scale must be positive");
        if (internalCoordinates is not null && internalCoordinates.Atoms != network.Atoms)
            throw new ArgumentException($"the internal-coordinate map is for {internalCoordinates.Atoms} atoms, not {network.Atoms}", nameof(internalCoordinates));
        this.network = network;
        LengthScale = scale;
        InternalCoordinates = internalCoordinates;
        length_scale = tensor((float)scale, float32).DetachFromDisposeScope();
        Prior = new MeanFreeGaussian(network.Atoms);
        RegisterComponents();
    }

    public VelocityNetwork Network => network;
    public int Atoms => network.Atoms;
    public double LengthScale { get; }
    public MeanFreeGaussian Prior { get; }

    /// <summary>The internal-coordinate map of the data side, or null for centred Cartesian coordinates divided by s.</summary>
    public InternalCoordinateMap? InternalCoordinates { get; }

    /// <summary>D = 3N − 3, the degrees of freedom densities are over.</summary>
    public int DegreesOfFreedom => 3 * Atoms - 3;

    public Device Device => length_scale.device;
    public ScalarType DType => length_scale.dtype;

    public ContinuousFlow Flow(CnfOptions options) => new(network, Prior, options);

    /// <summary>(B, N, 3) nm, any centre → (B, 3N) in the teacher's frame, in the model's dtype and device.</summary>
    public Tensor Normalise(Tensor positions) => Normalise(positions, LengthScale, InternalCoordinates).to(DType, Device);

    /// <summary>
    /// The teacher's frame: (B, N, 3) nm, any centre → (B, 3N) centred and divided by <paramref name="scale"/>
    /// (the frame of targets.npz and of the training data), or the embedded internal coordinates y.
    /// </summary>
    public static Tensor Normalise(Tensor positions, double scale, InternalCoordinateMap? internalCoordinates = null)
    {
        long batch = positions.shape[0];
        if (internalCoordinates is null) return MeanFreeGaussian.Centre(positions.reshape(batch, -1), (int)positions.shape[1]) / scale;
        return EmbedInternal(InternalCoordinateTensors.Encode(internalCoordinates, positions).Y.to(positions.device), internalCoordinates.Atoms);
    }

    /// <summary>Positions (B, N, 3) nm, centred, of points (B, 3N) of the teacher's frame, with log|det ∂x/∂(frame)| (B, float64).</summary>
    public (Tensor Positions, Tensor LogJacobian) ToPositions(Tensor x)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0];
        if (InternalCoordinates is null)
            return scope.MoveToOuter((x * LengthScale).reshape(n, Atoms, 3), full(n, ScaleTerm, float64, Device));
        using var basis = new CentredCoordinates(Atoms, 1.0);
        basis.to(float64);
        var y = basis.Project(x.to(float64, CPU).reshape(n, Atoms, 3));
        var (positions, logJacobian) = InternalCoordinateTensors.Decode(InternalCoordinates, y);
        return scope.MoveToOuter(positions.to(DType, Device), logJacobian.to(Device));
    }

    /// <summary>n conformations (n, N, 3) in nm and their exact log q (float64), by integrating the ODE with its divergence.</summary>
    public (Tensor Positions, Tensor LogQ) Sample(int n, Generator generator, CnfOptions options)
    {
        using var scope = NewDisposeScope();
        var x0 = Prior.Sample(n, generator, Device, DType);
        var (x1, logQ) = Flow(options).Sample(x0);
        var (positions, logJacobian) = ToPositions(x1.detach());
        return scope.MoveToOuter(positions.detach(), (logQ.to(float64) - logJacobian).detach());
    }

    /// <summary>Exact log q of conformations (B, N, 3) in nm, float64, by integrating backwards to the prior.</summary>
    public Tensor LogQ(Tensor positions, CnfOptions options)
    {
        using var scope = NewDisposeScope();
        if (InternalCoordinates is null)
            return scope.MoveToOuter((Flow(options).LogLikelihood(Normalise(positions)).to(float64) - ScaleTerm).detach());
        // One encoding gives both the teacher-frame point and the map's Jacobian.
        var (y, logJacobian) = InternalCoordinateTensors.Encode(InternalCoordinates, positions);
        var frame = EmbedInternal(y, Atoms).to(DType, Device);
        return scope.MoveToOuter((Flow(options).LogLikelihood(frame).to(float64) + logJacobian.to(Device)).detach());
    }

    private static Tensor EmbedInternal(Tensor y, int atoms)
    {
        using var basis = new CentredCoordinates(atoms, 1.0);
        basis.to(y.device);
        basis.to(y.dtype);
        return basis.Embed(y).reshape(y.shape[0], 3 * atoms);
    }

    private double ScaleTerm => DegreesOfFreedom * Math.Log(LengthScale);
}

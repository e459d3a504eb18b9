using BoltzmannGen.Coordinates;
using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Flows;

/// <summary>
/// The Boltzmann-generator model: normalisation (centring, orthonormal Helmert basis, length scale s — buffers,
/// saved with the weights), a standard normal prior in D = 3N−3 dimensions, and a flow f.
/// <para>
/// Direction: f maps prior draws u0 to data-side flow coordinates u1 (sampling is f, one forward pass);
/// positions x = s · u1 Qᵀ. Densities are of physical centred coordinates (nm) over the 3N−3 CoM-free degrees
/// of freedom: log q(x) = log p0(f⁻¹(u)) + log|det ∂f⁻¹/∂u| − D·log s with u = xQ/s.
/// log q is returned in float64 (the network runs in the module's dtype; the sums are formed in double).
/// </para>
/// <para>
/// With an <see cref="InternalCoordinateMap"/> the flow's data side is standardised internal coordinates y
/// (bonds, angles, torsions, orientation) instead of u: x = IC⁻¹(y), log q(x) = log q_y(y) + log|det ∂y/∂x|.
/// Stiff bonds then are single coordinates with unit spread, so a regression error of a few tenths of a unit
/// still gives physical bond lengths. The map runs in double precision outside the network (it has no
/// parameters; MLE and FORT losses in y need no gradient through it).
/// </para>
/// </summary>
public sealed class BoltzmannFlow : nn.Module
{
    private readonly CentredCoordinates coordinates;
    private readonly FlowLayer flow;

    public BoltzmannFlow(int atoms, double scale, FlowLayer flow, InternalCoordinateMap? internalCoordinates = null) : base(nameof(BoltzmannFlow))
    {
        coordinates = new CentredCoordinates(atoms, scale);
        if (internalCoordinates is not null && internalCoordinates.Atoms != atoms)
            throw new ArgumentException($"the internal-coordinate map is for {internalCoordinates.Atoms} atoms, not {atoms}", nameof(internalCoordinates));
        InternalCoordinates = internalCoordinates;
        if (flow.Dimension != coordinates.Dimension)
            throw new ArgumentException($"the flow acts on {flow.Dimension} coordinates, {atoms} atoms need 3N−3 = {coordinates.Dimension}", nameof(flow));
        this.flow = flow;
        Prior = new StandardNormalPrior(coordinates.Dimension);
        RegisterComponents();
    }

    /// <summary>A model with the named architecture (<see cref="FlowArchitectures.Create"/>) over 3N−3 coordinates.</summary>
    public static BoltzmannFlow Create(int atoms, double scale, string architecture, FlowHyperparameters? hyperparameters = null,
                                       InternalCoordinateMap? internalCoordinates = null)
    {
        if (atoms < 2) throw new ArgumentOutOfRangeException(nameof(atoms), atoms, "need at least two atoms");
        return new BoltzmannFlow(atoms, scale, FlowArchitectures.Create(architecture, 3 * (atoms - 1), hyperparameters), internalCoordinates);
    }

    /// <summary>The internal-coordinate map of the data side, or null for centred Cartesian flow coordinates.</summary>
    public InternalCoordinateMap? InternalCoordinates { get; }

    public int Atoms => coordinates.Atoms;

    /// <summary>D = 3N − 3.</summary>
    public int Dimension => coordinates.Dimension;

    /// <summary>Length scale s in nm.</summary>
    public double LengthScale => coordinates.LengthScale;

    public CentredCoordinates Coordinates => coordinates;

    public FlowLayer Flow => flow;

    public StandardNormalPrior Prior { get; }

    /// <summary>Device of the model's buffers and parameters.</summary>
    public Device Device => coordinates.ScaleTensor.device;

    /// <summary>Element type of the network (float32 by default).</summary>
    public ScalarType DType => coordinates.ScaleTensor.dtype;

    /// <summary>
    /// n conformations (n, N, 3), centred, in nm, and their log q (n, float64), from one forward pass of the flow.
    /// Gradients are tracked unless the caller is inside a <c>torch.no_grad()</c> scope.
    /// </summary>
    public (Tensor positions, Tensor logQ) Sample(int n, Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        var (_, positions, logQ) = SampleFrom(Prior.Sample(n, generator, Device, DType));
        return scope.MoveToOuter(positions, logQ);
    }

    /// <summary>
    /// The sampling map applied to given prior draws u0 (B, D): the data-side flow coordinates u1, the positions
    /// (B, N, 3) nm and log q (B, float64). With <paramref name="differentiable"/> the positions and log q carry
    /// gradients with respect to the flow's parameters through every Jacobian, the internal-coordinate map's included
    /// (what reverse-KL training needs); otherwise the map runs in double precision outside autograd.
    /// </summary>
    public (Tensor latent, Tensor positions, Tensor logQ) SampleFrom(Tensor u0, bool differentiable = false)
    {
        using var scope = NewDisposeScope();
        var (u1, logDet) = flow.Forward(u0);
        // log q(u1) = log p0(u0) − log|det ∂f/∂u0|
        var logQ = Prior.LogProb(u0).to(float64) - logDet.to(float64);
        if (InternalCoordinates is null) return scope.MoveToOuter(u1, coordinates.FromFlowSpace(u1), logQ - ScaleTerm());
        var (positions, logJacobian) = differentiable ? DecodeWithGradients(u1) : Decode(u1);
        return scope.MoveToOuter(u1, positions, logQ - logJacobian);
    }

    /// <summary>
    /// log q of data-side flow coordinates u1 (B, D) without the coordinate map's Jacobian (B, float64): log p0(f⁻¹(u1)) +
    /// log|det ∂f⁻¹/∂u1|. It differs from log q(x) by a term that does not depend on the flow's parameters, so its
    /// gradient is that of log q(x) (maximum-likelihood terms use it on latents they already hold).
    /// </summary>
    public Tensor LatentLogDensity(Tensor u1)
    {
        using var scope = NewDisposeScope();
        var (u0, logDet) = flow.Inverse(u1);
        return scope.MoveToOuter(Prior.LogProb(u0).to(float64) + logDet.to(float64));
    }

    /// <summary>log q of positions (B, N, 3) in nm (need not be centred: the centroid is projected out), float64 (B).</summary>
    public Tensor LogQ(Tensor positions)
    {
        using var scope = NewDisposeScope();
        Tensor u, change;
        if (InternalCoordinates is null) (u, change) = (ToLatent(positions), -ScaleTerm());
        else (u, change) = Encode(positions);
        var (u0, logDet) = flow.Inverse(u);
        var logQ = Prior.LogProb(u0).to(float64) + logDet.to(float64) + change;
        return scope.MoveToOuter(logQ);
    }

    /// <summary>
    /// log q of many conformations given as flat [frame, atom, xyz] nm, <paramref name="batch"/> at a time without
    /// gradients (what `bgen logq` and the report's NLL need).
    /// </summary>
    public double[] LogQ(ReadOnlySpan<double> positions, int batch)
    {
        int per = 3 * Atoms, count = positions.Length / per;
        var logQ = new double[count];
        for (int start = 0; start < count; start += batch)
        {
            int n = Math.Min(batch, count - start);
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var x = tensor(positions.Slice(start * per, n * per).ToArray(), [n, Atoms, 3], float64);
            LogQ(x).cpu().data<double>().CopyTo(logQ.AsSpan(start));
        }
        return logQ;
    }

    /// <summary>
    /// Data-side flow coordinates (B, D) of positions (B, N, 3) in nm, in the model's dtype and device: u = xQ/s,
    /// or the standardised internal coordinates y.
    /// </summary>
    public Tensor ToLatent(Tensor positions) =>
        InternalCoordinates is null ? coordinates.ToFlowSpace(positions.to(DType, Device)) : Encode(positions).y;

    /// <summary>Centred positions (B, N, 3) in nm from data-side flow coordinates (B, D).</summary>
    public Tensor FromLatent(Tensor u) =>
        InternalCoordinates is null ? coordinates.FromFlowSpace(u.to(DType, Device)) : Decode(u).positions;

    // y (B, D) in the model's dtype and log|det ∂y/∂x| (B, float64) of positions (B, N, 3).
    private (Tensor y, Tensor logJacobian) Encode(Tensor positions)
    {
        var (y, logJacobian) = InternalCoordinateTensors.Encode(InternalCoordinates!, positions);
        return (y.to(DType, Device), logJacobian.to(Device));
    }

    // The same, differentiable: float64 positions (the energy is evaluated in double) and log|det ∂x/∂y|.
    private (Tensor positions, Tensor logJacobian) DecodeWithGradients(Tensor y) =>
        InternalCoordinateTensors.DecodeDifferentiable(InternalCoordinates!, y);

    // Positions (B, N, 3) in the model's dtype and log|det ∂x/∂y| (B, float64) of y (B, D).
    private (Tensor positions, Tensor logJacobian) Decode(Tensor y)
    {
        var (positions, logJacobian) = InternalCoordinateTensors.Decode(InternalCoordinates!, y);
        return (positions.to(DType, Device), logJacobian.to(Device));
    }

    // D·log s in double, as a 0-d tensor on the model's device.
    private Tensor ScaleTerm() => coordinates.LogScaleJacobian().to(float64);
}

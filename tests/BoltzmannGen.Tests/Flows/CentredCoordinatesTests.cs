using BoltzmannGen.Flows;
using TorchSharp;
using static BoltzmannGen.Tests.Flows.FlowTestSupport;
using static TorchSharp.torch;

namespace BoltzmannGen.Tests.Flows;

/// <summary>The orthonormal basis of centred coordinates (Helmert contrasts ⊗ I₃) and the length scale.</summary>
public class CentredCoordinatesTests
{
    private const int Atoms = 7;

    [Fact]
    public void Basis_is_orthonormal_and_orthogonal_to_translations()
    {
        using var scope = NewDisposeScope();
        var c = new CentredCoordinates(Atoms, 0.2);
        var q = c.Basis().to(float64); // (3N, 3N−3)
        Assert.Equal(new long[] { 3 * Atoms, 3 * Atoms - 3 }, q.shape);
        Assert.True(MaxAbs(q.t().matmul(q) - eye(3 * Atoms - 3, dtype: float64)) <= 1e-6);
        for (int axis = 0; axis < 3; axis++)
        {
            var translation = zeros(Atoms, 3, dtype: float64);
            translation[TensorIndex.Colon, axis] = ones(Atoms, dtype: float64);
            Assert.True(MaxAbs(translation.reshape(1, -1).matmul(q)) <= 1e-6, $"axis {axis}");
        }
        // Q Qᵀ is the centring projector (I − 11ᵀ/N) ⊗ I₃: the columns span the whole centred subspace.
        var centring = (eye(Atoms, dtype: float64) - ones(Atoms, Atoms, dtype: float64) / Atoms).reshape(Atoms, 1, Atoms, 1)
                       * eye(3, dtype: float64).reshape(1, 3, 1, 3);
        Assert.True(MaxAbs(q.matmul(q.t()) - centring.reshape(3 * Atoms, 3 * Atoms)) <= 1e-6);
    }

    [Fact]
    public void Projection_matches_the_explicit_basis_and_ignores_translations()
    {
        using var scope = NewDisposeScope();
        var c = new CentredCoordinates(Atoms, 0.2);
        var x = randn([5, Atoms, 3], generator: new Generator(2));
        var z = c.Project(x);
        Assert.True(MaxAbs(z - x.reshape(5, -1).matmul(c.Basis())) <= 1e-5);
        var shifted = x + tensor(new float[] { 3f, -1f, 0.5f });
        Assert.True(MaxAbs(c.Project(shifted) - z) <= 1e-5);
    }

    [Fact]
    public void Centred_coordinates_map_to_coefficients_and_back()
    {
        using var scope = NewDisposeScope();
        var c = new CentredCoordinates(Atoms, 0.2);
        var x = randn([5, Atoms, 3], generator: new Generator(3)) + 2.0;
        var centred = c.Centre(x);
        Assert.True(MaxAbs(centred.sum(1)) <= 1e-5);
        Assert.True(MaxAbs(c.Embed(c.Project(x)) - centred) <= 1e-5);
        // With the scale: u = xQ/s, back to nm.
        var u = c.ToFlowSpace(x);
        Assert.True(MaxAbs(u * 0.2f - c.Project(x)) <= 1e-5);
        Assert.True(MaxAbs(c.FromFlowSpace(u) - centred) <= 1e-5);
    }

    [Fact]
    public void Tokens_are_atoms_relative_to_the_centroid_of_the_previous_atoms()
    {
        using var scope = NewDisposeScope();
        var c = new CentredCoordinates(Atoms, 1.0);
        var x = randn([1, Atoms, 3], dtype: float32, generator: new Generator(4));
        var tokens = c.Project(x).reshape(Atoms - 1, 3);
        for (int k = 0; k < Atoms - 1; k++)
        {
            var expected = (x[0, k + 1] - x[0].narrow(0, 0, k + 1).mean([0])) * Math.Sqrt((k + 1.0) / (k + 2.0));
            Assert.True(MaxAbs(tokens[k] - expected) <= 1e-5, $"token {k}");
        }
    }

    [Fact]
    public void Wrong_shapes_are_rejected_with_the_expected_shape()
    {
        using var scope = NewDisposeScope();
        var c = new CentredCoordinates(Atoms, 0.2);
        var e = Assert.Throws<ArgumentException>(() => c.Project(zeros(2, Atoms + 1, 3)));
        Assert.Contains($"{Atoms}, 3", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new CentredCoordinates(Atoms, 0.0));
    }

    [Fact]
    public void Converting_to_float64_keeps_the_basis_exact()
    {
        using var scope = NewDisposeScope();
        var c = new CentredCoordinates(Atoms, 0.2).to(float64);
        var q = c.Basis();
        Assert.Equal(ScalarType.Float64, q.dtype);
        Assert.True(MaxAbs(q.t().matmul(q) - eye(3 * Atoms - 3, dtype: float64)) <= 1e-14);
    }
}

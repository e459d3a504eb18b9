using BoltzmannGen.Coordinates;
using BoltzmannGen.Flows;
using BoltzmannGen.Tests.Support;
using MathNet.Numerics.LinearAlgebra;
using static BoltzmannGen.Tests.Coordinates.CoordinateData;

namespace BoltzmannGen.Tests.Coordinates;

/// <summary>The internal-coordinate bijection: round trips, exact log-Jacobian, standardisation, JSON, bad input.</summary>
public class InternalCoordinateMapTests
{
    private const int Aldp = 22;

    [Fact]
    public void Aldp_frames_round_trip_to_the_centred_frame()
    {
        var map = AldpMap;
        var y = new double[AldpFrames * map.Dimension];
        var back = new double[AldpTrain.Length];
        double[] encodeLogDets = map.EncodeMany(AldpTrain, AldpFrames, y);
        double[] decodeLogDets = map.DecodeMany(y, AldpFrames, back);
        for (int f = 0; f < AldpFrames; f++)
        {
            var expected = Centred(AldpTrain.AsSpan(f * 3 * Aldp, 3 * Aldp));
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(back[f * 3 * Aldp + i] - expected[i]) <= 1e-9, $"frame {f} value {i}: {back[f * 3 * Aldp + i]} vs {expected[i]}");
            Assert.True(Math.Abs(encodeLogDets[f] + decodeLogDets[f]) <= 1e-9, $"frame {f}: {encodeLogDets[f]} vs {decodeLogDets[f]}");
        }
    }

    [Theory]
    [InlineData("al3")]
    [InlineData("al4")]
    public void Perturbed_reference_structures_round_trip(string system)
    {
        var frames = Perturbed(system, 40, 0.005, seed: 3);
        var z = ZMatrix.FromTopology(EnergyFixtures.System(system).Topology);
        var map = InternalCoordinateMap.Fit(z, frames, 40);
        var other = Perturbed(system, 10, 0.005, seed: 4); // not the fitted frames
        var y = new double[map.Dimension];
        var back = new double[3 * z.Atoms];
        for (int f = 0; f < 10; f++)
        {
            var x = other.AsSpan(f * 3 * z.Atoms, 3 * z.Atoms);
            double logDet = map.Encode(x, y);
            Assert.True(Math.Abs(map.Decode(y, back) + logDet) <= 1e-9);
            var expected = Centred(x);
            for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(back[i] - expected[i]) <= 1e-9, $"{system} frame {f} value {i}");
        }
    }

    [Fact]
    public void Random_standardised_coordinates_round_trip()
    {
        var map = AldpMap;
        var random = new Random(11);
        var y = new double[map.Dimension];
        var again = new double[map.Dimension];
        var x = new double[3 * Aldp];
        for (int trial = 0; trial < 50; trial++)
        {
            for (int i = 0; i < y.Length; i++) y[i] = Normal(random);
            double logDet = map.Decode(y, x);
            for (int a = 0; a < 3; a++) Assert.True(Math.Abs(Enumerable.Range(0, Aldp).Sum(i => x[3 * i + a])) <= 1e-12, "decoded frame is centred");
            Assert.True(Math.Abs(map.Encode(x, again) + logDet) <= 1e-8);
            for (int i = 0; i < y.Length; i++) Assert.True(Math.Abs(again[i] - y[i]) <= 1e-8, $"trial {trial} {map.CoordinateNames[i]}: {again[i]} vs {y[i]}");
        }
    }

    [Fact]
    public void Encode_log_det_matches_a_finite_difference_jacobian_in_helmert_coordinates()
    {
        var map = AldpMap;
        int d = map.Dimension;
        const double h = 1e-6;
        var yPlus = new double[d];
        var yMinus = new double[d];
        foreach (int frame in new[] { 0, 137, 299 })
        {
            var x = AldpTrain.AsSpan(frame * 3 * Aldp, 3 * Aldp).ToArray();
            double logDet = map.Encode(x, new double[d]);
            var z = Helmert(x, Aldp);
            var jacobian = Matrix<double>.Build.Dense(d, d);
            for (int col = 0; col < d; col++)
            {
                double saved = z[col];
                z[col] = saved + h;
                map.Encode(FromHelmert(z, Aldp), yPlus);
                z[col] = saved - h;
                map.Encode(FromHelmert(z, Aldp), yMinus);
                z[col] = saved;
                for (int row = 0; row < d; row++) jacobian[row, col] = (yPlus[row] - yMinus[row]) / (2 * h);
            }
            double numeric = LogAbsDet(jacobian);
            Assert.True(Math.Abs(numeric - logDet) <= 1e-5, $"frame {frame}: finite differences {numeric}, Encode {logDet}");
            var back = new double[3 * Aldp];
            var y = new double[d];
            map.Encode(x, y);
            Assert.True(Math.Abs(map.Decode(y, back) + logDet) <= 1e-9, $"frame {frame}: Decode's log-det is not minus Encode's");
        }
    }

    [Theory]
    [InlineData(3)]
    [InlineData(22)]
    [InlineData(42)]
    public void Centring_log_det_is_three_halves_log_n(int atoms)
    {
        // Per axis d = R·Hᵀ·z, with R the rows e_i − e_a (i ≠ a); a = 1 here, any atom gives the same |det|.
        int a = 1;
        var h = Matrix<double>.Build.Dense(atoms, atoms - 1, (i, k) => CentredCoordinates.HelmertMatrix(atoms)[k * atoms + i]); // Hᵀ
        var r = Matrix<double>.Build.Dense(atoms - 1, atoms);
        for (int row = 0, i = 0; i < atoms; i++)
        {
            if (i == a) continue;
            r[row, i] = 1;
            r[row, a] = -1;
            row++;
        }
        Assert.Equal(InternalCoordinateMap.CentringLogDet(atoms), 3 * LogAbsDet(r * h), 10);
    }

    [Fact]
    public void Fitted_standardisation_gives_unit_scale_coordinates()
    {
        var map = AldpMap;
        int d = map.Dimension;
        var y = new double[AldpFrames * d];
        map.EncodeMany(AldpTrain, AldpFrames, y);
        for (int i = 0; i < d; i++)
        {
            var column = Enumerable.Range(0, AldpFrames).Select(f => y[f * d + i]).ToArray();
            double mean = column.Average();
            double std = Math.Sqrt(column.Average(v => (v - mean) * (v - mean)));
            string name = map.CoordinateNames[i];
            Assert.True(Math.Abs(mean) < 1, $"{name}: mean {mean}");
            // Every coordinate, including the broad methyl and orientation angles, has a spread of order one
            // (a Cauchy-tailed map would give stds of 5-10 here).
            Assert.True(std > 0.3 && std < 2, $"{name}: std {std}");
            Assert.True(column.Max(Math.Abs) < 10, $"{name}: max |y| {column.Max(Math.Abs)}");
            if (name.StartsWith("bond ")) Assert.True(Math.Abs(std - 1) <= 0.1, $"{name}: std {std}");
        }
        Assert.Equal(d, map.CoordinateNames.Count);
        Assert.Equal(["orientation polar", "orientation azimuth"], map.CoordinateNames.Take(2));
        Assert.Equal(21 - 2, map.CoordinateNames.Count(n => n.StartsWith("torsion ")));
    }

    [Fact]
    public void Json_round_trip_gives_bit_identical_encodings()
    {
        var map = AldpMap;
        string json = map.ToJson();
        var loaded = InternalCoordinateMap.FromJson(json);
        Assert.Equal(json, loaded.ToJson());
        Assert.Equal(map.ZMatrix.Entries, loaded.ZMatrix.Entries);
        Assert.Equal(map.CoordinateNames, loaded.CoordinateNames);
        var a = new double[50 * map.Dimension];
        var b = new double[50 * map.Dimension];
        double[] logA = map.EncodeMany(AldpTrain.AsSpan(0, 50 * 3 * Aldp), 50, a);
        double[] logB = loaded.EncodeMany(AldpTrain.AsSpan(0, 50 * 3 * Aldp), 50, b);
        Assert.Equal(a, b);
        Assert.Equal(logA, logB);
        Assert.Contains("\"z_matrix\"", json);
        Assert.Contains("\"atom_labels\"", json);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("{}")]
    [InlineData("[1, 2]")]
    public void Malformed_json_is_rejected(string json) =>
        Assert.Throws<InvalidDataException>(() => InternalCoordinateMap.FromJson(json));

    [Theory]
    [InlineData("\"atoms\": 22", "\"atoms\": 23")]             // inconsistent with the z-matrix
    [InlineData("\"atoms\": 22", "\"atoms\": \"many\"")]       // wrong type
    [InlineData("\"kind\": \"polar\"", "\"kind\": \"length\"")] // wrong kind for the layout
    [InlineData("\"coordinates\"", "\"coordinate_list\"")]     // missing field
    [InlineData("\"z_matrix\"", "\"zmatrix\"")]                // missing field
    [InlineData("\"scale\": 1", "\"scale\": -1")]              // the polar coordinate's scale
    [InlineData("\"torsion\": -1", "\"torsion\": null")]       // null field
    public void Json_with_a_bad_field_is_rejected(string from, string to)
    {
        string json = AldpMap.ToJson();
        Assert.Contains(from, json);
        Assert.Throws<InvalidDataException>(() => InternalCoordinateMap.FromJson(ReplaceFirst(json, from, to)));
    }

    [Fact]
    public void Wrong_lengths_and_non_finite_input_are_rejected()
    {
        var map = AldpMap;
        int d = map.Dimension;
        var x = AldpTrain.AsSpan(0, 3 * Aldp).ToArray();
        Assert.Throws<ArgumentException>(() => map.Encode(x.AsSpan(1), new double[d]));
        Assert.Throws<ArgumentException>(() => map.Encode(x, new double[d + 1]));
        Assert.Throws<ArgumentException>(() => map.Decode(new double[d - 1], new double[3 * Aldp]));
        Assert.Throws<ArgumentException>(() => map.Decode(new double[d], new double[3 * Aldp + 3]));
        Assert.Throws<ArgumentException>(() => map.EncodeMany(AldpTrain.AsSpan(0, 3 * 3 * Aldp), 2, new double[2 * d]));
        Assert.Throws<ArgumentException>(() => map.DecodeMany(new double[2 * d], 2, new double[3 * 3 * Aldp]));
        Assert.Throws<ArgumentException>(() => InternalCoordinateMap.Fit(map.ZMatrix, AldpTrain.AsSpan(0, 10 * 3 * Aldp - 1), 10));

        var frames = AldpTrain.AsSpan(0, 5 * 3 * Aldp).ToArray();
        frames[3 * 3 * Aldp + 7] = double.NaN;
        Assert.Contains("frame 3", Assert.Throws<ArgumentException>(() => map.EncodeMany(frames, 5, new double[5 * d])).Message);
        Assert.Contains("frame 3", Assert.Throws<ArgumentException>(() => InternalCoordinateMap.Fit(map.ZMatrix, frames, 5)).Message);
        var y = new double[5 * d];
        y[2 * d + 4] = double.PositiveInfinity;
        Assert.Contains("frame 2", Assert.Throws<ArgumentException>(() => map.DecodeMany(y, 5, new double[5 * 3 * Aldp])).Message);
        x[0] = double.NaN;
        Assert.Throws<ArgumentException>(() => map.Encode(x, new double[d]));
    }

    [Fact]
    public void Coincident_atoms_are_rejected_with_the_frame_index()
    {
        var map = AldpMap;
        var frames = AldpTrain.AsSpan(0, 3 * 3 * Aldp).ToArray();
        int a = map.ZMatrix.Entries[0].Atom, b = map.ZMatrix.Entries[1].Atom, offset = 2 * 3 * Aldp;
        for (int k = 0; k < 3; k++) frames[offset + 3 * b + k] = frames[offset + 3 * a + k];
        Assert.Contains("frame 2", Assert.Throws<ArgumentException>(() => map.EncodeMany(frames, 3, new double[3 * map.Dimension])).Message);
    }

    private static string ReplaceFirst(string text, string from, string to)
    {
        int i = text.IndexOf(from, StringComparison.Ordinal);
        return text[..i] + to + text[(i + from.Length)..];
    }
}

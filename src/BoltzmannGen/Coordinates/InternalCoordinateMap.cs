namespace BoltzmannGen.Coordinates;

/// <summary>
/// A bijection between centred conformations of N atoms (measured in the orthonormal (3N−3)-dimensional Helmert
/// coordinates of <see cref="Flows.CentredCoordinates"/>, nm) and D = 3N−3 standardised real numbers y, with the
/// exact log-Jacobian, in double precision.
/// <para>
/// Raw coordinates, in this order (a, b, c = the first three z-matrix atoms; j, k, l = an atom's bond, angle and
/// torsion partners): [0] polar angle θ_b of x_b − x_a; [1] its azimuth φ_b; [2] the rotation ω_c of c about the
/// a→b axis; [3] r_ab; [4] r_cj; [5] the angle c–j–k; then for every other atom: bond length, bond angle, torsion.
/// </para>
/// <para>
/// Orientation convention: with u = (x_b − x_a)/r_ab, ω_c is the azimuth of x_c − x_j about u, measured
/// right-handed about u from the half-plane spanned by u and the lab +z axis (e1 = the unit part of ẑ
/// perpendicular to u, e2 = u × e1). It is undefined only when u is parallel to z (θ_b = 0 or π, probability
/// zero); there the lab +x axis takes z's place so the map stays finite.
/// </para>
/// <para>
/// Jacobian: x ↦ relative vectors d_i = x_i − x_a (i ≠ a) is linear with log|det| = (3/2)·log N (derivation in
/// <see cref="CentringLogDet"/>); placing b costs r_ab²·sin θ_b, c costs r²·sin(angle), every other atom r²·sin θ.
/// </para>
/// </summary>
public sealed partial class InternalCoordinateMap
{
    private readonly int[] atom, bond, angle, torsion; // z-matrix columns in placement order
    private readonly CoordinateKind[] kinds;
    private readonly double[] location, scale;
    private readonly double centringLogDet;

    private InternalCoordinateMap(ZMatrix z, double[] location, double[] scale)
    {
        ZMatrix = z;
        Atoms = z.Atoms;
        atom = z.Entries.Select(e => e.Atom).ToArray();
        bond = z.Entries.Select(e => e.Bond).ToArray();
        angle = z.Entries.Select(e => e.Angle).ToArray();
        torsion = z.Entries.Select(e => e.Torsion).ToArray();
        kinds = Layout(Atoms);
        this.location = location;
        this.scale = scale;
        centringLogDet = CentringLogDet(Atoms);
        CoordinateNames = Names();
    }

    public int Atoms { get; }
    public int Dimension => 3 * Atoms - 3;
    public ZMatrix ZMatrix { get; }

    /// <summary>One name per coordinate, e.g. "orientation polar", "bond C1-N2", "torsion H3: H3-C1-N2-CA2".</summary>
    public IReadOnlyList<string> CoordinateNames { get; }

    // Read-only views for the tensor (autograd) decode in Flows/InternalCoordinateTensors.
    internal IReadOnlyList<int> AtomColumn => atom;
    internal IReadOnlyList<int> BondColumn => bond;
    internal IReadOnlyList<int> AngleColumn => angle;
    internal IReadOnlyList<int> TorsionColumn => torsion;
    internal IReadOnlyList<CoordinateKind> Kinds => kinds;
    internal IReadOnlyList<double> Location => location;
    internal IReadOnlyList<double> Scale => scale;

    /// <summary>
    /// log|det ∂d/∂z| for z the Helmert coordinates and d the N−1 vectors x_i − x_a: per axis d = R·Hᵀ·z with
    /// R = rows e_i − e_a. Stacking the unit row 1ᵀ/√N on both R and H gives [[1, 0], [0, R·Hᵀ]] = R̃·Ũᵀ with Ũ
    /// orthogonal, and |det R̃| = √N (add all columns into column a), so |det R·Hᵀ| = √N, i.e. (3/2)·log N for three axes.
    /// </summary>
    public static double CentringLogDet(int atoms) => 1.5 * Math.Log(atoms);

    /// <summary>Standardised coordinates of one conformation (N·3 nm, need not be centred); returns log|det ∂y/∂z|.</summary>
    public double Encode(ReadOnlySpan<double> positions, Span<double> y)
    {
        CheckLength(positions.Length, 3 * Atoms, nameof(positions));
        CheckLength(y.Length, Dimension, nameof(y));
        CheckFinite(positions, 1, nameof(positions));
        if (!TryEncode(positions, y, out double logDet))
            throw new ArgumentException("degenerate conformation (coincident or collinear atoms): its internal coordinates are not finite", nameof(positions));
        return logDet;
    }

    /// <summary>A centred conformation (N·3 nm, centroid 0) from standardised coordinates; returns log|det ∂z/∂y|.</summary>
    public double Decode(ReadOnlySpan<double> y, Span<double> positions)
    {
        CheckLength(y.Length, Dimension, nameof(y));
        CheckLength(positions.Length, 3 * Atoms, nameof(positions));
        CheckFinite(y, 1, nameof(y));
        return DecodeFrame(y, positions);
    }

    /// <summary>Raw internal coordinates into <paramref name="q"/>; returns Σ log(r²·sin θ) over the placed atoms.</summary>
    private double Raw(ReadOnlySpan<double> x, Span<double> q)
    {
        Vec3 xa = Vec3.Read(x, atom[0]);
        Vec3 db = Vec3.Read(x, atom[1]) - xa;
        double rab = db.Length, rho = Math.Sqrt(db.X * db.X + db.Y * db.Y);
        q[0] = Math.Atan2(rho, db.Z);
        q[1] = Math.Atan2(db.Y, db.X);
        var (e1, e2) = ReferenceFrame((1 / rab) * db);
        Vec3 xc = Vec3.Read(x, atom[2]), xj = Vec3.Read(x, bond[2]), xk = Vec3.Read(x, angle[2]);
        Vec3 v = xc - xj;
        q[2] = Math.Atan2(Vec3.Dot(v, e2), Vec3.Dot(v, e1));
        q[3] = rab;
        q[4] = v.Length;
        q[5] = Geometry.BondAngle(xc, xj, xk);
        double logVolume = 2 * Math.Log(rab) + Math.Log(rho / rab) + 2 * Math.Log(q[4]) + Math.Log(Math.Sin(q[5]));
        for (int m = 3; m < Atoms; m++)
        {
            Vec3 xi = Vec3.Read(x, atom[m]);
            xj = Vec3.Read(x, bond[m]);
            int o = 3 * m - 3;
            q[o] = (xi - xj).Length;
            q[o + 1] = Geometry.BondAngle(xi, xj, Vec3.Read(x, angle[m]));
            q[o + 2] = Geometry.Torsion(xi, xj, Vec3.Read(x, angle[m]), Vec3.Read(x, torsion[m]));
            logVolume += 2 * Math.Log(q[o]) + Math.Log(Math.Sin(q[o + 1]));
        }
        return logVolume;
    }

    private bool TryEncode(ReadOnlySpan<double> x, Span<double> y, out double logDet)
    {
        logDet = centringLogDet - Raw(x, y);
        for (int i = 0; i < y.Length; i++)
            y[i] = Standardisation.Forward(kinds[i], location[i], scale[i], y[i], ref logDet);
        if (!double.IsFinite(logDet)) return false;
        foreach (double v in y) if (!double.IsFinite(v)) return false;
        return true;
    }

    private double DecodeFrame(ReadOnlySpan<double> y, Span<double> x)
    {
        double logDet = -centringLogDet;
        double thetaB = Value(0, y, ref logDet), phiB = Value(1, y, ref logDet), omega = Value(2, y, ref logDet);
        double rab = Value(3, y, ref logDet), rc = Value(4, y, ref logDet), thetaC = Value(5, y, ref logDet);

        // Positions relative to a first (written into x), centred at the end.
        var u = new Vec3(Math.Sin(thetaB) * Math.Cos(phiB), Math.Sin(thetaB) * Math.Sin(phiB), Math.Cos(thetaB));
        new Vec3(0, 0, 0).Write(x, atom[0]);
        (rab * u).Write(x, atom[1]);
        var (e1, e2) = ReferenceFrame(u);
        Vec3 xj = Vec3.Read(x, bond[2]);
        Vec3 axis = (Vec3.Read(x, angle[2]) - xj).Normalised(); // ±u
        Vec3 radial = (Math.Cos(omega) * e1) + (Math.Sin(omega) * e2);
        (xj + (rc * Math.Cos(thetaC)) * axis + (rc * Math.Sin(thetaC)) * radial).Write(x, atom[2]);
        // sin θ_b = sech y₀ exactly; a decoded angle outside (0, π) still has a Jacobian, |r²·sin θ|.
        logDet += 2 * Math.Log(Math.Abs(rab)) - Standardisation.LogCosh(y[0])
                + 2 * Math.Log(Math.Abs(rc)) + Math.Log(Math.Abs(Math.Sin(thetaC)));
        for (int m = 3; m < Atoms; m++)
        {
            int o = 3 * m - 3;
            double r = Value(o, y, ref logDet), theta = Value(o + 1, y, ref logDet), phi = Value(o + 2, y, ref logDet);
            Geometry.Place(Vec3.Read(x, bond[m]), Vec3.Read(x, angle[m]), Vec3.Read(x, torsion[m]), r, theta, phi).Write(x, atom[m]);
            logDet += 2 * Math.Log(Math.Abs(r)) + Math.Log(Math.Abs(Math.Sin(theta)));
        }

        // Remove the centroid (the Helmert coordinates only see the centred part).
        Vec3 sum = default;
        for (int i = 0; i < Atoms; i++) sum += Vec3.Read(x, i);
        Vec3 centroid = (1.0 / Atoms) * sum;
        for (int i = 0; i < Atoms; i++) (Vec3.Read(x, i) - centroid).Write(x, i);
        return logDet;
    }

    /// <summary>Raw coordinate i from y[i], adding log|dvalue/dy| to <paramref name="logDet"/>.</summary>
    private double Value(int i, ReadOnlySpan<double> y, ref double logDet) =>
        Standardisation.Inverse(kinds[i], location[i], scale[i], y[i], ref logDet);

    /// <summary>The lab reference for ω_c: e1 ⟂ u in the (u, ẑ) plane (x̂ if u ∥ ẑ), e2 = u × e1.</summary>
    private static (Vec3 E1, Vec3 E2) ReferenceFrame(Vec3 u)
    {
        Vec3 e1 = new Vec3(0, 0, 1) - u.Z * u;
        if (e1.Length < 1e-12) e1 = new Vec3(1, 0, 0) - u.X * u;
        e1 = e1.Normalised();
        return (e1, Vec3.Cross(u, e1));
    }

    /// <summary>The kind of each coordinate, fixed by the layout.</summary>
    private static CoordinateKind[] Layout(int atoms)
    {
        var k = new CoordinateKind[3 * atoms - 3];
        k[0] = CoordinateKind.Polar;
        k[1] = k[2] = CoordinateKind.Periodic;
        k[3] = k[4] = CoordinateKind.Length;
        k[5] = CoordinateKind.Angle;
        for (int o = 6; o < k.Length; o += 3)
            (k[o], k[o + 1], k[o + 2]) = (CoordinateKind.Length, CoordinateKind.Angle, CoordinateKind.Periodic);
        return k;
    }

    private string[] Names()
    {
        string L(int i) => ZMatrix.AtomLabels[i];
        var names = new List<string>
        {
            "orientation polar", "orientation azimuth", $"orientation rotation {L(atom[2])}",
            $"bond {L(atom[1])}-{L(atom[0])}", $"bond {L(atom[2])}-{L(bond[2])}", $"angle {L(atom[2])}-{L(bond[2])}-{L(angle[2])}",
        };
        for (int m = 3; m < Atoms; m++)
        {
            names.Add($"bond {L(atom[m])}-{L(bond[m])}");
            names.Add($"angle {L(atom[m])}-{L(bond[m])}-{L(angle[m])}");
            names.Add($"torsion {L(atom[m])}-{L(bond[m])}-{L(angle[m])}-{L(torsion[m])}");
        }
        return names.ToArray();
    }

    private static void CheckLength(int actual, int expected, string argument)
    {
        if (actual != expected) throw new ArgumentException($"expected {expected} values, got {actual}", argument);
    }

    /// <summary>Throws naming the first frame (of <paramref name="perFrame"/> values each) holding NaN or ±∞.</summary>
    private static void CheckFinite(ReadOnlySpan<double> values, int frames, string argument)
    {
        int perFrame = frames == 0 ? 1 : values.Length / frames;
        for (int i = 0; i < values.Length; i++)
            if (!double.IsFinite(values[i]))
                throw new ArgumentException(frames == 1
                    ? $"value {i} is not finite ({values[i]})"
                    : $"frame {i / perFrame}: value {i % perFrame} is not finite ({values[i]})", argument);
    }
}

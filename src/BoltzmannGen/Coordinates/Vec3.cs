namespace BoltzmannGen.Coordinates;

/// <summary>A double-precision 3-vector (System.Numerics.Vector3 is single precision).</summary>
internal readonly record struct Vec3(double X, double Y, double Z)
{
    public static Vec3 operator +(Vec3 a, Vec3 b) => new(a.X + b.X, a.Y + b.Y, a.Z + b.Z);
    public static Vec3 operator -(Vec3 a, Vec3 b) => new(a.X - b.X, a.Y - b.Y, a.Z - b.Z);
    public static Vec3 operator *(double s, Vec3 a) => new(s * a.X, s * a.Y, s * a.Z);

    public static double Dot(Vec3 a, Vec3 b) => a.X * b.X + a.Y * b.Y + a.Z * b.Z;
    public static Vec3 Cross(Vec3 a, Vec3 b) => new(a.Y * b.Z - a.Z * b.Y, a.Z * b.X - a.X * b.Z, a.X * b.Y - a.Y * b.X);
    public double Length => Math.Sqrt(Dot(this, this));
    public Vec3 Normalised() => (1.0 / Length) * this;

    public static Vec3 Read(ReadOnlySpan<double> xyz, int atom) => new(xyz[3 * atom], xyz[3 * atom + 1], xyz[3 * atom + 2]);

    public void Write(Span<double> xyz, int atom)
    {
        xyz[3 * atom] = X;
        xyz[3 * atom + 1] = Y;
        xyz[3 * atom + 2] = Z;
    }
}

/// <summary>Bond angles, torsions and placement of an atom from them (natural-extension reference frame).</summary>
internal static class Geometry
{
    /// <summary>Angle between u and v in [0, π]; atan2 keeps full precision near 0 and π, where acos does not.</summary>
    public static double Angle(Vec3 u, Vec3 v) => Math.Atan2(Vec3.Cross(u, v).Length, Vec3.Dot(u, v));

    /// <summary>Bond angle i–j–k at j.</summary>
    public static double BondAngle(Vec3 i, Vec3 j, Vec3 k) => Angle(i - j, k - j);

    /// <summary>IUPAC torsion i–j–k–l in (−π, π] (symmetric under reversing the chain).</summary>
    public static double Torsion(Vec3 i, Vec3 j, Vec3 k, Vec3 l)
    {
        Vec3 b1 = j - i, b2 = k - j, b3 = l - k;
        Vec3 n1 = Vec3.Cross(b1, b2), n2 = Vec3.Cross(b2, b3);
        return Math.Atan2(b2.Length * Vec3.Dot(b1, n2), Vec3.Dot(n1, n2));
    }

    /// <summary>
    /// The position of i with |i − j| = r, angle i–j–k = θ and torsion i–j–k–l = φ: the inverse of the three
    /// functions above, for l not on the j–k line.
    /// </summary>
    public static Vec3 Place(Vec3 j, Vec3 k, Vec3 l, double r, double theta, double phi)
    {
        Vec3 e = (j - k).Normalised();                       // along k → j
        Vec3 n = Vec3.Cross(k - l, e).Normalised();          // normal of the l–k–j plane
        Vec3 m = Vec3.Cross(n, e);                           // in that plane, perpendicular to e
        double rs = r * Math.Sin(theta);
        return j + (-r * Math.Cos(theta)) * e + (rs * Math.Cos(phi)) * m + (rs * Math.Sin(phi)) * n;
    }

    /// <summary>x wrapped into (−π, π].</summary>
    public static double Wrap(double x)
    {
        double w = Math.IEEERemainder(x, 2 * Math.PI); // [−π, π]
        return w <= -Math.PI ? w + 2 * Math.PI : w;
    }
}

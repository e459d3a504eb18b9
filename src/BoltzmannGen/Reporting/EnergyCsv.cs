using System.Globalization;
using BoltzmannGen.Data;
using CsvHelper;

namespace BoltzmannGen.Reporting;

/// <summary>
/// energies.csv: header <c>frame,energy_kj_mol,reduced_energy</c>, one row per frame, full double precision
/// (round-trip "R" format). Non-finite energies are written as inf, -inf or nan, which numpy and pandas read.
/// Written atomically: the file appears complete or not at all.
/// </summary>
public static class EnergyCsv
{
    public static readonly string[] Header = ["frame", "energy_kj_mol", "reduced_energy"];

    public static void Write(string path, IReadOnlyList<double> energies, double kT) =>
        AtomicFile.Write(path, stream =>
        {
            using var csv = CsvWriter.Create(stream, null, true);
            csv.WriteHeader(Header);
            for (int i = 0; i < energies.Count; i++)
            {
                csv.WriteField(i.ToString(CultureInfo.InvariantCulture));
                csv.WriteField(Format(energies[i]));
                csv.WriteField(Format(energies[i] / kT));
                csv.EndRecord();
            }
            csv.Flush();
        });

    public static string Format(double value) => value switch
    {
        double.PositiveInfinity => "inf",
        double.NegativeInfinity => "-inf",
        double.NaN => "nan",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };
}

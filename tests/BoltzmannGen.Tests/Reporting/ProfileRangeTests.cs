using BoltzmannGen.Analysis;
using BoltzmannGen.Reporting;

namespace BoltzmannGen.Tests.Reporting;

public class ProfileRangeTests
{
    private static readonly double[] Centres = [-150, -90, -30, 30, 90, 150];

    [Fact]
    public void A_noisy_sparse_bin_does_not_stretch_the_axis_past_a_few_kbt_above_mds_highest_well_sampled_bin()
    {
        var md = new Profile1D("MD", Centres, [1, 0, 2, 6, 4, 9.5], EffectiveCounts: [900, 2000, 400, 30, 80, 3]);
        // The flow's bin at 30° holds 1.3 effective samples and reads 160 k_BT; its bin at 150° is empty.
        var flow = new Profile1D("flow (reweighted)", Centres, [1.2, 0, 2.5, 160, 4.4, double.NaN],
            [0.9, -0.2, 2.0, 40, 3.9, double.NaN], [1.5, 0.2, 3.0, double.PositiveInfinity, 5.0, double.NaN],
            EffectiveCounts: [500, 800, 60, 1.3, 25, 0]);

        var (bottom, top) = ProfileRange.Limits([md, flow]);
        // MD's 9.5 k_BT bin has 3 frames: sparse too, so the top is 6 (its highest well-sampled bin) + 4.
        Assert.Equal(6 + ProfileRange.Headroom, top, 12);
        Assert.True(bottom < -0.2 && bottom > -1, $"bottom {bottom}");
        Assert.True(ProfileRange.IsSparse(flow, 3));
        Assert.False(ProfileRange.IsSparse(flow, 5)); // empty, not sparse: nothing to mark
        Assert.False(ProfileRange.IsWellSampled(flow, 5));

        // Without effective counts every finite bin counts: then the MD bin at 9.5 sets the top, and a flow-only
        // figure would run to 164 k_BT.
        Assert.Equal(9.5 + ProfileRange.Headroom, ProfileRange.Limits([md with { EffectiveCounts = null }, flow]).Top, 12);
        Assert.Equal(160 + ProfileRange.Headroom, ProfileRange.Limits([flow with { EffectiveCounts = null }]).Top, 12);
        // A reference with no well-sampled bin falls back to the well-sampled bins of every profile.
        var emptyMd = md with { EffectiveCounts = [0, 0, 0, 0, 0, 0] };
        Assert.Equal(4.4 + ProfileRange.Headroom, ProfileRange.Limits([emptyMd, flow]).Top, 12);

        // The drawn figure uses those limits.
        var limits = Plots.BuildFreeEnergyProfile("ALA 2", [md, flow]).Axes.GetLimits();
        Assert.Equal(top, limits.Top, 9);
        Assert.Equal(bottom, limits.Bottom, 9);
        Assert.Equal(-180, limits.Left, 9);
        Assert.Equal(180, limits.Right, 9);
    }

    [Fact]
    public void Effective_counts_are_kish_per_histogram_bin_and_frame_counts_without_weights()
    {
        const int bins = 4; // [−180, −90), [−90, 0), [0, 90), [90, 180)
        double R(double degrees) => degrees * Math.PI / 180;
        var angles = new[] { R(-170), R(-100), R(-45), R(-10), R(-80), R(45), R(135), R(180) };
        var weights = new[] { 1.0, 1.0, 1.0, 3.0, 0.0, 2.0, 5.0, 5.0 };
        var counts = ProfileRange.EffectiveCounts(angles, weights, bins);
        // Bin 0: weights 1, 1 and the sample at 180° (wrapped to −180°) with 5: (7)² / 27. Bin 1: 1 and 3 (the zero
        // weight is ignored): 16 / 10. Bin 2: one sample. Bin 3: one sample.
        Assert.Equal([49.0 / 27, 16.0 / 10, 1, 1], counts, (a, b) => Math.Abs(a - b) < 1e-12);
        Assert.Equal([3.0, 3, 1, 1], ProfileRange.EffectiveCounts(angles, null, bins));
        // The bins are FreeEnergySurface.Profile's.
        Assert.Equal(FreeEnergySurface.DefaultProfileBins, ProfileRange.EffectiveCounts(angles, null).Length);
        Assert.Throws<ArgumentException>(() => ProfileRange.EffectiveCounts(angles, [1.0], bins));
    }
}

using BoltzmannGen.Flows;
using static TorchSharp.torch;

namespace BoltzmannGen.Sampling;

/// <summary>
/// Several flows of one system as one proposal: q_mix = (1/K)·Σ_k q_k, each draw's member chosen uniformly at random.
/// Every member's log q is a density of the same centred (3N−3)-dimensional coordinates, whatever its architecture or
/// flow coordinates, so the sum is exact. A draw's weight p/q_mix is at most K times the smallest of its weights under
/// the members: where one flow lacks mass another can cover it, and flows trained apart rarely lack it in the same
/// place (the balance heuristic of multiple importance sampling). The cost: one forward pass in the drawing flow and
/// one density (inverse) pass in each other member.
/// </summary>
public sealed class FlowMixture
{
    /// <param name="members">two or more flows of one system, on one device</param>
    public FlowMixture(IReadOnlyList<BoltzmannFlow> members)
    {
        if (members.Count < 2) throw new ArgumentException("A mixture needs at least two flows.", nameof(members));
        if (members.Any(m => m.Atoms != members[0].Atoms))
            throw new ArgumentException("The flows of a mixture must model the same number of atoms.", nameof(members));
        Members = members;
    }

    public IReadOnlyList<BoltzmannFlow> Members { get; }

    /// <summary>n conformations (n, N, 3) nm and their log q_mix (n, float64); members and prior draws come from <paramref name="generator"/>.</summary>
    public (Tensor positions, Tensor logQ) Sample(int n, Generator generator)
    {
        using var scope = NewDisposeScope();
        int k = Members.Count;
        var member = randint(0, k, new long[] { n }, device: generator.device, generator: generator);
        var positions = new List<Tensor>();
        var logQ = new List<Tensor>();
        for (int m = 0; m < k; m++)
        {
            int count = (int)member.eq(m).sum().item<long>();
            if (count == 0) continue;
            var (x, own) = Members[m].Sample(count, generator);
            positions.Add(x.to(float64).cpu());
            logQ.Add(LogMixtureDensity(x, m, own));
        }
        return scope.MoveToOuter(cat(positions), cat(logQ));
    }

    /// <summary>log q_mix of positions (B, N, 3) nm, through every member's density direction (B, float64).</summary>
    public Tensor LogQ(Tensor positions) => LogMixtureDensity(positions, -1, null);

    // log((1/K)·Σ_j q_j(x)), with member `drawnBy`'s log q already known from its forward pass.
    private Tensor LogMixtureDensity(Tensor positions, int drawnBy, Tensor? own)
    {
        using var scope = NewDisposeScope();
        var each = Members.Select((flow, j) => (j == drawnBy ? own! : flow.LogQ(positions)).to(float64).cpu()).ToArray();
        return scope.MoveToOuter(stack(each).logsumexp(0).sub(Math.Log(Members.Count)));
    }
}

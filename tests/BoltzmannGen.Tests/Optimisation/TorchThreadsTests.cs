using BoltzmannGen.Optimisation;
using BoltzmannGen.Teacher;
using static TorchSharp.torch;

namespace BoltzmannGen.Tests.Optimisation;

/// <summary>The thread count is libtorch's process-wide setting: a stage sets it and must give it back.</summary>
[Collection("memory")] // alone: other tests' timings depend on the process-wide thread count
public class TorchThreadsTests
{
    [Fact]
    public void SetsTheCountForAStretchAndRestoresIt()
    {
        int before = get_num_threads();
        int wanted = before == 1 ? 2 : 1;
        using (TorchThreads.Use(wanted)) Assert.Equal(wanted, get_num_threads());
        Assert.Equal(before, get_num_threads());
        using (TorchThreads.Use(0)) Assert.Equal(before, get_num_threads());
        Assert.Throws<ArgumentOutOfRangeException>(() => TorchThreads.Use(-1));
        Assert.Contains("threads", Assert.Throws<InputException>(new TeacherConfig { Threads = -2 }.Validate).Message);
    }
}

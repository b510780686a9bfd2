using static TorchSharp.torch;

namespace Mae.Tests;

public class TorchSharpLoadingTests
{
    [Fact]
    public void NativeLibraryLoadsAndComputesGradientsInsideTheTestHost()
    {
        // d/dx sum(x²) = 2x: proves libtorch is loaded and autograd runs.
        using var x = tensor(new float[] { 1f, -2f, 3f }).requires_grad_();
        using var y = (x * x).sum();
        y.backward();
        Assert.Equal(new float[] { 2f, -4f, 6f }, x.grad!.data<float>().ToArray());
    }

    [Fact]
    public void NativeLibraryIsLoadedFromTheBuildOutputNotACopyFromThePackageCache()
    {
        // TorchSharp copies natives into a 'cpu' folder beside the app only when loading from the output failed.
        using var _ = ones(1);
        Assert.False(Directory.Exists(Path.Combine(AppContext.BaseDirectory, "cpu")),
            "TorchSharp fell back to copying its native libraries from the NuGet cache: the build did not make the output's libLibTorchSharp.so loadable.");
    }
}

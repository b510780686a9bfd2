using Microsoft.ML;
using Microsoft.ML.Data;

/// <summary>One split of Fashion-MNIST: 28×28 grey images, row-major, and their classes 0–9.</summary>
sealed class FashionMnistSplit(byte[] pixels, byte[] labels)
{
    public const int Width = 28, Height = 28, PixelCount = Width * Height, ClassCount = 10;

    public static readonly string[] ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    public int Count => labels.Length;

    /// <summary>The binarization rule of <see cref="ToDataView"/>, for the output.</summary>
    public const string BinarizationRule = "pixel/255 >= 0.5 -> 1, else 0 (grey levels 128 to 255 become 1)";

    /// <summary>
    /// The images as an ML.NET view: <c>Features</c>, Vector&lt;Single, 784&gt; of pixel/255, and <c>Label</c>, a key of 10 classes.
    /// <paramref name="rows"/> picks the images, in that order (all of them when <c>null</c>). With <paramref name="binarize"/>,
    /// each feature is 1 when pixel/255 ≥ 0.5 and 0 otherwise (<see cref="BinarizationRule"/>): a fixed threshold, not a random draw.
    /// </summary>
    public IDataView ToDataView(MLContext mlContext, IReadOnlyList<int>? rows = null, bool binarize = false)
    {
        rows ??= Enumerable.Range(0, Count).ToArray();
        var images = rows.Select(row =>
        {
            var features = new float[PixelCount];
            for (int i = 0; i < PixelCount; i++)
            {
                float value = pixels[row * PixelCount + i] / 255f;
                features[i] = binarize ? (value >= 0.5f ? 1f : 0f) : value;
            }
            return new Image { Features = features, Label = labels[row] + 1u }; // key values count from 1; 0 is "missing"
        });
        return mlContext.Data.LoadFromEnumerable(images.ToList());
    }

    /// <summary>A row of <see cref="ToDataView"/>.</summary>
    private sealed class Image
    {
        [VectorType(PixelCount)]
        public float[] Features { get; set; } = [];

        [KeyType(ClassCount)]
        public uint Label { get; set; }
    }

    /// <summary>
    /// Reads the split <paramref name="prefix"/> ("train" or "t10k") from <paramref name="directory"/>: its files
    /// <c>{prefix}-images-idx3-ubyte</c> and <c>{prefix}-labels-idx1-ubyte</c>, each plain or with <c>.gz</c>.
    /// </summary>
    /// <exception cref="FileNotFoundException">A file is missing; the message says how to install the data.</exception>
    /// <exception cref="InvalidDataException">A file is not what Fashion-MNIST ships; the message names it.</exception>
    public static FashionMnistSplit Read(string directory, string prefix)
    {
        string imagesPath = Find(directory, $"{prefix}-images-idx3-ubyte");
        string labelsPath = Find(directory, $"{prefix}-labels-idx1-ubyte");
        var images = IdxFile.Read(imagesPath, dimensionCount: 3);
        var labels = IdxFile.Read(labelsPath, dimensionCount: 1);
        if (images.Dimensions[1] != Height || images.Dimensions[2] != Width)
        {
            throw new InvalidDataException(
                $"{imagesPath} holds images of {images.Dimensions[1]}×{images.Dimensions[2]} pixels; expected {Height}×{Width}.");
        }
        if (images.Dimensions[0] != labels.Dimensions[0])
        {
            throw new InvalidDataException(
                $"{imagesPath} holds {images.Dimensions[0]} images but {labelsPath} holds {labels.Dimensions[0]} labels; expected as many of each.");
        }
        int bad = Array.FindIndex(labels.Values, label => label >= ClassCount);
        if (bad >= 0)
            throw new InvalidDataException($"{labelsPath}: label {bad} is {labels.Values[bad]}; expected a class from 0 to {ClassCount - 1}.");
        return new FashionMnistSplit(images.Values, labels.Values);
    }

    private static string Find(string directory, string name)
    {
        string plain = Path.Combine(directory, name);
        if (File.Exists(plain))
            return plain;
        if (File.Exists(plain + ".gz"))
            return plain + ".gz";
        throw new FileNotFoundException(
            $"Fashion-MNIST is missing: neither {plain} nor {plain}.gz exists. Install Debian's package with " +
            "`sudo apt-get install dataset-fashion-mnist` (or run `bash scripts/setup.sh`), or pass --data DIR.", plain);
    }
}
